/**
 * ChaCha20-Poly1305 in Schannel: TLS_CHACHA20_POLY1305_SHA256 (RFC 8446 B.4) and
 * TLS 1.2 ECDHE-{RSA,ECDSA}-CHACHA20-POLY1305 (RFC 7905). Our client and server
 * restricted through `CipherSuites`, the server's preference for AES-GCM,
 * SECPKG_ATTR_CONNECTION_INFO, tampered records, resumption, and OpenSSL 3
 * limited to the suites in both directions.
 */
import assert from "node:assert/strict";
import {
  DeleteSecurityContext,
  QueryContextAttributes,
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_OK,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_SESSION_INFO,
  SECPKG_ATTR_STREAM_SIZES,
} from "../../mod.ts";
import type { CtxtHandle } from "../../mod.ts";
import { testPki } from "./_pki.ts";
import { acquire, handshake, HandshakeError, seal, unseal } from "./_tls.ts";
import { connectWhenUp, SchannelStream } from "./_socket.ts";
import { sClientEcho, withSServer } from "./_openssl.ts";

const pki = await testPki();
const enc = new TextEncoder();
const dec = new TextDecoder();
const CHACHA = "TLS_CHACHA20_POLY1305_SHA256";
const TLS13_ONLY = 0x2000 | 0x1000; // SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_3_SERVER

function chachaTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({
    name: `schannel chacha20: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

function connInfo(h: CtxtHandle): Record<string, number> {
  const out: { value?: Record<string, number> } = {};
  assert.equal(
    QueryContextAttributes(h, SECPKG_ATTR_CONNECTION_INFO, out),
    SEC_E_OK,
  );
  return out.value!;
}

function creds(
  client: (string | number)[] | undefined,
  server: (string | number)[] | undefined,
) {
  const p = pki!;
  return {
    cc: acquire("client", {
      RootCertificates: p.rsaCa.cert,
      grbitEnabledProtocols: TLS13_ONLY,
      CipherSuites: client,
    }),
    sc: acquire("server", {
      Certificate: p.rsaServer.cert,
      PrivateKey: p.rsaServer.key,
      grbitEnabledProtocols: TLS13_ONLY,
      CipherSuites: server,
    }),
  };
}

function close(...hs: CtxtHandle[]): void {
  for (const h of hs) DeleteSecurityContext(h);
}

chachaTest(
  "both sides restricted: handshake, data both ways, CONNECTION_INFO",
  () => {
    const { cc, sc } = creds([CHACHA], [0x1303]);
    const h = handshake(cc, sc);
    for (const side of [h.client, h.server]) {
      const info = connInfo(side);
      assert.equal(info.aiCipher, 0, "no ALG_ID for ChaCha20");
      assert.equal(info.dwCipherStrength, 256);
      const sizes: { value?: Record<string, number> } = {};
      QueryContextAttributes(side, SECPKG_ATTR_STREAM_SIZES, sizes);
      assert.deepEqual([sizes.value!.cbHeader, sizes.value!.cbTrailer], [
        5,
        17,
      ]);
    }
    assert.equal(connInfo(h.client).dwProtocol, 0x2000);
    for (const n of [0, 1, 15, 16, 17, 63, 64, 65, 1000, 16383, 16384]) {
      const msg = new Uint8Array(n).map((_, i) => (i * 7 + n) & 255);
      assert.deepEqual(
        unseal(h.server, seal(h.client, msg)).data,
        msg,
        `c->s ${n}`,
      );
      assert.deepEqual(
        unseal(h.client, seal(h.server, msg)).data,
        msg,
        `s->c ${n}`,
      );
    }
    close(h.client, h.server);
  },
);

chachaTest(
  "the server prefers AES-GCM; ChaCha20 when it is all the client offers or the server allows",
  () => {
    const cases: [
      (string | number)[] | undefined,
      (string | number)[] | undefined,
      number,
    ][] = [
      [undefined, undefined, 0x660e], // both default: AES-128-GCM
      [[CHACHA, "TLS_AES_256_GCM_SHA384"], undefined, 0x6610], // AES before ChaCha20
      [[CHACHA], undefined, 0], // the client's only suite
      [undefined, [CHACHA], 0], // the server's only suite
    ];
    for (const [client, server, alg] of cases) {
      const { cc, sc } = creds(client, server);
      const h = handshake(cc, sc);
      assert.equal(connInfo(h.client).aiCipher, alg, `${client} / ${server}`);
      assert.equal(connInfo(h.server).aiCipher, alg);
      const m = enc.encode("ping");
      assert.deepEqual(unseal(h.server, seal(h.client, m)).data, m);
      close(h.client, h.server);
    }
  },
);

chachaTest(
  "no common suite: SEC_E_ALGORITHM_MISMATCH; unknown suite names refused",
  () => {
    const { cc, sc } = creds([CHACHA], ["TLS_AES_128_GCM_SHA256"]);
    assert.throws(
      () => handshake(cc, sc),
      (e) =>
        e instanceof HandshakeError && e.side === "server" &&
        e.status === SEC_E_ALGORITHM_MISMATCH,
    );
    assert.throws(() => acquire("client", { CipherSuites: ["TLS_RC4"] }));
    assert.throws(() => acquire("client", { CipherSuites: [0x1304] }));
    assert.throws(() => acquire("client", { CipherSuites: [] }));
  },
);

chachaTest(
  "tampered, truncated, replayed ChaCha20 records: SEC_E_DECRYPT_FAILURE, nothing thrown, stream intact",
  () => {
    const { cc, sc } = creds([CHACHA], [CHACHA]);
    const h = handshake(cc, sc);
    const msg = enc.encode("a ChaCha20-Poly1305 record under attack");
    const rec = seal(h.client, msg);
    // Every byte of the body and tag, one bit at a time (a few bits per byte).
    for (let i = 5; i < rec.length; i++) {
      for (const bit of [0, 3, 7]) {
        const bad = rec.slice();
        bad[i] ^= 1 << bit;
        const u = unseal(h.server, bad);
        assert.equal(u.status, SEC_E_DECRYPT_FAILURE, `byte ${i} bit ${bit}`);
      }
    }
    // A shorter or longer length in the header (the AAD) fails too.
    const shorter = rec.slice(0, rec.length - 1);
    shorter[4] -= 1;
    assert.equal(unseal(h.server, shorter).status, SEC_E_DECRYPT_FAILURE);
    // The untouched record still opens: failures changed no state.
    assert.equal(
      dec.decode(unseal(h.server, rec.slice()).data!),
      dec.decode(msg),
    );
    // Replayed: the sequence number is in the nonce.
    assert.equal(unseal(h.server, rec.slice()).status, SEC_E_DECRYPT_FAILURE);
    const next = seal(h.client, enc.encode("next"));
    assert.equal(dec.decode(unseal(h.server, next).data!), "next");
    close(h.client, h.server);
  },
);

chachaTest("resumption keeps ChaCha20 (PSK with the suite's SHA-256)", () => {
  const { cc, sc } = creds([CHACHA], undefined);
  const full = handshake(cc, sc);
  close(full.client, full.server);
  const again = handshake(cc, sc);
  const info: { value?: { dwFlags: number } } = {};
  assert.equal(
    QueryContextAttributes(again.client, SECPKG_ATTR_SESSION_INFO, info),
    SEC_E_OK,
  );
  assert.equal(info.value!.dwFlags & 1, 1, "SSL_SESSION_RECONNECT");
  assert.equal(connInfo(again.server).aiCipher, 0);
  const m = enc.encode("resumed over ChaCha20");
  assert.deepEqual(unseal(again.client, seal(again.server, m)).data, m);
  close(again.client, again.server);
});

chachaTest(
  "our client -> openssl s_server -ciphersuites TLS_CHACHA20_POLY1305_SHA256",
  async () => {
    const p = pki!;
    await withSServer([
      "-cert",
      p.rsaServer.certPath,
      "-key",
      p.rsaServer.keyPath,
      "-tls1_3",
      "-ciphersuites",
      CHACHA,
      "-www",
      "-naccept",
      "1",
    ], async (port) => {
      const conn = await connectWhenUp(port);
      // Default credential: ChaCha20 is offered after AES-GCM, and the server has only it.
      const cred = acquire("client", { RootCertificates: p.rsaCa.cert });
      const tls = await SchannelStream.connect(conn, cred, "localhost");
      const page = await tls.getWwwPage();
      assert.match(page, /^HTTP\/1\.0 200 ok/);
      assert.match(page, /Protocol\s*: TLSv1\.3/);
      assert.match(page, new RegExp(`Cipher\\s*: ${CHACHA}`));
      assert.equal(connInfo(tls.context).aiCipher, 0);
      tls.close();
    });
  },
);

chachaTest(
  "openssl s_client -ciphersuites TLS_CHACHA20_POLY1305_SHA256 -> our server",
  async () => {
    const p = pki!;
    const cred = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
    });
    const line = "hello over chacha20 " + "x".repeat(3000) + "\n";
    const { read, out } = await sClientEcho(cred, [
      "-servername",
      "localhost",
      "-CAfile",
      p.ecCa.certPath,
      "-verify_return_error",
      "-tls1_3",
      "-ciphersuites",
      CHACHA,
    ], line);
    assert.equal(read, line);
    assert.match(out, new RegExp(`Cipher is ${CHACHA}`));
    assert.ok(out.includes(line.toUpperCase().trim()), "echo came back");
  },
);

const TLS12_ONLY = 0x800 | 0x400;

for (const kind of ["rsa", "ec"] as const) {
  chachaTest(
    `TLS 1.2 ECDHE-${
      kind === "rsa" ? "RSA" : "ECDSA"
    }-CHACHA20-POLY1305: our client and server, data, tampering, resumption`,
    () => {
      const p = pki!;
      const srv = kind === "rsa" ? p.rsaServer : p.ecServer;
      const ca = kind === "rsa" ? p.rsaCa : p.ecCa;
      const id = kind === "rsa" ? 0xcca8 : 0xcca9;
      const cc = acquire("client", {
        RootCertificates: ca.cert,
        grbitEnabledProtocols: TLS12_ONLY,
        CipherSuites: [
          `TLS_ECDHE_${
            kind === "rsa" ? "RSA" : "ECDSA"
          }_WITH_CHACHA20_POLY1305_SHA256`,
        ],
      });
      const sc = acquire("server", {
        Certificate: srv.cert,
        PrivateKey: srv.key,
        CipherSuites: [id, "TLS_AES_128_GCM_SHA256"],
      });
      for (const round of ["full", "resumed"]) {
        const h = handshake(cc, sc);
        const info = connInfo(h.client);
        assert.equal(info.dwProtocol, 0x800);
        assert.equal(info.aiCipher, 0);
        assert.equal(info.dwCipherStrength, 256);
        assert.equal(connInfo(h.server).aiCipher, 0);
        const si: { value?: { dwFlags: number } } = {};
        QueryContextAttributes(h.server, SECPKG_ATTR_SESSION_INFO, si);
        assert.equal(si.value!.dwFlags & 1, round === "resumed" ? 1 : 0, round);
        const sizes: { value?: Record<string, number> } = {};
        QueryContextAttributes(h.client, SECPKG_ATTR_STREAM_SIZES, sizes);
        assert.deepEqual([sizes.value!.cbHeader, sizes.value!.cbTrailer], [
          5,
          16,
        ]);
        for (const n of [0, 1, 64, 1000, 16384]) {
          const msg = new Uint8Array(n).map((_, i) => (i * 3 + n) & 255);
          const rec = seal(h.client, msg);
          assert.equal(rec.length, 5 + n + 16, "no explicit nonce");
          assert.deepEqual(unseal(h.server, rec).data, msg);
          assert.deepEqual(unseal(h.client, seal(h.server, msg)).data, msg);
        }
        const rec = seal(h.client, enc.encode("tamper"));
        for (let i = 0; i < rec.length; i++) {
          const bad = rec.slice();
          bad[i] ^= 0x10;
          const st = unseal(h.server, bad).status;
          assert.notEqual(st, SEC_E_OK, `byte ${i}`);
          // Header bytes may fail framing first (record type, version, length).
          if (i >= 5) assert.equal(st, SEC_E_DECRYPT_FAILURE, `byte ${i}`);
        }
        assert.equal(dec.decode(unseal(h.server, rec).data!), "tamper");
        assert.equal(
          unseal(h.server, rec.slice()).status,
          SEC_E_DECRYPT_FAILURE,
        );
        close(h.client, h.server);
      }
    },
  );
}

chachaTest(
  "TLS 1.2: our client -> openssl s_server -cipher ECDHE-RSA-CHACHA20-POLY1305",
  async () => {
    const p = pki!;
    await withSServer([
      "-cert",
      p.rsaServer.certPath,
      "-key",
      p.rsaServer.keyPath,
      "-tls1_2",
      "-cipher",
      "ECDHE-RSA-CHACHA20-POLY1305",
      "-www",
      "-naccept",
      "1",
    ], async (port) => {
      const conn = await connectWhenUp(port);
      const cred = acquire("client", { RootCertificates: p.rsaCa.cert });
      const tls = await SchannelStream.connect(conn, cred, "localhost");
      const page = await tls.getWwwPage();
      assert.match(page, /Protocol\s*: TLSv1\.2/);
      assert.match(page, /Cipher\s*: ECDHE-RSA-CHACHA20-POLY1305/);
      assert.equal(connInfo(tls.context).aiCipher, 0);
      tls.close();
    });
  },
);

chachaTest(
  "TLS 1.2: openssl s_client -cipher ECDHE-ECDSA-CHACHA20-POLY1305 -> our server",
  async () => {
    const p = pki!;
    const cred = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
    });
    const line = "tls 1.2 chacha " + "y".repeat(20000) + "\n";
    const { read, out } = await sClientEcho(cred, [
      "-servername",
      "localhost",
      "-CAfile",
      p.ecCa.certPath,
      "-verify_return_error",
      "-tls1_2",
      "-cipher",
      "ECDHE-ECDSA-CHACHA20-POLY1305",
    ], line);
    assert.equal(read, line);
    assert.match(out, /Cipher is ECDHE-ECDSA-CHACHA20-POLY1305/);
    assert.ok(out.includes(line.toUpperCase().trim()), "echo came back");
  },
);
