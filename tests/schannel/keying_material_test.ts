/**
 * Schannel's post-handshake attributes: keying material export
 * (`SetContextAttributes(SECPKG_ATTR_KEYING_MATERIAL_INFO)` then
 * `QueryContextAttributes(SECPKG_ATTR_KEYING_MATERIAL)`, RFC 5705 / RFC 8446 7.5),
 * `SECPKG_ATTR_UNIQUE_BINDINGS` (tls-unique) and `SECPKG_ATTR_KEY_INFO`, between
 * our own client and server (TLS 1.3 and 1.2, full and resumed handshakes) and
 * against `openssl s_server`/`s_client -keymatexport`.
 */
import assert from "node:assert/strict";
import {
  CALG_AES_128,
  CALG_AES_256,
  CALG_ECDSA,
  CALG_RSA_SIGN,
  type CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  QueryContextAttributes,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_KEY_INFO,
  SECPKG_ATTR_KEYING_MATERIAL,
  SECPKG_ATTR_KEYING_MATERIAL_INFO,
  SECPKG_ATTR_SESSION_INFO,
  SECPKG_ATTR_UNIQUE_BINDINGS,
  type SecPkgContext_KeyInfo,
  type SecPkgContext_KeyingMaterial,
  type SecPkgContext_KeyingMaterialInfo,
  SetContextAttributes,
  SSL_SESSION_RECONNECT,
} from "../../mod.ts";
import { testPki } from "./_pki.ts";
import { acquire, asc, deliver, isc } from "./_tls.ts";
import { connectWhenUp } from "./_socket.ts";
import { PEER_TIMEOUT_MS, spawnSServer, within } from "./_openssl.ts";
import {
  OpensslContext,
  OpensslEndpoint,
  opensslFfiTest,
} from "../peers/openssl_ffi.ts";

const pki = await testPki();
const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const TLS12_ONLY = 0x800 | 0x400; // SP_PROT_TLS1_2_CLIENT | _SERVER
const SEC_E_INCOMPLETE_MESSAGE = 0x80090318;

function info(
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

function material(ctx: CtxtHandle): Uint8Array {
  const out: { value?: SecPkgContext_KeyingMaterial } = {};
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL, out),
    SEC_E_OK,
  );
  assert.equal(out.value!.cbKeyingMaterial, out.value!.pbKeyingMaterial.length);
  return out.value!.pbKeyingMaterial;
}

function status(ctx: CtxtHandle, attribute: number): number {
  return QueryContextAttributes(ctx, attribute, {});
}

/**
 * An in-memory handshake that calls `hook(side, ctx)` after each side's first
 * call (when the handle exists: where an application sets the request).
 */
function handshakeWith(
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

function creds(tls12: boolean, ec = false) {
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

function kmTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({
    name: `schannel keying material: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

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

// Against OpenSSL: s_server/s_client print "Keying material: <HEX>".

async function pump(
  conn: Deno.Conn,
  step: (input: Uint8Array | null) => {
    status: number;
    token: Uint8Array | null;
    extra: number;
  },
  clientFirst: boolean,
): Promise<void> {
  let buf = new Uint8Array(0);
  const read = async () => {
    const chunk = new Uint8Array(65536);
    const n = await conn.read(chunk);
    if (n === null) throw new Error("the peer closed the connection");
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
  };
  if (clientFirst) {
    const r = step(null);
    await conn.write(r.token!);
  }
  for (;;) {
    if (!buf.length) await read();
    const r = step(buf);
    if (r.status === SEC_E_INCOMPLETE_MESSAGE) {
      await read();
      continue;
    }
    if (r.token) await conn.write(r.token);
    if (r.status === SEC_E_OK) return;
    assert.equal(r.status, SEC_I_CONTINUE_NEEDED, `0x${r.status.toString(16)}`);
    buf = r.extra ? buf.slice(buf.length - r.extra) : new Uint8Array(0);
  }
}

async function readUntil(
  stream: ReadableStream<Uint8Array>,
  re: RegExp,
): Promise<RegExpMatchArray> {
  let text = "";
  const dec = new TextDecoder();
  for await (const chunk of stream) {
    text += dec.decode(chunk);
    const m = text.match(re);
    if (m) return m;
  }
  throw new Error(`no ${re} in: ${text}`);
}

const KEYMAT = /Keying material: ([0-9A-F]+)/;
const LABEL = "EXPERIMENTAL-schannel-test";

for (const version of ["-tls1_3", "-tls1_2"]) {
  for (const len of [32, 100]) {
    kmTest(
      `our client, openssl s_server ${version}, ${len} bytes`,
      async () => {
        const p = pki!;
        const { port, child } = spawnSServer([
          "-cert",
          p.rsaServer.certPath,
          "-key",
          p.rsaServer.keyPath,
          version,
          "-keymatexport",
          LABEL,
          "-keymatexportlen",
          String(len),
          "-naccept",
          "1",
        ], "piped");
        try {
          const printed = readUntil(child.stdout, KEYMAT);
          const conn = await connectWhenUp(port);
          const cred = acquire("client", { RootCertificates: p.rsaCa.cert });
          const ctx = new CtxtHandle();
          let first = true;
          await within(
            pump(conn, (input) => {
              const r = isc(cred, ctx, first, "localhost", input);
              if (first) {
                assert.equal(
                  SetContextAttributes(
                    ctx,
                    SECPKG_ATTR_KEYING_MATERIAL_INFO,
                    info(LABEL, len),
                  ),
                  SEC_E_OK,
                );
              }
              first = false;
              return r;
            }, true),
            "handshake with openssl s_server",
          );
          const ours = hex(material(ctx)).toUpperCase();
          const theirs = (await within(printed, "s_server's output"))[1];
          assert.equal(ours, theirs);
          console.log(`s_server ${version}: Keying material: ${theirs}`);
          DeleteSecurityContext(ctx);
          conn.close();
        } finally {
          try {
            child.kill();
          } catch { /* exited */ }
          await child.status;
        }
      },
    );

    kmTest(
      `openssl s_client ${version} into our server, ${len} bytes`,
      async () => {
        const p = pki!;
        const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const port = (listener.addr as Deno.NetAddr).port;
        const cred = acquire("server", {
          Certificate: p.ecServer.cert,
          PrivateKey: p.ecServer.key,
        });
        const child = new Deno.Command("openssl", {
          args: [
            "s_client",
            "-connect",
            `127.0.0.1:${port}`,
            version,
            "-keymatexport",
            LABEL,
            "-keymatexportlen",
            String(len),
          ],
          stdin: "piped",
          stdout: "piped",
          stderr: "null",
          signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
        }).spawn();
        try {
          const printed = readUntil(child.stdout, KEYMAT);
          const conn = await within(listener.accept(), "s_client connecting");
          const ctx = new CtxtHandle();
          let first = true;
          await within(
            pump(conn, (input) => {
              const r = asc(cred, ctx, first, input!);
              if (first) {
                assert.equal(
                  SetContextAttributes(
                    ctx,
                    SECPKG_ATTR_KEYING_MATERIAL_INFO,
                    info(LABEL, len),
                  ),
                  SEC_E_OK,
                );
              }
              first = false;
              return r;
            }, false),
            "handshake with openssl s_client",
          );
          const ours = hex(material(ctx)).toUpperCase();
          const theirs = (await within(printed, "s_client's output"))[1];
          assert.equal(ours, theirs);
          console.log(`s_client ${version}: Keying material: ${theirs}`);
          DeleteSecurityContext(ctx);
          conn.close();
        } finally {
          listener.close();
          try {
            child.kill();
          } catch { /* exited */ }
          await child.status;
        }
      },
    );
  }
}

// Against libssl through FFI (TLS 1.3 only: the FFI peer pins it), with context
// values, which s_client and s_server cannot send: SSL_export_keying_material.

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

opensslFfiTest(
  "schannel keying material: libssl (FFI) both ways, with and without a context",
  () => {
    if (!pki) return;
    const p = pki;
    const contexts = [null, new TextEncoder().encode("a context value")];
    const sctx = new OpensslContext("server", {
      certFile: p.rsaServer.certPath,
      keyFile: p.rsaServer.keyPath,
    });
    const cctx = new OpensslContext("client", { caFile: p.ecCa.certPath });
    const ourClient = acquire("client", { RootCertificates: p.rsaCa.cert });
    const ourServer = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
    });
    try {
      for (const context of contexts) {
        // Our client, libssl's server.
        const server = new OpensslEndpoint(sctx);
        const ctx = new CtxtHandle();
        let r = isc(ourClient, ctx, true, "localhost", null);
        assert.equal(
          SetContextAttributes(
            ctx,
            SECPKG_ATTR_KEYING_MATERIAL_INFO,
            info(LABEL, 48, context),
          ),
          SEC_E_OK,
        );
        let pending: Uint8Array = new Uint8Array(0);
        for (let legs = 0; r.status !== SEC_E_OK; legs++) {
          assert.ok(legs < 8, "the handshake did not finish");
          server.feed(r.token ?? new Uint8Array(0));
          pending = join(pending, server.take());
          r = isc(ourClient, ctx, false, "localhost", pending);
          pending = r.extra
            ? pending.slice(pending.length - r.extra)
            : new Uint8Array(0);
          assert.ok(
            r.status === SEC_E_OK || r.status === SEC_I_CONTINUE_NEEDED,
          );
        }
        server.feed(r.token ?? new Uint8Array(0));
        assert.ok(server.handshakeDone);
        const theirs = server.exportKeyingMaterial(LABEL, 48, context);
        assert.equal(hex(material(ctx)), hex(theirs));
        DeleteSecurityContext(ctx);
        server.free();

        // libssl's client, our server.
        const client = new OpensslEndpoint(cctx, "localhost");
        const sc = new CtxtHandle();
        let first = true;
        pending = new Uint8Array(0);
        for (let legs = 0;; legs++) {
          assert.ok(legs < 8, "the handshake did not finish");
          pending = join(pending, client.take());
          const a = asc(ourServer, sc, first, pending);
          if (first) {
            assert.equal(
              SetContextAttributes(
                sc,
                SECPKG_ATTR_KEYING_MATERIAL_INFO,
                info(LABEL, 48, context),
              ),
              SEC_E_OK,
            );
          }
          first = false;
          pending = a.extra
            ? pending.slice(pending.length - a.extra)
            : new Uint8Array(0);
          if (a.token) client.feed(a.token);
          if (a.status === SEC_E_OK) break;
          assert.equal(a.status, SEC_I_CONTINUE_NEEDED);
        }
        assert.ok(client.handshakeDone);
        assert.equal(
          hex(material(sc)),
          hex(client.exportKeyingMaterial(LABEL, 48, context)),
        );
        DeleteSecurityContext(sc);
        client.free();
      }
    } finally {
      sctx.free();
      cctx.free();
    }
  },
);
