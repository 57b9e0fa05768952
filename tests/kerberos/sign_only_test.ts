// Kerberos EncryptMessage/DecryptMessage with sign-only buffers
// (SECBUFFER_READONLY_WITH_CHECKSUM), as DCE/RPC passes a PDU's header and
// sec_trailer around its stub when header signing is on (MS-KILE 3.4.5.4.1
// GSS_WrapEx): checked against MIT's gss_unwrap_iov/gss_wrap_iov with SIGN_ONLY
// buffers, both ways, sealed and signed. Altering a sign-only byte is
// SEC_E_MESSAGE_ALTERED on our side and a failure on MIT's.
import assert from "node:assert/strict";
import {
  DecryptMessage,
  EncryptMessage,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_READONLY_WITH_CHECKSUM,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  statusName,
} from "../../mod.ts";
import type { CtxtHandle } from "../../src/sspi/handles.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import {
  acquireKrb,
  iscStep,
  krbTest,
  newCtx,
  SERVICE,
  userAuthData,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);
const RO_SIGNED = SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM;

/** A PDU-like message: 24-byte header, `n`-byte stub, 8-byte trailer. */
function pdu(n: number, seed: number) {
  const pre = new Uint8Array(24).map((_, i) => (i * 7 + seed) & 0xff);
  const stub = new Uint8Array(n).map((_, i) => (i * 13 + seed) & 0xff);
  const post = new Uint8Array(8).map((_, i) => (i * 3 + seed) & 0xff);
  return { pre, stub, post };
}

function message(
  pre: Uint8Array,
  stub: Uint8Array,
  post: Uint8Array,
  token: Uint8Array,
) {
  return new SecBufferDesc([
    new SecBuffer(RO_SIGNED, pre),
    new SecBuffer(SECBUFFER_DATA, stub),
    new SecBuffer(RO_SIGNED, post),
    new SecBuffer(SECBUFFER_TOKEN, token),
  ]);
}

function seal(ctx: CtxtHandle, p: ReturnType<typeof pdu>, encrypt: boolean) {
  const stub = p.stub.slice();
  const msg = message(p.pre, stub, p.post, new Uint8Array(60));
  const s = EncryptMessage(ctx, encrypt ? 0 : 0x80000001, msg, 0);
  assert.equal(st(s), st(SEC_E_OK));
  const t = msg.pBuffers[3];
  return { token: t.pvBuffer!.subarray(0, t.cbBuffer).slice(), stub };
}

await krbTest(
  "Kerberos sign-only buffers (DCE/RPC header signing): ours <-> MIT gss_wrap_iov/gss_unwrap_iov",
  () =>
    withKdc(async (kdc) => {
      const { cred } = await acquireKrb("Kerberos", userAuthData(kdc));
      const peer = await GssapiPeer.start({
        role: "acceptor",
        mech: "krb5",
        env: kdc.env,
      });
      const ctx = newCtx();
      try {
        const a = await iscStep(cred, ctx, true, SERVICE, null);
        const r = await peer.step(a.token);
        const b = await iscStep(cred, ctx, false, SERVICE, r.token);
        assert.equal(st(b.status), st(SEC_E_OK));
        for (const [i, encrypt] of [true, false, true].entries()) {
          for (const n of [16, 48, 1024]) {
            // Ours -> MIT.
            const p = pdu(n, i * 31 + n);
            const { token, stub } = seal(ctx, p, encrypt);
            assert.equal(
              encrypt ? 0 : 1,
              stub.every((v, j) => v === p.stub[j]) ? 1 : 0,
              "the stub is encrypted in place exactly when sealing",
            );
            const u = await peer.unwrapIov(token, p.pre, stub, p.post);
            assert.deepEqual(u.data, p.stub);
            assert.equal(u.encrypted, encrypt);

            // MIT -> ours.
            const q = pdu(n, i * 17 + n + 1);
            const w = await peer.wrapIov(q.pre, q.stub, q.post, encrypt);
            const inStub = w.data.slice();
            const msg = message(q.pre, inStub, q.post, w.token.slice());
            const qop = { value: -1 };
            assert.equal(st(DecryptMessage(ctx, msg, 0, qop)), st(SEC_E_OK));
            assert.deepEqual(
              msg.pBuffers[1].pvBuffer!.subarray(0, msg.pBuffers[1].cbBuffer),
              q.stub,
            );
          }
        }
        // A changed header byte (sign-only) fails on both sides, and neither
        // side's sequence advances past it.
        const p = pdu(32, 99);
        const { token, stub } = seal(ctx, p, true);
        const bad = p.pre.slice();
        bad[3] ^= 1;
        await assert.rejects(peer.unwrapIov(token, bad, stub, p.post));
        const w = await peer.wrapIov(p.pre, p.stub, p.post, true);
        const altered = p.post.slice();
        altered[0] ^= 0x80;
        const msg = message(p.pre, w.data.slice(), altered, w.token.slice());
        assert.equal(
          st(DecryptMessage(ctx, msg, 0, { value: 0 })),
          st(SEC_E_MESSAGE_ALTERED),
        );
        const again = message(p.pre, w.data.slice(), p.post, w.token.slice());
        assert.equal(
          st(DecryptMessage(ctx, again, 0, { value: 0 })),
          st(SEC_E_OK),
        );
      } finally {
        await peer.close();
      }
    }),
);
