/**
 * The OCSP request (RFC 6960 4.1.1) a client sends a responder for one certificate:
 * `OCSPRequest { tbsRequest { requestList { Request { reqCert CertID } } } }` with a
 * SHA-1 CertID (what responders are required to answer), no nonce and no signature.
 *
 * @module
 */
import { sha1 } from "../crypto/mod.ts";
import {
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeTlv,
} from "../der/encode.ts";
import { encodeSerial } from "./asn1.ts";
import type { Certificate } from "./cert.ts";
import { subjectPublicKeyBits } from "./keys.ts";
import { OID_SHA1 } from "./ocsp.ts";

/**
 * The DER OCSPRequest asking about `cert`, issued by `issuer`; null when the issuer's
 * key cannot be read.
 *
 * @example
 * ```ts
 * import { encodeOcspRequest, type Certificate } from "./mod.ts";
 * declare const leaf: Certificate, ca: Certificate;
 * const body = encodeOcspRequest(leaf, ca); // POST as application/ocsp-request
 * ```
 */
export function encodeOcspRequest(
  cert: Certificate,
  issuer: Certificate,
): Uint8Array | null {
  const keyBits = subjectPublicKeyBits(issuer.subjectPublicKeyInfo);
  if (!keyBits) return null;
  const certId = encodeSequence([
    encodeSequence([encodeOid(OID_SHA1), encodeTlv(0x05, new Uint8Array(0))]),
    encodeOctetString(sha1(cert.issuer)),
    encodeOctetString(sha1(keyBits)),
    encodeSerial(cert.serial),
  ]);
  const request = encodeSequence([certId]);
  const tbs = encodeSequence([encodeSequence([request])]);
  return encodeSequence([tbs]);
}
