/**
 * Reading the `FastArmor` option of a Kerberos client credential (RFC 6113 armoring):
 * the armor TGT from a credential cache, or a keytab principal's credential that gets
 * one from the KDC, as a Windows domain member uses its machine account's TGT, or an
 * anonymous TGT from anonymous PKINIT (RFC 8062), as `kinit -n` gives a client
 * without a machine account.
 * Anything unusable is `SEC_E_NO_CREDENTIALS` when the credential is acquired, so a
 * misconfiguration never silently logs on without armor.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_NO_CREDENTIALS } from "../../sspi/status.ts";
import {
  type Ccache,
  parseCcache,
  selectTickets,
  wipeCcache,
} from "./ccache.ts";
import { readFileBytes } from "./config.ts";
import { clientKeytabKeys } from "./client_keytab.ts";
import {
  type FastSettings,
  type KerberosAuthData,
  KerberosCredential,
  type KerberosFastArmor,
  ticketOfCcacheEntry,
} from "./credentials.ts";
import type { KdcTransport } from "./transport.ts";
import { kdcRevocationPolicyOf } from "./pkinit_revocation.ts";
import {
  ANONYMOUS_REALM,
  anonymousCredential,
  anonymousRoots,
} from "./pkinit_anonymous.ts";

/** Refuses the option with `why`. */
function refuse(why: string): never {
  throw new SspiError(SEC_E_NO_CREDENTIALS, `FastArmor: ${why}`);
}

/** The parsed credential cache named (path, `FILE:` path) or given (bytes). */
function readCcache(source: string | Uint8Array): Ccache {
  const bytes = source instanceof Uint8Array
    ? source.slice()
    : readFileBytes(source.replace(/^FILE:/, ""));
  if (!bytes) refuse("the armor credential cache cannot be read");
  try {
    return parseCcache(bytes);
  } catch (e) {
    return refuse(
      `the armor credential cache is malformed: ${
        e instanceof Error ? e.message : "error"
      }`,
    );
  } finally {
    bytes.fill(0);
  }
}

/**
 * The armor TGT (`krbtgt/REALM@REALM` of the user's realm) from a ccache: its
 * default principal's, or, in the cache of `kinit -n` (whose principal is
 * `WELLKNOWN/ANONYMOUS@WELLKNOWN:ANONYMOUS`), the anonymous TGT of the realm.
 */
function armorFromCcache(source: string | Uint8Array, realm: string) {
  const cache = readCcache(source);
  try {
    const own = cache.defaultPrincipal.realm.toUpperCase();
    const anonymous = own === ANONYMOUS_REALM;
    if (own !== realm && !anonymous) {
      refuse(
        `the armor credential cache is for realm ${cache.defaultPrincipal.realm}, not ${realm}`,
      );
    }
    const { tgt, services } = selectTickets(cache);
    const anonTgt = services.get(`krbtgt/${realm.toLowerCase()}`);
    const entry = anonymous
      ? (anonTgt?.server.realm === realm ? anonTgt : null)
      : tgt;
    const t = entry && ticketOfCcacheEntry(entry);
    if (!t) refuse("the armor credential cache holds no valid TGT");
    return t;
  } finally {
    wipeCcache(cache);
  }
}

/**
 * The FAST settings of `d.FastArmor` for a user of `realm` reached through
 * `transport`, or null without the option. With `Anonymous`, the armor credential
 * logs on with anonymous PKINIT when the first armored exchange needs its TGT. Throws `SspiError(SEC_E_NO_CREDENTIALS)`
 * when it is malformed or its armor source cannot be read.
 */
export function fastSettingsOf(
  d: KerberosAuthData,
  realm: string,
  transport: KdcTransport,
  use: number,
): FastSettings | null {
  const o = d.FastArmor;
  if (o === undefined) return null;
  const opt: KerberosFastArmor = typeof o === "string" ? { Ccache: o } : o;
  if (typeof opt !== "object" || opt === null) {
    refuse("must be a credential cache path or an object");
  }
  const isSource = (v: unknown) =>
    typeof v === "string" ? v.length > 0 : v instanceof Uint8Array;
  const hasCcache = opt.Ccache !== undefined;
  const hasKeytab = opt.Keytab !== undefined;
  const anonymous = opt.Anonymous !== undefined;
  if (Number(hasCcache) + Number(hasKeytab) + Number(anonymous) !== 1) {
    refuse("give Ccache, Keytab or Anonymous (one of them)");
  }
  if (
    opt.AllowFallback !== undefined && typeof opt.AllowFallback !== "boolean"
  ) {
    refuse("AllowFallback must be a boolean");
  }
  const allowFallback = opt.AllowFallback === true;
  if (anonymous) {
    if (opt.Anonymous !== true) refuse("Anonymous must be true");
    const roots = anonymousRoots(
      opt.KdcRootCertificates ?? d.KdcRootCertificates,
      "FastArmor: { Anonymous }",
    );
    // The armor's KDC certificate is checked as the logon's (the credential's
    // KdcCertificateRevocationLists and KdcRevocationCheck).
    const machine = anonymousCredential(
      use,
      realm,
      transport,
      roots,
      kdcRevocationPolicyOf(d),
    );
    return { armorTgt: null, machine, allowFallback };
  }
  if (hasCcache) {
    if (!isSource(opt.Ccache)) refuse("Ccache must be a path or bytes");
    return {
      armorTgt: armorFromCcache(opt.Ccache!, realm),
      machine: null,
      allowFallback,
    };
  }
  if (!isSource(opt.Keytab)) refuse("Keytab must be a path or bytes");
  if (typeof opt.Principal !== "string" || !opt.Principal.trim()) {
    refuse("Keytab needs Principal (the keytab's principal, host/name)");
  }
  let name = opt.Principal.trim();
  const at = name.lastIndexOf("@");
  if (at > 0) {
    if (name.slice(at + 1).toUpperCase() !== realm) {
      refuse(`the armor principal must be of realm ${realm}`);
    }
    name = name.slice(0, at);
  }
  const keys = clientKeytabKeys(opt.Keytab!, name, realm);
  const machine = new KerberosCredential(
    use,
    { nameType: 1, nameString: name.split("/") },
    realm,
    null,
    transport,
  );
  machine.useKeys(keys);
  return { armorTgt: null, machine, allowFallback };
}
