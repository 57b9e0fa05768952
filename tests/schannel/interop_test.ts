/**
 * Schannel (TLS 1.3) against TLS stacks nobody here wrote, over loopback TCP:
 * OpenSSL (`openssl s_server`, `openssl s_client`, `curl`) and rustls (Deno's own
 * `Deno.serve` TLS server and `fetch` client), both directions, with RSA and P-256
 * certificates and a client certificate (resumption: `resumption_interop_test.ts`).
 */
import assert from "node:assert/strict";
import {
  SEC_E_OK,
  SECPKG_ATTR_APPLICATION_PROTOCOL,
  SECPKG_ATTR_CONNECTION_INFO,
} from "../../mod.ts";
import { QueryContextAttributes } from "../../mod.ts";
import { peerMissing } from "../peers/availability.ts";
import { type TestCert, testPki } from "./_pki.ts";
import { acquire } from "./_tls.ts";
import { connectWhenUp, SchannelStream } from "./_socket.ts";
import { sClientEcho, spawnSServer, withSServer } from "./_openssl.ts";

const pki = await testPki();
const enc = new TextEncoder();

function interopTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `schannel interop: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

for (
  const [kind, version] of [["rsa", "1.3"], ["ec", "1.3"], ["rsa", "1.2"], [
    "ec",
    "1.2",
  ]] as const
) {
  interopTest(
    `our client -> openssl s_server (${kind}): HTTP over TLS ${version}, verified chain`,
    async () => {
      const p = pki!;
      const srv: TestCert = kind === "rsa" ? p.rsaServer : p.ecServer;
      await withSServer([
        "-cert",
        srv.certPath,
        "-key",
        srv.keyPath,
        version === "1.3" ? "-tls1_3" : "-tls1_2",
        "-www",
        "-naccept",
        "1",
      ], async (port) => {
        const conn = await connectWhenUp(port);
        const cred = acquire("client", {
          RootCertificates: kind === "rsa" ? p.rsaCa.cert : p.ecCa.cert,
        });
        const tls = await SchannelStream.connect(conn, cred, "localhost");
        const page = await tls.getWwwPage();
        assert.match(page, /^HTTP\/1\.0 200 ok/);
        assert.match(
          page,
          new RegExp(`Protocol\\s*: TLSv${version.replace(".", "\\.")}`),
        );
        const suite = version === "1.3"
          ? "TLS_AES_128_GCM_SHA256"
          : kind === "rsa"
          ? "ECDHE-RSA-AES128-GCM-SHA256"
          : "ECDHE-ECDSA-AES128-GCM-SHA256";
        assert.match(page, new RegExp(`Cipher\\s*: ${suite}`));
        const info: { value?: { dwProtocol: number } } = {};
        assert.equal(
          QueryContextAttributes(
            tls.context,
            SECPKG_ATTR_CONNECTION_INFO,
            info,
          ),
          SEC_E_OK,
        );
        assert.equal(
          info.value!.dwProtocol,
          version === "1.3" ? 0x2000 : 0x800,
        );
        tls.close();
      });
    },
  );
}

interopTest(
  "openssl s_client -> our server: TLS 1.3 and 1.2, verified chain, data both ways, with and without a client certificate",
  async () => {
    const p = pki!;
    for (
      const [version, mutual] of [["-tls1_3", false], ["-tls1_3", true], [
        "-tls1_2",
        false,
      ], ["-tls1_2", true]] as const
    ) {
      const cred = acquire("server", {
        Certificate: p.ecServer.cert,
        PrivateKey: p.ecServer.key,
        RootCertificates: p.rsaCa.cert,
      });
      const args = [
        "-servername",
        "localhost",
        "-CAfile",
        p.ecCa.certPath,
        "-verify_return_error",
        "-verify_hostname",
        "localhost",
        version,
        "-quiet",
      ];
      if (mutual) {
        args.push("-cert", p.client.certPath, "-key", p.client.keyPath);
      }
      const { read: line, out } = await sClientEcho(
        cred,
        args,
        `hello from openssl ${mutual}\n`,
        mutual ? 0x4 | 0x8 | 0x10 | 0x100 | 0x10000 | 0x2 : undefined,
      );
      assert.equal(line, `hello from openssl ${mutual}\n`);
      assert.match(
        out,
        new RegExp(`HELLO FROM OPENSSL ${String(mutual).toUpperCase()}`),
      );
    }
  },
);

interopTest(
  "curl (OpenSSL) -> our server: HTTPS over TLS 1.3 and 1.2 with ALPN http/1.1",
  async () => {
    const p = pki!;
    try {
      await new Deno.Command("curl", { args: ["--version"], stdout: "null" })
        .output();
    } catch {
      peerMissing("curl", "apt-get install -y curl");
      return;
    }
    for (
      const versionArgs of [["--tlsv1.3"], ["--tlsv1.2", "--tls-max", "1.2"]]
    ) {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      const cred = acquire("server", {
        Certificate: p.rsaServer.cert,
        PrivateKey: p.rsaServer.key,
        ApplicationProtocols: ["http/1.1"],
      });
      const served = (async () => {
        const conn = await listener.accept();
        const tls = await SchannelStream.accept(conn, cred);
        const alpn: { value?: { ProtocolId: Uint8Array } } = {};
        QueryContextAttributes(
          tls.context,
          SECPKG_ATTR_APPLICATION_PROTOCOL,
          alpn,
        );
        const req = await tls.readText((t) => t.includes("\r\n\r\n"));
        const body = `you asked for ${req.split(" ")[1]}`;
        await tls.write(
          enc.encode(
            `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          ),
        );
        await new Promise((r) => setTimeout(r, 100));
        tls.close();
        return new TextDecoder().decode(alpn.value?.ProtocolId);
      })();
      const out = await new Deno.Command("curl", {
        args: [
          "-sS",
          "--http1.1",
          ...versionArgs,
          "--cacert",
          p.rsaCa.certPath,
          `https://localhost:${port}/some/path`,
          "--resolve",
          `localhost:${port}:127.0.0.1`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const alpn = await served;
      listener.close();
      assert.equal(
        new TextDecoder().decode(out.stdout),
        "you asked for /some/path",
        new TextDecoder().decode(out.stderr),
      );
      assert.equal(alpn, "http/1.1");
    }
  },
);

interopTest(
  "Deno fetch (rustls) -> our server, and our client -> Deno.serve (rustls)",
  async () => {
    const p = pki!;
    // rustls client into our server.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    const cred = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
      ApplicationProtocols: ["http/1.1"],
    });
    const served = (async () => {
      const conn = await listener.accept();
      const tls = await SchannelStream.accept(conn, cred);
      await tls.readText((t) => t.includes("\r\n\r\n"));
      await tls.write(
        enc.encode(
          "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello rusty",
        ),
      );
      await new Promise((r) => setTimeout(r, 100));
      tls.close();
    })();
    const client = Deno.createHttpClient({ caCerts: [p.ecCa.cert] });
    const res = await fetch(`https://localhost:${port}/`, { client });
    assert.equal(await res.text(), "hello rusty");
    await served;
    client.close();
    listener.close();
    // Our client into rustls's server.
    const ac = new AbortController();
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      cert: p.rsaServer.cert,
      key: p.rsaServer.key,
      signal: ac.signal,
      onListen: () => {},
    }, (req) => new Response(`rustls saw ${new URL(req.url).pathname}`));
    try {
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: server.addr.port,
      });
      const tls = await SchannelStream.connect(
        conn,
        acquire("client", { RootCertificates: p.rsaCa.cert }),
        "localhost",
      );
      await tls.write(
        enc.encode(
          "GET /from-schannel HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        ),
      );
      const text = await tls.readText((t) => t.includes("rustls saw"));
      assert.match(text, /^HTTP\/1\.1 200 OK/);
      assert.match(text, /rustls saw \/from-schannel/);
      tls.close();
    } finally {
      ac.abort();
      await server.finished;
    }
  },
);

interopTest(
  "key exchange groups with OpenSSL: secp256r1 both ways, HelloRetryRequest both ways, TLS 1.2 with P-256",
  async () => {
    const p = pki!;
    // Our client into s_server limited to P-256: a HelloRetryRequest (1.3) or a P-256
    // ServerKeyExchange (1.2).
    for (const version of ["-tls1_3", "-tls1_2"]) {
      await withSServer([
        "-cert",
        p.ecServer.certPath,
        "-key",
        p.ecServer.keyPath,
        version,
        "-groups",
        "P-256",
        "-www",
        "-naccept",
        "1",
      ], async (port) => {
        const conn = await connectWhenUp(port);
        const tls = await SchannelStream.connect(
          conn,
          acquire("client", { RootCertificates: p.ecCa.cert }),
          "localhost",
        );
        // The group OpenSSL chose is the one reported: P-256's 256 bits.
        const info = { value: null as unknown };
        QueryContextAttributes(tls.context, SECPKG_ATTR_CONNECTION_INFO, info);
        assert.equal(
          (info.value as { dwExchStrength: number }).dwExchStrength,
          256,
        );
        const page = await tls.getWwwPage();
        assert.match(
          page,
          new RegExp(`Protocol\\s*: TLSv1\\.${version === "-tls1_3" ? 3 : 2}`),
        );
        tls.close();
      });
    }
    // s_client into our server: a P-256 share taken as is; X448 first (unsupported):
    // our HelloRetryRequest asks for x25519; TLS 1.2 limited to P-256.
    for (
      const args of [["-tls1_3", "-groups", "P-256"], [
        "-tls1_3",
        "-groups",
        "X448:X25519",
      ], ["-tls1_2", "-groups", "P-256"]]
    ) {
      const cred = acquire("server", {
        Certificate: p.rsaServer.cert,
        PrivateKey: p.rsaServer.key,
      });
      const { read: line, out } = await sClientEcho(
        cred,
        [
          "-servername",
          "localhost",
          "-CAfile",
          p.rsaCa.certPath,
          "-verify_return_error",
          ...args,
          "-quiet",
        ],
        `groups ${args.join(" ")}\n`,
      );
      assert.equal(line, `groups ${args.join(" ")}\n`);
      assert.match(out, /GROUPS/);
    }
  },
);

interopTest(
  "TLS_AES_256_GCM_SHA384 with OpenSSL, both ways, through a HelloRetryRequest (SHA-384 transcript)",
  async () => {
    const p = pki!;
    // Our client into s_server allowing only the AES-256 suite and P-256: its
    // HelloRetryRequest names the suite, whose SHA-384 hashes the first hello.
    await withSServer([
      "-cert",
      p.ecServer.certPath,
      "-key",
      p.ecServer.keyPath,
      "-tls1_3",
      "-ciphersuites",
      "TLS_AES_256_GCM_SHA384",
      "-groups",
      "P-256",
      "-www",
      "-naccept",
      "1",
    ], async (port) => {
      const conn = await connectWhenUp(port);
      const tls = await SchannelStream.connect(
        conn,
        acquire("client", { RootCertificates: p.ecCa.cert }),
        "localhost",
      );
      const info = { value: null as unknown };
      QueryContextAttributes(tls.context, SECPKG_ATTR_CONNECTION_INFO, info);
      const ci = info.value as { aiCipher: number; dwCipherStrength: number };
      assert.equal(ci.dwCipherStrength, 256);
      assert.equal(ci.aiCipher, 0x6610); // CALG_AES_256
      const page = await tls.getWwwPage();
      assert.match(page, /Cipher\s*: TLS_AES_256_GCM_SHA384/);
      tls.close();
    });
    // s_client offering only the AES-256 suite into our server, X448 first: our
    // HelloRetryRequest names TLS_AES_256_GCM_SHA384 and asks for x25519.
    for (const groups of ["X25519", "X448:X25519"]) {
      const { read: line, out } = await sClientEcho(
        acquire("server", {
          Certificate: p.rsaServer.cert,
          PrivateKey: p.rsaServer.key,
        }),
        [
          "-servername",
          "localhost",
          "-CAfile",
          p.rsaCa.certPath,
          "-verify_return_error",
          "-tls1_3",
          "-ciphersuites",
          "TLS_AES_256_GCM_SHA384",
          "-groups",
          groups,
          "-quiet",
        ],
        `aes256 ${groups}\n`,
      );
      assert.equal(line, `aes256 ${groups}\n`);
      assert.match(out, /AES256/);
    }
  },
);

interopTest(
  "TLS 1.2 ECDHE AES-256-GCM-SHA384 with OpenSSL, both ways (RSA and ECDSA certificates)",
  async () => {
    const p = pki!;
    // Our client into s_server allowing only the AES-256 suite of its certificate.
    for (
      const [cert, ca, cipher] of [
        [p.rsaServer, p.rsaCa, "ECDHE-RSA-AES256-GCM-SHA384"],
        [p.ecServer, p.ecCa, "ECDHE-ECDSA-AES256-GCM-SHA384"],
      ] as const
    ) {
      await withSServer([
        "-cert",
        cert.certPath,
        "-key",
        cert.keyPath,
        "-tls1_2",
        "-cipher",
        cipher,
        "-www",
        "-naccept",
        "1",
      ], async (port) => {
        const conn = await connectWhenUp(port);
        const tls = await SchannelStream.connect(
          conn,
          acquire("client", { RootCertificates: ca.cert }),
          "localhost",
        );
        const info = { value: null as unknown };
        QueryContextAttributes(tls.context, SECPKG_ATTR_CONNECTION_INFO, info);
        assert.equal(
          (info.value as { dwCipherStrength: number }).dwCipherStrength,
          256,
        );
        const page = await tls.getWwwPage();
        assert.match(page, new RegExp(`Cipher\\s*: ${cipher}`));
        tls.close();
      });
    }
    // s_client offering only AES-256 suites into our server (RSA certificate).
    const { read: line, out } = await sClientEcho(
      acquire("server", {
        Certificate: p.rsaServer.cert,
        PrivateKey: p.rsaServer.key,
      }),
      [
        "-servername",
        "localhost",
        "-CAfile",
        p.rsaCa.certPath,
        "-verify_return_error",
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384",
        "-quiet",
      ],
      "tls12 aes256\n",
    );
    assert.equal(line, "tls12 aes256\n");
    assert.match(out, /TLS12 AES256/);
  },
);

interopTest(
  "TLS 1.2: a HelloRequest from openssl s_server is ignored (no renegotiation), data goes on",
  async () => {
    const p = pki!;
    const { port, child } = spawnSServer([
      "-cert",
      p.rsaServer.certPath,
      "-key",
      p.rsaServer.keyPath,
      "-tls1_2",
    ]);
    const w = child.stdin.getWriter();
    try {
      const conn = await connectWhenUp(port);
      const tls = await SchannelStream.connect(
        conn,
        acquire("client", { RootCertificates: p.rsaCa.cert }),
        "localhost",
      );
      await new Promise((r) => setTimeout(r, 200));
      await w.write(enc.encode("r\n")); // s_server: renegotiate (sends HelloRequest)
      await new Promise((r) => setTimeout(r, 200));
      await w.write(enc.encode("after the HelloRequest\n"));
      const text = await tls.readText((t) =>
        t.includes("after the HelloRequest")
      );
      assert.match(text, /after the HelloRequest/);
      tls.close();
    } finally {
      await w.close().catch(() => {});
      try {
        child.kill();
      } catch { /* exited */ }
      await child.status;
    }
  },
);
