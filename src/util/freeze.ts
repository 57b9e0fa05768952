/**
 * Freezing structures handed to callers (logon information), so one caller cannot
 * change what the next one reads.
 *
 * @module
 */

/**
 * `v` with every object and array in it frozen (Dates are left as they are).
 *
 * @example
 * ```ts
 * import { deepFreeze } from "./freeze.ts";
 * const info = deepFreeze({ groups: [{ rid: 513 }] });
 * Object.isFrozen(info.groups[0]); // true
 * ```
 */
export function deepFreeze<T>(v: T): Readonly<T> {
  if (v && typeof v === "object" && !(v instanceof Date)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
