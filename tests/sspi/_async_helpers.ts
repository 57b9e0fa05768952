/**
 * Wrappers over the `Sspi*Async` handshake calls the async tests repeat.
 *
 * @module
 */
import {
  CredHandle,
  type SecBufferDesc,
  SECPKG_CRED_BOTH,
  SspiAcceptSecurityContextAsync,
  SspiAcquireCredentialsHandleAsync,
  type SspiAsyncContext,
  SspiInitializeSecurityContextAsync,
  type TimeStamp,
  type ULongOut,
} from "../../mod.ts";
import {
  acquireParams,
  ascParams,
  iscParams,
  type StepArgs,
  stepOuts,
} from "./_helpers.ts";

/** A queued handshake call: its queueing status and out-parameters. */
export interface QueuedStep {
  queued: number;
  out: SecBufferDesc;
  attrs: ULongOut;
  expiry: TimeStamp;
}

/** Queues SspiInitializeSecurityContextAsync (the arguments of `isc`). */
export function iscAsync(actx: SspiAsyncContext, ...a: StepArgs): QueuedStep {
  const o = stepOuts(a[5]);
  const queued = SspiInitializeSecurityContextAsync(actx, ...iscParams(a, o));
  return { queued, ...o };
}

/** Queues SspiAcceptSecurityContextAsync (the arguments of `asc`). */
export function ascAsync(actx: SspiAsyncContext, ...a: StepArgs): QueuedStep {
  const o = stepOuts(a[5]);
  const queued = SspiAcceptSecurityContextAsync(actx, ...ascParams(a, o));
  return { queued, ...o };
}

/** Queues SspiAcquireCredentialsHandleAsync. */
export function acquireAsync(
  actx: SspiAsyncContext,
  pkg: string,
  use: number = SECPKG_CRED_BOTH,
  authData: unknown = null,
): { queued: number; cred: CredHandle; expiry: TimeStamp } {
  const cred = new CredHandle();
  const expiry = { value: 0n };
  const queued = SspiAcquireCredentialsHandleAsync(
    actx,
    ...acquireParams(pkg, use, authData, cred, expiry),
  );
  return { queued, cred, expiry };
}
