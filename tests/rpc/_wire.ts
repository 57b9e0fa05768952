/**
 * Helpers of the tests against Samba's RPC server: a TCP connector that counts the
 * PDUs each way and keeps what was sent, and a retry while the DC's RPC service
 * starts.
 *
 * @module
 */
import { SspiError } from "../../src/sspi/errors.ts";
import type { RpcConnector } from "../../src/rpc/stream.ts";

/** A TCP connector that counts the PDUs each way (by their frag_length). */
export function counting() {
  const pdus = { sent: 0, received: 0 };
  const sentBytes: number[] = [];
  const counter = (key: "sent" | "received") => {
    let buf: number[] = [];
    return (b: Uint8Array) => {
      buf.push(...b);
      while (buf.length >= 10 && buf.length >= (buf[8] | (buf[9] << 8))) {
        buf = buf.slice(buf[8] | (buf[9] << 8));
        pdus[key]++;
      }
    };
  };
  const connect: RpcConnector = async (hostname, port) => {
    const conn = await Deno.connect({ hostname, port });
    const [sent, received] = [counter("sent"), counter("received")];
    return {
      async write(b) {
        const n = await conn.write(b);
        sent(b.subarray(0, n));
        sentBytes.push(...b.subarray(0, n));
        return n;
      },
      async read(b) {
        const n = await conn.read(b);
        if (n !== null) received(b.subarray(0, n));
        return n;
      },
      close: () => conn.close(),
    };
  };
  /** Everything written so far. */
  const sent = () => Uint8Array.from(sentBytes);
  return { pdus, connect, sent };
}

/** Retries `f` while the DC's RPC service may still be starting. */
export async function soon<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 0;; i++) {
    try {
      return await f();
    } catch (e) {
      if (i >= 50 || !(e instanceof SspiError)) throw e;
      if (!/cannot be reached/.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
