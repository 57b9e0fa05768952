import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  ApplyControlToken,
  CompleteAuthToken,
  CredHandle,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  ExportSecurityContext,
  FreeCredentialsHandle,
  InitializeSecurityContext,
  ISC_REQ_ALLOCATE_MEMORY,
  lastErrorDetail,
  MakeSignature,
  QueryContextAttributes,
  QueryCredentialsAttributes,
  SEC_E_INVALID_HANDLE,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  type SecHandle,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_ATTR_NAMES,
  SECPKG_CRED_BOTH,
  SECURITY_NATIVE_DREP,
  VerifySignature,
} from "../../mod.ts";
import { acquire, asc, isc } from "./_helpers.ts";
import { registerScripted } from "./scripted_package.ts";

const TOKEN = new Uint8Array([1, 2, 3, 4]);

function message(): SecBufferDesc {
  return new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, new Uint8Array([9, 9])),
    new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
  ]);
}

/** Every context-taking function gives SEC_E_INVALID_HANDLE for `ctx`, without throwing. */
function contextCallsRefuse(ctx: CtxtHandle): void {
  const calls: [string, () => number][] = [
    [
      "QueryContextAttributes",
      () => QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, {}),
    ],
    ["MakeSignature", () => MakeSignature(ctx, 0, message(), 0)],
    ["VerifySignature", () => VerifySignature(ctx, message(), 0, { value: 0 })],
    ["EncryptMessage", () => EncryptMessage(ctx, 0, message(), 0)],
    ["DecryptMessage", () => DecryptMessage(ctx, message(), 0, { value: 0 })],
    ["CompleteAuthToken", () => CompleteAuthToken(ctx, new SecBufferDesc())],
    ["ExportSecurityContext", () => ExportSecurityContext(ctx, 0, {}, null)],
    ["ApplyControlToken", () => ApplyControlToken(ctx, new SecBufferDesc())],
    [
      "InitializeSecurityContext(phContext)",
      () => isc(null, ctx, ctx, ISC_REQ_ALLOCATE_MEMORY).status,
    ],
    ["AcceptSecurityContext(phContext)", () => asc(null, ctx, ctx, 0).status],
    ["DeleteSecurityContext", () => DeleteSecurityContext(ctx)],
  ];
  for (const [name, call] of calls) {
    assert.equal(call(), SEC_E_INVALID_HANDLE, name);
  }
}

/** Every credential-taking function gives SEC_E_INVALID_HANDLE for `cred`. */
function credentialCallsRefuse(cred: CredHandle): void {
  const calls: [string, () => number][] = [
    [
      "QueryCredentialsAttributes",
      () => QueryCredentialsAttributes(cred, SECPKG_CRED_ATTR_NAMES, {}),
    ],
    [
      "InitializeSecurityContext(phCredential)",
      () => isc(cred, null, new CtxtHandle(), ISC_REQ_ALLOCATE_MEMORY).status,
    ],
    [
      "AcceptSecurityContext(phCredential)",
      () => asc(cred, null, new CtxtHandle(), 0, tokenIn()).status,
    ],
    ["FreeCredentialsHandle", () => FreeCredentialsHandle(cred)],
  ];
  for (const [name, call] of calls) {
    assert.equal(call(), SEC_E_INVALID_HANDLE, name);
  }
}

function tokenIn(): SecBufferDesc {
  return new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, TOKEN)]);
}

function randomHandle<T extends SecHandle>(h: T): T {
  const a = new BigUint64Array(2);
  crypto.getRandomValues(a);
  h.dwLower = a[0] | 1n;
  h.dwUpper = a[1] | 1n;
  return h;
}

/** A live credential and context of the scripted package. */
function live(): { cred: CredHandle; ctx: CtxtHandle } {
  registerScripted({ initiate: [{ status: SEC_I_CONTINUE_NEEDED }] });
  const { status, cred } = acquire("Scripted");
  assert.equal(status, SEC_E_OK);
  const ctx = new CtxtHandle();
  assert.equal(
    isc(cred, null, ctx, ISC_REQ_ALLOCATE_MEMORY).status,
    SEC_I_CONTINUE_NEEDED,
  );
  return { cred, ctx };
}

Deno.test("handles: unknown (never filled) handles give SEC_E_INVALID_HANDLE", () => {
  // A zero CtxtHandle passed as phContext means NULL (first call), so the context
  // calls that take no credential are checked with a zero handle where it cannot be
  // read as NULL.
  const ctx = new CtxtHandle();
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, {}),
    SEC_E_INVALID_HANDLE,
  );
  assert.equal(DeleteSecurityContext(ctx), SEC_E_INVALID_HANDLE);
  assert.equal(MakeSignature(ctx, 0, message(), 0), SEC_E_INVALID_HANDLE);
  credentialCallsRefuse(new CredHandle());
  assert.equal(lastErrorDetail()?.status, SEC_E_INVALID_HANDLE);
});

Deno.test("handles: hand-made handles with random dwLower/dwUpper give SEC_E_INVALID_HANDLE", () => {
  for (let i = 0; i < 20; i++) {
    contextCallsRefuse(randomHandle(new CtxtHandle()));
    credentialCallsRefuse(randomHandle(new CredHandle()));
  }
  // Same slot number as a live handle but another tag.
  const { cred, ctx } = live();
  const forgedCtx = new CtxtHandle();
  forgedCtx.dwLower = ctx.dwLower;
  forgedCtx.dwUpper = ctx.dwUpper ^ 2n;
  contextCallsRefuse(forgedCtx);
  const forgedCred = new CredHandle();
  forgedCred.dwLower = cred.dwLower;
  forgedCred.dwUpper = cred.dwUpper + 2n;
  credentialCallsRefuse(forgedCred);
  // Non-bigint halves do not throw either.
  const odd = new CtxtHandle();
  (odd as unknown as { dwLower: number }).dwLower = 1;
  (odd as unknown as { dwUpper: number }).dwUpper = 1;
  contextCallsRefuse(odd);
  // The real handles still work.
  assert.equal(
    QueryCredentialsAttributes(cred, SECPKG_CRED_ATTR_NAMES, {}) !==
      SEC_E_INVALID_HANDLE,
    true,
  );
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  assert.equal(FreeCredentialsHandle(cred), SEC_E_OK);
});

Deno.test("handles: foreign kinds (CtxtHandle as CredHandle and back) give SEC_E_INVALID_HANDLE", () => {
  const { cred, ctx } = live();
  // A context handle where a credential handle is expected.
  credentialCallsRefuse(ctx as unknown as CredHandle);
  // A credential handle where a context handle is expected.
  contextCallsRefuse(cred as unknown as CtxtHandle);
  // Neither was harmed.
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  assert.equal(FreeCredentialsHandle(cred), SEC_E_OK);
});

Deno.test("handles: freed credentials and deleted contexts give SEC_E_INVALID_HANDLE; double free too", () => {
  const { cred, ctx } = live();
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  contextCallsRefuse(ctx); // includes a second DeleteSecurityContext
  assert.equal(DeleteSecurityContext(ctx), SEC_E_INVALID_HANDLE);
  assert.equal(FreeCredentialsHandle(cred), SEC_E_OK);
  credentialCallsRefuse(cred); // includes a second FreeCredentialsHandle
  assert.equal(FreeCredentialsHandle(cred), SEC_E_INVALID_HANDLE);
  assert.match(lastErrorDetail()?.message ?? "", /credential/);
});

Deno.test("handles: a copy of a handle names the same object, and dies with it", () => {
  const { cred, ctx } = live();
  const copy = new CtxtHandle();
  copy.dwLower = ctx.dwLower;
  copy.dwUpper = ctx.dwUpper;
  assert.equal(DeleteSecurityContext(copy), SEC_E_OK);
  assert.equal(DeleteSecurityContext(ctx), SEC_E_INVALID_HANDLE);
  assert.equal(FreeCredentialsHandle(cred), SEC_E_OK);
});

Deno.test("handles: wrong argument types throw TypeError", () => {
  const { cred, ctx } = live();
  const bad = [undefined, null, 42, "handle", {}, { dwLower: 1n, dwUpper: 1n }];
  for (const b of bad) {
    assert.throws(() => FreeCredentialsHandle(b as CredHandle), TypeError);
    assert.throws(() => DeleteSecurityContext(b as CtxtHandle), TypeError);
    assert.throws(
      () => QueryContextAttributes(b as CtxtHandle, SECPKG_ATTR_SIZES, {}),
      TypeError,
    );
  }
  // Plain objects shaped like handles are not handles.
  assert.throws(
    () =>
      isc(
        { dwLower: 1n, dwUpper: 1n } as CredHandle,
        null,
        new CtxtHandle(),
        0,
      ),
    TypeError,
  );
  assert.throws(
    () => isc(cred, "ctx" as unknown as CtxtHandle, null, 0),
    TypeError,
  );
  assert.throws(
    () => isc(cred, null, new CtxtHandle(), "0" as unknown as number),
    TypeError,
  );
  assert.throws(
    () => isc(cred, null, new CtxtHandle(), 0, [] as unknown as SecBufferDesc),
    TypeError,
  );
  assert.throws(
    () =>
      InitializeSecurityContext(
        cred,
        null,
        5 as unknown as string,
        0,
        0,
        SECURITY_NATIVE_DREP,
        null,
        0,
        new CtxtHandle(),
        null,
        null,
      ),
    TypeError,
  );
  // AcquireCredentialsHandle: package name, use, out handle.
  assert.throws(
    () =>
      AcquireCredentialsHandle(
        null,
        1 as unknown as string,
        SECPKG_CRED_BOTH,
        null,
        null,
        null,
        null,
        new CredHandle(),
      ),
    TypeError,
  );
  assert.throws(
    () =>
      AcquireCredentialsHandle(
        null,
        "Scripted",
        "both" as unknown as number,
        null,
        null,
        null,
        null,
        new CredHandle(),
      ),
    TypeError,
  );
  assert.throws(
    () =>
      AcquireCredentialsHandle(
        null,
        "Scripted",
        SECPKG_CRED_BOTH,
        null,
        null,
        null,
        null,
        new CtxtHandle() as CredHandle,
      ),
    TypeError,
  );
  assert.throws(
    () =>
      AcquireCredentialsHandle(
        7 as unknown as string,
        "Scripted",
        SECPKG_CRED_BOTH,
        null,
        null,
        null,
        null,
        new CredHandle(),
      ),
    TypeError,
  );
  assert.throws(
    () => MakeSignature(ctx, 0, [] as unknown as SecBufferDesc, 0),
    TypeError,
  );
  assert.throws(() => new SecBuffer("token" as unknown as number), TypeError);
  assert.throws(
    () => new SecBuffer(SECBUFFER_TOKEN, [1, 2] as unknown as Uint8Array),
    TypeError,
  );
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  assert.equal(FreeCredentialsHandle(cred), SEC_E_OK);
});
