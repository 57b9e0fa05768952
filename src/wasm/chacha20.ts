/**
 * ChaCha20-Poly1305 (RFC 8439) over the ChaCha20 exports of `sspi.wasm`
 * (`assembly/chacha20.ts`): a 32-byte key, 96-bit nonces and 16-byte tags.
 *
 * The key is kept by this object and copied into WebAssembly memory for each
 * call. A message that fits the 64 KiB scratch region together with its AAD
 * (every TLS record does) takes one WebAssembly call; larger inputs are fed in
 * scratch-sized chunks. Decryption verifies the tag (constant time) over the
 * AAD and the ciphertext before it decrypts anything, and leaves `data`
 * untouched when the tag does not match. The key, the nonce, the keystream and
 * the Poly1305 state are wiped from WebAssembly memory before every call
 * returns; after a decryption the scratch copy of the plaintext is wiped too.
 *
 * @module
 */
import { aeadDecrypt, aeadEncrypt, type AeadOps } from "./_aead.ts";
import { getWasm, type SspiWasm } from "./mod.ts";

/** ChaCha20-Poly1305 key length in bytes. */
export const CHACHA20_KEY_LENGTH = 32;
/** ChaCha20-Poly1305 nonce length in bytes (96 bits). */
export const CHACHA20_NONCE_LENGTH = 12;
/** Poly1305 tag length in bytes. */
export const POLY1305_TAG_LENGTH = 16;

function checkLength(what: string, v: Uint8Array, n: number): void {
  if (v.length !== n) {
    throw new RangeError(
      `Cannot use ChaCha20-Poly1305 ${what}: expected ${n} bytes, got ${v.length}`,
    );
  }
}

/**
 * A ChaCha20-Poly1305 key. The key is kept by this object until
 * {@linkcode ChaCha20Poly1305.wipe}.
 */
export class ChaCha20Poly1305 {
  #key: Uint8Array | undefined;

  /** key: 32 bytes (copied). */
  constructor(key: Uint8Array) {
    checkLength("key", key, CHACHA20_KEY_LENGTH);
    this.#key = key.slice();
  }

  /** Encrypts `data` in place and writes the 16-byte tag into `tag`. */
  encrypt(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): void {
    checkLength("tag", tag, POLY1305_TAG_LENGTH);
    const w = this.#load(nonce);
    aeadEncrypt(w, chachaOps(w), aad, data, tag);
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
    checkLength("tag", tag, POLY1305_TAG_LENGTH);
    const w = this.#load(nonce);
    return aeadDecrypt(w, chachaOps(w), aad, data, tag);
  }

  /** Zeroes the key; later calls throw. */
  wipe(): void {
    this.#key?.fill(0);
    this.#key = undefined;
  }

  /** Copies the key and the nonce into WebAssembly memory. */
  #load(nonce: Uint8Array): SspiWasm {
    const k = this.#key;
    if (!k) {
      throw new TypeError(
        "Cannot use ChaCha20-Poly1305 key: it has been wiped",
      );
    }
    checkLength("nonce", nonce, CHACHA20_NONCE_LENGTH);
    const w = getWasm();
    const { u8, x } = w;
    const c = x.chachaPtr();
    u8.set(k, c);
    u8.set(nonce, c + 32);
    return w;
  }
}

/** ChaCha20-Poly1305's exports for the AEAD driver (`_aead.ts`). */
function chachaOps(w: SspiWasm): AeadOps {
  const { x } = w;
  return {
    seal: x.chachaSeal,
    open: x.chachaOpen,
    begin: x.chachaBegin,
    xor: x.chachaXor,
    mac: x.chachaHash,
    finish: x.chachaFinish,
    wipe: x.chachaWipe,
    tagAt: x.chachaPtr() + 48,
  };
}

/**
 * Raw ChaCha20 (RFC 8439 2.4): XORs `data` with the keystream of `key` and
 * `nonce` starting at block `counter`, returning a new array. For test vectors.
 */
export function chacha20(
  key: Uint8Array,
  nonce: Uint8Array,
  counter: number,
  data: Uint8Array,
): Uint8Array {
  checkLength("key", key, CHACHA20_KEY_LENGTH);
  checkLength("nonce", nonce, CHACHA20_NONCE_LENGTH);
  const { u8, x, scratch, scratchSize } = getWasm();
  const c = x.chachaPtr();
  const out = data.slice();
  try {
    u8.set(key, c);
    u8.set(nonce, c + 32);
    x.chachaSetCounter(counter >>> 0);
    for (let off = 0; off < out.length; off += scratchSize) {
      const len = Math.min(scratchSize, out.length - off);
      u8.set(out.subarray(off, off + len), scratch);
      x.chachaXor(scratch, len);
      out.set(u8.subarray(scratch, scratch + len), off);
    }
    return out;
  } finally {
    x.wipe(scratch, Math.min(scratchSize, out.length));
    x.chachaWipe();
  }
}

/** Poly1305 (RFC 8439 2.5) of `msg` under a 32-byte one-time key. For test vectors. */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  checkLength("one-time key", key, 32);
  const { u8, x, scratch, scratchSize } = getWasm();
  if (msg.length > scratchSize) {
    throw new RangeError("Cannot compute Poly1305: message longer than 64 KiB");
  }
  const c = x.chachaPtr();
  try {
    u8.set(key, c);
    u8.set(msg, scratch);
    x.poly1305(scratch, msg.length);
    return u8.slice(c + 48, c + 64);
  } finally {
    x.wipe(scratch, msg.length);
    x.chachaWipe();
  }
}
