/**
 * RSA signatures (RFC 8017): RSASSA-PKCS1-v1_5 and RSASSA-PSS with MGF1, over `BigInt`;
 * RSAES-PKCS1-v1_5 encryption and the raw decryption primitive (TLS key transport).
 * Signing uses the CRT with base blinding and checks its result with the public key
 * (against faults and inconsistent keys). The blinding pair (r^e, r^-1) is kept per
 * key object and squared between uses, with a fresh random r every 32 signatures, so
 * most signatures skip the modular inverse. Not constant-time (see bigint.ts).
 *
 * @module
 */
import { constantTimeEqual } from "../util/bytes.ts";
import { randomBytes } from "../crypto/mod.ts";
import {
  bigIntToBytes,
  bitLength,
  bytesToBigInt,
  mod,
  modInv,
  modPow,
  randomBelow,
} from "./bigint.ts";
import type { HashAlg } from "./hash.ts";

/** Smallest RSA modulus accepted, in bits. */
export const RSA_MIN_BITS = 1024;
/** Largest RSA modulus accepted, in bits (bounds the work a hostile key can cause). */
export const RSA_MAX_BITS = 8192;

/** An RSA public key. */
export interface RsaPublic {
  /** Modulus. */
  n: bigint;
  /** Public exponent. */
  e: bigint;
}

/** An RSA private key with its CRT values. */
export interface RsaPrivate extends RsaPublic {
  /** Private exponent. */
  d: bigint;
  /** First prime. */
  p: bigint;
  /** Second prime. */
  q: bigint;
  /** d mod (p-1). */
  dp: bigint;
  /** d mod (q-1). */
  dq: bigint;
  /** q^-1 mod p. */
  qi: bigint;
}

/**
 * True when `n` and `e` are acceptable: 1024..8192-bit odd modulus, odd exponent in
 * `[3, 2^32)`.
 */
export function rsaPublicOk(n: bigint, e: bigint): boolean {
  const bits = bitLength(n);
  return bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS && (n & 1n) === 1n &&
    e >= 3n && e < 0x100000000n && (e & 1n) === 1n && e < n;
}

/**
 * True when the private values are consistent with each other and the public key
 * (n = pq, CRT values, e*d = 1 mod (p-1) and (q-1)).
 */
export function rsaPrivateOk(k: RsaPrivate): boolean {
  if (!rsaPublicOk(k.n, k.e)) return false;
  if (k.p <= 1n || k.q <= 1n || k.p * k.q !== k.n) return false;
  if (k.d <= 0n || k.d >= k.n) return false;
  if (k.dp !== k.d % (k.p - 1n) || k.dq !== k.d % (k.q - 1n)) return false;
  if ((k.e * k.dp) % (k.p - 1n) !== 1n || (k.e * k.dq) % (k.q - 1n) !== 1n) {
    return false;
  }
  return (k.qi * k.q) % k.p === 1n;
}

/** The modulus length in bytes. */
export function rsaByteLength(n: bigint): number {
  return Math.ceil(bitLength(n) / 8);
}

/** MGF1 (RFC 8017 B.2.1) of `seed`, `len` bytes. */
export function mgf1(h: HashAlg, seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const buf = new Uint8Array(seed.length + 4);
  buf.set(seed);
  for (let c = 0, o = 0; o < len; c++, o += h.size) {
    buf[seed.length] = c >>> 24;
    buf[seed.length + 1] = (c >>> 16) & 0xff;
    buf[seed.length + 2] = (c >>> 8) & 0xff;
    buf[seed.length + 3] = c & 0xff;
    out.set(h.hash(buf).subarray(0, Math.min(h.size, len - o)), o);
  }
  return out;
}

/** EMSA-PKCS1-v1_5 encoding of `data`'s digest into `k` bytes, or null when too short. */
function emsaPkcs1(h: HashAlg, data: Uint8Array, k: number): Uint8Array | null {
  const t = h.digestInfo.length + h.size;
  if (k < t + 11) return null;
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0;
  em[1] = 1;
  em[k - t - 1] = 0;
  em.set(h.digestInfo, k - t);
  em.set(h.hash(data), k - h.size);
  return em;
}

/** EMSA-PSS encoding (RFC 8017 9.1.1) of `data` for a modulus of `modBits` bits. */
function emsaPssEncode(
  h: HashAlg,
  data: Uint8Array,
  modBits: number,
  saltLen: number,
): Uint8Array {
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < h.size + saltLen + 2) throw new RangeError("RSA key too short");
  const salt = randomBytes(saltLen);
  const mp = new Uint8Array(8 + h.size + saltLen);
  mp.set(h.hash(data), 8);
  mp.set(salt, 8 + h.size);
  const H = h.hash(mp);
  const db = new Uint8Array(emLen - h.size - 1);
  db[db.length - saltLen - 1] = 1;
  db.set(salt, db.length - saltLen);
  const mask = mgf1(h, H, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >>> (8 * emLen - emBits);
  const em = new Uint8Array(emLen);
  em.set(db);
  em.set(H, db.length);
  em[emLen - 1] = 0xbc;
  return em;
}

/**
 * EMSA-PSS verification (RFC 8017 9.1.2) of encoded message `em` (emLen bytes,
 * emBits = modBits - 1). `saltLen` -1 accepts any salt length.
 */
function emsaPssVerify(
  h: HashAlg,
  data: Uint8Array,
  em: Uint8Array,
  modBits: number,
  saltLen: number,
): boolean {
  const emBits = modBits - 1;
  const emLen = em.length;
  if (emLen < h.size + Math.max(saltLen, 0) + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const dbLen = emLen - h.size - 1;
  const H = em.subarray(dbLen, dbLen + h.size);
  const topMask = 0xff >>> (8 * emLen - emBits);
  if (em[0] & ~topMask & 0xff) return false;
  const db = mgf1(h, H, dbLen);
  for (let i = 0; i < dbLen; i++) db[i] ^= em[i];
  db[0] &= topMask;
  let one = 0;
  while (one < dbLen && db[one] === 0) one++;
  if (one >= dbLen || db[one] !== 1) return false;
  const sLen = dbLen - one - 1;
  if (saltLen >= 0 && sLen !== saltLen) return false;
  const mp = new Uint8Array(8 + h.size + sLen);
  mp.set(h.hash(data), 8);
  mp.set(db.subarray(one + 1), 8 + h.size);
  return constantTimeEqual(h.hash(mp), H);
}

/** The RSA public operation on signature bytes, or null when `sig` is out of range. */
function rsaPublicOp(key: RsaPublic, sig: Uint8Array): Uint8Array | null {
  const k = rsaByteLength(key.n);
  if (sig.length !== k) return null;
  const s = bytesToBigInt(sig);
  if (s >= key.n) return null;
  return bigIntToBytes(modPow(s, key.e, key.n), k);
}

/** A blinding pair for one modulus: vf = r^e mod n and vi = r^-1 mod n. */
interface Blinding {
  n: bigint;
  e: bigint;
  vf: bigint;
  vi: bigint;
  uses: number;
}

/** Blinding pairs by key; a fresh random r every {@linkcode BLINDING_USES} signatures. */
const blindings = new WeakMap<RsaPrivate, Blinding>();
const BLINDING_USES = 32;

/**
 * The blinding pair for the next private operation with `key`. As OpenSSL's
 * BN_BLINDING: a fresh r (with its inverse, the costly part) every
 * BLINDING_USES operations, and in between the pair squared, which is the pair
 * for r^2.
 */
function nextBlinding(key: RsaPrivate): Blinding {
  const { n, e, p, q } = key;
  const b = blindings.get(key);
  if (b && b.n === n && b.e === e && b.uses < BLINDING_USES) {
    b.vf = (b.vf * b.vf) % n;
    b.vi = (b.vi * b.vi) % n;
    b.uses++;
    return b;
  }
  let r = randomBelow(n);
  while (mod(r, p) === 0n || mod(r, q) === 0n) r = randomBelow(n);
  const fresh = { n, e, vf: modPow(r, e, n), vi: modInv(r, n), uses: 1 };
  blindings.set(key, fresh);
  return fresh;
}

/** The RSA private operation (CRT, blinded, checked) on `m` < n. */
function rsaPrivateOp(key: RsaPrivate, m: bigint): bigint {
  const { n, e, p, q, dp, dq, qi } = key;
  const { vf, vi } = nextBlinding(key);
  const blinded = (m * vf) % n;
  const m1 = modPow(blinded % p, dp, p);
  const m2 = modPow(blinded % q, dq, q);
  const h = mod(qi * (m1 - m2), p);
  const sb = m2 + h * q;
  const s = (sb * vi) % n;
  if (modPow(s, e, n) !== m) throw new Error("RSA signature check failed");
  return s;
}

/** RSASSA-PKCS1-v1_5 signature of `data` with hash `h`. */
export function rsaSignPkcs1(
  key: RsaPrivate,
  h: HashAlg,
  data: Uint8Array,
): Uint8Array {
  const k = rsaByteLength(key.n);
  const em = emsaPkcs1(h, data, k);
  if (!em) throw new RangeError("RSA key too short for this hash");
  return bigIntToBytes(rsaPrivateOp(key, bytesToBigInt(em)), k);
}

/** RSASSA-PKCS1-v1_5 verification; false on any mismatch. */
export function rsaVerifyPkcs1(
  key: RsaPublic,
  h: HashAlg,
  data: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (!rsaPublicOk(key.n, key.e)) return false;
  const em = rsaPublicOp(key, sig);
  if (!em) return false;
  const expected = emsaPkcs1(h, data, em.length);
  return expected !== null && constantTimeEqual(em, expected);
}

/** RSASSA-PSS signature of `data` (MGF1 with the same hash, salt of `saltLen` bytes). */
export function rsaSignPss(
  key: RsaPrivate,
  h: HashAlg,
  data: Uint8Array,
  saltLen: number = h.size,
): Uint8Array {
  const modBits = bitLength(key.n);
  const em = emsaPssEncode(h, data, modBits, saltLen);
  const k = rsaByteLength(key.n);
  return bigIntToBytes(rsaPrivateOp(key, bytesToBigInt(em)), k);
}

/**
 * RSASSA-PSS verification (MGF1 with the same hash); `saltLen` -1 accepts any salt
 * length. False on any mismatch.
 */
export function rsaVerifyPss(
  key: RsaPublic,
  h: HashAlg,
  data: Uint8Array,
  sig: Uint8Array,
  saltLen: number = h.size,
): boolean {
  if (!rsaPublicOk(key.n, key.e)) return false;
  const m = rsaPublicOp(key, sig);
  if (!m) return false;
  const modBits = bitLength(key.n);
  const emLen = Math.ceil((modBits - 1) / 8);
  if (m.length > emLen && m[0] !== 0) return false;
  return emsaPssVerify(h, data, m.subarray(m.length - emLen), modBits, saltLen);
}

/**
 * RSAES-PKCS1-v1_5 encryption (RFC 8017 7.2.1) of `msg` to `key`: the block
 * `00 02 PS 00 msg` with at least 8 random non-zero padding bytes, raised to `e`.
 * Throws `RangeError` when the key is unacceptable or `msg` too long for it.
 */
export function rsaEncryptPkcs1(key: RsaPublic, msg: Uint8Array): Uint8Array {
  if (!rsaPublicOk(key.n, key.e)) throw new RangeError("unacceptable RSA key");
  const k = rsaByteLength(key.n);
  if (msg.length > k - 11) throw new RangeError("message too long");
  const em = new Uint8Array(k);
  em[1] = 2;
  const ps = em.subarray(2, k - msg.length - 1);
  for (let i = 0; i < ps.length;) {
    for (const b of randomBytes(ps.length - i)) if (b !== 0) ps[i++] = b;
  }
  em.set(msg, k - msg.length);
  const m = bytesToBigInt(em);
  em.fill(0);
  return bigIntToBytes(modPow(m, key.e, key.n), k);
}

/**
 * The RSA decryption primitive RSADP (RFC 8017 5.1.2) on ciphertext `c` with the
 * private key (CRT, blinded, checked, as signing): the k-byte encoded block, or
 * null when `c` is not k bytes or not below the modulus (facts about the
 * ciphertext alone, not the key's secret). Any padding check is the caller's: a
 * TLS server must not let its outcome show (RFC 5246 7.4.7.1).
 */
export function rsaDecryptRaw(
  key: RsaPrivate,
  c: Uint8Array,
): Uint8Array | null {
  const k = rsaByteLength(key.n);
  if (c.length !== k) return null;
  const m = bytesToBigInt(c);
  if (m >= key.n) return null;
  return bigIntToBytes(rsaPrivateOp(key, m), k);
}
