// The KDC transport over TCP (RFC 4120 7.2.2) against small local servers on
// 127.0.0.1: the request arrives framed with its 4-byte big-endian length; a framed
// reply comes back whole, also when it arrives one byte per write; a server that
// closes early, one that never answers (bounded by the timeout, whose value the error
// names, and the connection is closed), and a length prefix above MAX_KDC_REPLY (refused
// at once, nothing allocated) are KdcUnreachableError; the next KDC of the list
// answers when the first refuses connections. And parseKdcAddress's forms.
import assert from "node:assert/strict";
import {
  KdcUnreachableError,
  MAX_KDC_REPLY,
  parseKdcAddress,
  tcpTransport,
} from "../../src/packages/kerberos/transport.ts";
import { freePort as closedPort } from "../digest/_peers.ts";

const REALM = "EXAMPLE.TEST";
const REQUEST = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 255);
const REPLY = Uint8Array.from({ length: 777 }, (_, i) => (i * 13 + 1) & 255);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function framed(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + b.length);
  new DataView(out.buffer).setUint32(0, b.length);
  out.set(b, 4);
  return out;
}

/** Reads exactly `n` bytes (null if the peer closes first). */
async function readFull(c: Deno.Conn, n: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(n);
  for (let at = 0; at < n;) {
    const got = await c.read(out.subarray(at));
    if (got === null) return null;
    at += got;
  }
  return out;
}

/** A one-connection-at-a-time server: `handle` gets each connection and its request. */
interface TestServer {
  address: string;
  /** The framed requests received, unframed. */
  requests: Uint8Array[];
  /** Resolves when a connection handler has finished. */
  handled: Promise<void>[];
  close(): Promise<void>;
}

function serve(
  handle: (conn: Deno.Conn, request: Uint8Array) => Promise<void>,
  hostname = "127.0.0.1",
): TestServer {
  const listener = Deno.listen({ hostname, port: 0 });
  const requests: Uint8Array[] = [];
  const handled: Promise<void>[] = [];
  const conns = new Set<Deno.Conn>();
  const loop = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      handled.push((async () => {
        try {
          const head = await readFull(conn, 4);
          if (!head) return;
          const n = new DataView(head.buffer).getUint32(0);
          const req = await readFull(conn, n);
          if (!req) return;
          requests.push(req);
          await handle(conn, req);
        } catch {
          /* the client went away */
        } finally {
          try {
            conn.close();
          } catch { /* already closed */ }
          conns.delete(conn);
        }
      })());
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    address: hostname.includes(":")
      ? `[${hostname}]:${port}`
      : `${hostname}:${port}`,
    requests,
    handled,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await loop.catch(() => {});
      await Promise.all(handled);
    },
  };
}

/** The transport's rejection, asserted to be a KdcUnreachableError. */
async function unreachable(p: Promise<unknown>): Promise<KdcUnreachableError> {
  try {
    await p;
  } catch (e) {
    assert.ok(
      e instanceof KdcUnreachableError,
      `not KdcUnreachableError: ${e}`,
    );
    return e;
  }
  assert.fail("the transport resolved");
}

Deno.test("transport: a framed request gets the framed reply back whole", async () => {
  const srv = serve(async (c) => {
    await c.write(framed(REPLY));
  });
  try {
    const send = tcpTransport([srv.address]);
    assert.deepEqual(await send(REALM, REQUEST), REPLY);
    assert.deepEqual(srv.requests, [REQUEST]);
    // An empty reply is a reply too.
    const empty = serve(async (c) => {
      await c.write(framed(new Uint8Array(0)));
    });
    try {
      assert.deepEqual(
        await tcpTransport([empty.address])(REALM, REQUEST),
        new Uint8Array(0),
      );
    } finally {
      await empty.close();
    }
  } finally {
    await srv.close();
  }
});

Deno.test("transport: a reply written one byte at a time is reassembled", async () => {
  const srv = serve(async (c) => {
    const all = framed(REPLY);
    for (let i = 0; i < all.length; i++) {
      await c.write(all.subarray(i, i + 1));
      // Pauses inside the length prefix and here and there in the body, so the
      // reads really see it in pieces.
      if (i < 6 || i % 97 === 0) await delay(2);
    }
  });
  try {
    assert.deepEqual(await tcpTransport([srv.address])(REALM, REQUEST), REPLY);
  } finally {
    await srv.close();
  }
});

Deno.test("transport: a server that closes early is KdcUnreachableError", async () => {
  const cases: [string, (c: Deno.Conn) => Promise<void>][] = [
    ["nothing sent", async () => {}],
    ["half a length prefix", async (c) => {
      await c.write(framed(REPLY).subarray(0, 2));
    }],
    ["the length prefix only", async (c) => {
      await c.write(framed(REPLY).subarray(0, 4));
    }],
    ["all but the last byte", async (c) => {
      const f = framed(REPLY);
      await c.write(f.subarray(0, f.length - 1));
    }],
  ];
  for (const [name, handle] of cases) {
    const srv = serve(handle);
    try {
      const e = await unreachable(tcpTransport([srv.address])(REALM, REQUEST));
      assert.match(e.message, /closed the connection early/, name);
      assert.ok(e.message.includes(srv.address), name);
    } finally {
      await srv.close();
    }
  }
});

Deno.test("transport: a server that never answers times out (the error names the time) and the connection is closed", async () => {
  let sawClose!: () => void;
  const closed = new Promise<void>((r) => (sawClose = r));
  const srv = serve(async (c) => {
    // Wait for the client to give up: its close ends our read.
    const got = await c.read(new Uint8Array(16)).catch(() => null);
    if (got === null) sawClose();
  });
  try {
    const t0 = performance.now();
    const e = await unreachable(
      tcpTransport([srv.address], 200)(REALM, REQUEST),
    );
    const ms = performance.now() - t0;
    assert.match(e.message, /200 ms/);
    assert.ok(ms >= 190 && ms < 2000, `${ms} ms`);
    await closed;
  } finally {
    await srv.close();
  }
});

Deno.test("transport: a length prefix above MAX_KDC_REPLY is refused at once, without allocating it", async () => {
  for (const n of [MAX_KDC_REPLY + 1, 0x7fffffff, 0xffffffff]) {
    const srv = serve(async (c) => {
      const head = new Uint8Array(4);
      new DataView(head.buffer).setUint32(0, n);
      await c.write(head);
      // Then nothing: a client that waited for the body would time out.
      await c.read(new Uint8Array(1)).catch(() => null);
    });
    try {
      const external = Deno.memoryUsage().external;
      const t0 = performance.now();
      const e = await unreachable(
        tcpTransport([srv.address], 5000)(REALM, REQUEST),
      );
      assert.ok(performance.now() - t0 < 2000, "refused before the timeout");
      assert.match(e.message, new RegExp(`${n} bytes is too large`));
      assert.ok(
        Deno.memoryUsage().external - external < 64 * 2 ** 20,
        "no buffer of that size",
      );
    } finally {
      await srv.close();
    }
  }
  // Exactly MAX_KDC_REPLY is still a reply.
  const big = new Uint8Array(MAX_KDC_REPLY).fill(0x5a);
  const srv = serve(async (c) => {
    await c.write(framed(big));
  });
  try {
    const got = await tcpTransport([srv.address])(REALM, REQUEST);
    assert.equal(got.length, MAX_KDC_REPLY);
    assert.ok(got.every((b) => b === 0x5a));
  } finally {
    await srv.close();
  }
});

Deno.test("transport: the next KDC of the list answers when the first refuses connections; all failing names each", async () => {
  const refused = `127.0.0.1:${closedPort()}`;
  const srv = serve(async (c) => {
    await c.write(framed(REPLY));
  });
  try {
    const send = tcpTransport([refused, srv.address]);
    assert.deepEqual(await send(REALM, REQUEST), REPLY);
    assert.equal(srv.requests.length, 1);
  } finally {
    await srv.close();
  }
  const other = `127.0.0.1:${closedPort()}`;
  const e = await unreachable(tcpTransport([refused, other])(REALM, REQUEST));
  assert.ok(e.message.includes(refused) && e.message.includes(other));
  assert.ok(e.message.includes(REALM));
  const none = await unreachable(tcpTransport([])(REALM, REQUEST));
  assert.match(none.message, /no KDC is known for realm EXAMPLE\.TEST/);
});

Deno.test("transport: parseKdcAddress forms (host, host:port, [v6]:port, [v6], bare v6)", () => {
  const cases: [string, { hostname: string; port: number }][] = [
    ["kdc.example.com", { hostname: "kdc.example.com", port: 88 }],
    ["kdc.example.com:750", { hostname: "kdc.example.com", port: 750 }],
    ["127.0.0.1:8888", { hostname: "127.0.0.1", port: 8888 }],
    ["  kdc:88  ", { hostname: "kdc", port: 88 }],
    ["[::1]:750", { hostname: "::1", port: 750 }],
    ["[::1]", { hostname: "::1", port: 88 }],
    ["[2001:db8::1]:88", { hostname: "2001:db8::1", port: 88 }],
    ["::1", { hostname: "::1", port: 88 }], // bare v6: no port to split off
    ["fe80::1:750", { hostname: "fe80::1:750", port: 88 }],
  ];
  for (const [input, want] of cases) {
    assert.deepEqual(parseKdcAddress(input), want, input);
  }
});

Deno.test("transport: a KDC at [::1]:port (when this host has IPv6 loopback)", async () => {
  let srv: TestServer;
  try {
    srv = serve(async (c) => {
      await c.write(framed(REPLY));
    }, "::1");
  } catch (e) {
    console.warn(`skipped: no IPv6 loopback (${e})`);
    return;
  }
  try {
    assert.match(srv.address, /^\[::1\]:\d+$/);
    assert.deepEqual(await tcpTransport([srv.address])(REALM, REQUEST), REPLY);
  } finally {
    await srv.close();
  }
});
