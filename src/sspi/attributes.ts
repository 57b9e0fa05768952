/**
 * The structures `QueryContextAttributes` and `QueryCredentialsAttributes` return,
 * named and shaped after their `SecPkgContext_*` C structures.
 *
 * @module
 */
import type { SecPkgInfo } from "./package.ts";

/** `SecPkgContext_Sizes` (`SECPKG_ATTR_SIZES`). */
export interface SecPkgContext_Sizes {
  /** Largest token. */
  cbMaxToken: number;
  /** Largest signature (`MakeSignature` output). */
  cbMaxSignature: number;
  /** Cipher block size, 1 for stream ciphers. */
  cbBlockSize: number;
  /** Size of the `SECBUFFER_TOKEN` trailer `EncryptMessage` writes. */
  cbSecurityTrailer: number;
}

/** `SecPkgContext_Names` (`SECPKG_ATTR_NAMES`): the client's name, `DOMAIN\user`. */
export interface SecPkgContext_Names {
  /** The user name. */
  sUserName: string;
}

/** `SecPkgContext_NativeNames` (`SECPKG_ATTR_NATIVE_NAMES`). */
export interface SecPkgContext_NativeNames {
  /** The client's name. */
  sClientName: string;
  /** The server's (target) name. */
  sServerName: string;
}

/**
 * `SecPkgContext_ClientSpecifiedTarget` (`SECPKG_ATTR_CLIENT_SPECIFIED_TARGET`), on a
 * server context: the SPN the client said it was authenticating to.
 */
export interface SecPkgContext_ClientSpecifiedTarget {
  /** The SPN, e.g. `HTTP/web.contoso.com`. */
  sTargetName: string;
}

/** `SecPkgContext_SessionKey` (`SECPKG_ATTR_SESSION_KEY`). */
export interface SecPkgContext_SessionKey {
  /** Length of the key in bytes. */
  SessionKeyLength: number;
  /** A copy of the key. */
  SessionKey: Uint8Array;
}

/** `SecPkgContext_PackageInfo` (`SECPKG_ATTR_PACKAGE_INFO`). */
export interface SecPkgContext_PackageInfo {
  /** The package of the context. */
  PackageInfo: SecPkgInfo;
}

/** `SecPkgContext_NegotiationInfo` (`SECPKG_ATTR_NEGOTIATION_INFO`). */
export interface SecPkgContext_NegotiationInfo {
  /** The package chosen. */
  PackageInfo: SecPkgInfo;
  /** `SECPKG_NEGOTIATION_*`. */
  NegotiationState: number;
}

/** `SecPkgContext_Lifespan` (`SECPKG_ATTR_LIFESPAN`), in `FILETIME` ticks. */
export interface SecPkgContext_Lifespan {
  /** Start. */
  tsStart: bigint;
  /** Expiry. */
  tsExpiry: bigint;
}

/** `SecPkgContext_Flags` (`SECPKG_ATTR_FLAGS`): the `ISC_RET_*`/`ASC_RET_*` flags. */
export interface SecPkgContext_Flags {
  /** The flags. */
  Flags: number;
}

/** `SecPkgCredentials_Names` (`SECPKG_CRED_ATTR_NAMES`). */
export interface SecPkgCredentials_Names {
  /** The credential's user, `DOMAIN\user`. */
  sUserName: string;
}
