/**
 * The Kerberos credential: the user's principal and password (kept as UTF-8 bytes in a
 * private field, wiped by `dispose`), the KDC transport of its realm, the keys derived
 * from the password (per enctype and salt), and the tickets obtained with it: the TGT
 * and one service ticket per SPN, as a Windows logon session's ticket cache holds them.
 *
 * @module
 */
import { TIMESTAMP_NEVER } from "../../sspi/buffers.ts";
import { SspiError } from "../../sspi/errors.ts";
import { SECPKG_CRED_ATTR_NAMES } from "../../sspi/flags.ts";
import type {
  AcquireRequest,
  AttributeResult,
  PackageCredential,
} from "../../sspi/package.ts";
import {
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { type KerberosKey, stringToKey, wipeKey } from "./crypto.ts";
import type { PrincipalName, Ticket } from "./messages.ts";
import { kdcsFor, systemKrb5Config } from "./config.ts";
import { type KdcTransport, tcpTransport } from "./transport.ts";

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
   * The realm's KDCs (`host`, `host:port`); default: the realm's `kdc` lines in the
   * `krb5.conf` named by `KRB5_CONFIG`, else `/etc/krb5.conf`.
   */
  Kdc?: string | readonly string[];
  /** Another way to reach the KDC (MS-KKDCP, a test relay); overrides `Kdc`. */
  KdcTransport?: KdcTransport;
  /** Milliseconds to wait for each KDC exchange (default 10,000). */
  KdcTimeoutMs?: number;
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
}

/** `user`, `user@REALM` or `REALM\user`, with `Domain` as the realm otherwise. */
function splitIdentity(
  user: string,
  domain: string | undefined,
): { name: string; realm: string } {
  const slash = user.indexOf("\\");
  if (slash >= 0) {
    return { name: user.slice(slash + 1), realm: user.slice(0, slash) };
  }
  const at = user.lastIndexOf("@");
  if (at > 0 && !domain) {
    return { name: user.slice(0, at), realm: user.slice(at + 1) };
  }
  return { name: user, realm: domain ?? "" };
}

/** A Kerberos credential. Secrets are private fields: inspection shows none. */
export class KerberosCredential implements PackageCredential {
  readonly use: number;
  readonly expiry: bigint = TIMESTAMP_NEVER;
  /** The user's principal name (without realm). */
  readonly cname: PrincipalName;
  /** The user's realm. */
  readonly realm: string;
  /** How to reach the realm's KDC. */
  readonly transport: KdcTransport;
  #password: Uint8Array;
  #keys = new Map<string, KerberosKey>();
  #tgt: CachedTicket | null = null;
  #tickets = new Map<string, CachedTicket>();

  /** Builds a credential; `password` is copied. */
  constructor(
    use: number,
    cname: PrincipalName,
    realm: string,
    password: string,
    transport: KdcTransport,
  ) {
    this.use = use;
    this.cname = cname;
    this.realm = realm;
    this.transport = transport;
    this.#password = new TextEncoder().encode(password);
  }

  /** The default salt (RFC 4120 section 4): the realm, then each name component. */
  get defaultSalt(): string {
    return this.realm + this.cname.nameString.join("");
  }

  /** The user's long-term key for `etype` and `salt`, derived once. */
  userKey(etype: number, salt: string, params?: Uint8Array): KerberosKey {
    const id = `${etype}:${salt}:${params ? Array.from(params).join(",") : ""}`;
    let k = this.#keys.get(id);
    if (!k) {
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

  /** The cached service ticket for `spn`, if still valid for a minute. */
  serviceTicket(spn: string): CachedTicket | null {
    const t = this.#tickets.get(spn.toLowerCase());
    return t && t.endtime > Date.now() + 60_000 ? t : null;
  }

  /** Caches a service ticket for `spn`. */
  setServiceTicket(spn: string, t: CachedTicket): void {
    const old = this.#tickets.get(spn.toLowerCase());
    if (old && old !== t) wipeKey(old.key);
    this.#tickets.set(spn.toLowerCase(), t);
  }

  queryAttribute(attribute: number): AttributeResult {
    if (attribute === SECPKG_CRED_ATTR_NAMES) {
      return {
        status: SEC_E_OK,
        value: {
          sUserName: `${this.cname.nameString.join("/")}@${this.realm}`,
        },
      };
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  dispose(): void {
    this.#password.fill(0);
    for (const k of this.#keys.values()) wipeKey(k);
    this.#keys.clear();
    this.tgt = null;
    for (const t of this.#tickets.values()) wipeKey(t.key);
    this.#tickets.clear();
  }
}

/**
 * Acquires an outbound Kerberos credential from `{ User, Domain, Password }`. Throws
 * `SspiError(SEC_E_NO_CREDENTIALS)` without a user and password (no default logon
 * session here) or when no KDC is known for the realm: then Negotiate leaves Kerberos
 * out, as Windows does when no domain controller can be found.
 */
export function acquireKerberosCredential(
  req: AcquireRequest,
): KerberosCredential {
  const d = (req.authData ?? {}) as KerberosAuthData;
  if (typeof d !== "object") {
    throw new SspiError(SEC_E_NO_CREDENTIALS, "pAuthData must be an object");
  }
  if (typeof d.User !== "string" || typeof d.Password !== "string" || !d.User) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      "Kerberos needs User and Password (no default credentials here)",
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
  const config = systemKrb5Config();
  let transport = d.KdcTransport;
  if (!transport) {
    const kdcs = d.Kdc === undefined
      ? kdcsFor(config, realm)
      : typeof d.Kdc === "string"
      ? [d.Kdc]
      : [...d.Kdc];
    if (kdcs.length === 0) {
      throw new SspiError(
        SEC_E_NO_CREDENTIALS,
        `no KDC is known for realm ${realm} (set Kdc, or list it in krb5.conf)`,
      );
    }
    transport = tcpTransport(kdcs, d.KdcTimeoutMs);
  }
  return new KerberosCredential(
    req.use,
    { nameType: 1, nameString: name.split("/") },
    realm,
    d.Password,
    transport,
  );
}
