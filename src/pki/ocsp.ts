/**
 * OCSP (RFC 6960): what a parsed response says about one certificate, with the parse
 * from `ocsp_parse.ts` re-exported so both come from this module.
 *
 * @module
 */
import { sha1 } from "../crypto/mod.ts";
import { bytesEqual, type Certificate } from "./cert.ts";
import { isFresh, type RevocationStatus } from "./freshness.ts";
import { hashByOid } from "./hash.ts";
import { subjectPublicKeyBits } from "./keys.ts";
import {
  type BasicOcspResponse,
  OCSP_SUCCESSFUL,
  type OcspResponderId,
  type OcspResponse,
  type OcspSingleResponse,
  OID_KP_OCSP_SIGNING,
} from "./ocsp_parse.ts";
import { verifyCertificateSignature, verifySignedData } from "./signature.ts";

export * from "./ocsp_parse.ts";

/** id-sha1, the CertID hash most responders use. */
export const OID_SHA1 = "1.3.14.3.2.26";

/** Most `certs` of a response tried as delegated responders (bounds signature work). */
const MAX_RESPONDER_CERTS = 8;

/** CRLReason certificateHold: a revocation that may be lifted later. */
const REASON_CERTIFICATE_HOLD = 6;

/** The CertID hash for `oid` (SHA-1, SHA-256/384/512), or undefined. */
function certIdHash(oid: string): ((d: Uint8Array) => Uint8Array) | undefined {
  if (oid === OID_SHA1) return (d) => sha1(d);
  return hashByOid(oid)?.hash;
}

/** True when `c` is the responder `id` names (byName: subject; byKey: SHA-1 of its key). */
function isResponder(id: OcspResponderId, c: Certificate): boolean {
  if ("byName" in id) return bytesEqual(id.byName, c.subject);
  const bits = subjectPublicKeyBits(c.subjectPublicKeyInfo);
  return bits !== null && bytesEqual(sha1(bits), id.byKey);
}

function signedBy(basic: BasicOcspResponse, c: Certificate): boolean {
  return verifySignedData(
    basic.signatureAlgorithm,
    basic.signatureParams,
    basic.tbs,
    basic.signature,
    c.publicKey,
  );
}

/**
 * True when the response is signed by `issuer` itself, or by a delegated responder
 * from `certs`: issued and signed by `issuer`, with extKeyUsage id-kp-OCSPSigning,
 * within its validity at `now`, without unhandled critical extensions. The
 * responderID must name the signer.
 */
function signatureValid(
  basic: BasicOcspResponse,
  issuer: Certificate,
  now: Date,
): boolean {
  const id = basic.responderId;
  if (isResponder(id, issuer) && signedBy(basic, issuer)) return true;
  const t = now.getTime();
  for (const c of basic.certs.slice(0, MAX_RESPONDER_CERTS)) {
    if (!isResponder(id, c) || !bytesEqual(c.issuer, issuer.subject)) continue;
    if (!c.extKeyUsage?.includes(OID_KP_OCSP_SIGNING)) continue;
    if (c.unhandledCriticalExtensions.length > 0) continue;
    if (t < c.notBefore.getTime() || t > c.notAfter.getTime()) continue;
    if (!verifyCertificateSignature(c, issuer.publicKey)) continue;
    if (signedBy(basic, c)) return true;
  }
  return false;
}

/** The SingleResponse about `cert` (issued by `issuer`), or undefined. */
function findSingle(
  basic: BasicOcspResponse,
  cert: Certificate,
  issuer: Certificate,
): OcspSingleResponse | undefined {
  const keyBits = subjectPublicKeyBits(issuer.subjectPublicKeyInfo);
  if (!keyBits) return undefined;
  return basic.responses.find((s) => {
    const h = certIdHash(s.certId.hashAlgorithm);
    return h !== undefined && bytesEqual(s.certId.serialNumber, cert.serial) &&
      bytesEqual(h(cert.issuer), s.certId.issuerNameHash) &&
      bytesEqual(h(keyBits), s.certId.issuerKeyHash);
  });
}

/**
 * What the OCSP response `resp` says about `cert`, whose issuer is `issuer`, at `now`:
 *
 * - `"invalid"` when `resp` is null, its status is not successful, it has unhandled
 *   critical extensions, `issuer.subject` is not `cert.issuer`, the signature does not
 *   verify with the issuer's key or with a delegated responder's (a certificate from
 *   the response's `certs` issued and signed by `issuer`, with extKeyUsage
 *   id-kp-OCSPSigning, valid at `now`), the responderID (byName: subject; byKey: SHA-1
 *   of the subjectPublicKey) does not name that signer, or no SingleResponse matches
 *   the certificate's CertID (computed with the response's hash: SHA-1 or
 *   SHA-256/384/512; issuerNameHash over `cert.issuer`, issuerKeyHash over the
 *   issuer's subjectPublicKey BIT STRING contents);
 * - `"stale"` when the matching answer is outside its time window: `thisUpdate` later
 *   than `now` plus 5 minutes, or `now` after `nextUpdate`, or, when `nextUpdate` is
 *   absent, `thisUpdate` older than 7 days (our local policy for such responses);
 * - otherwise its status: `"good"`, `"revoked"` or `"unknown"`. A correctly signed
 *   `"revoked"` answer counts even outside its time window (a revocation is final),
 *   except with reason certificateHold.
 *
 * Never throws on bad input.
 */
export function checkOcsp(
  resp: OcspResponse | null,
  cert: Certificate,
  issuer: Certificate,
  now: Date = new Date(),
): RevocationStatus {
  try {
    const basic = resp?.basic;
    if (!resp || resp.responseStatus !== OCSP_SUCCESSFUL || !basic) {
      return "invalid";
    }
    if (!cert || !issuer || !bytesEqual(cert.issuer, issuer.subject)) {
      return "invalid";
    }
    if (basic.unhandledCriticalExtensions.length > 0) return "invalid";
    if (!signatureValid(basic, issuer, now)) return "invalid";
    const s = findSingle(basic, cert, issuer);
    if (!s || s.unhandledCriticalExtensions.length > 0) return "invalid";
    const fresh = isFresh(s.thisUpdate, s.nextUpdate, now);
    if (
      s.status === "revoked" &&
      (fresh || s.revocationReason !== REASON_CERTIFICATE_HOLD)
    ) return "revoked";
    return fresh ? s.status : "stale";
  } catch {
    return "invalid";
  }
}
