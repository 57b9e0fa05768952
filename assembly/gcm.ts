// AES-GCM (NIST SP 800-38D) with 96-bit nonces and 16-byte tags.
//
// The CTR keystream comes eight blocks at a time from the bitsliced AES of
// aes_bs.ts (constant-time; E(J0) is the first block of the first batch).
//
// GHASH multiplies in GF(2^128) with the constant-time carry-less 64-bit
// multiplication of BearSSL's ghash_ctmul64 (integer multiplies of operands
// with 3-bit holes between the data bits; the high halves come from the
// bit-reversed operands), Karatsuba over the two 64-bit halves, then the
// reduction by x^128 + x^7 + x^2 + x + 1 in GCM's reflected bit order. Up to
// four blocks share one reduction: Y' = (Y ^ X1) H^4 ^ X2 H^3 ^ X3 H^2 ^ X4 H,
// with the masked halves of H..H^4 precomputed per key. Whole groups of four
// (bmul4) keep the accumulator in locals, XOR the four blocks' integer products
// unmasked and mask once, and take the bit-reversed operands from SIMD per-byte
// bit reversal of the raw input. No table lookups, so neither half leaks
// through the cache.
//
// Per-key context (GCM_KEY, GCM_KEY_SIZE bytes): built by gcmKeySetup from the
// AES schedule loaded in aes.ts; the JS side keeps a copy and writes it back
// before each message. Region GCM (128 bytes): the JS side writes the nonce at
// +0 (12 bytes) and the expected tag at +16 (open); the computed tag lands at
// +16 (seal). gcmWipe wipes the context, the GCM region and the keystream.

import { AES_EK } from "./aes";
import { BS_KS_SIZE, bsEncrypt8, bsKeySchedule } from "./aes_bs";

/** Per-key context: bitsliced round keys, the GHASH key table, the round count. */
export const GCM_KEY_SIZE: i32 = BS_KS_SIZE + 768 + 16;
export const GCM_KEY: usize = memory.data(GCM_KEY_SIZE, 16);
const BSK: usize = GCM_KEY;
/** H^1..H^4, each as h0, h1, h0^h1 then their bit reversals, each in 4 masked parts. */
const HT: usize = GCM_KEY + BS_KS_SIZE;
const NR: usize = HT + 768;

/** GCM state region: nonce, tag, counter, E(J0), accumulator, work. Wiped by gcmWipe. */
export const GCM: usize = memory.data(128, 16);
const NONCE: usize = GCM;
const TAG: usize = GCM + 16;
const EJ0: usize = GCM + 48;
const Y: usize = GCM + 80; // accumulator y1, y0, native u64s
const BLK: usize = GCM + 96; // partial block
const CALC: usize = GCM + 112; // computed tag
/** Eight keystream blocks; KS + 16 * ksNext is E(counter) while ksNext < 8. */
const KS: usize = memory.data(128, 16);
let counter: u32 = 0;
let ksNext: i32 = 8;

const M0: u64 = 0x1111111111111111;
const M1: u64 = 0x2222222222222222;
const M2: u64 = 0x4444444444444444;
const M3: u64 = 0x8888888888888888;

/** Carry-less product (low 64 bits) of `x` by the y whose masked parts are at `h`. */
// @ts-ignore: decorator
@inline function bmul(x: u64, h: usize): u64 {
  const x0 = x & M0, x1 = x & M1, x2 = x & M2, x3 = x & M3;
  const y0 = load<u64>(h), y1 = load<u64>(h, 8), y2 = load<u64>(h, 16), y3 = load<u64>(h, 24);
  const z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  const z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  const z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  const z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (z0 & M0) | (z1 & M1) | (z2 & M2) | (z3 & M3);
}

/**
 * Sum over k < 4 of the carry-less product (low 64 bits) of `xk` by the y whose
 * masked parts are at `h + (3 - k) * 192`. The products are XORed unmasked and
 * masked once: the bit at 4j + i of every product is the parity of its terms.
 */
// @ts-ignore: decorator
@inline function bmul4(xa: u64, xb: u64, xc: u64, xd: u64, h: usize): u64 {
  let z0: u64 = 0, z1: u64 = 0, z2: u64 = 0, z3: u64 = 0;
  let x0: u64, x1: u64, x2: u64, x3: u64, y0: u64, y1: u64, y2: u64, y3: u64;
  x0 = xa & M0; x1 = xa & M1; x2 = xa & M2; x3 = xa & M3;
  y0 = load<u64>(h, 576); y1 = load<u64>(h, 584); y2 = load<u64>(h, 592); y3 = load<u64>(h, 600);
  z0 ^= (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  z1 ^= (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  z2 ^= (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  z3 ^= (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  x0 = xb & M0; x1 = xb & M1; x2 = xb & M2; x3 = xb & M3;
  y0 = load<u64>(h, 384); y1 = load<u64>(h, 392); y2 = load<u64>(h, 400); y3 = load<u64>(h, 408);
  z0 ^= (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  z1 ^= (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  z2 ^= (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  z3 ^= (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  x0 = xc & M0; x1 = xc & M1; x2 = xc & M2; x3 = xc & M3;
  y0 = load<u64>(h, 192); y1 = load<u64>(h, 200); y2 = load<u64>(h, 208); y3 = load<u64>(h, 216);
  z0 ^= (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  z1 ^= (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  z2 ^= (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  z3 ^= (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  x0 = xd & M0; x1 = xd & M1; x2 = xd & M2; x3 = xd & M3;
  y0 = load<u64>(h, 0); y1 = load<u64>(h, 8); y2 = load<u64>(h, 16); y3 = load<u64>(h, 24);
  z0 ^= (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  z1 ^= (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  z2 ^= (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  z3 ^= (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (z0 & M0) | (z1 & M1) | (z2 & M2) | (z3 & M3);
}

/** Bit-reverses each byte of `v` (shifts and masks only). */
// @ts-ignore: decorator
@inline function brevBytes(v: v128): v128 {
  const m1 = i8x16.splat(0x55), m2 = i8x16.splat(0x33), m4 = i8x16.splat(0x0f);
  v = v128.or(v128.and(i64x2.shr_u(v, 1), m1), i64x2.shl(v128.and(v, m1), 1));
  v = v128.or(v128.and(i64x2.shr_u(v, 2), m2), i64x2.shl(v128.and(v, m2), 2));
  return v128.or(v128.and(i64x2.shr_u(v, 4), m4), i64x2.shl(v128.and(v, m4), 4));
}

// @ts-ignore: decorator
@inline function rev64(x: u64): u64 {
  x = ((x & 0x5555555555555555) << 1) | ((x >> 1) & 0x5555555555555555);
  x = ((x & 0x3333333333333333) << 2) | ((x >> 2) & 0x3333333333333333);
  x = ((x & 0x0f0f0f0f0f0f0f0f) << 4) | ((x >> 4) & 0x0f0f0f0f0f0f0f0f);
  return bswap<u64>(x);
}

/** Stores the masked parts of `v` at `p` (32 bytes). */
function putMasked(p: usize, v: u64): void {
  store<u64>(p, v & M0);
  store<u64>(p, v & M1, 8);
  store<u64>(p, v & M2, 16);
  store<u64>(p, v & M3, 24);
}

/** Fills entry `i` (0 for H) of the GHASH key table with h1 (high half) and h0. */
function putPower(i: i32, h1: u64, h0: u64): void {
  const p = HT + (<usize>i) * 192;
  putMasked(p, h0);
  putMasked(p + 32, h1);
  putMasked(p + 64, h0 ^ h1);
  putMasked(p + 96, rev64(h0));
  putMasked(p + 128, rev64(h1));
  putMasked(p + 160, rev64(h0) ^ rev64(h1));
}

/**
 * Absorbs up to four blocks into (y1, y0) = Y: block k of `n` is multiplied by
 * H^(n-k), the first after the XOR with Y, and one reduction follows. Blocks
 * are read from `p`; a final partial one (when `p + 16n > end`) is zero-padded.
 */
// @ts-ignore: decorator
@inline function ghashGroup(p: usize, end: usize, n: i32, full: bool): void {
  let y1 = load<u64>(Y);
  let y0 = load<u64>(Y, 8);
  let z0: u64 = 0, z1: u64 = 0, z2: u64 = 0, z0h: u64 = 0, z1h: u64 = 0, z2h: u64 = 0;
  for (let k = 0; k < n; k++) {
    let src = p + (<usize>k << 4);
    if (!full && end - src < 16) {
      memory.fill(BLK, 0, 16);
      memory.copy(BLK, src, end - src);
      src = BLK;
    }
    let a1 = bswap<u64>(load<u64>(src));
    let a0 = bswap<u64>(load<u64>(src, 8));
    if (k == 0) {
      a1 ^= y1;
      a0 ^= y0;
    }
    const h = HT + <usize>(n - 1 - k) * 192;
    const a0r = rev64(a0);
    const a1r = rev64(a1);
    z0 ^= bmul(a0, h);
    z1 ^= bmul(a1, h + 32);
    z2 ^= bmul(a0 ^ a1, h + 64);
    z0h ^= bmul(a0r, h + 96);
    z1h ^= bmul(a1r, h + 128);
    z2h ^= bmul(a0r ^ a1r, h + 160);
  }
  z2 ^= z0 ^ z1;
  z2h ^= z0h ^ z1h;
  z0h = rev64(z0h) >> 1;
  z1h = rev64(z1h) >> 1;
  z2h = rev64(z2h) >> 1;
  let v0 = z0;
  let v1 = z0h ^ z2;
  let v2 = z1 ^ z2h;
  let v3 = z1h;
  v3 = (v3 << 1) | (v2 >> 63);
  v2 = (v2 << 1) | (v1 >> 63);
  v1 = (v1 << 1) | (v0 >> 63);
  v0 = v0 << 1;
  v2 ^= v0 ^ (v0 >> 1) ^ (v0 >> 2) ^ (v0 >> 7);
  v1 ^= (v0 << 63) ^ (v0 << 62) ^ (v0 << 57);
  v3 ^= v1 ^ (v1 >> 1) ^ (v1 >> 2) ^ (v1 >> 7);
  v2 ^= (v1 << 63) ^ (v1 << 62) ^ (v1 << 57);
  store<u64>(Y, v3);
  store<u64>(Y, v2, 8);
}

/**
 * Absorbs `len` bytes at `p` into the GHASH accumulator; a final partial block
 * is zero-padded (so AAD and ciphertext are each padded, as GCM requires, when
 * every call but the last of each covers whole blocks).
 */
export function gcmHash(p: usize, len: i32): void {
  const end = p + <usize>len;
  if (end - p >= 64) {
    // Whole groups of four with the accumulator in locals.
    let y1 = load<u64>(Y);
    let y0 = load<u64>(Y, 8);
    for (; end - p >= 64; p += 64) {
      const a1 = bswap<u64>(load<u64>(p)) ^ y1, a0 = bswap<u64>(load<u64>(p, 8)) ^ y0;
      const b1 = bswap<u64>(load<u64>(p, 16)), b0 = bswap<u64>(load<u64>(p, 24));
      const c1 = bswap<u64>(load<u64>(p, 32)), c0 = bswap<u64>(load<u64>(p, 40));
      const d1 = bswap<u64>(load<u64>(p, 48)), d0 = bswap<u64>(load<u64>(p, 56));
      const z0 = bmul4(a0, b0, c0, d0, HT);
      const z1 = bmul4(a1, b1, c1, d1, HT + 32);
      let z2 = bmul4(a0 ^ a1, b0 ^ b1, c0 ^ c1, d0 ^ d1, HT + 64);
      // rev64(bswap(m)) is m with the bits of each byte reversed.
      const ar = brevBytes(v128.load(p)), br = brevBytes(v128.load(p, 16));
      const cr = brevBytes(v128.load(p, 32)), dr = brevBytes(v128.load(p, 48));
      const a0r = i64x2.extract_lane(ar, 1) ^ rev64(y0), b0r = i64x2.extract_lane(br, 1);
      const c0r = i64x2.extract_lane(cr, 1), d0r = i64x2.extract_lane(dr, 1);
      let z0h = bmul4(a0r, b0r, c0r, d0r, HT + 96);
      const a1r = i64x2.extract_lane(ar, 0) ^ rev64(y1), b1r = i64x2.extract_lane(br, 0);
      const c1r = i64x2.extract_lane(cr, 0), d1r = i64x2.extract_lane(dr, 0);
      let z1h = bmul4(a1r, b1r, c1r, d1r, HT + 128);
      let z2h = bmul4(a0r ^ a1r, b0r ^ b1r, c0r ^ c1r, d0r ^ d1r, HT + 160);
      z2 ^= z0 ^ z1;
      z2h ^= z0h ^ z1h;
      z0h = rev64(z0h) >> 1;
      z1h = rev64(z1h) >> 1;
      z2h = rev64(z2h) >> 1;
      let v0 = z0;
      let v1 = z0h ^ z2;
      let v2 = z1 ^ z2h;
      let v3 = z1h;
      v3 = (v3 << 1) | (v2 >> 63);
      v2 = (v2 << 1) | (v1 >> 63);
      v1 = (v1 << 1) | (v0 >> 63);
      v0 = v0 << 1;
      v2 ^= v0 ^ (v0 >> 1) ^ (v0 >> 2) ^ (v0 >> 7);
      v1 ^= (v0 << 63) ^ (v0 << 62) ^ (v0 << 57);
      v3 ^= v1 ^ (v1 >> 1) ^ (v1 >> 2) ^ (v1 >> 7);
      v2 ^= (v1 << 63) ^ (v1 << 62) ^ (v1 << 57);
      y1 = v3;
      y0 = v2;
    }
    store<u64>(Y, y1);
    store<u64>(Y, y0, 8);
  }
  if (p < end) ghashGroup(p, end, <i32>((end - p + 15) >> 4), false);
}

/** Fills KS with E(counter .. counter + 7) under the loaded context. */
function refill(): void {
  const base = v128.load(NONCE);
  for (let i: u32 = 0; i < 8; i++) {
    v128.store(KS + (<usize>i << 4), i32x4.replace_lane(base, 3, bswap<u32>(counter + i)));
  }
  bsEncrypt8(BSK, load<i32>(NR), KS);
  ksNext = 0;
}

/**
 * Builds the per-key context at GCM_KEY from the encryption schedule loaded in
 * aes.ts for a `klen`-byte key (16 or 32): bitsliced round keys, H = E(0) and
 * the GHASH key table. Returns false for other sizes.
 */
export function gcmKeySetup(klen: i32): bool {
  if (klen != 16 && klen != 32) return false;
  const rounds = (klen >>> 2) + 6;
  store<i32>(NR, rounds);
  bsKeySchedule(AES_EK, rounds, BSK);
  memory.fill(KS, 0, 128);
  bsEncrypt8(BSK, rounds, KS);
  let h1 = bswap<u64>(load<u64>(KS));
  let h0 = bswap<u64>(load<u64>(KS, 8));
  memory.fill(KS, 0, 128);
  putPower(0, h1, h0);
  // H^(i+1) = H^i * H: GHASH of the block H^i from a zero accumulator.
  for (let i = 1; i < 4; i++) {
    store<u64>(Y, 0);
    store<u64>(Y, 0, 8);
    store<u64>(BLK, bswap<u64>(h1));
    store<u64>(BLK, bswap<u64>(h0), 8);
    ghashGroup(BLK, BLK + 16, 1, true);
    h1 = load<u64>(Y);
    h0 = load<u64>(Y, 8);
    putPower(i, h1, h0);
  }
  memory.fill(GCM, 0, 128);
  return true;
}

/**
 * Starts a message under the context at GCM_KEY and the nonce at GCM+0:
 * J0 = nonce || 1, E(J0) kept for the tag, the counter set to inc32(J0), the
 * accumulator cleared.
 */
export function gcmBegin(): void {
  store<u32>(NONCE, 0, 12);
  counter = 1;
  refill();
  memory.copy(EJ0, KS, 16);
  ksNext = 1;
  counter = 2;
  memory.fill(Y, 0, 16);
}

/** XORs `len` bytes at `p` in place with the CTR keystream (inc32), advancing the counter. */
export function gcmCtr(p: usize, len: i32): void {
  const end = p + <usize>len;
  while (p < end) {
    if (ksNext == 8) refill();
    const ks = KS + (<usize>ksNext << 4);
    if (end - p >= 16) {
      v128.store(p, v128.xor(v128.load(p), v128.load(ks)));
      p += 16;
    } else {
      for (let i: usize = 0; p + i < end; i++) store<u8>(p + i, load<u8>(p + i) ^ load<u8>(ks + i));
      p = end;
    }
    ksNext++;
    counter++;
  }
}

/**
 * Absorbs the length block (`aadLen` and `dataLen` in bytes) and computes the
 * tag E(J0) ^ GHASH. With `verify`, compares it in constant time with the tag
 * at GCM+16 and returns whether they match; otherwise writes it at GCM+16.
 */
export function gcmFinish(aadLen: u32, dataLen: u32, verify: bool): bool {
  store<u64>(BLK, bswap<u64>(<u64>aadLen << 3));
  store<u64>(BLK, bswap<u64>(<u64>dataLen << 3), 8);
  gcmHash(BLK, 16);
  store<u64>(CALC, bswap<u64>(load<u64>(Y)) ^ load<u64>(EJ0));
  store<u64>(CALC, bswap<u64>(load<u64>(Y, 8)) ^ load<u64>(EJ0, 8), 8);
  if (!verify) {
    memory.copy(TAG, CALC, 16);
    return true;
  }
  const d = (load<u64>(CALC) ^ load<u64>(TAG)) | (load<u64>(CALC, 8) ^ load<u64>(TAG, 8));
  return d == 0;
}

/**
 * One-shot seal: encrypts `len` bytes at `p` in place with `aadLen` bytes of
 * AAD at `aad`; the tag goes to GCM+16.
 */
export function gcmSeal(aad: usize, aadLen: i32, p: usize, len: i32): void {
  gcmBegin();
  gcmHash(aad, aadLen);
  gcmCtr(p, len);
  gcmHash(p, len);
  gcmFinish(<u32>aadLen, <u32>len, false);
}

/**
 * One-shot open: checks the tag at GCM+16 over the AAD and the ciphertext at
 * `p` first, and only when it matches decrypts in place. Returns the match.
 */
export function gcmOpen(aad: usize, aadLen: i32, p: usize, len: i32): bool {
  gcmBegin();
  gcmHash(aad, aadLen);
  gcmHash(p, len);
  const ok = gcmFinish(<u32>aadLen, <u32>len, true);
  if (ok) gcmCtr(p, len);
  return ok;
}

/** Wipes the key context, the GCM region (counters, accumulator, tags, nonce) and the keystream. */
export function gcmWipe(): void {
  memory.fill(GCM_KEY, 0, GCM_KEY_SIZE);
  memory.fill(GCM, 0, 128);
  memory.fill(KS, 0, 128);
  counter = 0;
  ksNext = 8;
}
