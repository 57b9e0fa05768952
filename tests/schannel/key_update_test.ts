/**
 * TLS 1.3 KeyUpdate with `update_requested` from OpenSSL (`SSL_key_update`, through
 * FFI): our DecryptMessage returns `SEC_I_RENEGOTIATE`, as Windows does for
 * post-handshake messages, and the caller's next InitializeSecurityContext or
 * AcceptSecurityContext gives our KeyUpdate to send; OpenSSL then reads what we seal
 * under our next keys. Both roles, with and without bytes after the KeyUpdate, data
 * sealed before the answer, and CredSSP's TLS channel answering by itself.
 */
import assert from "node:assert/strict";
import {
  ApplyControlToken,
  type CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  SCHANNEL_SHUTDOWN,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SEC_I_RENEGOTIATE,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
} from "../../mod.ts";
import {
  OpensslContext,
  OpensslEndpoint,
  opensslFfiStatus,
  opensslFfiTest,
} from "../peers/openssl_ffi.ts";
import { schannelPackage } from "../../src/packages/schannel/package.ts";
import { TlsChannel } from "../../src/packages/credssp/channel.ts";
import {
  decodeTSRequest,
  encodeTSRequest,
} from "../../src/packages/credssp/tsrequest.ts";
import { type TestPki, testPki } from "./_pki.ts";
import { acquire, asc, isc, ISC_FLAGS, unseal } from "./_tls.ts";
import {
  concat,
  ourClientHandshake,
  ourServerHandshake,
  pattern,
  sealAll,
  unsealAll,
} from "./_ffi_session.ts";

const pki = opensslFfiStatus().available ? await testPki() : null;

function test(name: string, fn: (p: TestPki) => void): void {
  opensslFfiTest(`schannel KeyUpdate x OpenSSL FFI: ${name}`, () => {
    // testPki() already reported a missing openssl command (and fails under CI).
    if (pki) fn(pki);
  });
}

/**
 * The peer's KeyUpdate(update_requested) then `down`, read by us: SEC_I_RENEGOTIATE
 * on the KeyUpdate record, our answer from `answer` (given the SECBUFFER_EXTRA
 * bytes, or null when `withExtra` is false) goes to the peer, then `up` sealed by us
 * is read by the peer and `down` by us.
 */
function roundTrip(
  ctx: CtxtHandle,
  peer: OpensslEndpoint,
  answer: (input: Uint8Array | null) => {
    status: number;
    token: Uint8Array | null;
    extra: number;
  },
  seed: number,
  withExtra: boolean,
): void {
  peer.keyUpdate(true);
  const down = pattern(3000, seed);
  peer.write(down);
  const u = unseal(ctx, peer.take());
  assert.equal(u.status, SEC_I_RENEGOTIATE);
  assert.equal(u.data?.length ?? 0, 0);
  assert.ok(u.extra, "the data record comes back as SECBUFFER_EXTRA");
  const extra = u.extra.slice();
  const r = answer(withExtra ? extra : null);
  assert.equal(r.status, SEC_E_OK);
  assert.ok(r.token, "no KeyUpdate to send");
  // A KeyUpdate record: type handshake (0x17 outside), 5 + 1 + 4 + 1 + 16 bytes.
  assert.equal(r.token[0], 0x17);
  assert.equal(r.token.length, 5 + 4 + 1 + 1 + 16);
  // The bytes given are not consumed: they come back as SECBUFFER_EXTRA.
  assert.equal(r.extra, withExtra ? extra.length : 0);
  peer.feed(r.token);
  const up = pattern(500, seed + 1);
  peer.feed(sealAll(ctx, up));
  assert.deepEqual(peer.read(), up, "OpenSSL reads us under our next keys");
  assert.deepEqual(unsealAll(ctx, extra).data, down);
  // Nothing more is owed: a further call has nothing to do.
  assert.equal(answer(null).status, SEC_E_UNSUPPORTED_FUNCTION);
}

test("our client answers OpenSSL's server through InitializeSecurityContext", (p) => {
  const sctx = new OpensslContext("server", {
    certFile: p.ecServer.certPath,
    keyFile: p.ecServer.keyPath,
    tickets: 0,
  });
  const server = new OpensslEndpoint(sctx);
  const cred = acquire("client", { RootCertificates: p.ecCa.cert });
  try {
    const { ctx } = ourClientHandshake(cred, server);
    for (let i = 0; i < 4; i++) {
      roundTrip(
        ctx,
        server,
        (input) => isc(cred, ctx, false, "localhost", input),
        i,
        i % 2 === 0,
      );
    }
    DeleteSecurityContext(ctx);
  } finally {
    server.free();
    sctx.free();
    FreeCredentialsHandle(cred);
  }
});

test("our server answers OpenSSL's client through AcceptSecurityContext", (p) => {
  const cctx = new OpensslContext("client", { caFile: p.rsaCa.certPath });
  const client = new OpensslEndpoint(cctx, "localhost");
  const cred = acquire("server", {
    Certificate: p.rsaServer.cert,
    PrivateKey: p.rsaServer.key,
  });
  try {
    const ctx = ourServerHandshake(cred, client);
    // OpenSSL's client reads our tickets on its first read.
    client.feed(sealAll(ctx, pattern(10, 0)));
    assert.deepEqual(client.read(), pattern(10, 0));
    for (let i = 0; i < 4; i++) {
      roundTrip(
        ctx,
        client,
        (input) => asc(cred, ctx, false, input ?? new Uint8Array(0)),
        i,
        i % 2 === 1,
      );
    }
    DeleteSecurityContext(ctx);
  } finally {
    client.free();
    cctx.free();
    FreeCredentialsHandle(cred);
  }
});

test("data sealed before the answer is still read (under the old keys)", (p) => {
  const sctx = new OpensslContext("server", {
    certFile: p.rsaServer.certPath,
    keyFile: p.rsaServer.keyPath,
    tickets: 0,
  });
  const server = new OpensslEndpoint(sctx);
  const cred = acquire("client", { RootCertificates: p.rsaCa.cert });
  try {
    const { ctx } = ourClientHandshake(cred, server);
    server.keyUpdate(true);
    server.write(pattern(1, 1));
    const u = unseal(ctx, server.take());
    assert.equal(u.status, SEC_I_RENEGOTIATE);
    const early = pattern(200, 3);
    server.feed(sealAll(ctx, early));
    assert.deepEqual(server.read(), early);
    const r = isc(cred, ctx, false, "localhost", null);
    assert.equal(r.status, SEC_E_OK);
    server.feed(concat([r.token!, sealAll(ctx, pattern(70, 4))]));
    assert.deepEqual(server.read(), pattern(70, 4));
    DeleteSecurityContext(ctx);
  } finally {
    server.free();
    sctx.free();
    FreeCredentialsHandle(cred);
  }
});

test("after SCHANNEL_SHUTDOWN a KeyUpdate request is not answered: close_notify is all that goes", (p) => {
  const sctx = new OpensslContext("server", {
    certFile: p.ecServer.certPath,
    keyFile: p.ecServer.keyPath,
    tickets: 0,
  });
  const server = new OpensslEndpoint(sctx);
  const cred = acquire("client", { RootCertificates: p.ecCa.cert });
  try {
    const { ctx } = ourClientHandshake(cred, server);
    assert.equal(
      ApplyControlToken(
        ctx,
        new SecBufferDesc([
          new SecBuffer(
            SECBUFFER_TOKEN,
            Uint8Array.of(SCHANNEL_SHUTDOWN, 0, 0, 0),
          ),
        ]),
      ),
      SEC_E_OK,
    );
    server.keyUpdate(true);
    server.write(pattern(10, 7));
    const u = unseal(ctx, server.take());
    assert.equal(u.status, SEC_E_OK);
    const bye = isc(cred, ctx, false, "localhost", null);
    assert.equal(bye.status, SEC_E_OK);
    // The close_notify under our unchanged keys: OpenSSL reads it.
    server.feed(bye.token!);
    server.read();
    assert.ok(server.peerClosed, "OpenSSL saw our close_notify");
    DeleteSecurityContext(ctx);
  } finally {
    server.free();
    sctx.free();
    FreeCredentialsHandle(cred);
  }
});

/** Our client's package context, handshaken with `server` in memory. */
function packageClient(p: TestPki, server: OpensslEndpoint) {
  const cred = schannelPackage.acquireCredentials({
    principal: null,
    use: 2, // SECPKG_CRED_OUTBOUND
    authData: { RootCertificates: p.ecCa.cert },
    async: false,
  });
  assert.ok(!(cred instanceof Promise));
  const ctx = schannelPackage.createContext(cred, "initiate");
  let input: Uint8Array | null = null;
  for (let legs = 0; legs < 8; legs++) {
    const r = ctx.step({
      target: "localhost",
      flags: ISC_FLAGS,
      dataRep: 0,
      input: input
        ? new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, input)])
        : null,
      output: new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]),
      async: false,
    });
    assert.ok(!(r instanceof Promise));
    server.feed(r.token ?? new Uint8Array(0));
    if (r.status === SEC_E_OK) return { cred, ctx };
    assert.equal(r.status, SEC_I_CONTINUE_NEEDED);
    input = server.take();
  }
  throw new Error("the handshake did not finish");
}

test("CredSSP's TLS channel sends the KeyUpdate before its next TSRequest", (p) => {
  const sctx = new OpensslContext("server", {
    certFile: p.ecServer.certPath,
    keyFile: p.ecServer.keyPath,
    tickets: 0,
  });
  const server = new OpensslEndpoint(sctx);
  const { cred, ctx } = packageClient(p, server);
  try {
    const channel = new TlsChannel(ctx);
    const request = encodeTSRequest({
      version: 6,
      negoTokens: [pattern(40, 5)],
    });
    server.keyUpdate(true);
    server.write(request);
    const got = channel.read(server.take());
    assert.equal(got.kind, "request");
    assert.deepEqual(
      got.kind === "request" ? got.request : null,
      decodeTSRequest(request),
    );
    // The KeyUpdate is owed, not yet made: a record sealed without the channel's
    // answer still goes under the current keys, which OpenSSL reads.
    const plain = new TlsChannel(ctx).seal(pattern(20, 8));
    assert.ok(plain instanceof Uint8Array);
    assert.equal(plain.length, 5 + 20 + 17);
    server.feed(plain);
    assert.deepEqual(server.read(), pattern(20, 8));
    const reply = pattern(60, 6);
    const sealed = channel.seal(reply);
    assert.ok(sealed instanceof Uint8Array);
    // Our KeyUpdate record first, then the data record.
    assert.equal(sealed.length, 27 + 5 + 60 + 17);
    server.feed(sealed);
    assert.deepEqual(server.read(), reply);
    // Only once.
    const again = channel.seal(reply);
    assert.ok(again instanceof Uint8Array);
    assert.equal(again.length, 5 + 60 + 17);
    server.feed(again);
    assert.deepEqual(server.read(), reply);
  } finally {
    ctx.dispose();
    cred.dispose();
    server.free();
    sctx.free();
  }
});
