/**
 * Acquiring a Kerberos client credential: from a user and password or keytab, from
 * the user's MIT credential cache, or from a TGT a client delegated to an acceptor.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import type { AcquireRequest } from "../../sspi/package.ts";
import { SEC_E_NO_CREDENTIALS } from "../../sspi/status.ts";
import { wipeKey } from "./crypto.ts";
import { NT_ENTERPRISE } from "./constants.ts";
import { acquireFromCcache, withoutAs } from "./ccache_credential.ts";
import { realmTransport } from "./kdc_realms.ts";
import { delegatedTicket } from "./delegation.ts";
import { clientTicketOf } from "./evidence.ts";
import { clientKeytabKeys } from "./client_keytab.ts";
import { fastSettingsOf } from "./fast_armor.ts";
import { acquireWithCertificate } from "./pkinit_acquire.ts";
import { splitIdentity } from "./messages_principal.ts";
import { acquireAnonymous } from "./pkinit_anonymous.ts";
import { type KerberosAuthData, KerberosCredential } from "./credentials.ts";
import { TICKET_LIFETIME_MS } from "./auth_data.ts";

/**
 * The credential of a client who delegated its TGT to us (`DelegatedFrom`): that TGT
 * (a copy) and the client realm's KDC.
 */
function acquireFromDelegation(
  req: AcquireRequest,
  d: KerberosAuthData,
): KerberosCredential {
  const t = delegatedTicket(d.DelegatedFrom);
  if (!t) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      "DelegatedFrom must be a delegated TGT from SECPKG_ATTR_KERBEROS_DELEGATED_TGT " +
        "(of a context not yet deleted)",
    );
  }
  const transport = realmTransport(d, t.crealm);
  if (!transport || t.endtime <= Date.now()) {
    wipeKey(t.key);
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      transport
        ? "the delegated TGT has expired"
        : `no KDC is known for realm ${t.crealm} (set Kdc, or list it in krb5.conf)`,
    );
  }
  const cred = new KerberosCredential(
    req.use,
    { nameType: t.cname.nameType, nameString: [...t.cname.nameString] },
    t.crealm,
    null,
    withoutAs(transport),
    d.Delegate === true,
  );
  cred.tgt = t;
  return cred;
}

/** `TicketLifetimeSeconds` in ms, checked: a positive number of seconds. */
function lifetimeOf(seconds: unknown): number {
  if (seconds === undefined) return TICKET_LIFETIME_MS;
  if (typeof seconds !== "number" || !(seconds >= 1) || seconds > 2 ** 31) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      "TicketLifetimeSeconds must be a number of seconds, at least 1",
    );
  }
  return Math.floor(seconds) * 1000;
}

/**
 * Acquires an outbound Kerberos credential from `{ User, Domain, Password }`, or,
 * with neither `User` nor `Password` (`pAuthData` null), from the user's MIT
 * credential cache (`KRB5CCNAME`, else `/tmp/krb5cc_<uid>`; only `FILE:` caches),
 * or with `DelegatedFrom`, from a TGT a client delegated to an acceptor, or with
 * `Anonymous`, an anonymous logon (anonymous PKINIT, `pkinit_anonymous.ts`). Throws `SspiError(SEC_E_NO_CREDENTIALS)` without a usable identity (a user without
 * a password, no readable cache, `pszPrincipal` naming someone else than the cache's
 * default principal) or when no KDC is known for the realm (a cache credential with
 * cached service tickets still works without one): then Negotiate leaves Kerberos
 * out, as Windows does when no domain controller can be found.
 */
export function acquireKerberosCredential(
  req: AcquireRequest,
): KerberosCredential {
  const d = (req.authData ?? {}) as KerberosAuthData;
  if (typeof d !== "object") {
    throw new SspiError(SEC_E_NO_CREDENTIALS, "pAuthData must be an object");
  }
  if (d.DelegatedFrom !== undefined) {
    if (d.User || d.Password) {
      throw new SspiError(
        SEC_E_NO_CREDENTIALS,
        "DelegatedFrom goes without User and Password",
      );
    }
    return acquireFromDelegation(req, d);
  }
  if (d.Anonymous !== undefined) return acquireAnonymous(req, d);
  if (d.Certificate !== undefined) return acquireWithCertificate(req, d);
  if (!d.User && !d.Password && d.Keytab === undefined) {
    return acquireFromCcache(req, d);
  }
  const keytab = d.Keytab !== undefined && d.Password === undefined;
  if (
    typeof d.User !== "string" || !d.User ||
    (!keytab && typeof d.Password !== "string") ||
    (keytab && typeof d.Keytab !== "string" &&
      !(d.Keytab instanceof Uint8Array))
  ) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      "Kerberos needs User and Password, or User and Keytab (no default credentials here)",
    );
  }
  const { name, realm: r } = splitIdentity(d.User, d.Domain || undefined);
  // The realm must be named: krb5.conf's default_realm would send Negotiate
  // credentials with an empty domain (NTLM's local accounts) to some other realm.
  const realm = r.toUpperCase();
  if (!realm || !name) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      "Kerberos needs a realm (Domain, or User as user@REALM)",
    );
  }
  const transport = realmTransport(d, realm);
  if (!transport) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      `no KDC is known for realm ${realm} (set Kdc, or list it in krb5.conf)`,
    );
  }
  const keys = keytab
    ? clientKeytabKeys(d.Keytab as string | Uint8Array, name, realm)
    : null;
  const cred = new KerberosCredential(
    req.use,
    // A name with "@" in a named realm is a UPN (`alice@corp.example.com`, whose
    // suffix need not be the realm): an enterprise name the KDC canonicalizes.
    name.includes("@")
      ? { nameType: NT_ENTERPRISE, nameString: [name] }
      : { nameType: 1, nameString: name.split("/") },
    realm,
    keytab ? null : d.Password as string,
    transport,
    d.Delegate === true,
  );
  if (keys) cred.useKeys(keys);
  try {
    cred.lifetimeMs = lifetimeOf(d.TicketLifetimeSeconds);
    cred.fast = fastSettingsOf(d, realm, transport, req.use);
  } catch (e) {
    cred.dispose();
    throw e;
  }
  if (d.Impersonate !== undefined && typeof d.Impersonate !== "string") {
    const t = clientTicketOf(d.Impersonate);
    if (!t) {
      throw new SspiError(
        SEC_E_NO_CREDENTIALS,
        "Impersonate must name a user, or be a SECPKG_ATTR_KERBEROS_CLIENT_TICKET value",
      );
    }
    cred.impersonate = { name: t.cname, realm: t.crealm, evidenceOnly: true };
    cred.evidence = t;
  } else if (d.Impersonate !== undefined) {
    if (!d.Impersonate.trim()) {
      throw new SspiError(SEC_E_NO_CREDENTIALS, "Impersonate must name a user");
    }
    const u = splitIdentity(d.Impersonate.trim(), undefined);
    cred.impersonate = {
      name: { nameType: 1, nameString: [u.name] },
      realm: (u.realm || realm).toUpperCase(),
    };
  }
  return cred;
}
