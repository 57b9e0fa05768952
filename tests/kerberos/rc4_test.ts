// rc4-hmac (etype 23, RFC 4757): the profile's crypto and GSS tokens on their own,
// then against MIT krb5 as the oracle: a user whose only key is rc4 (our MD4
// string-to-key and rc4 decryption of the AS-REP), an rc4 TGT session key (hmac-md5
// TGS checksum), and a service with only rc4 keys through our client and MIT's
// acceptor, our client and our acceptor, and MIT's initiator and our acceptor.
import assert from "node:assert/strict";
import {
  AcceptSecurityContext,
  client,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  MakeSignature,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_STREAM,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECURITY_NATIVE_DREP,
  server,
  statusName,
  VerifySignature,
} from "../../mod.ts";
import {
  checksum,
  decrypt,
  encrypt,
  randomKey,
  stringToKey,
} from "../../src/packages/kerberos/crypto.ts";
import { KrbRc4MessageCrypto } from "../../src/packages/kerberos/gss_rc4.ts";
import {
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../src/sspi/status.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  KRB_USER,
  krbTest,
  newCtx,
  REALM,
  sealToWire,
  sizesOf,
  userAuthData,
  withKdc,
} from "./_kdc_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const st = (s: number) => statusName(s);
const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const SPN = "HTTP/rc4.localhost";
const RC4 = "arcfour-hmac:normal";

Deno.test("rc4-hmac: string-to-key is the NT hash, encryption round-trips and detects tampering", () => {
  const key = stringToKey(23, "password", "IGNORED.SALTuser");
  assert.equal(hex(key.bytes), "8846f7eaee8fb117ad06bdd830b7586c");
  const sealed = encrypt(key, 3, enc.encode("hello"));
  assert.equal(sealed.length, 16 + 8 + 5, "checksum, 8-byte confounder, data");
  assert.equal(dec.decode(decrypt(key, 3, sealed)!), "hello");
  // Usages 3 and 9 both map to 8 (RFC 4757 section 3); 2 does not.
  assert.equal(dec.decode(decrypt(key, 9, sealed)!), "hello");
  assert.equal(decrypt(key, 2, sealed), null);
  sealed[20] ^= 1;
  assert.equal(decrypt(key, 3, sealed), null);
  assert.equal(decrypt(key, 3, new Uint8Array(23)), null);
  const c = checksum(key, 6, enc.encode("body"));
  assert.equal(c.length, 16);
  assert.notDeepEqual(c, checksum(key, 7, enc.encode("body")));
});

Deno.test("rc4-hmac: RFC 4757 MIC and Wrap tokens between two sides", () => {
  const key = randomKey(23);
  const side = (isInitiator: boolean) =>
    new KrbRc4MessageCrypto({
      key,
      isInitiator,
      acceptorSubkey: false,
      sendSeq: 7,
      recvSeq: 7,
    });
  const a = side(true);
  const b = side(false);
  const mic = a.getMic([enc.encode("signed")]);
  assert.equal(mic.length, 37);
  assert.equal(b.verifyMic([enc.encode("signed")], mic), SEC_E_OK);
  assert.equal(b.verifyMic([enc.encode("signed")], mic), SEC_E_OUT_OF_SEQUENCE);
  const w = a.wrap(enc.encode("sealed"), true);
  assert.equal(w.length, 13 + 24 + 8 + 6 + 1);
  const u = b.unwrap(w);
  assert.equal(st(u.status), st(SEC_E_OK));
  assert.equal(dec.decode(u.data!), "sealed");
  assert.equal(u.confidential, true);
  // The acceptor's tokens are not mistaken for the initiator's (direction).
  const back = b.wrap(enc.encode("plain"), false);
  assert.equal(b.unwrap(back).status, SEC_E_MESSAGE_ALTERED);
  const v = a.unwrap(back);
  assert.deepEqual([dec.decode(v.data!), v.confidential], ["plain", false]);
  // Split form: token, data in place, padding byte.
  const data = enc.encode("in place");
  const { token, padding } = a.wrapSspi(data, true);
  assert.equal(token.length, 45);
  assert.equal(padding!.length, 1);
  assert.notEqual(dec.decode(data), "in place");
  const rest = new Uint8Array(data.length + 1);
  rest.set(data);
  rest.set(padding!, data.length);
  const r = b.unwrapSspi(token, rest);
  assert.equal(st(r.status), st(SEC_E_OK));
  assert.equal(dec.decode(r.data!), "in place");
  const bad = a.wrap(enc.encode("x"), true);
  bad[bad.length - 2] ^= 1;
  assert.equal(b.unwrap(bad).status, SEC_E_MESSAGE_ALTERED);
  a.dispose();
  b.dispose();
});

/** Adds the rc4-only service `SPN` and puts its key in the KDC's keytab. */
async function addRc4Service(kdc: MitKdc): Promise<void> {
  await kdc.kadmin(`addprinc -randkey -e ${RC4} ${SPN}`);
  await kdc.kadmin(`ktadd -k ${keytabPath(kdc)} -e ${RC4} ${SPN}`);
  await kdc.kadmin(`set_string ${SPN} session_enctypes arcfour-hmac`);
}

/** EncryptMessage with token, data and padding; the bytes as sent on the wire. */
function seal(ctx: CtxtHandle, text: string): Uint8Array {
  return sealToWire(ctx, enc.encode(text), true);
}

/** DecryptMessage of a whole Wrap token as a stream. */
function open(ctx: CtxtHandle, wire: Uint8Array): string {
  const out = new SecBuffer(SECBUFFER_DATA, null);
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_STREAM, wire.slice()),
    out,
  ]);
  assert.equal(st(DecryptMessage(ctx, msg, 0, { value: 0 })), st(SEC_E_OK));
  return dec.decode(out.pvBuffer!.subarray(0, out.cbBuffer));
}

/** MakeSignature over `text`: the token. */
function sign(ctx: CtxtHandle, text: string): Uint8Array {
  const sig = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(64));
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, enc.encode(text)),
    sig,
  ]);
  assert.equal(MakeSignature(ctx, 0, msg, 0), SEC_E_OK);
  return sig.pvBuffer!.slice(0, sig.cbBuffer);
}

/** VerifySignature of `mic` over `text`: the status. */
function verify(ctx: CtxtHandle, text: string, mic: Uint8Array): number {
  return VerifySignature(
    ctx,
    new SecBufferDesc([
      new SecBuffer(SECBUFFER_DATA, enc.encode(text)),
      new SecBuffer(SECBUFFER_TOKEN, mic),
    ]),
    0,
    { value: 0 },
  );
}

Deno.test("rc4-hmac with MIT's KDC: an rc4-only user, an rc4 TGT, an rc4 service and our acceptor", () =>
  withKdc(async (kdc) => {
    // A user whose only key is rc4: the AS-REP is sealed with MD4(password).
    await kdc.kadmin(`addprinc -pw Rc4-Passw0rd -e ${RC4} bob`);
    // TGT session keys of rc4 too: TGS-REQs carry the hmac-md5 checksum.
    await kdc.kadmin(
      `set_string krbtgt/${REALM} session_enctypes arcfour-hmac`,
    );
    await addRc4Service(kdc);
    const c = client({
      package: "Kerberos",
      username: "bob",
      domain: REALM,
      password: "Rc4-Passw0rd",
      kdc: kdc.kdc,
      target: SPN,
    });
    const s = server({
      package: "Kerberos",
      authData: { Keytab: keytabPath(kdc) },
    });
    try {
      c.step(s.step(await c.stepAsync(null)));
      assert.ok(c.complete && s.complete);
      assert.equal(s.clientName, `bob@${REALM}`);
      assert.equal(sizesOf(c.handles.context).cbMaxSignature, 37, "rc4 tokens");
      assert.deepEqual(c.sessionKey, s.sessionKey);
      for (let i = 0; i < 3; i++) {
        assert.equal(
          dec.decode(s.unwrap(c.wrap(enc.encode(`up ${i}`)))),
          `up ${i}`,
        );
        assert.equal(
          dec.decode(c.unwrap(s.wrap(enc.encode(`down ${i}`)))),
          `down ${i}`,
        );
      }
      s.verify(enc.encode("signed"), c.sign(enc.encode("signed")));
      c.verify(enc.encode("back"), s.sign(enc.encode("back")));
      assert.throws(() =>
        c.verify(enc.encode("other"), s.sign(enc.encode("x")))
      );
    } finally {
      c.dispose();
      s.dispose();
    }
    // A wrong password is refused (the AS-REP does not decrypt).
    const wrong = client({
      package: "Kerberos",
      username: "bob",
      domain: REALM,
      password: "wrong",
      kdc: kdc.kdc,
      target: SPN,
    });
    try {
      await assert.rejects(() => wrong.stepAsync(null));
    } finally {
      wrong.dispose();
    }
  }));

await krbTest(
  "rc4-hmac with MIT's GSSAPI: our client and MIT's acceptor, MIT's initiator and our acceptor",
  () =>
    withKdc(async (kdc) => {
      await addRc4Service(kdc);
      const { cred } = await acquireKrb("Kerberos", userAuthData(kdc));
      const acceptor = await GssapiPeer.start({
        role: "acceptor",
        mech: "krb5",
        env: kdc.env,
      });
      const ctx = newCtx();
      try {
        const a = await iscStep(cred, ctx, true, SPN, null);
        assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
        const r = await acceptor.step(a.token);
        const b = await iscStep(cred, ctx, false, SPN, r.token);
        assert.equal(st(b.status), st(SEC_E_OK));
        assert.equal(sizesOf(ctx).cbMaxSignature, 37, "rc4 tokens");
        for (let i = 0; i < 3; i++) {
          const u = await acceptor.unwrap(seal(ctx, `sealed by us ${i}`));
          assert.equal(dec.decode(u.data), `sealed by us ${i}`);
          assert.ok(u.encrypted);
          const w = await acceptor.wrap(enc.encode(`sealed by MIT ${i}`));
          assert.equal(open(ctx, w.data), `sealed by MIT ${i}`);
        }
        await acceptor.verifyMic(enc.encode("ours"), sign(ctx, "ours"));
        const mic = await acceptor.getMic(enc.encode("theirs"));
        assert.equal(st(verify(ctx, "theirs", mic)), st(SEC_E_OK));
      } finally {
        DeleteSecurityContext(ctx);
        FreeCredentialsHandle(cred);
        await acceptor.close();
      }

      // MIT's initiator (kinit's ccache) against our acceptor.
      const inbound = acquireInbound("Kerberos", { Keytab: keytabPath(kdc) });
      assert.equal(st(inbound.status), st(SEC_E_OK));
      const initiator = await GssapiPeer.start({
        role: "initiator",
        mech: "krb5",
        defaultCreds: true,
        target: "HTTP@rc4.localhost",
        env: kdc.env,
      });
      const sctx = new CtxtHandle();
      try {
        const first = await initiator.step(null);
        const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
        const status = AcceptSecurityContext(
          inbound.cred,
          null,
          new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, first.token!)]),
          0x100 | 0x10 | 0x20000 | 0x2,
          SECURITY_NATIVE_DREP,
          sctx,
          out,
          { value: 0 },
          null,
        );
        assert.equal(st(status), st(SEC_E_OK));
        const rep = out.pBuffers[0];
        const done = await initiator.step(
          rep.pvBuffer!.subarray(0, rep.cbBuffer),
        );
        assert.ok(done.complete);
        assert.equal(sizesOf(sctx).cbMaxSignature, 37, "rc4 tokens");
        for (let i = 0; i < 3; i++) {
          const w = await initiator.wrap(enc.encode(`from MIT ${i}`));
          assert.equal(open(sctx, w.data), `from MIT ${i}`);
          const u = await initiator.unwrap(seal(sctx, `to MIT ${i}`));
          assert.equal(dec.decode(u.data), `to MIT ${i}`);
        }
        const mic = await initiator.getMic(enc.encode("theirs"));
        assert.equal(st(verify(sctx, "theirs", mic)), st(SEC_E_OK));
        await initiator.verifyMic(enc.encode("ours"), sign(sctx, "ours"));
        assert.equal(KRB_USER.user, "alice");
      } finally {
        DeleteSecurityContext(sctx);
        FreeCredentialsHandle(inbound.cred);
        await initiator.close();
      }
    }),
);
