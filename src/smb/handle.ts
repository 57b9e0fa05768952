/**
 * An open file on an SMB2 disk share (`SmbFile`): reads and writes at offsets, in
 * requests of at most the server's size (and 64 KiB), a stream of its content, and
 * the CREATE that opens it. Each request is signed or sealed as the session is.
 *
 * @module
 */
import { malformed, SmbStatusError } from "./errors.ts";
import type { SmbSession } from "./session.ts";
import {
  closeRequest,
  createRequest,
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
export function smbPath(path: string): string {
  return path.replace(/\//g, "\\").replace(/^\\+/, "");
}

/** Throws unless `tree` is a connected disk share of `smb`. */
export function checkDisk(smb: SmbSession, tree: number): void {
  if (smb.shareType(tree) !== SMB2_SHARE_TYPE_DISK) {
    throw new RangeError(`tree ${tree} is not a connected disk share`);
  }
}

/** An open file (or directory) of a disk share. */
export class SmbFile {
  readonly #smb: SmbSession;
  readonly #tree: number;
  readonly #fileId: Uint8Array;
  #closed = false;
  /** The size when opened (`EndofFile` of the CREATE answer). */
  readonly size: bigint;

  /** A file `fileId` of `size` bytes open on `tree` (see {@linkcode openFile}). */
  constructor(smb: SmbSession, tree: number, fileId: Uint8Array, size: bigint) {
    this.#smb = smb;
    this.#tree = tree;
    this.#fileId = fileId;
    this.size = size;
  }

  /** The 16-byte `FileId`, for requests built by hand. */
  get fileId(): Uint8Array {
    return this.#fileId;
  }

  #alive(): void {
    if (this.#closed) throw new TypeError("the SMB file is closed");
  }

  /**
   * Reads up to `length` bytes (at most the server's read size) at `offset`; an
   * empty array at the end of the file.
   */
  async read(offset: bigint, length: number): Promise<Uint8Array> {
    this.#alive();
    const want = this.#smb.affordable(Math.min(length, this.#smb.maxReadSize));
    if (length <= 0) return new Uint8Array(0);
    let m: Uint8Array;
    try {
      [, m] = await this.#smb.exchange(
        SMB2_READ,
        (h) => readRequest(h, this.#fileId, want, offset),
        this.#tree,
        [],
        want,
      );
    } catch (e) {
      if (e instanceof SmbStatusError && e.ntStatus === STATUS_END_OF_FILE) {
        return new Uint8Array(0);
      }
      throw e;
    }
    const data = readRead(m);
    if (!data || data.length > want || data.length === 0) {
      throw malformed(this.#smb.where, "malformed READ answer");
    }
    return data;
  }

  /** Writes all of `data` at `offset`, in writes of the server's size. */
  async write(offset: bigint, data: Uint8Array): Promise<void> {
    this.#alive();
    for (let at = 0; at < data.length;) {
      const size = this.#smb.affordable(this.#smb.maxWriteSize);
      const part = data.subarray(at, at + size);
      const [, m] = await this.#smb.exchange(
        SMB2_WRITE,
        (h) => writeRequest(h, this.#fileId, part, offset + BigInt(at)),
        this.#tree,
        [],
        part.length,
      );
      const n = readWrite(m);
      if (n === null || n === 0 || n > part.length) {
        throw malformed(this.#smb.where, "malformed WRITE answer");
      }
      at += n;
    }
  }

  /**
   * The content from `offset` to the end, as a stream of chunks of the server's
   * read size; the file stays open (close it after).
   */
  readable(offset = 0n): ReadableStream<Uint8Array> {
    let at = offset;
    return new ReadableStream({
      pull: async (c) => {
        const chunk = await this.read(at, this.#smb.maxReadSize);
        if (chunk.length === 0) c.close();
        else {
          at += BigInt(chunk.length);
          c.enqueue(chunk);
        }
      },
    });
  }

  /** Closes the file; later calls throw. A failure to close is not reported. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#smb.exchange(
      SMB2_CLOSE,
      (h) => closeRequest(h, this.#fileId),
      this.#tree,
    ).catch(() => {}); // the file is closed with the session anyway
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * The CREATE of `name` (as SMB2 names it) on tree `tree` with `access`,
 * `disposition` and `options` (CREATE's fields and defaults; see `wire.ts`): the
 * file id and size; a malformed answer is `SEC_E_INVALID_TOKEN`. For files and
 * pipes alike.
 */
export async function createHandle(
  smb: SmbSession,
  tree: number,
  name: string,
  access?: number,
  disposition?: number,
  options?: number,
): Promise<{ fileId: Uint8Array; size: bigint }> {
  const [, m] = await smb.exchange(
    SMB2_CREATE,
    (h) => createRequest(h, name, access, disposition, options),
    tree,
  );
  const created = readCreate(m);
  if (!created) throw malformed(smb.where, "malformed CREATE answer");
  return created;
}

/**
 * Opens `path` on the disk share connected as `tree` with `access`,
 * `disposition` and `options` (CREATE's fields; see `wire.ts`).
 */
export async function openHandle(
  smb: SmbSession,
  tree: number,
  path: string,
  access: number,
  disposition?: number,
  options?: number,
): Promise<SmbFile> {
  checkDisk(smb, tree);
  const created = await createHandle(
    smb,
    tree,
    smbPath(path),
    access,
    disposition,
    options,
  );
  return new SmbFile(smb, tree, created.fileId, created.size);
}
