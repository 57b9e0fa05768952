// MD4, MD5, SHA-1 and SHA-256 over the WASM core. Streaming state lives in a
// JS-side Uint8Array copied into the WASM state region for each call.

import { getWasm, type SspiWasm } from "../wasm/mod.ts";
import { aalive, abytes, type Hash } from "./_utils.ts";

/** Absorbs `data` into the state already at `w.state`, chunk by chunk. */
export function absorb(w: SspiWasm, alg: number, data: Uint8Array): void {
  const { u8, scratch, scratchSize, state, x } = w;
  for (let off = 0; off < data.length; off += scratchSize) {
    const chunk = data.subarray(off, off + scratchSize);
    u8.set(chunk, scratch);
    x.hashUpdate(alg, state, scratch, chunk.length);
  }
}

/** One-shot digest of `data` (no argument checks). */
export function digestOf(
  alg: number,
  outputLen: number,
  data: Uint8Array,
): Uint8Array {
  const w = getWasm();
  const { u8, scratch, out, x } = w;
  if (data.length <= w.scratchSize) {
    u8.set(data, scratch);
    x.hash(alg, scratch, data.length, out);
  } else {
    x.hashInit(alg, w.state);
    absorb(w, alg, data);
    x.hashFinal(alg, w.state, out);
  }
  return u8.slice(out, out + outputLen);
}

const HASH_STATE = 104;

/** Streaming hash over the WASM core. */
export class WasmHash implements Hash {
  readonly outputLen: number;
  readonly blockLen: number;
  readonly #alg: number;
  readonly #name: string;
  #state: Uint8Array;
  #finished = false;
  #destroyed = false;

  constructor(alg: number, name: string, outputLen: number, blockLen: number) {
    this.#alg = alg;
    this.#name = name;
    this.outputLen = outputLen;
    this.blockLen = blockLen;
    this.#state = new Uint8Array(HASH_STATE);
    const w = getWasm();
    w.x.hashInit(alg, w.state);
    this.#state.set(w.u8.subarray(w.state, w.state + HASH_STATE));
  }

  update(data: Uint8Array): this {
    aalive(this.#destroyed, this.#finished, this.#name);
    abytes(data, "data");
    const w = getWasm();
    w.u8.set(this.#state, w.state);
    absorb(w, this.#alg, data);
    this.#state.set(w.u8.subarray(w.state, w.state + HASH_STATE));
    return this;
  }

  digest(): Uint8Array {
    aalive(this.#destroyed, this.#finished, this.#name);
    const w = getWasm();
    w.u8.set(this.#state, w.state);
    w.x.hashFinal(this.#alg, w.state, w.out);
    this.#finished = true;
    this.#state.fill(0);
    return w.u8.slice(w.out, w.out + this.outputLen);
  }

  clone(): this {
    aalive(this.#destroyed, this.#finished, this.#name);
    const c = new WasmHash(
      this.#alg,
      this.#name,
      this.outputLen,
      this.blockLen,
    );
    c.#state.set(this.#state);
    return c as this;
  }

  destroy(): void {
    this.#destroyed = true;
    this.#state.fill(0);
  }
}

/** A one-shot hash function with a streaming `create()` (noble-hashes shape). */
export interface HashFn {
  /** Hashes `data` in one call. */
  (data: Uint8Array): Uint8Array;
  /** Digest size in bytes. */
  readonly outputLen: number;
  /** Block size in bytes. */
  readonly blockLen: number;
  /** Returns a new streaming hash. */
  create(): Hash;
}

/** Builds the one-shot function and its `create()` for one algorithm. */
export function makeHash(
  alg: number,
  name: string,
  outputLen: number,
  blockLen: number,
): HashFn {
  const fn = (data: Uint8Array): Uint8Array => {
    abytes(data, "data");
    return digestOf(alg, outputLen, data);
  };
  return Object.assign(fn, {
    outputLen,
    blockLen,
    create: (): Hash => new WasmHash(alg, name, outputLen, blockLen),
  });
}
