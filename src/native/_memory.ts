/**
 * Native memory for the FFI calls. Every block the library sees is a `Uint8Array` over
 * its own `new ArrayBuffer(n)`: V8 keeps such backing stores off the JS heap, so they
 * never move (small `new Uint8Array(n)` arrays may live on the heap; Deno issue 12341).
 * An `Arena` holds every block of one call, so nothing is collected while the library
 * may still read or write it (a `nonblocking` call keeps its arena in a closure until it
 * settles).
 *
 * @module
 */

/** Pointer size of the supported targets (64-bit Windows, Linux, macOS). */
export const PTR = 8;

/** The size of the chunks an `Arena` carves its blocks from. */
const CHUNK = 16384;

/** Released chunks, zeroed, ready for the next call (bounded). */
const pool: Uint8Array[] = [];
const POOL_MAX = 32;

/**
 * The blocks of one call, kept reachable until `release()`. Blocks are carved (8-byte
 * aligned) from 16 KiB chunks that are zeroed and pooled on release, so steady traffic
 * allocates no new native memory and never waits on the garbage collector; larger
 * blocks get their own backing store.
 */
export class Arena {
  #chunks: Uint8Array[] = [];
  #own: Uint8Array[] = [];
  #chunk: Uint8Array | null = null;
  #used = 0;

  /** A zeroed block of at least `n` bytes (never empty, so its pointer is never null). */
  bytes(n: number): Uint8Array {
    const len = Math.max(8, n);
    const size = (len + 7) & ~7;
    if (size > CHUNK / 2) {
      const own = new Uint8Array(new ArrayBuffer(size));
      this.#own.push(own);
      return own.subarray(0, len);
    }
    if (!this.#chunk || this.#used + size > CHUNK) {
      if (this.#chunk) this.#chunks.push(this.#chunk);
      this.#chunk = pool.pop() ?? new Uint8Array(new ArrayBuffer(CHUNK));
      this.#used = 0;
    }
    const b = this.#chunk.subarray(this.#used, this.#used + len);
    this.#used += size;
    return b;
  }

  /** A block holding a copy of `data`. */
  copy(data: Uint8Array): Uint8Array {
    const b = this.bytes(data.length);
    b.set(data);
    return b;
  }

  /** A NUL-terminated UTF-16LE string (`SEC_WCHAR*`). */
  wstr(s: string): Uint8Array {
    const b = this.bytes((s.length + 1) * 2);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < s.length; i++) {
      v.setUint16(i * 2, s.charCodeAt(i), true);
    }
    return b;
  }

  /** A NUL-terminated UTF-8 string (`char*`). */
  cstr(s: string): Uint8Array {
    const enc = new TextEncoder().encode(s);
    const b = this.bytes(enc.length + 1);
    b.set(enc);
    return b;
  }

  /** Drops the references (call only once the library is done with the blocks). */
  release(): void {
    if (this.#chunk) {
      this.#chunk.fill(0, 0, this.#used);
      if (pool.length < POOL_MAX) pool.push(this.#chunk);
    }
    for (const c of this.#chunks) {
      c.fill(0);
      if (pool.length < POOL_MAX) pool.push(c);
    }
    this.#chunks = [];
    this.#own = [];
    this.#chunk = null;
    this.#used = 0;
  }

  /** How many backing stores are held (for tests). */
  get size(): number {
    return this.#chunks.length + this.#own.length + (this.#chunk ? 1 : 0);
  }
}

/** The pointer of a block (`null` for null). */
export function ptr(b: Uint8Array | null): Deno.PointerValue {
  return b ? Deno.UnsafePointer.of(b) : null;
}

/** A pointer's address as a bigint (0n for null). */
export function addr(p: Deno.PointerValue): bigint {
  return p ? Deno.UnsafePointer.value(p) : 0n;
}

/** A pointer from an address (null for 0n). */
export function fromAddr(a: bigint): Deno.PointerValue {
  return a === 0n ? null : Deno.UnsafePointer.create(a);
}

/** A `DataView` over a block. */
export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads a pointer-sized field of a block as an address. */
export function readAddr(b: Uint8Array, offset: number): bigint {
  return view(b).getBigUint64(offset, true);
}

/** Writes an address into a pointer-sized field of a block. */
export function writeAddr(b: Uint8Array, offset: number, a: bigint): void {
  view(b).setBigUint64(offset, a, true);
}

/** Copies `len` bytes of library memory into a new JS-owned array. */
export function readBytes(a: bigint, len: number): Uint8Array {
  if (a === 0n || len <= 0) return new Uint8Array(0);
  const out = new Uint8Array(len);
  new Deno.UnsafePointerView(fromAddr(a)!).copyInto(out);
  return out;
}

/** Reads a NUL-terminated UTF-16LE string from library memory ("" for null). */
export function readWString(a: bigint, max = 65536): string {
  if (a === 0n) return "";
  const v = new Deno.UnsafePointerView(fromAddr(a)!);
  const units: number[] = [];
  for (let i = 0; i < max; i++) {
    const c = v.getUint16(i * 2);
    if (c === 0) break;
    units.push(c);
  }
  let s = "";
  for (let i = 0; i < units.length; i += 4096) {
    s += String.fromCharCode(...units.slice(i, i + 4096));
  }
  return s;
}

/** Reads a struct of `len` bytes from library memory into a JS-owned array. */
export function readStruct(a: bigint, len: number): Uint8Array {
  return readBytes(a, len);
}
