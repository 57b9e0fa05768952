/**
 * Client authentication, both sides: the CA names a server sends in its
 * CertificateRequest (TLS 1.3's `certificate_authorities` extension, RFC 8446
 * 4.2.4; TLS 1.2's `certificate_authorities` list, RFC 5246 7.4.4), the choice of
 * the certificate a client answers with, and `SECPKG_ATTR_ISSUER_LIST_EX`.
 *
 * The choice follows Windows' Schannel: without `ISC_REQ_USE_SUPPLIED_CREDS` a
 * client whose credentials hold no certificate the server can take (none, a key
 * that cannot sign with a scheme the server accepts, or, when the server named
 * CAs, no certificate of the chain under one of them) does not answer at once:
 * `InitializeSecurityContext` returns `SEC_I_INCOMPLETE_CREDENTIALS` and the
 * caller calls again with the same input, possibly naming a new credential that
 * holds a certificate (see `credential_pause.ts`). With the flag, the supplied
 * certificate is sent whatever CAs the server named, or an empty Certificate.
 *
 * @module
 */
import { parseCertificate, type PrivateKey } from "../../pki/mod.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import type { SchannelCredential } from "./credentials.ts";
import { clientCertificateFor } from "./peer.ts";
import { decodeError, Reader } from "./wire.ts";

/** `certificate_authorities` (RFC 8446 4.2.4): a TLS 1.3 CertificateRequest extension. */
export const EXT_CERTIFICATE_AUTHORITIES = 47;

/** What a server's CertificateRequest asks for. */
export interface ClientCertRequest {
  /** The signature schemes it accepts. */
  schemes: number[];
  /** The DER names of the CAs it accepts (empty: any). */
  authorities: Uint8Array[];
}

/** Where a client step may take its certificate from, set by the context on each step. */
export interface ClientCertSource {
  /**
   * The Schannel credential `phCredential` names on this call when it is not the
   * context's own (a new one after `SEC_I_INCOMPLETE_CREDENTIALS`); tried first.
   */
  supplied: SchannelCredential | null;
  /**
   * The caller may be asked (`SEC_I_INCOMPLETE_CREDENTIALS`): no
   * `ISC_REQ_USE_SUPPLIED_CREDS` and an output buffer to take the token later (a
   * wrapping package such as CredSSP passes none, and gets the empty Certificate).
   */
  mayAsk: boolean;
}

/** The certificate a client answers with: its chain (empty: none), key and scheme. */
export interface ClientCertChoice {
  /** The DER chain, leaf first; empty for an empty Certificate. */
  chain: Uint8Array[];
  /** The key that signs CertificateVerify (null with an empty chain). */
  key: PrivateKey | null;
  /** The signature scheme (null with an empty chain). */
  scheme: number | null;
}

/** The largest list of names a CertificateRequest carries (a 16-bit vector). */
const MAX_NAMES = 0xffff;

/**
 * The DistinguishedName entries of a `certificate_authorities` vector's content
 * (each a 2-byte length and a DER Name), as copies; an empty entry fails.
 */
export function parseAuthorityList(list: Uint8Array): Uint8Array[] {
  const r = new Reader(list, "certificate_authorities");
  const out: Uint8Array[] = [];
  while (r.left) out.push(r.vector(2, 1).slice());
  return out;
}

/** TLS 1.3's `certificate_authorities` extension body: a non-empty list. */
export function parseAuthoritiesExtension(body: Uint8Array): Uint8Array[] {
  const what = "certificate_authorities";
  const r = new Reader(body, what);
  const list = r.vector(2, 3);
  r.end();
  const names = parseAuthorityList(list);
  if (!names.length) throw decodeError(what);
  return names;
}

/**
 * The content of a `certificate_authorities` vector for `names` (each with its
 * 2-byte length): as many as fit in 64 KiB, in order (Windows' server truncates
 * its list the same way).
 */
export function encodeAuthorityList(names: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  const kept: Uint8Array[] = [];
  for (const d of names) {
    if (!d.length || d.length > MAX_NAMES || n + 2 + d.length > MAX_NAMES) {
      continue;
    }
    kept.push(d);
    n += 2 + d.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const d of kept) {
    out[at] = d.length >> 8;
    out[at + 1] = d.length & 0xff;
    out.set(d, at + 2);
    at += 2 + d.length;
  }
  return out;
}

/** Whether `a` and `b` hold the same bytes (names are public: any time will do). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && constantTimeEqual(a, b);
}

/**
 * Whether the credential's chain reaches one of `authorities`: a certificate of it
 * is issued by, or is, a named CA. An empty list accepts any chain.
 */
export function issuedUnder(
  chain: readonly Uint8Array[],
  authorities: readonly Uint8Array[],
): boolean {
  if (!authorities.length) return true;
  return chain.some((der) => {
    const c = parseCertificate(der);
    return c !== null &&
      authorities.some((n) => same(n, c.issuer) || same(n, c.subject));
  });
}

/**
 * The certificate to answer `req` with: from the credential this call names, then
 * the context's own, the first whose key signs with a scheme the server accepts
 * (and, unless `ISC_REQ_USE_SUPPLIED_CREDS`, whose chain reaches a CA it named).
 * None: an empty chain with `ISC_REQ_USE_SUPPLIED_CREDS` (or no output buffer), or
 * null, meaning "ask the caller" (`SEC_I_INCOMPLETE_CREDENTIALS`).
 */
export function chooseClientCertificate(
  own: SchannelCredential,
  source: ClientCertSource,
  req: ClientCertRequest,
): ClientCertChoice | null {
  const creds = source.supplied ? [source.supplied, own] : [own];
  for (const cred of creds) {
    const { chain, scheme } = clientCertificateFor(cred, req.schemes);
    if (!chain.length || scheme === null) continue;
    if (source.mayAsk && !issuedUnder(chain, req.authorities)) continue;
    return { chain: chain.map((c) => c.slice()), key: cred.key(), scheme };
  }
  return source.mayAsk ? null : { chain: [], key: null, scheme: null };
}

/** `CERT_NAME_BLOB`: one DER name. */
export interface CertNameBlob {
  /** Its length. */
  cbData: number;
  /** The DER Name. */
  pbData: Uint8Array;
}

/** `SecPkgContext_IssuerListInfoEx`: the CAs a server's CertificateRequest named. */
export interface SecPkgContextIssuerListInfoEx {
  /** The names (`CERT_NAME_BLOB`s, DER). */
  aIssuers: CertNameBlob[];
  /** How many. */
  cIssuers: number;
}

/** The `SECPKG_ATTR_ISSUER_LIST_EX` value for `names` (copies). */
export function issuerListInfo(
  names: readonly Uint8Array[],
): SecPkgContextIssuerListInfoEx {
  return {
    aIssuers: names.map((n) => ({ cbData: n.length, pbData: n.slice() })),
    cIssuers: names.length,
  };
}
