/**
 * Schannel's post-handshake attributes: keying material export
 * (`SetContextAttributes(SECPKG_ATTR_KEYING_MATERIAL_INFO)` then
 * `QueryContextAttributes(SECPKG_ATTR_KEYING_MATERIAL)`, RFC 5705 / RFC 8446 7.5),
 * `SECPKG_ATTR_UNIQUE_BINDINGS` (tls-unique) and `SECPKG_ATTR_KEY_INFO`, between
 * our own client and server (TLS 1.3 and 1.2, full and resumed handshakes). Against
 * OpenSSL: `keying_material_openssl_test.ts`.
 */
import assert from "node:assert/strict";
import {
  CALG_AES_128,
  CALG_AES_256,
  CALG_ECDSA,
  CALG_RSA_SIGN,
  type CtxtHandle,
  DeleteSecurityContext,
  QueryContextAttributes,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SECPKG_ATTR_KEY_INFO,
  SECPKG_ATTR_KEYING_MATERIAL,
  SECPKG_ATTR_KEYING_MATERIAL_INFO,
  SECPKG_ATTR_SESSION_INFO,
  SECPKG_ATTR_UNIQUE_BINDINGS,
  type SecPkgContext_KeyInfo,
  SetContextAttributes,
  SSL_SESSION_RECONNECT,
} from "../../mod.ts";
import {
  creds,
  handshakeWith,
  hex,
  info,
  kmTest,
  material,
  status,
} from "./_keying.ts";

for (const tls12 of [false, true]) {
  const v = tls12 ? "TLS 1.2" : "TLS 1.3";
  kmTest(`${v}: client and server export the same bytes`, () => {
    const { client: cc, server: sc } = creds(tls12);
    const ctxValue = new TextEncoder().encode("context value");
    for (const context of [null, ctxValue, new Uint8Array(0)]) {
      const req = info("EXPORTER-Channel-Binding", 32, context);
      const { client, server } = handshakeWith(cc, sc, (_side, ctx) => {
        assert.equal(
          SetContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL_INFO, req, 40),
          SEC_E_OK,
        );
        // Not before the handshake completes.
        assert.equal(
          status(ctx, SECPKG_ATTR_KEYING_MATERIAL),
          SEC_E_INVALID_HANDLE,
        );
      });
      const a = material(client);
      assert.equal(a.length, 32);
      assert.deepEqual(a, material(server));
      // A second request (another label, context, length) after the handshake.
      for (const ctx of [client, server]) {
        assert.equal(
          SetContextAttributes(
            ctx,
            SECPKG_ATTR_KEYING_MATERIAL_INFO,
            info("EXPERIMENTAL-other", 100, ctxValue),
          ),
          SEC_E_OK,
        );
      }
      const b = material(client);
      assert.equal(b.length, 100);
      assert.deepEqual(b, material(server));
      assert.notDeepEqual(b.subarray(0, 32), a);
      DeleteSecurityContext(client);
      DeleteSecurityContext(server);
    }
  });

  kmTest(
    `${v}: a context value changes the output; an empty one is none`,
    () => {
      const { client: cc, server: sc } = creds(tls12);
      const out: Uint8Array[] = [];
      const { client, server } = handshakeWith(cc, sc, (_s, ctx) => {
        SetContextAttributes(
          ctx,
          SECPKG_ATTR_KEYING_MATERIAL_INFO,
          info("EXPERIMENTAL-a", 16),
        );
      });
      for (const context of [null, new Uint8Array(0), Uint8Array.of(1, 2, 3)]) {
        SetContextAttributes(
          client,
          SECPKG_ATTR_KEYING_MATERIAL_INFO,
          info("EXPERIMENTAL-a", 16, context),
        );
        out.push(material(client));
      }
      // cbContextValue 0 is "no context" (pbContextValue must then be NULL):
      // the structure cannot ask for RFC 5705's empty context, which differs.
      assert.equal(hex(out[0]), hex(out[1]));
      assert.notEqual(hex(out[2]), hex(out[1]));
      DeleteSecurityContext(client);
      DeleteSecurityContext(server);
    },
  );

  kmTest(`${v}: resumed handshakes export fresh material`, () => {
    const { client: cc, server: sc } = creds(tls12);
    const req = info("EXPORTER-Channel-Binding", 32);
    const set = (_s: string, ctx: CtxtHandle) =>
      assert.equal(
        SetContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL_INFO, req),
        SEC_E_OK,
      );
    const first = handshakeWith(cc, sc, set);
    const m1 = material(first.client);
    assert.deepEqual(m1, material(first.server));
    const second = handshakeWith(cc, sc, set);
    const si: { value?: { dwFlags: number } } = {};
    QueryContextAttributes(second.client, SECPKG_ATTR_SESSION_INFO, si);
    assert.equal(si.value!.dwFlags, SSL_SESSION_RECONNECT);
    const m2 = material(second.client);
    assert.deepEqual(m2, material(second.server));
    assert.notDeepEqual(m2, m1);
    for (const c of [first, second]) {
      DeleteSecurityContext(c.client);
      DeleteSecurityContext(c.server);
    }
  });

  kmTest(`${v}: tls-unique and key info`, () => {
    for (const ec of [false, true]) {
      const { client: cc, server: sc } = creds(tls12, ec);
      const { client, server } = handshakeWith(cc, sc, () => {});
      for (const ctx of [client, server]) {
        const b: { value?: { BindingsLength: number; Bindings: Uint8Array } } =
          {};
        const st = QueryContextAttributes(ctx, SECPKG_ATTR_UNIQUE_BINDINGS, b);
        if (!tls12) assert.equal(st, SEC_E_UNSUPPORTED_FUNCTION);
        else {
          assert.equal(st, SEC_E_OK);
          const data = new TextDecoder("latin1").decode(
            b.value!.Bindings.subarray(32),
          );
          assert.ok(data.startsWith("tls-unique:"));
          assert.equal(b.value!.BindingsLength, 32 + 11 + 12);
        }
        const k: { value?: SecPkgContext_KeyInfo } = {};
        assert.equal(QueryContextAttributes(ctx, SECPKG_ATTR_KEY_INFO, k), 0);
        assert.equal(k.value!.sSignatureAlgorithmName, ec ? "ECDSA" : "RSA");
        assert.equal(
          k.value!.SignatureAlgorithm,
          ec ? CALG_ECDSA : CALG_RSA_SIGN,
        );
        assert.equal(k.value!.sEncryptAlgorithmName, "AES");
        assert.ok([128, 256].includes(k.value!.KeySize));
        assert.equal(
          k.value!.EncryptAlgorithm,
          k.value!.KeySize === 256 ? CALG_AES_256 : CALG_AES_128,
        );
      }
      if (tls12) {
        const a: { value?: { Bindings: Uint8Array } } = {};
        const b: { value?: { Bindings: Uint8Array } } = {};
        QueryContextAttributes(client, SECPKG_ATTR_UNIQUE_BINDINGS, a);
        QueryContextAttributes(server, SECPKG_ATTR_UNIQUE_BINDINGS, b);
        assert.deepEqual(a.value!.Bindings, b.value!.Bindings);
      }
      DeleteSecurityContext(client);
      DeleteSecurityContext(server);
    }
  });
}

kmTest("misuse: status codes", () => {
  const { client: cc, server: sc } = creds(false);
  const bad: unknown[] = [
    info("", 32),
    info("EXPORTER-x", 0),
    info("EXPORTER-x", 0x10000),
    info("key expansion", 32),
    info("EXPORTÉ", 32),
    { ...info("EXPORTER-x", 32), cbLabel: 3 },
    { ...info("EXPORTER-x", 32), pbContextValue: "no" },
  ];
  const { client, server } = handshakeWith(cc, sc, (side, ctx) => {
    if (side === "server") return; // the server never asks
    for (const b of bad) {
      assert.equal(
        SetContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL_INFO, b),
        SEC_E_INVALID_PARAMETER,
      );
    }
    assert.equal(
      SetContextAttributes(ctx, 0x6c, info("EXPORTER-x", 32)),
      SEC_E_UNSUPPORTED_FUNCTION,
    );
    // Never set: nothing to query later.
  });
  assert.equal(
    status(client, SECPKG_ATTR_KEYING_MATERIAL),
    SEC_E_INVALID_PARAMETER,
  );
  // Too late: the secret was not kept.
  assert.equal(
    SetContextAttributes(
      server,
      SECPKG_ATTR_KEYING_MATERIAL_INFO,
      info("EXPORTER-x", 32),
    ),
    SEC_E_UNSUPPORTED_FUNCTION,
  );
  DeleteSecurityContext(client);
  DeleteSecurityContext(server);
  // A deleted context.
  assert.equal(
    SetContextAttributes(
      client,
      SECPKG_ATTR_KEYING_MATERIAL_INFO,
      info("EXPORTER-x", 32),
    ),
    SEC_E_INVALID_HANDLE,
  );
  // TLS 1.3 with SHA-256: at most 255 * 32 bytes.
  const r = handshakeWith(cc, sc, (_s, ctx) => {
    SetContextAttributes(
      ctx,
      SECPKG_ATTR_KEYING_MATERIAL_INFO,
      info("EXPORTER-x", 255 * 32 + 1),
    );
  });
  assert.equal(
    status(r.client, SECPKG_ATTR_KEYING_MATERIAL),
    SEC_E_INVALID_PARAMETER,
  );
  SetContextAttributes(
    r.client,
    SECPKG_ATTR_KEYING_MATERIAL_INFO,
    info("EXPORTER-x", 255 * 32),
  );
  assert.equal(material(r.client).length, 255 * 32);
  // Other packages set nothing.
  DeleteSecurityContext(r.client);
  DeleteSecurityContext(r.server);
});

kmTest("no secret in inspect output", () => {
  const { client: cc, server: sc } = creds(false);
  const { client, server } = handshakeWith(cc, sc, (_s, ctx) => {
    SetContextAttributes(
      ctx,
      SECPKG_ATTR_KEYING_MATERIAL_INFO,
      info("EXPORTER-x", 32),
    );
  });
  const m = hex(material(client));
  assert.ok(!Deno.inspect(client, { depth: 10 }).includes(m));
  DeleteSecurityContext(client);
  DeleteSecurityContext(server);
});
