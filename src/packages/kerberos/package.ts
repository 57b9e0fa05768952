/**
 * The Kerberos security package: `SecPkgInfo` (Windows' values), credentials and
 * context creation. Outbound credentials hold a user's password and ticket cache, or
 * (with no `pAuthData`) the tickets of the user's MIT credential cache; inbound ones
 * the service keys of a keytab. Without a KDC for the user's realm, or
 * without a keytab, acquiring fails with `SEC_E_NO_CREDENTIALS`, so Negotiate goes on
 * with NTLM alone.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import {
  SECPKG_FLAG_ACCEPT_WIN32_NAME,
  SECPKG_FLAG_CONNECTION,
  SECPKG_FLAG_DATAGRAM,
  SECPKG_FLAG_EXTENDED_ERROR,
  SECPKG_FLAG_GSS_COMPATIBLE,
  SECPKG_FLAG_IMPERSONATION,
  SECPKG_FLAG_INTEGRITY,
  SECPKG_FLAG_LOGON,
  SECPKG_FLAG_MUTUAL_AUTH,
  SECPKG_FLAG_NEGOTIABLE,
  SECPKG_FLAG_PRIVACY,
  SECPKG_FLAG_READONLY_WITH_CHECKSUM,
} from "../../sspi/flags.ts";
import type {
  ChangePasswordRequest,
  PackageContext,
  PackageCredential,
  SecPkgInfo,
  SecurityPackage,
} from "../../sspi/package.ts";
import { SEC_E_NO_CREDENTIALS } from "../../sspi/status.ts";
import { SECPKG_CRED_OUTBOUND } from "../../sspi/flags.ts";
import { KerberosClientContext } from "./client.ts";
import { KERBEROS_MAX_TOKEN } from "./context.ts";
import { KerberosImportedContext } from "./imported.ts";
import { changePassword, type ChangePasswordOptions } from "./kpasswd.ts";
import { encodeDomainPasswordInformation } from "../../sspi/password.ts";
import { KerberosCredential } from "./credentials.ts";
import { acquireKerberosCredential } from "./credentials_acquire.ts";
import {
  acquireKerberosServerCredential,
  KerberosServerCredential,
} from "./server_credentials.ts";
import { KerberosServerContext } from "./server.ts";

/** Kerberos' `SecPkgInfo`: RPC id 16 (`RPC_C_AUTHN_GSS_KERBEROS`), `cbMaxToken` 48000. */
export const KERBEROS_PACKAGE_INFO: SecPkgInfo = Object.freeze({
  fCapabilities: SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY |
    SECPKG_FLAG_CONNECTION | SECPKG_FLAG_DATAGRAM | SECPKG_FLAG_EXTENDED_ERROR |
    SECPKG_FLAG_IMPERSONATION | SECPKG_FLAG_ACCEPT_WIN32_NAME |
    SECPKG_FLAG_NEGOTIABLE | SECPKG_FLAG_GSS_COMPATIBLE | SECPKG_FLAG_LOGON |
    SECPKG_FLAG_MUTUAL_AUTH | SECPKG_FLAG_READONLY_WITH_CHECKSUM,
  wVersion: 1,
  wRPCID: 16,
  cbMaxToken: KERBEROS_MAX_TOKEN,
  Name: "Kerberos",
  Comment: "Microsoft Kerberos V1.0",
});

/**
 * The Kerberos package. Outbound `pAuthData` is `{ User, Domain, Password }` (the
 * realm is `Domain` upper-cased, or the part after `@` in `User`), plus `Kdc` (the
 * realm's KDCs; default: `krb5.conf`) or `KdcTransport`. Without `User` and
 * `Password` (`pAuthData` null), the credential is the default principal of the
 * user's `FILE:` credential cache (`KRB5CCNAME`, else `/tmp/krb5cc_<uid>`) with its
 * TGT and service tickets, as `kinit` left them. Inbound it is `{ Keytab }`
 * (a path or the file's bytes; default `KRB5_KTNAME`), and `pszPrincipal` may name
 * the one service principal to accept for. The first context for a
 * target needs the KDC, so it runs through `SspiInitializeSecurityContextAsync`; the
 * tickets it gets stay in the credential, and later contexts for the same target also
 * work through the synchronous `InitializeSecurityContext`.
 *
 * Delegation: with `ISC_REQ_DELEGATE` (or `Delegate: true` in `pAuthData`, since the
 * async form refuses that flag) and a forwardable TGT, the client gets a forwarded
 * TGT (once per credential, through the async form) and sends it in the AP-REQ;
 * `ISC_RET_DELEGATE` says it went. Otherwise the context goes on without it. The
 * acceptor answers `ASC_RET_DELEGATE` and hands the TGT out through
 * `SECPKG_ATTR_KERBEROS_DELEGATED_TGT`; `{ DelegatedFrom: thatValue, Kdc }` as
 * outbound `pAuthData` acquires a credential acting as the client.
 *
 * @example
 * ```ts ignore
 * import { AcquireCredentialsHandle, CredHandle, SECPKG_CRED_OUTBOUND } from "../../../mod.ts";
 * const cred = new CredHandle();
 * AcquireCredentialsHandle(null, "Kerberos", SECPKG_CRED_OUTBOUND, null, {
 *   User: "alice", Domain: "EXAMPLE.COM", Password: "secret", Kdc: "kdc.example.com",
 * }, null, null, cred, null);
 * // then SspiInitializeSecurityContextAsync(...) with target "HTTP/web.example.com"
 * ```
 */
export const kerberosPackage: SecurityPackage = {
  info: KERBEROS_PACKAGE_INFO,
  acquireCredentials: (req) =>
    req.use & SECPKG_CRED_OUTBOUND
      ? acquireKerberosCredential(req)
      : acquireKerberosServerCredential(req),
  /**
   * `ImportSecurityContext`: an established client or acceptor context from
   * `ExportSecurityContext` bytes (`SEC_E_INVALID_TOKEN` when they are not one).
   */
  importContext: (token: Uint8Array): PackageContext =>
    new KerberosImportedContext(KERBEROS_PACKAGE_INFO, token),
  /**
   * `ChangeAccountPassword` through kpasswd (RFC 3244); `options` are
   * `ChangePasswordOptions` (`Kdc`, `Kpasswd`, `KdcTransport`, `KdcTimeoutMs`).
   */
  async changePassword(req: ChangePasswordRequest) {
    const r = await changePassword(
      req.domain,
      req.account,
      req.oldPassword,
      req.newPassword,
      (req.options ?? {}) as ChangePasswordOptions,
    );
    return {
      status: r.status,
      message: r.message,
      response: r.policy && encodeDomainPasswordInformation(r.policy),
    };
  },
  createContext(
    cred: PackageCredential,
    role: "initiate" | "accept",
  ): PackageContext {
    if (role === "initiate" && cred instanceof KerberosCredential) {
      return new KerberosClientContext(KERBEROS_PACKAGE_INFO, cred);
    }
    if (role === "accept" && cred instanceof KerberosServerCredential) {
      return new KerberosServerContext(KERBEROS_PACKAGE_INFO, cred);
    }
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      role === "initiate"
        ? "an inbound Kerberos credential cannot initiate"
        : "an outbound Kerberos credential cannot accept",
    );
  },
};
