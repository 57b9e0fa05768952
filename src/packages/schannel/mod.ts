/**
 * The `Schannel` security package: TLS 1.3 (RFC 8446) in portable TypeScript, with
 * X25519, AES-GCM and ChaCha20-Poly1305 in WebAssembly and certificates in `src/pki`, behind the
 * Win32 Schannel conventions ("InitializeSecurityContext (Schannel)").
 *
 * ## Client (`InitializeSecurityContext`)
 * - First call, no input: the ClientHello, `SEC_I_CONTINUE_NEEDED`.
 *   `pszTargetName` is the server name: SNI and the certificate name check.
 * - Then `pInput = [SECBUFFER_TOKEN (bytes read), SECBUFFER_EMPTY]`: whole records are
 *   consumed. `SEC_E_INCOMPLETE_MESSAGE` (the empty buffer becomes `SECBUFFER_MISSING`
 *   with the count) when not even one record is complete; `SEC_I_CONTINUE_NEEDED`
 *   with `SECBUFFER_EXTRA` for a partial record after whole ones; `SEC_E_OK` with the
 *   client's Finished flight once the server's Finished checked out (send it), and
 *   `SECBUFFER_EXTRA` for bytes past the handshake (hand them to `DecryptMessage`).
 * - The server's chain is checked against `RootCertificates` (or the system bundle)
 *   and `pszTargetName`, unless `ISC_REQ_MANUAL_CRED_VALIDATION` or
 *   `SCH_CRED_MANUAL_CRED_VALIDATION` leave it to the caller
 *   (`SECPKG_ATTR_REMOTE_CERT_CONTEXT`). The CertificateVerify signature and the
 *   Finished MAC are always checked.
 *
 * ## Server (`AcceptSecurityContext`)
 * The credential needs `Certificate` and `PrivateKey` (RSA or P-256). The ClientHello
 * gets the whole server flight (`SEC_I_CONTINUE_NEEDED`), the client's Finished
 * `SEC_E_OK` (with a NewSessionTicket to send, in TLS 1.3). `ASC_REQ_MUTUAL_AUTH`
 * asks for a client certificate, checked against `RootCertificates` (whose
 * subjects the request names with `SendTrustedIssuerList`).
 *
 * ## Client certificates
 * A client asked for one that its credential cannot give returns
 * `SEC_I_INCOMPLETE_CREDENTIALS` without consuming its input, unless
 * `ISC_REQ_USE_SUPPLIED_CREDS`; `SECPKG_ATTR_ISSUER_LIST_EX` names the server's CAs
 * and the next call, with the same input, takes the certificate of the credential
 * it names (`client_auth.ts`, `credential_pause.ts`).
 *
 * ## Messages
 * `EncryptMessage` with `[SECBUFFER_STREAM_HEADER (5), SECBUFFER_DATA (<= 16384),
 * SECBUFFER_STREAM_TRAILER (17), SECBUFFER_EMPTY]` (`SECPKG_ATTR_STREAM_SIZES`);
 * `DecryptMessage` with `[SECBUFFER_DATA (bytes read), 3 x SECBUFFER_EMPTY]` turns
 * them into header, data (plaintext, in place), trailer and `SECBUFFER_EXTRA`.
 * `SEC_I_CONTEXT_EXPIRED` for the peer's close_notify; `ApplyControlToken` with
 * `SCHANNEL_SHUTDOWN`, then one more ISC/ASC call, makes ours.
 *
 * ## Resumption (TLS 1.3 and 1.2)
 * The server's last `AcceptSecurityContext` (`SEC_E_OK`) hands back one
 * NewSessionTicket to send (a self-contained ticket sealed under a random key of the
 * server credential); the client's `DecryptMessage` keeps the tickets it receives
 * in a cache on its credential, by `pszTargetName`, and the next
 * `InitializeSecurityContext` on that credential and target offers the newest one
 * (once), `psk_dhe_ke` only. TLS 1.2 resumes by session id (abbreviated handshake,
 * extended master secret required): the server keeps sessions on its credential
 * (1,000, 10 hours), the client the newest per target (reused for 10 hours).
 * `SECPKG_ATTR_SESSION_INFO` says `SSL_SESSION_RECONNECT` when a session was
 * resumed; `SCH_CRED_DISABLE_RECONNECTS` turns it off.
 *
 * Key exchange: x25519, secp256r1 and secp384r1, in that order (Windows'
 * default); the client's key share is for the first, a server wanting another
 * group asks by HelloRetryRequest; TLS 1.2 ECDHE in the same groups.
 * `KeyExchangeGroups` in a credential restricts and orders them (`"secp384r1"`,
 * `"P-384"` or `"NistP384"`, ...). `dwExchStrength`: 255, 256 or 384. P-384 runs
 * over `BigInt` (a Montgomery ladder, not constant-time at the `BigInt` level).
 *
 * Suites: `TLS_AES_128_GCM_SHA256`, `TLS_AES_256_GCM_SHA384` and
 * `TLS_CHACHA20_POLY1305_SHA256` (TLS 1.3, offered and chosen in that order;
 * `CipherSuites` in the credential restricts them); ECDHE with RSA or ECDSA,
 * AES-128-GCM-SHA256, AES-256-GCM-SHA384 or CHACHA20-POLY1305-SHA256 (TLS 1.2), and,
 * after those, DHE_RSA then static RSA with AES-128-GCM-SHA256 or AES-256-GCM-SHA384
 * (RFC 5288, what Windows Server 2012 R2 offers with an RSA certificate): the client
 * offers them (`kex12.ts`: DHE primes of 1024 to 8192 bits); the server, with an RSA
 * certificate, picks them when the client offers no ECDHE suite and group in common
 * (`kex12_server.ts`: RFC 7919 ffdhe2048/ffdhe3072, static RSA decryption with the
 * RFC 5246 7.4.7.1 random-premaster fallback). Not implemented: TLS 1.1 and
 * older, 0-RTT, starting a KeyUpdate (a peer's KeyUpdate asking for ours makes
 * `DecryptMessage` return `SEC_I_RENEGOTIATE`; the next ISC/ASC call gives ours).
 * TLS 1.2 also resumes with RFC 5077 tickets: a client asks for them, a server
 * credential with `Tls12SessionTickets` issues them.
 *
 * Credential attributes: `QueryCredentialsAttributes`/`SetCredentialsAttributes`
 * with `SECPKG_ATTR_SUPPORTED_PROTOCOLS`, `SECPKG_ATTR_CIPHER_STRENGTHS` and
 * `SECPKG_ATTR_SUPPORTED_ALGS` read and narrow the versions and suites of the
 * contexts started afterwards (`credential_attributes.ts`).
 *
 * Revocation: `SCH_CRED_REVOCATION_CHECK_*` in a credential's `dwFlags` checks the
 * peer's path against the credential's `CertificateRevocationLists` and, for a
 * server's leaf, the OCSP response it staples (a client asking with
 * `status_request`; a server staples its credential's `OcspResponse`).
 *
 * @module
 */
export {
  SCHANNEL_PACKAGE_INFO,
  schannelPackage,
  UNISP_PACKAGE,
} from "./package.ts";
export type { SchannelAuthData } from "./credentials.ts";
export type { SchannelCertContext } from "./context.ts";
export type {
  SecPkgContext_KeyInfo,
  SecPkgContext_KeyingMaterial,
  SecPkgContext_KeyingMaterialInfo,
  SecPkgCred_CipherStrengths,
  SecPkgCred_SupportedAlgs,
  SecPkgCred_SupportedProtocols,
} from "./attributes_extra.ts";
export type {
  CertNameBlob,
  SecPkgContextIssuerListInfoEx,
} from "./client_auth.ts";
export {
  CALG_AES_128,
  CALG_AES_256,
  CALG_DH_EPHEM,
  CALG_ECDH_EPHEM,
  CALG_ECDSA,
  CALG_RSA_KEYX,
  CALG_RSA_SIGN,
  CALG_SHA1,
  CALG_SHA_256,
  CALG_SHA_384,
  SCH_CRED_DISABLE_RECONNECTS,
  SCH_CRED_IGNORE_NO_REVOCATION_CHECK,
  SCH_CRED_IGNORE_REVOCATION_OFFLINE,
  SCH_CRED_MANUAL_CRED_VALIDATION,
  SCH_CRED_NO_DEFAULT_CREDS,
  SCH_CRED_NO_SERVERNAME_CHECK,
  SCH_CRED_REVOCATION_CHECK_CACHE_ONLY,
  SCH_CRED_REVOCATION_CHECK_CHAIN,
  SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT,
  SCH_CRED_REVOCATION_CHECK_END_CERT,
  SCHANNEL_SHUTDOWN,
  SECPKG_ATTR_APPLICATION_PROTOCOL,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_KEYING_MATERIAL,
  SECPKG_ATTR_KEYING_MATERIAL_INFO,
  SECPKG_ATTR_LOCAL_CERT_CONTEXT,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  SP_PROT_TLS1_0_CLIENT,
  SP_PROT_TLS1_0_SERVER,
  SP_PROT_TLS1_1_CLIENT,
  SP_PROT_TLS1_1_SERVER,
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_2_SERVER,
  SP_PROT_TLS1_3_CLIENT,
  SP_PROT_TLS1_3_SERVER,
} from "./constants.ts";
