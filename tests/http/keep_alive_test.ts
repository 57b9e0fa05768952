// createAuthFetch with keepAliveMs: the next call to the same origin goes on the
// connection the last one left open; one its server closed while idle, or closes on
// the next request without answering, is replaced without the caller noticing.
import assert from "node:assert/strict";
import { createAuthFetch } from "../../mod.ts";
import { allSchemes, DOMAIN, PASSWORD, startServer, USER } from "./_server.ts";

const creds = { username: USER, domain: DOMAIN, password: PASSWORD };

Deno.test("keepAliveMs: later calls reuse the connection (withAuthentication re-authenticates on it)", async () => {
  const srv = startServer(allSchemes({ packages: ["NTLM"] }));
  const f = createAuthFetch({ credentials: creds, keepAliveMs: 5000 });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await f(`${srv.url}/${i}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), `hello ${DOMAIN}\\${USER} via NTLM`);
    }
    // This server asks for a handshake on every request: 3 legs a call, one
    // connection in all.
    assert.equal(srv.ports.length, 9);
    assert.equal(new Set(srv.ports).size, 1);
    // Without keepAliveMs every call has its own connection.
    const g = createAuthFetch({ credentials: creds });
    for (let i = 0; i < 2; i++) await (await g(`${srv.url}/`)).body?.cancel();
    assert.equal(new Set(srv.ports.slice(9)).size, 2);
  } finally {
    f.close();
    await srv.close();
  }
});

/**
 * A bare HTTP/1.1 server answering `200 ok` to each request on a connection; after
 * `answers` requests it closes the connection, at once (`"after"`) or when the next
 * request arrives without answering it (`"silent"`). Counts connections.
 */
function scripted(answers: number, how: "after" | "silent") {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const serve = async (conn: Deno.Conn) => {
    connections++;
    const buf = new Uint8Array(65536);
    let text = "";
    let answered = 0;
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        text += new TextDecoder().decode(buf.subarray(0, n));
        while (text.includes("\r\n\r\n")) {
          text = text.slice(text.indexOf("\r\n\r\n") + 4);
          if (answered === answers) return; // "silent": close unanswered
          answered++;
          await conn.write(
            new TextEncoder().encode(
              "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
            ),
          );
          if (answered === answers && how === "after") return;
        }
      }
    } finally {
      conn.close();
    }
  };
  const loop = (async () => {
    for await (const conn of listener) serve(conn).catch(() => {});
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    get connections() {
      return connections;
    },
    async close() {
      listener.close();
      await loop.catch(() => {});
    },
  };
}

Deno.test("keepAliveMs: a connection its server closed while idle is not used again", async () => {
  const srv = scripted(1, "after");
  const f = createAuthFetch({ credentials: creds, keepAliveMs: 5000 });
  try {
    assert.equal(await (await f(`${srv.url}/a`)).text(), "ok");
    await new Promise((r) => setTimeout(r, 100)); // the server's FIN arrives
    assert.equal(await (await f(`${srv.url}/b`)).text(), "ok");
    assert.equal(srv.connections, 2);
  } finally {
    f.close();
    await srv.close();
  }
});

Deno.test("keepAliveMs: a request the server drops unanswered on a kept connection goes again on a new one", async () => {
  const srv = scripted(1, "silent");
  const f = createAuthFetch({ credentials: creds, keepAliveMs: 5000 });
  try {
    assert.equal(await (await f(`${srv.url}/a`)).text(), "ok");
    const res = await f(`${srv.url}/b`, { method: "POST", body: "x=1" });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok");
    assert.equal(srv.connections, 2);
  } finally {
    f.close();
    await srv.close();
  }
});
