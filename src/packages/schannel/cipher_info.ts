/**
 * `SECPKG_ATTR_CIPHER_INFO`: the negotiated suite as `SecPkgContext_CipherInfo`,
 * its parts named as Windows names them (BCrypt algorithm names: `AES`,
 * `CHACHA20_POLY1305`, `SHA256`, `SHA384`; `ECDH`, `DH` or `RSA` for the exchange).
 *
 * Choices where Windows' values are not pinned down: `dwCipherBlockLen` is 16 for
 * AES-GCM and AES-CBC and 1 for ChaCha20-Poly1305 (a stream cipher); `szHash` is
 * the MAC's hash for a CBC suite (`SHA1` for the `_SHA` ones); `dwMinExchangeLen` and
 * `dwMaxExchangeLen` are the key exchange size `SECPKG_ATTR_CONNECTION_INFO` gives
 * as `dwExchStrength` (255 for x25519, 256 for secp256r1, the prime's bits for
 * DHE, the modulus' bits for static RSA); `dwKeyType` is 0.
 *
 * @module
 */
import type { SecPkgContext_CipherInfo } from "../../sspi/attributes.ts";
import { parseCertificate } from "../../pki/mod.ts";
import { exchangeName } from "./kex12.ts";
import { CHACHA20_SHA256, suiteById } from "./keys.ts";
import { TLS12_SUITES } from "./prf.ts";

/** `SECPKGCONTEXT_CIPHERINFO_V1`. */
export const SECPKGCONTEXT_CIPHERINFO_V1 = 1;
/** `RSA` or `ECDSA` for a DER certificate's key, empty when absent or unknown. */
export function certificateKind(der: Uint8Array | undefined): string {
  if (!der) return "";
  let kind: string | undefined;
  try {
    kind = parseCertificate(der)?.publicKey?.kind;
  } catch {
    return "";
  }
  return kind === "rsa" ? "RSA" : kind === "ec" ? "ECDSA" : "";
}

/**
 * The `SecPkgContext_CipherInfo` for a connection: `suite` the negotiated code
 * point, `protocol` the `SP_PROT_*` bit, `serverCert` the server's leaf (DER),
 * `exchBits` the key exchange's size in bits (`dwExchStrength`).
 * Null for a suite this package does not speak.
 */
export function cipherInfo(
  suite: number,
  protocol: number,
  serverCert: Uint8Array | undefined,
  exchBits: number,
): SecPkgContext_CipherInfo | null {
  const s12 = TLS12_SUITES.find((x) => x.id === suite);
  const crypto = s12 ? s12.crypto : suiteById(suite);
  if (!crypto) return null;
  const cbc = s12?.cbc;
  const name = s12 ? s12.name : crypto.name;
  const chacha = crypto === CHACHA20_SHA256;
  // TLS 1.2: the suite names the certificate's key type; TLS 1.3: the certificate.
  const cert = s12 ? (s12.rsa ? "RSA" : "ECDSA") : certificateKind(serverCert);
  return {
    dwVersion: SECPKGCONTEXT_CIPHERINFO_V1,
    dwProtocol: protocol,
    dwCipherSuite: suite,
    dwBaseCipherSuite: suite,
    szCipherSuite: name,
    szCipher: chacha ? "CHACHA20_POLY1305" : "AES",
    dwCipherLen: (cbc?.keyLen ?? crypto.keyLen) * 8,
    dwCipherBlockLen: chacha ? 1 : 16,
    // A CBC suite's hash is its MAC's; an AEAD suite's, its PRF's.
    szHash: cbc ? cbc.hash : crypto.hashLen === 48 ? "SHA384" : "SHA256",
    dwHashLen: (cbc?.macLen ?? crypto.hashLen) * 8,
    szExchange: exchangeName(suite),
    dwMinExchangeLen: exchBits,
    dwMaxExchangeLen: exchBits,
    szCertificate: cert,
    dwKeyType: 0,
  };
}
