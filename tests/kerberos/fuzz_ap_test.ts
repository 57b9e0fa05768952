// Property test of the Kerberos handshake tokens against hostile bytes, with a live
// MIT KDC: mutated AP-REQs (ours) into our acceptor and mutated AP-REPs (ours) into
// our client's second step. Every call returns a status (no exception, no rejected
// promise, no SEC_E_INTERNAL_ERROR, no hang), and a changed token never gives SEC_E_OK
// unless it is provably the same message (the tolerated cases are listed in
// `TOLERATED` in `_fuzz_krb.ts` and counted in the output). Also: authenticator times
// are strictly increasing. Seeded (`FUZZ_SEED`); `KRB_FUZZ_ITERATIONS` sets the total.
import assert from "node:assert/strict";
import { rng } from "../_fuzz.ts";
import {
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import { decodeKrbError } from "../../src/packages/kerberos/messages.ts";
import {
  TOK_KRB_ERROR,
  unframeToken,
} from "../../src/packages/kerberos/gss.ts";
import { authenticatorTime } from "../../src/packages/kerberos/kdc.ts";
import { newCtx, withKdc } from "./_kdc_helpers.ts";

import {
  ALICE,
  apRepSameAs,
  apReqSameAs,
  asc,
  checkStatus,
  clientCred,
  clientName,
  equal,
  hex,
  isc,
  mutate,
  N_AP_REP,
  N_AP_REQ,
  report,
  SEED,
  serverCred,
  st,
  Tally,
  unwrapSplit,
  wrapSplit,
} from "./_fuzz_krb.ts";

// ---------------------------------------------------------------------------
// a. AP-REQ -> acceptor.

Deno.test(`Kerberos fuzz a: ${N_AP_REQ} mutated AP-REQs into AcceptSecurityContext give status codes, SEC_E_OK only for the same ticket and authenticator (seed ${SEED})`, () =>
  withKdc(async (kdc) => {
    const r = rng(SEED);
    const client = await clientCred(kdc);
    const server = serverCred(kdc);
    const statuses = new Tally();
    const tolerated = new Tally();
    const t0 = performance.now();
    try {
      // Genuine tokens made back to back are all accepted: no two share an
      // authenticator time, which the replay cache keys on (several fit in 1 ms).
      for (let k = 0; k < 300; k++) {
        const c0 = newCtx();
        const g = isc(client, c0, true, null);
        const s0 = new CtxtHandle();
        assert.equal(
          st(asc(server, s0, g.token!).status),
          st(SEC_E_OK),
          `genuine AP-REQ ${k}`,
        );
        DeleteSecurityContext(c0);
        DeleteSecurityContext(s0);
      }
      for (let i = 0; i < N_AP_REQ; i++) {
        // A fresh AP-REQ each time (a fresh authenticator: no replay-cache hits).
        const cctx = newCtx();
        const a = isc(client, cctx, true, null);
        assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
        DeleteSecurityContext(cctx);
        const orig = a.token!;
        const m = mutate(orig, r);
        const sctx = new CtxtHandle();
        const where = `AP-REQ iteration ${i} (${m.kind}, seed ${SEED})`;
        let res;
        // Every other one with ASC_REQ_EXTENDED_ERROR: a refusal then may carry a
        // KRB-ERROR, which must be well formed.
        const extended = i % 2 === 1 ? 0x8000 : 0;
        try {
          res = asc(server, sctx, m.bytes, extended);
        } catch (e) {
          throw new Error(`${where}: threw ${e}\n${hex(m.bytes)}`);
        }
        const s = checkStatus(res.status, where);
        if (s !== SEC_E_OK && res.token) {
          assert.ok(extended, `${where}: an error token without the flag`);
          const u = unframeToken(res.token);
          assert.ok(u && u.tokId === TOK_KRB_ERROR, `${where}: KRB-ERROR`);
          decodeKrbError(u.inner);
          tolerated.add("refused with a KRB-ERROR");
        }
        statuses.add(st(s));
        if (equal(orig, m.bytes)) tolerated.add("unchanged by chance");
        else if (s === SEC_E_OK) {
          const why = apReqSameAs(orig, m.bytes);
          assert.ok(
            why,
            `${where}: a changed AP-REQ was accepted\n${hex(orig)}\n${
              hex(m.bytes)
            }`,
          );
          assert.equal(clientName(sctx), ALICE, where);
          for (const w of why) tolerated.add(w);
        }
        DeleteSecurityContext(sctx);
      }
    } finally {
      FreeCredentialsHandle(client);
      FreeCredentialsHandle(server);
    }
    report(N_AP_REQ, "AP-REQs", t0, statuses, tolerated);
  }));

Deno.test("Kerberos: authenticator times (ctime, cusec) are strictly increasing within the process", () => {
  let last = -1;
  for (let i = 0; i < 10_000; i++) {
    const { ctime, cusec } = authenticatorTime();
    assert.equal(ctime.getTime() % 1000, 0);
    assert.ok(cusec >= 0 && cusec < 1_000_000);
    const us = ctime.getTime() * 1000 + cusec;
    assert.ok(us > last, `${us} after ${last}`);
    last = us;
  }
  assert.ok(Math.abs(last / 1000 - Date.now()) < 5_000);
});

// ---------------------------------------------------------------------------
// b. AP-REP -> client.

Deno.test(`Kerberos fuzz b: ${N_AP_REP} mutated AP-REPs into the client's second step give status codes, SEC_E_OK only for the same enc-part (seed ${SEED})`, () =>
  withKdc(async (kdc) => {
    const r = rng(SEED ^ 0x5a5a5a5a);
    const client = await clientCred(kdc);
    const server = serverCred(kdc);
    const statuses = new Tally();
    const tolerated = new Tally();
    const t0 = performance.now();
    try {
      for (let i = 0; i < N_AP_REP; i++) {
        const cctx = newCtx();
        const sctx = new CtxtHandle();
        const a = isc(client, cctx, true, null);
        const b = asc(server, sctx, a.token!);
        assert.equal(st(b.status), st(SEC_E_OK));
        const orig = b.token!;
        const m = mutate(orig, r);
        const where = `AP-REP iteration ${i} (${m.kind}, seed ${SEED})`;
        let res;
        try {
          res = isc(client, cctx, false, m.bytes);
        } catch (e) {
          throw new Error(`${where}: threw ${e}\n${hex(m.bytes)}`);
        }
        const s = checkStatus(res.status, where);
        statuses.add(st(s));
        if (equal(orig, m.bytes)) tolerated.add("unchanged by chance");
        if (s === SEC_E_OK) {
          if (!equal(orig, m.bytes)) {
            const why = apRepSameAs(orig, m.bytes);
            assert.ok(
              why,
              `${where}: a changed AP-REP was accepted\n${hex(orig)}\n${
                hex(m.bytes)
              }`,
            );
            for (const w of why) tolerated.add(w);
          }
          // Whatever was accepted established the same keys on both sides.
          const w = wrapSplit(cctx, new Uint8Array([1, 2, 3]), true);
          assert.equal(
            st(unwrapSplit(sctx, w.token, w.data.slice()).status),
            st(SEC_E_OK),
            where,
          );
        }
        DeleteSecurityContext(cctx);
        DeleteSecurityContext(sctx);
      }
    } finally {
      FreeCredentialsHandle(client);
      FreeCredentialsHandle(server);
    }
    report(N_AP_REP, "AP-REPs", t0, statuses, tolerated);
  }));
