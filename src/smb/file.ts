/**
 * Files on an SMB2 disk share: `readFile`, `writeFile`, `deleteFile` and
 * `listDirectory` over a session's connected tree, in reads and writes of at most the server's size (and 64 KiB),
 * each signed or sealed as the session is. Paths are relative to the share;
 * `/` and `\` both separate.
 *
 * @module
 */
import { malformed, SmbStatusError } from "./errors.ts";
import type { SmbSession } from "./session.ts";
import {
  type DirectoryEntry,
  queryDirectoryRequest,
  readDirectory,
  SMB2_QUERY_DIRECTORY,
  STATUS_NO_MORE_FILES,
} from "./wire_directory.ts";
import {
  closeRequest,
  createRequest,
  FILE_DELETE,
  FILE_DELETE_ON_CLOSE,
  FILE_DIRECTORY_FILE,
  FILE_LIST,
  FILE_NON_DIRECTORY_FILE,
  FILE_OPEN,
  FILE_OVERWRITE_IF,
  FILE_READ,
  FILE_READ_WRITE,
  readCreate,
  readRead,
  readRequest,
  readWrite,
  SMB2_CLOSE,
  SMB2_CREATE,
  SMB2_READ,
  SMB2_SHARE_TYPE_DISK,
  SMB2_WRITE,
  writeRequest,
} from "./wire.ts";

/** STATUS_END_OF_FILE: a read at or past the end. */
const STATUS_END_OF_FILE = 0xc0000011;

/** `path` as SMB2 names files: backslashes, no leading separator. */
function smbPath(path: string): string {
  return path.replace(/\//g, "\\").replace(/^\\+/, "");
}

function checkDisk(smb: SmbSession, tree: number): void {
  if (smb.shareType(tree) !== SMB2_SHARE_TYPE_DISK) {
    throw new RangeError(`tree ${tree} is not a connected disk share`);
  }
}

/** Opens `path`; gives its file id and size. */
async function open(
  smb: SmbSession,
  tree: number,
  path: string,
  access: number,
  disposition?: number,
  options?: number,
): Promise<{ fileId: Uint8Array; size: bigint }> {
  const [, m] = await smb.exchange(
    SMB2_CREATE,
    (h) => createRequest(h, smbPath(path), access, disposition, options),
    tree,
  );
  const created = readCreate(m);
  if (!created) throw malformed(smb.where, "malformed CREATE answer");
  return created;
}

async function close(smb: SmbSession, tree: number, fileId: Uint8Array) {
  await smb.exchange(SMB2_CLOSE, (h) => closeRequest(h, fileId), tree)
    .catch(() => {}); // the file is closed with the session anyway
}

/**
 * Reads the file `path` of the disk share connected as `tree`, whole; a file the
 * server says is larger than `maxSize` (default 16 MiB) is a RangeError. A missing
 * file is an `SmbStatusError` (`STATUS_OBJECT_NAME_NOT_FOUND`), one the user may
 * not read `STATUS_ACCESS_DENIED`.
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
  checkDisk(smb, tree);
  const { fileId, size } = await open(smb, tree, path, FILE_READ);
  try {
    if (size > BigInt(maxSize)) {
      throw new RangeError(`${path} is ${size} bytes, more than ${maxSize}`);
    }
    const out = new Uint8Array(Number(size));
    let at = 0;
    while (at < out.length) {
      const want = Math.min(smb.maxReadSize, out.length - at);
      let data: Uint8Array | null;
      try {
        const [, m] = await smb.exchange(
          SMB2_READ,
          (h) => readRequest(h, fileId, want, BigInt(at)),
          tree,
        );
        data = readRead(m);
      } catch (e) {
        // Shorter than it was when opened.
        if (e instanceof SmbStatusError && e.ntStatus === STATUS_END_OF_FILE) {
          break;
        }
        throw e;
      }
      if (!data || data.length > want || data.length === 0) {
        throw malformed(smb.where, "malformed READ answer");
      }
      out.set(data, at);
      at += data.length;
    }
    return at === out.length ? out : out.slice(0, at);
  } finally {
    await close(smb, tree, fileId);
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
  checkDisk(smb, tree);
  const { fileId } = await open(
    smb,
    tree,
    path,
    FILE_READ_WRITE,
    FILE_OVERWRITE_IF,
  );
  try {
    for (let at = 0; at < data.length;) {
      const part = data.subarray(at, at + smb.maxWriteSize);
      const [, m] = await smb.exchange(
        SMB2_WRITE,
        (h) => writeRequest(h, fileId, part, BigInt(at)),
        tree,
      );
      const n = readWrite(m);
      if (n === null || n === 0 || n > part.length) {
        throw malformed(smb.where, "malformed WRITE answer");
      }
      at += n;
    }
  } finally {
    await close(smb, tree, fileId);
  }
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
  const { fileId } = await open(
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
        (rh) => queryDirectoryRequest(rh, fileId, first, smb.maxReadSize),
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
    await close(smb, tree, fileId);
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
  checkDisk(smb, tree);
  const { fileId } = await open(
    smb,
    tree,
    path,
    FILE_DELETE,
    FILE_OPEN,
    FILE_NON_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE,
  );
  await smb.exchange(SMB2_CLOSE, (h) => closeRequest(h, fileId), tree);
}
