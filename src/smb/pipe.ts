/**
 * Named pipes over SMB2 (`\\host\IPC$\<name>`) as byte streams, and the connector
 * that gives DCE/RPC its `ncacn_np` transport: `RpcClient.connect({ ..., connect:
 * namedPipe({ pipe: "samr", ...credentials }) })` sets up a signed SMB session
 * (Negotiate by default), connects IPC$, opens the pipe and carries the RPC PDUs in
 * SMB2 WRITEs and READs, as Windows' RPC runtime does over SMB.
 *
 * @module
 */
import type { RpcConnector, RpcStream } from "../rpc/stream.ts";
import { malformed, SmbStatusError } from "./errors.ts";
import type { SmbSessionOptions } from "./options.ts";
import { SmbSession } from "./session.ts";
import {
  closeRequest,
  createRequest,
  readCreate,
  readRead,
  readRequest,
  readWrite,
  SMB2_CLOSE,
  SMB2_CREATE,
  SMB2_CREDIT_BYTES,
  SMB2_READ,
  SMB2_SHARE_TYPE_PIPE,
  SMB2_WRITE,
  STATUS_BUFFER_OVERFLOW,
  writeRequest,
} from "./wire.ts";

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
 * an `RpcStream`. `close()` closes the pipe and disconnects its tree, and ends the
 * session too when the pipe owns it (the `namedPipe` connector's).
 */
export class SmbPipe implements RpcStream {
  readonly #smb: SmbSession;
  readonly #tree: number;
  readonly #fileId: Uint8Array;
  readonly #ownsSession: boolean;
  #left: Uint8Array = new Uint8Array(0);
  #closed = false;
  #done: Promise<void> = Promise.resolve();

  /** A pipe `fileId` open on tree `tree` of `smb` (see {@linkcode openPipe}). */
  constructor(
    smb: SmbSession,
    tree: number,
    fileId: Uint8Array,
    ownsSession = false,
  ) {
    this.#smb = smb;
    this.#tree = tree;
    this.#fileId = fileId;
    this.#ownsSession = ownsSession;
  }

  /** Writes all of `b`, in writes of at most the server's size. */
  async write(b: Uint8Array): Promise<number> {
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
    return b.length;
  }

  /** Reads into `b`; null once the pipe has ended. */
  async read(b: Uint8Array): Promise<number | null> {
    if (this.#left.length === 0) {
      if (this.#closed) return null;
      let m: Uint8Array;
      try {
        [, m] = await this.#smb.exchange(
          SMB2_READ,
          (h) => readRequest(h, this.#fileId, PIPE_IO),
          this.#tree,
          [STATUS_BUFFER_OVERFLOW],
        );
      } catch (e) {
        if (e instanceof SmbStatusError && ENDED.has(e.ntStatus)) return null;
        throw e;
      }
      const data = readRead(m);
      // An empty answer would have the caller read again and again.
      if (!data || data.length === 0 || data.length > PIPE_IO) {
        throw malformed(this.#smb.where, "malformed READ answer");
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
 * such pipe.
 */
export async function openPipe(
  smb: SmbSession,
  tree: number,
  name: string,
  ownsSession = false,
): Promise<SmbPipe> {
  if (smb.shareType(tree) !== SMB2_SHARE_TYPE_PIPE) {
    throw new RangeError(`tree ${tree} is not a connected pipe share (IPC$)`);
  }
  const [, m] = await smb.exchange(
    SMB2_CREATE,
    (h) => createRequest(h, name.replace(/^\\?(pipe\\)?/i, "")),
    tree,
  );
  const created = readCreate(m);
  if (!created) throw malformed(smb.where, "malformed CREATE answer");
  return new SmbPipe(smb, tree, created.fileId, ownsSession);
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
      return await openPipe(smb, tree, options.pipe, true);
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
      return await openPipe(smb, tree, pipe, false);
    } catch (e) {
      await smb.treeDisconnect(tree).catch(() => {});
      throw e;
    }
  };
}
