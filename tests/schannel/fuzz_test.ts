/**
 * Property test: mutated TLS input at every Schannel entry point. ClientHellos into
 * the server, server flights into the client, client Finished flights into the
 * server, and records into DecryptMessage: only status codes come back (no exception,
 * no trap), a changed handshake never completes, a changed record never decrypts, and
 * a context that refused a record still decrypts the genuine one.
 * The servers staple OCSP responses the clients check, and the TLS 1.2 server
 * issues tickets, so CertificateStatus, NewSessionTicket and resumed flights are
 * mutated as well.
 * Seed and counts: FUZZ_SEED, SCHANNEL_FUZZ_HANDSHAKES, SCHANNEL_FUZZ_RECORDS.
 */
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  statusName,
} from "../../mod.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import { testPki } from "./_pki.ts";
import { acquire, asc, handshake, isc, seal, unseal } from "./_tls.ts";
import { ocspSets } from "./_ocsp.ts";
import { harmless, known, mutate, type Mutation } from "./_mutate.ts";

const pki = await testPki();
const ocsp = pki ? await ocspSets(pki) : null;
const REVOCATION = 0x100; // SCH_CRED_REVOCATION_CHECK_END_CERT
const HANDSHAKES = fuzzIterations("SCHANNEL_FUZZ_HANDSHAKES", 600);
const RECORDS = fuzzIterations("SCHANNEL_FUZZ_RECORDS", 20000);

Deno.test({
  name:
    `schannel fuzz: ${HANDSHAKES} mutated handshakes and ${RECORDS} mutated records (seed ${FUZZ_SEED})`,
  ignore: pki === null,
  fn() {
    const p = pki!;
    const r = rng(FUZZ_SEED);
    const sc = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
      RootCertificates: p.rsaCa.cert,
      OcspResponse: ocsp!.ec.good,
    });
    const cc = acquire("client", {
      RootCertificates: p.ecCa.cert,
      Certificate: p.client.cert,
      PrivateKey: p.client.key,
      dwFlags: REVOCATION,
    });
    const tally = new Map<string, number>();
    const count = (where: string, s: number) => {
      assert.ok(
        known(s),
        `${where}: unknown status 0x${(s >>> 0).toString(16)}`,
      );
      const k = `${where}:${statusName(s)}`;
      tally.set(k, (tally.get(k) ?? 0) + 1);
    };
    const scP256 = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
      RootCertificates: p.rsaCa.cert,
      KeyExchangeGroups: ["secp256r1"],
      OcspResponse: ocsp!.ec.good,
    });
    const sc12 = acquire("server", {
      Certificate: p.rsaServer.cert,
      PrivateKey: p.rsaServer.key,
      RootCertificates: p.rsaCa.cert,
      grbitEnabledProtocols: 0x400,
      OcspResponse: ocsp!.rsa.good,
      Tls12SessionTickets: true,
    });
    const cc12 = acquire("client", {
      RootCertificates: p.rsaCa.cert,
      Certificate: p.client.cert,
      PrivateKey: p.client.key,
      dwFlags: REVOCATION,
    });
    for (let i = 0; i < HANDSHAKES; i++) {
      // A third in TLS 1.2 (four legs: hello, server flight, client flight,
      // server Finished), the rest in TLS 1.3 (three legs); one leg mutated.
      // A third in TLS 1.2 (four legs), a sixth through a HelloRetryRequest to
      // P-256 (five legs: hello, retry request, hello, flight, Finished), the rest
      // plain TLS 1.3 (three legs).
      const kind = r(6);
      const v12 = kind < 2;
      const hrr = kind === 2;
      const [scX, ccX] = v12 ? [sc12, cc12] : hrr ? [scP256, cc] : [sc, cc];
      const mutual = r(4) === 0;
      const ascFlags = 0x4 | 0x8 | 0x10 | 0x100 | 0x10000 | (mutual ? 0x2 : 0);
      const where = r(v12 ? 4 : hrr ? 5 : 3);
      const client = new CtxtHandle();
      const server = new CtxtHandle();
      try {
        let token: Uint8Array | null =
          isc(ccX, client, true, "localhost", null).token;
        let mutated: { m: Mutation; original: Uint8Array } | null = null;
        let clientDone = false;
        let serverDone = false;
        for (let leg = 0; token && !(clientDone && serverDone); leg++) {
          const m = leg === where
            ? mutate(token, r)
            : { bytes: token, changed: [] };
          if (leg === where) mutated = { m, original: token };
          const tag = `${v12 ? "1.2" : hrr ? "1.3 HRR" : "1.3"} leg ${leg}`;
          if (leg % 2 === 0) {
            const st = asc(scX, server, leg === 0, m.bytes, ascFlags);
            count(tag, st.status);
            if (st.status !== SEC_E_OK && st.status !== SEC_I_CONTINUE_NEEDED) {
              break;
            }
            serverDone = st.status === SEC_E_OK;
            token = st.token;
          } else {
            const st = isc(ccX, client, false, "localhost", m.bytes);
            count(tag, st.status);
            if (st.status !== SEC_E_OK && st.status !== SEC_I_CONTINUE_NEEDED) {
              break;
            }
            clientDone = st.status === SEC_E_OK;
            token = st.token;
          }
        }
        if (clientDone && serverDone && mutated) {
          // Completed: only when the mutation left every authenticated byte alone.
          assert.ok(
            harmless(mutated.m, mutated.original),
            `a changed leg ${where} (${v12 ? "TLS 1.2" : "TLS 1.3"}) completed`,
          );
        }
      } finally {
        DeleteSecurityContext(client);
        DeleteSecurityContext(server);
      }
    }
    // Records: one established pair, mutated records, then the genuine one.
    const pairs = [
      handshake(cc, sc, "localhost"),
      handshake(cc12, sc12, "localhost"),
    ];
    for (let i = 0; i < RECORDS; i++) {
      const { client, server } = pairs[i & 1];
      const msg = crypto.getRandomValues(new Uint8Array(r(300)));
      const rec = seal(client, msg);
      const m = mutate(rec, r);
      const same = m.bytes.length === rec.length &&
        m.bytes.every((v, k) => v === rec[k]);
      const u = unseal(server, m.bytes.slice());
      count("record", u.status);
      if (same) {
        assert.equal(u.status, SEC_E_OK);
        continue;
      }
      if (u.status === SEC_E_OK) {
        // Only a longer buffer holding the genuine record first may decrypt (the rest is EXTRA).
        assert.ok(
          m.bytes.length > rec.length && rec.every((v, k) => v === m.bytes[k]),
          "a changed record decrypted",
        );
        assert.deepEqual(u.data, msg);
        continue;
      }
      const good = unseal(server, rec.slice());
      assert.equal(
        good.status,
        SEC_E_OK,
        "the context did not survive a refused record",
      );
      assert.deepEqual(good.data, msg);
    }
    for (const { client, server } of pairs) {
      DeleteSecurityContext(client);
      DeleteSecurityContext(server);
    }
    console.log([...tally].map(([k, v]) => `${k}=${v}`).join(" "));
  },
});
