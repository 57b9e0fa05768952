/**
 * Thin wrappers over the AES exports of `sspi.wasm` (`assembly/aes.ts`): AES-128/256
 * in CBC mode, in the CBC-with-ciphertext-stealing mode of RFC 3962 section 5, and
 * in CFB mode with 8-bit segments (CFB8, for Netlogon).
 *
 * Inputs of any length are handled: whatever exceeds the 64 KiB scratch region is
 * fed through CBC in scratch-sized chunks (the chaining value stays in WebAssembly
 * memory), and the stolen last two blocks are done by the final call. Data that is
 * already a view over WebAssembly memory is transformed where it is, without copies
 * (its owner wipes it). The key schedule is wiped before every function returns;
 * after a decryption the scratch copy of the plaintext is wiped too.
 *
 * @module
 */
import { getWasm, type SspiWasm } from "./mod.ts";

/** AES block size in bytes. */
export const AES_BLOCK = 16;

function checkKey(key: Uint8Array): void {
  if (key.length !== 16 && key.length !== 32) {
    throw new RangeError(
      `Cannot use AES key: expected 16 or 32 bytes, got ${key.length}`,
    );
  }
}

function checkIv(iv: Uint8Array | undefined): void {
  if (iv !== undefined && iv.length !== AES_BLOCK) {
    throw new RangeError(
      `Cannot use AES IV: expected 16 bytes, got ${iv.length}`,
    );
  }
}

function checkCbcLength(data: Uint8Array): void {
  if (data.length % AES_BLOCK !== 0) {
    throw new RangeError(
      `Cannot use AES-CBC data: length must be a multiple of 16, got ${data.length}`,
    );
  }
}

/** Loads `key` and `iv` (zero when absent) into WebAssembly memory. */
function load(
  w: SspiWasm,
  key: Uint8Array,
  iv: Uint8Array | undefined,
  decrypt: boolean,
): number {
  const { u8, x } = w;
  const ivPtr = x.aesIvPtr();
  u8.set(key, w.key);
  x.aesInit(w.key, key.length, decrypt ? 1 : 0); // wipes the key region
  if (iv) u8.set(iv, ivPtr);
  else u8.fill(0, ivPtr, ivPtr + AES_BLOCK);
  return ivPtr;
}

/** Runs one exported mode over `data` in place, chunking through the scratch region. */
function run(
  data: Uint8Array,
  ivPtr: number,
  decrypt: boolean,
  cts: boolean,
): void {
  const w = getWasm();
  const { u8, x, scratch } = w;
  const n = data.length;
  const d = decrypt ? 1 : 0;
  if (data.buffer === u8.buffer) {
    // Already in WebAssembly memory (a work region of the caller's): in place, and
    // the caller wipes it.
    if (cts) x.aesCts(ivPtr, data.byteOffset, n, d);
    else x.aesCbc(ivPtr, data.byteOffset, n, d);
    return;
  }
  const chunk = w.scratchSize - (w.scratchSize % AES_BLOCK);
  // CTS: everything but the last two (partial) blocks is plain CBC.
  const tail = cts && n > AES_BLOCK
    ? AES_BLOCK + (n % AES_BLOCK || AES_BLOCK)
    : 0;
  const head = cts ? (n <= chunk ? 0 : n - tail) : n;
  for (let off = 0; off < head; off += chunk) {
    const len = Math.min(chunk, head - off);
    u8.set(data.subarray(off, off + len), scratch);
    x.aesCbc(ivPtr, scratch, len, d);
    data.set(u8.subarray(scratch, scratch + len), off);
  }
  if (cts) {
    const len = n - head;
    u8.set(data.subarray(head), scratch);
    x.aesCts(ivPtr, scratch, len, d);
    data.set(u8.subarray(scratch, scratch + len), head);
  }
  if (decrypt) x.wipe(scratch, Math.min(n, w.scratchSize));
}

/** Runs a mode with a freshly loaded key and wipes the schedule afterwards. */
function withKey(
  key: Uint8Array,
  data: Uint8Array,
  iv: Uint8Array | undefined,
  decrypt: boolean,
  cts: boolean,
): void {
  checkKey(key);
  checkIv(iv);
  const w = getWasm();
  const ivPtr = load(w, key, iv, decrypt);
  try {
    run(data, ivPtr, decrypt, cts);
  } finally {
    w.x.aesWipe();
  }
}

/**
 * AES-CBC with ciphertext stealing (RFC 3962 section 5), in place: `data` (at least
 * 16 bytes) is replaced by its encryption (or decryption) under the 16- or 32-byte
 * `key`, with `iv` (zero when absent). Exactly 16 bytes is one plain CBC block.
 */
export function aesCtsInPlace(
  key: Uint8Array,
  data: Uint8Array,
  decrypt: boolean,
  iv?: Uint8Array,
): void {
  if (data.length < AES_BLOCK) {
    throw new RangeError(
      `Cannot use AES-CTS data: expected at least 16 bytes, got ${data.length}`,
    );
  }
  withKey(key, data, iv, decrypt, true);
}

/** AES-CTS encryption (RFC 3962) of `data` (>= 16 bytes) into a new array. */
export function aesCtsEncrypt(
  key: Uint8Array,
  data: Uint8Array,
  iv?: Uint8Array,
): Uint8Array {
  const out = data.slice();
  aesCtsInPlace(key, out, false, iv);
  return out;
}

/** AES-CTS decryption (RFC 3962) of `data` (>= 16 bytes) into a new array. */
export function aesCtsDecrypt(
  key: Uint8Array,
  data: Uint8Array,
  iv?: Uint8Array,
): Uint8Array {
  const out = data.slice();
  aesCtsInPlace(key, out, true, iv);
  return out;
}

/**
 * AES-CBC without padding, in place: `data` (a multiple of 16 bytes) is replaced
 * by its encryption (or decryption) under `key` with `iv` (zero when absent).
 */
export function aesCbcInPlace(
  key: Uint8Array,
  data: Uint8Array,
  decrypt: boolean,
  iv?: Uint8Array,
): void {
  checkCbcLength(data);
  withKey(key, data, iv, decrypt, false);
}

/**
 * Encrypts one 16-byte block with AES (ECB) into a new array: the basic
 * encryption step of key derivation (RFC 3961 section 5.1, DR).
 */
export function aesEncryptBlock(
  key: Uint8Array,
  block: Uint8Array,
): Uint8Array {
  if (block.length !== AES_BLOCK) {
    throw new RangeError(
      `Cannot use AES block: expected 16 bytes, got ${block.length}`,
    );
  }
  const out = block.slice();
  withKey(key, out, undefined, false, false);
  return out;
}

/**
 * An AES key expanded once for one direction, kept for many calls: copying the
 * round keys into WebAssembly memory is cheaper than expanding the key again. As
 * secret as the key; {@linkcode wipeAesSchedule} zeroes it.
 */
export interface AesSchedule {
  /** Round keys ((rounds + 1) * 16 bytes) of the direction's schedule. */
  readonly roundKeys: Uint8Array;
  /** Key size in bytes (16 or 32). */
  readonly keyLength: number;
  /** True for the decryption schedule. */
  readonly decrypt: boolean;
}

/** Expands the 16- or 32-byte `key` into the schedule for one direction. */
export function aesSchedule(key: Uint8Array, decrypt: boolean): AesSchedule {
  checkKey(key);
  const w = getWasm();
  const x = w.x;
  load(w, key, undefined, decrypt);
  try {
    const at = x.aesSchedulePtr(decrypt ? 1 : 0);
    const size = (key.length / 4 + 7) * AES_BLOCK;
    return {
      roundKeys: w.u8.slice(at, at + size),
      keyLength: key.length,
      decrypt,
    };
  } finally {
    x.aesWipe();
  }
}

/**
 * AES-CTS (RFC 3962) in place with a kept schedule, as {@linkcode aesCtsInPlace}
 * with its key; `decrypt` must match the schedule's direction.
 */
export function aesCtsScheduled(
  schedule: AesSchedule,
  data: Uint8Array,
  decrypt: boolean,
  iv?: Uint8Array,
): void {
  if (data.length < AES_BLOCK) {
    throw new RangeError(
      `Cannot use AES-CTS data: expected at least 16 bytes, got ${data.length}`,
    );
  }
  withSchedule(schedule, data, decrypt, iv, true);
}

/**
 * AES-CBC without padding in place with a kept schedule, as {@linkcode aesCbcInPlace}
 * with its key: `data` a multiple of 16 bytes, `iv` zero when absent; `decrypt`
 * must match the schedule's direction.
 */
export function aesCbcScheduled(
  schedule: AesSchedule,
  data: Uint8Array,
  decrypt: boolean,
  iv?: Uint8Array,
): void {
  checkCbcLength(data);
  withSchedule(schedule, data, decrypt, iv, false);
}

/** Runs a mode with a kept schedule loaded, and wipes it from WebAssembly memory. */
function withSchedule(
  schedule: AesSchedule,
  data: Uint8Array,
  decrypt: boolean,
  iv: Uint8Array | undefined,
  cts: boolean,
): void {
  if (schedule.decrypt !== decrypt) {
    throw new TypeError(
      "Cannot use AES schedule: it is for the other direction",
    );
  }
  checkIv(iv);
  const w = getWasm();
  const { u8 } = w;
  const x = w.x;
  u8.set(schedule.roundKeys, x.aesSchedulePtr(decrypt ? 1 : 0));
  x.aesUseSchedule(schedule.keyLength);
  const ivPtr = x.aesIvPtr();
  if (iv) u8.set(iv, ivPtr);
  else u8.fill(0, ivPtr, ivPtr + AES_BLOCK);
  try {
    run(data, ivPtr, decrypt, cts);
  } finally {
    x.aesWipe();
  }
}

/** Zeroes a kept schedule. */
export function wipeAesSchedule(schedule: AesSchedule): void {
  schedule.roundKeys.fill(0);
}

/** The CFB8 export of `sspi.wasm` (`assembly/index.ts`, `aesCfb8`). */
interface Cfb8Exports {
  /**
   * AES-CFB8 in place over `len` bytes at `p` with the loaded key; the shift
   * register at `iv` is left as the next IV.
   */
  aesCfb8(iv: number, p: number, len: number, decrypt: number): void;
}

/** AES-CFB8 in place over `data` (any length), chunked through the scratch region. */
function cfb8(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  decrypt: boolean,
): Uint8Array {
  checkKey(key);
  if (iv.length !== AES_BLOCK) {
    throw new RangeError(
      `Cannot use AES-CFB8 IV: expected 16 bytes, got ${iv.length}`,
    );
  }
  const w = getWasm();
  const { u8, scratch } = w;
  const x = w.x as typeof w.x & Cfb8Exports;
  // CFB runs the forward cipher both ways: only the encryption schedule is needed.
  const ivPtr = load(w, key, iv, false);
  const d = decrypt ? 1 : 0;
  try {
    if (data.buffer === u8.buffer) {
      // Already in WebAssembly memory (a work region of the caller's): in place.
      x.aesCfb8(ivPtr, data.byteOffset, data.length, d);
      return u8.slice(ivPtr, ivPtr + AES_BLOCK);
    }
    for (let off = 0; off < data.length; off += w.scratchSize) {
      const len = Math.min(w.scratchSize, data.length - off);
      u8.set(data.subarray(off, off + len), scratch);
      x.aesCfb8(ivPtr, scratch, len, d);
      data.set(u8.subarray(scratch, scratch + len), off);
    }
    return u8.slice(ivPtr, ivPtr + AES_BLOCK);
  } finally {
    if (decrypt && data.buffer !== u8.buffer) {
      x.wipe(scratch, Math.min(data.length, w.scratchSize));
    }
    x.aesWipe();
  }
}

/**
 * AES-CFB8 encryption (NIST SP 800-38A, 8-bit segments) of `data` **in place**
 * under the 16- or 32-byte `key`, starting from the 16-byte `iv` (not modified).
 * Netlogon (MS-NRPC) uses it with 128-bit keys for credentials, the secure
 * channel's sealing and its sequence numbers. Returns the shift register after
 * the last byte (a new 16-byte array): passing it as the IV of the next call
 * continues the same stream, so `confounder` then `data` can be encrypted as one.
 *
 * @example Encrypting in two pieces equals encrypting at once
 * ```ts
 * import { aesCfb8Encrypt } from "./aes.ts";
 * import assert from "node:assert/strict";
 *
 * const key = new Uint8Array(16).fill(1);
 * const whole = new Uint8Array(20).fill(7);
 * aesCfb8Encrypt(key, new Uint8Array(16), whole);
 * const a = new Uint8Array(8).fill(7);
 * const b = new Uint8Array(12).fill(7);
 * aesCfb8Encrypt(key, aesCfb8Encrypt(key, new Uint8Array(16), a), b);
 * assert.deepEqual([...a, ...b], [...whole]);
 * ```
 *
 * @param key AES key, 16 or 32 bytes.
 * @param iv Initial shift register, 16 bytes.
 * @param data Bytes to encrypt, any length; replaced by the ciphertext.
 * @returns The next IV (16 bytes).
 * @throws {RangeError} for a key or IV of the wrong size.
 */
export function aesCfb8Encrypt(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  return cfb8(key, iv, data, false);
}

/**
 * AES-CFB8 decryption of `data` **in place**, the inverse of
 * {@linkcode aesCfb8Encrypt} with the same `key` and `iv`; returns the next IV
 * (the last 16 ciphertext bytes of the stream so far) to continue it.
 *
 * @param key AES key, 16 or 32 bytes.
 * @param iv Initial shift register, 16 bytes.
 * @param data Bytes to decrypt, any length; replaced by the plaintext.
 * @returns The next IV (16 bytes).
 * @throws {RangeError} for a key or IV of the wrong size.
 */
export function aesCfb8Decrypt(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  return cfb8(key, iv, data, true);
}
