/**
 * The RPC server tests' rpcecho server (AddOne, EchoData) over our acceptors, and
 * bare-connection helpers.
 *
 * @module
 */
import assert from "node:assert/strict";
import { RPC_C_AUTHN_LEVEL_PKT_INTEGRITY } from "../../src/rpc/auth.ts";
import { type RpcCall, RpcServer } from "../../src/rpc/server.ts";
import {
  SspiRpcAuth,
  type SspiRpcAuthOptions,
} from "../../src/rpc/sspi_auth.ts";
import { RpcClient, type RpcConnectOptions } from "../../src/rpc/client.ts";

/** A bare TCP connection to `server`, for PDUs written by hand. */
export const raw = (server: RpcServer) =>
  Deno.connect({ hostname: "127.0.0.1", port: server.port });

/** Whether the server hangs up on `conn` (its next read ends the stream). */
export async function hungUp(conn: Deno.Conn): Promise<boolean> {
  return await conn.read(new Uint8Array(16)).catch(() => null) === null;
}

/** rpcecho (Samba's test interface). */
export const RPCECHO = {
  uuid: "60a15ec5-4de8-11d7-a637-005056a20182",
  version: [1, 0] as const,
};
/** A second interface (SAMR's UUID), for tests that bind two. */
export const OTHER = {
  uuid: "12345778-1234-abcd-ef00-0123456789ac",
  version: [1, 0] as const,
};

/** Alice's `SspiRpcAuth` (NTLM at privacy unless `o` says otherwise). */
export function aliceAuth(o: SspiRpcAuthOptions = {}): SspiRpcAuth {
  return new SspiRpcAuth({
    username: "alice",
    domain: "EXAMPLE",
    password: "pw",
    ...o,
  });
}

/** Our client on 127.0.0.1 to `server`, binding `iface` with `auth`. */
export function connectTo(
  server: RpcServer,
  auth: SspiRpcAuth | null,
  o: Partial<RpcConnectOptions> = {},
): Promise<RpcClient> {
  return RpcClient.connect({
    host: "127.0.0.1",
    port: server.port,
    iface: RPCECHO,
    auth,
    timeoutMs: 5000,
    ...o,
  });
}

/** The users our acceptors know. */
export const USERS = {
  users: [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }],
};

/** How an echo server is set up beyond its interface. */
export interface EchoOptions {
  /** The lowest level accepted (default integrity). */
  minLevel?: number;
  /** The packages and their `pAuthData` (default NTLM and Negotiate with `USERS`). */
  packages?: Readonly<Record<string, unknown>>;
  /** Looks at each call first (its context, say). */
  inspect?: (call: RpcCall) => void;
}

/** rpcecho's AddOne (0) and EchoData (1); the calls seen. */
export function echoServer(o: EchoOptions = {}) {
  const calls: Omit<RpcCall, "stub" | "context">[] = [];
  const server = RpcServer.listen({
    iface: RPCECHO,
    packages: o.packages ?? { NTLM: USERS, Negotiate: USERS },
    minLevel: o.minLevel ?? RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    handler: (call) => {
      const { stub, context, ...seen } = call;
      calls.push(seen);
      assert.equal(context?.clientName ?? null, call.clientName);
      o.inspect?.(call);
      const v = new DataView(stub.buffer, stub.byteOffset, stub.byteLength);
      if (call.opnum === 0) {
        if (stub.length !== 4) return 0x6f7; // RPC_X_BAD_STUB_DATA
        const out = new Uint8Array(4);
        new DataView(out.buffer).setUint32(0, v.getUint32(0, true) + 1, true);
        return out;
      }
      if (call.opnum === 1) {
        // [in] uint32 len, [in, size_is(len)] uint8 in_data[] -> out_data[len]
        const n = v.getUint32(0, true);
        if (v.getUint32(4, true) !== n || stub.length !== 8 + n) return 0x6f7;
        const out = new Uint8Array(4 + n);
        new DataView(out.buffer).setUint32(0, n, true);
        out.set(stub.subarray(8), 4);
        return out;
      }
      if (call.opnum === 2) throw new Error("handler bug");
      return 0x1c010002; // nca_s_op_rng_error
    },
  });
  return { server, calls };
}
