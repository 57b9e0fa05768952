/**
 * Revocation checking of the KDC's certificate in a PKINIT logon (plain, inside
 * FAST, and anonymous PKINIT, armor included), as Windows' Kerberos client checks
 * the domain controller's certificate in a smart-card logon: every certificate of
 * the validated path but the root, by the CRLs given in the credential
 * (`KdcCertificateRevocationLists`) and, what those leave open, by what the
 * certificates' Authority Information Access (OCSP) and CRL Distribution Points
 * name (`http:`, fetched with `src/pki/revocation_fetch.ts`, kept on the credential
 * until out of date).
 *
 * The policy (`KdcRevocationCheck`):
 * - `"auto"` (the default): check with what is at hand or can be fetched; a revoked
 *   certificate fails (`SEC_E_KDC_CERT_REVOKED`), an unknown or unreachable status
 *   does not (as Windows' `UseCachedCRLOnlyAndIgnoreRevocationUnknownErrors`
 *   relaxation), so a KDC whose certificate names no CRL or responder still logs on;
 * - `"require"`: as Windows by default, an undetermined status fails too
 *   (`SEC_E_REVOCATION_OFFLINE_KDC`);
 * - `"cacheOnly"`: the given CRLs only, nothing fetched, unknown tolerated;
 * - `"off"`: no check.
 *
 * @module
 */
import type { Certificate } from "../../pki/cert.ts";
import { type Crl, parseCrl } from "../../pki/crl.ts";
import { parsePem } from "../../pki/pem.ts";
import { judgeRevocation, revocationVerdicts } from "../../pki/revocation.ts";
import { RevocationCache } from "../../pki/revocation_cache.ts";
import { fetchOpenVerdicts } from "../../pki/revocation_fetch.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  CRYPT_E_REVOKED,
  SEC_E_KDC_CERT_REVOKED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_REVOCATION_OFFLINE_KDC,
} from "../../sspi/status.ts";

/** The values of `KdcRevocationCheck` (see the module's description). */
export const KDC_REVOCATION_MODES = [
  "auto",
  "require",
  "cacheOnly",
  "off",
] as const;

/** How the KDC's certificate is checked for revocation. */
export type KdcRevocationMode = typeof KDC_REVOCATION_MODES[number];

/** The credential options of the check. */
export interface KdcRevocationOptions {
  /** CRLs at hand: PEM text (`X509 CRL` blocks), one DER CRL or a list. */
  KdcCertificateRevocationLists?: string | Uint8Array | readonly Uint8Array[];
  /** The policy; default `"auto"`. */
  KdcRevocationCheck?: KdcRevocationMode;
}

/** A credential's policy, its CRLs and what its checks fetched. */
export class KdcRevocationPolicy {
  /** The policy. */
  readonly mode: KdcRevocationMode;
  /** The CRLs given in the credential. */
  readonly crls: readonly Crl[];
  /** Fetched OCSP responses and CRLs, kept until their `nextUpdate`. */
  readonly cache: RevocationCache = new RevocationCache();

  /** A policy of `mode` with the CRLs `crls`. */
  constructor(mode: KdcRevocationMode = "auto", crls: readonly Crl[] = []) {
    this.mode = mode;
    this.crls = crls;
  }
}

function refuse(why: string): never {
  throw new SspiError(SEC_E_NO_CREDENTIALS, why);
}

/** The CRLs of a `KdcCertificateRevocationLists` option; each must parse. */
function crlList(
  v: NonNullable<KdcRevocationOptions["KdcCertificateRevocationLists"]>,
): Crl[] {
  let ders: Uint8Array[] | null = null;
  if (typeof v === "string") ders = parsePem(v, "X509 CRL");
  else if (v instanceof Uint8Array) ders = [v];
  else if (Array.isArray(v) && v.every((c) => c instanceof Uint8Array)) {
    ders = [...v];
  }
  const out: Crl[] = [];
  for (const der of ders ?? []) {
    out.push(
      parseCrl(der) ??
        refuse("KdcCertificateRevocationLists: a CRL does not parse"),
    );
  }
  if (out.length === 0) {
    refuse(
      "KdcCertificateRevocationLists must be PEM X509 CRL blocks, a DER CRL or a list of them",
    );
  }
  return out;
}

/**
 * The policy of a credential's options; throws `SEC_E_NO_CREDENTIALS` when
 * `KdcRevocationCheck` is not one of {@link KDC_REVOCATION_MODES} or a CRL of
 * `KdcCertificateRevocationLists` does not parse.
 */
export function kdcRevocationPolicyOf(
  d: KdcRevocationOptions,
): KdcRevocationPolicy {
  const mode = d.KdcRevocationCheck ?? "auto";
  if (!KDC_REVOCATION_MODES.includes(mode)) {
    refuse(`KdcRevocationCheck must be one of ${KDC_REVOCATION_MODES}`);
  }
  const crls = d.KdcCertificateRevocationLists === undefined
    ? []
    : crlList(d.KdcCertificateRevocationLists);
  return new KdcRevocationPolicy(mode, crls);
}

/**
 * Checks the revocation of the KDC's validated certificate path (leaf first,
 * ending at the trusted root, as `checkKdcCertificate` fills it) under `policy`:
 * `SEC_E_OK`, `SEC_E_KDC_CERT_REVOKED` when a certificate of the path (root
 * excepted) is revoked, or, under `"require"`, `SEC_E_REVOCATION_OFFLINE_KDC` when
 * a status could not be determined (no information, or only out-of-date or
 * unreachable sources). Fetches (unless `"cacheOnly"`) only for certificates the
 * given CRLs leave open and that name a source.
 */
export async function checkKdcRevocation(
  path: Certificate[],
  policy: KdcRevocationPolicy,
  now: Date = new Date(),
): Promise<number> {
  if (policy.mode === "off") return SEC_E_OK;
  const strict = policy.mode === "require";
  const opts = {
    scope: "chainExcludeRoot" as const,
    crls: [...policy.crls],
    now,
    ignoreNoCheck: !strict,
    ignoreOffline: !strict,
  };
  const verdicts = revocationVerdicts(path, opts);
  if (policy.mode !== "cacheOnly") {
    await fetchOpenVerdicts(path, verdicts, policy.cache, now, opts.crls);
  }
  const st = judgeRevocation(verdicts, path.length, opts);
  return st === SEC_E_OK
    ? SEC_E_OK
    : st === CRYPT_E_REVOKED
    ? SEC_E_KDC_CERT_REVOKED
    : SEC_E_REVOCATION_OFFLINE_KDC;
}

/**
 * {@link checkKdcRevocation}, throwing its failure as an `SspiError` naming
 * `realm`'s KDC.
 */
export async function requireKdcNotRevoked(
  path: Certificate[],
  policy: KdcRevocationPolicy,
  realm: string,
): Promise<void> {
  const st = await checkKdcRevocation(path, policy);
  if (st === SEC_E_KDC_CERT_REVOKED) {
    throw new SspiError(st, `the KDC's certificate for ${realm} is revoked`);
  }
  if (st !== SEC_E_OK) {
    throw new SspiError(
      st,
      `the revocation status of the KDC's certificate for ${realm} could not be determined`,
    );
  }
}
