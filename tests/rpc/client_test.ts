// The RPC client against an in-memory peer: bind and call, request fragmentation to
// the negotiated size and response reassembly (with and without a security provider,
// each fragment protected on its own with its padding), faults, bind_nak and
// rejected contexts, call_id and size checks, timeouts and hang-ups, and the
// endpoint mapper's ept_map with its malformed answers.
import assert from "node:assert/strict";
import { RpcClient } from "../../src/rpc/client.ts";
import { NCA_S_OP_RNG_ERROR, RpcFaultError } from "../../src/rpc/errors.ts";
import {
  authPadLength,
  decodePdu,
  encodePdu,
  NDR20_SYNTAX,
  type Pdu,
  PFC_FIRST_FRAG,
  PFC_LAST_FRAG,
  PTYPE_BIND,
  PTYPE_BIND_ACK,
  PTYPE_BIND_NAK,
  PTYPE_FAULT,
  PTYPE_REQUEST,
  PTYPE_RESPONSE,
} from "../../src/rpc/pdu.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
} from "../../src/sspi/status.ts";
import { type Answer, fakeConnector, ToyAuth } from "./_fake.ts";

const IFACE = {
  uuid: "12345678-1234-abcd-ef00-01234567cffb",
  version: [1, 0] as const,
};

interface PeerOptions {
  /** The server side of the toy provider. */
  auth?: ToyAuth;
  /** The bind_ack's max_recv_frag. */
  maxRecv?: number;
  /** Stub bytes per response fragment. */
  respChunk?: number;
  /** The response stub, or a fault status, for a whole request. */
  answer?: (opnum: number, stub: Uint8Array) => Uint8Array | number;
  /** Replaces the bind_ack. */
  bindAnswer?: (bind: Pdu) => Answer;
  /** Rewrites each response PDU before it is sent. */
  tamper?: (pdu: Uint8Array) => Uint8Array;
}

/** A peer that binds, reassembles requests and answers in fragments. */
function peer(o: PeerOptions = {}) {
  const requests: { opnum: number; stub: Uint8Array; fragments: number }[] = [];
  let parts: Uint8Array[] = [];
  return {
    requests,
    handler(raw: Uint8Array): Answer {
      const pdu = decodePdu(raw);
      if (pdu.type === PTYPE_BIND) {
        if (o.bindAnswer) return o.bindAnswer(pdu);
        return [encodePdu({
          type: PTYPE_BIND_ACK,
          flags: 3,
          callId: pdu.callId,
          maxXmitFrag: o.maxRecv ?? 5840,
          maxRecvFrag: o.maxRecv ?? 5840,
          assocGroupId: 0x5555,
          secondaryAddress: "49152",
          results: [{ result: 0, reason: 0, transferSyntax: NDR20_SYNTAX }],
          auth: o.auth
            ? { ...pdu.auth!, value: new TextEncoder().encode("ACK") }
            : null,
        })];
      }
      assert.equal(pdu.type, PTYPE_REQUEST);
      let data = pdu.stub;
      if (o.auth) {
        const v = pdu.auth!;
        assert.equal((raw.length - 8 - v.value.length - 24) % 16, 0);
        o.auth.unprotect(pdu.stub, v.value);
        data = pdu.stub.subarray(0, pdu.stub.length - v.padLength);
      }
      assert.equal(!!(pdu.flags & PFC_FIRST_FRAG), parts.length === 0);
      const sent = parts.reduce((n, p) => n + p.length, 0);
      parts.push(data.slice());
      if (!(pdu.flags & PFC_LAST_FRAG)) return [];
      const stub = Uint8Array.from(parts.flatMap((p) => [...p]));
      assert.equal(pdu.allocHint, stub.length - sent);
      requests.push({ opnum: pdu.opnum, stub, fragments: parts.length });
      parts = [];
      const answer = (o.answer ?? ((_, s) => s))(pdu.opnum, stub);
      if (typeof answer === "number") {
        return [encodePdu({
          type: PTYPE_FAULT,
          flags: 0x23,
          callId: pdu.callId,
          allocHint: 0,
          contextId: 0,
          cancelCount: 0,
          status: answer,
          auth: null,
        })];
      }
      return respond(pdu.callId, answer, o);
    },
  };
}

function respond(
  callId: number,
  stub: Uint8Array,
  o: PeerOptions,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  const chunk = o.respChunk ?? 4096;
  let at = 0;
  do {
    const n = Math.min(chunk, stub.length - at);
    const pad = o.auth ? authPadLength(n) : 0;
    const data = new Uint8Array(n + pad);
    data.set(stub.subarray(at, at + n));
    const flags = (at === 0 ? PFC_FIRST_FRAG : 0) |
      (at + n === stub.length ? PFC_LAST_FRAG : 0);
    const value = o.auth?.protect(data);
    out.push(encodePdu({
      type: PTYPE_RESPONSE,
      flags,
      callId,
      allocHint: stub.length - at,
      contextId: 0,
      cancelCount: 0,
      stub: data,
      auth: value
        ? {
          authType: 68,
          authLevel: o.auth!.authLevel,
          padLength: pad,
          contextId: 0,
          value,
        }
        : null,
    }));
    at += n;
  } while (at < stub.length);
  return out.map(o.tamper ?? ((p) => p));
}

function connect(handler: (p: Uint8Array) => Answer, extra = {}) {
  const c = fakeConnector(handler);
  return {
    streams: c.streams,
    client: RpcClient.connect({
      host: "dc.test",
      port: 49152,
      iface: IFACE,
      connect: c.connect,
      timeoutMs: 2000,
      ...extra,
    }),
  };
}

const stub = (n: number) => new Uint8Array(n).map((_, i) => (i * 7 + 3) & 255);

function isStatus(status: number, re?: RegExp) {
  return (e: unknown) =>
    e instanceof SspiError && e.status === status &&
    (!re || re.test(e.message));
}

Deno.test("rpc client: bind and call without auth", async () => {
  const p = peer({ answer: (op, s) => Uint8Array.of(op, ...s) });
  const { client, streams } = connect(p.handler);
  const rpc = await client;
  assert.deepEqual(
    await rpc.call(4, Uint8Array.of(1, 2)),
    Uint8Array.of(4, 1, 2),
  );
  assert.deepEqual(await rpc.call(5, new Uint8Array(0)), Uint8Array.of(5));
  const bind = decodePdu(streams[0].written[0]);
  assert.equal(bind.type, PTYPE_BIND);
  if (bind.type === PTYPE_BIND) {
    assert.deepEqual(bind.contexts[0].abstractSyntax, IFACE);
    assert.deepEqual(bind.contexts[0].transferSyntaxes, [NDR20_SYNTAX]);
  }
  rpc.close();
  assert.ok(streams[0].closed);
  await assert.rejects(
    rpc.call(4, new Uint8Array(0)),
    isStatus(SEC_E_NO_AUTHENTICATING_AUTHORITY, /closed/),
  );
});

Deno.test("rpc client: requests are cut to max_recv_frag, responses reassembled", async () => {
  for (const auth of [false, true]) {
    const p = peer({
      maxRecv: 160,
      respChunk: 100,
      auth: auth ? new ToyAuth(6) : undefined,
    });
    const { client, streams } = connect(p.handler, {
      auth: auth ? new ToyAuth(6) : null,
    });
    const rpc = await client;
    assert.equal(rpc.maxSendFrag, 160);
    for (const n of [0, 1, 15, 16, 127, 128, 1000, 5001]) {
      assert.deepEqual(await rpc.call(9, stub(n)), stub(n), `${n} bytes`);
    }
    for (const w of streams[0].written) assert.ok(w.length <= 160);
    // 160 - 24 = 136 bytes of room, 128 a fragment; with auth 136 - 20 -> 112.
    const per = auth ? 112 : 128;
    assert.equal(p.requests.at(-1)!.fragments, Math.ceil(5001 / per));
    rpc.close();
  }
});

Deno.test("rpc client: a fault is an RpcFaultError and the connection lives on", async () => {
  const p = peer({ answer: (op, s) => op === 99 ? NCA_S_OP_RNG_ERROR : s });
  const rpc = await connect(p.handler).client;
  await assert.rejects(rpc.call(99, stub(3)), (e) => {
    assert.ok(e instanceof RpcFaultError);
    assert.equal(e.fault, NCA_S_OP_RNG_ERROR);
    assert.equal(e.status, SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert.match(e.message, /dc\.test:49152.*operation 99.*nca_s_op_rng_error/);
    return true;
  });
  assert.deepEqual(await rpc.call(1, stub(3)), stub(3));
  rpc.close();
});

Deno.test("rpc client: bind_nak and rejected contexts", async () => {
  const nak = (reason: number) => (b: Pdu): Answer => [encodePdu({
    type: PTYPE_BIND_NAK,
    flags: 3,
    callId: b.callId,
    reason,
    auth: null,
  })];
  await assert.rejects(
    connect(peer({ bindAnswer: nak(4) }).handler).client,
    isStatus(
      SEC_E_NO_AUTHENTICATING_AUTHORITY,
      /protocol_version_not_supported/,
    ),
  );
  await assert.rejects(
    connect(peer({ bindAnswer: nak(8) }).handler, { auth: new ToyAuth() })
      .client,
    isStatus(SEC_E_LOGON_DENIED, /authentication_type_not_recognized/),
  );
  const reject = (b: Pdu): Answer => [encodePdu({
    type: PTYPE_BIND_ACK,
    flags: 3,
    callId: b.callId,
    maxXmitFrag: 5840,
    maxRecvFrag: 5840,
    assocGroupId: 0,
    secondaryAddress: "",
    results: [{ result: 2, reason: 1, transferSyntax: NDR20_SYNTAX }],
    auth: null,
  })];
  const c = connect(peer({ bindAnswer: reject }).handler);
  await assert.rejects(
    c.client,
    isStatus(
      SEC_E_NO_AUTHENTICATING_AUTHORITY,
      /abstract_syntax_not_supported/,
    ),
  );
  assert.ok(c.streams[0].closed);
});

Deno.test("rpc client: the provider sees the bind tokens and each fragment", async () => {
  const auth = new ToyAuth(5);
  const rpc = await connect(
    peer({ auth: new ToyAuth(5), respChunk: 7 }).handler,
    {
      auth,
    },
  ).client;
  assert.deepEqual(auth.ackToken, new TextEncoder().encode("ACK"));
  assert.deepEqual(await rpc.call(2, stub(50)), stub(50));
  rpc.close();
  // A bind_ack without a verifier is a refusal.
  const bare = connect(peer().handler, { auth: new ToyAuth() });
  await assert.rejects(bare.client, isStatus(SEC_E_LOGON_DENIED));
});

Deno.test("rpc client: altered or unprotected responses are refused", async () => {
  const flip = (pdu: Uint8Array) => {
    const b = pdu.slice();
    b[26] ^= 1; // a stub byte
    return b;
  };
  const altered = connect(
    peer({ auth: new ToyAuth(6), tamper: flip }).handler,
    {
      auth: new ToyAuth(6),
    },
  );
  const rpc = await altered.client;
  await assert.rejects(rpc.call(1, stub(20)), isStatus(SEC_E_MESSAGE_ALTERED));
  assert.ok(altered.streams[0].closed);
  // The server answers in the clear although the binding is protected.
  const plain = peer({ auth: new ToyAuth(6) });
  const handler = (raw: Uint8Array): Answer => {
    const out = plain.handler(raw);
    if (out === "close" || decodePdu(raw).type === PTYPE_BIND) return out;
    return respond(decodePdu(raw).callId, stub(4), {});
  };
  const rpc2 = await connect(handler, { auth: new ToyAuth(6) }).client;
  await assert.rejects(
    rpc2.call(1, stub(4)),
    isStatus(SEC_E_MESSAGE_ALTERED, /not protected/),
  );
});

Deno.test("rpc client: call_id, order and size are checked", async () => {
  const wrongId = peer({
    tamper: (b) => {
      const c = b.slice();
      c[12] ^= 0x40;
      return c;
    },
  });
  const w = await connect(wrongId.handler).client;
  await assert.rejects(
    w.call(1, stub(4)),
    isStatus(SEC_E_INVALID_TOKEN, /answered call 66, not 2/),
  );
  const p = peer({ respChunk: 64 });
  const big = await connect(p.handler, { maxResponse: 1000 }).client;
  assert.deepEqual(await big.call(1, stub(1000)), stub(1000));
  await assert.rejects(
    big.call(1, stub(1001)),
    isStatus(SEC_E_INVALID_TOKEN, /over 1000/),
  );
  const q = peer({ respChunk: 8 });
  const reorder = (raw: Uint8Array): Answer => {
    const out = q.handler(raw);
    return out === "close" || out.length < 2
      ? out
      : [out[1], out[0], ...out.slice(2)];
  };
  const r = await connect(reorder).client;
  await assert.rejects(
    r.call(1, stub(20)),
    isStatus(SEC_E_INVALID_TOKEN, /order/),
  );
});

Deno.test("rpc client: silence and hang-ups are SEC_E_NO_AUTHENTICATING_AUTHORITY", async () => {
  const p = peer();
  const silent = (raw: Uint8Array): Answer =>
    decodePdu(raw).type === PTYPE_BIND ? p.handler(raw) : [];
  const c = connect(silent, { timeoutMs: 200 });
  const rpc = await c.client;
  const t0 = Date.now();
  await assert.rejects(
    rpc.call(1, stub(4)),
    isStatus(
      SEC_E_NO_AUTHENTICATING_AUTHORITY,
      /dc\.test:49152.*within 200 ms/,
    ),
  );
  assert.ok(Date.now() - t0 < 1500);
  assert.ok(c.streams[0].closed);
  const hangup = (raw: Uint8Array): Answer =>
    decodePdu(raw).type === PTYPE_BIND ? p.handler(raw) : "close";
  const rpc2 = await connect(hangup).client;
  await assert.rejects(
    rpc2.call(1, stub(4)),
    isStatus(
      SEC_E_NO_AUTHENTICATING_AUTHORITY,
      /dc\.test:49152 cannot be reached/,
    ),
  );
  // A connector that never connects.
  await assert.rejects(
    RpcClient.connect({
      host: "dc.test",
      port: 1,
      iface: IFACE,
      timeoutMs: 100,
      connect: () => new Promise(() => {}),
    }),
    isStatus(SEC_E_NO_AUTHENTICATING_AUTHORITY, /connect within 100 ms/),
  );
  // Concurrent calls are queued, not interleaved.
  const q = await connect(peer({ respChunk: 5 }).handler).client;
  const got = await Promise.all([1, 2, 3].map((n) => q.call(n, stub(10 * n))));
  assert.deepEqual(got, [stub(10), stub(20), stub(30)]);
});
