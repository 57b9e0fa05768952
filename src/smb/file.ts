/**
 * Files on an SMB2 disk share, over a session's connected tree: whole files
 * (`readFile`, `writeFile`), open ones (`openFile`: reads and writes at offsets, a
 * stream), `deleteFile`, `rename`, `makeDirectory` and `listDirectory`. Each
 * request is signed or sealed as the session is. Paths are relative to the share;
 * `/` and `\` both separate.
 *
 * @module
 */
import { malformed } from "./errors.ts";
import { checkDisk, openHandle, type SmbFile, smbPath } from "./handle.ts";
import type { SmbSession } from "./session.ts";
import {
  type DirectoryEntry,
  queryDirectoryRequest,
  readDirectory,
  renameRequest,
  SMB2_QUERY_DIRECTORY,
  SMB2_SET_INFO,
  STATUS_NO_MORE_FILES,
} from "./wire_files.ts";
import {
  closeRequest,
  FILE_DELETE,
  FILE_DELETE_ON_CLOSE,
  FILE_DIRECTORY_FILE,
  FILE_LIST,
  FILE_NON_DIRECTORY_FILE,
  FILE_OPEN,
  FILE_OVERWRITE_IF,
  FILE_READ,
  FILE_READ_WRITE,
  SMB2_CLOSE,
  SMB2_CREDIT_BYTES,
} from "./wire.ts";

/** `CreateDisposition` FILE_CREATE: create, fail when it exists. */
const FILE_CREATE = 2;
/** `CreateDisposition` FILE_OPEN_IF: open, or create when missing. */
const FILE_OPEN_IF = 3;

/** How {@linkcode openFile} opens a file. */
export interface OpenFileOptions {
  /** Open for writing too (default false: read only). */
  write?: boolean;
  /**
   * With `write`: `"open"` (default) an existing file, `"create"` one when it is
   * missing, `"truncate"` a new or emptied file.
   */
  mode?: "open" | "create" | "truncate";
}

/**
 * Opens the file `path` of the disk share connected as `tree`: an
 * {@linkcode SmbFile} to read and write at offsets, or stream, then close. A
 * missing file is an `SmbStatusError` (`STATUS_OBJECT_NAME_NOT_FOUND`), one the
 * user may not open so `STATUS_ACCESS_DENIED`.
 *
 * @example
 * ```ts ignore
 * import { openFile, SmbSession } from "./mod.ts";
 * await using smb = await SmbSession.connect({ host: "files.example.com", username: "alice", domain: "EXAMPLE", password: "..." });
 * await using f = await openFile(smb, await smb.treeConnect("Data"), "big/archive.zip");
 * await f.readable().pipeTo((await Deno.create("archive.zip")).writable);
 * ```
 */
export function openFile(
  smb: SmbSession,
  tree: number,
  path: string,
  options: OpenFileOptions = {},
): Promise<SmbFile> {
  const mode = options.mode ?? "open";
  return openHandle(
    smb,
    tree,
    path,
    options.write ? FILE_READ_WRITE : FILE_READ,
    !options.write || mode === "open"
      ? FILE_OPEN
      : mode === "create"
      ? FILE_OPEN_IF
      : FILE_OVERWRITE_IF,
    FILE_NON_DIRECTORY_FILE,
  );
}

/**
 * Reads the file `path` of the disk share connected as `tree`, whole; a file the
 * server says is larger than `maxSize` (default 16 MiB) is a RangeError (stream
 * larger ones through {@linkcode openFile}).
 *
 * @example
 * ```ts ignore
 * import { readFile, SmbSession } from "./mod.ts";
 * const smb = await SmbSession.connect({ host: "dc1.example.com", username: "alice", domain: "EXAMPLE", password: "..." });
 * const sysvol = await smb.treeConnect("SYSVOL");
 * const ini = await readFile(smb, sysvol, "example.com/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}/GPT.INI");
 * await smb.close();
 * ```
 */
export async function readFile(
  smb: SmbSession,
  tree: number,
  path: string,
  maxSize = 16 << 20,
): Promise<Uint8Array> {
  // try/finally, not `await using`: Node 20 and the bundles do not have it.
  const f = await openFile(smb, tree, path);
  try {
    if (f.size > BigInt(maxSize)) {
      throw new RangeError(`${path} is ${f.size} bytes, more than ${maxSize}`);
    }
    const out = new Uint8Array(Number(f.size));
    let at = 0;
    while (at < out.length) {
      const data = await f.read(BigInt(at), out.length - at);
      if (data.length === 0) break; // shorter than it was when opened
      out.set(data, at);
      at += data.length;
    }
    return at === out.length ? out : out.slice(0, at);
  } finally {
    await f.close();
  }
}

/**
 * Writes `data` as the file `path` of the disk share connected as `tree`, created
 * or replaced.
 */
export async function writeFile(
  smb: SmbSession,
  tree: number,
  path: string,
  data: Uint8Array,
): Promise<void> {
  const f = await openFile(smb, tree, path, { write: true, mode: "truncate" });
  try {
    await f.write(0n, data);
  } finally {
    await f.close();
  }
}

/**
 * Deletes the file `path` of the disk share connected as `tree` (opened for
 * deletion on close, then closed); `STATUS_OBJECT_NAME_NOT_FOUND` when there is
 * none, `STATUS_ACCESS_DENIED` when the user may not.
 */
export async function deleteFile(
  smb: SmbSession,
  tree: number,
  path: string,
): Promise<void> {
  const f = await openHandle(
    smb,
    tree,
    path,
    FILE_DELETE,
    FILE_OPEN,
    FILE_NON_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE,
  );
  // Unlike other closes, this one must succeed: it is what deletes.
  await smb.exchange(SMB2_CLOSE, (h) => closeRequest(h, f.fileId), tree);
}

/**
 * Renames (or moves, within the share) the file or directory `from` to `to`;
 * over an existing `to` only with `replace` (else `STATUS_OBJECT_NAME_COLLISION`).
 */
export async function rename(
  smb: SmbSession,
  tree: number,
  from: string,
  to: string,
  replace = false,
): Promise<void> {
  const f = await openHandle(smb, tree, from, FILE_DELETE, FILE_OPEN, 0);
  try {
    await smb.exchange(
      SMB2_SET_INFO,
      (h) => renameRequest(h, f.fileId, smbPath(to), replace),
      tree,
    );
  } finally {
    await f.close();
  }
}

/** Creates the directory `path` (`STATUS_OBJECT_NAME_COLLISION` when it exists). */
export async function makeDirectory(
  smb: SmbSession,
  tree: number,
  path: string,
): Promise<void> {
  const d = await openHandle(
    smb,
    tree,
    path,
    FILE_LIST,
    FILE_CREATE,
    FILE_DIRECTORY_FILE,
  );
  await d.close();
}

/**
 * Lists the directory `path` ("" for the share's root) of the disk share
 * connected as `tree`: its entries but `.` and `..`; more than `maxEntries`
 * (default 100 000) is a RangeError.
 */
export async function listDirectory(
  smb: SmbSession,
  tree: number,
  path = "",
  maxEntries = 100_000,
): Promise<DirectoryEntry[]> {
  checkDisk(smb, tree);
  const d = await openHandle(
    smb,
    tree,
    path,
    FILE_LIST,
    FILE_OPEN,
    FILE_DIRECTORY_FILE,
  );
  try {
    const all: DirectoryEntry[] = [];
    for (let first = true;; first = false) {
      const [h, m] = await smb.exchange(
        SMB2_QUERY_DIRECTORY,
        (rh) => queryDirectoryRequest(rh, d.fileId, first, SMB2_CREDIT_BYTES),
        tree,
        [STATUS_NO_MORE_FILES],
      );
      if (h.status === STATUS_NO_MORE_FILES) return all;
      const entries = readDirectory(m);
      if (!entries) throw malformed(smb.where, "malformed QUERY_DIRECTORY");
      if (entries.length === 0) return all;
      for (const e of entries) {
        if (e.name === "." || e.name === "..") continue;
        if (all.length === maxEntries) {
          throw new RangeError(`${path} has more than ${maxEntries} entries`);
        }
        all.push(e);
      }
    }
  } finally {
    await d.close();
  }
}
