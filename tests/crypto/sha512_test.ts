import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import {
  hmacSha384,
  hmacSha384Keyed,
  sha384,
  sha384Stream,
  sha512,
  sha512_256,
} from "../../src/crypto/_sha512.ts";
import { getWasm } from "../../src/wasm/mod.ts";
import { Prng, randomSplit, rep, toHex, utf8 } from "./_helpers.ts";

const ABC = "abc";
const TWO_BLOCK =
  "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

Deno.test("sha512: FIPS 180-4 examples (one block, two blocks, empty, a million 'a')", () => {
  assert.equal(
    toHex(sha512(utf8(ABC))),
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
  );
  assert.equal(
    toHex(sha512(utf8(TWO_BLOCK))),
    "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
  );
  assert.equal(
    toHex(sha512(new Uint8Array(0))),
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
  );
  assert.equal(
    toHex(sha512(rep(0x61, 1_000_000))),
    "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
  );
});

Deno.test("sha384: FIPS 180-4 examples (one block, two blocks, empty, a million 'a')", () => {
  assert.equal(
    toHex(sha384(utf8(ABC))),
    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
  );
  assert.equal(
    toHex(sha384(utf8(TWO_BLOCK))),
    "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039",
  );
  assert.equal(
    toHex(sha384(new Uint8Array(0))),
    "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
  );
  assert.equal(
    toHex(sha384(rep(0x61, 1_000_000))),
    "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985",
  );
});

Deno.test("sha512_256: FIPS 180-4 examples (one block, two blocks)", () => {
  assert.equal(
    toHex(sha512_256(utf8(ABC))),
    "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
  );
  assert.equal(
    toHex(sha512_256(utf8(TWO_BLOCK))),
    "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a",
  );
});

Deno.test("sha384/sha512/sha512_256: node:crypto on every length 0..1000 and past the scratch size", () => {
  const rng = new Prng(0x5a512);
  const lengths = [...Array(1001).keys(), 65535, 65536, 65537, 200_000];
  for (const n of lengths) {
    const d = rng.bytes(n);
    assert.equal(
      toHex(sha384(d)),
      createHash("sha384").update(d).digest("hex"),
      `sha384 ${n}`,
    );
    assert.equal(
      toHex(sha512(d)),
      createHash("sha512").update(d).digest("hex"),
      `sha512 ${n}`,
    );
    assert.equal(
      toHex(sha512_256(d)),
      createHash("sha512-256").update(d).digest("hex"),
      `sha512_256 ${n}`,
    );
  }
});

Deno.test("hmacSha384: node:crypto on random key lengths 0..300 and data lengths 0..1000", () => {
  const rng = new Prng(0x384);
  for (let i = 0; i < 400; i++) {
    const key = rng.bytes(i < 260 ? i : rng.int(301));
    const data = rng.bytes(rng.int(1001));
    assert.equal(
      toHex(hmacSha384(key, data)),
      createHmac("sha384", key).update(data).digest("hex"),
      `key ${key.length}, data ${data.length}`,
    );
  }
  const big = rng.bytes(150_000);
  const key = rng.bytes(200);
  assert.equal(
    toHex(hmacSha384(key, big)),
    createHmac("sha384", key).update(big).digest("hex"),
  );
});

Deno.test("sha384Stream: node:crypto on random lengths 0..1000 and random chunkings, read in between", () => {
  const rng = new Prng(0x7e57);
  for (let i = 0; i < 300; i++) {
    const data = rng.bytes(rng.int(1001));
    const h = sha384Stream();
    const node = createHash("sha384");
    for (const part of randomSplit(rng, data)) {
      h.update(part);
      node.update(part);
      assert.equal(toHex(h.digest()), node.copy().digest("hex"));
    }
    assert.equal(
      toHex(h.digest()),
      createHash("sha384").update(data).digest("hex"),
    );
  }
  // Two streams interleaved keep separate states.
  const a = sha384Stream(), b = sha384Stream();
  a.update(utf8("a"));
  b.update(utf8("xyz"));
  a.update(utf8("bc"));
  assert.equal(toHex(a.digest()), toHex(sha384(utf8("abc"))));
  assert.equal(toHex(b.digest()), toHex(sha384(utf8("xyz"))));
});

Deno.test("hmacSha384Keyed: node:crypto on random keys, lengths 0..1000 and chunkings; reusable", () => {
  const rng = new Prng(0x4b3d);
  for (let i = 0; i < 150; i++) {
    const key = rng.bytes(rng.int(301));
    const keyed = hmacSha384Keyed(key);
    for (let j = 0; j < 3; j++) {
      const data = rng.bytes(rng.int(1001));
      assert.equal(
        toHex(keyed.mac(randomSplit(rng, data))),
        createHmac("sha384", key).update(data).digest("hex"),
        `key ${key.length}, data ${data.length}`,
      );
    }
    keyed.wipe();
  }
});

Deno.test("hmacSha384Keyed: parts in WASM scratch are hashed in place and left intact", () => {
  const w = getWasm();
  const rng = new Prng(0xa11);
  const key = rng.bytes(32);
  const keyed = hmacSha384Keyed(key);
  for (const n of [0, 1, 100, 300, 5000]) {
    const prefix = rng.bytes(rng.int(400));
    const data = rng.bytes(n);
    w.u8.set(data, w.scratch);
    const view = w.u8.subarray(w.scratch, w.scratch + n);
    const mac = keyed.mac([prefix, view, prefix]);
    assert.deepEqual(view, data, "scratch data untouched");
    const want = createHmac("sha384", key).update(prefix).update(data).update(
      prefix,
    ).digest("hex");
    assert.equal(toHex(mac), want, `scratch view of ${n} bytes`);
  }
  keyed.wipe();
});

Deno.test("HMAC-SHA-384: key, state and pad regions in WASM memory are zero afterwards", () => {
  const w = getWasm();
  const zero = (p: number, n: number) =>
    w.u8.subarray(p, p + n).every((b) => b === 0);
  const key = rep(0xa5, 100);
  hmacSha384(key, utf8("one shot"));
  assert.ok(zero(w.key, 256), "key region after one-shot");
  hmacSha384(rep(0xa5, 200), rep(1, 70_000)); // long key, long data
  assert.ok(zero(w.key, 256), "key region after long key");
  assert.ok(zero(w.state, 264), "state region after long key");
  const keyed = hmacSha384Keyed(key);
  assert.ok(zero(w.key, 256), "key region after keying");
  assert.ok(zero(w.state, 264), "state region after keying");
  w.x.wipe(w.scratch, 64); // earlier public data and MACs (not secrets)
  w.x.wipe(w.out, 64);
  keyed.mac([utf8("salt"), new Uint8Array(4)]);
  assert.ok(zero(w.state, 264), "state region after mac");
  assert.ok(zero(w.scratch, 64), "scratch (message, MAC) after mac");
  assert.ok(zero(w.out, 64), "output region after mac");
  keyed.wipe();
});
