/**
 * The RFC 8009 encryption and checksum profiles: aes128-cts-hmac-sha256-128 (etype
 * 19, checksum type 19) and aes256-cts-hmac-sha384-192 (etype 20, checksum type 20),
 * what MIT krb5 (1.15 on), Heimdal and FreeIPA realms use. Unlike RFC 3962, keys are
 * derived with KDF-HMAC-SHA2 (NIST SP 800-108 counter mode) and encryption is
 * encrypt-then-MAC: the HMAC covers the zero cipher state and the ciphertext.
 *
 * This module works on raw key bytes and is dispatched to by `crypto.ts` (which keeps
 * the derived-key cache) and `crypto_usage.ts` (the prepared per-message keys).
 * SHA-256 and AES run in WebAssembly, SHA-384 in TypeScript. Integrity failures are
 * not exceptions: {@linkcode sha2Decrypt} returns `null`.
 *
 * @module
 */
import { hmacSha256 } from "../../crypto/mod.ts";
import { hmacSha384Keyed } from "../../crypto/_sha512.ts";
import { randomInto } from "../../crypto/_random.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import { aesCtsInPlace } from "../../wasm/aes.ts";
import { pbkdf2 } from "./crypto_pbkdf2.ts";

/** aes128-cts-hmac-sha256-128 (RFC 8009). */
export const ETYPE_AES128_CTS_HMAC_SHA256_128 = 19;
/** aes256-cts-hmac-sha384-192 (RFC 8009). */
export const ETYPE_AES256_CTS_HMAC_SHA384_192 = 20;
/** hmac-sha256-128-aes128, the keyed checksum of etype 19 (RFC 8009). */
export const CKSUMTYPE_HMAC_SHA256_128_AES128 = 19;
/** hmac-sha384-192-aes256, the keyed checksum of etype 20 (RFC 8009). */
export const CKSUMTYPE_HMAC_SHA384_192_AES256 = 20;

/** PBKDF2 iteration count when the KDC sends no s2kparams (RFC 8009 section 4). */
export const SHA2_DEFAULT_ITERATIONS = 32768;

/** Confounder and cipher block size. */
const BLOCK = 16;
/** The cipher state (IV) the HMAC covers: zero, as Kerberos messages use it. */
const ZERO_IV = new Uint8Array(BLOCK);
/** Key-derivation suffix of Ke (RFC 3961 section 5.3, kept by RFC 8009). */
const KE = 0xaa;

/** True for the two RFC 8009 etypes (19 and 20). */
export function isSha2Etype(etype: number): boolean {
  return etype === ETYPE_AES128_CTS_HMAC_SHA256_128 ||
    etype === ETYPE_AES256_CTS_HMAC_SHA384_192;
}

/** True when `etype` is etype 20 (SHA-384); else etype 19 (SHA-256). */
function is384(etype: number): boolean {
  if (!isSha2Etype(etype)) {
    throw new TypeError(`Not an RFC 8009 encryption type: ${etype}`);
  }
  return etype === ETYPE_AES256_CTS_HMAC_SHA384_192;
}

/** Key size of the protocol key and Ke: 16 for etype 19, 32 for etype 20. */
export function sha2KeySize(etype: number): number {
  return is384(etype) ? 32 : 16;
}

/** h, the truncated HMAC size, and the size of Kc and Ki: 16 or 24 bytes. */
export function sha2MacSize(etype: number): number {
  return is384(etype) ? 24 : 16;
}

/**
 * HMAC-SHA-256 (etype 19) or HMAC-SHA-384 (etype 20) of the concatenation of
 * `parts` under `key`, untruncated (32 or 48 bytes).
 */
export function hmacSha2(
  etype: number,
  key: Uint8Array,
  parts: readonly Uint8Array[],
): Uint8Array {
  if (is384(etype)) {
    const k = hmacSha384Keyed(key);
    try {
      return k.mac(parts);
    } finally {
      k.wipe();
    }
  }
  if (parts.length === 1) return hmacSha256(key, parts[0]);
  const h = hmacSha256.create(key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * KDF-HMAC-SHA2(key, label, k) of RFC 8009 section 3: the first `bits` bits of
 * K1 = HMAC(key, 00000001 | label | 00 | k), k as 32 bits big-endian (NIST SP
 * 800-108 counter mode; one block serves every k RFC 8009 asks for). `context`,
 * when given, goes between the 00 and k (the PRF's octet string).
 */
export function kdfHmacSha2(
  etype: number,
  key: Uint8Array,
  label: Uint8Array,
  bits: number,
  context?: Uint8Array,
): Uint8Array {
  const max = is384(etype) ? 384 : 256;
  if (!Number.isInteger(bits) || bits <= 0 || bits > max || bits % 8) {
    throw new RangeError(`Cannot derive ${bits} bits with KDF-HMAC-SHA2`);
  }
  const k = new Uint8Array(4);
  new DataView(k.buffer, k.byteOffset, k.byteLength).setUint32(0, bits);
  const parts = [Uint8Array.of(0, 0, 0, 1), label, Uint8Array.of(0)];
  if (context) parts.push(context);
  parts.push(k);
  const k1 = hmacSha2(etype, key, parts);
  const out = k1.slice(0, bits / 8);
  k1.fill(0);
  return out;
}

/**
 * Kc, Ke or Ki for key usage `usage` (RFC 8009 section 5): KDF-HMAC-SHA2 of the base
 * key with the label usage (4 bytes big-endian) | `suffix` (0x99, 0xAA or 0x55), to
 * the key size for Ke and to h for Kc and Ki.
 */
export function sha2UsageKey(
  etype: number,
  base: Uint8Array,
  usage: number,
  suffix: number,
): Uint8Array {
  if (!Number.isInteger(usage) || usage < 0 || usage > 0xffffffff) {
    throw new RangeError(`Cannot use Kerberos key usage ${usage}`);
  }
  const label = new Uint8Array(5);
  new DataView(label.buffer, label.byteOffset, label.byteLength).setUint32(
    0,
    usage,
  );
  label[4] = suffix;
  const bytes = suffix === KE ? sha2KeySize(etype) : sha2MacSize(etype);
  return kdfHmacSha2(etype, base, label, bytes * 8);
}

/**
 * string-to-key (RFC 8009 section 4): saltp = the enctype's name | 00 | salt;
 * tkey = PBKDF2-HMAC-SHA-256 (etype 19) or -SHA-384 (etype 20) of the password and
 * saltp with `iterations`; the key is KDF-HMAC-SHA2(tkey, "kerberos", key size).
 * Salt bytes are taken as they are (the RFC's vector has a salt that is not UTF-8).
 */
export function sha2StringToKey(
  etype: number,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
): Uint8Array {
  const big = is384(etype);
  const name = new TextEncoder().encode(
    big ? "aes256-cts-hmac-sha384-192" : "aes128-cts-hmac-sha256-128",
  );
  const saltp = new Uint8Array(name.length + 1 + salt.length);
  saltp.set(name);
  saltp.set(salt, name.length + 1);
  const size = sha2KeySize(etype);
  const tkey = pbkdf2(
    big ? "sha384" : "sha256",
    password,
    saltp,
    iterations,
    size,
  );
  const key = kdfHmacSha2(
    etype,
    tkey,
    new TextEncoder().encode("kerberos"),
    size * 8,
  );
  tkey.fill(0);
  return key;
}

/**
 * Encryption (RFC 8009 section 5): C = AES-CTS(Ke, confounder | plaintext) with a
 * zero IV, then H = HMAC(Ki, IV | C) truncated to h; the result is C | H. The
 * 16-byte confounder is random unless given (for tests).
 */
export function sha2Encrypt(
  etype: number,
  ke: Uint8Array,
  ki: Uint8Array,
  plaintext: Uint8Array,
  confounder?: Uint8Array,
): Uint8Array {
  const h = sha2MacSize(etype);
  if (confounder !== undefined && confounder.length !== BLOCK) {
    throw new RangeError(
      `Cannot use confounder: expected 16 bytes, got ${confounder.length}`,
    );
  }
  const n = BLOCK + plaintext.length;
  const out = new Uint8Array(n + h);
  if (confounder) out.set(confounder);
  else randomInto(out, 0, BLOCK);
  out.set(plaintext, BLOCK);
  const c = out.subarray(0, n);
  aesCtsInPlace(ke, c, false);
  const mac = hmacSha2(etype, ki, [ZERO_IV, c]);
  out.set(mac.subarray(0, h), n);
  return out;
}

/**
 * Decrypts what {@linkcode sha2Encrypt} made with the same Ke and Ki: the HMAC is
 * checked first (in constant time), and only then is C decrypted. Returns the
 * plaintext without the confounder, or `null` when the ciphertext is shorter than
 * 16 + h bytes or its HMAC does not match.
 */
export function sha2Decrypt(
  etype: number,
  ke: Uint8Array,
  ki: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  const h = sha2MacSize(etype);
  const n = ciphertext.length - h;
  if (n < BLOCK) return null;
  const c = ciphertext.subarray(0, n);
  const mac = hmacSha2(etype, ki, [ZERO_IV, c]);
  if (!constantTimeEqual(mac.subarray(0, h), ciphertext.subarray(n))) {
    return null;
  }
  const body = c.slice();
  aesCtsInPlace(ke, body, true);
  return body.subarray(BLOCK);
}

/** The keyed checksum (RFC 8009 section 5): HMAC(Kc, data) truncated to h. */
export function sha2Checksum(
  etype: number,
  kc: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  return hmacSha2(etype, kc, [data]).slice(0, sha2MacSize(etype));
}

/**
 * The PRF (RFC 8009 section 5): KDF-HMAC-SHA2(key, "prf", octet string) with k 256
 * (etype 19) or 384 (etype 20): 32 or 48 bytes.
 *
 * @example RFC 8009 appendix A, aes128-cts-hmac-sha256-128
 * ```ts
 * import { sha2Prf } from "./crypto_sha2.ts";
 * import assert from "node:assert/strict";
 *
 * const key = Uint8Array.from([0x37, 0x05, 0xd9, 0x60, 0x80, 0xc1, 0x77, 0x28,
 *   0xa0, 0xe8, 0x00, 0xea, 0xb6, 0xe0, 0xd2, 0x3c]);
 * const out = sha2Prf(19, key, new TextEncoder().encode("test"));
 * assert.equal(out.length, 32);
 * assert.equal(out[0], 0x9d);
 * ```
 */
export function sha2Prf(
  etype: number,
  key: Uint8Array,
  input: Uint8Array,
): Uint8Array {
  if (key.length !== sha2KeySize(etype)) {
    throw new RangeError(
      `Cannot use Kerberos key: etype ${etype} needs ${
        sha2KeySize(etype)
      } bytes`,
    );
  }
  const label = new TextEncoder().encode("prf");
  return kdfHmacSha2(etype, key, label, is384(etype) ? 384 : 256, input);
}
