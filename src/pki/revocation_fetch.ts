/**
 * Fetching revocation information online, for any package that checks a validated
 * path (Schannel's async calls, Kerberos' PKINIT check of the KDC's certificate):
 * for a certificate, the OCSP responder its Authority Information Access names
 * (RFC 6960 over HTTP POST), else the CRLs its CRL Distribution Points name, as
 * Windows' CryptoAPI does. `http:` only, {@link FETCH_TIMEOUT_MS} a fetch, size
 * caps, no redirects; what comes back is kept in a {@link RevocationCache} until
 * its `nextUpdate`. A source that cannot be reached, or gives nothing usable,
 * makes the certificate's information "stale" (out of date) unless another source
 * answers. A base CRL (fetched, or given by the caller) is completed by the delta
 * CRL its certificate's or its own Freshest CRL extension names
 * (`crl_delta.ts`); a delta that cannot be fetched or does not match leaves a
 * good base "stale", as CryptoAPI reports an unavailable delta CRL offline, and a
 * delta is cached only once it matched its base. Network I/O: kept out of
 * `mod.ts`, whose functions are synchronous.
 *
 * @module
 */
import { bytesEqual, type Certificate } from "./cert.ts";
import { revocationUrls } from "./cert_urls.ts";
import { checkCrl, type Crl, parseCrl } from "./crl.ts";
import {
  applyDelta,
  deltaMatches,
  deltaUrls,
  isDeltaCrl,
  newestMatching,
} from "./crl_delta.ts";
import type { RevocationStatus } from "./freshness.ts";
import { checkOcsp, parseOcspResponse } from "./ocsp.ts";
import { encodeOcspRequest } from "./ocsp_request.ts";
import { issuerInPath } from "./revocation.ts";
import { ocspKey, type RevocationCache } from "./revocation_cache.ts";

/** How long one fetch may take (ms). */
export const FETCH_TIMEOUT_MS = 10_000;
/** The largest CRL fetched (bytes). */
export const MAX_CRL_BYTES = 32 << 20;
/** The largest OCSP response fetched (bytes). */
export const MAX_OCSP_BYTES = 64 << 10;

/** The body of a successful response of at most `max` bytes, or null. */
async function fetchBytes(
  url: string,
  init: RequestInit,
  max: number,
): Promise<Uint8Array | null> {
  let res: Response | undefined;
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  // A network error once more on a new attempt (a kept-alive connection the
  // server has closed fails the first use); not after the time limit.
  for (let attempt = 0; !res && attempt < 2 && !signal.aborted; attempt++) {
    try {
      res = await fetch(url, { ...init, redirect: "manual", signal });
    } catch {
      res = undefined;
    }
  }
  if (!res) return null;
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel().catch(() => {});
    return null;
  }
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > max) {
        await reader.cancel().catch(() => {});
        return null;
      }
      parts.push(value);
    }
  } catch {
    return null;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What fetching found out about one certificate. */
export interface Fetched {
  /** The answers fetched (or taken from the cache) about it. */
  verdicts: RevocationStatus[];
  /** A source could not be reached or gave nothing usable, and none answered. */
  offline: boolean;
}

/**
 * What `base`, whose `verdict` about `cert` (good or revoked) is already checked,
 * says once completed by a delta CRL: the newest matching one of `given` (the
 * caller's CRLs), else from the cache or the URLs of {@link deltaUrls}, tried in
 * order until one matches the base (only then is a fetched delta cached). Offline
 * when a delta is wanted and none matches. Each delta is verified once.
 */
async function withDelta(
  verdict: RevocationStatus,
  base: Crl,
  cert: Certificate,
  issuer: Certificate,
  cache: RevocationCache,
  now: Date,
  given: readonly Crl[],
): Promise<Fetched> {
  const urls = deltaUrls(cert, base);
  const deltas = given.filter((d) => isDeltaCrl(d));
  const wanted = urls.length > 0 ||
    deltas.some((d) => bytesEqual(d.issuer, cert.issuer));
  const answer = (d: Crl | null): Fetched => {
    const v = applyDelta(verdict, base, d, cert, now, wanted);
    return { verdicts: [v], offline: v === "stale" };
  };
  const have = newestMatching(deltas, base, cert, issuer, now);
  if (!wanted || have) return answer(have);
  const usable = (d: Crl | null): d is Crl =>
    deltaMatches(d, base, cert, issuer, now);
  for (const url of urls) {
    const cached = cache.crls.get(url, now.getTime());
    if (usable(cached)) return answer(cached);
    const der = await fetchBytes(url, { method: "GET" }, MAX_CRL_BYTES);
    const delta = der && parseCrl(der);
    if (usable(delta)) {
      cache.addCrl(url, delta, now.getTime());
      return answer(delta);
    }
  }
  return answer(null);
}

/**
 * Asks `cert`'s OCSP responders, then completes the caller's base CRLs (`given`,
 * which left `cert` open) with fetched delta CRLs, then asks its CRL servers,
 * until one answers (or finds the answer in `cache`); each response is parsed and
 * checked once, here, against `issuer` at `now`. A certificate that names no
 * source gives no answer and is not offline.
 */
export async function fetchFor(
  cert: Certificate,
  issuer: Certificate,
  cache: RevocationCache,
  now: Date,
  given: readonly Crl[] = [],
): Promise<Fetched> {
  const urls = revocationUrls(cert);
  const key = ocspKey(cert.issuer, cert.serial);
  const cached = cache.ocsp.get(key, now.getTime());
  if (cached) {
    const verdict = checkOcsp(parseOcspResponse(cached), cert, issuer, now);
    return { verdicts: [verdict], offline: false };
  }
  let offline = false;
  const request = encodeOcspRequest(cert, issuer);
  for (const url of request ? urls.ocsp : []) {
    const der = await fetchBytes(url, {
      method: "POST",
      headers: { "content-type": "application/ocsp-request" },
      body: request as Uint8Array<ArrayBuffer>,
    }, MAX_OCSP_BYTES);
    const resp = der && parseOcspResponse(der);
    const verdict = resp ? checkOcsp(resp, cert, issuer, now) : "invalid";
    if (der && (verdict === "good" || verdict === "revoked")) {
      const single = resp!.basic?.responses.find((r) =>
        bytesEqual(r.certId.serialNumber, cert.serial)
      );
      cache.addOcsp(
        key,
        der,
        single?.nextUpdate?.getTime() ?? null,
        now.getTime(),
      );
      return { verdicts: [verdict], offline: false };
    }
    offline = true;
  }
  // The caller's base CRLs that answer but want a delta not at hand.
  for (const base of given) {
    if (isDeltaCrl(base) || !bytesEqual(base.issuer, cert.issuer)) continue;
    const v = checkCrl(base, cert, issuer, now);
    if (v !== "good" && v !== "revoked") continue;
    const f = await withDelta(v, base, cert, issuer, cache, now, given);
    if (!f.offline) return f;
    offline = true;
  }
  // A CRL is kept (and the search ends) only once it answers about `cert`: one
  // that does not verify, is out of date or is another issuer's is not cached
  // (its nextUpdate is the sender's word) and the next URL is tried. A delta CRL
  // is no base.
  let unusable: RevocationStatus[] = [];
  for (const url of urls.crl) {
    let crl = cache.crls.get(url, now.getTime());
    const cachedHit = crl !== undefined && crl !== null;
    if (!crl) {
      const der = await fetchBytes(url, { method: "GET" }, MAX_CRL_BYTES);
      crl = der && parseCrl(der);
      if (!crl) {
        offline = true;
        continue;
      }
    }
    if (isDeltaCrl(crl)) {
      unusable = ["invalid"];
      continue;
    }
    // A CRL from another issuer (an indirect one) says nothing about `cert`.
    const verdicts = bytesEqual(crl.issuer, cert.issuer)
      ? [checkCrl(crl, cert, issuer, now)]
      : [];
    if (verdicts[0] === "good" || verdicts[0] === "revoked") {
      if (!cachedHit) cache.addCrl(url, crl, now.getTime());
      return await withDelta(verdicts[0], crl, cert, issuer, cache, now, given);
    }
    unusable = verdicts;
  }
  return { verdicts: unusable, offline: offline && unusable.length === 0 };
}

/**
 * Completes per-certificate answers (`verdicts[i]` about `path[i]`, as
 * `revocationVerdicts` gives them) online: for each certificate they leave open
 * (neither `"good"` nor `"revoked"`), {@link fetchFor} adds what its sources say,
 * and `"stale"` when a source could not be reached. `given`: the caller's CRLs
 * (bases whose delta is fetched, and deltas to apply). Judge the result with
 * `judgeRevocation`.
 */
export async function fetchOpenVerdicts(
  path: Certificate[],
  verdicts: RevocationStatus[][],
  cache: RevocationCache,
  now: Date,
  given: readonly Crl[] = [],
): Promise<void> {
  for (let i = 0; i < verdicts.length && i < path.length; i++) {
    const v = verdicts[i];
    // Settled by what is at hand: nothing to fetch for this one.
    if (v.includes("good") || v.includes("revoked")) continue;
    const issuer = issuerInPath(path, i);
    if (!issuer) continue;
    const f = await fetchFor(path[i], issuer, cache, now, given);
    v.push(...f.verdicts);
    if (f.offline) v.push("stale");
  }
}
