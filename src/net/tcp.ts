/**
 * TCP for the parts that talk to servers themselves (a KDC, kpasswd, a domain
 * controller's RPC): Deno's `Deno.connect`, or `node:net` where there is no Deno.
 *
 * @module
 */

/** A connected byte stream: the part of `Deno.Conn` the clients use. */
export interface Stream {
  /** Writes all of `b`. */
  write(b: Uint8Array): Promise<unknown>;
  /** Reads into `b`; null at the end of the stream. */
  read(b: Uint8Array): Promise<number | null>;
  /** Closes the connection. */
  close(): void;
  /** The local end's address (Deno's `localAddr`). */
  localAddr?: { hostname?: string };
}

/**
 * Opens a TCP connection with Deno's API, or `node:net` elsewhere (Node, Bun).
 *
 * @example
 * ```ts ignore
 * import { connect } from "./tcp.ts";
 * const s = await connect("kdc.example.com", 88);
 * s.close();
 * ```
 */
export async function connect(hostname: string, port: number): Promise<Stream> {
  // deno-lint-ignore no-explicit-any
  const d = (globalThis as any).Deno;
  if (d?.connect) return await d.connect({ hostname, port, transport: "tcp" });
  return await nodeConnect(hostname, port);
}

/** A minimal stream over node:net (Node, Bun), read through a queue of chunks. */
async function nodeConnect(hostname: string, port: number): Promise<Stream> {
  const spec = "node:net";
  const net = await import(spec);
  const sock = net.connect({ host: hostname, port });
  await new Promise<void>((res, rej) => {
    sock.once("connect", () => res());
    sock.once("error", rej);
  });
  const chunks: Uint8Array[] = [];
  let ended = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  sock.on("data", (c: Uint8Array) => {
    chunks.push(new Uint8Array(c));
    notify();
  });
  sock.on("end", () => {
    ended = true;
    notify();
  });
  sock.on("error", (e: unknown) => {
    failure = e;
    notify();
  });
  return {
    write: (b) =>
      new Promise((res, rej) =>
        sock.write(b, (e?: Error) => e ? rej(e) : res(b.length))
      ),
    async read(b) {
      while (chunks.length === 0) {
        if (failure) throw failure;
        if (ended) return null;
        await new Promise<void>((r) => (wake = r));
      }
      const c = chunks[0];
      const n = Math.min(c.length, b.length);
      b.set(c.subarray(0, n));
      if (n === c.length) chunks.shift();
      else chunks[0] = c.subarray(n);
      return n;
    },
    close: () => sock.destroy(),
    localAddr: { hostname: sock.localAddress },
  };
}
