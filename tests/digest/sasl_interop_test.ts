// SASL DIGEST-MD5 (RFC 2831) against a real peer, Cyrus SASL (tests/peers/
// cyrus_sasl_peer.c): our client (InitializeSecurityContext, "WDigest", no
// ISC_REQ_HTTP) against the Cyrus server and the Cyrus client against our server
// (AcceptSecurityContext), to completion including rspauth; then the security layer
// both ways, several messages each way (sequence numbers, RC4 stream state, DES/3DES
// CBC IV chaining): auth-int (MakeSignature -> sasl_decode, sasl_encode ->
// VerifySignature) and auth-conf with every cipher (EncryptMessage -> sasl_decode,
// sasl_encode -> DecryptMessage). Wrong passwords are refused on both sides.
//
// Framing: Cyrus' sasl_encode output carries a 4-byte big-endian length prefix and
// sasl_decode wants it; the harness strips/adds it, so the bytes compared here are
// RFC 2831's wire form, which is the SSPI DATA || TOKEN.
//
// 3DES: Cyrus built against OpenSSL 3 (Debian 12) cannot initialise 3des at all
// (DES_key_sched() now fails on keys without odd parity, and init_3des() checks the
// result). The peer's des_parity_fix=1 neutralises that one check; every 3des test
// uses it. See tests/peers/cyrus_sasl_peer.c.
//
// Needs: apt-get install -y gcc libsasl2-dev libsasl2-modules. Skips locally with
// that hint when missing; fails under CI=true.
import assert from "node:assert/strict";
import {
  DecryptMessage,
  EncryptMessage,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_INTEGRITY,
  ISC_RET_MUTUAL_AUTH,
  lastErrorDetail,
  MakeSignature,
  QueryContextAttributes,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NAMES,
  VerifySignature,
} from "../../mod.ts";
import { isCI, peerMissing } from "../peers/gssapi_peer.ts";
import {
  CYRUS_CIPHER_SSF,
  CYRUS_SASL_INSTALL_HINT,
  cyrusSaslAvailable,
  CyrusSaslPeer,
  type CyrusStep,
} from "../peers/cyrus_sasl_peer.ts";
import {
  ascSasl,
  clientCred,
  CtxtHandle,
  dec,
  enc,
  iscSasl,
  serverCred,
} from "./_helpers.ts";

const REALM = "example.com";
const USER = "chris";
const PASS = "secret";
const TARGET = "imap/localhost"; // Cyrus: service "imap", server FQDN "localhost"
const CIPHERS = ["rc4", "3des", "des", "rc4-56", "rc4-40"] as const;
type Cipher = typeof CIPHERS[number];

const avail = await cyrusSaslAvailable();

let skipWarned = false;

/** A test that needs the Cyrus peer; sanitizers stay on (every peer is closed). */
function cyrusTest(name: string, fn: () => Promise<void>): void {
  const skip = !avail.ok && !isCI();
  const reason = avail.ok ? undefined : avail.reason;
  if (skip && !skipWarned) {
    skipWarned = true; // one line for the whole file
    peerMissing("Cyrus SASL", CYRUS_SASL_INSTALL_HINT, reason);
  }
  Deno.test({
    name,
    ignore: skip,
    fn: async () => {
      if (!avail.ok) {
        peerMissing("Cyrus SASL", CYRUS_SASL_INSTALL_HINT, reason);
        return;
      }
      await fn();
    },
  });
}

/** Runs `fn` with a peer and always closes it. */
async function withPeer<T>(
  mode: "client" | "server",
  o: Parameters<typeof CyrusSaslPeer.start>[1],
  fn: (p: CyrusSaslPeer) => Promise<T>,
): Promise<T> {
  const p = await CyrusSaslPeer.start(mode, { realm: REALM, ...o });
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}

function expectStep(
  r: CyrusStep,
  kind: "OK" | "CONTINUE",
  what: string,
): Uint8Array {
  if (r.kind === "FAIL") {
    assert.fail(`${what}: Cyrus failed: ${r.code} ${r.detail}`);
  }
  assert.equal(r.kind, kind, what);
  return r.data;
}

const bytes = (s: string): Uint8Array => enc(s);

// ---- the security layer, message by message ---------------------------------

function ourSign(ctx: CtxtHandle, msg: Uint8Array): Uint8Array {
  const data = msg.slice();
  const tok = new Uint8Array(16);
  const d = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, data),
    new SecBuffer(SECBUFFER_TOKEN, tok),
  ]);
  assert.equal(MakeSignature(ctx, 0, d, 0), SEC_E_OK);
  const t = d.pBuffers[1].cbBuffer;
  assert.equal(t, 16);
  const wire = new Uint8Array(data.length + t);
  wire.set(data);
  wire.set(tok.subarray(0, t), data.length);
  return wire;
}

function ourVerify(ctx: CtxtHandle, wire: Uint8Array): number {
  assert.ok(wire.length >= 16);
  const d = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, wire.slice(0, wire.length - 16)),
    new SecBuffer(SECBUFFER_TOKEN, wire.slice(wire.length - 16)),
  ]);
  return VerifySignature(ctx, d, 0, { value: 0 });
}

function ourSeal(ctx: CtxtHandle, msg: Uint8Array): Uint8Array {
  const data = msg.slice();
  const tok = new Uint8Array(32);
  const d = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, data),
    new SecBuffer(SECBUFFER_TOKEN, tok),
  ]);
  assert.equal(EncryptMessage(ctx, 0, d, 0), SEC_E_OK);
  const t = d.pBuffers[1].cbBuffer;
  const wire = new Uint8Array(data.length + t);
  wire.set(data);
  wire.set(tok.subarray(0, t), data.length);
  return wire;
}

function ourUnseal(
  ctx: CtxtHandle,
  wire: Uint8Array,
): { status: number; msg: Uint8Array } {
  const buf = wire.slice();
  const d = new SecBufferDesc([new SecBuffer(SECBUFFER_DATA, buf)]);
  const status = DecryptMessage(ctx, d, 0, { value: 0 });
  return { status, msg: buf.subarray(0, d.pBuffers[0].cbBuffer) };
}

/** A message of `n` bytes that differs per round. */
function message(n: number, round: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 31 + round * 7 + 1) & 0xff);
}

// Sizes around the DES block (8) and the 10-byte MAC, and larger ones.
const SIZES = [1, 5, 6, 7, 8, 9, 14, 16, 100, 1000, 4000];

/**
 * Exchanges messages both ways through the negotiated layer: for each size one
 * message ours -> Cyrus and one Cyrus -> ours, with runs of two in a row in one
 * direction, then tampered messages refused both ways.
 */
async function exchange(
  ctx: CtxtHandle,
  peer: CyrusSaslPeer,
  conf: boolean,
): Promise<void> {
  const wrap = conf ? ourSeal : ourSign;
  const unwrap = (w: Uint8Array): { status: number; msg: Uint8Array } => {
    if (conf) return ourUnseal(ctx, w);
    return {
      status: ourVerify(ctx, w),
      msg: w.subarray(0, w.length - 16),
    };
  };
  let round = 0;
  for (const n of SIZES) {
    const runs = n % 2 === 0 ? 2 : 1; // sometimes two in a row
    for (let r = 0; r < runs; r++) {
      const m = message(n, round++);
      const w = wrap(ctx, m);
      if (!conf) assert.deepEqual(w.subarray(0, n), m); // auth-int: clear text
      // (A 1-byte ciphertext equals its plaintext once in 256 runs: only check
      // messages long enough for that to be negligible.)
      else if (n >= 8) assert.notDeepEqual(w.subarray(0, n), m);
      const d = await peer.decode(w);
      assert.ok(
        d.ok,
        `Cyrus sasl_decode of our ${n}-byte message: ${!d.ok && d.detail}`,
      );
      assert.deepEqual(d.data, m, `ours -> Cyrus, ${n} bytes`);
    }
    for (let r = 0; r < runs; r++) {
      const m = message(n, round++);
      const w = await peer.encode(m);
      const u = unwrap(w);
      assert.equal(
        u.status,
        SEC_E_OK,
        `Cyrus -> ours, ${n} bytes: ${lastErrorDetail()?.message}`,
      );
      assert.deepEqual(u.msg, m, `Cyrus -> ours, ${n} bytes`);
    }
  }
  // Tampering: a flipped bit is refused both ways, and the layer still works after.
  const m = bytes("a tampered message");
  const ours = wrap(ctx, m);
  ours[3] ^= 0x20;
  assert.equal(
    (await peer.decode(ours)).ok,
    false,
    "Cyrus took a tampered message",
  );
  const theirs = await peer.encode(m);
  const bad = theirs.slice();
  bad[3] ^= 0x20;
  assert.equal(unwrap(bad).status, SEC_E_MESSAGE_ALTERED);
  const good = unwrap(theirs);
  assert.equal(
    good.status,
    SEC_E_OK,
    "the untampered message after the forgery",
  );
  assert.deepEqual(good.msg, m);
}

// ---- our client against the Cyrus server ------------------------------------

interface ClientCase {
  name: string;
  flags: number;
  minSsf: number;
  maxSsf: number;
  qop: "auth" | "auth-int" | "auth-conf";
  /** The cipher we should pick; also the only one offered unless `offered` says. */
  cipher?: Cipher;
  /** The cipher list Cyrus should offer (exactly). */
  offered?: Cipher[];
  successData?: boolean;
}

const clientCases: ClientCase[] = [
  { name: "auth", flags: 0, minSsf: 0, maxSsf: 0, qop: "auth" },
  {
    name: "auth, rspauth sent as a SASL_CONTINUE (no success data)",
    flags: 0,
    minSsf: 0,
    maxSsf: 0,
    qop: "auth",
    successData: false,
  },
  {
    name: "auth (server offers everything, no flags)",
    flags: 0,
    minSsf: 0,
    maxSsf: 256,
    qop: "auth",
  },
  {
    name: "auth-int",
    flags: ISC_REQ_INTEGRITY,
    minSsf: 1,
    maxSsf: 1,
    qop: "auth-int",
  },
  {
    name: "auth-int (server offers everything)",
    flags: ISC_REQ_INTEGRITY,
    minSsf: 0,
    maxSsf: 256,
    qop: "auth-int",
  },
  ...CIPHERS.map((c): ClientCase => ({
    name: `auth-conf ${c}`,
    flags: ISC_REQ_CONFIDENTIALITY,
    minSsf: CYRUS_CIPHER_SSF[c],
    maxSsf: CYRUS_CIPHER_SSF[c],
    qop: "auth-conf",
    cipher: c,
    offered: [c],
  })),
  {
    name: "auth-conf (server offers every cipher: we pick rc4)",
    flags: ISC_REQ_CONFIDENTIALITY,
    minSsf: 0,
    maxSsf: 256,
    qop: "auth-conf",
    cipher: "rc4",
    offered: [...CIPHERS],
  },
];

function params(s: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const x of s.matchAll(/([a-z-]+)=("([^"]*)"|[^,]*)/g)) {
    m.set(x[1], x[3] ?? x[2]);
  }
  return m;
}

for (const tc of clientCases) {
  cyrusTest(`SASL: our client -> Cyrus server, ${tc.name}`, async () => {
    await withPeer("server", {
      user: USER,
      pass: PASS,
      minSsf: tc.minSsf,
      maxSsf: tc.maxSsf,
      successData: tc.successData,
      desParityFix: true,
    }, async (srv) => {
      const cc = clientCred(USER, PASS);
      const ctx = new CtxtHandle();
      assert.equal(
        iscSasl(cc, ctx, true, TARGET, null).status,
        SEC_I_CONTINUE_NEEDED,
      );
      const challenge = dec(expectStep(await srv.start(), "CONTINUE", "start"));
      const ch = params(challenge);
      assert.equal(ch.get("realm"), REALM);
      assert.equal(ch.get("algorithm"), "md5-sess");
      if (tc.offered) {
        assert.deepEqual(
          ch.get("cipher")!.split(",").sort(),
          [...tc.offered].sort(),
        );
      }
      const resp = iscSasl(cc, ctx, false, TARGET, challenge, tc.flags);
      assert.equal(
        resp.status,
        SEC_I_CONTINUE_NEEDED,
        lastErrorDetail()?.message,
      );
      const rp = params(resp.token);
      assert.equal(rp.get("qop"), tc.qop);
      assert.equal(rp.get("digest-uri"), TARGET);
      assert.equal(rp.get("cipher"), tc.cipher);

      const after = await srv.step(enc(resp.token));
      let rspauth: Uint8Array;
      if (tc.successData === false) {
        rspauth = expectStep(after, "CONTINUE", "digest-response");
      } else {
        rspauth = expectStep(after, "OK", "digest-response");
      }
      assert.match(dec(rspauth), /^rspauth=[0-9a-f]{32}$/);
      const fin = iscSasl(cc, ctx, false, TARGET, dec(rspauth));
      assert.equal(fin.status, SEC_E_OK, lastErrorDetail()?.message);
      assert.ok(fin.attrs & ISC_RET_MUTUAL_AUTH);
      assert.equal(fin.token, "");
      if (tc.successData === false) {
        // RFC 2831 step 3: the client's empty response completes the exchange.
        expectStep(await srv.step(new Uint8Array(0)), "OK", "final empty step");
      }
      // Cyrus canonicalizes the authentication id with the realm.
      assert.equal(await srv.user(), `${USER}@${REALM}`);
      const ssf = await srv.ssf();
      assert.equal(
        ssf,
        tc.qop === "auth"
          ? 0
          : tc.qop === "auth-int"
          ? 1
          : CYRUS_CIPHER_SSF[tc.cipher!],
      );
      assert.equal(!!(fin.attrs & ISC_RET_INTEGRITY), tc.qop !== "auth");
      assert.equal(
        !!(fin.attrs & ISC_RET_CONFIDENTIALITY),
        tc.qop === "auth-conf",
      );
      if (tc.qop !== "auth") await exchange(ctx, srv, tc.qop === "auth-conf");
    });
  });
}

cyrusTest(
  "SASL: our client -> Cyrus server, wrong password refused",
  async () => {
    await withPeer("server", { user: USER, pass: PASS }, async (srv) => {
      const cc = clientCred(USER, "not-" + PASS);
      const ctx = new CtxtHandle();
      iscSasl(cc, ctx, true, TARGET, null);
      const challenge = dec(expectStep(await srv.start(), "CONTINUE", "start"));
      const resp = iscSasl(cc, ctx, false, TARGET, challenge);
      assert.equal(resp.status, SEC_I_CONTINUE_NEEDED);
      const r = await srv.step(enc(resp.token));
      assert.equal(r.kind, "FAIL");
      assert.equal(r.kind === "FAIL" && r.code, -13); // SASL_BADAUTH
    });
  },
);

cyrusTest(
  "SASL: our client -> Cyrus server, unknown user refused",
  async () => {
    await withPeer("server", { user: USER, pass: PASS }, async (srv) => {
      const cc = clientCred("mallory", PASS);
      const ctx = new CtxtHandle();
      iscSasl(cc, ctx, true, TARGET, null);
      const challenge = dec(expectStep(await srv.start(), "CONTINUE", "start"));
      const resp = iscSasl(cc, ctx, false, TARGET, challenge);
      assert.equal((await srv.step(enc(resp.token))).kind, "FAIL");
    });
  },
);

// ---- the Cyrus client against our server ------------------------------------

interface ServerCase {
  name: string;
  saslQop?: ("auth" | "auth-int" | "auth-conf")[];
  ciphers?: Cipher[];
  minSsf: number;
  maxSsf: number;
  qop: "auth" | "auth-int" | "auth-conf";
  cipher?: Cipher;
}

const serverCases: ServerCase[] = [
  { name: "auth", saslQop: ["auth"], minSsf: 0, maxSsf: 256, qop: "auth" },
  {
    name: "auth (client wants no layer)",
    minSsf: 0,
    maxSsf: 0,
    qop: "auth",
  },
  {
    name: "auth-int",
    saslQop: ["auth", "auth-int"],
    minSsf: 0,
    maxSsf: 256,
    qop: "auth-int",
  },
  {
    name: "auth-int (client caps the SSF at 1)",
    minSsf: 0,
    maxSsf: 1,
    qop: "auth-int",
  },
  ...CIPHERS.map((c): ServerCase => ({
    name: `auth-conf ${c}`,
    saslQop: ["auth-conf"],
    ciphers: [c],
    minSsf: 0,
    maxSsf: 256,
    qop: "auth-conf",
    cipher: c,
  })),
  {
    name: "auth-conf (we offer every cipher: Cyrus picks rc4)",
    minSsf: 0,
    maxSsf: 256,
    qop: "auth-conf",
    cipher: "rc4",
  },
  {
    name: "auth-conf (we offer every cipher, Cyrus capped at 112: 3des)",
    minSsf: 0,
    maxSsf: 112,
    qop: "auth-conf",
    cipher: "3des",
  },
  {
    name: "auth-conf (we offer every cipher, Cyrus capped at 55: des)",
    minSsf: 0,
    maxSsf: 55,
    qop: "auth-conf",
    cipher: "des",
  },
];

for (const tc of serverCases) {
  cyrusTest(`SASL: Cyrus client -> our server, ${tc.name}`, async () => {
    await withPeer("client", {
      user: USER,
      pass: PASS,
      minSsf: tc.minSsf,
      maxSsf: tc.maxSsf,
      desParityFix: true,
    }, async (cli) => {
      const sc = serverCred({
        realm: REALM,
        users: [{ User: USER, Password: PASS }],
        ...(tc.saslQop ? { saslQop: tc.saslQop } : {}),
        ...(tc.ciphers ? { ciphers: tc.ciphers } : {}),
      });
      const ctx = new CtxtHandle();
      // DIGEST-MD5 has no initial response: Cyrus waits for the challenge.
      assert.equal(
        expectStep(await cli.start(), "CONTINUE", "start").length,
        0,
      );
      const ch = ascSasl(sc, ctx, true, null);
      assert.equal(ch.status, SEC_I_CONTINUE_NEEDED);
      const resp = dec(
        expectStep(await cli.step(enc(ch.token)), "CONTINUE", "challenge"),
      );
      const rp = params(resp);
      assert.equal(rp.get("qop"), tc.qop);
      assert.equal(rp.get("cipher"), tc.cipher);
      assert.equal(rp.get("digest-uri"), TARGET);
      const fin = ascSasl(sc, ctx, false, resp);
      assert.equal(fin.status, SEC_E_OK, lastErrorDetail()?.message);
      assert.match(fin.token, /^rspauth=[0-9a-f]{32}$/);
      // Cyrus checks rspauth and completes.
      assert.equal(
        expectStep(await cli.step(enc(fin.token)), "OK", "rspauth").length,
        0,
      );
      const names: { value?: { sUserName: string } } = {};
      assert.equal(
        QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, names),
        SEC_E_OK,
      );
      assert.equal(names.value?.sUserName, USER);
      assert.equal(
        await cli.ssf(),
        tc.qop === "auth"
          ? 0
          : tc.qop === "auth-int"
          ? 1
          : CYRUS_CIPHER_SSF[tc.cipher!],
      );
      if (tc.qop !== "auth") await exchange(ctx, cli, tc.qop === "auth-conf");
    });
  });
}

cyrusTest(
  "SASL: Cyrus client -> our server, wrong password refused",
  async () => {
    await withPeer(
      "client",
      { user: USER, pass: "not-" + PASS },
      async (cli) => {
        const sc = serverCred({
          realm: REALM,
          users: [{ User: USER, Password: PASS }],
        });
        const ctx = new CtxtHandle();
        await cli.start();
        const ch = ascSasl(sc, ctx, true, null);
        const resp = dec(
          expectStep(await cli.step(enc(ch.token)), "CONTINUE", "challenge"),
        );
        assert.equal(ascSasl(sc, ctx, false, resp).status, SEC_E_LOGON_DENIED);
      },
    );
  },
);

cyrusTest(
  "SASL: Cyrus client refuses a forged rspauth from a server without the password",
  async () => {
    // The server knows a different password for the user: it cannot compute the
    // response, so it is refused first; to test Cyrus' rspauth check we hand it a
    // well-formed but wrong rspauth after a genuine exchange with another context.
    await withPeer("client", { user: USER, pass: PASS }, async (cli) => {
      const sc = serverCred({
        realm: REALM,
        users: [{ User: USER, Password: PASS }],
      });
      const ctx = new CtxtHandle();
      await cli.start();
      const ch = ascSasl(sc, ctx, true, null);
      const resp = dec(
        expectStep(await cli.step(enc(ch.token)), "CONTINUE", "challenge"),
      );
      const fin = ascSasl(sc, ctx, false, resp);
      assert.equal(fin.status, SEC_E_OK);
      const forged = fin.token.replace(
        /[0-9a-f](?=[0-9a-f]*$)/,
        (d) => d === "0" ? "1" : "0",
      );
      assert.notEqual(forged, fin.token);
      assert.equal((await cli.step(enc(forged))).kind, "FAIL");
    });
  },
);

cyrusTest(
  "SASL: stock Cyrus 3des (no parity workaround) either works or fails to init its cipher",
  async () => {
    // Documents the Cyrus/OpenSSL 3 bug the other 3des tests work around: the
    // exchange must either complete or fail in Cyrus' cipher setup, never in ours.
    await withPeer("server", {
      user: USER,
      pass: PASS,
      minSsf: CYRUS_CIPHER_SSF["3des"],
      maxSsf: CYRUS_CIPHER_SSF["3des"],
    }, async (srv) => {
      const cc = clientCred(USER, PASS);
      const ctx = new CtxtHandle();
      iscSasl(cc, ctx, true, TARGET, null);
      const challenge = dec(expectStep(await srv.start(), "CONTINUE", "start"));
      const resp = iscSasl(
        cc,
        ctx,
        false,
        TARGET,
        challenge,
        ISC_REQ_CONFIDENTIALITY,
      );
      assert.equal(resp.status, SEC_I_CONTINUE_NEEDED);
      assert.match(resp.token, /cipher=3des/);
      const r = await srv.step(enc(resp.token));
      if (r.kind === "FAIL") {
        assert.match(r.detail, /init cipher '3des'/);
        return;
      }
      const fin = iscSasl(cc, ctx, false, TARGET, dec(r.data));
      assert.equal(fin.status, SEC_E_OK);
      await exchange(ctx, srv, true);
    });
  },
);
