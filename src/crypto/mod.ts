/**
 * Hashes, MACs and ciphers for the SSPI packages, computed in WebAssembly:
 * MD4, MD5, SHA-1, SHA-256, HMAC-MD5/SHA-1/SHA-256, RC4, DES-ECB and CRC-32.
 *
 * Every function takes and returns `Uint8Array`. Hashes and MACs have the
 * noble-hashes shape: a one-shot call, and `.create()` for a streaming object
 * with `update(data)`, `digest()` and `destroy()`.
 *
 * Misuse throws: a non-`Uint8Array` argument is a `TypeError`, a wrong key or
 * block length a `RangeError`, and use after `destroy()` an `Error`.
 *
 * @example One-shot and streaming
 * ```ts
 * import { md5, hmacMd5 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * const abc = new TextEncoder().encode("abc");
 * assert.deepEqual(md5(abc), md5.create().update(abc.subarray(0, 1)).update(abc.subarray(1)).digest());
 * const mac = hmacMd5(new Uint8Array(16), abc);
 * assert.deepEqual(mac.length, 16);
 * ```
 *
 * @module
 */

import { ALG_MD4, ALG_MD5, ALG_SHA1, ALG_SHA256 } from "../wasm/mod.ts";
import { type HashFn, makeHash } from "./_hash.ts";
import { type HmacFn, makeHmac } from "./_hmac.ts";
import { Crc32, crc32Of } from "./_crc32.ts";
import { desEcb, expandKey7 } from "./_des.ts";
import { rc4Of } from "./_rc4.ts";
import { randomBytesOf } from "./_random.ts";
import { abytes } from "./_utils.ts";

export type { Hash } from "./_utils.ts";
export type { HashFn } from "./_hash.ts";
export type { HmacFn } from "./_hmac.ts";
export { Crc32 } from "./_crc32.ts";
export { Rc4 } from "./_rc4.ts";

/**
 * MD4 (RFC 1320). Used by NTLM to derive the NT hash (NTOWFv1). Not secure as
 * a general-purpose hash.
 *
 * @example NT hash of a password (MS-NLMP 3.3.1)
 * ```ts
 * import { md4 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * const utf16le = (s: string) => new Uint8Array(Uint16Array.from(s, (c) => c.charCodeAt(0)).buffer);
 * const ntHash = md4(utf16le("Password"));
 * assert.deepEqual(ntHash.length, 16);
 * ```
 */
export const md4: HashFn = makeHash(ALG_MD4, "MD4", 16, 64);

/**
 * MD5 (RFC 1321). Used by NTLM (via HMAC-MD5) and Digest. Not secure as a
 * general-purpose hash.
 *
 * @example One-shot and streaming give the same digest
 * ```ts
 * import { md5 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * const a = new TextEncoder().encode("hello ");
 * const b = new TextEncoder().encode("world");
 * const h = md5.create().update(a).update(b).digest();
 * assert.deepEqual(h, md5(new TextEncoder().encode("hello world")));
 * ```
 */
export const md5: HashFn = makeHash(ALG_MD5, "MD5", 16, 64);

/**
 * SHA-1 (FIPS 180-4).
 *
 * @example
 * ```ts
 * import { sha1 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(sha1(new Uint8Array(0)).length, 20);
 * ```
 */
export const sha1: HashFn = makeHash(ALG_SHA1, "SHA-1", 20, 64);

/**
 * SHA-256 (FIPS 180-4).
 *
 * @example
 * ```ts
 * import { sha256 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(sha256(new TextEncoder().encode("abc"))[0], 0xba);
 * ```
 */
export const sha256: HashFn = makeHash(ALG_SHA256, "SHA-256", 32, 64);

/**
 * HMAC-MD5 (RFC 2104). The NTLMv2 workhorse: NTOWFv2, NTProofStr, session
 * keys and message signatures. The one-shot form is a single WebAssembly
 * call for keys up to 64 bytes and messages up to 64 KiB.
 *
 * @example One-shot and streaming
 * ```ts
 * import { hmacMd5 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * const key = new Uint8Array(16).fill(0x0b);
 * const msg = new TextEncoder().encode("Hi There");
 * const mac = hmacMd5(key, msg);
 * assert.deepEqual(mac, hmacMd5.create(key).update(msg).digest());
 * ```
 */
export const hmacMd5: HmacFn = makeHmac(ALG_MD5, "HMAC-MD5", 16);

/**
 * HMAC-SHA1 (RFC 2104).
 *
 * @example
 * ```ts
 * import { hmacSha1 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(hmacSha1(new Uint8Array(20), new Uint8Array(0)).length, 20);
 * ```
 */
export const hmacSha1: HmacFn = makeHmac(ALG_SHA1, "HMAC-SHA1", 20);

/**
 * HMAC-SHA256 (RFC 2104).
 *
 * @example
 * ```ts
 * import { hmacSha256 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(hmacSha256(new Uint8Array(32), new Uint8Array(0)).length, 32);
 * ```
 */
export const hmacSha256: HmacFn = makeHmac(ALG_SHA256, "HMAC-SHA256", 32);

/** The `crc32` function with its streaming constructor. */
export interface Crc32Fn {
  /** Returns the CRC-32 of `data` as an unsigned 32-bit number. */
  (data: Uint8Array): number;
  /** Returns a new streaming CRC-32. */
  create(): Crc32;
}

/**
 * CRC-32 (IEEE 802.3, as in zlib, PNG and Kerberos "crc32" checksums),
 * returned as an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * import { crc32 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * const data = new TextEncoder().encode("123456789");
 * assert.deepEqual(crc32(data), 0xcbf43926);
 * assert.deepEqual(crc32.create().update(data.subarray(0, 4)).update(data.subarray(4)).digest(), 0xcbf43926);
 * ```
 */
export const crc32: Crc32Fn = Object.assign(
  (data: Uint8Array): number => crc32Of(0, data),
  { create: (): Crc32 => new Crc32() },
);

/**
 * RC4 in one call: a fresh keystream from `key` XORed with `data`. For a
 * stream that continues across messages use {@linkcode Rc4}.
 *
 * @example
 * ```ts
 * import { rc4 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * const key = new TextEncoder().encode("Key");
 * const ct = rc4(key, new TextEncoder().encode("Plaintext"));
 * assert.deepEqual(new TextDecoder().decode(rc4(key, ct)), "Plaintext");
 * ```
 *
 * @param key 1 to 256 bytes.
 * @param data Any length.
 * @returns A new array of `data.length` bytes.
 * @throws {TypeError} if an argument is not a `Uint8Array`.
 * @throws {RangeError} if `key` is empty.
 */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  abytes(key, "key");
  abytes(data, "data");
  return rc4Of(key, data);
}

/**
 * DES-ECB encryption of `data` (a multiple of 8 bytes) under an 8-byte key
 * (parity bits ignored). Used by LM and NTLMv1 responses.
 *
 * @example FIPS 81 / "133457799BBCDFF1" known answer
 * ```ts
 * import { desEcbEncrypt } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * const key = Uint8Array.of(0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1);
 * const pt = Uint8Array.of(0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef);
 * assert.deepEqual(desEcbEncrypt(key, pt), Uint8Array.of(0x85, 0xe8, 0x13, 0x54, 0x0f, 0x0a, 0xb4, 0x05));
 * ```
 *
 * @param key8 The 8-byte key.
 * @param data Plaintext, length a multiple of 8.
 * @returns The ciphertext, a new array.
 * @throws {TypeError} if an argument is not a `Uint8Array`.
 * @throws {RangeError} if the key is not 8 bytes or `data.length % 8 !== 0`.
 */
export function desEcbEncrypt(key8: Uint8Array, data: Uint8Array): Uint8Array {
  return desEcb(key8, data, false);
}

/**
 * DES-ECB decryption of `data` (a multiple of 8 bytes) under an 8-byte key.
 *
 * @param key8 The 8-byte key.
 * @param data Ciphertext, length a multiple of 8.
 * @returns The plaintext, a new array.
 * @throws {TypeError} if an argument is not a `Uint8Array`.
 * @throws {RangeError} if the key is not 8 bytes or `data.length % 8 !== 0`.
 */
export function desEcbDecrypt(key8: Uint8Array, data: Uint8Array): Uint8Array {
  return desEcb(key8, data, true);
}

/**
 * Expands a 7-byte (56-bit) key into an 8-byte DES key, setting odd parity in
 * each byte's low bit: the `str_to_key` step of LM and NTLMv1 (MS-NLMP 6,
 * "DESL").
 *
 * @example LM hash half for an empty password
 * ```ts
 * import { desEcbEncrypt, desKeyFrom7 } from "@portable-sspi/sspi/crypto";
 * import assert from "node:assert/strict";
 *
 * const half = desEcbEncrypt(desKeyFrom7(new Uint8Array(7)), new TextEncoder().encode("KGS!@#$%"));
 * assert.deepEqual(half, Uint8Array.of(0xaa, 0xd3, 0xb4, 0x35, 0xb5, 0x14, 0x04, 0xee));
 * ```
 *
 * @param key7 Exactly 7 bytes.
 * @returns The 8-byte key.
 * @throws {TypeError} if `key7` is not a `Uint8Array`.
 * @throws {RangeError} if `key7` is not 7 bytes.
 */
export function desKeyFrom7(key7: Uint8Array): Uint8Array {
  return expandKey7(key7);
}

/**
 * Returns `n` cryptographically secure random bytes (WebCrypto), for any `n`.
 *
 * @param n Number of bytes, a non-negative safe integer.
 * @returns A new array of `n` random bytes.
 * @throws {TypeError} if `n` is not a number.
 * @throws {RangeError} if `n` is negative or not an integer.
 */
export function randomBytes(n: number): Uint8Array {
  return randomBytesOf(n);
}
