// MS-KKDCP without a KDC: the KDC-PROXY-MESSAGE codec (section 2.2.2) against bytes
// assembled by hand from the ASN.1 (the specification's examples carry no bytes), its
// refusals of malformed and lying replies; kkdcpTransport against small Deno.serve
// proxies (the POST it sends; 5xx, garbage, a lying length prefix, oversized bodies, a
// redirect, a proxy that never answers: all KdcUnreachableError) and an injected
// fetch; kdcTransport's dispatch of https:// entries and TCP addresses in one list;
// and through AcquireCredentialsHandle with `Kdc` naming a failing proxy, the first
// InitializeSecurityContext is SEC_E_NO_AUTHENTICATING_AUTHORITY.
import assert from "node:assert/strict";
import { SEC_E_NO_AUTHENTICATING_AUTHORITY, statusName } from "../../mod.ts";
import { DerError } from "../../src/der/mod.ts";
import { parseKrb5Conf } from "../../src/packages/kerberos/config.ts";
import {
  isKdcProxyUrl,
  kdcTransport,
  kkdcpTransport,
} from "../../src/packages/kerberos/kkdcp.ts";
import {
  decodeKdcProxyMessage,
  encodeKdcProxyMessage,
} from "../../src/packages/kerberos/kkdcp_message.ts";
import {
  KdcUnreachableError,
  MAX_KDC_REPLY,
} from "../../src/packages/kerberos/transport.ts";
import { acquireKrb, iscStep, newCtx } from "./_kdc_helpers.ts";
import { freePort as closedPort } from "../digest/_peers.ts";

const REALM = "EXAMPLE.COM";
const REQUEST = Uint8Array.of(0x6a, 0x02, 0x30, 0x00); // an (empty) AS-REQ shape
const REPLY = Uint8Array.from({ length: 300 }, (_, i) => (i * 13 + 1) & 255);
const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!, (h) => parseInt(h, 16));
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

Deno.test("kkdcp: KDC-PROXY-MESSAGE encoding, byte for byte, and back", () => {
  // SEQUENCE { [0] OCTET STRING (00000004 || message), [1] GeneralString realm }
  const want = Uint8Array.of(
    ...hex("30 1b a0 0a 04 08 00 00 00 04 6a 02 30 00 a1 0d 1b 0b"),
    ...ascii(REALM),
  );
  const got = encodeKdcProxyMessage({ message: REQUEST, targetDomain: REALM });
  assert.deepEqual(got, want);
  assert.deepEqual(decodeKdcProxyMessage(got), {
    message: REQUEST,
    targetDomain: REALM,
  });
  // With a dclocator-hint (INTEGER: 0x80000000 needs a leading zero octet).
  const hinted = encodeKdcProxyMessage({
    message: REQUEST,
    targetDomain: REALM,
    dclocatorHint: 0x80000000,
  });
  assert.deepEqual(
    hinted,
    Uint8Array.of(
      ...hex("30 24"),
      ...want.subarray(2),
      ...hex("a2 07 02 05 00 80 00 00 00"),
    ),
  );
  assert.equal(decodeKdcProxyMessage(hinted).dclocatorHint, 0x80000000);
  // A reply (no target-domain), long-form lengths, up to MAX_KDC_REPLY.
  for (
    const m of [new Uint8Array(0), REPLY, new Uint8Array(MAX_KDC_REPLY).fill(7)]
  ) {
    const d = decodeKdcProxyMessage(encodeKdcProxyMessage({ message: m }));
    assert.deepEqual(d, { message: m });
  }
});

Deno.test("kkdcp: malformed or lying KDC-PROXY-MESSAGEs are DerError", () => {
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["not a SEQUENCE", hex("31 08 a0 06 04 04 00 00 00 00")],
    ["no kerb-message", hex("30 00")],
    ["kerb-message is an INTEGER", hex("30 05 a0 03 02 01 00")],
    ["no length prefix", hex("30 07 a0 05 04 03 00 00 00")],
    ["prefix says more", hex("30 0c a0 0a 04 08 00 00 00 05 6b 02 30 00")],
    ["prefix says less", hex("30 0c a0 0a 04 08 00 00 00 03 6b 02 30 00")],
    ["prefix above MAX_KDC_REPLY", hex("30 08 a0 06 04 04 00 10 00 01")],
    ["prefix 0xffffffff", hex("30 08 a0 06 04 04 ff ff ff ff")],
    ["trailing bytes", hex("30 08 a0 06 04 04 00 00 00 00 00")],
    ["truncated", hex("30 0c a0 0a 04 08 00 00 00 04 6b 02")],
    [
      "fields out of order",
      hex("30 0d a1 03 1b 01 52 a0 06 04 04 00 00 00 00"),
    ],
    [
      "target-domain an OCTET STRING",
      hex("30 0d a0 06 04 04 00 00 00 00 a1 03 04 01 52"),
    ],
    ["indefinite length", hex("30 80 a0 06 04 04 00 00 00 00 00 00")],
  ];
  for (const [name, bytes] of cases) {
    assert.throws(() => decodeKdcProxyMessage(bytes), DerError, name);
  }
});

/** A proxy on 127.0.0.1: `handle` answers each POST; the requests are kept. */
function stub(handle: (body: Uint8Array) => Response | Promise<Response>) {
  const requests: {
    method: string;
    path: string;
    headers: Headers;
    body: Uint8Array;
  }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const body = new Uint8Array(await req.arrayBuffer());
      const { method } = req;
      const headers = new Headers(req.headers);
      requests.push({ method, path: new URL(req.url).pathname, headers, body });
      return await handle(body);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/KdcProxy`,
    requests,
    close: () => server.shutdown(),
  };
}

const proxyReply = (m: Uint8Array) =>
  new Response(
    encodeKdcProxyMessage({ message: m }) as Uint8Array<ArrayBuffer>,
    {
      headers: { "content-type": "application/kerberos" },
    },
  );

/** The transport's rejection, asserted to be a KdcUnreachableError. */
async function unreachable(p: Promise<unknown>): Promise<KdcUnreachableError> {
  const e = await p.then(() => null, (e) => e);
  assert.ok(e instanceof KdcUnreachableError, `not KdcUnreachableError: ${e}`);
  return e;
}

Deno.test("kkdcp: the POST carries the framed request and the realm; the reply's message comes back", async () => {
  const s = stub(() => proxyReply(REPLY));
  try {
    assert.deepEqual(await kkdcpTransport(s.url)(REALM, REQUEST), REPLY);
    const [{ method, path, headers, body }] = s.requests;
    assert.equal(method, "POST");
    assert.equal(path, "/KdcProxy");
    assert.equal(headers.get("content-type"), "application/kerberos");
    assert.equal(headers.get("cache-control"), "no-cache");
    assert.deepEqual(
      body,
      encodeKdcProxyMessage({ message: REQUEST, targetDomain: REALM }),
    );
  } finally {
    await s.close();
  }
});

Deno.test("kkdcp: 5xx, garbage, a lying prefix, oversized bodies and a redirect are KdcUnreachableError", async () => {
  const big = () => new Uint8Array(MAX_KDC_REPLY + 8192);
  const cases: [string, () => Response, RegExp][] = [
    [
      "503",
      () => new Response("Remote unavailable", { status: 503 }),
      /HTTP 503.*Remote unavailable/,
    ],
    [
      "garbage",
      () => new Response("<html>hello</html>"),
      /not a KDC-PROXY-MESSAGE/,
    ],
    ["empty body", () => new Response(null), /not a KDC-PROXY-MESSAGE/],
    [
      "lying prefix",
      () => new Response(hex("30 0c a0 0a 04 08 00 00 00 09 6b 02 30 00")),
      /length prefix says 9 bytes, 4 follow/,
    ],
    [
      "Content-Length too large",
      () => new Response(big()),
      /a reply of \d+ bytes is too large/,
    ],
    [
      "chunked, too large",
      () =>
        new Response(ReadableStream.from([big().subarray(0, 1 << 19), big()])),
      /a reply of more than \d+ bytes is too large/,
    ],
    [
      "redirect",
      () => Response.redirect("http://127.0.0.1:1/elsewhere", 307),
      /redirects are not followed/,
    ],
  ];
  for (const [name, make, why] of cases) {
    const s = stub(make);
    try {
      const e = await unreachable(kkdcpTransport(s.url)(REALM, REQUEST));
      assert.match(e.message, why, name);
      assert.ok(e.message.includes(s.url) && e.message.includes(REALM), name);
      assert.equal(s.requests.length, 1, name);
    } finally {
      await s.close();
    }
  }
});

Deno.test("kkdcp: a proxy that never answers times out (the error names the time)", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const s = stub(async () => {
    await held;
    return proxyReply(REPLY);
  });
  try {
    const t0 = performance.now();
    const e = await unreachable(
      kkdcpTransport(s.url, { timeoutMs: 200 })(REALM, REQUEST),
    );
    assert.match(e.message, /no answer within 200 ms/);
    assert.ok(performance.now() - t0 < 2000);
  } finally {
    release();
    await s.close();
  }
});

Deno.test("kkdcp: an injected fetch is used; a bad URL is a TypeError", async () => {
  const seen: string[] = [];
  const fake: typeof fetch = (input) => {
    seen.push(String(input));
    return Promise.resolve(proxyReply(REPLY));
  };
  const send = kkdcpTransport("https://kdc.invalid/KdcProxy", { fetch: fake });
  assert.deepEqual(await send(REALM, REQUEST), REPLY);
  assert.deepEqual(seen, ["https://kdc.invalid/KdcProxy"]);
  const failing: typeof fetch = () => Promise.reject(new TypeError("offline"));
  const e = await unreachable(
    kkdcpTransport("https://kdc.invalid/", { fetch: failing })(REALM, REQUEST),
  );
  assert.match(e.message, /offline/);
  for (const bad of ["ftp://kdc.example.com/", "https://", "kdc.example.com"]) {
    assert.throws(() => kkdcpTransport(bad), TypeError, bad);
  }
});

Deno.test("kkdcp: kdcTransport sends https:// and http:// entries through KKDCP, the rest over TCP, in order", async () => {
  assert.ok(isKdcProxyUrl("https://gw.example.com/KdcProxy"));
  assert.ok(isKdcProxyUrl(" HTTP://127.0.0.1:8080/KdcProxy"));
  for (const a of ["kdc.example.com", "kdc:88", "[::1]:88", "httpsfoo:88"]) {
    assert.ok(!isKdcProxyUrl(a), a);
  }
  // krb5.conf keeps a `kdc = https://...` line whole.
  const conf = parseKrb5Conf(
    "[realms]\n R = {\n  kdc = https://gw/KdcProxy?a=b\n }\n",
  );
  assert.deepEqual(conf.realms.get("R"), ["https://gw/KdcProxy?a=b"]);

  const bad = stub(() => new Response("no", { status: 502 }));
  const good = stub(() => proxyReply(REPLY));
  try {
    const tcp = `127.0.0.1:${closedPort()}`;
    assert.deepEqual(
      await kdcTransport([tcp, bad.url, good.url])(REALM, REQUEST),
      REPLY,
    );
    assert.equal(bad.requests.length, 1);
    assert.equal(good.requests.length, 1);
    const e = await unreachable(
      kdcTransport([bad.url, tcp, "https://"])(REALM, REQUEST),
    );
    for (const part of [bad.url, tcp, "HTTP 502", "https://: not a URL"]) {
      assert.ok(e.message.includes(part), `${part} in ${e.message}`);
    }
  } finally {
    await bad.close();
    await good.close();
  }
});

Deno.test("kkdcp: Kdc naming a proxy that fails, answers garbage or lies: SEC_E_NO_AUTHENTICATING_AUTHORITY", async () => {
  const answers: (() => Response)[] = [
    () => new Response("Internal Server Error", { status: 500 }),
    () => new Response("not DER at all"),
    () => new Response(hex("30 0c a0 0a 04 08 00 00 10 00 6b 02 30 00")),
  ];
  for (const answer of answers) {
    const s = stub(answer);
    try {
      const { status, cred } = await acquireKrb("Kerberos", {
        User: "alice",
        Domain: REALM,
        Password: "pw",
        Kdc: s.url,
      });
      assert.equal(status, 0);
      const r = await iscStep(
        cred,
        newCtx(),
        true,
        "HTTP/web.example.com",
        null,
      );
      assert.equal(
        statusName(r.status),
        statusName(SEC_E_NO_AUTHENTICATING_AUTHORITY),
      );
      assert.equal(s.requests.length, 1); // the AS-REQ reached the proxy
    } finally {
      await s.close();
    }
  }
});
