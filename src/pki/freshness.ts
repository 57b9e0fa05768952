/**
 * What a revocation source (an OCSP response, a CRL) says about one certificate, and
 * the time window in which such an answer may be used.
 *
 * @module
 */

/**
 * The answer of one revocation source for one certificate: `"good"`, `"revoked"`,
 * `"unknown"` (an OCSP responder that does not know the certificate), `"stale"` (a
 * valid, correctly signed answer used outside its time window) or `"invalid"` (bad
 * signature, wrong signer or issuer, unsuccessful or unsupported response, no entry for
 * the certificate...).
 */
export type RevocationStatus =
  | "good"
  | "revoked"
  | "unknown"
  | "stale"
  | "invalid";

/** Clock skew tolerated on `thisUpdate` being in the future: 5 minutes. */
export const REVOCATION_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * How old an answer without `nextUpdate` may be (its `thisUpdate`): 7 days. RFC 5280
 * and RFC 6960 leave such answers' lifetime to local policy; this is ours.
 */
export const MAX_AGE_WITHOUT_NEXT_UPDATE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * True when an answer issued at `thisUpdate` and valid until `nextUpdate` (null when
 * absent) may be used at `now`: `thisUpdate <= now + 5 minutes`, and `now <=
 * nextUpdate`, or, without `nextUpdate`, `thisUpdate` no older than 7 days.
 */
export function isFresh(
  thisUpdate: Date,
  nextUpdate: Date | null,
  now: Date,
): boolean {
  const t = now.getTime();
  if (Number.isNaN(t)) return false;
  if (thisUpdate.getTime() > t + REVOCATION_CLOCK_SKEW_MS) return false;
  if (nextUpdate !== null) return t <= nextUpdate.getTime();
  return t - thisUpdate.getTime() <= MAX_AGE_WITHOUT_NEXT_UPDATE_MS;
}
