/**
 * A DCE/RPC server over TCP (`ncacn_ip_tcp`) for one interface, which Windows'
 * RPC runtime, Samba's and Impacket's clients bind to with NTLM (`auth_type` 10),
 * Negotiate (9) or Kerberos (16, DCE style) through this project's acceptors, at
 * packet integrity or privacy, with header signing when the client offers it; or
 * without authentication when allowed. Each connection is served on its own
 * (`server_connection.ts`); calls on one connection run one at a time.
 *
 * @module
 */
import type { SecurityFunctionTable } from "../native/function_table.ts";
import { RPC_C_AUTHN_LEVEL_PKT_PRIVACY } from "./auth.ts";
import type { SyntaxId } from "./pdu.ts";
import { type RpcInterface, serveConnection } from "./server_connection.ts";

export type { RpcCall, RpcInterface } from "./server_connection.ts";

/** What {@linkcode RpcServer.listen} needs. */
export interface RpcServerOptions {
  /** The address to listen on (default 127.0.0.1). */
  hostname?: string;
  /** The TCP port (default 0: any free one; see {@linkcode RpcServer.port}). */
  port?: number;
  /** The interface served: UUID and [major, minor] version (or `interfaces`). */
  iface?: SyntaxId;
  /**
   * Answers one call of `iface`: the response stub, or a fault status (an `nca_s_*`
   * value or a Win32 error). A handler that throws answers `nca_s_proto_error`.
   */
  handler?: RpcInterface["handler"];
  /**
   * More interfaces, each with its handler, served on the same port: a client binds
   * each with its own presentation context (in the bind or an alter_context).
   */
  interfaces?: readonly RpcInterface[];
  /**
   * The packages accepted (`"NTLM"`, `"Negotiate"`, `"Kerberos"`), each with the
   * `pAuthData` of its inbound credential (as `server()` takes it); absent:
   * unauthenticated binds only.
   */
  packages?: Readonly<Record<string, unknown>>;
  /**
   * The lowest `auth_level` accepted when `packages` is given (default 6, privacy;
   * 5 accepts integrity); binds without authentication are then refused. 0 accepts
   * unauthenticated binds too.
   */
  minLevel?: number;
  /** The SSPI the acceptors run on (default the portable one). */
  sspi?: SecurityFunctionTable;
  /** The largest fragment sent and accepted (default 5840). */
  maxFrag?: number;
  /** The largest reassembled request stub (default 1 MiB). */
  maxRequest?: number;
  /**
   * How long a connection may stay without sending its next PDU before it is
   * closed, in ms (default 120 000).
   */
  idleMs?: number;
  /** Connections served at once; more are closed as they come (default 1000). */
  maxConnections?: number;
}

/**
 * A listening DCE/RPC server; `close()` stops it and ends its connections.
 *
 * @example
 * ```ts ignore
 * import { RpcServer } from "./mod.ts";
 * const srv = RpcServer.listen({
 *   iface: { uuid: "6bffd098-a112-3610-9833-46c3f87e345a", version: [1, 0] },
 *   packages: { NTLM: { users: [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }] } },
 *   handler: ({ opnum, stub, clientName }) => stub.slice().reverse(),
 * });
 * console.log(srv.port);
 * await srv.close();
 * ```
 */
export class RpcServer {
  /** The TCP port it listens on. */
  readonly port: number;
  #listener: Deno.Listener;
  #conns = new Set<Deno.Conn>();
  #done: Promise<void>;

  private constructor(listener: Deno.Listener, o: RpcServerOptions) {
    this.#listener = listener;
    this.port = (listener.addr as Deno.NetAddr).port;
    const maxConnections = o.maxConnections ?? 1000;
    const settings = {
      interfaces: interfacesOf(o),
      packages: o.packages ?? null,
      minLevel: o.packages ? o.minLevel ?? RPC_C_AUTHN_LEVEL_PKT_PRIVACY : 0,
      sspi: o.sspi,
      maxFrag: o.maxFrag ?? 5840,
      maxRequest: o.maxRequest ?? 1 << 20,
      idleMs: o.idleMs ?? 120_000,
      port: this.port,
    };
    this.#done = (async () => {
      for await (const conn of listener) {
        if (this.#conns.size >= maxConnections) {
          conn.close(); // at the limit: the client may try again later
          continue;
        }
        this.#conns.add(conn);
        serveConnection(conn, settings).finally(() => this.#conns.delete(conn));
      }
    })().catch(() => {});
  }

  /** Starts listening. */
  static listen(options: RpcServerOptions): RpcServer {
    interfacesOf(options);
    const frag = options.maxFrag ?? 5840;
    if (!Number.isInteger(frag) || frag < 2048 || frag > 0xffff) {
      throw new RangeError(`maxFrag must be 2048 to 65535, not ${frag}`);
    }
    const listener = Deno.listen({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 0,
    });
    return new RpcServer(listener, options);
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    await this.#done;
  }
}

/** `iface` with `handler`, then `interfaces`; at least one. */
function interfacesOf(o: RpcServerOptions): RpcInterface[] {
  if (!o.iface !== !o.handler) {
    throw new TypeError("iface and handler go together");
  }
  const all = [
    ...(o.iface && o.handler ? [{ iface: o.iface, handler: o.handler }] : []),
    ...(o.interfaces ?? []),
  ];
  if (all.length === 0) throw new TypeError("an RpcServer needs an interface");
  return all;
}
