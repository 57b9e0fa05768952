/**
 * Property tests of our TLS 1.0 and 1.1 client and server. The client: OpenSSL's server (libssl through FFI,
 * in memory, `@SECLEVEL=0`) answers our ClientHello with its flight (ECDHE with
 * an RSA or ECDSA certificate, DHE_RSA, or static RSA; half the time with a
 * CertificateRequest, whose TLS 1.0/1.1 form names no signature algorithms); the
 * flight is mutated before our client reads it. Only status codes come back, and a
 * changed flight never completes the handshake. The server: OpenSSL's client
 * flight (ClientKeyExchange, half the time a client certificate and its
 * CertificateVerify, ChangeCipherSpec, Finished) answering ours is mutated before
 * our server reads it, with the same properties. Seed and count: FUZZ_SEED,
 * SCHANNEL_TLS10_FUZZ.
 */
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  SEC_E_INTERNAL_ERROR,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SP_PROT_TLS1_0_CLIENT,
  SP_PROT_TLS1_0_SERVER,
  SP_PROT_TLS1_1_CLIENT,
  SP_PROT_TLS1_1_SERVER,
  SP_PROT_TLS1_2_CLIENT,
  statusName,
} from "../../mod.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import {
  OpensslContext,
  OpensslEndpoint,
  opensslFfiStatus,
} from "../peers/openssl_ffi.ts";
import { testPki } from "./_pki.ts";
import { acquire, asc, ASC_FLAGS, isc } from "./_tls.ts";
import { harmless, known, mutate } from "./_mutate.ts";

const pki = await testPki();
const ffi = opensslFfiStatus();
const N = fuzzIterations("SCHANNEL_TLS10_FUZZ", 400);

Deno.test({
  name:
    `schannel TLS 1.0/1.1 client fuzz: ${N} mutated OpenSSL server flights (seed ${FUZZ_SEED})`,
  ignore: pki === null || !ffi.available,
  fn() {
    const p = pki!;
    const r = rng(FUZZ_SEED ^ 0x1010);
    const servers: OpensslContext[] = [];
    for (const legacyVersion of [0x0301, 0x0302]) {
      for (
        const [ciphers, leaf] of [
          ["ECDHE-RSA-AES128-SHA", p.rsaServer],
          ["ECDHE-ECDSA-AES256-SHA", p.ecServer],
          ["AES256-SHA", p.rsaServer],
          ["DHE-RSA-AES128-SHA", p.rsaServer],
        ] as const
      ) {
        for (const ask of [false, true]) {
          servers.push(
            new OpensslContext("server", {
              certFile: leaf.certPath,
              keyFile: leaf.keyPath,
              tls12Ciphers: `${ciphers}:@SECLEVEL=0`,
              legacyVersion,
              groups: "X25519:P-256",
              tickets: 0,
              ...(ask && { caFile: p.rsaCa.certPath }),
            }),
          );
        }
      }
    }
    const cc = acquire("client", {
      RootCertificates: p.rsaCa.cert + p.ecCa.cert,
      Certificate: p.client.cert,
      PrivateKey: p.client.key,
      grbitEnabledProtocols: SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_1_CLIENT |
        SP_PROT_TLS1_2_CLIENT,
    });
    const seen = new Map<string, number>();
    let completedGenuine = 0;
    try {
      for (let i = 0; i < N; i++) {
        const ctx = new CtxtHandle();
        const server = new OpensslEndpoint(servers[i % servers.length]);
        try {
          const hello = isc(cc, ctx, true, "localhost", null);
          assert.equal(hello.status, SEC_I_CONTINUE_NEEDED);
          server.feed(hello.token!);
          const flight = server.take();
          // One in eight rounds runs unchanged: the handshake must complete.
          const unchanged = i % 8 === 0;
          const m = unchanged
            ? { bytes: flight, changed: [] }
            : mutate(flight, r);
          // Unchanged where it is authenticated (the handshake may still refuse it).
          const genuine = harmless(m, flight);
          const st = isc(cc, ctx, false, "localhost", m.bytes);
          const name = statusName(st.status);
          seen.set(name, (seen.get(name) ?? 0) + 1);
          assert.ok(known(st.status), `round ${i}: ${name}`);
          assert.notEqual(st.status, SEC_E_INTERNAL_ERROR, `round ${i}`);
          if (st.status !== SEC_I_CONTINUE_NEEDED || !st.token) {
            assert.ok(
              !unchanged,
              `round ${i}: the genuine flight gave ${name}`,
            );
            continue;
          }
          // Our flight to OpenSSL, its Finished back: only a genuine flight completes.
          let last: Uint8Array;
          try {
            server.feed(st.token);
            last = server.take();
          } catch {
            assert.ok(!unchanged, `round ${i}: OpenSSL refused our flight`);
            continue;
          }
          const end = isc(cc, ctx, false, "localhost", last).status;
          assert.ok(known(end), `round ${i}`);
          if (unchanged) {
            assert.equal(end, SEC_E_OK, `round ${i}: ${statusName(end)}`);
            completedGenuine++;
          } else if (!genuine) {
            assert.notEqual(
              end,
              SEC_E_OK,
              `round ${i}: a changed flight completed`,
            );
          }
        } finally {
          server.free();
          DeleteSecurityContext(ctx);
        }
      }
    } finally {
      for (const s of servers) s.free();
    }
    assert.ok(completedGenuine >= N / 8, `${completedGenuine} genuine`);
    console.log(
      [...seen].map(([k, v]) => `${k} ${v}`).join(", "),
    );
  },
});

Deno.test({
  name:
    `schannel TLS 1.0/1.1 server fuzz: ${N} mutated OpenSSL client flights (seed ${FUZZ_SEED})`,
  ignore: pki === null || !ffi.available,
  fn() {
    const p = pki!;
    const r = rng(FUZZ_SEED ^ 0x2020);
    const clients: { ctx: OpensslContext; cert: "rsa" | "ec" }[] = [];
    for (const legacyVersion of [0x0301, 0x0302]) {
      for (
        const [ciphers, cert] of [
          ["ECDHE-RSA-AES128-SHA", "rsa"],
          ["ECDHE-ECDSA-AES256-SHA", "ec"],
          ["AES256-SHA", "rsa"],
          ["DHE-RSA-AES128-SHA", "rsa"],
        ] as const
      ) {
        for (const withCert of [false, true]) {
          clients.push({
            cert,
            ctx: new OpensslContext("client", {
              caFile: (cert === "rsa" ? p.rsaCa : p.ecCa).certPath,
              tls12Ciphers: `${ciphers}:@SECLEVEL=0`,
              legacyVersion,
              groups: "X25519:P-256",
              ...(withCert &&
                { certFile: p.client.certPath, keyFile: p.client.keyPath }),
            }),
          });
        }
      }
    }
    const servers = {
      rsa: acquire("server", {
        Certificate: p.rsaServer.cert,
        PrivateKey: p.rsaServer.key,
        RootCertificates: p.rsaCa.cert,
        grbitEnabledProtocols: SP_PROT_TLS1_0_SERVER | SP_PROT_TLS1_1_SERVER,
      }),
      ec: acquire("server", {
        Certificate: p.ecServer.cert,
        PrivateKey: p.ecServer.key,
        RootCertificates: p.rsaCa.cert,
        grbitEnabledProtocols: SP_PROT_TLS1_0_SERVER | SP_PROT_TLS1_1_SERVER,
      }),
    };
    const seen = new Map<string, number>();
    let completed = 0;
    try {
      for (let i = 0; i < N; i++) {
        const c = clients[i % clients.length];
        // Odd rounds: the client has a certificate, and our server asks for it.
        const flags = i % 2 ? ASC_FLAGS | 0x2 : ASC_FLAGS; // ASC_REQ_MUTUAL_AUTH
        const ctx = new CtxtHandle();
        const client = new OpensslEndpoint(c.ctx, "localhost");
        try {
          const first = asc(servers[c.cert], ctx, true, client.take(), flags);
          assert.equal(first.status, SEC_I_CONTINUE_NEEDED, `round ${i}`);
          client.feed(first.token!);
          const flight = client.take();
          // Two rounds in eight unchanged, one with a certificate: they complete.
          const unchanged = i % 8 < 2;
          const m = unchanged
            ? { bytes: flight, changed: [] }
            : mutate(flight, r);
          const st = asc(servers[c.cert], ctx, false, m.bytes, flags).status;
          const name = statusName(st);
          seen.set(name, (seen.get(name) ?? 0) + 1);
          assert.ok(known(st), `round ${i}: ${name}`);
          assert.notEqual(st, SEC_E_INTERNAL_ERROR, `round ${i}`);
          if (unchanged) {
            assert.equal(st, SEC_E_OK, `round ${i}: ${name}`);
            completed++;
          } else if (!harmless(m, flight)) {
            assert.notEqual(
              st,
              SEC_E_OK,
              `round ${i}: a changed flight completed`,
            );
          }
        } finally {
          client.free();
          DeleteSecurityContext(ctx);
        }
      }
    } finally {
      for (const c of clients) c.ctx.free();
    }
    assert.ok(completed >= N / 4, `${completed} genuine`);
    console.log([...seen].map(([k, v]) => `${k} ${v}`).join(", "));
  },
});
