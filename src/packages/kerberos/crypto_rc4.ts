/**
 * Kerberos encryption and checksum profile of rc4-hmac (etype 23, RFC 4757), the
 * enctype Active Directory still uses for accounts without AES keys: string-to-key
 * is MD4 of the UTF-16LE password (the NT hash), encryption is RC4 keyed per message
 * from HMAC-MD5, and the keyed checksum is hmac-md5 (cksumtype -138). MD4, MD5,
 * HMAC-MD5 and RC4 run in WebAssembly.
 *
 * Integrity failures are not exceptions: {@linkcode rc4HmacDecrypt} returns `null`.
 *
 * @module
 */
import { hmacMd5, md4, md5, rc4 } from "../../crypto/mod.ts";
import { randomBytesOf } from "../../crypto/_random.ts";
import { constantTimeEqual } from "../../util/bytes.ts";

/** rc4-hmac (RFC 4757; "arcfour-hmac" in MIT's names). */
export const ETYPE_RC4_HMAC = 23;
/** hmac-md5, the keyed checksum of etype 23 (RFC 4757 section 4). */
export const CKSUMTYPE_HMAC_MD5 = -138;
/** Key size of rc4-hmac. */
export const RC4_KEY_SIZE = 16;
/** Confounder size of rc4-hmac encryption (RFC 4757 section 5). */
const CONFOUNDER = 8;
/** HMAC-MD5 output: the checksum leading each ciphertext. */
const MAC = 16;
/** The Ksign derivation constant, NUL included (RFC 4757 section 4). */
const SIGNATURE_KEY = new TextEncoder().encode("signaturekey\0");

/**
 * The key usage number RFC 4757 section 3 substitutes for an RFC 4120 one: the
 * AS-REP and TGS-REP enc-parts (3 and 9) both use 8, usage 23 uses 13, all others
 * are unchanged.
 */
export function msUsage(usage: number): number {
  if (!Number.isInteger(usage) || usage < 0 || usage > 0xffffffff) {
    throw new RangeError(`Cannot use Kerberos key usage ${usage}`);
  }
  if (usage === 3 || usage === 9) return 8;
  if (usage === 23) return 13;
  return usage;
}

/** `n` as 4 bytes little-endian (the T of RFC 4757). */
export function le32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(
    0,
    n >>> 0,
    true,
  );
  return b;
}

/**
 * string-to-key (RFC 4757 section 4): MD4 of the password as UTF-16LE; the salt
 * plays no part. Returns the 16 key bytes.
 */
export function rc4StringToKey(password: string): Uint8Array {
  const pw = new Uint8Array(password.length * 2);
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    pw[2 * i] = c & 0xff;
    pw[2 * i + 1] = c >>> 8;
  }
  const key = md4(pw);
  pw.fill(0);
  return key;
}

/**
 * Encrypts `plaintext` for `usage` (RFC 4757 section 5): K1 = HMAC-MD5(key, T),
 * checksum = HMAC-MD5(K1, confounder | plaintext), K3 = HMAC-MD5(K1, checksum); the
 * result is the checksum then RC4 under K3 of the confounder (8 random bytes unless
 * given, for tests) and plaintext.
 *
 * @example Round trip
 * ```ts
 * import { rc4HmacDecrypt, rc4HmacEncrypt } from "./crypto_rc4.ts";
 * import assert from "node:assert/strict";
 *
 * const key = crypto.getRandomValues(new Uint8Array(16));
 * const sealed = rc4HmacEncrypt(key, 3, new TextEncoder().encode("hello"));
 * assert.equal(sealed.length, 16 + 8 + 5);
 * assert.equal(new TextDecoder().decode(rc4HmacDecrypt(key, 3, sealed)!), "hello");
 * ```
 */
export function rc4HmacEncrypt(
  key: Uint8Array,
  usage: number,
  plaintext: Uint8Array,
  confounder?: Uint8Array,
): Uint8Array {
  if (confounder !== undefined && confounder.length !== CONFOUNDER) {
    throw new RangeError(
      `Cannot use confounder: expected 8 bytes, got ${confounder.length}`,
    );
  }
  const k1 = hmacMd5(key, le32(msUsage(usage)));
  const body = new Uint8Array(CONFOUNDER + plaintext.length);
  body.set(confounder ?? randomBytesOf(CONFOUNDER));
  body.set(plaintext, CONFOUNDER);
  const mac = hmacMd5(k1, body);
  const k3 = hmacMd5(k1, mac);
  const out = new Uint8Array(MAC + body.length);
  out.set(mac);
  out.set(rc4(k3, body), MAC);
  for (const b of [k1, k3, body]) b.fill(0);
  return out;
}

/**
 * Decrypts what {@linkcode rc4HmacEncrypt} produced for the same key and usage:
 * the plaintext without the confounder, or `null` when `ciphertext` is shorter than
 * 24 bytes or its checksum does not match (compared in constant time).
 */
export function rc4HmacDecrypt(
  key: Uint8Array,
  usage: number,
  ciphertext: Uint8Array,
): Uint8Array | null {
  if (ciphertext.length < MAC + CONFOUNDER) return null;
  const k1 = hmacMd5(key, le32(msUsage(usage)));
  const mac = ciphertext.subarray(0, MAC);
  const k3 = hmacMd5(k1, mac);
  const body = rc4(k3, ciphertext.subarray(MAC));
  const ok = constantTimeEqual(hmacMd5(k1, body), mac);
  k1.fill(0);
  k3.fill(0);
  if (!ok) {
    body.fill(0);
    return null;
  }
  return body.subarray(CONFOUNDER);
}

/**
 * The hmac-md5 keyed checksum (RFC 4757 section 4): Ksign = HMAC-MD5(key,
 * "signaturekey\0"), then HMAC-MD5(Ksign, MD5(T | data)), T the usage as 4 bytes
 * little-endian (mapped as for encryption).
 */
export function hmacMd5Checksum(
  key: Uint8Array,
  usage: number,
  data: Uint8Array,
): Uint8Array {
  return hmacMd5ChecksumOf(key, usage, [data]);
}

/** {@linkcode hmacMd5Checksum} of the concatenation of `parts`. */
export function hmacMd5ChecksumOf(
  key: Uint8Array,
  usage: number,
  parts: readonly Uint8Array[],
): Uint8Array {
  const ksign = hmacMd5(key, SIGNATURE_KEY);
  const h = md5.create().update(le32(msUsage(usage)));
  for (const p of parts) h.update(p);
  const inner = h.digest();
  const out = hmacMd5(ksign, inner);
  ksign.fill(0);
  inner.fill(0);
  return out;
}
