/**
 * TLS 1.3 session resumption against OpenSSL 3 over loopback TCP, both ways: our
 * client keeps `openssl s_server`'s tickets and resumes (its page says "Reused",
 * SECPKG_ATTR_SESSION_INFO says SSL_SESSION_RECONNECT); `openssl s_client`
 * `-sess_out`/`-sess_in` resumes with our server's tickets. Each also through a
 * HelloRetryRequest and with TLS_AES_256_GCM_SHA384. TLS 1.2 resumption by session
 * id the same two ways (`-tls1_2`: "Reused, TLSv1.2").
 */
import assert from "node:assert/strict";
import {
  QueryContextAttributes,
  SEC_E_OK,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  SECPKG_ATTR_SESSION_INFO,
  SSL_SESSION_RECONNECT,
} from "../../mod.ts";
import { testPki } from "./_pki.ts";
import { acquire } from "./_tls.ts";
import { connectWhenUp, SchannelStream } from "./_socket.ts";
import { sClientEcho, withSServer } from "./_openssl.ts";

const pki = await testPki();

function interopTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `schannel interop: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

/** SECPKG_ATTR_SESSION_INFO's `SSL_SESSION_RECONNECT` bit on `tls`'s context. */
function reconnected(tls: SchannelStream): boolean {
  const out: { value?: { dwFlags: number } } = {};
  assert.equal(
    QueryContextAttributes(tls.context, SECPKG_ATTR_SESSION_INFO, out),
    SEC_E_OK,
  );
  return (out.value!.dwFlags & SSL_SESSION_RECONNECT) !== 0;
}

interopTest(
  "TLS 1.3 resumption, our client -> openssl s_server: its ticket kept by the credential, the second connection resumed (also through a HelloRetryRequest, and with SHA-384)",
  async () => {
    const p = pki!;
    for (
      const extra of [
        [],
        ["-groups", "P-256"], // a HelloRetryRequest each time
        ["-ciphersuites", "TLS_AES_256_GCM_SHA384"],
      ]
    ) {
      await withSServer([
        "-cert",
        p.ecServer.certPath,
        "-key",
        p.ecServer.keyPath,
        "-tls1_3",
        ...extra,
        "-www",
        "-naccept",
        "3",
      ], async (port) => {
        const cred = acquire("client", { RootCertificates: p.ecCa.cert });
        for (const expect of ["New", "Reused", "Reused"]) {
          const conn = await connectWhenUp(port);
          const tls = await SchannelStream.connect(conn, cred, "localhost");
          // s_server's page says whether its SSL_session_reused().
          const page = await tls.getWwwPage();
          assert.match(
            page,
            new RegExp(`${expect}, TLSv1\\.3, Cipher is TLS_AES_`),
            `${extra.join(" ")}: ${expect}`,
          );
          assert.equal(reconnected(tls), expect === "Reused");
          // The resumed connection still reports s_server's certificate.
          assert.equal(
            QueryContextAttributes(
              tls.context,
              SECPKG_ATTR_REMOTE_CERT_CONTEXT,
              {},
            ),
            SEC_E_OK,
          );
          tls.close();
        }
      });
    }
  },
);

interopTest(
  "TLS 1.3 resumption, openssl s_client -sess_out then -sess_in -> our server: Reused, TLSv1.3 (also through our HelloRetryRequest, and with SHA-384)",
  async () => {
    const p = pki!;
    for (
      const extra of [
        [],
        ["-groups", "X448:X25519"], // our HelloRetryRequest asks for x25519
        ["-ciphersuites", "TLS_AES_256_GCM_SHA384"],
      ]
    ) {
      const cred = acquire("server", {
        Certificate: p.rsaServer.cert,
        PrivateKey: p.rsaServer.key,
      });
      const session = await Deno.makeTempFile({ suffix: ".pem" });
      try {
        const runs = [
          ["-sess_out", session],
          ["-sess_in", session, "-sess_out", session],
          ["-sess_in", session],
        ];
        for (const [i, sess] of runs.entries()) {
          const { read, out } = await sClientEcho(cred, [
            "-servername",
            "localhost",
            "-CAfile",
            p.rsaCa.certPath,
            "-verify_return_error",
            "-tls1_3",
            ...extra,
            ...sess,
          ], `resume ${i}\n`);
          assert.equal(read, `resume ${i}\n`);
          assert.match(out, /RESUME \d/);
          assert.match(
            out,
            i === 0 ? /New, TLSv1\.3/ : /Reused, TLSv1\.3/,
            `${extra.join(" ")} run ${i}`,
          );
        }
      } finally {
        await Deno.remove(session).catch(() => {});
      }
    }
  },
);

interopTest(
  "TLS 1.2 resumption by session id, our client -> openssl s_server -tls1_2: New, then Reused twice (our client limited to TLS 1.2, or not; AES-128 and AES-256)",
  async () => {
    const p = pki!;
    for (
      const [extra, protocols] of [
        [[], 0x800],
        [["-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"], 0],
      ] as const
    ) {
      await withSServer([
        "-cert",
        p.ecServer.certPath,
        "-key",
        p.ecServer.keyPath,
        "-tls1_2",
        "-no_ticket", // session ids, as IIS on Windows Server 2019 resumes
        ...extra,
        "-www",
        "-naccept",
        "3",
      ], async (port) => {
        const cred = acquire("client", {
          RootCertificates: p.ecCa.cert,
          grbitEnabledProtocols: protocols,
        });
        for (const expect of ["New", "Reused", "Reused"]) {
          const conn = await connectWhenUp(port);
          const tls = await SchannelStream.connect(conn, cred, "localhost");
          const page = await tls.getWwwPage();
          assert.match(
            page,
            new RegExp(`${expect}, TLSv1\\.2, Cipher is ECDHE-ECDSA-AES`),
            `${extra.join(" ")}: ${expect}`,
          );
          assert.equal(reconnected(tls), expect === "Reused");
          assert.equal(
            QueryContextAttributes(
              tls.context,
              SECPKG_ATTR_REMOTE_CERT_CONTEXT,
              {},
            ),
            SEC_E_OK,
          );
          tls.close();
        }
      });
    }
  },
);

interopTest(
  "TLS 1.2 resumption by session id, openssl s_client -tls1_2 -sess_out then -sess_in -> our server: Reused, TLSv1.2 (RSA and SHA-384 too)",
  async () => {
    const p = pki!;
    for (
      const [server, ca, extra] of [
        [p.ecServer, p.ecCa, []],
        [p.rsaServer, p.rsaCa, ["-cipher", "ECDHE-RSA-AES256-GCM-SHA384"]],
      ] as const
    ) {
      const cred = acquire("server", {
        Certificate: server.cert,
        PrivateKey: server.key,
      });
      const session = await Deno.makeTempFile({ suffix: ".pem" });
      try {
        const runs = [
          ["-sess_out", session],
          ["-sess_in", session],
          ["-sess_in", session],
        ];
        for (const [i, sess] of runs.entries()) {
          const { read, out } = await sClientEcho(cred, [
            "-servername",
            "localhost",
            "-CAfile",
            ca.certPath,
            "-verify_return_error",
            "-tls1_2",
            ...extra,
            ...sess,
          ], `resume12 ${i}\n`);
          assert.equal(read, `resume12 ${i}\n`);
          assert.match(out, /RESUME12 \d/);
          assert.match(
            out,
            i === 0 ? /New, TLSv1\.2/ : /Reused, TLSv1\.2/,
            `${extra.join(" ")} run ${i}`,
          );
        }
      } finally {
        await Deno.remove(session).catch(() => {});
      }
    }
  },
);
