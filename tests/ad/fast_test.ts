// Kerberos armoring (FAST, RFC 6113) against a real Active Directory DC: Samba
// 4.17's AD DC, whose KDC is Heimdal with AD's rules. A computer joined to the
// domain gets the armor TGT (from its keytab, by the package itself, or by MIT's
// `kinit -k` into a ccache), as a Windows member armors its users' logons with its
// machine TGT; a user's armored logon pre-authenticates with encrypted challenge,
// its AS-REP and TGS-REP come inside FAST (finished checksum, strengthened reply
// key), the service ticket serves an AP exchange with our acceptor (the keytab AD
// exports for the service), and a wrong password is refused inside FAST. With the
// KDC told to refuse unarmored encrypted timestamps (Heimdal's
// `enable_unarmored_pa_enc_timestamp = false` in Samba's own krb5.conf; Samba 4.17
// has no smb.conf option for it), an unarmored password logon is refused and the
// armored one works.
import assert from "node:assert/strict";
import {
  DeleteSecurityContext,
  FreeCredentialsHandle,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
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
  decodeTgsReq,
} from "../../src/packages/kerberos/messages.ts";
import {
  PA_FX_FAST,
  PA_TGS_REQ,
} from "../../src/packages/kerberos/constants.ts";
import { acquireKerberosCredential } from "../../src/packages/kerberos/credentials_acquire.ts";
import { getTgt, tgsExchange } from "../../src/packages/kerberos/kdc.ts";
import { fastEvidence } from "../../src/packages/kerberos/fast_as.ts";
import { fastTgsEvidence } from "../../src/packages/kerberos/fast_tgs.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  newCtx,
} from "../kerberos/_kdc_helpers.ts";
import { AD, type SambaDc, withSambaDc } from "../peers/samba_ad.ts";

const st = (s: number) => statusName(s);
const ALICE = { user: "alice", password: "Al1ce!Passw0rd" };
const WEB = {
  account: "websvc",
  password: "W3b!Passw0rd-long",
  spns: ["HTTP/web.ad.example.test"],
  enctypes: 0x18,
};
const WS1 = { name: "WS1", password: "M4chine!Passw0rd-WS1-long" };

/** One KDC message pair seen by the relay. */
interface Seen {
  req: Uint8Array;
  rep: Uint8Array;
}

/** A relay to the DC's KDC that logs every exchange. */
function relay(dc: SambaDc, log: Seen[]): KdcTransport {
  const tcp = tcpTransport([dc.kdc], 5000);
  return async (realm, req) => {
    const rep = await tcp(realm, req);
    log.push({ req: req.slice(), rep: rep.slice() });
    return rep;
  };
}

/** Whether `req` is an AS-REQ for `user`. */
function isAsReqOf(req: Uint8Array, user: string): boolean {
  return req[0] === 0x6a &&
    decodeAsReq(req).cname?.nameString.join("/") === user;
}

/** The padata types of the METHOD-DATA in a KRB-ERROR's e-data. */
function errorPadataTypes(rep: Uint8Array): number[] {
  const e = decodeKrbError(rep);
  return e.eData ? decodeMethodData(e.eData).map((p) => p.padataType) : [];
}

/** The armor computer's keytab (its `WS1$` keys, as the DC exports them). */
async function machineKeytab(dc: SambaDc): Promise<string> {
  await dc.addComputer(WS1.name, WS1.password);
  return await dc.exportKeytab(`${WS1.name}$`);
}

/** `kinit -k` of the computer into a new ccache, with the DC's krb5.conf. */
async function kinitMachine(dc: SambaDc, keytab: string): Promise<string> {
  const ccache = `${dc.dir}/armor.ccache`;
  const o = await new Deno.Command("kinit", {
    args: ["-k", "-t", keytab, "-c", `FILE:${ccache}`, `${WS1.name}$`],
    env: dc.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(o.success, new TextDecoder().decode(o.stderr));
  return ccache;
}

/**
 * A logon of `authData`'s user, a service ticket for WEB and an AP exchange with
 * our acceptor (WEB's keytab); the client's last status.
 */
async function logonAndAp(
  authData: unknown,
  webKeytab: Uint8Array,
): Promise<number> {
  const { status, cred } = await acquireKrb("Kerberos", authData);
  assert.equal(st(status), st(SEC_E_OK));
  const inbound = acquireInbound("Kerberos", { Keytab: webKeytab });
  assert.equal(st(inbound.status), st(SEC_E_OK));
  const ctx = newCtx();
  const sctx = newCtx();
  try {
    const a = await iscStep(cred, ctx, true, WEB.spns[0], null);
    if (a.status !== SEC_I_CONTINUE_NEEDED) return a.status;
    const s = accept(inbound.cred, sctx, a.token!);
    assert.equal(st(s.status), st(SEC_E_OK));
    const b = await iscStep(cred, ctx, false, WEB.spns[0], s.token);
    return b.status;
  } finally {
    DeleteSecurityContext(ctx);
    DeleteSecurityContext(sctx);
    FreeCredentialsHandle(cred);
    FreeCredentialsHandle(inbound.cred);
  }
}

/** Asserts every TGS exchange in `log` went armored (implicit armor) and came back so. */
function assertArmoredTgs(log: Seen[]): number {
  const tgs = log.filter((x) => x.req[0] === 0x6c);
  for (const { req, rep } of tgs) {
    const r = decodeTgsReq(req);
    assert.deepEqual(r.padata?.map((p) => p.padataType), [
      PA_TGS_REQ,
      PA_FX_FAST,
    ]);
    assert.equal(rep[0], 0x6d, "a TGS-REP");
    assert.deepEqual(
      decodeKdcRep(rep).padata?.map((p) => p.padataType),
      [PA_FX_FAST],
      "the TGS-REP is armored",
    );
  }
  return tgs.length;
}

Deno.test("FAST with a Samba AD DC: machine armor, encrypted challenge, armored TGS, our acceptor; wrong password", async (t) => {
  await withSambaDc([ALICE], [WEB], async (dc) => {
    const keytab = await machineKeytab(dc);
    const webKeytab = await Deno.readFile(await dc.exportKeytab(WEB.account));
    const log: Seen[] = [];
    const authData = (password: string, armor: unknown) => ({
      User: ALICE.user,
      Domain: AD.realm,
      Password: password,
      KdcTransport: relay(dc, log),
      FastArmor: armor,
    });
    const keytabArmor = { Keytab: keytab, Principal: `${WS1.name}$` };

    await t.step(
      "keytab armor: the armored AS exchange's evidence",
      async () => {
        const cred = acquireKerberosCredential({
          principal: null,
          use: SECPKG_CRED_OUTBOUND,
          authData: authData(ALICE.password, keytabArmor),
          async: true,
        });
        try {
          const tgt = await getTgt(cred);
          assert.deepEqual(tgt.cname.nameString, [ALICE.user]);
          assert.deepEqual(fastEvidence(cred), {
            finishedVerified: true,
            strengthened: true,
            encryptedChallenge: true,
            kdcChallengeVerified: true,
          });
        } finally {
          cred.dispose();
        }
        assert.ok(
          log.some((x) => isAsReqOf(x.req, `${WS1.name}$`)),
          "the package got the machine's armor TGT from its keytab",
        );
        const alices = log.filter((x) => isAsReqOf(x.req, ALICE.user));
        assert.equal(alices.length, 2, "PREAUTH_REQUIRED, then the challenge");
        for (const { req } of alices) {
          assert.deepEqual(
            decodeAsReq(req).padata?.map((p) => p.padataType),
            [PA_FX_FAST],
            "only PA-FX-FAST outside",
          );
        }
        assert.deepEqual(errorPadataTypes(alices[0].rep), [PA_FX_FAST]);
        assert.equal(alices[1].rep[0], 0x6b, "an AS-REP");
        assert.deepEqual(
          decodeKdcRep(alices[1].rep).padata?.map((p) => p.padataType),
          [PA_FX_FAST],
        );
      },
    );

    for (
      const [what, armor] of [
        ["keytab armor", keytabArmor],
        ["kinit -k ccache armor", await kinitMachine(dc, keytab)],
      ] as const
    ) {
      await t.step(`${what}: a service ticket for our acceptor`, async () => {
        log.length = 0;
        const status = await logonAndAp(
          authData(ALICE.password, armor),
          webKeytab,
        );
        assert.equal(st(status), st(SEC_E_OK));
        assert.ok(assertArmoredTgs(log) >= 1, "a TGS exchange, armored");
      });
    }

    await t.step(
      "TGS evidence: finished checksum and strengthened key",
      async () => {
        const cred = acquireKerberosCredential({
          principal: null,
          use: SECPKG_CRED_OUTBOUND,
          authData: authData(ALICE.password, keytabArmor),
          async: true,
        });
        try {
          const { statusOfFirstStep } = await firstStep(cred);
          assert.equal(st(statusOfFirstStep), st(SEC_E_OK));
          assert.deepEqual(fastTgsEvidence(cred), {
            finishedVerified: true,
            strengthened: true,
          });
        } finally {
          cred.dispose();
        }
      },
    );

    await t.step(
      "a wrong password: SEC_E_LOGON_DENIED inside FAST",
      async () => {
        log.length = 0;
        const bad = await acquireKrb(
          "Kerberos",
          authData("wrong", keytabArmor),
        );
        assert.equal(st(bad.status), st(SEC_E_OK));
        const r = await iscStep(bad.cred, newCtx(), true, WEB.spns[0], null);
        FreeCredentialsHandle(bad.cred);
        assert.equal(st(r.status), st(SEC_E_LOGON_DENIED));
        const last = log.filter((x) => isAsReqOf(x.req, ALICE.user)).at(-1)!;
        assert.equal(last.rep[0], 0x7e, "a KRB-ERROR");
        assert.deepEqual(errorPadataTypes(last.rep), [PA_FX_FAST], "armored");
      },
    );
  });
});

/** The TGS exchange for WEB with an outbound credential: its status. */
async function firstStep(
  cred: ReturnType<typeof acquireKerberosCredential>,
): Promise<{ statusOfFirstStep: number }> {
  try {
    const tgt = await getTgt(cred);
    await tgsExchange(cred, tgt, {
      nameType: 2,
      nameString: WEB.spns[0].split("/"),
    }, 0);
    return { statusOfFirstStep: SEC_E_OK };
  } catch (e) {
    if (e instanceof SspiError) return { statusOfFirstStep: e.status };
    throw e;
  }
}

/** `userAccountControl` flag: no pre-authentication (UF_DONT_REQUIRE_PREAUTH). */
const UF_DONT_REQUIRE_PREAUTH = 0x400000;

/**
 * Samba's KDC (Heimdal) told to refuse encrypted timestamps outside FAST: with no
 * PKINIT, a password logon must then be armored. Heimdal requires pre-auth of
 * every AS-REQ by default (`require-preauth`); off, the accounts' flags decide.
 */
const REQUIRE_FAST_KDC_CONF = "[kdc]\n" +
  " enable_unarmored_pa_enc_timestamp = false\n" +
  " require-preauth = false\n";

Deno.test("FAST with a Samba AD DC that refuses unarmored encrypted timestamps", async () => {
  await withSambaDc(
    [ALICE],
    [WEB],
    async (dc) => {
      // The armor TGT itself cannot be had with a timestamp any more: the computer
      // (its key random and strong, as FAST assumes of host keys) logs on without
      // pre-authentication. Heimdal asks pre-auth when the client or the server
      // (krbtgt) account's flags ask it, so both get UF_DONT_REQUIRE_PREAUTH;
      // alice's account still requires it. (The computer is created under
      // CN=Users, where the harness sets attributes.)
      await dc.tool("computer", "create", WS1.name, "--computerou=CN=Users");
      await dc.tool(
        "user",
        "setpassword",
        `${WS1.name}$`,
        `--newpassword=${WS1.password}`,
      );
      await dc.setAttribute(
        WS1.name,
        "userAccountControl",
        0x1000 | UF_DONT_REQUIRE_PREAUTH, // a workstation trust account
      );
      await dc.setAttribute(
        "krbtgt",
        "userAccountControl",
        0x202 | UF_DONT_REQUIRE_PREAUTH, // disabled, normal, as AD's krbtgt
      );
      const keytab = await dc.exportKeytab(`${WS1.name}$`);
      const webKeytab = await Deno.readFile(
        await dc.exportKeytab(WEB.account),
      );
      const log: Seen[] = [];
      const plain = {
        User: ALICE.user,
        Domain: AD.realm,
        Password: ALICE.password,
        KdcTransport: relay(dc, log),
      };
      // Unarmored: the KDC offers no pre-authentication a password can do.
      const { status, cred } = await acquireKrb("Kerberos", plain);
      assert.equal(st(status), st(SEC_E_OK));
      const r = await iscStep(cred, newCtx(), true, WEB.spns[0], null);
      FreeCredentialsHandle(cred);
      assert.notEqual(st(r.status), st(SEC_E_OK));
      assert.notEqual(st(r.status), st(SEC_I_CONTINUE_NEEDED));
      const first = log.find((x) => isAsReqOf(x.req, ALICE.user))!;
      assert.equal(first.rep[0], 0x7e);
      assert.ok(
        !errorPadataTypes(first.rep).includes(2),
        "no PA-ENC-TIMESTAMP",
      );
      // Armored: encrypted challenge, and the ticket works.
      log.length = 0;
      const armored = await logonAndAp({
        ...plain,
        FastArmor: { Keytab: keytab, Principal: `${WS1.name}$` },
      }, webKeytab);
      assert.equal(st(armored), st(SEC_E_OK));
      const alices = log.filter((x) => isAsReqOf(x.req, ALICE.user));
      assert.equal(alices.at(-1)!.rep[0], 0x6b, "an armored AS-REP");
      assert.ok(assertArmoredTgs(log) >= 1);
    },
    { kdcKrb5Conf: REQUIRE_FAST_KDC_CONF },
  );
});
