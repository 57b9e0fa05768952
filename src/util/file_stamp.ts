/**
 * Whether a file changed since it was read, for credentials that read a file once
 * and look at it again later (keytabs, credential caches, NTLM user files).
 *
 * @module
 */

/** The least time between two looks at a watched file (`ChangedFile`). */
export const FILE_RECHECK_MS = 1000;

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

/**
 * A file read once and looked at again when its reader wants newer content: at
 * most once every `FILE_RECHECK_MS` (so a stream of requests cannot make a server
 * stat its file on each), and only a changed size or modification time counts.
 *
 * @example
 * ```ts
 * import { ChangedFile } from "./file_stamp.ts";
 * const f = new ChangedFile("/etc/krb5.keytab"); // stamped now, before reading it
 * const stamp = f.changed();
 * if (stamp !== null) {
 *   // read the file again; once its content is taken:
 *   f.taken(stamp);
 * }
 * ```
 */
export class ChangedFile {
  /** The file's path. */
  readonly path: string;
  #stamp: string | null;
  #checkedAt = -Infinity;

  /** Watches `path`, taking its stamp now (before the caller first reads it). */
  constructor(path: string) {
    this.path = path;
    this.#stamp = fileStamp(path);
  }

  /**
   * The file's new stamp when this look is due (the last was `FILE_RECHECK_MS`
   * ago or more) and the file changed since its content was last taken; else null.
   */
  changed(now: number = Date.now()): string | null {
    if (now - this.#checkedAt < FILE_RECHECK_MS) return null;
    this.#checkedAt = now;
    const stamp = fileStamp(this.path);
    return stamp === null || stamp === this.#stamp ? null : stamp;
  }

  /** Records that the content of `stamp` (from `changed`) was read and taken. */
  taken(stamp: string): void {
    this.#stamp = stamp;
  }
}
