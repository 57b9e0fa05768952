// The SASL "GSSAPI" profile (RFC 4752) against a real peer, Cyrus SASL's GSSAPI
// plugin over MIT krb5 (tests/peers/cyrus_sasl_peer.c, mech=GSSAPI): our
// SaslInitializeSecurityContext (Kerberos) against Cyrus' server and Cyrus' client
// against our SaslAcceptSecurityContext, with MIT's KDC; each security layer
// (confidentiality, integrity, none) agreed as each side's settings call for, the SSF
// Cyrus reports, messages both ways under the layer (our EncryptMessage ->
// sasl_decode, sasl_encode -> our DecryptMessage), the authorization identity both
// ways, and refusals when no offered layer meets the request.
//
// Needs: apt-get install -y gcc libsasl2-dev libsasl2-modules-gssapi-mit krb5-kdc
// krb5-admin-server krb5-user. Skips locally with that hint; fails under CI=true.
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_INTEGRITY,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  SASL_OPTION_AUTHZ_STRING,
  SASL_OPTION_SEND_SIZE,
  SaslGetContextOption,
  SaslSetContextOption,
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_CRED_INBOUND,
  statusName,
} from "../../mod.ts";
import { CyrusSaslPeer } from "../peers/cyrus_sasl_peer.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  acquireKrb,
  keytabPath,
  userAuthData,
} from "../kerberos/_kdc_helpers.ts";
import { cyrus, krbTest, SERVICE, USER } from "./_krb.ts";
import { saslAsc, saslIsc, type Step, unwrapMsg, wrap } from "./_sasl.ts";

const st = (s: number) => statusName(s);
const enc = new TextEncoder();
const dec = new TextDecoder();
const test = (name: string, fn: (kdc: MitKdc) => Promise<void>) =>
  krbTest("SASL GSSAPI", name, fn);

/** Our client against Cyrus' server to the end; the context, or the failing status. */
async function oursToCyrus(
  kdc: MitKdc,
  flags: number,
  server: CyrusSaslPeer,
  authz?: string,
): Promise<{ ctx: CtxtHandle; status: number; cred: CredHandle }> {
  const { status: acq, cred } = await acquireKrb("Kerberos", userAuthData(kdc));
  assert.equal(st(acq), st(SEC_E_OK));
  const ctx = new CtxtHandle();
  assert.equal((await server.start()).kind, "CONTINUE");
  let r = await saslIsc(cred, ctx, true, SERVICE, flags, null);
  for (let i = 0; i < 5; i++) {
    if (r.status !== SEC_I_CONTINUE_NEEDED) break;
    const s = await server.step(r.token);
    if (s.kind !== "CONTINUE") return { ctx, status: -1, cred };
    if (authz !== undefined && i === 1) {
      // The offer is next: set the identity to send with the choice.
      assert.equal(
        SaslSetContextOption(
          ctx,
          SASL_OPTION_AUTHZ_STRING,
          authz,
          authz.length,
        ),
        SEC_E_OK,
      );
    }
    r = await saslIsc(cred, ctx, false, SERVICE, flags, s.data);
  }
  if (r.status === SEC_E_OK) {
    const last = await server.step(r.token);
    if (last.kind !== "OK") return { ctx, status: -1, cred };
  }
  return { ctx, status: r.status, cred };
}

/** Messages both ways under the layer: ours to Cyrus and Cyrus to ours. */
async function traffic(ctx: CtxtHandle, peer: CyrusSaslPeer, seal: boolean) {
  for (let i = 0; i < 3; i++) {
    const msg = enc.encode(`to the peer #${i} ` + "x".repeat(i * 700));
    const d = await peer.decode(wrap(ctx, msg, seal));
    assert.ok(d.ok, `sasl_decode: ${JSON.stringify(d)}`);
    assert.equal(dec.decode(d.data), dec.decode(msg));
    const back = enc.encode(`from the peer #${i}`);
    const u = unwrapMsg(ctx, await peer.encode(back));
    assert.equal(st(u.status), st(SEC_E_OK));
    assert.equal(dec.decode(u.data), dec.decode(back));
    assert.equal(u.sealed, seal);
  }
}

const MUTUAL = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH;

for (
  const c of [
    {
      name: "confidentiality",
      flags: MUTUAL | ISC_REQ_CONFIDENTIALITY,
      ssf: 256,
    },
    { name: "integrity", flags: MUTUAL | ISC_REQ_INTEGRITY, ssf: 1 },
    { name: "no security layer", flags: MUTUAL, ssf: 0 },
    {
      name: "integrity, no mutual authentication",
      flags: ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_INTEGRITY,
      ssf: 1,
    },
  ]
) {
  test(`our client, Cyrus server: ${c.name}`, async (kdc) => {
    const server = await CyrusSaslPeer.start("server", cyrus(kdc, {}));
    try {
      const r = await oursToCyrus(kdc, c.flags, server);
      assert.equal(st(r.status), st(SEC_E_OK), server.stderr);
      assert.equal(await server.ssf(), c.ssf);
      assert.equal(await server.user(), USER);
      const size = { value: 0 as number | Uint8Array };
      assert.equal(
        SaslGetContextOption(r.ctx, SASL_OPTION_SEND_SIZE, size, 4),
        SEC_E_OK,
      );
      if (c.ssf) {
        // Cyrus offers 65536; less our block, trailer and signature sizes.
        assert.ok(
          (size.value as number) < 65536 && (size.value as number) > 65000,
        );
        await traffic(r.ctx, server, c.ssf > 1);
      }
      DeleteSecurityContext(r.ctx);
      FreeCredentialsHandle(r.cred);
    } finally {
      await server.close();
    }
  });
}

test("our client sends an authorization identity; Cyrus checks it", async (kdc) => {
  for (const [authz, ok] of [[USER, true], ["bob", false]] as const) {
    const server = await CyrusSaslPeer.start("server", cyrus(kdc, {}));
    try {
      const r = await oursToCyrus(
        kdc,
        MUTUAL | ISC_REQ_CONFIDENTIALITY,
        server,
        authz,
      );
      if (ok) {
        assert.equal(st(r.status), st(SEC_E_OK));
        assert.equal(await server.user(), authz);
      } else {
        // Cyrus' default policy: alice may not act as bob (SASL_NOAUTHZ).
        assert.equal(r.status, -1);
      }
      DeleteSecurityContext(r.ctx);
      FreeCredentialsHandle(r.cred);
    } finally {
      await server.close();
    }
  }
});

test("our client refuses an offer below what it asked for", async (kdc) => {
  const server = await CyrusSaslPeer.start("server", cyrus(kdc, { maxSsf: 1 }));
  try {
    const r = await oursToCyrus(kdc, MUTUAL | ISC_REQ_CONFIDENTIALITY, server);
    assert.equal(st(r.status), st(SEC_E_ALGORITHM_MISMATCH));
    DeleteSecurityContext(r.ctx);
    FreeCredentialsHandle(r.cred);
  } finally {
    await server.close();
  }
});

/** Cyrus' client against our server; our context and the last statuses. */
async function cyrusToOurs(
  kdc: MitKdc,
  ascFlags: number,
  o: { minSsf?: number; maxSsf?: number; authzid?: string },
) {
  const cred = new CredHandle();
  assert.equal(
    AcquireCredentialsHandle(
      null,
      "Kerberos",
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
  const client = await CyrusSaslPeer.start("client", cyrus(kdc, o));
  const ctx = new CtxtHandle();
  let c = await client.start();
  let ours: Step = {
    status: SEC_I_CONTINUE_NEEDED,
    token: new Uint8Array(0),
    attrs: 0,
  };
  for (let i = 0; i < 5 && c.kind !== "FAIL"; i++) {
    ours = saslAsc(
      cred,
      ctx,
      i === 0,
      ASC_REQ_ALLOCATE_MEMORY | ascFlags,
      c.data,
    );
    if (ours.status !== SEC_I_CONTINUE_NEEDED) break;
    c = await client.step(ours.token);
  }
  return { cred, ctx, client, ours, cyrus: c };
}

for (
  const c of [
    { name: "confidentiality", asc: 0, o: {}, ssf: 256 },
    { name: "integrity", asc: 0, o: { maxSsf: 1 }, ssf: 1 },
    { name: "no security layer", asc: 0, o: { maxSsf: 0 }, ssf: 0 },
    {
      name: "integrity required, confidentiality taken",
      asc: ASC_REQ_INTEGRITY,
      o: {},
      ssf: 256,
    },
  ]
) {
  test(`Cyrus client, our server: ${c.name}`, async (kdc) => {
    const r = await cyrusToOurs(kdc, c.asc, c.o);
    try {
      assert.equal(st(r.ours.status), st(SEC_E_OK));
      assert.equal(r.ours.token.length, 0);
      assert.equal(r.cyrus.kind, "OK", JSON.stringify(r.cyrus));
      assert.equal(await r.client.ssf(), c.ssf);
      if (c.ssf) await traffic(r.ctx, r.client, c.ssf > 1);
    } finally {
      DeleteSecurityContext(r.ctx);
      FreeCredentialsHandle(r.cred);
      await r.client.close();
    }
  });
}

test("Cyrus client's authorization identity reaches our server", async (kdc) => {
  const r = await cyrusToOurs(kdc, 0, { authzid: "admin@EXAMPLE.TEST" });
  try {
    assert.equal(st(r.ours.status), st(SEC_E_OK));
    const v = { value: undefined as number | Uint8Array | undefined };
    const need = { value: 0 };
    assert.equal(
      statusName(
        SaslGetContextOption(r.ctx, SASL_OPTION_AUTHZ_STRING, v, 3, need),
      ),
      "SEC_E_BUFFER_TOO_SMALL",
    );
    assert.equal(need.value, "admin@EXAMPLE.TEST".length);
    assert.equal(
      SaslGetContextOption(r.ctx, SASL_OPTION_AUTHZ_STRING, v, 64),
      SEC_E_OK,
    );
    assert.equal(dec.decode(v.value as Uint8Array), "admin@EXAMPLE.TEST");
  } finally {
    DeleteSecurityContext(r.ctx);
    FreeCredentialsHandle(r.cred);
    await r.client.close();
  }
});

test("our server requiring confidentiality refuses a client that only signs", async (kdc) => {
  const r = await cyrusToOurs(kdc, ASC_REQ_CONFIDENTIALITY, { maxSsf: 1 });
  try {
    // Cyrus finds no acceptable layer in our offer and gives up.
    assert.equal(r.cyrus.kind, "FAIL");
    assert.equal(st(r.ours.status), st(SEC_I_CONTINUE_NEEDED));
  } finally {
    DeleteSecurityContext(r.ctx);
    FreeCredentialsHandle(r.cred);
    await r.client.close();
  }
});
