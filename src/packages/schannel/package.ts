/**
 * The Schannel security package (TLS 1.3): `SecPkgInfo`, credentials and contexts.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import {
  SECPKG_FLAG_CONNECTION,
  SECPKG_FLAG_EXTENDED_ERROR,
  SECPKG_FLAG_IMPERSONATION,
  SECPKG_FLAG_INTEGRITY,
  SECPKG_FLAG_MULTI_REQUIRED,
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
import { SchannelContext } from "./context.ts";
import { SchannelCredential } from "./credentials.ts";

/** Schannel's `SecPkgInfo` (RPC id 14, `RPC_C_AUTHN_GSS_SCHANNEL`; tokens up to 24 KiB). */
export const SCHANNEL_PACKAGE_INFO: SecPkgInfo = Object.freeze({
  fCapabilities: SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY |
    SECPKG_FLAG_CONNECTION |
    SECPKG_FLAG_MULTI_REQUIRED | SECPKG_FLAG_EXTENDED_ERROR |
    SECPKG_FLAG_IMPERSONATION |
    SECPKG_FLAG_STREAM,
  wVersion: 1,
  wRPCID: 14,
  cbMaxToken: 24576,
  Name: "Schannel",
  Comment: "Schannel Security Package (portable TLS 1.3)",
});

/**
 * The Schannel package object registered with the portable provider.
 *
 * @example
 * ```ts
 * import { schannelPackage } from "./package.ts";
 * console.log(schannelPackage.info.Name); // "Schannel"
 * ```
 */
export const schannelPackage: SecurityPackage = {
  info: SCHANNEL_PACKAGE_INFO,
  acquireCredentials(req: AcquireRequest): PackageCredential {
    return new SchannelCredential(req);
  },
  createContext(
    cred: PackageCredential,
    role: "initiate" | "accept",
  ): PackageContext {
    if (!(cred instanceof SchannelCredential)) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "not a Schannel credential",
      );
    }
    return new SchannelContext(cred, role);
  },
};

/**
 * The same package under Windows' other name for it, `UNISP_NAME`
 * ("Microsoft Unified Security Protocol Provider").
 */
export const UNISP_PACKAGE: SecurityPackage = {
  ...schannelPackage,
  info: Object.freeze({
    ...SCHANNEL_PACKAGE_INFO,
    Name: "Microsoft Unified Security Protocol Provider",
  }),
};
