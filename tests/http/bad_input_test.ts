// withAuthentication under bad input: malformed Authorization values, oversized
// tokens, and 1,000 half-finished handshakes from one client. State stays bounded and
// expires; every bad request gets a clean 400 or 401; good clients still get in.
import assert from "node:assert/strict";
import { client, withAuthentication } from "../../mod.ts";
import { contexts } from "../../src/sspi/_dispatch.ts";
import { encodeBase64 } from "../../src/http/_auth_header.ts";
import { allSchemes, DOMAIN, PASSWORD, startServer, USER } from "./_server.ts";

const ok = () => new Response("ok");

function info(port: number, hostname = "10.0.0.1"): Deno.ServeHandlerInfo {
  return {
    remoteAddr: { transport: "tcp", hostname, port },
    completed: Promise.resolve(),
  } as Deno.ServeHandlerInfo;
}

function req(authorization?: string): Request {
  return new Request("http://server/x", {
    headers: authorization === undefined ? {} : { authorization },
  });
}

/** An NTLM NEGOTIATE message from our client. */
function type1(): string {
  const c = client({ username: USER, domain: DOMAIN, password: PASSWORD });
  const t = c.step(null)!;
  c.dispose();
  return `NTLM ${encodeBase64(t)}`;
}

Deno.test("withAuthentication: malformed Authorization values get 400/401", async () => {
  const before = contexts.size;
  const h = withAuthentication(ok, allSchemes());
  const cases: [string, number][] = [
    ["", 400],
    ["   ", 400],
    ["NTLM", 400],
    ["NTLM !!!!", 400],
    ["NTLM abc", 400], // not padded base64
    ["NTLM " + "A".repeat(64), 400], // base64 of zeros: not NTLMSSP
    ["Negotiate ====", 400],
    ["Negotiate " + encodeBase64(new Uint8Array([0x60, 0x80, 1, 2])), 400],
    [
      "Negotiate " + encodeBase64(new Uint8Array([0xa1, 0x03, 0x30, 0x01, 0])),
      401,
    ],
    ["Digest garbage", 400],
    ['Digest username="x", realm="y"', 400],
    ["Digest " + "a=b, ".repeat(2000), 400],
    ["Basic YWxpY2U6cHc=", 401],
    ["Bearer x", 401],
    ["\u00ff\u00fe", 400],
    // an AUTHENTICATE with no handshake in progress on this connection
    [
      "NTLM " + encodeBase64(
        new Uint8Array([
          ...new TextEncoder().encode("NTLMSSP\0"),
          3,
          0,
          0,
          0,
          ...new Uint8Array(80),
        ]),
      ),
      401,
    ],
  ];
  let port = 1000;
  for (const [value, status] of cases) {
    const res = await h(req(value), info(port++));
    assert.equal(res.status, status, JSON.stringify(value.slice(0, 40)));
    if (status === 401) assert.ok(res.headers.get("www-authenticate"));
    await res.body?.cancel();
  }
  // malformed tokens that start a handshake leave nothing behind
  assert.equal(contexts.size, before);
});

Deno.test("withAuthentication: oversized tokens are refused before decoding", async () => {
  const h = withAuthentication(ok, allSchemes({ maxTokenBytes: 4096 }));
  const big = encodeBase64(new Uint8Array(5000));
  for (const scheme of ["NTLM", "Negotiate"]) {
    const res = await h(req(`${scheme} ${big}`), info(1));
    assert.equal(res.status, 400);
    await res.body?.cancel();
  }
  const huge = "Negotiate " + "A".repeat(4 << 20);
  const res = await h(req(huge), info(2));
  assert.equal(res.status, 400);
  await res.body?.cancel();
  const d = await h(req(`Digest username="${"u".repeat(100000)}"`), info(3));
  assert.equal(d.status, 400);
  await d.body?.cancel();
});

Deno.test("withAuthentication: 1,000 half-finished handshakes stay bounded and expire", async () => {
  const before = contexts.size;
  const h = withAuthentication(
    ok,
    allSchemes({
      maxConnections: 100,
      maxPerClient: 16,
      stateTimeoutMs: 150,
    }),
  );
  const t1 = type1();
  for (let i = 0; i < 1000; i++) {
    const res = await h(req(t1), info(20000 + i, "10.0.0.66"));
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate")!, /^NTLM TlRMTVNTUAAC/);
    await res.body?.cancel();
  }
  assert.ok(
    contexts.size - before <= 16,
    `held ${contexts.size - before} contexts`,
  );
  // other clients share the global bound
  for (let i = 0; i < 300; i++) {
    const res = await h(req(t1), info(i, `10.1.${i >> 8}.${i & 255}`));
    await res.body?.cancel();
  }
  assert.ok(
    contexts.size - before <= 100,
    `held ${contexts.size - before} contexts`,
  );
  // a real client still gets in
  const c = client({ username: USER, domain: DOMAIN, password: PASSWORD });
  let r = await h(
    req(`NTLM ${encodeBase64(c.step(null)!)}`),
    info(7, "10.2.0.1"),
  );
  const challenge = r.headers.get("www-authenticate")!.slice(5);
  const t3 = c.step(
    Uint8Array.from(atob(challenge), (ch) => ch.charCodeAt(0)),
  )!;
  r = await h(req(`NTLM ${encodeBase64(t3)}`), info(7, "10.2.0.1"));
  assert.equal(r.status, 200);
  c.dispose();
  // everything left expires
  await new Promise((res) => setTimeout(res, 200));
  const last = await h(req("NTLM " + "A".repeat(64)), info(9));
  await last.body?.cancel();
  const r2 = await h(req(t1), info(10, "10.3.0.1")); // put() sweeps the expired
  await r2.body?.cancel();
  assert.ok(
    contexts.size - before <= 1,
    `held ${contexts.size - before} after expiry`,
  );
});

Deno.test("withAuthentication: 200 half-open handshakes over real TCP connections", async () => {
  const before = contexts.size;
  const srv = startServer(allSchemes({ maxConnections: 50 }));
  try {
    const t1 = new TextEncoder().encode(
      `GET / HTTP/1.1\r\nhost: x\r\nauthorization: ${type1()}\r\n\r\n`,
    );
    const conns: Deno.Conn[] = [];
    for (let i = 0; i < 200; i++) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
      await c.write(t1);
      const buf = new Uint8Array(2048);
      const n = await c.read(buf);
      assert.match(
        new TextDecoder().decode(buf.subarray(0, n!)),
        /^HTTP\/1.1 401/,
      );
      conns.push(c);
    }
    for (const c of conns) c.close();
    assert.ok(contexts.size - before <= 50);
    assert.equal(srv.statuses.filter((s) => s === 401).length, 200);
  } finally {
    await srv.close();
  }
});

Deno.test("withAuthentication: an auth-int body is bounded before authentication", async () => {
  const h = withAuthentication(ok, {
    ...allSchemes(),
    maxAuthIntBodyBytes: 1024,
  });
  const digest = 'Digest username="x", realm="r", nonce="n", uri="/x", ' +
    'response="00000000000000000000000000000000", qop=auth-int, nc=00000001, ' +
    'cnonce="c"';
  // Declared too large: refused without reading.
  const big = await h(
    new Request("http://server/x", {
      method: "POST",
      headers: { authorization: digest, "content-length": "100000" },
      body: new Uint8Array(100000),
    }),
    info(1),
  );
  assert.equal(big.status, 413);
  await big.body?.cancel();
  // Small body: checked (and refused, the response is not valid), not 413.
  const small = await h(
    new Request("http://server/x", {
      method: "POST",
      headers: { authorization: digest },
      body: new Uint8Array(10),
    }),
    info(2),
  );
  assert.notEqual(small.status, 413);
  await small.body?.cancel();
});
