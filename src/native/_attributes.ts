/**
 * `QueryContextAttributesW`/`QueryCredentialsAttributesW` results: the C structures read
 * into the shapes of `src/sspi/attributes.ts`. Strings and keys the library allocated
 * inside a structure are copied, then released with `FreeContextBuffer`. And the
 * other way, for `SetContextAttributesW`: Schannel's `SecPkgContext_KeyingMaterialInfo`
 * written into an `Arena`.
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
import type {
  SecPkgContext_KeyingMaterial,
  SecPkgContext_KeyingMaterialInfo,
} from "../packages/schannel/attributes_extra.ts";
import {
  SECPKG_ATTR_KEYING_MATERIAL,
  SECPKG_ATTR_KEYING_MATERIAL_INFO,
} from "../packages/schannel/constants.ts";
import {
  addr,
  type Arena,
  ptr,
  readBytes,
  readWString,
  view,
  writeAddr,
} from "./_memory.ts";
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
  SECPKG_ATTR_KEYING_MATERIAL,
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
  | SecPkgContext_KeyingMaterial
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
    case SECPKG_ATTR_KEYING_MATERIAL: {
      // DWORD cbKeyingMaterial; (4 bytes of padding) PBYTE pbKeyingMaterial.
      const len = u32(0);
      const a = p(8);
      const km = readBytes(a, len);
      if (a !== 0n) free(a);
      return { cbKeyingMaterial: km.length, pbKeyingMaterial: km };
    }
  }
  throw new RangeError(`attribute ${attribute} is not decoded`);
}

/**
 * Offsets of `SecPkgContext_KeyingMaterialInfo` (schannel.h) on 64-bit targets:
 * `WORD cbLabel; LPSTR pszLabel; WORD cbContextValue; PBYTE pbContextValue;
 * DWORD cbKeyingMaterial;`, each pointer aligned to 8 (Windows' Schannel allocates
 * 0x28 bytes for its copy).
 */
export const KEYING_MATERIAL_INFO_OFFSETS = {
  cbLabel: 0,
  pszLabel: 8,
  cbContextValue: 16,
  pbContextValue: 24,
  cbKeyingMaterial: 32,
} as const;

/** `sizeof(SecPkgContext_KeyingMaterialInfo)` on 64-bit targets. */
export const KEYING_MATERIAL_INFO_SIZE = 40;

/** The context attributes the native provider sets (`SetContextAttributesW`). */
export const SETTABLE_CONTEXT_ATTRIBUTES: ReadonlySet<number> = new Set([
  SECPKG_ATTR_KEYING_MATERIAL_INFO,
]);

const WORD_MAX = 0xffff;
const isCount = (n: unknown, max: number): n is number =>
  typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= max;

/**
 * Marshals the structure of a settable `attribute` (`SETTABLE_CONTEXT_ATTRIBUTES`)
 * into `arena`: the block to pass as `pBuffer` (its length is `cbBuffer`), or null when
 * `value` cannot be laid out (the caller answers `SEC_E_INVALID_PARAMETER`). Every
 * pointer inside points into `arena`.
 */
export function contextAttributeIn(
  arena: Arena,
  attribute: number,
  value: unknown,
): Uint8Array | null {
  if (attribute !== SECPKG_ATTR_KEYING_MATERIAL_INFO) {
    throw new RangeError(`attribute ${attribute} is not marshalled`);
  }
  return keyingMaterialInfoIn(arena, value);
}

/**
 * `SecPkgContext_KeyingMaterialInfo` from the portable shape: the label as a
 * NUL-terminated string (a trailing NUL in `pszLabel` is not doubled), `cbLabel` its
 * length with the NUL unless the caller gave its length without it; the context value
 * copied (`pbContextValue` NULL when `cbContextValue` is 0). Null when a field is
 * missing, out of its C type's range, or claims more bytes than it holds (the library
 * would read past them).
 */
export function keyingMaterialInfoIn(
  arena: Arena,
  value: unknown,
): Uint8Array | null {
  if (!value || typeof value !== "object") return null;
  const i = value as Partial<SecPkgContext_KeyingMaterialInfo>;
  if (typeof i.pszLabel !== "string") return null;
  const text = i.pszLabel.endsWith("\0") ? i.pszLabel.slice(0, -1) : i.pszLabel;
  if (text.includes("\0")) return null;
  const label = arena.cstr(text);
  const n = label.length - 1;
  const cbLabel = i.cbLabel ?? n + 1;
  if (cbLabel !== n + 1 && cbLabel !== n) return null;
  if (!isCount(cbLabel, WORD_MAX)) return null;
  const pb = i.pbContextValue ?? null;
  if (pb !== null && !(pb instanceof Uint8Array)) return null;
  const cbContext = i.cbContextValue ?? pb?.length ?? 0;
  if (!isCount(cbContext, Math.min(WORD_MAX, pb?.length ?? 0))) return null;
  if (!isCount(i.cbKeyingMaterial, 0xffffffff)) return null;
  const b = arena.bytes(KEYING_MATERIAL_INFO_SIZE);
  const v = view(b);
  const o = KEYING_MATERIAL_INFO_OFFSETS;
  v.setUint16(o.cbLabel, cbLabel, true);
  writeAddr(b, o.pszLabel, addr(ptr(label)));
  v.setUint16(o.cbContextValue, cbContext, true);
  if (cbContext > 0) {
    const ctx = arena.copy(pb!.subarray(0, cbContext));
    writeAddr(b, o.pbContextValue, addr(ptr(ctx)));
  }
  v.setUint32(o.cbKeyingMaterial, i.cbKeyingMaterial, true);
  return b;
}
