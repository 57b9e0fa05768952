/**
 * `QueryContextAttributesW`/`QueryCredentialsAttributesW` results: the C structures read
 * into the shapes of `src/sspi/attributes.ts`. Strings and keys the library allocated
 * inside a structure are copied, then released with `FreeContextBuffer`.
 *
 * @module
 */
import type {
  SecPkgContext_ClientSpecifiedTarget,
  SecPkgContext_Flags,
  SecPkgContext_Lifespan,
  SecPkgContext_Names,
  SecPkgContext_NativeNames,
  SecPkgContext_NegotiationInfo,
  SecPkgContext_PackageInfo,
  SecPkgContext_SessionKey,
  SecPkgContext_Sizes,
  SecPkgCredentials_Names,
} from "../sspi/attributes.ts";
import {
  SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
  SECPKG_ATTR_FLAGS,
  SECPKG_ATTR_LIFESPAN,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NATIVE_NAMES,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_PACKAGE_INFO,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
  SECPKG_ATTR_STREAM_SIZES,
  SECPKG_CRED_ATTR_NAMES,
} from "../sspi/flags.ts";
import { readBytes, readWString, view } from "./_memory.ts";
import { readPackageInfo } from "./_package_info.ts";

/** Bytes reserved for an attribute structure (the largest decoded one is 20). */
export const ATTRIBUTE_BUFFER_SIZE = 64;

/** `SecPkgContext_StreamSizes` (`SECPKG_ATTR_STREAM_SIZES`). */
export interface SecPkgContext_StreamSizes {
  /** Header size. */
  cbHeader: number;
  /** Trailer size. */
  cbTrailer: number;
  /** Largest message. */
  cbMaximumMessage: number;
  /** Number of buffers. */
  cBuffers: number;
  /** Block size. */
  cbBlockSize: number;
}

/** The context attributes the native provider decodes. */
export const CONTEXT_ATTRIBUTES: ReadonlySet<number> = new Set([
  SECPKG_ATTR_SIZES,
  SECPKG_ATTR_STREAM_SIZES,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NATIVE_NAMES,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_PACKAGE_INFO,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_LIFESPAN,
  SECPKG_ATTR_FLAGS,
  SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
]);

/** The credential attributes the native provider decodes. */
export const CREDENTIAL_ATTRIBUTES: ReadonlySet<number> = new Set([
  SECPKG_CRED_ATTR_NAMES,
]);

/** A decoded attribute. */
export type ContextAttribute =
  | SecPkgContext_Sizes
  | SecPkgContext_StreamSizes
  | SecPkgContext_Names
  | SecPkgContext_NativeNames
  | SecPkgContext_SessionKey
  | SecPkgContext_PackageInfo
  | SecPkgContext_NegotiationInfo
  | SecPkgContext_Lifespan
  | SecPkgContext_Flags
  | SecPkgContext_ClientSpecifiedTarget
  | SecPkgCredentials_Names;

/**
 * Decodes the structure the library wrote into `b` for `attribute`, calling `free` on
 * every pointer the library allocated inside it.
 */
export function readContextAttribute(
  attribute: number,
  b: Uint8Array,
  free: (a: bigint) => void,
): ContextAttribute {
  const v = view(b);
  const u32 = (o: number) => v.getUint32(o, true);
  const p = (o: number) => v.getBigUint64(o, true);
  const str = (o: number): string => {
    const a = p(o);
    const s = readWString(a);
    if (a !== 0n) free(a);
    return s;
  };
  switch (attribute) {
    case SECPKG_ATTR_SIZES:
      return {
        cbMaxToken: u32(0),
        cbMaxSignature: u32(4),
        cbBlockSize: u32(8),
        cbSecurityTrailer: u32(12),
      };
    case SECPKG_ATTR_STREAM_SIZES:
      return {
        cbHeader: u32(0),
        cbTrailer: u32(4),
        cbMaximumMessage: u32(8),
        cBuffers: u32(12),
        cbBlockSize: u32(16),
      };
    case SECPKG_ATTR_NAMES:
      return { sUserName: str(0) };
    case SECPKG_CRED_ATTR_NAMES:
      return { sUserName: str(0) };
    case SECPKG_ATTR_NATIVE_NAMES:
      return { sClientName: str(0), sServerName: str(8) };
    case SECPKG_ATTR_SESSION_KEY: {
      const len = u32(0);
      const a = p(8);
      const key = readBytes(a, len);
      if (a !== 0n) free(a);
      return { SessionKeyLength: len, SessionKey: key };
    }
    case SECPKG_ATTR_PACKAGE_INFO: {
      const a = p(0);
      const info = readPackageInfo(a);
      if (a !== 0n) free(a);
      return { PackageInfo: info };
    }
    case SECPKG_ATTR_NEGOTIATION_INFO: {
      const a = p(0);
      const info = readPackageInfo(a);
      if (a !== 0n) free(a);
      return { PackageInfo: info, NegotiationState: u32(8) };
    }
    case SECPKG_ATTR_LIFESPAN:
      return {
        tsStart: v.getBigInt64(0, true),
        tsExpiry: v.getBigInt64(8, true),
      };
    case SECPKG_ATTR_FLAGS:
      return { Flags: u32(0) };
    case SECPKG_ATTR_CLIENT_SPECIFIED_TARGET:
      return { sTargetName: str(0) };
  }
  throw new RangeError(`attribute ${attribute} is not decoded`);
}
