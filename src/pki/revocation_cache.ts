/**
 * What a credential's async revocation checks fetched: CRLs by URL and OCSP
 * responses by certificate, each kept until its `nextUpdate` (an hour when it has
 * none), at most {@link MAX_CACHED} of each (the oldest out). Public data: nothing
 * here is secret.
 *
 * @module
 */
import type { Crl } from "./crl.ts";
import { toHex } from "../util/bytes.ts";

/** The most CRLs, and the most OCSP responses, a credential keeps. */
export const MAX_CACHED = 256;
/** How long something without a `nextUpdate` is kept (ms). */
export const DEFAULT_KEEP_MS = 3600_000;

interface Entry<T> {
  value: T;
  until: number;
}

/** A bounded map whose entries expire. */
class Expiring<T> {
  #m = new Map<string, Entry<T>>();

  get(key: string, now: number): T | null {
    const e = this.#m.get(key);
    if (!e) return null;
    if (now >= e.until) {
      this.#m.delete(key);
      return null;
    }
    return e.value;
  }

  set(key: string, value: T, until: number): void {
    this.#m.delete(key);
    this.#m.set(key, { value, until });
    while (this.#m.size > MAX_CACHED) {
      this.#m.delete(this.#m.keys().next().value!);
    }
  }

  get size(): number {
    return this.#m.size;
  }
}

/** The key of a certificate's OCSP answers: its issuer's name and its serial. */
export function ocspKey(issuer: Uint8Array, serial: Uint8Array): string {
  return `${toHex(issuer)}/${toHex(serial)}`;
}

/** A credential's cache of fetched revocation information. */
export class RevocationCache {
  /** CRLs by the URL they came from. */
  readonly crls: Expiring<Crl> = new Expiring<Crl>();
  /** DER OCSP responses by {@link ocspKey}. */
  readonly ocsp: Expiring<Uint8Array> = new Expiring<Uint8Array>();

  /** Keeps `crl` from `url` until its nextUpdate. */
  addCrl(url: string, crl: Crl, now: number): void {
    this.crls.set(url, crl, crl.nextUpdate?.getTime() ?? now + DEFAULT_KEEP_MS);
  }

  /** Keeps an OCSP response under `key` until `nextUpdate` (ms), if given. */
  addOcsp(
    key: string,
    der: Uint8Array,
    nextUpdate: number | null,
    now: number,
  ) {
    this.ocsp.set(key, der, nextUpdate ?? now + DEFAULT_KEEP_MS);
  }
}
