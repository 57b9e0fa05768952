// SspiRpcAuth and the RPC client's multi-leg binds against an in-memory RPC server
// whose security is our own NTLM and Negotiate acceptors: NTLM's AUTHENTICATE in an
// rpc_auth_3, Negotiate's last legs in alter_contexts; requests and responses sealed
// or signed, with header signing when the server agrees (the header and sec_trailer
// are then signed: a flipped header byte is refused) and without it when it does not.
// Malformed or missing tokens in the bind's answers are SspiErrors and close the
// connection; 300 exchanges a run with one answer mutated end in SspiErrors only.
import assert from "node:assert/strict";
import { RpcClient } from "../../src/rpc/client.ts";
import {
  PTYPE_ALTER_CONTEXT,
  PTYPE_AUTH3,
  PTYPE_BIND,
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
} from "../../src/sspi/status.ts";
import { fakeConnector } from "./_fake.ts";
import { FUZZ_SEED, fuzzIterations, mutate, rng } from "../_fuzz.ts";
import { rpcServer, type ServerOptions } from "./_sspi_server.ts";

const IFACE = {
  uuid: "12345778-1234-abcd-ef00-0123456789ac",
  version: [1, 0] as const,
};
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

Deno.test("sspi rpc auth: a changed header is refused, with header signing or not (NTLMv2 signs read-only buffers)", async () => {
  for (const headerSigning of [true, false]) {
    const t = connect(
      { pkg: "NTLM", headerSigning, flipHeader: true },
      RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
    );
    const rpc = await t.client;
    // Our acceptor's DecryptMessage fails and the server hangs up.
    await assert.rejects(
      rpc.call(1, STUB),
      isStatus(SEC_E_NO_AUTHENTICATING_AUTHORITY),
    );
    t.auth.dispose();
  }
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

Deno.test(`sspi rpc auth: mutated bind answers and responses are SspiErrors only (seed ${FUZZ_SEED})`, async () => {
  const r = rng(FUZZ_SEED);
  const seen = new Map<string, number>();
  const n = fuzzIterations("RPC_AUTH_FUZZ_ITERATIONS", 300);
  for (let i = 0; i < n; i++) {
    const pkg = i % 2 ? "NTLM" : "Negotiate";
    const srv = rpcServer({ pkg, headerSigning: i % 3 !== 0 });
    // Which answer of the exchange to mutate: a bind leg's or the response's.
    const target = r(3);
    let answers = 0;
    const c = fakeConnector((raw) => {
      const out = srv.handler(raw);
      if (out === "close" || out.length === 0) return out;
      return out.map((p) => answers++ === target ? mutate(p, r) : p);
    });
    const auth = new SspiRpcAuth({
      package: pkg,
      level: RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
      username: "alice",
      domain: "EXAMPLE",
      password: "pw",
    });
    let outcome: string;
    try {
      const rpc = await RpcClient.connect({
        host: "dc.test",
        port: 49152,
        iface: {
          uuid: "12345778-1234-abcd-ef00-0123456789ac",
          version: [1, 0],
        },
        auth,
        connect: c.connect,
        timeoutMs: 60,
      });
      try {
        const back = await rpc.call(1, STUB.subarray(0, 64));
        // Accepted only as it was sent: never altered data.
        assert.deepEqual(
          back,
          STUB.slice(0, 64).reverse(),
          `seed ${FUZZ_SEED}`,
        );
        outcome = "OK";
      } finally {
        rpc.close();
      }
    } catch (e) {
      if (!(e instanceof SspiError) || e instanceof assert.AssertionError) {
        throw new Error(`seed ${FUZZ_SEED}, iteration ${i}: ${e}`);
      }
      outcome = `0x${(e.status >>> 0).toString(16)}`;
    } finally {
      auth.dispose();
    }
    seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
  }
  console.log(`${n} mutated exchanges (seed ${FUZZ_SEED}):`, seen);
});
