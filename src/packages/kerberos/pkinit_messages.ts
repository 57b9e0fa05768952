/**
 * PKINIT's messages (RFC 4556 section 3.2, with RFC 8636's KDF negotiation): the
 * client's `PA-PK-AS-REQ` and the `AuthPack` it signs (with its `PKAuthenticator`),
 * and the KDC's `PA-PK-AS-REP` (`DHRepInfo`) and the `KDCDHKeyInfo` it signs. Encoders
 * take trusted values; decoders read untrusted bytes and throw `DerError` only, which
 * callers turn into status codes.
 *
 * @module
 */
import {
  DerError,
  encodeContext,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeTlv,
  scanDer,
  TAG_SEQUENCE,
} from "../../der/mod.ts";
import { derBytes } from "../../der/encode.ts";
import {
  encodeKerberosTime,
  encodeMicroseconds,
  encodeUInt32,
  fields,
  kerberosTime,
  need,
  scanSequence,
  uint32,
} from "./asn1.ts";

/** id-pkinit-authData: the eContentType of the signed AuthPack. */
export const OID_PKINIT_AUTH_DATA = "1.3.6.1.5.2.3.1";
/** id-pkinit-DHKeyData: the eContentType of the KDC's signed KDCDHKeyInfo. */
export const OID_PKINIT_DH_KEY_DATA = "1.3.6.1.5.2.3.2";
/** id-pkinit-KPClientAuth: the EKU of PKINIT client certificates. */
export const OID_PKINIT_KP_CLIENT_AUTH = "1.3.6.1.5.2.3.4";
/** id-pkinit-KPKdc: the EKU of KDC certificates. */
export const OID_PKINIT_KP_KDC = "1.3.6.1.5.2.3.5";
/** id-pkinit-san: the otherName SAN holding a KRB5PrincipalName. */
export const OID_PKINIT_SAN = "1.3.6.1.5.2.2";
/** Microsoft's smart card logon EKU (szOID_KP_SMARTCARD_LOGON), MS-PKCA. */
export const OID_MS_KP_SMARTCARD_LOGON = "1.3.6.1.4.1.311.20.2.2";
/** Microsoft's UPN otherName SAN (szOID_NT_PRINCIPAL_NAME). */
export const OID_MS_UPN_SAN = "1.3.6.1.4.1.311.20.2.3";

/** PA-AS-FRESHNESS (RFC 8070): empty from the client, a token from the KDC. */
export const PA_AS_FRESHNESS = 150;

/** KDC_ERR_CLIENT_NOT_TRUSTED (RFC 4556). */
export const KDC_ERR_CLIENT_NOT_TRUSTED = 62;
/** KDC_ERR_KDC_NOT_TRUSTED. */
export const KDC_ERR_KDC_NOT_TRUSTED = 63;
/** KDC_ERR_INVALID_SIG. */
export const KDC_ERR_INVALID_SIG = 64;
/** KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED. */
export const KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED = 65;
/** KDC_ERR_CANT_VERIFY_CERTIFICATE. */
export const KDC_ERR_CANT_VERIFY_CERTIFICATE = 70;
/** KDC_ERR_INVALID_CERTIFICATE. */
export const KDC_ERR_INVALID_CERTIFICATE = 71;
/** KDC_ERR_REVOKED_CERTIFICATE. */
export const KDC_ERR_REVOKED_CERTIFICATE = 72;
/** KDC_ERR_REVOCATION_STATUS_UNKNOWN. */
export const KDC_ERR_REVOCATION_STATUS_UNKNOWN = 73;
/** KDC_ERR_REVOCATION_STATUS_UNAVAILABLE. */
export const KDC_ERR_REVOCATION_STATUS_UNAVAILABLE = 74;
/** KDC_ERR_CLIENT_NAME_MISMATCH. */
export const KDC_ERR_CLIENT_NAME_MISMATCH = 75;
/** KDC_ERR_KDC_NAME_MISMATCH. */
export const KDC_ERR_KDC_NAME_MISMATCH = 76;
/** KDC_ERR_INCONSISTENT_KEY_PURPOSE. */
export const KDC_ERR_INCONSISTENT_KEY_PURPOSE = 77;
/** KDC_ERR_DIGEST_IN_CERT_NOT_ACCEPTED. */
export const KDC_ERR_DIGEST_IN_CERT_NOT_ACCEPTED = 78;
/** KDC_ERR_PA_CHECKSUM_MUST_BE_INCLUDED. */
export const KDC_ERR_PA_CHECKSUM_MUST_BE_INCLUDED = 79;
/** KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED. */
export const KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED = 80;
/** KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED. */
export const KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED = 81;
/** KDC_ERR_NO_ACCEPTABLE_KDF (RFC 8636). */
export const KDC_ERR_NO_ACCEPTABLE_KDF = 100;

/** CMS signature algorithms the client verifies (AuthPack supportedCMSTypes). */
export const SUPPORTED_CMS_TYPES: readonly Uint8Array[] = [
  // sha256WithRSAEncryption, sha384WithRSAEncryption, sha512WithRSAEncryption (NULL)
  hex("300d06092a864886f70d01010b0500"),
  hex("300d06092a864886f70d01010c0500"),
  hex("300d06092a864886f70d01010d0500"),
  // ecdsa-with-SHA256, ecdsa-with-SHA384
  hex("300a06082a8648ce3d040302"),
  hex("300a06082a8648ce3d040303"),
];

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));
}

/** PKAuthenticator (RFC 4556 3.2.1). */
export interface PkAuthenticator {
  /** Microseconds of the client's time. */
  cusec: number;
  /** The client's time (whole seconds). */
  ctime: Date;
  /** The nonce (the AS-REQ's, which MIT's KDC echoes in KDCDHKeyInfo). */
  nonce: number;
  /** SHA-1 of the DER KDC-REQ-BODY. */
  paChecksum: Uint8Array;
  /** RFC 8070 freshness token, when the KDC gave one. */
  freshnessToken?: Uint8Array;
}

/** AuthPack (RFC 4556 3.2.1, RFC 8636 supportedKDFs). */
export interface AuthPack {
  /** The authenticator. */
  pkAuthenticator: PkAuthenticator;
  /** The DER SubjectPublicKeyInfo of the client's ephemeral DH key. */
  clientPublicValue: Uint8Array;
  /** DER AlgorithmIdentifiers of the CMS algorithms the client supports. */
  supportedCMSTypes: readonly Uint8Array[];
  /** The KDF OIDs the client supports, preferred first. */
  supportedKDFs: readonly string[];
}

/** Encodes an AuthPack (EXPLICIT tags, as RFC 4556's ASN.1 module). */
export function encodeAuthPack(a: AuthPack): Uint8Array {
  const p = a.pkAuthenticator;
  const authenticator = encodeSequence([
    encodeContext(0, derBytes(encodeMicroseconds(p.cusec))),
    encodeContext(1, encodeKerberosTime(p.ctime)),
    encodeContext(2, encodeUInt32(p.nonce)),
    encodeContext(3, encodeOctetString(p.paChecksum)),
    ...(p.freshnessToken
      ? [encodeContext(4, encodeOctetString(p.freshnessToken))]
      : []),
  ]);
  return encodeSequence([
    encodeContext(0, authenticator),
    encodeContext(1, a.clientPublicValue),
    encodeContext(2, encodeSequence([...a.supportedCMSTypes])),
    encodeContext(
      4,
      encodeSequence(
        a.supportedKDFs.map((o) =>
          encodeSequence([encodeContext(0, encodeOid(o))])
        ),
      ),
    ),
  ]);
}

/** Encodes a PA-PK-AS-REQ around the DER ContentInfo of the signed AuthPack. */
export function encodePaPkAsReq(signedAuthPack: Uint8Array): Uint8Array {
  return encodeSequence([encodeTlv(0x80, signedAuthPack)]);
}

/** The DHRepInfo of a PA-PK-AS-REP (views into the input). */
export interface DhRepInfo {
  /** The DER ContentInfo of the KDC's SignedData over KDCDHKeyInfo. */
  dhSignedData: Uint8Array;
  /** serverDHNonce, when the KDC sent one. */
  serverDHNonce?: Uint8Array;
  /** The KDF the KDC chose (RFC 8636), or undefined for octetstring2key. */
  kdf?: string;
}

/**
 * Decodes a PA-PK-AS-REP. Only the Diffie-Hellman choice (`dhInfo [0]`) is accepted:
 * the client always sends a DH public value, so `encKeyPack` (RSA key transport) is
 * not an answer to its request; that, or anything malformed, throws `DerError`.
 */
export function decodePaPkAsRep(bytes: Uint8Array): DhRepInfo {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new DerError("Cannot decode PA-PK-AS-REP: empty");
  }
  if (bytes[0] !== 0xa0) {
    throw new DerError("Cannot decode PA-PK-AS-REP: not a dhInfo");
  }
  const t = scanDer(bytes);
  const seq = t.explicit(0, "PA-PK-AS-REP");
  t.expect(seq, TAG_SEQUENCE, "DHRepInfo");
  let dhSignedData: Uint8Array | undefined;
  let serverDHNonce: Uint8Array | undefined;
  let kdf: string | undefined;
  let last = -1;
  for (const c of t.children(seq)) {
    const tag = t.tag(c);
    const n = tag & 0x1f;
    if (n <= last || (tag & 0xc0) !== 0x80 || n === 0x1f || tag > 0xff) {
      throw new DerError("Cannot decode DHRepInfo: field order");
    }
    last = n;
    if (n === 0) {
      if (tag !== 0x80) throw new DerError("Cannot decode dhSignedData");
      dhSignedData = t.content(c);
    } else if (n === 1) {
      serverDHNonce = t.octetString(t.explicit(c, "serverDHNonce"));
    } else if (n === 2) {
      const f = fields(t, t.explicit(c, "kdf"), "KDFAlgorithmId");
      kdf = t.oid(need(f, 0, "kdf-id"), "kdf-id");
    } else if ((tag & 0x20) === 0) {
      throw new DerError("Cannot decode DHRepInfo: unknown field");
    }
  }
  if (!dhSignedData || dhSignedData.length === 0) {
    throw new DerError("Cannot decode DHRepInfo: no dhSignedData");
  }
  return { dhSignedData, serverDHNonce, kdf };
}

/** KDCDHKeyInfo (RFC 4556 3.2.3.1). */
export interface KdcDhKeyInfo {
  /** The DER INTEGER of the KDC's public value (the BIT STRING's contents). */
  subjectPublicKey: Uint8Array;
  /** The nonce of the request (MIT echoes the AS-REQ's, RFC 4556 the authenticator's). */
  nonce: number;
  /** When the KDC's DH key expires, if it reuses it. */
  dhKeyExpiration?: Date;
}

/** Decodes a KDCDHKeyInfo; throws `DerError` when malformed. */
export function decodeKdcDhKeyInfo(bytes: Uint8Array): KdcDhKeyInfo {
  const t = scanSequence(bytes, "KDCDHKeyInfo");
  const f = fields(t, 0, "KDCDHKeyInfo");
  const { bytes: key, unusedBits } = t.bitString(
    need(f, 0, "subjectPublicKey"),
    "subjectPublicKey",
  );
  if (unusedBits !== 0) {
    throw new DerError("Cannot decode subjectPublicKey: unused bits");
  }
  const nonce = uint32(t, need(f, 1, "nonce"), "nonce");
  const dhKeyExpiration = f[2] >= 0
    ? kerberosTime(t, f[2], "dhKeyExpiration")
    : undefined;
  return { subjectPublicKey: key, nonce, dhKeyExpiration };
}
