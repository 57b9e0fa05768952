// Test helpers: hex codecs, a seeded PRNG, and an OpenSSL runner.

/** Decodes hex (whitespace ignored). */
export function fromHex(hex: string): Uint8Array {
  const s = hex.replace(/\s+/g, "");
  if (s.length % 2) throw new Error(`odd hex length: ${s}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}

/** Encodes bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** `n` copies of byte `b`. */
export function rep(b: number, n: number): Uint8Array {
  return new Uint8Array(n).fill(b);
}

/** Deterministic PRNG (xorshift32) so failures are reproducible. */
export class Prng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  /** Next 32-bit value. */
  u32(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }
  /** `n` pseudo-random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 255;
    return out;
  }
}

/** Splits `data` at random points into 1..8 pieces (some possibly empty). */
export function randomSplit(rng: Prng, data: Uint8Array): Uint8Array[] {
  const cuts = Array.from(
    { length: rng.int(8) },
    () => rng.int(data.length + 1),
  )
    .sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, data.length]) {
    parts.push(data.subarray(prev, c));
    prev = c;
  }
  return parts;
}

/** Runs `openssl enc <args>` with the legacy provider, feeding `input`. */
export async function opensslEnc(
  args: string[],
  input: Uint8Array,
): Promise<Uint8Array> {
  const child = new Deno.Command("openssl", {
    args: ["enc", ...args, "-provider", "legacy", "-provider", "default"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Write and read concurrently: a large input would otherwise fill the pipes.
  const writing = (async () => {
    const writer = child.stdin.getWriter();
    await writer.write(input);
    await writer.close();
  })();
  const [{ code, stdout, stderr }] = await Promise.all([
    child.output(),
    writing,
  ]);
  if (code !== 0) {
    throw new Error(`openssl failed: ${new TextDecoder().decode(stderr)}`);
  }
  return stdout;
}

/** True when `openssl` with the legacy provider is usable. */
export async function hasOpenssl(): Promise<boolean> {
  try {
    const out = await opensslEnc(
      ["-des-ecb", "-nopad", "-K", "0000000000000000"],
      new Uint8Array(8),
    );
    return out.length === 8;
  } catch {
    return false;
  }
}
