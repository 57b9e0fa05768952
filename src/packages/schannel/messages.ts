/**
 * TLS 1.3 handshake message bodies (RFC 8446 section 4): ClientHello, ServerHello,
 * EncryptedExtensions, Certificate, CertificateRequest and CertificateVerify, encoded
 * and decoded with bounds checks. Unknown extensions are skipped, duplicates refused.
 *
 * @module
 */
import {
  encodeAuthorityList,
  EXT_CERTIFICATE_AUTHORITIES,
  parseAuthoritiesExtension,
} from "./client_auth.ts";
import {
  ALERT_ILLEGAL_PARAMETER,
  EXT_ALPN,
  EXT_COOKIE,
  EXT_EC_POINT_FORMATS,
  EXT_EXTENDED_MASTER_SECRET,
  EXT_KEY_SHARE,
  EXT_PRE_SHARED_KEY,
  EXT_PSK_KEY_EXCHANGE_MODES,
  EXT_RENEGOTIATION_INFO,
  EXT_SERVER_NAME,
  EXT_SIGNATURE_ALGORITHMS,
  EXT_STATUS_REQUEST,
  EXT_SUPPORTED_GROUPS,
  EXT_SUPPORTED_VERSIONS,
  GROUP_SECP384R1,
  TLS12,
  TLS13,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
} from "./constants.ts";
import { decodeError, Reader, TlsAlert, Writer } from "./wire.ts";
import { parseSelectedIdentity } from "./psk.ts";
import { EXT_SESSION_TICKET } from "./ticket12.ts";
import {
  asksForOcsp,
  encodeCertificateStatus,
  parseCertificateStatus,
  statusRequestExtension,
} from "./status_request.ts";
import { SEC_E_ILLEGAL_MESSAGE } from "../../sspi/status.ts";

const ENC = new TextEncoder();
const DEC = new TextDecoder("utf-8", { fatal: true });

/** The `random` of a HelloRetryRequest (SHA-256 of "HelloRetryRequest"). */
export const HRR_RANDOM = Uint8Array.from(
  "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c".match(
    /../g,
  )!,
  (h) => parseInt(h, 16),
);

/** Reads an extensions block into a map of type to body; duplicates are refused. */
function extensions(r: Reader, what: string): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  if (r.left === 0) return out;
  const block = new Reader(r.vector(2), what);
  while (block.left) {
    const type = block.u16();
    const body = block.vector(2);
    if (out.has(type)) throw decodeError(what);
    out.set(type, body);
  }
  return out;
}

/** Reads a vector of 16-bit values. */
function u16List(body: Uint8Array, lenBytes: 1 | 2, what: string): number[] {
  const r = new Reader(body, what);
  const v = new Reader(r.vector(lenBytes, 2), what);
  r.end();
  if (v.left % 2) throw decodeError(what);
  const out: number[] = [];
  while (v.left) out.push(v.u16());
  return out;
}

/** What a client offers. */
export interface ClientHello {
  /** 32 random bytes. */
  random: Uint8Array;
  /** `legacy_session_id` (echoed by the server). */
  sessionId: Uint8Array;
  /** Cipher suites. */
  suites: number[];
  /** `supported_versions` (empty when absent: not TLS 1.3). */
  versions: number[];
  /** `supported_groups`. */
  groups: number[];
  /** `key_share` entries by group. */
  keyShares: Map<number, Uint8Array>;
  /** `signature_algorithms`. */
  signatureSchemes: number[];
  /** `server_name` (host name), if sent. */
  serverName: string | null;
  /** ALPN protocols, if sent. */
  protocols: string[] | null;
  /** `legacy_version` (what a TLS 1.2 client asks for). */
  legacyVersion: number;
  /** The client offers the extended master secret (RFC 7627). */
  ems: boolean;
  /** The client speaks secure renegotiation (RFC 5746; extension or SCSV). */
  renegotiation: boolean;
  /** `pre_shared_key`'s body (the last extension), if sent (see `psk.ts`). */
  psk: Uint8Array | null;
  /** `psk_key_exchange_modes`' body, if sent. */
  pskModes: Uint8Array | null;
  /** `status_request`: the client asks for a stapled OCSP response. */
  statusRequest: boolean;
  /** TLS 1.2 `session_ticket` (RFC 5077): null when absent, empty when asking for one. */
  sessionTicket: Uint8Array | null;
}

/** Encodes a ClientHello body offering TLS 1.3 (the given suites) and/or TLS 1.2. */
export function encodeClientHello(h: {
  random: Uint8Array;
  sessionId: Uint8Array;
  groups: readonly number[];
  keyShareGroup: number;
  keyShare: Uint8Array;
  cookie?: Uint8Array | null;
  serverName: string | null;
  signatureSchemes: readonly number[];
  protocols: string[] | null;
  tls13: boolean;
  /** The TLS 1.3 suites offered (when `tls13`), preferred first. */
  suites: readonly number[];
  tls12: boolean;
  /** The TLS 1.2 suites offered (when `tls12`), preferred first. */
  suites12: readonly number[];
  /**
   * The versions below TLS 1.3 offered (when `tls12`), highest first: TLS 1.2 when
   * absent; TLS 1.1 and 1.0 only when asked for. The first is `legacy_version`.
   */
  legacyVersions?: readonly number[];
  /** Ask for a stapled OCSP response (`status_request`). */
  statusRequest?: boolean;
  /** TLS 1.2 `session_ticket`: a ticket to resume with, or empty to ask for one. */
  sessionTicket?: Uint8Array | null;
  /** Extensions to end with (typed, length-prefixed): the PSK offer. */
  tail?: Uint8Array | null;
}): Uint8Array {
  const legacy = h.tls12 ? h.legacyVersions ?? [TLS12] : [];
  const w = new Writer().u16(legacy[0] ?? TLS12).bytes(h.random).vector(
    1,
    h.sessionId,
  );
  w.open(2);
  if (h.tls13) { for (const id of h.suites) w.u16(id); }
  if (h.tls12) {
    for (const id of h.suites12) w.u16(id);
  }
  w.close();
  w.u8(1).u8(0); // legacy_compression_methods: null
  w.open(2);
  if (h.serverName) {
    const name = ENC.encode(h.serverName);
    w.u16(EXT_SERVER_NAME).open(2).open(2).u8(0).vector(2, name).close()
      .close();
  }
  w.u16(EXT_SUPPORTED_VERSIONS).open(2).open(1);
  if (h.tls13) w.u16(TLS13);
  for (const v of legacy) w.u16(v);
  w.close().close();
  if (h.tls12) {
    // TLS 1.2: uncompressed points, the extended master secret, secure renegotiation.
    w.u16(EXT_EC_POINT_FORMATS).open(2).open(1).u8(0).close().close();
    w.u16(EXT_EXTENDED_MASTER_SECRET).u16(0);
    w.u16(EXT_RENEGOTIATION_INFO).open(2).u8(0).close();
  }
  // The key exchange groups; secp384r1 is listed even when key exchange in it is
  // not allowed, for the curve of ECDSA certificates (RFC 8422 5.1 ties TLS 1.2
  // certificates to this list).
  w.u16(EXT_SUPPORTED_GROUPS).open(2).open(2);
  for (const g of h.groups) w.u16(g);
  if (!h.groups.includes(GROUP_SECP384R1)) w.u16(GROUP_SECP384R1);
  w.close().close();
  w.u16(EXT_SIGNATURE_ALGORITHMS).open(2).open(2);
  for (const s of h.signatureSchemes) w.u16(s);
  w.close().close();
  w.u16(EXT_KEY_SHARE).open(2).open(2).u16(h.keyShareGroup).vector(
    2,
    h.keyShare,
  )
    .close().close();
  if (h.cookie) w.u16(EXT_COOKIE).open(2).vector(2, h.cookie).close();
  if (h.protocols?.length) {
    w.u16(EXT_ALPN).open(2).open(2);
    for (const p of h.protocols) w.vector(1, ENC.encode(p));
    w.close().close();
  }
  if (h.statusRequest) w.bytes(statusRequestExtension());
  if (h.sessionTicket) w.u16(EXT_SESSION_TICKET).vector(2, h.sessionTicket);
  if (h.tail) w.bytes(h.tail);
  w.close();
  return w.finish();
}

/** Decodes a ClientHello body. */
export function parseClientHello(body: Uint8Array): ClientHello {
  const what = "ClientHello";
  const r = new Reader(body, what);
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vector(1);
  if (sessionId.length > 32) throw decodeError(what);
  const suitesRaw = new Reader(r.vector(2, 2), what);
  const suites: number[] = [];
  while (suitesRaw.left >= 2) suites.push(suitesRaw.u16());
  suitesRaw.end();
  const compression = r.vector(1, 1);
  const ext = extensions(r, what);
  r.end();
  const psk = ext.get(EXT_PRE_SHARED_KEY) ?? null;
  if (psk && [...ext.keys()].at(-1) !== EXT_PRE_SHARED_KEY) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      "pre_shared_key is not the last extension of the ClientHello",
    );
  }
  const versionsBody = ext.get(EXT_SUPPORTED_VERSIONS);
  const versions = versionsBody ? u16List(versionsBody, 1, what) : [];
  if (
    versions.includes(TLS13) && (compression.length !== 1 || compression[0])
  ) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      "ClientHello offers compression",
    );
  }
  const groupsBody = ext.get(EXT_SUPPORTED_GROUPS);
  const sigBody = ext.get(EXT_SIGNATURE_ALGORITHMS);
  const keyShares = new Map<number, Uint8Array>();
  const ksBody = ext.get(EXT_KEY_SHARE);
  if (ksBody) {
    const kr = new Reader(ksBody, what);
    const list = new Reader(kr.vector(2), what);
    kr.end();
    while (list.left) {
      const g = list.u16();
      const k = list.vector(2, 1);
      if (keyShares.has(g)) throw decodeError(what);
      keyShares.set(g, k);
    }
  }
  return {
    random,
    sessionId,
    suites,
    versions,
    groups: groupsBody ? u16List(groupsBody, 2, what) : [],
    keyShares,
    signatureSchemes: sigBody ? u16List(sigBody, 2, what) : [],
    serverName: serverNameOf(ext.get(EXT_SERVER_NAME)),
    protocols: protocolsOf(ext.get(EXT_ALPN), what),
    legacyVersion,
    ems: ext.has(EXT_EXTENDED_MASTER_SECRET),
    renegotiation: ext.has(EXT_RENEGOTIATION_INFO) ||
      suites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
    psk,
    pskModes: ext.get(EXT_PSK_KEY_EXCHANGE_MODES) ?? null,
    statusRequest: asksForOcsp(ext.get(EXT_STATUS_REQUEST)),
    sessionTicket: ext.get(EXT_SESSION_TICKET) ?? null,
  };
}

function serverNameOf(body: Uint8Array | undefined): string | null {
  if (!body) return null;
  const what = "server_name";
  const r = new Reader(body, what);
  const list = new Reader(r.vector(2, 1), what);
  r.end();
  while (list.left) {
    const type = list.u8();
    const name = list.vector(2, 1);
    if (type === 0) {
      try {
        return DEC.decode(name);
      } catch {
        throw decodeError(what);
      }
    }
  }
  return null;
}

function protocolsOf(
  body: Uint8Array | undefined,
  what: string,
): string[] | null {
  if (!body) return null;
  const r = new Reader(body, what);
  const list = new Reader(r.vector(2, 2), what);
  r.end();
  const out: string[] = [];
  while (list.left) {
    try {
      out.push(DEC.decode(list.vector(1, 1)));
    } catch (e) {
      if (e instanceof TlsAlert) throw e;
      throw decodeError(what);
    }
  }
  return out;
}

/** What a server answers. */
export interface ServerHello {
  /** 32 random bytes (HRR_RANDOM for a HelloRetryRequest). */
  random: Uint8Array;
  /** The echoed session id. */
  sessionId: Uint8Array;
  /** The chosen suite. */
  suite: number;
  /** `supported_versions` selected version (0 when absent). */
  version: number;
  /** The server's key share group and key (for a HRR: the group only, key empty). */
  keyShareGroup: number;
  /** The server's public key. */
  keyShare: Uint8Array;
  /** `legacy_version`. */
  legacyVersion: number;
  /** TLS 1.2: the server agreed to the extended master secret. */
  ems: boolean;
  /** TLS 1.2: the server's renegotiation_info (must be empty on a first handshake), if sent. */
  renegotiationInfo: Uint8Array | null;
  /** TLS 1.2: the ALPN protocol the server chose. */
  protocol: string | null;
  /** HelloRetryRequest: the cookie to echo, if any. */
  cookie: Uint8Array | null;
  /** `pre_shared_key`: the index of the PSK the server selected, if it took one. */
  pskIdentity: number | null;
  /** TLS 1.2: the server will send a CertificateStatus (`status_request`, empty). */
  statusRequest: boolean;
  /** TLS 1.2: the server will send a NewSessionTicket (`session_ticket`, empty). */
  sessionTicket: boolean;
}

/** Decodes a ServerHello (or HelloRetryRequest) body. */
export function parseServerHello(body: Uint8Array): ServerHello {
  const what = "ServerHello";
  const r = new Reader(body, what);
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vector(1);
  const suite = r.u16();
  r.u8(); // legacy_compression_method
  const ext = extensions(r, what);
  r.end();
  const v = ext.get(EXT_SUPPORTED_VERSIONS);
  let version = 0;
  if (v) {
    const vr = new Reader(v, what);
    version = vr.u16();
    vr.end();
  }
  let keyShareGroup = 0;
  let keyShare: Uint8Array = new Uint8Array(0);
  const ks = ext.get(EXT_KEY_SHARE);
  if (ks) {
    const kr = new Reader(ks, what);
    keyShareGroup = kr.u16();
    if (kr.left) keyShare = kr.vector(2, 1);
    kr.end();
  }
  const p = protocolsOf(ext.get(EXT_ALPN), what);
  if (p && p.length !== 1) throw decodeError(what);
  const psk = ext.get(EXT_PRE_SHARED_KEY);
  return {
    random,
    sessionId,
    suite,
    version,
    keyShareGroup,
    keyShare,
    legacyVersion,
    ems: ext.has(EXT_EXTENDED_MASTER_SECRET),
    renegotiationInfo: ext.get(EXT_RENEGOTIATION_INFO) ?? null,
    protocol: p ? p[0] : null,
    cookie: cookieOf(ext.get(EXT_COOKIE), what),
    pskIdentity: psk ? parseSelectedIdentity(psk) : null,
    statusRequest: ext.has(EXT_STATUS_REQUEST),
    sessionTicket: ext.has(EXT_SESSION_TICKET),
  };
}

function cookieOf(
  body: Uint8Array | undefined,
  what: string,
): Uint8Array | null {
  if (!body) return null;
  const r = new Reader(body, what);
  const c = r.vector(2, 1);
  r.end();
  return c;
}

/** Encodes a HelloRetryRequest asking for a key share in `group` (RFC 8446 4.1.4). */
export function encodeHelloRetryRequest(
  sessionId: Uint8Array,
  group: number,
  suite: number,
): Uint8Array {
  const w = new Writer().u16(TLS12).bytes(HRR_RANDOM).vector(1, sessionId);
  w.u16(suite).u8(0).open(2);
  w.u16(EXT_SUPPORTED_VERSIONS).open(2).u16(TLS13).close();
  w.u16(EXT_KEY_SHARE).open(2).u16(group).close();
  w.close();
  return w.finish();
}

/** Encodes a TLS 1.3 ServerHello body; `pskIdentity`: the PSK taken, if any. */
export function encodeServerHello(
  random: Uint8Array,
  sessionId: Uint8Array,
  group: number,
  keyShare: Uint8Array,
  suite: number,
  pskIdentity: number | null = null,
): Uint8Array {
  const w = new Writer().u16(TLS12).bytes(random).vector(1, sessionId);
  w.u16(suite).u8(0).open(2);
  w.u16(EXT_SUPPORTED_VERSIONS).open(2).u16(TLS13).close();
  w.u16(EXT_KEY_SHARE).open(2).u16(group).vector(2, keyShare).close();
  if (pskIdentity !== null) {
    w.u16(EXT_PRE_SHARED_KEY).open(2).u16(pskIdentity).close();
  }
  w.close();
  return w.finish();
}

/** Encodes EncryptedExtensions (the ALPN choice, if any). */
export function encodeEncryptedExtensions(protocol: string | null): Uint8Array {
  const w = new Writer().open(2);
  if (protocol) {
    w.u16(EXT_ALPN).open(2).open(2).vector(1, ENC.encode(protocol)).close()
      .close();
  }
  return w.close().finish();
}

/** Decodes EncryptedExtensions: the ALPN protocol chosen, if any. */
export function parseEncryptedExtensions(body: Uint8Array): string | null {
  const what = "EncryptedExtensions";
  const r = new Reader(body, what);
  const ext = extensions(r, what);
  r.end();
  const p = protocolsOf(ext.get(EXT_ALPN), what);
  if (p && p.length !== 1) throw decodeError(what);
  return p ? p[0] : null;
}

/**
 * Encodes a Certificate message body; `ocsp`, a DER OCSPResponse, goes into the
 * leaf's `status_request` extension (OCSP stapling), no other entry has extensions.
 */
export function encodeCertificate(
  context: Uint8Array,
  chain: readonly Uint8Array[],
  ocsp: Uint8Array | null = null,
): Uint8Array {
  const w = new Writer().vector(1, context).open(3);
  chain.forEach((c, i) => {
    w.vector(3, c);
    if (i === 0 && ocsp) {
      w.open(2).u16(EXT_STATUS_REQUEST).vector(2, encodeCertificateStatus(ocsp))
        .close();
    } else w.u16(0);
  });
  return w.close().finish();
}

/**
 * Decodes a Certificate message body: request context, the DER chain, and the DER
 * OCSPResponse stapled to the leaf (`status_request`), if any. Other entry
 * extensions (SCT) are not used.
 */
export function parseCertificate(
  body: Uint8Array,
): { context: Uint8Array; chain: Uint8Array[]; ocsp: Uint8Array | null } {
  const what = "Certificate";
  const r = new Reader(body, what);
  const context = r.vector(1);
  const list = new Reader(r.vector(3), what);
  r.end();
  const chain: Uint8Array[] = [];
  let ocsp: Uint8Array | null = null;
  while (list.left) {
    chain.push(list.vector(3, 1));
    const ext = new Reader(list.vector(2), what);
    while (ext.left) {
      const type = ext.u16();
      const body = ext.vector(2);
      if (type === EXT_STATUS_REQUEST && chain.length === 1) {
        if (ocsp) throw decodeError(what);
        ocsp = parseCertificateStatus(body);
      }
    }
  }
  return { context, chain, ocsp };
}

/**
 * Encodes a CertificateRequest asking for the given signature schemes and, when
 * `authorities` (DER names) is not empty, naming the CAs accepted
 * (`certificate_authorities`).
 */
export function encodeCertificateRequest(
  schemes: readonly number[],
  authorities: readonly Uint8Array[] = [],
): Uint8Array {
  const w = new Writer().u8(0).open(2);
  w.u16(EXT_SIGNATURE_ALGORITHMS).open(2).open(2);
  for (const s of schemes) w.u16(s);
  w.close().close();
  const names = encodeAuthorityList(authorities);
  if (names.length) {
    w.u16(EXT_CERTIFICATE_AUTHORITIES).open(2).vector(2, names).close();
  }
  return w.close().finish();
}

/**
 * Decodes a CertificateRequest: context, the schemes the server accepts and the
 * CAs it names (`certificate_authorities`, empty when absent).
 */
export function parseCertificateRequest(
  body: Uint8Array,
): { context: Uint8Array; schemes: number[]; authorities: Uint8Array[] } {
  const what = "CertificateRequest";
  const r = new Reader(body, what);
  const context = r.vector(1);
  const ext = extensions(r, what);
  r.end();
  const s = ext.get(EXT_SIGNATURE_ALGORITHMS);
  if (!s) throw decodeError(what);
  const ca = ext.get(EXT_CERTIFICATE_AUTHORITIES);
  return {
    context,
    schemes: u16List(s, 2, what),
    authorities: ca ? parseAuthoritiesExtension(ca) : [],
  };
}

/** Encodes CertificateVerify. */
export function encodeCertificateVerify(
  scheme: number,
  sig: Uint8Array,
): Uint8Array {
  return new Writer().u16(scheme).vector(2, sig).finish();
}

/** Decodes CertificateVerify. */
export function parseCertificateVerify(
  body: Uint8Array,
): { scheme: number; signature: Uint8Array } {
  const r = new Reader(body, "CertificateVerify");
  const scheme = r.u16();
  const signature = r.vector(2, 1);
  r.end();
  return { scheme, signature };
}

/** The bytes a CertificateVerify signs (RFC 8446 section 4.4.3). */
export function certificateVerifyInput(
  server: boolean,
  transcriptHash: Uint8Array,
): Uint8Array {
  const label = ENC.encode(
    server
      ? "TLS 1.3, server CertificateVerify"
      : "TLS 1.3, client CertificateVerify",
  );
  const out = new Uint8Array(64 + label.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(label, 64);
  out.set(transcriptHash, 65 + label.length);
  return out;
}
