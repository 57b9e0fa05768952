/**
 * Big-number helpers over JS `BigInt` for RSA and ECDSA: byte conversions, modular
 * arithmetic (windowed exponentiation, inverse), and uniform random numbers below a
 * bound.
 *
 * `BigInt` operations take time that depends on their operands, so nothing here is
 * constant-time; RSA signing blinds its input to limit what timing reveals.
 *
 * @module
 */
import { randomBytes } from "../crypto/mod.ts";
import { toHex } from "../util/bytes.ts";

/** The unsigned big-endian value of `b` (0 for no bytes). */
export function bytesToBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt("0x" + toHex(b));
}

/**
 * `v` (non-negative) as exactly `len` big-endian bytes; throws `RangeError` when it
 * does not fit.
 */
export function bigIntToBytes(v: bigint, len: number): Uint8Array {
  if (v < 0n) throw new RangeError("negative value");
  const hex = v.toString(16);
  if (hex.length > len * 2) throw new RangeError("value too large");
  const out = new Uint8Array(len);
  // Hex digits from the end: 0-9 are 48-57, a-f are 97-102 (toString(16) is lowercase).
  const digit = (c: number) => c < 58 ? c - 48 : c - 87;
  for (let i = hex.length, o = len - 1; i > 0; i -= 2, o--) {
    const lo = digit(hex.charCodeAt(i - 1));
    out[o] = i > 1 ? (digit(hex.charCodeAt(i - 2)) << 4) | lo : lo;
  }
  return out;
}

/** The number of bits of `v` (non-negative; 0 for 0). */
export function bitLength(v: bigint): number {
  if (v <= 0n) return 0;
  const hex = v.toString(16);
  return (hex.length - 1) * 4 + parseInt(hex[0], 16).toString(2).length;
}

/** `a mod m` in `[0, m)`, also for negative `a`. */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** `base^exp mod m` (exp >= 0, m > 1), with a 4-bit fixed window. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  base = mod(base, m);
  if (exp === 0n) return 1n % m;
  const table: bigint[] = [1n, base];
  for (let i = 2; i < 16; i++) table.push((table[i - 1] * base) % m);
  const hex = exp.toString(16);
  let r = table[parseInt(hex[0], 16)];
  for (let i = 1; i < hex.length; i++) {
    r = (r * r) % m;
    r = (r * r) % m;
    r = (r * r) % m;
    r = (r * r) % m;
    const d = parseInt(hex[i], 16);
    if (d) r = (r * table[d]) % m;
  }
  return r;
}

/** The inverse of `a` modulo `m`; throws `RangeError` when there is none. */
export function modInv(a: bigint, m: bigint): bigint {
  let r0 = mod(a, m), r1 = m;
  let s0 = 1n, s1 = 0n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError("not invertible");
  return mod(s0, m);
}

/** The greatest common divisor of two non-negative values. */
export function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** A uniformly random value in `[1, n)` (n > 1), by rejection sampling. */
export function randomBelow(n: bigint): bigint {
  const bits = bitLength(n - 1n);
  const len = Math.ceil(bits / 8);
  const excess = BigInt(len * 8 - bits);
  for (;;) {
    const v = bytesToBigInt(randomBytes(len)) >> excess;
    if (v >= 1n && v < n) return v;
  }
}
