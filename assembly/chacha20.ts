// ChaCha20-Poly1305 (RFC 8439): the ChaCha20 stream cipher (2.3, 2.4), the
// Poly1305 one-time authenticator (2.5) and the AEAD construction (2.8), with
// a 32-byte key, a 96-bit nonce and a 32-bit block counter.
//
// ChaCha20 is add-rotate-xor on u32 words: constant time by construction.
// Runs of 256 bytes take four blocks at once, one per SIMD lane (xor4).
// Poly1305 is poly1305-donna-32: the accumulator and r in five 26-bit limbs,
// products of limbs in u64, carries by shifts and masks, and the final
// reduction mod 2^130 - 5 selected with masks, not branches.
//
// Region CHACHA (128 bytes): the JS side writes the key at +0 (32 bytes) and
// the nonce at +32 (12 bytes), and the expected tag at +48 (open); the
// computed tag lands at +48 (seal). chachaWipe wipes the region, the
// keystream block and the Poly1305 state.

/** Key (+0, 32 bytes), nonce (+32, 12), tag (+48, 16), computed tag (+64), partial block (+80). */
export const CHACHA: usize = memory.data(128, 16);
const KEY: usize = CHACHA;
const NONCE: usize = CHACHA + 32;
const TAG: usize = CHACHA + 48;
const CALC: usize = CHACHA + 64;
const BLK: usize = CHACHA + 80;
/** One 64-byte keystream block; KS + ksPos is the next unused byte while ksPos < 64. */
const KS: usize = memory.data(64, 16);
let counter: u32 = 0;
let ksPos: i32 = 64;

// Poly1305 state: r (five 26-bit limbs), s = 5 r, the accumulator h, the pad s.
let r0: u32 = 0, r1: u32 = 0, r2: u32 = 0, r3: u32 = 0, r4: u32 = 0;
let h0: u32 = 0, h1: u32 = 0, h2: u32 = 0, h3: u32 = 0, h4: u32 = 0;
let p0: u32 = 0, p1: u32 = 0, p2: u32 = 0, p3: u32 = 0;

const C0: u32 = 0x61707865;
const C1: u32 = 0x3320646e;
const C2: u32 = 0x79622d32;
const C3: u32 = 0x6b206574;

/** The ChaCha20 block (RFC 8439 2.3) of the key, nonce and `counter` into KS. */
function block(): void {
  let x0 = C0, x1 = C1, x2 = C2, x3 = C3;
  let x4 = load<u32>(KEY), x5 = load<u32>(KEY, 4), x6 = load<u32>(KEY, 8), x7 = load<u32>(KEY, 12);
  let x8 = load<u32>(KEY, 16), x9 = load<u32>(KEY, 20), x10 = load<u32>(KEY, 24), x11 = load<u32>(KEY, 28);
  let x12 = counter, x13 = load<u32>(NONCE), x14 = load<u32>(NONCE, 4), x15 = load<u32>(NONCE, 8);
  for (let i = 0; i < 10; i++) {
    // Columns.
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12);
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
    // Diagonals.
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
  }
  store<u32>(KS, x0 + C0);
  store<u32>(KS, x1 + C1, 4);
  store<u32>(KS, x2 + C2, 8);
  store<u32>(KS, x3 + C3, 12);
  store<u32>(KS, x4 + load<u32>(KEY), 16);
  store<u32>(KS, x5 + load<u32>(KEY, 4), 20);
  store<u32>(KS, x6 + load<u32>(KEY, 8), 24);
  store<u32>(KS, x7 + load<u32>(KEY, 12), 28);
  store<u32>(KS, x8 + load<u32>(KEY, 16), 32);
  store<u32>(KS, x9 + load<u32>(KEY, 20), 36);
  store<u32>(KS, x10 + load<u32>(KEY, 24), 40);
  store<u32>(KS, x11 + load<u32>(KEY, 28), 44);
  store<u32>(KS, x12 + counter, 48);
  store<u32>(KS, x13 + load<u32>(NONCE), 52);
  store<u32>(KS, x14 + load<u32>(NONCE, 4), 56);
  store<u32>(KS, x15 + load<u32>(NONCE, 8), 60);
}

// @ts-ignore: decorator
@inline function rot16(x: v128): v128 {
  return v128.shuffle<u8>(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}
// @ts-ignore: decorator
@inline function rot8(x: v128): v128 {
  return v128.shuffle<u8>(x, x, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
}
// @ts-ignore: decorator
@inline function rotl12(x: v128): v128 {
  return v128.or(i32x4.shl(x, 12), i32x4.shr_u(x, 20));
}
// @ts-ignore: decorator
@inline function rotl7(x: v128): v128 {
  return v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
}

/**
 * Transposes four state rows (lane j of `a`..`d` = words 4g..4g+3 of block j) and
 * XORs them into the data: block j's 16 bytes at `p + 64 j`.
 */
// @ts-ignore: decorator
@inline function out4(p: usize, a: v128, b: v128, c: v128, d: v128): void {
  const t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  const t2 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  const t3 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(p, v128.xor(v128.load(p), v128.shuffle<i64>(t0, t1, 0, 2)));
  v128.store(p, v128.xor(v128.load(p, 64), v128.shuffle<i64>(t0, t1, 1, 3)), 64);
  v128.store(p, v128.xor(v128.load(p, 128), v128.shuffle<i64>(t2, t3, 0, 2)), 128);
  v128.store(p, v128.xor(v128.load(p, 192), v128.shuffle<i64>(t2, t3, 1, 3)), 192);
}

/**
 * XORs the 256 bytes at `p` with blocks `counter` .. `counter + 3`, computed four at
 * a time in SIMD lanes (lane j: block counter + j). Nothing of the keystream is
 * stored. The caller advances the counter.
 */
function xor4(p: usize): void {
  const i0 = i32x4.splat(<i32>C0), i1 = i32x4.splat(<i32>C1), i2 = i32x4.splat(<i32>C2), i3 = i32x4.splat(<i32>C3);
  const i4 = i32x4.splat(load<i32>(KEY, 0));
  const i5 = i32x4.splat(load<i32>(KEY, 4));
  const i6 = i32x4.splat(load<i32>(KEY, 8));
  const i7 = i32x4.splat(load<i32>(KEY, 12));
  const i8 = i32x4.splat(load<i32>(KEY, 16));
  const i9 = i32x4.splat(load<i32>(KEY, 20));
  const i10 = i32x4.splat(load<i32>(KEY, 24));
  const i11 = i32x4.splat(load<i32>(KEY, 28));
  const i12 = i32x4.add(i32x4.splat(<i32>counter), i32x4(0, 1, 2, 3));
  const i13 = i32x4.splat(load<i32>(NONCE, 0));
  const i14 = i32x4.splat(load<i32>(NONCE, 4));
  const i15 = i32x4.splat(load<i32>(NONCE, 8));
  let v0 = i0; let v1 = i1; let v2 = i2; let v3 = i3; let v4 = i4; let v5 = i5; let v6 = i6; let v7 = i7; let v8 = i8; let v9 = i9; let v10 = i10; let v11 = i11; let v12 = i12; let v13 = i13; let v14 = i14; let v15 = i15;
  for (let r = 0; r < 10; r++) {
    v0 = i32x4.add(v0, v4); v12 = rot16(v128.xor(v12, v0));
    v8 = i32x4.add(v8, v12); v4 = rotl12(v128.xor(v4, v8));
    v0 = i32x4.add(v0, v4); v12 = rot8(v128.xor(v12, v0));
    v8 = i32x4.add(v8, v12); v4 = rotl7(v128.xor(v4, v8));
    v1 = i32x4.add(v1, v5); v13 = rot16(v128.xor(v13, v1));
    v9 = i32x4.add(v9, v13); v5 = rotl12(v128.xor(v5, v9));
    v1 = i32x4.add(v1, v5); v13 = rot8(v128.xor(v13, v1));
    v9 = i32x4.add(v9, v13); v5 = rotl7(v128.xor(v5, v9));
    v2 = i32x4.add(v2, v6); v14 = rot16(v128.xor(v14, v2));
    v10 = i32x4.add(v10, v14); v6 = rotl12(v128.xor(v6, v10));
    v2 = i32x4.add(v2, v6); v14 = rot8(v128.xor(v14, v2));
    v10 = i32x4.add(v10, v14); v6 = rotl7(v128.xor(v6, v10));
    v3 = i32x4.add(v3, v7); v15 = rot16(v128.xor(v15, v3));
    v11 = i32x4.add(v11, v15); v7 = rotl12(v128.xor(v7, v11));
    v3 = i32x4.add(v3, v7); v15 = rot8(v128.xor(v15, v3));
    v11 = i32x4.add(v11, v15); v7 = rotl7(v128.xor(v7, v11));
    v0 = i32x4.add(v0, v5); v15 = rot16(v128.xor(v15, v0));
    v10 = i32x4.add(v10, v15); v5 = rotl12(v128.xor(v5, v10));
    v0 = i32x4.add(v0, v5); v15 = rot8(v128.xor(v15, v0));
    v10 = i32x4.add(v10, v15); v5 = rotl7(v128.xor(v5, v10));
    v1 = i32x4.add(v1, v6); v12 = rot16(v128.xor(v12, v1));
    v11 = i32x4.add(v11, v12); v6 = rotl12(v128.xor(v6, v11));
    v1 = i32x4.add(v1, v6); v12 = rot8(v128.xor(v12, v1));
    v11 = i32x4.add(v11, v12); v6 = rotl7(v128.xor(v6, v11));
    v2 = i32x4.add(v2, v7); v13 = rot16(v128.xor(v13, v2));
    v8 = i32x4.add(v8, v13); v7 = rotl12(v128.xor(v7, v8));
    v2 = i32x4.add(v2, v7); v13 = rot8(v128.xor(v13, v2));
    v8 = i32x4.add(v8, v13); v7 = rotl7(v128.xor(v7, v8));
    v3 = i32x4.add(v3, v4); v14 = rot16(v128.xor(v14, v3));
    v9 = i32x4.add(v9, v14); v4 = rotl12(v128.xor(v4, v9));
    v3 = i32x4.add(v3, v4); v14 = rot8(v128.xor(v14, v3));
    v9 = i32x4.add(v9, v14); v4 = rotl7(v128.xor(v4, v9));
  }
  v0 = i32x4.add(v0, i0);
  v1 = i32x4.add(v1, i1);
  v2 = i32x4.add(v2, i2);
  v3 = i32x4.add(v3, i3);
  v4 = i32x4.add(v4, i4);
  v5 = i32x4.add(v5, i5);
  v6 = i32x4.add(v6, i6);
  v7 = i32x4.add(v7, i7);
  v8 = i32x4.add(v8, i8);
  v9 = i32x4.add(v9, i9);
  v10 = i32x4.add(v10, i10);
  v11 = i32x4.add(v11, i11);
  v12 = i32x4.add(v12, i12);
  v13 = i32x4.add(v13, i13);
  v14 = i32x4.add(v14, i14);
  v15 = i32x4.add(v15, i15);
  out4(p + 0, v0, v1, v2, v3);
  out4(p + 16, v4, v5, v6, v7);
  out4(p + 32, v8, v9, v10, v11);
  out4(p + 48, v12, v13, v14, v15);
}

/**
 * XORs `len` bytes at `p` in place with the ChaCha20 keystream of the key and
 * nonce in the CHACHA region, continuing from the current block counter and
 * position (so consecutive calls continue one stream).
 */
export function chachaXor(p: usize, len: i32): void {
  const end = p + <usize>len;
  while (p < end) {
    if (ksPos == 64) {
      if (end - p >= 256) {
        xor4(p);
        counter += 4;
        p += 256;
        continue;
      }
      block();
      counter++;
      ksPos = 0;
      if (end - p >= 64) {
        v128.store(p, v128.xor(v128.load(p), v128.load(KS)));
        v128.store(p, v128.xor(v128.load(p, 16), v128.load(KS, 16)), 16);
        v128.store(p, v128.xor(v128.load(p, 32), v128.load(KS, 32)), 32);
        v128.store(p, v128.xor(v128.load(p, 48), v128.load(KS, 48)), 48);
        p += 64;
        ksPos = 64;
        continue;
      }
    }
    store<u8>(p, load<u8>(p) ^ load<u8>(KS + <usize>ksPos));
    p++;
    ksPos++;
  }
}

/**
 * Sets the block counter (and drops any buffered keystream), so the next
 * `chachaXor` starts at block `c`.
 */
export function chachaSetCounter(c: u32): void {
  counter = c;
  ksPos = 64;
}

/** Poly1305 key setup from the 32-byte one-time key at `k`: r (clamped) and the pad. */
function polyInit(k: usize): void {
  r0 = load<u32>(k) & 0x3ffffff;
  r1 = (load<u32>(k, 3) >>> 2) & 0x3ffff03;
  r2 = (load<u32>(k, 6) >>> 4) & 0x3ffc0ff;
  r3 = (load<u32>(k, 9) >>> 6) & 0x3f03fff;
  r4 = (load<u32>(k, 12) >>> 8) & 0x00fffff;
  p0 = load<u32>(k, 16);
  p1 = load<u32>(k, 20);
  p2 = load<u32>(k, 24);
  p3 = load<u32>(k, 28);
  h0 = 0; h1 = 0; h2 = 0; h3 = 0; h4 = 0;
}

/** Absorbs `n` whole 16-byte blocks at `m`, each plus `hibit` << 104 (1 << 24: the 2^128 bit). */
function polyBlocks(m: usize, n: i32, hibit: u32 = 1 << 24): void {
  const M: u32 = 0x3ffffff;
  const R0 = <u64>r0, R1 = <u64>r1, R2 = <u64>r2, R3 = <u64>r3, R4 = <u64>r4;
  const S1 = R1 * 5, S2 = R2 * 5, S3 = R3 * 5, S4 = R4 * 5;
  let a0 = h0, a1 = h1, a2 = h2, a3 = h3, a4 = h4;
  for (let i = 0; i < n; i++) {
    a0 += load<u32>(m) & M;
    a1 += (load<u32>(m, 3) >>> 2) & M;
    a2 += (load<u32>(m, 6) >>> 4) & M;
    a3 += (load<u32>(m, 9) >>> 6) & M;
    a4 += (load<u32>(m, 12) >>> 8) | hibit;
    const b0 = <u64>a0, b1 = <u64>a1, b2 = <u64>a2, b3 = <u64>a3, b4 = <u64>a4;
    const d0 = b0 * R0 + b1 * S4 + b2 * S3 + b3 * S2 + b4 * S1;
    let d1 = b0 * R1 + b1 * R0 + b2 * S4 + b3 * S3 + b4 * S2;
    let d2 = b0 * R2 + b1 * R1 + b2 * R0 + b3 * S4 + b4 * S3;
    let d3 = b0 * R3 + b1 * R2 + b2 * R1 + b3 * R0 + b4 * S4;
    let d4 = b0 * R4 + b1 * R3 + b2 * R2 + b3 * R1 + b4 * R0;
    a0 = <u32>d0 & M;
    d1 += d0 >> 26;
    a1 = <u32>d1 & M;
    d2 += d1 >> 26;
    a2 = <u32>d2 & M;
    d3 += d2 >> 26;
    a3 = <u32>d3 & M;
    d4 += d3 >> 26;
    a4 = <u32>d4 & M;
    a0 += <u32>(d4 >> 26) * 5;
    a1 += a0 >>> 26;
    a0 &= M;
    m += 16;
  }
  h0 = a0; h1 = a1; h2 = a2; h3 = a3; h4 = a4;
}

/**
 * Absorbs `len` bytes at `p` into Poly1305 as 16-byte blocks, a final partial
 * block zero-padded to 16 (the padding of the AEAD construction, 2.8). Chunks
 * fed in several calls must be multiples of 16 bytes except the last.
 */
export function chachaHash(p: usize, len: i32): void {
  const whole = len >> 4;
  if (whole > 0) polyBlocks(p, whole);
  const rest = len & 15;
  if (rest != 0) {
    memory.fill(BLK, 0, 16);
    memory.copy(BLK, p + (<usize>whole << 4), rest);
    polyBlocks(BLK, 1);
    memory.fill(BLK, 0, 16);
  }
}

/** The Poly1305 tag (h mod 2^130 - 5, plus the pad, mod 2^128) into `out`. */
function polyFinish(out: usize): void {
  const M: u32 = 0x3ffffff;
  let a0 = h0, a1 = h1, a2 = h2, a3 = h3, a4 = h4;
  let c: u32;
  c = a1 >>> 26; a1 &= M; a2 += c;
  c = a2 >>> 26; a2 &= M; a3 += c;
  c = a3 >>> 26; a3 &= M; a4 += c;
  c = a4 >>> 26; a4 &= M; a0 += c * 5;
  c = a0 >>> 26; a0 &= M; a1 += c;
  // g = h + 5 - 2^130; take g when it does not borrow.
  let g0 = a0 + 5; c = g0 >>> 26; g0 &= M;
  let g1 = a1 + c; c = g1 >>> 26; g1 &= M;
  let g2 = a2 + c; c = g2 >>> 26; g2 &= M;
  let g3 = a3 + c; c = g3 >>> 26; g3 &= M;
  let g4 = a4 + c - (1 << 26);
  let mask = (g4 >>> 31) - 1; // all ones when g4 did not borrow
  g0 &= mask; g1 &= mask; g2 &= mask; g3 &= mask; g4 &= mask;
  mask = ~mask;
  a0 = (a0 & mask) | g0;
  a1 = (a1 & mask) | g1;
  a2 = (a2 & mask) | g2;
  a3 = (a3 & mask) | g3;
  a4 = (a4 & mask) | g4;
  const w0 = a0 | (a1 << 26);
  const w1 = (a1 >>> 6) | (a2 << 20);
  const w2 = (a2 >>> 12) | (a3 << 14);
  const w3 = (a3 >>> 18) | (a4 << 8);
  let f: u64 = <u64>w0 + <u64>p0;
  store<u32>(out, <u32>f);
  f = <u64>w1 + <u64>p1 + (f >> 32);
  store<u32>(out, <u32>f, 4);
  f = <u64>w2 + <u64>p2 + (f >> 32);
  store<u32>(out, <u32>f, 8);
  f = <u64>w3 + <u64>p3 + (f >> 32);
  store<u32>(out, <u32>f, 12);
}

/**
 * Plain Poly1305 (2.5) with the one-time key at CHACHA+0 over `len` bytes at
 * `p` (a final partial block padded with 1 then zeros); the tag goes to
 * CHACHA+48. For test vectors; the AEAD calls below do not use it.
 */
export function poly1305(p: usize, len: i32): void {
  polyInit(KEY);
  const whole = len >> 4;
  if (whole > 0) polyBlocks(p, whole);
  const rest = len & 15;
  if (rest != 0) {
    memory.fill(BLK, 0, 16);
    memory.copy(BLK, p + (<usize>whole << 4), rest);
    store<u8>(BLK + <usize>rest, 1);
    polyBlocks(BLK, 1, 0);
    memory.fill(BLK, 0, 16);
  }
  polyFinish(TAG);
}

/**
 * Starts an AEAD message (2.8) under the key and nonce in the CHACHA region:
 * the Poly1305 key from block 0, the counter set to 1.
 */
export function chachaBegin(): void {
  counter = 0;
  block();
  polyInit(KS);
  memory.fill(KS, 0, 64);
  counter = 1;
  ksPos = 64;
}

/**
 * Absorbs the lengths and computes the tag. With `verify`, compares it in
 * constant time with the tag at CHACHA+48 and returns whether they match;
 * otherwise writes it at CHACHA+48.
 */
export function chachaFinish(aadLen: u32, dataLen: u32, verify: bool): bool {
  store<u64>(BLK, <u64>aadLen);
  store<u64>(BLK, <u64>dataLen, 8);
  polyBlocks(BLK, 1);
  memory.fill(BLK, 0, 16);
  polyFinish(CALC);
  if (!verify) {
    memory.copy(TAG, CALC, 16);
    return true;
  }
  const d = (load<u64>(CALC) ^ load<u64>(TAG)) | (load<u64>(CALC, 8) ^ load<u64>(TAG, 8));
  return d == 0;
}

/** One-shot seal: encrypts `len` bytes at `p` in place; `aadLen` bytes of AAD at `aad`; tag to CHACHA+48. */
export function chachaSeal(aad: usize, aadLen: i32, p: usize, len: i32): void {
  chachaBegin();
  chachaHash(aad, aadLen);
  chachaXor(p, len);
  chachaHash(p, len);
  chachaFinish(<u32>aadLen, <u32>len, false);
}

/**
 * One-shot open: checks the tag at CHACHA+48 over the AAD and the ciphertext
 * first, and only when it matches decrypts `len` bytes at `p` in place.
 */
export function chachaOpen(aad: usize, aadLen: i32, p: usize, len: i32): bool {
  chachaBegin();
  chachaHash(aad, aadLen);
  chachaHash(p, len);
  const ok = chachaFinish(<u32>aadLen, <u32>len, true);
  if (ok) chachaXor(p, len);
  return ok;
}

/** Wipes the CHACHA region (key, nonce, tags), the keystream block and the Poly1305 state. */
export function chachaWipe(): void {
  memory.fill(CHACHA, 0, 128);
  memory.fill(KS, 0, 64);
  counter = 0;
  ksPos = 64;
  r0 = 0; r1 = 0; r2 = 0; r3 = 0; r4 = 0;
  h0 = 0; h1 = 0; h2 = 0; h3 = 0; h4 = 0;
  p0 = 0; p1 = 0; p2 = 0; p3 = 0;
}
