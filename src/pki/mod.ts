/**
 * PKI building blocks for TLS: PEM, X.509 certificates, private keys (PKCS#8, PKCS#1,
 * SEC1), TLS 1.3 signature schemes (RSA PKCS#1 v1.5, RSA-PSS, ECDSA P-256/P-384 with
 * SHA-256/384/512), certificate signatures and chain validation with SSPI status
 * codes, revocation (OCSP responses, CRLs and Schannel's revocation policy), and P-256
 * and P-384 ECDH (P-384: a `BigInt` Montgomery ladder, see ecdh384.ts). Synchronous and portable: big numbers are JS `BigInt`, while
 * SHA-256 and P-256 point multiplication come from the project's WebAssembly module
 * and SHA-384/512 from portable TypeScript.
 *
 * Security notes: `BigInt` arithmetic is not constant-time, so signing leaks timing
 * (RSA signing blinds its input, and checks each signature before returning it; ECDSA
 * nonces follow RFC 6979, hedged with fresh randomness; P-256 point multiplication
 * avoids scalar-dependent branches and memory accesses, the scalar arithmetic
 * modulo n stays `BigInt`). Parsers take untrusted bytes
 * through the validating DER scanner and return null instead of throwing; RSA moduli
 * outside 1024..8192 bits and even or huge exponents are refused.
 *
 * @example Validating a server chain
 * ```ts
 * import { type Certificate, parseCertificate, parsePem, verifyChain } from "./mod.ts";
 * import { SEC_E_OK } from "../sspi/status.ts";
 *
 * function check(chainPem: string, rootsPem: string, host: string): boolean {
 *   const parse = (pem: string) =>
 *     parsePem(pem, "CERTIFICATE").map(parseCertificate)
 *       .filter((c): c is Certificate => c !== null);
 *   return verifyChain(parse(chainPem), parse(rootsPem), { host }) === SEC_E_OK;
 * }
 * ```
 *
 * @example Signing and verifying a TLS 1.3 CertificateVerify
 * ```ts
 * import { parsePrivateKey, publicKeyOf, sign, signatureSchemes, verifySignature } from "./mod.ts";
 *
 * function roundTrip(keyPem: string, content: Uint8Array): boolean {
 *   const key = parsePrivateKey(keyPem);
 *   if (!key) return false;
 *   const scheme = signatureSchemes(key)[0];
 *   return verifySignature(publicKeyOf(key), scheme, content, sign(key, scheme, content));
 * }
 * ```
 *
 * @module
 */
export { parsePem, toPem } from "./pem.ts";
export {
  encodeSubjectPublicKeyInfo,
  parsePrivateKey,
  parseSubjectPublicKeyInfo,
  type PrivateKey,
  type PublicKey,
  publicKeyMatches,
  publicKeyOf,
} from "./keys.ts";
export {
  type Certificate,
  KU_DIGITAL_SIGNATURE,
  KU_KEY_CERT_SIGN,
  KU_KEY_ENCIPHERMENT,
  OID_KP_CLIENT_AUTH,
  OID_KP_SERVER_AUTH,
  parseCertificate,
} from "./cert.ts";
export {
  ECDSA_SECP256R1_SHA256,
  ECDSA_SECP384R1_SHA384,
  RSA_PKCS1_SHA256,
  RSA_PKCS1_SHA384,
  RSA_PKCS1_SHA512,
  RSA_PSS_RSAE_SHA256,
  RSA_PSS_RSAE_SHA384,
  RSA_PSS_RSAE_SHA512,
  sign,
  signatureSchemes,
  signLegacy,
  SUPPORTED_SIGNATURE_SCHEMES,
  verifyCertificateSignature,
  verifyLegacySignature,
  verifySignature,
  verifySignedData,
} from "./signature.ts";
export {
  matchesHost,
  MAX_CHAIN_LENGTH,
  verifyChain,
  type VerifyChainOptions,
} from "./chain.ts";
export {
  isFresh,
  MAX_AGE_WITHOUT_NEXT_UPDATE_MS,
  REVOCATION_CLOCK_SKEW_MS,
  type RevocationStatus,
} from "./freshness.ts";
export {
  type BasicOcspResponse,
  checkOcsp,
  OCSP_SUCCESSFUL,
  type OcspCertId,
  type OcspResponderId,
  type OcspResponse,
  type OcspSingleResponse,
  OID_KP_OCSP_SIGNING,
  OID_OCSP_BASIC,
  OID_SHA1,
  parseOcspResponse,
} from "./ocsp.ts";
export {
  checkCrl,
  type Crl,
  crlCovers,
  type CrlEntry,
  DELTA_CRL,
  KU_CRL_SIGN,
  parseCrl,
  REASON_CERTIFICATE_HOLD,
  REASON_REMOVE_FROM_CRL,
} from "./crl.ts";
export {
  checkCrlWithDeltas,
  crlAnswers,
  deltaMatches,
  deltaUrls,
  isDeltaCrl,
} from "./crl_delta.ts";
export {
  checkRevocation,
  issuerInPath,
  judgeRevocation,
  type RevocationOptions,
  revocationVerdicts,
} from "./revocation.ts";
export {
  distributionPointUrls,
  freshestCrlUrls,
  OID_AD_OCSP,
  OID_AUTHORITY_INFO_ACCESS,
  OID_CRL_DISTRIBUTION_POINTS,
  OID_FRESHEST_CRL,
  revocationUrls,
} from "./cert_urls.ts";
export { encodeOcspRequest } from "./ocsp_request.ts";
export {
  type Curve,
  type CurveName,
  decodePoint,
  encodePoint,
  mulBase,
  mulLadder,
  mulPoint,
  P256,
  p256Ecdh,
  P384,
  type Point,
} from "./ec.ts";
export {
  p384Ecdh,
  type P384KeyPair,
  p384KeyPair,
  p384PeerPoint,
  p384PublicKey,
} from "./ecdh384.ts";
