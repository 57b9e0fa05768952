// X25519 (RFC 7748): the Montgomery ladder on Curve25519 over GF(2^255 - 19).
//
// A field element is ten signed i64 limbs in radix 2^25.5 (as in the ref10
// code): limb i holds bits from ceil(25.5 i), 26 bits for even i and 25 for
// odd i, so a 256-bit product of two limbs lands on the limb of the summed
// index, doubled when both indices are odd, and wraps past 2^255 times 19.
// Elements live in the static region W (80 bytes each); the JS side writes the
// scalar and the u-coordinate into IO and reads the result from it.
//
// Constant time: the ladder runs all 255 steps with masked swaps, every
// branch and memory address depends only on loop counters, and inversion is a
// fixed addition chain. Limbs stay non-negative (subtraction adds 2p), even
// limbs below 3 * 2^26 and odd ones below 3 * 2^25 (plus 2^16 from the carry
// order), so every product sum fits in an i64 (< 2^62.2).
//
// Speed: squarings use ref10's fe_sq (55 products, not 100), additions and
// subtractions feeding a squaring are fused into it, and the ladder's swap and
// A/B/C/D sums run in one pass over the four coordinates.

/** Bytes in one field element (ten i64 limbs). */
const FE: usize = 80;
/** I/O: scalar (0..32), u-coordinate (32..64), result (64..96). */
export const X25519_IO: usize = memory.data(96, 16);
/** Field element temporaries (16 elements). Wiped after use. */
const W: usize = memory.data(16 * 80, 16);
/** Zero-padded copy of the u-coordinate for limb extraction. Wiped after use. */
const BUF: usize = memory.data(48, 16);

const X1: usize = W;
const X2: usize = W + FE;
const Z2: usize = W + 2 * FE;
const X3: usize = W + 3 * FE;
const Z3: usize = W + 4 * FE;
const A: usize = W + 5 * FE;
const AA: usize = W + 6 * FE;
const B: usize = W + 7 * FE;
const BB: usize = W + 8 * FE;
const E: usize = W + 9 * FE;
const C: usize = W + 10 * FE;
const D: usize = W + 11 * FE;
const DA: usize = W + 12 * FE;
const CB: usize = W + 13 * FE;
const T0: usize = W + 14 * FE;
const T1: usize = W + 15 * FE;

const M26: i64 = 0x3ffffff;
const M25: i64 = 0x1ffffff;

// @ts-ignore: decorator
@inline function limb(f: usize, i: usize): i64 {
  return load<i64>(f + (i << 3));
}

// @ts-ignore: decorator
@inline function setLimb(f: usize, i: usize, v: i64): void {
  store<i64>(f + (i << 3), v);
}

// @ts-ignore: decorator
@inline function width(i: usize): i64 {
  return 26 - <i64>(i & 1);
}

/** h = 0 or 1. */
function feSet(h: usize, v: i64): void {
  memory.fill(h, 0, FE);
  store<i64>(h, v);
}

function feCopy(h: usize, f: usize): void {
  memory.copy(h, f, FE);
}

/** Swaps f and g when `bit` is 1, in constant time. */
function feCswap(f: usize, g: usize, bit: i64): void {
  const mask = -bit;
  for (let i: usize = 0; i < 10; i++) {
    const a = limb(f, i);
    const b = limb(g, i);
    const t = mask & (a ^ b);
    setLimb(f, i, a ^ t);
    setLimb(g, i, b ^ t);
  }
}

/** Stores h0..h9 at `h` after one carry pass (limbs normalised but h1 and h5 within 2^25 + 2^18). */
// @ts-ignore: decorator
@inline function carryStore(
  h: usize, h0: i64, h1: i64, h2: i64, h3: i64, h4: i64,
  h5: i64, h6: i64, h7: i64, h8: i64, h9: i64,
): void {
  // Two interleaved carry chains (ref10 order) for instruction-level parallelism.
  h1 += h0 >> 26; h0 &= M26;
  h5 += h4 >> 26; h4 &= M26;
  h2 += h1 >> 25; h1 &= M25;
  h6 += h5 >> 25; h5 &= M25;
  h3 += h2 >> 26; h2 &= M26;
  h7 += h6 >> 26; h6 &= M26;
  h4 += h3 >> 25; h3 &= M25;
  h8 += h7 >> 25; h7 &= M25;
  h5 += h4 >> 26; h4 &= M26;
  h9 += h8 >> 26; h8 &= M26;
  h0 += (h9 >> 25) * 19; h9 &= M25;
  h1 += h0 >> 26; h0 &= M26;
  store<i64>(h, h0); store<i64>(h, h1, 8); store<i64>(h, h2, 16); store<i64>(h, h3, 24);
  store<i64>(h, h4, 32); store<i64>(h, h5, 40); store<i64>(h, h6, 48); store<i64>(h, h7, 56);
  store<i64>(h, h8, 64); store<i64>(h, h9, 72);
}

/** h = f * g (h may alias f or g). */
function feMul(h: usize, f: usize, g: usize): void {
  const f0 = load<i64>(f), f1 = load<i64>(f, 8), f2 = load<i64>(f, 16), f3 = load<i64>(f, 24);
  const f4 = load<i64>(f, 32), f5 = load<i64>(f, 40), f6 = load<i64>(f, 48), f7 = load<i64>(f, 56);
  const f8 = load<i64>(f, 64), f9 = load<i64>(f, 72);
  const g0 = load<i64>(g), g1 = load<i64>(g, 8), g2 = load<i64>(g, 16), g3 = load<i64>(g, 24);
  const g4 = load<i64>(g, 32), g5 = load<i64>(g, 40), g6 = load<i64>(g, 48), g7 = load<i64>(g, 56);
  const g8 = load<i64>(g, 64), g9 = load<i64>(g, 72);
  const f1x2 = f1 << 1, f3x2 = f3 << 1, f5x2 = f5 << 1, f7x2 = f7 << 1, f9x2 = f9 << 1;
  const g1x19 = g1 * 19, g2x19 = g2 * 19, g3x19 = g3 * 19, g4x19 = g4 * 19, g5x19 = g5 * 19;
  const g6x19 = g6 * 19, g7x19 = g7 * 19, g8x19 = g8 * 19, g9x19 = g9 * 19;
  const h0 = f0 * g0 + f1x2 * g9x19 + f2 * g8x19 + f3x2 * g7x19 + f4 * g6x19
    + f5x2 * g5x19 + f6 * g4x19 + f7x2 * g3x19 + f8 * g2x19 + f9x2 * g1x19;
  const h1 = f0 * g1 + f1 * g0 + f2 * g9x19 + f3 * g8x19 + f4 * g7x19
    + f5 * g6x19 + f6 * g5x19 + f7 * g4x19 + f8 * g3x19 + f9 * g2x19;
  const h2 = f0 * g2 + f1x2 * g1 + f2 * g0 + f3x2 * g9x19 + f4 * g8x19
    + f5x2 * g7x19 + f6 * g6x19 + f7x2 * g5x19 + f8 * g4x19 + f9x2 * g3x19;
  const h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + f4 * g9x19
    + f5 * g8x19 + f6 * g7x19 + f7 * g6x19 + f8 * g5x19 + f9 * g4x19;
  const h4 = f0 * g4 + f1x2 * g3 + f2 * g2 + f3x2 * g1 + f4 * g0
    + f5x2 * g9x19 + f6 * g8x19 + f7x2 * g7x19 + f8 * g6x19 + f9x2 * g5x19;
  const h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1
    + f5 * g0 + f6 * g9x19 + f7 * g8x19 + f8 * g7x19 + f9 * g6x19;
  const h6 = f0 * g6 + f1x2 * g5 + f2 * g4 + f3x2 * g3 + f4 * g2
    + f5x2 * g1 + f6 * g0 + f7x2 * g9x19 + f8 * g8x19 + f9x2 * g7x19;
  const h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3
    + f5 * g2 + f6 * g1 + f7 * g0 + f8 * g9x19 + f9 * g8x19;
  const h8 = f0 * g8 + f1x2 * g7 + f2 * g6 + f3x2 * g5 + f4 * g4
    + f5x2 * g3 + f6 * g2 + f7x2 * g1 + f8 * g0 + f9x2 * g9x19;
  const h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5
    + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f^2 for f = f0..f9 (ref10's fe_sq: 55 products instead of 100). */
// @ts-ignore: decorator
@inline function sqStore(
  h: usize, f0: i64, f1: i64, f2: i64, f3: i64, f4: i64,
  f5: i64, f6: i64, f7: i64, f8: i64, f9: i64,
): void {
  const f0_2 = f0 << 1, f1_2 = f1 << 1, f2_2 = f2 << 1, f3_2 = f3 << 1;
  const f4_2 = f4 << 1, f5_2 = f5 << 1, f6_2 = f6 << 1, f7_2 = f7 << 1;
  const f5_38 = f5 * 38, f6_19 = f6 * 19, f7_38 = f7 * 38, f8_19 = f8 * 19, f9_38 = f9 * 38;
  const h0 = f0 * f0 + f1_2 * f9_38 + f2_2 * f8_19 + f3_2 * f7_38 + f4_2 * f6_19 + f5 * f5_38;
  const h1 = f0_2 * f1 + f2 * f9_38 + f3_2 * f8_19 + f4 * f7_38 + f5_2 * f6_19;
  const h2 = f0_2 * f2 + f1_2 * f1 + f3_2 * f9_38 + f4_2 * f8_19 + f5_2 * f7_38 + f6 * f6_19;
  const h3 = f0_2 * f3 + f1_2 * f2 + f4 * f9_38 + f5_2 * f8_19 + f6 * f7_38;
  const h4 = f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + f5_2 * f9_38 + f6_2 * f8_19 + f7 * f7_38;
  const h5 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + f6 * f9_38 + f7_2 * f8_19;
  const h6 = f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + f7_2 * f9_38 + f8 * f8_19;
  const h7 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + f8 * f9_38;
  const h8 = f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + f9 * f9_38;
  const h9 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f^2 (h may alias f). */
function feSq(h: usize, f: usize): void {
  sqStore(
    h,
    load<i64>(f), load<i64>(f, 8), load<i64>(f, 16), load<i64>(f, 24), load<i64>(f, 32),
    load<i64>(f, 40), load<i64>(f, 48), load<i64>(f, 56), load<i64>(f, 64), load<i64>(f, 72),
  );
}

/** h = (f + g)^2, the addition fused into the squaring. */
function feSqSum(h: usize, f: usize, g: usize): void {
  sqStore(
    h,
    load<i64>(f) + load<i64>(g), load<i64>(f, 8) + load<i64>(g, 8),
    load<i64>(f, 16) + load<i64>(g, 16), load<i64>(f, 24) + load<i64>(g, 24),
    load<i64>(f, 32) + load<i64>(g, 32), load<i64>(f, 40) + load<i64>(g, 40),
    load<i64>(f, 48) + load<i64>(g, 48), load<i64>(f, 56) + load<i64>(g, 56),
    load<i64>(f, 64) + load<i64>(g, 64), load<i64>(f, 72) + load<i64>(g, 72),
  );
}

/** h = (f - g + 2p)^2, the subtraction fused into the squaring. */
function feSqDiff(h: usize, f: usize, g: usize): void {
  sqStore(
    h,
    load<i64>(f) - load<i64>(g) + 0x7ffffda, load<i64>(f, 8) - load<i64>(g, 8) + 0x3fffffe,
    load<i64>(f, 16) - load<i64>(g, 16) + 0x7fffffe, load<i64>(f, 24) - load<i64>(g, 24) + 0x3fffffe,
    load<i64>(f, 32) - load<i64>(g, 32) + 0x7fffffe, load<i64>(f, 40) - load<i64>(g, 40) + 0x3fffffe,
    load<i64>(f, 48) - load<i64>(g, 48) + 0x7fffffe, load<i64>(f, 56) - load<i64>(g, 56) + 0x3fffffe,
    load<i64>(f, 64) - load<i64>(g, 64) + 0x7fffffe, load<i64>(f, 72) - load<i64>(g, 72) + 0x3fffffe,
  );
}

/**
 * The start of a ladder step: swaps (X2, Z2) with (X3, Z3) when `mask` is all
 * ones, then A = X2 + Z2, B = X2 - Z2 + 2p, C = X3 + Z3, D = X3 - Z3 + 2p. The
 * swapped X2..Z3 are not stored back: the step overwrites all four.
 */
function ladderPrep(mask: i64): void {
  for (let i: usize = 0; i < 80; i += 8) {
    const twoP: i64 = i == 0 ? 0x7ffffda : (i & 8) != 0 ? 0x3fffffe : 0x7fffffe;
    let x2 = load<i64>(X2 + i), x3 = load<i64>(X3 + i);
    let z2 = load<i64>(Z2 + i), z3 = load<i64>(Z3 + i);
    const tx = mask & (x2 ^ x3);
    const tz = mask & (z2 ^ z3);
    x2 ^= tx; x3 ^= tx; z2 ^= tz; z3 ^= tz;
    store<i64>(A + i, x2 + z2);
    store<i64>(B + i, x2 - z2 + twoP);
    store<i64>(C + i, x3 + z3);
    store<i64>(D + i, x3 - z3 + twoP);
  }
}

/** E = AA - BB + 2p, and T0 = AA + 121665 E (carried). */
function ladderE(): void {
  const e0 = load<i64>(AA) - load<i64>(BB) + 0x7ffffda;
  const e1 = load<i64>(AA, 8) - load<i64>(BB, 8) + 0x3fffffe;
  const e2 = load<i64>(AA, 16) - load<i64>(BB, 16) + 0x7fffffe;
  const e3 = load<i64>(AA, 24) - load<i64>(BB, 24) + 0x3fffffe;
  const e4 = load<i64>(AA, 32) - load<i64>(BB, 32) + 0x7fffffe;
  const e5 = load<i64>(AA, 40) - load<i64>(BB, 40) + 0x3fffffe;
  const e6 = load<i64>(AA, 48) - load<i64>(BB, 48) + 0x7fffffe;
  const e7 = load<i64>(AA, 56) - load<i64>(BB, 56) + 0x3fffffe;
  const e8 = load<i64>(AA, 64) - load<i64>(BB, 64) + 0x7fffffe;
  const e9 = load<i64>(AA, 72) - load<i64>(BB, 72) + 0x3fffffe;
  store<i64>(E, e0); store<i64>(E, e1, 8); store<i64>(E, e2, 16); store<i64>(E, e3, 24);
  store<i64>(E, e4, 32); store<i64>(E, e5, 40); store<i64>(E, e6, 48); store<i64>(E, e7, 56);
  store<i64>(E, e8, 64); store<i64>(E, e9, 72);
  carryStore(
    T0,
    load<i64>(AA) + e0 * 121665, load<i64>(AA, 8) + e1 * 121665,
    load<i64>(AA, 16) + e2 * 121665, load<i64>(AA, 24) + e3 * 121665,
    load<i64>(AA, 32) + e4 * 121665, load<i64>(AA, 40) + e5 * 121665,
    load<i64>(AA, 48) + e6 * 121665, load<i64>(AA, 56) + e7 * 121665,
    load<i64>(AA, 64) + e8 * 121665, load<i64>(AA, 72) + e9 * 121665,
  );
}

/** h = f^(2^n), n >= 1. */
function feSqN(h: usize, f: usize, n: i32): void {
  feSq(h, f);
  for (let i = 1; i < n; i++) feSq(h, h);
}

/** h = z^(p - 2) = 1/z, by the fixed addition chain of ref10. Uses A..CB. */
function feInvert(h: usize, z: usize): void {
  feSqN(A, z, 1); // z^2
  feSqN(AA, A, 2); // z^8
  feMul(B, AA, z); // z^9
  feMul(BB, B, A); // z^11
  feSqN(AA, BB, 1); // z^22
  feMul(E, AA, B); // z^(2^5 - 1)
  feSqN(AA, E, 5);
  feMul(C, AA, E); // z^(2^10 - 1)
  feSqN(AA, C, 10);
  feMul(D, AA, C); // z^(2^20 - 1)
  feSqN(AA, D, 20);
  feMul(AA, AA, D); // z^(2^40 - 1)
  feSqN(AA, AA, 10);
  feMul(DA, AA, C); // z^(2^50 - 1)
  feSqN(AA, DA, 50);
  feMul(CB, AA, DA); // z^(2^100 - 1)
  feSqN(AA, CB, 100);
  feMul(AA, AA, CB); // z^(2^200 - 1)
  feSqN(AA, AA, 50);
  feMul(AA, AA, DA); // z^(2^250 - 1)
  feSqN(AA, AA, 5); // z^(2^255 - 32)
  feMul(h, AA, BB); // z^(2^255 - 21)
}

/** Reads 32 little-endian bytes at `s` (top bit ignored) into element `h`. */
function feFromBytes(h: usize, s: usize): void {
  memory.fill(BUF, 0, 48);
  memory.copy(BUF, s, 32);
  store<u8>(BUF + 31, load<u8>(BUF + 31) & 0x7f);
  for (let i: usize = 0; i < 10; i++) {
    const off = (i >> 1) * 51 + (i & 1) * 26;
    const v = load<u64>(BUF + (off >> 3)) >> <u64>(off & 7);
    setLimb(h, i, <i64>v & ((<i64>1 << width(i)) - 1));
  }
}

/** Writes the canonical (fully reduced) 32-byte encoding of `f` to `s`; clobbers `f`. */
function feToBytes(s: usize, f: usize): void {
  // Three wrap-and-ripple passes leave every limb normalised and f < 2^255.
  for (let pass = 0; pass < 3; pass++) {
    const top = limb(f, 9);
    setLimb(f, 9, top & M25);
    setLimb(f, 0, limb(f, 0) + (top >> 25) * 19);
    for (let i: usize = 0; i < 9; i++) {
      const v = limb(f, i);
      setLimb(f, i, v & ((<i64>1 << width(i)) - 1));
      setLimb(f, i + 1, limb(f, i + 1) + (v >> width(i)));
    }
  }
  // t = f + 19; if t >= 2^255 then f >= p and f - p = t - 2^255.
  feCopy(T1, f);
  setLimb(T1, 0, limb(T1, 0) + 19);
  for (let i: usize = 0; i < 9; i++) {
    const v = limb(T1, i);
    setLimb(T1, i, v & ((<i64>1 << width(i)) - 1));
    setLimb(T1, i + 1, limb(T1, i + 1) + (v >> width(i)));
  }
  const ge = limb(T1, 9) >> 25;
  setLimb(T1, 9, limb(T1, 9) & M25);
  feCswap(f, T1, ge);
  let acc: u64 = 0;
  let bits: i64 = 0;
  let o: usize = 0;
  for (let i: usize = 0; i < 10; i++) {
    acc |= <u64>limb(f, i) << <u64>bits;
    bits += width(i);
    while (bits >= 8) {
      store<u8>(s + o++, <u8>acc);
      acc >>= 8;
      bits -= 8;
    }
  }
  store<u8>(s + o, <u8>acc);
}

/**
 * X25519(k, u) of RFC 7748 section 5: the scalar at IO[0..32] (clamped here),
 * the u-coordinate at IO[32..64], the result to IO[64..96]. Wipes the scalar,
 * the u-coordinate and every temporary; the caller wipes the result.
 */
export function x25519Scalarmult(): void {
  const k = X25519_IO;
  store<u8>(k, load<u8>(k) & 248);
  store<u8>(k + 31, (load<u8>(k + 31) & 127) | 64);
  feFromBytes(X1, k + 32);
  feSet(X2, 1);
  feSet(Z2, 0);
  feCopy(X3, X1);
  feSet(Z3, 1);
  let swap: i64 = 0;
  for (let t = 254; t >= 0; t--) {
    const bit = <i64>((load<u8>(k + <usize>(t >> 3)) >> <u8>(t & 7)) & 1);
    swap ^= bit;
    ladderPrep(-swap);
    swap = bit;
    feSq(AA, A);
    feSq(BB, B);
    feMul(DA, D, A);
    feMul(CB, C, B);
    feSqSum(X3, DA, CB);
    feSqDiff(T0, DA, CB);
    feMul(Z3, X1, T0);
    ladderE();
    feMul(X2, AA, BB);
    feMul(Z2, E, T0);
  }
  feCswap(X2, X3, swap);
  feCswap(Z2, Z3, swap);
  feInvert(T0, Z2);
  feMul(X2, X2, T0);
  feToBytes(X25519_IO + 64, X2);
  memory.fill(X25519_IO, 0, 64);
  memory.fill(W, 0, 16 * 80);
  memory.fill(BUF, 0, 48);
}
