/**
 * Certificate revocation lists (RFC 5280 section 5): a strict parse of v1/v2
 * `CertificateList` (PEM "X509 CRL" or DER) and what a CRL says about one certificate.
 * Malformed input gives null, never an exception.
 *
 * @module
 */
import {
  DerError,
  type DerTree,
  scanDer,
  TAG_INTEGER,
  TAG_SEQUENCE,
} from "../der/mod.ts";
import {
  algorithmId,
  extensionsAt,
  serialBytes,
  smallUint,
  uint,
} from "./asn1.ts";
import { bytesEqual, type Certificate } from "./cert.ts";
import { distributionPointUrls, OID_FRESHEST_CRL } from "./cert_urls.ts";
import { isFresh, type RevocationStatus } from "./freshness.ts";
import { nameAt, timeAt } from "./name.ts";
import { parsePem } from "./pem.ts";
import { verifySignedData } from "./signature.ts";

/** keyUsage cRLSign (bit 6). */
export const KU_CRL_SIGN = 1 << 6;

/** CRL extensions. */
const OID_AUTHORITY_KEY_ID = "2.5.29.35";
const OID_CRL_NUMBER = "2.5.29.20";
const OID_DELTA_CRL_INDICATOR = "2.5.29.27";
const OID_ISSUING_DISTRIBUTION_POINT = "2.5.29.28";
const OID_AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1";
/** CRL entry extensions. */
const OID_REASON_CODE = "2.5.29.21";
const OID_INVALIDITY_DATE = "2.5.29.24";
const OID_HOLD_INSTRUCTION = "2.5.29.23";
const OID_CERTIFICATE_ISSUER = "2.5.29.29";

/** CRLReason certificateHold. */
export const REASON_CERTIFICATE_HOLD = 6;
/** CRLReason removeFromCRL (in a delta CRL: the entry has left the base CRL). */
export const REASON_REMOVE_FROM_CRL = 8;

/** `Crl.unsupported` of a delta CRL (it is not a complete CRL). */
export const DELTA_CRL = "delta CRL";

/** The largest CRLNumber read (RFC 5280 5.2.3: at most 20 octets). */
const MAX_CRL_NUMBER_BITS = 160;

/** Most TLVs a CRL may hold (a CRL with ~100,000 entries fits). */
const MAX_CRL_ENTRIES = 1 << 20;

/** One revoked certificate. */
export interface CrlEntry {
  /** The serial number's INTEGER content octets, as in `Certificate.serial`. */
  serial: Uint8Array;
  /** revocationDate. */
  revocationDate: Date;
  /** The reasonCode entry extension (CRLReason), or null when absent. */
  reason: number | null;
}

/** A parsed CRL. Byte fields are copies, independent of the input. */
export interface Crl {
  /** The whole CertificateList DER. */
  der: Uint8Array;
  /** The DER of tbsCertList (what the signature covers). */
  tbs: Uint8Array;
  /** 1 or 2. */
  version: number;
  /** The DER of the issuer Name. */
  issuer: Uint8Array;
  /** The issuer's (last) commonName, or null. */
  issuerCommonName: string | null;
  /** thisUpdate. */
  thisUpdate: Date;
  /** nextUpdate, or null when absent. */
  nextUpdate: Date | null;
  /** The revoked certificates, in order. */
  revoked: CrlEntry[];
  /** The cRLNumber's INTEGER content octets, or null when absent. */
  crlNumber: Uint8Array | null;
  /**
   * The cRLNumber as a number (RFC 5280 5.2.3), or null when absent or not a
   * non-negative INTEGER of at most 20 octets.
   */
  number: bigint | null;
  /**
   * The Delta CRL Indicator's BaseCRLNumber (RFC 5280 5.2.4), or null: non-null
   * marks a delta CRL, whose `unsupported` is then {@link DELTA_CRL} unless
   * something else also makes it unusable.
   */
  baseCrlNumber: bigint | null;
  /** The `http:` URLs of the Freshest CRL extension (5.2.6): where deltas are. */
  freshest: string[];
  /** issuingDistributionPoint onlyContainsUserCerts. */
  onlyUserCerts: boolean;
  /** issuingDistributionPoint onlyContainsCACerts. */
  onlyCACerts: boolean;
  /**
   * Why this CRL must not be used, or null: a delta CRL, an indirect CRL, a partial
   * CRL (onlySomeReasons, onlyContainsAttributeCerts), or an unhandled critical CRL or
   * entry extension (its OID).
   */
  unsupported: string | null;
  /** The signature algorithm OID (outer, equal to the TBS copy). */
  signatureAlgorithm: string;
  /** The DER of the signature algorithm's parameters, or null when absent. */
  signatureParams: Uint8Array | null;
  /** The signature bytes. */
  signature: Uint8Array;
}

function bool(t: DerTree, i: number, what: string): boolean {
  const c = t.content(i);
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) {
    throw new DerError(`Cannot decode ${what}: bad BOOLEAN`);
  }
  return c[0] === 0xff;
}

/** Applies issuingDistributionPoint (RFC 5280 5.2.5) to `crl`. */
function issuingDistributionPoint(crl: Crl, value: Uint8Array) {
  const t = scanDer(value);
  let last = -1;
  for (const f of t.children(t.expect(0, TAG_SEQUENCE, "IDP"))) {
    const n = t.tag(f) & 0x1f;
    if (n <= last || (t.tag(f) & 0xc0) !== 0x80) {
      throw new DerError("Cannot decode issuingDistributionPoint");
    }
    last = n;
    if (n === 0) continue; // distributionPoint: not matched against the certificate.
    if (n === 3) {
      crl.unsupported ??= "partial CRL (onlySomeReasons)";
      continue;
    }
    if (t.tag(f) !== 0x80 + n || n > 5) {
      throw new DerError("Cannot decode issuingDistributionPoint");
    }
    if (!bool(t, f, "issuingDistributionPoint")) continue;
    if (n === 1) crl.onlyUserCerts = true;
    else if (n === 2) crl.onlyCACerts = true;
    else if (n === 4) crl.unsupported ??= "indirect CRL";
    else crl.unsupported ??= "attribute certificate CRL";
  }
}

function crlExtensions(crl: Crl, t: DerTree, i: number) {
  for (
    const e of extensionsAt(t, t.explicit(i, "crlExtensions"), "crlExtensions")
  ) {
    if (e.oid === OID_CRL_NUMBER) {
      const n = scanDer(e.value);
      crl.crlNumber = serialBytes(n, 0, "cRLNumber").slice();
      try {
        crl.number = uint(n, 0, "cRLNumber", MAX_CRL_NUMBER_BITS);
      } catch {
        crl.number = null; // negative or too long: no number to compare
      }
    } else if (e.oid === OID_DELTA_CRL_INDICATOR) {
      const n = scanDer(e.value);
      crl.baseCrlNumber = uint(n, 0, "BaseCRLNumber", MAX_CRL_NUMBER_BITS);
    } else if (e.oid === OID_FRESHEST_CRL) {
      crl.freshest = distributionPointUrls(e.value);
    } else if (e.oid === OID_ISSUING_DISTRIBUTION_POINT) {
      issuingDistributionPoint(crl, e.value);
    } else if (
      e.critical && e.oid !== OID_AUTHORITY_KEY_ID &&
      e.oid !== OID_AUTHORITY_INFO_ACCESS
    ) {
      crl.unsupported ??= `critical extension ${e.oid}`;
    }
  }
}

function entry(crl: Crl, t: DerTree, i: number): CrlEntry {
  const f = t.children(t.expect(i, TAG_SEQUENCE, "revokedCertificate"));
  if (f.length < 2 || f.length > 3) throw new DerError("Cannot decode entry");
  const out: CrlEntry = {
    serial: serialBytes(t, f[0], "userCertificate").slice(),
    revocationDate: timeAt(t, f[1], "revocationDate"),
    reason: null,
  };
  if (f.length === 3) {
    if (crl.version !== 2) throw new DerError("Cannot decode entry: v1");
    for (const e of extensionsAt(t, f[2], "crlEntryExtensions")) {
      if (e.oid === OID_REASON_CODE) {
        out.reason = scanDer(e.value).enumerated(0, "CRLReason");
      } else if (e.oid === OID_CERTIFICATE_ISSUER) {
        crl.unsupported ??= "indirect CRL (certificateIssuer)";
      } else if (
        e.critical && e.oid !== OID_INVALIDITY_DATE &&
        e.oid !== OID_HOLD_INSTRUCTION
      ) {
        crl.unsupported ??= `critical entry extension ${e.oid}`;
      }
    }
  }
  return out;
}

function parse(der: Uint8Array): Crl | null {
  const t = scanDer(der, { maxEntries: MAX_CRL_ENTRIES });
  const top = t.children(t.expect(0, TAG_SEQUENCE, "CertificateList"));
  if (top.length !== 3) return null;
  const f = t.children(t.expect(top[0], TAG_SEQUENCE, "TBSCertList"));
  let k = 0;
  let version = 1;
  if (k < f.length && t.tag(f[k]) === TAG_INTEGER) {
    if (smallUint(t, f[k++], "version") !== 1) return null;
    version = 2;
  }
  if (f.length < k + 3) return null;
  const innerAlg = t.raw(f[k++]);
  const alg = algorithmId(t, top[1], "signatureAlgorithm");
  if (!bytesEqual(innerAlg, t.raw(top[1]))) return null;
  const issuerI = f[k++];
  const issuerCommonName = nameAt(t, issuerI, "issuer");
  const thisUpdate = timeAt(t, f[k++], "thisUpdate");
  let nextUpdate: Date | null = null;
  if (k < f.length && (t.tag(f[k]) === 0x17 || t.tag(f[k]) === 0x18)) {
    nextUpdate = timeAt(t, f[k++], "nextUpdate");
  }
  const sig = t.bitString(top[2], "signatureValue");
  if (sig.unusedBits !== 0) return null;
  const crl: Crl = {
    der: der.slice(),
    tbs: t.raw(top[0]).slice(),
    version,
    issuer: t.raw(issuerI).slice(),
    issuerCommonName,
    thisUpdate,
    nextUpdate,
    revoked: [],
    crlNumber: null,
    number: null,
    baseCrlNumber: null,
    freshest: [],
    onlyUserCerts: false,
    onlyCACerts: false,
    unsupported: null,
    signatureAlgorithm: alg.oid,
    signatureParams: alg.params >= 0 ? t.raw(alg.params).slice() : null,
    signature: sig.bytes,
  };
  if (k < f.length && t.tag(f[k]) === TAG_SEQUENCE) {
    for (const e of t.children(f[k++])) crl.revoked.push(entry(crl, t, e));
  }
  if (k < f.length && t.tag(f[k]) === 0xa0) {
    if (version !== 2) return null;
    crlExtensions(crl, t, f[k++]);
  }
  // A delta CRL is not a complete CRL: never used on its own (see crl_delta.ts).
  if (crl.baseCrlNumber !== null) crl.unsupported ??= DELTA_CRL;
  return k === f.length ? crl : null;
}

/**
 * Parses a CRL (RFC 5280 5.1), v1 or v2, from DER or PEM ("X509 CRL"; the first such
 * block) text or bytes. Returns null when malformed (never throws). A CRL that must not
 * be used parses with `unsupported` set (delta CRLs, indirect CRLs, partial CRLs,
 * unhandled critical CRL or entry extensions); {@link checkCrl} then says
 * `"invalid"` (a delta CRL is applied over its base by `checkCrlWithDeltas`).
 * Handled extensions: authorityKeyIdentifier, cRLNumber, deltaCRLIndicator,
 * issuingDistributionPoint (its distributionPoint name is not matched against the
 * certificate), freshestCRL (its `http:` URLs) and authorityInfoAccess
 * (ignored); entries' reasonCode
 * (read), invalidityDate and holdInstructionCode (ignored).
 *
 * @example
 * ```ts
 * import { checkCrl, parseCrl } from "./crl.ts";
 * import type { Certificate } from "./cert.ts";
 *
 * function status(pem: string, leaf: Certificate, issuer: Certificate): string {
 *   const crl = parseCrl(pem);
 *   return crl ? checkCrl(crl, leaf, issuer, new Date()) : "invalid"; // "good", ...
 * }
 * ```
 */
export function parseCrl(input: Uint8Array | string): Crl | null {
  try {
    let der: Uint8Array | undefined;
    if (typeof input === "string") {
      der = parsePem(input, "X509 CRL")[0];
    } else if (input instanceof Uint8Array) {
      der = input;
      if (input.length > 0 && input[0] === 0x2d) { // "-": PEM text
        der = parsePem(new TextDecoder().decode(input), "X509 CRL")[0];
      }
    }
    return der ? parse(der) : null;
  } catch {
    // DerError on malformed input; anything else is also "not a CRL".
    return null;
  }
}

/**
 * True when `crl` (complete or delta; its `unsupported` is not looked at) may speak
 * about `cert`, whose issuer is `issuer`: its issuer and `issuer.subject` are
 * `cert.issuer`, the issuer's keyUsage (if any) has cRLSign, the signature
 * verifies with the issuer's key, and its scope (onlyContainsUserCerts /
 * onlyContainsCACerts) includes the certificate. Never throws.
 */
export function crlCovers(
  crl: Crl,
  cert: Certificate,
  issuer: Certificate,
): boolean {
  try {
    if (!crl || !cert || !issuer) return false;
    if (!bytesEqual(crl.issuer, cert.issuer)) return false;
    if (!bytesEqual(issuer.subject, cert.issuer)) return false;
    if (issuer.keyUsage !== null && !(issuer.keyUsage & KU_CRL_SIGN)) {
      return false;
    }
    if (
      !verifySignedData(
        crl.signatureAlgorithm,
        crl.signatureParams,
        crl.tbs,
        crl.signature,
        issuer.publicKey,
      )
    ) return false;
    if (crl.onlyUserCerts && cert.isCA) return false;
    return !(crl.onlyCACerts && !cert.isCA);
  } catch {
    return false;
  }
}

/**
 * What `crl` says about `cert`, whose issuer is `issuer`, at `now`:
 *
 * - `"invalid"` when the CRL is null or `unsupported`, its issuer or
 *   `issuer.subject` is not `cert.issuer`, the issuer has keyUsage without cRLSign, the
 *   signature does not verify with the issuer's key, or the CRL's scope
 *   (onlyContainsUserCerts / onlyContainsCACerts) excludes the certificate;
 * - `"revoked"` when the serial is listed (even outside the time window: a revocation
 *   is final; except for certificateHold, and entries saying removeFromCRL are
 *   skipped);
 * - `"stale"` when outside its time window: `thisUpdate` later than `now` plus 5
 *   minutes, `now` after `nextUpdate`, or, without `nextUpdate`, `thisUpdate` older
 *   than 7 days (our local policy for such CRLs);
 * - `"good"` otherwise.
 *
 * Never throws on bad input.
 */
export function checkCrl(
  crl: Crl | null,
  cert: Certificate,
  issuer: Certificate,
  now: Date = new Date(),
): RevocationStatus {
  try {
    if (!crl || crl.unsupported !== null) return "invalid";
    if (!crlCovers(crl, cert, issuer)) return "invalid";
    const fresh = isFresh(crl.thisUpdate, crl.nextUpdate, now);
    const e = crl.revoked.find((r) =>
      r.reason !== REASON_REMOVE_FROM_CRL && bytesEqual(r.serial, cert.serial)
    );
    if (e && (fresh || e.reason !== REASON_CERTIFICATE_HOLD)) return "revoked";
    return fresh ? "good" : "stale";
  } catch {
    return "invalid";
  }
}
