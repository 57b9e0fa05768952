// NTLM pass-through against a real Active Directory DC (Samba 4.17's AD DC): our
// NTLM acceptor holds no user secrets, only this server's machine account; it asks
// the DC (Netlogon: NetrServerReqChallenge, NetrServerAuthenticate3 with AES, then
// NetrLogonSamLogonEx over the sealed secure channel) to check each logon, gets the
// session key back (so wrap/unwrap work with the client) and the user's SIDs and
// groups. Clients: ours (NTLM and Negotiate) and curl --ntlm through
// withAuthentication. Refusals: wrong password, disabled account, must-change
// password, a wrong machine account password, and the synchronous call.
import assert from "node:assert/strict";
import {
  AcceptSecurityContext,
  client,
  CtxtHandle,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  type SecurityContext,
  server,
  SspiError,
  STATUS_PASSWORD_MUST_CHANGE,
  statusName,
} from "../../mod.ts";
import { acquireInbound } from "../kerberos/_kdc_helpers.ts";
import { hasCommand, startServer } from "../http/_server.ts";
import { isCI } from "../peers/availability.ts";
import { assertTokenOf, logonInfoOf } from "./_logon_info.ts";
import { AD, type SambaDc, withSambaDc } from "../peers/samba_ad.ts";

const st = (s: number) => statusName(s);
const ALICE = { user: "alice", password: "Al1ce!Passw0rd" };
const BOB = { user: "bob", password: "B0b!Passw0rd-disabled" };
const CAROL = { user: "carol", password: "C4rol!Passw0rd", mustChange: true };
const WEB1 = { name: "WEB1", password: "M4chine!Passw0rd-WEB1-long" };

/** The inbound NTLM credential of WEB1, a member server of the domain. */
function memberAuthData(password = WEB1.password) {
  return {
    ComputerName: WEB1.name,
    DomainName: AD.domain,
    DnsDomainName: AD.dnsDomain,
    DomainController: {
      Server: "127.0.0.1",
      Password: password,
      MaxConcurrentApi: 4,
    },
  };
}

/** A handshake of `c` into `s` (the server side asynchronous); throws what fails. */
async function handshake(c: SecurityContext, s: SecurityContext) {
  let token = c.step(null);
  while (token) {
    const answer = await s.stepAsync(token);
    token = answer && !c.complete ? c.step(answer) : null;
  }
  assert.ok(s.complete && c.complete, "both sides complete");
}

/** The status a logon of `user` ends with (SEC_E_OK or the SspiError's). */
async function logonStatus(
  pkg: string,
  user: { user: string; password: string },
  authData = memberAuthData(),
): Promise<{ status: number; message: string }> {
  const c = client({
    package: pkg,
    username: user.user,
    domain: AD.domain,
    password: user.password,
  });
  const s = server({ package: pkg, authData });
  try {
    await handshake(c, s);
    return { status: SEC_E_OK, message: "" };
  } catch (e) {
    if (!(e instanceof SspiError)) throw e;
    return { status: e.status, message: e.message };
  } finally {
    c.dispose();
    s.dispose();
  }
}

Deno.test("NTLM pass-through to a Samba AD DC (Netlogon)", async (t) => {
  await withSambaDc(
    [{ ...ALICE, groups: ["Engineers"] }, BOB, CAROL],
    [],
    async (dc: SambaDc) => {
      await dc.tool("user", "disable", BOB.user);
      await dc.addComputer(WEB1.name, WEB1.password);
      const aliceSid = await dc.sidOf(ALICE.user);
      const engineersSid = await dc.sidOf("Engineers");

      await t.step("our NTLM client -> our acceptor -> the DC", async () => {
        for (const pkg of ["NTLM", "Negotiate"]) {
          const c = client({
            package: pkg,
            username: ALICE.user,
            domain: AD.domain,
            password: ALICE.password,
          });
          const s = server({ package: pkg, authData: memberAuthData() });
          try {
            await handshake(c, s);
            // The DC's session key is the client's: sealed messages cross.
            const msg = new TextEncoder().encode(`hello through ${pkg}`);
            assert.deepEqual(s.unwrap(c.wrap(msg)), msg);
            assert.deepEqual(c.unwrap(s.wrap(msg)), msg);
            const info = logonInfoOf(s);
            assert.equal(info.UserSid, aliceSid);
            assert.equal(info.EffectiveName, ALICE.user);
            assert.equal(info.LogonDomainName, AD.domain);
            assert.equal(info.LogonDomainSid, dc.domainSid);
            assert.equal(info.PrimaryGroupSid, `${dc.domainSid}-513`);
            assert.ok(
              info.GroupSids.some((g) => g.Sid === engineersSid),
              "Engineers among the groups",
            );
            assert.equal(
              info.UserPrincipalName?.toLowerCase(),
              `${ALICE.user}@${AD.dnsDomain}`,
            );
            assert.equal(info.DnsDomainName?.toLowerCase(), AD.dnsDomain);
            assert.ok(Object.isFrozen(info));
            assertTokenOf(s.handles.context, info, "NTLM");
            assert.equal(s.clientName, `${AD.domain}\\${ALICE.user}`);
          } finally {
            c.dispose();
            s.dispose();
          }
        }
      });

      await t.step("refusals come back as statuses", async () => {
        const wrong = await logonStatus("NTLM", {
          ...ALICE,
          password: "not-the-password",
        });
        assert.equal(st(wrong.status), st(SEC_E_LOGON_DENIED));
        const unknown = await logonStatus("NTLM", {
          user: "nobody",
          password: ALICE.password,
        });
        assert.equal(st(unknown.status), st(SEC_E_LOGON_DENIED));
        const disabled = await logonStatus("NTLM", BOB);
        assert.equal(st(disabled.status), st(SEC_E_LOGON_DENIED));
        assert.match(disabled.message, /STATUS_ACCOUNT_DISABLED/);
        const carol = await logonStatus("NTLM", CAROL);
        assert.equal(st(carol.status), st(STATUS_PASSWORD_MUST_CHANGE));
        const badMachine = await logonStatus(
          "NTLM",
          ALICE,
          memberAuthData("not-the-machine-password"),
        );
        assert.equal(
          st(badMachine.status),
          st(SEC_E_NO_AUTHENTICATING_AUTHORITY),
        );
        assert.match(badMachine.message, /machine account WEB1\$/);
      });

      await t.step(
        "concurrent logons share the channel's connections",
        async () => {
          // 16 logons at once over at most 4 sealed connections (MaxConcurrentApi),
          // every fourth with a wrong password: each gets its own answer.
          const results = await Promise.all(
            Array.from({ length: 16 }, (_, i) =>
              logonStatus(
                i % 2 ? "NTLM" : "Negotiate",
                i % 4 === 3 ? { ...ALICE, password: "wrong" } : ALICE,
              )),
          );
          results.forEach((r, i) =>
            assert.equal(
              st(r.status),
              st(i % 4 === 3 ? SEC_E_LOGON_DENIED : SEC_E_OK),
              `logon ${i}`,
            )
          );
        },
      );

      await t.step("the synchronous call names the async form", () => {
        const { status, cred } = acquireInbound("NTLM", memberAuthData());
        assert.equal(st(status), st(SEC_E_OK));
        const c = client({
          package: "NTLM",
          username: ALICE.user,
          domain: AD.domain,
          password: ALICE.password,
        });
        const sx = new CtxtHandle();
        const step = (tok: Uint8Array, first: boolean) => {
          const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
          const s = AcceptSecurityContext(
            cred,
            first ? null : sx,
            new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, tok)]),
            0x100,
            0x10,
            sx,
            out,
            { value: 0 },
            null,
          );
          const b = out.pBuffers[0];
          return { s, tok: b.pvBuffer?.subarray(0, b.cbBuffer) ?? null };
        };
        try {
          const r1 = step(c.step(null)!, true);
          assert.equal(st(r1.s), st(SEC_I_CONTINUE_NEEDED));
          const r2 = step(c.step(r1.tok!)!, false);
          assert.equal(st(r2.s), st(SEC_E_NO_AUTHENTICATING_AUTHORITY));
        } finally {
          c.dispose();
        }
      });

      await t.step("curl --ntlm -> withAuthentication -> the DC", async () => {
        if (!await hasCommand("curl")) {
          if (isCI()) throw new Error("curl is not installed");
          console.warn("SKIP: curl is not installed (apt-get install -y curl)");
          return;
        }
        const srv = startServer({
          packages: ["Negotiate", "NTLM"],
          ntlm: memberAuthData(),
        });
        try {
          const o = await new Deno.Command("curl", {
            args: [
              "-sS",
              "--max-time",
              "20",
              "--ntlm",
              "-u",
              `${AD.domain}\\${ALICE.user}:${ALICE.password}`,
              `${srv.url}/x`,
              "-w",
              "\n%{http_code}",
            ],
            stdout: "piped",
            stderr: "piped",
          }).output();
          const out = new TextDecoder().decode(o.stdout);
          assert.equal(
            out,
            `hello ${AD.domain}\\${ALICE.user} via NTLM\n200`,
          );
          assert.equal(srv.seen.at(-1)?.logonInfo?.UserSid, aliceSid);
        } finally {
          await srv.close();
        }
      });
    },
  );
});
