// The encrypted-body format of WinRM's message encryption (MS-WSMV 2.2.9.1.1): round
// trips, the variations peers write, a table of malformed bodies, and mutations
// thrown at the parser (never an exception), at withAuthentication (400, never a
// 500 or a handler call with other bytes) and at createAuthFetch (an SspiError or
// the right plaintext, nothing else).
import assert from "node:assert/strict";
import { createAuthFetch } from "../../mod.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  decodeEncrypted,
  encodeEncrypted,
  isEncryptedContentType,
  MAX_SIGNATURE_BYTES,
  originalType,
  SOAP_CONTENT_TYPE,
} from "../../src/http/_winrm_encryption.ts";
import { DOMAIN, PASSWORD, USER } from "./_server.ts";
import { echoOf, rawSession, startWinrmServer } from "./_winrm.ts";

const te = new TextEncoder();
const users = [{ User: USER, Domain: DOMAIN, Password: PASSWORD }];

/** A seeded PRNG (mulberry32), so a failing mutation can be replayed. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296 * n) | 0;
  };
}

/** `b` with 1-4 random edits: flipped bytes, cuts, insertions, truncation. */
function mutate(b: Uint8Array, rnd: (n: number) => number): Uint8Array {
  let out = b.slice();
  for (let k = 1 + rnd(4); k > 0; k--) {
    const at = rnd(out.length + 1);
    switch (rnd(5)) {
      case 0:
        if (out.length) out[Math.min(at, out.length - 1)] ^= 1 << rnd(8);
        break;
      case 1: {
        const n = 1 + rnd(16);
        out = new Uint8Array([...out.subarray(0, at), ...out.subarray(at + n)]);
        break;
      }
      case 2: {
        const ins = Uint8Array.from({ length: 1 + rnd(8) }, () => rnd(256));
        out = new Uint8Array([
          ...out.subarray(0, at),
          ...ins,
          ...out.subarray(at),
        ]);
        break;
      }
      case 3:
        out = out.slice(0, at);
        break;
      default:
        // A 32-bit field (the signature length, most likely near the middle) rewritten.
        if (at + 4 <= out.length) {
          new DataView(out.buffer).setUint32(at, rnd(2 ** 31) * 2, true);
        }
    }
  }
  return out;
}

const SIG = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const DATA = te.encode("sealed bytes --Encrypted Boundary\r\n inside");
const body = (s: string) => te.encode(s);
const HEAD = "--Encrypted Boundary\r\n" +
  "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n" +
  "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=43\r\n" +
  "--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n";
const withPayload = (head: string, sigLen: number, tail: string) => {
  const h = body(head);
  const out = new Uint8Array(
    h.length + 4 + SIG.length + DATA.length + tail.length,
  );
  out.set(h);
  new DataView(out.buffer).setUint32(h.length, sigLen, true);
  out.set(SIG, h.length + 4);
  out.set(DATA, h.length + 4 + SIG.length);
  out.set(body(tail), h.length + 4 + SIG.length + DATA.length);
  return out;
};

Deno.test("WinRM encrypted body: round trip, and the variations peers write", () => {
  const enc = encodeEncrypted(SOAP_CONTENT_TYPE, 43, SIG, DATA);
  assert.deepEqual(enc, withPayload(HEAD, 16, "--Encrypted Boundary--\r\n"));
  const d = decodeEncrypted(enc);
  assert.ok("message" in d);
  assert.equal(d.message.type, "application/soap+xml;charset=UTF-8");
  assert.equal(d.message.length, 43);
  assert.deepEqual(d.message.signature, SIG);
  // The boundary inside the sealed bytes is data: the close is found at the end.
  assert.deepEqual(d.message.sealed, DATA);
  // No final CRLF, header lines without the tab, names in any case, extra headers.
  for (
    const head of [
      HEAD,
      HEAD.replaceAll("\t", ""),
      HEAD.replaceAll("\t", "  ").replace("Content-Type", "content-type"),
      HEAD.replace("\tOriginalContent", "\tX-Extra: 1\r\n\tOriginalContent"),
    ]
  ) {
    for (
      const tail of ["--Encrypted Boundary--\r\n", "--Encrypted Boundary--"]
    ) {
      const r = decodeEncrypted(withPayload(head, 16, tail));
      assert.ok(
        "message" in r,
        `${JSON.stringify(head)}: ${JSON.stringify(r)}`,
      );
      assert.deepEqual(r.message.sealed, DATA);
    }
  }
  // A Kerberos-sized signature and an empty message.
  const k = decodeEncrypted(
    encodeEncrypted(
      SOAP_CONTENT_TYPE,
      0,
      new Uint8Array(60),
      new Uint8Array(0),
    ),
  );
  assert.ok("message" in k && k.message.signature.length === 60);
  assert.equal("message" in k && k.message.sealed.length, 0);
});

Deno.test("WinRM encrypted body: malformed bodies are refused with a reason", () => {
  const close = "--Encrypted Boundary--\r\n";
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    [
      "other boundary",
      withPayload(HEAD.replace("--Encrypted", "--Other"), 16, close),
    ],
    [
      "no second part",
      body(
        HEAD.split(
          "--Encrypted Boundary\r\n\tContent-Type: application/octet",
        )[0],
      ),
    ],
    ["protocol", withPayload(HEAD.replace("SPNEGO", "CredSSP"), 16, close)],
    [
      "no OriginalContent",
      withPayload(HEAD.replace("OriginalContent", "Original"), 16, close),
    ],
    ["no Length", withPayload(HEAD.replace(";Length=43", ""), 16, close)],
    ["Length text", withPayload(HEAD.replace("=43", "=4x"), 16, close)],
    ["Length sign", withPayload(HEAD.replace("=43", "=-43"), 16, close)],
    [
      "Length huge",
      withPayload(HEAD.replace("=43", "=99999999999"), 16, close),
    ],
    ["Length 2^31", withPayload(HEAD.replace("=43", "=2147483648"), 16, close)],
    [
      "part 2 type",
      withPayload(HEAD.replace("octet-stream", "soap+xml"), 16, close),
    ],
    [
      "a second header line in part 2",
      withPayload(HEAD + "\tX: 1\r\n", 16, close),
    ],
    [
      "repeated header",
      withPayload(
        HEAD.replace(
          "\tOriginalContent",
          "\tContent-Type: x\r\n\tOriginalContent",
        ),
        16,
        close,
      ),
    ],
    [
      "control character",
      withPayload(HEAD.replace("UTF-8", "UTF\x01-8"), 16, close),
    ],
    ["no close", withPayload(HEAD, 16, "")],
    ["close not at the end", withPayload(HEAD, 16, close + "x")],
    ["signature length 0", withPayload(HEAD, 0, close)],
    [
      "signature beyond the payload",
      withPayload(HEAD, 16 + DATA.length + 1, close),
    ],
    ["signature too long", withPayload(HEAD, MAX_SIGNATURE_BYTES + 1, close)],
    ["signature 2^32-1", withPayload(HEAD, 0xffffffff, close)],
    ["truncated payload", body(HEAD + "\x10\x00" + close)],
  ];
  for (const [name, b] of cases) {
    const r = decodeEncrypted(b);
    assert.ok("error" in r, `${name}: accepted`);
  }
});

Deno.test("WinRM encrypted body: content types and original types", () => {
  for (
    const ok of [
      'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"',
      'Multipart/Encrypted; protocol="application/http-spnego-session-encrypted"; boundary="Encrypted Boundary"',
    ]
  ) assert.ok(isEncryptedContentType(ok), ok);
  for (
    const no of [
      null,
      "",
      "application/soap+xml;charset=UTF-8",
      'multipart/encrypted;protocol="application/HTTP-CredSSP-session-encrypted";boundary="Encrypted Boundary"',
      'multipart/x-multi-encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"',
      'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Other"',
      'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary',
      "multipart/encrypted;" + "x=1;".repeat(300),
    ]
  ) assert.ok(!isEncryptedContentType(no), String(no));
  assert.equal(
    originalType("text/plain; charset=utf-8"),
    "text/plain; charset=utf-8",
  );
  for (
    const bad of [
      null,
      "a/b\r\nX: 1",
      "a/b;Length=1",
      "not a type",
      "a/b;" + "x".repeat(300),
    ]
  ) {
    assert.equal(originalType(bad), SOAP_CONTENT_TYPE, String(bad));
  }
});

Deno.test("WinRM encrypted body: 20,000 mutated bodies never throw, and what decodes stays in bounds", () => {
  const rnd = prng(0x5e55);
  const seeds = [
    encodeEncrypted(SOAP_CONTENT_TYPE, 43, SIG, DATA),
    encodeEncrypted(
      SOAP_CONTENT_TYPE,
      0,
      new Uint8Array(60),
      new Uint8Array(0),
    ),
    withPayload(HEAD.replaceAll("\t", ""), 16, "--Encrypted Boundary--"),
  ];
  let decoded = 0;
  for (let i = 0; i < 20000; i++) {
    const b = mutate(seeds[i % seeds.length], rnd);
    const r = decodeEncrypted(b);
    if ("error" in r) continue;
    decoded++;
    const m = r.message;
    assert.ok(
      m.signature.length > 0 && m.signature.length <= MAX_SIGNATURE_BYTES,
    );
    assert.ok(m.signature.buffer === b.buffer && m.sealed.buffer === b.buffer);
    assert.ok(m.sealed.byteOffset + m.sealed.length <= b.length);
    assert.ok(Number.isSafeInteger(m.length) && m.length >= 0);
  }
  assert.ok(decoded > 0 && decoded < 20000, `${decoded} decoded`);
});

Deno.test("withAuthentication sessionEncryption: mutated encrypted requests get 400 (or verify), never a 500", async () => {
  const srv = startWinrmServer({ packages: ["NTLM"], ntlm: { users } });
  const rnd = prng(0x400);
  const statuses = new Map<number, number>();
  try {
    for (let i = 0; i < 40; i++) {
      const s = await rawSession(srv.port, "NTLM");
      try {
        const res = await s.post(mutate(s.seal(`<m n="${i}"/>`), rnd));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok([200, 400].includes(res.status), `status ${res.status}`);
        if (res.status === 200) {
          assert.equal(s.open(res), echoOf(`<m n="${i}"/>`));
        }
      } finally {
        s.close();
      }
    }
    // The handler saw only logons' empty bodies and intact messages.
    assert.ok(
      srv.seen.every((x) => x.body === "" || /^<m n="\d+"\/>$/.test(x.body)),
    );
    assert.ok((statuses.get(400) ?? 0) >= 30, JSON.stringify([...statuses]));
  } finally {
    await srv.close();
  }
});

Deno.test("createAuthFetch sessionEncryption: mutated encrypted responses reject with SspiError (or verify)", async () => {
  const rnd = prng(0xc11e);
  const srv = startWinrmServer(
    { packages: ["NTLM"], ntlm: { users } },
    async (res) => {
      if (!res.headers.get("content-type")?.startsWith("multipart/")) {
        return res;
      }
      const b = mutate(new Uint8Array(await res.arrayBuffer()), rnd);
      const h = new Headers(res.headers);
      h.delete("content-length");
      return new Response(b as Uint8Array<ArrayBuffer>, {
        status: res.status,
        headers: h,
      });
    },
  );
  const f = createAuthFetch({
    credentials: { username: USER, domain: DOMAIN, password: PASSWORD },
    packages: ["NTLM"],
    sessionEncryption: true,
  });
  let refused = 0;
  try {
    for (let i = 0; i < 40; i++) {
      try {
        const res = await f(srv.url, { method: "POST", body: `<m n="${i}"/>` });
        assert.equal(await res.text(), echoOf(`<m n="${i}"/>`));
      } catch (e) {
        assert.ok(e instanceof SspiError, String(e));
        refused++;
      }
    }
    assert.ok(refused >= 30, `${refused} refused`);
  } finally {
    f.close();
    await srv.close();
  }
});
