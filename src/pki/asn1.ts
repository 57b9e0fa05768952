/**
 * Small DER readers and writers the PKI code shares: strict non-negative INTEGERs,
 * AlgorithmIdentifier, and a scan that turns `DerError` into null.
 *
 * @module
 */
import { DerError, type DerTree, scanDer, TAG_INTEGER } from "../der/mod.ts";
import { encodeTlv } from "../der/encode.ts";
import { bigIntToBytes, bitLength } from "./bigint.ts";

/** BOOLEAN. */
export const TAG_BOOLEAN = 0x01;
/** NULL. */
export const TAG_NULL = 0x05;

/** `scanDer` that returns null instead of throwing on malformed DER. */
export function tryScan(der: Uint8Array): DerTree | null {
  try {
    return scanDer(der, { maxEntries: 8192 });
  } catch (e) {
    if (e instanceof DerError) return null;
    throw e;
  }
}

/** Content bytes of a minimally encoded non-negative INTEGER; throws `DerError` otherwise. */
export function uintBytes(t: DerTree, i: number, what: string): Uint8Array {
  t.expect(i, TAG_INTEGER, what);
  const c = t.content(i);
  if (c.length === 0 || (c[0] & 0x80)) {
    throw new DerError(`Cannot decode ${what}: negative or empty INTEGER`);
  }
  if (c.length > 1 && c[0] === 0 && !(c[1] & 0x80)) {
    throw new DerError(`Cannot decode ${what}: non-minimal INTEGER`);
  }
  return c[0] === 0 ? c.subarray(1) : c;
}

/** A non-negative INTEGER as a bigint (at most `maxBits` bits); throws `DerError` otherwise. */
export function uint(
  t: DerTree,
  i: number,
  what: string,
  maxBits = 16384,
): bigint {
  const b = uintBytes(t, i, what);
  if (b.length * 8 > maxBits + 8) {
    throw new DerError(`Cannot decode ${what}: INTEGER too large`);
  }
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  if (bitLength(v) > maxBits) {
    throw new DerError(`Cannot decode ${what}: INTEGER too large`);
  }
  return v;
}

/** A small non-negative INTEGER (< 2^31); throws `DerError` otherwise. */
export function smallUint(t: DerTree, i: number, what: string): number {
  const v = uint(t, i, what, 31);
  return Number(v);
}

/** The DER of a non-negative INTEGER. */
export function encodeUint(v: bigint): Uint8Array {
  const len = Math.max(1, Math.ceil(bitLength(v) / 8));
  const b = bigIntToBytes(v, len);
  return encodeTlv(
    TAG_INTEGER,
    b[0] & 0x80 ? Uint8Array.of(0, ...b) : b,
  );
}

/**
 * The DER INTEGER of a serial number held as `Certificate.serial` (the magnitude:
 * a DER sign octet was dropped), so a high first bit gets its 0x00 back.
 */
export function encodeSerial(serial: Uint8Array): Uint8Array {
  return encodeTlv(
    TAG_INTEGER,
    serial.length > 0 && (serial[0] & 0x80)
      ? Uint8Array.of(0, ...serial)
      : serial,
  );
}

/** An AlgorithmIdentifier at `i`: its OID and the index of its parameters (or -1). */
export function algorithmId(
  t: DerTree,
  i: number,
  what: string,
): { oid: string; params: number } {
  t.expect(i, 0x30, what);
  const o = t.firstChild(i);
  const oid = t.oid(o, what);
  const params = t.nextSibling(o);
  if (params >= 0 && t.nextSibling(params) >= 0) {
    throw new DerError(`Cannot decode ${what}: trailing fields`);
  }
  return { oid, params };
}

/** True when `i` is absent (-1) or a NULL. */
export function absentOrNull(t: DerTree, i: number): boolean {
  return i < 0 || (t.tag(i) === TAG_NULL && t.length(i) === 0);
}

/**
 * A serial number INTEGER's content octets with the same rule as `Certificate.serial`
 * (a minimal positive INTEGER loses its leading zero; negative or non-minimal ones are
 * kept as written), so serials compare bytewise; throws `DerError` when not an INTEGER.
 */
export function serialBytes(t: DerTree, i: number, what: string): Uint8Array {
  try {
    return uintBytes(t, i, what);
  } catch {
    t.expect(i, TAG_INTEGER, what);
    if (t.length(i) === 0) throw new DerError(`Cannot decode ${what}`);
    return t.content(i);
  }
}

/** One X.509 Extension: its OID, criticality and extnValue contents (a view). */
export interface RawExtension {
  /** extnID. */
  oid: string;
  /** critical (DEFAULT FALSE). */
  critical: boolean;
  /** The contents of extnValue's OCTET STRING. */
  value: Uint8Array;
}

/**
 * The Extensions SEQUENCE at `i` (RFC 5280 4.1): each extension once, criticality a
 * DER BOOLEAN; throws `DerError` on malformed or duplicate extensions.
 */
export function extensionsAt(
  t: DerTree,
  i: number,
  what: string,
): RawExtension[] {
  const out: RawExtension[] = [];
  const seen = new Set<string>();
  for (const e of t.children(t.expect(i, 0x30, what))) {
    const f = t.children(t.expect(e, 0x30, what));
    if (f.length < 2 || f.length > 3) {
      throw new DerError(`Cannot decode ${what}: bad Extension`);
    }
    const oid = t.oid(f[0], "extnID");
    if (seen.has(oid)) {
      throw new DerError(`Cannot decode ${what}: duplicate ${oid}`);
    }
    seen.add(oid);
    let critical = false;
    if (f.length === 3) {
      t.expect(f[1], TAG_BOOLEAN, "critical");
      const c = t.content(f[1]);
      if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) {
        throw new DerError(`Cannot decode ${what}: bad BOOLEAN`);
      }
      critical = c[0] === 0xff;
    }
    const v = t.expect(f[f.length - 1], 0x04, "extnValue");
    out.push({ oid, critical, value: t.content(v) });
  }
  return out;
}
