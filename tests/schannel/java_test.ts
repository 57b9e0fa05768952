/**
 * Schannel against the JDK's own TLS stack (SunJSSE, OpenJDK 17), a third TLS
 * implementation besides OpenSSL and rustls: our client into a JSSE server and a
 * JSSE client (checking our chain and host name) into our server, TLS 1.3 and 1.2,
 * RSA and P-256 certificates; and one TLS 1.2 AES-CBC suite each way.
 */
import assert from "node:assert/strict";
import { javaToolTest } from "../runtimes/_tools.ts";
import { type TestCert, testPki } from "./_pki.ts";
import { acquire } from "./_tls.ts";
import { connectWhenUp, freePort, SchannelStream } from "./_socket.ts";

const PEER = new URL("../peers/java/TlsPeer.java", import.meta.url).pathname;
const enc = new TextEncoder();
const dec = new TextDecoder();
const PASS = "changeit";

async function run(cmd: string, args: string[]): Promise<void> {
  const r = await new Deno.Command(cmd, {
    args,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(r.stderr)}`);
  }
}

/** A PKCS#12 key store with `cert` and its key, and a trust store with `ca`. */
async function stores(dir: string, cert: TestCert, ca: TestCert, name: string) {
  const keyStore = `${dir}/${name}-key.p12`;
  const trustStore = `${dir}/${name}-trust.p12`;
  await run("openssl", [
    "pkcs12",
    "-export",
    "-in",
    cert.certPath,
    "-inkey",
    cert.keyPath,
    "-out",
    keyStore,
    "-passout",
    `pass:${PASS}`,
    "-name",
    "server",
  ]);
  await run("keytool", [
    "-importcert",
    "-noprompt",
    "-alias",
    "ca",
    "-file",
    ca.certPath,
    "-keystore",
    trustStore,
    "-storetype",
    "PKCS12",
    "-storepass",
    PASS,
  ]);
  return { keyStore, trustStore };
}

/**
 * A JSSE server on `keyStore` (`protocol`, only `suite` when given) and our client
 * trusting `caCert`, sending `line`: its answer, and what the server printed.
 */
async function jsseServer(
  keyStore: string,
  caCert: string,
  protocol: string,
  line: string,
  suite?: string,
): Promise<{ answer: string; printed: string; log: string }> {
  const port = freePort();
  const server = new Deno.Command("java", {
    args: [
      PEER,
      "server",
      String(port),
      keyStore,
      PASS,
      protocol,
      ...(suite ? [suite] : []),
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const conn = await connectWhenUp(port, 300, 100); // the JVM starts first
  const tls = await SchannelStream.connect(
    conn,
    acquire("client", { RootCertificates: caCert }),
    "localhost",
  );
  await tls.write(enc.encode(line));
  const answer = await tls.readText((t) => t.includes("\n"));
  tls.close();
  const out = await server.output();
  return {
    answer,
    printed: dec.decode(out.stdout),
    log: dec.decode(out.stderr),
  };
}

/**
 * Our server with `cert` and a JSSE client trusting `trustStore` (checking our chain
 * and the name "localhost"; `protocol`, only `suite` when given): the line our
 * server read, and what the client printed.
 */
async function jsseClient(
  cert: TestCert,
  trustStore: string,
  protocol: string,
  suite?: string,
): Promise<{ served: string; printed: string; log: string }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ours = acquire("server", {
    Certificate: cert.cert,
    PrivateKey: cert.key,
  });
  const served = (async () => {
    const c = await listener.accept();
    const s = await SchannelStream.accept(c, ours);
    const line = await s.readText((t) => t.includes("\n"));
    await s.write(enc.encode(line.toUpperCase()));
    await new Promise((r) => setTimeout(r, 100));
    s.close();
    return line;
  })();
  const client = await new Deno.Command("java", {
    args: [
      PEER,
      "client",
      String((listener.addr as Deno.NetAddr).port),
      trustStore,
      PASS,
      protocol,
      "localhost",
      ...(suite ? [suite] : []),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  listener.close();
  return {
    served: await served,
    printed: dec.decode(client.stdout),
    log: dec.decode(client.stderr),
  };
}

await javaToolTest(
  "schannel interop: JSSE (OpenJDK) server and client, TLS 1.3 and 1.2, RSA and P-256",
  async () => {
    const pki = await testPki();
    if (!pki) return;
    const dir = await Deno.makeTempDir({ prefix: "schannel-java-" });
    try {
      for (
        const [kind, cert, ca] of [["rsa", pki.rsaServer, pki.rsaCa], [
          "ec",
          pki.ecServer,
          pki.ecCa,
        ]] as const
      ) {
        const { keyStore, trustStore } = await stores(dir, cert, ca, kind);
        for (const protocol of ["TLSv1.3", "TLSv1.2"]) {
          // JSSE server, our client.
          const s = await jsseServer(
            keyStore,
            ca.cert,
            protocol,
            `from schannel ${kind} ${protocol}\n`,
          );
          assert.equal(
            s.answer,
            `FROM SCHANNEL ${kind.toUpperCase()} ${protocol.toUpperCase()}\n`,
          );
          assert.match(s.printed, new RegExp(`${protocol} TLS_`), s.log);
          // Our server, JSSE client (it checks our chain against the CA and the name).
          const c = await jsseClient(cert, trustStore, protocol);
          assert.equal(c.served, "hello from java\n");
          assert.match(c.printed, /^HELLO FROM JAVA\n/, c.log);
          assert.match(c.printed, new RegExp(`${protocol} TLS_`));
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

await javaToolTest(
  "schannel interop: JSSE (OpenJDK) with one TLS 1.2 AES-CBC suite each way",
  async () => {
    const pki = await testPki();
    if (!pki) return;
    const dir = await Deno.makeTempDir({ prefix: "schannel-java-cbc-" });
    try {
      // JSSE server (RSA), our client.
      const rsa = await stores(dir, pki.rsaServer, pki.rsaCa, "rsa");
      const suite1 = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384";
      const s = await jsseServer(
        rsa.keyStore,
        pki.rsaCa.cert,
        "TLSv1.2",
        "through cbc\n",
        suite1,
      );
      assert.equal(s.answer, "THROUGH CBC\n");
      assert.match(s.printed, new RegExp(`TLSv1\\.2 ${suite1}`), s.log);
      // Our server (P-256), JSSE client.
      const ec = await stores(dir, pki.ecServer, pki.ecCa, "ec");
      const suite2 = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256";
      const c = await jsseClient(
        pki.ecServer,
        ec.trustStore,
        "TLSv1.2",
        suite2,
      );
      assert.equal(c.served, "hello from java\n");
      assert.match(c.printed, /^HELLO FROM JAVA\n/, c.log);
      assert.match(c.printed, new RegExp(`TLSv1\\.2 ${suite2}`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
