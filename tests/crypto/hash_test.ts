import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { md4, md5, sha1, sha256 } from "../../src/crypto/mod.ts";
import { Prng, randomSplit, rep, toHex, utf8 } from "./_helpers.ts";

Deno.test("md4: RFC 1320 appendix A.5", () => {
  const vectors: [string, string][] = [
    ["", "31d6cfe0d16ae931b73c59d7e0c089c0"],
    ["a", "bde52cb31de33e46245e05fbdbd6fb24"],
    ["abc", "a448017aaf21d8525fc10ae87aa6729d"],
    ["message digest", "d9130a8164549fe818874806e1c7014b"],
    ["abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"],
    [
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
      "043f8582f241db351ce627e153e7f0e4",
    ],
    [
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "e33b4ddc9c38f2199c3e7b164fcc0536",
    ],
  ];
  for (const [msg, want] of vectors) {
    assert.equal(toHex(md4(utf8(msg))), want, msg);
  }
});

Deno.test("md5: RFC 1321 appendix A.5", () => {
  const vectors: [string, string][] = [
    ["", "d41d8cd98f00b204e9800998ecf8427e"],
    ["a", "0cc175b9c0f1b6a831c399e269772661"],
    ["abc", "900150983cd24fb0d6963f7d28e17f72"],
    ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
    ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
    [
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
      "d174ab98d277d9f5a5611c2c9f419d9f",
    ],
    [
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "57edf4a22be3c955ac49da2e2107b67a",
    ],
  ];
  for (const [msg, want] of vectors) {
    assert.equal(toHex(md5(utf8(msg))), want, msg);
  }
});

const M448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

Deno.test("sha1: FIPS 180 examples", () => {
  assert.equal(
    toHex(sha1(utf8("abc"))),
    "a9993e364706816aba3e25717850c26c9cd0d89d",
  );
  assert.equal(
    toHex(sha1(utf8(M448))),
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
  );
  assert.equal(
    toHex(sha1(rep(0x61, 1_000_000))),
    "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
  );
  assert.equal(
    toHex(sha1(new Uint8Array(0))),
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
  );
});

Deno.test("sha256: FIPS 180 examples", () => {
  assert.equal(
    toHex(sha256(utf8("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    toHex(sha256(utf8(M448))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  assert.equal(
    toHex(sha256(rep(0x61, 1_000_000))),
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  );
  assert.equal(
    toHex(sha256(new Uint8Array(0))),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

Deno.test("hashes: a million 'a' streamed in uneven pieces", () => {
  const a = rep(0x61, 1_000_000);
  const h = sha1.create();
  const m = md5.create();
  let step = 1;
  for (let off = 0; off < a.length; off += step) {
    step = step > 70000 ? 1 : step * 3 + 1;
    h.update(a.subarray(off, off + step));
    m.update(a.subarray(off, off + step));
  }
  assert.equal(toHex(h.digest()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  assert.equal(toHex(m.digest()), "7707d6ae4e027c70eea2a935c2296f21");
});

Deno.test("hashes: outputLen and blockLen", () => {
  for (
    const [fn, out] of [[md4, 16], [md5, 16], [sha1, 20], [sha256, 32]] as const
  ) {
    assert.equal(fn.outputLen, out);
    assert.equal(fn.blockLen, 64);
    const h = fn.create();
    assert.equal(h.outputLen, out);
    assert.equal(h.blockLen, 64);
  }
});

Deno.test("hashes: every length 0..4096 and random splits match node:crypto", () => {
  const rng = new Prng(0x5eed);
  const data = rng.bytes(4096);
  const algs = [["md4", md4], ["md5", md5], ["sha1", sha1], [
    "sha256",
    sha256,
  ]] as const;
  for (let len = 0; len <= 4096; len++) {
    const m = data.subarray(0, len);
    for (const [name, fn] of algs) {
      const want = createHash(name).update(m).digest("hex");
      assert.equal(toHex(fn(m)), want, `${name} one-shot len=${len}`);
      const h = fn.create();
      for (const part of randomSplit(rng, m)) h.update(part);
      assert.equal(toHex(h.digest()), want, `${name} streaming len=${len}`);
    }
  }
});

Deno.test("hashes: inputs crossing the 64 KiB chunk size match node:crypto", () => {
  const rng = new Prng(7);
  const data = rng.bytes(200_000);
  for (const len of [65535, 65536, 65537, 131071, 131072, 131137, 200_000]) {
    const m = data.subarray(0, len);
    for (
      const [name, fn] of [["md4", md4], ["md5", md5], ["sha1", sha1], [
        "sha256",
        sha256,
      ]] as const
    ) {
      const want = createHash(name).update(m).digest("hex");
      assert.equal(toHex(fn(m)), want, `${name} len=${len}`);
      const h = fn.create();
      for (const part of randomSplit(rng, m)) h.update(part);
      assert.equal(toHex(h.digest()), want, `${name} streaming len=${len}`);
    }
  }
});

Deno.test("hashes: interleaved streaming objects keep separate state; clone forks", () => {
  const a = md5.create().update(utf8("hello "));
  const b = sha256.create().update(utf8("other"));
  const c = a.clone();
  a.update(utf8("world"));
  c.update(utf8("there"));
  b.update(utf8(" data"));
  assert.equal(
    toHex(a.digest()),
    createHash("md5").update("hello world").digest("hex"),
  );
  assert.equal(
    toHex(c.digest()),
    createHash("md5").update("hello there").digest("hex"),
  );
  assert.equal(
    toHex(b.digest()),
    createHash("sha256").update("other data").digest("hex"),
  );
});

Deno.test("hashes: subarray views with offsets are hashed correctly", () => {
  const buf = new Uint8Array(1000).map((_, i) => i * 7);
  const view = buf.subarray(13, 913);
  assert.equal(toHex(md5(view)), createHash("md5").update(view).digest("hex"));
});

Deno.test("hashes: NT hash of 'Password' (MS-NLMP 4.2.2.1.2)", () => {
  const pw = new Uint8Array(
    Uint16Array.from("Password", (c) => c.charCodeAt(0)).buffer,
  );
  assert.equal(toHex(md4(pw)), "a4f49c406510bdcab6824ee7c30fd852");
});
