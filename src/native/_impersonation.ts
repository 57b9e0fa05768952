/**
 * The native provider's impersonation calls: `ImpersonateSecurityContext` and
 * `RevertSecurityContext` go to the library (on Windows the calling thread takes
 * on, then drops, the client's identity); `QuerySecurityContextToken` is not
 * forwarded, since the kernel token handle it gives has no JavaScript shape here.
 *
 * @module
 */
import { checkHandleArg } from "../sspi/_dispatch.ts";
import type { CtxtHandle } from "../sspi/handles.ts";
import {
  SEC_E_INVALID_HANDLE,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../sspi/status.ts";
import type { NativeCalls } from "./_calls.ts";
import { handleIn } from "./_handles.ts";
import { Arena, ptr } from "./_memory.ts";

/**
 * `ImpersonateSecurityContext` or `RevertSecurityContext` through `calls`: the
 * library's status; `SEC_E_INVALID_HANDLE` for a handle this provider did not
 * make, `SEC_E_UNSUPPORTED_FUNCTION` when the library lacks the export.
 */
export function impersonation(
  calls: NativeCalls,
  which: "ImpersonateSecurityContext" | "RevertSecurityContext",
  phContext: CtxtHandle,
): number {
  checkHandleArg("phContext", phContext, false);
  if (!calls.ctxs.get(phContext)) return SEC_E_INVALID_HANDLE;
  const f = calls.sym[which];
  if (!f) return SEC_E_UNSUPPORTED_FUNCTION;
  const arena = new Arena();
  const s = f(ptr(handleIn(arena, phContext))) >>> 0;
  arena.release();
  return s;
}

/**
 * `QuerySecurityContextToken`: checks the arguments, then `SEC_E_INVALID_HANDLE`
 * for a handle this provider did not make and `SEC_E_UNSUPPORTED_FUNCTION` for
 * one it did (the library is not called).
 */
export function queryContextToken(
  calls: NativeCalls,
  phContext: CtxtHandle,
  Token: unknown,
): number {
  checkHandleArg("phContext", phContext, false);
  if (!Token || typeof Token !== "object") {
    throw new TypeError("Token must be an object");
  }
  return calls.ctxs.get(phContext)
    ? SEC_E_UNSUPPORTED_FUNCTION
    : SEC_E_INVALID_HANDLE;
}
