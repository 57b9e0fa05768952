// RC4 over the WASM core. The keystream state (S-box, i, j) lives in a JS-side
// Uint8Array and visits WASM memory only during a call; the state and key
// regions are wiped before each call returns.

import { getWasm, type SspiWasm } from "../wasm/mod.ts";
import { abytes } from "./_utils.ts";

const RC4_STATE = 258;
const MAX_KEY = 256;

/** Runs the key schedule into the WASM state region; wipes the key region. */
function schedule(w: SspiWasm, key: Uint8Array): void {
  abytes(key, "key");
  if (key.length === 0) {
    throw new RangeError("Cannot use RC4 key: expected at least 1 byte, got 0");
  }
  // Only the first 256 key bytes influence the RC4 key schedule.
  const k = key.length > MAX_KEY ? key.subarray(0, MAX_KEY) : key;
  w.u8.set(k, w.key);
  w.x.rc4Init(w.state, w.key, k.length);
  w.x.wipe(w.key, k.length);
}

/** XORs `src` with the keystream of the state region into `dst` (may alias). */
function xorInto(w: SspiWasm, src: Uint8Array, dst: Uint8Array): void {
  const { u8, scratch, scratchSize, state, x } = w;
  if (src.length <= 64) {
    // Keys and checksums: no views (each costs an allocation in Deno), and the
    // scratch copy is wiped.
    u8.set(src, scratch);
    x.rc4Xor(state, scratch, src.length);
    for (let i = 0; i < src.length; i++) dst[i] = u8[scratch + i];
    u8.fill(0, scratch, scratch + src.length); // may be a key (NTLM's RC4K)
    return;
  }
  for (let off = 0; off < src.length; off += scratchSize) {
    const n = Math.min(scratchSize, src.length - off);
    u8.set(src.subarray(off, off + n), scratch);
    x.rc4Xor(state, scratch, n);
    dst.set(u8.subarray(scratch, scratch + n), off);
  }
}

/**
 * One-shot RC4 (no argument checks on `data`), into `into` (as long as `data`) when
 * given, else into a new array.
 */
export function rc4Of(
  key: Uint8Array,
  data: Uint8Array,
  into?: Uint8Array,
): Uint8Array {
  const w = getWasm();
  schedule(w, key);
  const out = into ?? new Uint8Array(data.length);
  xorInto(w, data, out);
  w.x.wipe(w.state, RC4_STATE);
  return out;
}

/** Set only while {@link Rc4.clone} runs the constructor. */
let cloneFrom: Uint8Array | null = null;
const CLONE_KEY = new Uint8Array(1);

/**
 * A long-lived RC4 keystream, e.g. one NTLM sealing direction: each call
 * continues where the previous one stopped.
 *
 * @example Encrypt two messages with one stream, decrypt with a second
 * ```ts
 * import { Rc4 } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const key = new Uint8Array(16).fill(7);
 * const enc = new Rc4(key);
 * const dec = new Rc4(key);
 * const a = enc.update(new TextEncoder().encode("first"));
 * const b = enc.update(new TextEncoder().encode("second"));
 * assert.deepEqual(new TextDecoder().decode(dec.update(a)), "first");
 * assert.deepEqual(new TextDecoder().decode(dec.update(b)), "second");
 * enc.destroy();
 * dec.destroy();
 * ```
 */
export class Rc4 {
  #state: Uint8Array | null;

  /**
   * Runs the RC4 key schedule.
   *
   * @param key 1 to 256 bytes (longer keys are accepted; bytes past 256 have no effect).
   * @throws {TypeError} if `key` is not a `Uint8Array`.
   * @throws {RangeError} if `key` is empty.
   */
  constructor(key: Uint8Array) {
    if (cloneFrom && key === CLONE_KEY) {
      this.#state = cloneFrom.slice();
      return;
    }
    const w = getWasm();
    schedule(w, key);
    this.#state = w.u8.slice(w.state, w.state + RC4_STATE);
    w.x.wipe(w.state, RC4_STATE);
  }

  #run(src: Uint8Array, dst: Uint8Array): void {
    const st = this.#state;
    if (!st) throw new Error("Cannot use RC4: it has been destroyed");
    const w = getWasm();
    w.u8.set(st, w.state);
    xorInto(w, src, dst);
    st.set(w.u8.subarray(w.state, w.state + RC4_STATE));
    w.x.wipe(w.state, RC4_STATE);
  }

  /**
   * Encrypts or decrypts `data`, advancing the keystream.
   *
   * @param data Input bytes (left unchanged).
   * @returns A new array of the same length.
   */
  update(data: Uint8Array): Uint8Array {
    abytes(data, "data");
    const out = new Uint8Array(data.length);
    this.#run(data, out);
    return out;
  }

  /**
   * Encrypts or decrypts `data` in place, advancing the keystream.
   *
   * @param data Bytes to transform in place.
   */
  updateInPlace(data: Uint8Array): void {
    abytes(data, "data");
    this.#run(data, data);
  }

  /**
   * A copy of this keystream at its current position (for trying a decryption and
   * rolling back with {@link Rc4.restore} when the MAC does not match).
   */
  clone(): Rc4 {
    const st = this.#state;
    if (!st) throw new Error("Cannot use RC4: it has been destroyed");
    cloneFrom = st;
    try {
      return new Rc4(CLONE_KEY);
    } finally {
      cloneFrom = null;
    }
  }

  /** Sets this keystream back to the position of `other` (a {@link Rc4.clone}). */
  restore(other: Rc4): void {
    const src = other.#state;
    if (!src || !this.#state) {
      throw new Error("Cannot use RC4: it has been destroyed");
    }
    this.#state.set(src);
  }

  /** Wipes the keystream state; any later use throws an `Error`. */
  destroy(): void {
    this.#state?.fill(0);
    this.#state = null;
  }
}
