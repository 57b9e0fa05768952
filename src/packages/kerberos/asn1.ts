/**
 * The Kerberos ASN.1 primitives (RFC 4120 section 5.2) over the shared DER helpers:
 * `Int32`, `UInt32`, `Microseconds`, `KerberosString`, `KerberosTime`,
 * `KerberosFlags`, BOOLEAN, and the walk over the explicitly tagged fields of a
 * SEQUENCE. Decoders read a `DerTree` from `scanDer` and throw only `DerError`;
 * encoders build lazy `Der` values (`der`/`derBytes`) and throw `RangeError` on
 * values the caller should never pass.
 *
 * @module
 */
import { pooledBytes, pooledCopy } from "../../util/pool.ts";
import {
  applicationTag,
  contextTag,
  type Der,
  der,
  DerError,
  type DerTree,
  scanDer,
  TAG_BIT_STRING,
  TAG_GENERAL_STRING,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
} from "../../der/mod.ts";

/** GeneralizedTime (X.680), the tag of `KerberosTime`. */
export const TAG_GENERALIZED_TIME = 0x18;
/** BOOLEAN. */
export const TAG_BOOLEAN = 0x01;

// ---------------------------------------------------------------------------
// Decoding

/**
 * Scans untrusted bytes and checks they hold exactly one `[APPLICATION app]` around a
 * SEQUENCE: returns the tree and the index of that SEQUENCE.
 *
 * @example
 * ```ts
 * import { scanApplication } from "./asn1.ts";
 * const { t, seq } = scanApplication(Uint8Array.of(0x61, 2, 0x30, 0), 1, "Ticket");
 * console.log(t.tag(seq)); // 0x30
 * ```
 */
export function scanApplication(
  bytes: Uint8Array,
  app: number | readonly number[],
  what: string,
): { t: DerTree; seq: number; app: number } {
  if (!(bytes instanceof Uint8Array)) {
    throw new DerError(`Cannot decode ${what}: not a byte array`);
  }
  const t = scanDer(bytes);
  const apps = typeof app === "number" ? [app] : app;
  const found = apps.find((a) => t.tag(0) === applicationTag(a));
  if (found === undefined) {
    throw new DerError(
      `Cannot decode ${what}: unexpected outer tag 0x${t.tag(0).toString(16)}`,
    );
  }
  const seq = t.explicit(0, what);
  t.expect(seq, TAG_SEQUENCE, what);
  return { t, seq, app: found };
}

/** Scans untrusted bytes that must hold one SEQUENCE; returns the tree. */
export function scanSequence(bytes: Uint8Array, what: string): DerTree {
  if (!(bytes instanceof Uint8Array)) {
    throw new DerError(`Cannot decode ${what}: not a byte array`);
  }
  const t = scanDer(bytes);
  t.expect(0, TAG_SEQUENCE, what);
  return t;
}

/**
 * The explicitly tagged fields `[n]` of the SEQUENCE at `seq`: `f[n]` is the index of
 * the value inside `[n]`, or -1. Tags must increase (DER order) and each `[n]` must
 * hold exactly one value; fields above `max` (extensions) are skipped.
 */
export function fields(
  t: DerTree,
  seq: number,
  what: string,
  max = 15,
): number[] {
  t.expect(seq, TAG_SEQUENCE, what);
  const f = new Array<number>(max + 1).fill(-1);
  let last = -1;
  for (let c = t.firstChild(seq); c >= 0; c = t.nextSibling(c)) {
    const tag = t.tag(c);
    const n = tag & 0x1f;
    if ((tag & 0xe0) !== 0xa0 || tag > 0xff || n === 0x1f || n <= last) {
      throw new DerError(
        `Cannot decode ${what}: unexpected field tag 0x${tag.toString(16)}`,
      );
    }
    last = n;
    const v = t.explicit(c, what);
    if (n <= max) f[n] = v;
  }
  return f;
}

/** The index of mandatory field `n`, or a `DerError` naming it. */
export function need(f: number[], n: number, what: string): number {
  const i = f[n];
  if (i === undefined || i < 0) {
    throw new DerError(`Cannot decode ${what}: missing`);
  }
  return i;
}

/** The elements of the `SEQUENCE OF` at `i`. */
export function sequenceOf(t: DerTree, i: number, what: string): number[] {
  t.expect(i, TAG_SEQUENCE, what);
  return t.children(i);
}

/**
 * An INTEGER in [min, max] (at most 5 content octets; redundant leading sign octets are
 * tolerated as long as the value fits).
 */
export function integer(
  t: DerTree,
  i: number,
  what: string,
  min: number,
  max: number,
): number {
  t.expect(i, TAG_INTEGER, what);
  const c = t.content(i);
  if (c.length === 0) {
    throw new DerError(`Cannot decode ${what}: empty INTEGER`);
  }
  let k = 0;
  // Skip sign octets that only repeat the sign of the next one.
  while (
    k < c.length - 1 &&
    ((c[k] === 0 && !(c[k + 1] & 0x80)) ||
      (c[k] === 0xff && (c[k + 1] & 0x80)))
  ) k++;
  if (c.length - k > 5) {
    throw new DerError(`Cannot decode ${what}: INTEGER out of range`);
  }
  let v = c[k] & 0x80 ? -1 : 0;
  for (; k < c.length; k++) v = v * 256 + c[k];
  if (v < min || v > max) {
    throw new DerError(`Cannot decode ${what}: INTEGER out of range`);
  }
  return v;
}

/** An `Int32`. */
export function int32(t: DerTree, i: number, what: string): number {
  return integer(t, i, what, -0x80000000, 0x7fffffff);
}

/**
 * A `UInt32`. Negative values that fit an `Int32` are accepted and read as their
 * 32-bit two's complement, because some implementations send nonces and sequence
 * numbers that way (RFC 4120 section 5.2.4 asks receivers to tolerate it).
 */
export function uint32(t: DerTree, i: number, what: string): number {
  return integer(t, i, what, -0x80000000, 0xffffffff) >>> 0;
}

/** `Microseconds` (0..999999). */
export function microseconds(t: DerTree, i: number, what: string): number {
  return integer(t, i, what, 0, 999999);
}

/** The protocol version number fields (`pvno`, `tkt-vno`, ...), which must be 5. */
export function pvno(t: DerTree, i: number, what: string): 5 {
  if (int32(t, i, what) !== 5) {
    throw new DerError(`Cannot decode ${what}: not Kerberos version 5`);
  }
  return 5;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A `KerberosString` (GeneralString): UTF-8 when the octets are valid UTF-8 (what
 * Active Directory sends for non-ASCII names), else Latin-1.
 */
export function kerberosString(t: DerTree, i: number, what: string): string {
  t.expect(i, TAG_GENERAL_STRING, what);
  const c = t.content(i);
  let ascii = true;
  for (const b of c) {
    if (b & 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) {
    try {
      return utf8.decode(c);
    } catch {
      // Not UTF-8: fall back to Latin-1 below.
    }
  }
  let s = "";
  for (const b of c) s += String.fromCharCode(b);
  return s;
}

/**
 * An OCTET STRING, copied out of the scanned bytes (a pooled copy: see
 * `src/util/pool.ts`, such values are copied again before a caller sees them).
 */
export function octets(t: DerTree, i: number, what: string): Uint8Array {
  return pooledCopy(t.octetString(i, what));
}

/** A BOOLEAN (one octet; any non-zero value is TRUE). */
export function boolean(t: DerTree, i: number, what: string): boolean {
  t.expect(i, TAG_BOOLEAN, what);
  const c = t.content(i);
  if (c.length !== 1) throw new DerError(`Cannot decode ${what}: bad BOOLEAN`);
  return c[0] !== 0;
}

/**
 * A `KerberosTime`: GeneralizedTime `YYYYMMDDHHMMSSZ` (UTC, no fractions), as a
 * `Date`.
 */
export function kerberosTime(t: DerTree, i: number, what: string): Date {
  t.expect(i, TAG_GENERALIZED_TIME, what);
  const c = t.content(i);
  if (c.length !== 15 || c[14] !== 0x5a) {
    throw new DerError(`Cannot decode ${what}: bad KerberosTime`);
  }
  for (let k = 0; k < 14; k++) {
    if (c[k] < 0x30 || c[k] > 0x39) {
      throw new DerError(`Cannot decode ${what}: bad KerberosTime`);
    }
  }
  const num = (a: number, n: number) => {
    let v = 0;
    for (let k = a; k < a + n; k++) v = v * 10 + c[k] - 0x30;
    return v;
  };
  const year = num(0, 4);
  const month = num(4, 2);
  const day = num(6, 2);
  const hour = num(8, 2);
  const minute = num(10, 2);
  const second = num(12, 2);
  // Date.UTC reads years 0-99 as 1900-1999: those take setUTCFullYear.
  const date = year >= 100
    ? new Date(Date.UTC(year, month - 1, day, hour, minute, second))
    : new Date(0);
  if (year < 100) {
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, 0);
  }
  if (
    month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 ||
    date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    throw new DerError(`Cannot decode ${what}: bad KerberosTime`);
  }
  return date;
}

/**
 * `KerberosFlags` (BIT STRING) as an unsigned 32-bit number where bit 0 (the most
 * significant bit of the first octet) is `0x80000000`. Shorter strings read as if
 * padded with zeros; bits past 32 are ignored (RFC 4120 section 5.2.8).
 */
export function kerberosFlags(t: DerTree, i: number, what: string): number {
  t.expect(i, TAG_BIT_STRING, what);
  const { bytes } = t.bitString(i, what);
  let v = 0;
  for (let k = 0; k < 4; k++) v = v * 256 + (bytes[k] ?? 0);
  return v >>> 0;
}

// ---------------------------------------------------------------------------
// Encoding

function checkInteger(v: number, min: number, max: number, what: string) {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${what} out of range: ${v}`);
  }
}

/** An INTEGER (minimal two's complement) of any safe integer. */
function integerDer(v: number): Uint8Array {
  let len = 1;
  while (v < -(2 ** (8 * len - 1)) || v >= 2 ** (8 * len - 1)) len++;
  const out = pooledBytes(2 + len); // a part: derBytes copies it
  out[0] = TAG_INTEGER;
  out[1] = len;
  let x = v;
  for (let i = len + 1; i >= 2; i--) {
    out[i] = ((x % 256) + 256) % 256;
    x = Math.floor(x / 256);
  }
  return out;
}

/** Shared encodings of the INTEGERs 0..127 (see {@linkcode int32Der}). */
const smallIntegers: Uint8Array[] = [];

/**
 * An `Int32` INTEGER as a part of a value still to be serialized with `derBytes`
 * (which copies it): 0..127 come from a shared cache and must never be modified;
 * other values are encoded as {@linkcode encodeInt32} does.
 *
 * @example
 * ```ts
 * import { int32Der } from "./asn1.ts";
 * int32Der(5); // 02 01 05 (shared)
 * ```
 */
export function int32Der(v: number): Der {
  if (Number.isInteger(v) && v >= 0 && v < 128) {
    return smallIntegers[v] ??= Uint8Array.of(TAG_INTEGER, 1, v);
  }
  return encodeInt32(v);
}

/**
 * An `Int32` INTEGER.
 *
 * @example
 * ```ts
 * import { encodeInt32 } from "./asn1.ts";
 * encodeInt32(-128); // 02 01 80
 * ```
 */
export function encodeInt32(v: number): Uint8Array {
  checkInteger(v, -0x80000000, 0x7fffffff, "Int32");
  return integerDer(v);
}

/** A `UInt32` INTEGER (up to five content octets). */
export function encodeUInt32(v: number): Uint8Array {
  checkInteger(v, 0, 0xffffffff, "UInt32");
  return integerDer(v);
}

/** A `Microseconds` INTEGER (0..999999). */
export function encodeMicroseconds(v: number): Uint8Array {
  checkInteger(v, 0, 999999, "Microseconds");
  return integerDer(v);
}

const utf8Encoder = new TextEncoder();

/** A `KerberosString`: GeneralString holding the UTF-8 of `s`. */
export function encodeKerberosString(s: string): Der {
  if (typeof s !== "string") {
    throw new TypeError("KerberosString: not a string");
  }
  let bytes = kerberosStrings.get(s);
  if (!bytes) {
    bytes = utf8Encoder.encode(s);
    if (s.length <= 64) {
      if (kerberosStrings.size >= 256) kerberosStrings.clear();
      kerberosStrings.set(s, bytes);
    }
  }
  return der(TAG_GENERAL_STRING, bytes);
}

/**
 * UTF-8 of recent short `KerberosString`s (realms, name components): shared parts
 * of values `derBytes` copies, never modified.
 */
const kerberosStrings = new Map<string, Uint8Array>();

/** An OCTET STRING (the bytes are referenced, not copied, until `derBytes`). */
export function encodeOctets(bytes: Uint8Array): Der {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError("OCTET STRING: not a Uint8Array");
  }
  return der(TAG_OCTET_STRING, bytes);
}

/** A BOOLEAN (DER: TRUE is 0xff). */
export function encodeBoolean(v: boolean): Uint8Array {
  return Uint8Array.of(TAG_BOOLEAN, 1, v ? 0xff : 0);
}

/**
 * A `KerberosTime` from a `Date` (milliseconds are dropped).
 *
 * @example
 * ```ts
 * import { encodeKerberosTime } from "./asn1.ts";
 * encodeKerberosTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))); // "20240102030405Z"
 * ```
 */
export function encodeKerberosTime(d: Date): Uint8Array {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new RangeError("KerberosTime: invalid Date");
  }
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) {
    throw new RangeError(`KerberosTime: year out of range: ${year}`);
  }
  const out = pooledBytes(17); // a part: derBytes copies it
  out[0] = TAG_GENERALIZED_TIME;
  out[1] = 15;
  let at = 2;
  const put = (n: number, w: number) => {
    for (let k = w - 1; k >= 0; k--, n = Math.floor(n / 10)) {
      out[at + k] = 0x30 + (n % 10);
    }
    at += w;
  };
  put(year, 4);
  put(d.getUTCMonth() + 1, 2);
  put(d.getUTCDate(), 2);
  put(d.getUTCHours(), 2);
  put(d.getUTCMinutes(), 2);
  put(d.getUTCSeconds(), 2);
  out[16] = 0x5a; // Z
  return out;
}

/** `KerberosFlags` from an unsigned 32-bit number: always 32 bits (RFC 4120 5.2.8). */
export function encodeKerberosFlags(v: number): Uint8Array {
  checkInteger(v, -0x80000000, 0xffffffff, "KerberosFlags");
  const u = v >>> 0;
  const out = pooledBytes(7); // a part: derBytes copies it
  out[0] = TAG_BIT_STRING;
  out[1] = 5;
  out[3] = u >>> 24;
  out[4] = (u >>> 16) & 0xff;
  out[5] = (u >>> 8) & 0xff;
  out[6] = u & 0xff;
  return out;
}

/**
 * A SEQUENCE of explicitly tagged fields: `parts[n]` goes in `[n]`; undefined entries
 * (absent OPTIONAL fields) are left out.
 */
export function fieldsSequence(parts: readonly (Der | undefined)[]): Der {
  const out: Der[] = [];
  parts.forEach((p, n) => {
    if (p !== undefined) out.push(der(contextTag(n), p));
  });
  return der(TAG_SEQUENCE, out);
}

/** A `SEQUENCE OF` already encoded elements. */
export function sequenceOfDer(items: readonly Der[]): Der {
  return der(TAG_SEQUENCE, items as Der[]);
}

/** `[APPLICATION n]` around one value. */
export function application(n: number, value: Der): Der {
  return der(applicationTag(n), value);
}
