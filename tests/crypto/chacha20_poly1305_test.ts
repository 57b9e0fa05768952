import assert from "node:assert/strict";
import crypto from "node:crypto";
import {
  chacha20,
  ChaCha20Poly1305,
  poly1305,
} from "../../src/wasm/chacha20.ts";
import { getWasm } from "../../src/wasm/mod.ts";
import { fromHex, Prng, rep, toHex, utf8 } from "./_helpers.ts";

// RFC 8439 test vectors: 2.4.2 (ChaCha20 encryption), 2.5.2 (Poly1305), 2.8.2
// (AEAD), A.1 (ChaCha20 block function), A.3 (Poly1305 edge cases).
const SUNSCREEN = utf8(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one " +
    "tip for the future, sunscreen would be it.",
);
const KEY_0_31 = Uint8Array.from({ length: 32 }, (_, i) => i);

Deno.test("ChaCha20: RFC 8439 2.4.2", () => {
  const out = chacha20(
    KEY_0_31,
    fromHex("000000000000004a00000000"),
    1,
    SUNSCREEN,
  );
  assert.equal(
    toHex(out),
    "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b" +
      "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8" +
      "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736" +
      "5af90bbf74a35be6b40b8eedf2785e42874d",
  );
});

Deno.test("ChaCha20: RFC 8439 A.1 test vector 1 (zero key, counter 0)", () => {
  const out = chacha20(new Uint8Array(32), new Uint8Array(12), 0, rep(0, 64));
  assert.equal(
    toHex(out),
    "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7" +
      "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
  );
});

Deno.test("Poly1305: RFC 8439 2.5.2", () => {
  const key = fromHex(
    "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
  );
  assert.equal(
    toHex(poly1305(key, utf8("Cryptographic Forum Research Group"))),
    "a8061dc1305136c6c22b8baf0c0127a9",
  );
});

Deno.test("Poly1305: RFC 8439 A.3 edge cases of the reduction", () => {
  const Z16 = "00".repeat(16);
  const F16 = "ff".repeat(16);
  const r2 = "02" + "00".repeat(15);
  const r1 = "01" + "00".repeat(15);
  const cases: [string, string, string, string][] = [
    ["#1 zero key", "00".repeat(32), "00".repeat(64), Z16],
    ["#5 h = 2^130 - 5 + ...", r2 + Z16, F16, "03" + "00".repeat(15)],
    ["#6 s overflows", r2 + F16, r2, "03" + "00".repeat(15)],
    [
      "#7",
      r1 + Z16,
      F16 + "f0" + "ff".repeat(15) + "11" + "00".repeat(15),
      "05" + "00".repeat(15),
    ],
    ["#8", r1 + Z16, F16 + "fb" + "fe".repeat(15) + "01".repeat(16), Z16],
    ["#9", r2 + Z16, "fd" + "ff".repeat(15), "fa" + "ff".repeat(15)],
    [
      "#10",
      "0100000000000000040000000000000000000000000000000000000000000000",
      "e33594d7505e43b900000000000000003394d7505e4379cd01000000000000000000000000000000000000000000000001000000000000000000000000000000",
      "14000000000000005500000000000000",
    ],
    [
      "#11",
      "0100000000000000040000000000000000000000000000000000000000000000",
      "e33594d7505e43b900000000000000003394d7505e4379cd010000000000000000000000000000000000000000000000",
      "13000000000000000000000000000000",
    ],
  ];
  for (const [name, key, msg, tag] of cases) {
    assert.equal(toHex(poly1305(fromHex(key), fromHex(msg))), tag, name);
  }
});

const AEAD_KEY = fromHex(
  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
);
const AEAD_NONCE = fromHex("070000004041424344454647");
const AEAD_AAD = fromHex("50515253c0c1c2c3c4c5c6c7");
const AEAD_CT =
  "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6" +
  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
  "3ff4def08e4b7a9de576d26586cec64b6116";
const AEAD_TAG = "1ae10b594f09e26a7e902ecbd0600691";

Deno.test("ChaCha20-Poly1305: RFC 8439 2.8.2 seal and open", () => {
  const c = new ChaCha20Poly1305(AEAD_KEY);
  const data = SUNSCREEN.slice();
  const tag = new Uint8Array(16);
  c.encrypt(AEAD_NONCE, AEAD_AAD, data, tag);
  assert.equal(toHex(data), AEAD_CT);
  assert.equal(toHex(tag), AEAD_TAG);
  assert.ok(c.decrypt(AEAD_NONCE, AEAD_AAD, data, tag));
  assert.deepEqual(data, SUNSCREEN);
  c.wipe();
  assert.throws(() => c.encrypt(AEAD_NONCE, AEAD_AAD, data, tag), TypeError);
});

Deno.test("ChaCha20-Poly1305: a wrong tag, AAD, nonce or bit leaves data untouched", () => {
  const c = new ChaCha20Poly1305(AEAD_KEY);
  const ct = fromHex(AEAD_CT);
  const tag = fromHex(AEAD_TAG);
  for (let i = 0; i < tag.length; i++) {
    const t = tag.slice();
    t[i] ^= 1 << (i & 7);
    const d = ct.slice();
    assert.equal(c.decrypt(AEAD_NONCE, AEAD_AAD, d, t), false);
    assert.deepEqual(d, ct);
  }
  for (let i = 0; i < ct.length; i += 7) {
    const d = ct.slice();
    d[i] ^= 0x80;
    assert.equal(c.decrypt(AEAD_NONCE, AEAD_AAD, d, tag), false);
  }
  const aad = AEAD_AAD.slice();
  aad[0] ^= 1;
  assert.equal(c.decrypt(AEAD_NONCE, aad, ct.slice(), tag), false);
  const nonce = AEAD_NONCE.slice();
  nonce[11] ^= 1;
  assert.equal(c.decrypt(nonce, AEAD_AAD, ct.slice(), tag), false);
  assert.throws(() => new ChaCha20Poly1305(new Uint8Array(16)), RangeError);
  assert.throws(
    () => c.decrypt(new Uint8Array(8), AEAD_AAD, ct, tag),
    RangeError,
  );
});

Deno.test("ChaCha20-Poly1305: state wiped from WebAssembly memory after each call", () => {
  const c = new ChaCha20Poly1305(AEAD_KEY);
  c.encrypt(AEAD_NONCE, AEAD_AAD, SUNSCREEN.slice(), new Uint8Array(16));
  const { u8, x } = getWasm();
  const p = x.chachaPtr();
  assert.ok(u8.subarray(p, p + 128).every((b) => b === 0));
});

function nodeSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
): { ct: Uint8Array; tag: Uint8Array } {
  const c = crypto.createCipheriv("chacha20-poly1305", key, nonce, {
    authTagLength: 16,
  });
  c.setAAD(aad, { plaintextLength: pt.length });
  const ct = new Uint8Array(Buffer.concat([c.update(pt), c.final()]));
  return { ct, tag: new Uint8Array(c.getAuthTag()) };
}

Deno.test("ChaCha20-Poly1305: agrees with node:crypto over random lengths", () => {
  const rng = new Prng(0x8439);
  const lengths = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 1000, 16401];
  for (let i = 0; i < 60; i++) lengths.push(rng.int(3000));
  for (const n of lengths) {
    const key = rng.bytes(32);
    const nonce = rng.bytes(12);
    const aad = rng.bytes(rng.int(40));
    const pt = rng.bytes(n);
    const want = nodeSeal(key, nonce, aad, pt);
    const c = new ChaCha20Poly1305(key);
    const data = pt.slice();
    const tag = new Uint8Array(16);
    c.encrypt(nonce, aad, data, tag);
    assert.equal(toHex(data), toHex(want.ct), `ct, n=${n}`);
    assert.equal(toHex(tag), toHex(want.tag), `tag, n=${n}`);
    assert.ok(c.decrypt(nonce, aad, data, tag), `open, n=${n}`);
    assert.deepEqual(data, pt);
  }
});

Deno.test("ChaCha20-Poly1305: inputs larger than the scratch region (chunked)", () => {
  const rng = new Prng(77);
  for (const n of [65536 - 16, 65536, 65537, 200_003]) {
    const key = rng.bytes(32);
    const nonce = rng.bytes(12);
    const aad = rng.bytes(n === 65537 ? 70_000 : 13);
    const pt = rng.bytes(n);
    const want = nodeSeal(key, nonce, aad, pt);
    const c = new ChaCha20Poly1305(key);
    const data = pt.slice();
    const tag = new Uint8Array(16);
    c.encrypt(nonce, aad, data, tag);
    assert.ok(toHex(data) === toHex(want.ct), `ct, n=${n}`);
    assert.equal(toHex(tag), toHex(want.tag), `tag, n=${n}`);
    const bad = tag.slice();
    bad[3] ^= 4;
    const copy = data.slice();
    assert.equal(c.decrypt(nonce, aad, copy, bad), false);
    assert.ok(toHex(copy) === toHex(data));
    assert.ok(c.decrypt(nonce, aad, data, tag));
    assert.ok(toHex(data) === toHex(pt), `pt, n=${n}`);
  }
});

Deno.test("ChaCha20: raw keystream agrees with node:crypto chacha20 at any counter", () => {
  const rng = new Prng(2024);
  for (const n of [1, 64, 100, 1000]) {
    const key = rng.bytes(32);
    const nonce = rng.bytes(12);
    const counter = rng.u32();
    const pt = rng.bytes(n);
    const iv = new Uint8Array(16);
    new DataView(iv.buffer).setUint32(0, counter, true);
    iv.set(nonce, 4);
    const c = crypto.createCipheriv("chacha20", key, iv);
    const want = new Uint8Array(Buffer.concat([c.update(pt), c.final()]));
    // Keep within one counter wrap: node carries into the nonce, RFC 8439 does not.
    if (counter + Math.ceil(n / 64) > 0xffffffff) continue;
    assert.equal(toHex(chacha20(key, nonce, counter, pt)), toHex(want));
  }
});

Deno.test("ChaCha20: the keystream continues across calls split anywhere (scalar and 4-block SIMD paths)", () => {
  const rng = new Prng(8439);
  const key = rng.bytes(32);
  const nonce = rng.bytes(12);
  const pt = rng.bytes(3000);
  const whole = chacha20(key, nonce, 7, pt);
  const { u8, x, scratch } = getWasm();
  const c = x.chachaPtr();
  for (let round = 0; round < 20; round++) {
    u8.set(key, c);
    u8.set(nonce, c + 32);
    u8.set(pt, scratch);
    x.chachaSetCounter(7);
    let at = 0;
    while (at < pt.length) {
      const n = Math.min(pt.length - at, rng.int(round < 10 ? 70 : 700));
      x.chachaXor(scratch + at, n);
      at += n;
    }
    const got = u8.slice(scratch, scratch + pt.length);
    x.wipe(scratch, pt.length);
    x.chachaWipe();
    assert.equal(toHex(got), toHex(whole), `round ${round}`);
  }
});
