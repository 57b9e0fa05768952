/**
 * `CredHandle`/`CtxtHandle` and the handle table that maps them to package objects.
 * Unknown, freed or wrong-kind handles resolve to nothing, and callers return
 * `SEC_E_INVALID_HANDLE`; nothing here throws for a bad handle.
 *
 * @module
 */

/** `SecHandle`: two pointer-sized values, opaque to the caller. */
export class SecHandle {
  /** Lower half; in the portable provider, the table slot. */
  dwLower = 0n;
  /** Upper half; in the portable provider, a per-process tag naming the handle kind. */
  dwUpper = 0n;
}

/**
 * A credential handle, filled by `AcquireCredentialsHandle`.
 *
 * @example
 * ```ts
 * import { CredHandle } from "../../mod.ts";
 * const cred = new CredHandle(); // pass to AcquireCredentialsHandle
 * ```
 */
export class CredHandle extends SecHandle {}

/**
 * A security context handle, filled by `InitializeSecurityContext`/`AcceptSecurityContext`.
 *
 * @example
 * ```ts
 * import { CtxtHandle } from "../../mod.ts";
 * const ctx = new CtxtHandle(); // pass as phNewContext
 * ```
 */
export class CtxtHandle extends SecHandle {}

/** Returns a random 32-bit tag, so handles of another table or process do not resolve. */
function randomTag(): bigint {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return BigInt(a[0] | 1);
}

/** A table of live objects addressed by handles of one kind. */
export class HandleTable<T> {
  #next = 1n;
  #items = new Map<bigint, T>();
  readonly #kind: number;
  #tagValue = 0n;

  /** Creates a table whose handles carry `kind` in the upper bits of `dwUpper`. */
  constructor(kind: number) {
    this.#kind = kind;
  }

  /**
   * The table's tag, drawn on first use: hosts such as Cloudflare workerd forbid
   * generating random values while a module is being evaluated.
   */
  get #tag(): bigint {
    if (this.#tagValue === 0n) {
      this.#tagValue = (BigInt(this.#kind) << 32n) | randomTag();
    }
    return this.#tagValue;
  }

  /** Stores `item` and writes its handle into `h`. */
  add(h: SecHandle, item: T): void {
    const id = this.#next++;
    this.#items.set(id, item);
    h.dwLower = id;
    h.dwUpper = this.#tag;
  }

  /** The object a handle names, or undefined for a null, unknown, freed or foreign handle. */
  get(h: SecHandle | null | undefined): T | undefined {
    if (!h || typeof h !== "object") return undefined;
    if (h.dwUpper !== this.#tag || typeof h.dwLower !== "bigint") {
      return undefined;
    }
    return this.#items.get(h.dwLower);
  }

  /** Removes a handle's object and returns it, or undefined when it was not live. */
  remove(h: SecHandle | null | undefined): T | undefined {
    const item = this.get(h);
    if (item !== undefined) this.#items.delete(h!.dwLower);
    return item;
  }

  /** The number of live handles (used by leak tests). */
  get size(): number {
    return this.#items.size;
  }
}
