// The async context object of the Sspi*Async calls: its notify callback, one call at
// a time, reinit and free while a call runs, and SspiAsyncContextRequiresNotify.
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  ISC_REQ_ALLOCATE_MEMORY,
  isFailure,
  SEC_E_INVALID_HANDLE,
  SEC_E_OK,
  SEC_I_ASYNC_CALL_PENDING,
  SEC_I_CONTINUE_NEEDED,
  SspiAsyncContextRequiresNotify,
  SspiCreateAsyncContext,
  SspiDeleteSecurityContextAsync,
  SspiFreeAsyncContext,
  SspiGetAsyncCallStatus,
  SspiReinitAsyncContext,
  SspiSetAsyncNotifyCallback,
  SspiWaitForAsyncCall,
} from "../../mod.ts";
import { isEmptyHandle, tokenDesc } from "./_helpers.ts";
import {
  acquireAsync,
  iscAsync,
  settle,
  setup,
  T1,
  T2,
  T3,
} from "./_async_helpers.ts";
import { gate } from "./scripted_package.ts";

Deno.test("async: the notify callback fires exactly once, with the async context and the data", async () => {
  const g = gate();
  const { cred } = setup({
    initiate: [{ status: SEC_I_CONTINUE_NEEDED, token: T1, gate: g.promise }],
  });
  const actx = SspiCreateAsyncContext();
  const data = { tag: "callback data" };
  const calls: [unknown, unknown, number][] = [];
  assert.equal(
    SspiSetAsyncNotifyCallback(actx, (h, d) => {
      calls.push([h, d, SspiGetAsyncCallStatus(h)]);
    }, data),
    SEC_E_OK,
  );
  const ctx = new CtxtHandle();
  assert.equal(
    iscAsync(actx, cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY).queued,
    SEC_E_OK,
  );
  await settle();
  assert.equal(calls.length, 0, "not before the call ends");
  g.open();
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_I_CONTINUE_NEEDED);
  await settle();
  assert.equal(calls.length, 1);
  assert.equal(calls[0][0], actx);
  assert.equal(calls[0][1], data);
  assert.equal(
    calls[0][2],
    SEC_I_CONTINUE_NEEDED,
    "the final status is visible in the callback",
  );
  // Waiting or querying again does not fire it again.
  await SspiWaitForAsyncCall(actx);
  SspiGetAsyncCallStatus(actx);
  await settle();
  assert.equal(calls.length, 1);
  SspiFreeAsyncContext(actx);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});

Deno.test("async: a throwing notify callback does not break the call", async () => {
  const { cred } = setup({ initiate: [{ status: SEC_E_OK, delayMs: 1 }] });
  const actx = SspiCreateAsyncContext();
  let n = 0;
  SspiSetAsyncNotifyCallback(actx, () => {
    n++;
    throw new Error("callback failure");
  }, null);
  const ctx = new CtxtHandle();
  assert.equal(iscAsync(actx, cred, null, ctx, 0).queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_OK);
  await settle();
  assert.equal(n, 1);
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_E_OK);
  SspiFreeAsyncContext(actx);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});

Deno.test("async: a second call on a busy async context is refused and the first completes", async () => {
  const g = gate();
  const { pkg, cred } = setup({
    initiate: [{ status: SEC_I_CONTINUE_NEEDED, token: T1, gate: g.promise }],
  });
  const actx = SspiCreateAsyncContext();
  let fired = 0;
  SspiSetAsyncNotifyCallback(actx, () => fired++, null);
  const ctx1 = new CtxtHandle();
  const first = iscAsync(actx, cred, null, ctx1, ISC_REQ_ALLOCATE_MEMORY);
  assert.equal(first.queued, SEC_E_OK);
  const ctx2 = new CtxtHandle();
  const second = iscAsync(actx, cred, null, ctx2, ISC_REQ_ALLOCATE_MEMORY);
  assert.notEqual(second.queued, SEC_E_OK);
  assert.ok(isFailure(second.queued));
  // Other kinds of calls are refused too.
  assert.notEqual(acquireAsync(actx, "Scripted").queued, SEC_E_OK);
  assert.notEqual(SspiDeleteSecurityContextAsync(actx, ctx1), SEC_E_OK);
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_I_ASYNC_CALL_PENDING);
  g.open();
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_I_CONTINUE_NEEDED);
  await settle();
  assert.ok(!isEmptyHandle(ctx1));
  assert.ok(isEmptyHandle(ctx2), "the refused call did nothing");
  assert.equal(second.out.pBuffers[0].pvBuffer, null);
  assert.equal(pkg.contexts.length, 1);
  assert.equal(fired, 1);
  SspiFreeAsyncContext(actx);
  DeleteSecurityContext(ctx1);
  FreeCredentialsHandle(cred);
});

Deno.test("async: SspiReinitAsyncContext is refused while pending and allows reuse after", async () => {
  const g = gate();
  const { cred } = setup({
    initiate: [
      { status: SEC_I_CONTINUE_NEEDED, token: T1, gate: g.promise },
      { status: SEC_E_OK, token: T3, delayMs: 1 },
    ],
  });
  const actx = SspiCreateAsyncContext();
  const ctx = new CtxtHandle();
  assert.equal(
    iscAsync(actx, cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY).queued,
    SEC_E_OK,
  );
  const refused = SspiReinitAsyncContext(actx);
  assert.notEqual(refused, SEC_E_OK);
  assert.ok(isFailure(refused));
  assert.equal(
    SspiGetAsyncCallStatus(actx),
    SEC_I_ASYNC_CALL_PENDING,
    "still pending",
  );
  g.open();
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_I_CONTINUE_NEEDED);
  assert.equal(SspiReinitAsyncContext(actx), SEC_E_OK);
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_E_OK, "reset by reinit");
  const q = iscAsync(
    actx,
    null,
    ctx,
    ctx,
    ISC_REQ_ALLOCATE_MEMORY,
    tokenDesc(T2),
  );
  assert.equal(q.queued, SEC_E_OK);
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_I_ASYNC_CALL_PENDING);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_OK);
  assert.deepEqual(q.out.pBuffers[0].pvBuffer, T3);
  SspiFreeAsyncContext(actx);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});

Deno.test("async: SspiFreeAsyncContext while a call runs: it finishes quietly, the context is dead", async () => {
  const g = gate();
  const { pkg, cred } = setup({
    initiate: [{ status: SEC_I_CONTINUE_NEEDED, token: T1, gate: g.promise }],
  });
  const actx = SspiCreateAsyncContext();
  let fired = 0;
  SspiSetAsyncNotifyCallback(actx, () => fired++, "data");
  const ctx = new CtxtHandle();
  const q = iscAsync(actx, cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY);
  assert.equal(q.queued, SEC_E_OK);
  await settle();
  assert.equal(SspiFreeAsyncContext(actx), SEC_E_OK);
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_E_INVALID_HANDLE);
  g.open();
  await settle();
  // The call itself finished: the context exists and the token was written.
  assert.ok(!isEmptyHandle(ctx));
  assert.deepEqual(q.out.pBuffers[0].pvBuffer, T1);
  assert.equal(pkg.lastContext.requests.length, 1);
  assert.equal(fired, 0, "no callback after free");
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_E_INVALID_HANDLE);
  // A freed context cannot be reused, reinitialised or freed again.
  assert.equal(
    iscAsync(actx, cred, null, new CtxtHandle(), 0).queued,
    SEC_E_INVALID_HANDLE,
  );
  assert.equal(SspiReinitAsyncContext(actx), SEC_E_INVALID_HANDLE);
  assert.equal(
    SspiSetAsyncNotifyCallback(actx, () => fired++, null),
    SEC_E_INVALID_HANDLE,
  );
  assert.equal(
    SspiAsyncContextRequiresNotify(actx, true),
    SEC_E_INVALID_HANDLE,
  );
  assert.equal(SspiFreeAsyncContext(actx), SEC_E_INVALID_HANDLE);
  assert.equal(fired, 0);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});

Deno.test("async: SspiFreeAsyncContext while a failing call runs gives no unhandled rejection", async () => {
  const g = gate();
  const { pkg, cred } = setup({
    initiate: [{ throws: new Error("late failure"), gate: g.promise }],
  });
  const actx = SspiCreateAsyncContext();
  let fired = 0;
  SspiSetAsyncNotifyCallback(actx, () => fired++, null);
  const ctx = new CtxtHandle();
  assert.equal(iscAsync(actx, cred, null, ctx, 0).queued, SEC_E_OK);
  await settle();
  SspiFreeAsyncContext(actx);
  g.open();
  await settle();
  assert.equal(fired, 0);
  assert.ok(isEmptyHandle(ctx));
  assert.equal(
    pkg.lastContext.disposeCount,
    1,
    "the failed new context was disposed",
  );
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_E_INVALID_HANDLE);
  FreeCredentialsHandle(cred);
});

Deno.test("async: SspiAsyncContextRequiresNotify(true) without a callback refuses to queue", async () => {
  const { pkg, cred } = setup({ initiate: [{ status: SEC_E_OK, delayMs: 1 }] });
  const actx = SspiCreateAsyncContext();
  assert.equal(SspiAsyncContextRequiresNotify(actx, true), SEC_E_OK);
  const ctx = new CtxtHandle();
  const q = iscAsync(actx, cred, null, ctx, 0);
  assert.notEqual(q.queued, SEC_E_OK);
  assert.ok(isFailure(q.queued));
  await settle();
  assert.equal(pkg.contexts.length, 0, "nothing ran");
  assert.notEqual(SspiGetAsyncCallStatus(actx), SEC_I_ASYNC_CALL_PENDING);
  assert.notEqual(acquireAsync(actx, "Scripted").queued, SEC_E_OK);
  // With a callback it queues.
  let fired = 0;
  SspiSetAsyncNotifyCallback(actx, () => fired++, null);
  assert.equal(iscAsync(actx, cred, null, ctx, 0).queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_OK);
  await settle();
  assert.equal(fired, 1);
  SspiFreeAsyncContext(actx);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});
