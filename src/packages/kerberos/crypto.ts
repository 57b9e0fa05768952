/**
 * Kerberos encryption and checksum profiles: aes128-cts-hmac-sha1-96 (etype 17)
 * and aes256-cts-hmac-sha1-96 (etype 18), the simplified profile of RFC 3961
 * section 5.3 instantiated by RFC 3962; aes128-cts-hmac-sha256-128 (etype 19) and
 * aes256-cts-hmac-sha384-192 (etype 20), RFC 8009, in `crypto_sha2.ts`; and rc4-hmac
 * (etype 23, RFC 4757, in `crypto_rc4.ts`), dispatched by the key's etype. AES,
 * SHA-1, SHA-256, MD4, MD5, HMAC and RC4 run in WebAssembly, SHA-384 in TypeScript;
 * all calls are synchronous. Derived keys (Ke, Ki, Kc) of every AES etype are cached
 * here per key object and usage.
 *
 * Unsupported encryption types throw a `TypeError` naming the etype; keys of the
 * wrong size throw a `RangeError`. Integrity failures are not exceptions:
 * {@linkcode decrypt} returns `null` and {@linkcode verifyChecksum} `false`.
 *
 * @module
 */
import { hmacSha1 } from "../../crypto/mod.ts";
import { randomInto } from "../../crypto/_random.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import { pooledBytes, pooledCopy } from "../../util/pool.ts";
import { aesCbcInPlace, aesCtsInPlace } from "../../wasm/aes.ts";
import { ALG_SHA1, getWasm } from "../../wasm/mod.ts";
import { nfold } from "./crypto_nfold.ts";
import { pbkdf2 } from "./crypto_pbkdf2.ts";
import {
  CKSUMTYPE_HMAC_SHA256_128_AES128,
  CKSUMTYPE_HMAC_SHA384_192_AES256,
  ETYPE_AES128_CTS_HMAC_SHA256_128,
  ETYPE_AES256_CTS_HMAC_SHA384_192,
  isSha2Etype,
  SHA2_DEFAULT_ITERATIONS,
  sha2Checksum,
  sha2Decrypt,
  sha2Encrypt,
  sha2StringToKey,
  sha2UsageKey,
} from "./crypto_sha2.ts";
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
export { nfold } from "./crypto_nfold.ts";
export {
  CKSUMTYPE_HMAC_SHA256_128_AES128,
  CKSUMTYPE_HMAC_SHA384_192_AES256,
  ETYPE_AES128_CTS_HMAC_SHA256_128,
  ETYPE_AES256_CTS_HMAC_SHA384_192,
} from "./crypto_sha2.ts";

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
  /** Encryption type number (17, 18, 19, 20 or 23). */
  etype: number;
  /** Key bytes (16 for etypes 17, 19 and 23, 32 for etypes 18 and 20). */
  bytes: Uint8Array;
}

/** Cipher block and confounder size of the AES profiles. */
const BLOCK = 16;
/** Truncated HMAC-SHA1 size (h in RFC 3961 section 5.3). */
const MAC = 12;
/** PBKDF2 iteration count of etypes 17 and 18 without s2kparams (RFC 3962 section 4). */
const DEFAULT_ITERATIONS = 4096;
/**
 * Largest iteration count accepted from s2kparams: the KRB-ERROR carrying it is not
 * authenticated, so a forged one could otherwise stall the client for minutes
 * (about 1.7 s at this bound; MIT and Active Directory use 4096).
 */
const MAX_ITERATIONS = 1_000_000;
/**
 * The same bound for aes256-cts-hmac-sha384-192, whose PBKDF2 runs SHA-384 in
 * TypeScript, about 4 times slower: 8 times RFC 8009's default of 32768 (about 2 s).
 */
const MAX_ITERATIONS_SHA384 = 262_144;
/** Key-derivation suffix of Kc, the checksum key (RFC 3961 section 5.3). */
export const KC = 0x99;
/** Key-derivation suffix of Ke, the encryption key (RFC 3961 section 5.3). */
export const KE = 0xaa;
/** Key-derivation suffix of Ki, the integrity key (RFC 3961 section 5.3). */
export const KI = 0x55;

/** True for the encryption types this module implements (17, 18, 19, 20 and 23). */
export function isSupportedEtype(etype: number): boolean {
  return etype === ETYPE_AES128_CTS_HMAC_SHA1_96 ||
    etype === ETYPE_AES256_CTS_HMAC_SHA1_96 || isSha2Etype(etype) ||
    etype === ETYPE_RC4_HMAC;
}

/** Key size in bytes of `etype`: 16 or 32. Throws a `TypeError` when unsupported. */
export function keySize(etype: number): number {
  if (etype === ETYPE_AES128_CTS_HMAC_SHA1_96) return 16;
  if (etype === ETYPE_AES256_CTS_HMAC_SHA1_96) return 32;
  if (etype === ETYPE_AES128_CTS_HMAC_SHA256_128) return 16;
  if (etype === ETYPE_AES256_CTS_HMAC_SHA384_192) return 32;
  if (etype === ETYPE_RC4_HMAC) return RC4_KEY_SIZE;
  throw new TypeError(`Unsupported Kerberos encryption type ${etype}`);
}

/**
 * Checksum type of `etype`'s keyed checksum (its "mandatory" checksum, what MIT signs
 * PACs and TGS-REQs with): 15, 16, 19, 20 or -138. Throws a `TypeError` when
 * unsupported.
 */
export function checksumTypeOf(etype: number): number {
  if (etype === ETYPE_RC4_HMAC) return CKSUMTYPE_HMAC_MD5;
  if (etype === ETYPE_AES128_CTS_HMAC_SHA256_128) {
    return CKSUMTYPE_HMAC_SHA256_128_AES128;
  }
  if (etype === ETYPE_AES256_CTS_HMAC_SHA384_192) {
    return CKSUMTYPE_HMAC_SHA384_192_AES256;
  }
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

// ---- key derivation (RFC 3961 section 5.1, RFC 8009 section 5) ----------------

/**
 * DK(key, constant) = random-to-key(DR(key, constant)) (RFC 3961 section 5.1); for
 * AES random-to-key is the identity, so this is DR: the constant n-folded to one
 * block, then encrypted repeatedly, the outputs concatenated to the key size.
 * Etypes 17 and 18 only: RFC 8009 derives with KDF-HMAC-SHA2 (`usageKey`).
 */
export function deriveKey(key: KerberosKey, constant: Uint8Array): Uint8Array {
  if (isRc4(key) || isSha2Etype(key.etype)) {
    throw new TypeError(
      `Cannot derive a key from etype ${key.etype} with the RFC 3961 DK`,
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
  const out = pooledBytes(base.length); // 16 or 32: whole blocks
  out.set(block);
  aesCbcInPlace(base, out, false);
  return out;
}

/**
 * Ke (suffix 0xAA), Ki (0x55) or Kc (0x99) of `key` for `usage`, newly derived: DK
 * for etypes 17 and 18, KDF-HMAC-SHA2 for 19 and 20 (where Ki and Kc have h bytes).
 * The caller wipes it.
 */
export function usageKey(
  key: KerberosKey,
  usage: number,
  suffix: number,
): Uint8Array {
  if (isRc4(key)) {
    throw new TypeError(
      "Cannot derive a key from rc4-hmac: RFC 4757 has no DK",
    );
  }
  return isSha2Etype(key.etype)
    ? sha2UsageKey(key.etype, key.bytes, usage, suffix)
    : deriveFromBlock(key.bytes, foldedUsage(usage, suffix));
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
  new DataView(c.buffer, c.byteOffset, c.byteLength).setUint32(0, usage);
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
    entry = { base: pooledCopy(key.bytes), keys: new Map() };
    cache.set(key, entry);
  }
  const id = usage * 256 + suffix;
  let k = entry.keys.get(id);
  if (!k) {
    k = usageKey(key, usage, suffix);
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
 * For etypes 19 and 20 it is RFC 8009's (section 4): PBKDF2-HMAC-SHA-256/384 with the
 * enctype's name, a zero byte and the salt, then KDF-HMAC-SHA2; absent params mean
 * 32768 iterations (etype 20 refuses more than 262,144). For rc4-hmac (etype 23) it is the NT hash, MD4 of the UTF-16LE
 * password; salt and params are ignored (RFC 4757 section 4).
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
  const sha2 = isSha2Etype(etype);
  const iterations = iterationsOf(
    params,
    sha2 ? SHA2_DEFAULT_ITERATIONS : DEFAULT_ITERATIONS,
    etype === ETYPE_AES256_CTS_HMAC_SHA384_192
      ? MAX_ITERATIONS_SHA384
      : MAX_ITERATIONS,
  );
  const enc = new TextEncoder();
  const pw = enc.encode(password);
  try {
    if (sha2) {
      const s = enc.encode(salt);
      return { etype, bytes: sha2StringToKey(etype, pw, s, iterations) };
    }
    const tkey = pbkdf2("sha1", pw, enc.encode(salt), iterations, size);
    const t: KerberosKey = { etype, bytes: tkey };
    const bytes = deriveKey(t, enc.encode("kerberos"));
    tkey.fill(0);
    return { etype, bytes };
  } finally {
    pw.fill(0);
  }
}

/** Iteration count from s2kparams (RFC 3962 section 4, RFC 8009 section 4). */
function iterationsOf(
  params: Uint8Array | undefined,
  dflt: number,
  max: number,
): number {
  if (params === undefined) return dflt;
  if (params.length !== 4) {
    throw new RangeError(
      `Cannot use Kerberos s2kparams: expected 4 bytes, got ${params.length}`,
    );
  }
  const n = new DataView(params.buffer, params.byteOffset, 4).getUint32(0);
  if (n === 0 || n > max) {
    throw new RangeError(
      `Cannot use Kerberos s2kparams: iteration count ${n} is out of range`,
    );
  }
  return n;
}

/** A new random key of `etype` (random-to-key of fresh random bytes: the identity). */
export function randomKey(etype: number): KerberosKey {
  const n = keySize(etype);
  return { etype, bytes: randomInto(pooledBytes(n), 0, n) };
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
  if (isSha2Etype(key.etype)) {
    return sha2Encrypt(key.etype, ke, ki, plaintext, confounder);
  }
  if (confounder !== undefined && confounder.length !== BLOCK) {
    throw new RangeError(
      `Cannot use confounder: expected 16 bytes, got ${confounder.length}`,
    );
  }
  const n = BLOCK + plaintext.length;
  const out = pooledBytes(n + MAC); // goes into a message's DER, copied there
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
 * the confounder and HMAC (28 bytes; 32 or 40 for etypes 19 and 20, 24 for rc4-hmac)
 * or its HMAC does not match (wrong key, wrong usage or tampering).
 */
export function decrypt(
  key: KerberosKey,
  usage: number,
  ciphertext: Uint8Array,
): Uint8Array | null {
  if (isRc4(key)) return rc4HmacDecrypt(key.bytes, usage, ciphertext);
  const ke = derived(key, usage, KE);
  const ki = derived(key, usage, KI);
  if (isSha2Etype(key.etype)) return sha2Decrypt(key.etype, ke, ki, ciphertext);
  const n = ciphertext.length - MAC;
  if (n < BLOCK) return null;
  const body = pooledCopy(ciphertext.subarray(0, n));
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
  const kc = derived(key, usage, KC);
  if (isSha2Etype(key.etype)) return sha2Checksum(key.etype, kc, data);
  return hmacSha1View(kc, data).slice();
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
