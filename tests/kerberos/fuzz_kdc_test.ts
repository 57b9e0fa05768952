// Property test of the Kerberos client against hostile KDC replies, with a live MIT
// KDC: the KRB-ERROR with ETYPE-INFO2, the AS-REP and the TGS-REP are mutated on their
// way from the real KDC to our client, and hostile ETYPE-INFO2 values are served.
// Every call returns a status, and success comes only with the KDC's own enc-part.
// Seeded (`FUZZ_SEED`); `KRB_FUZZ_ITERATIONS` sets the total.
import assert from "node:assert/strict";
import { rng } from "../_fuzz.ts";
import {
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  lastErrorDetail,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import {
  decodeKdcRep,
  decodeKrbError,
  decodeMethodData,
  encodeEtypeInfo2,
  encodeKrbError,
  encodeMethodData,
  type KrbError,
} from "../../src/packages/kerberos/messages.ts";
import {
  type KdcTransport,
  tcpTransport,
} from "../../src/packages/kerberos/transport.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  acquireKrb,
  iscStep,
  KRB_USER,
  newCtx,
  REALM,
  SERVICE,
  withKdc,
} from "./_kdc_helpers.ts";

import {
  ALICE,
  asc,
  checkStatus,
  clientName,
  equal,
  hex,
  mutate,
  N_KDC,
  SEED,
  serverCred,
  st,
  Tally,
} from "./_fuzz_krb.ts";

// ---------------------------------------------------------------------------
// c. KDC replies -> client.

/** What a relay reply is: the KRB-ERROR, the AS-REP or the TGS-REP. */
type ReplyKind = "KRB-ERROR" | "AS-REP" | "TGS-REP";

function replyKind(reply: Uint8Array): ReplyKind | null {
  return reply[0] === 0x7e
    ? "KRB-ERROR"
    : reply[0] === 0x6b
    ? "AS-REP"
    : reply[0] === 0x6d
    ? "TGS-REP"
    : null;
}

/**
 * Runs one client exchange (AS with pre-authentication, TGS, AP-REQ) through a relay
 * to the real KDC that replaces the reply of kind `target` with `rewrite(reply)`.
 */
async function throughRelay(
  kdc: MitKdc,
  target: ReplyKind,
  rewrite: (reply: Uint8Array) => Uint8Array,
): Promise<
  {
    status: number;
    detail?: string;
    token: Uint8Array | null;
    genuine?: Uint8Array;
    sent?: Uint8Array;
  }
> {
  const real = tcpTransport([kdc.kdc], 5000);
  let genuine: Uint8Array | undefined;
  let sent: Uint8Array | undefined;
  const relay: KdcTransport = async (realm, request) => {
    const reply = await real(realm, request);
    if (genuine === undefined && replyKind(reply) === target) {
      genuine = reply;
      sent = rewrite(reply);
      return sent;
    }
    return reply;
  };
  const { status, cred } = await acquireKrb("Kerberos", {
    User: KRB_USER.user,
    Domain: REALM,
    Password: KRB_USER.password,
    KdcTransport: relay,
  });
  assert.equal(st(status), st(SEC_E_OK));
  try {
    const ctx = newCtx();
    const r = await iscStep(cred, ctx, true, SERVICE, null);
    const detail = lastErrorDetail()?.message;
    DeleteSecurityContext(ctx);
    return {
      status: r.status,
      detail,
      token: r.token?.slice() ?? null,
      genuine,
      sent,
    };
  } finally {
    FreeCredentialsHandle(cred);
  }
}

Deno.test(`Kerberos fuzz c: ${N_KDC} mutated KDC replies (KRB-ERROR with ETYPE-INFO2, AS-REP, TGS-REP) give status codes, success only with the KDC's own enc-part (seed ${SEED})`, () =>
  withKdc(async (kdc) => {
    // Pre-authentication required: the first AS-REQ is answered with a KRB-ERROR.
    await kdc.kadmin(`modprinc +requires_preauth ${KRB_USER.user}`);
    const r = rng(SEED ^ 0x3c3c3c3c);
    const server = serverCred(kdc);
    const statuses = new Tally();
    const accepted = new Tally();
    const t0 = performance.now();
    const kinds: ReplyKind[] = ["KRB-ERROR", "AS-REP", "TGS-REP"];
    try {
      // Unmutated, each reply is seen and the exchange succeeds.
      for (const target of kinds) {
        const ok = await throughRelay(kdc, target, (b) => b);
        assert.ok(ok.genuine, `no ${target} from the KDC`);
        assert.equal(st(ok.status), st(SEC_I_CONTINUE_NEEDED));
      }
      for (let i = 0; i < N_KDC; i++) {
        const target = kinds[i % 3];
        let kind = "";
        const where = () => `${target} iteration ${i} (${kind}, seed ${SEED})`;
        let res;
        try {
          res = await throughRelay(kdc, target, (b) => {
            const m = mutate(b, r);
            kind = m.kind;
            return m.bytes;
          });
        } catch (e) {
          throw new Error(`${where()}: rejected ${e}`);
        }
        const s = checkStatus(res.status, where(), res.detail);
        statuses.add(`${target}:${st(s)}`);
        if (s === SEC_E_OK) assert.fail(`${where()}: SEC_E_OK on a first step`);
        if (s !== SEC_I_CONTINUE_NEEDED) continue;
        // A ticket was obtained. For a mutated AS-REP or TGS-REP that needs the KDC's
        // enc-part unchanged (it is the only thing the client can authenticate).
        if (target !== "KRB-ERROR" && !equal(res.genuine!, res.sent!)) {
          let same = false;
          try {
            same = equal(
              decodeKdcRep(res.genuine!).encPart.cipher,
              decodeKdcRep(res.sent!).encPart.cipher,
            );
          } catch { /* undecodable: not the same */ }
          assert.ok(
            same,
            `${where()}: success with a changed enc-part\n${hex(res.sent!)}`,
          );
        }
        // The AP-REQ built on it is ours: the acceptor either refuses it (the
        // client cannot check a ticket) or sees alice.
        const sctx = new CtxtHandle();
        const a = asc(server, sctx, res.token!);
        const sa = checkStatus(a.status, where());
        if (sa === SEC_E_OK) assert.equal(clientName(sctx), ALICE, where());
        accepted.add(`${target}:${st(sa)}`);
        DeleteSecurityContext(sctx);
      }
    } finally {
      FreeCredentialsHandle(server);
    }
    console.log(
      `${N_KDC} KDC exchanges in ${
        (performance.now() - t0).toFixed(0)
      } ms: ${statuses}; ` +
        `AP-REQs after a success: ${accepted}`,
    );
  }));

Deno.test("Kerberos fuzz c: hostile ETYPE-INFO2 values (s2kparams, salts, etypes) in the KRB-ERROR give status codes quickly", () =>
  withKdc(async (kdc) => {
    await kdc.kadmin(`modprinc +requires_preauth ${KRB_USER.user}`);
    const rewrite =
      (entries: Parameters<typeof encodeEtypeInfo2>[0]) =>
      (reply: Uint8Array) => {
        const e: KrbError = decodeKrbError(reply);
        const methods = decodeMethodData(e.eData!).map((pa) =>
          pa.padataType === 19
            ? { padataType: 19, padataValue: encodeEtypeInfo2(entries) }
            : pa
        );
        return encodeKrbError({ ...e, eData: encodeMethodData(methods) });
      };
    const salt = `${REALM}${KRB_USER.user}`;
    const cases: [string, Parameters<typeof encodeEtypeInfo2>[0]][] = [
      ["no entries", []],
      ["only RC4", [{ etype: 23 }]],
      ["unknown etype", [{ etype: 0x7fffffff, salt }]],
      ["negative etype", [{ etype: -1, salt }]],
      ["s2kparams of 3 bytes", [{
        etype: 18,
        salt,
        s2kparams: new Uint8Array(3),
      }]],
      ["s2kparams of 0 iterations", [{
        etype: 18,
        salt,
        s2kparams: new Uint8Array(4),
      }]],
      ["s2kparams of 2^32-1 iterations", [{
        etype: 18,
        salt,
        s2kparams: new Uint8Array([255, 255, 255, 255]),
      }]],
      ["empty salt", [{ etype: 18, salt: "" }]],
      ["a 100 kB salt", [{ etype: 18, salt: "x".repeat(100_000) }]],
      ["another salt", [{ etype: 17, salt: "OTHER.REALMbob" }]],
      // RFC 8009 enctypes the account has no key of; SHA-384's PBKDF2 is bounded lower.
      ["etype 20, which alice lacks", [{ etype: 20, salt }]],
      ["etype 19, s2kparams of 0 iterations", [{
        etype: 19,
        salt,
        s2kparams: new Uint8Array(4),
      }]],
      ["etype 20, s2kparams of 262,145 iterations", [{
        etype: 20,
        salt,
        s2kparams: Uint8Array.of(0, 4, 0, 1),
      }]],
      ["etype 20, s2kparams of 2^32-1 iterations", [{
        etype: 20,
        salt,
        s2kparams: new Uint8Array([255, 255, 255, 255]),
      }]],
    ];
    for (const [name, entries] of cases) {
      const t0 = performance.now();
      const res = await throughRelay(kdc, "KRB-ERROR", rewrite(entries));
      const s = checkStatus(res.status, name, res.detail);
      assert.ok(s >= 0x80000000, `${name}: ${st(s)}`);
      assert.ok(performance.now() - t0 < 3000, `${name}: too slow`);
    }
  }));
