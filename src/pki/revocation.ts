/**
 * Revocation policy for a validated certificate path, as Schannel's
 * `SCH_CRED_REVOCATION_CHECK_END_CERT` / `_CHAIN` / `_CHAIN_EXCLUDE_ROOT` and
 * `SCH_CRED_IGNORE_NO_REVOCATION_CHECK` / `_IGNORE_REVOCATION_OFFLINE` flags describe
 * it, from the information at hand (a stapled OCSP response, CRLs): no network.
 *
 * @module
 */
import {
  CRYPT_E_NO_REVOCATION_CHECK,
  CRYPT_E_REVOCATION_OFFLINE,
  CRYPT_E_REVOKED,
  SEC_E_OK,
} from "../sspi/status.ts";
import { bytesEqual, type Certificate } from "./cert.ts";
import type { Crl } from "./crl.ts";
import { crlAnswers } from "./crl_delta.ts";
import type { RevocationStatus } from "./freshness.ts";
import { checkOcsp, parseOcspResponse } from "./ocsp.ts";

/** Options of {@link checkRevocation}. */
export interface RevocationOptions {
  /**
   * Which certificates are checked: `"end"` the leaf only; `"chain"` every certificate
   * of the path, the root included (checked against a CRL it issued itself, when it is
   * self-issued); `"chainExcludeRoot"` all but the last.
   */
  scope: "end" | "chain" | "chainExcludeRoot";
  /** A stapled OCSP response (DER) about the leaf, or null. */
  ocsp?: Uint8Array | null;
  /**
   * OCSP responses fetched for `path[i]` (DER, or null), beside the stapled one: how
   * intermediate certificates get OCSP answers.
   */
  ocspFor?: readonly (Uint8Array | null)[];
  /**
   * `offline[i]`: a source of information about `path[i]` (its OCSP responder or CRL
   * server) could not be reached; judged as stale information, so without another
   * answer `CRYPT_E_REVOCATION_OFFLINE`, as Windows reports an unreachable CRL.
   */
  offline?: readonly boolean[];
  /**
   * The CRLs at hand (from any issuers; each certificate uses its issuer's). Delta
   * CRLs among them (Delta CRL Indicator) complete the bases they match
   * (`checkCrlWithDeltas`) and are never used as bases.
   */
  crls: Crl[];
  /** The time the answers must be valid at (default: now). */
  now?: Date;
  /** Accept certificates for which no usable answer exists (`SCH_CRED_IGNORE_NO_REVOCATION_CHECK`). */
  ignoreNoCheck?: boolean;
  /** Accept certificates whose only answers are stale (`SCH_CRED_IGNORE_REVOCATION_OFFLINE`). */
  ignoreOffline?: boolean;
}

/** The answers about `path[i]`, issued by `issuer`. */
function answers(
  cert: Certificate,
  issuer: Certificate,
  ocsp: Uint8Array | null,
  crls: Crl[],
  now: Date,
): RevocationStatus[] {
  const out: RevocationStatus[] = [];
  if (ocsp) out.push(checkOcsp(parseOcspResponse(ocsp), cert, issuer, now));
  out.push(...crlAnswers(cert, issuer, crls, now));
  return out;
}

/**
 * Checks the revocation status of a validated path (leaf first, ending at the trusted
 * anchor, as `verifyChain` fills `VerifyChainOptions.path`). Each checked certificate
 * is judged by a stapled OCSP response (the leaf only) and by the CRLs of `crls` whose
 * issuer is its issuer (the next certificate of the path; the anchor is its own issuer
 * when self-issued, otherwise it has no issuer here and so no answer), each base
 * completed by the delta CRLs of `crls` (a base that is good but wants a delta,
 * none usable being at hand, counts as out of date):
 *
 * - `CRYPT_E_REVOKED` when any answer about any checked certificate says revoked;
 * - otherwise, walking from the leaf, the first certificate without a `"good"` answer
 *   decides: with only `"stale"` answers (and perhaps unusable ones)
 *   `CRYPT_E_REVOCATION_OFFLINE` unless `ignoreOffline`; with no answer, or only
 *   `"unknown"`/`"invalid"` ones, `CRYPT_E_NO_REVOCATION_CHECK` unless `ignoreNoCheck`;
 * - `SEC_E_OK` otherwise.
 *
 * Status codes are unsigned 32-bit numbers, as everywhere in `src/sspi/status.ts`.
 * An empty path gives `CRYPT_E_NO_REVOCATION_CHECK` (unless `ignoreNoCheck`); a path
 * of the anchor alone with `"chainExcludeRoot"` checks nothing and gives `SEC_E_OK`.
 *
 * @example
 * ```ts
 * import { checkRevocation, type Certificate, parseCrl, verifyChain } from "./mod.ts";
 * import { SEC_E_OK } from "../sspi/status.ts";
 *
 * function accept(chain: Certificate[], roots: Certificate[], crlPem: string, ocsp: Uint8Array | null) {
 *   const path: Certificate[] = [];
 *   if (verifyChain(chain, roots, { path }) !== SEC_E_OK) return false;
 *   const crl = parseCrl(crlPem);
 *   return checkRevocation(path, {
 *     scope: "chainExcludeRoot",
 *     ocsp,
 *     crls: crl ? [crl] : [],
 *   }) === SEC_E_OK;
 * }
 * ```
 */
export function checkRevocation(
  path: Certificate[],
  opts: RevocationOptions,
): number {
  if (!Array.isArray(path)) path = [];
  return judgeRevocation(revocationVerdicts(path, opts), path.length, opts);
}

/** The issuer of `path[i]`: the next certificate, or itself when self-issued, or null. */
export function issuerInPath(
  path: Certificate[],
  i: number,
): Certificate | null {
  const cert = path[i];
  return i + 1 < path.length
    ? path[i + 1]
    : bytesEqual(cert.subject, cert.issuer)
    ? cert
    : null;
}

/**
 * The answers about each certificate of `path` that `opts.scope` checks (leaf
 * first), from the information `opts` holds: what {@link checkRevocation} judges.
 * Add to one certificate's list what is learnt later (a fetched response), then
 * {@link judgeRevocation}.
 */
export function revocationVerdicts(
  path: Certificate[],
  opts: RevocationOptions,
): RevocationStatus[][] {
  const now = opts.now ?? new Date();
  const crls = Array.isArray(opts.crls) ? opts.crls : [];
  const last = opts.scope === "end"
    ? 1
    : opts.scope === "chainExcludeRoot"
    ? path.length - 1
    : path.length;
  const verdicts: RevocationStatus[][] = [];
  for (let i = 0; i < Math.min(last, path.length); i++) {
    const cert = path[i];
    const issuer = issuerInPath(path, i);
    const ocsp = i === 0 ? opts.ocsp ?? null : null;
    const v = issuer ? answers(cert, issuer, ocsp, crls, now) : [];
    const fetched = opts.ocspFor?.[i];
    if (issuer && fetched) {
      v.push(checkOcsp(parseOcspResponse(fetched), cert, issuer, now));
    }
    if (opts.offline?.[i]) v.push("stale");
    verdicts.push(v);
  }
  return verdicts;
}

/**
 * The policy's status over per-certificate answers ({@link revocationVerdicts}) of
 * a path of `pathLength` certificates, as {@link checkRevocation} describes.
 */
export function judgeRevocation(
  verdicts: readonly (readonly RevocationStatus[])[],
  pathLength: number,
  opts: Pick<RevocationOptions, "ignoreNoCheck" | "ignoreOffline">,
): number {
  if (verdicts.some((v) => v.includes("revoked"))) return CRYPT_E_REVOKED;
  if (pathLength === 0 && !opts.ignoreNoCheck) {
    return CRYPT_E_NO_REVOCATION_CHECK;
  }
  for (const v of verdicts) {
    if (v.includes("good")) continue;
    if (v.includes("stale")) {
      if (!opts.ignoreOffline) return CRYPT_E_REVOCATION_OFFLINE;
    } else if (!opts.ignoreNoCheck) return CRYPT_E_NO_REVOCATION_CHECK;
  }
  return SEC_E_OK;
}
