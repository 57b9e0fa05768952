// Entry point of sspi.wasm: hashes, MACs and ciphers over fixed static
// memory regions. Every export takes pointers into linear memory; the
// TypeScript side (src/wasm) copies inputs into the regions whose addresses
// the layout exports return, and copies results out. Nothing is allocated and
// no state survives between calls except what the caller keeps in STATE.

import { KEY, OUT, PAD, SCRATCH, SCRATCH_SIZE, STATE, TMP } from "./_mem";
import { HASH_STATE, HMAC_STATE, hashStateSizeOf, hmacFinal as mdHmacFinal, hmacInit as mdHmacInit, hmacStateSizeOf, mdFinal, mdInit, mdUpdate } from "./_md";
import { RC4_STATE, rc4Init as rc4KeySchedule, rc4Xor as rc4Keystream } from "./rc4";
import { DES_KS_SIZE, desEcb as desBlocks, desKeySchedule } from "./des";
import { crc32Tables, crc32Update as crc32Continue } from "./crc32";
import { AES_DK, AES_EK, AES_IV, aesClear, aesKeySetup, aesSetRounds, aesTables, cbcDecrypt, cbcEncrypt, cfb8Decrypt, cfb8Encrypt, ctsDecrypt, ctsEncrypt } from "./aes";

crc32Tables();
aesTables();

// ---- layout ---------------------------------------------------------------

/** Address of the input/output scratch region. */
export function scratchPtr(): usize {
  return SCRATCH;
}
/** Size of the scratch region in bytes. */
export function scratchSize(): i32 {
  return SCRATCH_SIZE;
}
/** Address of the streaming state region. */
export function statePtr(): usize {
  return STATE;
}
/** Address of the key region (256 bytes). */
export function keyPtr(): usize {
  return KEY;
}
/** Address of the output region (64 bytes). */
export function outPtr(): usize {
  return OUT;
}
/** Size of a hash state in bytes. */
export function hashStateSize(): i32 {
  return HASH_STATE;
}
/** Size of an HMAC state in bytes. */
export function hmacStateSize(): i32 {
  return HMAC_STATE;
}
/** Size of a hash state of `alg` in bytes (larger for the SHA-512 family). */
export function hashStateSizeFor(alg: i32): i32 {
  return hashStateSizeOf(alg);
}
/** Size of an HMAC state of `alg` in bytes (larger for the SHA-512 family). */
export function hmacStateSizeFor(alg: i32): i32 {
  return hmacStateSizeOf(alg);
}
/** Size of an RC4 state in bytes. */
export function rc4StateSize(): i32 {
  return RC4_STATE;
}

/** Zero-fills `len` bytes at `p`. */
export function wipe(p: usize, len: i32): void {
  memory.fill(p, 0, len);
}

// ---- hashes: alg 0 = MD4, 1 = MD5, 2 = SHA-1, 3 = SHA-256, 4 = SHA-384, ----
// ---- 5 = SHA-512, 6 = SHA-512/256 -----------------------------------------

/** Initialises a hash state at `st`. */
export function hashInit(alg: i32, st: usize): void {
  mdInit(alg, st);
}

/** Absorbs `len` bytes at `p` into the hash (or HMAC) state at `st`. */
export function hashUpdate(alg: i32, st: usize, p: usize, len: i32): void {
  mdUpdate(alg, st, p, len);
}

/** Finishes the hash state at `st`, writing the digest to `out`. */
export function hashFinal(alg: i32, st: usize, out: usize): void {
  mdFinal(alg, st, out);
}

/** One-shot hash of `len` bytes at `p` into `out`. */
export function hash(alg: i32, p: usize, len: i32, out: usize): void {
  mdInit(alg, TMP);
  mdUpdate(alg, TMP, p, len);
  mdFinal(alg, TMP, out);
}

// ---- HMAC ------------------------------------------------------------------

/** Initialises an HMAC state at `st` with a key of `klen` <= block length bytes at `key`. */
export function hmacInit(alg: i32, st: usize, key: usize, klen: i32): void {
  mdHmacInit(alg, st, key, klen);
}

/** Finishes the HMAC state at `st`, writing the MAC to `out`; wipes the state. */
export function hmacFinal(alg: i32, st: usize, out: usize): void {
  mdHmacFinal(alg, st, out);
}

/**
 * One-shot HMAC: key of `klen` <= block length bytes at `key`, message of `len` bytes at
 * `p`, MAC to `out`. Wipes the key bytes and the internal state.
 */
export function hmac(alg: i32, key: usize, klen: i32, p: usize, len: i32, out: usize): void {
  mdHmacInit(alg, TMP, key, klen);
  memory.fill(key, 0, klen);
  mdUpdate(alg, TMP, p, len);
  mdHmacFinal(alg, TMP, out);
}

// ---- RC4 -------------------------------------------------------------------

/** RC4 key schedule: key of `klen` (1..256) bytes at `key` into state `st`. */
export function rc4Init(st: usize, key: usize, klen: i32): void {
  rc4KeySchedule(st, key, klen);
}

/** XORs `len` bytes at `p` in place with the RC4 keystream of state `st`. */
export function rc4Xor(st: usize, p: usize, len: i32): void {
  rc4Keystream(st, p, len);
}

// ---- DES -------------------------------------------------------------------

/**
 * DES-ECB over `len` (multiple of 8) bytes at `p`, in place, with the 8-byte
 * key at `key`. Wipes the key bytes and the key schedule afterwards.
 */
export function desEcb(key: usize, p: usize, len: i32, decrypt: bool): void {
  desKeySchedule(key, TMP, decrypt);
  desBlocks(TMP, p, len);
  memory.fill(TMP, 0, DES_KS_SIZE);
  memory.fill(key, 0, 8);
}

// ---- AES (assembly/aes.ts) ----------------------------------------------------

/** Address of the 16-byte AES chaining-value (IV) region. */
export function aesIvPtr(): usize {
  return AES_IV;
}

/**
 * Loads an AES key of `klen` (16 or 32) bytes at `key`: expands the encryption
 * schedule, and the decryption one when `decrypt`. Wipes the key bytes. Returns
 * false (and loads nothing) for other key sizes. The schedule stays loaded until
 * `aesWipe`, so one key serves many calls.
 */
export function aesInit(key: usize, klen: i32, decrypt: bool): bool {
  const ok = aesKeySetup(key, klen, decrypt);
  memory.fill(key, 0, klen);
  return ok;
}

/**
 * AES-CBC over `len` (a multiple of 16) bytes at `p`, in place, with the loaded
 * key; the chaining value at `iv` is read and left as the next IV.
 */
export function aesCbc(iv: usize, p: usize, len: i32, decrypt: bool): void {
  if (decrypt) cbcDecrypt(iv, p, len);
  else cbcEncrypt(iv, p, len);
}

/**
 * AES-CBC with ciphertext stealing (RFC 3962 section 5) over `len` >= 16 bytes
 * at `p`, in place, with the loaded key and the IV at `iv`.
 */
export function aesCts(iv: usize, p: usize, len: i32, decrypt: bool): void {
  if (decrypt) ctsDecrypt(iv, p, len);
  else ctsEncrypt(iv, p, len);
}

/**
 * AES-CFB8 (8-bit segments) over `len` bytes at `p`, in place, with the loaded
 * key (its encryption schedule serves both directions); the 16-byte shift
 * register at `iv` is read and left as the next IV, so calls can continue a stream.
 */
export function aesCfb8(iv: usize, p: usize, len: i32, decrypt: bool): void {
  if (decrypt) cfb8Decrypt(iv, p, len);
  else cfb8Encrypt(iv, p, len);
}

/** Wipes the loaded AES key schedules and the IV region. */
export function aesWipe(): void {
  aesClear();
}

/**
 * Address of the encryption key schedule, or of the decryption one when `decrypt`
 * (240 bytes each: up to 15 round keys). After `aesInit` a caller may copy a
 * schedule out to keep, and later write it back and call `aesUseSchedule`.
 */
export function aesSchedulePtr(decrypt: bool): usize {
  return decrypt ? AES_DK : AES_EK;
}

/**
 * Loads the schedules written at `aesSchedulePtr` for a key of `klen` (16 or 32)
 * bytes, as `aesInit` would have expanded them; false (nothing loaded) for other
 * sizes. `aesWipe` wipes them as usual.
 */
export function aesUseSchedule(klen: i32): bool {
  return aesSetRounds(klen);
}

// ---- CRC-32 ----------------------------------------------------------------

/** Continues CRC-32 value `crc` (0 to start) over `len` bytes at `p`. */
export function crc32Update(crc: u32, p: usize, len: i32): u32 {
  return crc32Continue(crc, p, len);
}

/** Wipes the internal pad and temporary regions (defensive; normally already clean). */
export function wipeInternal(): void {
  memory.fill(PAD, 0, 128);
  memory.fill(TMP, 0, 512);
}

// ---- NTLM (assembly/ntlm.ts) -------------------------------------------------

export { ntlmMacBegin, ntlmMacData, ntlmMacEnd, ntlmSessionKeys, ntlmV2 } from "./ntlm";
import { DIR as NTLM_DIR_REGION, NOUT as NTLM_OUT_REGION } from "./ntlm";

/** Address of the NTLM direction-state region (two 274-byte directions). */
export function ntlmDirPtr(): usize {
  return NTLM_DIR_REGION;
}

/** Address of the NTLM output region (64 bytes). */
export function ntlmOutPtr(): usize {
  return NTLM_OUT_REGION;
}

// ---- AES-CCM (assembly/ccm.ts) -------------------------------------------------

export { ccmBegin, ccmCtr, ccmFinish, ccmMac, ccmOpen, ccmPadMac, ccmSeal, ccmWipe } from "./ccm";
import { CCM as CCM_REGION } from "./ccm";

/**
 * Address of the 96-byte CCM region: the nonce (7 to 13 bytes) at +0, the tag at
 * +16 (expected tag in for `ccmOpen`, computed tag out of `ccmSeal`).
 */
export function ccmPtr(): usize {
  return CCM_REGION;
}

// ---- AES-GCM (assembly/gcm.ts) -------------------------------------------------

export { gcmBegin, gcmCtr, gcmFinish, gcmHash, gcmKeySetup, gcmOpen, gcmSeal, gcmWipe } from "./gcm";
import { GCM as GCM_REGION, GCM_KEY, GCM_KEY_SIZE } from "./gcm";

/**
 * Address of the 128-byte GCM region: the nonce (12 bytes) at +0, the tag at +16
 * (expected tag in for `gcmOpen`, computed tag out of `gcmSeal`).
 */
export function gcmPtr(): usize {
  return GCM_REGION;
}

/**
 * Address of the GCM per-key context (bitsliced AES round keys, the GHASH key
 * table, the round count), built by `gcmKeySetup` and read by the other GCM calls.
 */
export function gcmKeyPtr(): usize {
  return GCM_KEY;
}

/** Size of the GCM per-key context in bytes. */
export function gcmKeySize(): i32 {
  return GCM_KEY_SIZE;
}

// ---- X25519 (assembly/x25519.ts) -----------------------------------------------

import { X25519_IO, x25519Scalarmult } from "./x25519";

/** Address of the 96-byte X25519 region: scalar at +0, u at +32, result at +64. */
export function x25519Ptr(): usize {
  return X25519_IO;
}

/**
 * X25519 (RFC 7748): the scalar at `x25519Ptr()` (clamped) times the u-coordinate
 * at +32, result at +64. Wipes the scalar, u and all temporaries; the caller wipes
 * the result after reading it.
 */
export function x25519(): void {
  x25519Scalarmult();
}

// ---- P-256 (assembly/p256.ts) --------------------------------------------------

export { p256Mul, p256MulAdd, p256MulBase } from "./p256";
import { P256_IO } from "./p256";

/**
 * Address of the 192-byte P-256 region (big-endian values): scalar k1 at +0,
 * scalar k2 at +32, point x||y at +64, result x||y at +128.
 */
export function p256Ptr(): usize {
  return P256_IO;
}

// ---- ChaCha20-Poly1305 (assembly/chacha20.ts) --------------------------------------

export { chachaBegin, chachaFinish, chachaHash, chachaOpen, chachaSeal, chachaSetCounter, chachaWipe, chachaXor, poly1305 } from "./chacha20";
import { CHACHA as CHACHA_REGION } from "./chacha20";

/**
 * Address of the 128-byte ChaCha20-Poly1305 region: the key (32 bytes) at +0,
 * the nonce (12 bytes) at +32, the tag at +48 (expected tag in for
 * `chachaOpen`, computed tag out of `chachaSeal` and `poly1305`).
 */
export function chachaPtr(): usize {
  return CHACHA_REGION;
}
