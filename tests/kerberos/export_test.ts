// ExportSecurityContext / ImportSecurityContext for Kerberos (and Negotiate choosing
// Kerberos): an established client or acceptor moves to a new handle, in this isolate
// or a Web Worker, and its messages continue in sequence with the same attributes;
// our exported client carries on with MIT's acceptor, our exported acceptor with
// MIT's initiator. Malformed exports, without a KDC: export_blob_test.ts.
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  SEC_E_NO_CONTEXT,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_STREAM,
  SecBufferDesc,
  SECPKG_CONTEXT_EXPORT_DELETE_OLD,
  statusName,
} from "../../mod.ts";
import { kerberosPackage } from "../../src/packages/kerberos/package.ts";
import type { StepResult } from "../../src/sspi/package.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import { exported } from "../ntlm/_helpers.ts";
import {
  attributesOf,
  exportOf,
  importOf,
  move,
  seal,
  type Sealed,
  sign,
  talk,
  unseal,
  verify,
} from "./_export_helpers.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  KRB_USER,
  krbTest,
  newCtx,
  REALM,
  SERVICE,
  userAuthData,
  withKdc,
} from "./_kdc_helpers.ts";

const st = statusName;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Our client and our acceptor (`pkg`, with the KDC's keytab), established. */
async function establish(kdc: MitKdc, pkg: "Kerberos" | "Negotiate") {
  const { status, cred } = await acquireKrb(pkg, userAuthData(kdc));
  assert.equal(st(status), st(SEC_E_OK));
  const inbound = acquireInbound(pkg, { Keytab: keytabPath(kdc) });
  assert.equal(st(inbound.status), st(SEC_E_OK));
  const c = newCtx(), s = new CtxtHandle();
  let r = await iscStep(cred, c, true, SERVICE, null);
  let tok = r.token, first = true, serverDone = false;
  while (tok) {
    const a = accept(inbound.cred, s, tok, { first });
    assert.ok(
      [SEC_E_OK, SEC_I_CONTINUE_NEEDED].includes(a.status),
      st(a.status),
    );
    first = false;
    serverDone = a.status === SEC_E_OK;
    tok = null;
    if (a.token) {
      r = await iscStep(cred, c, false, SERVICE, a.token);
      tok = r.token;
    }
  }
  assert.equal(st(r.status), st(SEC_E_OK));
  assert.ok(serverDone);
  return {
    c,
    s,
    close() {
      for (const h of [c, s]) DeleteSecurityContext(h);
      for (const h of [cred, inbound.cred]) FreeCredentialsHandle(h);
    },
  };
}

Deno.test("Kerberos export: our client and acceptor move, keep their attributes, and messages continue in sequence both ways", () =>
  withKdc(async (kdc) => {
    const { c, s, close } = await establish(kdc, "Kerberos");
    try {
      talk(c, s, "before", 2);
      const old = seal(c, "old");
      assert.equal(unseal(s, old)[0], SEC_E_OK);
      const { c2, s2 } = move("Kerberos", c, s);
      const a = attributesOf(s2);
      assert.deepEqual(a.names, { sUserName: `${KRB_USER.user}@${REALM}` });
      assert.deepEqual(a.clientTarget, { sTargetName: SERVICE });
      const neg = a.negotiation as { PackageInfo: { Name: string } };
      assert.equal(neg.PackageInfo.Name, "Kerberos");
      assert.deepEqual(attributesOf(c2).sessionKey, a.sessionKey);
      talk(c2, s2, "after", 3);
      assert.equal(st(unseal(s2, old)[0]), st(SEC_E_OUT_OF_SEQUENCE), "replay");
      // An imported context exports again; its handshake is over.
      const bytes = exportOf(c2, SECPKG_CONTEXT_EXPORT_DELETE_OLD);
      const c3 = importOf("Kerberos", bytes);
      talk(c3, s2, "again", 1);
      const r = kerberosPackage.importContext!(bytes).step({} as never);
      assert.equal((r as StepResult).status, SEC_E_OUT_OF_SEQUENCE);
      assert.match((r as StepResult).message!, /finished its handshake/);
      for (const h of [c3, s2]) DeleteSecurityContext(h);
    } finally {
      close();
    }
  }));

Deno.test("Kerberos export: a context still in its handshake is SEC_E_NO_CONTEXT", () =>
  withKdc(async (kdc) => {
    const { cred } = await acquireKrb("Kerberos", userAuthData(kdc));
    const c = newCtx();
    const r = await iscStep(cred, c, true, SERVICE, null);
    assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED));
    const [s, bytes] = exported(c);
    assert.equal(st(s), st(SEC_E_NO_CONTEXT));
    assert.equal(bytes, undefined);
    DeleteSecurityContext(c);
    FreeCredentialsHandle(cred);
  }));

/** Moves `s` into a worker as `pkg`; the worker answers the client `c`. */
async function viaWorker(pkg: string, c: CtxtHandle, s: CtxtHandle) {
  const worker = new Worker(
    new URL("./_export_worker.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const packed = exportOf(s, SECPKG_CONTEXT_EXPORT_DELETE_OLD);
    const got = await new Promise<{
      error?: string;
      status: number;
      verified: number;
      answer: string;
      reply: Sealed;
      mic: Uint8Array;
    }>((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.postMessage({
        pkg,
        packed,
        sealed: seal(c, "hello"),
        mic: sign(c, "hello"),
      });
    });
    assert.equal(got.error, undefined, got.error);
    assert.equal(st(got.status), st(SEC_E_OK));
    assert.equal(st(got.verified), st(SEC_E_OK));
    assert.deepEqual(unseal(c, got.reply), [SEC_E_OK, "worker got: hello"]);
    assert.equal(st(verify(c, got.answer, got.mic)), st(SEC_E_OK));
  } finally {
    worker.terminate();
  }
}

Deno.test("Kerberos export: an acceptor exported here is imported in a Web Worker and answers the client", () =>
  withKdc(async (kdc) => {
    const { c, s, close } = await establish(kdc, "Kerberos");
    try {
      talk(c, s, "before", 1);
      await viaWorker("Kerberos", c, s);
    } finally {
      close();
    }
  }));

Deno.test("Negotiate(Kerberos) export: both sides move (and the acceptor into a worker); messages continue", () =>
  withKdc(async (kdc) => {
    const { c, s, close } = await establish(kdc, "Negotiate");
    try {
      const neg = attributesOf(s).negotiation as {
        PackageInfo: { Name: string };
      };
      assert.equal(neg.PackageInfo.Name, "Kerberos");
      talk(c, s, "before", 1);
      const { c2, s2 } = move("Negotiate", c, s);
      talk(c2, s2, "after", 2);
      await viaWorker("Negotiate", c2, s2);
      DeleteSecurityContext(c2);
    } finally {
      close();
    }
  }));

/** Sealed and signed messages both ways between our context and a GSSAPI peer. */
async function mitTraffic(ctx: CtxtHandle, peer: GssapiPeer, tag: string) {
  const w = await peer.wrap(enc.encode(`${tag} from MIT`));
  const out = new SecBuffer(SECBUFFER_DATA, null);
  const m = new SecBufferDesc([new SecBuffer(SECBUFFER_STREAM, w.data), out]);
  assert.equal(st(DecryptMessage(ctx, m, 0, { value: 0 })), st(SEC_E_OK));
  assert.equal(
    dec.decode(out.pvBuffer!.subarray(0, out.cbBuffer)),
    `${tag} from MIT`,
  );
  const sealed = seal(ctx, `${tag} from us`);
  const wire = new Uint8Array([...sealed.token, ...sealed.data]);
  assert.equal(dec.decode((await peer.unwrap(wire)).data), `${tag} from us`);
  const mic = await peer.getMic(enc.encode(`${tag} mic`));
  assert.equal(st(verify(ctx, `${tag} mic`, mic)), st(SEC_E_OK));
  await peer.verifyMic(enc.encode(`${tag} ours`), sign(ctx, `${tag} ours`));
}

await krbTest(
  "Kerberos export: our client, exported and imported, carries on with MIT's acceptor",
  () =>
    withKdc(async (kdc) => {
      const { cred } = await acquireKrb("Kerberos", userAuthData(kdc));
      const peer = await GssapiPeer.start({
        role: "acceptor",
        mech: "krb5",
        env: kdc.env,
      });
      const ctx = newCtx();
      let moved: CtxtHandle | null = null;
      try {
        const r = await iscStep(cred, ctx, true, SERVICE, null);
        const p = await peer.step(r.token);
        const done = await iscStep(cred, ctx, false, SERVICE, p.token);
        assert.equal(st(done.status), st(SEC_E_OK));
        await mitTraffic(ctx, peer, "before");
        moved = importOf(
          "Kerberos",
          exportOf(ctx, SECPKG_CONTEXT_EXPORT_DELETE_OLD),
        );
        await mitTraffic(moved, peer, "after");
        await mitTraffic(moved, peer, "later");
      } finally {
        if (moved) DeleteSecurityContext(moved);
        DeleteSecurityContext(ctx);
        FreeCredentialsHandle(cred);
        await peer.close();
      }
    }),
);

await krbTest(
  "Kerberos export: our acceptor, exported and imported, carries on with MIT's initiator",
  () =>
    withKdc(async (kdc) => {
      const { cred } = acquireInbound("Kerberos", { Keytab: keytabPath(kdc) });
      const peer = await GssapiPeer.start({
        role: "initiator",
        mech: "krb5",
        defaultCreds: true,
        target: "HTTP@localhost",
        env: kdc.env,
      });
      const ctx = new CtxtHandle();
      let moved: CtxtHandle | null = null;
      try {
        const a = accept(cred, ctx, (await peer.step(null)).token!);
        assert.equal(st(a.status), st(SEC_E_OK));
        assert.ok((await peer.step(a.token)).complete);
        await mitTraffic(ctx, peer, "before");
        moved = importOf("Kerberos", exportOf(ctx));
        DeleteSecurityContext(ctx);
        await mitTraffic(moved, peer, "after");
      } finally {
        if (moved) DeleteSecurityContext(moved);
        FreeCredentialsHandle(cred);
        await peer.close();
      }
    }),
);
