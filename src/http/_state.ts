/**
 * Handshakes in progress, one per connection: a Map in least-recently-used order,
 * bounded in total and per client address, each entry expiring after a timeout.
 * Evicted or expired contexts are deleted (their keys wiped) at once.
 *
 * @module
 */
import type { ServerContext } from "./_sspi_calls.ts";

/** What a table holds: anything that can be disposed (wiping its keys). */
export interface Disposable {
  /** Deletes the context (idempotent). */
  dispose(): void;
}

interface Entry<T> {
  ctx: T;
  client: string;
  expires: number;
}

/** Limits of {@linkcode ConnectionStates}. */
export interface StateLimits {
  /** Most entries in total. */
  maxConnections: number;
  /** Most entries per client address. */
  maxPerClient: number;
  /** Lifetime of an entry in milliseconds. */
  timeoutMs: number;
}

/**
 * The handshakes in progress of one `withAuthentication` handler (or, with
 * `sessionEncryption`, the contexts of completed logons, refreshed on each use).
 */
export class ConnectionStates<T extends Disposable = ServerContext> {
  readonly #map = new Map<string, Entry<T>>();
  readonly #perClient = new Map<string, number>();
  readonly #limits: StateLimits;

  /** Creates an empty table. */
  constructor(limits: StateLimits) {
    this.#limits = limits;
  }

  /** Entries held now. */
  get size(): number {
    return this.#map.size;
  }

  #drop(key: string, e: Entry<T>, dispose: boolean): void {
    this.#map.delete(key);
    const n = (this.#perClient.get(e.client) ?? 1) - 1;
    if (n > 0) this.#perClient.set(e.client, n);
    else this.#perClient.delete(e.client);
    if (dispose) e.ctx.dispose();
  }

  /** Drops expired entries (the oldest are first in the Map). */
  sweep(now = Date.now()): void {
    for (const [k, e] of this.#map) {
      if (e.expires > now) break;
      this.#drop(k, e, true);
    }
  }

  /** Removes and returns the live context of `key`, or null. */
  take(key: string): T | null {
    this.sweep();
    const e = this.#map.get(key);
    if (!e) return null;
    this.#drop(key, e, false);
    return e.ctx;
  }

  /** Deletes the context of `key`, if any. */
  delete(key: string): void {
    const e = this.#map.get(key);
    if (e) this.#drop(key, e, true);
  }

  /** Stores `ctx` for `key`, evicting the oldest entries beyond the limits. */
  put(key: string, client: string, ctx: T): void {
    const now = Date.now();
    this.sweep(now);
    this.delete(key);
    if ((this.#perClient.get(client) ?? 0) >= this.#limits.maxPerClient) {
      for (const [k, e] of this.#map) {
        if (e.client === client) {
          this.#drop(k, e, true);
          break;
        }
      }
    }
    while (this.#map.size >= this.#limits.maxConnections) {
      const [k, e] = this.#map.entries().next().value!;
      this.#drop(k, e, true);
    }
    this.#map.set(key, { ctx, client, expires: now + this.#limits.timeoutMs });
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
  }
}
