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
import { sameRealm } from "./kdc_realms.ts";
import { TKT_FLG_RENEWABLE } from "./constants.ts";
import type { PkinitIdentity } from "./pkinit_identity.ts";
import type { AnonymousPkinit } from "./pkinit_anonymous.ts";

export type { KerberosAuthData, KerberosFastArmor } from "./auth_data.ts";
import { TICKET_LIFETIME_MS } from "./auth_data.ts";

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
  /** The service ticket lifetime asked of the KDC (`TicketLifetimeSeconds`), in ms. */
  lifetimeMs: number = TICKET_LIFETIME_MS;
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
    return !this.canLogOn && this.tgt === null &&
        this.renewableTgt === null &&
        !(this.reloadTickets?.() && this.tgt !== null)
      ? this.#noTgtReason()
      : null;
  }

  /** Whether the credential can make a logon (AS exchange): a password or keys. */
  get canLogOn(): boolean {
    return this.#password !== null || this.#keytabKeys !== null ||
      this.pkinit !== null;
  }

  /**
   * The TGT held, when it is no longer good for a minute but can be renewed (RFC
   * 4120 2.3: renewable, not yet expired, renewable for a minute more); else null.
   */
  get renewableTgt(): CachedTicket | null {
    const t = this.#tgt;
    const now = Date.now();
    return t && t.flags !== undefined &&
        (t.flags & TKT_FLG_RENEWABLE) !== 0 && t.endtime > now + 5_000 &&
        (t.renewTill ?? 0) > now + 60_000
      ? t
      : null;
  }

  /** For a credential from a cache file: reads it again for a new TGT (true: taken). */
  reloadTickets: ((now?: number) => boolean) | null = null;

  /** The cached service ticket for `spn`, if still valid for a minute. */
  serviceTicket(spn: string): CachedTicket | null {
    const t = this.#tickets.get(spnKey(spn, this.realm));
    return t && t.endtime > Date.now() + 60_000 ? t : null;
  }

  /**
   * Forgets and wipes `t`, the ticket cached for `spn`, which its service refused
   * (an old key version, say): the next context for `spn` gets a new one.
   */
  dropServiceTicket(spn: string, t: CachedTicket): void {
    const key = spnKey(spn, this.realm);
    if (this.#tickets.get(key) !== t) return;
    this.#tickets.delete(key);
    wipeKey(t.key);
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
    this.reloadTickets = null; // a freed credential takes no new tickets
  }
}
