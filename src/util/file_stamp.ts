/**
 * Whether a file changed since it was read, for credentials that read a file once
 * and look at it again later (keytabs, credential caches, NTLM user files).
 *
 * @module
 */

/**
 * A file's size and modification time as one string, to tell whether it changed
 * since it was read; null when they cannot be read (no file, or a runtime without
 * `Deno.statSync`).
 *
 * @example
 * ```ts
 * import { fileStamp } from "./file_stamp.ts";
 * const before = fileStamp("/etc/krb5.keytab");
 * // ... later: read the file again only when fileStamp(...) !== before
 * ```
 */
export function fileStamp(path: string): string | null {
  try {
    // deno-lint-ignore no-explicit-any
    const st = (globalThis as any).Deno?.statSync?.(path);
    return st ? `${st.size}:${st.mtime?.getTime() ?? ""}` : null;
  } catch {
    return null;
  }
}
