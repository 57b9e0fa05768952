// DER helpers: encoders, the validating scanner, typed field access, OIDs.
import assert from "node:assert/strict";
import {
  decodeOidContent,
  DER_ERR_DEPTH,
  DER_ERR_INDEFINITE,
  DER_ERR_LENGTH,
  DER_ERR_TRAILING,
  DER_ERR_TRUNCATED,
  DerError,
  encodeBitString,
  encodeContext,
  encodeEnumerated,
  encodeGeneralString,
  encodeLength,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeTlv,
  scanDer,
  scanDerTs,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
} from "../../src/der/mod.ts";

const hex = (b: Uint8Array) =>
  [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");

Deno.test("DER lengths: short and long form", () => {
  assert.equal(hex(encodeLength(0)), "00");
  assert.equal(hex(encodeLength(127)), "7f");
  assert.equal(hex(encodeLength(128)), "81 80");
  assert.equal(hex(encodeLength(300)), "82 01 2c");
  assert.equal(hex(encodeLength(0x1000000)), "84 01 00 00 00");
  assert.throws(() => encodeLength(-1), RangeError);
  const big = encodeOctetString(new Uint8Array(70000));
  const t = scanDer(big);
  assert.equal(t.length(0), 70000);
  assert.equal(t.content(0).length, 70000);
});

Deno.test("OIDs: SPNEGO, NTLM, Kerberos round trip", () => {
  assert.equal(hex(encodeOid("1.3.6.1.5.5.2")), "06 06 2b 06 01 05 05 02");
  assert.equal(
    hex(encodeOid("1.2.840.113554.1.2.2")),
    "06 09 2a 86 48 86 f7 12 01 02 02",
  );
  for (
    const oid of [
      "1.3.6.1.4.1.311.2.2.10",
      "1.2.840.48018.1.2.2",
      "2.999.1",
      "0.0",
    ]
  ) {
    const t = scanDer(encodeOid(oid));
    assert.equal(t.oid(0), oid);
  }
  assert.throws(() => decodeOidContent(new Uint8Array(0)), DerError);
  assert.throws(() => decodeOidContent(Uint8Array.of(0x2b, 0x86)), DerError);
  assert.throws(() => decodeOidContent(Uint8Array.of(0x80, 0x01)), DerError);
});

Deno.test("typed fields: SEQUENCE, context tags, ENUMERATED, BIT STRING, GeneralString", () => {
  const der = encodeSequence([
    encodeContext(0, encodeEnumerated(3)),
    encodeContext(1, encodeBitString(Uint8Array.of(0x80), 7)),
    encodeContext(2, encodeGeneralString("hint@x")),
    encodeContext(3, encodeOctetString(Uint8Array.of(1, 2, 3))),
    encodeContext(4, encodeEnumerated(200)),
  ]);
  const t = scanDer(der);
  assert.equal(t.tag(0), TAG_SEQUENCE);
  const f = t.children(0).map((c) => t.explicit(c, "f"));
  assert.equal(t.enumerated(f[0]), 3);
  assert.deepEqual(t.bitString(f[1]), {
    bytes: Uint8Array.of(0x80),
    unusedBits: 7,
  });
  assert.equal(t.generalString(f[2]), "hint@x");
  assert.deepEqual(t.octetString(f[3]), Uint8Array.of(1, 2, 3));
  assert.equal(t.enumerated(f[4]), 200); // 02 00 c8: leading zero kept
  assert.equal(hex(encodeEnumerated(200)), "0a 02 00 c8");
  assert.throws(() => t.octetString(f[0]), DerError);
  assert.throws(() => t.expect(99, TAG_OCTET_STRING, "x"), DerError);
});

function scanCode(bytes: Uint8Array, maxDepth = 32): number {
  return scanDerTs(bytes, new Int32Array(5 * 64), maxDepth, false);
}

Deno.test("scanner refuses malformed DER with the right code", () => {
  assert.equal(scanCode(Uint8Array.of(0x30, 0x80, 0, 0)), DER_ERR_INDEFINITE);
  assert.equal(scanCode(Uint8Array.of(0x04, 0x05, 1)), DER_ERR_TRUNCATED);
  assert.equal(
    scanCode(Uint8Array.of(0x04, 0x85, 1, 0, 0, 0, 0)),
    DER_ERR_LENGTH,
  );
  assert.equal(
    scanCode(Uint8Array.of(0x04, 0x84, 0xff, 0xff, 0xff, 0xff)),
    DER_ERR_LENGTH,
  );
  assert.equal(scanCode(Uint8Array.of(0x04, 0x01, 1, 0)), DER_ERR_TRAILING);
  // A child overrunning its parent.
  assert.equal(
    scanCode(Uint8Array.of(0x30, 0x03, 0x04, 0x03, 1, 2, 3)),
    DER_ERR_TRUNCATED,
  );
  assert.equal(scanCode(new Uint8Array(0)), DER_ERR_TRUNCATED);
  // Nesting: 3 levels allowed with maxDepth 3, 4 refused.
  const nest = (n: number): Uint8Array =>
    n === 0
      ? encodeOctetString(Uint8Array.of(1))
      : encodeSequence([nest(n - 1)]);
  assert.equal(scanCode(nest(3), 3), 4);
  assert.equal(scanCode(nest(4), 3), DER_ERR_DEPTH);
});

Deno.test("a 10,000-deep nested token is refused quickly", () => {
  // Build from the inside out with 4-byte long-form lengths.
  const depth = 10000;
  const total = depth * 6 + 2;
  const buf = new Uint8Array(total);
  for (let i = 0; i < depth; i++) {
    const len = total - (i + 1) * 6;
    buf.set([
      0x30,
      0x84,
      len >>> 24,
      (len >>> 16) & 255,
      (len >>> 8) & 255,
      len & 255,
    ], i * 6);
  }
  buf.set([0x05, 0x00], depth * 6);
  assert.throws(() => scanDer(buf), /nesting too deep/);
  // Deep enough scans still work when allowed.
  assert.equal(
    scanDer(buf, { maxDepth: 10001, maxEntries: 10001 }).count,
    10001,
  );
});

Deno.test("high tag numbers and the flat table", () => {
  const der = Uint8Array.of(0x30, 0x06, 0x9f, 0x81, 0x00, 0x02, 0xaa, 0xbb);
  const t = scanDer(der);
  assert.equal(t.count, 2);
  assert.equal(t.tag(1), 0x9f | (128 << 8));
  assert.deepEqual(t.content(1), Uint8Array.of(0xaa, 0xbb));
  assert.deepEqual(t.raw(1), der.subarray(2));
  assert.equal(t.depth(1), 1);
  assert.equal(t.nextSibling(1), -1);
  assert.throws(() => encodeTlv(0x1f, new Uint8Array(0)), RangeError);
});
