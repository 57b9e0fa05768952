// A TCP relay in front of a real KDC that keeps a copy of every request our client
// sends through it (RFC 4120 7.2.2 framing: a 4-byte big-endian length, then the
// message), so a test can check what went on the wire to the DC.

/** A relay listening on 127.0.0.1; `kdc` is its address for a credential's `Kdc`. */
export interface KdcRelay {
  /** `127.0.0.1:<port>` of the relay. */
  kdc: string;
  /** The KDC requests relayed so far, each without its length prefix. */
  requests: Uint8Array[];
  /** Stops listening and closes the open connections. */
  close(): Promise<void>;
}

async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await conn.read(out.subarray(got));
    if (r === null) throw new Error("connection closed mid-message");
    got += r;
  }
  return out;
}

async function pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(16384);
  for (;;) {
    const r = await from.read(buf).catch(() => null);
    if (r === null) return;
    await to.write(buf.subarray(0, r));
  }
}

/** Starts a relay to `target` (`host:port` of the DC's KDC). */
export function startKdcRelay(target: string): KdcRelay {
  const [hostname, port] = target.split(":");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: Uint8Array[] = [];
  const open = new Set<Deno.Conn>();
  const handle = async (client: Deno.Conn) => {
    const server = await Deno.connect({ hostname, port: Number(port) });
    open.add(server);
    try {
      const head = await readExactly(client, 4);
      const len = new DataView(head.buffer).getUint32(0);
      const body = await readExactly(client, len);
      requests.push(body);
      await server.write(head);
      await server.write(body);
      await pipe(server, client); // the KDC answers and closes, or the client does
    } finally {
      open.delete(server);
      open.delete(client);
      try {
        server.close();
      } catch { /* closed */ }
      try {
        client.close();
      } catch { /* closed */ }
    }
  };
  const serving = (async () => {
    for await (const conn of listener) {
      open.add(conn);
      handle(conn).catch(() => {});
    }
  })();
  const addr = listener.addr as Deno.NetAddr;
  return {
    kdc: `127.0.0.1:${addr.port}`,
    requests,
    async close() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await serving.catch(() => {});
    },
  };
}
