import assert from "node:assert/strict";
import {
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_RET_ALLOCATED_MEMORY,
  CtxtHandle,
  DeleteSecurityContext,
  EnumerateSecurityPackages,
  FreeCredentialsHandle,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_RET_ALLOCATED_MEMORY,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_INTEGRITY,
  lastErrorDetail,
  QueryContextAttributes,
  QuerySecurityPackageInfo,
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNKNOWN_CREDENTIALS,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_EMPTY,
  SECBUFFER_EXTRA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_PACKAGE_INFO,
  SECPKG_CRED_BOTH,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  type SecPkgInfo,
  SspiError,
  statusName,
} from "../../mod.ts";
import { acquire, asc, isc, isEmptyHandle, tokenDesc } from "./_helpers.ts";
import { registerScripted, type Script } from "./scripted_package.ts";

const T1 = new Uint8Array([0x4e, 0x45, 0x47, 0x4f, 1, 2, 3]);
const EXPIRY = 0x01d9_0000_0000_0000n;

/** Registers a scripted package and acquires a credential of it. */
function setup(script: Script, use = SECPKG_CRED_BOTH) {
  const pkg = registerScripted(script);
  const { status, cred, expiry } = acquire("Scripted", use, { who: "me" });
  assert.equal(status, SEC_E_OK);
  return { pkg, cred, expiry };
}

// ---------------------------------------------------------------- registry

Deno.test("registry: AcquireCredentialsHandle with an unknown package gives SEC_E_SECPKG_NOT_FOUND", () => {
  const { status, cred } = acquire("NoSuchPackage");
  assert.equal(status, SEC_E_SECPKG_NOT_FOUND);
  assert.ok(isEmptyHandle(cred));
  assert.equal(lastErrorDetail()?.status, SEC_E_SECPKG_NOT_FOUND);
  assert.match(lastErrorDetail()!.message, /NoSuchPackage/);
});

Deno.test("registry: EnumerateSecurityPackages lists NTLM and the scripted package", () => {
  registerScripted();
  const count = { value: 0 };
  const list: { value?: SecPkgInfo[] } = {};
  assert.equal(EnumerateSecurityPackages(count, list), SEC_E_OK);
  assert.equal(count.value, list.value!.length);
  const names = list.value!.map((p) => p.Name);
  assert.ok(names.includes("NTLM"), names.join());
  assert.ok(names.includes("Scripted"), names.join());
});

Deno.test("registry: QuerySecurityPackageInfo", () => {
  const info: { value?: SecPkgInfo } = {};
  assert.equal(QuerySecurityPackageInfo("NTLM", info), SEC_E_OK);
  assert.equal(info.value!.Name, "NTLM");
  assert.equal(info.value!.cbMaxToken, 2888);
  // Names are case-insensitive, as on Windows.
  const lower: { value?: SecPkgInfo } = {};
  assert.equal(QuerySecurityPackageInfo("ntlm", lower), SEC_E_OK);
  assert.equal(lower.value!.Name, "NTLM");
  const none: { value?: SecPkgInfo } = {};
  assert.equal(
    QuerySecurityPackageInfo("NoSuchPackage", none),
    SEC_E_SECPKG_NOT_FOUND,
  );
  assert.equal(none.value, undefined);
  // The caller gets a copy: editing it does not change the package.
  info.value!.cbMaxToken = 1;
  const again: { value?: SecPkgInfo } = {};
  QuerySecurityPackageInfo("NTLM", again);
  assert.equal(again.value!.cbMaxToken, 2888);
});

Deno.test("registry: AcquireCredentialsHandle hands the package its request and sets ptsExpiry", () => {
  const { pkg, cred, expiry } = setup(
    { credExpiry: 777n },
    SECPKG_CRED_OUTBOUND,
  );
  assert.equal(expiry.value, 777n);
  assert.ok(!isEmptyHandle(cred));
  const rec = pkg.log.find((r) => r.kind === "acquire");
  assert.ok(rec && rec.kind === "acquire");
  assert.equal(rec.req.use, SECPKG_CRED_OUTBOUND);
  assert.equal(rec.req.async, false);
  assert.deepEqual(rec.req.authData, { who: "me" });
  // fCredentialUse without INBOUND/OUTBOUND is refused before the package runs.
  assert.equal(acquire("Scripted", 0).status, SEC_E_NO_CREDENTIALS);
  assert.equal(pkg.credentials.length, 1);
  FreeCredentialsHandle(cred);
});

Deno.test("registry: acquireCredentials throwing SspiError / Error / returning a Promise", () => {
  registerScripted({
    acquire: {
      throws: new SspiError(SEC_E_UNKNOWN_CREDENTIALS, "no such user"),
    },
  });
  let r = acquire("Scripted");
  assert.equal(r.status, SEC_E_UNKNOWN_CREDENTIALS);
  assert.ok(isEmptyHandle(r.cred));
  assert.match(lastErrorDetail()!.message, /no such user/);

  registerScripted({ acquire: { throws: new Error("boom") } });
  r = acquire("Scripted");
  assert.equal(r.status, SEC_E_INTERNAL_ERROR);
  assert.ok(isEmptyHandle(r.cred));

  const pkg = registerScripted({ acquire: { promiseEvenIfSync: true } });
  r = acquire("Scripted");
  assert.equal(r.status, SEC_E_INTERNAL_ERROR);
  assert.ok(isEmptyHandle(r.cred));
  assert.match(lastErrorDetail()!.message, /Promise/);
  void pkg;
});

// ---------------------------------------------------------------- dispatch

Deno.test("dispatch: the output token is copied into the caller's SECBUFFER_TOKEN", () => {
  const { pkg, cred } = setup({
    initiate: [{
      status: SEC_I_CONTINUE_NEEDED,
      token: T1,
      attrs: ISC_RET_INTEGRITY,
      expiry: EXPIRY,
    }],
  });
  const callerBuf = new Uint8Array(32).fill(0xee);
  const out = tokenDesc(callerBuf);
  const ctx = new CtxtHandle();
  const r = isc(cred, null, ctx, ISC_REQ_CONFIDENTIALITY, null, out);
  assert.equal(r.status, SEC_I_CONTINUE_NEEDED);
  assert.ok(!isEmptyHandle(ctx));
  const b = out.pBuffers[0];
  assert.equal(b.pvBuffer, callerBuf, "the caller's array is kept");
  assert.equal(b.cbBuffer, T1.length);
  assert.deepEqual(b.pvBuffer!.subarray(0, b.cbBuffer), T1);
  assert.equal(
    callerBuf[T1.length],
    0xee,
    "bytes past the token are untouched",
  );
  assert.equal(r.attrs.value, ISC_RET_INTEGRITY);
  assert.equal(r.attrs.value & ISC_RET_ALLOCATED_MEMORY, 0);
  assert.equal(r.expiry.value, EXPIRY);
  // The package saw the request as given.
  const req = pkg.lastContext.requests[0];
  assert.equal(req.flags, ISC_REQ_CONFIDENTIALITY);
  assert.equal(req.target, "host/test");
  assert.equal(req.async, false);
  assert.equal(req.input, null);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: ISC_REQ_ALLOCATE_MEMORY gives a new array and ISC_RET_ALLOCATED_MEMORY", () => {
  const { cred } = setup({
    initiate: [{
      status: SEC_I_CONTINUE_NEEDED,
      token: T1,
      attrs: ISC_RET_CONFIDENTIALITY,
    }],
  });
  const out = tokenDesc(null);
  const ctx = new CtxtHandle();
  const r = isc(cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY, null, out);
  assert.equal(r.status, SEC_I_CONTINUE_NEEDED);
  const b = out.pBuffers[0];
  assert.ok(b.pvBuffer instanceof Uint8Array);
  assert.notEqual(b.pvBuffer, T1, "a new array, not the package's");
  assert.deepEqual(b.pvBuffer, T1);
  assert.equal(b.cbBuffer, T1.length);
  assert.equal(
    r.attrs.value,
    (ISC_RET_CONFIDENTIALITY | ISC_RET_ALLOCATED_MEMORY) >>> 0,
  );
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: ASC_REQ_ALLOCATE_MEMORY on the server side, and SECBUFFER_EXTRA", () => {
  const { cred } = setup({
    accept: [{ status: SEC_I_CONTINUE_NEEDED, token: T1, extra: 3 }],
  });
  const input = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, new Uint8Array([7, 7, 7, 7, 7])),
    new SecBuffer(SECBUFFER_EMPTY, null),
  ]);
  const ctx = new CtxtHandle();
  const r = asc(cred, null, ctx, ASC_REQ_ALLOCATE_MEMORY, input);
  assert.equal(r.status, SEC_I_CONTINUE_NEEDED);
  assert.deepEqual(r.out.pBuffers[0].pvBuffer, T1);
  assert.ok(r.attrs.value & ASC_RET_ALLOCATED_MEMORY);
  assert.equal(input.pBuffers[1].BufferType, SECBUFFER_EXTRA);
  assert.equal(input.pBuffers[1].cbBuffer, 3);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: a caller buffer too small gives SEC_E_BUFFER_TOO_SMALL and no context", () => {
  const { pkg, cred } = setup({
    initiate: [{ status: SEC_I_CONTINUE_NEEDED, token: T1 }],
  });
  const small = new Uint8Array(T1.length - 1);
  const out = tokenDesc(small);
  const ctx = new CtxtHandle();
  const r = isc(cred, null, ctx, 0, null, out);
  assert.equal(r.status, SEC_E_BUFFER_TOO_SMALL);
  assert.ok(isEmptyHandle(ctx));
  assert.deepEqual(small, new Uint8Array(T1.length - 1), "nothing was written");
  assert.equal(pkg.lastContext.disposeCount, 1);
  // No array at all and no ALLOCATE_MEMORY: also too small.
  const r2 = isc(cred, null, new CtxtHandle(), 0, null, tokenDesc(null));
  assert.equal(r2.status, SEC_E_BUFFER_TOO_SMALL);
  assert.equal(pkg.lastContext.disposeCount, 1);
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: a token with no SECBUFFER_TOKEN in pOutput gives SEC_E_INVALID_TOKEN", () => {
  const { pkg, cred } = setup({
    initiate: [{ status: SEC_I_CONTINUE_NEEDED, token: T1 }],
  });
  const ctx = new CtxtHandle();
  const r = isc(
    cred,
    null,
    ctx,
    ISC_REQ_ALLOCATE_MEMORY,
    null,
    new SecBufferDesc([]),
  );
  assert.equal(r.status, SEC_E_INVALID_TOKEN);
  assert.ok(isEmptyHandle(ctx));
  assert.equal(pkg.lastContext.disposeCount, 1);
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: a failing first step creates no handle and disposes the package context", () => {
  const { pkg, cred } = setup({
    initiate: [{
      status: SEC_E_LOGON_DENIED,
      message: "scripted denial",
      attrs: 0,
    }],
  });
  const ctx = new CtxtHandle();
  const r = isc(cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY);
  assert.equal(r.status, SEC_E_LOGON_DENIED);
  assert.ok(isEmptyHandle(ctx), "phNewContext unchanged");
  assert.deepEqual(lastErrorDetail(), {
    status: SEC_E_LOGON_DENIED,
    message: "scripted denial",
  });
  assert.equal(DeleteSecurityContext(ctx), SEC_E_INVALID_HANDLE);
  assert.equal(isc(null, ctx, ctx, 0).status, SEC_E_INVALID_HANDLE);
  assert.equal(pkg.contexts.length, 1);
  assert.equal(pkg.lastContext.disposeCount, 1);
  assert.equal(pkg.lastContext.next, 1, "no further step ran");
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: a thrown SspiError becomes its status, with its message in lastErrorDetail", () => {
  const { pkg, cred } = setup({
    initiate: [{
      throws: new SspiError(SEC_E_INVALID_TOKEN, "bad scripted token"),
    }],
  });
  const ctx = new CtxtHandle();
  const r = isc(cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY);
  assert.equal(r.status, SEC_E_INVALID_TOKEN);
  assert.ok(isEmptyHandle(ctx));
  assert.equal(lastErrorDetail()!.status, SEC_E_INVALID_TOKEN);
  assert.match(lastErrorDetail()!.message, /bad scripted token/);
  assert.equal(pkg.lastContext.disposeCount, 1);
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: a plain Error thrown by a package becomes SEC_E_INTERNAL_ERROR", () => {
  const { pkg, cred } = setup({
    initiate: [
      { status: SEC_I_CONTINUE_NEEDED },
      { throws: new Error("kaboom") },
    ],
  });
  const ctx = new CtxtHandle();
  assert.equal(isc(cred, null, ctx, 0).status, SEC_I_CONTINUE_NEEDED);
  let r = isc(null, ctx, ctx, 0);
  assert.equal(r.status, SEC_E_INTERNAL_ERROR);
  assert.match(lastErrorDetail()!.message, /kaboom/);
  // Something that is not even an Error.
  pkg.script = { initiate: [{ throws: "a string" }] };
  r = isc(cred, null, new CtxtHandle(), 0);
  assert.equal(r.status, SEC_E_INTERNAL_ERROR);
  // createContext throwing.
  pkg.script = { createThrows: new Error("no context for you") };
  r = isc(cred, null, new CtxtHandle(), 0);
  assert.equal(r.status, SEC_E_INTERNAL_ERROR);
  pkg.script = { createThrows: new SspiError(SEC_E_NO_CREDENTIALS, "nope") };
  r = isc(cred, null, new CtxtHandle(), 0);
  assert.equal(r.status, SEC_E_NO_CREDENTIALS);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: a Promise returned to a synchronous call gives SEC_E_INTERNAL_ERROR", async () => {
  const { pkg, cred } = setup({
    initiate: [{
      status: SEC_I_CONTINUE_NEEDED,
      token: T1,
      promiseEvenIfSync: true,
    }],
  });
  const ctx = new CtxtHandle();
  const r = isc(cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY);
  assert.equal(r.status, SEC_E_INTERNAL_ERROR);
  assert.ok(isEmptyHandle(ctx));
  assert.equal(
    r.out.pBuffers[0].pvBuffer,
    null,
    "the late result is not written",
  );
  assert.equal(pkg.lastContext.disposeCount, 1);
  // A rejecting Promise must not become an unhandled rejection either.
  pkg.script = {
    initiate: [{ throws: new Error("late"), promiseEvenIfSync: true }],
  };
  assert.equal(
    isc(cred, null, new CtxtHandle(), 0).status,
    SEC_E_INTERNAL_ERROR,
  );
  await new Promise((res) => setTimeout(res, 10));
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: the handshake continues on the same handle; phNewContext follows phContext", () => {
  const T2 = new Uint8Array([2, 2]);
  const { pkg, cred } = setup({
    accept: [
      { status: SEC_I_CONTINUE_NEEDED, token: T1 },
      { status: SEC_E_OK, token: T2, attrs: 0x10, expiry: EXPIRY },
    ],
  });
  const ctx = new CtxtHandle();
  const input = tokenDesc(new Uint8Array([5]));
  assert.equal(
    asc(cred, null, ctx, ASC_REQ_ALLOCATE_MEMORY, input).status,
    SEC_I_CONTINUE_NEEDED,
  );
  const again = new CtxtHandle();
  const r = asc(null, ctx, again, ASC_REQ_ALLOCATE_MEMORY, input);
  assert.equal(r.status, SEC_E_OK);
  assert.deepEqual(r.out.pBuffers[0].pvBuffer, T2);
  assert.equal(r.expiry.value, EXPIRY);
  assert.equal(again.dwLower, ctx.dwLower);
  assert.equal(again.dwUpper, ctx.dwUpper);
  assert.equal(pkg.contexts.length, 1);
  assert.equal(pkg.lastContext.next, 2);
  assert.deepEqual(
    pkg.lastContext.requests[1].input?.pBuffers[0].pvBuffer,
    new Uint8Array([5]),
  );
  // A client handle is not a server handle.
  assert.equal(isc(null, ctx, ctx, 0).status, SEC_E_INVALID_HANDLE);
  // QueryContextAttributes(PACKAGE_INFO) names the package.
  const pi: { value?: { PackageInfo: SecPkgInfo } } = {};
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_PACKAGE_INFO, pi),
    SEC_E_OK,
  );
  assert.equal(pi.value!.PackageInfo.Name, "Scripted");
  // Other attributes go to the package (which supports none).
  assert.equal(QueryContextAttributes(ctx, 0, {}), SEC_E_UNSUPPORTED_FUNCTION);
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: a credential's direction is checked", () => {
  const { cred } = setup({}, SECPKG_CRED_INBOUND);
  assert.equal(
    isc(cred, null, new CtxtHandle(), 0).status,
    SEC_E_NO_CREDENTIALS,
  );
  FreeCredentialsHandle(cred);
  const out = setup({}, SECPKG_CRED_OUTBOUND);
  assert.equal(
    asc(out.cred, null, new CtxtHandle(), 0, tokenDesc(T1)).status,
    SEC_E_NO_CREDENTIALS,
  );
  FreeCredentialsHandle(out.cred);
});

Deno.test("dispatch: DeleteSecurityContext disposes the package context once", () => {
  const { pkg, cred } = setup({
    initiate: [{ status: SEC_I_CONTINUE_NEEDED }],
  });
  const ctx = new CtxtHandle();
  assert.equal(isc(cred, null, ctx, 0).status, SEC_I_CONTINUE_NEEDED);
  const pctx = pkg.lastContext;
  assert.equal(pctx.disposeCount, 0);
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  assert.equal(pctx.disposeCount, 1);
  assert.equal(DeleteSecurityContext(ctx), SEC_E_INVALID_HANDLE);
  assert.equal(pctx.disposeCount, 1);
  assert.equal(pkg.lastCredential.disposeCount, 0, "the credential lives on");
  assert.equal(FreeCredentialsHandle(cred), SEC_E_OK);
  assert.equal(pkg.lastCredential.disposeCount, 1);
});

Deno.test("dispatch: FreeCredentialsHandle while a context uses it keeps the context working", () => {
  const { pkg, cred } = setup({
    initiate: [
      { status: SEC_I_CONTINUE_NEEDED, token: T1 },
      { status: SEC_E_OK, token: T1, attrs: ISC_RET_INTEGRITY },
    ],
  });
  const ctx = new CtxtHandle();
  assert.equal(
    isc(cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY).status,
    SEC_I_CONTINUE_NEEDED,
  );
  const pcred = pkg.lastCredential;
  assert.equal(FreeCredentialsHandle(cred), SEC_E_OK);
  assert.equal(
    pcred.disposeCount,
    0,
    "not disposed while the context holds it",
  );
  assert.equal(FreeCredentialsHandle(cred), SEC_E_INVALID_HANDLE);
  assert.equal(
    isc(cred, null, new CtxtHandle(), 0).status,
    SEC_E_INVALID_HANDLE,
  );
  const r = isc(null, ctx, ctx, ISC_REQ_ALLOCATE_MEMORY, tokenDesc(T1));
  assert.equal(r.status, SEC_E_OK);
  assert.equal(
    r.attrs.value,
    (ISC_RET_INTEGRITY | ISC_RET_ALLOCATED_MEMORY) >>> 0,
  );
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  assert.equal(pcred.disposeCount, 1, "disposed with its last context");
});

Deno.test("dispatch: a failure status is reported by name and does not throw", () => {
  const { cred } = setup({ initiate: [{ status: 0x80091234 }] });
  const r = isc(cred, null, new CtxtHandle(), 0);
  assert.equal(r.status, 0x80091234);
  assert.equal(statusName(r.status), "0x80091234");
  FreeCredentialsHandle(cred);
});

Deno.test("dispatch: a failing first step disposes its package context even when phNewContext names a live context", () => {
  // Reusing a CtxtHandle object that already names a live context as phNewContext
  // of a new handshake (phContext NULL) is legal: the new context replaces it in the
  // handle on success. On failure the new package context must still be disposed.
  const { pkg, cred } = setup({
    initiate: [{ status: SEC_I_CONTINUE_NEEDED }],
  });
  const ctx = new CtxtHandle();
  assert.equal(isc(cred, null, ctx, 0).status, SEC_I_CONTINUE_NEEDED);
  const first = pkg.lastContext;
  const saved = { lo: ctx.dwLower, up: ctx.dwUpper };
  pkg.script = { initiate: [{ status: SEC_E_LOGON_DENIED }] };
  assert.equal(isc(cred, null, ctx, 0).status, SEC_E_LOGON_DENIED);
  const second = pkg.lastContext;
  assert.notEqual(second, first);
  assert.equal(
    ctx.dwLower,
    saved.lo,
    "the handle still names the first context",
  );
  assert.equal(ctx.dwUpper, saved.up);
  assert.equal(first.disposeCount, 0);
  assert.equal(
    second.disposeCount,
    1,
    "the failed new context must be disposed (stepCore only disposes when " +
      "contexts.get(phNewContext) is empty)",
  );
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  assert.equal(first.disposeCount, 1);
  FreeCredentialsHandle(cred);
});
