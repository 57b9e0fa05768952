// createAuthFetch over https (node:tls underneath): bodies of every size arrive
// intact, an untrusted certificate and a silent server end in errors rather than a
// hang, and an abort stops the exchange.
import assert from "node:assert/strict";
import { createAuthFetch } from "../../mod.ts";
import { allSchemes, DOMAIN, PASSWORD, TLS, USER } from "./_server.ts";
import { withAuthentication } from "../../mod.ts";

const creds = { username: USER, domain: DOMAIN, password: PASSWORD };

Deno.test("https: large and chunked bodies arrive intact after an NTLM handshake", async () => {
  const big = new Uint8Array(3 << 20).map((_, i) => (i * 7) & 255);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, ...TLS },
    withAuthentication((req) => {
      if (new URL(req.url).pathname === "/chunked") {
        return new Response(
          new ReadableStream({
            start(c) {
              for (let i = 0; i < 50; i++) c.enqueue(big.subarray(0, 1000 + i));
              c.close();
            },
          }),
        );
      }
      return new Response(big);
    }, allSchemes({ tlsCertificate: TLS.cert })),
  );
  const url = `https://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  try {
    const f = createAuthFetch({
      credentials: creds,
      packages: ["NTLM"],
      caCerts: [TLS.cert],
    });
    const res = await f(`${url}/big`);
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), big);
    const chunked = await f(`${url}/chunked`);
    const body = new Uint8Array(await chunked.arrayBuffer());
    assert.equal(body.length, 50 * 1000 + (49 * 50) / 2);
  } finally {
    await server.shutdown();
  }
});

Deno.test("https: an untrusted certificate is an error, not a hang", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, ...TLS },
    () => new Response("x"),
  );
  try {
    const f = createAuthFetch({ credentials: creds, timeoutMs: 5000 });
    await assert.rejects(
      () => f(`https://127.0.0.1:${(server.addr as Deno.NetAddr).port}/`),
      (e) => !(e instanceof DOMException && e.name === "TimeoutError"),
    );
  } finally {
    await server.shutdown();
  }
});

/**
 * A server on 127.0.0.1 that accepts and then says nothing: after completing the
 * TLS handshake (`tls`), or without even that.
 */
function silentServer(tls: boolean): { url: string; close(): Promise<void> } {
  const listener = tls
    ? Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...TLS })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      held.push(conn);
      if (tls) (conn as Deno.TlsConn).handshake().catch(() => {});
    }
  })();
  return {
    url: `https://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`,
    async close() {
      listener.close();
      for (const c of held) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await accepting.catch(() => {});
    },
  };
}

/** A call to `url` times out; another is stopped by an abort with `reason`. */
async function timesOutAndAborts(
  url: string,
  caCerts: string[] | undefined,
  reason: string,
): Promise<void> {
  const f = createAuthFetch({ credentials: creds, caCerts, timeoutMs: 300 });
  await assert.rejects(
    () => f(url),
    (e) => e instanceof DOMException && e.name === "TimeoutError",
  );
  const ac = new AbortController();
  const p = createAuthFetch({ credentials: creds, caCerts })(url, {
    signal: ac.signal,
  });
  setTimeout(() => ac.abort(new Error(reason)), 100);
  await assert.rejects(() => p, new RegExp(reason));
}

Deno.test("https: a server that never answers times out; an abort stops the exchange", async () => {
  const srv = silentServer(true);
  try {
    await timesOutAndAborts(srv.url, [TLS.cert], "stop");
  } finally {
    await srv.close();
  }
});

Deno.test("https: caCerts keep what DENO_CERT trusts (an explicit list would drop it)", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, ...TLS },
    withAuthentication(() => new Response("in"), allSchemes()),
  );
  const url = `https://127.0.0.1:${(server.addr as Deno.NetAddr).port}/`;
  const dir = await Deno.makeTempDir();
  const before = Deno.env.get("DENO_CERT");
  try {
    // caCerts name another certificate; the server's comes from DENO_CERT.
    const f = createAuthFetch({ credentials: creds, caCerts: [TLS.relayCert] });
    await assert.rejects(() => f(url));
    await Deno.writeTextFile(`${dir}/ca.pem`, TLS.cert);
    Deno.env.set("DENO_CERT", `${dir}/ca.pem`);
    const res = await f(url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "in");
  } finally {
    if (before === undefined) Deno.env.delete("DENO_CERT");
    else Deno.env.set("DENO_CERT", before);
    await Deno.remove(dir, { recursive: true });
    await server.shutdown();
  }
});

Deno.test("https: a server that never completes the TLS handshake times out; an abort stops connecting", async () => {
  const srv = silentServer(false); // plain TCP where TLS is expected
  try {
    await timesOutAndAborts(srv.url, undefined, "stop connecting");
  } finally {
    await srv.close();
  }
});
