// MD5 compression over four independent blocks at once, one per 32-bit lane of
// WebAssembly SIMD (RFC 1321's steps, lane-wise). NTLM derives four keys from one
// session key (SIGNKEY and SEALKEY of each direction, MS-NLMP 3.4.5.2-3), then keys
// HMAC-MD5 with both sign keys: four messages of the same shape, so one pass does the
// work of four. MD5 is latency-bound, so the four lanes cost little more than one.

// @ts-ignore: decorator
@inline function rotl4(x: v128, s: i32): v128 {
  return v128.or(i32x4.shl(x, s), i32x4.shr_u(x, 32 - s));
}

/**
 * One MD5 block in each lane: the chaining values at `h` (A, B, C, D as four v128,
 * lane i holding message i's word), the message words at `m` (16 v128: word k of
 * message i in lane i of vector k).
 */
export function md5x4Block(h: usize, m: usize): void {
  let a = v128.load(h, 0);
  let b = v128.load(h, 16);
  let c = v128.load(h, 32);
  let d = v128.load(h, 48);
  const aa = a;
  const bb = b;
  const cc = c;
  const dd = d;
  const m0 = v128.load(m, 0);
  const m1 = v128.load(m, 16);
  const m2 = v128.load(m, 32);
  const m3 = v128.load(m, 48);
  const m4 = v128.load(m, 64);
  const m5 = v128.load(m, 80);
  const m6 = v128.load(m, 96);
  const m7 = v128.load(m, 112);
  const m8 = v128.load(m, 128);
  const m9 = v128.load(m, 144);
  const m10 = v128.load(m, 160);
  const m11 = v128.load(m, 176);
  const m12 = v128.load(m, 192);
  const m13 = v128.load(m, 208);
  const m14 = v128.load(m, 224);
  const m15 = v128.load(m, 240);
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(d, v128.and(b, v128.xor(c, d))), i32x4.add(a, i32x4.add(m0, i32x4.splat(0xd76aa478)))), 7));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(c, v128.and(a, v128.xor(b, c))), i32x4.add(d, i32x4.add(m1, i32x4.splat(0xe8c7b756)))), 12));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(b, v128.and(d, v128.xor(a, b))), i32x4.add(c, i32x4.add(m2, i32x4.splat(0x242070db)))), 17));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(a, v128.and(c, v128.xor(d, a))), i32x4.add(b, i32x4.add(m3, i32x4.splat(0xc1bdceee)))), 22));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(d, v128.and(b, v128.xor(c, d))), i32x4.add(a, i32x4.add(m4, i32x4.splat(0xf57c0faf)))), 7));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(c, v128.and(a, v128.xor(b, c))), i32x4.add(d, i32x4.add(m5, i32x4.splat(0x4787c62a)))), 12));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(b, v128.and(d, v128.xor(a, b))), i32x4.add(c, i32x4.add(m6, i32x4.splat(0xa8304613)))), 17));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(a, v128.and(c, v128.xor(d, a))), i32x4.add(b, i32x4.add(m7, i32x4.splat(0xfd469501)))), 22));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(d, v128.and(b, v128.xor(c, d))), i32x4.add(a, i32x4.add(m8, i32x4.splat(0x698098d8)))), 7));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(c, v128.and(a, v128.xor(b, c))), i32x4.add(d, i32x4.add(m9, i32x4.splat(0x8b44f7af)))), 12));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(b, v128.and(d, v128.xor(a, b))), i32x4.add(c, i32x4.add(m10, i32x4.splat(0xffff5bb1)))), 17));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(a, v128.and(c, v128.xor(d, a))), i32x4.add(b, i32x4.add(m11, i32x4.splat(0x895cd7be)))), 22));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(d, v128.and(b, v128.xor(c, d))), i32x4.add(a, i32x4.add(m12, i32x4.splat(0x6b901122)))), 7));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(c, v128.and(a, v128.xor(b, c))), i32x4.add(d, i32x4.add(m13, i32x4.splat(0xfd987193)))), 12));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(b, v128.and(d, v128.xor(a, b))), i32x4.add(c, i32x4.add(m14, i32x4.splat(0xa679438e)))), 17));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(a, v128.and(c, v128.xor(d, a))), i32x4.add(b, i32x4.add(m15, i32x4.splat(0x49b40821)))), 22));
  a = i32x4.add(b, rotl4(i32x4.add(i32x4.add(v128.and(b, d), v128.andnot(c, d)), i32x4.add(a, i32x4.add(m1, i32x4.splat(0xf61e2562)))), 5));
  d = i32x4.add(a, rotl4(i32x4.add(i32x4.add(v128.and(a, c), v128.andnot(b, c)), i32x4.add(d, i32x4.add(m6, i32x4.splat(0xc040b340)))), 9));
  c = i32x4.add(d, rotl4(i32x4.add(i32x4.add(v128.and(d, b), v128.andnot(a, b)), i32x4.add(c, i32x4.add(m11, i32x4.splat(0x265e5a51)))), 14));
  b = i32x4.add(c, rotl4(i32x4.add(i32x4.add(v128.and(c, a), v128.andnot(d, a)), i32x4.add(b, i32x4.add(m0, i32x4.splat(0xe9b6c7aa)))), 20));
  a = i32x4.add(b, rotl4(i32x4.add(i32x4.add(v128.and(b, d), v128.andnot(c, d)), i32x4.add(a, i32x4.add(m5, i32x4.splat(0xd62f105d)))), 5));
  d = i32x4.add(a, rotl4(i32x4.add(i32x4.add(v128.and(a, c), v128.andnot(b, c)), i32x4.add(d, i32x4.add(m10, i32x4.splat(0x02441453)))), 9));
  c = i32x4.add(d, rotl4(i32x4.add(i32x4.add(v128.and(d, b), v128.andnot(a, b)), i32x4.add(c, i32x4.add(m15, i32x4.splat(0xd8a1e681)))), 14));
  b = i32x4.add(c, rotl4(i32x4.add(i32x4.add(v128.and(c, a), v128.andnot(d, a)), i32x4.add(b, i32x4.add(m4, i32x4.splat(0xe7d3fbc8)))), 20));
  a = i32x4.add(b, rotl4(i32x4.add(i32x4.add(v128.and(b, d), v128.andnot(c, d)), i32x4.add(a, i32x4.add(m9, i32x4.splat(0x21e1cde6)))), 5));
  d = i32x4.add(a, rotl4(i32x4.add(i32x4.add(v128.and(a, c), v128.andnot(b, c)), i32x4.add(d, i32x4.add(m14, i32x4.splat(0xc33707d6)))), 9));
  c = i32x4.add(d, rotl4(i32x4.add(i32x4.add(v128.and(d, b), v128.andnot(a, b)), i32x4.add(c, i32x4.add(m3, i32x4.splat(0xf4d50d87)))), 14));
  b = i32x4.add(c, rotl4(i32x4.add(i32x4.add(v128.and(c, a), v128.andnot(d, a)), i32x4.add(b, i32x4.add(m8, i32x4.splat(0x455a14ed)))), 20));
  a = i32x4.add(b, rotl4(i32x4.add(i32x4.add(v128.and(b, d), v128.andnot(c, d)), i32x4.add(a, i32x4.add(m13, i32x4.splat(0xa9e3e905)))), 5));
  d = i32x4.add(a, rotl4(i32x4.add(i32x4.add(v128.and(a, c), v128.andnot(b, c)), i32x4.add(d, i32x4.add(m2, i32x4.splat(0xfcefa3f8)))), 9));
  c = i32x4.add(d, rotl4(i32x4.add(i32x4.add(v128.and(d, b), v128.andnot(a, b)), i32x4.add(c, i32x4.add(m7, i32x4.splat(0x676f02d9)))), 14));
  b = i32x4.add(c, rotl4(i32x4.add(i32x4.add(v128.and(c, a), v128.andnot(d, a)), i32x4.add(b, i32x4.add(m12, i32x4.splat(0x8d2a4c8a)))), 20));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(v128.xor(b, c), d), i32x4.add(a, i32x4.add(m5, i32x4.splat(0xfffa3942)))), 4));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(v128.xor(a, b), c), i32x4.add(d, i32x4.add(m8, i32x4.splat(0x8771f681)))), 11));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(v128.xor(d, a), b), i32x4.add(c, i32x4.add(m11, i32x4.splat(0x6d9d6122)))), 16));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(v128.xor(c, d), a), i32x4.add(b, i32x4.add(m14, i32x4.splat(0xfde5380c)))), 23));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(v128.xor(b, c), d), i32x4.add(a, i32x4.add(m1, i32x4.splat(0xa4beea44)))), 4));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(v128.xor(a, b), c), i32x4.add(d, i32x4.add(m4, i32x4.splat(0x4bdecfa9)))), 11));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(v128.xor(d, a), b), i32x4.add(c, i32x4.add(m7, i32x4.splat(0xf6bb4b60)))), 16));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(v128.xor(c, d), a), i32x4.add(b, i32x4.add(m10, i32x4.splat(0xbebfbc70)))), 23));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(v128.xor(b, c), d), i32x4.add(a, i32x4.add(m13, i32x4.splat(0x289b7ec6)))), 4));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(v128.xor(a, b), c), i32x4.add(d, i32x4.add(m0, i32x4.splat(0xeaa127fa)))), 11));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(v128.xor(d, a), b), i32x4.add(c, i32x4.add(m3, i32x4.splat(0xd4ef3085)))), 16));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(v128.xor(c, d), a), i32x4.add(b, i32x4.add(m6, i32x4.splat(0x04881d05)))), 23));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(v128.xor(b, c), d), i32x4.add(a, i32x4.add(m9, i32x4.splat(0xd9d4d039)))), 4));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(v128.xor(a, b), c), i32x4.add(d, i32x4.add(m12, i32x4.splat(0xe6db99e5)))), 11));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(v128.xor(d, a), b), i32x4.add(c, i32x4.add(m15, i32x4.splat(0x1fa27cf8)))), 16));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(v128.xor(c, d), a), i32x4.add(b, i32x4.add(m2, i32x4.splat(0xc4ac5665)))), 23));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(c, v128.or(b, v128.not(d))), i32x4.add(a, i32x4.add(m0, i32x4.splat(0xf4292244)))), 6));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(b, v128.or(a, v128.not(c))), i32x4.add(d, i32x4.add(m7, i32x4.splat(0x432aff97)))), 10));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(a, v128.or(d, v128.not(b))), i32x4.add(c, i32x4.add(m14, i32x4.splat(0xab9423a7)))), 15));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(d, v128.or(c, v128.not(a))), i32x4.add(b, i32x4.add(m5, i32x4.splat(0xfc93a039)))), 21));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(c, v128.or(b, v128.not(d))), i32x4.add(a, i32x4.add(m12, i32x4.splat(0x655b59c3)))), 6));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(b, v128.or(a, v128.not(c))), i32x4.add(d, i32x4.add(m3, i32x4.splat(0x8f0ccc92)))), 10));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(a, v128.or(d, v128.not(b))), i32x4.add(c, i32x4.add(m10, i32x4.splat(0xffeff47d)))), 15));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(d, v128.or(c, v128.not(a))), i32x4.add(b, i32x4.add(m1, i32x4.splat(0x85845dd1)))), 21));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(c, v128.or(b, v128.not(d))), i32x4.add(a, i32x4.add(m8, i32x4.splat(0x6fa87e4f)))), 6));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(b, v128.or(a, v128.not(c))), i32x4.add(d, i32x4.add(m15, i32x4.splat(0xfe2ce6e0)))), 10));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(a, v128.or(d, v128.not(b))), i32x4.add(c, i32x4.add(m6, i32x4.splat(0xa3014314)))), 15));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(d, v128.or(c, v128.not(a))), i32x4.add(b, i32x4.add(m13, i32x4.splat(0x4e0811a1)))), 21));
  a = i32x4.add(b, rotl4(i32x4.add(v128.xor(c, v128.or(b, v128.not(d))), i32x4.add(a, i32x4.add(m4, i32x4.splat(0xf7537e82)))), 6));
  d = i32x4.add(a, rotl4(i32x4.add(v128.xor(b, v128.or(a, v128.not(c))), i32x4.add(d, i32x4.add(m11, i32x4.splat(0xbd3af235)))), 10));
  c = i32x4.add(d, rotl4(i32x4.add(v128.xor(a, v128.or(d, v128.not(b))), i32x4.add(c, i32x4.add(m2, i32x4.splat(0x2ad7d2bb)))), 15));
  b = i32x4.add(c, rotl4(i32x4.add(v128.xor(d, v128.or(c, v128.not(a))), i32x4.add(b, i32x4.add(m9, i32x4.splat(0xeb86d391)))), 21));
  v128.store(h, i32x4.add(a, aa), 0);
  v128.store(h, i32x4.add(b, bb), 16);
  v128.store(h, i32x4.add(c, cc), 32);
  v128.store(h, i32x4.add(d, dd), 48);
}
