// Resource-based constrained delegation (RBCD, MS-SFU 3.1.5.2) against a real Active
// Directory DC (Samba 4.17's AD DC): the back end (backsvc) lists a front end
// (rbcdsvc) in its msDS-AllowedToActOnBehalfOfOtherIdentity (`samba-tool delegation
// add-principal`); rbcdsvc has neither msDS-AllowedToDelegateTo nor protocol
// transition. Every S4U2Proxy request our client sends carries PA-PAC-OPTIONS with the
// RBCD bit, and goes to the KDC even when the S4U2Self ticket is not forwardable: the
// KDC decides. A relay in front of the DC keeps the requests, so the test checks the
// wire the DC saw.
//
// What Samba 4.17 (Heimdal KDC, as Debian builds it) does: its KDC does not implement
// RBCD (its Heimdal S4U2Proxy path consults only msDS-AllowedToDelegateTo and wants a
// forwardable evidence ticket; RBCD needs Samba's MIT KDC build or a newer Samba), so
// it refuses rbcdsvc with KDC_ERR_BADOPTION (13) whether or not the RBCD entry is
// there: SEC_E_DELEGATION_POLICY, the message naming both mechanisms. Classic
// constrained delegation (websvc) still works with PA-PAC-OPTIONS in the request.
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  type KerberosClientTicket,
  lastErrorDetail,
  type PacLogonInfo,
  QueryContextAttributes,
  SEC_E_DELEGATION_POLICY,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_KERBEROS_CLIENT_TICKET,
  SECPKG_ATTR_NAMES,
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
import {
  KDC_OPT_CNAME_IN_ADDL_TKT,
  PA_PAC_OPTIONS,
} from "../../src/packages/kerberos/constants.ts";
import {
  decodeTgsReq,
  peekMessageType,
} from "../../src/packages/kerberos/messages.ts";
import { AD, withSambaDc } from "../peers/samba_ad.ts";
import { startKdcRelay } from "./_kdc_relay.ts";

const st = (s: number) => statusName(s);
const ALICE = { user: "alice", password: "Al1ce!Passw0rd" };
/** Classic constrained delegation to BACK, with protocol transition. */
const WEB = {
  account: "websvc",
  password: "W3b!Passw0rd-long",
  spns: ["HTTP/web.ad.example.test"],
  enctypes: 0x18,
};
/** Listed in BACK's msDS-AllowedToActOnBehalfOfOtherIdentity, nothing else. */
const RB = {
  account: "rbcdsvc",
  password: "Rbcd!Passw0rd-long",
  spns: ["HTTP/rbcd.ad.example.test"],
  enctypes: 0x18,
};
/** The back end; OTHER is one that lists nobody. */
const BACK = {
  account: "backsvc",
  password: "B4ck!Passw0rd-long",
  spns: ["HTTP/back.ad.example.test"],
  enctypes: 0x18,
};
const OTHER = {
  account: "othersvc",
  password: "0ther!Passw0rd-long",
  spns: ["HTTP/other.ad.example.test"],
  enctypes: 0x18,
};

/** PA-PAC-OPTIONS { [0] KerberosFlags: bit 3 (RBCD) }, from MS-SFU 2.2.5's ASN.1. */
const PAC_OPTIONS_RBCD = Uint8Array.from(
  "3009a00703050010000000".match(/../g)!,
  (h) => parseInt(h, 16),
);

Deno.test("RBCD (msDS-AllowedToActOnBehalfOfOtherIdentity) against a Samba AD DC", async (t) => {
  await withSambaDc([ALICE], [WEB, RB, BACK, OTHER], async (dc) => {
    await dc.tool("delegation", "add-principal", BACK.account, RB.account);
    const shown = await dc.tool("delegation", "show", BACK.account);
    assert.match(
      shown,
      /msDS-AllowedToActOnBehalfOfOtherIdentity: CN=rbcdsvc,/,
      "the DC lists rbcdsvc on backsvc",
    );
    await dc.tool("delegation", "for-any-protocol", WEB.account, "on");
    await dc.tool("delegation", "add-service", WEB.account, BACK.spns[0]);
    const backKeytab = await dc.exportKeytab(BACK.account);
    const relay = startKdcRelay(dc.kdc);

    /** `svc` acting as alice toward `spn`, through the relay. */
    const asAlice = async (
      svc: typeof RB,
      spn: string,
      impersonate: string | KerberosClientTicket = ALICE.user,
    ) => {
      relay.requests.length = 0;
      const r = await acquireKrb("Kerberos", {
        User: svc.account,
        Domain: AD.realm,
        Password: svc.password,
        Kdc: relay.kdc,
        Impersonate: impersonate,
      });
      assert.equal(st(r.status), st(SEC_E_OK));
      const step = await iscStep(r.cred, newCtx(), true, spn, null);
      FreeCredentialsHandle(r.cred);
      // The S4U2Proxy TGS-REQs (CNAME-IN-ADDL-TKT) that reached the DC.
      const proxies = relay.requests
        .filter((m) => peekMessageType(m) === 12)
        .map((m) => decodeTgsReq(m))
        .filter((q) => (q.kdcOptions & KDC_OPT_CNAME_IN_ADDL_TKT) !== 0);
      return { ...step, proxies, detail: lastErrorDetail()?.message ?? "" };
    };
    /** The one S4U2Proxy request carried PA-PAC-OPTIONS asking for RBCD. */
    const assertRbcdAsked = (proxies: ReturnType<typeof decodeTgsReq>[]) => {
      assert.equal(proxies.length, 1, "one S4U2Proxy request reached the DC");
      assert.equal(proxies[0].additionalTickets?.length, 1, "the evidence");
      const opts = proxies[0].padata?.filter((p) =>
        p.padataType === PA_PAC_OPTIONS
      );
      assert.equal(opts?.length, 1, "PA-PAC-OPTIONS in the S4U2Proxy request");
      assert.deepEqual(opts[0].padataValue, PAC_OPTIONS_RBCD);
    };

    try {
      await t.step(
        "rbcdsvc (RBCD entry only): the request asks for RBCD; Samba 4.17's KDC refuses it",
        async () => {
          const r = await asAlice(RB, BACK.spns[0]);
          assertRbcdAsked(r.proxies); // sent although the evidence is not forwardable
          assert.equal(st(r.status), st(SEC_E_DELEGATION_POLICY));
          assert.match(r.detail, /S4U2Proxy request .* error 13\b/);
          assert.match(r.detail, /msDS-AllowedToDelegateTo/);
          assert.match(r.detail, /msDS-AllowedToActOnBehalfOfOtherIdentity/);
          assert.match(r.detail, /not forwardable/);
        },
      );

      await t.step(
        "rbcdsvc toward a back end that does not list it: SEC_E_DELEGATION_POLICY",
        async () => {
          const r = await asAlice(RB, OTHER.spns[0]);
          assertRbcdAsked(r.proxies);
          assert.equal(st(r.status), st(SEC_E_DELEGATION_POLICY));
          assert.match(r.detail, /error 13\b/);
        },
      );

      await t.step(
        "classic constrained delegation (websvc) with PA-PAC-OPTIONS: alice reaches backsvc",
        async () => {
          const r = await asAlice(WEB, BACK.spns[0]);
          assertRbcdAsked(r.proxies);
          assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED));
          const server = acquireInbound("Kerberos", { Keytab: backKeytab });
          const sx = new CtxtHandle();
          try {
            assert.equal(
              st(accept(server.cred, sx, r.token!).status),
              st(SEC_E_OK),
            );
            const names = { value: null as unknown };
            QueryContextAttributes(sx, SECPKG_ATTR_NAMES, names);
            assert.deepEqual(names.value, { sUserName: `alice@${AD.realm}` });
            const pac = { value: null as unknown };
            assert.equal(
              st(QueryContextAttributes(sx, SECPKG_ATTR_PAC_LOGON_INFO, pac)),
              st(SEC_E_OK),
            );
            const info = pac.value as PacLogonInfo;
            assert.equal(info.UserSid, await dc.sidOf(ALICE.user));
            assert.equal(info.EffectiveName, ALICE.user);
          } finally {
            DeleteSecurityContext(sx);
            FreeCredentialsHandle(server.cred);
          }
        },
      );

      await t.step(
        "Kerberos-only delegation (Impersonate: alice's ticket) carries PA-PAC-OPTIONS too",
        async () => {
          // alice -> websvc with her own ticket; websvc keeps it as evidence.
          const a = await acquireKrb("Kerberos", {
            User: ALICE.user,
            Domain: AD.realm,
            Password: ALICE.password,
            Kdc: dc.kdc,
          });
          const c = await iscStep(a.cred, newCtx(), true, WEB.spns[0], null);
          FreeCredentialsHandle(a.cred);
          const web = acquireInbound("Kerberos", {
            Keytab: await dc.exportKeytab(WEB.account),
          });
          const wx = new CtxtHandle();
          assert.equal(st(accept(web.cred, wx, c.token!).status), st(SEC_E_OK));
          const out = { value: null as unknown };
          QueryContextAttributes(wx, SECPKG_ATTR_KERBEROS_CLIENT_TICKET, out);
          const r = await asAlice(
            WEB,
            BACK.spns[0],
            out.value as KerberosClientTicket,
          );
          DeleteSecurityContext(wx);
          FreeCredentialsHandle(web.cred);
          assertRbcdAsked(r.proxies);
          assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED));
        },
      );
    } finally {
      await relay.close();
    }
  });
});
