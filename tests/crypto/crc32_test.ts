import assert from "node:assert/strict";
import { crc32 } from "../../src/crypto/mod.ts";
import { Prng, randomSplit, utf8 } from "./_helpers.ts";

/** Bitwise reference CRC-32 (IEEE). */
function crc32Ref(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

Deno.test("crc32: check value of '123456789' is 0xcbf43926", () => {
  assert.equal(crc32(utf8("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(
    crc32(utf8("The quick brown fox jumps over the lazy dog")),
    0x414fa339,
  );
});

Deno.test("crc32: lengths 0..2048 and streaming match a bitwise reference", () => {
  const rng = new Prng(32);
  const data = rng.bytes(2048);
  for (let len = 0; len <= 2048; len++) {
    const m = data.subarray(0, len);
    const want = crc32Ref(m);
    assert.equal(crc32(m), want, `len=${len}`);
    const c = crc32.create();
    for (const part of randomSplit(rng, m)) c.update(part);
    assert.equal(c.digest(), want);
  }
});

Deno.test("crc32: input over 64 KiB", () => {
  const data = new Prng(1).bytes(200_003);
  assert.equal(crc32(data), crc32Ref(data));
});

Deno.test("crc32: use after destroy throws", () => {
  const c = crc32.create().update(utf8("x"));
  c.destroy();
  assert.throws(() => c.update(utf8("y")), Error);
  assert.throws(() => c.digest(), Error);
});
