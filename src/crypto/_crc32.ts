// CRC-32 (IEEE) over the WASM core.

import { getWasm } from "../wasm/mod.ts";
import { abytes } from "./_utils.ts";

/** Continues `crc` (0 to start) over `data`; returns the unsigned result. */
export function crc32Of(crc: number, data: Uint8Array): number {
  abytes(data, "data");
  const { u8, scratch, scratchSize, x } = getWasm();
  for (let off = 0; off < data.length; off += scratchSize) {
    const n = Math.min(scratchSize, data.length - off);
    u8.set(data.subarray(off, off + n), scratch);
    crc = x.crc32Update(crc, scratch, n);
  }
  return crc >>> 0;
}

/** A streaming CRC-32. */
export class Crc32 {
  #crc = 0;
  #destroyed = false;

  /** Absorbs `data`; returns `this` for chaining. */
  update(data: Uint8Array): this {
    if (this.#destroyed) {
      throw new Error("Cannot use CRC-32: it has been destroyed");
    }
    this.#crc = crc32Of(this.#crc, data);
    return this;
  }

  /** Returns the CRC-32 of everything absorbed so far (unsigned); may be called again. */
  digest(): number {
    if (this.#destroyed) {
      throw new Error("Cannot use CRC-32: it has been destroyed");
    }
    return this.#crc;
  }

  /** Forgets the state; any later use throws an `Error`. */
  destroy(): void {
    this.#crc = 0;
    this.#destroyed = true;
  }
}
