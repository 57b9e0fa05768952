import assert from "node:assert/strict";
import crypto from "node:crypto";
import { x25519, x25519PublicKey } from "../../src/wasm/x25519.ts";
import { getWasm } from "../../src/wasm/mod.ts";
import { fromHex, Prng, toHex } from "./_helpers.ts";

Deno.test("x25519: RFC 7748 section 5.2 test vectors", () => {
  const vectors: [string, string, string][] = [
    [
      "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
      "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
      "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    ],
    [
      "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
      "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
      "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
    ],
  ];
  for (const [k, u, out] of vectors) {
    assert.equal(toHex(x25519(fromHex(k), fromHex(u))), out);
  }
});

Deno.test("x25519: RFC 7748 section 5.2 iterated (1 and 1,000 rounds)", () => {
  let k: Uint8Array = new Uint8Array(32);
  k[0] = 9;
  let u: Uint8Array = k.slice();
  for (let i = 1; i <= 1000; i++) {
    const r = x25519(k, u);
    u = k;
    k = r;
    if (i === 1) {
      assert.equal(
        toHex(k),
        "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
      );
    }
  }
  assert.equal(
    toHex(k),
    "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
  );
});

Deno.test("x25519: RFC 7748 section 6.1 Diffie-Hellman", () => {
  const aPriv = fromHex(
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
  );
  const bPriv = fromHex(
    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
  );
  const aPub = x25519PublicKey(aPriv);
  const bPub = x25519PublicKey(bPriv);
  assert.equal(
    toHex(aPub),
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
  );
  assert.equal(
    toHex(bPub),
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
  );
  const shared =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  assert.equal(toHex(x25519(aPriv, bPub)), shared);
  assert.equal(toHex(x25519(bPriv, aPub)), shared);
});

const PKCS8 = fromHex("302e020100300506032b656e04220420");
const SPKI = fromHex("302a300506032b656e032100");

function nodePrivate(k: Uint8Array): crypto.KeyObject {
  return crypto.createPrivateKey({
    key: Buffer.concat([PKCS8, k]),
    format: "der",
    type: "pkcs8",
  });
}

function nodePublic(u: Uint8Array): crypto.KeyObject {
  return crypto.createPublicKey({
    key: Buffer.concat([SPKI, u]),
    format: "der",
    type: "spki",
  });
}

Deno.test("x25519: random keys agree with node:crypto", () => {
  for (let i = 0; i < 64; i++) {
    const a = new Uint8Array(crypto.randomBytes(32));
    const b = new Uint8Array(crypto.randomBytes(32));
    const aPub = x25519PublicKey(a);
    const nodeA = nodePrivate(a);
    const nodeAPub = crypto.createPublicKey(nodeA).export({
      format: "der",
      type: "spki",
    });
    assert.equal(toHex(aPub), toHex(new Uint8Array(nodeAPub).subarray(12)));
    const bPub = x25519PublicKey(b);
    const expected = crypto.diffieHellman({
      privateKey: nodeA,
      publicKey: nodePublic(bPub),
    });
    assert.equal(toHex(x25519(a, bPub)), toHex(new Uint8Array(expected)));
    assert.equal(toHex(x25519(b, aPub)), toHex(new Uint8Array(expected)));
  }
});

/** Node's X25519, or all zeros where OpenSSL refuses an all-zero result. */
function nodeX25519(k: Uint8Array, u: Uint8Array): string {
  try {
    return toHex(
      new Uint8Array(crypto.diffieHellman({
        privateKey: nodePrivate(k),
        publicKey: nodePublic(u),
      })),
    );
  } catch {
    return toHex(new Uint8Array(32));
  }
}

Deno.test("x25519: arbitrary u-coordinates agree with node:crypto", () => {
  const rng = new Prng(25519);
  for (let i = 0; i < 64; i++) {
    const k = rng.bytes(32);
    const u = rng.bytes(32); // top bit set half of the time
    assert.equal(toHex(x25519(k, u)), nodeX25519(k, u));
  }
});

Deno.test("x25519: top bit ignored, non-canonical u reduced mod p", () => {
  const rng = new Prng(255);
  const le = (n: bigint) => {
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 255n);
    return out;
  };
  const p = (1n << 255n) - 19n;
  for (let i = 0n; i < 19n; i++) {
    const k = rng.bytes(32);
    const canonical = x25519(k, le(i));
    assert.deepEqual(x25519(k, le(p + i)), canonical, `p + ${i}`);
    assert.deepEqual(x25519(k, le(p + i + (1n << 255n))), canonical);
    assert.equal(toHex(x25519(k, le(p + i))), nodeX25519(k, le(p + i)));
  }
  for (const n of [p - 1n, p - 2n, (1n << 254n) + 12345n]) {
    const k = rng.bytes(32);
    assert.deepEqual(x25519(k, le(n + (1n << 255n))), x25519(k, le(n)));
    assert.equal(toHex(x25519(k, le(n))), nodeX25519(k, le(n)));
  }
});

Deno.test("x25519: small-order points give all-zero output", () => {
  const k = new Prng(7).bytes(32);
  const small = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  ];
  for (const u of small) {
    assert.deepEqual(x25519(k, fromHex(u)), new Uint8Array(32));
  }
});

Deno.test("x25519: clamping, input preservation and wiping", () => {
  const rng = new Prng(99);
  const k = rng.bytes(32);
  const u = x25519PublicKey(rng.bytes(32));
  const kCopy = k.slice();
  const uCopy = u.slice();
  const r = x25519(k, u);
  assert.deepEqual(k, kCopy, "scalar must not be modified");
  assert.deepEqual(u, uCopy, "u must not be modified");
  // Clamped bits do not matter.
  const k2 = k.slice();
  k2[0] ^= 7;
  k2[31] ^= 0x80;
  k2[31] |= 0x40;
  assert.deepEqual(x25519(k2, u), r);
  const { u8, x } = getWasm();
  const io = x.x25519Ptr();
  assert.deepEqual(u8.subarray(io, io + 96), new Uint8Array(96));
});

Deno.test("x25519: wrong lengths throw TypeError", () => {
  const k = new Uint8Array(32);
  assert.throws(() => x25519(new Uint8Array(31), k), TypeError);
  assert.throws(() => x25519(k, new Uint8Array(33)), TypeError);
  assert.throws(() => x25519PublicKey(new Uint8Array(0)), TypeError);
});

Deno.test("x25519: subarray inputs", () => {
  const rng = new Prng(3);
  const big = rng.bytes(100);
  const k = big.subarray(5, 37);
  const u = x25519PublicKey(big.subarray(40, 72));
  const buf = new Uint8Array(64);
  buf.set(u, 17);
  assert.deepEqual(x25519(k, buf.subarray(17, 49)), x25519(k.slice(), u));
});
