import assert from "node:assert/strict";
import { createECDH } from "node:crypto";
import { p256Mul, p256MulAdd, p256MulBase } from "../../src/wasm/p256.ts";
import { getWasm } from "../../src/wasm/mod.ts";
import {
  decodeEcdsaSig,
  ecdsaSign,
  ecdsaVerify,
  encodeEcdsaSig,
  encodePoint,
  mulBase,
  mulBigInt,
  mulPoint,
  P256,
  type Point,
} from "../../src/pki/ec.ts";
import { p256Ecdh } from "../../src/pki/mod.ts";
import { HASHES } from "../../src/pki/hash.ts";
import { bigIntToBytes, bytesToBigInt } from "../../src/pki/bigint.ts";
import { Prng, toHex } from "./_helpers.ts";

const N = P256.n;
const be = (v: bigint) => bigIntToBytes(v, 32);

/** k*G from OpenSSL (node:crypto ECDH) as x || y hex, for 1 <= k < n. */
function nodeMulBase(k: bigint): string {
  const e = createECDH("prime256v1");
  e.setPrivateKey(be(k));
  return toHex(e.getPublicKey().subarray(1));
}

function randomScalar(rng: Prng): bigint {
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i += 4) {
    new DataView(b.buffer).setUint32(i, rng.u32());
  }
  return bytesToBigInt(b) % N;
}

const xyOf = (p: Point) => new Uint8Array([...be(p.x), ...be(p.y)]);

Deno.test("p256: multiples of G match node:crypto and the BigInt path", () => {
  const ks = [1n, 2n, 3n, 4n, 15n, 16n, 17n, 112233445566778899n];
  ks.push(1n << 16n, (1n << 64n) + 1n, 1n << 255n, N - 2n, N - 1n);
  for (const k of ks) {
    const want = nodeMulBase(k);
    assert.equal(toHex(p256MulBase(be(k))!), want, `k = ${k}`);
    const ref = mulBigInt(P256, k, null)!;
    assert.equal(toHex(xyOf(ref)), want);
    const g = { x: P256.gx, y: P256.gy };
    assert.equal(toHex(p256Mul(be(k), xyOf(g))!), want);
  }
  // Well-known vector: 112233445566778899 G (NIST P-256 point-multiplication list).
  assert.equal(
    toHex(p256MulBase(be(112233445566778899n))!).slice(0, 64),
    "339150844ec15234807fe862a86be77977dbfb3ae3d96f4c22795513aeaab82f",
  );
});

Deno.test("p256: scalar 0 and multiples of n give infinity (null)", () => {
  const g = xyOf({ x: P256.gx, y: P256.gy });
  for (const k of [0n, N]) {
    assert.equal(p256MulBase(be(k)), null);
    assert.equal(p256Mul(be(k), g), null);
  }
  // n + k gives k G: scalars are taken modulo the group order.
  assert.equal(toHex(p256MulBase(be(N + 5n))!), nodeMulBase(5n));
  assert.equal(mulBase(P256, 0n), null);
  assert.equal(mulBase(P256, N), null);
});

Deno.test("p256: random scalars match node:crypto ECDH and the BigInt path", () => {
  const rng = new Prng(0x256);
  for (let i = 0; i < 24; i++) {
    const a = createECDH("prime256v1");
    a.generateKeys();
    const b = createECDH("prime256v1");
    b.generateKeys();
    const aPriv = new Uint8Array(a.getPrivateKey());
    const bPub = new Uint8Array(b.getPublicKey());
    const want = toHex(a.computeSecret(b.getPublicKey()));
    assert.equal(toHex(p256Ecdh(aPriv, bPub)!), want);
    assert.equal(toHex(p256Mul(aPriv, bPub.subarray(1))!).slice(0, 64), want);
    assert.equal(
      toHex(p256MulBase(aPriv)!),
      toHex(new Uint8Array(a.getPublicKey()).subarray(1)),
    );
    const k = randomScalar(rng);
    const q = mulBigInt(P256, randomScalar(rng), null)!;
    assert.deepEqual(mulPoint(P256, k, q), mulBigInt(P256, k, q));
    assert.deepEqual(mulBase(P256, k), mulBigInt(P256, k, null));
  }
});

Deno.test("p256: MulAdd matches u1 G + u2 Q, including equal and opposite terms", () => {
  const rng = new Prng(7);
  for (let i = 0; i < 12; i++) {
    const d = randomScalar(rng), u1 = randomScalar(rng), u2 = randomScalar(rng);
    const q = mulBigInt(P256, d, null)!;
    const want = mulBigInt(P256, (u1 + u2 * d) % N, null)!;
    assert.equal(
      toHex(p256MulAdd(be(u1), be(u2), xyOf(q))!),
      toHex(be(want.x)),
    );
  }
  // Q = G: u1 G + u1 Q doubles (the complete-addition branch); u1 G + (n - u1) Q is infinity.
  const g = xyOf({ x: P256.gx, y: P256.gy });
  const u = 0x1234567n;
  assert.equal(
    toHex(p256MulAdd(be(u), be(u), g)!),
    nodeMulBase(2n * u).slice(0, 64),
  );
  assert.equal(p256MulAdd(be(u), be(N - u), g), null);
  assert.equal(
    toHex(p256MulAdd(be(0n), be(3n), g)!),
    nodeMulBase(3n).slice(0, 64),
  );
});

Deno.test("p256: invalid points are rejected", () => {
  const g = { x: P256.gx, y: P256.gy };
  const k = be(12345n);
  const bad = [
    { x: g.x, y: g.y + 1n }, // off the curve
    { x: 0n, y: 0n },
    { x: g.x + P256.p, y: g.y }, // x >= p (does not fit, see below)
  ];
  for (const pt of bad.slice(0, 2)) {
    assert.equal(p256Mul(k, xyOf(pt)), null);
    assert.equal(p256MulAdd(k, k, xyOf(pt)), null);
    assert.equal(mulPoint(P256, 5n, pt), null);
  }
  // Coordinates >= p: (x + p, y) is "on the curve" modulo p but not reduced.
  const small = mulBigInt(P256, 0x77n, null)!;
  for (const pt of [small, { x: small.x, y: P256.p - small.y }]) {
    if (pt.y + P256.p < 1n << 256n) {
      const b = new Uint8Array([...be(pt.x), ...be(pt.y + P256.p)]);
      assert.equal(p256Mul(k, b), null);
    }
    if (pt.x + P256.p < 1n << 256n) {
      const b = new Uint8Array([...be(pt.x + P256.p), ...be(pt.y)]);
      assert.equal(p256Mul(k, b), null);
    }
  }
  const ff = new Uint8Array(64).fill(0xff);
  assert.equal(p256Mul(k, ff), null);
  // ECDH helper: malformed encodings and off-curve keys.
  const pub = encodePoint(P256, g);
  assert.equal(p256Ecdh(k, pub.subarray(1)), null);
  assert.equal(p256Ecdh(k, Uint8Array.from([2, ...pub.subarray(1, 33)])), null);
  const off = pub.slice();
  off[64] ^= 1;
  assert.equal(p256Ecdh(k, off), null);
  assert.equal(p256Ecdh(be(0n), pub), null);
  assert.equal(p256Ecdh(be(N), pub), null);
  assert.throws(() => p256Ecdh(new Uint8Array(31), pub), TypeError);
  assert.throws(() => p256MulBase(new Uint8Array(33)), TypeError);
});

Deno.test("p256: WebAssembly memory holds no scalar or result after a call", () => {
  const { u8, x } = getWasm();
  const io = x.p256Ptr();
  const a = createECDH("prime256v1");
  a.generateKeys();
  p256Ecdh(new Uint8Array(a.getPrivateKey()), new Uint8Array(a.getPublicKey()));
  p256MulBase(new Uint8Array(a.getPrivateKey()));
  assert.ok(u8.subarray(io, io + 192).every((b) => b === 0));
  const mem = x.memory.buffer.byteLength;
  for (let i = 0; i < 4; i++) p256MulBase(be(BigInt(i + 1)));
  assert.equal(x.memory.buffer.byteLength, mem);
});

const sha256 = HASHES["SHA-256"];
const enc = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s);

/** DER ECDSA-Sig-Value to the raw r || s WebCrypto uses, and back. */
function derToRaw(sig: Uint8Array): Uint8Array<ArrayBuffer> {
  const rs = decodeEcdsaSig(sig)!;
  return new Uint8Array([...be(rs.r), ...be(rs.s)]);
}
function rawToDer(raw: Uint8Array): Uint8Array {
  return encodeEcdsaSig(
    bytesToBigInt(raw.subarray(0, 32)),
    bytesToBigInt(raw.subarray(32)),
  );
}

Deno.test("p256: ECDSA interoperates with WebCrypto both ways", async () => {
  for (let i = 0; i < 6; i++) {
    const kp = await crypto.subtle.generateKey(
      { name: "ECDSA", namedCurve: "P-256" },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey("jwk", kp.privateKey);
    const b64 = (s: string) =>
      bytesToBigInt(Uint8Array.from(
        atob(s.replace(/-/g, "+").replace(/_/g, "/")),
        (c) => c.charCodeAt(0),
      ));
    const d = b64(jwk.d!);
    const q = { x: b64(jwk.x!), y: b64(jwk.y!) };
    assert.deepEqual(mulBase(P256, d), q);
    const msg = enc(`message ${i}`);
    const ours = ecdsaSign(P256, d, sha256, msg);
    const alg = { name: "ECDSA", hash: "SHA-256" };
    assert.ok(
      await crypto.subtle.verify(alg, kp.publicKey, derToRaw(ours), msg),
    );
    const theirs = new Uint8Array(
      await crypto.subtle.sign(alg, kp.privateKey, msg),
    );
    assert.ok(ecdsaVerify(P256, q, sha256, msg, rawToDer(theirs)));
    assert.ok(!ecdsaVerify(P256, q, sha256, enc("other"), rawToDer(theirs)));
    const flipped = theirs.slice();
    flipped[40] ^= 4;
    assert.ok(!ecdsaVerify(P256, q, sha256, msg, rawToDer(flipped)));
  }
});
