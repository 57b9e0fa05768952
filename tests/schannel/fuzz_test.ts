/**
 * Property test: mutated TLS input at every Schannel entry point. ClientHellos into
 * the server, server flights into the client, client Finished flights into the
 * server, and records into DecryptMessage: only status codes come back (no exception,
 * no trap), a changed handshake never completes, a changed record never decrypts, and
 * a context that refused a record still decrypts the genuine one.
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

const pki = await testPki();
const HANDSHAKES = fuzzIterations("SCHANNEL_FUZZ_HANDSHAKES", 600);
const RECORDS = fuzzIterations("SCHANNEL_FUZZ_RECORDS", 20000);

type Mutation = { bytes: Uint8Array; changed: number[] | null };

/** One random mutation; `changed` lists the positions changed in place (null: resized). */
function mutate(b: Uint8Array, r: (n: number) => number): Mutation {
  const out = b.slice();
  switch (r(7)) {
    case 0: {
      const i = r(out.length);
      out[i] ^= 1 << r(8);
      return { bytes: out, changed: [i] };
    }
    case 1: {
      const changed: number[] = [];
      for (let k = 0, n = 1 + r(8); k < n; k++) {
        const i = r(out.length);
        out[i] = r(256);
        changed.push(i);
      }
      return { bytes: out, changed };
    }
    case 2:
      return { bytes: out.slice(0, r(out.length)), changed: null };
    case 3: {
      const i = r(out.length + 1);
      const ins = crypto.getRandomValues(new Uint8Array(1 + r(40)));
      const res = new Uint8Array(out.length + ins.length);
      res.set(out.subarray(0, i));
      res.set(ins, i);
      res.set(out.subarray(i), i + ins.length);
      return { bytes: res, changed: null };
    }
    case 4: {
      const i = r(out.length);
      const n = 1 + r(Math.min(64, out.length - i));
      const res = new Uint8Array(out.length - n);
      res.set(out.subarray(0, i));
      res.set(out.subarray(i + n), i);
      return { bytes: res, changed: null };
    }
    case 5: {
      // A length field: the 2-byte record length or a 3-byte handshake length.
      const at = r(2) ? 3 : 6;
      if (at + 1 >= out.length) return { bytes: out, changed: [] };
      out[at] = r(256);
      out[at + 1] = r(256);
      return { bytes: out, changed: [at, at + 1] };
    }
    default: {
      const i = r(out.length);
      out[i] = [0, 0xff, 0x7f, 0x80][r(4)];
      return { bytes: out, changed: [i] };
    }
  }
}

/**
 * True when the authenticated bytes are unchanged: nothing changed, only the version
 * bytes of the first (plaintext) record header, or bytes appended after the original
 * (the next record's, which the handshake leaves as SECBUFFER_EXTRA).
 */
function harmless(m: Mutation, original: Uint8Array): boolean {
  if (!m.changed) {
    return m.bytes.length >= original.length &&
      original.every((v, i) => v === m.bytes[i]);
  }
  return m.changed.every((i) =>
    m.bytes[i] === original[i] || i === 1 || i === 2
  );
}

function known(status: number): boolean {
  return !statusName(status).startsWith("0x");
}

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
    });
    const cc = acquire("client", {
      RootCertificates: p.ecCa.cert,
      Certificate: p.client.cert,
      PrivateKey: p.client.key,
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
    for (let i = 0; i < HANDSHAKES; i++) {
      const mutual = r(4) === 0;
      const ascFlags = 0x4 | 0x8 | 0x10 | 0x100 | 0x10000 | (mutual ? 0x2 : 0);
      const client = new CtxtHandle();
      const server = new CtxtHandle();
      try {
        const hello = isc(cc, client, true, "localhost", null).token!;
        const where = r(3);
        const mCh = where === 0
          ? mutate(hello, r)
          : { bytes: hello, changed: [] };
        let s = asc(sc, server, true, mCh.bytes, ascFlags);
        count("ClientHello", s.status);
        if (s.status !== SEC_I_CONTINUE_NEEDED) continue;
        const flight = s.token!;
        const mFlight = where === 1
          ? mutate(flight, r)
          : { bytes: flight, changed: [] };
        const c = isc(cc, client, false, "localhost", mFlight.bytes);
        count("server flight", c.status);
        if (c.status !== SEC_E_OK) continue;
        const fin = c.token!;
        const mFin = where === 2 ? mutate(fin, r) : { bytes: fin, changed: [] };
        s = asc(sc, server, false, mFin.bytes, ascFlags);
        count("client Finished", s.status);
        if (s.status === SEC_E_OK) {
          // Completed: only when the mutation left every authenticated byte alone.
          const [m, original] = where === 0
            ? [mCh, hello]
            : where === 1
            ? [mFlight, flight]
            : [mFin, fin];
          assert.ok(
            harmless(m, original),
            `a changed ${
              ["ClientHello", "server flight", "client Finished"][where]
            } completed`,
          );
        }
      } finally {
        DeleteSecurityContext(client);
        DeleteSecurityContext(server);
      }
    }
    // Records: one established pair, mutated records, then the genuine one.
    const { client, server } = handshake(cc, sc, "localhost");
    for (let i = 0; i < RECORDS; i++) {
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
    DeleteSecurityContext(client);
    DeleteSecurityContext(server);
    console.log([...tally].map(([k, v]) => `${k}=${v}`).join(" "));
  },
});
