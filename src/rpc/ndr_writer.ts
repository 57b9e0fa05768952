/**
 * NDR20 little-endian marshalling (C706 chapter 14, MS-RPCE 2.2.5): the writer that
 * builds request stubs. The reader is `ndr.ts`.
 *
 * @module
 */
import { utf16le } from "../util/bytes.ts";
import { uuidToBytes } from "./ndr.ts";

/**
 * Builds an NDR20 little-endian stream. Primitives are aligned to their size from the
 * start of the stream. Pointers follow NDR's deferral rule: outside a
 * {@linkcode NdrWriter.struct} scope a pointer's referent is written at once (a
 * top-level parameter); inside one it is queued and written after the structure's
 * fixed part, each referent followed by its own deferred referents.
 *
 * @example
 * ```ts
 * import { NdrWriter } from "./ndr_writer.ts";
 * const w = new NdrWriter();
 * w.pointer(() => w.wstring("\\\\dc1")); // [in, unique, string] wchar_t*
 * w.wstring("WS1"); // [in, string] wchar_t* (a top-level ref pointer)
 * w.bytes(new Uint8Array(8));
 * const stub = w.finish();
 * ```
 */
export class NdrWriter {
  #buf = new Uint8Array(256);
  #len = 0;
  #referent = 0x20000;
  #queue: (() => void)[] | null = null;

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  #room(n: number): number {
    if (this.#len + n > this.#buf.length) {
      const b = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
      b.set(this.#buf.subarray(0, this.#len));
      this.#buf = b;
    }
    this.#len += n;
    return this.#len - n;
  }

  /** Zero bytes up to the next multiple of `n`. */
  align(n: number): this {
    this.#room((n - (this.#len % n)) % n); // the buffer's new bytes are zero
    return this;
  }

  /** An unsigned byte. */
  u8(v: number): this {
    const at = this.#room(1); // may replace #buf
    this.#buf[at] = v;
    return this;
  }

  /** An unsigned 16-bit integer, 2-aligned. */
  u16(v: number): this {
    const at = this.align(2).#room(2);
    this.#buf[at] = v & 0xff;
    this.#buf[at + 1] = (v >>> 8) & 0xff;
    return this;
  }

  /** An unsigned (or signed) 32-bit integer, 4-aligned. */
  u32(v: number): this {
    const at = this.align(4).#room(4);
    new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength)
      .setUint32(at, v >>> 0, true);
    return this;
  }

  /** An unsigned 64-bit integer (`hyper`), 8-aligned. */
  u64(v: bigint): this {
    const at = this.align(8).#room(8);
    new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength)
      .setBigUint64(
        at,
        BigInt.asUintN(64, v),
        true,
      );
    return this;
  }

  /** Raw bytes (a fixed byte array: no alignment, no count). */
  bytes(b: Uint8Array): this {
    const at = this.#room(b.length);
    this.#buf.set(b, at);
    return this;
  }

  /** A GUID, 4-aligned. */
  uuid(uuid: string): this {
    return this.align(4).bytes(uuidToBytes(uuid));
  }

  /**
   * A unique (or embedded ref) pointer: its referent id, or 0 when `referent` is
   * null; `referent` writes the pointee, now or deferred (see the class doc).
   */
  pointer(referent: (() => void) | null): this {
    if (referent === null) return this.u32(0);
    this.u32(this.#referent);
    this.#referent += 4;
    if (this.#queue) this.#queue.push(referent);
    else this.struct(referent);
    return this;
  }

  /**
   * Writes a constructed type: `fixed` writes its fixed part (pointers inside are
   * queued), then the queued referents follow in order.
   */
  struct(fixed: () => void): this {
    const outer = this.#queue;
    const queue: (() => void)[] = [];
    this.#queue = queue;
    try {
      fixed();
    } finally {
      this.#queue = outer;
    }
    for (const referent of queue) this.struct(referent);
    return this;
  }

  /** A conformant varying NUL-terminated UTF-16 string (`[string] wchar_t*`'s referent). */
  wstring(s: string): this {
    const n = s.length + 1;
    return this.u32(n).u32(0).u32(n).bytes(utf16le(s)).u16(0);
  }

  /**
   * An `RPC_UNICODE_STRING` (MS-DTYP 2.3.10): Length and MaximumLength in bytes and a
   * pointer to the characters (no NUL), written as a conformant varying array. A null
   * `s` is a zero-length string with a null pointer.
   */
  unicodeString(s: string | null): this {
    return this.countedBytes(s === null ? null : utf16le(s), 2);
  }

  /**
   * A counted buffer (`STRING`, `RPC_UNICODE_STRING` shape): u16 Length and
   * MaximumLength in bytes and a pointer to a conformant varying array of
   * `unit`-byte elements holding `b`; null for a null pointer.
   */
  countedBytes(b: Uint8Array | null, unit = 1): this {
    const n = b?.length ?? 0;
    if (n > 0xffff || n % unit) throw new RangeError("counted buffer too long");
    this.align(4).u16(n).u16(n);
    return this.pointer(
      b && (() => this.u32(n / unit).u32(0).u32(n / unit).bytes(b)),
    );
  }

  /** The stream so far (a copy). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}
