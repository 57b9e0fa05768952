import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { hmacMd5, hmacSha1, hmacSha256 } from "../../src/crypto/mod.ts";
import { fromHex, Prng, randomSplit, rep, toHex, utf8 } from "./_helpers.ts";

const KEY25 = fromHex("0102030405060708090a0b0c0d0e0f10111213141516171819");
const LARGE_KEY_MSG = "Test Using Larger Than Block-Size Key - Hash Key First";
const LARGE_BOTH_MSG =
  "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";

Deno.test("hmacMd5: RFC 2202 section 2, all cases", () => {
  const cases: [Uint8Array, Uint8Array, string][] = [
    [rep(0x0b, 16), utf8("Hi There"), "9294727a3638bb1c13f48ef8158bfc9d"],
    [
      utf8("Jefe"),
      utf8("what do ya want for nothing?"),
      "750c783e6ab0b503eaa86e310a5db738",
    ],
    [rep(0xaa, 16), rep(0xdd, 50), "56be34521d144c88dbb8c733f0e8b3f6"],
    [KEY25, rep(0xcd, 50), "697eaf0aca3a3aea3a75164746ffaa79"],
    [
      rep(0x0c, 16),
      utf8("Test With Truncation"),
      "56461ef2342edc00f9bab995690efd4c",
    ],
    [rep(0xaa, 80), utf8(LARGE_KEY_MSG), "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"],
    [rep(0xaa, 80), utf8(LARGE_BOTH_MSG), "6f630fad67cda0ee1fb1f562db3aa53e"],
  ];
  for (const [i, [key, msg, want]] of cases.entries()) {
    assert.equal(toHex(hmacMd5(key, msg)), want, `case ${i + 1}`);
    assert.equal(
      toHex(hmacMd5.create(key).update(msg).digest()),
      want,
      `stream ${i + 1}`,
    );
  }
});

Deno.test("hmacSha1: RFC 2202 section 3, all cases", () => {
  const cases: [Uint8Array, Uint8Array, string][] = [
    [
      rep(0x0b, 20),
      utf8("Hi There"),
      "b617318655057264e28bc0b6fb378c8ef146be00",
    ],
    [
      utf8("Jefe"),
      utf8("what do ya want for nothing?"),
      "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
    ],
    [rep(0xaa, 20), rep(0xdd, 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"],
    [KEY25, rep(0xcd, 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"],
    [
      rep(0x0c, 20),
      utf8("Test With Truncation"),
      "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
    ],
    [
      rep(0xaa, 80),
      utf8(LARGE_KEY_MSG),
      "aa4ae5e15272d00e95705637ce8a3b55ed402112",
    ],
    [
      rep(0xaa, 80),
      utf8(LARGE_BOTH_MSG),
      "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
    ],
  ];
  for (const [i, [key, msg, want]] of cases.entries()) {
    assert.equal(toHex(hmacSha1(key, msg)), want, `case ${i + 1}`);
    assert.equal(
      toHex(hmacSha1.create(key).update(msg).digest()),
      want,
      `stream ${i + 1}`,
    );
  }
});

Deno.test("hmacSha256: RFC 4231 section 4, all cases", () => {
  const cases: [Uint8Array, Uint8Array, string][] = [
    [
      rep(0x0b, 20),
      utf8("Hi There"),
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    ],
    [
      utf8("Jefe"),
      utf8("what do ya want for nothing?"),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ],
    [
      rep(0xaa, 20),
      rep(0xdd, 50),
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    ],
    [
      KEY25,
      rep(0xcd, 50),
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    ],
    // Test case 5 publishes only the first 128 bits.
    [
      rep(0x0c, 20),
      utf8("Test With Truncation"),
      "a3b6167473100ee06e0c796c2955552b",
    ],
    [
      rep(0xaa, 131),
      utf8(LARGE_KEY_MSG),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ],
    [
      rep(0xaa, 131),
      utf8(
        "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
      ),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ],
  ];
  for (const [i, [key, msg, want]] of cases.entries()) {
    const got = toHex(hmacSha256(key, msg)).slice(0, want.length);
    assert.equal(got, want, `case ${i + 1}`);
    const s = toHex(hmacSha256.create(key).update(msg).digest()).slice(
      0,
      want.length,
    );
    assert.equal(s, want, `stream ${i + 1}`);
  }
});

Deno.test("hmac: every length 0..4096, random keys and splits match node:crypto", () => {
  const rng = new Prng(0xac);
  const data = rng.bytes(4096);
  const algs = [["md5", hmacMd5], ["sha1", hmacSha1], [
    "sha256",
    hmacSha256,
  ]] as const;
  for (let len = 0; len <= 4096; len++) {
    const m = data.subarray(0, len);
    // Key lengths around the block size, including 0, 64, 65 and long keys.
    const klen = [0, 1, 16, 63, 64, 65, 200][len % 7];
    const key = rng.bytes(klen);
    for (const [name, fn] of algs) {
      const want = createHmac(name, key).update(m).digest("hex");
      assert.equal(
        toHex(fn(key, m)),
        want,
        `${name} one-shot len=${len} klen=${klen}`,
      );
      const h = fn.create(key);
      for (const part of randomSplit(rng, m)) h.update(part);
      assert.equal(toHex(h.digest()), want, `${name} streaming len=${len}`);
    }
  }
});

Deno.test("hmac: large data and a key larger than 64 KiB match node:crypto", () => {
  const rng = new Prng(99);
  const data = rng.bytes(150_000);
  const bigKey = rng.bytes(70_000);
  for (const key of [rng.bytes(16), bigKey]) {
    for (
      const [name, fn] of [["md5", hmacMd5], ["sha256", hmacSha256]] as const
    ) {
      const want = createHmac(name, key).update(data).digest("hex");
      assert.equal(toHex(fn(key, data)), want, `${name} klen=${key.length}`);
      const h = fn.create(key);
      for (const part of randomSplit(rng, data)) h.update(part);
      assert.equal(toHex(h.digest()), want);
    }
  }
});

Deno.test("hmac: clone forks a keyed state; streams interleave", () => {
  const key = utf8("key");
  const base = hmacMd5.create(key).update(utf8("prefix-"));
  const a = base.clone().update(utf8("a"));
  const other = hmacSha1.create(utf8("k2")).update(utf8("x"));
  const b = base.update(utf8("b"));
  assert.equal(
    toHex(a.digest()),
    createHmac("md5", key).update("prefix-a").digest("hex"),
  );
  assert.equal(
    toHex(b.digest()),
    createHmac("md5", key).update("prefix-b").digest("hex"),
  );
  assert.equal(
    toHex(other.digest()),
    createHmac("sha1", "k2").update("x").digest("hex"),
  );
});

Deno.test("hmacSha384: RFC 4231 case 2, and node:crypto on random keys and data", async () => {
  const { hmacSha384 } = await import("../../src/crypto/_sha512.ts");
  const { createHmac, randomBytes } = await import("node:crypto");
  const hex = (b: Uint8Array) =>
    Array.from(b).map((x) => x.toString(16).padStart(2, "0")).join("");
  const te = new TextEncoder();
  assert.equal(
    hex(
      hmacSha384(te.encode("Jefe"), te.encode("what do ya want for nothing?")),
    ),
    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
  );
  for (
    const [kl, dl] of [[0, 0], [48, 1], [128, 200], [129, 64], [300, 1000]]
  ) {
    const k = new Uint8Array(randomBytes(kl));
    const d = new Uint8Array(randomBytes(dl));
    assert.equal(
      hex(hmacSha384(k, d)),
      createHmac("sha384", k).update(d).digest("hex"),
      `key ${kl}, data ${dl}`,
    );
  }
});

Deno.test("sha384Stream: any chunking, read at any point, equals sha384", async () => {
  const { sha384, sha384Stream } = await import("../../src/crypto/_sha512.ts");
  const data = new Uint8Array(1000).map((_, i) => (i * 31 + 7) & 0xff);
  for (const chunk of [1, 7, 127, 128, 129, 300, 1000]) {
    const h = sha384Stream();
    for (let at = 0; at < data.length; at += chunk) {
      const part = data.subarray(at, Math.min(at + chunk, data.length));
      h.update(part);
      assert.deepEqual(h.digest(), sha384(data.subarray(0, at + part.length)));
    }
  }
  assert.deepEqual(sha384Stream().digest(), sha384(new Uint8Array(0)));
});
