/**
 * Named pipes over SMB2 (`\\host\IPC$\<name>`) as byte streams, and the connector
 * that gives DCE/RPC its `ncacn_np` transport: `RpcClient.connect({ ..., connect:
 * namedPipe({ pipe: "samr", ...credentials }) })` sets up a signed SMB session
 * (Negotiate by default), connects IPC$, opens the pipe and carries the RPC PDUs as
 * Windows' RPC runtime does over SMB: a request and its answer in one
 * `FSCTL_PIPE_TRANSCEIVE` (MS-SMB2 3.2.4.20.4), one round trip; what has no
 * answer (further fragments, AUTH3) in SMB2 WRITEs, the rest of a long answer in
 * READs.
 *
 * @module
 */
import type { RpcConnector, RpcStream } from "../rpc/stream.ts";
import { malformed, SmbStatusError } from "./errors.ts";
import type { SmbSessionOptions } from "./options.ts";
import { SmbSession } from "./session.ts";
import {
  closeRequest,
  readRead,
  readRequest,
  readWrite,
  SMB2_CLOSE,
  SMB2_CREDIT_BYTES,
  SMB2_READ,
  SMB2_SHARE_TYPE_PIPE,
  SMB2_WRITE,
  STATUS_BUFFER_OVERFLOW,
  writeRequest,
} from "./wire.ts";
import { ioctlRequest, readIoctl, SMB2_IOCTL } from "./wire_ioctl.ts";
import { createHandle } from "./handle.ts";

/** The control that writes a message to a pipe and reads its answer. */
const FSCTL_PIPE_TRANSCEIVE = 0x0011c017;

/** A pipe's reads and writes: one credit each (RPC fragments are smaller). */
const PIPE_IO = SMB2_CREDIT_BYTES;

/** NTSTATUS values that mean the pipe's other end is gone: the stream's end. */
const ENDED: ReadonlySet<number> = new Set([
  0xc00000b0, // STATUS_PIPE_DISCONNECTED
  0xc000014b, // STATUS_PIPE_BROKEN
  0xc0000011, // STATUS_END_OF_FILE
]);

/**
 * An open named pipe: writes are SMB2 WRITEs, reads SMB2 READs (a message longer
 * than one read comes in several, `STATUS_BUFFER_OVERFLOW` then the rest). Usable as
 * an `RpcStream`. With `transceive` (the RPC connectors'), the last write before a
 * read waits for that read and goes with it in one `FSCTL_PIPE_TRANSCEIVE`; a write
 * that another write follows goes as it is (so does one pending at `close()`).
 * `close()` closes the pipe and disconnects its tree, and ends the session too
 * when the pipe owns it (the `namedPipe` connector's).
 */
export class SmbPipe implements RpcStream {
  readonly #smb: SmbSession;
  readonly #tree: number;
  readonly #fileId: Uint8Array;
  readonly #ownsSession: boolean;
  readonly #transceive: boolean;
  /** With `transceive`: the last write, sent with the next read. */
  #pending: Uint8Array | null = null;
  #left: Uint8Array = new Uint8Array(0);
  #closed = false;
  #done: Promise<void> = Promise.resolve();

  /** A pipe `fileId` open on tree `tree` of `smb` (see {@linkcode openPipe}). */
  constructor(
    smb: SmbSession,
    tree: number,
    fileId: Uint8Array,
    ownsSession = false,
    transceive = false,
  ) {
    this.#smb = smb;
    this.#tree = tree;
    this.#fileId = fileId;
    this.#ownsSession = ownsSession;
    this.#transceive = transceive;
  }

  /**
   * Writes all of `b`, in writes of at most the server's size (with `transceive`,
   * a message that fits one is kept for the next read).
   */
  async write(b: Uint8Array): Promise<number> {
    await this.#flush();
    if (this.#transceive && b.length > 0 && b.length <= PIPE_IO) {
      this.#pending = b.slice();
      return b.length;
    }
    await this.#writeAll(b);
    return b.length;
  }

  /** Sends the write kept for a read, as a plain write. */
  async #flush(): Promise<void> {
    const p = this.#pending;
    this.#pending = null;
    if (p) await this.#writeAll(p);
  }

  async #writeAll(b: Uint8Array): Promise<void> {
    for (let at = 0; at < b.length;) {
      const part = b.subarray(at, at + PIPE_IO);
      const [, m] = await this.#smb.exchange(
        SMB2_WRITE,
        (h) => writeRequest(h, this.#fileId, part),
        this.#tree,
      );
      const n = readWrite(m);
      if (n === null || n > part.length || n === 0) {
        throw malformed(this.#smb.where, "malformed WRITE answer");
      }
      at += n;
    }
  }

  /** Reads into `b`; null once the pipe has ended. */
  async read(b: Uint8Array): Promise<number | null> {
    if (this.#left.length === 0) {
      if (this.#closed) return null;
      const input = this.#pending;
      this.#pending = null;
      let data: Uint8Array | null;
      try {
        if (input) {
          // The message and its answer in one round trip.
          const [, m] = await this.#smb.exchange(
            SMB2_IOCTL,
            (h) =>
              ioctlRequest(
                h,
                FSCTL_PIPE_TRANSCEIVE,
                this.#fileId,
                input,
                PIPE_IO,
              ),
            this.#tree,
            [STATUS_BUFFER_OVERFLOW],
            PIPE_IO,
          );
          data = readIoctl(m, FSCTL_PIPE_TRANSCEIVE);
        } else {
          const [, m] = await this.#smb.exchange(
            SMB2_READ,
            (h) => readRequest(h, this.#fileId, PIPE_IO),
            this.#tree,
            [STATUS_BUFFER_OVERFLOW],
          );
          data = readRead(m);
        }
      } catch (e) {
        if (e instanceof SmbStatusError && ENDED.has(e.ntStatus)) return null;
        throw e;
      }
      // An empty answer would have the caller read again and again.
      if (!data || data.length === 0 || data.length > PIPE_IO) {
        throw malformed(
          this.#smb.where,
          `malformed ${input ? "FSCTL_PIPE_TRANSCEIVE" : "READ"} answer`,
        );
      }
      this.#left = data;
    }
    const n = Math.min(b.length, this.#left.length);
    b.set(this.#left.subarray(0, n));
    this.#left = this.#left.subarray(n);
    return n;
  }

  /**
   * Closes the pipe and its tree (and the session when the pipe owns it); `closed`
   * settles when that is done.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#left = new Uint8Array(0);
    this.#done = (async () => {
      await this.#flush().catch(() => {});
      await this.#smb.exchange(
        SMB2_CLOSE,
        (h) => closeRequest(h, this.#fileId),
        this.#tree,
      ).catch(() => {});
      await this.#smb.treeDisconnect(this.#tree).catch(() => {});
      if (this.#ownsSession) await this.#smb.close();
    })();
  }

  /** Settles once `close()` has closed the pipe (and its session). */
  get closed(): Promise<void> {
    return this.#done;
  }
}

/**
 * Opens the named pipe `name` (`"samr"`, `"lsarpc"`, `"srvsvc"`, `"netlogon"`...) on
 * a connected `IPC$` tree; `STATUS_OBJECT_NAME_NOT_FOUND` when the server has no
 * such pipe. `transceive`: see {@linkcode SmbPipe} (for request/answer protocols
 * such as RPC).
 */
export async function openPipe(
  smb: SmbSession,
  tree: number,
  name: string,
  ownsSession = false,
  transceive = false,
): Promise<SmbPipe> {
  if (smb.shareType(tree) !== SMB2_SHARE_TYPE_PIPE) {
    throw new RangeError(`tree ${tree} is not a connected pipe share (IPC$)`);
  }
  const created = await createHandle(
    smb,
    tree,
    name.replace(/^\\?(pipe\\)?/i, ""),
  );
  return new SmbPipe(smb, tree, created.fileId, ownsSession, transceive);
}

/** Options of {@linkcode namedPipe}: the pipe, and the SMB session's credentials. */
export interface NamedPipeOptions
  extends Omit<SmbSessionOptions, "host" | "port"> {
  /** The pipe's name: `"samr"`, `"lsarpc"`, `"srvsvc"` (`\pipe\` optional). */
  pipe: string;
}

/**
 * A connector for `RpcClient.connect` that reaches the RPC server through the named
 * pipe `pipe` over SMB2 (`ncacn_np`) instead of TCP: the `host` and `port` (445)
 * given to `RpcClient.connect` are the SMB server's. Each connection sets up its
 * own SMB session, which `rpc.close()` ends.
 *
 * @example
 * ```ts ignore
 * import { namedPipe } from "./mod.ts";
 * import { RpcClient } from "../rpc/mod.ts";
 * const SAMR = { uuid: "12345778-1234-abcd-ef00-0123456789ac", version: [1, 0] as const };
 * const rpc = await RpcClient.connect({
 *   host: "dc1.example.com",
 *   port: 445,
 *   iface: SAMR,
 *   connect: namedPipe({
 *     pipe: "samr", username: "alice", domain: "EXAMPLE", password: "...",
 *   }),
 * });
 * ```
 */
export function namedPipe(options: NamedPipeOptions): RpcConnector {
  return async (host: string, port: number) => {
    const smb = await SmbSession.connect({ ...options, host, port });
    try {
      const tree = await smb.treeConnect("IPC$");
      return await openPipe(smb, tree, options.pipe, true, true);
    } catch (e) {
      await smb.close();
      throw e;
    }
  };
}

/**
 * A connector for `RpcClient.connect` that opens the named pipe `pipe` on an SMB
 * session already set up (its own tree connect to `IPC$`), so several RPC
 * connections share one logon, as Windows' RPC runtime shares a session per
 * server. The `host` and `port` given to `RpcClient.connect` name the connection
 * in errors only; `rpc.close()` closes the pipe and its tree, not the session.
 */
export function sessionPipe(smb: SmbSession, pipe: string): RpcConnector {
  return async () => {
    const tree = await smb.treeConnect("IPC$");
    try {
      return await openPipe(smb, tree, pipe, false, true);
    } catch (e) {
      await smb.treeDisconnect(tree).catch(() => {});
      throw e;
    }
  };
}
