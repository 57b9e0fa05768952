/**
 * The CREDSSP security package: `SecPkgInfo`, credentials and contexts.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import {
  SECPKG_FLAG_CONNECTION,
  SECPKG_FLAG_DELEGATION,
  SECPKG_FLAG_INTEGRITY,
  SECPKG_FLAG_MUTUAL_AUTH,
  SECPKG_FLAG_PRIVACY,
  SECPKG_FLAG_STREAM,
} from "../../sspi/flags.ts";
import type {
  AcquireRequest,
  PackageContext,
  PackageCredential,
  SecPkgInfo,
  SecurityPackage,
} from "../../sspi/package.ts";
import { SEC_E_UNKNOWN_CREDENTIALS } from "../../sspi/status.ts";
import { negotiatePackage } from "../negotiate/mod.ts";
import { ntlmPackage } from "../ntlm/mod.ts";
import { kerberosPackage } from "../kerberos/mod.ts";
import { schannelPackage } from "../schannel/mod.ts";
import { CredSspContext } from "./context.ts";
import { acquireCredSsp, CredSspCredential } from "./credentials.ts";

/** CREDSSP's `SecPkgInfo` (as Windows lists "CREDSSP": RPC id 0xffff, 90 KiB tokens). */
export const CREDSSP_PACKAGE_INFO: SecPkgInfo = Object.freeze({
  fCapabilities: SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY |
    SECPKG_FLAG_CONNECTION |
    SECPKG_FLAG_MUTUAL_AUTH | SECPKG_FLAG_DELEGATION | SECPKG_FLAG_STREAM,
  wVersion: 1,
  wRPCID: 0xffff,
  cbMaxToken: 90567,
  Name: "CREDSSP",
  Comment: "Microsoft CredSSP Security Provider (portable)",
});

/**
 * The CREDSSP package object registered with the portable provider.
 *
 * @example
 * ```ts
 * import { credsspPackage } from "./package.ts";
 * console.log(credsspPackage.info.Name); // "CREDSSP"
 * ```
 */
export const credsspPackage: SecurityPackage = {
  info: CREDSSP_PACKAGE_INFO,
  acquireCredentials(
    req: AcquireRequest,
  ): PackageCredential | Promise<PackageCredential> {
    return acquireCredSsp(req, schannelPackage, {
      negotiate: negotiatePackage,
      ntlm: ntlmPackage,
      kerberos: kerberosPackage,
    });
  },
  createContext(
    cred: PackageCredential,
    role: "initiate" | "accept",
  ): PackageContext {
    if (!(cred instanceof CredSspCredential)) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "not a CREDSSP credential",
      );
    }
    return new CredSspContext(cred, role);
  },
};
