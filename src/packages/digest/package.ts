/**
 * The WDigest security package: `SecPkgInfo`, credentials, and context creation.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import {
  SECPKG_FLAG_ACCEPT_WIN32_NAME,
  SECPKG_FLAG_APPCONTAINER_CHECKS,
  SECPKG_FLAG_IMPERSONATION,
  SECPKG_FLAG_TOKEN_ONLY,
} from "../../sspi/flags.ts";
import type {
  AcquireRequest,
  PackageContext,
  PackageCredential,
  SecPkgInfo,
  SecurityPackage,
} from "../../sspi/package.ts";
import { SEC_E_UNKNOWN_CREDENTIALS } from "../../sspi/status.ts";
import { DigestClientContext } from "./client.ts";
import { DIGEST_MAX_TOKEN } from "./context.ts";
import { DigestCredential } from "./credentials.ts";
import { DigestServerContext } from "./server.ts";

/**
 * WDigest's `SecPkgInfo` as Windows reports it: capabilities TOKEN_ONLY,
 * IMPERSONATION, ACCEPT_WIN32_NAME and APPCONTAINER_CHECKS, RPC id 21
 * (`RPC_C_AUTHN_DIGEST`), `cbMaxToken` 4096.
 */
export const DIGEST_PACKAGE_INFO: SecPkgInfo = Object.freeze({
  fCapabilities: SECPKG_FLAG_TOKEN_ONLY | SECPKG_FLAG_IMPERSONATION |
    SECPKG_FLAG_ACCEPT_WIN32_NAME | SECPKG_FLAG_APPCONTAINER_CHECKS,
  wVersion: 1,
  wRPCID: 21,
  cbMaxToken: DIGEST_MAX_TOKEN,
  Name: "WDigest",
  Comment: "Digest Authentication for Windows",
});

/**
 * The WDigest package object registered with the portable provider.
 *
 * @example
 * ```ts
 * import { digestPackage } from "./package.ts";
 * console.log(digestPackage.info.Name); // "WDigest"
 * ```
 */
export const digestPackage: SecurityPackage = {
  info: DIGEST_PACKAGE_INFO,
  acquireCredentials(req: AcquireRequest): PackageCredential {
    return new DigestCredential(req);
  },
  createContext(
    cred: PackageCredential,
    role: "initiate" | "accept",
  ): PackageContext {
    if (!(cred instanceof DigestCredential)) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "not a WDigest credential",
      );
    }
    return role === "initiate"
      ? new DigestClientContext(DIGEST_PACKAGE_INFO, cred.clientIdentity())
      : new DigestServerContext(DIGEST_PACKAGE_INFO, cred.serverPolicy());
  },
};
