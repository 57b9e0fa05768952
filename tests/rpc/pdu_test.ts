// The DCE/RPC PDU codec: a bind byte for byte as Impacket builds it, round trips of
// every PDU type with and without an auth verifier, the sec_trailer's place and
// padding, header checks, and a mutation loop in which malformed PDUs only ever
// give SspiError(SEC_E_INVALID_TOKEN).
import assert from "node:assert/strict";
import {
  authPadLength,
  decodeHeader,
  decodePdu,
  encodePdu,
  NDR20_SYNTAX,
  type Pdu,
  PFC_FIRST_FRAG,
  PFC_LAST_FRAG,
  PTYPE_ALTER_CONTEXT,
  PTYPE_BIND,
  PTYPE_BIND_ACK,
  PTYPE_BIND_NAK,
  PTYPE_FAULT,
  PTYPE_REQUEST,
  PTYPE_RESPONSE,
  REQUEST_HEADER_SIZE,
} from "../../src/rpc/pdu.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../src/sspi/status.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";

const NETLOGON = {
  uuid: "12345678-1234-abcd-ef00-01234567cffb",
  version: [1, 0] as [number, number],
};
const BOTH = PFC_FIRST_FRAG | PFC_LAST_FRAG;

function bind(auth: boolean): Pdu {
  return {
    type: PTYPE_BIND,
    flags: BOTH,
    callId: 1,
    maxXmitFrag: 5840,
    maxRecvFrag: 5840,
    assocGroupId: 0,
    contexts: [{
      contextId: 0,
      abstractSyntax: NETLOGON,
      transferSyntaxes: [NDR20_SYNTAX],
    }],
    auth: auth
      ? {
        authType: 68,
        authLevel: 6,
        padLength: 0,
        contextId: 0,
        value: fromHex("000000001700000041444558000000"),
      }
      : null,
  };
}

function stubbed(type: 0 | 2, stubLength: number, auth: boolean): Pdu {
  const pad = auth ? authPadLength(stubLength) : 0;
  const stub = new Uint8Array(stubLength + pad).map((_, i) =>
    i < stubLength ? i : 0
  );
  const verifier = auth
    ? {
      authType: 68,
      authLevel: 5,
      padLength: pad,
      contextId: 0,
      value: new Uint8Array(32).fill(0xee),
    }
    : null;
  const common = {
    flags: BOTH,
    callId: 7,
    allocHint: stubLength,
    contextId: 0,
    stub,
    auth: verifier,
  };
  return type === PTYPE_REQUEST
    ? { type, ...common, opnum: 39, object: null }
    : { type, ...common, cancelCount: 0 };
}

/** One valid PDU of each kind, some with verifiers. */
function samples(): Pdu[] {
  return [
    bind(false),
    bind(true),
    { ...bind(false), type: PTYPE_ALTER_CONTEXT } as Pdu,
    {
      type: PTYPE_BIND_ACK,
      flags: BOTH,
      callId: 1,
      maxXmitFrag: 4280,
      maxRecvFrag: 4280,
      assocGroupId: 0x1234,
      secondaryAddress: "49152",
      results: [{ result: 0, reason: 0, transferSyntax: NDR20_SYNTAX }],
      auth: {
        authType: 68,
        authLevel: 6,
        padLength: 0,
        contextId: 0,
        value: fromHex("010000000000000000000000"),
      },
    },
    { type: PTYPE_BIND_NAK, flags: BOTH, callId: 1, reason: 8, auth: null },
    stubbed(PTYPE_REQUEST, 0, false),
    stubbed(PTYPE_REQUEST, 37, true),
    stubbed(PTYPE_RESPONSE, 64, false),
    stubbed(PTYPE_RESPONSE, 5, true),
    {
      type: PTYPE_FAULT,
      flags: BOTH | 0x20,
      callId: 3,
      allocHint: 32,
      contextId: 0,
      cancelCount: 0,
      status: 0x1c010002,
      auth: null,
    },
  ];
}

Deno.test("rpc pdu: a bind is byte for byte what Impacket sends", () => {
  assert.equal(
    toHex(encodePdu(bind(false))),
    "05000b03100000004800000001000000d016d016000000000100000000000100" +
      "785634123412cdabef0001234567cffb01000000045d888aeb1cc9119fe808002b" +
      "10486002000000",
  );
});

Deno.test("rpc pdu: every kind round-trips through encode and decode", () => {
  for (const pdu of samples()) {
    const bytes = encodePdu(pdu);
    const back = decodePdu(bytes);
    assert.deepEqual(back, pdu, `PTYPE ${pdu.type}`);
    assert.deepEqual(encodePdu(back), bytes);
  }
});

Deno.test("rpc pdu: the sec_trailer is 16-byte aligned from the stub start", () => {
  for (let n = 0; n < 40; n++) {
    const pdu = stubbed(PTYPE_REQUEST, n, true);
    const bytes = encodePdu(pdu);
    const h = decodeHeader(bytes);
    const trailer = h.fragLength - h.authLength - 8;
    assert.equal((trailer - REQUEST_HEADER_SIZE) % 16, 0);
    assert.equal(bytes[trailer + 2], authPadLength(n)); // auth_pad_length
    assert.equal(h.authLength, 32);
    assert.ok(
      bytes.subarray(REQUEST_HEADER_SIZE + n, trailer).every((b) => !b),
    );
  }
  assert.equal(authPadLength(0), 0);
  assert.equal(authPadLength(1), 15);
  assert.equal(authPadLength(16), 0);
  // A bind's verifier follows its 4-aligned context list with no padding.
  const b = encodePdu(bind(true));
  assert.equal(b[72 + 2], 0);
  assert.equal(b[72], 68);
});

Deno.test("rpc pdu: the header is checked", () => {
  const good = encodePdu(stubbed(PTYPE_RESPONSE, 8, false));
  const bad = (f: (b: Uint8Array) => Uint8Array | void, why: RegExp) => {
    const b = good.slice();
    const out = f(b) ?? b;
    assert.throws(
      () => decodePdu(out),
      (e) =>
        e instanceof SspiError && e.status === SEC_E_INVALID_TOKEN &&
        why.test(e.message),
    );
  };
  bad((b) => b.subarray(0, 10), /header is truncated/);
  bad((b) => void (b[0] = 4), /version 4/);
  bad((b) => void (b[4] = 0), /little-endian/);
  bad((b) => void (b[8] = 40), /frag_length does not match/);
  bad((b) => void (b[8] = 8), /frag_length is too small/);
  bad((b) => void (b[10] = 30), /auth_length exceeds/);
  bad((b) => void (b[2] = 17), /type 17 is not supported/);
});

Deno.test("rpc pdu: a padding longer than the stub is refused", () => {
  const b = encodePdu(stubbed(PTYPE_RESPONSE, 5, true));
  const trailer = b.length - 32 - 8;
  b[trailer + 2] = 200;
  assert.throws(() => decodePdu(b), /auth_pad_length exceeds the stub/);
});

/** One RPC-aware mutation; half the time frag_length is made to match again. */
function mutate(src: Uint8Array, r: (n: number) => number): Uint8Array {
  let b = src.slice();
  switch (r(7)) {
    case 0:
      for (let i = 0, n = 1 + r(4); i < n; i++) b[r(b.length)] ^= 1 << r(8);
      break;
    case 1:
      b = b.slice(0, r(b.length + 1));
      break;
    case 2: { // auth_length, a count or a length field set to an extreme
      const at = [10, 11, 24, 26, 28, 40, 44, 48, 52, b.length - 38][r(10)];
      if (at >= 0 && at < b.length) b[at] = [0, 1, 0x7f, 0xff][r(4)];
      break;
    }
    case 3: // the sec_trailer's pad length (when the PDU ends with one)
      if (b.length > 50) b[b.length - 32 - 6 + r(3)] = r(256);
      break;
    case 4: // a PTYPE swapped
      b[2] = [0, 2, 3, 11, 12, 13, 14, 15][r(8)];
      break;
    case 5: { // bytes inserted
      const at = r(b.length);
      const extra = new Uint8Array(1 + r(40)).map(() => r(256));
      b = Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
      break;
    }
    default: // bytes removed
      b = Uint8Array.from([...b.subarray(0, r(b.length)), ...b.subarray(r(8))]);
  }
  if (r(2) && b.length >= 10) {
    b[8] = b.length & 0xff;
    b[9] = b.length >>> 8;
  }
  return b;
}

Deno.test(`rpc pdu: malformed PDUs are only ever SEC_E_INVALID_TOKEN (seed ${FUZZ_SEED})`, () => {
  const r = rng(FUZZ_SEED);
  const bases = samples().map(encodePdu);
  const counts = { decoded: 0, refused: 0 };
  const n = fuzzIterations("RPC_FUZZ_ITERATIONS", 30000);
  for (let i = 0; i < n; i++) {
    let b = bases[r(bases.length)];
    for (let k = 0, depth = 1 + r(3); k < depth; k++) b = mutate(b, r);
    try {
      decodePdu(b);
      counts.decoded++;
    } catch (e) {
      if (!(e instanceof SspiError) || e.status !== SEC_E_INVALID_TOKEN) {
        throw new Error(`iteration ${i}: ${toHex(b)}: ${e}`);
      }
      counts.refused++;
    }
  }
  assert.ok(counts.decoded > 0 && counts.refused > 0, JSON.stringify(counts));
});
