/**
 * SECPKG_ATTR_CIPHER_INFO (SecPkgContext_CipherInfo) on our client and server, for
 * every suite the package speaks (TLS 1.3 AES-128-GCM, AES-256-GCM, ChaCha20;
 * TLS 1.2 ECDHE-RSA/ECDSA with AES-128/256-GCM and ChaCha20), on full and resumed
 * handshakes, and before the handshake completes.
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  QueryContextAttributes,
  SEC_E_INVALID_HANDLE,
  SEC_E_OK,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_CONNECTION_INFO,
  type SecPkgContext_CipherInfo,
} from "../../mod.ts";
import { testPki } from "./_pki.ts";
import { acquire, handshake, isc } from "./_tls.ts";
import { sessionInfo } from "./_resume.ts";

const pki = await testPki();
const TLS13 = { client: 0x2000, server: 0x1000 };
const TLS12 = { client: 0x800, server: 0x400 };

function cipherTest(name: string, fn: () => void): void {
  Deno.test({
    name: `schannel CIPHER_INFO: ${name}`,
    ignore: pki === null,
    fn,
  });
}

function cipherInfo(h: CtxtHandle): SecPkgContext_CipherInfo {
  const out: { value?: SecPkgContext_CipherInfo } = {};
  assert.equal(
    QueryContextAttributes(h, SECPKG_ATTR_CIPHER_INFO, out),
    SEC_E_OK,
  );
  return out.value!;
}

interface Case {
  suite: string;
  id: number;
  tls12: boolean;
  ec: boolean;
  cipher: string;
  bits: number;
  block: number;
  hash: string;
  hashBits: number;
}

function c(
  suite: string,
  id: number,
  tls12: boolean,
  ec: boolean,
): Case {
  const chacha = suite.includes("CHACHA20");
  const sha384 = suite.endsWith("SHA384");
  return {
    suite,
    id,
    tls12,
    ec,
    cipher: chacha ? "CHACHA20_POLY1305" : "AES",
    bits: chacha || suite.includes("AES_256") ? 256 : 128,
    block: chacha ? 1 : 16,
    hash: sha384 ? "SHA384" : "SHA256",
    hashBits: sha384 ? 384 : 256,
  };
}

const CASES: Case[] = [
  c("TLS_AES_128_GCM_SHA256", 0x1301, false, false),
  c("TLS_AES_256_GCM_SHA384", 0x1302, false, false),
  c("TLS_CHACHA20_POLY1305_SHA256", 0x1303, false, false),
  c("TLS_AES_128_GCM_SHA256", 0x1301, false, true),
  c("TLS_AES_256_GCM_SHA384", 0x1302, false, true),
  c("TLS_CHACHA20_POLY1305_SHA256", 0x1303, false, true),
  c("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f, true, false),
  c("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030, true, false),
  c("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca8, true, false),
  c("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b, true, true),
  c("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, true, true),
  c("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca9, true, true),
];

function credsFor(k: Case): { cc: CredHandle; sc: CredHandle } {
  const p = pki!;
  const prot = k.tls12 ? TLS12 : TLS13;
  return {
    cc: acquire("client", {
      RootCertificates: k.ec ? p.ecCa.cert : p.rsaCa.cert,
      grbitEnabledProtocols: prot.client,
      CipherSuites: [k.suite],
    }),
    sc: acquire("server", {
      Certificate: k.ec ? p.ecServer.cert : p.rsaServer.cert,
      PrivateKey: k.ec ? p.ecServer.key : p.rsaServer.key,
      grbitEnabledProtocols: prot.server,
      CipherSuites: [k.id],
    }),
  };
}

function check(k: Case, h: CtxtHandle, side: "client" | "server"): void {
  const prot = k.tls12 ? TLS12 : TLS13;
  const info = cipherInfo(h);
  const what = `${k.suite} (${k.ec ? "ECDSA" : "RSA"}) ${side}`;
  assert.deepEqual(info, {
    dwVersion: 1,
    dwProtocol: prot[side],
    dwCipherSuite: k.id,
    dwBaseCipherSuite: k.id,
    szCipherSuite: k.suite,
    szCipher: k.cipher,
    dwCipherLen: k.bits,
    dwCipherBlockLen: k.block,
    szHash: k.hash,
    dwHashLen: k.hashBits,
    szExchange: "ECDH",
    dwMinExchangeLen: 255,
    dwMaxExchangeLen: 255,
    szCertificate: k.ec ? "ECDSA" : "RSA",
    dwKeyType: 0,
  }, what);
  // Consistent with SECPKG_ATTR_CONNECTION_INFO.
  const conn: { value?: Record<string, number> } = {};
  assert.equal(
    QueryContextAttributes(h, SECPKG_ATTR_CONNECTION_INFO, conn),
    SEC_E_OK,
  );
  assert.equal(conn.value!.dwProtocol, info.dwProtocol, what);
  assert.equal(conn.value!.dwCipherStrength, info.dwCipherLen, what);
  assert.equal(conn.value!.dwExchStrength, info.dwMaxExchangeLen, what);
}

for (const k of CASES) {
  cipherTest(
    `${k.suite} with ${
      k.ec ? "ECDSA" : "RSA"
    }: both sides, full and resumed handshakes`,
    () => {
      const { cc, sc } = credsFor(k);
      const full = handshake(cc, sc);
      assert.equal(sessionInfo(full.client).reconnect, false);
      check(k, full.client, "client");
      check(k, full.server, "server");
      const again = handshake(cc, sc);
      assert.equal(sessionInfo(again.client).reconnect, true, k.suite);
      assert.equal(sessionInfo(again.server).reconnect, true, k.suite);
      check(k, again.client, "client");
      check(k, again.server, "server");
      for (const h of [full.client, full.server, again.client, again.server]) {
        DeleteSecurityContext(h);
      }
    },
  );
}

cipherTest("before the handshake completes: SEC_E_INVALID_HANDLE", () => {
  const k = CASES[0];
  const { cc } = credsFor(k);
  const client = new CtxtHandle();
  isc(cc, client, true, "localhost", null);
  const out: { value?: unknown } = {};
  assert.equal(
    QueryContextAttributes(client, SECPKG_ATTR_CIPHER_INFO, out),
    SEC_E_INVALID_HANDLE,
  );
  assert.equal(out.value, undefined);
  DeleteSecurityContext(client);
});
