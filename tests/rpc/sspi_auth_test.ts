// SspiRpcAuth and the RPC client's multi-leg binds against an in-memory RPC server
// whose security is our own NTLM and Negotiate acceptors: NTLM's AUTHENTICATE in an
// rpc_auth_3, Negotiate's last legs in alter_contexts; requests and responses sealed
// or signed, with header signing when the server agrees (the header and sec_trailer
// are then signed: a flipped header byte is refused) and without it when it does not.
// Malformed or missing tokens in the bind's answers are SspiErrors and close the
// connection; a server that never finishes is cut off.
import assert from "node:assert/strict";
import { server } from "../../mod.ts";
import {
  DecryptMessage,
  EncryptMessage,
  MakeSignature,
  VerifySignature,
} from "../../src/sspi/api.ts";
import { SecBuffer, SecBufferDesc } from "../../src/sspi/buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_READONLY,
  SECBUFFER_READONLY_WITH_CHECKSUM,
  SECBUFFER_TOKEN,
} from "../../src/sspi/flags.ts";
import { RpcClient } from "../../src/rpc/client.ts";
import {
  authPadLength,
  decodePdu,
  encodePdu,
  NDR20_SYNTAX,
  type Pdu,
  PFC_SUPPORT_HEADER_SIGN,
  PTYPE_ALTER_CONTEXT,
  PTYPE_ALTER_CONTEXT_RESP,
  PTYPE_AUTH3,
  PTYPE_BIND,
  PTYPE_BIND_ACK,
  PTYPE_REQUEST,
  PTYPE_RESPONSE,
  REQUEST_HEADER_SIZE,
} from "../../src/rpc/pdu.ts";
import {
  RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
  RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
} from "../../src/rpc/auth.ts";
import { SspiRpcAuth } from "../../src/rpc/sspi_auth.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
} from "../../src/sspi/status.ts";
import { type Answer, fakeConnector } from "./_fake.ts";

const IFACE = {
  uuid: "12345778-1234-abcd-ef00-0123456789ac",
  version: [1, 0] as const,
};
const USERS = [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }];
const RESPONSE_HEADER = 24;

interface ServerOptions {
  pkg: string;
  /** Echo PFC_SUPPORT_HEADER_SIGN. */
  headerSigning?: boolean;
  /** Replaces the server's token in the bind_ack / alter_context_resp. */
  token?: (t: Uint8Array) => Uint8Array | null;
  /** Flip a byte of the request's header before checking it. */
  flipHeader?: boolean;
}

/** The buffers of a protected PDU: header, stub (+pad), sec_trailer, signature. */
function buffers(
  raw: Uint8Array,
  start: number,
  end: number,
  sig: Uint8Array,
  signHeader: boolean,
) {
  const ro = SECBUFFER_DATA |
    (signHeader ? SECBUFFER_READONLY_WITH_CHECKSUM : SECBUFFER_READONLY);
  return new SecBufferDesc([
    new SecBuffer(ro, raw.subarray(0, start)),
    new SecBuffer(SECBUFFER_DATA, raw.subarray(start, end)),
    new SecBuffer(ro, raw.subarray(end, raw.length - sig.length)),
    new SecBuffer(SECBUFFER_TOKEN, sig),
  ]);
}

/** An RPC server on our acceptor: answers the bind legs, echoes stubs reversed. */
function rpcServer(o: ServerOptions) {
  const ctx = server({ package: o.pkg, authData: { users: USERS } });
  let seqIn = 0;
  let seqOut = 0;
  let level = 0;
  let type = 0;
  const hdr = !!o.headerSigning;
  const ack = (pdu: Pdu, token: Uint8Array | null): Uint8Array =>
    encodePdu({
      type: pdu.type === PTYPE_BIND ? PTYPE_BIND_ACK : PTYPE_ALTER_CONTEXT_RESP,
      flags: 3 | (hdr && pdu.type === PTYPE_BIND ? PFC_SUPPORT_HEADER_SIGN : 0),
      callId: pdu.callId,
      maxXmitFrag: 5840,
      maxRecvFrag: 5840,
      assocGroupId: 1,
      secondaryAddress: "",
      results: [{ result: 0, reason: 0, transferSyntax: NDR20_SYNTAX }],
      auth: token
        ? {
          authType: type,
          authLevel: level,
          padLength: 0,
          contextId: 0,
          value: token,
        }
        : null,
    });
  const handler = (raw: Uint8Array): Answer => {
    const pdu = decodePdu(raw);
    if (
      pdu.type === PTYPE_BIND || pdu.type === PTYPE_ALTER_CONTEXT ||
      pdu.type === PTYPE_AUTH3
    ) {
      type = pdu.auth!.authType;
      level = pdu.auth!.authLevel;
      const out = ctx.step(pdu.auth!.value);
      if (pdu.type === PTYPE_AUTH3) return [];
      return [ack(pdu, out && (o.token ? o.token(out) : out))];
    }
    assert.equal(pdu.type, PTYPE_REQUEST);
    const v = pdu.auth!;
    const end = raw.length - 8 - v.value.length;
    const msg = buffers(
      raw.slice(),
      REQUEST_HEADER_SIZE,
      end,
      v.value.slice(),
      hdr,
    );
    if (o.flipHeader) msg.pBuffers[0].pvBuffer![5] ^= 0x10;
    const c = ctx.handles.context;
    const s = level === RPC_C_AUTHN_LEVEL_PKT_PRIVACY
      ? DecryptMessage(c, msg, seqIn++, { value: 0 })
      : VerifySignature(c, msg, seqIn++, { value: 0 });
    if (s !== SEC_E_OK) return "close";
    const got = msg.pBuffers[1].pvBuffer!.subarray(
      0,
      end - REQUEST_HEADER_SIZE - v.padLength,
    );
    const back = got.slice().reverse();
    const pad = authPadLength(back.length);
    const data = new Uint8Array(back.length + pad);
    data.set(back);
    const resp = encodePdu({
      type: PTYPE_RESPONSE,
      flags: 3,
      callId: pdu.callId,
      allocHint: back.length,
      contextId: 0,
      cancelCount: 0,
      stub: data,
      auth: { ...v, padLength: pad, value: new Uint8Array(v.value.length) },
    });
    const sig = resp.subarray(resp.length - v.value.length);
    const out = buffers(
      resp,
      RESPONSE_HEADER,
      RESPONSE_HEADER + data.length,
      sig,
      hdr,
    );
    const w = level === RPC_C_AUTHN_LEVEL_PKT_PRIVACY
      ? EncryptMessage(c, 0, out, seqOut++)
      : MakeSignature(c, 0, out, seqOut++);
    assert.equal(w, SEC_E_OK);
    return [resp];
  };
  return { handler, ctx };
}

function connect(o: ServerOptions, level: number, pkg = o.pkg) {
  const srv = rpcServer(o);
  const c = fakeConnector(srv.handler);
  const auth = new SspiRpcAuth({
    package: pkg,
    level,
    username: "alice",
    domain: "EXAMPLE",
    password: "pw",
  });
  return {
    auth,
    streams: c.streams,
    client: RpcClient.connect({
      host: "dc.test",
      port: 49152,
      iface: IFACE,
      auth,
      connect: c.connect,
      timeoutMs: 2000,
    }),
  };
}

function isStatus(status: number) {
  return (e: unknown) => e instanceof SspiError && e.status === status;
}

const STUB = new Uint8Array(3000).map((_, i) => (i * 13 + 5) & 255);

for (const pkg of ["NTLM", "Negotiate"]) {
  for (const headerSigning of [true, false]) {
    for (
      const level of [
        RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
        RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
      ]
    ) {
      Deno.test(`sspi rpc auth: ${pkg}, level ${level}, header signing ${headerSigning}`, async () => {
        const t = connect({ pkg, headerSigning }, level);
        const rpc = await t.client;
        try {
          const types = t.streams[0].written.map((p) => p[2]);
          // NTLM: bind, auth3. Negotiate (NTLM inside): bind, alter_context.
          assert.deepEqual(
            types,
            pkg === "NTLM"
              ? [PTYPE_BIND, PTYPE_AUTH3]
              : [PTYPE_BIND, PTYPE_ALTER_CONTEXT],
          );
          assert.equal(t.auth.signatureSize, 16);
          for (let i = 0; i < 3; i++) {
            const back = await rpc.call(7, STUB.subarray(i));
            assert.deepEqual(back, STUB.slice(i).reverse());
          }
        } finally {
          rpc.close();
          t.auth.dispose();
        }
      });
    }
  }
}

Deno.test("sspi rpc auth: with header signing a changed header is refused", async () => {
  const t = connect(
    { pkg: "NTLM", headerSigning: true, flipHeader: true },
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
  );
  const rpc = await t.client;
  // Our acceptor's DecryptMessage fails and the server hangs up.
  await assert.rejects(
    rpc.call(1, STUB),
    isStatus(SEC_E_NO_AUTHENTICATING_AUTHORITY),
  );
  t.auth.dispose();
  // Without header signing the header is not covered.
  const u = connect(
    { pkg: "NTLM", headerSigning: false, flipHeader: true },
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
  );
  const rpc2 = await u.client;
  assert.deepEqual(await rpc2.call(1, STUB), STUB.slice().reverse());
  rpc2.close();
  u.auth.dispose();
});

Deno.test("sspi rpc auth: malformed or missing bind tokens", async () => {
  // A CHALLENGE cut short.
  const cut = connect(
    { pkg: "NTLM", token: (x) => x.subarray(0, 20) },
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
  );
  await assert.rejects(cut.client, isStatus(SEC_E_INVALID_TOKEN));
  assert.ok(cut.streams[0].closed);
  cut.auth.dispose();
  // No verifier in the bind_ack: the server did not take the authentication.
  const none = connect(
    { pkg: "NTLM", token: () => null },
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
  );
  await assert.rejects(none.client, isStatus(SEC_E_LOGON_DENIED));
  none.auth.dispose();
  // Garbage from a Negotiate server.
  const junk = connect(
    { pkg: "Negotiate", token: () => Uint8Array.of(0xa1, 0x03, 0x30, 0x01) },
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
  );
  await assert.rejects(junk.client, isStatus(SEC_E_INVALID_TOKEN));
  junk.auth.dispose();
  // A response altered on the way.
  const ok = connect({ pkg: "NTLM" }, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY);
  const rpc = await ok.client;
  const stream = ok.streams[0];
  const read = stream.read.bind(stream);
  let n = 0;
  stream.read = async (b: Uint8Array) => {
    const r = await read(b);
    if (r !== null && (n += r) > 30 && n - r <= 30) b[0] ^= 0x01;
    return r;
  };
  await assert.rejects(
    rpc.call(1, STUB.subarray(0, 40)),
    (e) =>
      e instanceof SspiError &&
      (e.status === SEC_E_MESSAGE_ALTERED || e.status === SEC_E_INVALID_TOKEN),
  );
  ok.auth.dispose();
});

Deno.test("sspi rpc auth: options are checked", () => {
  assert.throws(() => new SspiRpcAuth({ package: "Schannel" }), TypeError);
  assert.throws(() => new SspiRpcAuth({ level: 4 }), RangeError);
});
