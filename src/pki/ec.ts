/**
 * NIST P-256 and P-384 (short Weierstrass, a = -3), point encoding (SEC1
 * 2.3.3/2.3.4), ECDSA (SEC1 4.1, nonces by RFC 6979, hedged with fresh randomness
 * by default) and P-256 ECDH. P-256 point multiplication runs in the project's
 * WebAssembly module (`src/wasm/p256.ts`: masked table scans and selects, no
 * scalar-dependent branches); P-384 uses `BigInt` Jacobian arithmetic, which is
 * not constant-time (see bigint.ts), and so is the `BigInt` scalar arithmetic
 * modulo n of both curves. {@link mulLadder} (P-384 ECDH, `ecdh384.ts`) is a
 * Montgomery ladder with masked swaps: no scalar-dependent branches or table
 * lookups, but still `BigInt` underneath.
 *
 * @module
 */
import { DerError, encodeSequence, TAG_SEQUENCE } from "../der/mod.ts";
import { randomBytes } from "../crypto/mod.ts";
import { constantTimeEqual } from "../util/bytes.ts";
import {
  bigIntToBytes,
  bitLength,
  bytesToBigInt,
  mod,
  modInv,
  modPow,
} from "./bigint.ts";
import { encodeUint, tryScan, uint } from "./asn1.ts";
import { type HashAlg, hmac } from "./hash.ts";
import { p256Mul, p256MulAdd, p256MulBase } from "../wasm/p256.ts";

/** A named curve this module supports. */
export type CurveName = "P-256" | "P-384";

/** Domain parameters of a prime curve y^2 = x^3 - 3x + b. */
export interface Curve {
  /** The name. */
  readonly name: CurveName;
  /** The field prime. */
  readonly p: bigint;
  /** The constant b. */
  readonly b: bigint;
  /** The group order. */
  readonly n: bigint;
  /** The base point x. */
  readonly gx: bigint;
  /** The base point y. */
  readonly gy: bigint;
  /** Field element length in bytes. */
  readonly size: number;
  /** The namedCurve OID. */
  readonly oid: string;
}

/** NIST P-256 (secp256r1). */
export const P256: Curve = Object.freeze({
  name: "P-256",
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  size: 32,
  oid: "1.2.840.10045.3.1.7",
});

/** NIST P-384 (secp384r1). */
export const P384: Curve = Object.freeze({
  name: "P-384",
  p: BigInt(
    "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
  ),
  b: BigInt(
    "0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
  ),
  n: BigInt(
    "0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
  ),
  gx: BigInt(
    "0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
  ),
  gy: BigInt(
    "0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
  ),
  size: 48,
  oid: "1.3.132.0.34",
});

/** The curve named `name`, or undefined. */
export function curveByName(name: string): Curve | undefined {
  return name === "P-256" ? P256 : name === "P-384" ? P384 : undefined;
}

/** The curve whose namedCurve OID is `oid`, or undefined. */
export function curveByOid(oid: string): Curve | undefined {
  return oid === P256.oid ? P256 : oid === P384.oid ? P384 : undefined;
}

/** An affine point (never the point at infinity). */
export interface Point {
  /** x coordinate. */
  x: bigint;
  /** y coordinate. */
  y: bigint;
}

/** Jacobian point [X, Y, Z]; Z = 0 is the point at infinity. */
type Jac = [bigint, bigint, bigint];

/** True when (x, y) is a point of `c` with coordinates in [0, p). */
export function onCurve(c: Curve, x: bigint, y: bigint): boolean {
  const p = c.p;
  if (x < 0n || x >= p || y < 0n || y >= p) return false;
  return mod(y * y - (x * x * x - 3n * x + c.b), p) === 0n;
}

function double(c: Curve, [x1, y1, z1]: Jac): Jac {
  const p = c.p;
  if (z1 === 0n || y1 === 0n) return [0n, 1n, 0n];
  const delta = (z1 * z1) % p;
  const gamma = (y1 * y1) % p;
  const beta = (x1 * gamma) % p;
  const alpha = mod(3n * (x1 - delta) * (x1 + delta), p);
  const x3 = mod(alpha * alpha - 8n * beta, p);
  const z3 = mod((y1 + z1) * (y1 + z1) - gamma - delta, p);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, p);
  return [x3, y3, z3];
}

function add(c: Curve, a: Jac, b: Jac): Jac {
  const p = c.p;
  if (a[2] === 0n) return b;
  if (b[2] === 0n) return a;
  const [x1, y1, z1] = a;
  const [x2, y2, z2] = b;
  const z1z1 = (z1 * z1) % p;
  const z2z2 = (z2 * z2) % p;
  const u1 = (x1 * z2z2) % p;
  const u2 = (x2 * z1z1) % p;
  const s1 = (y1 * z2 * z2z2) % p;
  const s2 = (y2 * z1 * z1z1) % p;
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  if (h === 0n) return r === 0n ? double(c, a) : [0n, 1n, 0n];
  const hh = (h * h) % p;
  const hhh = (h * hh) % p;
  const v = (u1 * hh) % p;
  const x3 = mod(r * r - hhh - 2n * v, p);
  const y3 = mod(r * (v - x3) - s1 * hhh, p);
  const z3 = (z1 * z2 * h) % p;
  return [x3, y3, z3];
}

function toAffine(c: Curve, [x, y, z]: Jac): Point | null {
  if (z === 0n) return null;
  const zi = modInv(z, c.p);
  const zi2 = (zi * zi) % c.p;
  return { x: (x * zi2) % c.p, y: (y * zi2 * zi) % c.p };
}

/** The multiples 0..15 of a point. */
function table(c: Curve, pt: Point): Jac[] {
  const t: Jac[] = [[0n, 1n, 0n], [pt.x, pt.y, 1n]];
  for (let i = 2; i < 16; i++) t.push(add(c, t[i - 1], t[1]));
  return t;
}

const baseTables = new Map<CurveName, Jac[]>();

function baseTable(c: Curve): Jac[] {
  let t = baseTables.get(c.name);
  if (!t) {
    t = table(c, { x: c.gx, y: c.gy });
    baseTables.set(c.name, t);
  }
  return t;
}

/** k1*P1 + k2*P2 (scalars >= 0) with 4-bit windows; null for infinity. */
function mulAdd(
  c: Curve,
  k1: bigint,
  t1: Jac[],
  k2: bigint,
  t2: Jac[],
): Point | null {
  const h1 = k1.toString(16), h2 = k2.toString(16);
  const len = Math.max(h1.length, h2.length);
  const a = h1.padStart(len, "0"), b = h2.padStart(len, "0");
  let r: Jac = [0n, 1n, 0n];
  for (let i = 0; i < len; i++) {
    r = double(c, double(c, double(c, double(c, r))));
    const d1 = parseInt(a[i], 16), d2 = parseInt(b[i], 16);
    if (d1) r = add(c, r, t1[d1]);
    if (d2) r = add(c, r, t2[d2]);
  }
  return toAffine(c, r);
}

/**
 * k*P over `BigInt` for any supported curve (P = G when `pt` is null); null for
 * infinity. The path P-384 takes, and a reference for the P-256 WebAssembly code.
 */
export function mulBigInt(c: Curve, k: bigint, pt: Point | null): Point | null {
  const t = pt ? table(c, pt) : baseTable(c);
  return mulAdd(c, mod(k, c.n), t, 0n, baseTable(c));
}

/** Swaps the coordinates of `a` and `b` when `bit` is 1n, by masks, not a branch. */
function cswap(a: Jac, b: Jac, bit: bigint): void {
  const mask = -bit; // 0n or -1n (all ones)
  for (let j = 0; j < 3; j++) {
    const d = (a[j] ^ b[j]) & mask;
    a[j] ^= d;
    b[j] ^= d;
  }
}

/**
 * k*P over `BigInt` by a Montgomery ladder, for a secret scalar `k` in [1, n): the
 * same sequence of one addition, one doubling and two masked swaps for each of a
 * fixed number of bits (k + n or k + 2n, whichever has bit bitlen(n) set, as in
 * OpenSSL), with no table lookups and no branch on the scalar's bits. Null for
 * infinity (k a multiple of n). The caller checks that `pt` is on the curve.
 *
 * Residual timing: `BigInt` multiplication, reduction and `mod` take time that
 * depends on the operand values, and the addition's special cases (an operand at
 * infinity, equal operands) run only for k near 0 or n.
 */
export function mulLadder(c: Curve, k: bigint, pt: Point): Point | null {
  const bits = BigInt(bitLength(c.n));
  const k1 = mod(k, c.n) + c.n;
  const k2 = k1 + c.n;
  const top = (k1 >> bits) & 1n;
  const kk = k2 ^ ((k1 ^ k2) & -top); // bit `bits` set: bits + 1 bits long
  const r0: Jac = [pt.x, pt.y, 1n];
  const r1: Jac = double(c, r0);
  for (let i = bits - 1n; i >= 0n; i--) {
    const bit = (kk >> i) & 1n;
    cswap(r0, r1, bit);
    const sum = add(c, r0, r1);
    const dbl = double(c, r0);
    r1[0] = sum[0], r1[1] = sum[1], r1[2] = sum[2];
    r0[0] = dbl[0], r0[1] = dbl[1], r0[2] = dbl[2];
    cswap(r0, r1, bit);
  }
  return toAffine(c, r0);
}

/** x || y of an affine P-256 point, 64 bytes. */
function xy(pt: Point): Uint8Array {
  const out = new Uint8Array(64);
  out.set(bigIntToBytes(pt.x, 32));
  out.set(bigIntToBytes(pt.y, 32), 32);
  return out;
}

/** The point of 64 bytes x || y, or null. */
function fromXy(b: Uint8Array | null): Point | null {
  return b
    ? { x: bytesToBigInt(b.subarray(0, 32)), y: bytesToBigInt(b.subarray(32)) }
    : null;
}

/**
 * k*G for the base point G of `c`; null for infinity (k a multiple of n). Its
 * scalars are secret (an ECDSA nonce, a private key): P-256 runs in WebAssembly,
 * P-384 by {@link mulLadder}, not by the windowed tables.
 */
export function mulBase(c: Curve, k: bigint): Point | null {
  if (c.name !== "P-256") return mulLadder(c, k, { x: c.gx, y: c.gy });
  const kb = bigIntToBytes(mod(k, c.n), 32);
  try {
    return fromXy(p256MulBase(kb));
  } finally {
    kb.fill(0);
  }
}

/**
 * k*P for a point P of `c`; null for infinity (and, for P-256, for a P that is not
 * on the curve; for P-384 the caller checks). For ECDH.
 */
export function mulPoint(c: Curve, k: bigint, pt: Point): Point | null {
  if (c.name !== "P-256") return mulBigInt(c, k, pt);
  if (pt.x < 0n || pt.x >= c.p || pt.y < 0n || pt.y >= c.p) return null;
  const kb = bigIntToBytes(mod(k, c.n), 32);
  try {
    return fromXy(p256Mul(kb, xy(pt)));
  } finally {
    kb.fill(0);
  }
}

/**
 * P-256 ECDH (SEC1 3.3.1): the x-coordinate (32 bytes) of `privateScalar` (32
 * big-endian bytes) times the peer's uncompressed public key (65 bytes, 04 || X ||
 * Y); null when the key is malformed or not on the curve, or the product is the
 * point at infinity (a scalar that is a multiple of n). Runs in the WebAssembly
 * module, in time independent of a scalar in [1, n).
 */
export function p256Ecdh(
  privateScalar: Uint8Array,
  peerPublicUncompressed: Uint8Array,
): Uint8Array | null {
  if (!(privateScalar instanceof Uint8Array) || privateScalar.length !== 32) {
    throw new TypeError("P-256 private scalar must be 32 bytes");
  }
  const peer = peerPublicUncompressed;
  if (!(peer instanceof Uint8Array) || peer.length !== 65 || peer[0] !== 4) {
    return null;
  }
  const pt = p256Mul(privateScalar, peer.subarray(1));
  if (!pt) return null;
  const x = pt.slice(0, 32);
  pt.fill(0);
  return x;
}

/** The uncompressed SEC1 encoding 04 || X || Y. */
export function encodePoint(c: Curve, pt: Point): Uint8Array {
  const out = new Uint8Array(1 + 2 * c.size);
  out[0] = 4;
  out.set(bigIntToBytes(pt.x, c.size), 1);
  out.set(bigIntToBytes(pt.y, c.size), 1 + c.size);
  return out;
}

/** A point from its SEC1 encoding (uncompressed or compressed), or null when not on `c`. */
export function decodePoint(c: Curve, b: Uint8Array): Point | null {
  if (b.length === 1 + 2 * c.size && b[0] === 4) {
    const x = bytesToBigInt(b.subarray(1, 1 + c.size));
    const y = bytesToBigInt(b.subarray(1 + c.size));
    return onCurve(c, x, y) ? { x, y } : null;
  }
  if (b.length === 1 + c.size && (b[0] === 2 || b[0] === 3)) {
    const x = bytesToBigInt(b.subarray(1));
    if (x >= c.p) return null;
    // p = 3 mod 4 for both curves: sqrt(a) = a^((p+1)/4).
    const rhs = mod(x * x * x - 3n * x + c.b, c.p);
    let y = modPow(rhs, (c.p + 1n) / 4n, c.p);
    if ((y * y) % c.p !== rhs) return null;
    if (Number(y & 1n) !== (b[0] & 1)) y = mod(-y, c.p);
    return onCurve(c, x, y) ? { x, y } : null;
  }
  return null;
}

/** The leftmost bitlen(n) bits of a digest as an integer (SEC1 4.1.3 step 5). */
function bits2int(c: Curve, h: Uint8Array): bigint {
  const v = bytesToBigInt(h);
  const excess = h.length * 8 - bitLength(c.n);
  return excess > 0 ? v >> BigInt(excess) : v;
}

/** The DER ECDSA-Sig-Value of (r, s). */
export function encodeEcdsaSig(r: bigint, s: bigint): Uint8Array {
  return encodeSequence([encodeUint(r), encodeUint(s)]);
}

/**
 * (r, s) from a strict DER ECDSA-Sig-Value, or null. Strict: the bytes must be the
 * one DER encoding of (r, s), so lengths written in a longer form than needed (which
 * the shared scanner reads) do not give one signature several encodings.
 */
export function decodeEcdsaSig(
  sig: Uint8Array,
): { r: bigint; s: bigint } | null {
  const t = tryScan(sig);
  if (!t) return null;
  try {
    t.expect(0, TAG_SEQUENCE, "ECDSA-Sig-Value");
    const ri = t.firstChild(0);
    const si = t.nextSibling(ri);
    if (si < 0 || t.nextSibling(si) >= 0) return null;
    const r = uint(t, ri, "r", 528);
    const s = uint(t, si, "s", 528);
    return constantTimeEqual(encodeEcdsaSig(r, s), sig) ? { r, s } : null;
  } catch (e) {
    if (e instanceof DerError) return null;
    throw e;
  }
}

/** ECDSA verification of DER `sig` over `data` hashed with `h`; false on any problem. */
export function ecdsaVerify(
  c: Curve,
  q: Point,
  h: HashAlg,
  data: Uint8Array,
  sig: Uint8Array,
): boolean {
  const rs = decodeEcdsaSig(sig);
  if (!rs || !onCurve(c, q.x, q.y)) return false;
  const { r, s } = rs;
  if (r < 1n || r >= c.n || s < 1n || s >= c.n) return false;
  const e = bits2int(c, h.hash(data));
  const w = modInv(s, c.n);
  const u1 = (e * w) % c.n, u2 = (r * w) % c.n;
  if (c.name === "P-256") {
    const x = p256MulAdd(bigIntToBytes(u1, 32), bigIntToBytes(u2, 32), xy(q));
    return x !== null && bytesToBigInt(x) % c.n === r;
  }
  const pt = mulAdd(c, u1, baseTable(c), u2, table(c, q));
  return pt !== null && pt.x % c.n === r;
}

/**
 * ECDSA signature (DER) of `data` hashed with `h` under private scalar `d`. The nonce
 * follows RFC 6979 with `extra` as its additional input k' (section 3.6): random by
 * default (hedged), empty for the deterministic nonces of the RFC's vectors.
 */
export function ecdsaSign(
  c: Curve,
  d: bigint,
  h: HashAlg,
  data: Uint8Array,
  extra: Uint8Array = randomBytes(32),
): Uint8Array {
  if (d < 1n || d >= c.n) {
    throw new RangeError("ECDSA private key out of range");
  }
  const hash = h.hash(data);
  const e = bits2int(c, hash);
  const rlen = Math.ceil(bitLength(c.n) / 8);
  const x = bigIntToBytes(d, rlen);
  const h1 = bigIntToBytes(e % c.n, rlen);
  let V: Uint8Array = new Uint8Array(h.size).fill(1);
  let K: Uint8Array = new Uint8Array(h.size);
  const seed = (tag: number) =>
    Uint8Array.from([...V, tag, ...x, ...h1, ...extra]);
  K = hmac(h, K, seed(0));
  V = hmac(h, K, V);
  K = hmac(h, K, seed(1));
  V = hmac(h, K, V);
  for (;;) {
    const t = new Uint8Array(Math.ceil(rlen / h.size) * h.size);
    for (let o = 0; o < rlen; o += h.size) {
      V = hmac(h, K, V);
      t.set(V, o);
    }
    const k = bits2int(c, t.subarray(0, rlen));
    if (k >= 1n && k < c.n) {
      const pt = mulBase(c, k);
      const r = pt ? pt.x % c.n : 0n;
      const s = (modInv(k, c.n) * (e + r * d)) % c.n;
      if (r !== 0n && s !== 0n) return encodeEcdsaSig(r, s);
    }
    K = hmac(h, K, Uint8Array.from([...V, 0]));
    V = hmac(h, K, V);
  }
}
