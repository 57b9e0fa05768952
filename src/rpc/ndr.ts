/**
 * NDR20 little-endian unmarshalling (C706 chapter 14, MS-RPCE 2.2.5): a bounds-checked
 * reader for response stubs and for NDR blobs such as the PAC's logon information,
 * and GUIDs in their NDR byte order. The writer is `ndr_writer.ts`.
 *
 * The reader never reads past its range and caps counts before anything is allocated
 * or looped over; every failure is an {@linkcode NdrError}, which {@linkcode decodeNdr}
 * turns into `SspiError(SEC_E_INVALID_TOKEN)`.
 *
 * @module
 */
import { SspiError } from "../sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../sspi/status.ts";
import { fromHex, fromUtf16le, toHex } from "../util/bytes.ts";

/** The one error type the NDR reader raises: malformed or truncated input. */
export class NdrError extends Error {
  /** A parse failure described by `message`. */
  constructor(message: string) {
    super(message);
    this.name = "NdrError";
  }
}

/** The largest element count a reader accepts for any array or string. */
export const MAX_NDR_COUNT = 65536;
/** SID_MAX_SUB_AUTHORITIES (MS-DTYP 2.4.2). */
const MAX_SUB_AUTHORITIES = 15;

/**
 * A bounds-checked little-endian reader over `bytes[start, end)`. Every read throws
 * {@linkcode NdrError} rather than leave the range; alignment is relative to `start`.
 * `label` starts every message ("PAC", "RPC", ...).
 */
export class NdrReader {
  /** The next byte to read (an index into `bytes`). */
  pos: number;
  readonly #view: DataView;

  /** A reader of `bytes[start, end)` positioned at `start`. */
  constructor(
    readonly bytes: Uint8Array,
    readonly start = 0,
    readonly end: number = bytes.length,
    readonly label = "NDR",
  ) {
    if (!(start >= 0 && end <= bytes.length && start <= end)) {
      throw new NdrError(`${label} reader range is out of bounds`);
    }
    this.pos = start;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** An {@linkcode NdrError} whose message starts with this reader's label. */
  error(message: string): NdrError {
    return new NdrError(`${this.label} ${message}`);
  }

  /** Throws unless `n` more bytes can be read. */
  need(n: number, what: string): void {
    if (!(n >= 0) || n > this.end - this.pos) {
      throw this.error(`${what} is truncated`);
    }
  }

  /** Moves past `n` bytes (after checking them); returns where they start. */
  take(n: number, what: string): number {
    this.need(n, what);
    this.pos += n;
    return this.pos - n;
  }

  /** Skips to the next multiple of `n` from `start` (the padding must be in range). */
  align(n: number): void {
    this.take((n - ((this.pos - this.start) % n)) % n, "alignment padding");
  }

  /** An unsigned byte. */
  u8(what: string): number {
    return this.bytes[this.take(1, what)];
  }

  /** An unsigned 16-bit integer (not aligned: call `align(2)` first in NDR). */
  u16(what: string): number {
    return this.#view.getUint16(this.take(2, what), true);
  }

  /** An unsigned 32-bit integer (not aligned). */
  u32(what: string): number {
    return this.#view.getUint32(this.take(4, what), true);
  }

  /** A signed 32-bit integer (not aligned). */
  i32(what: string): number {
    return this.#view.getInt32(this.take(4, what), true);
  }

  /** An unsigned 64-bit integer (not aligned; a FILETIME is two ULONGs). */
  u64(what: string): bigint {
    return this.#view.getBigUint64(this.take(8, what), true);
  }

  /** A view of the next `n` bytes. */
  bytesOf(n: number, what: string): Uint8Array {
    const at = this.take(n, what);
    return this.bytes.subarray(at, at + n);
  }

  /** `chars` UTF-16LE code units as a string. */
  utf16(chars: number, what: string): string {
    const at = this.take(chars * 2, what);
    return fromUtf16le(this.bytes, at, at + chars * 2);
  }

  /** A GUID in its NDR form (4-aligned), as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
  uuid(what: string): string {
    this.align(4);
    return uuidFromBytes(this.bytesOf(16, what));
  }

  /** A 4-aligned pointer's referent id: 0 for a null pointer. */
  pointer(what: string): number {
    this.align(4);
    return this.u32(what);
  }

  /**
   * A conformant varying UTF-16 string (`[string] wchar_t*`'s referent): maximum
   * count, offset 0, actual count, the characters; a trailing NUL is dropped.
   */
  wstring(what: string): string {
    this.align(4);
    const max = this.u32(what);
    const offset = this.u32(what);
    const actual = this.u32(what);
    if (offset !== 0 || actual > max) {
      throw this.error(`${what} string bounds are inconsistent`);
    }
    checkCount(this, actual, 2, what);
    const s = this.utf16(actual, what);
    return s.endsWith("\0") ? s.slice(0, -1) : s;
  }
}

/** Throws unless `count` elements of `size` bytes each fit in what is left. */
export function checkCount(
  r: NdrReader,
  count: number,
  size: number,
  what: string,
): void {
  if (count > MAX_NDR_COUNT || count * size > r.remaining) {
    throw r.error(`${what} count ${count} is too large`);
  }
}

/**
 * A SID (MS-DTYP 2.4.2): Revision (1), SubAuthorityCount (at most 15),
 * IdentifierAuthority (6 bytes, big-endian) and the sub-authorities, as a string
 * "S-1-5-21-...". With `conformant` (the NDR `RPC_SID`) the sub-authority count is
 * first repeated as a 4-byte conformance, 4-byte aligned.
 */
export function readSid(
  r: NdrReader,
  conformant: boolean,
  what: string,
): string {
  let max = -1;
  if (conformant) {
    r.align(4);
    max = r.u32(what);
  }
  const revision = r.u8(what);
  const count = r.u8(what);
  if (revision !== 1) throw r.error(`${what} has SID revision ${revision}`);
  if (count > MAX_SUB_AUTHORITIES || (conformant && max !== count)) {
    throw r.error(`${what} has a bad sub-authority count`);
  }
  const auth = r.bytesOf(6, what);
  let authority = 0;
  for (const b of auth) authority = authority * 256 + b;
  let s = authority < 2 ** 32
    ? `S-1-${authority}`
    : `S-1-0x${authority.toString(16).padStart(12, "0")}`; // as Windows prints it
  for (let i = 0; i < count; i++) s += `-${r.u32(what)}`;
  return s;
}

/** The fixed part of an `RPC_UNICODE_STRING`: [Length, MaximumLength, pointer]. */
export function readUnicodeStringHeader(r: NdrReader, what: string): number[] {
  r.align(4);
  return [r.u16(what), r.u16(what), r.u32(what)];
}

/**
 * The deferred conformant varying UTF-16 array of an `RPC_UNICODE_STRING` whose
 * fixed part was `header`; "" for a null pointer.
 */
export function readDeferredUnicodeString(
  r: NdrReader,
  [length, maximumLength, pointer]: number[],
  what: string,
): string {
  if (pointer === 0) {
    if (length !== 0) throw r.error(`${what} has no buffer`);
    return "";
  }
  if (length % 2 || maximumLength % 2 || length > maximumLength) {
    throw r.error(`${what} has bad lengths`);
  }
  r.align(4);
  const max = r.u32(what);
  const offset = r.u32(what);
  const actual = r.u32(what);
  if (max !== maximumLength / 2 || offset !== 0 || actual !== length / 2) {
    throw r.error(`${what} array bounds do not match its lengths`);
  }
  return r.utf16(actual, what);
}

/**
 * Runs `read` over a response stub and returns what it returns; an
 * {@linkcode NdrError} becomes `SspiError(SEC_E_INVALID_TOKEN)`.
 */
export function decodeNdr<T>(
  stub: Uint8Array,
  read: (r: NdrReader) => T,
  label = "RPC",
): T {
  try {
    return read(new NdrReader(stub, 0, stub.length, label));
  } catch (e) {
    if (e instanceof NdrError) {
      throw new SspiError(SEC_E_INVALID_TOKEN, e.message, { cause: e });
    }
    throw e;
  }
}

/** A GUID string's 16 bytes in NDR (little-endian first three fields) order. */
export function uuidToBytes(uuid: string): Uint8Array {
  const hex =
    /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i
      .exec(uuid);
  if (!hex) throw new TypeError(`not a UUID: ${uuid}`);
  const b = fromHex(hex.slice(1).join(""));
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

/** The GUID string of 16 bytes in NDR order. */
export function uuidFromBytes(b: Uint8Array): string {
  const c = b.slice(0, 16);
  c.subarray(0, 4).reverse();
  c.subarray(4, 6).reverse();
  c.subarray(6, 8).reverse();
  const h = toHex(c);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${
    h.slice(16, 20)
  }-${h.slice(20)}`;
}
