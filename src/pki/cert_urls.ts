/**
 * Where a certificate says its revocation status can be fetched: the OCSP responders
 * of its Authority Information Access extension (RFC 5280 4.2.2.1, access method
 * id-ad-ocsp) and the CRLs of its CRL Distribution Points (4.2.1.13, full names that
 * are URIs). Only `http:` URLs are returned, as Windows' revocation fetching uses
 * them (an `https:` one could need the very check it serves).
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
  const t = tryScan(cert.tbs);
  if (!t) return out;
  try {
    const f = t.children(0);
    const ext = f.find((i) => t.tag(i) === 0xa3);
    if (ext === undefined) return out;
    for (const e of extensionsAt(t, t.explicit(ext, "extensions"), "tbs")) {
      const v = tryScan(e.value);
      if (!v) continue;
      if (e.oid === OID_AUTHORITY_INFO_ACCESS) {
        for (const ad of v.children(v.expect(0, 0x30, "AIA"))) {
          const [method, location] = v.children(v.expect(ad, 0x30, "AD"));
          if (location === undefined) continue;
          if (v.oid(method, "accessMethod") === OID_AD_OCSP) {
            out.ocsp.push(...httpUris(v, [location]));
          }
        }
      } else if (e.oid === OID_CRL_DISTRIBUTION_POINTS) {
        for (const dp of v.children(v.expect(0, 0x30, "CRLDP"))) {
          const name = v.children(v.expect(dp, 0x30, "DistributionPoint"))
            .find((i) => v.tag(i) === 0xa0);
          if (name === undefined) continue;
          // DistributionPointName: fullName [0] GeneralNames (implicit).
          const full = v.children(name).find((i) => v.tag(i) === 0xa0);
          if (full !== undefined) {
            out.crl.push(...httpUris(v, v.children(full)));
          }
        }
      }
    }
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
  }
  return {
    ocsp: out.ocsp.slice(0, MAX_URLS),
    crl: out.crl.slice(0, MAX_URLS),
  };
}
