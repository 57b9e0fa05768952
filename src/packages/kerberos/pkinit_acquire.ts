/**
 * Acquiring a Kerberos client credential for a certificate logon (PKINIT):
 * `{ User?, Domain?, Certificate, PrivateKey, KdcRootCertificates, Kdc? }` in
 * `pAuthData`. The user and realm come from `User`/`Domain` as for a password, or
 * from the certificate's id-pkinit-san (or UPN) when `User` is left out.
 *
 * @module
 */
import type { AcquireRequest } from "../../sspi/package.ts";
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_NO_CREDENTIALS } from "../../sspi/status.ts";
import { NT_ENTERPRISE } from "./constants.ts";
import { type KerberosAuthData, KerberosCredential } from "./credentials.ts";
import { realmTransport } from "./kdc_realms.ts";
import { pkinitIdentityOf, userOfCertificate } from "./pkinit_identity.ts";
import { splitIdentity } from "./messages_principal.ts";
import { fastSettingsOf } from "./fast_armor.ts";

function refuse(why: string): never {
  throw new SspiError(SEC_E_NO_CREDENTIALS, why);
}

/**
 * The credential of a certificate logon. Throws `SEC_E_NO_CREDENTIALS` when the
 * options are incomplete or do not parse (see `pkinitIdentityOf`), combine the
 * certificate with a password, keytab or `Impersonate` (not supported together),
 * name no realm, or no KDC is known for the realm, or when `FastArmor` is unusable
 * (see `fastSettingsOf`). With `FastArmor`, the logon is PKINIT inside FAST.
 */
export function acquireWithCertificate(
  req: AcquireRequest,
  d: KerberosAuthData,
): KerberosCredential {
  if (d.Password !== undefined || d.Keytab !== undefined) {
    refuse("Certificate goes without Password or Keytab");
  }
  if (d.Impersonate !== undefined) {
    refuse("a certificate logon does not combine with Impersonate");
  }
  const id = pkinitIdentityOf(d);
  let name: string;
  let realm: string;
  if (typeof d.User === "string" && d.User) {
    ({ name, realm } = splitIdentity(d.User, d.Domain || undefined));
  } else {
    const named = userOfCertificate(id.leaf);
    if (!named) {
      id.dispose();
      refuse(
        "User is needed: the certificate names no Kerberos principal or UPN",
      );
    }
    name = named.user;
    realm = d.Domain || named.realm ||
      (named.user.includes("@")
        ? named.user.slice(named.user.indexOf("@") + 1)
        : "");
  }
  realm = realm.toUpperCase();
  if (!realm || !name) {
    id.dispose();
    refuse("Kerberos needs a realm (Domain, or User as user@REALM)");
  }
  const transport = realmTransport(d, realm);
  if (!transport) {
    id.dispose();
    refuse(
      `no KDC is known for realm ${realm} (set Kdc, or list it in krb5.conf)`,
    );
  }
  const cred = new KerberosCredential(
    req.use,
    name.includes("@")
      ? { nameType: NT_ENTERPRISE, nameString: [name] }
      : { nameType: 1, nameString: name.split("/") },
    realm,
    null,
    transport,
    d.Delegate === true,
  );
  cred.pkinit = id;
  try {
    // PKINIT inside FAST (`pkinit_fast.ts`); an anonymous armor trusts the KDC
    // certificates under KdcRootCertificates unless the option names its own.
    cred.fast = fastSettingsOf(d, realm, transport, req.use);
  } catch (e) {
    cred.dispose();
    throw e;
  }
  return cred;
}
