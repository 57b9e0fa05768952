/**
 * Shared pieces of the property tests: a reproducible PRNG and the seed/iteration
 * settings (`FUZZ_SEED`, `FUZZ_ITERATIONS`), so a failure can be replayed exactly.
 *
 * @module
 */

/** The seed: `FUZZ_SEED`, or one drawn from the clock (printed in the test name). */
export const FUZZ_SEED: number = Number(
  Deno.env.get("FUZZ_SEED") ?? Date.now() % 1e9,
);

/** Iterations from the environment variable `name`, or `fallback`. */
export function fuzzIterations(name: string, fallback: number): number {
  return Number(Deno.env.get(name) ?? fallback);
}

/** xorshift32 from `seed`: `r(n)` gives an integer in [0, n). */
export function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/**
 * A copy of `bytes` with one to four bytes flipped, randomized or copied from
 * elsewhere, and one time in eight cut short: a mutated message for a property test.
 */
export function mutate(
  bytes: Uint8Array,
  r: (n: number) => number,
): Uint8Array {
  const m = bytes.slice();
  const k = 1 + r(4);
  for (let j = 0; j < k; j++) {
    const at = r(m.length);
    const op = r(3);
    if (op === 0) m[at] ^= 1 << r(8);
    else if (op === 1) m[at] = r(256);
    else m[at] = m[r(m.length)];
  }
  return r(8) === 0 ? m.subarray(0, r(m.length)) : m;
}
