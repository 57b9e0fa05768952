/**
 * Fixed-size slots for per-context secrets, cut from shared buffers. In Deno every
 * `new Uint8Array(n)` costs a backing-store allocation (about 1.5 us for a kilobyte,
 * about as much as the RC4 key schedules it holds), while a view on an existing
 * buffer costs a small object. A context takes a slot when its keys are made and
 * gives it back, wiped, when it is deleted.
 *
 * A slot whose view is collected without being given back (a context dropped without
 * `dispose`) is wiped and reused through a `FinalizationRegistry`. Runtimes that never
 * run those callbacks lose at most `maxSlots` slots: past that, `take` returns
 * ordinary arrays, so memory stays bounded either way.
 *
 * @module
 */

/** A pool of zeroed `size`-byte views, `perChunk` to a buffer. */
export class SecretSlots {
  readonly #size: number;
  readonly #perChunk: number;
  readonly #maxSlots: number;
  #slots = 0;
  readonly #free: Uint8Array[] = [];
  /** The chunks, so a collected view's slot can be found again. */
  readonly #chunks: ArrayBuffer[] = [];
  readonly #registry: FinalizationRegistry<number> | null;

  /**
   * @example
   * ```ts
   * import { SecretSlots } from "./slots.ts";
   * const slots = new SecretSlots(64);
   * const key = slots.take(); // 64 zero bytes
   * slots.give(key); // wiped, and free for the next take
   * ```
   */
  constructor(size: number, perChunk = 32, maxSlots = 1024) {
    this.#size = size;
    this.#perChunk = perChunk;
    this.#maxSlots = maxSlots;
    this.#registry = typeof FinalizationRegistry === "function"
      ? new FinalizationRegistry((id) => this.#reclaim(id))
      : null;
  }

  /** A zeroed slot (an ordinary array once `maxSlots` are out). */
  take(): Uint8Array {
    const v = this.#free.pop() ?? this.#grow();
    if (!v) return new Uint8Array(this.#size);
    // The held value names the slot without holding the view.
    this.#registry?.register(
      v,
      this.#chunks.indexOf(v.buffer as ArrayBuffer) * this.#perChunk +
        v.byteOffset / this.#size,
      v,
    );
    return v;
  }

  /**
   * Wipes `v` and, when it is a slot taken and not yet given back, frees it. The
   * caller must drop every reference to `v` (and its subarrays).
   */
  give(v: Uint8Array): void {
    v.fill(0);
    if (this.#registry ? this.#registry.unregister(v) : this.#mine(v)) {
      this.#free.push(v);
    }
  }

  /** Slots handed out from the chunks, free or not (for tests). */
  get slots(): number {
    return this.#slots;
  }

  /** Slots waiting in the free list (for tests). */
  get freeSlots(): number {
    return this.#free.length;
  }

  /** Without a registry: whether `v` is a slot not already in the free list. */
  #mine(v: Uint8Array): boolean {
    return v.byteLength === this.#size &&
      this.#chunks.includes(v.buffer as ArrayBuffer) && !this.#free.includes(v);
  }

  #grow(): Uint8Array | undefined {
    if (this.#slots + this.#perChunk > this.#maxSlots) return undefined;
    const buf = new ArrayBuffer(this.#size * this.#perChunk);
    this.#chunks.push(buf);
    this.#slots += this.#perChunk;
    for (let i = this.#perChunk - 1; i > 0; i--) {
      this.#free.push(new Uint8Array(buf, i * this.#size, this.#size));
    }
    return new Uint8Array(buf, 0, this.#size);
  }

  /** A slot whose view was collected: wiped, then free again. */
  #reclaim(id: number): void {
    const buf = this.#chunks[Math.floor(id / this.#perChunk)];
    if (!buf) return;
    const v = new Uint8Array(
      buf,
      (id % this.#perChunk) * this.#size,
      this.#size,
    );
    v.fill(0);
    this.#free.push(v);
  }
}
