// Negotiate through the Sspi*Async calls: an inner step that has to wait (an NTLM
// acceptor whose user store answers with a Promise) passes through SPNEGO, which
// then finishes its own work (mechListMIC, final token) after the wait.
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  type NtlmAuthData,
  QueryContextAttributes,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_I_ASYNC_CALL_PENDING,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SspiCreateAsyncContext,
  SspiFreeAsyncContext,
  SspiGetAsyncCallStatus,
  statusName,
} from "../../mod.ts";
import {
  ASC_SEAL_FLAGS,
  ISC_SEAL_FLAGS,
  outToken,
  tokenDesc,
} from "../sspi/_helpers.ts";
import {
  acquireAsync,
  ascAsync,
  finish,
  iscAsync,
} from "../sspi/_async_helpers.ts";
import { USER } from "./_helpers.ts";

/**
 * The whole Negotiate handshake through Sspi*Async; returns every status in order and
 * whether the server's AUTHENTICATE step was pending while its lookup waited.
 */
async function handshake(server: NtlmAuthData) {
  const ac = SspiCreateAsyncContext();
  const as = SspiCreateAsyncContext();
  const cc = acquireAsync(ac, "Negotiate", SECPKG_CRED_OUTBOUND, USER);
  const sc = acquireAsync(as, "Negotiate", SECPKG_CRED_INBOUND, server);
  assert.equal(await finish(ac), SEC_E_OK);
  assert.equal(await finish(as), SEC_E_OK);
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  const statuses: number[] = [];
  let pendingSeen = false;
  let c = iscAsync(ac, cc.cred, null, cx, ISC_SEAL_FLAGS);
  assert.equal(c.queued, SEC_E_OK);
  let cst = await finish(ac);
  statuses.push(cst);
  let first = true;
  while (cst === SEC_I_CONTINUE_NEEDED) {
    const s = ascAsync(
      as,
      first ? sc.cred : null,
      first ? null : sx,
      sx,
      ASC_SEAL_FLAGS,
      tokenDesc(outToken(c.out)),
    );
    first = false;
    assert.equal(s.queued, SEC_E_OK);
    if (SspiGetAsyncCallStatus(as) === SEC_I_ASYNC_CALL_PENDING) {
      pendingSeen = true;
    }
    const sst = await finish(as);
    statuses.push(sst);
    if (sst !== SEC_E_OK && sst !== SEC_I_CONTINUE_NEEDED) break;
    c = iscAsync(ac, null, cx, cx, ISC_SEAL_FLAGS, tokenDesc(outToken(s.out)));
    assert.equal(c.queued, SEC_E_OK);
    cst = await finish(ac);
    statuses.push(cst);
  }
  SspiFreeAsyncContext(ac);
  SspiFreeAsyncContext(as);
  return { statuses, pendingSeen, cx, sx, cc: cc.cred, sc: sc.cred };
}

Deno.test("Negotiate async: an async user lookup passes through SPNEGO to SEC_E_OK on both sides", async () => {
  const looked: string[] = [];
  const h = await handshake({
    lookup: async (user: string, domain: string) => {
      looked.push(`${domain}\\${user}`);
      await new Promise((r) => setTimeout(r, 5));
      return { User: user, Password: USER.Password };
    },
  });
  try {
    assert.deepEqual(
      h.statuses.map(statusName),
      [
        "SEC_I_CONTINUE_NEEDED",
        "SEC_I_CONTINUE_NEEDED",
        "SEC_I_CONTINUE_NEEDED",
        "SEC_E_OK", // after the lookup: mechListMIC checked and sent
        "SEC_E_OK", // the client checked the server's mechListMIC
      ],
    );
    assert.ok(h.pendingSeen, "the accept waited for the lookup");
    assert.deepEqual(looked, ["EXAMPLE\\alice"]);
    for (const ctx of [h.cx, h.sx]) {
      const info: { value?: { PackageInfo: { Name: string } } } = {};
      assert.equal(
        QueryContextAttributes(ctx, SECPKG_ATTR_NEGOTIATION_INFO, info),
        SEC_E_OK,
      );
      assert.equal(info.value!.PackageInfo.Name, "NTLM");
    }
  } finally {
    DeleteSecurityContext(h.cx);
    DeleteSecurityContext(h.sx);
    FreeCredentialsHandle(h.cc);
    FreeCredentialsHandle(h.sc);
  }
});

Deno.test("Negotiate async: a wrong password from the async lookup is SEC_E_LOGON_DENIED", async () => {
  const h = await handshake({
    lookup: async (user: string) => {
      await new Promise((r) => setTimeout(r, 1));
      return { User: user, Password: "not-" + USER.Password };
    },
  });
  try {
    assert.equal(h.statuses.at(-1), SEC_E_LOGON_DENIED);
    assert.equal(h.statuses.length, 4);
  } finally {
    DeleteSecurityContext(h.cx);
    DeleteSecurityContext(h.sx);
    FreeCredentialsHandle(h.cc);
    FreeCredentialsHandle(h.sc);
  }
});
