// ChangeAccountPassword against MIT krb5's kadmind, the kpasswd service of an MIT
// realm (RFC 3244), beside the Active Directory test (tests/ad/password_test.ts):
// a change, a logon with the new password, a wrong old password, and a new
// password MIT's policy refuses (STATUS_PASSWORD_RESTRICTION with its reason). And
// accounts with RFC 8009 keys only: the KRB-PRIVs both ways under a subkey of
// aes256-cts-hmac-sha384-192 or aes128-cts-hmac-sha256-128, read off the wire.
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
import {
  decodeApRep,
  decodeApReq,
} from "../../src/packages/kerberos/messages.ts";
import {
  decodeKrbPriv,
  parseKpasswdReply,
} from "../../src/packages/kerberos/kpasswd_messages.ts";
import { exchange } from "../../src/packages/kerberos/transport.ts";
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

/** Reads exactly `n` bytes from `conn`. */
async function readN(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  for (let at = 0; at < n;) {
    const got = await conn.read(out.subarray(at));
    if (got === null) throw new Error("connection closed early");
    at += got;
  }
  return out;
}

/**
 * A kpasswd relay that keeps each request and reply (TCP, 4-byte length framing)
 * on their way to and from `target`.
 */
function recordingRelay(target: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: { req: Uint8Array; rep: Uint8Array }[] = [];
  const done = (async () => {
    for await (const conn of listener) {
      try {
        const n = new DataView((await readN(conn, 4)).buffer).getUint32(0);
        const req = await readN(conn, n);
        const rep = await exchange(target, req, 5000);
        seen.push({ req, rep });
        const out = new Uint8Array(4 + rep.length);
        new DataView(out.buffer).setUint32(0, rep.length);
        out.set(rep, 4);
        for (let at = 0; at < out.length;) {
          at += await conn.write(out.subarray(at));
        }
      } finally {
        conn.close();
      }
    }
  })().catch(() => {});
  return {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    seen,
    async close() {
      listener.close();
      await done;
    },
  };
}

for (
  const [etype, name] of [[20, "aes256-cts-hmac-sha384-192"], [
    19,
    "aes128-cts-hmac-sha256-128",
  ]] as const
) {
  await krbTest(
    `ChangeAccountPassword against MIT kadmind for an account with ${name} keys only: KRB-PRIV both ways under an etype ${etype} subkey`,
    () =>
      withKdc(async (kdc) => {
        const user = "sha2pw";
        const old = "Old-Sha2-Passw0rd";
        const e = `${name}:normal`;
        await kdc.kadmin(
          `addprinc +requires_preauth -pw ${old} -e ${e} ${user}`,
        );
        await kdc.kadmin(`cpw -randkey -e ${e} kadmin/changepw`);
        await kdc.kadmin(`set_string kadmin/changepw session_enctypes ${name}`);
        const kadmind = await startKadmind(kdc);
        const relay = recordingRelay(kadmind.address);
        try {
          const next = "N3w-Sha2-Passw0rd!";
          const status = await ChangeAccountPassword(
            "Kerberos",
            REALM,
            user,
            old,
            next,
            false,
            0,
            null,
            { Kdc: kdc.kdc, Kpasswd: relay.address },
          );
          assert.equal(st(status), st(SEC_E_OK), lastErrorDetail()?.message);
          assert.equal(relay.seen.length, 1);
          const { req, rep } = relay.seen[0];
          const apLen = new DataView(req.buffer).getUint16(4);
          const apReq = decodeApReq(req.subarray(6, 6 + apLen));
          assert.equal(
            apReq.ticket.encPart.etype,
            etype,
            "kadmin/changepw key",
          );
          assert.equal(apReq.authenticator.etype, etype, "session key");
          assert.equal(
            decodeKrbPriv(req.subarray(6 + apLen)).encPart.etype,
            etype,
            "our KRB-PRIV (the subkey)",
          );
          const reply = parseKpasswdReply(rep);
          assert.equal(decodeApRep(reply.apRep!).encPart.etype, etype);
          assert.equal(
            decodeKrbPriv(reply.rest).encPart.etype,
            etype,
            "kadmind's KRB-PRIV",
          );
          // The new password logs on (kadmind made its keys with the realm's
          // supported_enctypes).
          const { cred } = await acquireKrb("Kerberos", {
            User: user,
            Domain: REALM,
            Password: next,
            Kdc: kdc.kdc,
          });
          const r = await iscStep(cred, newCtx(), true, SERVICE, null);
          FreeCredentialsHandle(cred);
          assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED));
        } finally {
          await relay.close();
          await kadmind.close();
        }
      }),
  );
}
