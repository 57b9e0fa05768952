// Property test: 100,000 malformed challenge/response headers per run at the parsers
// and through AcceptSecurityContext/InitializeSecurityContext. Only status codes come
// back: no exception, never SEC_E_INTERNAL_ERROR.
import assert from "node:assert/strict";
import { SEC_E_INTERNAL_ERROR } from "../../mod.ts";
import {
  parseChallenges,
  parseCredentials,
} from "../../src/packages/digest/mod.ts";
import {
  ascHttp,
  ascSasl,
  clientCred,
  CtxtHandle,
  enc,
  iscHttp,
  iscSasl,
  serverCred,
} from "./_helpers.ts";

const ITERATIONS = 100_000;

// A small deterministic PRNG so failures reproduce (seed printed on failure).
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const server = serverCred({
  realm: "r",
  users: [{ User: "u", Password: "p" }],
  algorithms: ["SHA-256", "MD5"],
});
const client = clientCred("u", "p");
const seedChallenge = ascHttp(server, new CtxtHandle(), true, null).token;
const seedAuth =
  iscHttp(client, new CtxtHandle(), true, "/", seedChallenge).token;
const seedSasl = ascSasl(server, new CtxtHandle(), true, null).token;

const PIECES = [
  '"',
  "\\",
  ",",
  "=",
  " ",
  "Digest ",
  "nc=",
  "nc=00000000",
  "nc=zzzzzzzz",
  'realm="r"',
  "realm=r",
  'nonce="',
  "qop=auth-int",
  "algorithm=SHA-512-256-sess",
  "username*=UTF-8''%ZZ",
  "username*=UTF-8''%C3",
  "userhash=maybe",
  "\u0000",
  "\r\n",
  "x".repeat(5000),
  "stale=true",
  "rspauth=",
  'Basic realm="x"',
  "a==",
  "cipher=3des",
  "qop=auth-conf",
];

function mutate(r: () => number, seed: string): Uint8Array {
  const k = Math.floor(r() * 6);
  let s = seed;
  if (k === 0) {
    // Splice random pieces in.
    for (let i = 0; i < 1 + r() * 4; i++) {
      const at = Math.floor(r() * (s.length + 1));
      s = s.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] +
        s.slice(at);
    }
  } else if (k === 1) {
    // Delete a span (unbalances quotes).
    const a = Math.floor(r() * s.length);
    s = s.slice(0, a) + s.slice(a + Math.floor(r() * 20));
  } else if (k === 2) {
    // Duplicate a parameter.
    const parts = s.split(", ");
    parts.push(parts[Math.floor(r() * parts.length)]);
    s = parts.join(", ");
  } else if (k === 3) {
    // Huge parameter.
    s = s + ', huge="' + "A".repeat(Math.floor(r() * 20000)) + '"';
  }
  const b = enc(s);
  if (k === 4 || k === 5) {
    // Flip bytes (non-UTF-8 and control bytes).
    for (let i = 0; i < 1 + r() * 3; i++) {
      b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    }
  }
  return b;
}

Deno.test(`fuzz: ${ITERATIONS} malformed Digest headers, statuses only`, () => {
  const seed = Date.now() >>> 0;
  const r = rng(seed);
  const td = new TextDecoder();
  const seeds = [
    seedChallenge,
    seedAuth,
    seedSasl,
    "rspauth=00",
    'qop=auth, rspauth="1"',
  ];
  for (let i = 0; i < ITERATIONS; i++) {
    const base = seeds[i % seeds.length];
    const bytes = mutate(r, base);
    const text = td.decode(bytes);
    try {
      const pc = parseChallenges(text);
      const pr = parseCredentials(text);
      assert.ok(typeof pc === "number" || Array.isArray(pc));
      assert.ok(typeof pr === "number" || typeof pr === "object");
      let st: number;
      switch (i % 5) {
        case 0:
          st =
            ascHttp(server, new CtxtHandle(), true, bytes, "GET", "/").status;
          break;
        case 1:
          st = iscHttp(client, new CtxtHandle(), true, "/", bytes).status;
          break;
        case 2:
          st = ascSasl(server, new CtxtHandle(), true, td.decode(bytes)).status;
          break;
        case 3: {
          const ctx = new CtxtHandle();
          iscSasl(client, ctx, true, "imap/h", null);
          st = iscSasl(client, ctx, false, "imap/h", td.decode(bytes)).status;
          break;
        }
        default: {
          // An Authentication-Info value after a real Authorization.
          const ctx = new CtxtHandle();
          iscHttp(client, ctx, true, "/", seedChallenge);
          st = iscHttp(client, ctx, false, "/", bytes).status;
        }
      }
      assert.notEqual(
        st,
        SEC_E_INTERNAL_ERROR,
        `iteration ${i}: internal error`,
      );
    } catch (e) {
      throw new Error(
        `seed ${seed} iteration ${i} input ${
          JSON.stringify(text.slice(0, 200))
        }: ${e}`,
      );
    }
  }
});
