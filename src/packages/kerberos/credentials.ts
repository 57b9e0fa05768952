/**
 * The Kerberos credential: the user's principal and password (kept as UTF-8 bytes in a
 * private field, wiped by `dispose`), the KDC transport of its realm, the keys derived
 * from the password (per enctype and salt), and the tickets obtained with it: the TGT
 * and one service ticket per SPN, as a Windows logon session's ticket cache holds them.
 * Without a user and password, the tickets come from the user's MIT credential cache
 * (`KRB5CCNAME`, else `/tmp/krb5cc_<uid>`): single sign-on, as the logged-on user on
 * Windows; such a credential has no password, so it never makes an AS exchange.
 *
 * @module
 */
import { TIMESTAMP_NEVER } from "../../sspi/buffers.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
  SECPKG_CRED_ATTR_NAMES,
} from "../../sspi/flags.ts";
import type { AttributeResult, PackageCredential } from "../../sspi/package.ts";
import {
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { type KerberosKey, stringToKey, wipeKey } from "./crypto.ts";
import type { CcacheCredential } from "./ccache.ts";
import {
  decodeTicket,
  displayName,
  type PrincipalName,
  targetPrincipal,
  type Ticket,
} from "./messages.ts";
import type { KdcTransport } from "./transport.ts";
import {
  type KdcProxySettings,
  kdcProxySettingsValue,
  parseKdcProxySettings,
  throughKdcProxy,
} from "./kdc_proxy_settings.ts";
import { type KdcOption, sameRealm } from "./kdc_realms.ts";
import type { KerberosClientTicket } from "./evidence.ts";
import type { PkinitIdentity } from "./pkinit_identity.ts";
import type { AnonymousPkinit } from "./pkinit_anonymous.ts";

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

/** A credential's FAST settings (from `FastArmor`). */
export interface FastSettings {
  /** The armor TGT from a credential cache (null with a keytab). */
  armorTgt: CachedTicket | null;
  /** The keytab principal's credential, which gets (and caches) the armor TGT. */
  machine: KerberosCredential | null;
  /** Whether to go on without armor when the KDC does not support FAST. */
  allowFallback: boolean;
}

/** Whom a credential acts as through S4U (`Impersonate`): a user and realm. */
export interface ImpersonatedUser {
  /** The user's name. */
  name: PrincipalName;
  /** The user's realm. */
  realm: string;
  /**
   * Only the client's own ticket (`KerberosClientTicket`) may serve as evidence:
   * no S4U2Self (protocol transition) when it has expired.
   */
  evidenceOnly?: boolean;
}

/** A ticket with its session key, as the ticket cache keeps it. */
export interface CachedTicket {
  /** The ticket (sent back byte-exact). */
  ticket: Ticket;
  /** Its session key. */
  key: KerberosKey;
  /** The client principal, as the KDC named it (canonicalised). */
  cname: PrincipalName;
  /** The client realm, as the KDC named it. */
  crealm: string;
  /** When the ticket ends (ms since the epoch). */
  endtime: number;
  /** The ticket flags (`TKT_FLG_*`), when known (from the KDC reply or the cache). */
  flags?: number;
  /** When the client authenticated (ms since the epoch), when known. */
  authtime?: number;
  /** When the ticket starts, if the KDC said (ms since the epoch). */
  starttime?: number;
  /** Until when it can be renewed, if renewable (ms since the epoch). */
  renewTill?: number;
}

/** A usable cache entry as a ticket-cache entry (null when its ticket does not decode). */
export function ticketOfCcacheEntry(c: CcacheCredential): CachedTicket | null {
  let ticket: Ticket;
  try {
    ticket = decodeTicket(c.ticket);
  } catch {
    return null;
  }
  return {
    ticket,
    key: { etype: c.key.etype, bytes: c.key.bytes.slice() },
    cname: {
      nameType: c.client.nameType,
      nameString: [...c.client.components],
    },
    crealm: c.client.realm,
    endtime: c.endtime * 1000,
    flags: c.ticketFlags,
    authtime: c.authtime * 1000,
    starttime: c.starttime ? c.starttime * 1000 : undefined,
    renewTill: c.renewTill ? c.renewTill * 1000 : undefined,
  };
}

/**
 * The ticket-cache key of a target: its service principal lower-cased, with the
 * realm only when it names one other than `home` (`HTTP@web` and `HTTP/web@HOME`
 * are `http/web`; `HTTP/web@OTHER` is `http/web@OTHER`).
 */
function spnKey(spn: string, home: string): string {
  const p = targetPrincipal(spn);
  if (!p) return spn.trim().toLowerCase();
  const name = p.sname.nameString.join("/").toLowerCase();
  return p.realm && !sameRealm(p.realm, home)
    ? `${name}@${p.realm.toUpperCase()}`
    : name;
}

/** The realm a TGT is for (`krbtgt/X@Y` is for X); null for other tickets. */
export function tgtRealmOf(t: CachedTicket): string | null {
  const s = t.ticket.sname.nameString;
  return s.length === 2 && s[0] === "krbtgt" ? s[1] : null;
}

/** The cache key of the realm pair `from` (issuer) and `to`. */
function pairKey(from: string, to: string): string {
  return `${from.toUpperCase()}>${to.toUpperCase()}`;
}

/**
 * A Kerberos credential. Secrets are private fields: inspection shows none. One from
 * a credential cache has no password (`null`): it uses the cached tickets and asks
 * the KDC for service tickets with the cached TGT, never for a new TGT.
 */
export class KerberosCredential implements PackageCredential {
  readonly use: number;
  readonly expiry: bigint = TIMESTAMP_NEVER;
  /** The user's principal name (without realm). */
  readonly cname: PrincipalName;
  /** The user's realm. */
  readonly realm: string;
  /** How to reach the realm's KDC directly. */
  readonly #direct: KdcTransport;
  /** The KDC proxy settings (`SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS`), or null. */
  #proxy: KdcProxySettings | null = null;
  /** `#direct`, through the proxy of `#proxy`. */
  #transport: KdcTransport;
  #password: Uint8Array | null;
  #keys = new Map<string, KerberosKey>();
  #tgt: CachedTicket | null = null;
  #forwarded: CachedTicket | null = null;
  #tickets = new Map<string, CachedTicket>();
  /** Cross-realm TGTs (`krbtgt/TO@FROM`), by `pairKey(FROM, TO)`. */
  #crossTgts = new Map<string, CachedTicket>();
  /** Learned paths: asking FROM for TO gave a TGT to this realm (capaths). */
  #routes = new Map<string, string>();
  /** Delegate in every context, as if `ISC_REQ_DELEGATE` were asked (`Delegate`). */
  readonly delegate: boolean;
  /** Whom this credential acts as through S4U (`Impersonate`), or null. */
  impersonate: ImpersonatedUser | null = null;
  #evidence: CachedTicket | null = null;
  /** The user's keys from a keytab (`Keytab`), used in place of a password. */
  #keytabKeys: KerberosKey[] | null = null;
  /** FAST armoring of the AS and TGS exchanges (`FastArmor`), or null for none. */
  fast: FastSettings | null = null;
  /**
   * The certificate logon identity (PKINIT, `Certificate`), the anonymous one
   * (anonymous PKINIT, `Anonymous`), or null.
   */
  pkinit: PkinitIdentity | AnonymousPkinit | null = null;
  /** Realm names the KDC canonicalized the user's realm to (`ADEX` -> the DNS realm). */
  #realmAliases = new Set<string>();

  /**
   * Builds a credential; `password` is copied (`null`: from a credential cache or a
   * delegated TGT).
   */
  constructor(
    use: number,
    cname: PrincipalName,
    realm: string,
    password: string | null,
    transport: KdcTransport,
    delegate = false,
  ) {
    this.use = use;
    this.delegate = delegate;
    this.cname = cname;
    this.realm = realm;
    this.#direct = transport;
    this.#transport = transport;
    this.#password = password === null
      ? null
      : new TextEncoder().encode(password);
  }

  /** How to reach the realm's KDC: directly, or through the KDC proxy set. */
  get transport(): KdcTransport {
    return this.#transport;
  }

  /** Why no ticket can be had: a cache credential without a valid TGT. */
  #noTgtReason(): string {
    return `the credential cache has no valid TGT for ${
      displayName(this.cname, this.realm)
    } (unexpired, with an AES session key); run kinit`;
  }

  /** The default salt (RFC 4120 section 4): the realm, then each name component. */
  get defaultSalt(): string {
    return this.realm + this.cname.nameString.join("");
  }

  /** The user's long-term key for `etype` and `salt`, derived once. */
  userKey(etype: number, salt: string, params?: Uint8Array): KerberosKey {
    const id = `${etype}:${salt}:${params ? Array.from(params).join(",") : ""}`;
    if (this.#keytabKeys) {
      const key = this.#keytabKeys.find((x) => x.etype === etype);
      if (!key) {
        throw new SspiError(
          SEC_E_NO_CREDENTIALS,
          `the keytab has no key of enctype ${etype} for ${
            displayName(this.cname, this.realm)
          }`,
        );
      }
      return key;
    }
    let k = this.#keys.get(id);
    if (!k) {
      if (this.#password === null) {
        throw new SspiError(SEC_E_NO_CREDENTIALS, this.#noTgtReason());
      }
      k = stringToKey(
        etype,
        new TextDecoder().decode(this.#password),
        salt,
        params,
      );
      this.#keys.set(id, k);
    }
    return k;
  }

  /** The TGT, if one is cached and still valid for a minute. */
  get tgt(): CachedTicket | null {
    const t = this.#tgt;
    return t && t.endtime > Date.now() + 60_000 ? t : null;
  }

  /** Caches the TGT. */
  set tgt(t: CachedTicket | null) {
    if (this.#tgt && this.#tgt !== t) wipeKey(this.#tgt.key);
    this.#tgt = t;
  }

  /** The forwarded TGT to delegate, if one is cached and still valid for a minute. */
  get forwardedTgt(): CachedTicket | null {
    const t = this.#forwarded;
    return t && t.endtime > Date.now() + 60_000 ? t : null;
  }

  /** Caches the forwarded TGT. */
  set forwardedTgt(t: CachedTicket | null) {
    if (this.#forwarded && this.#forwarded !== t) wipeKey(this.#forwarded.key);
    this.#forwarded = t;
  }

  /** The S4U2Self ticket for `impersonate`, if cached and valid for a minute. */
  get evidence(): CachedTicket | null {
    const t = this.#evidence;
    return t && t.endtime > Date.now() + 60_000 ? t : null;
  }

  /** Caches the S4U2Self ticket. */
  set evidence(t: CachedTicket | null) {
    if (this.#evidence && this.#evidence !== t) wipeKey(this.#evidence.key);
    this.#evidence = t;
  }

  /**
   * Why no new ticket can be had, or null: a credential from a credential cache has
   * no password, so without a valid TGT (its own, or one the cache file has now) it
   * cannot get one ("run kinit").
   */
  get cannotGetTickets(): string | null {
    return this.#password === null && this.#keytabKeys === null &&
        this.pkinit === null && this.tgt === null &&
        !(this.reloadTickets?.() && this.tgt !== null)
      ? this.#noTgtReason()
      : null;
  }

  /** For a credential from a cache file: reads it again for a new TGT (true: taken). */
  reloadTickets: ((now?: number) => boolean) | null = null;

  /** The cached service ticket for `spn`, if still valid for a minute. */
  serviceTicket(spn: string): CachedTicket | null {
    const t = this.#tickets.get(spnKey(spn, this.realm));
    return t && t.endtime > Date.now() + 60_000 ? t : null;
  }

  /** Caches a service ticket for `spn`. */
  setServiceTicket(spn: string, t: CachedTicket): void {
    const key = spnKey(spn, this.realm);
    const old = this.#tickets.get(key);
    if (old && old !== t) wipeKey(old.key);
    this.#tickets.set(key, t);
  }

  /**
   * A cached cross-realm TGT that realm `from` issued on the way to realm `to`
   * (`krbtgt/to@from`, or the TGT of the next realm on the path `from` chose before),
   * if still valid for a minute.
   */
  crossRealmTgt(from: string, to: string): CachedTicket | null {
    const via = this.#routes.get(pairKey(from, to)) ?? to;
    const t = this.#crossTgts.get(pairKey(from, via));
    return t && t.endtime > Date.now() + 60_000 ? t : null;
  }

  /**
   * Caches a cross-realm TGT (`krbtgt/X@Y`, Y its ticket's realm); with `wanted`,
   * remembers that asking Y for a TGT to `wanted` gave one to X.
   */
  setCrossRealmTgt(t: CachedTicket, wanted?: string): void {
    const to = tgtRealmOf(t);
    if (to === null) return;
    const from = t.ticket.realm;
    const key = pairKey(from, to);
    const old = this.#crossTgts.get(key);
    if (old && old !== t) wipeKey(old.key);
    this.#crossTgts.set(key, t);
    if (wanted !== undefined && !sameRealm(wanted, to)) {
      this.#routes.set(pairKey(from, wanted), to);
    }
  }

  queryAttribute(attribute: number): AttributeResult {
    if (attribute === SECPKG_CRED_ATTR_NAMES) {
      return {
        status: SEC_E_OK,
        value: {
          sUserName: displayName(this.cname, this.realm),
        },
      };
    }
    if (attribute === SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS) {
      return { status: SEC_E_OK, value: kdcProxySettingsValue(this.#proxy) };
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  /**
   * `SetCredentialsAttributes`: `SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS` (see
   * `kdc_proxy_settings.ts`) for the exchanges from then on; throws its
   * `SspiError` for settings that are not valid.
   */
  setAttribute(attribute: number, value: unknown): number {
    if (attribute !== SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS) {
      return SEC_E_UNSUPPORTED_FUNCTION;
    }
    const settings = parseKdcProxySettings(value);
    this.#proxy = settings;
    this.#transport = settings
      ? throughKdcProxy(this.#direct, settings)
      : this.#direct;
    return SEC_E_OK;
  }

  /**
   * Records that the KDC named the user's realm `canonical` (Active Directory answers
   * a NetBIOS domain, `ADEX\alice`, with its DNS realm): that realm is reached through
   * the user's own KDCs from then on.
   */
  addRealmAlias(canonical: string): void {
    if (!sameRealm(canonical, this.realm)) {
      this.#realmAliases.add(canonical.toUpperCase());
    }
  }

  /** The realm whose KDCs serve `realm`: the user's own for its aliases. */
  transportRealm(realm: string): string {
    return this.#realmAliases.has(realm.toUpperCase()) ? this.realm : realm;
  }

  /** Logs on with these keys (from a keytab) instead of a password; kept, wiped on dispose. */
  useKeys(keys: KerberosKey[]): void {
    this.#keytabKeys = keys;
  }

  dispose(): void {
    this.#password?.fill(0);
    for (const k of this.#keytabKeys ?? []) wipeKey(k);
    this.#keytabKeys = null;
    for (const k of this.#keys.values()) wipeKey(k);
    this.#keys.clear();
    this.tgt = null;
    this.forwardedTgt = null;
    this.evidence = null;
    for (const t of this.#tickets.values()) wipeKey(t.key);
    this.#tickets.clear();
    for (const t of this.#crossTgts.values()) wipeKey(t.key);
    this.#crossTgts.clear();
    this.#routes.clear();
    if (this.fast?.armorTgt) wipeKey(this.fast.armorTgt.key);
    this.fast?.machine?.dispose();
    this.fast = null;
    this.pkinit?.dispose();
    this.pkinit = null;
  }
}
