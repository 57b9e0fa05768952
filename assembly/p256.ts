// NIST P-256 (secp256r1): y^2 = x^3 - 3x + b over GF(p), p = 2^256 - 2^224 +
// 2^192 + 2^96 - 1, in Jacobian coordinates (Z = 0 is the point at infinity).
//
// A field element is eight little-endian u32 limbs (32 bytes), always fully
// reduced to [0, p). Multiplication is a row-wise 8x8 schoolbook product in
// u64 accumulators followed by the NIST fast reduction (FIPS 186-4 D.2.3) with
// signed i64 word sums; addition and subtraction end in masked corrections.
// Inversion is Fermat's little theorem with a fixed addition chain.
//
// Scalar multiplication: k*G by a comb of 8 teeth over two 16-entry affine
// tables (31 doublings, 64 mixed additions), k*P by a 4-bit fixed window over
// a 16-entry Jacobian table. Table entries are read by masked scans of every
// entry, and additions absorb the point at infinity by masked selects, so the
// sequence of operations and memory addresses depends only on loop counters.
// The one data-dependent branch is the doubling case of an addition (equal
// inputs), which a fixed window over a scalar in [1, n) never reaches and the
// comb reaches only with negligible probability; it keeps the additions
// complete for verification, where u1*G and u2*Q may coincide.
//
// The JS side writes big-endian scalars and coordinates into IO and reads the
// result from it; every export wipes the scalars, the input point and all
// temporaries before it returns (the caller wipes the result).

/** I/O: scalar k1 (0..32), scalar k2 (32..64), point x||y (64..128), result x||y (128..192). */
export const P256_IO: usize = memory.data(192, 16);
/** Field element temporaries (32 elements). Wiped after use. */
const W: usize = memory.data(32 * 32, 16);
/** Accumulators and a looked-up point (Jacobian, 96 bytes each). Wiped after use. */
const ACC: usize = memory.data(3 * 96, 16);
/** Multiples 0..15 of the input point (Jacobian). Wiped after use. */
const TBL: usize = memory.data(16 * 96, 16);
/** Comb tables of the base point: two times 16 affine points (entry 0 unused). */
const COMB: usize = memory.data(2 * 16 * 64, 16);
/** 2^(32 s) G for s = 0..7 (Jacobian), to build COMB. */
const BASE: usize = memory.data(8 * 96, 16);

const P_LIMBS: usize = memory.data<u32>([0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 1, 0xffffffff]);
const B_FE: usize = memory.data<u32>([
  0x27d2604b, 0x3bce3c3e, 0xcc53b0f6, 0x651d06b0, 0x769886bc, 0xb3ebbd55, 0xaa3a93e7, 0x5ac635d8,
]);
const G_XY: usize = memory.data<u32>([
  0xd898c296, 0xf4a13945, 0x2deb33a0, 0x77037d81, 0x63a440f2, 0xf8bce6e5, 0xe12c4247, 0x6b17d1f2,
  0x37bf51f5, 0xcbb64068, 0x6b315ece, 0x2bce3357, 0x7c0f9e16, 0x8ee7eb4a, 0xfe1a7f9b, 0x4fe342e2,
  1, 0, 0, 0, 0, 0, 0, 0,
]);
const ONE: usize = G_XY + 64;

const FE: usize = 32;
const PT: usize = 96;
const M: u64 = 0xffffffff;

// Field temporaries (W slots).
const T1: usize = W;
const T2: usize = W + FE;
const T3: usize = W + 2 * FE;
const Z1Z1: usize = W + 3 * FE;
const Z2Z2: usize = W + 4 * FE;
const U1: usize = W + 5 * FE;
const U2: usize = W + 6 * FE;
const S1: usize = W + 7 * FE;
const S2: usize = W + 8 * FE;
const H: usize = W + 9 * FE;
const R: usize = W + 10 * FE;
const HH: usize = W + 11 * FE;
const HHH: usize = W + 12 * FE;
const V: usize = W + 13 * FE;
const SUM: usize = W + 14 * FE; // a point: 3 elements
const DELTA: usize = W + 17 * FE;
const GAMMA: usize = W + 18 * FE;
const BETA: usize = W + 19 * FE;
const ALPHA: usize = W + 20 * FE;
const I2: usize = W + 21 * FE; // inversion: x2, x3, x6, x12, x15, x30, x32, t
const I3: usize = W + 22 * FE;
const I6: usize = W + 23 * FE;
const I12: usize = W + 24 * FE;
const I15: usize = W + 25 * FE;
const I30: usize = W + 26 * FE;
const I32: usize = W + 27 * FE;
const IT: usize = W + 28 * FE;
const ZI: usize = W + 29 * FE;
const ZI2: usize = W + 30 * FE;
const DIFF: usize = W + 31 * FE;

const ACC1: usize = ACC;
const ACC2: usize = ACC + PT;
const LOOK: usize = ACC + 2 * PT;

let tablesReady = false;

// ---- field arithmetic -------------------------------------------------------

// @ts-ignore: decorator
@inline function limb(f: usize, i: usize): u64 {
  return <u64>load<u32>(f + (i << 2));
}

/** All ones when `x` is zero, else zero. */
// @ts-ignore: decorator
@inline function zeroMask(x: u32): u32 {
  return ((x | (0 - x)) >> 31) - 1;
}

/** Writes h - p to DIFF and keeps it in h when hi * 2^256 + h >= p (hi is 0 or 1). */
function condSubP(h: usize, hi: i64): void {
  let b: i64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    const t = <i64>limb(h, i) - <i64>limb(P_LIMBS, i) + b;
    store<u32>(DIFF + (i << 2), <u32>t);
    b = t >> 32;
  }
  const keep = <u32>((hi + b) >> 63); // all ones when h < p
  for (let i: usize = 0; i < 8; i++) {
    const o = i << 2;
    store<u32>(h + o, (load<u32>(h + o) & keep) | (load<u32>(DIFF + o) & ~keep));
  }
}

/** h = f + g. */
function feAdd(h: usize, f: usize, g: usize): void {
  let c: u64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    const t = limb(f, i) + limb(g, i) + c;
    store<u32>(h + (i << 2), <u32>t);
    c = t >> 32;
  }
  condSubP(h, <i64>c);
}

/** h = f - g. */
function feSub(h: usize, f: usize, g: usize): void {
  let b: i64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    const t = <i64>limb(f, i) - <i64>limb(g, i) + b;
    store<u32>(h + (i << 2), <u32>t);
    b = t >> 32;
  }
  const mask = <u64>b; // all ones when f < g: add p back
  let c: u64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    const t = limb(h, i) + (limb(P_LIMBS, i) & mask) + c;
    store<u32>(h + (i << 2), <u32>t);
    c = t >> 32;
  }
}

/** Folds signed word sums w0..w7 (plus carries) into [0, p) and stores them at h. */
// @ts-ignore: decorator
@inline function reduceStore(
  h: usize, w0: i64, w1: i64, w2: i64, w3: i64, w4: i64, w5: i64, w6: i64, w7: i64,
): void {
  const m: i64 = 0xffffffff;
  let t: i64;
  // 2^256 = 2^224 - 2^192 - 2^96 + 1 (mod p): fold the top carry twice.
  w1 += w0 >> 32; w0 &= m; w2 += w1 >> 32; w1 &= m; w3 += w2 >> 32; w2 &= m; w4 += w3 >> 32; w3 &= m;
  w5 += w4 >> 32; w4 &= m; w6 += w5 >> 32; w5 &= m; w7 += w6 >> 32; w6 &= m; t = w7 >> 32; w7 &= m;
  w0 += t; w3 -= t; w6 -= t; w7 += t;
  w1 += w0 >> 32; w0 &= m; w2 += w1 >> 32; w1 &= m; w3 += w2 >> 32; w2 &= m; w4 += w3 >> 32; w3 &= m;
  w5 += w4 >> 32; w4 &= m; w6 += w5 >> 32; w5 &= m; w7 += w6 >> 32; w6 &= m; t = w7 >> 32; w7 &= m;
  w0 += t; w3 -= t; w6 -= t; w7 += t;
  w1 += w0 >> 32; w0 &= m; w2 += w1 >> 32; w1 &= m; w3 += w2 >> 32; w2 &= m; w4 += w3 >> 32; w3 &= m;
  w5 += w4 >> 32; w4 &= m; w6 += w5 >> 32; w5 &= m; w7 += w6 >> 32; w6 &= m;
  store<u32>(h, <u32>w0); store<u32>(h, <u32>w1, 4); store<u32>(h, <u32>w2, 8); store<u32>(h, <u32>w3, 12);
  store<u32>(h, <u32>w4, 16); store<u32>(h, <u32>w5, 20); store<u32>(h, <u32>w6, 24); store<u32>(h, <u32>w7, 28);
  condSubP(h, 0);
}

/** h = f * g (h may alias f or g). */
function feMul(h: usize, f: usize, g: usize): void {
  const a0 = limb(f, 0), a1 = limb(f, 1), a2 = limb(f, 2), a3 = limb(f, 3);
  const a4 = limb(f, 4), a5 = limb(f, 5), a6 = limb(f, 6), a7 = limb(f, 7);
  const b0 = limb(g, 0), b1 = limb(g, 1), b2 = limb(g, 2), b3 = limb(g, 3);
  const b4 = limb(g, 4), b5 = limb(g, 5), b6 = limb(g, 6), b7 = limb(g, 7);
  let r0: u64, r1: u64, r2: u64, r3: u64, r4: u64, r5: u64, r6: u64, r7: u64;
  let r8: u64, r9: u64, r10: u64, r11: u64, r12: u64, r13: u64, r14: u64, r15: u64;
  let t: u64, c: u64 = 0;
  t = a0 * b0 + c; r0 = t & M; c = t >> 32; t = a0 * b1 + c; r1 = t & M; c = t >> 32;
  t = a0 * b2 + c; r2 = t & M; c = t >> 32; t = a0 * b3 + c; r3 = t & M; c = t >> 32;
  t = a0 * b4 + c; r4 = t & M; c = t >> 32; t = a0 * b5 + c; r5 = t & M; c = t >> 32;
  t = a0 * b6 + c; r6 = t & M; c = t >> 32; t = a0 * b7 + c; r7 = t & M; c = t >> 32;
  r8 = c; c = 0;
  t = a1 * b0 + r1 + c; r1 = t & M; c = t >> 32; t = a1 * b1 + r2 + c; r2 = t & M; c = t >> 32;
  t = a1 * b2 + r3 + c; r3 = t & M; c = t >> 32; t = a1 * b3 + r4 + c; r4 = t & M; c = t >> 32;
  t = a1 * b4 + r5 + c; r5 = t & M; c = t >> 32; t = a1 * b5 + r6 + c; r6 = t & M; c = t >> 32;
  t = a1 * b6 + r7 + c; r7 = t & M; c = t >> 32; t = a1 * b7 + r8 + c; r8 = t & M; c = t >> 32;
  r9 = c; c = 0;
  t = a2 * b0 + r2 + c; r2 = t & M; c = t >> 32; t = a2 * b1 + r3 + c; r3 = t & M; c = t >> 32;
  t = a2 * b2 + r4 + c; r4 = t & M; c = t >> 32; t = a2 * b3 + r5 + c; r5 = t & M; c = t >> 32;
  t = a2 * b4 + r6 + c; r6 = t & M; c = t >> 32; t = a2 * b5 + r7 + c; r7 = t & M; c = t >> 32;
  t = a2 * b6 + r8 + c; r8 = t & M; c = t >> 32; t = a2 * b7 + r9 + c; r9 = t & M; c = t >> 32;
  r10 = c; c = 0;
  t = a3 * b0 + r3 + c; r3 = t & M; c = t >> 32; t = a3 * b1 + r4 + c; r4 = t & M; c = t >> 32;
  t = a3 * b2 + r5 + c; r5 = t & M; c = t >> 32; t = a3 * b3 + r6 + c; r6 = t & M; c = t >> 32;
  t = a3 * b4 + r7 + c; r7 = t & M; c = t >> 32; t = a3 * b5 + r8 + c; r8 = t & M; c = t >> 32;
  t = a3 * b6 + r9 + c; r9 = t & M; c = t >> 32; t = a3 * b7 + r10 + c; r10 = t & M; c = t >> 32;
  r11 = c; c = 0;
  t = a4 * b0 + r4 + c; r4 = t & M; c = t >> 32; t = a4 * b1 + r5 + c; r5 = t & M; c = t >> 32;
  t = a4 * b2 + r6 + c; r6 = t & M; c = t >> 32; t = a4 * b3 + r7 + c; r7 = t & M; c = t >> 32;
  t = a4 * b4 + r8 + c; r8 = t & M; c = t >> 32; t = a4 * b5 + r9 + c; r9 = t & M; c = t >> 32;
  t = a4 * b6 + r10 + c; r10 = t & M; c = t >> 32; t = a4 * b7 + r11 + c; r11 = t & M; c = t >> 32;
  r12 = c; c = 0;
  t = a5 * b0 + r5 + c; r5 = t & M; c = t >> 32; t = a5 * b1 + r6 + c; r6 = t & M; c = t >> 32;
  t = a5 * b2 + r7 + c; r7 = t & M; c = t >> 32; t = a5 * b3 + r8 + c; r8 = t & M; c = t >> 32;
  t = a5 * b4 + r9 + c; r9 = t & M; c = t >> 32; t = a5 * b5 + r10 + c; r10 = t & M; c = t >> 32;
  t = a5 * b6 + r11 + c; r11 = t & M; c = t >> 32; t = a5 * b7 + r12 + c; r12 = t & M; c = t >> 32;
  r13 = c; c = 0;
  t = a6 * b0 + r6 + c; r6 = t & M; c = t >> 32; t = a6 * b1 + r7 + c; r7 = t & M; c = t >> 32;
  t = a6 * b2 + r8 + c; r8 = t & M; c = t >> 32; t = a6 * b3 + r9 + c; r9 = t & M; c = t >> 32;
  t = a6 * b4 + r10 + c; r10 = t & M; c = t >> 32; t = a6 * b5 + r11 + c; r11 = t & M; c = t >> 32;
  t = a6 * b6 + r12 + c; r12 = t & M; c = t >> 32; t = a6 * b7 + r13 + c; r13 = t & M; c = t >> 32;
  r14 = c; c = 0;
  t = a7 * b0 + r7 + c; r7 = t & M; c = t >> 32; t = a7 * b1 + r8 + c; r8 = t & M; c = t >> 32;
  t = a7 * b2 + r9 + c; r9 = t & M; c = t >> 32; t = a7 * b3 + r10 + c; r10 = t & M; c = t >> 32;
  t = a7 * b4 + r11 + c; r11 = t & M; c = t >> 32; t = a7 * b5 + r12 + c; r12 = t & M; c = t >> 32;
  t = a7 * b6 + r13 + c; r13 = t & M; c = t >> 32; t = a7 * b7 + r14 + c; r14 = t & M; c = t >> 32;
  r15 = c; c = 0;
  // FIPS 186-4 D.2.3: s1 + 2 s2 + 2 s3 + s4 + s5 - s6 - s7 - s8 - s9, word by word.
  const c0 = <i64>r0, c1 = <i64>r1, c2 = <i64>r2, c3 = <i64>r3, c4 = <i64>r4, c5 = <i64>r5;
  const c6 = <i64>r6, c7 = <i64>r7, c8 = <i64>r8, c9 = <i64>r9, c10 = <i64>r10, c11 = <i64>r11;
  const c12 = <i64>r12, c13 = <i64>r13, c14 = <i64>r14, c15 = <i64>r15;
  reduceStore(h,
    c0 + c8 + c9 - c11 - c12 - c13 - c14,
    c1 + c9 + c10 - c12 - c13 - c14 - c15,
    c2 + c10 + c11 - c13 - c14 - c15,
    c3 + 2 * (c11 + c12) + c13 - c15 - c8 - c9,
    c4 + 2 * (c12 + c13) + c14 - c9 - c10,
    c5 + 2 * (c13 + c14) + c15 - c10 - c11,
    c6 + c13 + 3 * c14 + 2 * c15 - c8 - c9,
    c7 + 3 * c15 + c8 - c10 - c11 - c12 - c13,
  );
}

/** h = f^(2^n), n >= 1. */
function feSqrN(h: usize, f: usize, n: i32): void {
  feMul(h, f, f);
  for (let i = 1; i < n; i++) feMul(h, h, h);
}

/** h = 1/z = z^(p - 2) (0 for 0), by a fixed addition chain. */
function feInv(h: usize, z: usize): void {
  feSqrN(I2, z, 1); feMul(I2, I2, z); // 2 ones
  feSqrN(I3, I2, 1); feMul(I3, I3, z);
  feSqrN(I6, I3, 3); feMul(I6, I6, I3);
  feSqrN(I12, I6, 6); feMul(I12, I12, I6);
  feSqrN(I15, I12, 3); feMul(I15, I15, I3);
  feSqrN(I30, I15, 15); feMul(I30, I30, I15);
  feSqrN(I32, I30, 2); feMul(I32, I32, I2);
  // p - 2 = ffffffff 00000001 (96 zero bits) ffffffff ffffffff fffffffd
  feSqrN(IT, I32, 32); feMul(IT, IT, z);
  feSqrN(IT, IT, 128); feMul(IT, IT, I32);
  feSqrN(IT, IT, 32); feMul(IT, IT, I32);
  feSqrN(IT, IT, 30); feMul(IT, IT, I30);
  feSqrN(IT, IT, 2); feMul(h, IT, z);
}

/** All ones when f is zero. */
function feZero(f: usize): u32 {
  let x: u32 = 0;
  for (let i: usize = 0; i < 8; i++) x |= load<u32>(f + (i << 2));
  return zeroMask(x);
}

/** Reads a big-endian 32-byte value at `s` into f; true when it is below p. */
function feFromBytes(f: usize, s: usize): bool {
  for (let i: usize = 0; i < 8; i++) store<u32>(f + (i << 2), bswap<u32>(load<u32>(s + 28 - (i << 2))));
  let b: i64 = 0;
  for (let i: usize = 0; i < 8; i++) b = (<i64>limb(f, i) - <i64>limb(P_LIMBS, i) + b) >> 32;
  return b != 0;
}

function feToBytes(s: usize, f: usize): void {
  for (let i: usize = 0; i < 8; i++) store<u32>(s + 28 - (i << 2), bswap<u32>(load<u32>(f + (i << 2))));
}

// ---- points -------------------------------------------------------------------

/** o = 2p (o may alias p); dbl-2001-b for a = -3. */
function pDbl(o: usize, p: usize): void {
  feMul(DELTA, p + 64, p + 64);
  feMul(GAMMA, p + 32, p + 32);
  feMul(BETA, p, GAMMA);
  feSub(T1, p, DELTA);
  feAdd(T2, p, DELTA);
  feMul(T1, T1, T2);
  feAdd(ALPHA, T1, T1);
  feAdd(ALPHA, ALPHA, T1); // 3 (x - delta)(x + delta)
  feAdd(T1, p + 32, p + 64);
  feMul(T1, T1, T1);
  feSub(T1, T1, GAMMA);
  feSub(o + 64, T1, DELTA); // Z3 = (Y + Z)^2 - gamma - delta
  feAdd(BETA, BETA, BETA);
  feAdd(BETA, BETA, BETA); // 4 beta
  feMul(T1, ALPHA, ALPHA);
  feAdd(T2, BETA, BETA);
  feSub(o, T1, T2); // X3 = alpha^2 - 8 beta
  feSub(T1, BETA, o);
  feMul(T1, ALPHA, T1);
  feMul(T2, GAMMA, GAMMA);
  feAdd(T2, T2, T2);
  feAdd(T2, T2, T2);
  feAdd(T2, T2, T2);
  feSub(o + 32, T1, T2); // Y3 = alpha (4 beta - X3) - 8 gamma^2
}

/**
 * o = p + q (o may alias p). q is affine (x, y at q, q + 32) when `affine`, and
 * then `qInf` (all ones or zero) says whether it stands for infinity; otherwise
 * q is Jacobian and its Z decides.
 */
function pAdd(o: usize, p: usize, q: usize, affine: bool, qInf: u32): void {
  const pInf = feZero(p + 64);
  if (!affine) qInf = feZero(q + 64);
  feMul(Z1Z1, p + 64, p + 64);
  let u1 = p, s1 = p + 32;
  if (!affine) {
    feMul(Z2Z2, q + 64, q + 64);
    feMul(U1, p, Z2Z2);
    feMul(S1, p + 32, q + 64);
    feMul(S1, S1, Z2Z2);
    u1 = U1;
    s1 = S1;
  }
  feMul(U2, q, Z1Z1);
  feMul(S2, q + 32, p + 64);
  feMul(S2, S2, Z1Z1);
  feSub(H, U2, u1);
  feSub(R, S2, s1);
  if ((feZero(H) & feZero(R) & ~pInf & ~qInf) != 0) {
    pDbl(o, p); // p == q: see the header
    return;
  }
  feMul(HH, H, H);
  feMul(HHH, H, HH);
  feMul(V, u1, HH);
  feMul(T1, R, R);
  feSub(T1, T1, HHH);
  feAdd(T2, V, V);
  feSub(SUM, T1, T2); // X3 = R^2 - H^3 - 2 V
  feSub(T1, V, SUM);
  feMul(T1, R, T1);
  feMul(T2, s1, HHH);
  feSub(SUM + 32, T1, T2); // Y3 = R (V - X3) - S1 H^3
  feMul(SUM + 64, p + 64, H);
  if (!affine) feMul(SUM + 64, SUM + 64, q + 64); // Z3 = Z1 Z2 H
  for (let i: usize = 0; i < 24; i++) {
    const a = i << 2;
    const qv = affine && i >= 16 ? load<u32>(ONE + a - 64) : load<u32>(q + a);
    const v = (qv & pInf) | (load<u32>(p + a) & ~pInf & qInf) | (load<u32>(SUM + a) & ~pInf & ~qInf);
    store<u32>(o + a, v);
  }
}

/** dst = the entry d (0..15) of a table of 16 entries of `size` bytes, by a masked scan. */
function lookup(dst: usize, tbl: usize, size: usize, d: u32): void {
  memory.fill(dst, 0, size);
  for (let j: u32 = 0; j < 16; j++) {
    const mask = <u64>zeroMask(j ^ d) * 0x100000001;
    const e = tbl + <usize>j * size;
    for (let i: usize = 0; i < size; i += 8) store<u64>(dst + i, load<u64>(dst + i) | (load<u64>(e + i) & mask));
  }
}

/** Affine x, y of Jacobian p to `dst` as big-endian bytes; false for infinity. */
function toAffineBytes(dst: usize, p: usize): bool {
  feInv(ZI, p + 64);
  feMul(ZI2, ZI, ZI);
  feMul(T1, p, ZI2);
  feToBytes(dst, T1);
  feMul(ZI2, ZI2, ZI);
  feMul(T1, p + 32, ZI2);
  feToBytes(dst + 32, T1);
  return feZero(p + 64) == 0;
}

/** Affine x, y of Jacobian p (not infinity) as limbs to `dst` (64 bytes). */
function toAffine(dst: usize, p: usize): void {
  feInv(ZI, p + 64);
  feMul(ZI2, ZI, ZI);
  feMul(dst, p, ZI2);
  feMul(ZI2, ZI2, ZI);
  feMul(dst + 32, p + 32, ZI2);
}

/** Builds the two comb tables: entry j of table t is sum over bits i of j of 2^(64 i + 32 t) G. */
function buildComb(): void {
  memory.copy(BASE, G_XY, 96);
  for (let s: usize = 1; s < 8; s++) {
    memory.copy(BASE + s * PT, BASE + (s - 1) * PT, PT);
    for (let i = 0; i < 32; i++) pDbl(BASE + s * PT, BASE + s * PT);
  }
  for (let t: usize = 0; t < 2; t++) {
    for (let j: usize = 1; j < 16; j++) {
      const low = j & (0 - j);
      const base = BASE + ((<usize>ctz(low) << 1) + t) * PT;
      if (j == low) memory.copy(TBL + j * PT, base, PT);
      else pAdd(TBL + j * PT, TBL + (j - low) * PT, base, false, 0);
      toAffine(COMB + (t * 16 + j) * 64, TBL + j * PT);
    }
  }
  memory.fill(TBL, 0, 16 * PT);
  tablesReady = true;
}

// @ts-ignore: decorator
@inline function bit(k: usize, b: i32): u32 {
  return (<u32>load<u8>(k + 31 - <usize>(b >> 3)) >> <u32>(b & 7)) & 1;
}

/** acc = k G for the big-endian scalar at k, by the comb. */
function mulBase(acc: usize, k: usize): void {
  if (!tablesReady) buildComb();
  memory.fill(acc, 0, PT);
  for (let i = 31; i >= 0; i--) {
    if (i != 31) pDbl(acc, acc);
    for (let t = 0; t < 2; t++) {
      const b = i + 32 * t;
      const d = bit(k, b) | (bit(k, b + 64) << 1) | (bit(k, b + 128) << 2) | (bit(k, b + 192) << 3);
      lookup(LOOK, COMB + <usize>t * 16 * 64, 64, d);
      pAdd(acc, acc, LOOK, true, zeroMask(d));
    }
  }
}

/** Fills TBL with 0..15 times the affine point (limbs) at q. */
function buildTable(q: usize): void {
  memory.fill(TBL, 0, PT);
  memory.copy(TBL + PT, q, 64);
  memory.copy(TBL + PT + 64, ONE, 32);
  pDbl(TBL + 2 * PT, TBL + PT);
  for (let j: usize = 3; j < 16; j++) pAdd(TBL + j * PT, TBL + (j - 1) * PT, TBL + PT, false, 0);
}

/** acc = k Q for the big-endian scalar at k and the table TBL of Q, by a 4-bit fixed window. */
function mulTable(acc: usize, k: usize): void {
  memory.fill(acc, 0, PT);
  for (let w = 63; w >= 0; w--) {
    if (w != 63) for (let i = 0; i < 4; i++) pDbl(acc, acc);
    const d = (<u32>load<u8>(k + 31 - <usize>(w >> 1)) >> (<u32>(w & 1) << 2)) & 15;
    lookup(LOOK, TBL, PT, d);
    pAdd(acc, acc, LOOK, false, 0);
  }
}

/** Reads the input point of IO into LOOK (limbs); false when off the curve or not reduced. */
function loadPoint(): bool {
  const x = ACC2, y = ACC2 + 32;
  if (!feFromBytes(x, P256_IO + 64) || !feFromBytes(y, P256_IO + 96)) return false;
  feMul(T1, x, x);
  feMul(T1, T1, x);
  feAdd(T2, x, x);
  feAdd(T2, T2, x);
  feSub(T1, T1, T2);
  feAdd(T1, T1, B_FE); // x^3 - 3x + b
  feMul(T2, y, y);
  feSub(T1, T1, T2);
  return feZero(T1) != 0;
}

function wipeAll(): void {
  memory.fill(P256_IO, 0, 128);
  memory.fill(W, 0, 32 * FE);
  memory.fill(ACC, 0, 3 * PT);
  memory.fill(TBL, 0, 16 * PT);
}

/** k1 G (k1 at IO+0) to IO+128; false (zeros) for infinity. */
export function p256MulBase(): bool {
  mulBase(ACC1, P256_IO);
  const ok = toAffineBytes(P256_IO + 128, ACC1);
  wipeAll();
  return ok;
}

/** k1 Q (k1 at IO+0, Q at IO+64) to IO+128; false for an invalid Q or infinity. */
export function p256Mul(): bool {
  let ok = loadPoint();
  if (ok) {
    buildTable(ACC2);
    mulTable(ACC1, P256_IO);
    ok = toAffineBytes(P256_IO + 128, ACC1);
  }
  wipeAll();
  return ok;
}

/** k1 G + k2 Q (k1 at IO+0, k2 at IO+32, Q at IO+64) to IO+128; false for an invalid Q or infinity. */
export function p256MulAdd(): bool {
  let ok = loadPoint();
  if (ok) {
    buildTable(ACC2);
    mulTable(ACC2, P256_IO + 32);
    mulBase(ACC1, P256_IO);
    pAdd(ACC1, ACC1, ACC2, false, 0);
    ok = toAffineBytes(P256_IO + 128, ACC1);
  }
  wipeAll();
  return ok;
}
