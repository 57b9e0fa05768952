/**
 * Delta CRLs (RFC 5280 5.2.4, 5.2.6): a base (complete) CRL completed by a delta
 * CRL that lists what changed since, as Active Directory Certificate Services
 * publishes them (a weekly base, daily deltas) and Windows' CryptoAPI applies them.
 *
 * A delta is used with a base only when it verifies with the same issuer checks as
 * the base, carries the Delta CRL Indicator, its BaseCRLNumber is at most the
 * base's cRLNumber, its own cRLNumber is greater than the base's, it has the base's
 * issuer and it is current. Then an entry in the delta with reason removeFromCRL
 * releases the certificate (a certificateHold lifted), any other entry revokes it,
 * and otherwise the base decides. When a delta is wanted (the certificate or the
 * base names a Freshest CRL, or deltas of the issuer were given) and none is
 * usable, a certificate the base says is good is judged on out-of-date
 * information (`"stale"`, Windows' `CRYPT_E_REVOCATION_OFFLINE`); one the base
 * revokes stays revoked.
 *
 * @module
 */
import { bytesEqual, type Certificate } from "./cert.ts";
import { freshestCrlUrls } from "./cert_urls.ts";
import {
  checkCrl,
  type Crl,
  crlCovers,
  DELTA_CRL,
  REASON_REMOVE_FROM_CRL,
} from "./crl.ts";
import { isFresh, type RevocationStatus } from "./freshness.ts";

/** True when `crl` is a delta CRL (it has the Delta CRL Indicator). */
export function isDeltaCrl(crl: Crl | null | undefined): boolean {
  return !!crl && crl.baseCrlNumber !== null;
}

/**
 * The delta CRL URLs for `cert` checked with `base`: the certificate's Freshest
 * CRL extension, then the base CRL's (each once). Never throws.
 */
export function deltaUrls(cert: Certificate, base: Crl): string[] {
  const out = new Set<string>();
  try {
    for (const u of freshestCrlUrls(cert)) out.add(u);
    for (const u of base.freshest ?? []) out.add(u);
  } catch {
    // A malformed object names no delta.
  }
  return [...out];
}

/**
 * True when `delta` may complete `base` for `cert` (issued by `issuer`) at `now`,
 * by the rules in this module's description. Never throws.
 */
export function deltaMatches(
  delta: Crl | null,
  base: Crl | null,
  cert: Certificate,
  issuer: Certificate,
  now: Date,
): boolean {
  try {
    if (!delta || !base) return false;
    if (delta.baseCrlNumber === null || delta.unsupported !== DELTA_CRL) {
      return false;
    }
    // The base must be a complete CRL with a number to measure the delta by.
    if (base.baseCrlNumber !== null || base.number === null) return false;
    if (delta.number === null || delta.number <= base.number) return false;
    if (delta.baseCrlNumber > base.number) return false;
    if (!bytesEqual(delta.issuer, base.issuer)) return false;
    if (!isFresh(delta.thisUpdate, delta.nextUpdate, now)) return false;
    return crlCovers(delta, cert, issuer);
  } catch {
    return false;
  }
}

/**
 * What `base`, completed by the newest of `deltas` that matches it
 * ({@link deltaMatches}), says about `cert` at `now`. `wanted`: a delta is
 * expected (see the module's description), so without a usable one a `"good"`
 * base gives `"stale"`. A base that is itself a delta, or is otherwise unusable,
 * gives `"invalid"`, whatever the deltas say. Never throws.
 *
 * @example
 * ```ts
 * import { checkCrlWithDeltas, deltaUrls, parseCrl } from "./mod.ts";
 * import type { Certificate } from "./cert.ts";
 *
 * function status(base: Uint8Array, delta: Uint8Array, leaf: Certificate, ca: Certificate) {
 *   const b = parseCrl(base);
 *   const d = parseCrl(delta);
 *   if (!b) return "invalid";
 *   return checkCrlWithDeltas(b, d ? [d] : [], leaf, ca, new Date(), deltaUrls(leaf, b).length > 0);
 * }
 * ```
 */
export function checkCrlWithDeltas(
  base: Crl,
  deltas: readonly Crl[],
  cert: Certificate,
  issuer: Certificate,
  now: Date,
  wanted: boolean,
): RevocationStatus {
  try {
    const verdict = checkCrl(base, cert, issuer, now);
    if (verdict === "invalid") return verdict;
    const delta = newestMatching(deltas, base, cert, issuer, now);
    return applyDelta(verdict, base, delta, cert, now, wanted);
  } catch {
    return "invalid";
  }
}

/** The newest of `deltas` that {@link deltaMatches} `base`, or null. Never throws. */
export function newestMatching(
  deltas: readonly Crl[],
  base: Crl,
  cert: Certificate,
  issuer: Certificate,
  now: Date,
): Crl | null {
  let delta: Crl | null = null;
  for (const d of Array.isArray(deltas) ? deltas : []) {
    if (
      deltaMatches(d, base, cert, issuer, now) &&
      (delta === null || d.number! > delta.number!)
    ) delta = d;
  }
  return delta;
}

/**
 * `verdict` (what `base` alone says about `cert`, already checked) completed by
 * `delta`, one that matches the base (or null: none usable; then a `"good"` base
 * that `wanted` a delta gives `"stale"`). Verifies nothing itself.
 */
export function applyDelta(
  verdict: RevocationStatus,
  base: Crl,
  delta: Crl | null,
  cert: Certificate,
  now: Date,
  wanted: boolean,
): RevocationStatus {
  if (!delta) return wanted && verdict === "good" ? "stale" : verdict;
  const entry = delta.revoked.find((r) => bytesEqual(r.serial, cert.serial));
  if (!entry) return verdict;
  if (entry.reason !== REASON_REMOVE_FROM_CRL) return "revoked";
  // Released since the base: what a base without the entry would say.
  return isFresh(base.thisUpdate, base.nextUpdate, now) ? "good" : "stale";
}

/**
 * What the complete CRLs of `crls` whose issuer is `cert`'s say about it, each
 * completed by the delta CRLs of the same list ({@link checkCrlWithDeltas}); a
 * delta is wanted when the certificate or the base names a Freshest CRL, or when
 * the list holds deltas of the issuer. Delta CRLs give no answer of their own.
 */
export function crlAnswers(
  cert: Certificate,
  issuer: Certificate,
  crls: readonly Crl[],
  now: Date,
): RevocationStatus[] {
  const mine = crls.filter((c) => c && bytesEqual(c.issuer, cert.issuer));
  const deltas = mine.filter(isDeltaCrl);
  const out: RevocationStatus[] = [];
  for (const base of mine) {
    if (isDeltaCrl(base)) continue;
    const wanted = deltas.length > 0 || deltaUrls(cert, base).length > 0;
    out.push(checkCrlWithDeltas(base, deltas, cert, issuer, now, wanted));
  }
  return out;
}
