// createAuthFetch against withAuthentication: every scheme, one connection for the
// connection-bound ones, bodies, wrong passwords, mutual authentication.
import assert from "node:assert/strict";
import { createAuthFetch, withAuthentication } from "../../mod.ts";
import { allSchemes, DOMAIN, PASSWORD, startServer, USER } from "./_server.ts";

const creds = { username: USER, domain: DOMAIN, password: PASSWORD };

for (const scheme of ["NTLM", "Negotiate", "Digest"] as const) {
  Deno.test(`createAuthFetch ${scheme} -> withAuthentication`, async () => {
    const srv = startServer(allSchemes());
    try {
      const f = createAuthFetch({ credentials: creds, packages: [scheme] });
      const res = await f(`${srv.url}/a?b=c`);
      assert.equal(res.status, 200);
      const who = scheme === "Digest" ? USER : `${DOMAIN}\\${USER}`;
      assert.equal(await res.text(), `hello ${who} via ${scheme}`);
      assert.equal(srv.seen[0].scheme, scheme);
      assert.equal(srv.seen[0].user, USER);
      if (scheme !== "Digest") {
        assert.equal(srv.seen[0].domain, DOMAIN);
        assert.equal(new Set(srv.ports).size, 1, "one connection");
        assert.equal(srv.ports.length, 3);
      }
      const post = await f(`${srv.url}/p`, { method: "POST", body: "x=1" });
      assert.equal(await post.text(), `hello ${who} via ${scheme} body=x=1`);
    } finally {
      await srv.close();
    }
  });
}

Deno.test("createAuthFetch: wrong password resolves with the 401", async () => {
  const srv = startServer(allSchemes());
  try {
    for (const scheme of ["NTLM", "Negotiate", "Digest"] as const) {
      const f = createAuthFetch({
        credentials: { ...creds, password: "wrong" },
        packages: [scheme],
      });
      const res = await f(`${srv.url}/`);
      assert.equal(res.status, 401, scheme);
      await res.body?.cancel();
    }
    assert.equal(srv.seen.length, 0);
  } finally {
    await srv.close();
  }
});

Deno.test("createAuthFetch: replayable bodies; ReadableStream refused", async () => {
  const srv = startServer(allSchemes({ packages: ["NTLM"] }));
  try {
    const f = createAuthFetch({ credentials: creds });
    const bodies: [BodyInit, string][] = [
      [new TextEncoder().encode("u8"), "u8"],
      [new TextEncoder().encode("ab").buffer, "ab"],
      [new Blob(["blob"]), "blob"],
      [new URLSearchParams({ q: "1" }), "q=1"],
    ];
    for (const [body, text] of bodies) {
      const r = await f(`${srv.url}/b`, { method: "PUT", body });
      assert.equal(
        await r.text(),
        `hello ${DOMAIN}\\${USER} via NTLM body=${text}`,
      );
    }
    await assert.rejects(
      f(`${srv.url}/s`, {
        method: "POST",
        body: new ReadableStream({
          start(c) {
            c.enqueue(new Uint8Array([1]));
            c.close();
          },
        }),
      }),
      (e: Error) => e instanceof TypeError && /replayable/.test(e.message),
    );
  } finally {
    await srv.close();
  }
});

/** A front server that lets `alter` rewrite withAuthentication's successful responses. */
function tampering(alter: (h: Headers) => void) {
  const inner = startServer(allSchemes());
  const front = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const res = await fetch(`${inner.url}${new URL(req.url).pathname}`, {
        headers: req.headers,
      });
      const h = new Headers(res.headers);
      if (res.status === 200) alter(h);
      return new Response(await res.arrayBuffer(), {
        status: res.status,
        headers: h,
      });
    },
  );
  return {
    url: `http://127.0.0.1:${(front.addr as Deno.NetAddr).port}`,
    close: async () => {
      await front.shutdown();
      await inner.close();
    },
  };
}

Deno.test("createAuthFetch: a wrong Digest rspauth is refused", async () => {
  // Digest is connectionless, so a relaying front server is transparent to it.
  const t = tampering((h) => {
    const v = h.get("authentication-info")!;
    h.set(
      "authentication-info",
      v.replace(
        /rspauth="?[0-9a-f]/,
        (m) => m.slice(0, -1) + (m.endsWith("0") ? "1" : "0"),
      ),
    );
  });
  try {
    const f = createAuthFetch({ credentials: creds, packages: ["Digest"] });
    await assert.rejects(f(`${t.url}/x`), /MUTUAL_AUTH_FAILED|rspauth/);
  } finally {
    await t.close();
  }
});

Deno.test("createAuthFetch: a wrong final Negotiate token is refused", async () => {
  const seen: string[] = [];
  const srv = startServer(allSchemes({ packages: ["Negotiate"] }));
  // A relay on one upstream connection per client connection (Negotiate is
  // connection-bound): raw TCP piping, rewriting the 200's final token.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let accepted = 0;
  const relay = (async () => {
    for await (const down of listener) {
      accepted++;
      (async () => {
        const up = await Deno.connect({
          hostname: "127.0.0.1",
          port: srv.port,
        });
        const pump1 = down.readable.pipeTo(up.writable).catch(() => {});
        const dec = new TextDecoder();
        const enc = new TextEncoder();
        await up.readable.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, c) {
              let s = dec.decode(chunk);
              if (s.startsWith("HTTP/1.1 200")) {
                s = s.replace(
                  /(www-authenticate: Negotiate \S+)(\S)(\S{8}\r\n)/i,
                  (_m, a, b, tail) => {
                    // a byte of the mechListMIC, near the end of the token
                    seen.push(b);
                    return a + (b === "A" ? "B" : "A") + tail;
                  },
                );
              }
              c.enqueue(enc.encode(s));
            },
          }),
        ).pipeTo(down.writable).catch(() => {});
        await pump1;
      })();
    }
  })();
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const f = createAuthFetch({
      credentials: creds,
      packages: ["Negotiate"],
      keepAliveMs: 5000,
    });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        f(`http://127.0.0.1:${port}/x`),
        (e: Error) => e.name === "SspiError",
      );
    }
    f.close();
    assert.equal(seen.length, 2, "each 200 carried a final token");
    // A connection whose server failed to prove itself is not kept.
    assert.equal(accepted, 2);
    // and unaltered, the final token is accepted
    const ok = await createAuthFetch({
      credentials: creds,
      packages: ["Negotiate"],
    })(
      `${srv.url}/x`,
    );
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  } finally {
    listener.close();
    await relay.catch(() => {});
    await srv.close();
  }
});

Deno.test("createAuthFetch: 407 Proxy-Authenticate through an http proxy", async () => {
  const proxy = startServer(allSchemes({ packages: ["NTLM"], proxy: true }));
  try {
    const f = createAuthFetch({ credentials: creds, proxy: proxy.url });
    const res = await f("http://origin.invalid/via-proxy");
    assert.equal(res.status, 200);
    assert.equal(await res.text(), `hello ${DOMAIN}\\${USER} via NTLM`);
    assert.equal(new Set(proxy.ports).size, 1);
  } finally {
    await proxy.close();
  }
});

Deno.test("createAuthFetch: chunked responses, size limits, redirects", async () => {
  const srv = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const p = new URL(req.url).pathname;
      if (p === "/redirect") {
        return new Response(null, {
          status: 302,
          headers: { location: "/chunked" },
        });
      }
      return new Response(
        new ReadableStream({
          start(c) {
            for (let i = 0; i < 10; i++) {
              c.enqueue(new TextEncoder().encode(`${i}`.repeat(1000)));
            }
            c.close();
          },
        }),
      );
    },
  );
  try {
    const base = `http://127.0.0.1:${(srv.addr as Deno.NetAddr).port}`;
    const f = createAuthFetch({ credentials: creds });
    const r = await f(`${base}/chunked`);
    assert.equal((await r.text()).length, 10000);
    const r2 = await f(`${base}/redirect`);
    assert.equal(r2.redirected, true);
    assert.equal(r2.url, `${base}/chunked`);
    assert.equal((await r2.text()).length, 10000);
    const small = createAuthFetch({ credentials: creds, maxBodyBytes: 5000 });
    await assert.rejects(small(`${base}/chunked`), RangeError);
  } finally {
    await srv.shutdown();
  }
});

Deno.test("createAuthFetch: no credentials for another origin after a redirect", async () => {
  const target = startServer(allSchemes());
  const redirector = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response(null, {
        status: 302,
        headers: { location: `${target.url}/elsewhere` },
      }),
  );
  try {
    const port = (redirector.addr as Deno.NetAddr).port;
    const f = createAuthFetch({ credentials: creds, packages: ["NTLM"] });
    const res = await f(`http://127.0.0.1:${port}/start`);
    await res.arrayBuffer();
    assert.equal(
      res.status,
      401,
      "the other origin's challenge is not answered",
    );
    assert.equal(target.seen.length, 0);
    // Asked directly, the same origin gets the credentials.
    const direct = await f(`${target.url}/here`);
    await direct.arrayBuffer();
    assert.equal(direct.status, 200);
  } finally {
    await redirector.shutdown();
    await target.close();
  }
});

Deno.test("withAuthentication serviceNames: a logon made for this SPN passes, one made for another service is refused", async () => {
  const ours = startServer(allSchemes({ serviceNames: ["http/127.0.0.1"] }));
  const other = startServer(
    allSchemes({ serviceNames: ["HTTP/web.contoso.com"] }),
  );
  try {
    for (const scheme of ["NTLM", "Negotiate"] as const) {
      // createAuthFetch names HTTP/<host> (here HTTP/127.0.0.1) as its target.
      const f = createAuthFetch({ credentials: creds, packages: [scheme] });
      const ok = await f(`${ours.url}/`);
      assert.equal(ok.status, 200, scheme);
      await ok.body?.cancel();
      const no = await f(`${other.url}/`);
      assert.equal(no.status, 401, scheme);
      await no.body?.cancel();
      // The client is the same; only the SPN it was told to use differs.
      const told = createAuthFetch({
        credentials: creds,
        packages: [scheme],
        target: "HTTP/web.contoso.com",
      });
      const yes = await told(`${other.url}/`);
      assert.equal(yes.status, 200, scheme);
      await yes.body?.cancel();
    }
    assert.equal(ours.seen.length, 2);
    assert.equal(other.seen.length, 2);
  } finally {
    await ours.close();
    await other.close();
  }
});

Deno.test("withAuthentication serviceNames: options are checked", () => {
  const handler = () => new Response("x");
  for (
    const bad of [
      { serviceNames: [] },
      { serviceNames: [""] },
      { requireServiceName: true },
    ]
  ) {
    assert.throws(
      () => withAuthentication(handler, allSchemes(bad)),
      TypeError,
    );
  }
});
