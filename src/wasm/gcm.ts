/**
 * AES-GCM (NIST SP 800-38D) with 96-bit nonces and 16-byte tags, over the AES
 * and GCM exports of `sspi.wasm` (`assembly/aes.ts`, `assembly/gcm.ts`).
 *
 * The constructor expands the key once into a per-key context (bitsliced AES
 * round keys and the GHASH key table, see `assembly/gcm.ts`), which this object
 * keeps and copies into WebAssembly memory for each call. A record that fits
 * the 64 KiB scratch region together with its AAD (every TLS record does) takes
 * one WebAssembly call; larger inputs are fed in scratch-sized chunks.
 * Decryption verifies the tag over the AAD and the ciphertext before it
 * decrypts anything, and leaves `data` untouched when the tag does not match.
 * The key context, the counter, the keystream and the accumulator are wiped
 * from WebAssembly memory before every call returns; after a decryption the
 * scratch copy of the plaintext is wiped too.
 *
 * @module
 */
import { aeadDecrypt, aeadEncrypt, type AeadOps } from "./_aead.ts";
import { getWasm, type SspiWasm } from "./mod.ts";

/** GCM nonce length in bytes (96 bits). */
export const GCM_NONCE_LENGTH = 12;
/** GCM tag length in bytes. */
export const GCM_TAG_LENGTH = 16;

function checkLength(what: string, v: Uint8Array, n: number): void {
  if (v.length !== n) {
    throw new RangeError(
      `Cannot use AES-GCM ${what}: expected ${n} bytes, got ${v.length}`,
    );
  }
}

/**
 * An AES-128-GCM or AES-256-GCM key. The expanded key context is kept by this
 * object (as secret as the key) until {@linkcode AesGcm.wipe}.
 */
export class AesGcm {
  #context: Uint8Array | undefined;

  /** key: 16 or 32 bytes (copied; the expanded state is kept by this object). */
  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 32) {
      throw new RangeError(
        `Cannot use AES-GCM key: expected 16 or 32 bytes, got ${key.length}`,
      );
    }
    const { u8, x, key: k } = getWasm();
    const ctx = x.gcmKeyPtr();
    try {
      u8.set(key, k);
      x.aesInit(k, key.length, 0); // wipes the key region
      x.gcmKeySetup(key.length);
      this.#context = u8.slice(ctx, ctx + x.gcmKeySize());
    } finally {
      x.gcmWipe();
      x.aesWipe();
    }
  }

  /** Encrypts `data` in place and writes the 16-byte tag into `tag`. */
  encrypt(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): void {
    checkLength("tag", tag, GCM_TAG_LENGTH);
    const w = this.#load(nonce);
    aeadEncrypt(w, gcmOps(w), aad, data, tag);
  }

  /**
   * Checks `tag` (constant time) over aad+ciphertext FIRST; only if it matches
   * decrypts `data` in place and returns true; otherwise leaves data unchanged
   * and returns false.
   */
  decrypt(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): boolean {
    checkLength("tag", tag, GCM_TAG_LENGTH);
    const w = this.#load(nonce);
    return aeadDecrypt(w, gcmOps(w), aad, data, tag);
  }

  /** Zeroes the key state; later calls throw. */
  wipe(): void {
    this.#context?.fill(0);
    this.#context = undefined;
  }

  /** Copies the key context and the nonce into WebAssembly memory. */
  #load(nonce: Uint8Array): SspiWasm {
    const c = this.#context;
    if (!c) throw new TypeError("Cannot use AES-GCM key: it has been wiped");
    checkLength("nonce", nonce, GCM_NONCE_LENGTH);
    const w = getWasm();
    const { u8, x } = w;
    u8.set(c, x.gcmKeyPtr());
    u8.set(nonce, x.gcmPtr());
    return w;
  }
}

/** AES-GCM's exports for the AEAD driver (`_aead.ts`). */
function gcmOps(w: SspiWasm): AeadOps {
  const { x } = w;
  return {
    seal: x.gcmSeal,
    open: x.gcmOpen,
    begin: x.gcmBegin,
    xor: x.gcmCtr,
    mac: x.gcmHash,
    finish: x.gcmFinish,
    wipe: x.gcmWipe,
    tagAt: x.gcmPtr() + 16,
  };
}
