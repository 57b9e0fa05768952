// Cryptographically secure random bytes from WebCrypto.

const MAX_ENTROPY = 65536; // getRandomValues limit per call

/** Requests up to this size are served from the pool. */
const SMALL = 64;
/** Size of the pool of random bytes small requests are cut from. */
const POOL_SIZE = 4096;
let pool: Uint8Array | null = null;
let poolAt = POOL_SIZE;

/**
 * Returns `n` random bytes; any `n` (calls getRandomValues in 64 KiB pieces). Small
 * requests (challenges, session keys) are cut from a 4 KiB pool refilled by one
 * getRandomValues call, so a handshake pays for one call in about a hundred; bytes
 * handed out are zeroed in the pool at once, and the pool is filled on first use
 * (hosts such as workerd forbid random values while a module is being evaluated).
 */
export function randomBytesOf(n: number): Uint8Array {
  if (typeof n !== "number") {
    throw new TypeError(
      `Cannot generate random bytes: expected a number, got ${typeof n}`,
    );
  }
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Cannot generate random bytes: invalid length ${n}`);
  }
  if (n <= SMALL) return randomInto(new Uint8Array(n), 0, n);
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += MAX_ENTROPY) {
    crypto.getRandomValues(out.subarray(off, off + MAX_ENTROPY));
  }
  return out;
}

/**
 * Writes `n` (at most 64) random bytes from the pool into `dst` at `at` and returns
 * `dst`: a challenge drawn straight into the message that carries it, without an
 * array of its own.
 */
export function randomInto(dst: Uint8Array, at: number, n: number): Uint8Array {
  if (!(n >= 0 && n <= SMALL && at >= 0 && at + n <= dst.length)) {
    throw new RangeError(`Cannot write ${n} random bytes at ${at}`);
  }
  if (poolAt + n > POOL_SIZE) {
    pool ??= new Uint8Array(POOL_SIZE);
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const p = pool!;
  for (let i = 0; i < n; i++) {
    dst[at + i] = p[poolAt];
    p[poolAt++] = 0;
  }
  return dst;
}

/** A random integer below 2^`bits` (`bits` at most 32): nonces, sequence numbers. */
export function randomUint(bits: number): number {
  const b = randomInto(uintBytes, 0, 4);
  const v = (b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) >>> 0;
  b.fill(0);
  return bits >= 32 ? v : v & ((1 << bits) - 1) >>> 0;
}

/** `randomUint`'s four bytes, kept (a new array costs more than the draw). */
const uintBytes = new Uint8Array(4);
