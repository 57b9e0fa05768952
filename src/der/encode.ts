/**
 * DER encoders: TLVs with definite lengths (short and long form), SEQUENCE, explicit
 * context and application tags, OID, OCTET STRING, BIT STRING, ENUMERATED,
 * GeneralString.
 *
 * @module
 */
import { pooledBytes } from "../util/pool.ts";
import { encodeOidContent } from "./oid.ts";
import {
  applicationTag,
  contextTag,
  TAG_BIT_STRING,
  TAG_ENUMERATED,
  TAG_GENERAL_STRING,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
} from "./tree.ts";

/**
 * The DER length octets of `n` (short form below 128, else the shortest long form).
 *
 * @example
 * ```ts
 * import { encodeLength } from "./encode.ts";
 * encodeLength(300); // 82 01 2c
 * ```
 */
export function encodeLength(n: number): Uint8Array {
  const out = new Uint8Array(lengthSize(n));
  writeLength(out, 0, n, out.length);
  return out;
}

/** The number of length octets `n` needs. */
function lengthSize(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new RangeError(`DER length out of range: ${n}`);
  }
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5;
}

function writeLength(out: Uint8Array, at: number, n: number, size: number) {
  if (size === 1) {
    out[at] = n;
    return;
  }
  out[at] = 0x80 | (size - 1);
  for (let i = size - 1; i >= 1; i--) {
    out[at + i] = n & 0xff;
    n = Math.floor(n / 256);
  }
}

/**
 * One TLV with a low tag number (identifier octet `tag`) around `content` (or the
 * concatenation of several parts).
 *
 * @example
 * ```ts
 * import { encodeTlv } from "./encode.ts";
 * encodeTlv(0x04, Uint8Array.of(1, 2)); // 04 02 01 02
 * ```
 */
export function encodeTlv(
  tag: number,
  content: Uint8Array | readonly Uint8Array[],
): Uint8Array {
  if (
    !Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f
  ) {
    throw new RangeError(`unsupported DER tag: ${tag}`);
  }
  let n = 0;
  if (content instanceof Uint8Array) n = content.length;
  else for (const p of content) n += p.length;
  const size = lengthSize(n);
  const out = new Uint8Array(1 + size + n);
  out[0] = tag;
  writeLength(out, 1, n, size);
  if (content instanceof Uint8Array) {
    out.set(content, 1 + size);
  } else {
    let o = 1 + size;
    for (const p of content) {
      out.set(p, o);
      o += p.length;
    }
  }
  return out;
}

/** A SEQUENCE of already encoded elements. */
export function encodeSequence(elements: readonly Uint8Array[]): Uint8Array {
  return encodeTlv(TAG_SEQUENCE, elements);
}

/** An explicit context tag `[n]` around one encoded value. */
export function encodeContext(n: number, value: Uint8Array): Uint8Array {
  return encodeTlv(contextTag(n), value);
}

/** An `[APPLICATION n]` constructed tag around encoded elements. */
export function encodeApplication(
  n: number,
  elements: readonly Uint8Array[],
): Uint8Array {
  return encodeTlv(applicationTag(n), elements);
}

/**
 * An OBJECT IDENTIFIER from its dotted form.
 *
 * @example
 * ```ts
 * import { encodeOid } from "./encode.ts";
 * encodeOid("1.3.6.1.4.1.311.2.2.10"); // 06 0a 2b 06 01 04 01 82 37 02 02 0a
 * ```
 */
export function encodeOid(oid: string): Uint8Array {
  let der = oidCache.get(oid);
  if (!der) {
    der = encodeTlv(TAG_OID, encodeOidContent(oid));
    if (oidCache.size < 256) oidCache.set(oid, der);
  }
  return der.slice();
}

const oidCache = new Map<string, Uint8Array>();

/** An OCTET STRING. */
export function encodeOctetString(bytes: Uint8Array): Uint8Array {
  return encodeTlv(TAG_OCTET_STRING, bytes);
}

/** An ENUMERATED (non-negative, minimal two's complement). */
export function encodeEnumerated(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new RangeError(`ENUMERATED out of range: ${value}`);
  }
  if (value < 0x80) return Uint8Array.of(TAG_ENUMERATED, 1, value);
  const bytes: number[] = [];
  do {
    bytes.unshift(value & 0xff);
    value = Math.floor(value / 256);
  } while (value > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return encodeTlv(TAG_ENUMERATED, Uint8Array.from(bytes));
}

/** A BIT STRING from its bytes and the unused bits of the last byte (0-7). */
export function encodeBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  if (
    !Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 ||
    (bytes.length === 0 && unusedBits !== 0)
  ) {
    throw new RangeError(`BIT STRING unused bits out of range: ${unusedBits}`);
  }
  return encodeTlv(TAG_BIT_STRING, [Uint8Array.of(unusedBits), bytes]);
}

/** A GeneralString (Latin-1 characters only). */
export function encodeGeneralString(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError("GeneralString: non-Latin-1 character");
    out[i] = c;
  }
  return encodeTlv(TAG_GENERAL_STRING, out);
}

/**
 * A DER value still to be serialized: encoded bytes, or a constructed TLV over parts.
 * Building a message from these and calling {@link derBytes} once allocates one array
 * for the whole message instead of one per TLV.
 */
export type Der = Uint8Array | DerNode;

/** A TLV whose content is the concatenation of `parts`. */
export interface DerNode {
  /** The identifier octet. */
  readonly tag: number;
  /** The content parts. */
  readonly parts: readonly Der[];
  /** Content length in bytes. */
  readonly size: number;
}

/** The encoded length of a value. */
export function derLength(d: Der): number {
  return d instanceof Uint8Array ? d.length : 1 + lengthSize(d.size) + d.size;
}

/**
 * A lazy TLV: tag `tag` around `parts` (or one part).
 *
 * @example
 * ```ts
 * import { der, derBytes } from "./encode.ts";
 * derBytes(der(0x30, [der(0x04, Uint8Array.of(1))])); // 30 03 04 01 01
 * ```
 */
export function der(tag: number, parts: Der | readonly Der[]): DerNode {
  if (
    !Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f
  ) {
    throw new RangeError(`unsupported DER tag: ${tag}`);
  }
  const list = Array.isArray(parts) ? parts as readonly Der[] : [parts as Der];
  let size = 0;
  for (const p of list) size += derLength(p);
  return { tag, parts: list, size };
}

/** Serializes a value built with {@link der} into one new array. */
export function derBytes(d: Der): Uint8Array {
  if (d instanceof Uint8Array) return d.slice();
  const out = new Uint8Array(derLength(d));
  writeDer(out, 0, d);
  return out;
}

/**
 * {@link derBytes} into a pooled array (`src/util/pool.ts`): for DER the library keeps
 * to itself, such as a plaintext it is about to encrypt. Never for a caller's bytes.
 */
export function derBytesPooled(d: Der): Uint8Array {
  const out = pooledBytes(derLength(d));
  writeDer(out, 0, d);
  return out;
}

function writeDer(out: Uint8Array, at: number, d: Der): number {
  if (d instanceof Uint8Array) {
    out.set(d, at);
    return at + d.length;
  }
  out[at] = d.tag;
  const size = lengthSize(d.size);
  writeLength(out, at + 1, d.size, size);
  let o = at + 1 + size;
  for (const p of d.parts) o = writeDer(out, o, p);
  return o;
}

/** The cached DER of an OID (shared: never modify it). */
export function oidDer(oid: string): Uint8Array {
  let d = oidCache.get(oid);
  if (!d) {
    d = encodeTlv(TAG_OID, encodeOidContent(oid));
    if (oidCache.size < 256) oidCache.set(oid, d);
  }
  return d;
}

/**
 * The size of a TLV with a low tag number and `contentLength` content bytes: for
 * encoders that compute sizes first and write straight into one array with
 * {@link writeTlvHeader}.
 */
export function tlvSize(contentLength: number): number {
  return 1 + lengthSize(contentLength) + contentLength;
}

/**
 * Writes the identifier and length octets of a TLV (low tag number `tag`) at `at`;
 * returns the offset of its content.
 *
 * @example
 * ```ts
 * import { tlvSize, writeTlvHeader } from "./encode.ts";
 * const out = new Uint8Array(tlvSize(1));
 * out[writeTlvHeader(out, 0, 0x04, 1)] = 0x41; // 04 01 41
 * ```
 */
export function writeTlvHeader(
  out: Uint8Array,
  at: number,
  tag: number,
  contentLength: number,
): number {
  const size = lengthSize(contentLength);
  out[at] = tag;
  writeLength(out, at + 1, contentLength, size);
  return at + 1 + size;
}
