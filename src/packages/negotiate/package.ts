/**
 * The Negotiate security package (SPNEGO, RFC 4178 / MS-SPNG): `SecPkgInfo`,
 * credentials, and context creation.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import type {
  AcquireRequest,
  ChangePasswordReply,
  ChangePasswordRequest,
  PackageContext,
  PackageCredential,
  SecPkgInfo,
  SecurityPackage,
} from "../../sspi/package.ts";
import {
  SEC_E_UNKNOWN_CREDENTIALS,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { findPackage } from "../../sspi/registry.ts";
import { NegotiateClientContext } from "./client.ts";
import { NEGOTIATE_MAX_TOKEN } from "./constants.ts";
import {
  acquireNegotiateCredential,
  NegotiateCredential,
} from "./credentials.ts";
import { NegotiateImportedContext } from "./imported.ts";
import { NegotiateServerContext } from "./server.ts";

/**
 * Negotiate's `SecPkgInfo`, as Windows reports it: RPC id 9, `cbMaxToken` 48256,
 * capabilities 0x00083bb3 (integrity, privacy, connection, multi-required, extended
 * error, impersonation, Win32 names, negotiable, GSS-compatible, logon, restricted
 * tokens).
 */
export const NEGOTIATE_PACKAGE_INFO: SecPkgInfo = Object.freeze({
  fCapabilities: 0x00083bb3,
  wVersion: 1,
  wRPCID: 9,
  cbMaxToken: NEGOTIATE_MAX_TOKEN,
  Name: "Negotiate",
  Comment: "Microsoft Package Negotiator",
});

/**
 * The Negotiate package object registered with the portable provider. It reaches its
 * inner packages (Kerberos when registered, NTLM) only through the registry.
 *
 * @example
 * ```ts
 * import { negotiatePackage } from "./package.ts";
 * console.log(negotiatePackage.info.wRPCID); // 9
 * ```
 */
export const negotiatePackage: SecurityPackage = {
  info: NEGOTIATE_PACKAGE_INFO,
  acquireCredentials(
    req: AcquireRequest,
  ): PackageCredential | Promise<PackageCredential> {
    return acquireNegotiateCredential(req);
  },
  importContext(token: Uint8Array): PackageContext {
    return new NegotiateImportedContext(NEGOTIATE_PACKAGE_INFO, token);
  },
  /** `ChangeAccountPassword`: Kerberos's, as Windows' Negotiate does for a domain. */
  changePassword(req: ChangePasswordRequest): Promise<ChangePasswordReply> {
    const k = findPackage("Kerberos");
    return k?.changePassword ? k.changePassword(req) : Promise.resolve({
      status: SEC_E_UNSUPPORTED_FUNCTION,
      message:
        "Negotiate changes passwords through Kerberos, which is not registered",
    });
  },
  createContext(
    cred: PackageCredential,
    role: "initiate" | "accept",
  ): PackageContext {
    if (!(cred instanceof NegotiateCredential)) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "not a Negotiate credential",
      );
    }
    return role === "initiate"
      ? new NegotiateClientContext(NEGOTIATE_PACKAGE_INFO, cred, role)
      : new NegotiateServerContext(NEGOTIATE_PACKAGE_INFO, cred, role);
  },
};
