import assert from "node:assert/strict";
import crypto from "node:crypto";
import { AesGcm } from "../../src/wasm/gcm.ts";
import { getWasm } from "../../src/wasm/mod.ts";
import { fromHex, Prng, toHex } from "./_helpers.ts";

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases
// 1-4 (AES-128) and 13-16 (AES-256), all with 96-bit IVs; and one NIST CAVS
// vector (gcmEncryptExtIV128.rsp, PTlen 0, AADlen 128, count 0).
const P64 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const P60 = P64.slice(0, 120);
const A20 = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const K128 = "feffe9928665731c6d6a8f9467308308";
const IV = "cafebabefacedbaddecaf888";
const C128 =
  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";
const C256 =
  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
const Z12 = "000000000000000000000000";
const Z16 = "00000000000000000000000000000000";

/** key, iv, aad, plaintext, ciphertext, tag */
const VECTORS: [string, string, string, string, string, string, string][] = [
  ["TC1", Z16, Z12, "", "", "", "58e2fccefa7e3061367f1d57a4e7455a"],
  [
    "TC2",
    Z16,
    Z12,
    "",
    Z16,
    "0388dace60b6a392f328c2b971b2fe78",
    "ab6e47d42cec13bdf53a67b21257bddf",
  ],
  ["TC3", K128, IV, "", P64, C128, "4d5c2af327cd64a62cf35abd2ba6fab4"],
  [
    "TC4",
    K128,
    IV,
    A20,
    P60,
    C128.slice(0, 120),
    "5bc94fbc3221a5db94fae95ae7121a47",
  ],
  ["TC13", Z16 + Z16, Z12, "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"],
  [
    "TC14",
    Z16 + Z16,
    Z12,
    "",
    Z16,
    "cea7403d4d606b6e074ec5d3baf39d18",
    "d0d1c8a799996bf0265b98b5d48ab919",
  ],
  ["TC15", K128 + K128, IV, "", P64, C256, "b094dac5d93471bdec1a502270e3cc6c"],
  [
    "TC16",
    K128 + K128,
    IV,
    A20,
    P60,
    C256.slice(0, 120),
    "76fc6ece0f4e1768cddf8853bb2d551b",
  ],
  [
    "CAVS AAD only",
    "77be63708971c4e240d1cb79e8d77feb",
    "e0e00f19fed7ba0136a797f3",
    "7a43ec1d9c0a5a78a0b16533a6213cab",
    "",
    "",
    "209fcc8d3675ed938e9c7166709dd946",
  ],
];

Deno.test("gcm: McGrew-Viega / NIST known answers (AES-128 and AES-256)", () => {
  for (const [name, k, iv, a, p, c, t] of VECTORS) {
    const gcm = new AesGcm(fromHex(k));
    const data = fromHex(p);
    const tag = new Uint8Array(16);
    gcm.encrypt(fromHex(iv), fromHex(a), data, tag);
    assert.equal(toHex(data), c, `${name} ciphertext`);
    assert.equal(toHex(tag), t, `${name} tag`);
    assert.equal(gcm.decrypt(fromHex(iv), fromHex(a), data, tag), true, name);
    assert.equal(toHex(data), p, `${name} plaintext`);
    gcm.wipe();
  }
});

function nodeSeal(
  key: Uint8Array,
  iv: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
): [string, string] {
  const alg = key.length === 16 ? "aes-128-gcm" : "aes-256-gcm";
  const c = crypto.createCipheriv(alg as crypto.CipherGCMTypes, key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return [toHex(ct), toHex(c.getAuthTag())];
}

Deno.test("gcm: random keys, nonces, AAD and sizes agree with node:crypto", () => {
  const rng = new Prng(0x6c6d);
  for (const klen of [16, 32]) {
    for (const n of [0, 1, 15, 16, 17, 255, 1024, 16384 + 17]) {
      for (const alen of [0, 5, 13, 16, 33]) {
        const key = rng.bytes(klen);
        const iv = rng.bytes(12);
        const aad = rng.bytes(alen);
        const pt = rng.bytes(n);
        const [ct, t] = nodeSeal(key, iv, aad, pt);
        const gcm = new AesGcm(key);
        const data = pt.slice();
        const tag = new Uint8Array(16);
        gcm.encrypt(iv, aad, data, tag);
        assert.equal(toHex(data), ct, `klen ${klen} n ${n} aad ${alen}`);
        assert.equal(toHex(tag), t);
        assert.equal(gcm.decrypt(iv, aad, data, tag), true);
        assert.deepEqual(data, pt);
      }
    }
  }
});

function crossCheck(
  rng: Prng,
  klen: number,
  n: number,
  alen: number,
  what: string,
): void {
  const key = rng.bytes(klen);
  const iv = rng.bytes(12);
  const aad = rng.bytes(alen);
  const pt = rng.bytes(n);
  const [ct, t] = nodeSeal(key, iv, aad, pt);
  const gcm = new AesGcm(key);
  const data = pt.slice();
  const tag = new Uint8Array(16);
  gcm.encrypt(iv, aad, data, tag);
  assert.equal(toHex(data), ct, `${what}: klen ${klen} n ${n} aad ${alen}`);
  assert.equal(toHex(tag), t, `${what}: tag, klen ${klen} n ${n} aad ${alen}`);
  assert.equal(gcm.decrypt(iv, aad, data, tag), true);
  assert.deepEqual(data, pt);
  gcm.wipe();
}

Deno.test("gcm: every size 0..200 (AAD 0..70) agrees with node:crypto", () => {
  const rng = new Prng(0x8b1c);
  for (const klen of [16, 32]) {
    for (let n = 0; n <= 200; n++) crossCheck(rng, klen, n, n % 71, "size");
  }
});

Deno.test("gcm: sizes around the 8-block keystream and 4-block GHASH batches", () => {
  const rng = new Prng(0x4d2);
  const sizes = [
    111,
    112,
    113,
    127,
    128,
    129,
    143,
    144,
    145,
    255,
    256,
    257,
    1023,
    1024,
    1025,
    16383,
    16384,
    16385,
    16401,
  ];
  for (const klen of [16, 32]) {
    for (const n of sizes) {
      for (const alen of [0, 13, 63, 64, 65, 200]) {
        crossCheck(rng, klen, n, alen, "batch");
      }
    }
  }
});

Deno.test("gcm: inputs larger than the scratch region are chunked", () => {
  const rng = new Prng(77);
  const size = getWasm().scratchSize;
  const cases: [number, number][] = [
    [size - 5, 5], // just over with the padded AAD
    [size, 0],
    [2 * size + 100, 13],
    [100, size + 1], // large AAD
  ];
  for (const [n, alen] of cases) {
    const key = rng.bytes(32);
    const iv = rng.bytes(12);
    const aad = rng.bytes(alen);
    const pt = rng.bytes(n);
    const [ct, t] = nodeSeal(key, iv, aad, pt);
    const gcm = new AesGcm(key);
    const data = pt.slice();
    const tag = new Uint8Array(16);
    gcm.encrypt(iv, aad, data, tag);
    assert.equal(toHex(data), ct);
    assert.equal(toHex(tag), t);
    const bad = tag.slice();
    bad[15] ^= 1;
    assert.equal(gcm.decrypt(iv, aad, data, bad), false);
    assert.equal(toHex(data), ct, "unchanged after a failed open");
    assert.equal(gcm.decrypt(iv, aad, data, tag), true);
    assert.deepEqual(data, pt);
  }
});

Deno.test("gcm: tampered tag, ciphertext, AAD or nonce fail and leave data unchanged", () => {
  const rng = new Prng(5);
  for (const n of [0, 1, 37, 16384 + 17]) {
    const gcm = new AesGcm(rng.bytes(16));
    const iv = rng.bytes(12);
    const aad = rng.bytes(13);
    const data = rng.bytes(n);
    const tag = new Uint8Array(16);
    gcm.encrypt(iv, aad, data, tag);
    const ct = data.slice();
    for (let bit = 0; bit < 128; bit += 9) {
      const t = tag.slice();
      t[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(gcm.decrypt(iv, aad, data, t), false);
      assert.deepEqual(data, ct);
    }
    if (n > 0) {
      for (const i of [0, n >> 1, n - 1]) {
        data[i] ^= 0x80;
        const tampered = data.slice();
        assert.equal(gcm.decrypt(iv, aad, data, tag), false);
        assert.deepEqual(data, tampered);
        data[i] ^= 0x80;
      }
    }
    for (const i of [0, 12]) {
      const a = aad.slice();
      a[i] ^= 1;
      assert.equal(gcm.decrypt(iv, a, data, tag), false);
      assert.deepEqual(data, ct);
    }
    assert.equal(gcm.decrypt(iv, aad.subarray(0, 12), data, tag), false);
    const iv2 = iv.slice();
    iv2[11] ^= 1;
    assert.equal(gcm.decrypt(iv2, aad, data, tag), false);
    assert.deepEqual(data, ct);
    assert.equal(gcm.decrypt(iv, aad, data, tag), true);
  }
});

Deno.test("gcm: subarray inputs respect byteOffset and leave neighbours alone", () => {
  const rng = new Prng(11);
  const key = rng.bytes(32);
  const iv = rng.bytes(12);
  const pt = rng.bytes(300);
  const aadBytes = rng.bytes(21);
  const [ct, t] = nodeSeal(key, iv, aadBytes, pt);
  const buf = rng.bytes(1000);
  const before = buf.slice();
  const data = buf.subarray(3, 303);
  const tag = buf.subarray(311, 327);
  const aadHost = rng.bytes(64);
  aadHost.set(aadBytes, 7);
  const ivHost = rng.bytes(40);
  ivHost.set(iv, 9);
  data.set(pt);
  const gcm = new AesGcm(key);
  gcm.encrypt(ivHost.subarray(9, 21), aadHost.subarray(7, 28), data, tag);
  assert.equal(toHex(data), ct);
  assert.equal(toHex(tag), t);
  assert.deepEqual(buf.subarray(0, 3), before.subarray(0, 3));
  assert.deepEqual(buf.subarray(303, 311), before.subarray(303, 311));
  assert.deepEqual(buf.subarray(327), before.subarray(327));
  assert.equal(
    gcm.decrypt(ivHost.subarray(9, 21), aadHost.subarray(7, 28), data, tag),
    true,
  );
  assert.deepEqual(data, pt);
  assert.deepEqual(buf.subarray(303, 311), before.subarray(303, 311));
});

Deno.test("gcm: key state wiped from WebAssembly memory after each call", () => {
  const { u8, x, scratch } = getWasm();
  const gcm = new AesGcm(new Prng(1).bytes(32));
  const data = new Prng(2).bytes(100);
  const tag = new Uint8Array(16);
  const iv = new Uint8Array(12);
  gcm.encrypt(iv, new Uint8Array(0), data, tag);
  const ek = x.aesSchedulePtr(0);
  const g = x.gcmPtr();
  const k = x.gcmKeyPtr();
  const ks = x.gcmKeySize();
  assert.deepEqual(u8.subarray(ek, ek + 480), new Uint8Array(480));
  assert.deepEqual(u8.subarray(g, g + 128), new Uint8Array(128));
  assert.deepEqual(u8.subarray(k, k + ks), new Uint8Array(ks));
  assert.equal(gcm.decrypt(iv, new Uint8Array(0), data, tag), true);
  assert.deepEqual(u8.subarray(ek, ek + 480), new Uint8Array(480));
  assert.deepEqual(u8.subarray(g, g + 128), new Uint8Array(128));
  assert.deepEqual(u8.subarray(k, k + ks), new Uint8Array(ks));
  assert.deepEqual(u8.subarray(scratch, scratch + 100), new Uint8Array(100));
});

Deno.test("gcm: argument checks and wipe()", () => {
  assert.throws(() => new AesGcm(new Uint8Array(24)), RangeError);
  const gcm = new AesGcm(new Uint8Array(16));
  const d = new Uint8Array(4);
  const t = new Uint8Array(16);
  assert.throws(
    () => gcm.encrypt(new Uint8Array(16), d, d, t),
    RangeError,
  );
  assert.throws(
    () => gcm.encrypt(new Uint8Array(12), d, d, new Uint8Array(15)),
    RangeError,
  );
  // The key is copied: changing the caller's array afterwards has no effect.
  const key = new Uint8Array(16);
  const g2 = new AesGcm(key);
  key.fill(0xff);
  const data = new Uint8Array(16);
  g2.encrypt(new Uint8Array(12), new Uint8Array(0), data, t);
  assert.equal(toHex(data), "0388dace60b6a392f328c2b971b2fe78");
  gcm.wipe();
  assert.throws(() => gcm.encrypt(new Uint8Array(12), d, d, t), TypeError);
  assert.throws(() => gcm.decrypt(new Uint8Array(12), d, d, t), TypeError);
  gcm.wipe(); // idempotent
});
