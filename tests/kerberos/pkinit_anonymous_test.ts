// Anonymous PKINIT (RFC 8062) of our Kerberos client against MIT krb5's KDC and its
// pkinit plugin, and FAST armor from the anonymous TGT (what `kinit -n` then
// `kinit -T` do): the anonymous TGT (its client name, its anonymous flag, the KDC's
// checked certificate and PA-PKINIT-KX) and what the wire shows (WELLKNOWN/ANONYMOUS,
// request-anonymous, a SignedData without signer or certificates); a +requires_preauth
// user armored with it (encrypted challenge inside FAST), tickets then used with our
// acceptor; MIT's own `kinit -n` against the same KDC; a KDC certificate under other
// roots refused; a KDC without the WELLKNOWN/ANONYMOUS principal; bad options refused.
import assert from "node:assert/strict";
import {
  FreeCredentialsHandle,
  SEC_E_ISSUING_CA_UNTRUSTED_KDC,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_PREAUTH,
  SEC_E_WRONG_PRINCIPAL,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import {
  decodeAsReq,
  decodeKdcRep,
  decodeTgsReq,
} from "../../src/packages/kerberos/messages.ts";
import {
  KDC_OPT_REQUEST_ANONYMOUS,
  PA_FX_FAST,
  PA_PK_AS_REQ,
  TKT_FLG_ANONYMOUS,
} from "../../src/packages/kerberos/constants.ts";
import { acquireKerberosCredential } from "../../src/packages/kerberos/credentials_acquire.ts";
import { getTgt } from "../../src/packages/kerberos/kdc.ts";
import { fastEvidence } from "../../src/packages/kerberos/fast_as.ts";
import { pkinitEvidence } from "../../src/packages/kerberos/pkinit_as.ts";
import {
  ANONYMOUS_REALM,
  PA_PKINIT_KX,
} from "../../src/packages/kerberos/pkinit_anonymous.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { SECPKG_CRED_OUTBOUND } from "../../src/sspi/flags.ts";
import { parsePem } from "../../src/pki/pem.ts";
import { isCI } from "../peers/availability.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  acquireKrb,
  iscStep,
  KRB_USER,
  newCtx,
  REALM,
  SERVICE,
} from "./_kdc_helpers.ts";
import {
  armorSetup,
  BOB,
  indexOf,
  isAsReqOf,
  logonAndAp,
  relay,
  type Seen,
  st,
} from "./_fast_helpers.ts";
import {
  makePkinitPki,
  type PkinitPki,
  pkinitPluginAvailable,
  startPkinitKdc,
} from "./_pkinit_pki.ts";
import { kdcAvailable } from "../peers/mit_kdc.ts";

const ready = await kdcAvailable() && await pkinitPluginAvailable();
const read = (p: string) => Deno.readTextFileSync(p);

/**
 * Runs `fn` with a PKINIT-enabled KDC, the test PKI and (unless `anonymous` is
 * false) the WELLKNOWN/ANONYMOUS principal that enables anonymous PKINIT in MIT.
 */
async function withAnonKdc(
  fn: (kdc: MitKdc, pki: PkinitPki) => Promise<void>,
  anonymous = true,
): Promise<void> {
  const pki = await makePkinitPki(REALM);
  const kdc = await startPkinitKdc(pki);
  try {
    if (anonymous) await kdc.kadmin("addprinc -randkey WELLKNOWN/ANONYMOUS");
    await fn(kdc, pki);
  } finally {
    await kdc.close();
    await Deno.remove(pki.dir, { recursive: true }).catch(() => {});
  }
}

/** The `pAuthData` of an anonymous logon. */
function anonAuth(
  kdc: MitKdc,
  roots: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    Anonymous: true,
    Domain: REALM,
    KdcRootCertificates: roots,
    Kdc: kdc.kdc,
    ...extra,
  };
}

/** A credential (the package's object) for `authData`. */
function credOf(authData: unknown) {
  return acquireKerberosCredential({
    principal: null,
    use: SECPKG_CRED_OUTBOUND,
    authData,
    async: true,
  });
}

/** The status `fn` throws as an `SspiError` (SEC_E_OK when it does not throw). */
async function statusOf(fn: () => Promise<unknown>): Promise<number> {
  try {
    await fn();
    return SEC_E_OK;
  } catch (e) {
    if (e instanceof SspiError) return e.status;
    throw e;
  }
}

Deno.test({
  name:
    "anonymous PKINIT with MIT krb5: the anonymous TGT, its name and flag; the request on the wire",
  ignore: !ready && !isCI(),
  fn: () =>
    withAnonKdc(async (kdc, pki) => {
      const log: Seen[] = [];
      const cred = credOf(
        anonAuth(kdc, read(pki.ca.cert), { KdcTransport: relay(kdc, log) }),
      );
      try {
        const t = await getTgt(cred);
        assert.deepEqual(t.cname, {
          nameType: 11,
          nameString: ["WELLKNOWN", "ANONYMOUS"],
        });
        assert.equal(t.crealm, ANONYMOUS_REALM);
        assert.ok((t.flags ?? 0) & TKT_FLG_ANONYMOUS, "the anonymous flag");
        assert.deepEqual(t.ticket.sname.nameString, ["krbtgt", REALM]);
        const ev = pkinitEvidence(cred)!;
        assert.equal(ev.kdcCertificate.subjectCommonName, "kdc");
        assert.equal(ev.pkinitKx, true, "MIT sends PA-PKINIT-KX; it matched");
      } finally {
        cred.dispose();
      }
      const as = log.filter((x) => x.req[0] === 0x6a);
      assert.equal(as.length, 1, "one AS exchange");
      const req = decodeAsReq(as[0].req);
      assert.deepEqual(req.cname, {
        nameType: 11,
        nameString: ["WELLKNOWN", "ANONYMOUS"],
      });
      assert.ok(
        req.kdcOptions & KDC_OPT_REQUEST_ANONYMOUS,
        "request-anonymous",
      );
      const pa = req.padata!.find((p) => p.padataType === PA_PK_AS_REQ)!;
      // No certificate of anybody's, and the SignedData ends with empty SignerInfos.
      for (const der of parsePem(read(pki.ca.cert), "CERTIFICATE")) {
        assert.equal(indexOf(pa.padataValue, der.subarray(4, 40)), -1);
      }
      const v = pa.padataValue;
      assert.deepEqual([...v.subarray(v.length - 2)], [0x31, 0x00]);
      const types = decodeKdcRep(as[0].rep).padata?.map((p) => p.padataType);
      assert.ok(types?.includes(PA_PKINIT_KX), "PA-PKINIT-KX in the AS-REP");
    }),
});

Deno.test({
  name:
    "anonymous PKINIT with MIT krb5: an anonymous credential gets a service ticket our acceptor takes",
  ignore: !ready && !isCI(),
  fn: () =>
    withAnonKdc(async (kdc, pki) => {
      assert.equal(
        st(await logonAndAp(kdc, anonAuth(kdc, read(pki.ca.cert)))),
        st(SEC_E_OK),
      );
    }),
});

Deno.test({
  name:
    "anonymous PKINIT with MIT krb5: FAST armor for a +requires_preauth user (encrypted challenge), armored TGS, our acceptor",
  ignore: !ready && !isCI(),
  fn: () =>
    withAnonKdc(async (kdc, pki) => {
      await armorSetup(kdc);
      const log: Seen[] = [];
      const authData = {
        User: BOB.user,
        Domain: REALM,
        Password: BOB.password,
        KdcTransport: relay(kdc, log),
        FastArmor: { Anonymous: true, KdcRootCertificates: read(pki.ca.cert) },
      };
      const cred = credOf(authData);
      try {
        const tgt = await getTgt(cred);
        assert.deepEqual(tgt.cname.nameString, [BOB.user]);
        assert.deepEqual(fastEvidence(cred), {
          finishedVerified: true,
          strengthened: true,
          encryptedChallenge: true,
          kdcChallengeVerified: true,
        });
        const armor = cred.fast!.machine!.tgt!;
        assert.equal(armor.crealm, ANONYMOUS_REALM);
        assert.ok((armor.flags ?? 0) & TKT_FLG_ANONYMOUS);
      } finally {
        cred.dispose();
      }
      const anon = log.filter((x) => isAsReqOf(x.req, "WELLKNOWN/ANONYMOUS"));
      assert.equal(anon.length, 1, "one anonymous AS exchange for the armor");
      const bobs = log.filter((x) => isAsReqOf(x.req, BOB.user));
      assert.equal(bobs.length, 2, "PREAUTH_REQUIRED, then the challenge");
      for (const { req } of bobs) {
        assert.deepEqual(
          decodeAsReq(req).padata?.map((p) => p.padataType),
          [PA_FX_FAST],
        );
      }
      // The whole logon: armored AS and TGS, the ticket taken by our acceptor.
      log.length = 0;
      assert.equal(st(await logonAndAp(kdc, authData)), st(SEC_E_OK));
      const tgs = log.filter((x) => x.req[0] === 0x6c);
      assert.ok(tgs.length >= 1);
      for (const { req } of tgs) {
        const types = decodeTgsReq(req).padata?.map((p) => p.padataType);
        assert.ok(types?.includes(PA_FX_FAST), "the TGS-REQ is armored");
      }
      // The armor roots may come from the credential's KdcRootCertificates.
      assert.equal(
        st(
          await logonAndAp(kdc, {
            User: KRB_USER.user,
            Domain: REALM,
            Password: KRB_USER.password,
            Kdc: kdc.kdc,
            KdcRootCertificates: read(pki.ca.cert),
            FastArmor: { Anonymous: true },
          }),
        ),
        st(SEC_E_OK),
      );
    }),
});

Deno.test({
  name:
    "anonymous PKINIT with MIT krb5: MIT's kinit -n with the same KDC, then kinit -T armored by it",
  ignore: !ready && !isCI(),
  fn: () =>
    withAnonKdc(async (kdc, pki) => {
      await armorSetup(kdc);
      const anchors = `X509_anchors=FILE:${pki.ca.cert}`;
      const ccache = `FILE:${pki.dir}/anon.ccache`;
      const run = async (args: string[], stdin?: string) => {
        const child = new Deno.Command(args[0], {
          args: args.slice(1),
          env: kdc.env,
          stdin: stdin === undefined ? "null" : "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        if (stdin !== undefined) {
          const w = child.stdin.getWriter();
          await w.write(new TextEncoder().encode(stdin));
          await w.close();
        }
        const o = await child.output();
        const out = new TextDecoder().decode(o.stdout);
        assert.ok(o.success, new TextDecoder().decode(o.stderr) + out);
        return out;
      };
      await run(["kinit", "-n", "-X", anchors, "-c", ccache]);
      const list = await run(["klist", "-f", "-c", ccache]);
      assert.match(list, /WELLKNOWN\/ANONYMOUS@WELLKNOWN:ANONYMOUS/);
      assert.match(list, /Flags: [A-Za-z]*A/, "the anonymous flag");
      await run(
        [
          "kinit",
          "-T",
          ccache,
          "-c",
          `FILE:${pki.dir}/bob.ccache`,
          `${BOB.user}@${REALM}`,
        ],
        `${BOB.password}\n`,
      );
      // MIT's anonymous ccache armors our logon too (FastArmor as a ccache path).
      assert.equal(
        st(
          await logonAndAp(kdc, {
            User: BOB.user,
            Domain: REALM,
            Password: BOB.password,
            Kdc: kdc.kdc,
            FastArmor: ccache.slice(5),
          }),
        ),
        st(SEC_E_OK),
      );
    }),
});

Deno.test({
  name:
    "anonymous PKINIT with MIT krb5: replies altered by a relay (PA-PKINIT-KX, the client realm) are refused",
  ignore: !ready && !isCI(),
  fn: () =>
    withAnonKdc(async (kdc, pki) => {
      const attempt = async (
        onRep: (rep: Uint8Array) => Uint8Array,
      ): Promise<number> => {
        const cred = credOf(
          anonAuth(kdc, read(pki.ca.cert), {
            KdcTransport: relay(kdc, [], {
              onRep: (rep) => rep[0] === 0x6b ? onRep(rep) : rep,
            }),
          }),
        );
        try {
          return await statusOf(() => getTgt(cred));
        } finally {
          cred.dispose();
        }
      };
      // The last byte of PA-PKINIT-KX's ciphertext (its MAC).
      const kxAltered = await attempt((rep) => {
        const kx = decodeKdcRep(rep).padata!.find((p) =>
          p.padataType === PA_PKINIT_KX
        )!;
        const at = indexOf(rep, kx.padataValue);
        assert.ok(at > 0);
        rep[at + kx.padataValue.length - 1] ^= 1;
        return rep;
      });
      assert.equal(st(kxAltered), st(SEC_E_MESSAGE_ALTERED));
      // The anonymous realm renamed: not the anonymous principal any more.
      const renamed = await attempt((rep) => {
        const name = new TextEncoder().encode(ANONYMOUS_REALM);
        const at = indexOf(rep, name);
        assert.ok(at > 0);
        rep[at + name.length - 1] ^= 1;
        return rep;
      });
      assert.equal(st(renamed), st(SEC_E_WRONG_PRINCIPAL));
    }),
});

Deno.test({
  name:
    "anonymous PKINIT with MIT krb5: a KDC certificate under other roots is SEC_E_ISSUING_CA_UNTRUSTED_KDC",
  ignore: !ready && !isCI(),
  fn: () =>
    withAnonKdc(async (kdc, pki) => {
      await armorSetup(kdc);
      const other = read(pki.otherCa.cert);
      const cred = credOf(anonAuth(kdc, other));
      try {
        assert.equal(
          st(await statusOf(() => getTgt(cred))),
          st(SEC_E_ISSUING_CA_UNTRUSTED_KDC),
        );
      } finally {
        cred.dispose();
      }
      const { status, cred: h } = await acquireKrb("Kerberos", {
        User: BOB.user,
        Domain: REALM,
        Password: BOB.password,
        Kdc: kdc.kdc,
        FastArmor: { Anonymous: true, KdcRootCertificates: other },
      });
      assert.equal(st(status), st(SEC_E_OK));
      try {
        const r = await iscStep(h, newCtx(), true, SERVICE, null);
        assert.equal(st(r.status), st(SEC_E_ISSUING_CA_UNTRUSTED_KDC));
      } finally {
        FreeCredentialsHandle(h);
      }
    }),
});

Deno.test({
  name:
    "anonymous PKINIT with MIT krb5: a KDC without WELLKNOWN/ANONYMOUS refuses with SEC_E_UNSUPPORTED_PREAUTH",
  ignore: !ready && !isCI(),
  fn: () =>
    withAnonKdc(async (kdc, pki) => {
      const cred = credOf(anonAuth(kdc, read(pki.ca.cert)));
      try {
        let message = "";
        const status = await statusOf(async () => {
          try {
            await getTgt(cred);
          } catch (e) {
            message = e instanceof Error ? e.message : "";
            throw e;
          }
        });
        assert.equal(st(status), st(SEC_E_UNSUPPORTED_PREAUTH), message);
        assert.match(message, /anonymous/i);
      } finally {
        cred.dispose();
      }
      // MIT's kinit -n fails there too.
      const o = await new Deno.Command("kinit", {
        args: [
          "-n",
          "-X",
          `X509_anchors=FILE:${pki.ca.cert}`,
          "-c",
          `FILE:${pki.dir}/anon.ccache`,
        ],
        env: kdc.env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(o.success, false);
    }, false),
});

Deno.test("anonymous PKINIT: bad options are SEC_E_NO_CREDENTIALS when acquiring", async () => {
  const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  const bad: Record<string, unknown>[] = [
    { Anonymous: true, Domain: REALM, Kdc: "127.0.0.1:1" },
    { Anonymous: true, Kdc: "127.0.0.1:1", KdcRootCertificates: pem },
    { Anonymous: "yes", Domain: REALM, Kdc: "127.0.0.1:1" },
    {
      Anonymous: true,
      User: "bob",
      Password: "x",
      Domain: REALM,
      Kdc: "127.0.0.1:1",
    },
    {
      User: "bob",
      Password: "x",
      Domain: REALM,
      Kdc: "127.0.0.1:1",
      FastArmor: { Anonymous: true },
    },
    {
      User: "bob",
      Password: "x",
      Domain: REALM,
      Kdc: "127.0.0.1:1",
      FastArmor: { Anonymous: true, Keytab: "/nonexistent", Principal: "h" },
    },
  ];
  for (const authData of bad) {
    const { status, cred } = await acquireKrb("Kerberos", authData);
    if (status === SEC_E_OK) FreeCredentialsHandle(cred);
    assert.equal(
      st(status),
      st(SEC_E_NO_CREDENTIALS),
      JSON.stringify(authData),
    );
  }
  // The continue status is only for context steps; keep the import honest.
  assert.notEqual(SEC_I_CONTINUE_NEEDED, SEC_E_OK);
});
