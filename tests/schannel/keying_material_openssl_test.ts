/**
 * Schannel's keying material export against OpenSSL: `openssl s_server`/`s_client
 * -keymatexport` (both directions, TLS 1.3 and 1.2) and libssl through FFI
 * (`SSL_export_keying_material` with context values, which the command-line tools
 * cannot send). In-memory cases: `keying_material_test.ts`.
 */
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_KEYING_MATERIAL_INFO,
  SetContextAttributes,
} from "../../mod.ts";
import { acquire, asc, isc } from "./_tls.ts";
import { connectWhenUp } from "./_socket.ts";
import { PEER_TIMEOUT_MS, spawnSServer, within } from "./_openssl.ts";
import {
  OpensslContext,
  OpensslEndpoint,
  opensslFfiTest,
} from "../peers/openssl_ffi.ts";
import { hex, info, kmTest, material, pki } from "./_keying.ts";

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

/**
 * Our side of a handshake with an OpenSSL tool over `conn`, `step` being our ISC or
 * ASC call; the first call is followed by asking for `len` bytes of keying material
 * under `LABEL`.
 */
function handshakeAskingKeys(
  conn: Deno.Conn,
  ctx: CtxtHandle,
  step: (first: boolean, input: Uint8Array | null) => ReturnType<typeof isc>,
  client: boolean,
  len: number,
  what: string,
) {
  let first = true;
  return within(
    pump(conn, (input) => {
      const r = step(first, input);
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
    }, client),
    what,
  );
}

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
          await handshakeAskingKeys(
            conn,
            ctx,
            (first, input) => isc(cred, ctx, first, "localhost", input),
            true,
            len,
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
          await handshakeAskingKeys(
            conn,
            ctx,
            (first, input) => asc(cred, ctx, first, input!),
            false,
            len,
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
