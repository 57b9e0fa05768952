// AES-GCM (NIST SP 800-38D) with 96-bit nonces and 16-byte tags, over the AES
// key schedule loaded in assembly/aes.ts.
//
// GHASH multiplies in GF(2^128) with the constant-time carry-less 64-bit
// multiplication of BearSSL's ghash_ctmul64 (integer multiplies of operands
// with 3-bit holes between the data bits; the high halves come from the
// bit-reversed operands), Karatsuba over the two 64-bit halves, then the
// reduction by x^128 + x^7 + x^2 + x + 1 in GCM's reflected bit order. No
// table lookups, so GHASH leaks nothing through the cache (the AES itself is
// table-driven; see aes.ts).
//
// Region GCM (128 bytes): the JS side writes the nonce at +0 (12 bytes) and
// the expected tag at +16 (open); the computed tag lands at +16 (seal).

import { encryptBlock } from "./aes";

/** GCM state region: nonce, tag, counter, E(J0), H, accumulator, work. Wiped by gcmWipe. */
export const GCM: usize = memory.data(128, 16);
const NONCE: usize = GCM;
const TAG: usize = GCM + 16;
const CTR: usize = GCM + 32;
const EJ0: usize = GCM + 48;
const H: usize = GCM + 64; // h1 (high, big-endian value) then h0, native u64s
const Y: usize = GCM + 80; // accumulator y1, y0, native u64s
const BLK: usize = GCM + 96; // partial block / keystream
const CALC: usize = GCM + 112; // computed tag

// @ts-ignore: decorator
@inline function bmul64(x: u64, y: u64): u64 {
  const m0: u64 = 0x1111111111111111;
  const m1: u64 = 0x2222222222222222;
  const m2: u64 = 0x4444444444444444;
  const m3: u64 = 0x8888888888888888;
  const x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3;
  const y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3;
  const z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  const z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  const z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  const z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3);
}

// @ts-ignore: decorator
@inline function rev64(x: u64): u64 {
  x = ((x & 0x5555555555555555) << 1) | ((x >> 1) & 0x5555555555555555);
  x = ((x & 0x3333333333333333) << 2) | ((x >> 2) & 0x3333333333333333);
  x = ((x & 0x0f0f0f0f0f0f0f0f) << 4) | ((x >> 4) & 0x0f0f0f0f0f0f0f0f);
  return bswap<u64>(x);
}

/**
 * Absorbs `len` bytes at `p` into the GHASH accumulator; a final partial block
 * is zero-padded (so AAD and ciphertext are each padded, as GCM requires, when
 * every call but the last of each covers whole blocks).
 */
export function gcmHash(p: usize, len: i32): void {
  let y1 = load<u64>(Y);
  let y0 = load<u64>(Y, 8);
  const h1 = load<u64>(H);
  const h0 = load<u64>(H, 8);
  const h0r = rev64(h0);
  const h1r = rev64(h1);
  const h2 = h0 ^ h1;
  const h2r = h0r ^ h1r;
  const end = p + <usize>len;
  while (p < end) {
    let src = p;
    if (end - p < 16) {
      memory.fill(BLK, 0, 16);
      memory.copy(BLK, p, end - p);
      src = BLK;
      p = end;
    } else {
      p += 16;
    }
    y1 ^= bswap<u64>(load<u64>(src));
    y0 ^= bswap<u64>(load<u64>(src, 8));
    const y0r = rev64(y0);
    const y1r = rev64(y1);
    const y2 = y0 ^ y1;
    const y2r = y0r ^ y1r;
    const z0 = bmul64(y0, h0);
    const z1 = bmul64(y1, h1);
    let z2 = bmul64(y2, h2);
    let z0h = bmul64(y0r, h0r);
    let z1h = bmul64(y1r, h1r);
    let z2h = bmul64(y2r, h2r);
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
    y0 = v2;
    y1 = v3;
  }
  store<u64>(Y, y1);
  store<u64>(Y, y0, 8);
}

/**
 * Starts a message under the loaded AES key and the nonce at GCM+0: H = E(0),
 * J0 = nonce || 1, E(J0) kept for the tag, the counter set to inc32(J0), the
 * accumulator cleared.
 */
export function gcmBegin(): void {
  memory.fill(BLK, 0, 16);
  encryptBlock(BLK, BLK);
  store<u64>(H, bswap<u64>(load<u64>(BLK)));
  store<u64>(H, bswap<u64>(load<u64>(BLK, 8)), 8);
  memory.fill(BLK, 0, 16);
  memory.copy(CTR, NONCE, 12);
  store<u32>(CTR, bswap<u32>(1), 12);
  encryptBlock(CTR, EJ0);
  store<u32>(CTR, bswap<u32>(2), 12);
  memory.fill(Y, 0, 16);
}

/** XORs `len` bytes at `p` in place with the CTR keystream (inc32), advancing the counter. */
export function gcmCtr(p: usize, len: i32): void {
  let c = bswap<u32>(load<u32>(CTR, 12));
  const end = p + <usize>len;
  for (; end - p >= 16; p += 16) {
    store<u32>(CTR, bswap<u32>(c++), 12);
    encryptBlock(CTR, BLK);
    store<u64>(p, load<u64>(p) ^ load<u64>(BLK));
    store<u64>(p, load<u64>(p, 8) ^ load<u64>(BLK, 8), 8);
  }
  if (p < end) {
    store<u32>(CTR, bswap<u32>(c++), 12);
    encryptBlock(CTR, BLK);
    for (let i: usize = 0; p + i < end; i++) store<u8>(p + i, load<u8>(p + i) ^ load<u8>(BLK + i));
  }
  store<u32>(CTR, bswap<u32>(c), 12);
  memory.fill(BLK, 0, 16);
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

/** Wipes the GCM region (H, counters, accumulator, tags, nonce). */
export function gcmWipe(): void {
  memory.fill(GCM, 0, 128);
}
