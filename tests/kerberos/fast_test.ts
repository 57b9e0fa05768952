// Kerberos armoring (FAST, RFC 6113) of our client's AS exchange against MIT krb5's
// KDC: an armor TGT from `kinit -k` (a ccache) or from a keytab the package logs on
// with itself; armored logons (no pre-authentication required, and encrypted
// challenge for a +requires_preauth principal) whose tickets then serve a real AP
// exchange with our acceptor; what the wire shows (only PA-FX-FAST outside the
// requests, PA-FX-FAST in the KDC's replies and errors); a wrong password refused
// through the FAST error; replies altered by a relay refused with a status; and a
// KDC that answers without FAST (a relay strips it) refused unless fallback is on.
import assert from "node:assert/strict";
import {
  FreeCredentialsHandle,
  SEC_E_DOWNGRADE_DETECTED,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_CRED_OUTBOUND,
} from "../../mod.ts";
import {
  decodeAsReq,
  decodeKdcRep,
  decodeKrbError,
  decodeMethodData,
} from "../../src/packages/kerberos/messages.ts";
import { PA_FX_FAST } from "../../src/packages/kerberos/constants.ts";
import { acquireKerberosCredential } from "../../src/packages/kerberos/credentials_acquire.ts";
import { getTgt } from "../../src/packages/kerberos/kdc.ts";
import { fastEvidence } from "../../src/packages/kerberos/fast_as.ts";
import { SspiError } from "../../src/sspi/errors.ts";
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
  armorSetup,
  BOB,
  errorPadataTypes,
  indexOf,
  isAsReqOf,
  logonAndAp,
  relay,
  type Seen,
  st,
  stripFast,
} from "./_fast_helpers.ts";

Deno.test("FAST with MIT krb5: armor TGT from kinit -k; armored logon, our acceptor; only PA-FX-FAST on the wire", async () => {
  await withKdc(async (kdc) => {
    const { ccache } = await armorSetup(kdc);
    const log: Seen[] = [];
    const status = await logonAndAp(kdc, {
      User: KRB_USER.user,
      Domain: REALM,
      Password: KRB_USER.password,
      KdcTransport: relay(kdc, log),
      FastArmor: ccache,
    });
    assert.equal(st(status), st(SEC_E_OK));
    const as = log.filter((x) => x.req[0] === 0x6a);
    assert.equal(as.length, 1, "alice needs no pre-authentication: one AS-REQ");
    for (const { req, rep } of as) {
      const r = decodeAsReq(req);
      assert.deepEqual(r.padata?.map((p) => p.padataType), [PA_FX_FAST]);
      assert.equal(rep[0], 0x6b, "an AS-REP");
      const types = decodeKdcRep(rep).padata?.map((p) => p.padataType);
      assert.deepEqual(types, [PA_FX_FAST], "the reply is armored");
    }
  });
});

Deno.test("FAST with MIT krb5: keytab armor; encrypted challenge for +requires_preauth; wrong password SEC_E_LOGON_DENIED through the FAST error", async () => {
  await withKdc(async (kdc) => {
    const { keytab } = await armorSetup(kdc);
    const log: Seen[] = [];
    const authData = (password: string) => ({
      User: BOB.user,
      Domain: REALM,
      Password: password,
      KdcTransport: relay(kdc, log),
      FastArmor: { Keytab: keytab, Principal: "host/localhost" },
    });
    // The credential itself: its evidence of the armored exchange.
    const cred = acquireKerberosCredential({
      principal: null,
      use: SECPKG_CRED_OUTBOUND,
      authData: authData(BOB.password),
      async: true,
    });
    try {
      const tgt = await getTgt(cred);
      assert.deepEqual(tgt.cname.nameString, [BOB.user]);
      assert.deepEqual(fastEvidence(cred), {
        finishedVerified: true,
        strengthened: true,
        encryptedChallenge: true,
        kdcChallengeVerified: true,
      });
    } finally {
      cred.dispose();
    }
    const bobs = log.filter((x) => isAsReqOf(x.req, BOB.user));
    assert.equal(bobs.length, 2, "PREAUTH_REQUIRED, then the challenge");
    assert.deepEqual(errorPadataTypes(bobs[0].rep), [PA_FX_FAST]);
    for (const { req } of bobs) {
      assert.deepEqual(
        decodeAsReq(req).padata?.map((p) => p.padataType),
        [PA_FX_FAST],
      );
    }
    assert.ok(
      log.some((x) => isAsReqOf(x.req, "host/localhost")),
      "the package got the armor TGT with the keytab",
    );
    // Through SSPI: a ticket for a real AP exchange.
    assert.equal(
      st(await logonAndAp(kdc, authData(BOB.password))),
      st(SEC_E_OK),
    );
    // A wrong password: the KDC's PREAUTH_FAILED, inside FAST.
    log.length = 0;
    const bad = await acquireKrb("Kerberos", authData("wrong"));
    assert.equal(st(bad.status), st(SEC_E_OK));
    const r = await iscStep(bad.cred, newCtx(), true, SERVICE, null);
    FreeCredentialsHandle(bad.cred);
    assert.equal(st(r.status), st(SEC_E_LOGON_DENIED));
    const last = log.filter((x) => isAsReqOf(x.req, BOB.user)).at(-1)!;
    assert.equal(last.rep[0], 0x7e, "a KRB-ERROR");
    assert.equal(decodeKrbError(last.rep).errorCode, 24, "PREAUTH_FAILED");
    assert.deepEqual(errorPadataTypes(last.rep), [PA_FX_FAST], "armored");
  });
});

Deno.test("FAST with MIT krb5: replies altered in transit are refused with a status", async () => {
  await withKdc(async (kdc) => {
    const { ccache } = await armorSetup(kdc);
    /** Flips the last byte of `part` where it sits in `rep`. */
    const flip = (rep: Uint8Array, part: Uint8Array) => {
      const at = indexOf(rep, part);
      assert.ok(at >= 0);
      rep[at + part.length - 1] ^= 1;
      return rep;
    };
    const cases: [string, string, (rep: Uint8Array) => Uint8Array, number][] = [
      [
        "enc-fast-rep of the AS-REP",
        KRB_USER.user,
        (rep) =>
          rep[0] === 0x6b
            ? flip(rep, decodeKdcRep(rep).padata![0].padataValue)
            : rep,
        SEC_E_MESSAGE_ALTERED,
      ],
      [
        "the AS-REP's ticket (the finished checksum no longer matches)",
        KRB_USER.user,
        (rep) =>
          rep[0] === 0x6b
            ? flip(rep, decodeKdcRep(rep).ticket.encPart.cipher)
            : rep,
        SEC_E_MESSAGE_ALTERED,
      ],
      [
        "the FAST error's enc-fast-rep",
        BOB.user,
        (rep) =>
          rep[0] === 0x7e
            ? flip(
              rep,
              decodeMethodData(decodeKrbError(rep).eData!)[0].padataValue,
            )
            : rep,
        SEC_E_MESSAGE_ALTERED,
      ],
    ];
    for (const [what, user, onRep, want] of cases) {
      const { status, cred } = await acquireKrb("Kerberos", {
        User: user,
        Domain: REALM,
        Password: user === BOB.user ? BOB.password : KRB_USER.password,
        KdcTransport: relay(kdc, [], {
          onRep: (rep, req) => isAsReqOf(req, user) ? onRep(rep) : rep,
        }),
        FastArmor: { Ccache: ccache },
      });
      assert.equal(st(status), st(SEC_E_OK));
      const r = await iscStep(cred, newCtx(), true, SERVICE, null);
      FreeCredentialsHandle(cred);
      assert.equal(st(r.status), st(want), what);
    }
  });
});

Deno.test("FAST with MIT krb5: a KDC answering without FAST is SEC_E_DOWNGRADE_DETECTED unless AllowFallback", async () => {
  await withKdc(async (kdc) => {
    const { ccache } = await armorSetup(kdc);
    for (const u of [KRB_USER, BOB]) {
      for (const allow of [false, true]) {
        const log: Seen[] = [];
        const { status, cred } = await acquireKrb("Kerberos", {
          User: u.user,
          Domain: REALM,
          Password: u.password,
          KdcTransport: relay(kdc, log, { onReq: stripFast }),
          FastArmor: { Ccache: ccache, AllowFallback: allow },
        });
        assert.equal(st(status), st(SEC_E_OK));
        const r = await iscStep(cred, newCtx(), true, SERVICE, null);
        FreeCredentialsHandle(cred);
        if (allow) {
          assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED), u.user);
          assert.ok(
            log.some((x) =>
              x.req[0] === 0x6a &&
              !decodeAsReq(x.req).padata?.some((p) =>
                p.padataType === PA_FX_FAST
              )
            ),
            "the fallback sent a plain AS-REQ",
          );
        } else {
          assert.equal(st(r.status), st(SEC_E_DOWNGRADE_DETECTED), u.user);
          assert.equal(log.filter((x) => x.req[0] === 0x6a).length, 1);
        }
      }
    }
  });
});

Deno.test("FastArmor: unusable options are SEC_E_NO_CREDENTIALS when acquiring", async () => {
  const base = {
    User: "alice",
    Domain: "EXAMPLE.TEST",
    Password: "pw",
    Kdc: "127.0.0.1:1",
  };
  const garbage = new Uint8Array([5, 4, 0, 0, 1, 2, 3]);
  for (
    const FastArmor of [
      "/nonexistent/ccache",
      { Ccache: garbage },
      {},
      { Ccache: "/x", Keytab: "/y" },
      { Keytab: "/nonexistent/keytab", Principal: "host/x" },
      { Keytab: garbage },
      { Ccache: "/x", AllowFallback: "yes" },
      42,
    ]
  ) {
    const { status } = await acquireKrb("Kerberos", { ...base, FastArmor });
    assert.equal(
      st(status),
      st(SEC_E_NO_CREDENTIALS),
      JSON.stringify(FastArmor),
    );
    assert.throws(
      () =>
        acquireKerberosCredential({
          principal: null,
          use: SECPKG_CRED_OUTBOUND,
          authData: { ...base, FastArmor },
          async: true,
        }),
      (e) => e instanceof SspiError && e.status === SEC_E_NO_CREDENTIALS,
    );
  }
});

/** Whether `req` is a TGS-REQ. */
