// Bitsliced AES encryption of eight blocks at once over WebAssembly SIMD, for
// the CTR keystream of AES-GCM (assembly/gcm.ts).
//
// Layout (Käsper-Schwabe style): eight v128 "planes"; plane i holds bit i of
// every state byte, byte lane j of a plane is state byte j (4 * column + row,
// the order of the block in memory), and bit k of that lane belongs to block k.
// So ShiftRows and the row rotations of MixColumns are byte shuffles, the
// S-box is the Boyar-Peralta circuit (eprint 2009/191: 32 AND, 83 XOR, 4 XNOR)
// on whole planes, and a round key is eight planes of 0x00/0xff bytes.
//
// No data-dependent table lookup, branch or address: constant-time with respect
// to the key and the data (unlike the table-driven aes.ts, which Kerberos uses).

/** Bytes of one bitsliced round key (eight planes). */
export const BS_RK: i32 = 128;
/** Bytes of a bitsliced schedule for up to 14 rounds. */
export const BS_KS_SIZE: i32 = 15 * 128;

// @ts-ignore: decorator
@inline function swapmove(a: v128, b: v128, n: i32, m: v128, hi: bool): v128 {
  // Returns the new a (hi = false) or the new b (hi = true) of the exchange
  // t = ((a >> n) ^ b) & m; b ^= t; a ^= t << n.
  const t = v128.and(v128.xor(i64x2.shr_u(a, n), b), m);
  return hi ? v128.xor(b, t) : v128.xor(a, i64x2.shl(t, n));
}

/**
 * Bitslices (or, being an involution, un-bitslices) the eight 16-byte blocks at
 * `p` in place: an 8x8 bit transpose within every byte lane.
 */
export function bsTranspose(p: usize): void {
  let a0 = v128.load(p, 0);
  let a1 = v128.load(p, 16);
  let a2 = v128.load(p, 32);
  let a3 = v128.load(p, 48);
  let a4 = v128.load(p, 64);
  let a5 = v128.load(p, 80);
  let a6 = v128.load(p, 96);
  let a7 = v128.load(p, 112);
  let m = i8x16.splat(0x55);
  let t: v128;
  t = swapmove(a0, a1, 1, m, true); a0 = swapmove(a0, a1, 1, m, false); a1 = t;
  t = swapmove(a2, a3, 1, m, true); a2 = swapmove(a2, a3, 1, m, false); a3 = t;
  t = swapmove(a4, a5, 1, m, true); a4 = swapmove(a4, a5, 1, m, false); a5 = t;
  t = swapmove(a6, a7, 1, m, true); a6 = swapmove(a6, a7, 1, m, false); a7 = t;
  m = i8x16.splat(0x33);
  t = swapmove(a0, a2, 2, m, true); a0 = swapmove(a0, a2, 2, m, false); a2 = t;
  t = swapmove(a1, a3, 2, m, true); a1 = swapmove(a1, a3, 2, m, false); a3 = t;
  t = swapmove(a4, a6, 2, m, true); a4 = swapmove(a4, a6, 2, m, false); a6 = t;
  t = swapmove(a5, a7, 2, m, true); a5 = swapmove(a5, a7, 2, m, false); a7 = t;
  m = i8x16.splat(0x0f);
  t = swapmove(a0, a4, 4, m, true); a0 = swapmove(a0, a4, 4, m, false); a4 = t;
  t = swapmove(a1, a5, 4, m, true); a1 = swapmove(a1, a5, 4, m, false); a5 = t;
  t = swapmove(a2, a6, 4, m, true); a2 = swapmove(a2, a6, 4, m, false); a6 = t;
  t = swapmove(a3, a7, 4, m, true); a3 = swapmove(a3, a7, 4, m, false); a7 = t;
  v128.store(p, a0, 0);
  v128.store(p, a1, 16);
  v128.store(p, a2, 32);
  v128.store(p, a3, 48);
  v128.store(p, a4, 64);
  v128.store(p, a5, 80);
  v128.store(p, a6, 96);
  v128.store(p, a7, 112);
}

/**
 * Converts `rounds + 1` round keys of the standard schedule at `ek` (16 bytes
 * each, in block byte order) into bitsliced round keys at `out`.
 */
export function bsKeySchedule(ek: usize, rounds: i32, out: usize): void {
  for (let r = 0; r <= rounds; r++) {
    const k = v128.load(ek + (<usize>r << 4));
    for (let i = 0; i < 8; i++) {
      const plane = i8x16.shr_s(i8x16.shl(k, 7 - i), 7);
      v128.store(out + (<usize>r << 7) + (<usize>i << 4), plane);
    }
  }
}

// Byte shuffles: ShiftRows, ShiftRows then rotate rows by one, rotate rows by two.
// @ts-ignore: decorator
@inline function sr(x: v128): v128 {
  return i8x16.shuffle(x, x, 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11);
}
// @ts-ignore: decorator
@inline function sr1(x: v128): v128 {
  return i8x16.shuffle(x, x, 5, 10, 15, 0, 9, 14, 3, 4, 13, 2, 7, 8, 1, 6, 11, 12);
}
// @ts-ignore: decorator
@inline function rot2(x: v128): v128 {
  return i8x16.shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}

/**
 * Encrypts the eight blocks at `p` in place with the bitsliced schedule at `ks`
 * (`rounds` = 10 or 14).
 */
export function bsEncrypt8(ks: usize, rounds: i32, p: usize): void {
  bsTranspose(p);
  let q0 = v128.xor(v128.load(p, 0), v128.load(ks, 0));
  let q1 = v128.xor(v128.load(p, 16), v128.load(ks, 16));
  let q2 = v128.xor(v128.load(p, 32), v128.load(ks, 32));
  let q3 = v128.xor(v128.load(p, 48), v128.load(ks, 48));
  let q4 = v128.xor(v128.load(p, 64), v128.load(ks, 64));
  let q5 = v128.xor(v128.load(p, 80), v128.load(ks, 80));
  let q6 = v128.xor(v128.load(p, 96), v128.load(ks, 96));
  let q7 = v128.xor(v128.load(p, 112), v128.load(ks, 112));
  for (let r = 1; r <= rounds; r++) {
    // SubBytes: Boyar-Peralta; x0 is the most significant bit.
    const x0 = q7, x1 = q6, x2 = q5, x3 = q4, x4 = q3, x5 = q2, x6 = q1, x7 = q0;
    const y14 = v128.xor(x3, x5), y13 = v128.xor(x0, x6), y9 = v128.xor(x0, x3), y8 = v128.xor(x0, x5);
    const t0 = v128.xor(x1, x2), y1 = v128.xor(t0, x7), y4 = v128.xor(y1, x3), y12 = v128.xor(y13, y14);
    const y2 = v128.xor(y1, x0), y5 = v128.xor(y1, x6), y3 = v128.xor(y5, y8), t1 = v128.xor(x4, y12);
    const y15 = v128.xor(t1, x5), y20 = v128.xor(t1, x1), y6 = v128.xor(y15, x7), y10 = v128.xor(y15, t0);
    const y11 = v128.xor(y20, y9), y7 = v128.xor(x7, y11), y17 = v128.xor(y10, y11), y19 = v128.xor(y10, y8);
    const y16 = v128.xor(t0, y11), y21 = v128.xor(y13, y16), y18 = v128.xor(x0, y16);
    const t2 = v128.and(y12, y15), t3 = v128.and(y3, y6), t4 = v128.xor(t3, t2), t5 = v128.and(y4, x7);
    const t6 = v128.xor(t5, t2), t7 = v128.and(y13, y16), t8 = v128.and(y5, y1), t9 = v128.xor(t8, t7);
    const t10 = v128.and(y2, y7), t11 = v128.xor(t10, t7), t12 = v128.and(y9, y11), t13 = v128.and(y14, y17);
    const t14 = v128.xor(t13, t12), t15 = v128.and(y8, y10), t16 = v128.xor(t15, t12), t17 = v128.xor(t4, t14);
    const t18 = v128.xor(t6, t16), t19 = v128.xor(t9, t14), t20 = v128.xor(t11, t16), t21 = v128.xor(t17, y20);
    const t22 = v128.xor(t18, y19), t23 = v128.xor(t19, y21), t24 = v128.xor(t20, y18);
    const t25 = v128.xor(t21, t22), t26 = v128.and(t21, t23), t27 = v128.xor(t24, t26), t28 = v128.and(t25, t27);
    const t29 = v128.xor(t28, t22), t30 = v128.xor(t23, t24), t31 = v128.xor(t22, t26), t32 = v128.and(t31, t30);
    const t33 = v128.xor(t32, t24), t34 = v128.xor(t23, t33), t35 = v128.xor(t27, t33), t36 = v128.and(t24, t35);
    const t37 = v128.xor(t36, t34), t38 = v128.xor(t27, t36), t39 = v128.and(t29, t38), t40 = v128.xor(t25, t39);
    const t41 = v128.xor(t40, t37), t42 = v128.xor(t29, t33), t43 = v128.xor(t29, t40), t44 = v128.xor(t33, t37);
    const t45 = v128.xor(t42, t41);
    const z0 = v128.and(t44, y15), z1 = v128.and(t37, y6), z2 = v128.and(t33, x7), z3 = v128.and(t43, y16);
    const z4 = v128.and(t40, y1), z5 = v128.and(t29, y7), z6 = v128.and(t42, y11), z7 = v128.and(t45, y17);
    const z8 = v128.and(t41, y10), z9 = v128.and(t44, y12), z10 = v128.and(t37, y3), z11 = v128.and(t33, y4);
    const z12 = v128.and(t43, y13), z13 = v128.and(t40, y5), z14 = v128.and(t29, y2), z15 = v128.and(t42, y9);
    const z16 = v128.and(t45, y14), z17 = v128.and(t41, y8);
    const t46 = v128.xor(z15, z16), t47 = v128.xor(z10, z11), t48 = v128.xor(z5, z13), t49 = v128.xor(z9, z10);
    const t50 = v128.xor(z2, z12), t51 = v128.xor(z2, z5), t52 = v128.xor(z7, z8), t53 = v128.xor(z0, z3);
    const t54 = v128.xor(z6, z7), t55 = v128.xor(z16, z17), t56 = v128.xor(z12, t48), t57 = v128.xor(t50, t53);
    const t58 = v128.xor(z4, t46), t59 = v128.xor(z3, t54), t60 = v128.xor(t46, t57), t61 = v128.xor(z14, t57);
    const t62 = v128.xor(t52, t58), t63 = v128.xor(t49, t58), t64 = v128.xor(z4, t59), t65 = v128.xor(t61, t62);
    const t66 = v128.xor(z1, t63), t67 = v128.xor(t64, t65);
    const s3 = v128.xor(t53, t66);
    const s0 = v128.xor(t59, t63);
    const s1 = v128.not(v128.xor(t64, s3));
    const s2 = v128.not(v128.xor(t55, t67));
    const s4 = v128.xor(t51, t66);
    const s5 = v128.xor(t47, t65);
    const s6 = v128.not(v128.xor(t56, t62));
    const s7 = v128.not(v128.xor(t48, t60));
    const k = ks + (<usize>r << 7);
    if (r < rounds) {
      // ShiftRows, then MixColumns as 2(a ^ a') ^ a' ^ rot2(a ^ a'), a' = a with
      // rows rotated by one; bit i of 2d is d[i-1], plus d[7] into bits 0, 1, 3, 4.
      const a0 = sr(s7), a1 = sr(s6), a2 = sr(s5), a3 = sr(s4);
      const a4 = sr(s3), a5 = sr(s2), a6 = sr(s1), a7 = sr(s0);
      const r0 = sr1(s7), r1 = sr1(s6), r2 = sr1(s5), r3 = sr1(s4);
      const r4 = sr1(s3), r5 = sr1(s2), r6 = sr1(s1), r7 = sr1(s0);
      const d0 = v128.xor(a0, r0), d1 = v128.xor(a1, r1), d2 = v128.xor(a2, r2), d3 = v128.xor(a3, r3);
      const d4 = v128.xor(a4, r4), d5 = v128.xor(a5, r5), d6 = v128.xor(a6, r6), d7 = v128.xor(a7, r7);
      q0 = v128.xor(v128.xor(v128.xor(d7, r0), rot2(d0)), v128.load(k, 0));
      q1 = v128.xor(v128.xor(v128.xor(d0, d7), v128.xor(r1, rot2(d1))), v128.load(k, 16));
      q2 = v128.xor(v128.xor(v128.xor(d1, r2), rot2(d2)), v128.load(k, 32));
      q3 = v128.xor(v128.xor(v128.xor(d2, d7), v128.xor(r3, rot2(d3))), v128.load(k, 48));
      q4 = v128.xor(v128.xor(v128.xor(d3, d7), v128.xor(r4, rot2(d4))), v128.load(k, 64));
      q5 = v128.xor(v128.xor(v128.xor(d4, r5), rot2(d5)), v128.load(k, 80));
      q6 = v128.xor(v128.xor(v128.xor(d5, r6), rot2(d6)), v128.load(k, 96));
      q7 = v128.xor(v128.xor(v128.xor(d6, r7), rot2(d7)), v128.load(k, 112));
    } else {
      q0 = v128.xor(sr(s7), v128.load(k, 0));
      q1 = v128.xor(sr(s6), v128.load(k, 16));
      q2 = v128.xor(sr(s5), v128.load(k, 32));
      q3 = v128.xor(sr(s4), v128.load(k, 48));
      q4 = v128.xor(sr(s3), v128.load(k, 64));
      q5 = v128.xor(sr(s2), v128.load(k, 80));
      q6 = v128.xor(sr(s1), v128.load(k, 96));
      q7 = v128.xor(sr(s0), v128.load(k, 112));
    }
  }
  v128.store(p, q0, 0);
  v128.store(p, q1, 16);
  v128.store(p, q2, 32);
  v128.store(p, q3, 48);
  v128.store(p, q4, 64);
  v128.store(p, q5, 80);
  v128.store(p, q6, 96);
  v128.store(p, q7, 112);
  bsTranspose(p);
}
