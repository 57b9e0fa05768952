/**
 * Where a certificate says its revocation status can be fetched: the OCSP responders
 * of its Authority Information Access extension (RFC 5280 4.2.2.1, access method
 * id-ad-ocsp) and the CRLs of its CRL Distribution Points (4.2.1.13, full names that
 * are URIs), and the delta CRLs of its Freshest CRL extension (4.2.1.15, same
 * syntax as CRL Distribution Points; also read from a base CRL's extension). Only
 * `http:` URLs are returned, as Windows' revocation fetching uses them (an
 * `https:` one could need the very check it serves).
 *
 * @module
 */
import { DerError, type DerTree } from "../der/mod.ts";
import { extensionsAt, tryScan } from "./asn1.ts";
import type { Certificate } from "./cert.ts";

/** id-pe-authorityInfoAccess. */
export const OID_AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1";
/** id-ce-cRLDistributionPoints. */
export const OID_CRL_DISTRIBUTION_POINTS = "2.5.29.31";
/** id-ce-freshestCRL (where delta CRLs are published). */
export const OID_FRESHEST_CRL = "2.5.29.46";
/** id-ad-ocsp. */
export const OID_AD_OCSP = "1.3.6.1.5.5.7.48.1";

/** GeneralName's uniformResourceIdentifier ([6] IA5String, implicit). */
const TAG_URI = 0x86;
/** The most URLs of each kind taken from one certificate. */
const MAX_URLS = 4;

/** The `http:` URIs among the GeneralNames at `names` (entries of `t`). */
function httpUris(t: DerTree, names: number[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (t.tag(n) !== TAG_URI) continue;
    const s = String.fromCharCode(...t.content(n));
    // The scheme is case-insensitive (RFC 3986 3.1): given back in lower case.
    if (/^http:\/\/[\x21-\x7e]+$/i.test(s)) out.push("http://" + s.slice(7));
  }
  return out;
}

/**
 * The `http:` full-name URIs of a CRLDistributionPoints value `v` (also the syntax
 * of FreshestCRL); throws `DerError` when malformed.
 */
function distributionPointUris(v: DerTree): string[] {
  const out: string[] = [];
  for (const dp of v.children(v.expect(0, 0x30, "CRLDP"))) {
    const name = v.children(v.expect(dp, 0x30, "DistributionPoint"))
      .find((i) => v.tag(i) === 0xa0);
    if (name === undefined) continue;
    // DistributionPointName: fullName [0] GeneralNames (implicit).
    const full = v.children(name).find((i) => v.tag(i) === 0xa0);
    if (full !== undefined) out.push(...httpUris(v, v.children(full)));
  }
  return out;
}

/**
 * The `http:` URLs (at most four) of a CRLDistributionPoints or FreshestCRL
 * extension value (the extnValue contents); empty when it names none or does not
 * parse. Never throws.
 */
export function distributionPointUrls(value: Uint8Array): string[] {
  const v = tryScan(value);
  if (!v) return [];
  try {
    return distributionPointUris(v).slice(0, MAX_URLS);
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    return [];
  }
}

/** Calls `fn` with each extension of `cert`; a malformed list ends the walk. */
function eachExtension(
  cert: Certificate,
  fn: (oid: string, v: DerTree) => void,
): void {
  const t = tryScan(cert.tbs);
  if (!t) return;
  try {
    const ext = t.children(0).find((i) => t.tag(i) === 0xa3);
    if (ext === undefined) return;
    for (const e of extensionsAt(t, t.explicit(ext, "extensions"), "tbs")) {
      const v = tryScan(e.value);
      if (v) fn(e.oid, v);
    }
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
  }
}

/**
 * The OCSP responder URLs and CRL URLs of `cert` (each `http:`, at most four of
 * each); empty lists when it has none or the extensions do not parse.
 *
 * @example
 * ```ts
 * import { parseCertificate, revocationUrls } from "./mod.ts";
 * declare const der: Uint8Array;
 * const { ocsp, crl } = revocationUrls(parseCertificate(der)!);
 * ```
 */
export function revocationUrls(
  cert: Certificate,
): { ocsp: string[]; crl: string[] } {
  const out = { ocsp: [] as string[], crl: [] as string[] };
  eachExtension(cert, (oid, v) => {
    if (oid === OID_AUTHORITY_INFO_ACCESS) {
      for (const ad of v.children(v.expect(0, 0x30, "AIA"))) {
        const [method, location] = v.children(v.expect(ad, 0x30, "AD"));
        if (location === undefined) continue;
        if (v.oid(method, "accessMethod") === OID_AD_OCSP) {
          out.ocsp.push(...httpUris(v, [location]));
        }
      }
    } else if (oid === OID_CRL_DISTRIBUTION_POINTS) {
      out.crl.push(...distributionPointUris(v));
    }
  });
  return {
    ocsp: out.ocsp.slice(0, MAX_URLS),
    crl: out.crl.slice(0, MAX_URLS),
  };
}

/**
 * The delta CRL URLs of `cert`'s Freshest CRL extension (RFC 5280 4.2.1.15; each
 * `http:`, at most four); empty when it has none or it does not parse.
 *
 * @example
 * ```ts
 * import { freshestCrlUrls, parseCertificate } from "./mod.ts";
 * declare const der: Uint8Array;
 * const deltas = freshestCrlUrls(parseCertificate(der)!); // ["http://.../ca+.crl"]
 * ```
 */
export function freshestCrlUrls(cert: Certificate): string[] {
  let out: string[] = [];
  eachExtension(cert, (oid, v) => {
    if (oid === OID_FRESHEST_CRL) out = distributionPointUris(v);
  });
  return out.slice(0, MAX_URLS);
}
