// The portable Kerberos client against MIT krb5: a real KDC (AS exchange with
// encrypted-timestamp pre-authentication, TGS exchange) and MIT's GSSAPI acceptor
// (python3-gssapi) holding the service key in a keytab. Then RFC 4121 messages both
// ways: our EncryptMessage/MakeSignature read by gss_unwrap/gss_verify_mic, and MIT's
// gss_wrap/gss_get_mic read by our DecryptMessage/VerifySignature.
import assert from "node:assert/strict";
import {
  client,
  DecryptMessage,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  InitializeSecurityContext,
  MakeSignature,
  QueryContextAttributes,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_TARGET_UNKNOWN,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_STREAM,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_SESSION_KEY,
  SECURITY_NATIVE_DREP,
  server,
  statusName,
  VerifySignature,
} from "../../mod.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import {
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

await krbTest(
  "Kerberos client -> MIT acceptor: AS, TGS, AP-REQ/AP-REP with mutual authentication, then sealed and signed messages both ways",
  () =>
    withKdc(async (kdc) => {
      const { status, cred } = await acquireKrb("Kerberos", userAuthData(kdc));
      assert.equal(st(status), st(SEC_E_OK));
      const peer = await GssapiPeer.start({
        role: "acceptor",
        mech: "krb5",
        env: kdc.env,
      });
      const ctx = newCtx();
      try {
        const a = await iscStep(cred, ctx, true, SERVICE, null);
        assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
        assert.equal(a.token![0], 0x60, "a GSS-framed AP-REQ");
        const r = await peer.step(a.token);
        assert.ok(r.complete && r.token, "MIT answers with an AP-REP");
        const b = await iscStep(cred, ctx, false, SERVICE, r.token);
        assert.equal(st(b.status), st(SEC_E_OK));
        const info = await peer.info();
        assert.equal(info.peer_name, `${KRB_USER.user}@${REALM}`);
        assert.equal(info.mech, "1.2.840.113554.1.2.2");

        const names = { value: null as unknown };
        assert.equal(QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, names), 0);
        assert.deepEqual(names.value, { sUserName: `alice@${REALM}` });
        const neg = { value: null as unknown };
        QueryContextAttributes(ctx, SECPKG_ATTR_NEGOTIATION_INFO, neg);
        assert.equal(
          (neg.value as { PackageInfo: { Name: string } }).PackageInfo.Name,
          "Kerberos",
        );
        for (let i = 0; i < 3; i++) {
          // Ours -> MIT: EncryptMessage's token and data, sent as one GSS token.
          const wire = sealToWire(ctx, enc.encode(`sealed by us ${i}`));
          const u = await peer.unwrap(wire);
          assert.equal(dec.decode(u.data), `sealed by us ${i}`);
          assert.ok(u.encrypted);
          // MIT -> ours: a single-buffer Wrap token, read as a stream.
          const w = await peer.wrap(enc.encode(`sealed by MIT ${i}`));
          const out = new SecBuffer(SECBUFFER_DATA, null);
          const inMsg = new SecBufferDesc([
            new SecBuffer(SECBUFFER_STREAM, w.data.slice()),
            out,
          ]);
          const q = { value: -1 };
          assert.equal(st(DecryptMessage(ctx, inMsg, 0, q)), st(SEC_E_OK));
          assert.equal(
            dec.decode(out.pvBuffer!.subarray(0, out.cbBuffer)),
            `sealed by MIT ${i}`,
          );
          assert.equal(q.value, 0);
        }
        // Signatures both ways.
        const signed = enc.encode("signed by us");
        const sig = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(64));
        assert.equal(
          MakeSignature(
            ctx,
            0,
            new SecBufferDesc([new SecBuffer(SECBUFFER_DATA, signed), sig]),
            0,
          ),
          SEC_E_OK,
        );
        await peer.verifyMic(signed, sig.pvBuffer!.subarray(0, sig.cbBuffer));
        const theirs = enc.encode("signed by MIT");
        const mic = await peer.getMic(theirs);
        const vq = { value: 0 };
        assert.equal(
          st(VerifySignature(
            ctx,
            new SecBufferDesc([
              new SecBuffer(SECBUFFER_DATA, theirs),
              new SecBuffer(SECBUFFER_TOKEN, mic),
            ]),
            0,
            vq,
          )),
          st(SEC_E_OK),
        );
        // A replayed MIC is refused.
        assert.notEqual(
          VerifySignature(
            ctx,
            new SecBufferDesc([
              new SecBuffer(SECBUFFER_DATA, theirs),
              new SecBuffer(SECBUFFER_TOKEN, mic),
            ]),
            0,
            vq,
          ),
          SEC_E_OK,
        );

        // The service ticket is cached: a second context works synchronously.
        const ctx2 = newCtx();
        const out2 = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
        const s2 = InitializeSecurityContext(
          cred,
          null,
          SERVICE,
          KRB_FLAGS,
          0,
          SECURITY_NATIVE_DREP,
          null,
          0,
          ctx2,
          out2,
          { value: 0 },
          null,
        );
        assert.equal(st(s2), st(SEC_I_CONTINUE_NEEDED));
        const peer2 = await GssapiPeer.start({
          role: "acceptor",
          mech: "krb5",
          env: kdc.env,
        });
        try {
          const r2 = await peer2.step(
            out2.pBuffers[0].pvBuffer!.subarray(0, out2.pBuffers[0].cbBuffer),
          );
          assert.ok(r2.complete);
        } finally {
          await peer2.close();
          DeleteSecurityContext(ctx2);
        }
      } finally {
        DeleteSecurityContext(ctx);
        FreeCredentialsHandle(cred);
        await peer.close();
      }
    }),
);

await krbTest(
  "Kerberos client: a wrong password is SEC_E_LOGON_DENIED, an unknown service SEC_E_TARGET_UNKNOWN, no KDC SEC_E_NO_AUTHENTICATING_AUTHORITY",
  () =>
    withKdc(async (kdc) => {
      const bad = await acquireKrb("Kerberos", userAuthData(kdc, "wrong"));
      assert.equal(bad.status, SEC_E_OK, "acquiring does not contact the KDC");
      const r = await iscStep(bad.cred, newCtx(), true, SERVICE, null);
      assert.equal(st(r.status), st(SEC_E_LOGON_DENIED));
      FreeCredentialsHandle(bad.cred);

      const good = await acquireKrb("Kerberos", userAuthData(kdc));
      const u = await iscStep(good.cred, newCtx(), true, "HTTP/nowhere", null);
      assert.equal(st(u.status), st(SEC_E_TARGET_UNKNOWN));
      // Without a cached ticket, the synchronous form says it needs the async one.
      const sync = InitializeSecurityContext(
        good.cred,
        null,
        "HTTP/other",
        KRB_FLAGS,
        0,
        SECURITY_NATIVE_DREP,
        null,
        0,
        newCtx(),
        new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]),
        { value: 0 },
        null,
      );
      assert.equal(st(sync), st(SEC_E_NO_AUTHENTICATING_AUTHORITY));
      FreeCredentialsHandle(good.cred);

      // A KDC address nobody listens on.
      const gone = await acquireKrb("Kerberos", {
        ...userAuthData(kdc),
        Kdc: "127.0.0.1:1",
      });
      const g = await iscStep(gone.cred, newCtx(), true, SERVICE, null);
      assert.equal(st(g.status), st(SEC_E_NO_AUTHENTICATING_AUTHORITY));
      FreeCredentialsHandle(gone.cred);

      // No KDC known for the realm: no credential (Negotiate then leaves Kerberos out).
      const none = await acquireKrb("Kerberos", {
        User: "alice",
        Domain: "NOWHERE.TEST",
        Password: "x",
      });
      assert.equal(st(none.status), st(SEC_E_NO_CREDENTIALS));
    }),
);

await krbTest(
  "Kerberos with AES-128 only: a service whose keys are aes128-cts-hmac-sha1-96, through our client, MIT's acceptor and ours",
  () =>
    withKdc(async (kdc) => {
      const spn = "HTTP/aes128.localhost";
      const keytab = keytabPath(kdc);
      await kdc.kadmin(
        `addprinc -randkey -e aes128-cts-hmac-sha1-96:normal ${spn}`,
      );
      await kdc.kadmin(
        `ktadd -k ${keytab} -e aes128-cts-hmac-sha1-96:normal ${spn}`,
      );
      // And session keys of that enctype (MIT picks the client's first otherwise).
      await kdc.kadmin(
        `set_string ${spn} session_enctypes aes128-cts-hmac-sha1-96`,
      );
      const { cred } = await acquireKrb("Kerberos", userAuthData(kdc));
      const peer = await GssapiPeer.start({
        role: "acceptor",
        mech: "krb5",
        env: kdc.env,
      });
      const ctx = newCtx();
      try {
        const a = await iscStep(cred, ctx, true, spn, null);
        assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
        const r = await peer.step(a.token);
        const b = await iscStep(cred, ctx, false, spn, r.token);
        assert.equal(st(b.status), st(SEC_E_OK));
        const key = { value: null as unknown };
        QueryContextAttributes(ctx, SECPKG_ATTR_SESSION_KEY, key);
        assert.equal(
          (key.value as { SessionKeyLength: number }).SessionKeyLength,
          16,
          "an AES-128 key",
        );
        const wire = sealToWire(ctx, enc.encode("sealed with AES-128"));
        assert.equal(
          dec.decode((await peer.unwrap(wire)).data),
          "sealed with AES-128",
        );
        // Our acceptor, its key found in the keytab by enctype 17.
        const c = client({
          package: "Kerberos",
          username: KRB_USER.user,
          domain: REALM,
          password: KRB_USER.password,
          kdc: kdc.kdc,
          target: spn,
        });
        const s = server({ package: "Kerberos", authData: { Keytab: keytab } });
        try {
          c.step(s.step(await c.stepAsync(null)));
          assert.ok(c.complete && s.complete);
          assert.equal(s.sessionKey.length, 16);
          const w = s.wrap(enc.encode("back with AES-128"));
          assert.equal(dec.decode(c.unwrap(w)), "back with AES-128");
        } finally {
          c.dispose();
          s.dispose();
        }
      } finally {
        DeleteSecurityContext(ctx);
        FreeCredentialsHandle(cred);
        await peer.close();
      }
    }),
);
