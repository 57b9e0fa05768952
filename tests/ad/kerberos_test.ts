// Kerberos against a real Active Directory DC (Samba 4.17's AD DC, its own KDC):
// our client logs on with a password (AD's salts and pre-authentication), gets
// service tickets for an SPN of a service account (AES when the account allows it,
// RC4 as AD defaults to otherwise), and our acceptor takes them with the keytab AD
// exports for that account; MIT's kinit + GSSAPI initiator against the same DC into
// our acceptor; and AD's refusals (wrong password, unknown SPN, disabled account) as
// SSPI statuses.
import assert from "node:assert/strict";
import {
  createAuthFetch,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  type KerberosClientTicket,
  lastErrorDetail,
  type PacLogonInfo,
  QueryContextAttributes,
  SEC_E_DELEGATION_POLICY,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_TARGET_UNKNOWN,
  SEC_E_WRONG_PRINCIPAL,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_KERBEROS_CLIENT_TICKET,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_PAC_LOGON_INFO,
  statusName,
} from "../../mod.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  newCtx,
} from "../kerberos/_kdc_helpers.ts";
import { unframeToken } from "../../src/packages/kerberos/gss.ts";
import { decodeApReq } from "../../src/packages/kerberos/messages.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import { startServer } from "../http/_server.ts";
import { AD, withSambaDc } from "../peers/samba_ad.ts";
import { assertTokenOf } from "./_logon_info.ts";

const st = (s: number) => statusName(s);
const ALICE = { user: "alice", password: "Al1ce!Passw0rd" };
const BOB = { user: "bob", password: "B0b!Passw0rd-disabled" };
const WEB = {
  account: "websvc",
  password: "W3b!Passw0rd-long",
  spns: ["HTTP/web.ad.example.test"],
  enctypes: 0x18, // AES128 + AES256
};
const BACK = {
  account: "backsvc",
  password: "B4ck!Passw0rd-long",
  spns: ["HTTP/back.ad.example.test"],
  enctypes: 0x18,
};
/** Constrained delegation to BACK, but no protocol transition ("Kerberos only"). */
const PLAIN = {
  account: "plainsvc",
  password: "Pl4in!Passw0rd-long",
  spns: ["HTTP/plain.ad.example.test"],
  enctypes: 0x18,
};
const LEGACY = {
  account: "legacysvc",
  password: "L3gacy!Passw0rd-long",
  spns: ["HTTP/legacy.ad.example.test"],
};

Deno.test("Kerberos against a Samba AD DC", async (t) => {
  await withSambaDc(
    [{ ...ALICE, groups: ["Engineers"] }, BOB],
    [WEB, LEGACY, BACK, PLAIN],
    async (dc) => {
      await dc.tool("user", "disable", BOB.user);
      const auth = (u = ALICE) => ({
        User: u.user,
        Domain: AD.realm,
        Password: u.password,
        Kdc: dc.kdc,
      });
      const webKeytab = await dc.exportKeytab(WEB.account);
      const legacyKeytab = await dc.exportKeytab(LEGACY.account);
      const plainKeytab = await dc.exportKeytab(PLAIN.account);

      const aliceSid = await dc.sidOf(ALICE.user);
      const engineersSid = await dc.sidOf("Engineers");
      /** The PAC AD put in alice's ticket, as our acceptor read it. */
      const assertAlicePac = (sx: CtxtHandle) => {
        const out = { value: null as unknown };
        assert.equal(
          st(QueryContextAttributes(sx, SECPKG_ATTR_PAC_LOGON_INFO, out)),
          st(SEC_E_OK),
        );
        const pac = out.value as PacLogonInfo;
        assert.equal(pac.UserSid, aliceSid);
        assert.equal(pac.PrimaryGroupSid, `${dc.domainSid}-513`);
        const groups = pac.GroupSids.map((g) => g.Sid);
        assert.ok(groups.includes(engineersSid), "member of Engineers");
        assert.ok(groups.includes(`${dc.domainSid}-513`), "Domain Users");
        assert.equal(pac.LogonDomainSid, dc.domainSid);
        assert.equal(pac.LogonDomainName, AD.domain);
        assert.equal(pac.EffectiveName, ALICE.user);
        assert.equal(pac.UserPrincipalName, `alice@${AD.dnsDomain}`);
        assert.equal(pac.ServerChecksumVerified, true);
        assert.equal(pac.ClientInfoValid, true);
        assert.equal(pac.KdcChecksumPresent, true);
        assert.ok(Object.isFrozen(pac) && Object.isFrozen(pac.GroupSids));
        const token = assertTokenOf(sx, pac, "Kerberos");
        assert.ok(token.Groups.some((g) => g.Sid === engineersSid));
        return pac;
      };

      /** Our client's first token (AP-REQ) for `spn`. */
      const logOnToken = async (spn: string) => {
        const { cred } = await acquireKrb("Kerberos", auth());
        const r = await iscStep(cred, newCtx(), true, spn, null);
        FreeCredentialsHandle(cred);
        return r.token!;
      };

      /** Our client's AP-REQ for `spn`, accepted by our acceptor over `keytab`. */
      const logOn = async (spn: string, keytab: string) => {
        const { status, cred } = await acquireKrb("Kerberos", auth());
        assert.equal(st(status), st(SEC_E_OK));
        const r = await iscStep(cred, newCtx(), true, spn, null);
        assert.equal(
          st(r.status),
          st(SEC_I_CONTINUE_NEEDED),
          "mutual: AP-REP due",
        );
        const server = acquireInbound("Kerberos", { Keytab: keytab });
        assert.equal(st(server.status), st(SEC_E_OK));
        const sx = new CtxtHandle();
        const a = accept(server.cred, sx, r.token!);
        FreeCredentialsHandle(cred);
        const ticketEtype =
          decodeApReq(unframeToken(r.token!)!.inner).ticket.encPart.etype;
        return { sx, a, server: server.cred, ticketEtype };
      };

      await t.step(
        "our client -> AD -> our acceptor (AES service)",
        async () => {
          const { sx, a, server, ticketEtype } = await logOn(
            WEB.spns[0],
            webKeytab,
          );
          assert.equal(st(a.status), st(SEC_E_OK));
          assert.equal(ticketEtype, 18, "an aes256-cts-hmac-sha1-96 ticket");
          // With pszPrincipal naming the account, only tickets to that name pass.
          const strict = acquireInbound(
            "Kerberos",
            { Keytab: webKeytab },
            `${WEB.account}@${AD.realm}`,
          );
          const again = await logOnToken(WEB.spns[0]);
          assert.equal(
            st(accept(strict.cred, new CtxtHandle(), again).status),
            st(SEC_E_WRONG_PRINCIPAL),
          );
          FreeCredentialsHandle(strict.cred);
          const names = { value: null as unknown };
          QueryContextAttributes(sx, SECPKG_ATTR_NAMES, names);
          assert.deepEqual(names.value, { sUserName: `alice@${AD.realm}` });
          assertAlicePac(sx);
          DeleteSecurityContext(sx);
          FreeCredentialsHandle(server);
        },
      );

      await t.step(
        "logon names: REALM, a UPN with another suffix, NETBIOS\\user, NETBIOS domain",
        async () => {
          await dc.setAttribute(
            ALICE.user,
            "userPrincipalName",
            "alice.smith@corp.example.com",
          );
          const server = acquireInbound("Kerberos", { Keytab: webKeytab });
          for (
            const who of [
              { User: "alice@ad.example.test" },
              // An enterprise name (NT-ENTERPRISE) the KDC canonicalizes.
              { User: "alice.smith@corp.example.com", Domain: AD.realm },
              // The NetBIOS domain: AD answers with its DNS realm, which the
              // credential then reaches through the same KDC.
              { User: `${AD.domain}\\${ALICE.user}` },
              { User: ALICE.user, Domain: AD.domain },
            ]
          ) {
            const { status, cred } = await acquireKrb("Kerberos", {
              ...who,
              Password: ALICE.password,
              Kdc: dc.kdc,
            });
            assert.equal(st(status), st(SEC_E_OK), who.User);
            const r = await iscStep(cred, newCtx(), true, WEB.spns[0], null);
            assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED), who.User);
            const sx = new CtxtHandle();
            assert.equal(
              st(accept(server.cred, sx, r.token!).status),
              st(SEC_E_OK),
            );
            const names = { value: null as unknown };
            QueryContextAttributes(sx, SECPKG_ATTR_NAMES, names);
            assert.deepEqual(
              names.value,
              { sUserName: `alice@${AD.realm}` },
              who.User,
            );
            DeleteSecurityContext(sx);
            FreeCredentialsHandle(cred);
          }
          FreeCredentialsHandle(server.cred);
          await dc.setAttribute(
            ALICE.user,
            "userPrincipalName",
            `alice@${AD.dnsDomain}`,
          );
        },
      );

      await t.step(
        "a service account without msDS-SupportedEncryptionTypes gets AD's RC4 tickets",
        async () => {
          const { sx, a, server, ticketEtype } = await logOn(
            LEGACY.spns[0],
            legacyKeytab,
          );
          assert.equal(st(a.status), st(SEC_E_OK));
          assert.equal(ticketEtype, 23, "an rc4-hmac ticket");
          assertAlicePac(sx); // its server signature is HMAC-MD5
          DeleteSecurityContext(sx);
          FreeCredentialsHandle(server);
        },
      );

      await t.step(
        "MIT kinit + GSSAPI initiator -> AD -> our acceptor",
        async () => {
          const ccache = `${dc.dir}/alice.ccache`;
          const env = { ...dc.env, KRB5CCNAME: `FILE:${ccache}` };
          const kinit = new Deno.Command("kinit", {
            args: [`${ALICE.user}@${AD.realm}`],
            env,
            stdin: "piped",
            stdout: "null",
            stderr: "piped",
          }).spawn();
          const w = kinit.stdin.getWriter();
          await w.write(new TextEncoder().encode(`${ALICE.password}\n`));
          await w.close();
          const k = await kinit.output();
          assert.ok(k.success, new TextDecoder().decode(k.stderr));
          const peer = await GssapiPeer.start({
            role: "initiator",
            mech: "krb5",
            defaultCreds: true,
            target: "HTTP@web.ad.example.test",
            env,
          });
          const server = acquireInbound("Kerberos", { Keytab: webKeytab });
          const sx = new CtxtHandle();
          try {
            const first = await peer.step(null);
            const r = accept(server.cred, sx, first.token!);
            assert.equal(st(r.status), st(SEC_E_OK));
            assert.ok((await peer.step(r.token)).complete);
            const names = { value: null as unknown };
            QueryContextAttributes(sx, SECPKG_ATTR_NAMES, names);
            assert.deepEqual(names.value, { sUserName: `alice@${AD.realm}` });
            assertAlicePac(sx);
          } finally {
            DeleteSecurityContext(sx);
            FreeCredentialsHandle(server.cred);
            await peer.close();
          }
        },
      );

      await t.step(
        "S4U: websvc acts as alice toward backsvc (protocol transition + constrained delegation)",
        async () => {
          await dc.tool("delegation", "for-any-protocol", WEB.account, "on");
          await dc.tool("delegation", "add-service", WEB.account, BACK.spns[0]);
          await dc.tool(
            "delegation",
            "add-service",
            PLAIN.account,
            BACK.spns[0],
          );
          const backKeytab = await dc.exportKeytab(BACK.account);
          const webKeys = await dc.exportKeytab(WEB.account);
          const asAlice = async (svc: typeof WEB, pkg = "Kerberos") => {
            // websvc logs on with its keytab (no password), as a service does.
            const secret = svc === WEB
              ? { Keytab: webKeys }
              : { Password: svc.password };
            const r = await acquireKrb(pkg, {
              User: svc.account,
              Domain: AD.realm,
              ...secret,
              Kdc: dc.kdc,
              Impersonate: ALICE.user,
            });
            assert.equal(st(r.status), st(SEC_E_OK));
            return r.cred;
          };
          for (const pkg of ["Kerberos", "Negotiate"]) {
            const cred = await asAlice(WEB, pkg);
            const ctx = newCtx();
            const r = await iscStep(cred, ctx, true, BACK.spns[0], null);
            assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED), pkg);
            const server = acquireInbound(pkg, { Keytab: backKeytab });
            const sx = new CtxtHandle();
            const a = accept(server.cred, sx, r.token!);
            assert.equal(st(a.status), st(SEC_E_OK), pkg);
            const names = { value: null as unknown };
            QueryContextAttributes(sx, SECPKG_ATTR_NAMES, names);
            assert.deepEqual(names.value, { sUserName: `alice@${AD.realm}` });
            assertAlicePac(sx); // AD's PAC for alice, through S4U
            if (pkg === "Negotiate") {
              const info = { value: null as unknown };
              QueryContextAttributes(ctx, SECPKG_ATTR_NEGOTIATION_INFO, info);
              assert.equal(
                (info.value as { PackageInfo: { Name: string } }).PackageInfo
                  .Name,
                "Kerberos",
              );
            }
            DeleteSecurityContext(sx);
            DeleteSecurityContext(ctx);
            FreeCredentialsHandle(server.cred);
            FreeCredentialsHandle(cred);
          }
          // A target the directory does not list for websvc.
          const cred = await asAlice(WEB);
          const other = await iscStep(
            cred,
            newCtx(),
            true,
            PLAIN.spns[0],
            null,
          );
          assert.equal(st(other.status), st(SEC_E_DELEGATION_POLICY));
          FreeCredentialsHandle(cred);
          // plainsvc may delegate to backsvc, but not transition protocols: its
          // S4U2Self ticket is not forwardable. The request still goes (RBCD could
          // allow it); the KDC refuses it (KDC_ERR_BADOPTION).
          const plain = await asAlice(PLAIN);
          const p = await iscStep(plain, newCtx(), true, BACK.spns[0], null);
          assert.equal(st(p.status), st(SEC_E_DELEGATION_POLICY));
          assert.match(
            lastErrorDetail()?.message ?? "",
            /refused the S4U2Proxy request .*error 13\b.*not forwardable/,
          );
          FreeCredentialsHandle(plain);
          // NTLM cannot act as someone else: it refuses rather than log on as websvc.
          const ntlm = await acquireKrb("NTLM", {
            User: WEB.account,
            Domain: AD.domain,
            Password: WEB.password,
            Impersonate: ALICE.user,
          });
          assert.equal(st(ntlm.status), st(SEC_E_NO_CREDENTIALS));
        },
      );

      await t.step(
        "Kerberos-only constrained delegation: plainsvc accepts alice, then reaches backsvc as her",
        async () => {
          // alice -> plainsvc (our client and acceptor)
          const { sx, a, server } = await logOn(PLAIN.spns[0], plainKeytab);
          assert.equal(st(a.status), st(SEC_E_OK));
          const evidence = { value: null as unknown };
          assert.equal(
            st(
              QueryContextAttributes(
                sx,
                SECPKG_ATTR_KERBEROS_CLIENT_TICKET,
                evidence,
              ),
            ),
            st(SEC_E_OK),
          );
          const ticket = evidence.value as KerberosClientTicket;
          assert.equal(ticket.clientName, `alice@${AD.realm}`);
          assert.equal(ticket.forwardable, true);
          assert.ok(!JSON.stringify(ticket).includes("key"), "no key shows");
          // plainsvc -> backsvc as alice: S4U2Proxy with alice's ticket.
          const asAlice = await acquireKrb("Kerberos", {
            User: PLAIN.account,
            Domain: AD.realm,
            Password: PLAIN.password,
            Kdc: dc.kdc,
            Impersonate: ticket,
          });
          assert.equal(st(asAlice.status), st(SEC_E_OK));
          DeleteSecurityContext(sx); // the credential keeps its own copy
          FreeCredentialsHandle(server);
          const r = await iscStep(
            asAlice.cred,
            newCtx(),
            true,
            BACK.spns[0],
            null,
          );
          assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED));
          const back = acquireInbound("Kerberos", {
            Keytab: await dc.exportKeytab(BACK.account),
          });
          const bx = new CtxtHandle();
          assert.equal(
            st(accept(back.cred, bx, r.token!).status),
            st(SEC_E_OK),
          );
          assertAlicePac(bx);
          // The directory does not let plainsvc reach websvc's SPN.
          const no = await iscStep(
            asAlice.cred,
            newCtx(),
            true,
            WEB.spns[0],
            null,
          );
          assert.equal(st(no.status), st(SEC_E_DELEGATION_POLICY));
          DeleteSecurityContext(bx);
          FreeCredentialsHandle(back.cred);
          FreeCredentialsHandle(asAlice.cred);
          // A disposed evidence object is not a credential.
          const stale = await acquireKrb("Kerberos", {
            User: PLAIN.account,
            Domain: AD.realm,
            Password: PLAIN.password,
            Kdc: dc.kdc,
            Impersonate: ticket,
          });
          assert.equal(st(stale.status), st(SEC_E_NO_CREDENTIALS));
        },
      );

      await t.step(
        "HTTP: createAuthFetch -> withAuthentication; identityOf carries AD's PAC",
        async () => {
          const authFetch = createAuthFetch({
            credentials: {
              username: ALICE.user,
              domain: AD.realm,
              password: ALICE.password,
              kdc: dc.kdc,
            },
            target: WEB.spns[0],
          });
          const srv = startServer({
            packages: ["Negotiate"],
            negotiate: { Keytab: webKeytab },
          });
          try {
            const r = await authFetch(`${srv.url}/`);
            assert.equal(r.status, 200);
            assert.equal(
              await r.text(),
              `hello alice@${AD.realm} via Negotiate`,
            );
            const info = srv.seen[0].logonInfo!;
            assert.equal(info.UserSid, aliceSid);
            assert.ok(info.GroupSids.some((g) => g.Sid === engineersSid));
          } finally {
            await srv.close();
          }
        },
      );

      await t.step("AD's refusals are SSPI statuses", async () => {
        const wrong = await acquireKrb("Kerberos", {
          ...auth(),
          Password: "not-the-password",
        });
        const w = wrong.status === SEC_E_OK
          ? (await iscStep(wrong.cred, newCtx(), true, WEB.spns[0], null))
            .status
          : wrong.status;
        assert.equal(st(w), st(SEC_E_LOGON_DENIED), "wrong password");

        const { cred } = await acquireKrb("Kerberos", auth());
        const unknown = await iscStep(
          cred,
          newCtx(),
          true,
          "HTTP/nowhere.ad.example.test",
          null,
        );
        assert.equal(
          st(unknown.status),
          st(SEC_E_TARGET_UNKNOWN),
          "no such SPN",
        );
        FreeCredentialsHandle(cred);

        const off = await acquireKrb("Kerberos", auth(BOB));
        const o = off.status === SEC_E_OK
          ? (await iscStep(off.cred, newCtx(), true, WEB.spns[0], null)).status
          : off.status;
        assert.equal(st(o), st(SEC_E_LOGON_DENIED), "a disabled account");
        assert.match(
          lastErrorDetail()?.message ?? "",
          /disabled \(STATUS_ACCOUNT_DISABLED\)/,
          "AD's reason, from the KRB-ERROR's e-data",
        );
      });
    },
  );
});
