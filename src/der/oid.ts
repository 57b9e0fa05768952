/**
 * OBJECT IDENTIFIER content encoding (X.690 8.19): dotted strings to and from bytes.
 *
 * @module
 */
import { DerError } from "./errors.ts";

/**
 * Encodes the content octets of an OID (without tag and length).
 *
 * @example
 * ```ts
 * import { encodeOidContent } from "./oid.ts";
 * encodeOidContent("1.3.6.1.5.5.2"); // 2b 06 01 05 05 02
 * ```
 */
export function encodeOidContent(oid: string): Uint8Array {
  if (typeof oid !== "string" || !/^\d+(\.\d+)+$/.test(oid)) {
    throw new TypeError(`not a dotted OID: ${oid}`);
  }
  const arcs = oid.split(".").map(Number);
  if (arcs.some((a) => !Number.isSafeInteger(a))) {
    throw new RangeError(`OID arc out of range: ${oid}`);
  }
  if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)) {
    throw new RangeError(`invalid first arcs: ${oid}`);
  }
  const out: number[] = [];
  const push = (v: number) => {
    const tmp: number[] = [v % 128];
    v = Math.floor(v / 128);
    while (v > 0) {
      tmp.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    for (let i = tmp.length - 1; i >= 0; i--) out.push(tmp[i]);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (let i = 2; i < arcs.length; i++) push(arcs[i]);
  return Uint8Array.from(out);
}

/**
 * Decodes OID content octets to a dotted string; throws `DerError` when malformed
 * (empty, non-minimal arcs, truncated last arc, arcs beyond 2^53).
 *
 * @example
 * ```ts
 * import { decodeOidContent } from "./oid.ts";
 * decodeOidContent(Uint8Array.of(0x2b, 6, 1, 5, 5, 2)); // "1.3.6.1.5.5.2"
 * ```
 */
export function decodeOidContent(
  bytes: Uint8Array,
  start = 0,
  end: number = bytes.length,
): string {
  if (end <= start) throw new DerError("Cannot decode OID: empty");
  const arcs: number[] = [];
  let v = 0;
  let started = false;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (!started && b === 0x80) {
      throw new DerError("Cannot decode OID: non-minimal arc");
    }
    started = true;
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER) {
      throw new DerError("Cannot decode OID: arc too large");
    }
    if (!(b & 0x80)) {
      if (arcs.length === 0) {
        if (v < 40) arcs.push(0, v);
        else if (v < 80) arcs.push(1, v - 40);
        else arcs.push(2, v - 80);
      } else {
        arcs.push(v);
      }
      v = 0;
      started = false;
    }
  }
  if (started) throw new DerError("Cannot decode OID: truncated arc");
  return arcs.join(".");
}
