/**
 * X25519 Diffie-Hellman (RFC 7748) over the `x25519` export of `sspi.wasm`
 * (`assembly/x25519.ts`): a constant-time Montgomery ladder on Curve25519.
 *
 * The scalar is clamped as RFC 7748 section 5 requires; the u-coordinate's top
 * bit is ignored and non-canonical values are reduced. The all-zero result of a
 * small-order point is returned as is: callers (TLS 1.3) must reject it. The
 * scalar, the input point and every intermediate are wiped from WebAssembly
 * memory before a call returns, and so is the copied-out result.
 *
 * @module
 */
import { getWasm } from "./mod.ts";

/** Length in bytes of X25519 scalars, u-coordinates and shared secrets. */
export const X25519_LENGTH = 32;

/** The base point's u-coordinate, 9. */
const BASE = new Uint8Array(32);
BASE[0] = 9;

function check(name: string, v: Uint8Array): void {
  if (!(v instanceof Uint8Array) || v.length !== X25519_LENGTH) {
    throw new TypeError(
      `Cannot use X25519 ${name}: expected 32 bytes, got ${
        v instanceof Uint8Array ? v.length : typeof v
      }`,
    );
  }
}

/** X25519(scalar, u): 32-byte shared secret (scalar is clamped per RFC 7748). */
export function x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array {
  check("scalar", scalar);
  check("u-coordinate", u);
  const w = getWasm();
  const { u8, x } = w;
  const io = x.x25519Ptr();
  try {
    u8.set(scalar, io);
    u8.set(u, io + 32);
    x.x25519();
    return u8.slice(io + 64, io + 96);
  } finally {
    u8.fill(0, io, io + 96);
  }
}

/** The public key X25519(scalar, 9). */
export function x25519PublicKey(scalar: Uint8Array): Uint8Array {
  return x25519(scalar, BASE);
}
