// A refused AP-REQ answered with a KRB-ERROR when the acceptor asks for
// ASC_REQ_EXTENDED_ERROR (as Windows does then, and MIT's acceptor always): a
// GSS token with ID 03 00 (RFC 4121 4.1) that tells the client why. MIT's
// initiator reads ours ("wrong principal": a ticket for a service the acceptor's
// keys do not cover), our client reads ours (a replay; a clock too far off), and
// without the flag no token goes out.
import assert from "node:assert/strict";
import { dirname } from "node:path";
import {
  ASC_REQ_EXTENDED_ERROR,
  ASC_RET_EXTENDED_ERROR,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  InitializeSecurityContext,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_E_TIME_SKEW,
  SEC_E_WRONG_PRINCIPAL,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  statusName,
} from "../../mod.ts";
import {
  KRB_AP_ERR_NOT_US,
  KRB_AP_ERR_REPEAT,
  KRB_AP_ERR_SKEW,
} from "../../src/packages/kerberos/constants.ts";
import {
  TOK_KRB_ERROR,
  unframeToken,
} from "../../src/packages/kerberos/gss.ts";
import { decodeKrbError } from "../../src/packages/kerberos/messages.ts";
import {
  decodeNegotiationToken,
  REJECT,
} from "../../src/packages/negotiate/mod.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import { at } from "../schannel/_resume.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  ASC_FLAGS,
  iscStep,
  keytabPath,
  KRB_FLAGS,
  krbTest,
  newCtx,
  REALM,
  SERVICE,
  userAuthData,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);

/** One AcceptSecurityContext with `flags` on a new context, deleted after. */
function acceptWith(
  cred: ReturnType<typeof acquireInbound>["cred"],
  token: Uint8Array,
  flags: number,
): { status: number; token: Uint8Array | null; attrs: number } {
  const ctx = new CtxtHandle();
  const r = accept(cred, ctx, token, { flags });
  DeleteSecurityContext(ctx);
  return r;
}

/**
 * The first token of `ctx` made on a clock 10 minutes ahead: synchronously, so the
 * service ticket must be cached already (the clock is moved only during the call).
 */
function firstTokenAhead(
  cred: ReturnType<typeof acquireInbound>["cred"],
  ctx: CtxtHandle,
): Uint8Array {
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  const status = at(10 * 60_000, () =>
    InitializeSecurityContext(
      cred,
      null,
      SERVICE,
      KRB_FLAGS,
      0,
      16,
      null,
      0,
      ctx,
      out,
      { value: 0 },
      null,
    ));
  assert.equal(st(status), st(SEC_I_CONTINUE_NEEDED));
  return out.pBuffers[0].pvBuffer!.subarray(0, out.pBuffers[0].cbBuffer);
}

/** The error code of a GSS-framed KRB-ERROR token (asserting its shape). */
function krbErrorCode(token: Uint8Array | null): number {
  assert.ok(token, "a KRB-ERROR token");
  const u = unframeToken(token);
  assert.ok(u && u.tokId === TOK_KRB_ERROR, "GSS token ID 03 00");
  const e = decodeKrbError(u.inner);
  assert.equal(e.realm, REALM);
  assert.deepEqual(e.sname.nameString, SERVICE.split("/"));
  return e.errorCode;
}

await krbTest(
  "KRB-ERROR from our acceptor: MIT's initiator reads KRB_AP_ERR_NOT_US; our client reads REPEAT and SKEW; none without ASC_REQ_EXTENDED_ERROR",
  () =>
    withKdc(async (kdc) => {
      const all = acquireInbound("Kerberos", { Keytab: keytabPath(kdc) });
      // An acceptor with only host/localhost's key: a ticket for HTTP/localhost
      // is not its.
      const hostKeytab = `${dirname(keytabPath(kdc))}/host.keytab`;
      await kdc.kadmin(`ktadd -k ${hostKeytab} host/localhost`);
      const other = acquireInbound("Kerberos", { Keytab: hostKeytab });
      assert.equal(st(other.status), st(SEC_E_OK));
      const { cred } = await acquireKrb("Kerberos", userAuthData(kdc));
      const peer = await GssapiPeer.start({
        role: "initiator",
        mech: "krb5",
        defaultCreds: true,
        target: "HTTP@localhost",
        env: kdc.env,
      });
      try {
        const first = await peer.step(null);
        const refused = acceptWith(
          other.cred,
          first.token!,
          ASC_FLAGS | ASC_REQ_EXTENDED_ERROR,
        );
        assert.equal(st(refused.status), st(SEC_E_WRONG_PRINCIPAL));
        assert.ok(refused.attrs & ASC_RET_EXTENDED_ERROR);
        assert.equal(krbErrorCode(refused.token), KRB_AP_ERR_NOT_US);
        await assert.rejects(
          () => peer.step(refused.token),
          (e: Error) =>
            /isn't for us|not for us|wrong principal/i.test(e.message),
          "MIT reads the KRB-ERROR",
        );

        // Without the flag: the same refusal, and no token.
        const quiet = acceptWith(other.cred, first.token!, ASC_FLAGS);
        assert.equal(st(quiet.status), st(SEC_E_WRONG_PRINCIPAL));
        assert.equal(quiet.token, null);

        // Our client: a replayed AP-REQ, then one from a clock 10 minutes ahead.
        const a = await iscStep(cred, newCtx(), true, SERVICE, null);
        const flags = ASC_FLAGS | ASC_REQ_EXTENDED_ERROR;
        assert.equal(
          st(acceptWith(all.cred, a.token!, flags).status),
          st(SEC_E_OK),
        );
        const replay = acceptWith(all.cred, a.token!, flags);
        assert.equal(st(replay.status), st(SEC_E_LOGON_DENIED));
        assert.equal(krbErrorCode(replay.token), KRB_AP_ERR_REPEAT);
        // The service ticket is cached now: an AP-REQ 10 minutes ahead.
        const ctx = newCtx();
        const lateToken = firstTokenAhead(cred, ctx);
        const skew = acceptWith(all.cred, lateToken, flags);
        assert.equal(st(skew.status), st(SEC_E_TIME_SKEW));
        assert.equal(krbErrorCode(skew.token), KRB_AP_ERR_SKEW);
        const told = await iscStep(cred, ctx, false, SERVICE, skew.token);
        assert.equal(
          st(told.status),
          st(SEC_E_TIME_SKEW),
          "our client reads it",
        );
      } finally {
        await peer.close();
        FreeCredentialsHandle(cred);
        FreeCredentialsHandle(all.cred);
        FreeCredentialsHandle(other.cred);
      }
    }),
);

await krbTest(
  "KRB-ERROR through Negotiate: a reject NegTokenResp carries it to MIT's SPNEGO initiator",
  () =>
    withKdc(async (kdc) => {
      const hostKeytab = `${dirname(keytabPath(kdc))}/host.keytab`;
      await kdc.kadmin(`ktadd -k ${hostKeytab} host/localhost`);
      const other = acquireInbound("Negotiate", { Keytab: hostKeytab });
      assert.equal(st(other.status), st(SEC_E_OK));
      const peer = await GssapiPeer.start({
        role: "initiator",
        mech: "spnego",
        defaultCreds: true,
        target: "HTTP@localhost",
        env: kdc.env,
      });
      try {
        const first = await peer.step(null);
        const refused = acceptWith(
          other.cred,
          first.token!,
          ASC_FLAGS | ASC_REQ_EXTENDED_ERROR,
        );
        assert.equal(st(refused.status), st(SEC_E_WRONG_PRINCIPAL));
        const resp = decodeNegotiationToken(refused.token!);
        assert.equal(resp.type, "resp");
        if (resp.type !== "resp") return;
        assert.equal(resp.negState, REJECT);
        assert.equal(
          krbErrorCode(resp.responseToken ?? null),
          KRB_AP_ERR_NOT_US,
        );
        await assert.rejects(() => peer.step(refused.token), "MIT refuses");
      } finally {
        await peer.close();
        FreeCredentialsHandle(other.cred);
      }
    }),
);

await krbTest(
  "KRB-ERROR through Negotiate, our client: the reject's KRB-ERROR reaches Kerberos, so a skew is SEC_E_TIME_SKEW, not a bare refusal",
  () =>
    withKdc(async (kdc) => {
      const server = acquireInbound("Negotiate", { Keytab: keytabPath(kdc) });
      const { cred } = await acquireKrb("Negotiate", userAuthData(kdc));
      try {
        // The first context gets the service ticket from the KDC (async).
        const first = await iscStep(cred, newCtx(), true, SERVICE, null);
        const firstAccepted = acceptWith(server.cred, first.token!, ASC_FLAGS);
        assert.equal(st(firstAccepted.status), st(SEC_E_OK));
        // Then a NegTokenInit made on a clock 10 minutes ahead.
        const ctx = newCtx();
        const init = firstTokenAhead(cred, ctx);
        const refused = acceptWith(
          server.cred,
          init,
          ASC_FLAGS | ASC_REQ_EXTENDED_ERROR,
        );
        assert.equal(st(refused.status), st(SEC_E_TIME_SKEW));
        const told = await iscStep(cred, ctx, false, SERVICE, refused.token);
        assert.equal(st(told.status), st(SEC_E_TIME_SKEW));
      } finally {
        FreeCredentialsHandle(cred);
        FreeCredentialsHandle(server.cred);
      }
    }),
);
