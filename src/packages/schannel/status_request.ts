/**
 * OCSP stapling (RFC 6066 section 8, RFC 8446 section 4.4.2.1): the `status_request`
 * extension a client sends, the `CertificateStatus` a server answers with (a TLS 1.2
 * handshake message, or the leaf's CertificateEntry extension in TLS 1.3), and the
 * revocation policy the `SCH_CRED_REVOCATION_*` flags of a credential ask for.
 *
 * @module
 */
import type { Certificate } from "../../pki/mod.ts";
import {
  EXT_STATUS_REQUEST,
  SCH_CRED_IGNORE_NO_REVOCATION_CHECK,
  SCH_CRED_IGNORE_REVOCATION_OFFLINE,
  SCH_CRED_REVOCATION_CHECK_CACHE_ONLY,
  SCH_CRED_REVOCATION_CHECK_CHAIN,
  SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT,
  SCH_CRED_REVOCATION_CHECK_END_CERT,
} from "./constants.ts";
import { decodeError, Reader, Writer } from "./wire.ts";

/** `status_type` ocsp (1). */
const OCSP = 1;

/**
 * The `status_request` extension (type and body) a client sends: OCSP, no responder
 * ids, no request extensions.
 */
export function statusRequestExtension(): Uint8Array {
  return new Writer().u16(EXT_STATUS_REQUEST).open(2).u8(OCSP).u16(0).u16(0)
    .close().finish();
}

/** Whether a ClientHello's `status_request` body asks for an OCSP response. */
export function asksForOcsp(body: Uint8Array | undefined): boolean {
  return body !== undefined && body.length >= 1 && body[0] === OCSP;
}

/** A `CertificateStatus` body carrying one DER OCSPResponse. */
export function encodeCertificateStatus(ocspResponse: Uint8Array): Uint8Array {
  return new Writer().u8(OCSP).vector(3, ocspResponse).finish();
}

/**
 * The DER OCSPResponse of a `CertificateStatus` body; a decode_error alert when it is
 * malformed, not OCSP, or empty.
 */
export function parseCertificateStatus(body: Uint8Array): Uint8Array {
  const what = "CertificateStatus";
  const r = new Reader(body, what);
  if (r.u8() !== OCSP) throw decodeError(what);
  const resp = r.vector(3, 1);
  r.end();
  return resp;
}

/** What a credential's `SCH_CRED_REVOCATION_*` flags ask for. */
export interface RevocationPolicy {
  /** The certificates checked: the leaf, the whole path, or all but the root. */
  scope: "end" | "chain" | "chainExcludeRoot";
  /** `SCH_CRED_IGNORE_NO_REVOCATION_CHECK`: no information is not a failure. */
  ignoreNoCheck: boolean;
  /** `SCH_CRED_IGNORE_REVOCATION_OFFLINE`: stale information is not a failure. */
  ignoreOffline: boolean;
  /**
   * Missing information may be fetched (the responders and CRLs the certificates
   * name) in the async calls: no `SCH_CRED_REVOCATION_CHECK_CACHE_ONLY`.
   */
  fetch: boolean;
}

/** A revocation check the async step finishes, with what it fetches. */
export interface PendingRevocation {
  /** The validated path, leaf first, ending at the trusted root. */
  path: Certificate[];
  /** The OCSP response stapled to the leaf, if any. */
  ocsp: Uint8Array | null;
  /** Whose chain it is. */
  peer: "server" | "client";
}

/** The revocation policy of `SCH_CRED_*` flags, or null when none is asked for. */
export function revocationPolicy(flags: number): RevocationPolicy | null {
  const scope = flags & SCH_CRED_REVOCATION_CHECK_CHAIN
    ? "chain"
    : flags & SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT
    ? "chainExcludeRoot"
    : flags & SCH_CRED_REVOCATION_CHECK_END_CERT
    ? "end"
    : null;
  if (!scope) return null;
  return {
    scope,
    ignoreNoCheck: (flags & SCH_CRED_IGNORE_NO_REVOCATION_CHECK) !== 0,
    ignoreOffline: (flags & SCH_CRED_IGNORE_REVOCATION_OFFLINE) !== 0,
    fetch: (flags & SCH_CRED_REVOCATION_CHECK_CACHE_ONLY) === 0,
  };
}
