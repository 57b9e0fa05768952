/**
 * secp384r1 (P-384) ECDHE against OpenSSL, both ways: `openssl s_server` and
 * `openssl s_client` limited to `-groups P-384` (TLS 1.3 through a
 * HelloRetryRequest, and TLS 1.2), OpenSSL reporting the group it used ("Shared
 * groups: secp384r1", "Server Temp Key: ECDH, secp384r1, 384 bits") and our
 * `dwExchStrength` 384; and the in-memory libssl peer (`openssl_ffi.ts`) limited
 * to P-384 with `SSL_CTX_set1_groups_list`, `SSL_get_negotiated_group` answering
 * secp384r1.
 */
import assert from "node:assert/strict";
import {
  type CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  QueryContextAttributes,
  SEC_E_OK,
  SECPKG_ATTR_CONNECTION_INFO,
} from "../../mod.ts";
import {
  NID_SECP384R1,
  OpensslContext,
  OpensslEndpoint,
  opensslFfiTest,
} from "../peers/openssl_ffi.ts";
import { testPki } from "./_pki.ts";
import { acquire } from "./_tls.ts";
import { connectWhenUp, SchannelStream } from "./_socket.ts";
import { sClientEcho, withSServer } from "./_openssl.ts";
import { ourClientHandshake, ourServerHandshake } from "./_ffi_session.ts";

const pki = await testPki();

function exchBits(ctx: CtxtHandle): number {
  const out: { value?: { dwExchStrength: number } } = {};
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_CONNECTION_INFO, out),
    SEC_E_OK,
  );
  return out.value!.dwExchStrength;
}

function interopTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `schannel P-384 interop: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

interopTest(
  "our client (Windows' default groups) -> openssl s_server -groups P-384: TLS 1.3 (HelloRetryRequest) and 1.2",
  async () => {
    const p = pki!;
    for (const version of ["-tls1_3", "-tls1_2"]) {
      await withSServer([
        "-cert",
        p.ecServer.certPath,
        "-key",
        p.ecServer.keyPath,
        version,
        "-groups",
        "P-384",
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
        assert.equal(exchBits(tls.context), 384, version);
        const page = await tls.getWwwPage();
        assert.match(
          page,
          new RegExp(`Protocol\\s*: TLSv1\\.${version === "-tls1_3" ? 3 : 2}`),
        );
        // Our supported_groups, Windows' order, and the one OpenSSL shares with us.
        assert.match(page, /Supported groups: x25519:secp256r1:secp384r1\n/);
        assert.match(page, /Shared groups: secp384r1\n/);
        tls.close();
      });
    }
  },
);

interopTest(
  "openssl s_client -groups P-384 -> our server: TLS 1.3 (P-384 share) and 1.2, Server Temp Key secp384r1",
  async () => {
    const p = pki!;
    for (const version of ["-tls1_3", "-tls1_2"]) {
      const cred = acquire("server", {
        Certificate: p.rsaServer.cert,
        PrivateKey: p.rsaServer.key,
      });
      const line = `p384 ${version}\n`;
      const { read, out } = await sClientEcho(
        cred,
        [
          "-servername",
          "localhost",
          "-CAfile",
          p.rsaCa.certPath,
          "-verify_return_error",
          version,
          "-groups",
          "P-384",
          "-ign_eof",
        ],
        line,
      );
      assert.equal(read, line);
      assert.match(out, /Server Temp Key: ECDH, secp384r1, 384 bits/);
      assert.match(out, new RegExp(`Protocol\\s*: TLSv1\\.${version.at(-1)}`));
      FreeCredentialsHandle(cred);
    }
  },
);

opensslFfiTest(
  "schannel P-384 interop: OpenSSL FFI (libssl in memory) limited to P-384, both ways: SSL_get_negotiated_group secp384r1, 384 bits",
  () => {
    // testPki() already reported a missing openssl command (and fails under CI).
    if (!pki) return;
    const p = pki;
    // Our client (x25519 share first) into a P-384 server: a HelloRetryRequest.
    const sctx = new OpensslContext("server", {
      certFile: p.ecServer.certPath,
      keyFile: p.ecServer.keyPath,
      groups: "P-384",
    });
    const server = new OpensslEndpoint(sctx);
    const ccred = acquire("client", { RootCertificates: p.ecCa.cert });
    try {
      const { ctx } = ourClientHandshake(ccred, server);
      assert.equal(server.group(), NID_SECP384R1);
      assert.equal(exchBits(ctx), 384);
      DeleteSecurityContext(ctx);
    } finally {
      server.free();
      sctx.free();
      FreeCredentialsHandle(ccred);
    }
    // An OpenSSL client with only P-384 (its key share) into our server.
    const cctx = new OpensslContext("client", {
      caFile: p.ecCa.certPath,
      groups: "P-384",
    });
    const client = new OpensslEndpoint(cctx, "localhost");
    const scred = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
    });
    try {
      const ctx = ourServerHandshake(scred, client);
      assert.equal(client.verifyResult(), 0);
      assert.equal(client.group(), NID_SECP384R1);
      assert.equal(exchBits(ctx), 384);
      DeleteSecurityContext(ctx);
    } finally {
      client.free();
      cctx.free();
      FreeCredentialsHandle(scred);
    }
  },
);
