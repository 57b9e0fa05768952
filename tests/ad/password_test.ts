// ChangeAccountPassword (RFC 3244 kpasswd) against a real Active Directory DC
// (Samba 4.17's AD DC): a change with the right old password, after which the new
// one logs on and the old one does not; a wrong old password; a new password the
// domain's policy refuses, with the policy handed back in
// SECBUFFER_CHANGE_PASS_RESPONSE; and an account that must change its password at
// next logon, refused at logon (STATUS_PASSWORD_MUST_CHANGE, from the NTSTATUS AD
// puts in the KRB-ERROR) until it changes it.
import assert from "node:assert/strict";
import {
  ChangeAccountPassword,
  FreeCredentialsHandle,
  lastErrorDetail,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_CHANGE_PASS_RESPONSE,
  SecBufferDesc,
  STATUS_PASSWORD_MUST_CHANGE,
  STATUS_PASSWORD_RESTRICTION,
  statusName,
} from "../../mod.ts";
import { acquireKrb, iscStep, newCtx } from "../kerberos/_kdc_helpers.ts";
import { AD, type SambaDc, withSambaDc } from "../peers/samba_ad.ts";

const st = (s: number) => statusName(s);
const ALICE = { user: "alice", password: "Al1ce!Passw0rd" };
const CAROL = { user: "carol", password: "C4rol!Passw0rd", mustChange: true };
const WEB = {
  account: "websvc",
  password: "W3b!Passw0rd-long",
  spns: ["HTTP/web.ad.example.test"],
  enctypes: 0x18,
};

/** The status of a logon (AS + TGS + AP-REQ) of `user` with `password`. */
async function logOn(dc: SambaDc, user: string, password: string) {
  const { status, cred } = await acquireKrb("Kerberos", {
    User: user,
    Domain: AD.realm,
    Password: password,
    Kdc: dc.kdc,
  });
  if (status !== SEC_E_OK) return status;
  const r = await iscStep(cred, newCtx(), true, WEB.spns[0], null);
  FreeCredentialsHandle(cred);
  return r.status;
}

Deno.test("ChangeAccountPassword against a Samba AD DC", async (t) => {
  await withSambaDc([ALICE, CAROL], [WEB], async (dc) => {
    // Allow two changes in a row (the domain's minimum age is a day).
    await dc.tool("domain", "passwordsettings", "set", "--min-pwd-age=0");
    const where = { Kdc: dc.kdc, Kpasswd: dc.kpasswd };
    const change = (
      pkg: string,
      user: string,
      from: string,
      to: string,
      out: SecBufferDesc | null = null,
    ) =>
      ChangeAccountPassword(
        pkg,
        AD.realm,
        user,
        from,
        to,
        false,
        0,
        out,
        where,
      );

    await t.step("a change with the right old password", async () => {
      const next = "N3w!Al1ce-Passw0rd";
      assert.equal(
        st(await change("Kerberos", ALICE.user, ALICE.password, next)),
        st(SEC_E_OK),
      );
      assert.equal(
        st(await logOn(dc, ALICE.user, next)),
        st(SEC_I_CONTINUE_NEEDED),
        "the new password logs on",
      );
      assert.equal(
        st(await logOn(dc, ALICE.user, ALICE.password)),
        st(SEC_E_LOGON_DENIED),
        "the old one does not",
      );
      // And back, through Negotiate.
      assert.equal(
        st(await change("Negotiate", ALICE.user, next, "Th1rd!Al1ce-Pass")),
        st(SEC_E_OK),
      );
      assert.equal(
        st(await logOn(dc, ALICE.user, "Th1rd!Al1ce-Pass")),
        st(SEC_I_CONTINUE_NEEDED),
      );
    });

    await t.step("a wrong old password is refused", async () => {
      assert.equal(
        st(await change("Kerberos", ALICE.user, "not-it", "An0ther!Passw0rd")),
        st(SEC_E_LOGON_DENIED),
      );
    });

    await t.step("the domain's policy refuses a short password", async () => {
      const out = new SecBufferDesc([
        new SecBuffer(SECBUFFER_CHANGE_PASS_RESPONSE, null),
      ]);
      const s = await change(
        "Kerberos",
        ALICE.user,
        "Th1rd!Al1ce-Pass",
        "Qz9!x",
        out,
      );
      assert.equal(st(s), st(STATUS_PASSWORD_RESTRICTION));
      const why = lastErrorDetail()?.message ?? "";
      assert.match(why, /at least 7 characters/, "Samba's reason is passed on");
      assert.ok(
        !why.includes("Qz9!x") && !why.includes("Th1rd"),
        "no password",
      );
      // Samba explains in text; Windows DCs send DOMAIN_PASSWORD_INFORMATION,
      // which would fill the buffer (tests/kerberos/kpasswd_test.ts).
      assert.equal(out.pBuffers[0].pvBuffer, null);
    });

    await t.step(
      "must change at next logon: refused until changed, then the new one works",
      async () => {
        assert.equal(
          st(await logOn(dc, CAROL.user, CAROL.password)),
          st(STATUS_PASSWORD_MUST_CHANGE),
        );
        const next = "N3w!C4rol-Passw0rd";
        assert.equal(
          st(await change("Kerberos", CAROL.user, CAROL.password, next)),
          st(SEC_E_OK),
        );
        assert.equal(
          st(await logOn(dc, CAROL.user, next)),
          st(SEC_I_CONTINUE_NEEDED),
        );
      },
    );

    await t.step("NTLM cannot change passwords here", async () => {
      assert.equal(
        st(await change("NTLM", ALICE.user, "x", "y")),
        st(SEC_E_UNSUPPORTED_FUNCTION),
      );
    });
  });
});
