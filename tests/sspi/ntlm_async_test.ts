import assert from "node:assert/strict";
import {
  type CredHandle,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  FreeCredentialsHandle,
  lastErrorDetail,
  type NtlmAuthData,
  QueryContextAttributes,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
  SEC_I_ASYNC_CALL_PENDING,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SspiCreateAsyncContext,
  SspiDeleteSecurityContextAsync,
  SspiFreeAsyncContext,
  SspiFreeCredentialsHandleAsync,
  SspiGetAsyncCallStatus,
  statusName,
} from "../../mod.ts";
import {
  acquire,
  asc,
  ASC_SEAL_FLAGS,
  isc,
  ISC_SEAL_FLAGS,
  outToken,
  tokenDesc,
} from "./_helpers.ts";
import { acquireAsync, ascAsync, finish, iscAsync } from "./_async_helpers.ts";

const CLIENT = { User: "alice", Domain: "EXAMPLE", Password: "pw" };
const SERVER: NtlmAuthData = {
  users: [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }],
};

/** A client/server NTLM handshake driven only by the Sspi*Async functions. */
async function asyncHandshake(serverAuth: NtlmAuthData) {
  const ac = SspiCreateAsyncContext();
  const as = SspiCreateAsyncContext();
  const ccred = acquireAsync(ac, "NTLM", SECPKG_CRED_OUTBOUND, CLIENT);
  assert.equal(ccred.queued, SEC_E_OK);
  const scred = acquireAsync(as, "NTLM", SECPKG_CRED_INBOUND, serverAuth);
  assert.equal(scred.queued, SEC_E_OK);
  assert.equal(await finish(ac), SEC_E_OK);
  assert.equal(await finish(as), SEC_E_OK);

  const cctx = new CtxtHandle();
  const sctx = new CtxtHandle();
  // NEGOTIATE
  let c = iscAsync(ac, ccred.cred, null, cctx, ISC_SEAL_FLAGS);
  assert.equal(c.queued, SEC_E_OK);
  assert.equal(await finish(ac), SEC_I_CONTINUE_NEEDED);
  // CHALLENGE
  let s = ascAsync(
    as,
    scred.cred,
    null,
    sctx,
    ASC_SEAL_FLAGS,
    tokenDesc(outToken(c.out)),
  );
  assert.equal(s.queued, SEC_E_OK);
  assert.equal(await finish(as), SEC_I_CONTINUE_NEEDED);
  // AUTHENTICATE
  c = iscAsync(
    ac,
    null,
    cctx,
    cctx,
    ISC_SEAL_FLAGS,
    tokenDesc(outToken(s.out)),
  );
  assert.equal(c.queued, SEC_E_OK);
  const clientFinal = await finish(ac);
  s = ascAsync(
    as,
    null,
    sctx,
    sctx,
    ASC_SEAL_FLAGS,
    tokenDesc(outToken(c.out)),
  );
  assert.equal(s.queued, SEC_E_OK);
  const pending = SspiGetAsyncCallStatus(as);
  const serverFinal = await finish(as);
  return {
    ac,
    as,
    ccred: ccred.cred,
    scred: scred.cred,
    cctx,
    sctx,
    clientFinal,
    serverFinal,
    pending,
  };
}

async function cleanup(h: Awaited<ReturnType<typeof asyncHandshake>>) {
  assert.equal(SspiDeleteSecurityContextAsync(h.ac, h.cctx), SEC_E_OK);
  assert.equal(await finish(h.ac), SEC_E_OK);
  assert.equal(SspiDeleteSecurityContextAsync(h.as, h.sctx), SEC_E_OK);
  assert.equal(await finish(h.as), SEC_E_OK);
  assert.equal(SspiFreeCredentialsHandleAsync(h.ac, h.ccred), SEC_E_OK);
  assert.equal(await finish(h.ac), SEC_E_OK);
  assert.equal(SspiFreeCredentialsHandleAsync(h.as, h.scred), SEC_E_OK);
  assert.equal(await finish(h.as), SEC_E_OK);
  SspiFreeAsyncContext(h.ac);
  SspiFreeAsyncContext(h.as);
}

/** Encrypts on one side and decrypts on the other. */
function roundTrip(from: CtxtHandle, to: CtxtHandle): void {
  const sizes: { value?: { cbSecurityTrailer: number } } = {};
  assert.equal(
    QueryContextAttributes(from, SECPKG_ATTR_SIZES, sizes),
    SEC_E_OK,
  );
  const plain = new TextEncoder().encode("hello over NTLM");
  const msg = new SecBufferDesc([
    new SecBuffer(
      SECBUFFER_TOKEN,
      new Uint8Array(sizes.value!.cbSecurityTrailer),
    ),
    new SecBuffer(SECBUFFER_DATA, plain.slice()),
  ]);
  assert.equal(EncryptMessage(from, 0, msg, 0), SEC_E_OK);
  assert.notDeepEqual(msg.pBuffers[1].pvBuffer, plain);
  assert.equal(DecryptMessage(to, msg, 0, { value: 0 }), SEC_E_OK);
  assert.deepEqual(msg.pBuffers[1].pvBuffer, plain);
}

Deno.test("ntlm async: a full handshake driven only by Sspi*Async reaches SEC_E_OK on both sides", async () => {
  const h = await asyncHandshake(SERVER);
  assert.equal(h.clientFinal, SEC_E_OK, statusName(h.clientFinal));
  assert.equal(h.serverFinal, SEC_E_OK, statusName(h.serverFinal));
  assert.equal(h.pending, SEC_I_ASYNC_CALL_PENDING);
  roundTrip(h.cctx, h.sctx);
  roundTrip(h.sctx, h.cctx);
  await cleanup(h);
});

Deno.test("ntlm async: a wrong password ends the async accept with SEC_E_LOGON_DENIED", async () => {
  const h = await asyncHandshake({
    users: [{ User: "alice", Domain: "EXAMPLE", Password: "other" }],
  });
  assert.equal(h.serverFinal, SEC_E_LOGON_DENIED);
  // The server context was never completed; the client one exists.
  assert.equal(SspiDeleteSecurityContextAsync(h.ac, h.cctx), SEC_E_OK);
  assert.equal(await finish(h.ac), SEC_E_OK);
  assert.equal(SspiDeleteSecurityContextAsync(h.as, h.sctx), SEC_E_OK);
  await finish(h.as);
  SspiFreeCredentialsHandleAsync(h.ac, h.ccred);
  await finish(h.ac);
  SspiFreeCredentialsHandleAsync(h.as, h.scred);
  await finish(h.as);
  SspiFreeAsyncContext(h.ac);
  SspiFreeAsyncContext(h.as);
});

Deno.test("ntlm async: an async lookup works through SspiAcceptSecurityContextAsync", async () => {
  const looked: [string, string][] = [];
  const h = await asyncHandshake({
    lookup: async (user: string, domain: string) => {
      looked.push([user, domain]);
      await new Promise((r) => setTimeout(r, 5));
      return { User: user, Password: "pw" };
    },
  });
  assert.equal(h.clientFinal, SEC_E_OK);
  assert.equal(h.serverFinal, SEC_E_OK, statusName(h.serverFinal));
  assert.equal(h.pending, SEC_I_ASYNC_CALL_PENDING);
  assert.deepEqual(looked, [["alice", "EXAMPLE"]]);
  roundTrip(h.cctx, h.sctx);
  await cleanup(h);
});

Deno.test("ntlm async: the sync AcceptSecurityContext with an async lookup gives SEC_E_NO_AUTHENTICATING_AUTHORITY", () => {
  const client = acquire("NTLM", SECPKG_CRED_OUTBOUND, CLIENT);
  const server = acquire("NTLM", SECPKG_CRED_INBOUND, {
    lookup: (user: string) => Promise.resolve({ User: user, Password: "pw" }),
  });
  assert.equal(client.status, SEC_E_OK);
  assert.equal(server.status, SEC_E_OK);
  const cctx = new CtxtHandle();
  const sctx = new CtxtHandle();
  const n = isc(client.cred, null, cctx, ISC_SEAL_FLAGS);
  assert.equal(n.status, SEC_I_CONTINUE_NEEDED);
  const ch = asc(
    server.cred,
    null,
    sctx,
    ASC_SEAL_FLAGS,
    tokenDesc(outToken(n.out)),
  );
  assert.equal(ch.status, SEC_I_CONTINUE_NEEDED);
  const au = isc(null, cctx, cctx, ISC_SEAL_FLAGS, tokenDesc(outToken(ch.out)));
  assert.equal(au.status, SEC_E_OK);
  const r = asc(null, sctx, sctx, ASC_SEAL_FLAGS, tokenDesc(outToken(au.out)));
  assert.equal(r.status, SEC_E_NO_AUTHENTICATING_AUTHORITY);
  const detail = lastErrorDetail();
  assert.equal(detail?.status, SEC_E_NO_AUTHENTICATING_AUTHORITY);
  assert.match(detail!.message, /SspiAcceptSecurityContextAsync/);
  freeAll(client.cred, server.cred, cctx, sctx);
});

function freeAll(
  c1: CredHandle,
  c2: CredHandle,
  x1: CtxtHandle,
  x2: CtxtHandle,
): void {
  assert.equal(DeleteSecurityContext(x1), SEC_E_OK);
  // The failed server context is still a handle (its earlier step succeeded).
  DeleteSecurityContext(x2);
  assert.equal(FreeCredentialsHandle(c1), SEC_E_OK);
  assert.equal(FreeCredentialsHandle(c2), SEC_E_OK);
}
