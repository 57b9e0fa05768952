/**
 * `SCHANNEL_CRED` marshalling for `AcquireCredentialsHandleW(..., "Schannel", ...)`: the
 * portable `SchannelAuthData` fields that have a place in the Win32 structure
 * (`dwFlags`, `grbitEnabledProtocols`) plus the structure's other numbers, with
 * `dwVersion = SCHANNEL_CRED_VERSION` (4) and no certificates.
 *
 * Layout on 64-bit targets (80 bytes, `schannel.h`): `dwVersion` @0, `cCreds` @4,
 * `paCred*` @8, `hRootStore` @16, `cMappers` @24, `aphMappers*` @32, `cSupportedAlgs`
 * @40, `palgSupportedAlgs*` @48, `grbitEnabledProtocols` @56,
 * `dwMinimumCipherStrength` @60, `dwMaximumCipherStrength` @64, `dwSessionLifespan`
 * @68, `dwFlags` @72, `dwCredFormat` @76.
 *
 * Certificates, roots, CRLs, ALPN, groups and suites of the portable shape would need
 * `CERT_CONTEXT`s and stores from crypt32 (or, for ALPN, a
 * `SECBUFFER_APPLICATION_PROTOCOLS` input buffer): they are refused with a `TypeError`
 * that names the fields, never their values, rather than dropped silently.
 *
 * @module
 */
import type { SchannelAuthData } from "../packages/schannel/credentials.ts";
import type { Arena } from "./_memory.ts";
import { view } from "./_memory.ts";

/** `SCHANNEL_CRED_VERSION`. */
export const SCHANNEL_CRED_VERSION = 4;

/** Size of `SCHANNEL_CRED` on 64-bit targets. */
export const SCHANNEL_CRED_SIZE = 80;

/** Byte offsets of the `SCHANNEL_CRED` fields the provider writes. */
export const SCHANNEL_CRED_OFFSETS = {
  dwVersion: 0,
  cCreds: 4,
  paCred: 8,
  hRootStore: 16,
  grbitEnabledProtocols: 56,
  dwMinimumCipherStrength: 60,
  dwMaximumCipherStrength: 64,
  dwSessionLifespan: 68,
  dwFlags: 72,
  dwCredFormat: 76,
} as const;

/**
 * What the native provider passes to a native Schannel: the numeric fields of
 * `SCHANNEL_CRED`. `dwFlags` and `grbitEnabledProtocols` mean what they mean in the
 * portable `SchannelAuthData`.
 */
export interface NativeSchannelCred
  extends Pick<SchannelAuthData, "dwFlags" | "grbitEnabledProtocols"> {
  /** Weakest cipher strength in bits (0: the system default). */
  dwMinimumCipherStrength?: number;
  /** Strongest cipher strength in bits (0: the system default). */
  dwMaximumCipherStrength?: number;
  /** Session cache lifetime in milliseconds (0: the system default). */
  dwSessionLifespan?: number;
}

const NUMERIC = [
  "dwFlags",
  "grbitEnabledProtocols",
  "dwMinimumCipherStrength",
  "dwMaximumCipherStrength",
  "dwSessionLifespan",
] as const;

/** Names Windows gives the Schannel package (`SecPkgInfo.Name` and the long name). */
const SCHANNEL_NAMES = new Set([
  "schannel",
  "microsoft unified security protocol provider",
]);

/** True when `pkg` names the Schannel package (case-insensitive, as Windows). */
export function isSchannelPackage(pkg: string): boolean {
  return SCHANNEL_NAMES.has(pkg.toLowerCase());
}

/**
 * Builds a `SCHANNEL_CRED` for `pAuthData` (null stays null: the package's defaults).
 * Throws `TypeError` for anything that is not an object, a field that is not a 32-bit
 * unsigned integer, or portable fields that have no place in `SCHANNEL_CRED`.
 */
export function schannelCredIn(
  arena: Arena,
  auth: unknown,
): Uint8Array | null {
  if (auth === null || auth === undefined) return null;
  if (typeof auth !== "object" || Array.isArray(auth)) {
    throw new TypeError(
      "pAuthData for Schannel must be { dwFlags, grbitEnabledProtocols } or null " +
        "for the native provider",
    );
  }
  const a = auth as Record<string, unknown>;
  const known: readonly string[] = NUMERIC;
  const unmapped = Object.keys(a).filter((k) =>
    a[k] !== undefined && !known.includes(k)
  );
  if (unmapped.length) {
    throw new TypeError(
      `the native provider cannot pass ${
        unmapped.join(", ")
      } in SCHANNEL_CRED ` +
        "(certificates need crypt32 CERT_CONTEXTs); pass only dwFlags, " +
        "grbitEnabledProtocols and the cipher strength and lifespan numbers",
    );
  }
  const b = arena.bytes(SCHANNEL_CRED_SIZE);
  const v = view(b);
  v.setUint32(SCHANNEL_CRED_OFFSETS.dwVersion, SCHANNEL_CRED_VERSION, true);
  for (const k of NUMERIC) {
    const x = a[k];
    if (x === undefined || x === null) continue;
    if (
      typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 0xffffffff
    ) {
      throw new TypeError(`pAuthData.${k} must be a 32-bit unsigned integer`);
    }
    v.setUint32(SCHANNEL_CRED_OFFSETS[k], x, true);
  }
  return b;
}
