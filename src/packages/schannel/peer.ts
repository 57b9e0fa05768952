/**
 * Steps both TLS versions and both roles take with what the peer sent: reading its
 * certificate chain, checking it against the roots, the x25519 exchange with TLS's
 * checks, and choosing our certificate for a CertificateRequest.
 *
 * @module
 */
import { x25519 } from "../../wasm/x25519.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import {
  type Certificate,
  checkRevocation,
  type Crl,
  parseCertificate,
  type PrivateKey,
  signatureSchemes,
  verifyChain,
} from "../../pki/mod.ts";
import {
  CRYPT_E_REVOCATION_OFFLINE,
  CRYPT_E_REVOKED,
  SEC_E_CERT_UNKNOWN,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_ILLEGAL_MESSAGE,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
} from "../../sspi/status.ts";
import {
  ALERT_BAD_CERTIFICATE,
  ALERT_CERTIFICATE_REQUIRED,
  ALERT_CERTIFICATE_REVOKED,
  ALERT_CERTIFICATE_UNKNOWN,
  ALERT_DECRYPT_ERROR,
  ALERT_ILLEGAL_PARAMETER,
} from "./constants.ts";
import { alertOfCertStatus } from "./engine.ts";
import { TlsAlert } from "./wire.ts";
import type { PendingRevocation, RevocationPolicy } from "./status_request.ts";

/** Who sent what is checked, for messages. */
export type Peer = "server" | "client";

/**
 * The peer's chain parsed, leaf first. An empty chain fails (`SEC_E_NO_CREDENTIALS`
 * for a client asked for one, `SEC_E_CERT_UNKNOWN` for a server), as does any
 * certificate that does not parse or a leaf whose key type is not supported.
 */
export function parsePeerChain(
  chain: readonly Uint8Array[],
  peer: Peer,
): Certificate[] {
  if (!chain.length) {
    throw peer === "client"
      ? new TlsAlert(
        ALERT_CERTIFICATE_REQUIRED,
        SEC_E_NO_CREDENTIALS,
        "the client sent no certificate",
      )
      : new TlsAlert(
        ALERT_BAD_CERTIFICATE,
        SEC_E_CERT_UNKNOWN,
        "the server sent no certificate",
      );
  }
  const parsed = chain.map((d) => parseCertificate(d));
  if (!parsed[0]?.publicKey || parsed.some((c) => c === null)) {
    throw new TlsAlert(
      ALERT_BAD_CERTIFICATE,
      SEC_E_CERT_UNKNOWN,
      `the ${peer}'s certificate cannot be used`,
    );
  }
  return parsed as Certificate[];
}

/** What checking a peer's chain for revocation takes. */
export interface RevocationCheck {
  /** What the credential's flags ask for. */
  policy: RevocationPolicy;
  /** The credential's CRLs. */
  crls: readonly Crl[];
  /** The OCSP response the peer stapled to its leaf (DER), if any. */
  ocsp: Uint8Array | null;
  /**
   * In an async call that may fetch: the check is not made here but left in this
   * list, for the step to finish once it has fetched what is missing.
   */
  defer?: PendingRevocation[] | null;
}

/**
 * Checks a parsed chain against `roots` (and `host`, for a server), then, with
 * `revocation`, the path it built for revocation; fails with the status
 * (`CRYPT_E_REVOKED` and the other revocation codes included).
 */
export function requireTrusted(
  chain: Certificate[],
  roots: Certificate[],
  host: string | undefined,
  peer: Peer,
  revocation: RevocationCheck | null = null,
): number {
  const path: Certificate[] = [];
  const status = verifyChain(
    chain,
    roots,
    host === undefined ? { path } : { host, path },
  );
  if (status !== SEC_E_OK) {
    throw new TlsAlert(
      alertOfCertStatus(status),
      status,
      peer === "server"
        ? "the server's certificate is not trusted for this name"
        : "the client's certificate is not trusted",
    );
  }
  if (!revocation) return status;
  const { policy, crls, ocsp } = revocation;
  if (revocation.defer) {
    revocation.defer.push({ path, ocsp, peer });
    return status;
  }
  const r = checkRevocation(path, {
    scope: policy.scope,
    ocsp,
    crls: [...crls],
    ignoreNoCheck: policy.ignoreNoCheck,
    ignoreOffline: policy.ignoreOffline,
  });
  if (r !== SEC_E_OK) throw revocationAlert(r, peer);
  return status;
}

/** The alert a failed revocation check (`CRYPT_E_*` status `r`) ends the handshake with. */
export function revocationAlert(r: number, peer: Peer): TlsAlert {
  return new TlsAlert(
    r === CRYPT_E_REVOKED
      ? ALERT_CERTIFICATE_REVOKED
      : ALERT_CERTIFICATE_UNKNOWN,
    r,
    r === CRYPT_E_REVOKED
      ? `the ${peer}'s certificate (or one above it) is revoked`
      : r === CRYPT_E_REVOCATION_OFFLINE
      ? `the revocation information for the ${peer}'s chain is out of date or its server cannot be reached`
      : `the revocation of the ${peer}'s chain could not be checked (no CRL or OCSP response for it)`,
  );
}

/** Checks a Finished `verify_data` against the expected one, in constant time. */
export function requireFinished(
  expected: Uint8Array,
  received: Uint8Array,
  peer: Peer,
): void {
  if (!constantTimeEqual(expected, received)) {
    throw new TlsAlert(
      ALERT_DECRYPT_ERROR,
      SEC_E_DECRYPT_FAILURE,
      `the ${peer}'s Finished is wrong`,
    );
  }
}

/** X25519 of our secret and the peer's 32-byte share; a low-order point fails. */
export function x25519Shared(
  secret: Uint8Array,
  share: Uint8Array,
  peer: Peer,
): Uint8Array {
  if (share.length !== 32) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      `the ${peer}'s x25519 key share is malformed`,
    );
  }
  const shared = x25519(secret, share);
  if (shared.every((b) => b === 0)) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      `the ${peer}'s key share is a low-order point`,
    );
  }
  return shared;
}

/**
 * What a client answers a CertificateRequest with: its chain and a scheme its key can
 * sign with among `accepted`, or an empty chain (and no scheme) when it has none.
 */
export function clientCertificateFor(
  cred: { key(): PrivateKey | null; readonly chain: Uint8Array[] },
  accepted: readonly number[],
): { chain: Uint8Array[]; scheme: number | null } {
  const key = cred.key();
  const scheme = key
    ? signatureSchemes(key).find((s) => accepted.includes(s))
    : undefined;
  return key && scheme !== undefined
    ? { chain: cred.chain, scheme }
    : { chain: [], scheme: null };
}

/** The SNI host name for a target: none for IP literals or empty names. */
export function sniName(target: string | null): string | null {
  if (!target) return null;
  if (/^[0-9.]+$/.test(target) || target.includes(":")) return null;
  return target.replace(/\.$/, "");
}
