// The SASL "GSS-SPNEGO" profile against Cyrus SASL's GSS-SPNEGO mechanism over MIT
// krb5: no RFC 4752 layer exchange (as Windows' LDAP and Cyrus both do it), the
// Negotiate context (Kerberos inside) carries sealed messages both ways. Our
// SaslInitializeSecurityContext against Cyrus' server, Cyrus' client against our
// SaslAcceptSecurityContext.
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_MUTUAL_AUTH,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_CRED_INBOUND,
  statusName,
} from "../../mod.ts";
import { CyrusSaslPeer } from "../peers/cyrus_sasl_peer.ts";
import {
  acquireKrb,
  keytabPath,
  userAuthData,
} from "../kerberos/_kdc_helpers.ts";
import { cyrus, krbTest, SERVICE, USER } from "./_krb.ts";
import { saslAsc, saslIsc, unwrapMsg, wrap } from "./_sasl.ts";

const st = (s: number) => statusName(s);
const enc = new TextEncoder();
const dec = new TextDecoder();
const FLAGS = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH |
  ISC_REQ_CONFIDENTIALITY;

async function traffic(ctx: CtxtHandle, peer: CyrusSaslPeer) {
  for (let i = 0; i < 2; i++) {
    const msg = enc.encode(`message ${i}`);
    const d = await peer.decode(wrap(ctx, msg, true));
    assert.ok(d.ok, JSON.stringify(d));
    assert.equal(dec.decode(d.data), `message ${i}`);
    const u = unwrapMsg(ctx, await peer.encode(msg));
    assert.equal(st(u.status), st(SEC_E_OK));
    assert.equal(dec.decode(u.data), `message ${i}`);
    assert.ok(u.sealed);
  }
}

krbTest("SASL GSS-SPNEGO", "our client, Cyrus server", async (kdc) => {
  const { status, cred } = await acquireKrb("Negotiate", userAuthData(kdc));
  assert.equal(st(status), st(SEC_E_OK));
  const server = await CyrusSaslPeer.start(
    "server",
    cyrus(kdc, { mech: "GSS-SPNEGO" }),
  );
  const ctx = new CtxtHandle();
  try {
    assert.equal((await server.start()).kind, "CONTINUE");
    let r = await saslIsc(cred, ctx, true, SERVICE, FLAGS, null);
    let steps = 1;
    while (r.status === SEC_I_CONTINUE_NEEDED && steps < 5) {
      const s = await server.step(r.token);
      assert.notEqual(s.kind, "FAIL", JSON.stringify(s));
      if (s.kind === "FAIL") break;
      r = await saslIsc(cred, ctx, false, SERVICE, FLAGS, s.data);
      steps++;
    }
    // AP-REQ, then the AP-REP completes both: no layer round.
    assert.equal(st(r.status), st(SEC_E_OK));
    assert.equal(steps, 2);
    assert.equal(r.token.length, 0);
    assert.equal(await server.user(), USER);
    assert.ok(await server.ssf() > 1);
    await traffic(ctx, server);
  } finally {
    DeleteSecurityContext(ctx);
    FreeCredentialsHandle(cred);
    await server.close();
  }
});

krbTest("SASL GSS-SPNEGO", "Cyrus client, our server", async (kdc) => {
  const cred = new CredHandle();
  assert.equal(
    AcquireCredentialsHandle(
      null,
      "Negotiate",
      SECPKG_CRED_INBOUND,
      null,
      {
        Keytab: keytabPath(kdc),
      },
      null,
      null,
      cred,
      null,
    ),
    SEC_E_OK,
  );
  const client = await CyrusSaslPeer.start(
    "client",
    cyrus(kdc, { mech: "GSS-SPNEGO" }),
  );
  const ctx = new CtxtHandle();
  try {
    const c = await client.start();
    assert.equal(c.kind, "CONTINUE");
    if (c.kind !== "CONTINUE") return;
    const r = saslAsc(cred, ctx, true, 0x100, c.data);
    assert.equal(st(r.status), st(SEC_E_OK));
    const done = await client.step(r.token);
    assert.equal(done.kind, "OK", JSON.stringify(done));
    assert.ok(await client.ssf() > 1);
    await traffic(ctx, client);
  } finally {
    DeleteSecurityContext(ctx);
    FreeCredentialsHandle(cred);
    await client.close();
  }
});
