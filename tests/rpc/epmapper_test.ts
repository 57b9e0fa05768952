// The endpoint mapper client against an in-memory mapper: the tower and the ept_map
// request byte for byte as Impacket builds them, the port read from the answer,
// unregistered interfaces and foreign towers, a mutation loop over the answer (only
// SspiErrors come out), and a closed port on this machine.
import assert from "node:assert/strict";
import {
  decodeTower,
  encodeTower,
  EPMAPPER_INTERFACE,
  EPT_MAP,
  EPT_S_NOT_REGISTERED,
  mapEndpoint,
} from "../../src/rpc/epmapper.ts";
import { NdrReader } from "../../src/rpc/ndr.ts";
import { NdrWriter } from "../../src/rpc/ndr_writer.ts";
import {
  decodePdu,
  encodePdu,
  NDR20_SYNTAX,
  PTYPE_BIND,
  PTYPE_BIND_ACK,
  PTYPE_RESPONSE,
} from "../../src/rpc/pdu.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
} from "../../src/sspi/status.ts";
import { toHex } from "../../src/util/bytes.ts";
import { freePort } from "../digest/_peers.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import { type Answer, fakeConnector } from "./_fake.ts";

const NETLOGON = {
  uuid: "12345678-1234-abcd-ef00-01234567cffb",
  version: [1, 0] as const,
};
// Impacket's EPMTower for NETLOGON over ncacn_ip_tcp, port 0, 0.0.0.0.
const TOWER =
  "050013000d785634123412cdabef0001234567cffb01000200000013000d045d88" +
  "8aeb1cc9119fe808002b10486002000200000001000b0200000001000702000000" +
  "010009040000000000";

/** An ept_map answer holding `towers` (null entries are null pointers). */
function answer(towers: (Uint8Array | null)[], status = 0): Uint8Array {
  const w = new NdrWriter();
  w.bytes(new Uint8Array(20)).u32(towers.length);
  w.struct(() => {
    w.u32(4).u32(0).u32(towers.length);
    for (const t of towers) {
      w.pointer(t && (() => w.u32(t.length).u32(t.length).bytes(t)));
    }
  });
  return w.u32(status).finish();
}

/** A mapper answering every ept_map with `stub`; `seen` holds the request stubs. */
function mapper(stub: Uint8Array) {
  const seen: Uint8Array[] = [];
  const handler = (raw: Uint8Array): Answer => {
    const pdu = decodePdu(raw);
    if (pdu.type === PTYPE_BIND) {
      assert.deepEqual(pdu.contexts[0].abstractSyntax, EPMAPPER_INTERFACE);
      return [encodePdu({
        type: PTYPE_BIND_ACK,
        flags: 3,
        callId: pdu.callId,
        maxXmitFrag: 5840,
        maxRecvFrag: 5840,
        assocGroupId: 1,
        secondaryAddress: "135",
        results: [{ result: 0, reason: 0, transferSyntax: NDR20_SYNTAX }],
        auth: null,
      })];
    }
    if (pdu.type !== 0) throw new Error("not a request");
    assert.equal(pdu.opnum, EPT_MAP);
    seen.push(pdu.stub);
    return [encodePdu({
      type: PTYPE_RESPONSE,
      flags: 3,
      callId: pdu.callId,
      allocHint: stub.length,
      contextId: 0,
      cancelCount: 0,
      stub,
      auth: null,
    })];
  };
  return { seen, ...fakeConnector(handler) };
}

const map = (m: ReturnType<typeof mapper>) =>
  mapEndpoint("dc.test", NETLOGON, { connect: m.connect, timeoutMs: 2000 });

Deno.test("epmapper: the tower and ept_map request are Impacket's", async () => {
  assert.equal(toHex(encodeTower(NETLOGON)), TOWER);
  const m = mapper(answer([encodeTower(NETLOGON, 49153, "127.0.0.1")]));
  assert.equal(await map(m), 49153);
  // obj -> nil UUID, map_tower, a null entry_handle, max_towers 4.
  assert.equal(
    toHex(m.seen[0]),
    "00000200" + "00".repeat(16) + "040002004b0000004b000000" + TOWER + "00" +
      "00".repeat(20) + "04000000",
  );
  assert.ok(m.streams[0].closed);
});

Deno.test("epmapper: towers are read floor by floor", () => {
  const t = decodeTower(
    new NdrReader(encodeTower(NETLOGON, 0xc001, "10.1.2.3")),
  );
  assert.deepEqual(t, {
    iface: NETLOGON,
    transferSyntax: NDR20_SYNTAX,
    protocol: 0x0b,
    port: 0xc001,
    ip: "10.1.2.3",
  });
});

Deno.test("epmapper: the first matching TCP tower wins", async () => {
  const other = encodeTower({ ...NETLOGON, uuid: EPMAPPER_INTERFACE.uuid }, 1);
  const m = mapper(
    answer([
      null,
      other,
      encodeTower(NETLOGON, 50000),
      encodeTower(NETLOGON, 2),
    ]),
  );
  assert.equal(await map(m), 50000);
});

Deno.test("epmapper: nothing registered is SEC_E_NO_AUTHENTICATING_AUTHORITY", async () => {
  for (const stub of [answer([], EPT_S_NOT_REGISTERED), answer([])]) {
    await assert.rejects(
      map(mapper(stub)),
      (e) =>
        e instanceof SspiError &&
        e.status === SEC_E_NO_AUTHENTICATING_AUTHORITY &&
        /dc\.test has no TCP endpoint for 12345678-1234-abcd-ef00-01234567cffb v1\.0/
          .test(e.message),
    );
  }
});

Deno.test("epmapper: a closed port fails fast with the host named", async () => {
  const port = freePort();
  const t0 = Date.now();
  await assert.rejects(
    mapEndpoint("127.0.0.1", NETLOGON, { port, timeoutMs: 5000 }),
    (e) =>
      e instanceof SspiError &&
      e.status === SEC_E_NO_AUTHENTICATING_AUTHORITY &&
      e.message.includes(`127.0.0.1:${port}`),
  );
  assert.ok(Date.now() - t0 < 2000);
});

Deno.test(`epmapper: malformed answers are only SspiErrors (seed ${FUZZ_SEED})`, async () => {
  const r = rng(FUZZ_SEED);
  const good = answer([encodeTower(NETLOGON, 49153), encodeTower(NETLOGON, 7)]);
  const counts = { mapped: 0, invalid: 0, none: 0 };
  for (let i = 0, n = fuzzIterations("RPC_FUZZ_ITERATIONS", 2000); i < n; i++) {
    let b = good.slice();
    if (r(3) === 0) b = b.slice(0, r(b.length));
    for (let k = 0, flips = 1 + r(4); k < flips; k++) {
      b[r(b.length || 1)] = [0, 1, 0xff, r(256)][r(4)];
    }
    try {
      await map(mapper(b));
      counts.mapped++;
    } catch (e) {
      if (!(e instanceof SspiError)) throw new Error(`${toHex(b)}: ${e}`);
      if (e.status === SEC_E_INVALID_TOKEN) counts.invalid++;
      else if (e.status === SEC_E_NO_AUTHENTICATING_AUTHORITY) counts.none++;
      else throw e;
    }
  }
  assert.ok(counts.mapped > 0 && counts.invalid > 0, JSON.stringify(counts));
});
