// Kerberos in DCE style (ISC_REQ_USE_DCE_STYLE, GSS_C_DCE_STYLE; MS-KILE 3.4.5.1), as
// RPC binds use it: bare AP-REQ and AP-REPs (no GSS framing) and a third leg, the
// client's own AP-REP. Checked against MIT's initiator and acceptor (python3-gssapi
// with the dce flag) both ways, and our client against our acceptor (bare, and
// through Negotiate on both sides), with sealed messages after; a third leg that does not answer the acceptor's AP-REP, or that
// was altered, is refused.
import assert from "node:assert/strict";
import {
  ASC_RET_USED_DCE_STYLE,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  FreeCredentialsHandle,
  ISC_REQ_USE_DCE_STYLE,
  ISC_RET_USED_DCE_STYLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  statusName,
} from "../../mod.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  KRB_FLAGS,
  krbTest,
  newCtx,
  SERVICE,
  sizesOf,
  userAuthData,
  withKdc,
} from "./_kdc_helpers.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import { FUZZ_SEED, fuzzIterations, mutate, rng } from "../_fuzz.ts";

const st = (s: number) => statusName(s);
const enc = new TextEncoder();
const dec = new TextDecoder();
const DCE = KRB_FLAGS | ISC_REQ_USE_DCE_STYLE;
const AP_REQ = 0x6e;
const AP_REP = 0x6f;
const NONE = new Uint8Array(0);

/** EncryptMessage of `data` (in place) with a `cbSecurityTrailer` token buffer. */
function sealSplit(ctx: CtxtHandle, data: Uint8Array) {
  const token = new Uint8Array(sizesOf(ctx).cbSecurityTrailer);
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, token),
    new SecBuffer(SECBUFFER_DATA, data),
  ]);
  assert.equal(st(EncryptMessage(ctx, 0, msg, 0)), st(SEC_E_OK));
  return { token: token.subarray(0, msg.pBuffers[0].cbBuffer), data };
}

function serverCred(kdc: MitKdc) {
  const { status, cred } = acquireInbound("Kerberos", {
    Keytab: keytabPath(kdc),
  });
  assert.equal(st(status), st(SEC_E_OK));
  return cred;
}

await krbTest(
  "Kerberos DCE style: our client -> MIT acceptor, MIT initiator -> our acceptor, ours -> ours",
  () =>
    withKdc(async (kdc) => {
      const { cred } = await acquireKrb("Kerberos", userAuthData(kdc));
      const server = serverCred(kdc);

      // Ours -> MIT: bare AP-REQ, MIT's bare AP-REP (not yet complete), our AP-REP.
      const mit = await GssapiPeer.start({
        role: "acceptor",
        mech: "krb5",
        env: kdc.env,
      });
      const ctx = newCtx();
      try {
        const a = await iscStep(cred, ctx, true, SERVICE, null, DCE);
        assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
        assert.equal(a.token![0], AP_REQ, "a bare AP-REQ");
        const r = await mit.step(a.token);
        assert.equal(r.complete, false, "MIT waits for the third leg");
        assert.equal(r.token![0], AP_REP, "a bare AP-REP");
        const b = await iscStep(cred, ctx, false, SERVICE, r.token, DCE);
        assert.equal(st(b.status), st(SEC_E_OK));
        assert.ok(b.attrs & ISC_RET_USED_DCE_STYLE);
        assert.equal(b.token![0], AP_REP, "the client's AP-REP");
        const done = await mit.step(b.token);
        assert.ok(done.complete);
        const sealed = sealSplit(ctx, enc.encode("to MIT, sealed in place"));
        const u = await mit.unwrapIov(sealed.token, NONE, sealed.data, NONE);
        assert.equal(dec.decode(u.data), "to MIT, sealed in place");
        // DCE style's 16 bytes of filler (EC 16): 76 bytes of token, not 60.
        assert.equal(sealed.token.length, 76);
        assert.equal(sealed.token[5], 16, "EC");
        const back = await mit.wrapIov(NONE, enc.encode("from MIT"), NONE);
        assert.equal(back.token.length, 76);
        const msg = new SecBufferDesc([
          new SecBuffer(SECBUFFER_TOKEN, back.token.slice()),
          new SecBuffer(SECBUFFER_DATA, back.data.slice()),
        ]);
        assert.equal(
          st(DecryptMessage(ctx, msg, 0, { value: 0 })),
          st(SEC_E_OK),
        );
        assert.equal(dec.decode(msg.pBuffers[1].pvBuffer!), "from MIT");
      } finally {
        DeleteSecurityContext(ctx);
        await mit.close();
      }

      // MIT -> ours.
      const init = await GssapiPeer.start({
        role: "initiator",
        mech: "krb5",
        defaultCreds: true,
        target: "HTTP@localhost",
        flags: ["mutual", "dce", "integrity", "confidentiality"],
        env: kdc.env,
      });
      const sx = new CtxtHandle();
      try {
        const first = await init.step(null);
        const r = accept(server, sx, first.token!);
        assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED));
        assert.ok(r.attrs & ASC_RET_USED_DCE_STYLE);
        assert.equal(r.token![0], AP_REP, "our bare AP-REP");
        const third = await init.step(r.token);
        assert.ok(third.complete && third.token, "MIT's AP-REP");
        const last = accept(server, sx, third.token!, { first: false });
        assert.equal(st(last.status), st(SEC_E_OK));
        assert.equal(last.token, null);
        const s2 = sealSplit(sx, enc.encode("to MIT's initiator"));
        const w = await init.unwrapIov(s2.token, NONE, s2.data, NONE);
        assert.equal(dec.decode(w.data), "to MIT's initiator");
      } finally {
        DeleteSecurityContext(sx);
        await init.close();
      }

      // Ours -> ours, and third legs that do not answer.
      const legs = async () => {
        const c = newCtx();
        const a = await iscStep(cred, c, true, SERVICE, null, DCE);
        const s = new CtxtHandle();
        const r = accept(server, s, a.token!);
        assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED));
        const b = await iscStep(cred, c, false, SERVICE, r.token, DCE);
        assert.equal(st(b.status), st(SEC_E_OK));
        return { c, s, third: b.token! };
      };
      const ok = await legs();
      const fin = accept(server, ok.s, ok.third, { first: false });
      assert.equal(st(fin.status), st(SEC_E_OK));
      assert.ok(fin.attrs & ASC_RET_USED_DCE_STYLE);
      DeleteSecurityContext(ok.c);
      DeleteSecurityContext(ok.s);

      const x = await legs();
      const y = await legs();
      // Another context's third leg: its sequence number is not this acceptor's.
      assert.equal(
        st(accept(server, x.s, y.third, { first: false }).status),
        st(SEC_E_LOGON_DENIED),
      );
      const flipped = y.third.slice();
      flipped[flipped.length - 3] ^= 1;
      assert.equal(
        st(accept(server, y.s, flipped, { first: false }).status),
        st(SEC_E_LOGON_DENIED),
      );
      const z = await legs();
      assert.equal(
        st(
          accept(server, z.s, Uint8Array.of(0x6f, 0), { first: false })
            .status,
        ),
        st(SEC_E_INVALID_TOKEN),
      );
      for (const h of [x.c, x.s, y.c, y.s, z.c, z.s]) DeleteSecurityContext(h);

      // Mutated third legs: statuses only, and OK only for an unchanged one.
      const r = rng(FUZZ_SEED);
      const seen = new Map<string, number>();
      for (let i = 0; i < fuzzIterations("DCE_FUZZ_ITERATIONS", 200); i++) {
        const f = await legs();
        const m = mutate(f.third, r);
        const same = m.length === f.third.length &&
          m.every((v, j) => v === f.third[j]);
        let status: number;
        try {
          status = accept(server, f.s, m, { first: false }).status;
        } catch (e) {
          throw new Error(`seed ${FUZZ_SEED}: the third leg threw: ${e}`);
        }
        const name = st(status);
        seen.set(name, (seen.get(name) ?? 0) + 1);
        if (status === SEC_E_OK) {
          assert.ok(same, `seed ${FUZZ_SEED}: a changed third leg passed`);
        } else {
          assert.ok(
            status === SEC_E_LOGON_DENIED || status === SEC_E_INVALID_TOKEN,
            `seed ${FUZZ_SEED}: ${name}`,
          );
        }
        DeleteSecurityContext(f.c);
        DeleteSecurityContext(f.s);
      }
      console.log(`mutated third legs (seed ${FUZZ_SEED}):`, seen);
      FreeCredentialsHandle(server);
      FreeCredentialsHandle(cred);

      // Through Negotiate on both sides: the third leg rides in a NegTokenResp.
      const { cred: nc } = await acquireKrb("Negotiate", userAuthData(kdc));
      const { cred: ns } = acquireInbound("Negotiate", {
        Keytab: keytabPath(kdc),
      });
      const c = newCtx();
      const s = new CtxtHandle();
      const n1 = await iscStep(nc, c, true, SERVICE, null, DCE);
      const m1 = accept(ns, s, n1.token!);
      assert.equal(st(m1.status), st(SEC_I_CONTINUE_NEEDED));
      const n2 = await iscStep(nc, c, false, SERVICE, m1.token, DCE);
      assert.equal(st(n2.status), st(SEC_I_CONTINUE_NEEDED));
      const m2 = accept(ns, s, n2.token!, { first: false });
      assert.equal(st(m2.status), st(SEC_E_OK));
      assert.ok(m2.attrs & ASC_RET_USED_DCE_STYLE);
      const n3 = await iscStep(nc, c, false, SERVICE, m2.token, DCE);
      assert.equal(st(n3.status), st(SEC_E_OK));
      assert.ok(n3.attrs & ISC_RET_USED_DCE_STYLE);
      DeleteSecurityContext(c);
      DeleteSecurityContext(s);
      FreeCredentialsHandle(nc);
      FreeCredentialsHandle(ns);
    }),
);
