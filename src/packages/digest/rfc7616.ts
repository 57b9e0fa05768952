/**
 * The HTTP Digest computations of RFC 7616 section 3.4 (and RFC 2617 section 3.2.2):
 * H(A1), H(A2), `response`, `rspauth` and `userhash`, named after the RFC.
 *
 * @module
 */
import { type AlgorithmInfo, hHex } from "./algorithms.ts";

/** `H(A1)` for the base algorithm: `H(username ":" realm ":" passwd)` (hex). */
export function HA1(
  alg: AlgorithmInfo,
  username: string,
  realm: string,
  password: string,
): string {
  return hHex(alg, `${username}:${realm}:${password}`);
}

/**
 * `H(A1)` as used in `response`: for a `-sess` algorithm
 * `H(H(username:realm:passwd) ":" nonce ":" cnonce)` (RFC 7616 3.4.2), else `ha1`.
 */
export function sessionHA1(
  alg: AlgorithmInfo,
  ha1: string,
  nonce: string,
  cnonce: string,
): string {
  return alg.sess ? hHex(alg, `${ha1}:${nonce}:${cnonce}`) : ha1;
}

/**
 * `H(A2)` (RFC 7616 3.4.3): `H(method ":" uri)`, and for `auth-int`
 * `H(method ":" uri ":" H(entity-body))`. `rspauth` uses an empty method.
 */
export function HA2(
  alg: AlgorithmInfo,
  method: string,
  uri: string,
  qop: string | undefined,
  body: Uint8Array,
): string {
  if (qop === "auth-int") {
    return hHex(alg, `${method}:${uri}:${hHex(alg, body)}`);
  }
  return hHex(alg, `${method}:${uri}`);
}

/** The fields `response` and `rspauth` cover besides H(A1) and H(A2). */
export interface ResponseFields {
  /** The server's nonce. */
  nonce: string;
  /** The nonce count, 8 hex digits. */
  nc: string;
  /** The client nonce. */
  cnonce: string;
  /** `auth` or `auth-int`; undefined for RFC 2069 compatibility (no qop). */
  qop?: string;
}

/**
 * `response` (RFC 7616 3.4.1): `KD(H(A1), nonce:nc:cnonce:qop:H(A2))`, or RFC 2069's
 * `KD(H(A1), nonce:H(A2))` when there is no qop.
 */
export function digestResponse(
  alg: AlgorithmInfo,
  ha1: string,
  ha2: string,
  f: ResponseFields,
): string {
  if (f.qop === undefined) return hHex(alg, `${ha1}:${f.nonce}:${ha2}`);
  return hHex(alg, `${ha1}:${f.nonce}:${f.nc}:${f.cnonce}:${f.qop}:${ha2}`);
}

/** `userhash` (RFC 7616 3.4.4): `H(username ":" realm)`. */
export function userhash(
  alg: AlgorithmInfo,
  username: string,
  realm: string,
): string {
  return hHex(alg, `${username}:${realm}`);
}

/** Formats a nonce count as the 8 lower-case hex digits of `nc`. */
export function formatNc(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

/** Parses `nc` (exactly 8 hex digits, not zero), or returns null. */
export function parseNc(s: string | undefined): number | null {
  if (s === undefined || !/^[0-9A-Fa-f]{8}$/.test(s)) return null;
  const n = parseInt(s, 16);
  return n > 0 ? n : null;
}
