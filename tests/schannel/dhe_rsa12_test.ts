/**
 * TLS 1.2 DHE_RSA and static-RSA AES-GCM suites (RFC 5288), the ones Windows
 * Server 2012 R2 negotiates AES-GCM with: our client against `openssl s_server
 * -tls1_2 -cipher <suite>` (ffdhe2048 for DHE), application data both ways,
 * SECPKG_ATTR_CONNECTION_INFO and SECPKG_ATTR_CIPHER_INFO checked against the suite
 * s_server printed, and resumption by session id and by RFC 5077 ticket.
 */
import assert from "node:assert/strict";
import {
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_SESSION_INFO,
  SSL_SESSION_RECONNECT,
} from "../../mod.ts";
import { openssl, testPki } from "./_pki.ts";
import { acquire } from "./_tls.ts";
import { connectWhenUp, SchannelStream } from "./_socket.ts";
import { withSServer } from "./_openssl.ts";
import { query, SUITES } from "./_dhe_rsa12.ts";

const pki = await testPki();

function kexTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `schannel TLS 1.2 DHE/RSA: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

/** ffdhe2048 (RFC 7919) parameters for s_server, made once. */
let dhParams: Promise<string> | undefined;
function ffdhe2048(): Promise<string> {
  dhParams ??= (async () => {
    const dir = pki!.dir;
    await openssl(dir, [
      "genpkey",
      "-genparam",
      "-algorithm",
      "DH",
      "-pkeyopt",
      "group:ffdhe2048",
      "-out",
      "ffdhe2048.pem",
    ]);
    return `${dir}/ffdhe2048.pem`;
  })();
  return dhParams;
}

/** Our client's GET of s_server's `-www` page; checks and closes. */
async function get(
  port: number,
  cred: ReturnType<typeof acquire>,
  s: (typeof SUITES)[number],
  expect: "New" | "Reused",
): Promise<void> {
  const conn = await connectWhenUp(port);
  const tls = await SchannelStream.connect(conn, cred, "localhost");
  const page = await tls.getWwwPage();
  // s_server's page: its own SSL_get_current_cipher() and SSL_session_reused().
  assert.match(
    page,
    new RegExp(`${expect}, TLSv1\\.2, Cipher is ${s.openssl}\\b`),
    `${s.openssl} ${expect}`,
  );
  const info = query(tls.context, SECPKG_ATTR_CONNECTION_INFO);
  assert.equal(info.dwProtocol, 0x800);
  assert.equal(info.aiCipher, s.bits === 256 ? 0x6610 : 0x660e);
  assert.equal(info.dwCipherStrength, s.bits);
  assert.equal(info.aiExch, s.aiExch, `${s.openssl} aiExch`);
  // The RSA modulus of the 2048-bit test key, or ffdhe2048's prime.
  assert.equal(info.dwExchStrength, 2048, `${s.openssl} dwExchStrength`);
  const ci = query(tls.context, SECPKG_ATTR_CIPHER_INFO);
  assert.equal(ci.dwCipherSuite, s.id);
  assert.equal(ci.szCipherSuite, s.iana);
  assert.equal(ci.szExchange, s.exchange);
  assert.equal(ci.szCipher, "AES");
  assert.equal(ci.dwCipherLen, s.bits);
  assert.equal(ci.szHash, s.hash);
  assert.equal(ci.szCertificate, "RSA");
  assert.equal(ci.dwMinExchangeLen, 2048);
  const session = query(tls.context, SECPKG_ATTR_SESSION_INFO);
  assert.equal(
    (session.dwFlags & SSL_SESSION_RECONNECT) !== 0,
    expect === "Reused",
  );
  tls.close();
}

/** Runs `fn(port)` while s_server serves `n` connections, limited to suite `s`. */
async function serve(
  s: (typeof SUITES)[number],
  extra: string[],
  n: number,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const p = pki!;
  const dh = s.exchange === "DH" ? ["-dhparam", await ffdhe2048()] : [];
  await withSServer([
    "-cert",
    p.rsaServer.certPath,
    "-key",
    p.rsaServer.keyPath,
    "-tls1_2",
    "-cipher",
    s.openssl,
    ...dh,
    ...extra,
    "-www",
    "-naccept",
    String(n),
  ], fn);
}

for (const s of SUITES) {
  kexTest(
    `our client -> openssl s_server -tls1_2 -cipher ${s.openssl}: data both ways, CONNECTION_INFO and CIPHER_INFO`,
    async () => {
      const p = pki!;
      await serve(s, [], 1, async (port) => {
        // Default credential: these suites come after the ECDHE ones, which the
        // server does not speak.
        const cred = acquire("client", { RootCertificates: p.rsaCa.cert });
        await get(port, cred, s, "New");
      });
    },
  );
}

kexTest(
  "resumption against openssl s_server: by session id (-no_ticket) and by ticket, New then Reused, for static RSA and DHE",
  async () => {
    const p = pki!;
    for (const s of [SUITES[0], SUITES[3]]) {
      for (const tickets of [false, true]) {
        const extra = tickets ? [] : ["-no_ticket"];
        await serve(s, extra, 2, async (port) => {
          const cred = acquire("client", {
            RootCertificates: p.rsaCa.cert,
            CipherSuites: [s.iana],
          });
          await get(port, cred, s, "New");
          // The resumed session reports the full handshake's exchange again.
          await get(port, cred, s, "Reused");
        });
      }
    }
  },
);
