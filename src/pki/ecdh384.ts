/**
 * P-384 (secp384r1) ECDH for TLS key exchange (SEC1 3.2.1 and 3.3.1, RFC 8446
 * 4.2.8.2, RFC 8422 5.4): key pairs from 48 random bytes (drawn again when not in
 * [1, n)), public keys as uncompressed points 04 || X || Y (97 bytes), the peer's
 * point checked (length, form, coordinates below p, on the curve; the point at
 * infinity has no uncompressed encoding, and the cofactor is 1, so no small
 * subgroup check is needed), and the shared secret as X (48 bytes).
 *
 * Timing: point multiplication is `ec.ts`'s {@link mulLadder}, a Montgomery ladder
 * over `BigInt` with a fixed sequence of operations and masked swaps, no
 * scalar-dependent branches or table lookups; but `BigInt` arithmetic itself is
 * not constant-time (its cost follows the values), so this is weaker than the
 * WebAssembly P-256 code. Byte arrays holding secrets are wiped; `BigInt` copies
 * of the scalar cannot be, and are left to the garbage collector.
 *
 * @module
 */
import { randomBytes } from "../crypto/mod.ts";
import { bigIntToBytes, bytesToBigInt } from "./bigint.ts";
import { mulLadder, onCurve, P384, type Point } from "./ec.ts";

/** A P-384 ephemeral key pair. */
export interface P384KeyPair {
  /** The private scalar, 48 big-endian bytes in [1, n) (wipe it once used). */
  secret: Uint8Array;
  /** The public key, uncompressed: 04 || X || Y, 97 bytes. */
  publicKey: Uint8Array;
}

/** The scalar of a 48-byte private key; throws `TypeError` unless in [1, n). */
function scalarOf(secret: Uint8Array): bigint {
  if (!(secret instanceof Uint8Array) || secret.length !== 48) {
    throw new TypeError("P-384 private scalar must be 48 bytes");
  }
  const k = bytesToBigInt(secret);
  if (k === 0n || k >= P384.n) {
    throw new TypeError("P-384 private scalar must be in [1, n)");
  }
  return k;
}

/** 04 || X || Y of `pt`. */
function encode(pt: Point): Uint8Array {
  const out = new Uint8Array(97);
  out[0] = 4;
  out.set(bigIntToBytes(pt.x, 48), 1);
  out.set(bigIntToBytes(pt.y, 48), 49);
  return out;
}

/**
 * The public key of a P-384 private scalar (48 big-endian bytes in [1, n)):
 * 04 || X || Y, 97 bytes. Throws `TypeError` for a scalar out of range.
 */
export function p384PublicKey(secret: Uint8Array): Uint8Array {
  const pt = mulLadder(P384, scalarOf(secret), { x: P384.gx, y: P384.gy });
  return encode(pt!); // k in [1, n): never infinity
}

/**
 * A fresh P-384 key pair: 48 random bytes, drawn again (probability about
 * 2^-190) until they are a scalar in [1, n), so the scalar is uniform.
 */
export function p384KeyPair(): P384KeyPair {
  for (;;) {
    const secret = randomBytes(48);
    const k = bytesToBigInt(secret);
    if (k !== 0n && k < P384.n) {
      return { secret, publicKey: p384PublicKey(secret) };
    }
    secret.fill(0);
  }
}

/**
 * The peer's P-384 public key as a point: 97 bytes 04 || X || Y with X, Y < p and
 * on the curve (SEC1 3.2.2.1 for a prime-order curve); null otherwise.
 */
export function p384PeerPoint(peerPublic: Uint8Array): Point | null {
  if (
    !(peerPublic instanceof Uint8Array) || peerPublic.length !== 97 ||
    peerPublic[0] !== 4
  ) return null;
  const x = bytesToBigInt(peerPublic.subarray(1, 49));
  const y = bytesToBigInt(peerPublic.subarray(49));
  return onCurve(P384, x, y) ? { x, y } : null; // also x, y in [0, p)
}

/**
 * P-384 ECDH (SEC1 3.3.1): the X coordinate (48 bytes) of `secret` (48 big-endian
 * bytes in [1, n); `TypeError` otherwise) times the peer's uncompressed public
 * key; null when that key is malformed or not a point of the curve (see
 * {@link p384PeerPoint}), or the product is the point at infinity.
 */
export function p384Ecdh(
  secret: Uint8Array,
  peerPublic: Uint8Array,
): Uint8Array | null {
  const k = scalarOf(secret);
  const pt = p384PeerPoint(peerPublic);
  if (!pt) return null;
  const z = mulLadder(P384, k, pt);
  return z ? bigIntToBytes(z.x, 48) : null;
}
