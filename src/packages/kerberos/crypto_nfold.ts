/**
 * The n-fold operation of RFC 3961 section 5.1, which stretches or folds the usage
 * constants of the RFC 3962 key derivation to one AES block.
 *
 * @module
 */

/**
 * RFC 3961 n-fold: stretches or folds `input` to `outBytes` bytes. The input is
 * repeated lcm(input, output) / input times, each copy rotated 13 bits further to
 * the right, and the result is summed in `outBytes`-byte chunks with one's-complement
 * (end-around carry) addition.
 */
export function nfold(input: Uint8Array, outBytes: number): Uint8Array {
  const inBytes = input.length;
  if (inBytes === 0 || !Number.isSafeInteger(outBytes) || outBytes <= 0) {
    throw new RangeError("Cannot n-fold: input and output must be non-empty");
  }
  const total = lcm(inBytes, outBytes);
  const bits = inBytes * 8;
  const sum = new Uint8Array(outBytes);
  for (let chunk = 0; chunk < total; chunk += outBytes) {
    let carry = 0;
    for (let j = outBytes - 1; j >= 0; j--) {
      carry += sum[j] + rotatedByte(input, bits, chunk + j);
      sum[j] = carry;
      carry >>= 8;
    }
    // End-around carry: what overflows the top re-enters at the bottom.
    for (let j = outBytes; carry !== 0; carry >>= 8) {
      j = j === 0 ? outBytes - 1 : j - 1;
      carry += sum[j];
      sum[j] = carry;
    }
  }
  return sum;
}

/** Byte `k` of the input repeated, copy `c` rotated right by 13 * c bits. */
function rotatedByte(input: Uint8Array, bits: number, k: number): number {
  const copy = Math.floor(k / input.length);
  const shift = (13 * copy) % bits;
  const start = (k % input.length) * 8;
  let v = 0;
  for (let b = 0; b < 8; b++) {
    const i = (start + b - shift + bits) % bits; // bit 0: top bit of byte 0
    v = (v << 1) | ((input[i >> 3] >> (7 - (i & 7))) & 1);
  }
  return v;
}

function lcm(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return (a / x) * b;
}
