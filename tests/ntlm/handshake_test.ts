// deno-lint-ignore-file no-explicit-any
// NTLM between our own client and server: flags, attributes, negative cases, secrets.
import assert from "node:assert/strict";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  client,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  EncryptMessage,
  InitializeSecurityContext,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_INTEGRITY,
  lastErrorDetail,
  QueryContextAttributes,
  QuerySecurityPackageInfo,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_FLAGS,
  SECPKG_ATTR_LIFESPAN,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NATIVE_NAMES,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_PACKAGE_INFO,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  type SecPkgInfo,
  SECQOP_WRAP_NO_ENCRYPT,
  server,
} from "../../mod.ts";
import {
  decodeAuthenticate,
  encodeAuthenticate,
  encodeChallenge,
} from "../../src/packages/ntlm/messages.ts";
import { encodeAvPairs } from "../../src/packages/ntlm/av_pairs.ts";
import { handshake, pair, statusOf, USERS } from "./_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("NTLM: handshake, attributes, and session security both ways", () => {
  const { c, s } = pair();
  handshake(c, s);
  assert.ok(c.complete && s.complete);
  assert.deepEqual(c.sessionKey, s.sessionKey);
  assert.equal(s.clientName, "EXAMPLE\\alice");
  assert.equal(
    c.contextAttributes & ISC_RET_CONFIDENTIALITY,
    ISC_RET_CONFIDENTIALITY,
  );
  assert.equal(c.contextAttributes & ISC_RET_INTEGRITY, ISC_RET_INTEGRITY);
  for (let i = 0; i < 5; i++) {
    assert.equal(
      dec.decode(s.unwrap(c.wrap(enc.encode(`c2s ${i}`)))),
      `c2s ${i}`,
    );
    assert.equal(
      dec.decode(c.unwrap(s.wrap(enc.encode(`s2c ${i}`)))),
      `s2c ${i}`,
    );
    s.verify(enc.encode("m"), c.sign(enc.encode("m")));
  }
  const ctx = s.handles.context;
  const out: { value?: any } = {};
  assert.equal(QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, out), SEC_E_OK);
  assert.deepEqual(out.value, {
    cbMaxToken: 2888,
    cbMaxSignature: 16,
    cbBlockSize: 0,
    cbSecurityTrailer: 16,
  });
  assert.equal(QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, out), SEC_E_OK);
  assert.deepEqual(out.value, { sUserName: "EXAMPLE\\alice" });
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_NATIVE_NAMES, out),
    SEC_E_OK,
  );
  assert.equal((out.value as any).sClientName, "EXAMPLE\\alice");
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_PACKAGE_INFO, out),
    SEC_E_OK,
  );
  assert.equal((out.value as any).PackageInfo.Name, "NTLM");
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_NEGOTIATION_INFO, out),
    SEC_E_OK,
  );
  assert.equal((out.value as any).NegotiationState, 0);
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_LIFESPAN, out),
    SEC_E_OK,
  );
  assert.equal(QueryContextAttributes(ctx, SECPKG_ATTR_FLAGS, out), SEC_E_OK);
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_SESSION_KEY, out),
    SEC_E_OK,
  );
  assert.equal((out.value as any).SessionKeyLength, 16);
  c.dispose();
  s.dispose();
});

Deno.test("NTLM: QuerySecurityPackageInfo gives Windows' values", () => {
  const out: { value?: SecPkgInfo } = {};
  assert.equal(QuerySecurityPackageInfo("NTLM", out), SEC_E_OK);
  assert.equal(out.value!.cbMaxToken, 2888);
  assert.equal(out.value!.wRPCID, 10);
  assert.equal(out.value!.fCapabilities, 0x00882b37);
});

Deno.test("NTLM: wrong password and unknown user get the same SEC_E_LOGON_DENIED", () => {
  const a = pair("wrong");
  assert.equal(statusOf(() => handshake(a.c, a.s)), SEC_E_LOGON_DENIED);
  const c = client({ username: "mallory", domain: "EXAMPLE", password: "x" });
  const s = server({ authData: { users: USERS } });
  assert.equal(statusOf(() => handshake(c, s)), SEC_E_LOGON_DENIED);
  assert.ok(!lastErrorDetail()!.message.includes("mallory"));
});

Deno.test("NTLM: a logon without a domain is a logon to the server's DomainName", () => {
  // Heimdal's client sends no domain; Windows takes such a logon as local.
  const noDomain = { Domain: "" };
  const home = pair("S3cret!pw", { DomainName: "EXAMPLE" }, noDomain);
  handshake(home.c, home.s);
  assert.equal(home.s.clientName, "EXAMPLE\\alice");
  const away = pair("S3cret!pw", { DomainName: "OTHER" }, noDomain);
  assert.equal(statusOf(() => handshake(away.c, away.s)), SEC_E_LOGON_DENIED);
  // A named domain is still the client's to name.
  const named = pair("S3cret!pw", { DomainName: "OTHER" });
  handshake(named.c, named.s);
  assert.equal(named.s.clientName, "EXAMPLE\\alice");
});

Deno.test("NTLM: the server reads only NEGOTIATE's flags (a bad DomainName offset is ignored)", () => {
  // Heimdal's NEGOTIATE points DomainName at offset 24, inside the header; Samba
  // reads only the flags too. The MIC still covers the message as sent.
  const { c, s } = pair();
  const neg = c.step(null)!.slice();
  neg.set([14, 0, 14, 0, 24, 0, 0, 0], 16); // DomainNameFields: 14 bytes at 24
  const challenge = s.step(neg);
  assert.ok(challenge && challenge[8] === 2, "answered with a CHALLENGE");
  // Changed on the way, it no longer matches what the client's MIC covers.
  const auth = c.step(challenge)!;
  assert.equal(statusOf(() => s.step(auth)), SEC_E_MESSAGE_ALTERED);
  // Anything that is not a NEGOTIATE at all is still refused.
  const bad = neg.slice();
  bad[8] = 3;
  assert.equal(statusOf(() => pair().s.step(bad)), SEC_E_INVALID_TOKEN);
});

Deno.test("NTLM client: a CHALLENGE without TargetInfo gets NTLMv2 unless signing or sealing is asked for", () => {
  // MS-NLMP 3.1.5.1.2; the JDK's NTLM server sends no TargetInfo
  // (tests/ntlm/java_sasl_interop_test.ts).
  const stripped = (chal: Uint8Array) => {
    const c = chal.slice();
    c[22] &= ~0x80; // NTLMSSP_NEGOTIATE_TARGET_INFO (0x00800000)
    c.fill(0, 40, 48); // TargetInfoFields
    return c;
  };
  for (
    const flags of [ISC_REQ_CONNECTION, ISC_REQ_CONNECTION | ISC_REQ_INTEGRITY]
  ) {
    const c = client({
      authData: USERS[0],
      flags,
      target: "HTTP/web.example.com",
    });
    const s = server({ authData: { users: USERS } });
    const chal = stripped(s.step(c.step(null)!)!);
    if (flags & ISC_REQ_INTEGRITY) {
      assert.equal(statusOf(() => c.step(chal)), SEC_E_LOGON_DENIED);
    } else {
      const auth = decodeAuthenticate(c.step(chal)!);
      assert.ok(auth.ntResponse.length > 24, "an NTLMv2 response");
      assert.equal(c.complete, true);
    }
    c.dispose();
    s.dispose();
  }
});

Deno.test("NTLM: a tampered AUTHENTICATE is refused", () => {
  // Flip a byte of the user name: the NTLMv2 proof no longer matches.
  const a = pair();
  assert.equal(
    statusOf(() => handshake(a.c, a.s, (m) => (m[m.length - 40] ^= 1))),
    SEC_E_LOGON_DENIED,
  );
  // Alter the MIC: SEC_E_MESSAGE_ALTERED.
  const b = pair();
  assert.equal(
    statusOf(() => handshake(b.c, b.s, (m) => (m[72] ^= 1))),
    SEC_E_MESSAGE_ALTERED,
  );
  // Clear the KEY_EXCH-encrypted session key: the MIC check catches it.
  const d = pair();
  assert.equal(
    statusOf(() =>
      handshake(d.c, d.s, (m) => {
        const off = new DataView(m.buffer, m.byteOffset).getUint32(56, true);
        m[off] ^= 0xff;
      })
    ),
    SEC_E_MESSAGE_ALTERED,
  );
});

Deno.test("NTLM: replayed, reordered and altered messages", () => {
  const { c, s } = pair();
  handshake(c, s);
  const m1 = c.wrap(enc.encode("one"));
  const m2 = c.wrap(enc.encode("two"));
  assert.equal(statusOf(() => s.unwrap(m2)), SEC_E_OUT_OF_SEQUENCE);
  assert.equal(dec.decode(s.unwrap(m1)), "one");
  assert.equal(statusOf(() => s.unwrap(m1)), SEC_E_OUT_OF_SEQUENCE);
  const bad = m2.slice();
  bad[17] ^= 1;
  assert.equal(statusOf(() => s.unwrap(bad)), SEC_E_MESSAGE_ALTERED);
  assert.equal(dec.decode(s.unwrap(m2)), "two");
  const sig = c.sign(enc.encode("signed"));
  assert.equal(
    statusOf(() => s.verify(enc.encode("signeD"), sig)),
    SEC_E_MESSAGE_ALTERED,
  );
  s.verify(enc.encode("signed"), sig);
});

Deno.test("NTLM: SECQOP_WRAP_NO_ENCRYPT signs without encrypting", () => {
  const { c, s } = pair();
  handshake(c, s);
  const data = enc.encode("plain but signed");
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
    new SecBuffer(SECBUFFER_DATA, data),
  ]);
  assert.equal(
    EncryptMessage(c.handles.context, SECQOP_WRAP_NO_ENCRYPT, msg, 0),
    SEC_E_OK,
  );
  assert.equal(dec.decode(data), "plain but signed");
  s.verify(data, msg.pBuffers[0].pvBuffer!);
});

Deno.test("NTLM: NTLMv1 is refused unless the server allows it; NTLMv1 with ESS works then", () => {
  const a = pair("S3cret!pw", {}, { LmCompatibilityLevel: 1 });
  assert.equal(statusOf(() => handshake(a.c, a.s)), SEC_E_LOGON_DENIED);
  const b = pair("S3cret!pw", { allowNtlmV1: true }, {
    LmCompatibilityLevel: 1,
  });
  handshake(b.c, b.s);
  assert.deepEqual(b.c.sessionKey, b.s.sessionKey);
  assert.equal(dec.decode(b.s.unwrap(b.c.wrap(enc.encode("v1")))), "v1");
});

Deno.test("NTLM: an NT hash can stand for the password", () => {
  const hash = "a4f49c406510bdcab6824ee7c30fd852"; // NTOWFv1("Password")
  const c = client({
    authData: { User: "User", Domain: "Domain", NtHash: hash },
  });
  const s = server({
    authData: {
      users: [{ User: "User", Domain: "Domain", Password: "Password" }],
    },
  });
  handshake(c, s);
  const c2 = client({
    authData: { User: "User", Domain: "Domain", Password: `:${hash}` },
  });
  const s2 = server({ authData: { users: [{ User: "User", NtHash: hash }] } });
  handshake(c2, s2);
  assert.equal(s2.clientName, "Domain\\User");
});

Deno.test("NTLM: a user entry without password never authenticates (CVE-2022-24882 class)", () => {
  const s = server({
    authData: { users: [{ User: "alice", Domain: "EXAMPLE" }] },
  });
  const c = client({
    authData: { User: "alice", Domain: "EXAMPLE", Password: "anything" },
  });
  assert.equal(statusOf(() => handshake(c, s)), SEC_E_LOGON_DENIED);
  // An empty store accepts nobody.
  const s2 = server({ authData: { users: [] } });
  const c2 = client({
    authData: { User: "alice", Domain: "EXAMPLE", Password: "x" },
  });
  assert.equal(statusOf(() => handshake(c2, s2)), SEC_E_LOGON_DENIED);
  // A client cannot even acquire a named credential with an empty password.
  assert.equal(
    statusOf(() => client({ authData: { User: "alice", Password: "" } })),
    0x8009030d,
  );
});

Deno.test("NTLM: NTLM_USER_FILE for inbound and outbound default credentials", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/users`;
  await Deno.writeTextFile(
    file,
    "# gss-ntlmssp format\nEXAMPLE:alice:S3cret!pw\nbob:1000:NO PASSWORDXXXXXXXXXXXXXXXXXXXXX:" +
      "a4f49c406510bdcab6824ee7c30fd852:[U          ]:LCT-00000000:\n",
  );
  const old = Deno.env.get("NTLM_USER_FILE");
  Deno.env.set("NTLM_USER_FILE", file);
  try {
    const s = server({});
    handshake(client({}), s);
    assert.equal(s.clientName, "EXAMPLE\\alice");
    const s2 = server({});
    handshake(
      client({ username: "bob", domain: "ANY", password: "Password" }),
      s2,
    );
    assert.equal(s2.clientName, "ANY\\bob");
  } finally {
    if (old === undefined) Deno.env.delete("NTLM_USER_FILE");
    else Deno.env.set("NTLM_USER_FILE", old);
    await Deno.remove(dir, { recursive: true });
  }
  // No file and no pAuthData: no credentials, never a silent accept.
  Deno.env.delete("NTLM_USER_FILE");
  const h = new CredHandle();
  assert.equal(
    AcquireCredentialsHandle(
      null,
      "NTLM",
      SECPKG_CRED_INBOUND,
      null,
      null,
      null,
      null,
      h,
      null,
    ),
    SEC_E_NO_CREDENTIALS,
  );
  if (old !== undefined) Deno.env.set("NTLM_USER_FILE", old);
});

Deno.test("NTLM: secrets never appear in inspect output or errors; keys are wiped on delete", () => {
  const secret = "Sup3rS3cretPassw0rd";
  const c = client({
    authData: { User: "alice", Domain: "EXAMPLE", Password: secret },
  });
  const s = server({
    authData: {
      users: [{ User: "alice", Domain: "EXAMPLE", Password: secret }],
    },
  });
  handshake(c, s);
  const key = c.sessionKey;
  const keyHex = [...key].map((b) => b.toString(16).padStart(2, "0")).join("");
  for (const obj of [c, s, c.handles, s.handles]) {
    const text = Deno.inspect(obj, { depth: 10, showHidden: true });
    assert.ok(!text.includes(secret));
    assert.ok(!text.toLowerCase().includes(keyHex));
  }
  // A failure message names no secret.
  const bad = client({
    authData: { User: "alice", Domain: "EXAMPLE", Password: "wrong-" + secret },
  });
  const s2 = server({
    authData: {
      users: [{ User: "alice", Domain: "EXAMPLE", Password: secret }],
    },
  });
  try {
    handshake(bad, s2);
  } catch (e) {
    assert.ok(!String((e as Error).message).includes(secret));
  }
  // After DeleteSecurityContext the context is gone and its session security unusable.
  const ctx = c.handles.context;
  assert.equal(DeleteSecurityContext(ctx), SEC_E_OK);
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_SESSION_KEY, {}),
    SEC_E_INVALID_HANDLE,
  );
});

Deno.test("NTLM: Win32-shaped handshake into caller-supplied buffers", () => {
  const cc = new CredHandle();
  const sc = new CredHandle();
  assert.equal(
    AcquireCredentialsHandle(
      null,
      "NTLM",
      SECPKG_CRED_OUTBOUND,
      null,
      { User: "alice", Domain: "EXAMPLE", Password: "S3cret!pw" },
      null,
      null,
      cc,
      null,
    ),
    SEC_E_OK,
  );
  assert.equal(
    AcquireCredentialsHandle(
      null,
      "NTLM",
      SECPKG_CRED_INBOUND,
      null,
      { users: USERS },
      null,
      null,
      sc,
      null,
    ),
    SEC_E_OK,
  );
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  const buf = () =>
    new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(2888))]);
  const tok = (d: SecBufferDesc) =>
    new SecBufferDesc([
      new SecBuffer(
        SECBUFFER_TOKEN,
        d.pBuffers[0].pvBuffer!.slice(0, d.pBuffers[0].cbBuffer),
      ),
    ]);
  const attrs = { value: 0 };
  const expiry = { value: 0n };
  let out = buf();
  const f = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY;
  assert.equal(
    InitializeSecurityContext(
      cc,
      null,
      "HTTP/web",
      f,
      0,
      0x10,
      null,
      0,
      cx,
      out,
      attrs,
      expiry,
    ),
    SEC_I_CONTINUE_NEEDED,
  );
  assert.ok(out.pBuffers[0].cbBuffer > 32 && out.pBuffers[0].cbBuffer < 2888);
  let sout = buf();
  assert.equal(
    AcceptSecurityContext(sc, null, tok(out), 0, 0x10, sx, sout, attrs, expiry),
    SEC_I_CONTINUE_NEEDED,
  );
  out = buf();
  assert.equal(
    InitializeSecurityContext(
      cc,
      cx,
      "HTTP/web",
      f,
      0,
      0x10,
      tok(sout),
      0,
      cx,
      out,
      attrs,
      expiry,
    ),
    SEC_E_OK,
  );
  assert.equal(expiry.value, 0x7fffffffffffffffn);
  sout = buf();
  assert.equal(
    AcceptSecurityContext(sc, sx, tok(out), 0, 0x10, sx, sout, attrs, expiry),
    SEC_E_OK,
  );
  assert.equal(sout.pBuffers[0].cbBuffer, 0);
  // A too-small caller buffer: SEC_E_BUFFER_TOO_SMALL.
  const cx2 = new CtxtHandle();
  const tiny = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(8)),
  ]);
  assert.equal(
    InitializeSecurityContext(
      cc,
      null,
      "HTTP/web",
      f | ISC_REQ_ALLOCATE_MEMORY * 0,
      0,
      0x10,
      null,
      0,
      cx2,
      tiny,
      attrs,
      null,
    ),
    0x80090321,
  );
});

Deno.test("NTLM: a refused AUTHENTICATE ends the server context (no retry on its challenge)", () => {
  const good = client({
    authData: { User: "alice", Domain: "EXAMPLE", Password: "S3cret!pw" },
  });
  const bad = client({
    authData: { User: "alice", Domain: "EXAMPLE", Password: "wrong" },
  });
  const s = server({ authData: { users: USERS } });
  const chal = s.step(bad.step(null)!)!;
  good.step(null);
  const goodAuth = good.step(chal)!; // computed against the same challenge
  assert.equal(statusOf(() => s.step(bad.step(chal)!)), SEC_E_LOGON_DENIED);
  const st = statusOf(() => s.step(goodAuth));
  assert.notEqual(st, SEC_E_OK);
  assert.ok(!s.complete || st !== SEC_E_OK);
});

Deno.test("NTLM: oversized fields are SEC_E_INVALID_TOKEN, never an internal error", () => {
  // A CHALLENGE whose TargetInfo is about 64 KiB.
  const c = client({
    authData: { User: "alice", Domain: "EXAMPLE", Password: "pw" },
  });
  c.step(null);
  const pairs = [];
  // Both NetBIOS names (ids 1 and 2), so the size is what the client objects to.
  for (const id of [1, 2, 1]) {
    pairs.push({ id, value: new Uint8Array(21000) });
  }
  const big = encodeChallenge({
    flags: 0xe28a8235,
    targetName: "EXAMPLE",
    serverChallenge: new Uint8Array(8),
    targetInfo: encodeAvPairs(pairs),
  });
  assert.equal(statusOf(() => c.step(big)), SEC_E_INVALID_TOKEN);
  // An AUTHENTICATE with a 60,000-character OEM domain, to a server whose user
  // matches any domain.
  const s = server({
    authData: { users: [{ User: "alice", Password: "pw" }] },
  });
  const c2 = client({
    authData: { User: "alice", Domain: "EXAMPLE", Password: "pw" },
  });
  const chal = s.step(c2.step(null)!)!;
  const auth = decodeAuthenticate(c2.step(chal)!);
  const forged = encodeAuthenticate({
    ...auth,
    flags: (auth.flags & ~1) | 2, // OEM
    domain: "D".repeat(60000),
  });
  const st = statusOf(() => s.step(forged));
  assert.notEqual(st, 0x80090304, "SEC_E_INTERNAL_ERROR");
});
