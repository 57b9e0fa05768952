/**
 * Wrappers over the `Sspi*Async` handshake calls the async tests repeat.
 *
 * @module
 */
import {
  CredHandle,
  SEC_E_OK,
  type SecBufferDesc,
  SECPKG_CRED_BOTH,
  SspiAcceptSecurityContextAsync,
  SspiAcquireCredentialsHandleAsync,
  type SspiAsyncContext,
  SspiInitializeSecurityContextAsync,
  SspiReinitAsyncContext,
  SspiWaitForAsyncCall,
  type TimeStamp,
  type ULongOut,
} from "../../mod.ts";
import assert from "node:assert/strict";
import { registerScripted, type Script, tick } from "./scripted_package.ts";
import {
  acquire,
  acquireParams,
  ascParams,
  iscParams,
  type StepArgs,
  stepOuts,
} from "./_helpers.ts";

/** Waits for an async call and reinitialises its context for the next one. */
export async function finish(actx: SspiAsyncContext): Promise<number> {
  const s = await SspiWaitForAsyncCall(actx);
  assert.equal(SspiReinitAsyncContext(actx), SEC_E_OK);
  return s;
}

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

/** Tokens and an expiry the scripted async tests use. */
export const T1 = new Uint8Array([1, 1, 1]);
/** The second scripted token. */
export const T2 = new Uint8Array([2, 2, 2, 2]);
/** The third scripted token. */
export const T3 = new Uint8Array([3]);
/** The expiry the scripted package reports. */
export const EXPIRY = 0x01da_0000_0000_0000n;

/** Registers the scripted package with `script` and acquires a credential of it. */
export function setup(
  script: Script,
): { pkg: ReturnType<typeof registerScripted>; cred: CredHandle } {
  const pkg = registerScripted(script);
  const { status, cred } = acquire("Scripted", SECPKG_CRED_BOTH);
  assert.equal(status, SEC_E_OK);
  return { pkg, cred };
}

/** Waits a few macrotasks so every ready microtask and timer has run. */
export async function settle(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}
