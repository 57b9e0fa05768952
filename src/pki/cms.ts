/**
 * The one CMS shape PKINIT (RFC 4556) needs: a `ContentInfo` holding a `SignedData`
 * (RFC 5652 section 5) with an encapsulated content of a given type, one signer
 * identified by issuer and serial number,
 * signed attributes (contentType, messageDigest), and the signer's certificates.
 * `encodeSignedData` signs (RSA PKCS#1 v1.5 with SHA-256, ECDSA with SHA-256/384);
 * `parseSignedData` reads untrusted bytes strictly (null when malformed, never an
 * exception) and `verifySignedDataSigner` checks the signature and the attributes.
 * `encodeUnsignedData` makes the signer-less SignedData of anonymous PKINIT.
 *
 * @example Signing and verifying
 * ```ts
 * import { encodeSignedData, parseSignedData, verifySignedDataSigner } from "./cms.ts";
 * import { parseCertificate, parsePrivateKey } from "./mod.ts";
 *
 * function roundTrip(certDer: Uint8Array, keyPem: string): boolean {
 *   const cert = parseCertificate(certDer)!;
 *   const key = parsePrivateKey(keyPem)!;
 *   const der = encodeSignedData({
 *     contentType: "1.3.6.1.5.2.3.1",
 *     content: new Uint8Array([0x30, 0]),
 *     certificates: [certDer],
 *     signer: cert,
 *     key,
 *   });
 *   const sd = parseSignedData(der);
 *   return sd !== null && verifySignedDataSigner(sd) !== null;
 * }
 * ```
 *
 * @module
 */
import {
  DerError,
  type DerTree,
  encodeContext,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeTlv,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
} from "../der/mod.ts";
import {
  absentOrNull,
  algorithmId,
  encodeSerial,
  encodeUint,
  serialBytes,
  smallUint,
  tryScan,
} from "./asn1.ts";
import { bytesEqual, type Certificate, parseCertificate } from "./cert.ts";
import { type HashAlg, hashByOid, HASHES } from "./hash.ts";
import type { PrivateKey } from "./keys.ts";
import {
  ECDSA_SECP256R1_SHA256,
  ECDSA_SECP384R1_SHA384,
  RSA_PKCS1_SHA256,
  sign,
  verifySignedData,
} from "./signature.ts";

/** id-signedData. */
export const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
/** id-contentType (signed attribute). */
export const OID_ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3";
/** id-messageDigest (signed attribute). */
export const OID_ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
/** rsaEncryption, which CMS also uses as a signature algorithm with the digest's hash. */
const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
/** sha256/384/512WithRSAEncryption by hash name. */
const RSA_WITH: Record<string, string> = {
  "SHA-256": "1.2.840.113549.1.1.11",
  "SHA-384": "1.2.840.113549.1.1.12",
  "SHA-512": "1.2.840.113549.1.1.13",
};
/** ecdsa-with-SHA256/384. */
const ECDSA_WITH: Record<string, string> = {
  "SHA-256": "1.2.840.10045.4.3.2",
  "SHA-384": "1.2.840.10045.4.3.3",
};
/** The largest number of certificates read from a SignedData. */
const MAX_CERTIFICATES = 10;

/** What `encodeSignedData` signs. */
export interface SignedDataInput {
  /** eContentType. */
  contentType: string;
  /** eContent (the DER of the signed structure). */
  content: Uint8Array;
  /** Certificates to include (DER), normally the signer's chain, leaf first. */
  certificates: readonly Uint8Array[];
  /** The signer's certificate (issuer and serial name it in the SignerInfo). */
  signer: Certificate;
  /** The signer's private key: RSA (PKCS#1 v1.5, SHA-256) or ECDSA P-256/P-384. */
  key: PrivateKey;
}

/** A parsed SignedData (views into the input; copy what must outlive it). */
export interface SignedDataMessage {
  /** eContentType. */
  contentType: string;
  /** eContent. */
  content: Uint8Array;
  /** The certificates that parsed, in order. */
  certificates: Certificate[];
  /** The one SignerInfo. */
  signer: {
    /** issuerAndSerialNumber (version 1), or null with a subject key identifier. */
    issuer: Uint8Array | null;
    /** The serial number (with `issuer`). */
    serial: Uint8Array | null;
    /** subjectKeyIdentifier (version 3), or null. */
    keyId: Uint8Array | null;
    /** The digest algorithm. */
    digest: HashAlg;
    /** The DER of the signed attributes with the SET tag (what is signed). */
    signedAttrs: Uint8Array;
    /** contentType attribute value. */
    attrContentType: string;
    /** messageDigest attribute value. */
    attrDigest: Uint8Array;
    /** signatureAlgorithm OID and parameters' DER (null when absent). */
    sigAlg: string;
    /** The parameters' DER, or null. */
    sigParams: Uint8Array | null;
    /** The signature. */
    signature: Uint8Array;
  };
}

/** The DER of an AlgorithmIdentifier without parameters, or with NULL. */
function algId(oid: string, nullParams: boolean): Uint8Array {
  return encodeSequence(
    nullParams ? [encodeOid(oid), Uint8Array.of(5, 0)] : [encodeOid(oid)],
  );
}

/** A DER SET OF: the elements sorted by their encodings (X.690 11.6). */
function setOf(elements: readonly Uint8Array[], tag = 0x31): Uint8Array {
  const sorted = [...elements].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return a[i] - b[i];
    }
    return a.length - b.length;
  });
  return encodeTlv(tag, sorted);
}

/**
 * Signs `content` into a DER ContentInfo of a SignedData (version 3, one SignerInfo
 * of version 1 with signed attributes). Throws `RangeError` for a key that cannot sign
 * (an RSA key too short for SHA-256): a programmer error, not bad input.
 */
export function encodeSignedData(input: SignedDataInput): Uint8Array {
  const { key } = input;
  const hash = key.kind === "ec" && key.curve === "P-384"
    ? HASHES["SHA-384"]
    : HASHES["SHA-256"];
  const scheme = key.kind === "rsa"
    ? RSA_PKCS1_SHA256
    : key.curve === "P-384"
    ? ECDSA_SECP384R1_SHA384
    : ECDSA_SECP256R1_SHA256;
  const sigAlg = key.kind === "rsa"
    ? algId(RSA_WITH[hash.name], true)
    : algId(ECDSA_WITH[hash.name], false);
  const digestAlg = algId(hash.oid, true);
  const attrs = [
    encodeSequence([
      encodeOid(OID_ATTR_CONTENT_TYPE),
      setOf([encodeOid(input.contentType)]),
    ]),
    encodeSequence([
      encodeOid(OID_ATTR_MESSAGE_DIGEST),
      setOf([encodeOctetString(hash.hash(input.content))]),
    ]),
  ];
  const signed = setOf(attrs);
  const signature = sign(key, scheme, signed);
  const signed0 = signed.slice();
  signed0[0] = 0xa0; // [0] IMPLICIT SET OF Attribute
  const signerInfo = encodeSequence([
    encodeUint(1n),
    encodeSequence([input.signer.issuer, encodeSerial(input.signer.serial)]),
    digestAlg,
    signed0,
    sigAlg,
    encodeOctetString(signature),
  ]);
  const signedData = encodeSequence([
    encodeUint(3n),
    setOf([digestAlg]),
    encodeSequence([
      encodeOid(input.contentType),
      encodeContext(0, encodeOctetString(input.content)),
    ]),
    encodeTlv(0xa0, [...input.certificates]),
    setOf([signerInfo]),
  ]);
  return encodeSequence([
    encodeOid(OID_SIGNED_DATA),
    encodeContext(0, signedData),
  ]);
}

/**
 * Wraps `content` into a DER ContentInfo of a SignedData without a signer: version 3,
 * no digest algorithms, no certificates, an empty set of SignerInfos (RFC 5652
 * allows zero signers). Anonymous PKINIT (RFC 8062 section 4.1) sends its AuthPack
 * this way, having no key to sign with.
 */
export function encodeUnsignedData(
  contentType: string,
  content: Uint8Array,
): Uint8Array {
  const signedData = encodeSequence([
    encodeUint(3n),
    encodeTlv(0x31, []),
    encodeSequence([
      encodeOid(contentType),
      encodeContext(0, encodeOctetString(content)),
    ]),
    encodeTlv(0x31, []),
  ]);
  return encodeSequence([
    encodeOid(OID_SIGNED_DATA),
    encodeContext(0, signedData),
  ]);
}

/** The single value of an Attribute's SET at `set`; throws when not exactly one. */
function singleValue(t: DerTree, set: number, what: string): number {
  t.expect(set, 0x31, what);
  const v = t.children(set);
  if (v.length !== 1) throw new DerError(`Cannot decode ${what}: one value`);
  return v[0];
}

/** Reads one SignerInfo at `i` (throws `DerError` when malformed). */
function signerInfoAt(t: DerTree, i: number): SignedDataMessage["signer"] {
  const f = t.children(t.expect(i, TAG_SEQUENCE, "SignerInfo"));
  if (f.length < 6 || f.length > 7) {
    throw new DerError("Cannot decode SignerInfo: fields");
  }
  const version = smallUint(t, f[0], "SignerInfo version");
  let issuer: Uint8Array | null = null;
  let serial: Uint8Array | null = null;
  let keyId: Uint8Array | null = null;
  if (version === 1) {
    const ias = t.children(t.expect(f[1], TAG_SEQUENCE, "issuerAndSerial"));
    if (ias.length !== 2) throw new DerError("Cannot decode issuerAndSerial");
    t.expect(ias[0], TAG_SEQUENCE, "issuer");
    issuer = t.raw(ias[0]);
    serial = serialBytes(t, ias[1], "serialNumber");
  } else if (version === 3) {
    keyId = t.content(t.expect(f[1], 0x80, "subjectKeyIdentifier"));
  } else throw new DerError("Cannot decode SignerInfo: version");
  const d = algorithmId(t, f[2], "digestAlgorithm");
  const digest = hashByOid(d.oid);
  if (!digest || !absentOrNull(t, d.params)) {
    throw new DerError("Cannot decode SignerInfo: unsupported digest");
  }
  t.expect(f[3], 0xa0, "signedAttrs");
  let attrContentType: string | null = null;
  let attrDigest: Uint8Array | null = null;
  const seen = new Set<string>();
  for (const a of t.children(f[3])) {
    const af = t.children(t.expect(a, TAG_SEQUENCE, "Attribute"));
    if (af.length !== 2) throw new DerError("Cannot decode Attribute");
    const type = t.oid(af[0], "attrType");
    if (seen.has(type)) {
      throw new DerError("Cannot decode: duplicate attribute");
    }
    seen.add(type);
    if (type === OID_ATTR_CONTENT_TYPE) {
      attrContentType = t.oid(singleValue(t, af[1], "contentType"));
    } else if (type === OID_ATTR_MESSAGE_DIGEST) {
      attrDigest = t.octetString(singleValue(t, af[1], "messageDigest"));
    } else t.expect(af[1], 0x31, "attrValues");
  }
  if (attrContentType === null || attrDigest === null) {
    throw new DerError("Cannot decode SignerInfo: missing signed attributes");
  }
  const signedAttrs = t.raw(f[3]).slice();
  signedAttrs[0] = 0x31;
  const s = algorithmId(t, f[4], "signatureAlgorithm");
  const signature = t.octetString(f[5], "signature");
  if (f.length === 7) t.expect(f[6], 0xa1, "unsignedAttrs");
  return {
    issuer,
    serial,
    keyId,
    digest,
    signedAttrs,
    attrContentType,
    attrDigest,
    sigAlg: s.oid,
    sigParams: s.params >= 0 ? t.raw(s.params) : null,
    signature,
  };
}

function parse(t: DerTree): SignedDataMessage | null {
  const ci = t.children(t.expect(0, TAG_SEQUENCE, "ContentInfo"));
  if (ci.length !== 2 || t.oid(ci[0], "contentType") !== OID_SIGNED_DATA) {
    return null;
  }
  const sd = t.explicit(t.expect(ci[1], 0xa0, "content"), "content");
  const f = t.children(t.expect(sd, TAG_SEQUENCE, "SignedData"));
  if (f.length < 4) return null;
  const version = smallUint(t, f[0], "SignedData version");
  if (version < 1 || version > 5) return null;
  t.expect(f[1], 0x31, "digestAlgorithms");
  const eci = t.children(t.expect(f[2], TAG_SEQUENCE, "encapContentInfo"));
  if (eci.length !== 2) return null; // detached content is not PKINIT's
  const contentType = t.oid(eci[0], "eContentType");
  const eContent = t.explicit(t.expect(eci[1], 0xa0, "eContent"), "eContent");
  const content = t.content(t.expect(eContent, TAG_OCTET_STRING, "eContent"));
  let k = 3;
  const certificates: Certificate[] = [];
  if (t.tag(f[k]) === 0xa0) {
    const list = t.children(f[k++]);
    if (list.length > MAX_CERTIFICATES) return null;
    for (const c of list) {
      if (t.tag(c) !== TAG_SEQUENCE) continue; // other certificate formats
      const cert = parseCertificate(t.raw(c).slice());
      if (cert) certificates.push(cert);
    }
  }
  if (k < f.length && t.tag(f[k]) === 0xa1) k++; // crls: not used
  if (k !== f.length - 1) return null;
  const infos = t.children(t.expect(f[k], 0x31, "signerInfos"));
  if (infos.length !== 1) return null;
  return {
    contentType,
    content,
    certificates,
    signer: signerInfoAt(t, infos[0]),
  };
}

/**
 * Parses a DER ContentInfo holding a SignedData with encapsulated content and exactly
 * one SignerInfo carrying contentType and messageDigest signed attributes (RFC 5652
 * requires them for content types other than id-data). Null when malformed or of
 * another shape; never throws on bad input.
 */
export function parseSignedData(der: Uint8Array): SignedDataMessage | null {
  if (!(der instanceof Uint8Array)) return null;
  const t = tryScan(der);
  if (!t) return null;
  try {
    return parse(t);
  } catch (e) {
    if (e instanceof DerError) return null;
    throw e;
  }
}

/** True when `cert` is the one the SignerInfo names. */
function namesSigner(
  cert: Certificate,
  s: SignedDataMessage["signer"],
): boolean {
  if (s.issuer && s.serial) {
    return bytesEqual(cert.issuer, s.issuer) &&
      bytesEqual(cert.serial, s.serial);
  }
  // A subject key identifier (version 3) is read but not matched: PKINIT KDCs
  // (MIT, Heimdal, Windows) name their signer by issuer and serial number.
  return false;
}

/**
 * Verifies the SignerInfo of `msg`: the signer certificate is among its certificates,
 * the contentType attribute matches eContentType, messageDigest matches the content
 * under the digest algorithm, and the signature over the signed attributes verifies
 * with the certificate's key (sha256/384/512WithRSAEncryption, rsaEncryption with the
 * digest's hash, RSASSA-PSS, ecdsa-with-SHA256/384/512). Returns the signer's
 * certificate, or null. The certificate chain is the caller's to check.
 */
export function verifySignedDataSigner(
  msg: SignedDataMessage,
): Certificate | null {
  const s = msg.signer;
  if (s.attrContentType !== msg.contentType) return null;
  if (!bytesEqual(s.digest.hash(msg.content), s.attrDigest)) return null;
  const cert = msg.certificates.find((c) => namesSigner(c, s));
  if (!cert) return null;
  let oid = s.sigAlg;
  let params = s.sigParams;
  if (oid === OID_RSA_ENCRYPTION) {
    oid = RSA_WITH[s.digest.name];
    if (!oid || !(params === null || isNull(params))) return null;
    params = null;
  }
  return verifySignedData(
      oid,
      params,
      s.signedAttrs,
      s.signature,
      cert.publicKey,
    )
    ? cert
    : null;
}

function isNull(b: Uint8Array): boolean {
  return b.length === 2 && b[0] === 5 && b[1] === 0;
}
