// ChangeAccountPassword against MIT krb5's kadmind, the kpasswd service of an MIT
// realm (RFC 3244), beside the Active Directory test (tests/ad/password_test.ts):
// a change, a logon with the new password, a wrong old password, and a new
// password MIT's policy refuses (STATUS_PASSWORD_RESTRICTION with its reason).
import assert from "node:assert/strict";
import {
  ChangeAccountPassword,
  FreeCredentialsHandle,
  lastErrorDetail,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  STATUS_PASSWORD_RESTRICTION,
  statusName,
} from "../../mod.ts";
import { freePort } from "../digest/_peers.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  acquireKrb,
  iscStep,
  KRB_USER,
  krbTest,
  newCtx,
  REALM,
  SERVICE,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);

/** Starts MIT's kadmind beside the KDC, serving kpasswd on a free port. */
async function startKadmind(kdc: MitKdc) {
  const dir = kdc.env.KRB5_CONFIG.replace(/\/krb5\.conf$/, "");
  const kpasswd = freePort();
  const profile = `${dir}/kdc.conf`;
  const conf = (await Deno.readTextFile(profile)).replace(
    "    supported_enctypes",
    `    kpasswd_port = ${kpasswd}\n    kadmind_port = ${freePort()}\n` +
      `    acl_file = ${dir}/kadm5.acl\n    supported_enctypes`,
  );
  await Deno.writeTextFile(profile, conf);
  await Deno.writeTextFile(`${dir}/kadm5.acl`, "");
  const child = new Deno.Command("kadmind", {
    args: ["-nofork", "-P", `${dir}/kadmind.pid`],
    env: { KRB5_CONFIG: kdc.env.KRB5_CONFIG, KRB5_KDC_PROFILE: profile },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0;; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port: kpasswd })).close();
      break;
    } catch (e) {
      if (i >= 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    address: `127.0.0.1:${kpasswd}`,
    async close() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

await krbTest(
  "ChangeAccountPassword against MIT kadmind: change, logon, wrong old password, policy",
  () =>
    withKdc(async (kdc) => {
      const kadmind = await startKadmind(kdc);
      const where = { Kdc: kdc.kdc, Kpasswd: kadmind.address };
      const change = (from: string, to: string) =>
        ChangeAccountPassword(
          "Kerberos",
          REALM,
          KRB_USER.user,
          from,
          to,
          false,
          0,
          null,
          where,
        );
      const logOn = async (password: string) => {
        const { status, cred } = await acquireKrb("Kerberos", {
          User: KRB_USER.user,
          Domain: REALM,
          Password: password,
          Kdc: kdc.kdc,
        });
        if (status !== SEC_E_OK) return status;
        const r = await iscStep(cred, newCtx(), true, SERVICE, null);
        FreeCredentialsHandle(cred);
        return r.status;
      };
      try {
        const next = "N3w-MIT-Passw0rd!";
        assert.equal(st(await change(KRB_USER.password, next)), st(SEC_E_OK));
        assert.equal(st(await logOn(next)), st(SEC_I_CONTINUE_NEEDED));
        assert.equal(
          st(await logOn(KRB_USER.password)),
          st(SEC_E_LOGON_DENIED),
        );
        assert.equal(st(await change("not-it", "x")), st(SEC_E_LOGON_DENIED));
        await kdc.kadmin("addpol -minlength 12 long");
        await kdc.kadmin(`modprinc -policy long ${KRB_USER.user}`);
        assert.equal(
          st(await change(next, "Sh0rt!")),
          st(STATUS_PASSWORD_RESTRICTION),
        );
        const why = lastErrorDetail()?.message ?? "";
        assert.match(why, /too short|policy/i, why);
        assert.ok(
          !why.includes("Sh0rt!") && !why.includes(next),
          "no password",
        );
      } finally {
        await kadmind.close();
      }
    }),
);
