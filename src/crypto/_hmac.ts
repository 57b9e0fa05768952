// HMAC (RFC 2104) with MD5, SHA-1 and SHA-256 over the WASM core. Keys reach
// WASM memory only for the duration of a call; the key and state regions are
// wiped before returning.

import { getWasm, type SspiWasm } from "../wasm/mod.ts";
import { absorb, digestOf } from "./_hash.ts";
import { aalive, abytes, type Hash } from "./_utils.ts";

const HMAC_STATE = 136;
const BLOCK = 64;

/** Writes the effective key (hashed first when longer than a block) to the key region. */
function loadKey(
  w: SspiWasm,
  alg: number,
  outputLen: number,
  key: Uint8Array,
): number {
  if (key.length <= BLOCK) {
    w.u8.set(key, w.key);
    return key.length;
  }
  const k = digestOf(alg, outputLen, key);
  // The long key passed through the scratch region: wipe what it occupied.
  w.x.wipe(w.scratch, Math.min(key.length, w.scratchSize));
  w.u8.set(k, w.key);
  k.fill(0);
  return outputLen;
}

/** Initialises an HMAC state in the state region and wipes the key region. */
function initState(
  w: SspiWasm,
  alg: number,
  outputLen: number,
  key: Uint8Array,
): void {
  const klen = loadKey(w, alg, outputLen, key);
  w.x.hmacInit(alg, w.state, w.key, klen);
  w.x.wipe(w.key, klen);
}

/** One-shot HMAC (no argument checks). */
export function hmacOf(
  alg: number,
  outputLen: number,
  key: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  const w = getWasm();
  const { u8, x, out } = w;
  if (key.length <= BLOCK && data.length <= w.scratchSize) {
    // Hot path (NTLM): a single WASM call; it wipes the key and its state.
    u8.set(key, w.key);
    u8.set(data, w.scratch);
    x.hmac(alg, w.key, key.length, w.scratch, data.length, out);
  } else {
    initState(w, alg, outputLen, key);
    absorb(w, alg, data);
    x.hmacFinal(alg, w.state, out);
  }
  return u8.slice(out, out + outputLen);
}

/** Streaming HMAC over the WASM core. */
export class WasmHmac implements Hash {
  readonly outputLen: number;
  readonly blockLen: number = BLOCK;
  readonly #alg: number;
  readonly #name: string;
  #state: Uint8Array;
  #finished = false;
  #destroyed = false;

  constructor(
    alg: number,
    name: string,
    outputLen: number,
    key: Uint8Array | null,
  ) {
    this.#alg = alg;
    this.#name = name;
    this.outputLen = outputLen;
    this.#state = new Uint8Array(HMAC_STATE);
    if (key) {
      const w = getWasm();
      initState(w, alg, outputLen, key);
      this.#save(w);
    }
  }

  #save(w: SspiWasm): void {
    this.#state.set(w.u8.subarray(w.state, w.state + HMAC_STATE));
    w.x.wipe(w.state, HMAC_STATE);
  }

  update(data: Uint8Array): this {
    aalive(this.#destroyed, this.#finished, this.#name);
    abytes(data, "data");
    const w = getWasm();
    w.u8.set(this.#state, w.state);
    absorb(w, this.#alg, data);
    this.#save(w);
    return this;
  }

  digest(): Uint8Array {
    aalive(this.#destroyed, this.#finished, this.#name);
    const w = getWasm();
    w.u8.set(this.#state, w.state);
    w.x.hmacFinal(this.#alg, w.state, w.out); // wipes the state region
    this.#finished = true;
    this.#state.fill(0);
    return w.u8.slice(w.out, w.out + this.outputLen);
  }

  clone(): this {
    aalive(this.#destroyed, this.#finished, this.#name);
    const c = new WasmHmac(this.#alg, this.#name, this.outputLen, null);
    c.#state.set(this.#state);
    return c as this;
  }

  destroy(): void {
    this.#destroyed = true;
    this.#state.fill(0);
  }
}

/** A one-shot MAC function with a streaming `create(key)`. */
export interface HmacFn {
  /** Computes the MAC of `data` under `key` in one call. */
  (key: Uint8Array, data: Uint8Array): Uint8Array;
  /** MAC size in bytes. */
  readonly outputLen: number;
  /** Block size of the underlying hash in bytes. */
  readonly blockLen: number;
  /** Returns a new streaming MAC keyed with `key`. */
  create(key: Uint8Array): Hash;
}

/** Builds the one-shot MAC function and its `create(key)` for one hash. */
export function makeHmac(alg: number, name: string, outputLen: number): HmacFn {
  const fn = (key: Uint8Array, data: Uint8Array): Uint8Array => {
    abytes(key, "key");
    abytes(data, "data");
    return hmacOf(alg, outputLen, key, data);
  };
  return Object.assign(fn, {
    outputLen,
    blockLen: BLOCK,
    create: (key: Uint8Array): Hash => {
      abytes(key, "key");
      return new WasmHmac(alg, name, outputLen, key);
    },
  });
}
