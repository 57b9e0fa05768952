/**
 * The portable provider's attribute functions: `QueryContextAttributes`,
 * `SetContextAttributes`, `QueryCredentialsAttributes` and `SetCredentialsAttributes`
 * (re-exported by `api.ts`).
 *
 * @module
 */
import type { AttributeOut } from "./buffers.ts";
import { SECPKG_ATTR_PACKAGE_INFO } from "./flags.ts";
import type { CredHandle, CtxtHandle } from "./handles.ts";
import {
  checkHandleArg,
  checkSetAttributeArgs,
  fail,
  liveContext,
  liveCredential,
  settle,
} from "./_dispatch.ts";
import { SEC_E_OK, SEC_E_UNSUPPORTED_FUNCTION } from "./status.ts";

/**
 * Reads an attribute of a context (`SECPKG_ATTR_SIZES`, `NAMES`, `SESSION_KEY`...) into
 * `pBuffer.value`.
 *
 * @example
 * ```ts
 * import { QueryContextAttributes, SECPKG_ATTR_SIZES, type CtxtHandle, type SecPkgContext_Sizes } from "../../mod.ts";
 * declare const ctx: CtxtHandle;
 * const sizes: { value?: SecPkgContext_Sizes } = {};
 * QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, sizes);
 * ```
 */
export function QueryContextAttributes(
  phContext: CtxtHandle,
  ulAttribute: number,
  pBuffer: AttributeOut,
): number {
  checkHandleArg("phContext", phContext, false);
  if (!pBuffer || typeof pBuffer !== "object") {
    throw new TypeError("pBuffer must be an object");
  }
  const e = liveContext(phContext);
  if (typeof e === "number") return e;
  return settle(() => e.ctx.queryAttribute(ulAttribute >>> 0), (r) => {
    if (r.status === SEC_E_OK) pBuffer.value = r.value;
    else if (ulAttribute === SECPKG_ATTR_PACKAGE_INFO) {
      // Every context answers this one: by default with the package it was made by.
      // A package may name another (Negotiate names its chosen one once established).
      pBuffer.value = { PackageInfo: { ...e.pkg.info } };
      return SEC_E_OK;
    }
    return r.status === SEC_E_OK
      ? SEC_E_OK
      : fail(r.status, `attribute ${ulAttribute} is not available`);
  }, false) as number;
}

/**
 * Sets an attribute of a context: `pBuffer` is the structure (a JavaScript object
 * shaped like it), `cbBuffer` its size in C, not checked here. Only Schannel
 * sets any (`SECPKG_ATTR_KEYING_MATERIAL_INFO`); other packages return
 * `SEC_E_UNSUPPORTED_FUNCTION`, as Windows does.
 *
 * @example
 * ```ts
 * import { SetContextAttributes, SECPKG_ATTR_KEYING_MATERIAL_INFO, type CtxtHandle } from "../../mod.ts";
 * declare const ctx: CtxtHandle; // after the first InitializeSecurityContext call
 * SetContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL_INFO, {
 *   cbLabel: 25,
 *   pszLabel: "EXPORTER-Channel-Binding",
 *   cbContextValue: 0,
 *   pbContextValue: null,
 *   cbKeyingMaterial: 32,
 * });
 * ```
 */
export function SetContextAttributes(
  phContext: CtxtHandle,
  ulAttribute: number,
  pBuffer: unknown,
  cbBuffer = 0,
): number {
  checkSetAttributeArgs(phContext, pBuffer, cbBuffer);
  const e = liveContext(phContext);
  if (typeof e === "number") return e;
  if (!e.ctx.setAttribute) {
    return fail(
      SEC_E_UNSUPPORTED_FUNCTION,
      `${e.pkg.info.Name} sets no context attributes`,
    );
  }
  const set = e.ctx.setAttribute.bind(e.ctx);
  return settle(
    () => set(ulAttribute >>> 0, pBuffer),
    (s) =>
      s === SEC_E_OK
        ? SEC_E_OK
        : fail(s, `attribute ${ulAttribute} was not set`),
    false,
  ) as number;
}

/** Reads an attribute of a credential (`SECPKG_CRED_ATTR_NAMES`) into `pBuffer.value`. */
export function QueryCredentialsAttributes(
  phCredential: CredHandle,
  ulAttribute: number,
  pBuffer: AttributeOut,
): number {
  checkHandleArg("phCredential", phCredential, false);
  if (!pBuffer || typeof pBuffer !== "object") {
    throw new TypeError("pBuffer must be an object");
  }
  const e = liveCredential(phCredential);
  if (typeof e === "number") return e;
  if (!e.cred.queryAttribute) {
    return fail(SEC_E_UNSUPPORTED_FUNCTION, "no credential attributes");
  }
  const query = e.cred.queryAttribute.bind(e.cred);
  return settle(() => query(ulAttribute >>> 0), (r) => {
    if (r.status === SEC_E_OK) pBuffer.value = r.value;
    return r.status === SEC_E_OK
      ? SEC_E_OK
      : fail(r.status, `attribute ${ulAttribute} is not available`);
  }, false) as number;
}

/**
 * Sets an attribute of a credential for every context made with it from then on:
 * `SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS` (a `SecPkgCredentials_KdcProxySettings`) on
 * a Kerberos or Negotiate credential; `SECPKG_ATTR_SUPPORTED_PROTOCOLS`,
 * `SECPKG_ATTR_CIPHER_STRENGTHS` and `SECPKG_ATTR_SUPPORTED_ALGS` on a Schannel
 * one (see `src/packages/schannel/credential_attributes.ts`).
 * `SEC_E_UNSUPPORTED_FUNCTION` for an attribute
 * the credential's package does not set, `SEC_E_INVALID_PARAMETER` for a value it
 * refuses; `cbBuffer` is Win32's size of the structure and is not needed here.
 *
 * @example
 * ```ts
 * import {
 *   type CredHandle,
 *   KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY,
 *   KDC_PROXY_SETTINGS_V1,
 *   SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
 *   SetCredentialsAttributes,
 * } from "../../mod.ts";
 * declare const cred: CredHandle; // acquired for "Kerberos" or "Negotiate"
 * SetCredentialsAttributes(cred, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, {
 *   Version: KDC_PROXY_SETTINGS_V1,
 *   Flags: KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY,
 *   ProxyServer: "gateway.example.com", // https://gateway.example.com:443/KdcProxy
 * });
 * ```
 */
export function SetCredentialsAttributes(
  phCredential: CredHandle,
  ulAttribute: number,
  pBuffer: unknown,
  cbBuffer = 0,
): number {
  checkSetAttributeArgs(phCredential, pBuffer, cbBuffer, "phCredential");
  const e = liveCredential(phCredential);
  if (typeof e === "number") return e;
  if (!e.cred.setAttribute) {
    return fail(
      SEC_E_UNSUPPORTED_FUNCTION,
      `${e.pkg.info.Name} sets no credential attributes`,
    );
  }
  const set = e.cred.setAttribute.bind(e.cred);
  return settle(
    () => set(ulAttribute >>> 0, pBuffer),
    (s) =>
      s === SEC_E_OK
        ? SEC_E_OK
        : fail(s, `${e.pkg.info.Name} does not set attribute ${ulAttribute}`),
    false,
  ) as number;
}
