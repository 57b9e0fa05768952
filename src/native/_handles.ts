/**
 * `CredHandle`/`CtxtHandle` marshalling: a `SecHandle` is two pointer-sized values
 * (`dwLower`, `dwUpper`); the native provider stores the library's values in the portable
 * handle classes, and keeps a set of the handles it handed out so a stale or foreign
 * handle is refused with `SEC_E_INVALID_HANDLE` instead of reaching the library (where a
 * freed pointer would crash the process).
 *
 * @module
 */
import type { SecHandle } from "../sspi/handles.ts";
import { SEC_E_INVALID_HANDLE } from "../sspi/status.ts";
import type { Preparation } from "./_call_types.ts";
import { Arena, PTR, ptr, readAddr, writeAddr } from "./_memory.ts";

/** Size of a `SecHandle`. */
export const SEC_HANDLE_SIZE = 2 * PTR;

/** A `SecHandle` block holding `h`'s values (null for a null handle). */
export function handleIn(
  arena: Arena,
  h: SecHandle | null | undefined,
): Uint8Array | null {
  if (!h) return null;
  const b = arena.bytes(SEC_HANDLE_SIZE);
  writeAddr(b, 0, BigInt.asUintN(64, h.dwLower));
  writeAddr(b, PTR, BigInt.asUintN(64, h.dwUpper));
  return b;
}

/** Copies a `SecHandle` block back into `h`. */
export function handleOut(b: Uint8Array | null, h: SecHandle | null): void {
  if (!b || !h) return;
  h.dwLower = readAddr(b, 0);
  h.dwUpper = readAddr(b, PTR);
}

/** The key of a handle in a `LiveHandles` table. */
function key(h: SecHandle): string {
  return `${h.dwLower}:${h.dwUpper}`;
}

/** The live handles of one kind, with what the provider remembers about each. */
export class LiveHandles<T> {
  #items = new Map<string, T>();

  /** Records a handle the library filled in. */
  add(h: SecHandle, info: T): void {
    if (h.dwLower === 0n && h.dwUpper === 0n) return;
    this.#items.set(key(h), info);
  }

  /** What is known about a live handle, or undefined for a stale/foreign/null one. */
  get(h: SecHandle | null | undefined): T | undefined {
    if (!h || typeof h.dwLower !== "bigint" || typeof h.dwUpper !== "bigint") {
      return undefined;
    }
    return this.#items.get(key(h));
  }

  /** Forgets a handle. */
  delete(h: SecHandle): void {
    this.#items.delete(key(h));
  }

  /** The number of live handles (used by leak tests). */
  get size(): number {
    return this.#items.size;
  }
}

/**
 * The call that releases handle `h` of `table` (`FreeCredentialsHandle`,
 * `DeleteSecurityContext`): `SEC_E_INVALID_HANDLE` for a handle not live. The
 * handle is forgotten at once: a second release must never reach the library
 * (use after free).
 */
export function prepareRelease<I>(
  table: LiveHandles<I>,
  h: SecHandle,
): Preparation {
  if (!table.get(h)) return SEC_E_INVALID_HANDLE;
  const arena = new Arena();
  const hb = handleIn(arena, h);
  table.delete(h);
  return {
    args: [ptr(hb)],
    done: (status) => {
      arena.release();
      return status >>> 0;
    },
  };
}
