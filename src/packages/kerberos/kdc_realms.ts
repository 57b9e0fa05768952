/**
 * Which KDC serves which realm: the credential's transport routes each request by the
 * realm it is for (the user's realm for the AS exchange and the first TGS exchange;
 * another realm for the TGS exchanges of a cross-realm path or a referral, RFC 4120
 * 3.3 and RFC 6806). The KDCs come from the `Kdc` option (one list for the user's
 * realm, or a map of realms to lists) and, for realms it does not name, from the
 * `[realms]` of `krb5.conf`.
 *
 * @module
 */
import { kdcsFor, type Krb5Config, systemKrb5Config } from "./config.ts";
import { kdcTransport } from "./kkdcp.ts";
import { type KdcTransport, KdcUnreachableError } from "./transport.ts";

/**
 * The `Kdc` option: the user's realm's KDCs (one address or a list), or a map from
 * realm names (matched ignoring case) to each realm's KDCs.
 */
export type KdcOption =
  | string
  | readonly string[]
  | Readonly<Record<string, string | readonly string[]>>;

/** Where the KDCs are: the parts of the auth data that say it. */
export interface KdcSettings {
  /** See `KerberosAuthData.Kdc`. */
  Kdc?: KdcOption;
  /** See `KerberosAuthData.KdcTransport`. */
  KdcTransport?: KdcTransport;
  /** See `KerberosAuthData.KdcTimeoutMs`. */
  KdcTimeoutMs?: number;
}

/** Whether two realm names are the same realm (ignoring case, as Windows does). */
export function sameRealm(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

/** A string or a list of strings as a fresh list (anything else: empty). */
function addresses(v: unknown): string[] {
  if (typeof v === "string") return v.trim() ? [v] : [];
  if (Array.isArray(v)) return v.filter((a) => typeof a === "string");
  return [];
}

/**
 * A snapshot of `Kdc` (later changes by the caller do not apply): the user's realm's
 * list when it is one, else a map of upper-cased realm names to lists.
 */
function snapshot(
  kdc: unknown,
): { home: string[] } | { map: Map<string, string[]> } | null {
  if (kdc === undefined || kdc === null) return null;
  if (typeof kdc === "string" || Array.isArray(kdc)) {
    return { home: addresses(kdc) };
  }
  const map = new Map<string, string[]>();
  if (typeof kdc === "object") {
    for (const [realm, v] of Object.entries(kdc as Record<string, unknown>)) {
      const list = addresses(v);
      if (list.length) map.set(realm.toUpperCase(), list);
    }
  }
  return { map };
}

/**
 * The transport of a credential whose user is of realm `home`: `KdcTransport` when
 * given (it is told each request's realm), else TCP or MS-KKDCP to the realm's KDCs
 * from `Kdc` and `krb5.conf` (read once: now without `Kdc`, else when first needed).
 * Null when no KDC is known for `home` itself. A request for a realm without a known
 * KDC rejects with `KdcUnreachableError`.
 */
/** The addresses `kdc` names for `realm` (the user's realm: `home`), else `conf`'s. */
function listIn(
  kdc: ReturnType<typeof snapshot>,
  realm: string,
  home: string,
  conf: () => Krb5Config,
): string[] {
  if (kdc && "home" in kdc && sameRealm(realm, home)) return kdc.home;
  if (kdc && "map" in kdc) {
    const l = kdc.map.get(realm.toUpperCase());
    if (l) return l;
  }
  return kdcsFor(conf(), realm);
}

/**
 * The KDC addresses for `realm`, the user's own: from `Kdc` (a string or list, or
 * the realm's entry in a map), else the `kdc` lines of `krb5.conf`. What
 * `ChangeAccountPassword` finds its kpasswd hosts from.
 */
export function kdcAddresses(d: KdcSettings, realm: string): string[] {
  return listIn(snapshot(d.Kdc), realm, realm, systemKrb5Config);
}

export function realmTransport(
  d: KdcSettings,
  home: string,
): KdcTransport | null {
  if (d.KdcTransport) return d.KdcTransport;
  const kdc = snapshot(d.Kdc);
  const timeout = d.KdcTimeoutMs;
  // Without Kdc, read now (the KRB5_CONFIG of when the credential is acquired); with
  // it, only when a realm it does not name is asked for (no file access otherwise).
  let conf: Krb5Config | null = kdc ? null : systemKrb5Config();
  const listFor = (realm: string): string[] =>
    listIn(kdc, realm, home, () => conf ??= systemKrb5Config());
  const homeList = listFor(home);
  if (!homeList.length) return null;
  const transports = new Map<string, KdcTransport>([
    [home.toUpperCase(), kdcTransport(homeList, timeout)],
  ]);
  return (realm, request) => {
    const key = realm.toUpperCase();
    let t = transports.get(key);
    if (!t) {
      const list = listFor(realm);
      if (!list.length) {
        return Promise.reject(
          new KdcUnreachableError(
            `no KDC is known for realm ${realm} (name it in Kdc, or list it in krb5.conf)`,
          ),
        );
      }
      t = kdcTransport(list, timeout);
      transports.set(key, t);
    }
    return t(realm, request);
  };
}
