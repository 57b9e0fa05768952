/**
 * The `CREDSSP` security package (MS-CSSP): the Credential Security Support Provider
 * of RDP's Network Level Authentication, WinRM's CredSSP and PowerShell remoting's
 * double hop. A TLS channel (the portable Schannel), Negotiate inside it (Kerberos or
 * NTLM, raw NTLMSSP accepted from clients that send it), the server's public key bound
 * to that logon, then the client's password delegated to the server.
 *
 * ## Client (`InitializeSecurityContext`)
 * `pszTargetName` is the SPN (`TERMSRV/host`); its host is the TLS name. Tokens are
 * TLS records, exchanged as with Schannel (`SEC_E_INCOMPLETE_MESSAGE` with
 * `SECBUFFER_MISSING`, `SECBUFFER_EXTRA`). `SEC_E_OK` comes with the last token (the
 * encrypted credentials): send it. A server whose `pubKeyAuth` does not match the TLS
 * certificate fails the call with `SEC_E_MUTUAL_AUTH_FAILED`.
 *
 * ## Server (`AcceptSecurityContext`)
 * `SEC_E_OK` once the credentials arrived; read them with
 * `QueryContextAttributes(ctx, SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS)`.
 *
 * ## Restricted Admin mode
 * A client with `RestrictedAdmin: true` delegates empty TSPasswordCreds instead of
 * the password; a server with `AllowRestrictedAdmin: true` accepts them
 * (`RestrictedAdmin: true` in the delegated credentials), otherwise it fails with
 * `STATUS_ACCOUNT_RESTRICTION`, which it also sends as the TSRequest's errorCode.
 *
 * CredSSP versions 2 to 6 (the nonce-hashed binding from 5). Password credentials
 * only: smart-card and Remote Credential Guard credentials are refused with
 * `SEC_E_UNSUPPORTED_FUNCTION` (errorCode `STATUS_NOT_SUPPORTED`).
 *
 * @module
 */
export { CREDSSP_PACKAGE_INFO, credsspPackage } from "./package.ts";
export type { CredSspAuthData } from "./credentials.ts";
export {
  CredSspDelegatedCredentials,
  type ReceivedCredentials,
  receiveTSCredentials,
  SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
  STATUS_NOT_SUPPORTED,
} from "./delegated.ts";
export {
  CREDSSP_VERSION,
  decodeTSCredentials,
  decodeTSRequest,
  encodeTSCredentials,
  encodeTSRequest,
  TS_CREDTYPE_PASSWORD,
  TS_CREDTYPE_REMOTE_GUARD,
  TS_CREDTYPE_SMARTCARD,
  tsCredentialsType,
  type TSPasswordCreds,
  type TSRequest,
} from "./tsrequest.ts";
