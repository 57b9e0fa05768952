// RpcServer with our RpcClient and SspiRpcAuth: NTLM and Negotiate, with and without
// header signing. Refusals: a wrong password, an unauthenticated bind or a lower
// level than required, an interface the server does not serve, a handler's fault
// and a handler that throws. The verification trailer (MS-RPCE 2.2.2.13) comes off
// a stub; bind time feature negotiation is acknowledged; 150 exchanges a run with
// one client PDU mutated end the connection, not the server; idle connections and
// connections beyond maxConnections are closed; several interfaces on one port.
import assert from "node:assert/strict";
import { RpcFaultError } from "../../src/rpc/errors.ts";
import {
  decodePdu,
  encodePdu,
  NDR20_SYNTAX,
  PTYPE_BIND,
  PTYPE_BIND_ACK,
} from "../../src/rpc/pdu.ts";
import {
  RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
  RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
} from "../../src/rpc/auth.ts";
import { RpcServer } from "../../src/rpc/server.ts";
import { withoutVerificationTrailer } from "../../src/rpc/server_connection.ts";
import type { SspiRpcAuth } from "../../src/rpc/sspi_auth.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
} from "../../src/sspi/status.ts";
import type { RpcConnector } from "../../src/rpc/stream.ts";
import { FUZZ_SEED, fuzzIterations, mutate, rng } from "../_fuzz.ts";
import {
  aliceAuth,
  connectTo,
  echoServer,
  hungUp,
  OTHER,
  raw,
  RPCECHO,
  USERS,
} from "./_echo_server.ts";

Deno.test("rpc server: our client with NTLM and Negotiate, header signing or not; refusals", async () => {
  const { server, calls } = echoServer();
  const big = new Uint8Array(9000).map((_, i) => (i * 31) & 255);
  const echoStub = (data: Uint8Array) => {
    const s = new Uint8Array(8 + data.length);
    const v = new DataView(s.buffer);
    v.setUint32(0, data.length, true);
    v.setUint32(4, data.length, true);
    s.set(data, 8);
    return s;
  };
  const connect = (auth: SspiRpcAuth | null, iface = RPCECHO) =>
    connectTo(server, auth, { iface });
  const authOf = (
    pkg: string,
    level: number,
    headerSigning = true,
    password = "pw",
  ) => aliceAuth({ package: pkg, level, headerSigning, password });
  try {
    for (const pkg of ["NTLM", "Negotiate"]) {
      for (
        const level of [
          RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
          RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
        ]
      ) {
        for (const headerSigning of [true, false]) {
          calls.length = 0;
          using auth = authOf(pkg, level, headerSigning);
          const rpc = await connect(auth);
          try {
            const back = await rpc.call(1, echoStub(big));
            assert.deepEqual(back.subarray(4), big);
            assert.deepEqual(calls, [{
              iface: RPCECHO,
              opnum: 1,
              clientName: "EXAMPLE\\alice",
              authLevel: level,
              package: pkg,
              headerSigning,
            }]);
            // A fault from the handler, and one from a handler that throws: the
            // connection lives on.
            await assert.rejects(
              rpc.call(9, new Uint8Array(4)),
              (e) => e instanceof RpcFaultError && e.fault === 0x1c010002,
            );
            await assert.rejects(
              rpc.call(2, new Uint8Array(4)),
              (e) => e instanceof RpcFaultError && e.fault === 0x1c01000b,
            );
            const one = await rpc.call(0, Uint8Array.of(1, 0, 0, 0));
            assert.deepEqual(one, Uint8Array.of(2, 0, 0, 0));
          } finally {
            rpc.close();
          }
        }
      }
    }
    // A wrong password: NTLM's AUTHENTICATE came in the rpc_auth_3, so the first
    // call is refused (rpc_s_access_denied), which the client reports as
    // SEC_E_LOGON_DENIED; Negotiate's comes in an alter_context: bind refused.
    for (const pkg of ["NTLM", "Negotiate"]) {
      using wrong = authOf(pkg, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, true, "nope");
      await assert.rejects(
        connect(wrong).then(async (rpc) => {
          try {
            await rpc.call(0, Uint8Array.of(1, 0, 0, 0));
          } finally {
            rpc.close();
          }
        }),
        (e) => e instanceof SspiError && e.status === SEC_E_LOGON_DENIED,
        pkg,
      );
    }
    // No authentication, where the server wants some.
    await assert.rejects(
      connect(null),
      (e) => e instanceof SspiError && e.status === SEC_E_LOGON_DENIED,
    );
    // An interface it does not serve.
    using other = authOf("NTLM", RPC_C_AUTHN_LEVEL_PKT_PRIVACY);
    await assert.rejects(
      connect(other, OTHER),
      (e) => e instanceof SspiError,
    );
  } finally {
    await server.close();
  }
  // A server that wants privacy refuses integrity.
  const strict = echoServer({ minLevel: RPC_C_AUTHN_LEVEL_PKT_PRIVACY });
  try {
    using signOnly = aliceAuth({ level: RPC_C_AUTHN_LEVEL_PKT_INTEGRITY });
    await assert.rejects(
      connectTo(strict.server, signOnly),
      (e) =>
        e instanceof SspiError &&
        (e.status === SEC_E_LOGON_DENIED ||
          e.status === SEC_E_NO_AUTHENTICATING_AUTHORITY),
    );
  } finally {
    await strict.server.close();
  }
});

Deno.test("rpc server: the verification trailer comes off a stub, and only a well-formed one", () => {
  const stub = Uint8Array.of(0x29, 0, 0, 0);
  const trailer = Uint8Array.of(
    0x8a,
    0xe3,
    0x13,
    0x71,
    0x02,
    0xf4,
    0x36,
    0x71, // signature
    0x01,
    0x40,
    0x04,
    0x00,
    0x01,
    0x00,
    0x00,
    0x00, // bitmask1, last
  );
  const both = new Uint8Array([...stub, ...trailer]);
  assert.deepEqual(withoutVerificationTrailer(both), stub);
  assert.deepEqual(withoutVerificationTrailer(stub), stub);
  // A command that runs past the end, or no "last" flag: left alone.
  const long = both.slice();
  long[14] = 0x20;
  assert.deepEqual(withoutVerificationTrailer(long), long);
  const open = both.slice();
  open[9] = 0x00;
  assert.deepEqual(withoutVerificationTrailer(open), open);
});

Deno.test(`rpc server: mutated client PDUs end connections, never the server (seed ${FUZZ_SEED})`, async () => {
  const { server } = echoServer();
  const r = rng(FUZZ_SEED);
  const seen = new Map<string, number>();
  const n = fuzzIterations("RPC_SERVER_FUZZ_ITERATIONS", 150);
  try {
    for (let i = 0; i < n; i++) {
      const target = r(3); // the bind, the next leg, or the request
      let pdus = 0;
      const connect: RpcConnector = async (hostname, port) => {
        const conn = await Deno.connect({ hostname, port });
        return {
          write: (b: Uint8Array) =>
            conn.write(pdus++ === target ? mutate(b, r) : b),
          read: (b: Uint8Array) => conn.read(b),
          close: () => conn.close(),
        };
      };
      using auth = aliceAuth({ package: i % 2 ? "NTLM" : "Negotiate" });
      let outcome = "OK";
      try {
        const rpc = await connectTo(server, auth, { timeoutMs: 300, connect });
        try {
          await rpc.call(0, Uint8Array.of(1, 0, 0, 0));
        } finally {
          rpc.close();
        }
      } catch (e) {
        if (!(e instanceof SspiError)) throw e;
        outcome = `0x${(e.status >>> 0).toString(16)}`;
      }
      seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
    }
    console.log(`${n} mutated client exchanges (seed ${FUZZ_SEED}):`, seen);
    // The server still serves.
    using auth = aliceAuth();
    const rpc = await connectTo(server, auth);
    assert.deepEqual(
      await rpc.call(0, Uint8Array.of(1, 0, 0, 0)),
      Uint8Array.of(2, 0, 0, 0),
    );
    rpc.close();
  } finally {
    await server.close();
  }
});

Deno.test("rpc server: a connection that stays silent (or stops mid-PDU) is closed after idleMs", async () => {
  const server = RpcServer.listen({
    iface: RPCECHO,
    idleMs: 150,
    handler: () => new Uint8Array(0),
  });
  try {
    for (const send of [new Uint8Array(0), Uint8Array.of(5, 0, 11, 3)]) {
      const conn = await raw(server);
      if (send.length) await conn.write(send);
      const started = Date.now();
      assert.ok(await hungUp(conn), "the server hung up");
      assert.ok(Date.now() - started < 5000);
      conn.close();
    }
  } finally {
    await server.close();
  }
});

Deno.test("rpc server: a bind's contexts: ours accepted, bind time feature negotiation acknowledged, others refused", async () => {
  const server = RpcServer.listen({
    iface: RPCECHO,
    handler: () => new Uint8Array(0),
  });
  const conn = await raw(server);
  try {
    const other = {
      uuid: "12345778-1234-abcd-ef00-0123456789ac",
      version: [1, 0] as const,
    };
    const features = {
      uuid: "6cb71c2c-9812-4540-0300-000000000000",
      version: [1, 0] as const,
    };
    await conn.write(encodePdu({
      type: PTYPE_BIND,
      flags: 3,
      callId: 1,
      maxXmitFrag: 5840,
      maxRecvFrag: 5840,
      assocGroupId: 0,
      contexts: [
        {
          contextId: 0,
          abstractSyntax: RPCECHO,
          transferSyntaxes: [NDR20_SYNTAX],
        },
        { contextId: 1, abstractSyntax: RPCECHO, transferSyntaxes: [features] },
        {
          contextId: 2,
          abstractSyntax: other,
          transferSyntaxes: [NDR20_SYNTAX],
        },
      ],
      auth: null,
    }));
    const head = new Uint8Array(16);
    let got = 0;
    while (got < 16) got += (await conn.read(head.subarray(got)))!;
    const whole = new Uint8Array(head[8] | (head[9] << 8));
    whole.set(head);
    while (got < whole.length) got += (await conn.read(whole.subarray(got)))!;
    const ack = decodePdu(whole);
    assert.equal(ack.type, PTYPE_BIND_ACK);
    assert.deepEqual(
      (ack as { results: { result: number; reason: number }[] }).results.map(
        (r) => [r.result, r.reason],
      ),
      [[0, 0], [3, 0], [2, 1]],
    );
  } finally {
    conn.close();
    await server.close();
  }
});

Deno.test("rpc server: connections beyond maxConnections are closed as they come", async () => {
  const server = RpcServer.listen({
    iface: RPCECHO,
    maxConnections: 1,
    idleMs: 2000,
    handler: () => new Uint8Array(0),
  });
  const first = await raw(server);
  try {
    await new Promise((r) => setTimeout(r, 50)); // the server has taken it
    const second = await raw(server);
    assert.ok(await hungUp(second), "the second connection is closed at once");
    second.close();
  } finally {
    first.close();
    await server.close();
  }
});

Deno.test("rpc server: several interfaces on one port, each call to its own handler", async () => {
  const other = OTHER;
  const server = RpcServer.listen({
    packages: { NTLM: USERS },
    interfaces: [
      { iface: RPCECHO, handler: () => Uint8Array.of(1) },
      {
        iface: other,
        handler: ({ iface }) => Uint8Array.of(2, iface.version[0]),
      },
    ],
  });
  try {
    for (const [iface, want] of [[RPCECHO, [1]], [other, [2, 1]]] as const) {
      using auth = aliceAuth();
      const rpc = await connectTo(server, auth, { iface });
      try {
        assert.deepEqual([...await rpc.call(0, new Uint8Array(4))], want);
      } finally {
        rpc.close();
      }
    }
    assert.throws(
      () => RpcServer.listen({ handler: () => new Uint8Array(0) }),
      TypeError,
    );
  } finally {
    await server.close();
  }
});

Deno.test("rpc client: a second interface bound on the same connection (alter_context), under the same security context", async () => {
  const other = OTHER;
  const server = RpcServer.listen({
    packages: { NTLM: USERS },
    interfaces: [
      {
        iface: RPCECHO,
        handler: ({ clientName }) => Uint8Array.of(1, clientName!.length),
      },
      { iface: other, handler: ({ authLevel }) => Uint8Array.of(2, authLevel) },
    ],
  });
  using auth = aliceAuth();
  const rpc = await connectTo(server, auth);
  try {
    const second = await rpc.bindInterface(other);
    assert.equal(second, 1);
    assert.deepEqual([...await rpc.call(0, new Uint8Array(4))], [1, 13]);
    assert.deepEqual([...await rpc.call(0, new Uint8Array(4), second)], [2, 6]);
    assert.deepEqual([...await rpc.call(0, new Uint8Array(4))], [1, 13]);
    // An interface the server does not serve: refused, the connection goes on.
    await assert.rejects(
      rpc.bindInterface({
        uuid: "00000000-1111-2222-3333-444444444444",
        version: [1, 0],
      }),
      (e) => e instanceof SspiError,
    );
    assert.deepEqual([...await rpc.call(0, new Uint8Array(4), second)], [2, 6]);
    assert.throws(() => rpc.call(0, new Uint8Array(4), 7), RangeError);
  } finally {
    rpc.close();
    await server.close();
  }
});
