/**
 * X.509 v1-v3 certificates (RFC 5280 section 4): one strict parse into a plain object
 * with the fields TLS needs. Malformed input gives null, never an exception.
 *
 * @module
 */
import {
  DerError,
  type DerTree,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
} from "../der/mod.ts";
import {
  algorithmId,
  smallUint,
  TAG_BOOLEAN,
  tryScan,
  uintBytes,
} from "./asn1.ts";
import { type PublicKey, spkiAt } from "./keys.ts";
import { formatIp, latin1, nameAt, timeAt } from "./name.ts";

/** subjectAltName. */
export const OID_SUBJECT_ALT_NAME = "2.5.29.17";
/** basicConstraints. */
export const OID_BASIC_CONSTRAINTS = "2.5.29.19";
/** keyUsage. */
export const OID_KEY_USAGE = "2.5.29.15";
/** extKeyUsage. */
export const OID_EXT_KEY_USAGE = "2.5.29.37";
/** id-kp-serverAuth. */
export const OID_KP_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
/** id-kp-clientAuth. */
export const OID_KP_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
/** anyExtendedKeyUsage. */
export const OID_ANY_EXT_KEY_USAGE = "2.5.29.37.0";

/** keyUsage bits (bit n of the BIT STRING as `1 << n`). */
export const KU_DIGITAL_SIGNATURE = 1 << 0;
/** keyUsage keyEncipherment. */
export const KU_KEY_ENCIPHERMENT = 1 << 2;
/** keyUsage keyCertSign. */
export const KU_KEY_CERT_SIGN = 1 << 5;

/** Extensions that are understood (or safely ignored) when marked critical. */
const HANDLED = new Set([
  OID_SUBJECT_ALT_NAME,
  OID_BASIC_CONSTRAINTS,
  OID_KEY_USAGE,
  OID_EXT_KEY_USAGE,
  "2.5.29.14", // subjectKeyIdentifier
  "2.5.29.35", // authorityKeyIdentifier
  "2.5.29.32", // certificatePolicies (no policy processing, as browsers do)
]);

/** A parsed X.509 certificate. Byte fields are copies, independent of the input. */
export interface Certificate {
  /** The whole certificate DER. */
  der: Uint8Array;
  /** The DER of tbsCertificate (what the signature covers). */
  tbs: Uint8Array;
  /** 1, 2 or 3. */
  version: number;
  /**
   * The serial number's INTEGER content octets without the DER sign octet (its
   * magnitude); `encodeSerial` makes the INTEGER again.
   */
  serial: Uint8Array;
  /** The DER of the issuer Name. */
  issuer: Uint8Array;
  /** The DER of the subject Name. */
  subject: Uint8Array;
  /** The subject's (last) commonName, or null. */
  subjectCommonName: string | null;
  /** The issuer's (last) commonName, or null. */
  issuerCommonName: string | null;
  /** Start of validity. */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** The DER of subjectPublicKeyInfo. */
  subjectPublicKeyInfo: Uint8Array;
  /** The subject key, or null for unsupported key types. */
  publicKey: PublicKey | null;
  /** The signature algorithm OID (outer, equal to the TBS copy). */
  signatureAlgorithm: string;
  /** The DER of the signature algorithm's parameters, or null when absent. */
  signatureParams: Uint8Array | null;
  /** The signature bytes. */
  signature: Uint8Array;
  /** dNSName subjectAltNames, as written. */
  dnsNames: string[];
  /** iPAddress subjectAltNames, as text (dotted IPv4, RFC 5952 IPv6). */
  ipAddresses: string[];
  /** True when a subjectAltName extension is present (of any name types). */
  hasSubjectAltName: boolean;
  /** basicConstraints cA. */
  isCA: boolean;
  /** basicConstraints pathLenConstraint, or null. */
  pathLen: number | null;
  /** keyUsage bits (`KU_*`), or null when the extension is absent. */
  keyUsage: number | null;
  /** extKeyUsage OIDs, or null when the extension is absent. */
  extKeyUsage: string[] | null;
  /** OIDs of critical extensions this module does not handle. */
  unhandledCriticalExtensions: string[];
}

function bool(t: DerTree, i: number, what: string): boolean {
  t.expect(i, TAG_BOOLEAN, what);
  const c = t.content(i);
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) {
    throw new DerError(`Cannot decode ${what}: bad BOOLEAN`);
  }
  return c[0] === 0xff;
}

/** Applies one extension's value to `cert`; throws `DerError` when malformed. */
function extension(cert: Certificate, oid: string, value: Uint8Array) {
  if (
    oid !== OID_SUBJECT_ALT_NAME && oid !== OID_BASIC_CONSTRAINTS &&
    oid !== OID_KEY_USAGE && oid !== OID_EXT_KEY_USAGE
  ) return;
  const t = tryScan(value);
  if (!t) throw new DerError("Cannot decode extension: malformed");
  if (oid === OID_SUBJECT_ALT_NAME) {
    t.expect(0, TAG_SEQUENCE, "subjectAltName");
    cert.hasSubjectAltName = true;
    for (const g of t.children(0)) {
      if (t.tag(g) === 0x82) {
        const c = t.content(g);
        if (c.some((b) => b < 0x20 || b > 0x7e)) {
          throw new DerError("Cannot decode dNSName: not printable ASCII");
        }
        cert.dnsNames.push(latin1(c));
      } else if (t.tag(g) === 0x87) {
        const ip = formatIp(t.content(g));
        if (!ip) throw new DerError("Cannot decode iPAddress: bad length");
        cert.ipAddresses.push(ip);
      }
    }
  } else if (oid === OID_BASIC_CONSTRAINTS) {
    t.expect(0, TAG_SEQUENCE, "basicConstraints");
    const f = t.children(0);
    let k = 0;
    if (k < f.length && t.tag(f[k]) === TAG_BOOLEAN) {
      cert.isCA = bool(t, f[k++], "cA");
    }
    if (k < f.length) cert.pathLen = smallUint(t, f[k++], "pathLenConstraint");
    if (k !== f.length) throw new DerError("Cannot decode basicConstraints");
  } else if (oid === OID_KEY_USAGE) {
    const { bytes } = t.bitString(0, "keyUsage");
    let ku = 0;
    for (let b = 0; b < Math.min(bytes.length * 8, 16); b++) {
      if (bytes[b >> 3] & (0x80 >> (b & 7))) ku |= 1 << b;
    }
    cert.keyUsage = ku;
  } else if (oid === OID_EXT_KEY_USAGE) {
    t.expect(0, TAG_SEQUENCE, "extKeyUsage");
    cert.extKeyUsage = t.children(0).map((i) => t.oid(i, "KeyPurposeId"));
  }
}

function parse(der: Uint8Array, t: DerTree): Certificate | null {
  const top = t.children(t.expect(0, TAG_SEQUENCE, "Certificate"));
  if (top.length !== 3) return null;
  const [tbsI, algI, sigI] = top;
  const f = t.children(t.expect(tbsI, TAG_SEQUENCE, "TBSCertificate"));
  let k = 0;
  let version = 1;
  if (f.length === 0) return null;
  if (t.tag(f[0]) === 0xa0) {
    version = smallUint(t, t.explicit(f[k++], "version"), "version") + 1;
    if (version < 2 || version > 3) return null;
  }
  if (f.length < k + 6) return null;
  const serial = uintBytesLoose(t, f[k++]);
  const innerAlg = t.raw(f[k++]);
  const alg = algorithmId(t, algI, "signatureAlgorithm");
  if (!eq(innerAlg, t.raw(algI))) return null;
  const issuerI = f[k++];
  const issuerCommonName = nameAt(t, issuerI, "issuer");
  const validity = t.children(t.expect(f[k++], TAG_SEQUENCE, "validity"));
  if (validity.length !== 2) return null;
  const notBefore = timeAt(t, validity[0], "notBefore");
  const notAfter = timeAt(t, validity[1], "notAfter");
  const subjectI = f[k++];
  const subjectCommonName = nameAt(t, subjectI, "subject");
  const spkiI = f[k++];
  t.expect(spkiI, TAG_SEQUENCE, "subjectPublicKeyInfo");
  const publicKey = guardNull(() => spkiAt(t, spkiI));
  const sig = t.bitString(sigI, "signatureValue");
  if (sig.unusedBits !== 0) return null;
  const cert: Certificate = {
    der: der.slice(),
    tbs: t.raw(tbsI).slice(),
    version,
    serial: serial.slice(),
    issuer: t.raw(issuerI).slice(),
    subject: t.raw(subjectI).slice(),
    subjectCommonName,
    issuerCommonName,
    notBefore,
    notAfter,
    subjectPublicKeyInfo: t.raw(spkiI).slice(),
    publicKey,
    signatureAlgorithm: alg.oid,
    signatureParams: alg.params >= 0 ? t.raw(alg.params).slice() : null,
    signature: sig.bytes,
    dnsNames: [],
    ipAddresses: [],
    hasSubjectAltName: false,
    isCA: false,
    pathLen: null,
    keyUsage: null,
    extKeyUsage: null,
    unhandledCriticalExtensions: [],
  };
  while (k < f.length && (t.tag(f[k]) === 0x81 || t.tag(f[k]) === 0xa1)) k++;
  while (k < f.length && (t.tag(f[k]) === 0x82 || t.tag(f[k]) === 0xa2)) k++;
  if (k < f.length && t.tag(f[k]) === 0xa3) {
    if (version !== 3) return null;
    const exts = t.explicit(f[k++], "extensions");
    const seen = new Set<string>();
    for (const e of t.children(t.expect(exts, TAG_SEQUENCE, "Extensions"))) {
      const ef = t.children(t.expect(e, TAG_SEQUENCE, "Extension"));
      if (ef.length < 2) return null;
      const oid = t.oid(ef[0], "extnID");
      if (seen.has(oid)) return null;
      seen.add(oid);
      let critical = false;
      let v = 1;
      if (ef.length === 3) critical = bool(t, ef[v++], "critical");
      if (ef.length !== v + 1) return null;
      t.expect(ef[v], TAG_OCTET_STRING, "extnValue");
      if (critical && !HANDLED.has(oid)) {
        cert.unhandledCriticalExtensions.push(oid);
      }
      extension(cert, oid, t.content(ef[v]));
    }
  }
  return k === f.length ? cert : null;
}

/** The serial number's content octets (negative and non-minimal serials are tolerated). */
function uintBytesLoose(t: DerTree, i: number): Uint8Array {
  try {
    return uintBytes(t, i, "serialNumber");
  } catch {
    t.expect(i, 0x02, "serialNumber");
    if (t.length(i) === 0) throw new DerError("Cannot decode serialNumber");
    return t.content(i);
  }
}

function guardNull<T>(fn: () => T | null): T | null {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DerError) return null;
    throw e;
  }
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Parses one DER certificate; null when malformed or unsupported in structure (never
 * throws on bad input). Unsupported key types give `publicKey: null`.
 */
export function parseCertificate(der: Uint8Array): Certificate | null {
  if (!(der instanceof Uint8Array)) return null;
  try {
    const t = tryScan(der);
    return t ? parse(der, t) : null;
  } catch {
    // DerError on malformed input; anything else is also "not a certificate".
    return null;
  }
}

/** True when two byte arrays are equal (names, DER). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return eq(a, b);
}
