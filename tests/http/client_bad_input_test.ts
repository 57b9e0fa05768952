// createAuthFetch against a hostile server: mutated responses (status lines, headers,
// chunked and sized bodies, CONNECT answers, NTLM and Negotiate challenges with
// garbage tokens), cut short or padded. Every call settles, with a Response or an
// Error, within its timeout: no hang, no uncaught exception, no connection left open.
import assert from "node:assert/strict";
import { createAuthFetch } from "../../mod.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import { encodeBase64 } from "../../src/http/_auth_header.ts";

const ITERATIONS = fuzzIterations("FUZZ_HTTP_ITERATIONS", 150);
const enc = new TextEncoder();

/** A minimal NTLM CHALLENGE laid out by hand (signature, type 2, flags), to mutate. */
function challenge(): Uint8Array {
  const t = new Uint8Array(48);
  t.set(enc.encode("NTLMSSP\0"));
  t[8] = 2;
  t.set([0x35, 0x82, 0x89, 0xe2], 20);
  return t;
}

const BASES = [
  "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
  "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  "HTTP/1.1 401 Unauthorized\r\nwww-authenticate: NTLM\r\ncontent-length: 0\r\n\r\n",
  "HTTP/1.1 401 Unauthorized\r\nwww-authenticate: NTLM " +
  encodeBase64(challenge()) + "\r\ncontent-length: 0\r\n\r\n",
  "HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Negotiate oRswGaADCgEBoxIEEAEAAAA=\r\ncontent-length: 0\r\n\r\n",
  "HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: NTLM\r\ncontent-length: 0\r\n\r\n",
  "HTTP/1.1 200 Connection established\r\n\r\n",
  "HTTP/1.0 200 OK\r\n\r\nuntil close",
  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
];

function mutate(s: string, r: (n: number) => number): Uint8Array {
  const b = Array.from(enc.encode(s));
  for (let k = 0, n = 1 + r(4); k < n; k++) {
    const at = r(b.length + 1);
    switch (r(8)) {
      case 0:
        b.splice(at, r(b.length - at + 1)); // cut
        break;
      case 1:
        b.splice(at, 0, ...Array.from({ length: r(64) }, () => r(256))); // junk
        break;
      case 2:
        if (at < b.length) b[at] ^= 1 << r(8);
        break;
      case 3:
        b.splice(at, 0, ...enc.encode(["\r\n", ":", " ", "0", "\n"][r(5)]));
        break;
      case 4: // a long header line
        b.splice(at, 0, ...enc.encode(`x-${"a".repeat(r(70000))}: b\r\n`));
        break;
      case 5: // a huge or malformed length
        b.splice(at, 0, ...enc.encode(["99999999999", "-1", "ffffffff"][r(3)]));
        break;
      case 6: // a second response glued on
        b.push(...enc.encode(BASES[r(BASES.length)]));
        break;
      default: // nothing
    }
  }
  return Uint8Array.from(b);
}

Deno.test(`createAuthFetch against ${ITERATIONS} hostile responses settles every call (seed ${FUZZ_SEED})`, async () => {
  const r = rng(FUZZ_SEED);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let next: Uint8Array[] = [];
  const serve = async (conn: Deno.Conn) => {
    open.add(conn);
    const buf = new Uint8Array(1 << 16);
    try {
      // Answer each request head with the next scripted bytes, then maybe hang up.
      while (next.length) {
        const n = await conn.read(buf);
        if (n === null) break;
        await conn.write(next.shift()!);
        if (r(3) === 0) break;
      }
    } catch {
      /* the client went away */
    } finally {
      open.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  const loop = (async () => {
    for await (const conn of listener) serve(conn);
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  const outcomes = new Map<string, number>();
  try {
    for (let i = 0; i < ITERATIONS; i++) {
      next = Array.from(
        { length: 1 + r(3) },
        () => mutate(BASES[r(BASES.length)], r),
      );
      const f = createAuthFetch({
        credentials: { username: "u", domain: "D", password: "p" },
        timeoutMs: 1000,
        maxHeaderBytes: 8192,
        maxLegs: 3,
        ...(r(4) === 0 ? { proxy: `http://127.0.0.1:${port}` } : {}),
      });
      let outcome: string;
      try {
        const res = await f(
          r(4) === 0
            ? `https://127.0.0.1:${port}/t` // through the "proxy" as a tunnel
            : `http://127.0.0.1:${port}/x`,
        );
        await res.arrayBuffer();
        outcome = `status ${res.status}`;
      } catch (e) {
        assert.ok(e instanceof Error, `not an Error: ${e} (iteration ${i})`);
        outcome = e.name;
      }
      f.close();
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  } finally {
    listener.close();
    await loop.catch(() => {});
    for (const c of open) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  }
  // Both answered and refused calls, and no timeout hides a hang.
  assert.ok(
    [...outcomes.keys()].some((k) => k.startsWith("status")),
    JSON.stringify([...outcomes]),
  );
  assert.ok(outcomes.size >= 3, JSON.stringify([...outcomes]));
  assert.ok(
    (outcomes.get("TimeoutError") ?? 0) < ITERATIONS / 4,
    JSON.stringify([...outcomes]),
  );
});
