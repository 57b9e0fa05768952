/**
 * The Kerberos pseudo-random function and what RFC 6113 builds on it: PRF (RFC 3961
 * section 5.3 as RFC 3962 instantiates it for etypes 17 and 18, RFC 8009 section 5
 * for 19 and 20, RFC 4757's HMAC-SHA1 for rc4-hmac), PRF+ (RFC 6113 section 5.1)
 * and KRB-FX-CF2, which combines two keys into one (FAST's armor key, reply-key
 * strengthening and the encrypted-challenge keys). Every intermediate value holding
 * key material is wiped; the caller owns (and wipes) the keys returned.
 *
 * @module
 */
import { hmacSha1, sha1 } from "../../crypto/mod.ts";
import { aesCbcInPlace } from "../../wasm/aes.ts";
import {
  deriveKey,
  ETYPE_AES128_CTS_HMAC_SHA1_96,
  ETYPE_AES256_CTS_HMAC_SHA1_96,
  ETYPE_RC4_HMAC,
  type KerberosKey,
  keySize,
} from "./crypto.ts";
import { isSha2Etype, sha2Prf } from "./crypto_sha2.ts";

const PRF_LABEL = new TextEncoder().encode("prf");

/**
 * The PRF output size of `etype` in bytes: 16 for the AES-SHA1 etypes, 32 or 48 for
 * RFC 8009's, 20 for rc4-hmac. Throws a `TypeError` for other etypes.
 */
export function prfLength(etype: number): number {
  if (
    etype === ETYPE_AES128_CTS_HMAC_SHA1_96 ||
    etype === ETYPE_AES256_CTS_HMAC_SHA1_96
  ) return 16;
  if (isSha2Etype(etype)) return etype === 20 ? 48 : 32;
  if (etype === ETYPE_RC4_HMAC) return 20;
  throw new TypeError(`Unsupported Kerberos encryption type ${etype}`);
}

/**
 * PRF(key, octets): for etypes 17 and 18, SHA-1 of the octets truncated to one AES
 * block, encrypted (CBC, zero IV) with DK(key, "prf"); for 19 and 20,
 * KDF-HMAC-SHA2(key, "prf", octets); for rc4-hmac, HMAC-SHA1(key, octets).
 *
 * @example MIT krb5's t_prf vector (aes128-cts-hmac-sha1-96)
 * ```ts
 * import { prf } from "./crypto_prf.ts";
 * import { fromHex, toHex } from "../../util/bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const key = { etype: 17, bytes: fromHex("ae272e7cdec86ac5138cdb196d8e297d") };
 * assert.equal(toHex(prf(key, Uint8Array.of(1, 0x61))), "77b39a37a868920f2a51f9dd150c5717");
 * ```
 */
export function prf(key: KerberosKey, input: Uint8Array): Uint8Array {
  const size = keySize(key.etype);
  if (!(key.bytes instanceof Uint8Array) || key.bytes.length !== size) {
    throw new RangeError(
      `Cannot use Kerberos key: etype ${key.etype} needs ${size} bytes`,
    );
  }
  if (isSha2Etype(key.etype)) return sha2Prf(key.etype, key.bytes, input);
  if (key.etype === ETYPE_RC4_HMAC) return hmacSha1(key.bytes, input);
  prfLength(key.etype); // refuses etypes without a PRF
  const out = sha1(input).slice(0, 16);
  const k = deriveKey(key, PRF_LABEL);
  try {
    aesCbcInPlace(k, out, false);
  } finally {
    k.fill(0);
  }
  return out;
}

/**
 * PRF+(key, octets) of RFC 6113 section 5.1, `length` bytes: PRF(key, 1 | octets) |
 * PRF(key, 2 | octets) | ..., the counter one octet (so at most 255 PRF outputs).
 */
export function prfPlus(
  key: KerberosKey,
  input: Uint8Array,
  length: number,
): Uint8Array {
  const block = prfLength(key.etype);
  const n = Math.ceil(length / block);
  if (!Number.isInteger(length) || length < 0 || n > 255) {
    throw new RangeError(`Cannot make ${length} bytes with PRF+`);
  }
  const out = new Uint8Array(length);
  const data = new Uint8Array(input.length + 1);
  data.set(input, 1);
  for (let i = 0; i < n; i++) {
    data[0] = i + 1;
    const p = prf(key, data);
    out.set(p.subarray(0, Math.min(block, length - i * block)), i * block);
    p.fill(0);
  }
  return out;
}

/**
 * KRB-FX-CF2(key1, key2, pepper1, pepper2) of RFC 6113 section 5.1: random-to-key of
 * PRF+(key1, pepper1) XOR PRF+(key2, pepper2), as many bytes as a key of key1's etype
 * (random-to-key is the identity for every etype here); the result has key1's etype.
 *
 * @example MIT krb5's t_cf2 vector for aes128-cts-hmac-sha1-96
 * ```ts
 * import { cf2 } from "./crypto_prf.ts";
 * import { stringToKey } from "./crypto.ts";
 * import { toHex } from "../../util/bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const k1 = stringToKey(17, "key1", "key1");
 * const k2 = stringToKey(17, "key2", "key2");
 * assert.equal(toHex(cf2(k1, k2, "a", "b").bytes), "97df97e4b798b29eb31ed7280287a92a");
 * ```
 */
export function cf2(
  key1: KerberosKey,
  key2: KerberosKey,
  pepper1: string,
  pepper2: string,
): KerberosKey {
  const enc = new TextEncoder();
  const size = keySize(key1.etype);
  const a = prfPlus(key1, enc.encode(pepper1), size);
  const b = prfPlus(key2, enc.encode(pepper2), size);
  for (let i = 0; i < size; i++) a[i] ^= b[i];
  b.fill(0);
  return { etype: key1.etype, bytes: a };
}
