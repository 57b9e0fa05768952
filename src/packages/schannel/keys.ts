/**
 * The TLS 1.3 key schedule for SHA-256 suites (RFC 8446 section 7): HKDF-Extract,
 * HKDF-Expand-Label, Derive-Secret, traffic keys, Finished MACs and key updates.
 *
 * @module
 */
import { hmacSha256, sha256 } from "../../crypto/mod.ts";

const HASH_LEN = 32;
const ZEROS = new Uint8Array(HASH_LEN);
const ENC = new TextEncoder();
/** SHA-256 of the empty string (a constant: nothing may touch WASM at import time). */
const EMPTY_HASH = Uint8Array.from(
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".match(
    /../g,
  )!,
  (h) => parseInt(h, 16),
);

/** HKDF-Extract(salt, ikm) (RFC 5869). */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt.length ? salt : ZEROS, ikm);
}

/** HKDF-Expand-Label(secret, label, context, length), `length` up to 255 * 32. */
export function hkdfExpandLabel(
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const l = ENC.encode("tls13 " + label);
  const info = new Uint8Array(4 + l.length + context.length);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = l.length;
  info.set(l, 3);
  info[3 + l.length] = context.length;
  info.set(context, 4 + l.length);
  const out = new Uint8Array(length);
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++) {
    const block = new Uint8Array(prev.length + info.length + 1);
    block.set(prev);
    block.set(info, prev.length);
    block[block.length - 1] = i;
    prev = hmacSha256(secret, block);
    out.set(prev.subarray(0, Math.min(HASH_LEN, length - at)), at);
    at += HASH_LEN;
  }
  return out;
}

/** Derive-Secret(secret, label, transcript hash). */
export function deriveSecret(
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(secret, label, transcriptHash, HASH_LEN);
}

/** The handshake secret from the (EC)DHE shared secret (no PSK). */
export function handshakeSecret(shared: Uint8Array): Uint8Array {
  const early = hkdfExtract(ZEROS, ZEROS);
  return hkdfExtract(deriveSecret(early, "derived", EMPTY_HASH), shared);
}

/** The master secret that follows a handshake secret. */
export function masterSecret(hs: Uint8Array): Uint8Array {
  return hkdfExtract(deriveSecret(hs, "derived", EMPTY_HASH), ZEROS);
}

/** The write key (16 bytes, AES-128) and IV (12 bytes) of a traffic secret. */
export function trafficKeys(
  secret: Uint8Array,
): { key: Uint8Array; iv: Uint8Array } {
  return {
    key: hkdfExpandLabel(secret, "key", new Uint8Array(0), 16),
    iv: hkdfExpandLabel(secret, "iv", new Uint8Array(0), 12),
  };
}

/** The Finished `verify_data` for a base key and a transcript hash. */
export function finishedMac(
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
): Uint8Array {
  const fk = hkdfExpandLabel(baseKey, "finished", new Uint8Array(0), HASH_LEN);
  return hmacSha256(fk, transcriptHash);
}

/** The next traffic secret after a KeyUpdate. */
export function nextTrafficSecret(secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(secret, "traffic upd", new Uint8Array(0), HASH_LEN);
}

/** A running transcript hash (SHA-256) that can be read at any point. */
export class Transcript {
  #h = sha256.create();
  #raw: Uint8Array[] = [];

  /** Adds one whole handshake message (header included). */
  add(message: Uint8Array): void {
    this.#h.update(message);
    this.#raw.push(message.slice());
  }

  /** Every message added so far, joined (what a TLS 1.2 CertificateVerify signs). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#raw.reduce((n, m) => n + m.length, 0));
    this.#raw.reduce((at, m) => (out.set(m, at), at + m.length), 0);
    return out;
  }

  /** The hash of everything added so far. */
  hash(): Uint8Array {
    return this.#h.clone().digest();
  }

  /** Replaces the transcript by `message_hash` of the first ClientHello (HRR). */
  restartAfterRetry(): void {
    const h1 = this.#h.digest();
    this.#h = sha256.create();
    this.#h.update(new Uint8Array([254, 0, 0, HASH_LEN]));
    this.#h.update(h1);
  }
}
