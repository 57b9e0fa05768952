/**
 * The portable function table (`InitSecurityInterface()`): every function of
 * `src/sspi/api.ts` is in it as itself, and `SetContextAttributes` through it exports
 * Schannel keying material from an in-memory client/server pair (both ends agree, and
 * agree with the functions called directly).
 */
import assert from "node:assert/strict";
import * as api from "../../src/sspi/api.ts";
import { InitSecurityInterface } from "../../src/provider.ts";
import {
  type CredHandle,
  CtxtHandle,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_KEYING_MATERIAL,
  SECPKG_ATTR_KEYING_MATERIAL_INFO,
  type SecPkgContext_KeyingMaterial,
  type SecPkgContext_KeyingMaterialInfo,
  SetContextAttributes,
} from "../../mod.ts";
import { testPki } from "../schannel/_pki.ts";
import { acquire, asc, deliver, isc } from "../schannel/_tls.ts";

const sspi = InitSecurityInterface();

Deno.test("portable table: every api.ts function, SetContextAttributes included", () => {
  assert.equal(sspi.provider, "portable");
  assert.ok(Object.isFrozen(sspi));
  const table = sspi as unknown as Record<string, unknown>;
  // The SSPI functions (api.ts re-exports the handle classes too).
  const fns = Object.entries(api).filter(([, f]) =>
    typeof f === "function" && !/^class\b/.test(String(f))
  );
  assert.equal(fns.length, 23);
  for (const [name, f] of fns) assert.equal(table[name], f, name);
  assert.equal(sspi.SetContextAttributes, SetContextAttributes);
});

const pki = await testPki();

/** A handshake that sets `req` on each side right after its first call. */
function pairWith(
  cc: CredHandle,
  sc: CredHandle,
  req: SecPkgContext_KeyingMaterialInfo,
): { client: CtxtHandle; server: CtxtHandle } {
  const client = new CtxtHandle(), server = new CtxtHandle();
  const set = (ctx: CtxtHandle) =>
    assert.equal(
      sspi.SetContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL_INFO, req, 40),
      SEC_E_OK,
    );
  let c = isc(cc, client, true, "localhost", null);
  set(client);
  let first = true;
  for (let legs = 0; legs < 8; legs++) {
    assert.ok(c.status === SEC_E_OK || c.status === SEC_I_CONTINUE_NEEDED);
    const s = asc(sc, server, first, c.token!);
    if (first) set(server);
    first = false;
    assert.ok(s.status === SEC_E_OK || s.status === SEC_I_CONTINUE_NEEDED);
    if (c.status === SEC_E_OK) {
      if (s.token) deliver(client, s.token); // TLS 1.3's NewSessionTicket
      return { client, server };
    }
    c = isc(cc, client, false, "localhost", s.token);
    if (c.status === SEC_E_OK && !c.token) return { client, server };
  }
  throw new Error("handshake did not finish");
}

function material(
  query: typeof api.QueryContextAttributes,
  ctx: CtxtHandle,
): Uint8Array {
  const out: { value?: SecPkgContext_KeyingMaterial } = {};
  assert.equal(query(ctx, SECPKG_ATTR_KEYING_MATERIAL, out), SEC_E_OK);
  assert.equal(out.value!.cbKeyingMaterial, out.value!.pbKeyingMaterial.length);
  return out.value!.pbKeyingMaterial;
}

for (const tls12 of [false, true]) {
  Deno.test({
    name:
      `portable table: Schannel keying material through SetContextAttributes (TLS 1.${
        tls12 ? 2 : 3
      })`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn() {
      const p = pki!;
      const protocols = tls12 ? 0x800 | 0x400 : 0;
      const cc = acquire("client", {
        RootCertificates: p.rsaCa.cert,
        grbitEnabledProtocols: protocols,
      });
      const sc = acquire("server", {
        Certificate: p.rsaServer.cert,
        PrivateKey: p.rsaServer.key,
        grbitEnabledProtocols: protocols,
      });
      const label = "EXPORTER-Channel-Binding";
      const req = {
        cbLabel: label.length + 1,
        pszLabel: label,
        cbContextValue: 0,
        pbContextValue: null,
        cbKeyingMaterial: 32,
      };
      const { client, server } = pairWith(cc, sc, req);
      const a = material(sspi.QueryContextAttributes, client);
      assert.equal(a.length, 32);
      assert.deepEqual(material(sspi.QueryContextAttributes, server), a);
      assert.deepEqual(material(api.QueryContextAttributes, client), a);
      // Another request on the established context, through the table.
      const ctxValue = new TextEncoder().encode("context");
      const again = {
        ...req,
        cbContextValue: ctxValue.length,
        pbContextValue: ctxValue,
        cbKeyingMaterial: 48,
      };
      for (const ctx of [client, server]) {
        assert.equal(
          sspi.SetContextAttributes(
            ctx,
            SECPKG_ATTR_KEYING_MATERIAL_INFO,
            again,
          ),
          SEC_E_OK,
        );
      }
      const b = material(sspi.QueryContextAttributes, client);
      assert.equal(b.length, 48);
      assert.deepEqual(material(sspi.QueryContextAttributes, server), b);
      assert.notDeepEqual(b.subarray(0, 32), a);
      // An attribute Schannel does not set.
      assert.equal(
        sspi.SetContextAttributes(client, 0x6c, req),
        SEC_E_UNSUPPORTED_FUNCTION,
      );
      for (const ctx of [client, server]) {
        assert.equal(sspi.DeleteSecurityContext(ctx), SEC_E_OK);
      }
      assert.equal(sspi.FreeCredentialsHandle(cc), SEC_E_OK);
      assert.equal(sspi.FreeCredentialsHandle(sc), SEC_E_OK);
    },
  });
}
