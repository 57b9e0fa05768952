/**
 * What an outbound Kerberos credential is acquired from: `pAuthData` of
 * `AcquireCredentialsHandle` (`KerberosAuthData`), and where its FAST armor comes
 * from (`KerberosFastArmor`).
 *
 * @module
 */
import type { KdcTransport } from "./transport.ts";
import type { KdcOption } from "./kdc_realms.ts";
import type { KerberosClientTicket } from "./evidence.ts";

/** The ticket lifetime asked of the KDC by default: 10 hours. */
export const TICKET_LIFETIME_MS = 10 * 3600_000;

/**
 * `pAuthData` of Kerberos (outbound): `SEC_WINNT_AUTH_IDENTITY`-shaped, plus where the
 * realm's KDC is.
 */
export interface KerberosAuthData {
  /** The user: `alice`, `alice@EXAMPLE.COM` or `EXAMPLE\alice`. */
  User?: string;
  /** The realm (upper-cased, as Windows maps a DNS domain to its realm). */
  Domain?: string;
  /** The password. */
  Password?: string;
  /**
   * In place of `Password`: a keytab (path, `FILE:` path or bytes) holding the
   * user's keys, as `kinit -k` uses; the entries for `User@realm` are taken (a
   * service account exported with `ktpass` or `samba-tool domain exportkeytab`).
   */
  Keytab?: string | Uint8Array;
  /**
   * The KDCs (`host`, `host:port`, or an MS-KKDCP proxy's `https://` URL), tried in
   * order. A string or a list names the user's realm's KDCs. An object maps realm
   * names (matched ignoring case) to each realm's KDCs, for cross-realm
   * authentication: `{ "A.EXAMPLE": "kdc-a:88", "B.EXAMPLE": ["kdc-b1", "kdc-b2"] }`
   * lets a user of `A.EXAMPLE` reach services of `B.EXAMPLE` through a trust (the
   * client gets `krbtgt/B.EXAMPLE@A.EXAMPLE` from A's KDC, then the service ticket
   * from B's, and follows KDC referrals, RFC 6806). A realm it does not name (every
   * realm but the user's, with a string or a list) is looked up in the `kdc` lines
   * of the `krb5.conf` named by `KRB5_CONFIG`, else `/etc/krb5.conf`; that is also
   * the default for the user's realm.
   */
  Kdc?: KdcOption;
  /**
   * Another way to reach the KDCs (MS-KKDCP, a test relay); overrides `Kdc`. It is
   * told the realm of each request, so one transport serves every realm.
   */
  KdcTransport?: KdcTransport;
  /** Milliseconds to wait for each KDC exchange (default 10,000). */
  KdcTimeoutMs?: number;
  /**
   * The lifetime asked of the KDC for service tickets, in seconds (default 10
   * hours; the KDC's policy may give less), as GSSAPI's `time_req`: the service
   * may end the session when the ticket ends (SMB servers do). The TGT is asked
   * for 10 hours (Heimdal refuses TGS requests with TGTs of a few minutes).
   */
  TicketLifetimeSeconds?: number;
  /**
   * Delegate in every context this credential initiates, as if each asked for
   * `ISC_REQ_DELEGATE`: the way to delegate through
   * `SspiInitializeSecurityContextAsync`, which refuses that flag (as `sspi.h`
   * documents). The credential gets a forwarded TGT once and keeps it.
   */
  Delegate?: boolean;
  /**
   * Act as this user (`alice`, `alice@REALM`, `REALM\alice`; the realm defaults to
   * the service's) through Service for User (MS-SFU): `User`/`Password` are the
   * service account's; each target's ticket is had by S4U2Self then S4U2Proxy, which
   * the directory must allow (protocol transition and constrained delegation to that
   * target). What Windows does for a service that impersonates a `KERB_S4U_LOGON`.
   * Or the value of `SECPKG_ATTR_KERBEROS_CLIENT_TICKET` from a context this service
   * accepted: then that ticket is the evidence, S4U2Proxy only (Kerberos-only
   * constrained delegation).
   */
  Impersonate?: string | KerberosClientTicket;
  /**
   * Act as the client who delegated this TGT to an acceptor (the value
   * `SECPKG_ATTR_KERBEROS_DELEGATED_TGT` returned): no `User` or `Password`; the KDC
   * is the client realm's, from `Kdc`, `KdcTransport` or `krb5.conf`.
   */
  DelegatedFrom?: unknown;
  /**
   * Kerberos armoring (FAST, RFC 6113): every AS exchange of this credential goes
   * inside a FAST tunnel keyed by an armor TGT, which hides the pre-authentication
   * from eavesdroppers (no offline dictionary attack on it) and authenticates the
   * KDC's reply (reply-key strengthening, the KDC's checksum binding the ticket);
   * pre-authentication is then encrypted challenge (PA-ENCRYPTED-CHALLENGE). As a
   * Windows domain member armors its users' logons with its machine TGT. A string
   * is a credential cache path (`FILE:` or bare), as `{ Ccache }`.
   * When the KDC answers without FAST, the logon fails with
   * `SEC_E_DOWNGRADE_DETECTED` unless `AllowFallback` is set. For a credential that
   * logs on (`User` with `Password` or `Keytab`, or a `Certificate`: PKINIT inside
   * FAST); its TGS exchanges are armored too, each with the TGT it presents
   * (implicit armor, RFC 6113 5.4.1.1).
   */
  FastArmor?: string | KerberosFastArmor;
  /**
   * Certificate logon (PKINIT, RFC 4556), in place of `Password`: the user's
   * certificate chain, leaf first, as PEM text (`CERTIFICATE` blocks) or DER (one
   * certificate or a list), as smart cards, Windows Hello for Business and
   * certificate-mapped Active Directory users log on. Needs `PrivateKey` and
   * `KdcRootCertificates`. `User` may be left out: the certificate's id-pkinit-san
   * principal (or its Microsoft UPN) names the user then. The KDC checks the
   * certificate (its CA, its EKU, that it names `User`); its refusals are
   * `SEC_E_ISSUING_CA_UNTRUSTED`, `SEC_E_PKINIT_NAME_MISMATCH`,
   * `SEC_E_PKINIT_CLIENT_FAILURE`, `SEC_E_SMARTCARD_CERT_REVOKED`...
   *
   * @example
   * ```ts
   * const auth: KerberosAuthData = {
   *   User: "alice",
   *   Domain: "EXAMPLE.COM",
   *   Certificate: await Deno.readTextFile("alice.pem"),
   *   PrivateKey: await Deno.readTextFile("alice.key"),
   *   KdcRootCertificates: await Deno.readTextFile("ca.pem"),
   *   Kdc: "kdc.example.com",
   * };
   * ```
   */
  Certificate?: string | Uint8Array | readonly Uint8Array[];
  /**
   * The private key of `Certificate`'s leaf: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), PEM
   * or DER, unencrypted. It signs the PKINIT request (RSA PKCS#1 v1.5 with SHA-256,
   * or ECDSA).
   */
  PrivateKey?: string | Uint8Array;
  /**
   * The roots the KDC's certificate must chain to in a certificate logon (PEM or
   * DER), as Windows' NTAuth store: the KDC's certificate must also name the KDC of
   * the realm (`krbtgt/REALM` in an id-pkinit-san, or the realm's DNS name in a
   * dNSName with the KDC EKU id-pkinit-KPKdc or the smart card logon EKU), else the
   * logon fails (`SEC_E_ISSUING_CA_UNTRUSTED_KDC`, `SEC_E_KDC_CERT_EXPIRED`,
   * `SEC_E_WRONG_PRINCIPAL`, `SEC_E_CERT_WRONG_USAGE`).
   */
  KdcRootCertificates?: string | Uint8Array | readonly Uint8Array[];
  /**
   * CRLs for checking the revocation of the KDC's certificate (and its CAs, the
   * root excepted) in a certificate or anonymous logon, PKINIT inside FAST and
   * anonymous FAST armor included: PEM text (`X509 CRL` blocks), one DER CRL or a
   * list, as Schannel's `CertificateRevocationLists`. What they leave open is
   * fetched from the OCSP responder or CRL the certificates name (`http:`; see
   * `KdcRevocationCheck`). A revoked KDC certificate fails the logon with
   * `SEC_E_KDC_CERT_REVOKED`. A CRL that does not parse is `SEC_E_NO_CREDENTIALS`.
   */
  KdcCertificateRevocationLists?: string | Uint8Array | readonly Uint8Array[];
  /**
   * How the KDC's certificate is checked for revocation:
   * - `"auto"` (default): by `KdcCertificateRevocationLists` and, for what they
   *   leave open, online (the OCSP responder of the certificate's Authority
   *   Information Access, else its CRL Distribution Points; `http:`, 10 s, kept on
   *   the credential until out of date); revoked fails (`SEC_E_KDC_CERT_REVOKED`),
   *   an undetermined status (no information, a source that cannot be reached)
   *   does not;
   * - `"require"`: as Windows' default for smart-card logons, an undetermined
   *   status fails too, with `SEC_E_REVOCATION_OFFLINE_KDC`;
   * - `"cacheOnly"`: `KdcCertificateRevocationLists` only, nothing fetched;
   * - `"off"`: no check.
   */
  KdcRevocationCheck?: "auto" | "require" | "cacheOnly" | "off";
  /**
   * An anonymous logon (anonymous PKINIT, RFC 8062, as MIT's `kinit -n`): with
   * `Domain` (the realm) and `KdcRootCertificates`, and no `User`, `Password`,
   * `Keytab` or `Certificate`, the credential's TGT is the KDC's anonymous one
   * (client `WELLKNOWN/ANONYMOUS@WELLKNOWN:ANONYMOUS`), usable for services that
   * accept anonymous tickets. The KDC needs PKINIT and the `WELLKNOWN/ANONYMOUS`
   * principal. For armor, see `FastArmor: { Anonymous: true }`.
   */
  Anonymous?: boolean;
}

/**
 * Where the FAST armor TGT comes from (`FastArmor` of `KerberosAuthData`): a
 * credential cache holding a TGT of the user's realm (`kinit -k -c FILE:/path
 * host/client.example.com` makes one), or a keytab and its principal, from which the
 * package gets the armor TGT itself (and again when it expires), or an anonymous
 * TGT the package gets with anonymous PKINIT (`Anonymous`).
 */
export interface KerberosFastArmor {
  /** A credential cache (path, `FILE:` path or bytes) with a TGT for the user's realm. */
  Ccache?: string | Uint8Array;
  /** A keytab (path, `FILE:` path or bytes) holding `Principal`'s keys. */
  Keytab?: string | Uint8Array;
  /** The keytab's principal (`host/client.example.com`, realm: the user's). */
  Principal?: string;
  /**
   * Armor with an anonymous TGT (anonymous PKINIT, RFC 8062, as `kinit -n` then
   * `kinit -T` do), for a client without a machine account: the package gets it
   * from the user's KDC (and again when it expires). The KDC's certificate must
   * chain to `KdcRootCertificates` (this option's, else the credential's).
   */
  Anonymous?: boolean;
  /** The roots the KDC's certificate must chain to, for `Anonymous`. */
  KdcRootCertificates?: string | Uint8Array | readonly Uint8Array[];
  /**
   * Log on without armor when the KDC does not support FAST (its first answer has
   * no PA-FX-FAST). Default false: `SEC_E_DOWNGRADE_DETECTED`, since an attacker
   * who strips FAST from the KDC's answers would otherwise get the unarmored
   * exchange FAST is meant to prevent.
   */
  AllowFallback?: boolean;
}
