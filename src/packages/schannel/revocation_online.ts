/**
 * Online revocation checking, what Windows' Schannel does through CryptoAPI when a
 * credential asks for revocation checks: for each certificate of the validated path
 * that what is at hand (the credential's CRLs, the stapled response, earlier
 * fetches) does not settle, ask the OCSP responder its Authority Information Access
 * names (RFC 6960 over HTTP POST), else fetch the CRLs its CRL Distribution Points
 * name, then judge the path. Only in the async calls (the fetches are network I/O);
 * `SCH_CRED_REVOCATION_CHECK_CACHE_ONLY` turns it off. A responder or CRL server
 * that cannot be reached counts as out-of-date information
 * (`CRYPT_E_REVOCATION_OFFLINE` unless `SCH_CRED_IGNORE_REVOCATION_OFFLINE`).
 *
 * @module
 */
import {
  type Certificate,
  checkCrl,
  checkOcsp,
  encodeOcspRequest,
  issuerInPath,
  judgeRevocation,
  parseCrl,
  parseOcspResponse,
  type RevocationStatus,
  revocationUrls,
  revocationVerdicts,
} from "../../pki/mod.ts";
import { bytesEqual } from "../../pki/cert.ts";
import { CRYPT_E_REVOKED, SEC_E_OK } from "../../sspi/status.ts";
import type { SchannelCredential } from "./credentials.ts";
import { ocspKey, type RevocationCache } from "./revocation_cache.ts";
import type { PendingRevocation } from "./status_request.ts";

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
  let res: Response;
  try {
    res = await fetch(url, {
      ...init,
      redirect: "manual",
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch {
    return null;
  }
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
interface Fetched {
  /** The answers fetched (or taken from the cache) about it. */
  verdicts: RevocationStatus[];
  /** A source could not be reached or gave nothing usable, and none answered. */
  offline: boolean;
}

/**
 * Asks `cert`'s OCSP responders, then its CRL servers, until one answers; each
 * response is parsed and checked once, here.
 */
async function fetchFor(
  cert: Certificate,
  issuer: Certificate,
  cache: RevocationCache,
  now: Date,
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
  for (const url of urls.crl) {
    let crl = cache.crls.get(url, now.getTime());
    if (!crl) {
      const der = await fetchBytes(url, { method: "GET" }, MAX_CRL_BYTES);
      crl = der && parseCrl(der);
      if (!crl) {
        offline = true;
        continue;
      }
      cache.addCrl(url, crl, now.getTime());
    }
    // A CRL from another issuer (an indirect one) says nothing about `cert`.
    const verdicts = bytesEqual(crl.issuer, cert.issuer)
      ? [checkCrl(crl, cert, issuer, now)]
      : [];
    return { verdicts, offline: false };
  }
  return { verdicts: [], offline };
}

/**
 * Finishes a revocation check left by the handshake (`pending`): judges each
 * certificate of the path once by what is at hand (the credential's CRLs, the
 * stapled response), fetches for those it leaves open (or finds them in the cache),
 * then judges the path by the credential's policy. SEC_E_OK or a `CRYPT_E_*` status.
 */
export async function checkOnline(
  pending: PendingRevocation,
  cred: SchannelCredential,
  now: Date = new Date(),
): Promise<number> {
  const policy = cred.revocation!;
  const { path, ocsp } = pending;
  const opts = {
    scope: policy.scope,
    ocsp,
    crls: [...cred.crls()],
    now,
    ignoreNoCheck: policy.ignoreNoCheck,
    ignoreOffline: policy.ignoreOffline,
  };
  const verdicts = revocationVerdicts(path, opts);
  const first = judgeRevocation(verdicts, path.length, opts);
  if (first === SEC_E_OK || first === CRYPT_E_REVOKED || !policy.fetch) {
    return first;
  }
  const cache = cred.revocationCache();
  for (let i = 0; i < verdicts.length; i++) {
    const v = verdicts[i];
    // Settled by what is at hand: nothing to fetch for this one.
    if (v.includes("good") || v.includes("revoked")) continue;
    const issuer = issuerInPath(path, i);
    if (!issuer) continue;
    const f = await fetchFor(path[i], issuer, cache, now);
    v.push(...f.verdicts);
    if (f.offline) v.push("stale");
  }
  return judgeRevocation(verdicts, path.length, opts);
}
