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
  DeleteSecurityContext,
  FreeCredentialsHandle,
  QueryContextAttributes,
  SEC_E_DOWNGRADE_DETECTED,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_NAMES,
  SECPKG_CRED_OUTBOUND,
  statusName,
} from "../../mod.ts";
import {
  type KdcTransport,
  tcpTransport,
} from "../../src/packages/kerberos/transport.ts";
import {
  decodeAsReq,
  decodeKdcRep,
  decodeKrbError,
  decodeMethodData,
  encodeAsReq,
  encodePaPacRequest,
} from "../../src/packages/kerberos/messages.ts";
import {
  PA_FX_FAST,
  PA_PAC_REQUEST,
} from "../../src/packages/kerberos/constants.ts";
import { acquireKerberosCredential } from "../../src/packages/kerberos/credentials_acquire.ts";
import { getTgt } from "../../src/packages/kerberos/kdc.ts";
import { fastEvidence } from "../../src/packages/kerberos/fast_as.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  KRB_USER,
  newCtx,
  REALM,
  SERVICE,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);

/** A user whose principal requires pre-authentication (encrypted challenge in FAST). */
const BOB = { user: "bob", password: "Bob-Passw0rd" };

/** The armor ccache and keytab this KDC's `host/localhost` gets, and bob. */
async function armorSetup(
  kdc: MitKdc,
): Promise<{ ccache: string; keytab: string }> {
  const dir = kdc.env.KRB5_CONFIG.replace(/\/krb5\.conf$/, "");
  const keytab = `${dir}/armor.keytab`;
  const ccache = `${dir}/armor.ccache`;
  await kdc.kadmin(
    `addprinc +requires_preauth -pw ${BOB.password} ${BOB.user}`,
  );
  await kdc.kadmin(`ktadd -k ${keytab} host/localhost`);
  const o = await new Deno.Command("kinit", {
    args: ["-k", "-t", keytab, "-c", `FILE:${ccache}`, "host/localhost"],
    env: kdc.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(o.success, new TextDecoder().decode(o.stderr));
  return { ccache, keytab };
}

/** One KDC message pair seen by the relay. */
interface Seen {
  req: Uint8Array;
  rep: Uint8Array;
}

/**
 * A relay to the KDC that logs every exchange and may rewrite the request
 * (`onReq`) or the reply (`onRep`).
 */
function relay(
  kdc: MitKdc,
  log: Seen[],
  hooks: {
    onReq?: (req: Uint8Array) => Uint8Array;
    onRep?: (rep: Uint8Array, req: Uint8Array) => Uint8Array;
  } = {},
): KdcTransport {
  const tcp = tcpTransport([kdc.kdc], 5000);
  return async (realm, req) => {
    const sent = hooks.onReq ? hooks.onReq(req) : req;
    let rep = await tcp(realm, sent);
    if (hooks.onRep) rep = hooks.onRep(rep.slice(), req);
    log.push({ req: req.slice(), rep: rep.slice() });
    return rep;
  };
}

/** Whether `req` is an AS-REQ for `user` (not the armor principal's own logon). */
function isAsReqOf(req: Uint8Array, user: string): boolean {
  if (req[0] !== 0x6a) return false;
  return decodeAsReq(req).cname?.nameString.join("/") === user;
}

/** The offset of `part` inside `whole` (a subarray search). */
function indexOf(whole: Uint8Array, part: Uint8Array): number {
  outer: for (let i = 0; i + part.length <= whole.length; i++) {
    for (let j = 0; j < part.length; j++) {
      if (whole[i + j] !== part[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** The padata types of the METHOD-DATA in a KRB-ERROR's e-data. */
function errorPadataTypes(rep: Uint8Array): number[] {
  const e = decodeKrbError(rep);
  return e.eData ? decodeMethodData(e.eData).map((p) => p.padataType) : [];
}

/** Our client logs on, gets a ticket for SERVICE and completes an AP exchange with our acceptor. */
async function logonAndAp(kdc: MitKdc, authData: unknown): Promise<number> {
  const { status, cred } = await acquireKrb("Kerberos", authData);
  assert.equal(st(status), st(SEC_E_OK));
  const inbound = acquireInbound("Kerberos", { Keytab: keytabPath(kdc) });
  assert.equal(st(inbound.status), st(SEC_E_OK));
  const ctx = newCtx();
  const sctx = newCtx();
  try {
    const a = await iscStep(cred, ctx, true, SERVICE, null);
    if (a.status !== SEC_I_CONTINUE_NEEDED) return a.status;
    const s = accept(inbound.cred, sctx, a.token!);
    assert.equal(st(s.status), st(SEC_E_OK));
    const b = await iscStep(cred, ctx, false, SERVICE, s.token);
    assert.equal(st(b.status), st(SEC_E_OK));
    const names = { value: null as unknown };
    assert.equal(QueryContextAttributes(sctx, SECPKG_ATTR_NAMES, names), 0);
    return b.status;
  } finally {
    DeleteSecurityContext(ctx);
    DeleteSecurityContext(sctx);
    FreeCredentialsHandle(cred);
    FreeCredentialsHandle(inbound.cred);
  }
}

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

/** Sends an armored AS-REQ on without its PA-FX-FAST: what a KDC without FAST sees. */
function stripFast(req: Uint8Array): Uint8Array {
  if (req[0] !== 0x6a) return req;
  const r = decodeAsReq(req);
  if (!r.padata?.some((p) => p.padataType === PA_FX_FAST)) return req;
  return encodeAsReq({
    padata: [{
      padataType: PA_PAC_REQUEST,
      padataValue: encodePaPacRequest(true),
    }],
  }, r.reqBody);
}

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
