/**
 * The logged-on user's Kerberos credential: the default principal, TGT and service
 * tickets of the default MIT credential cache (`FILE:` only). Without a password it
 * cannot send an AS-REQ, so when its TGT runs out it reads the cache file again (as
 * MIT's library reads its cache at each call): a long-running process then goes on
 * with the TGT that `kinit`, `k5start`, `krenew` or a sidecar wrote there since.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import type { AcquireRequest } from "../../sspi/package.ts";
import { SEC_E_NO_CREDENTIALS } from "../../sspi/status.ts";
import { readFileBytes } from "./config.ts";
import { ChangedFile, FILE_RECHECK_MS } from "../../util/file_stamp.ts";
import { wipeKey } from "./crypto.ts";
import {
  type Ccache,
  loadDefaultCcache,
  parseCcache,
  selectTickets,
  wipeCcache,
} from "./ccache.ts";
import { type KdcTransport, KdcUnreachableError } from "./transport.ts";
import { realmTransport } from "./kdc_realms.ts";
import { splitIdentity } from "./messages_principal.ts";
import {
  type CachedTicket,
  type KerberosAuthData,
  KerberosCredential,
  tgtRealmOf,
  ticketOfCcacheEntry,
} from "./credentials.ts";

/** `transport` refusing AS-REQs, for a credential without a password. */
export function withoutAs(transport: KdcTransport): KdcTransport {
  // 0x6a: [APPLICATION 10], an AS-REQ, which needs the password this has not.
  return (r, bytes) =>
    bytes[0] === 0x6a
      ? Promise.reject(new Error("no AS exchange without a password"))
      : transport(r, bytes);
}

/** The least time between two looks at the cache file for a new TGT. */
export const CCACHE_RECHECK_MS = FILE_RECHECK_MS;

/** The usable tickets of a cache, as a credential keeps them. */
interface CacheTickets {
  tgt: CachedTicket | null;
  /** Service tickets by SPN (`service/host@REALM`, or as the cache names them). */
  services: Map<string, CachedTicket>;
  crossTgts: CachedTicket[];
}

/** The usable tickets of `cache` (copies of their keys: the cache's are wiped). */
function ticketsOf(cache: Ccache): CacheTickets {
  const { tgt, services } = selectTickets(cache);
  const out: CacheTickets = {
    tgt: tgt && ticketOfCcacheEntry(tgt),
    services: new Map(),
    crossTgts: [],
  };
  for (const [spn, c] of services) {
    const t = ticketOfCcacheEntry(c);
    if (!t) continue;
    // krbtgt/OTHER@REALM: a cross-realm TGT; other tickets keyed with their realm.
    if (tgtRealmOf(t) !== null) out.crossTgts.push(t);
    else {
      out.services.set(spn.includes("/") ? `${spn}@${t.ticket.realm}` : spn, t);
    }
  }
  return out;
}

/** Wipes the keys of tickets no credential took. */
function wipeTickets(t: CacheTickets): void {
  if (t.tgt) wipeKey(t.tgt.key);
  for (const x of t.services.values()) wipeKey(x.key);
  for (const x of t.crossTgts) wipeKey(x.key);
}

/** Puts `t` in `cred` (which then owns, and in time wipes, their keys). */
function install(cred: KerberosCredential, t: CacheTickets): void {
  cred.tgt = t.tgt;
  for (const [spn, x] of t.services) cred.setServiceTicket(spn, x);
  for (const x of t.crossTgts) cred.setCrossRealmTgt(x);
}

/** The cache's default principal as `name` and `realm`. */
function principalOf(cache: Ccache): { name: string; realm: string } {
  const me = cache.defaultPrincipal;
  return { name: me.components.join("/"), realm: me.realm };
}

/**
 * What reads the cache `file` again for `cred` (whose user is `name@realm`): when
 * the file changed (size or modification time) and still holds the same default
 * principal with a TGT, its tickets replace the credential's; at most once every
 * `CCACHE_RECHECK_MS`. True when a TGT was taken.
 */
function reloaderOf(
  cred: KerberosCredential,
  file: ChangedFile,
  name: string,
  realm: string,
): (now?: number) => boolean {
  return (now = Date.now()) => {
    const s = file.changed(now);
    if (!s) return false;
    const bytes = readFileBytes(file.path);
    if (!bytes) return false;
    let cache: Ccache;
    try {
      cache = parseCcache(bytes);
    } catch {
      return false; // being written: try again later
    } finally {
      bytes.fill(0);
    }
    try {
      const me = principalOf(cache);
      if (me.name !== name || me.realm !== realm) return false;
      const t = ticketsOf(cache);
      if (!t.tgt) {
        wipeTickets(t);
        return false;
      }
      file.taken(s);
      install(cred, t);
      return true;
    } finally {
      wipeCcache(cache);
    }
  };
}

/**
 * The logged-on user's credential: the default principal, TGT and service tickets of
 * the default credential cache. Without a password, it refuses to send an AS-REQ,
 * and reads the cache again for a TGT when its own runs out.
 */
export function acquireFromCcache(
  req: AcquireRequest,
  d: KerberosAuthData,
): KerberosCredential {
  const loaded = loadDefaultCcache();
  if (!("cache" in loaded)) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      `no credential cache: ${loaded.reason}`,
    );
  }
  const { cache, path } = loaded;
  // Stamped after this read: a change made in between is missed until the next.
  const file = new ChangedFile(path);
  let tickets: CacheTickets | null = null;
  try {
    const { name, realm } = principalOf(cache);
    if (!realm || !name) {
      throw new SspiError(
        SEC_E_NO_CREDENTIALS,
        `the credential cache ${path} has no default principal`,
      );
    }
    if (req.principal) {
      const p = splitIdentity(req.principal, undefined);
      if (
        p.name !== name ||
        (p.realm && p.realm.toUpperCase() !== realm.toUpperCase())
      ) {
        throw new SspiError(
          SEC_E_NO_CREDENTIALS,
          `the credential cache holds ${name}@${realm}, not ${req.principal}`,
        );
      }
    }
    tickets = ticketsOf(cache);
    let transport = realmTransport(d, realm);
    if (!transport) {
      if (tickets.services.size === 0) {
        throw new SspiError(
          SEC_E_NO_CREDENTIALS,
          `no KDC is known for realm ${realm} (set Kdc, or list it in krb5.conf)`,
        );
      }
      transport = () =>
        Promise.reject(
          new KdcUnreachableError(`no KDC is known for realm ${realm}`),
        );
    }
    const me = cache.defaultPrincipal;
    const cred = new KerberosCredential(
      req.use,
      { nameType: me.nameType, nameString: [...me.components] },
      realm,
      null,
      withoutAs(transport),
      d.Delegate === true,
    );
    install(cred, tickets);
    tickets = null;
    cred.reloadTickets = reloaderOf(cred, file, name, realm);
    return cred;
  } finally {
    if (tickets) wipeTickets(tickets);
    wipeCcache(cache);
  }
}
