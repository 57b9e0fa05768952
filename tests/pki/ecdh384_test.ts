/**
 * P-384 ECDH (src/pki/ecdh384.ts): RFC 5903 section 8.2's known answer, the
 * Montgomery ladder against the windowed `BigInt` multiplication (edge scalars
 * included), agreement with OpenSSL (`openssl pkeyutl -derive` and node:crypto),
 * and the peer point checks (length, form, off the curve, coordinates >= p).
 */
import assert from "node:assert/strict";
import { createECDH } from "node:crypto";
import { mulBigInt, mulLadder, P384, type Point } from "../../src/pki/ec.ts";
import {
  p384Ecdh,
  p384KeyPair,
  p384PeerPoint,
  p384PublicKey,
} from "../../src/pki/mod.ts";
import { bigIntToBytes, bytesToBigInt, modPow } from "../../src/pki/bigint.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";

const P = P384.p;
const N = P384.n;
const be = (v: bigint) => bigIntToBytes(v, 48);
const G: Point = { x: P384.gx, y: P384.gy };
const enc = (x: bigint, y: bigint) => new Uint8Array([4, ...be(x), ...be(y)]);

// RFC 5903 section 8.2 (384-bit Random ECP Group): i, g^i, r, g^r, g^ir.
const I =
  "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896783ab194";
const GI = "04" +
  "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa" +
  "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c";
const R =
  "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc";
const GR = "04" +
  "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571" +
  "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c";
const GIR =
  "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a270f59746";

Deno.test("p384 ECDH: RFC 5903 8.2 known answer, both sides", () => {
  assert.equal(toHex(p384PublicKey(fromHex(I))), GI);
  assert.equal(toHex(p384PublicKey(fromHex(R))), GR);
  assert.equal(toHex(p384Ecdh(fromHex(I), fromHex(GR))!), GIR);
  assert.equal(toHex(p384Ecdh(fromHex(R), fromHex(GI))!), GIR);
});

Deno.test("p384 ladder: agrees with the windowed BigInt multiplication, edge scalars too", () => {
  const q = mulBigInt(P384, 0x1234567n, null)!;
  const scalars = [
    1n,
    2n,
    3n,
    (1n << 190n) - 1n, // k + n < 2^384: the k + 2n branch
    N - 1n,
    N - 2n,
    N - 3n,
    (1n << 383n) + 5n,
    bytesToBigInt(fromHex(I)),
  ];
  for (const k of scalars) {
    for (const pt of [G, q]) {
      assert.deepEqual(mulLadder(P384, k, pt), mulBigInt(P384, k, pt), `${k}`);
    }
  }
  assert.equal(mulLadder(P384, N, G), null);
  assert.equal(mulLadder(P384, 0n, G), null);
});

Deno.test("p384 ECDH: random keys agree with node:crypto (OpenSSL)", () => {
  for (let i = 0; i < 4; i++) {
    const ours = p384KeyPair();
    assert.equal(ours.secret.length, 48);
    assert.equal(ours.publicKey.length, 97);
    const theirs = createECDH("secp384r1");
    theirs.generateKeys();
    const z = p384Ecdh(ours.secret, new Uint8Array(theirs.getPublicKey()))!;
    assert.equal(
      toHex(z),
      theirs.computeSecret(ours.publicKey).toString("hex"),
    );
  }
});

/** SubjectPublicKeyInfo DER of a P-384 uncompressed point. */
function spki(pub: Uint8Array): Uint8Array {
  const head = fromHex(
    "3076301006072a8648ce3d020106052b81040022036200",
  );
  return new Uint8Array([...head, ...pub]);
}

async function openssl(args: string[]): Promise<Uint8Array> {
  const out = await new Deno.Command("openssl", { args, stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(
      `openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return out.stdout;
}

Deno.test("p384 ECDH: random keys agree with openssl pkeyutl -derive", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (let i = 0; i < 3; i++) {
      const key = `${dir}/k${i}.pem`, peer = `${dir}/peer${i}.der`;
      await openssl([
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-out",
        key,
      ]);
      const theirPub = (await openssl([
        "pkey",
        "-in",
        key,
        "-pubout",
        "-outform",
        "DER",
      ])).slice(-97);
      const ours = p384KeyPair();
      await Deno.writeFile(peer, spki(ours.publicKey));
      const z = await openssl([
        "pkeyutl",
        "-derive",
        "-inkey",
        key,
        "-peerkey",
        peer,
        "-peerform",
        "DER",
      ]);
      assert.equal(toHex(p384Ecdh(ours.secret, theirPub)!), toHex(z));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A point whose x is below 2^384 - p, so that x + p still fits in 48 bytes. */
function smallXPoint(): Point {
  for (let x = 1n;; x++) {
    const rhs = ((x * x * x - 3n * x + P384.b) % P + P) % P;
    const y = modPow(rhs, (P + 1n) / 4n, P);
    if ((y * y) % P === rhs) return { x, y };
  }
}

Deno.test("p384 ECDH: malformed and invalid peer points are refused", () => {
  const k = fromHex(I);
  const good = fromHex(GR);
  const small = smallXPoint();
  // The small point itself is fine: only its x + p twin must be refused.
  assert.ok(p384Ecdh(k, enc(small.x, small.y)));
  const bad: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["infinity (00)", Uint8Array.of(0)],
    ["96 bytes", good.subarray(0, 96)],
    ["98 bytes", Uint8Array.from([...good, 0])],
    ["no 04 prefix", good.subarray(1)],
    ["compressed", Uint8Array.from([2, ...good.subarray(1, 49)])],
    ["02 prefix, 97 bytes", Uint8Array.from([2, ...good.subarray(1)])],
    ["(0, 0)", enc(0n, 0n)],
    ["off the curve", enc(P384.gx, P384.gy ^ 1n)],
    ["x = p", enc(P, P384.gy)],
    ["x + p", enc(small.x + P, small.y)],
    ["y + p", enc(small.x, small.y + P < 1n << 384n ? small.y + P : P)],
    ["all ones", Uint8Array.from([4, ...new Uint8Array(96).fill(0xff)])],
  ];
  for (const [what, pub] of bad) {
    assert.equal(p384PeerPoint(pub), null, what);
    assert.equal(p384Ecdh(k, pub), null, what);
  }
  assert.throws(() => p384Ecdh(new Uint8Array(47), good), TypeError);
  assert.throws(() => p384Ecdh(be(0n), good), TypeError);
  assert.throws(() => p384Ecdh(be(N), good), TypeError);
  assert.throws(() => p384PublicKey(be(N + 1n)), TypeError);
});
