/**
 * secp384r1 (P-384) ECDHE in memory, our client against our server: TLS 1.3 with
 * a P-384 share and through a HelloRetryRequest, TLS 1.2 ServerKeyExchange,
 * `dwExchStrength`/`dwMaxExchangeLen` 384, the `KeyExchangeGroups` names; and
 * invalid peer points (off the curve, (0, 0) for infinity, x = p, wrong form,
 * wrong length) in a ClientHello, a ServerHello and a TLS 1.2 ClientKeyExchange,
 * for P-384 and P-256 alike: illegal_parameter and `SEC_E_ILLEGAL_MESSAGE`.
 */
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  QueryContextAttributes,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_CONNECTION_INFO,
} from "../../mod.ts";
import { testPki } from "./_pki.ts";
import { acquire, asc, handshake, isc, seal, unseal } from "./_tls.ts";
import { P256, P384 } from "../../src/pki/ec.ts";
import { bigIntToBytes } from "../../src/pki/bigint.ts";

const pki = await testPki();
const enc = new TextEncoder();
const SEC_E_ILLEGAL_MESSAGE = 0x80090326;
const ILLEGAL_PARAMETER_ALERT = [21, 3, 3, 0, 2, 2, 47];

function p384Test(name: string, fn: () => void): void {
  Deno.test({ name: `schannel P-384 key exchange: ${name}`, ignore: !pki, fn });
}

const server = (groups?: (string | number)[], bits = 0) =>
  acquire("server", {
    Certificate: pki!.ecServer.cert,
    PrivateKey: pki!.ecServer.key,
    KeyExchangeGroups: groups,
    grbitEnabledProtocols: bits,
  });
const client = (groups?: (string | number)[], bits = 0) =>
  acquire("client", {
    RootCertificates: pki!.ecCa.cert,
    KeyExchangeGroups: groups,
    grbitEnabledProtocols: bits,
  });

/** dwExchStrength (CONNECTION_INFO) and dwMaxExchangeLen (CIPHER_INFO) of `h`. */
function exchange(h: CtxtHandle): [number, number, number] {
  const conn: { value?: { dwExchStrength: number; dwProtocol: number } } = {};
  const ci: { value?: { dwMaxExchangeLen: number } } = {};
  assert.equal(
    QueryContextAttributes(h, SECPKG_ATTR_CONNECTION_INFO, conn),
    SEC_E_OK,
  );
  assert.equal(
    QueryContextAttributes(h, SECPKG_ATTR_CIPHER_INFO, ci),
    SEC_E_OK,
  );
  return [
    conn.value!.dwExchStrength,
    ci.value!.dwMaxExchangeLen,
    conn.value!.dwProtocol,
  ];
}

p384Test(
  "TLS 1.3 share, HelloRetryRequest, TLS 1.2; 384 bits reported on both sides",
  () => {
    const cases: [
      string,
      () => ReturnType<typeof handshake>,
      number,
      number,
    ][] = [
      [
        "1.3, P-384 only",
        () => handshake(client(["secp384r1"]), server(["P-384"])),
        4,
        0x2000,
      ],
      [
        "1.3, HelloRetryRequest",
        () => handshake(client(), server(["NistP384"])),
        6,
        0x2000,
      ],
      [
        "1.3, the client prefers P-384",
        () => handshake(client([0x18, "x25519"]), server()),
        4,
        0x2000,
      ],
      [
        "1.2, P-384 only",
        () => handshake(client(["p-384"], 0x800), server(["secp384r1"])),
        5,
        0x800,
      ],
      [
        "1.2, the server's only group",
        () => handshake(client(undefined, 0x800), server(["P-384"])),
        5,
        0x800,
      ],
    ];
    for (const [what, run, legs, proto] of cases) {
      const h = run();
      assert.equal(h.legs, legs, what);
      const [cs, cmax, cproto] = exchange(h.client);
      const [ss, smax, sproto] = exchange(h.server);
      assert.deepEqual([cs, cmax, ss, smax], [384, 384, 384, 384], what);
      assert.equal(cproto, proto, what);
      assert.equal(sproto, proto === 0x2000 ? 0x1000 : 0x400, what);
      assert.deepEqual(
        unseal(h.server, seal(h.client, enc.encode(what))).data,
        enc.encode(what),
      );
      DeleteSecurityContext(h.client);
      DeleteSecurityContext(h.server);
    }
    // The default stays x25519.
    const h = handshake(client(), server());
    assert.equal(exchange(h.client)[0], 255);
    DeleteSecurityContext(h.client);
    DeleteSecurityContext(h.server);
  },
);

/** The big-endian 16-bit value at `i`. */
function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

/**
 * `flight` with the key share of `group` in its first record (a ClientHello or a
 * ServerHello, one handshake message) replaced by `edit(key)`, every length
 * around it rewritten.
 */
function editHelloShare(
  flight: Uint8Array,
  group: number,
  edit: (key: Uint8Array) => Uint8Array,
): Uint8Array {
  const recLen = u16(flight, 3);
  const rec = flight.subarray(5, 5 + recLen);
  const rest = flight.subarray(5 + recLen);
  const isClient = rec[0] === 1;
  let i = 4 + 2 + 32;
  i += 1 + rec[i]; // session id
  i += isClient ? 2 + u16(rec, i) : 2; // cipher suites / suite
  i += isClient ? 1 + rec[i] : 1; // compression methods / method
  const extStart = i + 2;
  const extEnd = extStart + u16(rec, i);
  const out: number[] = [];
  for (let j = extStart; j < extEnd;) {
    const type = u16(rec, j), len = u16(rec, j + 2);
    let body = rec.subarray(j + 4, j + 4 + len);
    if (type === 51) {
      const entries = isClient ? body.subarray(2) : body;
      const shares: number[] = [];
      for (let k = 0; k < entries.length;) {
        const g = u16(entries, k), kl = u16(entries, k + 2);
        let key = entries.subarray(k + 4, k + 4 + kl);
        if (g === group) key = edit(key.slice());
        shares.push(
          g >> 8,
          g & 0xff,
          key.length >> 8,
          key.length & 0xff,
          ...key,
        );
        k += 4 + kl;
      }
      body = Uint8Array.from(
        isClient
          ? [shares.length >> 8, shares.length & 0xff, ...shares]
          : shares,
      );
    }
    out.push(
      type >> 8,
      type & 0xff,
      body.length >> 8,
      body.length & 0xff,
      ...body,
    );
    j += 4 + len;
  }
  const hs = [
    ...rec.subarray(4, extStart - 2),
    out.length >> 8,
    out.length & 0xff,
    ...out,
  ];
  const msg = [
    rec[0],
    hs.length >> 16,
    (hs.length >> 8) & 0xff,
    hs.length & 0xff,
    ...hs,
  ];
  return Uint8Array.from([
    22,
    3,
    3,
    msg.length >> 8,
    msg.length & 0xff,
    ...msg,
    ...rest,
  ]);
}

/** The ways a peer's NIST point is broken: each one is refused. */
function badPoints(
  size: number,
  p: bigint,
): [string, (k: Uint8Array) => Uint8Array][] {
  return [
    ["unchanged (the rewriting itself is sound)", (k) => k],
    ["off the curve", (k) => (k[k.length - 1] ^= 1, k)],
    ["(0, 0) for infinity", (k) => (k.fill(0, 1), k)],
    ["x = p", (k) => (k.set(bigIntToBytes(p, size), 1), k)],
    ["02 prefix", (k) => (k[0] = 2, k)],
    ["one byte short", (k) => k.subarray(0, k.length - 1)],
    ["one byte long", (k) => Uint8Array.from([...k, 0])],
    [
      "compressed",
      (k) =>
        Uint8Array.from([
          2 + (k[k.length - 1] & 1),
          ...k.subarray(1, 1 + size),
        ]),
    ],
  ];
}

/**
 * A refusal (illegal_parameter, `SEC_E_ILLEGAL_MESSAGE`) for a broken point; for
 * the unchanged one, the handshake going on (`ok`: the statuses that may come).
 */
function expectRefusal(
  r: { status: number; token: Uint8Array | null },
  what: string,
  ok: number[],
): void {
  if (what.includes("unchanged")) {
    assert.ok(ok.includes(r.status), `${what}: 0x${r.status.toString(16)}`);
    return;
  }
  assert.equal(r.status >>> 0, SEC_E_ILLEGAL_MESSAGE, what);
  assert.deepEqual([...r.token ?? []], ILLEGAL_PARAMETER_ALERT, what);
}

const GROUPS = [[0x18, 48, P384.p], [0x17, 32, P256.p]] as const;

p384Test(
  "invalid points in a ClientHello or ServerHello key share: illegal_parameter (P-384 and P-256)",
  () => {
    for (const [group, size, p] of GROUPS) {
      for (const [what, edit] of badPoints(size, p)) {
        // The client's share, to our server.
        const c = new CtxtHandle(), s = new CtxtHandle();
        const c1 = isc(client([group]), c, true, "localhost", null);
        const s1 = asc(
          server(),
          s,
          true,
          editHelloShare(c1.token!, group, edit),
        );
        expectRefusal(s1, `server: ${group} ${what}`, [SEC_I_CONTINUE_NEEDED]);
        // The server's share, to our client.
        const c2 = new CtxtHandle(), s2 = new CtxtHandle();
        const cc = client([group]);
        const h1 = isc(cc, c2, true, "localhost", null);
        const sh = asc(server([group]), s2, true, h1.token!);
        assert.equal(sh.status, SEC_I_CONTINUE_NEEDED);
        const h2 = isc(
          cc,
          c2,
          false,
          "localhost",
          editHelloShare(sh.token!, group, edit),
        );
        expectRefusal(h2, `client: ${group} ${what}`, [SEC_E_OK]);
        for (const h of [c, s, c2, s2]) DeleteSecurityContext(h);
      }
    }
  },
);

p384Test(
  "invalid points in a TLS 1.2 ClientKeyExchange: illegal_parameter (P-384 and P-256)",
  () => {
    for (const [group, size, p] of GROUPS) {
      for (const [what, edit] of badPoints(size, p)) {
        const c = new CtxtHandle(), s = new CtxtHandle();
        const cc = client([group], 0x800), sc = server([group]);
        const c1 = isc(cc, c, true, "localhost", null);
        const s1 = asc(sc, s, true, c1.token!);
        const c2 = isc(cc, c, false, "localhost", s1.token!);
        assert.equal(c2.status, SEC_I_CONTINUE_NEEDED);
        // The flight opens with the ClientKeyExchange record: 16, length, vector(1, point).
        const t = c2.token!;
        const recLen = u16(t, 3);
        assert.equal(t[5], 16);
        const key = edit(t.slice(5 + 5, 5 + recLen));
        const msg = [16, 0, 0, key.length + 1, key.length, ...key];
        const flight = Uint8Array.from([
          22,
          3,
          3,
          0,
          msg.length,
          ...msg,
          ...t.subarray(5 + recLen),
        ]);
        const s2 = asc(sc, s, false, flight);
        expectRefusal(s2, `${group} ${what}`, [SEC_E_OK]);
        DeleteSecurityContext(c);
        DeleteSecurityContext(s);
      }
    }
  },
);

p384Test(
  "KeyExchangeGroups names: secp384r1, P-384, NistP384, 0x0018; unknown names refused",
  () => {
    for (const g of ["secp384r1", "P-384", "NistP384", "nistp384", 0x18]) {
      const h = handshake(client([g]), server([g]));
      assert.equal(exchange(h.client)[0], 384, String(g));
      DeleteSecurityContext(h.client);
      DeleteSecurityContext(h.server);
    }
    assert.throws(() => client(["secp521r1"]), /0x80090331/);
  },
);
