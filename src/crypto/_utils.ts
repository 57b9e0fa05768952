// Shared argument checks and types for the crypto API.

/** Throws a `TypeError` unless `value` is a `Uint8Array`. */
export function abytes(
  value: unknown,
  name: string,
): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot use ${name}: expected a Uint8Array, got ${describe(value)}`,
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (value as object).constructor?.name ?? "object";
}

/** Throws a `RangeError` unless `bytes.length === len`. */
export function alen(bytes: Uint8Array, len: number, name: string): void {
  if (bytes.length !== len) {
    throw new RangeError(
      `Cannot use ${name}: expected ${len} bytes, got ${bytes.length}`,
    );
  }
}

/** Throws an `Error` when an object is used after `destroy()` or `digest()`. */
export function aalive(
  destroyed: boolean,
  finished: boolean,
  what: string,
): void {
  if (destroyed) throw new Error(`Cannot use ${what}: it has been destroyed`);
  if (finished) {
    throw new Error(`Cannot use ${what}: digest() has already been called`);
  }
}

/** A streaming hash or MAC (noble-hashes shape). */
export interface Hash {
  /** Digest size in bytes. */
  readonly outputLen: number;
  /** Block size in bytes. */
  readonly blockLen: number;
  /** Absorbs `data`; returns `this` for chaining. */
  update(data: Uint8Array): this;
  /** Finishes and returns the digest; the object cannot be used afterwards. */
  digest(): Uint8Array;
  /** Returns an independent copy of the current state. */
  clone(): this;
  /** Wipes the internal state; any later use throws. */
  destroy(): void;
}
