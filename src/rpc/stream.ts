/**
 * The byte stream under a DCE/RPC connection: the shape of a connection, the default
 * TCP connector, exact reads and writes, and the timeout that bounds each exchange.
 * Every failure here is `SEC_E_NO_AUTHENTICATING_AUTHORITY` naming the server.
 *
 * @module
 */
import { connect } from "../net/tcp.ts";
import { SspiError } from "../sspi/errors.ts";
import { SEC_E_NO_AUTHENTICATING_AUTHORITY } from "../sspi/status.ts";

/** A connected byte stream: what the client needs of a `Deno.Conn`. */
export interface RpcStream {
  /** Writes all of `b` (or at least resolves once it is queued). */
  write(b: Uint8Array): Promise<unknown>;
  /** Reads into `b`; null at the end of the stream. */
  read(b: Uint8Array): Promise<number | null>;
  /** Closes the connection; a pending read then fails or returns null. */
  close(): void;
}

/** Opens a stream to `hostname:port` (TCP by default). */
export type RpcConnector = (
  hostname: string,
  port: number,
) => Promise<RpcStream>;

/** The default connector: TCP, through `Deno.connect` or `node:net`. */
export function tcpConnect(hostname: string, port: number): Promise<RpcStream> {
  return connect(hostname, port);
}

/**
 * `e` (a network error) as an SspiError naming `where`, a `kind` of server ("RPC
 * server", "SMB server").
 */
export function unreachable(
  where: string,
  e: unknown,
  kind = "RPC server",
): SspiError {
  const why = e instanceof Error ? e.message : String(e);
  return new SspiError(
    SEC_E_NO_AUTHENTICATING_AUTHORITY,
    `${kind} ${where} cannot be reached: ${why}`,
    { cause: e },
  );
}

/**
 * `work` bounded by `ms`: on timeout `abandon` runs and the result is
 * `SEC_E_NO_AUTHENTICATING_AUTHORITY` naming `where` and `what`.
 */
export async function bounded<T>(
  work: Promise<T>,
  ms: number,
  where: string,
  what: string,
  abandon: () => void,
  kind = "RPC server",
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandon();
      reject(
        new SspiError(
          SEC_E_NO_AUTHENTICATING_AUTHORITY,
          `${kind} ${where}: no answer to the ${what} within ${ms} ms`,
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    work.catch(() => {}); // settles after a timeout; nobody waits for it
  }
}

/**
 * Writes all of `b` (a `Deno.Conn` may write less than asked); a failing stream is
 * an error naming `where`.
 */
export async function writeAll(
  s: RpcStream,
  b: Uint8Array,
  where: string,
  kind = "RPC server",
): Promise<void> {
  try {
    for (let at = 0; at < b.length;) {
      const n = await s.write(b.subarray(at));
      at += typeof n === "number" && n > 0 ? n : b.length - at;
    }
  } catch (e) {
    // A stream's own SSPI failure (an SMB pipe's) stays what it is.
    throw e instanceof SspiError ? e : unreachable(where, e, kind);
  }
}

/** Fills `b` from the stream; the stream ending first is an error naming `where`. */
export async function readFull(
  s: RpcStream,
  b: Uint8Array,
  where: string,
  kind = "RPC server",
): Promise<void> {
  for (let at = 0; at < b.length;) {
    let got: number | null;
    try {
      got = await s.read(b.subarray(at));
    } catch (e) {
      throw e instanceof SspiError ? e : unreachable(where, e, kind);
    }
    if (got === null) {
      throw unreachable(where, new Error("the connection was closed"), kind);
    }
    at += got;
  }
}
