/**
 * The one way this module drives a WebAssembly AEAD (AES-GCM, ChaCha20-Poly1305)
 * over `data` in place: a message that fits the scratch region with its padded AAD
 * takes one seal/open call; a larger one is fed in scratch-sized chunks through the
 * cipher's begin/keystream/MAC/finish exports. Decryption verifies the tag over the
 * AAD and the ciphertext before it decrypts anything, and leaves `data` untouched
 * when it does not match. The cipher's state is wiped before every call returns;
 * after a decryption the scratch copy of the plaintext is wiped too.
 *
 * @module
 */
import type { SspiWasm } from "./mod.ts";

/** One cipher's exports, as the driver calls them. */
export interface AeadOps {
  /** Seals aad (at `aadPtr`) and data (at `dataPtr`) in one call. */
  seal(aadPtr: number, aadLen: number, dataPtr: number, dataLen: number): void;
  /** Opens in one call; false when the tag (already in place) does not match. */
  open(
    aadPtr: number,
    aadLen: number,
    dataPtr: number,
    dataLen: number,
  ): number;
  /** Starts a chunked message. */
  begin(): void;
  /** XORs `len` bytes at `ptr` with the next keystream. */
  xor(ptr: number, len: number): void;
  /** Absorbs `len` bytes at `ptr` into the MAC. */
  mac(ptr: number, len: number): void;
  /** Ends a chunked message: writes the tag (0) or checks it (1). */
  finish(aadLen: number, dataLen: number, verify: number): number;
  /** Wipes the cipher's state. */
  wipe(): void;
  /** Where the tag is in WebAssembly memory. */
  tagAt: number;
}

/** Rounds `n` up to a multiple of 16. */
function pad16(n: number): number {
  return (n + 15) & ~15;
}

/** Absorbs `aad` into the MAC in scratch-sized (whole-block) chunks. */
function macChunks(w: SspiWasm, ops: AeadOps, aad: Uint8Array): void {
  const { u8, scratch } = w;
  for (let off = 0; off < aad.length; off += w.scratchSize) {
    const len = Math.min(w.scratchSize, aad.length - off);
    u8.set(aad.subarray(off, off + len), scratch);
    ops.mac(scratch, len);
  }
}

/**
 * Encrypts `data` in place and writes the 16-byte tag into `tag` (the key and
 * nonce are already loaded).
 */
export function aeadEncrypt(
  w: SspiWasm,
  ops: AeadOps,
  aad: Uint8Array,
  data: Uint8Array,
  tag: Uint8Array,
): void {
  const { u8, scratch } = w;
  try {
    const at = pad16(aad.length);
    if (at + data.length <= w.scratchSize) {
      u8.set(aad, scratch);
      u8.set(data, scratch + at);
      ops.seal(scratch, aad.length, scratch + at, data.length);
      data.set(u8.subarray(scratch + at, scratch + at + data.length));
    } else {
      ops.begin();
      macChunks(w, ops, aad);
      const n = data.length;
      for (let off = 0; off < n; off += w.scratchSize) {
        const len = Math.min(w.scratchSize, n - off);
        u8.set(data.subarray(off, off + len), scratch);
        ops.xor(scratch, len);
        ops.mac(scratch, len);
        data.set(u8.subarray(scratch, scratch + len), off);
      }
      ops.finish(aad.length, n, 0);
    }
    tag.set(u8.subarray(ops.tagAt, ops.tagAt + 16));
  } finally {
    ops.wipe();
  }
}

/**
 * Checks `tag` (constant time, in WebAssembly) over aad+ciphertext first; only if
 * it matches decrypts `data` in place and returns true; otherwise leaves `data`
 * unchanged and returns false.
 */
export function aeadDecrypt(
  w: SspiWasm,
  ops: AeadOps,
  aad: Uint8Array,
  data: Uint8Array,
  tag: Uint8Array,
): boolean {
  const { u8, x, scratch } = w;
  const n = data.length;
  let used = 0;
  try {
    u8.set(tag, ops.tagAt);
    const at = pad16(aad.length);
    if (at + n <= w.scratchSize) {
      u8.set(aad, scratch);
      u8.set(data, scratch + at);
      used = at + n;
      if (!ops.open(scratch, aad.length, scratch + at, n)) return false;
      data.set(u8.subarray(scratch + at, scratch + at + n));
      return true;
    }
    ops.begin();
    macChunks(w, ops, aad);
    for (let off = 0; off < n; off += w.scratchSize) {
      const len = Math.min(w.scratchSize, n - off);
      u8.set(data.subarray(off, off + len), scratch);
      ops.mac(scratch, len);
    }
    if (!ops.finish(aad.length, n, 1)) return false;
    used = w.scratchSize;
    // Verified: now decrypt, chunk by chunk (scratchSize is a multiple of 64).
    for (let off = 0; off < n; off += w.scratchSize) {
      const len = Math.min(w.scratchSize, n - off);
      u8.set(data.subarray(off, off + len), scratch);
      ops.xor(scratch, len);
      data.set(u8.subarray(scratch, scratch + len), off);
    }
    return true;
  } finally {
    if (used > 0) x.wipe(scratch, used);
    ops.wipe();
  }
}
