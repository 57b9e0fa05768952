// NIST P-256 (secp256r1): y^2 = x^3 - 3x + b over GF(p), in Jacobian
// coordinates (X/Z^2, Y/Z^3; Z = 0 is the point at infinity), over the field
// arithmetic of p256_fe.ts.
//
// Scalar multiplication: k*G by a comb of 4 teeth 64 bits apart over four
// 16-entry affine tables (15 doublings, 64 mixed additions), k*Q by a 4-bit
// fixed window over a 16-entry Jacobian table (252 doublings, 64 additions).
// Table entries are read by masked scans of every entry, and additions absorb
// the point at infinity by masked selects, so the sequence of operations and
// memory addresses depends only on loop counters. The one data-dependent
// branch is the doubling case of an addition (equal inputs), which a fixed
// window over a scalar in [1, n) never reaches and the comb reaches only with
// negligible probability; it keeps the additions complete for verification,
// where u1*G and u2*Q may coincide.
//
// The JS side writes big-endian scalars and coordinates into IO and reads the
// result from it; every export wipes the scalars, the input point and all
// temporaries before it returns (the caller wipes the result).

import { feAdd, feFromBytes, feInv, feMul, feSmul, feSqr, feSub, feToBytes, feZero, zeroMask } from "./p256_fe";

const FE: usize = 32;
const PT: usize = 96;
/** Comb: TABLES tables of 16 entries; entry j of table t = sum over bits i of j of 2^(64 i + ROWS t) G. */
const TABLES: usize = 4;
const ROWS: i32 = 16;

/** I/O: scalar k1 (0..32), scalar k2 (32..64), point x||y (64..128), result x||y (128..192). */
export const P256_IO: usize = memory.data(192, 16);
/** Field element temporaries (25 elements). Wiped after use. */
const W: usize = memory.data(25 * 32, 16);
/** Accumulators and a looked-up point (Jacobian, 96 bytes each). Wiped after use. */
const ACC: usize = memory.data(3 * 96, 16);
/** Multiples 0..15 of the input point (Jacobian); 2^(ROWS s) G while building COMB. Wiped after use. */
const TBL: usize = memory.data(16 * 96, 16);
/** The comb tables of the base point (affine x, y; entry 0 zero). */
const COMB: usize = memory.data(4 * 16 * 64, 16);

const B_FE: usize = memory.data<u32>([
  0x27d2604b, 0x3bce3c3e, 0xcc53b0f6, 0x651d06b0, 0x769886bc, 0xb3ebbd55, 0xaa3a93e7, 0x5ac635d8,
]);
const G_XYZ: usize = memory.data<u32>([
  0xd898c296, 0xf4a13945, 0x2deb33a0, 0x77037d81, 0x63a440f2, 0xf8bce6e5, 0xe12c4247, 0x6b17d1f2,
  0x37bf51f5, 0xcbb64068, 0x6b315ece, 0x2bce3357, 0x7c0f9e16, 0x8ee7eb4a, 0xfe1a7f9b, 0x4fe342e2,
  1, 0, 0, 0, 0, 0, 0, 0,
]);
const ONE: usize = G_XYZ + 64;

// Field temporaries (W slots); doubling reuses the addition's first ones.
const T1: usize = W;
const T2: usize = W + FE;
const Z1Z1: usize = W + 2 * FE;
const Z2Z2: usize = W + 3 * FE;
const U1: usize = W + 4 * FE;
const U2: usize = W + 5 * FE;
const S1: usize = W + 6 * FE;
const S2: usize = W + 7 * FE;
const H: usize = W + 8 * FE;
const R: usize = W + 9 * FE;
const HH: usize = W + 10 * FE;
const HHH: usize = W + 11 * FE;
const V: usize = W + 12 * FE;
const SUM: usize = W + 13 * FE; // a point: 3 elements
const ZI: usize = W + 16 * FE;
const INV: usize = W + 17 * FE; // 8 elements for feInv
const DELTA: usize = Z1Z1;
const GAMMA: usize = Z2Z2;
const BETA: usize = U1;
const ALPHA: usize = U2;

const ACC1: usize = ACC;
const ACC2: usize = ACC + PT;
const LOOK: usize = ACC + 2 * PT;

let tablesReady = false;

/** o = 2p (o may alias p); dbl-2001-b for a = -3, with Z3 = 2 Y Z. */
function pDbl(o: usize, p: usize): void {
  feSqr(DELTA, p + 64);
  feSqr(GAMMA, p + 32);
  feMul(BETA, p, GAMMA);
  feSub(T1, p, DELTA);
  feAdd(T2, p, DELTA);
  feMul(T1, T1, T2);
  feSmul(ALPHA, T1, 3); // 3 (X - delta)(X + delta)
  feMul(T1, p + 32, p + 64);
  feAdd(o + 64, T1, T1); // Z3 = 2 Y Z
  feSmul(BETA, BETA, 4);
  feSqr(T1, ALPHA);
  feAdd(T2, BETA, BETA);
  feSub(o, T1, T2); // X3 = alpha^2 - 8 beta
  feSub(T1, BETA, o);
  feMul(T1, ALPHA, T1);
  feSqr(T2, GAMMA);
  feSmul(T2, T2, 8);
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
  feSqr(Z1Z1, p + 64);
  let u1 = p, s1 = p + 32;
  if (!affine) {
    feSqr(Z2Z2, q + 64);
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
  feSqr(HH, H);
  feMul(HHH, H, HH);
  feMul(V, u1, HH);
  feSqr(T1, R);
  feSub(T1, T1, HHH);
  feAdd(T2, V, V);
  feSub(SUM, T1, T2); // X3 = R^2 - H^3 - 2 V
  feSub(T1, V, SUM);
  feMul(T1, R, T1);
  feMul(T2, s1, HHH);
  feSub(SUM + 32, T1, T2); // Y3 = R (V - X3) - S1 H^3
  feMul(SUM + 64, p + 64, H);
  if (!affine) feMul(SUM + 64, SUM + 64, q + 64); // Z3 = Z1 Z2 H
  const mq = i32x4.splat(pInf);
  const mp = i32x4.splat(~pInf & qInf);
  const ms = i32x4.splat(~pInf & ~qInf);
  for (let i: usize = 0; i < PT; i += 16) {
    const qv = affine && i >= 64 ? v128.andnot(v128.load(ONE + i - 64), i32x4.splat(qInf)) : v128.load(q + i);
    const v = v128.or(v128.and(qv, mq), v128.or(v128.and(v128.load(p + i), mp), v128.and(v128.load(SUM + i), ms)));
    v128.store(o + i, v);
  }
}

/** dst = the entry d (0..15) of a table of 16 entries of `size` bytes, by a masked scan. */
function lookup(dst: usize, tbl: usize, size: usize, d: u32): void {
  for (let i: usize = 0; i < size; i += 16) v128.store(dst + i, i32x4.splat(0));
  for (let j: u32 = 0; j < 16; j++) {
    const mask = i32x4.splat(zeroMask(j ^ d));
    const e = tbl + <usize>j * size;
    for (let i: usize = 0; i < size; i += 16) {
      v128.store(dst + i, v128.or(v128.load(dst + i), v128.and(v128.load(e + i), mask)));
    }
  }
}

/** Affine x, y of Jacobian p (limbs) to dst (64 bytes; zeros for infinity). */
function toAffine(dst: usize, p: usize): void {
  feInv(ZI, p + 64, INV);
  feSqr(T2, ZI);
  feMul(dst, p, T2);
  feMul(T2, T2, ZI);
  feMul(dst + 32, p + 32, T2);
}

/** Affine x, y of Jacobian p as big-endian bytes to dst; false for infinity. */
function toAffineBytes(dst: usize, p: usize): bool {
  toAffine(ACC2, p);
  feToBytes(dst, ACC2);
  feToBytes(dst + 32, ACC2 + 32);
  return feZero(p + 64) == 0;
}

/** Builds the comb tables (once). */
function buildComb(): void {
  memory.copy(TBL, G_XYZ, PT);
  for (let s: usize = 1; s < 4 * TABLES; s++) {
    memory.copy(TBL + s * PT, TBL + (s - 1) * PT, PT);
    for (let i = 0; i < ROWS; i++) pDbl(TBL + s * PT, TBL + s * PT);
  }
  // TBL[s] = 2^(ROWS s) G; bit i of table t stands for s = TABLES i + t.
  for (let t: usize = 0; t < TABLES; t++) {
    const e = COMB + t * 16 * 64;
    for (let j: usize = 1; j < 16; j++) {
      const low = j & (0 - j);
      const base = TBL + (TABLES * <usize>ctz(low) + t) * PT;
      if (j == low) memory.copy(ACC1, base, PT);
      else {
        memory.copy(ACC1, e + (j - low) * 64, 64);
        memory.copy(ACC1 + 64, ONE, 32);
        pAdd(ACC1, ACC1, base, false, 0);
      }
      toAffine(e + j * 64, ACC1);
    }
  }
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
  for (let r = ROWS - 1; r >= 0; r--) {
    if (r != ROWS - 1) pDbl(acc, acc);
    for (let t = 0; t < <i32>TABLES; t++) {
      const b = r + ROWS * t;
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

/** Reads the input point of IO into ACC2 (limbs); false when off the curve or not reduced. */
function loadPoint(): bool {
  const x = ACC2, y = ACC2 + 32;
  if (!feFromBytes(x, P256_IO + 64) || !feFromBytes(y, P256_IO + 96)) return false;
  feSqr(T1, x);
  feMul(T1, T1, x);
  feSmul(T2, x, 3);
  feSub(T1, T1, T2);
  feAdd(T1, T1, B_FE); // x^3 - 3x + b
  feSqr(T2, y);
  feSub(T1, T1, T2);
  return feZero(T1) != 0;
}

function wipeAll(): void {
  memory.fill(P256_IO, 0, 128);
  memory.fill(W, 0, 25 * FE);
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
