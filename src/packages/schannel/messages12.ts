/**
 * TLS 1.2 handshake message bodies that differ from TLS 1.3's (RFC 5246 7.4, RFC 8422
 * 5.4 and 5.7): ServerHello, Certificate without contexts or extensions, ECDHE and DHE
 * ServerKeyExchange and ClientKeyExchange (and static RSA's), CertificateRequest with
 * certificate types.
 *
 * @module
 */
import { decodeError, Reader, Writer } from "./wire.ts";
import { SUPPORTED_SIGNATURE_SCHEMES } from "../../pki/mod.ts";
import { encodeAuthorityList, parseAuthorityList } from "./client_auth.ts";
import { EXT_SESSION_TICKET } from "./ticket12.ts";
import {
  EXT_ALPN,
  EXT_EC_POINT_FORMATS,
  EXT_EXTENDED_MASTER_SECRET,
  EXT_RENEGOTIATION_INFO,
  EXT_STATUS_REQUEST,
  TLS12,
} from "./constants.ts";

const ENC = new TextEncoder();

/** Encodes a TLS 1.2 ServerHello body. */
export function encodeServerHello12(
  random: Uint8Array,
  sessionId: Uint8Array,
  suite: number,
  opts: {
    ems: boolean;
    renegotiation: boolean;
    protocol: string | null;
    /** A CertificateStatus (stapled OCSP response) follows the Certificate. */
    statusRequest?: boolean;
    /** A NewSessionTicket comes before our ChangeCipherSpec (RFC 5077). */
    sessionTicket?: boolean;
    /**
     * Send ec_point_formats (default): only with an ECDHE suite (RFC 8422 5.2;
     * a client that offered no ECC suite refuses it as unsolicited).
     */
    ecPointFormats?: boolean;
    /** The version chosen (TLS 1.2 by default; 1.1 or 1.0 when allowed). */
    version?: number;
  },
): Uint8Array {
  const w = new Writer().u16(opts.version ?? TLS12).bytes(random).vector(
    1,
    sessionId,
  );
  w.u16(suite).u8(0).open(2);
  if (opts.renegotiation) w.u16(EXT_RENEGOTIATION_INFO).open(2).u8(0).close();
  if (opts.ems) w.u16(EXT_EXTENDED_MASTER_SECRET).u16(0);
  if (opts.ecPointFormats ?? true) {
    w.u16(EXT_EC_POINT_FORMATS).open(2).open(1).u8(0).close().close();
  }
  if (opts.statusRequest) w.u16(EXT_STATUS_REQUEST).u16(0);
  if (opts.sessionTicket) w.u16(EXT_SESSION_TICKET).u16(0);
  if (opts.protocol) {
    w.u16(EXT_ALPN).open(2).open(2).vector(1, ENC.encode(opts.protocol)).close()
      .close();
  }
  w.close();
  return w.finish();
}

/** A TLS 1.2 Certificate body from a DER chain. */
export function encodeCertificate12(chain: readonly Uint8Array[]): Uint8Array {
  const w = new Writer().open(3);
  for (const c of chain) w.vector(3, c);
  return w.close().finish();
}

/** The DER chain of a TLS 1.2 Certificate body. */
export function parseCertificate12(body: Uint8Array): Uint8Array[] {
  const what = "Certificate";
  const r = new Reader(body, what);
  const list = new Reader(r.vector(3), what);
  r.end();
  const chain: Uint8Array[] = [];
  while (list.left) chain.push(list.vector(3, 1));
  return chain;
}

/** ECDHE parameters and their signature (ServerKeyExchange). */
export interface ServerKeyExchange {
  /** The named group. */
  group: number;
  /** The server's ephemeral public key. */
  publicKey: Uint8Array;
  /** The signed bytes of the parameters (curve type, group, key). */
  params: Uint8Array;
  /** The signature scheme. */
  scheme: number;
  /** The signature. */
  signature: Uint8Array;
}

/** The ServerECDHParams bytes for `group` and `publicKey`. */
export function ecdheParams(group: number, publicKey: Uint8Array): Uint8Array {
  return new Writer().u8(3).u16(group).vector(1, publicKey).finish();
}

/** A TLS 1.0/1.1 CertificateVerify: the signature alone (RFC 2246 7.4.8). */
export function encodeCertificateVerify10(signature: Uint8Array): Uint8Array {
  return new Writer().vector(2, signature).finish();
}

/** Decodes a TLS 1.0/1.1 CertificateVerify: its signature. */
export function parseCertificateVerify10(body: Uint8Array): Uint8Array {
  const r = new Reader(body, "CertificateVerify");
  const signature = r.vector(2, 1);
  r.end();
  return signature;
}

/**
 * Encodes a ServerKeyExchange: the parameters, the signature scheme (null: TLS 1.0
 * or 1.1, which name none) and the signature.
 */
export function encodeServerKeyExchange(
  params: Uint8Array,
  scheme: number | null,
  signature: Uint8Array,
): Uint8Array {
  const w = new Writer().bytes(params);
  if (scheme !== null) w.u16(scheme);
  return w.vector(2, signature).finish();
}

/**
 * Decodes an ECDHE ServerKeyExchange (named curves only); `legacy`: TLS 1.0 or 1.1's,
 * whose signature has no scheme before it.
 */
export function parseServerKeyExchange(
  body: Uint8Array,
  legacy = false,
): ServerKeyExchange {
  const what = "ServerKeyExchange";
  const r = new Reader(body, what);
  if (r.u8() !== 3) throw decodeError(what);
  const group = r.u16();
  const publicKey = r.vector(1, 1);
  const params = body.subarray(0, 4 + publicKey.length);
  // TLS 1.0 and 1.1 name no SignatureAndHashAlgorithm: scheme 0.
  const scheme = legacy ? 0 : r.u16();
  const signature = r.vector(2, 1);
  r.end();
  return { group, publicKey, params, scheme, signature };
}

/** DHE parameters and their signature (ServerKeyExchange, RFC 5246 7.4.3). */
export interface DheServerKeyExchange {
  /** The prime `dh_p` (big-endian, as sent). */
  p: Uint8Array;
  /** The generator `dh_g`. */
  g: Uint8Array;
  /** The server's public value `dh_Ys`. */
  ys: Uint8Array;
  /** The signed bytes of the parameters (ServerDHParams). */
  params: Uint8Array;
  /** The signature scheme. */
  scheme: number;
  /** The signature. */
  signature: Uint8Array;
}

/**
 * Decodes a DHE ServerKeyExchange (ServerDHParams and a TLS 1.2 signature;
 * `legacy`: TLS 1.0 or 1.1's, with no scheme before the signature).
 */
export function parseDheServerKeyExchange(
  body: Uint8Array,
  legacy = false,
): DheServerKeyExchange {
  const what = "ServerKeyExchange";
  const r = new Reader(body, what);
  const p = r.vector(2, 1);
  const g = r.vector(2, 1);
  const ys = r.vector(2, 1);
  const params = body.subarray(0, 6 + p.length + g.length + ys.length);
  const scheme = legacy ? 0 : r.u16();
  const signature = r.vector(2, 1);
  r.end();
  return { p, g, ys, params, scheme, signature };
}

/**
 * Encodes a DHE or static-RSA ClientKeyExchange: `dh_Yc`, or the encrypted
 * premaster secret, with a two-byte length.
 */
export function encodeClientKeyExchange2(value: Uint8Array): Uint8Array {
  return new Writer().vector(2, value).finish();
}

/** Encodes an ECDHE ClientKeyExchange. */
export function encodeClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return new Writer().vector(1, publicKey).finish();
}

/** Decodes an ECDHE ClientKeyExchange. */
export function parseClientKeyExchange(body: Uint8Array): Uint8Array {
  const r = new Reader(body, "ClientKeyExchange");
  const k = r.vector(1, 1);
  r.end();
  return k;
}

/**
 * Encodes a TLS 1.2 CertificateRequest (RSA and ECDSA signing), naming the CAs
 * accepted when `authorities` (DER names) is not empty; `schemes` null: TLS 1.0 or
 * 1.1's, which names none.
 */
export function encodeCertificateRequest12(
  schemes: readonly number[] | null,
  authorities: readonly Uint8Array[] = [],
): Uint8Array {
  const w = new Writer().open(1).u8(1).u8(64).close();
  // TLS 1.0 and 1.1 list no signature algorithms (RFC 4346 7.4.4).
  if (schemes !== null) {
    w.open(2);
    for (const s of schemes) w.u16(s);
    w.close();
  }
  return w.vector(2, encodeAuthorityList(authorities)).finish();
}

/**
 * Decodes a TLS 1.2 CertificateRequest: the signature schemes the server accepts
 * and the CAs it names (DER, possibly none); `legacy`: TLS 1.0 or 1.1's, which
 * names no schemes.
 */
export function parseCertificateRequest12(
  body: Uint8Array,
  legacy = false,
): { schemes: number[]; authorities: Uint8Array[] } {
  const what = "CertificateRequest";
  const r = new Reader(body, what);
  r.vector(1, 1);
  if (legacy) {
    // TLS 1.0 and 1.1 list no signature algorithms: any we sign with will do.
    const authorities = parseAuthorityList(r.vector(2));
    r.end();
    return { schemes: [...SUPPORTED_SIGNATURE_SCHEMES], authorities };
  }
  const algs = new Reader(r.vector(2, 2), what);
  const authorities = parseAuthorityList(r.vector(2));
  r.end();
  const out: number[] = [];
  while (algs.left >= 2) out.push(algs.u16());
  algs.end();
  return { schemes: out, authorities };
}
