// The portable Kerberos acceptor: MIT krb5's initiator (python3-gssapi, a ticket from
// `kinit` in its ccache) against our AcceptSecurityContext with the service key from
// the KDC's keytab, then messages both ways; our own client against it (replay and
// channel-binding checks); and Negotiate choosing Kerberos both ways with MIT SPNEGO.
import assert from "node:assert/strict";
import {
  type CredHandle,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  FreeCredentialsHandle,
  type PacLogonInfo,
  QueryContextAttributes,
  SEC_E_BAD_BINDINGS,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_E_WRONG_PRINCIPAL,
  SecBuffer,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_DATA,
  SECBUFFER_STREAM,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_PAC_LOGON_INFO,
  SECQOP_WRAP_NO_ENCRYPT,
  SECURITY_NATIVE_DREP,
  SspiCreateAsyncContext,
  SspiFreeAsyncContext,
  SspiInitializeSecurityContextAsync,
  SspiWaitForAsyncCall,
  statusName,
} from "../../mod.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  KRB_FLAGS,
  KRB_USER,
  krbTest,
  newCtx,
  REALM,
  sealToWire,
  SERVICE,
  userAuthData,
  withKdc,
} from "./_kdc_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const st = (s: number) => statusName(s);

/** An inbound credential over the KDC's keytab (asserted acquired). */
function serverCred(pkg: string, kdc: MitKdc, extra: object = {}): CredHandle {
  const { status, cred } = acquireInbound(pkg, {
    Keytab: keytabPath(kdc),
    ...extra,
  });
  assert.equal(st(status), st(SEC_E_OK));
  return cred;
}

/** A SEC_CHANNEL_BINDINGS structure with only application data. */
function bindingsOf(app: Uint8Array): Uint8Array {
  const out = new Uint8Array(32 + app.length);
  const v = new DataView(out.buffer);
  v.setUint32(24, app.length, true);
  v.setUint32(28, 32, true);
  out.set(app, 32);
  return out;
}

/** Sealed messages both ways between our context and a GSSAPI peer. */
async function traffic(ctx: CtxtHandle, peer: GssapiPeer) {
  for (let i = 0; i < 2; i++) {
    const w = await peer.wrap(enc.encode(`from MIT ${i}`));
    const out = new SecBuffer(SECBUFFER_DATA, null);
    const m = new SecBufferDesc([new SecBuffer(SECBUFFER_STREAM, w.data), out]);
    assert.equal(st(DecryptMessage(ctx, m, 0, { value: 0 })), st(SEC_E_OK));
    assert.equal(
      dec.decode(out.pvBuffer!.subarray(0, out.cbBuffer)),
      `from MIT ${i}`,
    );
    const wire = sealToWire(ctx, enc.encode(`from us ${i}`));
    assert.equal(dec.decode((await peer.unwrap(wire)).data), `from us ${i}`);
  }
  // Integrity only (gss_wrap without confidentiality, SECQOP_WRAP_NO_ENCRYPT): the
  // checksum is keyed with the SEAL usage, as for every Wrap token (RFC 4121 4.2.4).
  const signed = await peer.wrap(enc.encode("signed by MIT"), false);
  assert.equal(signed.encrypted, false);
  const out = new SecBuffer(SECBUFFER_DATA, null);
  const qop = { value: 0 };
  assert.equal(
    st(DecryptMessage(
      ctx,
      new SecBufferDesc([new SecBuffer(SECBUFFER_STREAM, signed.data), out]),
      0,
      qop,
    )),
    st(SEC_E_OK),
  );
  assert.equal(qop.value, SECQOP_WRAP_NO_ENCRYPT);
  assert.equal(
    dec.decode(out.pvBuffer!.subarray(0, out.cbBuffer)),
    "signed by MIT",
  );
  const tok = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(60));
  const data = new SecBuffer(SECBUFFER_DATA, enc.encode("signed by us"));
  assert.equal(
    st(
      EncryptMessage(
        ctx,
        SECQOP_WRAP_NO_ENCRYPT,
        new SecBufferDesc([tok, data]),
        0,
      ),
    ),
    st(SEC_E_OK),
  );
  const joined = new Uint8Array(tok.cbBuffer + data.cbBuffer);
  joined.set(tok.pvBuffer!.subarray(0, tok.cbBuffer));
  joined.set(data.pvBuffer!, tok.cbBuffer);
  const back = await peer.unwrap(joined);
  assert.equal(back.encrypted, false);
  assert.equal(dec.decode(back.data), "signed by us");
}

await krbTest(
  "MIT krb5 initiator (kinit ticket) -> our Kerberos acceptor with the keytab: AP-REP, names, sealed messages both ways",
  () =>
    withKdc(async (kdc) => {
      const cred = serverCred("Kerberos", kdc);
      const peer = await GssapiPeer.start({
        role: "initiator",
        mech: "krb5",
        defaultCreds: true,
        target: "HTTP@localhost",
        env: kdc.env,
      });
      const ctx = new CtxtHandle();
      try {
        const first = await peer.step(null);
        const r = accept(cred, ctx, first.token!);
        assert.equal(st(r.status), st(SEC_E_OK));
        assert.ok(r.token, "an AP-REP for mutual authentication");
        const done = await peer.step(r.token);
        assert.ok(done.complete);
        const names = { value: null as unknown };
        QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, names);
        assert.deepEqual(names.value, {
          sUserName: `${KRB_USER.user}@${REALM}`,
        });
        // MIT's KDC (1.20 on) puts a PAC without logon information in tickets.
        const out = { value: null as unknown };
        assert.equal(
          st(QueryContextAttributes(ctx, SECPKG_ATTR_PAC_LOGON_INFO, out)),
          st(SEC_E_OK),
        );
        const pac = out.value as PacLogonInfo;
        assert.equal(pac.ClientName, KRB_USER.user);
        assert.equal(pac.UserSid, null, "no logon information from MIT");
        assert.ok(pac.ServerChecksumVerified && pac.ClientInfoValid);
        assert.ok([6, 7, 10].every((b) => pac.Buffers.includes(b)));
        await traffic(ctx, peer);
      } finally {
        DeleteSecurityContext(ctx);
        FreeCredentialsHandle(cred);
        await peer.close();
      }
    }),
);

await krbTest(
  "our Kerberos client -> our acceptor: a replayed AP-REQ, other channel bindings and a wrong principal are refused",
  () =>
    withKdc(async (kdc) => {
      const { cred } = await acquireKrb("Kerberos", userAuthData(kdc));
      const server = serverCred("Kerberos", kdc);
      const a = await iscStep(cred, newCtx(), true, SERVICE, null);
      const sx = new CtxtHandle();
      assert.equal(st(accept(server, sx, a.token!).status), st(SEC_E_OK));
      const again = accept(server, new CtxtHandle(), a.token!);
      assert.equal(st(again.status), st(SEC_E_LOGON_DENIED), "replay");
      DeleteSecurityContext(sx);

      // Bindings: the client binds to "tls-server-end-point:A", the server has "B".
      const cbA = bindingsOf(enc.encode("tls-server-end-point:A"));
      const cbB = bindingsOf(enc.encode("tls-server-end-point:B"));
      const bound = await iscStepWith(cred, cbA);
      assert.equal(
        st(accept(server, new CtxtHandle(), bound, { bindings: cbB }).status),
        st(SEC_E_BAD_BINDINGS),
      );
      const bound2 = await iscStepWith(cred, cbA);
      assert.equal(
        st(accept(server, new CtxtHandle(), bound2, { bindings: cbA }).status),
        st(SEC_E_OK),
      );
      // Required bindings refuse a client that sent none.
      const strict = serverCred("Kerberos", kdc, {
        requireChannelBindings: true,
      });
      const plain = await iscStep(cred, newCtx(), true, SERVICE, null);
      assert.equal(
        st(
          accept(strict, new CtxtHandle(), plain.token!, { bindings: cbA })
            .status,
        ),
        st(SEC_E_BAD_BINDINGS),
      );
      // A ticket for host/localhost is not for a server holding only HTTP/localhost.
      const other = await iscStep(cred, newCtx(), true, "host/localhost", null);
      assert.equal(
        st(accept(server, new CtxtHandle(), other.token!).status),
        st(SEC_E_WRONG_PRINCIPAL),
      );
      for (const c of [cred, server, strict]) FreeCredentialsHandle(c);
    }),
);

/** A first client step with channel bindings in its input. */
async function iscStepWith(
  cred: CredHandle,
  cb: Uint8Array,
): Promise<Uint8Array> {
  const actx = SspiCreateAsyncContext();
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  try {
    SspiInitializeSecurityContextAsync(
      actx,
      cred,
      null,
      SERVICE,
      KRB_FLAGS,
      0,
      SECURITY_NATIVE_DREP,
      new SecBufferDesc([new SecBuffer(SECBUFFER_CHANNEL_BINDINGS, cb)]),
      0,
      new CtxtHandle(),
      out,
      { value: 0 },
      null,
    );
    await SspiWaitForAsyncCall(actx);
    return out.pBuffers[0].pvBuffer!.subarray(0, out.pBuffers[0].cbBuffer);
  } finally {
    SspiFreeAsyncContext(actx);
  }
}

await krbTest(
  "MIT SPNEGO initiator with a Kerberos ticket -> our Negotiate acceptor with a keytab: Kerberos is chosen",
  () =>
    withKdc(async (kdc) => {
      const cred = serverCred("Negotiate", kdc);
      const peer = await GssapiPeer.start({
        role: "initiator",
        mech: "spnego",
        defaultCreds: true,
        target: "HTTP@localhost",
        env: kdc.env,
      });
      const ctx = new CtxtHandle();
      try {
        let tok = (await peer.step(null)).token!;
        let first = true;
        for (;;) {
          const r = accept(cred, ctx, tok, { first });
          first = false;
          assert.ok(
            r.status === SEC_E_OK || r.status === 0x90312,
            st(r.status),
          );
          const p = await peer.step(r.token);
          if (r.status === SEC_E_OK) {
            assert.ok(p.complete);
            break;
          }
          tok = p.token!;
        }
        const neg = { value: null as unknown };
        QueryContextAttributes(ctx, SECPKG_ATTR_NEGOTIATION_INFO, neg);
        assert.equal(
          (neg.value as { PackageInfo: { Name: string } }).PackageInfo.Name,
          "Kerberos",
        );
        assert.equal((await peer.info()).mech, "1.2.840.113554.1.2.2");
        await traffic(ctx, peer);
      } finally {
        DeleteSecurityContext(ctx);
        FreeCredentialsHandle(cred);
        await peer.close();
      }
    }),
);

await krbTest(
  "our Negotiate client with Kerberos and NTLM credentials -> MIT SPNEGO acceptor: Kerberos first, completed with the AP-REP",
  () =>
    withKdc(async (kdc) => {
      const { status, cred } = await acquireKrb("Negotiate", userAuthData(kdc));
      assert.equal(st(status), st(SEC_E_OK));
      const peer = await GssapiPeer.start({
        role: "acceptor",
        mech: "spnego",
        env: kdc.env,
      });
      const ctx = newCtx();
      try {
        let r = await iscStep(cred, ctx, true, SERVICE, null);
        let first = true;
        while (r.token) {
          const p = await peer.step(r.token);
          if (!p.token) break;
          r = await iscStep(cred, ctx, false, SERVICE, p.token);
          first = false;
        }
        assert.equal(st(r.status), st(SEC_E_OK));
        assert.equal(first, false);
        const info = await peer.info();
        assert.equal(info.mech, "1.2.840.113554.1.2.2");
        assert.equal(info.peer_name, `${KRB_USER.user}@${REALM}`);
        await traffic(ctx, peer);
      } finally {
        DeleteSecurityContext(ctx);
        FreeCredentialsHandle(cred);
        await peer.close();
      }
    }),
);
