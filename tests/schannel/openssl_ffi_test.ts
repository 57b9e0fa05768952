/**
 * Schannel (TLS 1.3) against OpenSSL 3 called through `Deno.dlopen`
 * (`tests/peers/openssl_ffi.ts`, the peer the Schannel benchmark measures against),
 * in memory: our client with an OpenSSL server and an OpenSSL client with our server,
 * RSA and P-256 certificates, application data both ways (empty, one byte, one full
 * record, 100000 bytes over several records), OpenSSL's NewSessionTickets at our
 * client, KeyUpdate from OpenSSL, close_notify both ways, client certificates both
 * ways, and OpenSSL's own
 * verdict on our server's chain. A last test checks that the peer frees what it
 * allocates, over loops of 10,000 (SSL objects, records) and 2,000 (handshakes, contexts).
 */
import assert from "node:assert/strict";
import {
  ApplyControlToken,
  type CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  QueryContextAttributes,
  SCHANNEL_SHUTDOWN,
  type SchannelCertContext,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
} from "../../mod.ts";
import {
  NID_X25519,
  OpensslContext,
  OpensslEndpoint,
  opensslFfiStatus,
  opensslFfiTest,
} from "../peers/openssl_ffi.ts";
import { type TestCert, type TestPki, testPki } from "./_pki.ts";
import { acquire, asc, isc } from "./_tls.ts";
import {
  concat,
  ourClientHandshake,
  ourServerHandshake,
  pattern,
  sealAll,
  unsealAll,
} from "./_ffi_session.ts";

const pki = opensslFfiStatus().available ? await testPki() : null;
const SIZES = [0, 1, 16384, 100000];
const MUTUAL = 0x4 | 0x8 | 0x10 | 0x100 | 0x10000 | 0x2;

function test(name: string, fn: (p: TestPki) => void): void {
  opensslFfiTest(`schannel x OpenSSL FFI: ${name}`, () => {
    // testPki() already reported a missing openssl command (and fails under CI).
    if (pki) fn(pki);
  });
}

const certs = (p: TestPki, kind: "rsa" | "ec"): [TestCert, TestCert] =>
  kind === "rsa" ? [p.rsaServer, p.rsaCa] : [p.ecServer, p.ecCa];

/** Data both ways, every size, ours sealing with EncryptMessage. */
function exchange(ctx: CtxtHandle, peer: OpensslEndpoint): void {
  for (const size of SIZES) {
    const up = pattern(size, 1);
    peer.feed(sealAll(ctx, up));
    assert.deepEqual(peer.read(), up, `ours -> OpenSSL, ${size} bytes`);
    const down = pattern(size, 2);
    peer.write(down);
    const wire = peer.take();
    // OpenSSL writes nothing for an empty SSL_write; records of at most 16 KiB.
    const u = unsealAll(ctx, wire);
    assert.deepEqual(u.data, down, `OpenSSL -> ours, ${size} bytes`);
    assert.equal(u.records, Math.ceil(size / 16384));
    assert.equal(u.empty, 0);
  }
}

function shutdownToken(
  cred: CredHandle,
  ctx: CtxtHandle,
  role: "client" | "server",
): Uint8Array {
  const ctl = new Uint8Array([SCHANNEL_SHUTDOWN, 0, 0, 0]);
  assert.equal(
    ApplyControlToken(
      ctx,
      new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, ctl)]),
    ),
    SEC_E_OK,
  );
  // One more ISC/ASC call makes the close_notify.
  const r = role === "client"
    ? isc(cred, ctx, false, "localhost", null)
    : asc(cred, ctx, false, new Uint8Array(0));
  assert.equal(r.status, SEC_E_OK);
  assert.ok(r.token);
  return r.token;
}

for (const kind of ["rsa", "ec"] as const) {
  test(`our client -> OpenSSL server (${kind}): tickets, data both ways, close_notify`, (p) => {
    const [srv, ca] = certs(p, kind);
    const sctx = new OpensslContext("server", {
      certFile: srv.certPath,
      keyFile: srv.keyPath,
    });
    const server = new OpensslEndpoint(sctx);
    const cred = acquire("client", { RootCertificates: ca.cert });
    try {
      const { ctx, rest } = ourClientHandshake(cred, server);
      assert.equal(server.version(), "TLSv1.3");
      assert.equal(server.cipher(), "TLS_AES_128_GCM_SHA256");
      assert.equal(server.group(), NID_X25519);
      assert.equal(server.serverName(), "localhost");
      // OpenSSL's server sends two NewSessionTickets after our Finished: each a
      // record DecryptMessage accepts with SEC_E_OK and an empty DATA buffer.
      const t = unsealAll(ctx, rest);
      assert.equal(t.records, 2);
      assert.equal(t.empty, 2);
      assert.equal(t.data.length, 0);
      exchange(ctx, server);
      // close_notify from OpenSSL.
      server.shutdown();
      const c = unsealAll(ctx, server.take());
      assert.ok(c.closed, "no SEC_I_CONTEXT_EXPIRED");
      DeleteSecurityContext(ctx);
    } finally {
      server.free();
      sctx.free();
      FreeCredentialsHandle(cred);
    }
  });

  test(`OpenSSL client -> our server (${kind}): chain verified by OpenSSL, data both ways, close_notify`, (p) => {
    const [srv, ca] = certs(p, kind);
    const cctx = new OpensslContext("client", { caFile: ca.certPath });
    const client = new OpensslEndpoint(cctx, "localhost");
    const cred = acquire("server", {
      Certificate: srv.cert,
      PrivateKey: srv.key,
    });
    try {
      const ctx = ourServerHandshake(cred, client);
      // OpenSSL checked our chain against the CA and the name (SSL_set1_host).
      assert.equal(client.verifyResult(), 0);
      assert.equal(client.version(), "TLSv1.3");
      assert.equal(client.cipher(), "TLS_AES_128_GCM_SHA256");
      assert.equal(client.group(), NID_X25519);
      // Our server sends no tickets: nothing pending for the client.
      assert.equal(client.read().length, 0);
      exchange(ctx, client);
      client.shutdown();
      assert.ok(
        unsealAll(ctx, client.take()).closed,
        "no SEC_I_CONTEXT_EXPIRED",
      );
      DeleteSecurityContext(ctx);
    } finally {
      client.free();
      cctx.free();
      FreeCredentialsHandle(cred);
    }
  });
}

test("OpenSSL refuses our server's chain for the wrong CA or name", (p) => {
  const cred = acquire("server", {
    Certificate: p.ecServer.cert,
    PrivateKey: p.ecServer.key,
  });
  for (
    const [caFile, host] of [[p.rsaCa.certPath, "localhost"], [
      p.ecCa.certPath,
      "example.org",
    ]]
  ) {
    const cctx = new OpensslContext("client", { caFile });
    const client = new OpensslEndpoint(cctx, host);
    try {
      const ctx = new CtxtHandle();
      const r = asc(cred, ctx, true, client.take());
      assert.equal(r.status, SEC_I_CONTINUE_NEEDED);
      assert.throws(() => client.feed(r.token!), /certificate verify failed/);
      assert.notEqual(client.verifyResult(), 0);
      // OpenSSL's alert reaches our server as a failure, not a success.
      const a = asc(cred, ctx, false, client.take());
      assert.notEqual(a.status, SEC_E_OK);
      assert.notEqual(a.status, SEC_I_CONTINUE_NEEDED);
      DeleteSecurityContext(ctx);
    } finally {
      client.free();
      cctx.free();
    }
  }
  FreeCredentialsHandle(cred);
});

test("our close_notify (SCHANNEL_SHUTDOWN) seen by OpenSSL, both roles", (p) => {
  const sctx = new OpensslContext("server", {
    certFile: p.ecServer.certPath,
    keyFile: p.ecServer.keyPath,
  });
  const cctx = new OpensslContext("client", { caFile: p.ecCa.certPath });
  const ccred = acquire("client", { RootCertificates: p.ecCa.cert });
  const scred = acquire("server", {
    Certificate: p.ecServer.cert,
    PrivateKey: p.ecServer.key,
  });
  const server = new OpensslEndpoint(sctx);
  const client = new OpensslEndpoint(cctx, "localhost");
  try {
    const { ctx: c } = ourClientHandshake(ccred, server);
    server.feed(shutdownToken(ccred, c, "client"));
    assert.equal(server.read().length, 0);
    assert.ok(server.peerClosed);
    const s = ourServerHandshake(scred, client);
    client.feed(shutdownToken(scred, s, "server"));
    assert.equal(client.read().length, 0);
    assert.ok(client.peerClosed);
    DeleteSecurityContext(c);
    DeleteSecurityContext(s);
  } finally {
    server.free();
    client.free();
    sctx.free();
    cctx.free();
    FreeCredentialsHandle(ccred);
    FreeCredentialsHandle(scred);
  }
});

test("client certificates both ways (OpenSSL verifies ours, ours sees OpenSSL's)", (p) => {
  // Our client with a certificate against an OpenSSL server that requires one.
  const sctx = new OpensslContext("server", {
    certFile: p.ecServer.certPath,
    keyFile: p.ecServer.keyPath,
    caFile: p.rsaCa.certPath,
  });
  const server = new OpensslEndpoint(sctx);
  const ccred = acquire("client", {
    RootCertificates: p.ecCa.cert,
    Certificate: p.client.cert,
    PrivateKey: p.client.key,
  });
  // OpenSSL's client with a certificate against our server asking for one.
  const cctx = new OpensslContext("client", {
    caFile: p.rsaCa.certPath,
    certFile: p.client.certPath,
    keyFile: p.client.keyPath,
  });
  const client = new OpensslEndpoint(cctx, "localhost");
  const scred = acquire("server", {
    Certificate: p.rsaServer.cert,
    PrivateKey: p.rsaServer.key,
    RootCertificates: p.rsaCa.cert,
  });
  try {
    const { ctx: c, rest } = ourClientHandshake(ccred, server);
    assert.equal(server.verifyResult(), 0);
    assert.equal(unsealAll(c, rest).empty, 2); // the tickets
    exchange(c, server);
    const s = ourServerHandshake(scred, client, MUTUAL);
    assert.equal(client.verifyResult(), 0);
    const cert: { value?: SchannelCertContext } = {};
    assert.equal(
      QueryContextAttributes(s, SECPKG_ATTR_REMOTE_CERT_CONTEXT, cert),
      SEC_E_OK,
    );
    assert.ok(cert.value);
    exchange(s, client);
    DeleteSecurityContext(c);
    DeleteSecurityContext(s);
  } finally {
    server.free();
    client.free();
    sctx.free();
    cctx.free();
    FreeCredentialsHandle(ccred);
    FreeCredentialsHandle(scred);
  }
});

test("OpenSSL's NewSessionTicket arriving glued to application data", (p) => {
  const sctx = new OpensslContext("server", {
    certFile: p.rsaServer.certPath,
    keyFile: p.rsaServer.keyPath,
    tickets: 3,
  });
  const server = new OpensslEndpoint(sctx);
  const cred = acquire("client", { RootCertificates: p.rsaCa.cert });
  try {
    const { ctx, rest } = ourClientHandshake(cred, server);
    const hello = pattern(5000, 9);
    server.write(hello);
    // Three ticket records then the data record, all in one read.
    const wire = concat([rest, server.take()]);
    const u = unsealAll(ctx, wire);
    assert.equal(u.empty, 3);
    assert.deepEqual(u.data, hello);
    DeleteSecurityContext(ctx);
  } finally {
    server.free();
    sctx.free();
    FreeCredentialsHandle(cred);
  }
});

test("KeyUpdate from OpenSSL: our DecryptMessage follows the new keys", (p) => {
  const sctx = new OpensslContext("server", {
    certFile: p.ecServer.certPath,
    keyFile: p.ecServer.keyPath,
    tickets: 0,
  });
  const server = new OpensslEndpoint(sctx);
  const cred = acquire("client", { RootCertificates: p.ecCa.cert });
  try {
    const { ctx } = ourClientHandshake(cred, server);
    for (let i = 0; i < 3; i++) {
      const down = pattern(3000, i);
      server.keyUpdate(); // update_not_requested: we need not answer
      server.write(down);
      const u = unsealAll(ctx, server.take());
      assert.equal(u.records, 2); // the KeyUpdate record, then the data
      assert.equal(u.empty, 1);
      assert.deepEqual(u.data, down);
      // Our sending keys are unchanged, and OpenSSL still reads us.
      const up = pattern(100, i);
      server.feed(sealAll(ctx, up));
      assert.deepEqual(server.read(), up);
    }
    DeleteSecurityContext(ctx);
  } finally {
    server.free();
    sctx.free();
    FreeCredentialsHandle(cred);
  }
});

Deno.test({
  name:
    "schannel x OpenSSL FFI: the peer frees what it allocates (loops of 10,000 and 2,000, in a process of their own)",
  ignore: pki === null,
  async fn() {
    const p = pki!;
    // glibc's mallinfo2 counts a whole process; `deno test --parallel` runs other
    // test files in this one, so the loops run in a child (_openssl_leak_child.ts).
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_openssl_leak_child.ts", import.meta.url).pathname,
        p.ecServer.certPath,
        p.ecServer.keyPath,
        p.ecCa.certPath,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.ok(
      out.success,
      `the leak loops failed: ${new TextDecoder().decode(out.stderr)}`,
    );
    const results: { what: string; n: number; growth: number | null }[] = JSON
      .parse(text.trim().split("\n").at(-1)!);
    assert.equal(results.length, 4);
    for (const { what, n, growth } of results) {
      if (growth === null) continue; // not glibc: unmeasured
      // A leaked SSL or SSL_CTX is kilobytes: 10,000 of them would be megabytes.
      assert.ok(
        growth < 1 << 20,
        `${what}: the heap grew by ${growth} bytes over ${n} loops (the least of three runs)`,
      );
      if (Deno.env.get("OPENSSL_FFI_HEAP")) {
        console.log(`${what}: ${growth} bytes over ${n} loops`);
      }
    }
  },
});
