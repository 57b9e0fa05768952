/**
 * Kerberos encryption and checksum profiles: aes128-cts-hmac-sha1-96 (etype 17)
 * and aes256-cts-hmac-sha1-96 (etype 18), the simplified profile of RFC 3961
 * section 5.3 instantiated by RFC 3962, and rc4-hmac (etype 23, RFC 4757, in
 * `crypto_rc4.ts`), dispatched by the key's etype. AES, SHA-1, MD4, MD5, HMAC and RC4
 * run in WebAssembly; all calls are synchronous.
 *
 * Unsupported encryption types throw a `TypeError` naming the etype; keys of the
 * wrong size throw a `RangeError`. Integrity failures are not exceptions:
 * {@linkcode decrypt} returns `null` and {@linkcode verifyChecksum} `false`.
 *
 * @module
 */
import { hmacSha1, sha1 } from "../../crypto/mod.ts";
import { randomBytesOf, randomInto } from "../../crypto/_random.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import { aesCbcInPlace, aesCtsInPlace } from "../../wasm/aes.ts";
import { ALG_SHA1, getWasm } from "../../wasm/mod.ts";
import {
  CKSUMTYPE_HMAC_MD5,
  ETYPE_RC4_HMAC,
  hmacMd5Checksum,
  RC4_KEY_SIZE,
  rc4HmacDecrypt,
  rc4HmacEncrypt,
  rc4StringToKey,
} from "./crypto_rc4.ts";

export { CKSUMTYPE_HMAC_MD5, ETYPE_RC4_HMAC } from "./crypto_rc4.ts";

/** aes128-cts-hmac-sha1-96 (RFC 3962). */
export const ETYPE_AES128_CTS_HMAC_SHA1_96 = 17;
/** aes256-cts-hmac-sha1-96 (RFC 3962). */
export const ETYPE_AES256_CTS_HMAC_SHA1_96 = 18;
/** hmac-sha1-96-aes128, the keyed checksum of etype 17 (RFC 3962). */
export const CKSUMTYPE_HMAC_SHA1_96_AES128 = 15;
/** hmac-sha1-96-aes256, the keyed checksum of etype 18 (RFC 3962). */
export const CKSUMTYPE_HMAC_SHA1_96_AES256 = 16;

/** A Kerberos protocol key: its encryption type and its bytes. */
export interface KerberosKey {
  /** Encryption type number (17, 18 or 23). */
  etype: number;
  /** Key bytes (16 for etypes 17 and 23, 32 for etype 18). */
  bytes: Uint8Array;
}

/** Cipher block and confounder size of the AES profiles. */
const BLOCK = 16;
/** Truncated HMAC-SHA1 size (h in RFC 3961 section 5.3). */
const MAC = 12;
/** PBKDF2 iteration count when the KDC sends no s2kparams (RFC 3962 section 4). */
const DEFAULT_ITERATIONS = 4096;
/**
 * Largest iteration count accepted from s2kparams: the KRB-ERROR carrying it is not
 * authenticated, so a forged one could otherwise stall the client for minutes
 * (about 1.7 s at this bound; MIT and Active Directory use 4096).
 */
const MAX_ITERATIONS = 1_000_000;
/** Key-derivation suffix of Kc, the checksum key (RFC 3961 section 5.3). */
export const KC = 0x99;
/** Key-derivation suffix of Ke, the encryption key (RFC 3961 section 5.3). */
export const KE = 0xaa;
/** Key-derivation suffix of Ki, the integrity key (RFC 3961 section 5.3). */
export const KI = 0x55;

/** True for the encryption types this module implements (17, 18 and 23). */
export function isSupportedEtype(etype: number): boolean {
  return etype === ETYPE_AES128_CTS_HMAC_SHA1_96 ||
    etype === ETYPE_AES256_CTS_HMAC_SHA1_96 || etype === ETYPE_RC4_HMAC;
}

/** Key size in bytes of `etype`: 16 or 32. Throws a `TypeError` when unsupported. */
export function keySize(etype: number): number {
  if (etype === ETYPE_AES128_CTS_HMAC_SHA1_96) return 16;
  if (etype === ETYPE_AES256_CTS_HMAC_SHA1_96) return 32;
  if (etype === ETYPE_RC4_HMAC) return RC4_KEY_SIZE;
  throw new TypeError(`Unsupported Kerberos encryption type ${etype}`);
}

/** Checksum type of `etype`'s keyed checksum. Throws a `TypeError` when unsupported. */
export function checksumTypeOf(etype: number): number {
  if (etype === ETYPE_RC4_HMAC) return CKSUMTYPE_HMAC_MD5;
  return keySize(etype) === 16
    ? CKSUMTYPE_HMAC_SHA1_96_AES128
    : CKSUMTYPE_HMAC_SHA1_96_AES256;
}

/** True when `key` is an rc4-hmac key of the right size (throws like `checkKey`). */
function isRc4(key: KerberosKey): boolean {
  checkKey(key);
  return key.etype === ETYPE_RC4_HMAC;
}

/** Checks that `key` has a supported etype and the matching size. */
function checkKey(key: KerberosKey): void {
  const size = keySize(key.etype);
  if (!(key.bytes instanceof Uint8Array) || key.bytes.length !== size) {
    throw new RangeError(
      `Cannot use Kerberos key: etype ${key.etype} needs ${size} bytes, got ${key.bytes?.length}`,
    );
  }
}

// ---- n-fold and key derivation (RFC 3961 section 5.1) -----------------------

/**
 * RFC 3961 n-fold: stretches or folds `input` to `outBytes` bytes. The input is
 * repeated lcm(input, output) / input times, each copy rotated 13 bits further to
 * the right, and the result is summed in `outBytes`-byte chunks with one's-complement
 * (end-around carry) addition.
 */
export function nfold(input: Uint8Array, outBytes: number): Uint8Array {
  const inBytes = input.length;
  if (inBytes === 0 || !Number.isSafeInteger(outBytes) || outBytes <= 0) {
    throw new RangeError("Cannot n-fold: input and output must be non-empty");
  }
  const total = lcm(inBytes, outBytes);
  const bits = inBytes * 8;
  const sum = new Uint8Array(outBytes);
  for (let chunk = 0; chunk < total; chunk += outBytes) {
    let carry = 0;
    for (let j = outBytes - 1; j >= 0; j--) {
      carry += sum[j] + rotatedByte(input, bits, chunk + j);
      sum[j] = carry;
      carry >>= 8;
    }
    // End-around carry: what overflows the top re-enters at the bottom.
    for (let j = outBytes; carry !== 0; carry >>= 8) {
      j = j === 0 ? outBytes - 1 : j - 1;
      carry += sum[j];
      sum[j] = carry;
    }
  }
  return sum;
}

/** Byte `k` of the input repeated, copy `c` rotated right by 13 * c bits. */
function rotatedByte(input: Uint8Array, bits: number, k: number): number {
  const copy = Math.floor(k / input.length);
  const shift = (13 * copy) % bits;
  const start = (k % input.length) * 8;
  let v = 0;
  for (let b = 0; b < 8; b++) {
    const i = (start + b - shift + bits) % bits; // bit 0: top bit of byte 0
    v = (v << 1) | ((input[i >> 3] >> (7 - (i & 7))) & 1);
  }
  return v;
}

function lcm(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return (a / x) * b;
}

/**
 * DK(key, constant) = random-to-key(DR(key, constant)) (RFC 3961 section 5.1); for
 * AES random-to-key is the identity, so this is DR: the constant n-folded to one
 * block, then encrypted repeatedly, the outputs concatenated to the key size.
 */
export function deriveKey(key: KerberosKey, constant: Uint8Array): Uint8Array {
  if (isRc4(key)) {
    throw new TypeError(
      "Cannot derive a key from rc4-hmac: RFC 4757 has no DK",
    );
  }
  if (constant.length === 0) {
    throw new RangeError("Cannot derive a Kerberos key: empty constant");
  }
  return deriveFromBlock(
    key.bytes,
    constant.length === BLOCK ? constant : nfold(constant, BLOCK),
  );
}

/**
 * DR from the n-folded constant: the blocks E(c), E(E(c)), ... are AES-CBC with a
 * zero IV over `c` followed by zero blocks, so one call fills the whole key.
 */
function deriveFromBlock(base: Uint8Array, block: Uint8Array): Uint8Array {
  const out = new Uint8Array(base.length); // 16 or 32: whole blocks
  out.set(block);
  aesCbcInPlace(base, out, false);
  return out;
}

/** n-fold of the usage constants (public values) by `usage * 256 + suffix`. */
const foldedConstants = new Map<number, Uint8Array>();

/** The usage constant n-folded to one block (cached: it depends on nothing secret). */
function foldedUsage(usage: number, suffix: number): Uint8Array {
  const id = usage * 256 + suffix;
  let f = foldedConstants.get(id);
  if (!f) {
    f = nfold(usageConstant(usage, suffix), BLOCK);
    if (foldedConstants.size >= 1024) foldedConstants.clear();
    foldedConstants.set(id, f);
  }
  return f;
}

/** The 5-byte well-known constant: usage (32-bit big-endian) then `suffix`. */
export function usageConstant(usage: number, suffix: number): Uint8Array {
  if (!Number.isInteger(usage) || usage < 0 || usage > 0xffffffff) {
    throw new RangeError(`Cannot use Kerberos key usage ${usage}`);
  }
  const c = new Uint8Array(5);
  new DataView(c.buffer).setUint32(0, usage);
  c[4] = suffix;
  return c;
}

// ---- derived-key cache -----------------------------------------------------

interface Derived {
  /** Copy of the base key the entries were derived from. */
  base: Uint8Array;
  /** Derived keys by `usage * 256 + suffix`. */
  keys: Map<number, Uint8Array>;
}

/** Most derived keys kept per base key before the cache for it is dropped. */
const CACHE_LIMIT = 48;
const cache = new WeakMap<KerberosKey, Derived>();

/**
 * Ke, Ki or Kc for (key, usage): from the cache when the same key object with the
 * same bytes was used before, else derived and remembered.
 */
function derived(key: KerberosKey, usage: number, suffix: number): Uint8Array {
  checkKey(key);
  let entry = cache.get(key);
  if (entry && !constantTimeEqual(entry.base, key.bytes)) {
    dropCache(key);
    entry = undefined;
  }
  if (!entry) {
    entry = { base: key.bytes.slice(), keys: new Map() };
    cache.set(key, entry);
  }
  const id = usage * 256 + suffix;
  let k = entry.keys.get(id);
  if (!k) {
    k = deriveFromBlock(key.bytes, foldedUsage(usage, suffix));
    if (entry.keys.size >= CACHE_LIMIT) {
      for (const old of entry.keys.values()) old.fill(0);
      entry.keys.clear();
    }
    entry.keys.set(id, k);
  }
  return k;
}

/** Forgets (and zeroes) the keys derived from `key`. */
function dropCache(key: KerberosKey): void {
  const entry = cache.get(key);
  if (!entry) return;
  for (const k of entry.keys.values()) k.fill(0);
  entry.base.fill(0);
  cache.delete(key);
}

/** Zeroes `key.bytes` and every key derived from it and cached. */
export function wipeKey(key: KerberosKey): void {
  dropCache(key);
  key.bytes.fill(0);
}

// ---- keys --------------------------------------------------------------------

/**
 * string-to-key (RFC 3962 section 4): PBKDF2-HMAC-SHA1 of the UTF-8 password and
 * salt, then DK(tkey, "kerberos"). `params` (s2kparams) is the iteration count as
 * 4 bytes big-endian; absent means 4096. A count of 0 or above 1,000,000 is refused.
 * For rc4-hmac (etype 23) it is the NT hash, MD4 of the UTF-16LE password; salt and
 * params are ignored (RFC 4757 section 4).
 *
 * @example RFC 3962 appendix B, first vector
 * ```ts
 * import { stringToKey } from "./crypto.ts";
 * import assert from "node:assert/strict";
 *
 * const key = stringToKey(17, "password", "ATHENA.MIT.EDUraeburn", new Uint8Array([0, 0, 0, 1]));
 * const hex = Array.from(key.bytes, (b) => b.toString(16).padStart(2, "0")).join("");
 * assert.equal(hex, "42263c6e89f4fc28b8df68ee09799f15");
 * ```
 */
export function stringToKey(
  etype: number,
  password: string,
  salt: string,
  params?: Uint8Array,
): KerberosKey {
  const size = keySize(etype);
  if (etype === ETYPE_RC4_HMAC) {
    return { etype, bytes: rc4StringToKey(password) };
  }
  const iterations = iterationsOf(params);
  const enc = new TextEncoder();
  const pw = enc.encode(password);
  const tkey = pbkdf2HmacSha1(pw, enc.encode(salt), iterations, size);
  pw.fill(0);
  const t: KerberosKey = { etype, bytes: tkey };
  const bytes = deriveKey(t, enc.encode("kerberos"));
  tkey.fill(0);
  return { etype, bytes };
}

/**
 * PBKDF2 with HMAC-SHA1 (RFC 8018 section 5.2), `dkLen` <= 40 bytes. The keyed HMAC
 * state is made once and copied back before every iteration, so each of the
 * `iterations` costs two SHA-1 blocks and no allocation; every region holding the
 * password or intermediate values is wiped afterwards.
 */
function pbkdf2HmacSha1(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  dkLen: number,
): Uint8Array {
  const w = getWasm();
  const { u8, x, scratch, state } = w;
  const stateSize = x.hmacStateSize();
  const saved = scratch; // keyed HMAC state
  const u = scratch + 256; // U_j (20 bytes)
  const msg = scratch + 512; // salt || INT(i)
  if (salt.length + 4 > w.scratchSize - 512) {
    throw new RangeError(`Cannot use Kerberos salt of ${salt.length} bytes`);
  }
  const pw = password.length > 64 ? sha1(password) : password;
  u8.set(pw, w.key);
  x.hmacInit(ALG_SHA1, saved, w.key, pw.length);
  x.wipe(w.key, pw.length);
  if (pw !== password) pw.fill(0);
  const out = new Uint8Array(Math.ceil(dkLen / 20) * 20);
  try {
    u8.set(salt, msg);
    for (let block = 1, off = 0; off < dkLen; block++, off += 20) {
      new DataView(u8.buffer).setUint32(msg + salt.length, block);
      u8.copyWithin(state, saved, saved + stateSize);
      x.hashUpdate(ALG_SHA1, state, msg, salt.length + 4);
      x.hmacFinal(ALG_SHA1, state, u);
      out.set(u8.subarray(u, u + 20), off);
      for (let j = 1; j < iterations; j++) {
        u8.copyWithin(state, saved, saved + stateSize);
        x.hashUpdate(ALG_SHA1, state, u, 20);
        x.hmacFinal(ALG_SHA1, state, u);
        for (let k = 0; k < 20; k++) out[off + k] ^= u8[u + k];
      }
    }
  } finally {
    x.wipe(scratch, 512 + salt.length + 4);
    x.wipe(state, stateSize);
  }
  const dk = out.slice(0, dkLen);
  out.fill(0);
  return dk;
}

/** Iteration count from s2kparams (RFC 3962 section 4). */
function iterationsOf(params: Uint8Array | undefined): number {
  if (params === undefined) return DEFAULT_ITERATIONS;
  if (params.length !== 4) {
    throw new RangeError(
      `Cannot use Kerberos s2kparams: expected 4 bytes, got ${params.length}`,
    );
  }
  const n = new DataView(params.buffer, params.byteOffset, 4).getUint32(0);
  if (n === 0 || n > MAX_ITERATIONS) {
    throw new RangeError(
      `Cannot use Kerberos s2kparams: iteration count ${n} is out of range`,
    );
  }
  return n;
}

/** A new random key of `etype` (random-to-key of fresh random bytes: the identity). */
export function randomKey(etype: number): KerberosKey {
  return { etype, bytes: randomBytesOf(keySize(etype)) };
}

// ---- encryption (RFC 3961 section 5.3) ----------------------------------------

/**
 * Encrypts `plaintext` for key usage `usage`: a 16-byte confounder (random unless
 * given, for tests) is prepended, the whole is encrypted with AES-CTS under
 * Ke = DK(key, usage | 0xAA) and a zero IV, and HMAC-SHA1-96 under
 * Ki = DK(key, usage | 0x55) of the confounder and plaintext is appended. An
 * rc4-hmac key is used as RFC 4757 section 5 says instead (8-byte confounder, see
 * `crypto_rc4.ts`).
 *
 * @example Round trip
 * ```ts
 * import { decrypt, encrypt, randomKey } from "./crypto.ts";
 * import assert from "node:assert/strict";
 *
 * const key = randomKey(18);
 * const sealed = encrypt(key, 3, new TextEncoder().encode("hello"));
 * assert.equal(sealed.length, 16 + 5 + 12);
 * assert.equal(new TextDecoder().decode(decrypt(key, 3, sealed)!), "hello");
 * ```
 */
export function encrypt(
  key: KerberosKey,
  usage: number,
  plaintext: Uint8Array,
  confounder?: Uint8Array,
): Uint8Array {
  if (isRc4(key)) {
    return rc4HmacEncrypt(key.bytes, usage, plaintext, confounder);
  }
  const ke = derived(key, usage, KE);
  const ki = derived(key, usage, KI);
  if (confounder !== undefined && confounder.length !== BLOCK) {
    throw new RangeError(
      `Cannot use confounder: expected 16 bytes, got ${confounder.length}`,
    );
  }
  const n = BLOCK + plaintext.length;
  const out = new Uint8Array(n + MAC);
  if (confounder) out.set(confounder);
  else randomInto(out, 0, BLOCK);
  out.set(plaintext, BLOCK);
  const body = out.subarray(0, n);
  out.set(hmacSha1View(ki, body), n);
  aesCtsInPlace(ke, body, false);
  return out;
}

/**
 * HMAC-SHA1-96 of `data` under `key`: a view of the WebAssembly output region when
 * one call does it (valid until the next WebAssembly call), else a new array.
 */
function hmacSha1View(key: Uint8Array, data: Uint8Array): Uint8Array {
  const w = getWasm();
  if (key.length > 64 || data.length > w.scratchSize) {
    return hmacSha1(key, data).subarray(0, MAC);
  }
  w.u8.set(key, w.key);
  w.u8.set(data, w.scratch);
  w.x.hmac(ALG_SHA1, w.key, key.length, w.scratch, data.length, w.out);
  return w.u8.subarray(w.out, w.out + MAC);
}

/**
 * Decrypts what {@linkcode encrypt} produced for the same key and usage. Returns the
 * plaintext without the confounder, or `null` when `ciphertext` is shorter than
 * 28 bytes or its HMAC does not match (wrong key, wrong usage or tampering).
 */
export function decrypt(
  key: KerberosKey,
  usage: number,
  ciphertext: Uint8Array,
): Uint8Array | null {
  if (isRc4(key)) return rc4HmacDecrypt(key.bytes, usage, ciphertext);
  const ke = derived(key, usage, KE);
  const ki = derived(key, usage, KI);
  const n = ciphertext.length - MAC;
  if (n < BLOCK) return null;
  const body = ciphertext.slice(0, n);
  aesCtsInPlace(ke, body, true);
  const mac = hmacSha1View(ki, body);
  const w = getWasm(); // the HMAC left a copy of the plaintext in scratch
  w.x.wipe(w.scratch, Math.min(n, w.scratchSize));
  if (!constantTimeEqual(mac, ciphertext.subarray(n))) {
    body.fill(0);
    return null;
  }
  return body.subarray(BLOCK);
}

// ---- checksums -------------------------------------------------------------

/**
 * The etype's keyed checksum: HMAC-SHA1-96 of `data` under Kc = DK(key, usage | 0x99),
 * or for rc4-hmac the 16-byte hmac-md5 of RFC 4757 section 4.
 */
export function checksum(
  key: KerberosKey,
  usage: number,
  data: Uint8Array,
): Uint8Array {
  if (isRc4(key)) return hmacMd5Checksum(key.bytes, usage, data);
  return hmacSha1View(derived(key, usage, KC), data).slice();
}

/** True when `mac` is the keyed checksum of `data` (compared in constant time). */
export function verifyChecksum(
  key: KerberosKey,
  usage: number,
  data: Uint8Array,
  mac: Uint8Array,
): boolean {
  return constantTimeEqual(checksum(key, usage, data), mac);
}
