/**
 * Small zeroed byte arrays carved from shared slabs, for the arrays a handshake makes
 * and keeps to itself (derived keys, decrypted message bodies, parse copies).
 *
 * Why: in Deno every `new Uint8Array(n)` and `slice()` allocates its own backing
 * store, about a microsecond each, which is more than most of the crypto a handshake
 * step does; a view over a slab costs a few tens of nanoseconds. Node's `Buffer`
 * pool makes the same trade.
 *
 * The rules that keep it safe:
 * - Every region is handed out once and never reused, so it starts zeroed like a new
 *   array, and no other array ever sees its bytes; wiping a pooled key wipes its bytes.
 * - A pooled array's `buffer` is the slab, shared with its neighbours: never hand one
 *   to a caller (output tokens, attribute values, decrypted application data), never
 *   transfer its `buffer`, and never read `buffer` without `byteOffset`. Those get a
 *   fresh array.
 * - Only small arrays (up to 1 KiB) are pooled, from 8 KiB slabs. A slab lives as
 *   long as any array carved from it, so what a context keeps for its lifetime (its
 *   keys) is allocated on its own, and a stray long-lived small array keeps at most
 *   8 KiB alive (a Kerberos handshake takes about 3 KiB in some 40 arrays).
 *
 * Per-context secrets that are made and given back over and over (NTLM's keys and
 * RC4 states) use `SecretSlots` (`slots.ts`) instead, which reuses wiped slots.
 *
 * @module
 */

/** Bytes in one slab. */
const SLAB = 8 * 1024;
/** Largest array taken from a slab; bigger ones are allocated on their own. */
const MAX_POOLED = 1024;

let slab = new ArrayBuffer(SLAB);
let used = 0;

/**
 * The offset of `bytes` (at most `MAX_POOLED`) fresh bytes in `slab`, a new slab
 * when the current one is full; every region 8-byte aligned.
 */
function carve(bytes: number): number {
  if (used + bytes > SLAB) {
    slab = new ArrayBuffer(SLAB);
    used = 0;
  }
  const at = used;
  used += (bytes + 7) & ~7;
  return at;
}

/**
 * A zeroed array of `n` bytes, from the current slab when it is small (see the
 * module's rules: internal use only).
 *
 * @example
 * ```ts
 * import { pooledBytes } from "./pool.ts";
 * const key = pooledBytes(32); // 32 zero bytes
 * key.fill(0); // wiped when done
 * ```
 */
export function pooledBytes(n: number): Uint8Array {
  if (n > MAX_POOLED || n < 0) return new Uint8Array(n);
  const at = carve(n);
  return new Uint8Array(slab, at, n);
}

/** A pooled copy of `src` (internal use only, as {@link pooledBytes}). */
export function pooledCopy(src: Uint8Array): Uint8Array {
  const out = pooledBytes(src.length);
  out.set(src);
  return out;
}

/** A zeroed `Int32Array` of `n` elements from the slabs (internal use only). */
export function pooledInt32(n: number): Int32Array {
  if (n * 4 > MAX_POOLED || n < 0) return new Int32Array(n);
  const at = carve(n * 4);
  return new Int32Array(slab, at, n);
}
