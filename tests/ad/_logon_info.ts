/**
 * Test helpers: the logon information an established server context reports
 * (`SECPKG_ATTR_PAC_LOGON_INFO`), asserting the query succeeds, and the access
 * token `QuerySecurityContextToken` makes of it.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type CtxtHandle,
  type PacLogonInfo,
  QueryContextAttributes,
  QuerySecurityContextToken,
  SEC_E_OK,
  SECPKG_ATTR_PAC_LOGON_INFO,
  type SecurityContext,
  type SecurityContextToken,
  statusName,
  WELL_KNOWN_NETWORK_SIDS,
} from "../../mod.ts";

/** `s`'s `SECPKG_ATTR_PAC_LOGON_INFO` (the query must return `SEC_E_OK`). */
export function logonInfoOf(s: SecurityContext): PacLogonInfo {
  const out = { value: null as unknown };
  assert.equal(
    statusName(QueryContextAttributes(
      s.handles.context,
      SECPKG_ATTR_PAC_LOGON_INFO,
      out,
    )),
    statusName(SEC_E_OK),
  );
  return out.value as PacLogonInfo;
}

/**
 * Asserts that `QuerySecurityContextToken` on the accepted context `ctx` gives the
 * token of `info` authenticated by `pkg`: the user's SID and name, every group
 * SID of the logon information, the primary group, and the well-known SIDs of a
 * network logon (NTLM Authentication for NTLM only). Returns the token.
 */
export function assertTokenOf(
  ctx: CtxtHandle,
  info: PacLogonInfo,
  pkg: "Kerberos" | "NTLM",
): SecurityContextToken {
  const out: { value?: SecurityContextToken } = {};
  assert.equal(
    statusName(QuerySecurityContextToken(ctx, out)),
    statusName(SEC_E_OK),
  );
  const t = out.value!;
  assert.equal(t.User.Sid, info.UserSid);
  assert.equal(t.User.Name, `${info.LogonDomainName}\\${info.EffectiveName}`);
  assert.equal(t.PrimaryGroup, info.PrimaryGroupSid);
  assert.equal(t.AuthenticationPackage, pkg);
  const sids = t.Groups.map((g) => g.Sid);
  for (const g of [...info.GroupSids, ...info.ExtraSids]) {
    assert.ok(sids.includes(g.Sid), g.Sid);
  }
  const w = WELL_KNOWN_NETWORK_SIDS;
  for (const s of [w.Everyone, w.Network, w.AuthenticatedUsers]) {
    assert.ok(sids.includes(s), s);
  }
  assert.equal(sids.includes(w.NtlmAuthentication), pkg === "NTLM");
  assert.equal(new Set(sids).size, sids.length, "each SID once");
  assert.ok(Object.isFrozen(t) && Object.isFrozen(t.Groups));
  return t;
}
