import assert from "node:assert/strict";
import {
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_DELEGATE,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_DELEGATE,
  ISC_REQ_PROMPT_FOR_CREDS,
  ISC_RET_ALLOCATED_MEMORY,
  ISC_RET_INTEGRITY,
  lastErrorDetail,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNKNOWN_CREDENTIALS,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_ASYNC_CALL_PENDING,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_CRED_BOTH,
  SspiAsyncContext,
  SspiCreateAsyncContext,
  SspiDeleteSecurityContextAsync,
  SspiError,
  SspiFreeAsyncContext,
  SspiFreeCredentialsHandleAsync,
  SspiGetAsyncCallStatus,
  SspiInitializeSecurityContextAsync,
  SspiReinitAsyncContext,
  SspiSetAsyncNotifyCallback,
  SspiWaitForAsyncCall,
} from "../../mod.ts";
import { isEmptyHandle, tokenDesc } from "./_helpers.ts";
import {
  acquireAsync,
  ascAsync,
  EXPIRY,
  iscAsync,
  settle,
  setup,
  T1,
  T2,
  T3,
} from "./_async_helpers.ts";
import { gate, registerScripted, tick } from "./scripted_package.ts";

Deno.test("async ISC: queued with SEC_E_OK, PENDING while the step waits, then the final status", async () => {
  const g = gate();
  const { pkg, cred } = setup({
    initiate: [{
      status: SEC_I_CONTINUE_NEEDED,
      token: T1,
      attrs: ISC_RET_INTEGRITY,
      expiry: EXPIRY,
      gate: g.promise,
    }],
  });
  const actx = SspiCreateAsyncContext();
  assert.ok(actx instanceof SspiAsyncContext);
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_E_OK, "a fresh context");
  const ctx = new CtxtHandle();
  const q = iscAsync(actx, cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY);
  assert.equal(q.queued, SEC_E_OK);
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_I_ASYNC_CALL_PENDING);
  await settle();
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_I_ASYNC_CALL_PENDING);
  assert.equal(pkg.lastContext.requests.length, 1);
  assert.equal(pkg.lastContext.requests[0].async, true);
  assert.ok(isEmptyHandle(ctx), "no handle before the step ends");
  assert.equal(q.out.pBuffers[0].pvBuffer, null);
  g.open();
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_I_CONTINUE_NEEDED);
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_I_CONTINUE_NEEDED);
  assert.ok(!isEmptyHandle(ctx));
  assert.deepEqual(q.out.pBuffers[0].pvBuffer, T1);
  assert.equal(
    q.attrs.value,
    (ISC_RET_INTEGRITY | ISC_RET_ALLOCATED_MEMORY) >>> 0,
  );
  assert.equal(q.expiry.value, EXPIRY);
  // Waiting again gives the same final status.
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_I_CONTINUE_NEEDED);
  assert.equal(SspiFreeAsyncContext(actx), SEC_E_OK);
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  FreeCredentialsHandle(cred);
});

Deno.test("async ISC: a step with a delay (timer) also reports PENDING then completes", async () => {
  const { cred } = setup({
    initiate: [{ status: SEC_E_OK, token: T1, delayMs: 30 }],
  });
  const actx = SspiCreateAsyncContext();
  const ctx = new CtxtHandle();
  assert.equal(
    iscAsync(actx, cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY).queued,
    SEC_E_OK,
  );
  await tick();
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_I_ASYNC_CALL_PENDING);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_OK);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
  SspiFreeAsyncContext(actx);
});

Deno.test("async ISC: ISC_REQ_DELEGATE / ISC_REQ_PROMPT_FOR_CREDS end with SEC_E_UNSUPPORTED_FUNCTION", async () => {
  const { pkg, cred } = setup({ initiate: [{ status: SEC_E_OK }] });
  for (const flag of [ISC_REQ_DELEGATE, ISC_REQ_PROMPT_FOR_CREDS]) {
    const actx = SspiCreateAsyncContext();
    const ctx = new CtxtHandle();
    const q = iscAsync(actx, cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY | flag);
    // The seed page lists SEC_E_UNSUPPORTED_FUNCTION among the statuses that
    // SspiGetAsyncCallStatus returns; queueing itself succeeds.
    assert.equal(q.queued, SEC_E_OK);
    assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_UNSUPPORTED_FUNCTION);
    assert.equal(SspiGetAsyncCallStatus(actx), SEC_E_UNSUPPORTED_FUNCTION);
    assert.ok(isEmptyHandle(ctx));
    SspiFreeAsyncContext(actx);
  }
  assert.equal(pkg.contexts.length, 0, "the package never ran");
  FreeCredentialsHandle(cred);
});

Deno.test("async ASC: ASC_REQ_DELEGATE ends with SEC_E_UNSUPPORTED_FUNCTION", async () => {
  const { pkg, cred } = setup({ accept: [{ status: SEC_E_OK }] });
  const actx = SspiCreateAsyncContext();
  const ctx = new CtxtHandle();
  const q = ascAsync(actx, cred, null, ctx, ASC_REQ_DELEGATE, tokenDesc(T1));
  assert.equal(q.queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_UNSUPPORTED_FUNCTION);
  assert.equal(pkg.contexts.length, 0);
  SspiFreeAsyncContext(actx);
  FreeCredentialsHandle(cred);
});

Deno.test("async: SspiAcquireCredentialsHandleAsync end to end", async () => {
  const g = gate();
  const pkg = registerScripted({
    acquire: { gate: g.promise },
    credExpiry: 4242n,
  });
  const actx = SspiCreateAsyncContext();
  const r = acquireAsync(actx, "Scripted", SECPKG_CRED_BOTH, { a: 1 });
  assert.equal(r.queued, SEC_E_OK);
  await settle();
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_I_ASYNC_CALL_PENDING);
  assert.ok(isEmptyHandle(r.cred));
  g.open();
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_OK);
  assert.ok(!isEmptyHandle(r.cred));
  assert.equal(r.expiry.value, 4242n);
  const rec = pkg.log.find((x) => x.kind === "acquire");
  assert.ok(rec && rec.kind === "acquire");
  assert.equal(rec.req.async, true);
  assert.deepEqual(rec.req.authData, { a: 1 });
  // The handle works with the synchronous API.
  assert.equal(FreeCredentialsHandle(r.cred), SEC_E_OK);

  // Unknown package: queued, then SEC_E_SECPKG_NOT_FOUND.
  assert.equal(SspiReinitAsyncContext(actx), SEC_E_OK);
  const bad = acquireAsync(actx, "NoSuchPackage");
  assert.equal(bad.queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_SECPKG_NOT_FOUND);
  assert.ok(isEmptyHandle(bad.cred));

  // A package failing after its wait.
  registerScripted({
    acquire: {
      delayMs: 1,
      throws: new SspiError(SEC_E_UNKNOWN_CREDENTIALS, "who?"),
    },
  });
  SspiReinitAsyncContext(actx);
  const denied = acquireAsync(actx, "Scripted");
  assert.equal(denied.queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_UNKNOWN_CREDENTIALS);
  assert.match(lastErrorDetail()!.message, /who\?/);
  assert.ok(isEmptyHandle(denied.cred));
  SspiFreeAsyncContext(actx);
});

Deno.test("async: SspiFreeCredentialsHandleAsync and SspiDeleteSecurityContextAsync end to end", async () => {
  const { pkg, cred } = setup({
    initiate: [{ status: SEC_I_CONTINUE_NEEDED }],
  });
  const actx = SspiCreateAsyncContext();
  const ctx = new CtxtHandle();
  assert.equal(iscAsync(actx, cred, null, ctx, 0).queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_I_CONTINUE_NEEDED);
  const pctx = pkg.lastContext;
  const pcred = pkg.lastCredential;

  SspiReinitAsyncContext(actx);
  assert.equal(SspiDeleteSecurityContextAsync(actx, ctx), SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_OK);
  assert.equal(pctx.disposeCount, 1);
  SspiReinitAsyncContext(actx);
  assert.equal(SspiDeleteSecurityContextAsync(actx, ctx), SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_INVALID_HANDLE);
  assert.equal(pctx.disposeCount, 1);

  SspiReinitAsyncContext(actx);
  assert.equal(SspiFreeCredentialsHandleAsync(actx, cred), SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_OK);
  assert.equal(pcred.disposeCount, 1);
  SspiReinitAsyncContext(actx);
  assert.equal(SspiFreeCredentialsHandleAsync(actx, cred), SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_INVALID_HANDLE);
  assert.equal(pcred.disposeCount, 1);
  SspiFreeAsyncContext(actx);
});

Deno.test("async: SspiAcceptSecurityContextAsync + SspiInitializeSecurityContextAsync scripted handshake", async () => {
  const gc = gate();
  const gs = gate();
  const { pkg, cred } = setup({
    initiate: [
      { status: SEC_I_CONTINUE_NEEDED, token: T1 },
      { status: SEC_E_OK, token: T3, gate: gc.promise, expiry: EXPIRY },
    ],
    accept: [
      { status: SEC_I_CONTINUE_NEEDED, token: T2, gate: gs.promise },
      { status: SEC_E_OK, delayMs: 1, expiry: EXPIRY },
    ],
  });
  const ac = SspiCreateAsyncContext();
  const as = SspiCreateAsyncContext();
  const cctx = new CtxtHandle();
  const sctx = new CtxtHandle();
  let q = iscAsync(ac, cred, null, cctx, ISC_REQ_ALLOCATE_MEMORY);
  assert.equal(q.queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(ac), SEC_I_CONTINUE_NEEDED);
  const tok1 = q.out.pBuffers[0].pvBuffer!;
  assert.deepEqual(tok1, T1);

  let s = ascAsync(
    as,
    cred,
    null,
    sctx,
    ASC_REQ_ALLOCATE_MEMORY,
    tokenDesc(tok1),
  );
  assert.equal(s.queued, SEC_E_OK);
  await settle();
  assert.equal(SspiGetAsyncCallStatus(as), SEC_I_ASYNC_CALL_PENDING);
  gs.open();
  assert.equal(await SspiWaitForAsyncCall(as), SEC_I_CONTINUE_NEEDED);
  assert.ok(!isEmptyHandle(sctx));
  const tok2 = s.out.pBuffers[0].pvBuffer!;
  assert.deepEqual(tok2, T2);
  const sreq = pkg.contexts.find((c) => c.role === "accept")!.requests[0];
  assert.equal(sreq.async, true);
  assert.deepEqual(sreq.input?.pBuffers[0].pvBuffer, T1);

  SspiReinitAsyncContext(ac);
  q = iscAsync(ac, null, cctx, cctx, ISC_REQ_ALLOCATE_MEMORY, tokenDesc(tok2));
  assert.equal(q.queued, SEC_E_OK);
  await settle();
  assert.equal(SspiGetAsyncCallStatus(ac), SEC_I_ASYNC_CALL_PENDING);
  gc.open();
  assert.equal(await SspiWaitForAsyncCall(ac), SEC_E_OK);
  assert.equal(q.expiry.value, EXPIRY);
  const tok3 = q.out.pBuffers[0].pvBuffer!;

  SspiReinitAsyncContext(as);
  s = ascAsync(as, null, sctx, sctx, ASC_REQ_ALLOCATE_MEMORY, tokenDesc(tok3));
  assert.equal(s.queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(as), SEC_E_OK);
  assert.equal(s.expiry.value, EXPIRY);
  assert.equal(s.out.pBuffers[0].cbBuffer, 0, "no final server token");

  SspiReinitAsyncContext(ac);
  SspiDeleteSecurityContextAsync(ac, cctx);
  assert.equal(await SspiWaitForAsyncCall(ac), SEC_E_OK);
  SspiReinitAsyncContext(as);
  SspiDeleteSecurityContextAsync(as, sctx);
  assert.equal(await SspiWaitForAsyncCall(as), SEC_E_OK);
  assert.ok(pkg.contexts.every((c) => c.disposeCount === 1));
  SspiReinitAsyncContext(ac);
  SspiFreeCredentialsHandleAsync(ac, cred);
  assert.equal(await SspiWaitForAsyncCall(ac), SEC_E_OK);
  assert.equal(pkg.lastCredential.disposeCount, 1);
  SspiFreeAsyncContext(ac);
  SspiFreeAsyncContext(as);
});

Deno.test("async: failures of an async step become its final status, never exceptions", async () => {
  const { pkg, cred } = setup({
    initiate: [{
      delayMs: 1,
      throws: new SspiError(SEC_E_LOGON_DENIED, "async denial"),
    }],
  });
  const actx = SspiCreateAsyncContext();
  const ctx = new CtxtHandle();
  assert.equal(iscAsync(actx, cred, null, ctx, 0).queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_LOGON_DENIED);
  assert.match(lastErrorDetail()!.message, /async denial/);
  assert.ok(isEmptyHandle(ctx));
  assert.equal(pkg.lastContext.disposeCount, 1);

  pkg.script = {
    initiate: [{ delayMs: 1, throws: new Error("async kaboom") }],
  };
  SspiReinitAsyncContext(actx);
  assert.equal(iscAsync(actx, cred, null, ctx, 0).queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_INTERNAL_ERROR);
  assert.ok(isEmptyHandle(ctx));
  assert.equal(pkg.lastContext.disposeCount, 1);

  pkg.script = {
    initiate: [{ status: SEC_E_LOGON_DENIED, gate: Promise.resolve() }],
  };
  SspiReinitAsyncContext(actx);
  assert.equal(iscAsync(actx, cred, null, ctx, 0).queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_LOGON_DENIED);
  assert.ok(isEmptyHandle(ctx));
  assert.equal(pkg.lastContext.disposeCount, 1);

  // Bad handles: queued, then SEC_E_INVALID_HANDLE.
  SspiReinitAsyncContext(actx);
  const forged = new CtxtHandle();
  forged.dwLower = 99999n;
  forged.dwUpper = 12345n;
  assert.equal(iscAsync(actx, null, forged, forged, 0).queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_INVALID_HANDLE);
  SspiFreeAsyncContext(actx);
  FreeCredentialsHandle(cred);
});

Deno.test("async: a security context busy with one async call refuses another", async () => {
  const g = gate();
  const { cred } = setup({
    initiate: [
      { status: SEC_I_CONTINUE_NEEDED },
      { status: SEC_E_OK, gate: g.promise },
      { status: SEC_E_OK },
    ],
  });
  const a1 = SspiCreateAsyncContext();
  const a2 = SspiCreateAsyncContext();
  const ctx = new CtxtHandle();
  iscAsync(a1, cred, null, ctx, 0);
  assert.equal(await SspiWaitForAsyncCall(a1), SEC_I_CONTINUE_NEEDED);
  SspiReinitAsyncContext(a1);
  assert.equal(iscAsync(a1, null, ctx, ctx, 0, tokenDesc(T1)).queued, SEC_E_OK);
  await settle();
  assert.equal(iscAsync(a2, null, ctx, ctx, 0, tokenDesc(T1)).queued, SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(a2), SEC_E_INVALID_HANDLE);
  g.open();
  assert.equal(await SspiWaitForAsyncCall(a1), SEC_E_OK);
  SspiFreeAsyncContext(a1);
  SspiFreeAsyncContext(a2);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});

Deno.test("async: deleting a context while its async step runs ends the step with SEC_E_INVALID_HANDLE", async () => {
  const g = gate();
  const { pkg, cred } = setup({
    initiate: [
      { status: SEC_I_CONTINUE_NEEDED },
      { status: SEC_E_OK, token: T1, gate: g.promise },
    ],
  });
  const actx = SspiCreateAsyncContext();
  const ctx = new CtxtHandle();
  iscAsync(actx, cred, null, ctx, 0);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_I_CONTINUE_NEEDED);
  SspiReinitAsyncContext(actx);
  const q = iscAsync(
    actx,
    null,
    ctx,
    ctx,
    ISC_REQ_ALLOCATE_MEMORY,
    tokenDesc(T2),
  );
  assert.equal(q.queued, SEC_E_OK);
  await settle();
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  g.open();
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_INVALID_HANDLE);
  assert.equal(
    q.out.pBuffers[0].pvBuffer,
    null,
    "no token for a deleted context",
  );
  assert.equal(pkg.lastContext.disposeCount, 1);
  SspiFreeAsyncContext(actx);
  FreeCredentialsHandle(cred);
});

Deno.test("async: argument checks throw TypeError; a fresh context waits as SEC_E_OK", async () => {
  const { cred } = setup({});
  const notCtx = {} as SspiAsyncContext;
  assert.throws(() => SspiGetAsyncCallStatus(notCtx), TypeError);
  assert.throws(() => SspiFreeAsyncContext(notCtx), TypeError);
  assert.throws(() => SspiReinitAsyncContext(notCtx), TypeError);
  assert.throws(() => SspiWaitForAsyncCall(notCtx), TypeError);
  assert.throws(
    () => iscAsync(notCtx, cred, null, new CtxtHandle(), 0),
    TypeError,
  );
  const actx = SspiCreateAsyncContext();
  assert.throws(
    () => SspiSetAsyncNotifyCallback(actx, "f" as unknown as () => void, null),
    TypeError,
  );
  assert.throws(
    () => iscAsync(actx, {} as typeof cred, null, new CtxtHandle(), 0),
    TypeError,
  );
  assert.throws(
    () => SspiFreeCredentialsHandleAsync(actx, null as unknown as typeof cred),
    TypeError,
  );
  assert.throws(
    () => SspiDeleteSecurityContextAsync(actx, 5 as unknown as CtxtHandle),
    TypeError,
  );
  assert.throws(
    () =>
      SspiInitializeSecurityContextAsync(
        actx,
        cred,
        null,
        null,
        "x" as unknown as number,
        0,
        0,
        null,
        0,
        new CtxtHandle(),
        null,
        null,
      ),
    TypeError,
  );
  // A TypeError queues nothing.
  assert.equal(SspiGetAsyncCallStatus(actx), SEC_E_OK);
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_E_OK);
  SspiFreeAsyncContext(actx);
  FreeCredentialsHandle(cred);
});

Deno.test("async: FreeCredentialsHandle during a first async step keeps the credential until the context is deleted", async () => {
  // The context being created already uses the credential: freeing the handle must not
  // dispose it under the context, and the credential must be disposed exactly once,
  // when its last context is deleted.
  const g = gate();
  const { pkg, cred } = setup({
    initiate: [{ status: SEC_I_CONTINUE_NEEDED, gate: g.promise }],
  });
  const pcred = pkg.lastCredential;
  const actx = SspiCreateAsyncContext();
  const ctx = new CtxtHandle();
  assert.equal(iscAsync(actx, cred, null, ctx, 0).queued, SEC_E_OK);
  await settle();
  assert.equal(FreeCredentialsHandle(cred), SEC_E_OK);
  assert.equal(
    pcred.disposeCount,
    0,
    "disposed while a context is being made from it",
  );
  g.open();
  assert.equal(await SspiWaitForAsyncCall(actx), SEC_I_CONTINUE_NEEDED);
  assert.equal(pcred.disposeCount, 0);
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  assert.equal(
    pcred.disposeCount,
    1,
    "disposed exactly once, with its last context",
  );
  SspiFreeAsyncContext(actx);
});
