/**
 * The asynchronous SSPI functions of `sspi.h` (`SspiCreateAsyncContext`,
 * `SspiInitializeSecurityContextAsync`, ...). Each `Sspi*Async` call returns `SEC_E_OK`
 * when queued (or the error that kept it from being queued); `SspiGetAsyncCallStatus`
 * then says `SEC_I_ASYNC_CALL_PENDING` until the call ends and its final status after.
 * `SspiWaitForAsyncCall` is the awaitable way to get that final status.
 *
 * @module
 */
import type { SecBufferDesc, TimeStamp, ULongOut } from "./buffers.ts";
import {
  ASC_REQ_DELEGATE,
  ISC_REQ_DELEGATE,
  ISC_REQ_PROMPT_FOR_CREDS,
} from "./flags.ts";
import type { CredHandle, CtxtHandle } from "./handles.ts";
import {
  acquireCore,
  checkAcquireArgs,
  checkHandleArg,
  checkStepArgs,
  deleteContextCore,
  fail,
  freeCredentialsCore,
  type StepArgs,
  stepCore,
} from "./_dispatch.ts";
import {
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_ASYNC_CALL_PENDING,
} from "./status.ts";

/** The notification callback: `(AsyncContext, CallbackData) => void`. */
export type SspiAsyncNotifyCallback = (
  handle: SspiAsyncContext,
  callbackData: unknown,
) => void;

/**
 * An async call context (`SspiAsyncContext*`): carries one call at a time, its status
 * and an optional completion callback. Create with `SspiCreateAsyncContext`.
 */
export class SspiAsyncContext {
  #status = SEC_E_OK;
  #pending: Promise<number> | null = null;
  #freed = false;
  #callback: SspiAsyncNotifyCallback | null = null;
  #callbackData: unknown = null;
  #requiresNotify = false;

  /** @internal */
  get _freed(): boolean {
    return this.#freed;
  }

  /** @internal Refuses or starts a call; returns the queueing status. */
  _start(run: () => number | Promise<number>): number {
    if (this.#freed) {
      return fail(SEC_E_INVALID_HANDLE, "the async context was freed");
    }
    if (this.#pending) {
      return fail(
        SEC_E_INVALID_PARAMETER,
        "the async context is busy with another call",
      );
    }
    if (this.#requiresNotify && !this.#callback) {
      return fail(
        SEC_E_INVALID_PARAMETER,
        "the async context requires a notify callback",
      );
    }
    this.#status = SEC_I_ASYNC_CALL_PENDING;
    const p = Promise.resolve().then(run).then(
      (s) => s >>> 0,
      (e) => fail(SEC_E_INTERNAL_ERROR, String(e)),
    );
    this.#pending = p.then((s) => {
      this.#pending = null;
      this.#status = s;
      if (!this.#freed && this.#callback) {
        const cb = this.#callback;
        try {
          cb(this, this.#callbackData);
        } catch {
          // A throwing callback must not break the provider; the status is kept.
        }
      }
      return s;
    });
    return SEC_E_OK;
  }

  /** @internal */
  _status(): number {
    return this.#freed
      ? fail(SEC_E_INVALID_HANDLE, "the async context was freed")
      : this.#status;
  }

  /** @internal */
  _wait(): Promise<number> {
    if (this.#pending) return this.#pending;
    return Promise.resolve(this._status());
  }

  /** @internal */
  _setCallback(cb: SspiAsyncNotifyCallback, data: unknown): number {
    if (this.#freed) {
      return fail(SEC_E_INVALID_HANDLE, "the async context was freed");
    }
    this.#callback = cb;
    this.#callbackData = data;
    return SEC_E_OK;
  }

  /** @internal */
  _setRequiresNotify(v: boolean): number {
    if (this.#freed) {
      return fail(SEC_E_INVALID_HANDLE, "the async context was freed");
    }
    this.#requiresNotify = v;
    return SEC_E_OK;
  }

  /** @internal */
  _reinit(): number {
    if (this.#freed) {
      return fail(SEC_E_INVALID_HANDLE, "the async context was freed");
    }
    if (this.#pending) {
      return fail(
        SEC_E_INVALID_PARAMETER,
        "cannot reinit while a call is pending",
      );
    }
    this.#status = SEC_E_OK;
    return SEC_E_OK;
  }

  /** @internal */
  _free(): number {
    if (this.#freed) {
      return fail(SEC_E_INVALID_HANDLE, "the async context was already freed");
    }
    this.#freed = true;
    this.#callback = null;
    this.#callbackData = null;
    return SEC_E_OK;
  }
}

function check(ctx: unknown): asserts ctx is SspiAsyncContext {
  if (!(ctx instanceof SspiAsyncContext)) {
    throw new TypeError("AsyncContext must come from SspiCreateAsyncContext");
  }
}

/**
 * Creates an async call context.
 *
 * @example
 * ```ts
 * import { SspiCreateAsyncContext, SspiFreeAsyncContext } from "../../mod.ts";
 * const actx = SspiCreateAsyncContext();
 * // ... SspiInitializeSecurityContextAsync(actx, ...); await SspiWaitForAsyncCall(actx);
 * SspiFreeAsyncContext(actx);
 * ```
 */
export function SspiCreateAsyncContext(): SspiAsyncContext {
  return new SspiAsyncContext();
}

/**
 * Frees an async context. A call still running finishes, but its callback no longer
 * fires and the context can no longer be queried (`SEC_E_INVALID_HANDLE`).
 */
export function SspiFreeAsyncContext(AsyncContext: SspiAsyncContext): number {
  check(AsyncContext);
  return AsyncContext._free();
}

/** Makes a finished async context ready for another call. */
export function SspiReinitAsyncContext(AsyncContext: SspiAsyncContext): number {
  check(AsyncContext);
  return AsyncContext._reinit();
}

/** The status of the context's call: `SEC_I_ASYNC_CALL_PENDING` while it runs. */
export function SspiGetAsyncCallStatus(AsyncContext: SspiAsyncContext): number {
  check(AsyncContext);
  return AsyncContext._status();
}

/** Sets the callback fired once when the context's call ends. */
export function SspiSetAsyncNotifyCallback(
  AsyncContext: SspiAsyncContext,
  Callback: SspiAsyncNotifyCallback,
  CallbackData: unknown,
): number {
  check(AsyncContext);
  if (typeof Callback !== "function") {
    throw new TypeError("Callback must be a function");
  }
  return AsyncContext._setCallback(Callback, CallbackData);
}

/** Says whether calls on this context must have a notify callback set before queueing. */
export function SspiAsyncContextRequiresNotify(
  AsyncContext: SspiAsyncContext,
  RequiresNotify: boolean,
): number {
  check(AsyncContext);
  return AsyncContext._setRequiresNotify(Boolean(RequiresNotify));
}

/**
 * Resolves with the final status of the context's call (what `SspiGetAsyncCallStatus`
 * returns once it ends).
 *
 * @example
 * ```ts
 * import { SspiCreateAsyncContext, SspiWaitForAsyncCall } from "../../mod.ts";
 * const actx = SspiCreateAsyncContext();
 * const status = await SspiWaitForAsyncCall(actx);
 * ```
 */
export function SspiWaitForAsyncCall(
  AsyncContext: SspiAsyncContext,
): Promise<number> {
  check(AsyncContext);
  return AsyncContext._wait();
}

/** Queues `AcquireCredentialsHandle`. */
export function SspiAcquireCredentialsHandleAsync(
  AsyncContext: SspiAsyncContext,
  pszPrincipal: string | null,
  pszPackage: string,
  fCredentialUse: number,
  _pvLogonId: null,
  pAuthData: unknown,
  _pGetKeyFn: null,
  _pvGetKeyArgument: null,
  phCredential: CredHandle,
  ptsExpiry?: TimeStamp | null,
): number {
  check(AsyncContext);
  const a = {
    principal: pszPrincipal,
    packageName: pszPackage,
    use: fCredentialUse,
    authData: pAuthData,
    out: phCredential,
    expiry: ptsExpiry,
  };
  checkAcquireArgs(a);
  return AsyncContext._start(() => acquireCore(a, true));
}

function stepAsync(
  ctx: SspiAsyncContext,
  a: StepArgs,
  invalid: number,
): number {
  check(ctx);
  checkStepArgs(a);
  return ctx._start(() => {
    if ((a.flags >>> 0) & invalid) {
      return fail(
        SEC_E_UNSUPPORTED_FUNCTION,
        "fContextReq has a flag the async form does not allow (DELEGATE or PROMPT_FOR_CREDS)",
      );
    }
    return stepCore(a, true);
  });
}

/**
 * Queues `InitializeSecurityContext`. As the `sspi.h` page says, `ISC_REQ_DELEGATE` and
 * `ISC_REQ_PROMPT_FOR_CREDS` end the call with `SEC_E_UNSUPPORTED_FUNCTION`.
 *
 * @example
 * ```ts
 * import {
 *   SspiCreateAsyncContext, SspiInitializeSecurityContextAsync, SspiWaitForAsyncCall,
 *   CtxtHandle, SecBuffer, SecBufferDesc, SECBUFFER_TOKEN, ISC_REQ_ALLOCATE_MEMORY,
 *   SECURITY_NATIVE_DREP, type CredHandle,
 * } from "../../mod.ts";
 * declare const cred: CredHandle;
 * const actx = SspiCreateAsyncContext();
 * const ctx = new CtxtHandle();
 * const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
 * SspiInitializeSecurityContextAsync(actx, cred, null, "HTTP/web", ISC_REQ_ALLOCATE_MEMORY, 0,
 *   SECURITY_NATIVE_DREP, null, 0, ctx, out, { value: 0 }, null);
 * const status = await SspiWaitForAsyncCall(actx);
 * ```
 */
export function SspiInitializeSecurityContextAsync(
  AsyncContext: SspiAsyncContext,
  phCredential: CredHandle | null,
  phContext: CtxtHandle | null,
  pszTargetName: string | null,
  fContextReq: number,
  _Reserved1: number,
  TargetDataRep: number,
  pInput: SecBufferDesc | null,
  _Reserved2: number,
  phNewContext: CtxtHandle | null,
  pOutput: SecBufferDesc | null,
  pfContextAttr: ULongOut | null,
  ptsExpiry?: TimeStamp | null,
): number {
  return stepAsync(AsyncContext, {
    role: "initiate",
    cred: phCredential,
    ctx: phContext,
    target: pszTargetName,
    flags: fContextReq,
    dataRep: TargetDataRep,
    input: pInput,
    newCtx: phNewContext,
    output: pOutput,
    attrs: pfContextAttr,
    expiry: ptsExpiry,
  }, ISC_REQ_DELEGATE | ISC_REQ_PROMPT_FOR_CREDS);
}

/** Queues `AcceptSecurityContext` (`ASC_REQ_DELEGATE` ends it with `SEC_E_UNSUPPORTED_FUNCTION`). */
export function SspiAcceptSecurityContextAsync(
  AsyncContext: SspiAsyncContext,
  phCredential: CredHandle | null,
  phContext: CtxtHandle | null,
  pInput: SecBufferDesc | null,
  fContextReq: number,
  TargetDataRep: number,
  phNewContext: CtxtHandle | null,
  pOutput: SecBufferDesc | null,
  pfContextAttr: ULongOut | null,
  ptsExpiry?: TimeStamp | null,
): number {
  return stepAsync(AsyncContext, {
    role: "accept",
    cred: phCredential,
    ctx: phContext,
    target: null,
    flags: fContextReq,
    dataRep: TargetDataRep,
    input: pInput,
    newCtx: phNewContext,
    output: pOutput,
    attrs: pfContextAttr,
    expiry: ptsExpiry,
  }, ASC_REQ_DELEGATE);
}

/** Queues `FreeCredentialsHandle`. */
export function SspiFreeCredentialsHandleAsync(
  AsyncContext: SspiAsyncContext,
  phCredential: CredHandle,
): number {
  check(AsyncContext);
  checkHandleArg("phCredential", phCredential, false);
  return AsyncContext._start(() => freeCredentialsCore(phCredential));
}

/** Queues `DeleteSecurityContext`. */
export function SspiDeleteSecurityContextAsync(
  AsyncContext: SspiAsyncContext,
  phContext: CtxtHandle,
): number {
  check(AsyncContext);
  checkHandleArg("phContext", phContext, false);
  return AsyncContext._start(() => deleteContextCore(phContext));
}
