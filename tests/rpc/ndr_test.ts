// NDR20 marshalling: a NetrServerReqChallenge stub byte for byte as Impacket builds
// it (but for the referent id), the deferral order of embedded pointers, alignment,
// GUIDs, RPC_UNICODE_STRING round trips, and the reader's bounds (NdrError, and
// SEC_E_INVALID_TOKEN through decodeNdr).
import assert from "node:assert/strict";
import {
  decodeNdr,
  NdrError,
  NdrReader,
  readDeferredUnicodeString,
  readSid,
  readUnicodeStringHeader,
  uuidFromBytes,
  uuidToBytes,
} from "../../src/rpc/ndr.ts";
import { NdrWriter } from "../../src/rpc/ndr_writer.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../src/sspi/status.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";

Deno.test("ndr: NetrServerReqChallenge's stub matches Impacket's", () => {
  const w = new NdrWriter();
  w.pointer(() => w.wstring("\\\\dc1"));
  w.wstring("WS1");
  w.bytes(new TextEncoder().encode("12345678"));
  // Impacket's referent id is random (here 0x0000e2aa); ours starts at 0x00020000.
  const impacket = "aae200000600000000000000060000005c005c006400630031000000" +
    "04000000000000000400000057005300310000003132333435363738";
  assert.equal(toHex(w.finish()), "00000200" + impacket.slice(8));
});

Deno.test("ndr: embedded referents follow the fixed part, depth first", () => {
  const w = new NdrWriter();
  w.struct(() => {
    w.u32(1);
    w.pointer(() => {
      w.struct(() => {
        w.u32(0xa);
        w.pointer(() => w.u32(0xaa)); // the referent's own referent
      });
    });
    w.pointer(null);
    w.pointer(() => w.u32(0xb));
  });
  const words = [];
  const out = w.finish();
  const view = new DataView(out.buffer);
  for (let i = 0; i < out.length; i += 4) words.push(view.getUint32(i, true));
  assert.deepEqual(words, [
    1,
    0x20000,
    0,
    0x20004,
    0xa,
    0x20008,
    0xaa,
    0xb,
  ]);
});

Deno.test("ndr: primitives are aligned to their size", () => {
  const w = new NdrWriter().u8(1).u16(2).u8(3).u32(4).u8(5).u64(6n);
  assert.equal(
    toHex(w.finish()),
    "010002000300000004000000050000000600000000000000",
  );
  assert.equal(new NdrWriter().u8(9).uuid(NDR_UUID).length, 20);
});

const NDR_UUID = "8a885d04-1ceb-11c9-9fe8-08002b104860";

Deno.test("ndr: GUIDs in NDR byte order", () => {
  const b = uuidToBytes(NDR_UUID);
  assert.equal(toHex(b), "045d888aeb1cc9119fe808002b104860");
  assert.equal(uuidFromBytes(b), NDR_UUID);
  assert.equal(toHex(b), "045d888aeb1cc9119fe808002b104860"); // not reversed in place
  assert.throws(() => uuidToBytes("not-a-uuid"), TypeError);
});

Deno.test("ndr: RPC_UNICODE_STRING and counted bytes round-trip", () => {
  const w = new NdrWriter();
  w.struct(() => {
    w.unicodeString("ADEX");
    w.unicodeString(null);
    w.u32(0x11223344);
    w.unicodeString("");
  });
  const r = new NdrReader(w.finish());
  const h = [0, 1].map(() => readUnicodeStringHeader(r, "s"));
  assert.equal(r.u32("x"), 0x11223344);
  const empty = readUnicodeStringHeader(r, "s3");
  assert.equal(readDeferredUnicodeString(r, h[0], "s"), "ADEX");
  assert.equal(readDeferredUnicodeString(r, h[1], "s"), "");
  assert.equal(readDeferredUnicodeString(r, empty, "s3"), "");
  assert.equal(r.remaining, 0);

  const c = new NdrWriter().countedBytes(Uint8Array.of(1, 2, 3)).finish();
  assert.equal(toHex(c), "03000300000002000300000000000000030000000102" + "03");
  assert.throws(
    () => new NdrWriter().countedBytes(new Uint8Array(3), 2),
    RangeError,
  );
});

Deno.test("ndr: wstring, pointers and SIDs read back", () => {
  const w = new NdrWriter();
  w.pointer(() => w.wstring("\\\\dc1.ad.example.test"));
  w.wstring("");
  w.u32(0); // a null pointer
  w.u32(4).u8(1).u8(4).bytes(Uint8Array.of(0, 0, 0, 0, 0, 5));
  for (const s of [21, 1, 2, 3]) w.u32(s);
  const r = new NdrReader(w.finish());
  assert.notEqual(r.pointer("p"), 0);
  assert.equal(r.wstring("name"), "\\\\dc1.ad.example.test");
  assert.equal(r.wstring("empty"), "");
  assert.equal(r.pointer("null"), 0);
  assert.equal(readSid(r, true, "sid"), "S-1-5-21-1-2-3");
});

Deno.test("ndr: the reader never leaves its range", () => {
  const r = new NdrReader(fromHex("0100000002"), 0, 5, "TEST");
  assert.equal(r.u32("a"), 1);
  assert.throws(
    () => r.u32("b"),
    (e) => e instanceof NdrError && /^TEST b is truncated/.test(e.message),
  );
  assert.throws(() => new NdrReader(new Uint8Array(4), 2, 8), NdrError);
  // A string whose count claims more than is there.
  const big = new NdrWriter().u32(0x10000000).u32(0).u32(0x10000000).finish();
  assert.throws(() => new NdrReader(big).wstring("w"), /too large/);
  const inverted = new NdrWriter().u32(1).u32(0).u32(2).bytes(new Uint8Array(4))
    .finish();
  assert.throws(() => new NdrReader(inverted).wstring("w"), /inconsistent/);
});

Deno.test("ndr: decodeNdr turns NdrError into SEC_E_INVALID_TOKEN", () => {
  assert.equal(decodeNdr(fromHex("2a000000"), (r) => r.u32("x")), 42);
  assert.throws(
    () => decodeNdr(fromHex("2a00"), (r) => r.u32("status")),
    (e) =>
      e instanceof SspiError && e.status === SEC_E_INVALID_TOKEN &&
      /RPC status is truncated/.test(e.message),
  );
  // Other exceptions are not swallowed.
  assert.throws(() =>
    decodeNdr(new Uint8Array(0), () => {
      throw new TypeError("bug");
    }), TypeError);
});
