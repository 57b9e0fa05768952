// Cryptographically secure random bytes from WebCrypto.

const MAX_ENTROPY = 65536; // getRandomValues limit per call

/** Returns `n` random bytes; any `n` (calls getRandomValues in 64 KiB pieces). */
export function randomBytesOf(n: number): Uint8Array {
  if (typeof n !== "number") {
    throw new TypeError(
      `Cannot generate random bytes: expected a number, got ${typeof n}`,
    );
  }
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Cannot generate random bytes: invalid length ${n}`);
  }
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += MAX_ENTROPY) {
    crypto.getRandomValues(out.subarray(off, off + MAX_ENTROPY));
  }
  return out;
}
