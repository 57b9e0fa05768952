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
