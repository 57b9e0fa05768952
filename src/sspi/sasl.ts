/**
 * Windows' SASL functions (`sspi.h`): `SaslInitializeSecurityContext` and
 * `SaslAcceptSecurityContext` wrap the handshake calls and, for the "GSSAPI" profile
 * (Kerberos), run the security-layer negotiation of RFC 4752 after it; the profile
 * list, package lookup and per-context options complete the set. "GSS-SPNEGO"
 * (Negotiate) and "DIGEST-MD5" (WDigest) pass through to their package.
 *
 * The `...Async` forms are portable extensions in the manner of
 * `SspiInitializeSecurityContextAsync`: Windows has no asynchronous SASL calls, and
 * a Kerberos client without a service ticket must reach its KDC.
 *
 * @module
 */
import { contexts, fail, type StepArgs, syncOnly } from "./_dispatch.ts";
import {
  ascArgs,
  type AscParams,
  iscArgs,
  type IscParams,
} from "./_step_args.ts";
import { saslStep } from "./_sasl_step.ts";
import {
  Sasl_AuthZIDForbidden,
  Sasl_AuthZIDProcessed,
  SASL_OPTION_AUTHZ_PROCESSING,
  SASL_OPTION_AUTHZ_STRING,
  SASL_OPTION_RECV_SIZE,
  SASL_OPTION_SEND_SIZE,
  SASL_PROFILES,
  saslStateOf,
} from "./_sasl_state.ts";
import { identifyProfile } from "./_sasl_identify.ts";
import { SspiAsyncContext } from "./async.ts";
import type { AttributeOut, SecBufferDesc, ULongOut } from "./buffers.ts";
import type { CtxtHandle } from "./handles.ts";
import type { SecPkgInfo } from "./package.ts";
import { findPackage } from "./registry.ts";
import {
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "./status.ts";

export {
  Sasl_AuthZIDForbidden,
  Sasl_AuthZIDProcessed,
  SASL_OPTION_AUTHZ_PROCESSING,
  SASL_OPTION_AUTHZ_STRING,
  SASL_OPTION_RECV_SIZE,
  SASL_OPTION_SEND_SIZE,
};

/**
 * `InitializeSecurityContext` for a SASL client. With a Kerberos credential ("GSSAPI"):
 * once the context is up it returns `SEC_I_CONTINUE_NEEDED` (send the output token,
 * empty after a mutual-authentication reply); the next call takes the server's
 * security-layer offer and returns `SEC_E_OK` with the wrapped choice to send. The
 * layer is confidentiality when `ISC_REQ_CONFIDENTIALITY` is asked for, integrity (or
 * better) for `ISC_REQ_INTEGRITY`, otherwise the weakest offered;
 * `SEC_E_ALGORITHM_MISMATCH` when the server offers nothing that meets the request.
 * Set `SASL_OPTION_AUTHZ_STRING` on the context before that call to send an
 * authorization identity.
 *
 * @example
 * ```ts ignore
 * import {
 *   CtxtHandle, ISC_REQ_ALLOCATE_MEMORY, ISC_REQ_CONFIDENTIALITY, SaslInitializeSecurityContext,
 *   SecBuffer, SECBUFFER_TOKEN, SecBufferDesc, SECURITY_NATIVE_DREP, type CredHandle,
 * } from "../../mod.ts";
 * declare const kerberosCred: CredHandle; // with a ticket for ldap/dc.example.com
 * const ctx = new CtxtHandle();
 * const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
 * const status = SaslInitializeSecurityContext(kerberosCred, null, "ldap/dc.example.com",
 *   ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY, 0, SECURITY_NATIVE_DREP, null, 0,
 *   ctx, out, { value: 0 }, null);
 * // send out.pBuffers[0] in a SASL "GSSAPI" bind; call again with each server token
 * ```
 */
export function SaslInitializeSecurityContext(...p: IscParams): number {
  return syncOnly(saslStep(iscArgs(p), false));
}

/**
 * `AcceptSecurityContext` for a SASL server. With a Kerberos credential ("GSSAPI"):
 * once the context is up it returns `SEC_I_CONTINUE_NEEDED` with the last Kerberos
 * token, then (after the client's empty answer) with the wrapped security-layer offer;
 * the client's choice ends it with `SEC_E_OK`. The offer is every layer, or with
 * `ASC_REQ_INTEGRITY` integrity and confidentiality, or with `ASC_REQ_CONFIDENTIALITY`
 * confidentiality only; its size is `SASL_OPTION_RECV_SIZE`.
 *
 * @example
 * ```ts ignore
 * import {
 *   ASC_REQ_ALLOCATE_MEMORY, CtxtHandle, SaslAcceptSecurityContext, SecBuffer,
 *   SECBUFFER_TOKEN, SecBufferDesc, SECURITY_NATIVE_DREP, type CredHandle,
 * } from "../../mod.ts";
 * declare const serverCred: CredHandle; // Kerberos, with a keytab
 * declare const clientToken: Uint8Array;
 * const ctx = new CtxtHandle();
 * const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
 * const status = SaslAcceptSecurityContext(serverCred, null,
 *   new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, clientToken)]),
 *   ASC_REQ_ALLOCATE_MEMORY, SECURITY_NATIVE_DREP, ctx, out, { value: 0 }, null);
 * ```
 */
export function SaslAcceptSecurityContext(...p: AscParams): number {
  return syncOnly(saslStep(ascArgs(p), false));
}

function queued(ctx: SspiAsyncContext, a: StepArgs): number {
  if (!(ctx instanceof SspiAsyncContext)) {
    throw new TypeError("AsyncContext must come from SspiCreateAsyncContext");
  }
  return ctx._start(() => saslStep(a, true));
}

/**
 * Queues `SaslInitializeSecurityContext` on an async context (a portable extension:
 * the Kerberos client may reach its KDC). The status comes from
 * `SspiGetAsyncCallStatus`/`SspiWaitForAsyncCall`.
 */
export function SaslInitializeSecurityContextAsync(
  AsyncContext: SspiAsyncContext,
  ...p: IscParams
): number {
  return queued(AsyncContext, iscArgs(p));
}

/** Queues `SaslAcceptSecurityContext` on an async context (a portable extension). */
export function SaslAcceptSecurityContextAsync(
  AsyncContext: SspiAsyncContext,
  ...p: AscParams
): number {
  return queued(AsyncContext, ascArgs(p));
}

/**
 * The SASL profiles of the registered packages: `GSSAPI` (Kerberos), `GSS-SPNEGO`
 * (Negotiate), `DIGEST-MD5` (WDigest).
 *
 * @example
 * ```ts
 * import { SaslEnumerateProfiles } from "../../mod.ts";
 * const list: { value?: string[] } = {};
 * const count = { value: 0 };
 * SaslEnumerateProfiles(list, count); // list.value: ["GSSAPI", "GSS-SPNEGO", "DIGEST-MD5"]
 * ```
 */
export function SaslEnumerateProfiles(
  ProfileList: AttributeOut<string[]>,
  ProfileCount: ULongOut,
): number {
  if (!ProfileList || !ProfileCount) {
    throw new TypeError("ProfileList and ProfileCount are required");
  }
  const names = SASL_PROFILES.filter(([, pkg]) => findPackage(pkg)).map((
    [p],
  ) => p);
  ProfileList.value = names;
  ProfileCount.value = names.length;
  return SEC_E_OK;
}

function packageInfo(
  pkg: string,
  out: AttributeOut<SecPkgInfo>,
): number {
  const p = findPackage(pkg);
  if (!p) {
    return fail(SEC_E_SECPKG_NOT_FOUND, `the ${pkg} package is not registered`);
  }
  out.value = { ...p.info };
  return SEC_E_OK;
}

/** The package behind a SASL profile name (case-insensitive), as `SecPkgInfo`. */
export function SaslGetProfilePackage(
  ProfileName: string,
  PackageInfo: AttributeOut<SecPkgInfo>,
): number {
  if (typeof ProfileName !== "string") {
    throw new TypeError("ProfileName must be a string");
  }
  if (!PackageInfo) throw new TypeError("PackageInfo is required");
  const p = SASL_PROFILES.find(([n]) =>
    n.toLowerCase() === ProfileName.toLowerCase()
  );
  if (!p) {
    return fail(SEC_E_SECPKG_NOT_FOUND, `no SASL profile "${ProfileName}"`);
  }
  return packageInfo(p[1], PackageInfo);
}

/**
 * The package a client's first SASL token belongs to: a GSS-API token with the
 * Kerberos OID is Kerberos, with SPNEGO's (or a raw NTLMSSP message) Negotiate, a
 * DIGEST-MD5 response WDigest; `SEC_E_SECPKG_NOT_FOUND` for anything else.
 */
export function SaslIdentifyPackage(
  pInput: SecBufferDesc | null,
  PackageInfo: AttributeOut<SecPkgInfo>,
): number {
  if (!PackageInfo) throw new TypeError("PackageInfo is required");
  const pkg = identifyProfile(pInput);
  if (typeof pkg === "number") return pkg;
  return packageInfo(pkg, PackageInfo);
}

/**
 * Reads a SASL context's option: `SASL_OPTION_SEND_SIZE`, `SASL_OPTION_RECV_SIZE`,
 * `SASL_OPTION_AUTHZ_PROCESSING` (numbers, `Size` at least 4) or
 * `SASL_OPTION_AUTHZ_STRING` (bytes; `SEC_E_BUFFER_TOO_SMALL` with `Needed` when
 * `Size` is less than its length). `SEC_E_INVALID_HANDLE` for a context that did not
 * come from the SASL calls.
 */
export function SaslGetContextOption(
  ContextHandle: CtxtHandle,
  Option: number,
  Value: AttributeOut<number | Uint8Array>,
  Size: number,
  Needed?: ULongOut | null,
): number {
  if (!Value) throw new TypeError("Value is required");
  const s = saslStateOf(ContextHandle);
  if (!s) return fail(SEC_E_INVALID_HANDLE, "not a SASL context");
  const need = (n: number) => {
    if (Needed) Needed.value = n;
    return fail(SEC_E_BUFFER_TOO_SMALL, `the option needs ${n} bytes`);
  };
  switch (Option) {
    case SASL_OPTION_SEND_SIZE:
    case SASL_OPTION_RECV_SIZE:
    case SASL_OPTION_AUTHZ_PROCESSING:
      if (Size < 4) return need(4);
      Value.value = Option === SASL_OPTION_SEND_SIZE
        ? s.sendSize
        : Option === SASL_OPTION_RECV_SIZE
        ? s.recvSize
        : s.authzProcessing;
      return SEC_E_OK;
    case SASL_OPTION_AUTHZ_STRING: {
      if (s.authzProcessing === Sasl_AuthZIDForbidden) {
        return fail(
          SEC_E_UNSUPPORTED_FUNCTION,
          "SASL_OPTION_AUTHZ_PROCESSING is Sasl_AuthZIDForbidden",
        );
      }
      const v = s.authz ?? new Uint8Array(0);
      if (Size < v.length) return need(v.length);
      Value.value = v.slice();
      return SEC_E_OK;
    }
    default:
      return fail(SEC_E_UNSUPPORTED_FUNCTION, `no SASL option ${Option}`);
  }
}

/**
 * Sets a SASL context's option: the sizes and `SASL_OPTION_AUTHZ_PROCESSING` take a
 * number, `SASL_OPTION_AUTHZ_STRING` bytes or a string (sent UTF-8), of which the
 * first `Size` bytes are taken. Sizes go on the wire in three bytes: larger values
 * are `SEC_E_INVALID_PARAMETER`.
 */
export function SaslSetContextOption(
  ContextHandle: CtxtHandle,
  Option: number,
  Value: number | Uint8Array | string,
  Size: number,
): number {
  const s = saslStateOf(ContextHandle);
  if (!s || !contexts.get(ContextHandle)) {
    return fail(SEC_E_INVALID_HANDLE, "not a SASL context");
  }
  switch (Option) {
    case SASL_OPTION_SEND_SIZE:
    case SASL_OPTION_RECV_SIZE:
    case SASL_OPTION_AUTHZ_PROCESSING: {
      if (Size < 4) {
        return fail(SEC_E_BUFFER_TOO_SMALL, "the option is a 4-byte ULONG");
      }
      if (typeof Value !== "number" || !Number.isInteger(Value) || Value < 0) {
        throw new TypeError("Value must be a non-negative integer");
      }
      if (Option === SASL_OPTION_AUTHZ_PROCESSING) {
        if (
          Value !== Sasl_AuthZIDForbidden && Value !== Sasl_AuthZIDProcessed
        ) {
          return fail(SEC_E_INVALID_PARAMETER, "not a SASL_AUTHZID_STATE");
        }
        s.authzProcessing = Value;
      } else if (Value > 0xffffff) {
        return fail(
          SEC_E_INVALID_PARAMETER,
          "a SASL message size is at most 0xFFFFFF (three bytes)",
        );
      } else if (Option === SASL_OPTION_SEND_SIZE) s.sendSize = Value;
      else s.recvSize = Value;
      return SEC_E_OK;
    }
    case SASL_OPTION_AUTHZ_STRING: {
      if (s.authzProcessing === Sasl_AuthZIDForbidden) {
        return fail(
          SEC_E_UNSUPPORTED_FUNCTION,
          "SASL_OPTION_AUTHZ_PROCESSING is Sasl_AuthZIDForbidden",
        );
      }
      const bytes = typeof Value === "string"
        ? new TextEncoder().encode(Value)
        : Value;
      if (!(bytes instanceof Uint8Array)) {
        throw new TypeError("Value must be bytes or a string");
      }
      s.authz = bytes.slice(0, Math.max(0, Math.min(Size, bytes.length)));
      return SEC_E_OK;
    }
    default:
      return fail(SEC_E_UNSUPPORTED_FUNCTION, `no SASL option ${Option}`);
  }
}
