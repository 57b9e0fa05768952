/**
 * Property test of our TLS 1.0 and 1.1 client: OpenSSL's server (libssl through FFI,
 * in memory, `@SECLEVEL=0`) answers our ClientHello with its flight (ECDHE with
 * an RSA or ECDSA certificate, DHE_RSA, or static RSA; half the time with a
 * CertificateRequest, whose TLS 1.0/1.1 form names no signature algorithms); the
 * flight is mutated before our client reads it. Only status codes come back, and a
 * changed flight never completes the handshake. Seed and count: FUZZ_SEED,
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
  SP_PROT_TLS1_1_CLIENT,
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
import { acquire, isc } from "./_tls.ts";
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
