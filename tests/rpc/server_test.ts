// RpcServer: a DCE/RPC server over TCP whose security is our acceptors. Samba's
// client (python3-samba's rpcecho binding, gensec) binds to it with NTLM, SPNEGO
// and its default, and with Kerberos (DCE style, through MIT's KDC) raw and in
// SPNEGO, each signed and sealed (its bind time feature negotiation context gets a
// negotiate_ack); it calls AddOne and EchoData (3000 bytes,
// several fragments each way); Impacket's client (its own NTLMSSP) binds signed and
// sealed; our RpcClient with SspiRpcAuth binds with NTLM and
// Negotiate, with and without header signing. Refusals: a wrong password (bind_nak,
// SEC_E_LOGON_DENIED), an unauthenticated bind or a lower level than required, an
// interface the server does not serve, a handler's fault and a handler that throws.
// Samba's verification trailer (MS-RPCE 2.2.2.13) is taken off the first stub. 150
// exchanges a run with one client PDU mutated end the connection, not the server.
import assert from "node:assert/strict";
import { RpcClient } from "../../src/rpc/client.ts";
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
import { type RpcCall, RpcServer } from "../../src/rpc/server.ts";
import { withoutVerificationTrailer } from "../../src/rpc/server_connection.ts";
import { SspiRpcAuth } from "../../src/rpc/sspi_auth.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { QueryContextAttributes } from "../../src/sspi/api.ts";
import { SECPKG_ATTR_PAC_LOGON_INFO } from "../../src/packages/kerberos/pac.ts";
import {
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
} from "../../src/sspi/status.ts";
import {
  isCI,
  pythonPeerStatus,
  pythonPeerTest,
  sambaPeerStatus,
  sambaPeerTest,
} from "../peers/availability.ts";
import { KDC_INSTALL_HINT, kdcAvailable, startKdc } from "../peers/mit_kdc.ts";
import type { RpcConnector } from "../../src/rpc/stream.ts";
import { FUZZ_SEED, fuzzIterations, mutate, rng } from "../_fuzz.ts";

/** A bare TCP connection to `server`, for PDUs written by hand. */
const raw = (server: RpcServer) =>
  Deno.connect({ hostname: "127.0.0.1", port: server.port });

/** Whether the server hangs up on `conn` (its next read ends the stream). */
async function hungUp(conn: Deno.Conn): Promise<boolean> {
  return await conn.read(new Uint8Array(16)).catch(() => null) === null;
}

/** rpcecho (Samba's test interface). */
const RPCECHO = {
  uuid: "60a15ec5-4de8-11d7-a637-005056a20182",
  version: [1, 0] as const,
};
const USERS = { users: [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }] };

/** rpcecho's AddOne (0) and EchoData (1); the calls seen. */
function echoServer(minLevel = RPC_C_AUTHN_LEVEL_PKT_INTEGRITY) {
  const calls: Omit<RpcCall, "stub" | "context">[] = [];
  const server = RpcServer.listen({
    iface: RPCECHO,
    packages: { NTLM: USERS, Negotiate: USERS },
    minLevel,
    handler: (call) => {
      const { stub, context, ...seen } = call;
      calls.push(seen);
      assert.equal(context?.clientName ?? null, call.clientName);
      const v = new DataView(stub.buffer, stub.byteOffset, stub.byteLength);
      if (call.opnum === 0) {
        if (stub.length !== 4) return 0x6f7; // RPC_X_BAD_STUB_DATA
        const out = new Uint8Array(4);
        new DataView(out.buffer).setUint32(0, v.getUint32(0, true) + 1, true);
        return out;
      }
      if (call.opnum === 1) {
        // [in] uint32 len, [in, size_is(len)] uint8 in_data[] -> out_data[len]
        const n = v.getUint32(0, true);
        if (v.getUint32(4, true) !== n || stub.length !== 8 + n) return 0x6f7;
        const out = new Uint8Array(4 + n);
        new DataView(out.buffer).setUint32(0, n, true);
        out.set(stub.subarray(8), 4);
        return out;
      }
      if (call.opnum === 2) throw new Error("handler bug");
      return 0x1c010002; // nca_s_op_rng_error
    },
  });
  return { server, calls };
}

await sambaPeerTest(
  "rpc server: Samba's client (rpcecho) binds with NTLM, SPNEGO and its default, signed and sealed",
  async () => {
    const { python } = await sambaPeerStatus();
    const { server, calls } = echoServer();
    const script = new URL("../peers/samba_rpcecho_client.py", import.meta.url)
      .pathname;
    const run = async (flags: string, password = "pw") => {
      const o = await new Deno.Command(python!, {
        args: [
          script,
          String(server.port),
          flags,
          "alice",
          "EXAMPLE",
          password,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(o.stdout).trim().split("\n").pop()!;
      assert.ok(o.success, new TextDecoder().decode(o.stderr));
      return JSON.parse(out);
    };
    try {
      for (
        const [flags, pkg] of [
          ["seal,ntlm", "NTLM"],
          ["sign,ntlm", "NTLM"],
          ["seal,spnego", "Negotiate"],
          ["sign,spnego", "Negotiate"],
          ["seal", null],
        ] as const
      ) {
        calls.length = 0;
        const r = await run(flags);
        assert.deepEqual(r, {
          ok: true,
          add_one: 42,
          echo_small: [1, 2, 3, 4, 5],
          echo_big_ok: true,
        }, flags);
        assert.equal(calls.length, 3);
        for (const c of calls) {
          assert.equal(c.clientName, "EXAMPLE\\alice");
          assert.equal(
            c.authLevel,
            flags.startsWith("seal")
              ? RPC_C_AUTHN_LEVEL_PKT_PRIVACY
              : RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
          );
          if (pkg) assert.equal(c.package, pkg, flags);
        }
      }
      const bad = await run("seal,ntlm", "wrong");
      assert.equal(bad.ok, false, "a wrong password is refused");
    } finally {
      await server.close();
    }
  },
);

await pythonPeerTest(
  "impacket",
  "rpc server: Impacket's client binds with its own NTLMSSP, signed and sealed; a wrong password is refused",
  async () => {
    const { python } = await pythonPeerStatus("impacket");
    const { server, calls } = echoServer();
    const script = new URL("../peers/impacket_rpc_client.py", import.meta.url)
      .pathname;
    const run = async (level: string, password = "pw") => {
      const o = await new Deno.Command(python!, {
        args: [
          script,
          String(server.port),
          level,
          "alice",
          "EXAMPLE",
          password,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(o.success, new TextDecoder().decode(o.stderr));
      return JSON.parse(
        new TextDecoder().decode(o.stdout).trim().split("\n").pop()!,
      );
    };
    try {
      for (const level of ["seal", "sign"]) {
        calls.length = 0;
        assert.deepEqual(await run(level), { ok: true, reply: "2a000000" });
        assert.deepEqual(calls.map((c) => [c.package, c.authLevel]), [[
          "NTLM",
          level === "seal"
            ? RPC_C_AUTHN_LEVEL_PKT_PRIVACY
            : RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
        ]]);
      }
      assert.equal((await run("seal", "wrong")).ok, false);
    } finally {
      await server.close();
    }
  },
);

await sambaPeerTest(
  "rpc server: Samba's client (rpcecho) binds with Kerberos in DCE style, raw and in SPNEGO, signed and sealed",
  async () => {
    if (!await kdcAvailable()) {
      if (isCI()) throw new Error(`MIT KDC missing: ${KDC_INSTALL_HINT}`);
      return;
    }
    const { python } = await sambaPeerStatus();
    const kdc = await startKdc("alice", "Secret-Passw0rd", ["host/localhost"]);
    const keytab = { Keytab: kdc.env.KRB5_KTNAME.replace(/^FILE:/, "") };
    const calls: Omit<RpcCall, "stub" | "context">[] = [];
    const server = RpcServer.listen({
      iface: RPCECHO,
      packages: { Kerberos: keytab, Negotiate: keytab },
      minLevel: RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
      handler: (call) => {
        const { stub, context, ...seen } = call;
        calls.push(seen);
        // What a handler can learn beyond the name: the ticket's PAC.
        const pac = { value: null as unknown };
        assert.equal(
          QueryContextAttributes(
            context!.handles.context,
            SECPKG_ATTR_PAC_LOGON_INFO,
            pac,
          ),
          0,
        );
        assert.equal((pac.value as { ClientName: string }).ClientName, "alice");
        const v = new DataView(stub.buffer, stub.byteOffset, stub.byteLength);
        if (call.opnum === 0) {
          const out = new Uint8Array(4);
          new DataView(out.buffer).setUint32(0, v.getUint32(0, true) + 1, true);
          return out;
        }
        const n = v.getUint32(0, true);
        const out = new Uint8Array(4 + n);
        out.set(stub.subarray(0, 4));
        out.set(stub.subarray(8), 4);
        return out;
      },
    });
    const script = new URL("../peers/samba_rpcecho_client.py", import.meta.url)
      .pathname;
    try {
      for (
        const [flags, pkg] of [
          ["seal,krb5", "Kerberos"],
          ["sign,krb5", "Kerberos"],
          ["seal,spnego", "Negotiate"],
          ["sign,spnego", "Negotiate"],
        ] as const
      ) {
        calls.length = 0;
        const o = await new Deno.Command(python!, {
          args: [
            script,
            String(server.port),
            flags,
            "alice",
            "EXAMPLE",
            "Secret-Passw0rd",
            "EXAMPLE.TEST",
          ],
          env: kdc.env,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const out = new TextDecoder().decode(o.stdout).trim().split("\n")
          .pop()!;
        assert.ok(o.success, new TextDecoder().decode(o.stderr));
        assert.deepEqual(JSON.parse(out), {
          ok: true,
          add_one: 42,
          echo_small: [1, 2, 3, 4, 5],
          echo_big_ok: true,
        }, flags);
        assert.equal(calls.length, 3);
        for (const c of calls) {
          assert.equal(c.clientName, "alice@EXAMPLE.TEST");
          assert.equal(c.package, pkg);
          assert.equal(
            c.authLevel,
            flags.startsWith("seal")
              ? RPC_C_AUTHN_LEVEL_PKT_PRIVACY
              : RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
          );
        }
      }
    } finally {
      await server.close();
      await kdc.close();
    }
  },
);

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
    RpcClient.connect({
      host: "127.0.0.1",
      port: server.port,
      iface,
      auth,
      timeoutMs: 5000,
    });
  const authOf = (
    pkg: string,
    level: number,
    headerSigning = true,
    password = "pw",
  ) =>
    new SspiRpcAuth({
      package: pkg,
      level,
      username: "alice",
      domain: "EXAMPLE",
      password,
      headerSigning,
    });
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
      connect(other, {
        uuid: "12345778-1234-abcd-ef00-0123456789ac",
        version: [1, 0],
      }),
      (e) => e instanceof SspiError,
    );
  } finally {
    await server.close();
  }
  // A server that wants privacy refuses integrity.
  const strict = echoServer(RPC_C_AUTHN_LEVEL_PKT_PRIVACY);
  try {
    using signOnly = new SspiRpcAuth({
      package: "NTLM",
      level: RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
      username: "alice",
      domain: "EXAMPLE",
      password: "pw",
    });
    await assert.rejects(
      RpcClient.connect({
        host: "127.0.0.1",
        port: strict.server.port,
        iface: RPCECHO,
        auth: signOnly,
        timeoutMs: 5000,
      }),
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
      using auth = new SspiRpcAuth({
        package: i % 2 ? "NTLM" : "Negotiate",
        username: "alice",
        domain: "EXAMPLE",
        password: "pw",
      });
      let outcome = "OK";
      try {
        const rpc = await RpcClient.connect({
          host: "127.0.0.1",
          port: server.port,
          iface: RPCECHO,
          auth,
          timeoutMs: 300,
          connect,
        });
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
    using auth = new SspiRpcAuth({
      package: "NTLM",
      username: "alice",
      domain: "EXAMPLE",
      password: "pw",
    });
    const rpc = await RpcClient.connect({
      host: "127.0.0.1",
      port: server.port,
      iface: RPCECHO,
      auth,
    });
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
  const other = {
    uuid: "12345778-1234-abcd-ef00-0123456789ac",
    version: [1, 0] as const,
  };
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
      using auth = new SspiRpcAuth({
        username: "alice",
        domain: "EXAMPLE",
        password: "pw",
      });
      const rpc = await RpcClient.connect({
        host: "127.0.0.1",
        port: server.port,
        iface,
        auth,
      });
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
