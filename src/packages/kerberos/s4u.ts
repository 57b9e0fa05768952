/**
 * Service for User (MS-SFU): a service with its own Kerberos credential gets tickets
 * in a user's name. S4U2Self (protocol transition, MS-SFU 3.1.5.1.1): the service asks
 * the KDC for a ticket to itself on behalf of the user (PA-FOR-USER), which is all
 * the proof of the user a service that authenticated them some other way (a form,
 * a certificate, NTLM) has. S4U2Proxy (constrained delegation, MS-SFU 3.1.5.2): the
 * service sends that ticket (the evidence) as an additional ticket and asks for a
 * ticket to a back-end service in the user's name; the KDC grants it only to the
 * services the directory lets the front end delegate to (`msDS-AllowedToDelegateTo`),
 * or, since the request also carries PA-PAC-OPTIONS asking for resource-based
 * constrained delegation (MS-SFU 2.2.5), to back ends that list the front end in
 * their `msDS-AllowedToActOnBehalfOfOtherIdentity`.
 *
 * This is what Windows' Kerberos package does for a service that called
 * `LsaLogonUser` with `KERB_S4U_LOGON` and then `InitializeSecurityContext` while
 * impersonating; here the credential says whom to act as (`Impersonate` in
 * `pAuthData`).
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_CONTEXT_EXPIRED,
  SEC_E_DELEGATION_POLICY,
  SEC_E_LOGON_DENIED,
} from "../../sspi/status.ts";
import {
  KDC_ERR_BADOPTION,
  KDC_ERR_C_PRINCIPAL_UNKNOWN,
  KDC_ERR_POLICY,
  KDC_OPT_CANONICALIZE,
  KDC_OPT_CNAME_IN_ADDL_TKT,
  KDC_OPT_FORWARDABLE,
  NT_PRINCIPAL,
  PA_FOR_USER,
  PA_PAC_OPTIONS,
  PAC_OPTION_RESOURCE_BASED_CONSTRAINED_DELEGATION,
} from "./constants.ts";
import type { KerberosKey } from "./crypto.ts";
import { CKSUMTYPE_HMAC_MD5, hmacMd5ChecksumOf } from "./crypto_rc4.ts";
import type {
  CachedTicket,
  ImpersonatedUser,
  KerberosCredential,
} from "./credentials.ts";
import { isForwardable, tgsExchange } from "./kdc.ts";
import {
  displayName,
  encodePaForUser,
  encodePaPacOptions,
  type PAData,
  type PrincipalName,
} from "./messages.ts";

/** Key usage of the PA-FOR-USER checksum (KERB_NON_KERB_CKSUM_SALT, MS-SFU 2.2.1). */
const KEY_USAGE_PA_FOR_USER = 17;

/**
 * The PA-FOR-USER of MS-SFU 2.2.1 for `user`: its checksum is the HMAC-MD5 of RFC
 * 4757 (whatever the session key's enctype) under the TGT's session key, over the
 * name type (4 bytes, little-endian), the name's components, the realm and the
 * package name, all as bytes.
 */
export function paForUser(user: ImpersonatedUser, tgtKey: KerberosKey): PAData {
  const enc = new TextEncoder();
  const type = new Uint8Array(4);
  new DataView(type.buffer, type.byteOffset, type.byteLength).setInt32(
    0,
    user.name.nameType,
    true,
  );
  const pkg = "Kerberos";
  const parts = [
    type,
    ...user.name.nameString.map((c) => enc.encode(c)),
    enc.encode(user.realm),
    enc.encode(pkg),
  ];
  return {
    padataType: PA_FOR_USER,
    padataValue: encodePaForUser({
      userName: user.name,
      userRealm: user.realm,
      cksum: {
        cksumtype: CKSUMTYPE_HMAC_MD5,
        checksum: hmacMd5ChecksumOf(tgtKey.bytes, KEY_USAGE_PA_FOR_USER, parts),
      },
      authPackage: pkg,
    }),
  };
}

/**
 * S4U2Self: a ticket to the service itself (the TGT's client) in `user`'s name. The
 * KDC makes it forwardable only when the service may use protocol transition
 * (`TRUSTED_TO_AUTH_FOR_DELEGATION`); classic constrained delegation then needs it
 * so, resource-based constrained delegation does not (the KDC decides).
 */
export async function s4u2Self(
  cred: KerberosCredential,
  tgt: CachedTicket,
  user: ImpersonatedUser,
): Promise<CachedTicket> {
  const t = await tgsExchange(
    cred,
    tgt,
    tgt.cname,
    KDC_OPT_FORWARDABLE | KDC_OPT_CANONICALIZE,
    {
      padata: (key) => [paForUser(user, key)],
      what: `S4U2Self request for ${displayName(user.name, user.realm)}`,
      errorStatuses: { [KDC_ERR_C_PRINCIPAL_UNKNOWN]: SEC_E_LOGON_DENIED },
    },
  );
  const asked = displayName(user.name, user.realm).toLowerCase();
  const got = displayName(t.cname, t.crealm).toLowerCase();
  if (user.name.nameType === NT_PRINCIPAL && got !== asked) {
    throw new SspiError(
      SEC_E_LOGON_DENIED,
      `the KDC answered the S4U2Self request for ${asked} with a ticket for ${got}`,
    );
  }
  return t;
}

/**
 * The PA-PAC-OPTIONS of an S4U2Proxy request (MS-SFU 3.1.5.2): the service supports
 * resource-based constrained delegation, so the KDC may also grant the ticket on the
 * strength of the target's `msDS-AllowedToActOnBehalfOfOtherIdentity`.
 */
export function paPacOptionsRbcd(): PAData {
  return {
    padataType: PA_PAC_OPTIONS,
    padataValue: encodePaPacOptions(
      PAC_OPTION_RESOURCE_BASED_CONSTRAINED_DELEGATION,
    ),
  };
}

/**
 * S4U2Proxy: a ticket to `sname` in the name of the evidence ticket's client, asked
 * with the service's TGT and the evidence as additional ticket, and PA-PAC-OPTIONS
 * asking for resource-based constrained delegation too. The evidence goes even when
 * it is not forwardable: whether a delegation is allowed (the front end's
 * `msDS-AllowedToDelegateTo`, which needs a forwardable evidence ticket, or the back
 * end's `msDS-AllowedToActOnBehalfOfOtherIdentity`) is the KDC's to say. Its refusal
 * (KDC_ERR_BADOPTION, or KDC_ERR_POLICY) is `SEC_E_DELEGATION_POLICY`.
 */
export async function s4u2Proxy(
  cred: KerberosCredential,
  tgt: CachedTicket,
  evidence: CachedTicket,
  sname: PrincipalName,
): Promise<CachedTicket> {
  const target = sname.nameString.join("/");
  const user = displayName(evidence.cname, evidence.crealm);
  try {
    return await tgsExchange(
      cred,
      tgt,
      sname,
      KDC_OPT_FORWARDABLE | KDC_OPT_CANONICALIZE | KDC_OPT_CNAME_IN_ADDL_TKT,
      {
        padata: () => [paPacOptionsRbcd()],
        additionalTickets: [evidence.ticket],
        what: `S4U2Proxy request for ${target} as ${user}`,
        errorStatuses: {
          [KDC_ERR_BADOPTION]: SEC_E_DELEGATION_POLICY,
          [KDC_ERR_POLICY]: SEC_E_DELEGATION_POLICY,
        },
      },
    );
  } catch (e) {
    if (!(e instanceof SspiError) || e.status !== SEC_E_DELEGATION_POLICY) {
      throw e;
    }
    const refused = e.reason;
    const evidenceNote = isForwardable(evidence)
      ? ""
      : ` (its ticket for ${user} is not forwardable: the service may not use ` +
        "protocol transition (TRUSTED_TO_AUTH_FOR_DELEGATION) or the user may " +
        "not be delegated, which leaves only resource-based delegation)";
    throw new SspiError(
      SEC_E_DELEGATION_POLICY,
      `${refused}; the directory lets ${
        displayName(tgt.cname, tgt.crealm)
      } delegate to ${target} neither through its msDS-AllowedToDelegateTo ` +
        "(constrained delegation) nor through the target's " +
        `msDS-AllowedToActOnBehalfOfOtherIdentity (resource-based)${evidenceNote}`,
      { cause: e },
    );
  }
}

/**
 * The ticket to `sname` (cached under `spn`) in the name of the user the credential
 * impersonates: S4U2Self once (its ticket is kept), then S4U2Proxy per target.
 */
export async function impersonatedServiceTicket(
  cred: KerberosCredential,
  tgt: CachedTicket,
  user: ImpersonatedUser,
  spn: string,
  sname: PrincipalName,
): Promise<CachedTicket> {
  if (!cred.evidence && user.evidenceOnly) {
    throw new SspiError(
      SEC_E_CONTEXT_EXPIRED,
      `the ticket ${displayName(user.name, user.realm)} presented has expired`,
    );
  }
  const evidence = cred.evidence ?? await s4u2Self(cred, tgt, user);
  cred.evidence = evidence;
  const t = await s4u2Proxy(cred, tgt, evidence, sname);
  cred.setServiceTicket(spn, t);
  return t;
}
