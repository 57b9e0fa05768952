/**
 * `SetCredentialsAttributesW` for the native provider: the credential attributes it
 * marshals, `SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS` (a self-relative
 * `SecPkgCredentials_KdcProxySettingsW`: the 16-byte header, then the UTF-16
 * strings its offsets name), and the call itself.
 *
 * @module
 */
import type { SecPkgCredentials_KdcProxySettings } from "../sspi/attributes.ts";
import { checkSetAttributeArgs } from "../sspi/_dispatch.ts";
import { SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS } from "../sspi/flags.ts";
import type { CredHandle } from "../sspi/handles.ts";
import {
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../sspi/status.ts";
import type { NativeCalls } from "./_calls.ts";
import { handleIn } from "./_handles.ts";
import { Arena, ptr, view } from "./_memory.ts";

/** The credential attributes the native provider sets (`SetCredentialsAttributesW`). */
export const SETTABLE_CREDENTIAL_ATTRIBUTES: ReadonlySet<number> = new Set([
  SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
]);

/** `sizeof(SecPkgCredentials_KdcProxySettingsW)`: two ULONGs, four USHORTs. */
export const KDC_PROXY_SETTINGS_SIZE = 16;

const isU32 = (n: unknown): n is number =>
  typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
const optionalText = (s: unknown): s is string | null | undefined =>
  s === undefined || s === null || typeof s === "string";

/**
 * `SecPkgCredentials_KdcProxySettingsW` from the portable shape, in `arena`: the
 * header, then `ProxyServer` and `ClientTlsCred` as UTF-16LE without a NUL, their
 * offsets from the structure's start and their lengths in bytes (0 and 0 when
 * absent or empty). Null when a field is missing or out of its C type's range
 * (the caller answers `SEC_E_INVALID_PARAMETER`). `Fetch` is the portable
 * provider's: the library reaches the proxy its own way.
 */
export function kdcProxySettingsIn(
  arena: Arena,
  value: unknown,
): Uint8Array | null {
  if (!value || typeof value !== "object") return null;
  const v = value as Partial<SecPkgCredentials_KdcProxySettings>;
  if (!isU32(v.Version) || !isU32(v.Flags ?? 0)) return null;
  if (!optionalText(v.ProxyServer) || !optionalText(v.ClientTlsCred)) {
    return null;
  }
  const server = v.ProxyServer ?? "";
  const tls = v.ClientTlsCred ?? "";
  const size = KDC_PROXY_SETTINGS_SIZE + 2 * (server.length + tls.length);
  if (size > 0xffff) return null;
  const b = arena.bytes(size);
  const d = view(b);
  d.setUint32(0, v.Version, true);
  d.setUint32(4, v.Flags ?? 0, true);
  let at = KDC_PROXY_SETTINGS_SIZE;
  const put = (s: string, field: number) => {
    if (s === "") return;
    d.setUint16(field, at, true);
    d.setUint16(field + 2, s.length * 2, true);
    for (let i = 0; i < s.length; i++, at += 2) {
      d.setUint16(at, s.charCodeAt(i), true);
    }
  };
  put(server, 8);
  put(tls, 12);
  return b;
}

/**
 * `SetCredentialsAttributesW` through `calls` for the attributes of
 * {@link SETTABLE_CREDENTIAL_ATTRIBUTES}; any other, or a library without the
 * export (WinPR 2), is `SEC_E_UNSUPPORTED_FUNCTION` without a library call, and a
 * value that cannot be laid out `SEC_E_INVALID_PARAMETER`. The library gets the
 * size of the structure marshalled, whatever `cbBuffer` says.
 */
export function setCredentialsAttributes(
  calls: NativeCalls,
  phCredential: CredHandle,
  ulAttribute: number,
  pBuffer: unknown,
  cbBuffer = 0,
): number {
  checkSetAttributeArgs(phCredential, pBuffer, cbBuffer, "phCredential");
  if (!calls.creds.get(phCredential)) return SEC_E_INVALID_HANDLE;
  const attr = ulAttribute >>> 0;
  const f = calls.sym.SetCredentialsAttributesW;
  if (!SETTABLE_CREDENTIAL_ATTRIBUTES.has(attr) || !f) {
    return SEC_E_UNSUPPORTED_FUNCTION;
  }
  const arena = new Arena();
  const b = kdcProxySettingsIn(arena, pBuffer);
  const s = b
    ? f(ptr(handleIn(arena, phCredential)), attr, ptr(b), b.length) >>> 0
    : SEC_E_INVALID_PARAMETER;
  arena.release();
  return s;
}
