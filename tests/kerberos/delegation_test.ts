// Kerberos credential delegation (RFC 4121 4.1.1.1): our client sends a forwarded TGT
// in a KRB-CRED inside the 0x8003 checksum, to MIT's acceptor and to ours; our
// acceptor keeps the TGT, and a server acts as the client with it (the "double hop");
// MIT's initiator delegates to our acceptor. Without the flag, or with a TGT that is
// not forwardable, nothing is delegated and the handshake still succeeds; malformed
// delegation fields are SEC_E_INVALID_TOKEN.
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  ASC_RET_DELEGATE,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  InitializeSecurityContext,
  ISC_REQ_DELEGATE,
  ISC_RET_DELEGATE,
  QueryContextAttributes,
  SEC_E_INVALID_TOKEN,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NAMES,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
  statusName,
} from "../../mod.ts";
import {
  KerberosDelegatedTgt,
  parseKeytab,
  SECPKG_ATTR_KERBEROS_DELEGATED_TGT,
} from "../../src/packages/kerberos/mod.ts";
import {
  CKSUMTYPE_GSSAPI,
  decodeGssChecksum,
  encodeGssChecksum,
  frameInitialToken,
  GSS_C_DELEG_FLAG,
  GSS_C_MUTUAL_FLAG,
  TOK_AP_REQ,
  unframeToken,
} from "../../src/packages/kerberos/gss.ts";
import {
  decrypt,
  encrypt,
  type KerberosKey,
} from "../../src/packages/kerberos/crypto.ts";
import {
  decodeApReq,
  decodeAuthenticator,
  decodeEncTicketPart,
  encodeApReq,
  encodeAuthenticator,
} from "../../src/packages/kerberos/messages.ts";
import {
  decodeEncKrbCredPart,
  decodeKrbCred,
  encodeEncKrbCredPart,
  encodeKrbCred,
} from "../../src/packages/kerberos/messages_cred.ts";
import { readDelegation } from "../../src/packages/kerberos/delegation.ts";
import {
  KEY_USAGE_AP_REQ_AUTH,
  KEY_USAGE_KDC_REP_TICKET,
  KEY_USAGE_KRB_CRED_ENC_PART,
} from "../../src/packages/kerberos/constants.ts";
import { GSS_FLAGS, GssapiPeer } from "../peers/gssapi_peer.ts";
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
  SERVICE,
  userAuthData,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);
const ALICE = `${KRB_USER.user}@${REALM}`;
/** The second hop's service (the KDC always has it; its key goes in the keytab). */
const HOP = "host/localhost";

/** An inbound credential over the KDC's keytab (asserted acquired). */
function serverCred(kdc: MitKdc, principal: string | null = null): CredHandle {
  const { status, cred } = acquireInbound(
    "Kerberos",
    { Keytab: keytabPath(kdc) },
    principal,
  );
  assert.equal(st(status), st(SEC_E_OK));
  return cred;
}

/** The synchronous InitializeSecurityContext (first call), tickets already cached. */
function iscSync(
  cred: CredHandle,
  ctx: CtxtHandle,
  target: string,
  flags: number,
): { status: number; token: Uint8Array | null; attrs: number } {
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  const attrs = { value: 0 };
  const status = InitializeSecurityContext(
    cred,
    null,
    target,
    flags,
    0,
    SECURITY_NATIVE_DREP,
    null,
    0,
    ctx,
    out,
    attrs,
    null,
  );
  const b = out.pBuffers[0];
  return {
    status,
    token: b.pvBuffer && b.cbBuffer ? b.pvBuffer.subarray(0, b.cbBuffer) : null,
    attrs: attrs.value,
  };
}

/** The delegated TGT of an accepted context, or the status of asking for it. */
function delegatedOf(ctx: CtxtHandle): KerberosDelegatedTgt | number {
  const out: { value?: unknown } = {};
  const s = QueryContextAttributes(
    ctx,
    SECPKG_ATTR_KERBEROS_DELEGATED_TGT,
    out,
  );
  if (s !== SEC_E_OK) return s;
  assert.ok(out.value instanceof KerberosDelegatedTgt);
  return out.value;
}

/** `sUserName` of a context. */
function userName(ctx: CtxtHandle): string {
  const n = { value: null as unknown };
  assert.equal(
    st(QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, n)),
    "SEC_E_OK",
  );
  return (n.value as { sUserName: string }).sUserName;
}

/** Puts host/localhost's key in the keytab, for the second hop's acceptor. */
async function addHopKey(kdc: MitKdc): Promise<void> {
  await kdc.kadmin(`ktadd -k ${keytabPath(kdc)} ${HOP}`);
}

/**
 * Acts as the client with a delegated TGT: acquires an outbound credential from it,
 * gets a ticket for host/localhost, and completes the handshake with our acceptor of
 * that service; returns the name that acceptor sees and its ASC attributes.
 */
async function secondHop(
  kdc: MitKdc,
  d: KerberosDelegatedTgt,
  extra: object = {},
): Promise<{ name: string; attrs: number }> {
  const asClient = new CredHandle();
  assert.equal(
    st(AcquireCredentialsHandle(
      null,
      "Kerberos",
      SECPKG_CRED_OUTBOUND,
      null,
      { DelegatedFrom: d, Kdc: kdc.kdc, ...extra },
      null,
      null,
      asClient,
      null,
    )),
    st(SEC_E_OK),
  );
  const hopServer = serverCred(kdc, HOP);
  const cctx = newCtx();
  const sctx = new CtxtHandle();
  try {
    const a = await iscStep(asClient, cctx, true, HOP, null);
    assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
    const r = accept(hopServer, sctx, a.token!);
    assert.equal(st(r.status), st(SEC_E_OK));
    const b = await iscStep(asClient, cctx, false, HOP, r.token);
    assert.equal(st(b.status), st(SEC_E_OK));
    return { name: userName(sctx), attrs: r.attrs };
  } finally {
    DeleteSecurityContext(cctx);
    DeleteSecurityContext(sctx);
    FreeCredentialsHandle(asClient);
    FreeCredentialsHandle(hopServer);
  }
}

await krbTest(
  "delegation: our client -> MIT acceptor receives the forwarded TGT (async with Delegate, then sync with ISC_REQ_DELEGATE)",
  () =>
    withKdc(async (kdc) => {
      const { status, cred } = await acquireKrb("Kerberos", {
        ...userAuthData(kdc),
        Delegate: true,
      });
      assert.equal(st(status), st(SEC_E_OK));
      // The async form refuses ISC_REQ_DELEGATE itself (sspi.h); Delegate stands in.
      const refused = await iscStep(
        cred,
        newCtx(),
        true,
        SERVICE,
        null,
        KRB_FLAGS | ISC_REQ_DELEGATE,
      );
      assert.equal(st(refused.status), st(SEC_E_UNSUPPORTED_FUNCTION));
      for (const sync of [false, true]) {
        const peer = await GssapiPeer.start({
          role: "acceptor",
          mech: "krb5",
          env: kdc.env,
        });
        const ctx = newCtx();
        try {
          const a = sync
            ? iscSync(cred, ctx, SERVICE, KRB_FLAGS | ISC_REQ_DELEGATE)
            : await iscStep(cred, ctx, true, SERVICE, null);
          assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
          assert.ok(a.attrs & ISC_RET_DELEGATE, "ISC_RET_DELEGATE");
          const r = await peer.step(a.token);
          assert.ok(r.complete && r.token);
          const b = await iscStep(cred, ctx, false, SERVICE, r.token);
          assert.equal(st(b.status), st(SEC_E_OK));
          assert.ok(b.attrs & ISC_RET_DELEGATE);
          const info = await peer.info();
          assert.equal(info.delegated, ALICE, "MIT holds alice's TGT");
          assert.ok((await peer.info()).flags & GSS_FLAGS.DELEG);
        } finally {
          DeleteSecurityContext(ctx);
          await peer.close();
        }
      }
      FreeCredentialsHandle(cred);
    }),
);

await krbTest(
  "delegation: our client -> our acceptor (ASC_RET_DELEGATE), which then acts as alice towards host/localhost, and can delegate again",
  () =>
    withKdc(async (kdc) => {
      await addHopKey(kdc);
      const { cred } = await acquireKrb("Kerberos", {
        ...userAuthData(kdc),
        Delegate: true,
      });
      const server = serverCred(kdc);
      const sctx = new CtxtHandle();
      const a = await iscStep(cred, newCtx(), true, SERVICE, null);
      assert.ok(a.attrs & ISC_RET_DELEGATE);
      const r = accept(server, sctx, a.token!);
      assert.equal(st(r.status), st(SEC_E_OK));
      assert.ok(r.attrs & ASC_RET_DELEGATE, "ASC_RET_DELEGATE");
      const d = delegatedOf(sctx);
      assert.ok(d instanceof KerberosDelegatedTgt);
      assert.equal(d.clientName, ALICE);
      assert.ok(d.endtime > Date.now());
      assert.equal(JSON.stringify(d).includes("key"), false, "opaque");
      const hop = await secondHop(kdc, d);
      assert.equal(hop.name, ALICE);
      assert.equal(hop.attrs & ASC_RET_DELEGATE, 0, "not delegated further");
      // The forwarded TGT was asked FORWARDABLE: the server may delegate it onwards.
      const again = await secondHop(kdc, d, { Delegate: true });
      assert.equal(again.name, ALICE);
      assert.ok(again.attrs & ASC_RET_DELEGATE);
      // Deleting the context wipes its delegated TGT: no credential from it after.
      DeleteSecurityContext(sctx);
      assert.equal(
        st(AcquireCredentialsHandle(
          null,
          "Kerberos",
          SECPKG_CRED_OUTBOUND,
          null,
          { DelegatedFrom: d, Kdc: kdc.kdc },
          null,
          null,
          new CredHandle(),
          null,
        )),
        st(SEC_E_NO_CREDENTIALS),
      );
      FreeCredentialsHandle(server);
      FreeCredentialsHandle(cred);
    }),
);

await krbTest(
  "delegation: MIT initiator (kinit -f, GSS_C_DELEG_FLAG) -> our acceptor keeps its TGT, usable for the next hop",
  () =>
    withKdc(async (kdc) => {
      await addHopKey(kdc);
      const dir = await Deno.makeTempDir({ prefix: "krb_dlg_" });
      const env = { ...kdc.env, KRB5CCNAME: `FILE:${dir}/ccache` };
      try {
        const kinit = new Deno.Command("kinit", {
          args: ["-f", KRB_USER.user],
          env,
          stdin: "piped",
          stdout: "null",
          stderr: "piped",
        }).spawn();
        const w = kinit.stdin.getWriter();
        await w.write(new TextEncoder().encode(`${KRB_USER.password}\n`));
        await w.close();
        assert.ok((await kinit.output()).success, "kinit -f");
        const peer = await GssapiPeer.start({
          role: "initiator",
          mech: "krb5",
          defaultCreds: true,
          target: "HTTP@localhost",
          flags: [
            "integrity",
            "confidentiality",
            "mutual",
            "replay",
            "sequence",
            "delegate",
          ],
          env,
        });
        const server = serverCred(kdc);
        const sctx = new CtxtHandle();
        try {
          const first = await peer.step(null);
          const r = accept(server, sctx, first.token!);
          assert.equal(st(r.status), st(SEC_E_OK));
          assert.ok(r.attrs & ASC_RET_DELEGATE);
          assert.ok((await peer.step(r.token)).complete);
          const d = delegatedOf(sctx);
          assert.ok(d instanceof KerberosDelegatedTgt);
          assert.equal(d.clientName, ALICE);
          assert.equal((await secondHop(kdc, d)).name, ALICE);
        } finally {
          DeleteSecurityContext(sctx);
          FreeCredentialsHandle(server);
          await peer.close();
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }),
);

await krbTest(
  "delegation: nothing without ISC_REQ_DELEGATE; a TGT that is not forwardable still authenticates, without ISC_RET_DELEGATE",
  () =>
    withKdc(async (kdc) => {
      const server = serverCred(kdc);
      const plain = await acquireKrb("Kerberos", userAuthData(kdc));
      const a = await iscStep(plain.cred, newCtx(), true, SERVICE, null);
      assert.equal(a.attrs & ISC_RET_DELEGATE, 0);
      const sctx = new CtxtHandle();
      const r = accept(server, sctx, a.token!);
      assert.equal(st(r.status), st(SEC_E_OK));
      assert.equal(r.attrs & ASC_RET_DELEGATE, 0);
      assert.equal(st(delegatedOf(sctx) as number), st(SEC_E_NO_CREDENTIALS));
      DeleteSecurityContext(sctx);
      // Synchronous ISC_REQ_DELEGATE without a forwarded TGT at hand: not granted.
      const s = iscSync(
        plain.cred,
        newCtx(),
        SERVICE,
        KRB_FLAGS | ISC_REQ_DELEGATE,
      );
      assert.equal(st(s.status), st(SEC_I_CONTINUE_NEEDED));
      assert.equal(s.attrs & ISC_RET_DELEGATE, 0);
      FreeCredentialsHandle(plain.cred);

      await kdc.kadmin(`modprinc -allow_forwardable ${KRB_USER.user}`);
      const { cred } = await acquireKrb("Kerberos", {
        ...userAuthData(kdc),
        Delegate: true,
      });
      for (let i = 0; i < 2; i++) {
        const c = i === 0
          ? await iscStep(cred, newCtx(), true, SERVICE, null)
          : iscSync(cred, newCtx(), SERVICE, KRB_FLAGS | ISC_REQ_DELEGATE);
        assert.equal(st(c.status), st(SEC_I_CONTINUE_NEEDED));
        assert.equal(c.attrs & ISC_RET_DELEGATE, 0);
        const x = new CtxtHandle();
        const rr = accept(server, x, c.token!);
        assert.equal(st(rr.status), st(SEC_E_OK));
        assert.equal(rr.attrs & ASC_RET_DELEGATE, 0);
        assert.equal(userName(x), ALICE);
        DeleteSecurityContext(x);
      }
      FreeCredentialsHandle(cred);
      FreeCredentialsHandle(server);
    }),
);

/** The AP-REQ of `token` opened with the keytab: the session key and authenticator. */
function openApReq(kdc: MitKdc, token: Uint8Array) {
  const apReq = decodeApReq(unframeToken(token)!.inner);
  const t = apReq.ticket;
  const entry = parseKeytab(Deno.readFileSync(keytabPath(kdc))).find((e) =>
    e.components.join("/") === t.sname.nameString.join("/") &&
    e.key.etype === t.encPart.etype && e.kvno === t.encPart.kvno
  )!;
  const tkt = decodeEncTicketPart(
    decrypt(entry.key, KEY_USAGE_KDC_REP_TICKET, t.encPart.cipher)!,
  );
  const session: KerberosKey = {
    etype: tkt.key.keytype,
    bytes: tkt.key.keyvalue,
  };
  const auth = decodeAuthenticator(
    decrypt(session, KEY_USAGE_AP_REQ_AUTH, apReq.authenticator.cipher)!,
  );
  return { apReq, session, auth, tkt };
}

/** `token` with the authenticator's 0x8003 checksum replaced by `checksum`. */
function withChecksum(
  kdc: MitKdc,
  token: Uint8Array,
  checksum: Uint8Array,
): Uint8Array {
  const { apReq, session, auth } = openApReq(kdc, token);
  const plain = encodeAuthenticator({
    ...auth,
    cksum: { cksumtype: CKSUMTYPE_GSSAPI, checksum },
  });
  return frameInitialToken(
    TOK_AP_REQ,
    encodeApReq({
      ...apReq,
      authenticator: {
        etype: session.etype,
        cipher: encrypt(session, KEY_USAGE_AP_REQ_AUTH, plain),
      },
    }),
  );
}

Deno.test("delegation: the 0x8003 checksum's DlgOpt/Dlgth/Deleg fields, encoded and bounds-checked", () => {
  const deleg = Uint8Array.of(0x76, 1, 2, 3, 4);
  const flags = GSS_C_DELEG_FLAG | GSS_C_MUTUAL_FLAG;
  const c = encodeGssChecksum({ flags, delegation: deleg });
  assert.equal(c.length, 28 + deleg.length);
  assert.deepEqual([...c.subarray(24, 28)], [1, 0, 5, 0]);
  assert.deepEqual(decodeGssChecksum(c)?.delegation, deleg);
  // Extensions after Deleg are not interpreted.
  const ext = new Uint8Array(c.length + 8);
  ext.set(c);
  assert.deepEqual(decodeGssChecksum(ext)?.delegation, deleg);
  for (let n = 24; n < c.length; n++) {
    assert.equal(decodeGssChecksum(c.subarray(0, n)), null, `cut at ${n}`);
  }
  const opt = c.slice();
  opt[24] = 2; // DlgOpt other than 1
  assert.equal(decodeGssChecksum(opt), null);
  const long = c.slice();
  long[26] = 6; // Dlgth past the end
  assert.equal(decodeGssChecksum(long), null);
  const zero = c.slice(0, 28);
  zero[26] = 0;
  assert.equal(decodeGssChecksum(zero), null);
  assert.throws(
    () => encodeGssChecksum({ flags: 0, delegation: deleg }),
    RangeError,
  );
  assert.throws(
    () => encodeGssChecksum({ flags, delegation: new Uint8Array(0x10000) }),
    RangeError,
  );
});

Deno.test("delegation: KRB-CRED round trip and readDelegation's checks", () => {
  const key: KerberosKey = { etype: 18, bytes: new Uint8Array(32).fill(7) };
  const other: KerberosKey = { etype: 18, bytes: new Uint8Array(32).fill(8) };
  const alice = { nameType: 1, nameString: ["alice"] };
  const ticket = {
    tktVno: 5 as const,
    realm: REALM,
    sname: { nameType: 2, nameString: ["krbtgt", REALM] },
    encPart: { etype: 18, kvno: 1, cipher: new Uint8Array(40).fill(1) },
  };
  const end = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);
  const info = (pname = alice, etype = 18) => ({
    key: { keytype: etype, keyvalue: new Uint8Array(32).fill(9) },
    prealm: REALM,
    pname,
    flags: 0x60000000,
    authtime: new Date(end.getTime() - 7200_000),
    endtime: end,
    srealm: REALM,
    sname: ticket.sname,
  });
  const cred = (k: KerberosKey | null, i = info()) => {
    const plain = encodeEncKrbCredPart({ ticketInfo: [i] });
    return encodeKrbCred({
      tickets: [ticket],
      encPart: k
        ? {
          etype: k.etype,
          cipher: encrypt(k, KEY_USAGE_KRB_CRED_ENC_PART, plain),
        }
        : { etype: 0, cipher: plain },
    });
  };
  const bytes = cred(key);
  const decoded = decodeKrbCred(bytes);
  assert.equal(decoded.tickets.length, 1);
  assert.equal(decoded.tickets[0].sname.nameString[0], "krbtgt");
  const part = decodeEncKrbCredPart(
    decrypt(key, KEY_USAGE_KRB_CRED_ENC_PART, decoded.encPart.cipher)!,
  );
  assert.deepEqual(part.ticketInfo[0], info());

  const ok = readDelegation(bytes, [other, key], alice, REALM);
  assert.ok(ok instanceof KerberosDelegatedTgt);
  assert.equal(ok.clientName, ALICE);
  assert.equal(ok.endtime, end.getTime());
  // In clear (etype 0), as some peers send it inside the encrypted authenticator.
  assert.ok(
    readDelegation(cred(null), [key], alice, REALM) instanceof
      KerberosDelegatedTgt,
  );
  const bad = (r: unknown) =>
    assert.equal((r as { status?: number })?.status, SEC_E_INVALID_TOKEN);
  bad(readDelegation(bytes, [other], alice, REALM)); // does not decrypt
  bad(
    readDelegation(
      cred(key, info({ nameType: 1, nameString: ["mallory"] })),
      [key],
      alice,
      REALM,
    ),
  );
  bad(readDelegation(bytes, [key], alice, "OTHER.REALM"));
  bad(readDelegation(bytes.subarray(0, bytes.length - 1), [key], alice, REALM));
  bad(readDelegation(Uint8Array.of(0x76, 0), [key], alice, REALM));
  // Well formed but unusable here (an AES-SHA2 session key, or an rc4 key of 32
  // bytes): dropped, not refused.
  for (const etype of [19, 23]) {
    assert.equal(
      readDelegation(cred(key, info(alice, etype)), [key], alice, REALM),
      null,
    );
  }
});

await krbTest(
  "delegation: malformed delegation fields in an otherwise valid AP-REQ are SEC_E_INVALID_TOKEN",
  () =>
    withKdc(async (kdc) => {
      const { cred } = await acquireKrb("Kerberos", {
        ...userAuthData(kdc),
        Delegate: true,
      });
      const a = await iscStep(cred, newCtx(), true, SERVICE, null);
      assert.ok(a.attrs & ISC_RET_DELEGATE);
      const { auth } = openApReq(kdc, a.token!);
      const c = auth.cksum!.checksum;
      const deleg = decodeGssChecksum(c)!.delegation!;
      const variant = (f: (b: Uint8Array) => Uint8Array) => f(c.slice());
      const cases: [string, Uint8Array][] = [
        ["re-encrypted as is (control)", c.slice()],
        ["DlgOpt 2", variant((b) => (b[24] = 2, b))],
        ["Dlgth past the end", variant((b) => (b[27] = 0xff, b))],
        ["cut inside Deleg", c.slice(0, c.length - 10)],
        ["cut before Dlgth", c.slice(0, 26)],
        [
          "KRB-CRED enc-part altered",
          variant((b) => (b[b.length - 3] ^= 1, b)),
        ],
        [
          "not a KRB-CRED",
          encodeGssChecksum({
            flags: decodeGssChecksum(c)!.flags,
            delegation: deleg.slice(1),
          }),
        ],
      ];
      for (const [what, checksum] of cases) {
        const server = serverCred(kdc); // a fresh replay cache for each
        const r = accept(
          server,
          new CtxtHandle(),
          withChecksum(kdc, a.token!, checksum),
        );
        assert.equal(
          st(r.status),
          st(what.includes("control") ? SEC_E_OK : SEC_E_INVALID_TOKEN),
          what,
        );
        if (r.status === SEC_E_OK) assert.ok(r.attrs & ASC_RET_DELEGATE);
        FreeCredentialsHandle(server);
      }
      FreeCredentialsHandle(cred);
    }),
);
