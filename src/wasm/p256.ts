/**
 * NIST P-256 (secp256r1) point multiplication over the `p256*` exports of
 * `sspi.wasm` (`assembly/p256.ts`): Jacobian coordinates over 32-bit limbs,
 * the NIST fast reduction, masked table scans and selects.
 *
 * Scalars and coordinates are 32-byte big-endian values. Scalars are used as
 * given (any 256-bit value; the group has order n, so k and k mod n give the
 * same point); {@linkcode p256MulBase} and {@linkcode p256Mul} run in time
 * independent of a scalar in [1, n), {@linkcode p256MulAdd} (verification) does
 * not need to. Input points are checked: coordinates below p and on the curve.
 * Scalars, the input point and every intermediate are wiped from WebAssembly
 * memory before a call returns, and so is the copied-out result.
 *
 * @module
 */
import { getWasm } from "./mod.ts";

/** Length in bytes of P-256 scalars and coordinates. */
export const P256_LENGTH = 32;

function check(name: string, v: Uint8Array, len: number): void {
  if (!(v instanceof Uint8Array) || v.length !== len) {
    throw new TypeError(
      `Cannot use P-256 ${name}: expected ${len} bytes, got ${
        v instanceof Uint8Array ? v.length : typeof v
      }`,
    );
  }
}

/** Runs `op` over the P-256 region and returns `len` result bytes, or null. */
function run(
  op: "p256MulBase" | "p256Mul" | "p256MulAdd",
  k1: Uint8Array,
  k2: Uint8Array | null,
  point: Uint8Array | null,
  len: number,
): Uint8Array | null {
  const { u8, x } = getWasm();
  const io = x.p256Ptr();
  try {
    u8.set(k1, io);
    if (k2) u8.set(k2, io + 32);
    if (point) u8.set(point, io + 64);
    return x[op]() ? u8.slice(io + 128, io + 128 + len) : null;
  } finally {
    u8.fill(0, io, io + 192);
  }
}

/**
 * k*G for the base point G: the affine point as 64 bytes x || y, or null when k
 * is a multiple of the group order n (the point at infinity).
 */
export function p256MulBase(scalar: Uint8Array): Uint8Array | null {
  check("scalar", scalar, P256_LENGTH);
  return run("p256MulBase", scalar, null, null, 64);
}

/**
 * k*Q for a point Q given as 64 bytes x || y: the affine result as x || y, or
 * null when Q is not a point of the curve (a coordinate >= p, or off the curve)
 * or the result is the point at infinity.
 */
export function p256Mul(
  scalar: Uint8Array,
  point: Uint8Array,
): Uint8Array | null {
  check("scalar", scalar, P256_LENGTH);
  check("point", point, 2 * P256_LENGTH);
  return run("p256Mul", scalar, null, point, 64);
}

/**
 * The x-coordinate (32 bytes) of u1*G + u2*Q for a point Q given as x || y, or
 * null when Q is not a point of the curve or the sum is the point at infinity.
 * For ECDSA verification: not constant-time in the scalars.
 */
export function p256MulAdd(
  u1: Uint8Array,
  u2: Uint8Array,
  point: Uint8Array,
): Uint8Array | null {
  check("scalar u1", u1, P256_LENGTH);
  check("scalar u2", u2, P256_LENGTH);
  check("point", point, 2 * P256_LENGTH);
  return run("p256MulAdd", u1, u2, point, P256_LENGTH);
}
