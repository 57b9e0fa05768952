/**
 * The TLS 1.2 server side of the DHE_RSA and static-RSA AES-GCM suites (RFC 5288):
 * `openssl s_client -tls1_2 -cipher <suite>` into our server (RSA certificate),
 * data both ways, s_client's cipher and "Server Temp Key" checked with our server
 * context's SECPKG_ATTR_CONNECTION_INFO and SECPKG_ATTR_CIPHER_INFO, resumption by
 * session id and by RFC 5077 ticket (`-sess_out`/`-sess_in`); RFC 7919 group
 * choice (in-process: OpenSSL 3.0 lists FFDHE groups for TLS 1.3 only); our client against our server with only these suites; ECDHE still first;
 * an ECDSA or keyUsage-restricted certificate never picks what it cannot do.
 */
import assert from "node:assert/strict";
import {
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_SESSION_INFO,
  SECPKG_CRED_INBOUND,
  SSL_SESSION_RECONNECT,
} from "../../mod.ts";
import type { CredHandle, CtxtHandle } from "../../mod.ts";
import { openssl, testPki } from "./_pki.ts";
import { acquire, handshake, HandshakeError, seal, unseal } from "./_tls.ts";
import { SchannelStream } from "./_socket.ts";
import { PEER_TIMEOUT_MS, within } from "./_openssl.ts";
import { SchannelCredential } from "../../src/packages/schannel/credentials.ts";
import {
  chooseServerSuite12,
  FFDHE2048,
  FFDHE3072,
  ffdheGroup,
} from "../../src/packages/schannel/kex12_server.ts";
import { TlsAlert } from "../../src/packages/schannel/wire.ts";
import { query, SUITES } from "./_dhe_rsa12.ts";

const pki = await testPki();
const enc = new TextEncoder();
const dec = new TextDecoder();

function kexTest(name: string, fn: () => Promise<void> | void): void {
  Deno.test({
    name: `schannel TLS 1.2 server DHE/RSA: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

type Suite = (typeof SUITES)[number];

/** Checks a context's CONNECTION_INFO and CIPHER_INFO for suite `s` (`exch`: its size). */
function checkInfo(ctx: CtxtHandle, s: Suite, resumed: boolean, exch = 2048) {
  const info = query(ctx, SECPKG_ATTR_CONNECTION_INFO);
  assert.equal(info.aiCipher, s.bits === 256 ? 0x6610 : 0x660e);
  assert.equal(info.dwCipherStrength, s.bits);
  assert.equal(info.aiExch, s.aiExch, `${s.openssl} aiExch`);
  // The 2048-bit test key's modulus, or the FFDHE prime: restored when resumed.
  assert.equal(info.dwExchStrength, exch, `${s.openssl} dwExchStrength`);
  const ci = query(ctx, SECPKG_ATTR_CIPHER_INFO);
  assert.equal(ci.dwCipherSuite, s.id);
  assert.equal(ci.szCipherSuite, s.iana);
  assert.equal(ci.szExchange, s.exchange);
  assert.equal(ci.szCipher, "AES");
  assert.equal(ci.dwCipherLen, s.bits);
  assert.equal(ci.szHash, s.hash);
  assert.equal(ci.szCertificate, "RSA");
  assert.equal(ci.dwMinExchangeLen, exch);
  const session = query(ctx, SECPKG_ATTR_SESSION_INFO);
  assert.equal((session.dwFlags & SSL_SESSION_RECONNECT) !== 0, resumed);
}

/**
 * `openssl s_client <args>` into our server once, sending `line`: what s_client
 * printed, and what `check` made of our server's context (or its error).
 */
async function sClient(
  cred: CredHandle,
  args: string[],
  line: string,
  check: (ctx: CtxtHandle) => void,
): Promise<{ out: string; error: Error | null }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = (async () => {
    const conn = await listener.accept();
    try {
      const tls = await SchannelStream.accept(conn, cred);
      check(tls.context);
      const read = await tls.readText((t) => t.includes("\n"));
      assert.equal(read, line);
      await tls.write(enc.encode(read.toUpperCase()));
      await new Promise((r) => setTimeout(r, 100));
      tls.close();
      return null;
    } catch (e) {
      try {
        conn.close();
      } catch { /* closed */ }
      return e as Error;
    }
  })();
  const child = new Deno.Command("openssl", {
    args: ["s_client", "-connect", `127.0.0.1:${port}`, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(enc.encode(line)).catch(() => {});
  let error: Error | null;
  try {
    error = await within(served, "our server under openssl s_client");
  } finally {
    listener.close();
  }
  await w.close().catch(() => {});
  const output = await child.output();
  return { out: dec.decode(output.stdout), error };
}

function rsaServer(extra: Record<string, unknown> = {}): CredHandle {
  return acquire("server", {
    Certificate: pki!.rsaServer.cert,
    PrivateKey: pki!.rsaServer.key,
    ...extra,
  });
}

kexTest(
  "openssl s_client -tls1_2 -cipher <each suite> -> our server: handshake, data both ways, cipher and Server Temp Key, attributes; resumed by session id (-no_ticket) and by ticket",
  async () => {
    for (const s of SUITES) {
      for (const tickets of [false, true]) {
        const cred = rsaServer({ Tls12SessionTickets: tickets });
        const session = await Deno.makeTempFile({ suffix: ".pem" });
        try {
          for (const [i, sess] of [["-sess_out"], ["-sess_in"]].entries()) {
            const resumed = i === 1;
            const what = `${s.openssl} tickets=${tickets} run ${i}`;
            const { out, error } = await sClient(
              cred,
              [
                "-servername",
                "localhost",
                "-CAfile",
                pki!.rsaCa.certPath,
                "-verify_return_error",
                "-tls1_2",
                "-cipher",
                s.openssl,
                ...(tickets ? [] : ["-no_ticket"]),
                ...sess,
                session,
              ],
              `dhe-rsa ${what}\n`,
              (ctx) => checkInfo(ctx, s, resumed),
            );
            assert.equal(error, null, `${what}: ${error}`);
            assert.ok(out.includes(`DHE-RSA ${what.toUpperCase()}`), what);
            assert.match(
              out,
              new RegExp(
                `${
                  resumed ? "Reused" : "New"
                }, TLSv1\\.2, Cipher is ${s.openssl}\\b`,
              ),
              what,
            );
            if (!resumed) {
              if (s.exchange === "DH") {
                assert.match(out, /Server Temp Key: DH, 2048 bits/, what);
              } else {
                assert.doesNotMatch(out, /Server Temp Key/, what);
              }
            }
          }
        } finally {
          await Deno.remove(session).catch(() => {});
        }
      }
    }
  },
);

kexTest(
  "RFC 7919 groups (OpenSSL 3.0 sends no FFDHE group with TLS 1.2, so the choice itself): ffdhe2048 by default, the client's first we speak, only others: static RSA if offered, else insufficient_security",
  () => {
    const cred = new SchannelCredential({
      principal: null,
      use: SECPKG_CRED_INBOUND,
      authData: {
        Certificate: pki!.rsaServer.cert,
        PrivateKey: pki!.rsaServer.key,
      },
      async: false,
    });
    const hello = (suites: number[], groups: number[]) => ({
      random: new Uint8Array(32),
      sessionId: new Uint8Array(0),
      suites,
      versions: [],
      groups,
      keyShares: new Map(),
      signatureSchemes: [0x0804, 0x0401],
      serverName: null,
      protocols: null,
      legacyVersion: 0x0303,
      ems: true,
      renegotiation: true,
      psk: null,
      pskModes: null,
      statusRequest: false,
      sessionTicket: null,
    });
    const pick = (suites: number[], groups: number[]) => {
      const c = chooseServerSuite12(cred, hello(suites, groups));
      return [c.suite.id, c.group];
    };
    assert.deepEqual(pick([0x9e], []), [0x9e, FFDHE2048]);
    assert.deepEqual(pick([0x9e], [0x1d, 0x17]), [0x9e, FFDHE2048]);
    assert.deepEqual(pick([0x9e], [FFDHE3072, FFDHE2048]), [0x9e, FFDHE3072]);
    assert.deepEqual(pick([0x9e], [0x0102, FFDHE2048]), [0x9e, FFDHE2048]);
    assert.deepEqual(pick([0x9e, 0x9c], [0x0102, 0x0103]), [0x9c, 0]);
    assert.throws(
      () => pick([0x9e], [0x0102, 0x0103]),
      (e) => e instanceof TlsAlert && e.alert === 71 && e.status === 0x80090331,
    );
    // ECDHE first, also with DHE offered; with no group in common, DHE.
    assert.deepEqual(pick([0x9e, 0xc02f], [0x1d]), [0xc02f, 0x1d]);
    assert.deepEqual(pick([0x9e, 0xc02f], [0x0019]), [0x9e, FFDHE2048]);
    // DHE needs a signature scheme in common; static RSA does not.
    const c = chooseServerSuite12(cred, {
      ...hello([0x9e, 0x9c], []),
      signatureSchemes: [0x0403],
    });
    assert.equal(c.suite.id, 0x9c);
    assert.deepEqual(ffdheGroup([]), FFDHE2048);
    assert.equal(ffdheGroup([0x0104]), null);
    cred.dispose();
  },
);

/** Our client, TLS 1.2 only, with `suites`, trusting the RSA CA. */
function client(suites: number[] | undefined): CredHandle {
  return acquire("client", {
    RootCertificates: pki!.rsaCa.cert,
    grbitEnabledProtocols: 0x800,
    ...(suites ? { CipherSuites: suites } : {}),
  });
}

/** Data both ways over a finished pair. */
function exchangeData(c: CtxtHandle, s: CtxtHandle): void {
  const up = unseal(s, seal(c, enc.encode("ping")));
  assert.equal(dec.decode(up.data!), "ping");
  const down = unseal(c, seal(s, enc.encode("pong")));
  assert.equal(dec.decode(down.data!), "pong");
}

kexTest(
  "our client -> our server with only these suites (CipherSuites on both sides): each suite, attributes on both contexts, resumption by session id and by ticket",
  () => {
    for (const s of SUITES) {
      for (const tickets of [false, true]) {
        const ccred = client([s.id]);
        const scred = rsaServer({
          CipherSuites: [s.id],
          Tls12SessionTickets: tickets,
        });
        for (const resumed of [false, true]) {
          const hs = handshake(ccred, scred);
          checkInfo(hs.client, s, resumed);
          checkInfo(hs.server, s, resumed);
          exchangeData(hs.client, hs.server);
        }
      }
    }
  },
);

kexTest(
  "suite order: DHE before static RSA, AES-128 before AES-256; ECDHE first when the client offers it (no regression)",
  () => {
    const ids = SUITES.map((s) => s.id);
    const scred = rsaServer({ CipherSuites: ids });
    const pick = (c: CredHandle, server = scred) =>
      query(handshake(c, server).server, SECPKG_ATTR_CIPHER_INFO)
        .dwCipherSuite;
    assert.equal(pick(client([0x9d, 0x9c, 0x9f, 0x9e])), 0x9e);
    assert.equal(pick(client([0x9f, 0x9d])), 0x9f);
    assert.equal(pick(client([0x9d, 0x9c])), 0x9c);
    assert.equal(pick(client([0x9d])), 0x9d);
    // Default server suites: an ECDHE suite offered with the others wins.
    assert.equal(
      pick(client([0x9e, 0x9c, 0xc030, 0xc02f]), rsaServer()),
      0xc02f,
    );
    assert.equal(pick(client(undefined), rsaServer()), 0xc02f);
    // A server that allows only ECDHE never picks the others.
    assert.throws(
      () => handshake(client(ids), rsaServer({ CipherSuites: [0xc02f] })),
      (e) => e instanceof HandshakeError && e.status === 0x80090331,
    );
  },
);

kexTest("an ECDSA certificate never picks DHE_RSA or static RSA", () => {
  const scred = acquire("server", {
    Certificate: pki!.ecServer.cert,
    PrivateKey: pki!.ecServer.key,
  });
  const c = acquire("client", {
    RootCertificates: pki!.ecCa.cert,
    grbitEnabledProtocols: 0x800,
    CipherSuites: SUITES.map((s) => s.id),
  });
  assert.throws(
    () => handshake(c, scred),
    (e) =>
      e instanceof HandshakeError && e.side === "server" &&
      e.status === 0x80090331,
  );
});

kexTest(
  "keyUsage: digitalSignature only -> DHE, never static RSA; keyEncipherment only -> static RSA, never DHE",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const make = async (ku: string) => {
        await openssl(dir, [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          `${ku}.key`,
          "-out",
          `${ku}.crt`,
          "-days",
          "2",
          "-subj",
          "/CN=localhost",
          "-addext",
          "subjectAltName=DNS:localhost",
          "-addext",
          `keyUsage=critical,${ku}`,
        ]);
        const cert = await Deno.readTextFile(`${dir}/${ku}.crt`);
        const key = await Deno.readTextFile(`${dir}/${ku}.key`);
        return { cert, key };
      };
      for (
        const [ku, ok, refused] of [
          ["digitalSignature", 0x9e, 0x9c],
          ["keyEncipherment", 0x9c, 0x9e],
        ] as const
      ) {
        const { cert, key } = await make(ku);
        const scred = acquire("server", { Certificate: cert, PrivateKey: key });
        const c = (suites: number[]) =>
          acquire("client", {
            RootCertificates: cert,
            grbitEnabledProtocols: 0x800,
            CipherSuites: suites,
          });
        const hs = handshake(c([0x9e, 0x9c]), scred);
        assert.equal(
          query(hs.server, SECPKG_ATTR_CIPHER_INFO).dwCipherSuite,
          ok,
          ku,
        );
        assert.throws(
          () => handshake(c([refused]), scred),
          (e) => e instanceof HandshakeError && e.side === "server",
          ku,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
