/**
 * Wrappers over the `Sspi*Async` handshake calls the async tests repeat.
 *
 * @module
 */
import {
  CredHandle,
  type CtxtHandle,
  type SecBufferDesc,
  SECPKG_CRED_BOTH,
  SECURITY_NATIVE_DREP,
  SspiAcceptSecurityContextAsync,
  SspiAcquireCredentialsHandleAsync,
  type SspiAsyncContext,
  SspiInitializeSecurityContextAsync,
  type TimeStamp,
  type ULongOut,
} from "../../mod.ts";
import { tokenDesc } from "./_helpers.ts";

/** A queued handshake call: its queueing status and out-parameters. */
export interface QueuedStep {
  queued: number;
  out: SecBufferDesc;
  attrs: ULongOut;
  expiry: TimeStamp;
}

/** Queues SspiInitializeSecurityContextAsync. */
export function iscAsync(
  actx: SspiAsyncContext,
  cred: CredHandle | null,
  ctx: CtxtHandle | null,
  newCtx: CtxtHandle | null,
  flags: number,
  input: SecBufferDesc | null = null,
  out: SecBufferDesc = tokenDesc(),
): QueuedStep {
  const attrs = { value: 0 };
  const expiry = { value: 0n };
  const queued = SspiInitializeSecurityContextAsync(
    actx,
    cred,
    ctx,
    "host/test",
    flags,
    0,
    SECURITY_NATIVE_DREP,
    input,
    0,
    newCtx,
    out,
    attrs,
    expiry,
  );
  return { queued, out, attrs, expiry };
}

/** Queues SspiAcceptSecurityContextAsync. */
export function ascAsync(
  actx: SspiAsyncContext,
  cred: CredHandle | null,
  ctx: CtxtHandle | null,
  newCtx: CtxtHandle | null,
  flags: number,
  input: SecBufferDesc | null = null,
  out: SecBufferDesc = tokenDesc(),
): QueuedStep {
  const attrs = { value: 0 };
  const expiry = { value: 0n };
  const queued = SspiAcceptSecurityContextAsync(
    actx,
    cred,
    ctx,
    input,
    flags,
    SECURITY_NATIVE_DREP,
    newCtx,
    out,
    attrs,
    expiry,
  );
  return { queued, out, attrs, expiry };
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
    null,
    pkg,
    use,
    null,
    authData,
    null,
    null,
    cred,
    expiry,
  );
  return { queued, cred, expiry };
}
