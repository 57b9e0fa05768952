/**
 * `QuerySecurityContextToken`, `ImpersonateSecurityContext` and
 * `RevertSecurityContext` without a domain: contexts that carry no authorization
 * data (NTLM against a local user list, the client side, a context not yet
 * complete) give `SEC_E_NO_IMPERSONATION`, unknown handles `SEC_E_INVALID_HANDLE`,
 * impersonation `SEC_E_UNSUPPORTED_FUNCTION`; and how a token is made of logon
 * information. Tokens of real domain logons (Samba AD's PAC and NTLM pass-through)
 * are checked in `tests/ad/kerberos_test.ts` and `tests/ad/ntlm_pass_through_test.ts`.
 */
import assert from "node:assert/strict";
import {
  client,
  CtxtHandle,
  ImpersonateSecurityContext,
  lastErrorDetail,
  type PacLogonInfo,
  QuerySecurityContextToken,
  RevertSecurityContext,
  SEC_E_INVALID_HANDLE,
  SEC_E_NO_IMPERSONATION,
  SEC_E_UNSUPPORTED_FUNCTION,
  type SecurityContextToken,
  server,
  statusName,
  WELL_KNOWN_NETWORK_SIDS,
} from "../../mod.ts";
import { tokenOf } from "../../src/sspi/context_token.ts";

const st = (s: number) => statusName(s);
const USER = { User: "alice", Domain: "CONTOSO", Password: "pw" };

Deno.test("QuerySecurityContextToken: contexts without authorization data, handles, impersonation", () => {
  const c = client({ username: "alice", domain: "CONTOSO", password: "pw" });
  const s = server({ authData: { users: [USER] } });
  try {
    const out: { value?: SecurityContextToken } = {};
    let t = c.step(null);
    t = s.step(t!);
    assert.equal(
      st(QuerySecurityContextToken(s.handles.context, out)),
      st(SEC_E_NO_IMPERSONATION),
      "not complete",
    );
    t = c.step(t!);
    s.step(t!);
    assert.equal(s.clientName, "CONTOSO\\alice");
    for (const ctx of [s.handles.context, c.handles.context]) {
      assert.equal(
        st(QuerySecurityContextToken(ctx, out)),
        st(SEC_E_NO_IMPERSONATION),
      );
      assert.match(lastErrorDetail()?.message ?? "", /no authorization data/);
      assert.equal(out.value, undefined);
      assert.equal(
        st(ImpersonateSecurityContext(ctx)),
        st(SEC_E_UNSUPPORTED_FUNCTION),
      );
      assert.equal(
        st(RevertSecurityContext(ctx)),
        st(SEC_E_UNSUPPORTED_FUNCTION),
      );
    }
    const none = new CtxtHandle();
    assert.equal(
      st(QuerySecurityContextToken(none, out)),
      st(SEC_E_INVALID_HANDLE),
    );
    assert.equal(
      st(ImpersonateSecurityContext(none)),
      st(SEC_E_INVALID_HANDLE),
    );
    assert.equal(st(RevertSecurityContext(none)), st(SEC_E_INVALID_HANDLE));
    assert.throws(
      () => QuerySecurityContextToken(s.handles.context, null as never),
      TypeError,
    );
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("QuerySecurityContextToken: the token of logon information", () => {
  const d = "S-1-5-21-1-2-3";
  const info = {
    UserSid: `${d}-1104`,
    PrimaryGroupSid: `${d}-513`,
    GroupSids: [
      { Sid: `${d}-513`, Attributes: 7 },
      { Sid: `${d}-1105`, Attributes: 7 },
    ],
    ExtraSids: [
      { Sid: "S-1-18-1", Attributes: 7 },
      { Sid: "S-1-1-0", Attributes: 7 }, // already one of the well-known ones
    ],
    ResourceGroupSids: [{ Sid: "S-1-5-21-9-9-9-600", Attributes: 0x20000007 }],
    EffectiveName: "alice",
    LogonDomainName: "CONTOSO",
    UserPrincipalName: "alice@contoso.com",
  } as unknown as PacLogonInfo;
  const w = WELL_KNOWN_NETWORK_SIDS;
  const k = tokenOf(info, "Kerberos");
  assert.deepEqual(k.User, { Sid: `${d}-1104`, Name: "CONTOSO\\alice" });
  assert.equal(k.PrimaryGroup, `${d}-513`);
  assert.deepEqual(k.Groups.map((g) => g.Sid), [
    `${d}-513`,
    `${d}-1105`,
    "S-1-18-1",
    "S-1-1-0",
    "S-1-5-21-9-9-9-600",
    w.Network,
    w.AuthenticatedUsers,
    w.ThisOrganization,
  ]);
  assert.equal(k.Groups[4].Attributes, 0x20000007);
  assert.equal(k.UserPrincipalName, "alice@contoso.com");
  const n = tokenOf(info, "NTLM");
  assert.equal(n.Groups.at(-1)!.Sid, w.NtlmAuthentication);
  assert.equal(n.AuthenticationPackage, "NTLM");
  assert.ok(Object.isFrozen(n) && Object.isFrozen(n.Groups[0]));
});
