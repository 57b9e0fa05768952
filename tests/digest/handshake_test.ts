// Round trips through the SSPI calls, and the security properties: replayed nc, wrong
// realm, wrong URI, expired nonce, auth-int body mismatch, no secrets in output.
import assert from "node:assert/strict";
import {
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  lastErrorDetail,
  MakeSignature,
  QueryContextAttributes,
  QuerySecurityPackageInfo,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_MUTUAL_AUTH_FAILED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_PKG_PARAMS,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_INBOUND,
  type SecPkgInfo,
  SECURITY_NATIVE_DREP,
  SspiAcceptSecurityContextAsync,
  SspiCreateAsyncContext,
  SspiWaitForAsyncCall,
  VerifySignature,
} from "../../mod.ts";
import {
  ASC_REQ_HTTP,
  DIGEST_ALGORITHMS,
  parseHtdigest,
} from "../../src/packages/digest/mod.ts";
import { md5 } from "../../src/crypto/mod.ts";
import { toHex } from "../../src/util/bytes.ts";
import {
  ascHttp,
  ascSasl,
  clientCred,
  cred,
  CtxtHandle,
  dec,
  enc,
  iscHttp,
  iscSasl,
  saslSeal,
  saslUnseal,
  serverCred,
} from "./_helpers.ts";

const PW = "Circle of Life";
const users = [{ User: "Mufasa", Password: PW }];

function handshake(
  algorithm: string,
  opts: {
    body?: Uint8Array;
    serverBody?: Uint8Array;
    uri?: string;
    serverUri?: string;
  } = {},
  server = serverCred({ realm: "r", users, algorithms: [algorithm] }),
  client = clientCred("Mufasa", PW),
) {
  const sctx = new CtxtHandle();
  const ch = ascHttp(server, sctx, true, null);
  assert.equal(ch.status, SEC_I_CONTINUE_NEEDED);
  const cctx = new CtxtHandle();
  const uri = opts.uri ?? "/x?y=1";
  const a = iscHttp(client, cctx, true, uri, ch.token, "POST", opts.body);
  const v = ascHttp(
    server,
    new CtxtHandle(),
    true,
    a.token,
    "POST",
    opts.serverUri ?? uri,
    opts.serverBody ?? opts.body,
  );
  return { server, client, sctx, cctx, ch, a, v };
}

for (const alg of DIGEST_ALGORITHMS) {
  Deno.test(`HTTP round trip ${alg}, qop auth and auth-int, rspauth checked`, () => {
    const r = handshake(alg);
    assert.equal(r.a.status, SEC_E_OK);
    assert.equal(r.v.status, SEC_E_OK, lastErrorDetail()?.message);
    assert.match(r.v.token, /rspauth="/);
    const info = iscHttp(r.client, r.cctx, false, "/x?y=1", r.v.token);
    assert.equal(info.status, SEC_E_OK);
    const body = enc("hello body");
    const i = handshake(alg, { body });
    assert.match(i.a.token, /qop=auth-int/);
    assert.equal(i.v.status, SEC_E_OK);
  });
}

Deno.test("auth-int: a different body is refused", () => {
  const r = handshake("SHA-256", { body: enc("a"), serverBody: enc("b") });
  assert.equal(r.v.status, SEC_E_LOGON_DENIED);
});

Deno.test("wrong URI is refused", () => {
  const r = handshake("MD5", { uri: "/a", serverUri: "/b" });
  assert.equal(r.v.status, SEC_E_LOGON_DENIED);
});

Deno.test("wrong password, unknown user and wrong realm are refused", () => {
  assert.equal(
    handshake("MD5", {}, undefined, clientCred("Mufasa", "nope")).v.status,
    SEC_E_LOGON_DENIED,
  );
  assert.equal(
    handshake("MD5", {}, undefined, clientCred("Scar", PW)).v.status,
    SEC_E_LOGON_DENIED,
  );
  const other = serverCred({ realm: "other", users, algorithms: ["MD5"] });
  const r = handshake("MD5");
  const v = ascHttp(other, new CtxtHandle(), true, r.a.token, "POST", "/x?y=1");
  assert.equal(v.status, SEC_E_LOGON_DENIED);
  // A forged realm in the header (with our nonce) is refused too.
  const forged = r.a.token.replace('realm="r"', 'realm="q"');
  assert.equal(
    ascHttp(r.server, new CtxtHandle(), true, forged, "POST", "/x?y=1").status,
    SEC_E_LOGON_DENIED,
  );
});

Deno.test("replayed nc is refused (same context and a fresh one)", () => {
  const r = handshake("SHA-256");
  assert.equal(r.v.status, SEC_E_OK);
  const again = ascHttp(
    r.server,
    new CtxtHandle(),
    true,
    r.a.token,
    "POST",
    "/x?y=1",
  );
  assert.equal(again.status, SEC_E_OUT_OF_SEQUENCE);
  // The client's next request (nc=2, preemptive) is accepted.
  const next = iscHttp(r.client, r.cctx, false, "/x?y=1", null, "POST");
  assert.match(next.token, /nc=00000002/);
  const ctx = new CtxtHandle();
  assert.equal(
    ascHttp(r.server, ctx, true, next.token, "POST", "/x?y=1").status,
    SEC_E_OK,
  );
  assert.equal(
    ascHttp(r.server, ctx, false, next.token, "POST", "/x?y=1").status,
    SEC_E_OUT_OF_SEQUENCE,
  );
});

Deno.test("expired nonce: stale=true challenge, client answers again without new credentials", async () => {
  const server = serverCred({
    realm: "r",
    users,
    algorithms: ["SHA-256"],
    nonceLifetimeSeconds: 0,
  });
  const client = clientCred("Mufasa", PW);
  const ch = ascHttp(server, new CtxtHandle(), true, null);
  const cctx = new CtxtHandle();
  const a = iscHttp(client, cctx, true, "/", ch.token);
  await new Promise((r) => setTimeout(r, 5));
  const v = ascHttp(server, new CtxtHandle(), true, a.token, "GET", "/");
  assert.equal(v.status, SEC_I_CONTINUE_NEEDED);
  assert.match(v.token, /stale=true/);
  const a2 = iscHttp(client, cctx, false, "/", v.token);
  assert.equal(a2.status, SEC_E_OK);
  assert.notEqual(a2.token, a.token);
  // A second challenge without stale means the password was refused.
  const fresh = ascHttp(server, new CtxtHandle(), true, null);
  assert.equal(
    iscHttp(client, cctx, false, "/", fresh.token).status,
    SEC_E_LOGON_DENIED,
  );
  // A wrong password with an expired nonce is still a logon failure, not stale.
  const bad = clientCred("Mufasa", "x");
  const b = iscHttp(bad, new CtxtHandle(), true, "/", ch.token);
  assert.equal(
    ascHttp(server, new CtxtHandle(), true, b.token, "GET", "/").status,
    SEC_E_LOGON_DENIED,
  );
});

Deno.test("mutual auth: a wrong rspauth fails the client", () => {
  const r = handshake("MD5");
  const c = clientCred("Mufasa", PW);
  const ctx = new CtxtHandle();
  const a = iscHttp(
    c,
    ctx,
    true,
    "/x?y=1",
    r.ch.token,
    "GET",
    undefined,
    ISC_REQ_MUTUAL_AUTH,
  );
  assert.equal(a.status, SEC_I_CONTINUE_NEEDED);
  const v = ascHttp(r.server, new CtxtHandle(), true, a.token, "GET", "/x?y=1");
  const forged = v.token.replace(
    /rspauth="([0-9a-f])/,
    (_m, d) => `rspauth="${d === "0" ? "1" : "0"}`,
  );
  assert.equal(
    iscHttp(c, ctx, false, "/x?y=1", forged).status,
    SEC_E_MUTUAL_AUTH_FAILED,
  );
});

Deno.test("userhash and RFC 8187 username* (non-ASCII user)", () => {
  const name = "J\u00e4s\u00f8n Doe";
  const server = serverCred({
    realm: "api@example.org",
    users: [{ User: name, Password: "Secret, or not?" }],
    algorithms: ["SHA-512-256"],
  });
  const r = handshake(
    "SHA-512-256",
    {},
    server,
    clientCred(name, "Secret, or not?"),
  );
  assert.match(r.a.token, /username\*=UTF-8''J%C3%A4s%C3%B8n%20Doe/);
  assert.equal(r.v.status, SEC_E_OK);
  const hs = serverCred({
    realm: "api@example.org",
    users: [{ User: name, Password: "Secret, or not?" }],
    algorithms: ["SHA-512-256"],
    userhash: true,
  });
  const h = handshake(
    "SHA-512-256",
    {},
    hs,
    clientCred(name, "Secret, or not?"),
  );
  // RFC 7616 3.9.2: userhash of "Jäsøn Doe" in api@example.org (SHA-512-256).
  assert.match(
    h.a.token,
    /username="793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"/,
  );
  assert.match(h.a.token, /userhash=true/);
  assert.equal(h.v.status, SEC_E_OK);
  assert.equal(
    QueryContextAttributes(new CtxtHandle(), SECPKG_ATTR_NAMES, {}) !==
      SEC_E_OK,
    true,
  );
});

Deno.test("htdigest users (MD5 H(A1)) and the default MD5-only offer", () => {
  const ha1 = toHex(md5(enc(`alice:files:pw1`)));
  const path = Deno.makeTempFileSync();
  Deno.writeTextFileSync(path, `# comment\nalice:files:${ha1}\nbad line\n`);
  assert.equal(parseHtdigest(Deno.readTextFileSync(path)).length, 1);
  const server = cred(SECPKG_CRED_INBOUND, {
    realm: "files",
    htdigestFile: path,
  });
  const ch = ascHttp(server, new CtxtHandle(), true, null);
  assert.match(ch.token, /algorithm=MD5/);
  assert.doesNotMatch(ch.token, /SHA/);
  const a = iscHttp(
    clientCred("alice", "pw1"),
    new CtxtHandle(),
    true,
    "/f",
    ch.token,
  );
  const sctx = new CtxtHandle();
  assert.equal(
    ascHttp(server, sctx, true, a.token, "GET", "/f").status,
    SEC_E_OK,
  );
  const names: { value?: { sUserName: string } } = {};
  assert.equal(
    QueryContextAttributes(sctx, SECPKG_ATTR_NAMES, names),
    SEC_E_OK,
  );
  assert.equal(names.value?.sUserName, "alice");
  Deno.removeSync(path);
});

Deno.test("async lookup: only SspiAcceptSecurityContextAsync", async () => {
  const server = serverCred({
    realm: "r",
    algorithms: ["SHA-256"],
    lookup: (user: string) =>
      Promise.resolve(
        user === "Mufasa" ? { User: "Mufasa", Password: PW } : null,
      ),
  });
  const ch = ascHttp(server, new CtxtHandle(), true, null);
  const a = iscHttp(
    clientCred("Mufasa", PW),
    new CtxtHandle(),
    true,
    "/",
    ch.token,
  );
  assert.equal(
    ascHttp(server, new CtxtHandle(), true, a.token, "GET", "/").status,
    SEC_E_NO_AUTHENTICATING_AUTHORITY,
  );
  const ac = SspiCreateAsyncContext();
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  SspiAcceptSecurityContextAsync(
    ac,
    server,
    null,
    new SecBufferDesc([
      new SecBuffer(SECBUFFER_TOKEN, enc(a.token)),
      new SecBuffer(SECBUFFER_PKG_PARAMS, enc("GET")),
      new SecBuffer(SECBUFFER_PKG_PARAMS, enc("/")),
    ]),
    ASC_REQ_HTTP | ISC_REQ_ALLOCATE_MEMORY,
    SECURITY_NATIVE_DREP,
    new CtxtHandle(),
    out,
    { value: 0 },
  );
  assert.equal(await SspiWaitForAsyncCall(ac), SEC_E_OK);
  assert.match(dec(out.pBuffers[0].pvBuffer), /rspauth=/);
});

Deno.test("passwords never appear in errors or inspect output", () => {
  const secret = "Pa55-Never-Show-Me";
  const c = clientCred("Mufasa", secret);
  const s = serverCred({
    realm: "r",
    users: [{ User: "Mufasa", Password: secret }],
  });
  const r = handshake("MD5", {}, s, clientCred("Mufasa", "wrong-" + secret));
  assert.equal(r.v.status, SEC_E_LOGON_DENIED);
  const msg = lastErrorDetail()?.message ?? "";
  assert.ok(!msg.includes(secret));
  for (const o of [c, s, r.cctx, r.sctx]) {
    assert.ok(
      !Deno.inspect(o, { depth: 10, showHidden: true }).includes(secret),
    );
  }
  assert.ok(!r.a.token.includes(secret));
});

Deno.test("QuerySecurityPackageInfo(WDigest) and SECPKG_ATTR_SIZES", () => {
  const info: { value?: SecPkgInfo } = {};
  assert.equal(QuerySecurityPackageInfo("WDigest", info), SEC_E_OK);
  assert.equal(info.value?.Name, "WDigest");
  assert.equal(info.value?.wRPCID, 21);
  assert.equal(info.value?.cbMaxToken, 4096);
});

function saslPair(flags: number, ciphers?: string[]) {
  const sc = serverCred({
    realm: "example.com",
    users: [{ User: "chris", Password: "secret" }],
    ...(ciphers ? { ciphers } : {}),
  });
  const cc = clientCred("chris", "secret");
  const sctx = new CtxtHandle(), cctx = new CtxtHandle();
  assert.equal(
    iscSasl(cc, cctx, true, "imap/example.com", null).status,
    SEC_I_CONTINUE_NEEDED,
  );
  const ch = ascSasl(sc, sctx, true, null);
  const resp = iscSasl(cc, cctx, false, "imap/example.com", ch.token, flags);
  assert.equal(resp.status, SEC_I_CONTINUE_NEEDED);
  const fin = ascSasl(sc, sctx, false, resp.token);
  assert.equal(fin.status, SEC_E_OK, lastErrorDetail()?.message);
  assert.equal(
    iscSasl(cc, cctx, false, "imap/example.com", fin.token).status,
    SEC_E_OK,
  );
  return { sctx, cctx, resp };
}

for (const cipher of ["rc4", "3des", "des", "rc4-56", "rc4-40"]) {
  Deno.test(`SASL auth-conf with ${cipher}: seal both ways, tamper and replay refused`, () => {
    const { sctx, cctx, resp } = saslPair(ISC_REQ_CONFIDENTIALITY, [cipher]);
    assert.match(resp.token, new RegExp(`cipher=${cipher}`));
    for (const n of [0, 1, 7, 8, 100]) {
      const m = new Uint8Array(n).map((_, i) => i);
      const w = saslSeal(cctx, m);
      const u = saslUnseal(sctx, w);
      assert.equal(u.status, SEC_E_OK);
      assert.deepEqual(u.msg, m);
      const back = saslUnseal(cctx, saslSeal(sctx, m));
      assert.equal(back.status, SEC_E_OK);
      assert.deepEqual(back.msg, m);
    }
    const w = saslSeal(cctx, enc("pay 100"));
    const t = w.slice();
    t[0] ^= 1;
    assert.equal(saslUnseal(sctx, t).status, SEC_E_MESSAGE_ALTERED);
    assert.equal(saslUnseal(sctx, w).status, SEC_E_OK); // untampered still works after
    assert.equal(saslUnseal(sctx, w).status, SEC_E_OUT_OF_SEQUENCE);
  });
}

Deno.test("SASL auth-int: MakeSignature/VerifySignature", () => {
  const { sctx, cctx, resp } = saslPair(ISC_REQ_INTEGRITY);
  assert.match(resp.token, /qop=auth-int/);
  const msg = enc("signed");
  const tok = new Uint8Array(16);
  assert.equal(
    MakeSignature(
      cctx,
      0,
      new SecBufferDesc([
        new SecBuffer(SECBUFFER_DATA, msg),
        new SecBuffer(SECBUFFER_TOKEN, tok),
      ]),
      0,
    ),
    SEC_E_OK,
  );
  const v = (m: Uint8Array) =>
    VerifySignature(
      sctx,
      new SecBufferDesc([
        new SecBuffer(SECBUFFER_DATA, m),
        new SecBuffer(SECBUFFER_TOKEN, tok.slice()),
      ]),
      0,
      { value: 0 },
    );
  assert.equal(v(enc("signeD")), SEC_E_MESSAGE_ALTERED);
  assert.equal(v(msg), SEC_E_OK);
  const sizes: { value?: { cbMaxSignature: number } } = {};
  assert.equal(
    QueryContextAttributes(cctx, SECPKG_ATTR_SIZES, sizes),
    SEC_E_OK,
  );
  assert.equal(sizes.value?.cbMaxSignature, 16);
});

Deno.test("SASL: wrong password and replayed response refused", () => {
  const sc = serverCred({
    realm: "example.com",
    users: [{ User: "chris", Password: "secret" }],
  });
  const cc = clientCred("chris", "wrong");
  const ctx = new CtxtHandle();
  iscSasl(cc, ctx, true, "imap/example.com", null);
  const ch = ascSasl(sc, new CtxtHandle(), true, null);
  const r = iscSasl(cc, ctx, false, "imap/example.com", ch.token);
  assert.equal(
    ascSasl(sc, new CtxtHandle(), true, r.token).status,
    SEC_E_LOGON_DENIED,
  );
  const ok = clientCred("chris", "secret");
  const c2 = new CtxtHandle();
  iscSasl(ok, c2, true, "imap/example.com", null);
  const r2 = iscSasl(ok, c2, false, "imap/example.com", ch.token);
  assert.equal(ascSasl(sc, new CtxtHandle(), true, r2.token).status, SEC_E_OK);
  assert.equal(
    ascSasl(sc, new CtxtHandle(), true, r2.token).status,
    SEC_E_OUT_OF_SEQUENCE,
  );
});
