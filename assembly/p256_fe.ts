// Field arithmetic modulo the P-256 prime p = 2^256 - 2^224 + 2^192 + 2^96 - 1
// for assembly/p256.ts.
//
// An element is eight little-endian u32 limbs (32 bytes in linear memory),
// always fully reduced to [0, p). Products are column sums of 32x32-bit
// partial products, their low and high halves kept apart in u64 accumulators
// (no carry chain), then reduced by the NIST fast reduction (FIPS 186-4
// D.2.3), which is linear and so takes the unnormalised column sums as they
// are: signed i64 word sums, three carry passes that fold 2^256 = 2^224 -
// 2^192 - 2^96 + 1, and a masked subtraction of p. No branches or addresses
// depend on the values.

/** p as eight little-endian u32 limbs. */
export const P_LIMBS: usize = memory.data<u32>([0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 1, 0xffffffff]);

const M: u64 = 0xffffffff;
const MI: i64 = 0xffffffff;

// @ts-ignore: decorator
@inline function limb(f: usize, i: usize): u64 {
  return <u64>load<u32>(f + (i << 2));
}

/** All ones when `x` is zero, else zero. */
// @ts-ignore: decorator
@inline export function zeroMask(x: u32): u32 {
  return ((x | (0 - x)) >> 31) - 1;
}

/** Stores w (limbs in [0, 2^32)) + hi * 2^256 at h, minus p when that is >= p (< 2p). */
// @ts-ignore: decorator
@inline function finish(
  h: usize, w0: i64, w1: i64, w2: i64, w3: i64, w4: i64, w5: i64, w6: i64, w7: i64, hi: i64,
): void {
  let b: i64;
  let d0 = w0 - MI; b = d0 >> 32; d0 &= MI;
  let d1 = w1 - MI + b; b = d1 >> 32; d1 &= MI;
  let d2 = w2 - MI + b; b = d2 >> 32; d2 &= MI;
  let d3 = w3 + b; b = d3 >> 32; d3 &= MI;
  let d4 = w4 + b; b = d4 >> 32; d4 &= MI;
  let d5 = w5 + b; b = d5 >> 32; d5 &= MI;
  let d6 = w6 - 1 + b; b = d6 >> 32; d6 &= MI;
  let d7 = w7 - MI + b; b = d7 >> 32; d7 &= MI;
  const keep = (hi + b) >> 63; // all ones when the value is below p
  const take = ~keep;
  store<u32>(h, <u32>((w0 & keep) | (d0 & take)));
  store<u32>(h, <u32>((w1 & keep) | (d1 & take)), 4);
  store<u32>(h, <u32>((w2 & keep) | (d2 & take)), 8);
  store<u32>(h, <u32>((w3 & keep) | (d3 & take)), 12);
  store<u32>(h, <u32>((w4 & keep) | (d4 & take)), 16);
  store<u32>(h, <u32>((w5 & keep) | (d5 & take)), 20);
  store<u32>(h, <u32>((w6 & keep) | (d6 & take)), 24);
  store<u32>(h, <u32>((w7 & keep) | (d7 & take)), 28);
}

/** Reduces the signed word sums w (|w| < 2^45) of a value modulo p and stores the result at h. */
// @ts-ignore: decorator
@inline function reduce(
  h: usize, w0: i64, w1: i64, w2: i64, w3: i64, w4: i64, w5: i64, w6: i64, w7: i64,
): void {
  let t: i64;
  // Each pass carries the words and folds the top carry t: 2^256 = 2^224 - 2^192 - 2^96 + 1.
  // After the first fold the value lies in (-2^240, 2^256 + 2^240), after the second in [0, 2^256).
  w1 += w0 >> 32; w0 &= MI; w2 += w1 >> 32; w1 &= MI; w3 += w2 >> 32; w2 &= MI; w4 += w3 >> 32; w3 &= MI;
  w5 += w4 >> 32; w4 &= MI; w6 += w5 >> 32; w5 &= MI; w7 += w6 >> 32; w6 &= MI; t = w7 >> 32; w7 &= MI;
  w0 += t; w3 -= t; w6 -= t; w7 += t;
  w1 += w0 >> 32; w0 &= MI; w2 += w1 >> 32; w1 &= MI; w3 += w2 >> 32; w2 &= MI; w4 += w3 >> 32; w3 &= MI;
  w5 += w4 >> 32; w4 &= MI; w6 += w5 >> 32; w5 &= MI; w7 += w6 >> 32; w6 &= MI; t = w7 >> 32; w7 &= MI;
  w0 += t; w3 -= t; w6 -= t; w7 += t;
  w1 += w0 >> 32; w0 &= MI; w2 += w1 >> 32; w1 &= MI; w3 += w2 >> 32; w2 &= MI; w4 += w3 >> 32; w3 &= MI;
  w5 += w4 >> 32; w4 &= MI; w6 += w5 >> 32; w5 &= MI; w7 += w6 >> 32; w6 &= MI;
  finish(h, w0, w1, w2, w3, w4, w5, w6, w7, 0);
}

/** FIPS 186-4 D.2.3 on column sums c0..c15: s1 + 2 s2 + 2 s3 + s4 + s5 - s6 - s7 - s8 - s9. */
// @ts-ignore: decorator
@inline function nist(
  h: usize, c0: i64, c1: i64, c2: i64, c3: i64, c4: i64, c5: i64, c6: i64, c7: i64,
  c8: i64, c9: i64, c10: i64, c11: i64, c12: i64, c13: i64, c14: i64, c15: i64,
): void {
  reduce(h,
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

/** o = f * g (o may alias f or g). */
export function feMul(o: usize, f: usize, g: usize): void {
  const a0 = limb(f, 0), a1 = limb(f, 1), a2 = limb(f, 2), a3 = limb(f, 3);
  const a4 = limb(f, 4), a5 = limb(f, 5), a6 = limb(f, 6), a7 = limb(f, 7);
  const b0 = limb(g, 0), b1 = limb(g, 1), b2 = limb(g, 2), b3 = limb(g, 3);
  const b4 = limb(g, 4), b5 = limb(g, 5), b6 = limb(g, 6), b7 = limb(g, 7);
  let p: u64, l: u64 = 0, h: u64 = 0, hp: u64 = 0;
  p = a0 * b0; l += p & M; h += p >> 32;
  const c0 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * b1; l += p & M; h += p >> 32; p = a1 * b0; l += p & M; h += p >> 32;
  const c1 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * b2; l += p & M; h += p >> 32; p = a1 * b1; l += p & M; h += p >> 32; p = a2 * b0; l += p & M; h += p >> 32;
  const c2 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * b3; l += p & M; h += p >> 32; p = a1 * b2; l += p & M; h += p >> 32; p = a2 * b1; l += p & M; h += p >> 32;
  p = a3 * b0; l += p & M; h += p >> 32;
  const c3 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * b4; l += p & M; h += p >> 32; p = a1 * b3; l += p & M; h += p >> 32; p = a2 * b2; l += p & M; h += p >> 32;
  p = a3 * b1; l += p & M; h += p >> 32; p = a4 * b0; l += p & M; h += p >> 32;
  const c4 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * b5; l += p & M; h += p >> 32; p = a1 * b4; l += p & M; h += p >> 32; p = a2 * b3; l += p & M; h += p >> 32;
  p = a3 * b2; l += p & M; h += p >> 32; p = a4 * b1; l += p & M; h += p >> 32; p = a5 * b0; l += p & M; h += p >> 32;
  const c5 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * b6; l += p & M; h += p >> 32; p = a1 * b5; l += p & M; h += p >> 32; p = a2 * b4; l += p & M; h += p >> 32;
  p = a3 * b3; l += p & M; h += p >> 32; p = a4 * b2; l += p & M; h += p >> 32; p = a5 * b1; l += p & M; h += p >> 32;
  p = a6 * b0; l += p & M; h += p >> 32;
  const c6 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * b7; l += p & M; h += p >> 32; p = a1 * b6; l += p & M; h += p >> 32; p = a2 * b5; l += p & M; h += p >> 32;
  p = a3 * b4; l += p & M; h += p >> 32; p = a4 * b3; l += p & M; h += p >> 32; p = a5 * b2; l += p & M; h += p >> 32;
  p = a6 * b1; l += p & M; h += p >> 32; p = a7 * b0; l += p & M; h += p >> 32;
  const c7 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a1 * b7; l += p & M; h += p >> 32; p = a2 * b6; l += p & M; h += p >> 32; p = a3 * b5; l += p & M; h += p >> 32;
  p = a4 * b4; l += p & M; h += p >> 32; p = a5 * b3; l += p & M; h += p >> 32; p = a6 * b2; l += p & M; h += p >> 32;
  p = a7 * b1; l += p & M; h += p >> 32;
  const c8 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a2 * b7; l += p & M; h += p >> 32; p = a3 * b6; l += p & M; h += p >> 32; p = a4 * b5; l += p & M; h += p >> 32;
  p = a5 * b4; l += p & M; h += p >> 32; p = a6 * b3; l += p & M; h += p >> 32; p = a7 * b2; l += p & M; h += p >> 32;
  const c9 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a3 * b7; l += p & M; h += p >> 32; p = a4 * b6; l += p & M; h += p >> 32; p = a5 * b5; l += p & M; h += p >> 32;
  p = a6 * b4; l += p & M; h += p >> 32; p = a7 * b3; l += p & M; h += p >> 32;
  const c10 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a4 * b7; l += p & M; h += p >> 32; p = a5 * b6; l += p & M; h += p >> 32; p = a6 * b5; l += p & M; h += p >> 32;
  p = a7 * b4; l += p & M; h += p >> 32;
  const c11 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a5 * b7; l += p & M; h += p >> 32; p = a6 * b6; l += p & M; h += p >> 32; p = a7 * b5; l += p & M; h += p >> 32;
  const c12 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a6 * b7; l += p & M; h += p >> 32; p = a7 * b6; l += p & M; h += p >> 32;
  const c13 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a7 * b7; l += p & M; h += p >> 32;
  const c14 = <i64>(l + hp); hp = h; l = 0; h = 0;
  const c15 = <i64>hp;
  nist(o, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
}

/** o = f^2 (o may alias f). */
export function feSqr(o: usize, f: usize): void {
  const a0 = limb(f, 0), a1 = limb(f, 1), a2 = limb(f, 2), a3 = limb(f, 3);
  const a4 = limb(f, 4), a5 = limb(f, 5), a6 = limb(f, 6), a7 = limb(f, 7);
  let p: u64, l: u64 = 0, h: u64 = 0, hp: u64 = 0;
  l <<= 1; h <<= 1; p = a0 * a0; l += p & M; h += p >> 32;
  const c0 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * a1; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1;
  const c1 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * a2; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1; p = a1 * a1; l += p & M; h += p >> 32;
  const c2 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * a3; l += p & M; h += p >> 32; p = a1 * a2; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1;
  const c3 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * a4; l += p & M; h += p >> 32; p = a1 * a3; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1; p = a2 * a2; l += p & M; h += p >> 32;
  const c4 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * a5; l += p & M; h += p >> 32; p = a1 * a4; l += p & M; h += p >> 32; p = a2 * a3; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1;
  const c5 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * a6; l += p & M; h += p >> 32; p = a1 * a5; l += p & M; h += p >> 32; p = a2 * a4; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1; p = a3 * a3; l += p & M; h += p >> 32;
  const c6 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a0 * a7; l += p & M; h += p >> 32; p = a1 * a6; l += p & M; h += p >> 32; p = a2 * a5; l += p & M; h += p >> 32;
  p = a3 * a4; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1;
  const c7 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a1 * a7; l += p & M; h += p >> 32; p = a2 * a6; l += p & M; h += p >> 32; p = a3 * a5; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1; p = a4 * a4; l += p & M; h += p >> 32;
  const c8 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a2 * a7; l += p & M; h += p >> 32; p = a3 * a6; l += p & M; h += p >> 32; p = a4 * a5; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1;
  const c9 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a3 * a7; l += p & M; h += p >> 32; p = a4 * a6; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1; p = a5 * a5; l += p & M; h += p >> 32;
  const c10 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a4 * a7; l += p & M; h += p >> 32; p = a5 * a6; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1;
  const c11 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a5 * a7; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1; p = a6 * a6; l += p & M; h += p >> 32;
  const c12 = <i64>(l + hp); hp = h; l = 0; h = 0;
  p = a6 * a7; l += p & M; h += p >> 32;
  l <<= 1; h <<= 1;
  const c13 = <i64>(l + hp); hp = h; l = 0; h = 0;
  l <<= 1; h <<= 1; p = a7 * a7; l += p & M; h += p >> 32;
  const c14 = <i64>(l + hp); hp = h; l = 0; h = 0;
  const c15 = <i64>hp;
  nist(o, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
}

/** h = f + g. */
export function feAdd(h: usize, f: usize, g: usize): void {
  let w0 = <i64>(limb(f, 0) + limb(g, 0)), w1 = <i64>(limb(f, 1) + limb(g, 1));
  let w2 = <i64>(limb(f, 2) + limb(g, 2)), w3 = <i64>(limb(f, 3) + limb(g, 3));
  let w4 = <i64>(limb(f, 4) + limb(g, 4)), w5 = <i64>(limb(f, 5) + limb(g, 5));
  let w6 = <i64>(limb(f, 6) + limb(g, 6)), w7 = <i64>(limb(f, 7) + limb(g, 7));
  w1 += w0 >> 32; w0 &= MI; w2 += w1 >> 32; w1 &= MI; w3 += w2 >> 32; w2 &= MI; w4 += w3 >> 32; w3 &= MI;
  w5 += w4 >> 32; w4 &= MI; w6 += w5 >> 32; w5 &= MI; w7 += w6 >> 32; w6 &= MI;
  finish(h, w0, w1, w2, w3, w4, w5, w6, w7 & MI, w7 >> 32);
}

/** h = f - g. */
export function feSub(h: usize, f: usize, g: usize): void {
  let w0 = <i64>limb(f, 0) - <i64>limb(g, 0), w1 = <i64>limb(f, 1) - <i64>limb(g, 1);
  let w2 = <i64>limb(f, 2) - <i64>limb(g, 2), w3 = <i64>limb(f, 3) - <i64>limb(g, 3);
  let w4 = <i64>limb(f, 4) - <i64>limb(g, 4), w5 = <i64>limb(f, 5) - <i64>limb(g, 5);
  let w6 = <i64>limb(f, 6) - <i64>limb(g, 6), w7 = <i64>limb(f, 7) - <i64>limb(g, 7);
  w1 += w0 >> 32; w0 &= MI; w2 += w1 >> 32; w1 &= MI; w3 += w2 >> 32; w2 &= MI; w4 += w3 >> 32; w3 &= MI;
  w5 += w4 >> 32; w4 &= MI; w6 += w5 >> 32; w5 &= MI; w7 += w6 >> 32; w6 &= MI;
  const m = w7 >> 32; // all ones when f < g: add p back (mod 2^256)
  w0 += m & MI; w1 += (w0 >> 32) + (m & MI); w0 &= MI; w2 += (w1 >> 32) + (m & MI); w1 &= MI;
  w3 += w2 >> 32; w2 &= MI; w4 += w3 >> 32; w3 &= MI; w5 += w4 >> 32; w4 &= MI;
  w6 += (w5 >> 32) + (m & 1); w5 &= MI; w7 += (w6 >> 32) + (m & MI); w6 &= MI;
  store<u32>(h, <u32>w0); store<u32>(h, <u32>w1, 4); store<u32>(h, <u32>w2, 8); store<u32>(h, <u32>w3, 12);
  store<u32>(h, <u32>w4, 16); store<u32>(h, <u32>w5, 20); store<u32>(h, <u32>w6, 24); store<u32>(h, <u32>w7, 28);
}

/** h = k * f for a small k (< 2^12). */
export function feSmul(h: usize, f: usize, k: i64): void {
  reduce(h,
    <i64>limb(f, 0) * k, <i64>limb(f, 1) * k, <i64>limb(f, 2) * k, <i64>limb(f, 3) * k,
    <i64>limb(f, 4) * k, <i64>limb(f, 5) * k, <i64>limb(f, 6) * k, <i64>limb(f, 7) * k,
  );
}

/** h = f^(2^n), n >= 1. */
export function feSqrN(h: usize, f: usize, n: i32): void {
  feSqr(h, f);
  for (let i = 1; i < n; i++) feSqr(h, h);
}

/** h = 1/z = z^(p - 2) (0 for 0) by a fixed addition chain, with 8 temporaries at t. */
export function feInv(h: usize, z: usize, t: usize): void {
  const x2 = t, x3 = t + 32, x6 = t + 64, x12 = t + 96, x15 = t + 128, x30 = t + 160, x32 = t + 192, a = t + 224;
  feSqr(x2, z); feMul(x2, x2, z); // x_k = z^(2^k - 1)
  feSqr(x3, x2); feMul(x3, x3, z);
  feSqrN(x6, x3, 3); feMul(x6, x6, x3);
  feSqrN(x12, x6, 6); feMul(x12, x12, x6);
  feSqrN(x15, x12, 3); feMul(x15, x15, x3);
  feSqrN(x30, x15, 15); feMul(x30, x30, x15);
  feSqrN(x32, x30, 2); feMul(x32, x32, x2);
  // p - 2 = ffffffff 00000001 (96 zero bits) ffffffff ffffffff fffffffd
  feSqrN(a, x32, 32); feMul(a, a, z);
  feSqrN(a, a, 128); feMul(a, a, x32);
  feSqrN(a, a, 32); feMul(a, a, x32);
  feSqrN(a, a, 30); feMul(a, a, x30);
  feSqrN(a, a, 2); feMul(h, a, z);
}

/** All ones when f is zero. */
export function feZero(f: usize): u32 {
  return zeroMask(load<u32>(f) | load<u32>(f, 4) | load<u32>(f, 8) | load<u32>(f, 12)
    | load<u32>(f, 16) | load<u32>(f, 20) | load<u32>(f, 24) | load<u32>(f, 28));
}

/** Reads the big-endian 32 bytes at s into f; true when the value is below p. */
export function feFromBytes(f: usize, s: usize): bool {
  for (let i: usize = 0; i < 8; i++) store<u32>(f + (i << 2), bswap<u32>(load<u32>(s + 28 - (i << 2))));
  let b: i64 = 0;
  for (let i: usize = 0; i < 8; i++) b = (<i64>limb(f, i) - <i64>limb(P_LIMBS, i) + b) >> 32;
  return b != 0;
}

/** Writes f as 32 big-endian bytes at s. */
export function feToBytes(s: usize, f: usize): void {
  for (let i: usize = 0; i < 8; i++) store<u32>(s + 28 - (i << 2), bswap<u32>(load<u32>(f + (i << 2))));
}
