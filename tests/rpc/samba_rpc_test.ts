// The RPC client against a real DCE/RPC server: Samba's AD DC (tests/peers/samba_ad.ts,
// with its `rpc` service). The endpoint mapper on 127.0.0.1:135 gives Netlogon's
// dynamic port; an unauthenticated bind to Netlogon; NetrServerReqChallenge (MS-NRPC
// 3.5.4.4.1) answers STATUS_SUCCESS and a server challenge, also when the request
// is cut into many fragments; ept_lookup's long answer comes back in several
// fragments and is reassembled; an opnum Netlogon lacks is a fault
// nca_s_op_rng_error after which the connection still works; an interface nobody
// registered and a closed port are SEC_E_NO_AUTHENTICATING_AUTHORITY.
import assert from "node:assert/strict";
import { RpcClient } from "../../src/rpc/client.ts";
import { EPMAPPER_INTERFACE, mapEndpoint } from "../../src/rpc/epmapper.ts";
import { NCA_S_OP_RNG_ERROR, RpcFaultError } from "../../src/rpc/errors.ts";
import { decodeNdr } from "../../src/rpc/ndr.ts";
import { NdrWriter } from "../../src/rpc/ndr_writer.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { SEC_E_NO_AUTHENTICATING_AUTHORITY } from "../../src/sspi/status.ts";
import { freePort } from "../digest/_peers.ts";
import { withSambaDc } from "../peers/samba_ad.ts";
import { counting, soon } from "./_wire.ts";

const NETLOGON = {
  uuid: "12345678-1234-abcd-ef00-01234567cffb",
  version: [1, 0] as const,
};
const HOST = "127.0.0.1";
const TIMEOUT = 15_000;

/** NetrServerReqChallenge's request stub (opnum 4). */
function reqChallenge(
  computer: string,
  challenge: Uint8Array,
  primary = "\\\\dc1",
): Uint8Array {
  const w = new NdrWriter();
  w.pointer(() => w.wstring(primary)); // [in, unique, string] PrimaryName
  w.wstring(computer); // [in, string] ComputerName (a top-level ref pointer)
  w.bytes(challenge); // [in] PNETLOGON_CREDENTIAL ClientChallenge
  return w.finish();
}

/** ServerChallenge and the NTSTATUS of its answer. */
function challengeReply(stub: Uint8Array) {
  return decodeNdr(stub, (r) => {
    const challenge = r.bytesOf(8, "ServerChallenge").slice();
    const status = r.u32("status");
    if (r.remaining !== 0) throw r.error("has trailing bytes");
    return { challenge, status };
  });
}

/** ept_lookup (opnum 2) of every entry: the answer's entry count and status. */
function lookupRequest(): Uint8Array {
  const w = new NdrWriter();
  w.u32(0); // inquiry_type: RPC_C_EP_ALL_ELTS
  w.pointer(null).pointer(null); // object, interface_id
  w.u32(1); // vers_option: RPC_C_VERS_ALL
  w.u32(0).bytes(new Uint8Array(16)); // entry_handle: null
  w.u32(500); // max_ents
  return w.finish();
}

Deno.test({
  name: "samba rpc: epmapper, Netlogon bind, NetrServerReqChallenge, faults",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([], [], async () => {
      const port = await soon(() =>
        mapEndpoint(HOST, NETLOGON, { timeoutMs: TIMEOUT })
      );
      assert.ok(port > 1024 && port < 65536, `Netlogon on port ${port}`);

      const rpc = await RpcClient.connect({
        host: HOST,
        port,
        iface: NETLOGON,
        timeoutMs: TIMEOUT,
      });
      try {
        const mine = crypto.getRandomValues(new Uint8Array(8));
        const reply = challengeReply(
          await rpc.call(4, reqChallenge("WS1", mine)),
        );
        assert.equal(
          reply.status,
          0,
          `NTSTATUS 0x${reply.status.toString(16)}`,
        );
        assert.ok(reply.challenge.some((b) => b !== 0));

        await assert.rejects(rpc.call(200, new Uint8Array(0)), (e) => {
          assert.ok(e instanceof RpcFaultError, String(e));
          assert.equal(e.fault, NCA_S_OP_RNG_ERROR);
          assert.equal(e.status, SEC_E_NO_AUTHENTICATING_AUTHORITY);
          assert.match(e.message, /operation 200.*nca_s_op_rng_error/);
          return true;
        });
        // The connection survives the fault.
        const again = challengeReply(
          await rpc.call(4, reqChallenge("WS2", mine)),
        );
        assert.equal(again.status, 0);
      } finally {
        rpc.close();
      }

      // A request cut into many fragments (Samba accepts no fragment under 2048).
      const c1 = counting();
      const small = await RpcClient.connect({
        host: HOST,
        port,
        iface: NETLOGON,
        timeoutMs: TIMEOUT,
        maxFrag: 2048,
        connect: c1.connect,
      });
      try {
        // Samba ignores PrimaryName (but must unmarshal it).
        const long = `\\\\${"d".repeat(5000)}`;
        const stub = reqChallenge(
          "WS3",
          Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
          long,
        );
        assert.ok(stub.length > 4 * small.maxSendFrag);
        const reply = challengeReply(await small.call(4, stub));
        assert.equal(reply.status, 0);
        assert.equal(c1.pdus.sent, 1 + Math.ceil(stub.length / 2016)); // bind + 5
      } finally {
        small.close();
      }

      // A long answer in several fragments: the endpoint mapper's whole table.
      const c2 = counting();
      const epm = await RpcClient.connect({
        host: HOST,
        port: 135,
        iface: EPMAPPER_INTERFACE,
        timeoutMs: TIMEOUT,
        maxFrag: 2048,
        connect: c2.connect,
      });
      try {
        const table = await epm.call(2, lookupRequest());
        assert.ok(table.length > 2048, `ept_lookup gave ${table.length} bytes`);
        const view = new DataView(table.buffer, table.byteOffset);
        assert.ok(view.getUint32(20, true) > 3); // num_ents
        assert.equal(view.getUint32(table.length - 4, true), 0); // status
        assert.ok(c2.pdus.received > 2, `${c2.pdus.received} PDUs`); // bind_ack + 2
      } finally {
        epm.close();
      }

      await assert.rejects(
        mapEndpoint(HOST, {
          uuid: "01234567-89ab-cdef-0123-456789abcdef",
          version: [1, 0],
        }, { timeoutMs: TIMEOUT }),
        (e) =>
          e instanceof SspiError &&
          e.status === SEC_E_NO_AUTHENTICATING_AUTHORITY &&
          /no TCP endpoint/.test(e.message),
      );
    }),
});

Deno.test("samba rpc: a closed port is SEC_E_NO_AUTHENTICATING_AUTHORITY at once", async () => {
  const port = freePort();
  const t0 = Date.now();
  await assert.rejects(
    RpcClient.connect({
      host: HOST,
      port,
      iface: NETLOGON,
      timeoutMs: TIMEOUT,
    }),
    (e) =>
      e instanceof SspiError &&
      e.status === SEC_E_NO_AUTHENTICATING_AUTHORITY &&
      e.message.includes(`${HOST}:${port}`),
  );
  assert.ok(Date.now() - t0 < 2000);
});
