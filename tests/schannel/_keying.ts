/**
 * Shared pieces of the Schannel keying material tests: the test PKI, handshakes
 * between our client and server, and the attribute queries (RFC 5705 / RFC 8446 7.5
 * exporters, tls-unique, key info).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  CtxtHandle,
  QueryContextAttributes,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_KEYING_MATERIAL,
  type SecPkgContext_KeyingMaterial,
  type SecPkgContext_KeyingMaterialInfo,
} from "../../mod.ts";
import { testPki } from "./_pki.ts";
import { acquire, asc, deliver, isc } from "./_tls.ts";

export const pki = await testPki();
export const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export const TLS12_ONLY = 0x800 | 0x400; // SP_PROT_TLS1_2_CLIENT | _SERVER

export function info(
  label: string,
  length: number,
  context: Uint8Array | null = null,
): SecPkgContext_KeyingMaterialInfo {
  return {
    cbLabel: label.length + 1,
    pszLabel: label,
    cbContextValue: context?.length ?? 0,
    pbContextValue: context,
    cbKeyingMaterial: length,
  };
}

export function material(ctx: CtxtHandle): Uint8Array {
  const out: { value?: SecPkgContext_KeyingMaterial } = {};
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL, out),
    SEC_E_OK,
  );
  assert.equal(out.value!.cbKeyingMaterial, out.value!.pbKeyingMaterial.length);
  return out.value!.pbKeyingMaterial;
}

export function status(ctx: CtxtHandle, attribute: number): number {
  return QueryContextAttributes(ctx, attribute, {});
}

/**
 * An in-memory handshake that calls `hook(side, ctx)` after each side's first
 * call (when the handle exists: where an application sets the request).
 */
export function handshakeWith(
  clientCred: CredHandle,
  serverCred: CredHandle,
  hook: (side: "client" | "server", ctx: CtxtHandle) => void,
): { client: CtxtHandle; server: CtxtHandle } {
  const client = new CtxtHandle();
  const server = new CtxtHandle();
  let c = isc(clientCred, client, true, "localhost", null);
  hook("client", client);
  let first = true;
  let serverDone = false;
  for (;;) {
    assert.ok(
      c.status === SEC_E_OK || c.status === SEC_I_CONTINUE_NEEDED,
      `client 0x${c.status.toString(16)}`,
    );
    if (!c.token) {
      assert.ok(c.status === SEC_E_OK && serverDone, "client stalled");
      return { client, server };
    }
    const s = asc(serverCred, server, first, c.token);
    if (first) hook("server", server);
    first = false;
    assert.ok(
      s.status === SEC_E_OK || s.status === SEC_I_CONTINUE_NEEDED,
      `server 0x${s.status.toString(16)}`,
    );
    serverDone = s.status === SEC_E_OK;
    if (c.status === SEC_E_OK) {
      assert.ok(serverDone);
      if (s.token) deliver(client, s.token);
      return { client, server };
    }
    assert.ok(s.token, "server stalled");
    c = isc(clientCred, client, false, "localhost", s.token);
  }
}

export function creds(tls12: boolean, ec = false) {
  const p = pki!;
  const client = acquire("client", {
    RootCertificates: ec ? p.ecCa.cert : p.rsaCa.cert,
    grbitEnabledProtocols: tls12 ? TLS12_ONLY : 0,
  });
  const server = acquire("server", {
    Certificate: ec ? p.ecServer.cert : p.rsaServer.cert,
    PrivateKey: ec ? p.ecServer.key : p.rsaServer.key,
    grbitEnabledProtocols: tls12 ? TLS12_ONLY : 0,
  });
  return { client, server };
}

export function kmTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({
    name: `schannel keying material: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}
