/**
 * A TCP connector for the SMB tests that sees every SMB2 message each way (the
 * Direct TCP frames split) and may change the server's before the client reads
 * them: what a man in the middle could do.
 *
 * @module
 */
import type { RpcConnector } from "../../src/rpc/stream.ts";

/** What the tap saw: the messages sent and received, without their frame headers. */
export interface Tap {
  connect: RpcConnector;
  sent: Uint8Array[];
  received: Uint8Array[];
}

/** Splits a byte stream into frames, calling `each` with every whole message. */
function framer(each: (m: Uint8Array) => void): (b: Uint8Array) => void {
  let buf = new Uint8Array(0);
  return (b) => {
    const all = new Uint8Array(buf.length + b.length);
    all.set(buf);
    all.set(b, buf.length);
    let at = 0;
    while (all.length - at >= 4) {
      const n = new DataView(all.buffer, at).getUint32(0);
      if (all.length - at < 4 + n) break;
      each(all.slice(at + 4, at + 4 + n));
      at += 4 + n;
    }
    buf = all.slice(at);
  };
}

/**
 * A tap; `alter(message, index)` may return a changed server message (index counts
 * the server's messages from 0 across the connection).
 */
export function tap(
  alter?: (m: Uint8Array, index: number) => Uint8Array,
): Tap {
  const sent: Uint8Array[] = [];
  const received: Uint8Array[] = [];
  const connect: RpcConnector = async (hostname, port) => {
    const conn = await Deno.connect({ hostname, port });
    const onSent = framer((m) => sent.push(m));
    let pending = new Uint8Array(0);
    const onReceived = framer((m) => {
      const out = alter ? alter(m.slice(), received.length) : m;
      received.push(m);
      const framed = new Uint8Array(pending.length + 4 + out.length);
      framed.set(pending);
      new DataView(framed.buffer).setUint32(pending.length, out.length);
      framed.set(out, pending.length + 4);
      pending = framed;
    });
    return {
      async write(b) {
        const n = await conn.write(b);
        onSent(b.subarray(0, n));
        return n;
      },
      async read(b) {
        while (pending.length === 0) {
          const chunk = new Uint8Array(65536);
          const n = await conn.read(chunk);
          if (n === null) return null;
          onReceived(chunk.subarray(0, n));
        }
        const n = Math.min(b.length, pending.length);
        b.set(pending.subarray(0, n));
        pending = pending.slice(n);
        return n;
      },
      close: () => conn.close(),
    };
  };
  return { connect, sent, received };
}

/** An SMB2 message's command. */
export const commandOf = (m: Uint8Array): number => m[12] | (m[13] << 8);
/** Whether an SMB2 message is flagged signed. */
export const isSigned = (m: Uint8Array): boolean => (m[16] & 8) !== 0;
