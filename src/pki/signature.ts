/**
 * Signatures by TLS 1.3 SignatureScheme (RFC 8446 4.2.3) and X.509 certificate
 * signatures (RFC 4055, RFC 5758): RSASSA-PKCS1-v1_5, RSASSA-PSS (rsae) and ECDSA on
 * P-256/P-384 with SHA-256/384/512.
 *
 * @module
 */
import { DerError, TAG_SEQUENCE } from "../der/mod.ts";
import { absentOrNull, algorithmId, smallUint, tryScan } from "./asn1.ts";
import type { Certificate } from "./cert.ts";
import { curveByName, ecdsaSign, ecdsaVerify } from "./ec.ts";
import { type HashAlg, hashByOid, HASHES, LEGACY_TLS_HASHES } from "./hash.ts";
import type { PrivateKey, PublicKey } from "./keys.ts";
import {
  rsaByteLength,
  rsaSignPkcs1,
  rsaSignPss,
  rsaVerifyPkcs1,
  rsaVerifyPss,
} from "./rsa.ts";

/** rsa_pkcs1_sha256. */
export const RSA_PKCS1_SHA256 = 0x0401;
/** rsa_pkcs1_sha384. */
export const RSA_PKCS1_SHA384 = 0x0501;
/** rsa_pkcs1_sha512. */
export const RSA_PKCS1_SHA512 = 0x0601;
/** ecdsa_secp256r1_sha256. */
export const ECDSA_SECP256R1_SHA256 = 0x0403;
/** ecdsa_secp384r1_sha384. */
export const ECDSA_SECP384R1_SHA384 = 0x0503;
/** rsa_pss_rsae_sha256. */
export const RSA_PSS_RSAE_SHA256 = 0x0804;
/** rsa_pss_rsae_sha384. */
export const RSA_PSS_RSAE_SHA384 = 0x0805;
/** rsa_pss_rsae_sha512. */
export const RSA_PSS_RSAE_SHA512 = 0x0806;

/** What a scheme means. */
interface SchemeInfo {
  kind: "pkcs1" | "pss" | "ecdsa";
  hash: HashAlg;
  curve?: "P-256" | "P-384";
}

const SCHEMES = new Map<number, SchemeInfo>([
  [RSA_PSS_RSAE_SHA256, { kind: "pss", hash: HASHES["SHA-256"] }],
  [RSA_PSS_RSAE_SHA384, { kind: "pss", hash: HASHES["SHA-384"] }],
  [RSA_PSS_RSAE_SHA512, { kind: "pss", hash: HASHES["SHA-512"] }],
  [RSA_PKCS1_SHA256, { kind: "pkcs1", hash: HASHES["SHA-256"] }],
  [RSA_PKCS1_SHA384, { kind: "pkcs1", hash: HASHES["SHA-384"] }],
  [RSA_PKCS1_SHA512, { kind: "pkcs1", hash: HASHES["SHA-512"] }],
  [ECDSA_SECP256R1_SHA256, {
    kind: "ecdsa",
    hash: HASHES["SHA-256"],
    curve: "P-256",
  }],
  [ECDSA_SECP384R1_SHA384, {
    kind: "ecdsa",
    hash: HASHES["SHA-384"],
    curve: "P-384",
  }],
]);

/** Every scheme this module verifies and signs, in preference order. */
export const SUPPORTED_SIGNATURE_SCHEMES: readonly number[] = Object.freeze([
  ...SCHEMES.keys(),
]);

/** True when an RSA key of `bits` bits can sign with `info` (long enough modulus). */
function rsaFits(bits: number, info: SchemeInfo): boolean {
  const k = Math.ceil(bits / 8);
  return info.kind === "pss"
    ? Math.ceil((bits - 1) / 8) >= 2 * info.hash.size + 2
    : k >= info.hash.digestInfo.length + info.hash.size + 11;
}

/**
 * The TLS schemes this key can sign with, preferred first (RSA: PSS then PKCS#1, by
 * hash strength order SHA-256, 384, 512; EC: the one scheme of its curve).
 */
export function signatureSchemes(key: PrivateKey | PublicKey): number[] {
  const out: number[] = [];
  for (const [code, info] of SCHEMES) {
    if (
      key.kind === "rsa" && info.kind !== "ecdsa" && rsaFits(key.bits, info)
    ) {
      out.push(code);
    } else if (key.kind === "ec" && info.curve === key.curve) out.push(code);
  }
  return out;
}

/** Verification of `sig` with `key` by algorithm pieces; false on any problem. */
function verifyWith(
  key: PublicKey,
  kind: SchemeInfo["kind"],
  hash: HashAlg,
  data: Uint8Array,
  sig: Uint8Array,
  saltLen = hash.size,
): boolean {
  if (kind === "ecdsa") {
    const c = key.kind === "ec" ? curveByName(key.curve) : undefined;
    return c !== undefined && key.kind === "ec" &&
      ecdsaVerify(c, key, hash, data, sig);
  }
  if (key.kind !== "rsa") return false;
  return kind === "pss"
    ? rsaVerifyPss(key, hash, data, sig, saltLen)
    : rsaVerifyPkcs1(key, hash, data, sig);
}

/**
 * Verifies a TLS signature (for ECDSA a DER ECDSA-Sig-Value) over `data` (hashed
 * inside) with `scheme`; ECDSA schemes also require the key's curve. PSS requires a
 * salt as long as the hash (RFC 8446 4.2.3). Never throws on bad input.
 */
export function verifySignature(
  key: PublicKey,
  scheme: number,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const info = SCHEMES.get(scheme);
  if (!info || !key || !(data instanceof Uint8Array)) return false;
  if (!(signature instanceof Uint8Array)) return false;
  if (info.curve && (key.kind !== "ec" || key.curve !== info.curve)) {
    return false;
  }
  try {
    return verifyWith(key, info.kind, info.hash, data, signature);
  } catch {
    return false;
  }
}

/**
 * Signs `data` with `scheme`: RSA-PSS with salt length = hash length and MGF1 with the
 * same hash; PKCS#1 v1.5; ECDSA (DER output) with an RFC 6979 nonce hedged with fresh
 * randomness. Throws `RangeError` when the scheme does not fit the key.
 */
export function sign(
  key: PrivateKey,
  scheme: number,
  data: Uint8Array,
): Uint8Array {
  const info = SCHEMES.get(scheme);
  if (!info || !signatureSchemes(key).includes(scheme)) {
    throw new RangeError(
      `signature scheme 0x${scheme.toString(16)} does not fit the key`,
    );
  }
  if (key.kind === "ec") {
    return ecdsaSign(curveByName(key.curve)!, key.d, info.hash, data);
  }
  return info.kind === "pss"
    ? rsaSignPss(key, info.hash, data)
    : rsaSignPkcs1(key, info.hash, data);
}

/**
 * Verifies a TLS 1.0/1.1 signature (no SignatureAndHashAlgorithm, RFC 2246 7.4.3,
 * RFC 4492 5.4): RSA PKCS#1 v1.5 over MD5 and SHA-1 of `data` with no DigestInfo,
 * or ECDSA (P-256, P-384) over SHA-1. Never throws on bad input.
 */
export function verifyLegacySignature(
  key: PublicKey,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!key || !(data instanceof Uint8Array)) return false;
  if (!(signature instanceof Uint8Array)) return false;
  try {
    return key.kind === "rsa"
      ? rsaVerifyPkcs1(key, LEGACY_TLS_HASHES["MD5+SHA-1"], data, signature)
      : verifyWith(key, "ecdsa", LEGACY_TLS_HASHES["SHA-1"], data, signature);
  } catch {
    return false;
  }
}

/** Signs `data` as TLS 1.0/1.1 do (see {@link verifyLegacySignature}). */
export function signLegacy(key: PrivateKey, data: Uint8Array): Uint8Array {
  if (key.kind === "ec") {
    return ecdsaSign(
      curveByName(key.curve)!,
      key.d,
      LEGACY_TLS_HASHES["SHA-1"],
      data,
    );
  }
  return rsaSignPkcs1(key, LEGACY_TLS_HASHES["MD5+SHA-1"], data);
}

/** sha256/384/512WithRSAEncryption. */
const RSA_PKCS1_OIDS: Record<string, HashAlg> = {
  "1.2.840.113549.1.1.11": HASHES["SHA-256"],
  "1.2.840.113549.1.1.12": HASHES["SHA-384"],
  "1.2.840.113549.1.1.13": HASHES["SHA-512"],
};
/** ecdsa-with-SHA256/384/512. */
const ECDSA_OIDS: Record<string, HashAlg> = {
  "1.2.840.10045.4.3.2": HASHES["SHA-256"],
  "1.2.840.10045.4.3.3": HASHES["SHA-384"],
  "1.2.840.10045.4.3.4": HASHES["SHA-512"],
};
/** id-RSASSA-PSS. */
export const OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
const OID_MGF1 = "1.2.840.113549.1.1.8";

/**
 * RSASSA-PSS-params (RFC 4055 3.1) with SHA-256/384/512 and MGF1 over the same hash;
 * null for the SHA-1 defaults, other hashes or malformed parameters.
 */
export function parsePssParams(
  params: Uint8Array,
): { hash: HashAlg; saltLen: number } | null {
  const t = tryScan(params);
  if (!t) return null;
  try {
    let hash: HashAlg | undefined, mgfHash: HashAlg | undefined;
    let saltLen = 20, trailer = 1;
    for (
      const f of t.children(t.expect(0, TAG_SEQUENCE, "RSASSA-PSS-params"))
    ) {
      const v = t.explicit(f, "RSASSA-PSS-params field");
      if (t.tag(f) === 0xa0) {
        const a = algorithmId(t, v, "hashAlgorithm");
        if (!absentOrNull(t, a.params)) return null;
        hash = hashByOid(a.oid);
      } else if (t.tag(f) === 0xa1) {
        const a = algorithmId(t, v, "maskGenAlgorithm");
        if (a.oid !== OID_MGF1 || a.params < 0) return null;
        const h = algorithmId(t, a.params, "MGF1 hash");
        if (!absentOrNull(t, h.params)) return null;
        mgfHash = hashByOid(h.oid);
      } else if (t.tag(f) === 0xa2) saltLen = smallUint(t, v, "saltLength");
      else if (t.tag(f) === 0xa3) trailer = smallUint(t, v, "trailerField");
      else return null;
    }
    if (!hash || mgfHash !== hash || trailer !== 1 || saltLen > 1024) {
      return null;
    }
    return { hash, saltLen };
  } catch (e) {
    if (e instanceof DerError) return null;
    throw e;
  }
}

/**
 * Checks a signature over `data` made with the X.509 AlgorithmIdentifier `oid` and
 * `params` (its parameters' DER, or null when absent): sha256/384/512WithRSAEncryption
 * (NULL or absent parameters), RSASSA-PSS with SHA-256/384/512 (MGF1 with the same
 * hash, the declared salt length), ecdsa-with-SHA256/384/512 (no parameters). For
 * signed objects other than certificates: CRLs, OCSP responses. False for other
 * algorithms and on any problem; never throws.
 */
export function verifySignedData(
  oid: string,
  params: Uint8Array | null,
  data: Uint8Array,
  signature: Uint8Array,
  key: PublicKey | null,
): boolean {
  if (!key || !(data instanceof Uint8Array)) return false;
  if (!(signature instanceof Uint8Array)) return false;
  try {
    const nullParams = params === null ||
      (params.length === 2 && params[0] === 5 && params[1] === 0);
    if (RSA_PKCS1_OIDS[oid]) {
      return nullParams &&
        verifyWith(key, "pkcs1", RSA_PKCS1_OIDS[oid], data, signature);
    }
    if (ECDSA_OIDS[oid]) {
      return params === null &&
        verifyWith(key, "ecdsa", ECDSA_OIDS[oid], data, signature);
    }
    if (oid === OID_RSASSA_PSS && params) {
      const p = parsePssParams(params);
      return p !== null &&
        verifyWith(key, "pss", p.hash, data, signature, p.saltLen);
    }
    return false;
  } catch {
    return false;
  }
}

/**
 * Checks that `cert` is signed by `issuerKey`: sha256/384/512WithRSAEncryption,
 * RSASSA-PSS with SHA-256/384/512 (MGF1 with the same hash, the declared salt length),
 * ecdsa-with-SHA256/384/512. False for other algorithms and on any problem.
 */
export function verifyCertificateSignature(
  cert: Certificate,
  issuerKey: PublicKey | null,
): boolean {
  if (!cert || !issuerKey) return false;
  return verifySignedData(
    cert.signatureAlgorithm,
    cert.signatureParams,
    cert.tbs,
    cert.signature,
    issuerKey,
  );
}

/** The byte length of an RSA signature for `key` (the modulus length). */
export function rsaSignatureLength(key: { n: bigint }): number {
  return rsaByteLength(key.n);
}
