/**
 * The MS-KKDCP message ([MS-KKDCP] section 2.2.2): `KDC-PROXY-MESSAGE ::= SEQUENCE {
 * kerb-message [0] OCTET STRING, target-domain [1] KERB-REALM OPTIONAL,
 * dclocator-hint [2] INTEGER OPTIONAL }`, where `kerb-message` is the Kerberos
 * message framed as over TCP (four big-endian length bytes first). The decoder takes
 * untrusted bytes and throws only `DerError`.
 *
 * @module
 */
import {
  contextTag,
  der,
  derBytes,
  DerError,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
} from "../../der/mod.ts";
import {
  encodeKerberosString,
  encodeUInt32,
  fields,
  integer,
  kerberosString,
  need,
  octets,
  scanSequence,
} from "./asn1.ts";
import { MAX_KDC_REPLY } from "./transport.ts";

/** A `KDC-PROXY-MESSAGE` ([MS-KKDCP] 2.2.2), with the Kerberos message unframed. */
export interface KdcProxyMessage {
  /**
   * The Kerberos message (an AS-REQ, a KRB-ERROR...) without the four length bytes
   * `kerb-message` carries on the wire: the encoder adds them, the decoder checks
   * and removes them.
   */
  message: Uint8Array;
  /** `target-domain`: the realm a request is for (clients send it; replies omit it). */
  targetDomain?: string;
  /** `dclocator-hint`: [MS-NRPC] DC locator flags (Windows clients rarely send it). */
  dclocatorHint?: number;
}

/**
 * Encodes a `KDC-PROXY-MESSAGE`; `m.message` gets its four-byte big-endian length
 * prefix ([RFC 4120] 7.2.2), as the specification asks.
 *
 * @example
 * ```ts
 * import { encodeKdcProxyMessage } from "./kkdcp_message.ts";
 * const der = encodeKdcProxyMessage({
 *   message: Uint8Array.of(0x6a, 0x00),
 *   targetDomain: "R",
 * });
 * // 30 0f a0 08 04 06 00 00 00 02 6a 00 a1 03 1b 01 52
 * ```
 */
export function encodeKdcProxyMessage(m: KdcProxyMessage): Uint8Array {
  if (!(m.message instanceof Uint8Array)) {
    throw new TypeError("KDC-PROXY-MESSAGE: message is not a Uint8Array");
  }
  if (m.message.length > 0xffffffff) {
    throw new RangeError("KDC-PROXY-MESSAGE: message too large to frame");
  }
  const framed = new Uint8Array(4 + m.message.length);
  new DataView(framed.buffer, framed.byteOffset, framed.byteLength).setUint32(
    0,
    m.message.length,
  );
  framed.set(m.message, 4);
  const parts = [der(contextTag(0), der(TAG_OCTET_STRING, framed))];
  if (m.targetDomain !== undefined) {
    parts.push(der(contextTag(1), encodeKerberosString(m.targetDomain)));
  }
  if (m.dclocatorHint !== undefined) {
    parts.push(der(contextTag(2), encodeUInt32(m.dclocatorHint)));
  }
  return derBytes(der(TAG_SEQUENCE, parts));
}

/**
 * Decodes a `KDC-PROXY-MESSAGE` from untrusted bytes: one DER SEQUENCE, nothing
 * after it, `kerb-message` present and its length prefix equal to the bytes that
 * follow it (at most `MAX_KDC_REPLY`). Throws `DerError` otherwise. The message
 * returned is a copy, without the prefix.
 *
 * @example
 * ```ts
 * import { decodeKdcProxyMessage } from "./kkdcp_message.ts";
 * const m = decodeKdcProxyMessage(
 *   Uint8Array.of(0x30, 0x0a, 0xa0, 0x08, 0x04, 0x06, 0, 0, 0, 2, 0x6b, 0),
 * );
 * console.log(m.message); // Uint8Array [ 0x6b, 0 ]
 * ```
 */
export function decodeKdcProxyMessage(bytes: Uint8Array): KdcProxyMessage {
  const what = "KDC-PROXY-MESSAGE";
  const t = scanSequence(bytes, what);
  const f = fields(t, 0, what, 2);
  const framed = octets(t, need(f, 0, `${what} kerb-message`), what);
  if (framed.length < 4) {
    throw new DerError(
      `Cannot decode ${what}: kerb-message has no length prefix`,
    );
  }
  const n = new DataView(framed.buffer, framed.byteOffset, framed.byteLength)
    .getUint32(0);
  if (n > MAX_KDC_REPLY) {
    throw new DerError(
      `Cannot decode ${what}: a message of ${n} bytes is too large`,
    );
  }
  if (n !== framed.length - 4) {
    throw new DerError(
      `Cannot decode ${what}: the length prefix says ${n} bytes, ${
        framed.length - 4
      } follow`,
    );
  }
  const out: KdcProxyMessage = { message: framed.slice(4) };
  if (f[1] >= 0) {
    out.targetDomain = kerberosString(t, f[1], `${what} target-domain`);
  }
  if (f[2] >= 0) {
    out.dclocatorHint = integer(
      t,
      f[2],
      `${what} dclocator-hint`,
      -0x80000000,
      0xffffffff,
    );
  }
  return out;
}
