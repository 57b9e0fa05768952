/**
 * Helpers of the Schannel credential attribute tests
 * (`credential_attributes_test.ts`, `credential_attributes_openssl_test.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  CALG_AES_128,
  CALG_AES_256,
  CALG_DH_EPHEM,
  CALG_ECDH_EPHEM,
  CALG_ECDSA,
  CALG_RSA_KEYX,
  CALG_RSA_SIGN,
  CALG_SHA1,
  CALG_SHA_256,
  CALG_SHA_384,
  type CredHandle,
  type CtxtHandle,
  DeleteSecurityContext,
  QueryCredentialsAttributes,
  SEC_E_OK,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_CIPHER_STRENGTHS,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_SUPPORTED_ALGS,
  SECPKG_ATTR_SUPPORTED_PROTOCOLS,
  type SecPkgCred_CipherStrengths,
  type SecPkgCred_SupportedAlgs,
  type SecPkgCred_SupportedProtocols,
  SetCredentialsAttributes,
} from "../../mod.ts";
import { testPki } from "./_pki.ts";
import { acquire, handshake } from "./_tls.ts";
import { query } from "./_dhe_rsa12.ts";
import { sessionInfo } from "./_resume.ts";
import { connectWhenUp, SchannelStream } from "./_socket.ts";
import { sClientEcho, withSServer } from "./_openssl.ts";

/** The test PKI (null when openssl is missing). */
export const pki = await testPki();

/** Every ALG_ID of the suites this package speaks, in the order Query lists them. */
export const ALL_ALGS = [
  CALG_AES_128,
  CALG_AES_256,
  CALG_SHA1,
  CALG_SHA_256,
  CALG_SHA_384,
  CALG_ECDH_EPHEM,
  CALG_DH_EPHEM,
  CALG_RSA_KEYX,
  CALG_RSA_SIGN,
  CALG_ECDSA,
];

/** A Deno test of this suite (ignored without the PKI). */
export const attrTest = pkiTests("schannel credential attributes");

/**
 * A registrar of Deno tests named `<prefix>: <name>`, ignored without the test PKI
 * (peers' processes and sockets outlive single tests, so the sanitizers are off).
 */
export function pkiTests(
  prefix: string,
): (name: string, fn: () => void | Promise<void>) => void {
  return (name, fn) =>
    Deno.test({
      name: `${prefix}: ${name}`,
      ignore: pki === null,
      sanitizeResources: false,
      sanitizeOps: false,
      fn,
    });
}

/**
 * Two connections of ours to an `s_server -www` on `port` with `cred`: `check` sees
 * each page and context, the second expected to be resumed ("Reused" on the page,
 * `SSL_SESSION_RECONNECT` in our context).
 */
export async function newThenReused(
  port: number,
  cred: CredHandle,
  cipher: string,
  check: (page: string, ctx: CtxtHandle) => void,
): Promise<void> {
  for (const reused of [false, true]) {
    const tls = await SchannelStream.connect(
      await connectWhenUp(port),
      cred,
      "localhost",
    );
    const page = await tls.getWwwPage();
    // The version before the suite is the suite's first (SSLv3, TLSv1 for _SHA).
    assert.match(
      page,
      new RegExp(`${reused ? "Reused" : "New"}, \\S+, Cipher is ${cipher}\\b`),
    );
    assert.equal(sessionInfo(tls.context).reconnect, reused);
    check(page, tls.context);
    tls.close();
  }
}

/** A client credential trusting the RSA CA. */
export function clientCred(): CredHandle {
  return acquire("client", { RootCertificates: pki!.rsaCa.cert });
}

/** A server credential with the RSA (or EC) leaf. */
export function serverCred(kind: "rsa" | "ec" = "rsa"): CredHandle {
  const leaf = kind === "rsa" ? pki!.rsaServer : pki!.ecServer;
  return acquire("server", { Certificate: leaf.cert, PrivateKey: leaf.key });
}

/** One credential attribute (asserting SEC_E_OK). */
export function get<T>(cred: CredHandle, attr: number): T {
  const out: { value?: unknown } = {};
  assert.equal(QueryCredentialsAttributes(cred, attr, out), SEC_E_OK);
  return out.value as T;
}

/** All three attributes, as one value to compare. */
export function snapshot(cred: CredHandle): unknown {
  return {
    protocols: get<SecPkgCred_SupportedProtocols>(
      cred,
      SECPKG_ATTR_SUPPORTED_PROTOCOLS,
    ),
    strengths: get<SecPkgCred_CipherStrengths>(
      cred,
      SECPKG_ATTR_CIPHER_STRENGTHS,
    ),
    algs: get<SecPkgCred_SupportedAlgs>(cred, SECPKG_ATTR_SUPPORTED_ALGS),
  };
}

/** A `SecPkgCred_SupportedAlgs` of `list`. */
export function algs(list: number[]): SecPkgCred_SupportedAlgs {
  return { cSupportedAlgs: list.length, palgSupportedAlgs: list };
}

/** Sets SUPPORTED_PROTOCOLS. */
export function setProtocols(cred: CredHandle, bits: number): number {
  return SetCredentialsAttributes(cred, SECPKG_ATTR_SUPPORTED_PROTOCOLS, {
    grbitProtocol: bits,
  });
}

/** Sets CIPHER_STRENGTHS. */
export function setStrengths(
  cred: CredHandle,
  min: number,
  max: number,
): number {
  return SetCredentialsAttributes(cred, SECPKG_ATTR_CIPHER_STRENGTHS, {
    dwMinimumCipherStrength: min,
    dwMaximumCipherStrength: max,
  });
}

/** Sets SUPPORTED_ALGS. */
export function setAlgs(cred: CredHandle, list: number[]): number {
  return SetCredentialsAttributes(
    cred,
    SECPKG_ATTR_SUPPORTED_ALGS,
    algs(list),
  );
}

/** The negotiated protocol, cipher strength and suite of a context. */
export function negotiated(
  ctx: CtxtHandle,
): { protocol: number; bits: number; suite: number; exchange: string } {
  const conn = query(ctx, SECPKG_ATTR_CONNECTION_INFO);
  const cipher = query(ctx, SECPKG_ATTR_CIPHER_INFO);
  return {
    protocol: conn.dwProtocol,
    bits: conn.dwCipherStrength,
    suite: cipher.dwCipherSuite,
    exchange: cipher.szExchange,
  };
}

/** Our client's handshake with our server; the client context's negotiation. */
export function pair(
  cc: CredHandle,
  sc: CredHandle,
): ReturnType<typeof negotiated> & { reconnect: boolean } {
  const r = handshake(cc, sc);
  const out = { ...negotiated(r.client), ...sessionInfo(r.client) };
  assert.equal(negotiated(r.server).suite, out.suite);
  DeleteSecurityContext(r.client);
  DeleteSecurityContext(r.server);
  return out;
}

/** Our client's GET of s_server's `-www` page on `port`: the page and our context's negotiation. */
export async function getPage(
  port: number,
  cred: CredHandle,
): Promise<{ page: string; ours: ReturnType<typeof negotiated> }> {
  const tls = await SchannelStream.connect(
    await connectWhenUp(port),
    cred,
    "localhost",
  );
  const page = await tls.getWwwPage();
  const ours = negotiated(tls.context);
  tls.close();
  assert.match(page, /^HTTP\/1\.0 200 ok/);
  return { page, ours };
}

/** `openssl s_server -www` with the RSA leaf, serving `n` connections. */
export function sServer(
  extra: string[],
  n: number,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const p = pki!;
  return withSServer([
    "-cert",
    p.rsaServer.certPath,
    "-key",
    p.rsaServer.keyPath,
    ...extra,
    "-www",
    "-naccept",
    String(n),
  ], fn);
}

/**
 * `openssl s_client` options naming "localhost" and trusting only the CA of our
 * `cert` kind's leaf, then `extra`.
 */
export function sClientArgs(cert: "rsa" | "ec", extra: string[]): string[] {
  return [
    "-servername",
    "localhost",
    "-CAfile",
    (cert === "rsa" ? pki!.rsaCa : pki!.ecCa).certPath,
    "-verify_return_error",
    ...extra,
  ];
}

/** A line of `n` of `letters` over and over, and its newline, for echoes. */
export function echoLine(n: number, letters = "abcdefghij"): string {
  return Array.from({ length: n }, (_, i) => letters[i % letters.length])
    .join("") + "\n";
}

/** `openssl s_client <extra>` into our server with `cred`: what s_client printed. */
export async function sClient(
  cred: CredHandle,
  extra: string[],
): Promise<string> {
  const line = "attributes\n";
  const { read, out } = await sClientEcho(
    cred,
    sClientArgs("rsa", extra),
    line,
  );
  assert.equal(read, line);
  assert.ok(out.includes("ATTRIBUTES"), "the echo came back");
  return out;
}
