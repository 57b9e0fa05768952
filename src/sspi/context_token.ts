/**
 * The client's identity as an access token, for a server: `QuerySecurityContextToken`
 * and the impersonation calls. Outside Windows there is no kernel token, so the
 * portable provider returns a {@link SecurityContextToken}, what Windows'
 * `GetTokenInformation` would read from the token (`TokenUser`, `TokenGroups`,
 * `TokenPrimaryGroup`), built from the authorization data the logon brought: a
 * Kerberos ticket's PAC, or the domain controller's answer to an NTLM pass-through
 * logon (the context's `SECPKG_ATTR_PAC_LOGON_INFO`). A thread cannot take on
 * another identity here, so `ImpersonateSecurityContext` and
 * `RevertSecurityContext` answer `SEC_E_UNSUPPORTED_FUNCTION` (the native provider
 * calls Windows' own).
 *
 * @module
 */
import {
  type PacLogonInfo,
  SECPKG_ATTR_PAC_LOGON_INFO,
} from "../packages/kerberos/pac.ts";
import type { SidAndAttributes } from "../netlogon/validation.ts";
import type { SecPkgContext_NegotiationInfo } from "./attributes.ts";
import type { AttributeOut } from "./buffers.ts";
import { checkHandleArg, fail, liveContext } from "./_dispatch.ts";
import { SECPKG_ATTR_NEGOTIATION_INFO } from "./flags.ts";
import type { CtxtHandle } from "./handles.ts";
import {
  SEC_E_NO_IMPERSONATION,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "./status.ts";

/** `SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED`. */
export const SE_GROUP_DEFAULT = 0x7;

/** Well-known SIDs Windows puts in every network logon's token. */
export const WELL_KNOWN_NETWORK_SIDS: Readonly<{
  Everyone: string;
  Network: string;
  AuthenticatedUsers: string;
  ThisOrganization: string;
  NtlmAuthentication: string;
}> = Object.freeze({
  /** Everyone. */
  Everyone: "S-1-1-0",
  /** NT AUTHORITY\NETWORK. */
  Network: "S-1-5-2",
  /** NT AUTHORITY\Authenticated Users. */
  AuthenticatedUsers: "S-1-5-11",
  /** NT AUTHORITY\This Organization. */
  ThisOrganization: "S-1-5-15",
  /** NT AUTHORITY\NTLM Authentication (NTLM logons only). */
  NtlmAuthentication: "S-1-5-64-10",
});

/**
 * A client's access token in JavaScript: what `GetTokenInformation` reads from the
 * token Windows' `QuerySecurityContextToken` returns. Frozen; no secrets.
 */
export interface SecurityContextToken {
  /** `TokenUser`: the client's SID, and `DOMAIN\user`. */
  readonly User: { readonly Sid: string; readonly Name: string | null };
  /**
   * `TokenGroups`: the domain groups (with their `SE_GROUP_*` attributes), the
   * extra SIDs (SID history, asserted-identity SIDs), the resource groups, then
   * the well-known SIDs of a network logon (Everyone, NETWORK, Authenticated
   * Users, This Organization, and NTLM Authentication for NTLM), each once.
   */
  readonly Groups: readonly SidAndAttributes[];
  /** `TokenPrimaryGroup`, or null when the logon data names none. */
  readonly PrimaryGroup: string | null;
  /** The package that authenticated the client (`Kerberos` or `NTLM`). */
  readonly AuthenticationPackage: string;
  /** The user's UPN, or null. */
  readonly UserPrincipalName: string | null;
  /** The logon information the token was made from. */
  readonly LogonInfo: Readonly<PacLogonInfo>;
}

/** The package a context's client authenticated with (Negotiate's inner one). */
function packageOf(name: string, query: (a: number) => unknown): string {
  if (name !== "Negotiate") return name;
  const info = query(SECPKG_ATTR_NEGOTIATION_INFO) as
    | SecPkgContext_NegotiationInfo
    | undefined;
  return info?.PackageInfo?.Name ?? name;
}

/** The token of `info`, authenticated by `pkg`. */
export function tokenOf(
  info: Readonly<PacLogonInfo>,
  pkg: string,
): SecurityContextToken {
  const groups: SidAndAttributes[] = [];
  const seen = new Set<string>();
  const add = (Sid: string, Attributes: number) => {
    if (seen.has(Sid)) return;
    seen.add(Sid);
    groups.push(Object.freeze({ Sid, Attributes }));
  };
  for (
    const g of [
      ...info.GroupSids,
      ...info.ExtraSids,
      ...info.ResourceGroupSids,
    ]
  ) add(g.Sid, g.Attributes);
  const w = WELL_KNOWN_NETWORK_SIDS;
  for (
    const sid of [
      w.Everyone,
      w.Network,
      w.AuthenticatedUsers,
      w.ThisOrganization,
    ]
  ) add(sid, SE_GROUP_DEFAULT);
  if (pkg === "NTLM") add(w.NtlmAuthentication, SE_GROUP_DEFAULT);
  const name = info.EffectiveName
    ? info.LogonDomainName
      ? `${info.LogonDomainName}\\${info.EffectiveName}`
      : info.EffectiveName
    : null;
  return Object.freeze({
    User: Object.freeze({ Sid: info.UserSid ?? "", Name: name }),
    Groups: Object.freeze(groups),
    PrimaryGroup: info.PrimaryGroupSid,
    AuthenticationPackage: pkg,
    UserPrincipalName: info.UserPrincipalName,
    LogonInfo: info,
  });
}

/**
 * The access token of an accepted context, into `Token.value`: the client's SID,
 * groups and primary group from the Kerberos PAC or the NTLM pass-through logon's
 * validation information (see {@link SecurityContextToken}). `SEC_E_INVALID_HANDLE`
 * for an unknown handle; `SEC_E_NO_IMPERSONATION` when the context has no such
 * data (a client context, one not yet complete, NTLM against a local user list,
 * Digest, a ticket without a PAC or without a user SID).
 *
 * @example
 * ```ts
 * import { type CtxtHandle, QuerySecurityContextToken, type SecurityContextToken } from "../../mod.ts";
 * declare const accepted: CtxtHandle;
 * const t: { value?: SecurityContextToken } = {};
 * if (QuerySecurityContextToken(accepted, t) === 0) {
 *   const admin = t.value!.Groups.some((g) => g.Sid.endsWith("-512")); // Domain Admins
 * }
 * ```
 */
export function QuerySecurityContextToken(
  phContext: CtxtHandle,
  Token: AttributeOut<SecurityContextToken>,
): number {
  checkHandleArg("phContext", phContext, false);
  if (!Token || typeof Token !== "object") {
    throw new TypeError("Token must be an object");
  }
  const e = liveContext(phContext);
  if (typeof e === "number") return e;
  const query = (a: number): unknown => {
    try {
      const r = e.ctx.queryAttribute(a);
      return r.status === SEC_E_OK ? r.value : undefined;
    } catch {
      return undefined;
    }
  };
  const info = query(SECPKG_ATTR_PAC_LOGON_INFO) as PacLogonInfo | undefined;
  if (!info?.UserSid) {
    return fail(
      SEC_E_NO_IMPERSONATION,
      "the context carries no authorization data for its client (a Kerberos PAC or a domain controller's NTLM logon): no token",
    );
  }
  Token.value = tokenOf(info, packageOf(e.pkg.info.Name, query));
  return SEC_E_OK;
}

/**
 * `ImpersonateSecurityContext`: `SEC_E_UNSUPPORTED_FUNCTION` for a live context
 * (no thread impersonation outside Windows; read the client's identity with
 * {@link QuerySecurityContextToken}), `SEC_E_INVALID_HANDLE` for an unknown one.
 */
export function ImpersonateSecurityContext(phContext: CtxtHandle): number {
  return noImpersonation(phContext, "ImpersonateSecurityContext");
}

/** `RevertSecurityContext`: as {@link ImpersonateSecurityContext}. */
export function RevertSecurityContext(phContext: CtxtHandle): number {
  return noImpersonation(phContext, "RevertSecurityContext");
}

function noImpersonation(phContext: CtxtHandle, name: string): number {
  checkHandleArg("phContext", phContext, false);
  const e = liveContext(phContext);
  if (typeof e === "number") return e;
  return fail(
    SEC_E_UNSUPPORTED_FUNCTION,
    `${name}: a thread cannot take on the client's identity outside Windows; use QuerySecurityContextToken`,
  );
}
