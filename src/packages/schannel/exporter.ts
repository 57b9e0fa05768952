/**
 * Keying material exporters: RFC 8446 7.5 for TLS 1.3 (from the
 * `exporter_master_secret`) and RFC 5705 for TLS 1.2 (the PRF over the master
 * secret and the two randoms, with RFC 7627's extended master secret required).
 * What Schannel's `SECPKG_ATTR_KEYING_MATERIAL` gives after
 * `SetContextAttributes(SECPKG_ATTR_KEYING_MATERIAL_INFO)`, and what RFC 9266's
 * `tls-exporter` channel binding is made of.
 *
 * @module
 */
import { deriveSecret, hkdfExpandLabel, type Tls13Suite } from "./keys.ts";
import { prf12 } from "./prf.ts";

/** Labels of TLS 1.2's own PRF uses, which an exporter must not take (RFC 5705 4). */
const RESERVED_LABELS: readonly string[] = [
  "client finished",
  "server finished",
  "master secret",
  "extended master secret",
  "key expansion",
];

/** The largest exporter label (TLS 1.3: "tls13 " and the label fit in 255 bytes). */
export const MAX_EXPORTER_LABEL = 249;

/**
 * Why an exporter request is refused, or null when it is acceptable: a label that
 * is empty, not ASCII, too long or one of TLS 1.2's own PRF labels; a context of
 * 65,536 bytes or more; a length of 0 or over 65,535 bytes.
 */
export function exporterRequestError(
  label: string,
  context: Uint8Array | null,
  length: number,
): string | null {
  if (!label.length || label.length > MAX_EXPORTER_LABEL) {
    return `the label must have 1 to ${MAX_EXPORTER_LABEL} characters`;
  }
  // deno-lint-ignore no-control-regex
  if (!/^[\x01-\x7f]*$/.test(label)) return "the label must be ASCII";
  if (RESERVED_LABELS.includes(label)) {
    return "the label is one TLS itself uses (RFC 5705 4)";
  }
  if (context && context.length > 0xffff) {
    return "the context value must be shorter than 65,536 bytes";
  }
  if (!Number.isInteger(length) || length < 1 || length > 0xffff) {
    return "cbKeyingMaterial must be 1 to 65,535";
  }
  return null;
}

/** The secret an exporter works from, kept after a handshake only when asked for. */
export class ExporterSecret {
  readonly #suite: Tls13Suite;
  readonly #tls13: boolean;
  #secret: Uint8Array;
  readonly #randoms: Uint8Array;

  private constructor(
    suite: Tls13Suite,
    tls13: boolean,
    secret: Uint8Array,
    randoms: Uint8Array,
  ) {
    this.#suite = suite;
    this.#tls13 = tls13;
    this.#secret = secret;
    this.#randoms = randoms;
  }

  /**
   * TLS 1.3: `exporter_master_secret` = Derive-Secret(master secret, "exp master",
   * transcript hash through the server's Finished). `master` is not kept.
   */
  static tls13(
    suite: Tls13Suite,
    master: Uint8Array,
    serverFinishedHash: Uint8Array,
  ): ExporterSecret {
    const secret = deriveSecret(
      suite,
      master,
      "exp master",
      serverFinishedHash,
    );
    return new ExporterSecret(suite, true, secret, new Uint8Array(0));
  }

  /**
   * TLS 1.2: a copy of the master secret and client_random + server_random; null
   * without the extended master secret (RFC 7627 5.4: no export then).
   */
  static tls12(
    suite: Tls13Suite,
    master: Uint8Array,
    clientRandom: Uint8Array,
    serverRandom: Uint8Array,
    ems: boolean,
  ): ExporterSecret | null {
    if (!ems || clientRandom.length !== 32 || serverRandom.length !== 32) {
      return null;
    }
    const randoms = new Uint8Array(64);
    randoms.set(clientRandom);
    randoms.set(serverRandom, 32);
    return new ExporterSecret(suite, false, master.slice(), randoms);
  }

  /** The largest `length` {@link export} takes (TLS 1.3: 255 hash lengths). */
  get maxLength(): number {
    return this.#tls13 ? Math.min(255 * this.#suite.hashLen, 0xffff) : 0xffff;
  }

  /**
   * `length` bytes for `label` and `context` (null: no context, which TLS 1.3
   * treats as an empty one and TLS 1.2 leaves out of the seed). The request is
   * checked by the caller ({@link exporterRequestError}, {@link maxLength}).
   */
  export(
    label: string,
    context: Uint8Array | null,
    length: number,
  ): Uint8Array {
    if (!this.#secret.length) throw new Error("the exporter secret was wiped");
    const s = this.#suite;
    if (this.#tls13) {
      const empty = s.digest(new Uint8Array(0));
      const derived = deriveSecret(s, this.#secret, label, empty);
      const out = hkdfExpandLabel(
        s,
        derived,
        "exporter",
        s.digest(context ?? new Uint8Array(0)),
        length,
      );
      derived.fill(0);
      return out;
    }
    let seed = this.#randoms;
    if (context) {
      seed = new Uint8Array(66 + context.length);
      seed.set(this.#randoms);
      seed[64] = context.length >> 8;
      seed[65] = context.length & 0xff;
      seed.set(context, 66);
    }
    return prf12(s, this.#secret, label, seed, length);
  }

  /** Wipes the secret. */
  wipe(): void {
    this.#secret.fill(0);
    this.#secret = new Uint8Array(0);
  }

  /** No secret in `Deno.inspect`/`console.log`. */
  [Symbol.for("Deno.customInspect")](): string {
    return `ExporterSecret(${this.#tls13 ? "TLS 1.3" : "TLS 1.2"})`;
  }

  /** No secret in Node's `util.inspect`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `ExporterSecret(${this.#tls13 ? "TLS 1.3" : "TLS 1.2"})`;
  }

  /** No secret in `JSON.stringify`. */
  toJSON(): string {
    return "ExporterSecret";
  }
}
