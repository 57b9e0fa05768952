/**
 * Public and private keys: SubjectPublicKeyInfo (RFC 5280 4.1.2.7, RFC 3279, RFC 5480),
 * PKCS#8 (RFC 5208), PKCS#1 RSAPrivateKey (RFC 8017 A.1.2) and SEC1 ECPrivateKey
 * (RFC 5915). Parsers return null on malformed or unsupported input and never throw on
 * it.
 *
 * @module
 */
import {
  type DerTree,
  encodeBitString,
  encodeOid,
  encodeSequence,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
} from "../der/mod.ts";
import {
  absentOrNull,
  algorithmId,
  encodeUint,
  smallUint,
  tryScan,
  uint,
} from "./asn1.ts";
import { bitLength } from "./bigint.ts";
import {
  curveByOid,
  decodePoint,
  encodePoint,
  mulBase,
  P256,
  P384,
} from "./ec.ts";
import { parsePem } from "./pem.ts";
import { rsaPrivateOk, rsaPublicOk } from "./rsa.ts";

/** rsaEncryption. */
export const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
/** id-ecPublicKey. */
export const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";

/** A public key: RSA, or ECDSA on P-256 or P-384. */
export type PublicKey =
  | { kind: "rsa"; n: bigint; e: bigint; bits: number }
  | { kind: "ec"; curve: "P-256" | "P-384"; x: bigint; y: bigint };

/** A private key, with what signing needs (RSA CRT values, the EC public point). */
export type PrivateKey =
  | {
    kind: "rsa";
    n: bigint;
    e: bigint;
    d: bigint;
    p: bigint;
    q: bigint;
    dp: bigint;
    dq: bigint;
    qi: bigint;
    bits: number;
  }
  | {
    kind: "ec";
    curve: "P-256" | "P-384";
    d: bigint;
    publicKey: PublicKey & { kind: "ec" };
  };

/** `fn()`, or null when it throws (DerError on malformed input, or anything else). */
function guard<T>(fn: () => T | null): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

/** Runs `fn` on the scanned tree of `der`, null on malformed DER. */
function withTree<T>(der: Uint8Array, fn: (t: DerTree) => T | null): T | null {
  if (!(der instanceof Uint8Array)) return null;
  const t = tryScan(der);
  return t ? guard(() => fn(t)) : null;
}

/** The entries of the SEQUENCE at `i`, or throws. */
function seq(t: DerTree, i: number, what: string): number[] {
  t.expect(i, TAG_SEQUENCE, what);
  return t.children(i);
}

/** An RSA public key from (n, e), or null when outside the accepted sizes. */
export function rsaPublicKey(n: bigint, e: bigint): PublicKey | null {
  return rsaPublicOk(n, e) ? { kind: "rsa", n, e, bits: bitLength(n) } : null;
}

/** The key of an RSAPublicKey (RFC 8017 A.1.1) DER, or null. */
function parseRsaPublicKey(der: Uint8Array): PublicKey | null {
  return withTree(der, (t) => {
    const f = seq(t, 0, "RSAPublicKey");
    if (f.length !== 2) return null;
    return rsaPublicKey(uint(t, f[0], "n", 8192), uint(t, f[1], "e", 64));
  });
}

/**
 * The key of a DER SubjectPublicKeyInfo: rsaEncryption, or id-ecPublicKey on P-256 or
 * P-384 (point checked on the curve); null when malformed or unsupported.
 */
export function parseSubjectPublicKeyInfo(der: Uint8Array): PublicKey | null {
  return withTree(der, (t) => spkiAt(t, 0));
}

/**
 * The subjectPublicKey BIT STRING contents of a DER SubjectPublicKeyInfo, without the
 * unused-bits octet (what OCSP's issuerKeyHash and byKey responder IDs hash), for any
 * key type; null when malformed.
 */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array | null {
  return withTree(spki, (t) => {
    const f = seq(t, 0, "SubjectPublicKeyInfo");
    return f.length === 2 ? t.bitString(f[1], "subjectPublicKey").bytes : null;
  });
}

/** The key of the SubjectPublicKeyInfo at entry `i` of `t`, or null. */
export function spkiAt(t: DerTree, i: number): PublicKey | null {
  const f = seq(t, i, "SubjectPublicKeyInfo");
  if (f.length !== 2) return null;
  const alg = algorithmId(t, f[0], "algorithm");
  const bits = t.bitString(f[1], "subjectPublicKey");
  if (bits.unusedBits !== 0) return null;
  if (alg.oid === OID_RSA_ENCRYPTION) {
    return absentOrNull(t, alg.params) ? parseRsaPublicKey(bits.bytes) : null;
  }
  if (alg.oid === OID_EC_PUBLIC_KEY && alg.params >= 0) {
    const c = curveByOid(t.oid(alg.params, "namedCurve"));
    const pt = c ? decodePoint(c, bits.bytes) : null;
    return c && pt ? { kind: "ec", curve: c.name, x: pt.x, y: pt.y } : null;
  }
  return null;
}

/** The DER SubjectPublicKeyInfo of a key. */
export function encodeSubjectPublicKeyInfo(key: PublicKey): Uint8Array {
  if (key.kind === "rsa") {
    return encodeSequence([
      encodeSequence([encodeOid(OID_RSA_ENCRYPTION), Uint8Array.of(5, 0)]),
      encodeBitString(encodeSequence([encodeUint(key.n), encodeUint(key.e)])),
    ]);
  }
  const c = key.curve === "P-256" ? P256 : P384;
  return encodeSequence([
    encodeSequence([encodeOid(OID_EC_PUBLIC_KEY), encodeOid(c.oid)]),
    encodeBitString(encodePoint(c, key)),
  ]);
}

/** The public half of a private key. */
export function publicKeyOf(key: PrivateKey): PublicKey {
  return key.kind === "rsa"
    ? { kind: "rsa", n: key.n, e: key.e, bits: key.bits }
    : key.publicKey;
}

/** True when `pub` (e.g. `cert.publicKey`) is the public half of `priv`. */
export function publicKeyMatches(
  pub: PublicKey | null | undefined,
  priv: PrivateKey,
): boolean {
  if (!pub) return false;
  if (pub.kind === "rsa") {
    return priv.kind === "rsa" && pub.n === priv.n && pub.e === priv.e;
  }
  return priv.kind === "ec" && pub.curve === priv.curve &&
    pub.x === priv.publicKey.x && pub.y === priv.publicKey.y;
}

/** A PKCS#1 RSAPrivateKey at entry 0 of `t`, or null (checked for consistency). */
function rsaPrivateFrom(t: DerTree): PrivateKey | null {
  const f = seq(t, 0, "RSAPrivateKey");
  if (f.length !== 9 || smallUint(t, f[0], "version") !== 0) return null;
  const [n, e, d, p, q, dp, dq, qi] = f.slice(1).map((i, k) =>
    uint(t, i, "RSAPrivateKey", k === 1 ? 64 : 8192)
  );
  const key = { n, e, d, p, q, dp, dq, qi };
  if (!rsaPrivateOk(key)) return null;
  return { kind: "rsa", ...key, bits: bitLength(n) };
}

/**
 * A SEC1 ECPrivateKey at entry 0 of `t`; `curveOid` from the PKCS#8 algorithm when
 * the key itself omits it. The public point is computed and, when present in the
 * key, must match.
 */
function ecPrivateFrom(t: DerTree, curveOid?: string): PrivateKey | null {
  const f = seq(t, 0, "ECPrivateKey");
  if (f.length < 2 || smallUint(t, f[0], "version") !== 1) return null;
  const dBytes = t.octetString(f[1], "privateKey");
  let oid = curveOid;
  let pubBytes: Uint8Array | null = null;
  for (const i of f.slice(2)) {
    if (t.tag(i) === 0xa0) {
      const named = t.oid(t.explicit(i, "parameters"), "namedCurve");
      if (oid !== undefined && oid !== named) return null;
      oid = named;
    } else if (t.tag(i) === 0xa1) {
      const b = t.bitString(t.explicit(i, "publicKey"), "publicKey");
      if (b.unusedBits !== 0) return null;
      pubBytes = b.bytes;
    } else return null;
  }
  const c = oid ? curveByOid(oid) : undefined;
  if (!c || dBytes.length !== c.size) return null;
  let d = 0n;
  for (const b of dBytes) d = (d << 8n) | BigInt(b);
  if (d < 1n || d >= c.n) return null;
  const pt = mulBase(c, d);
  if (!pt) return null;
  if (pubBytes) {
    const given = decodePoint(c, pubBytes);
    if (!given || given.x !== pt.x || given.y !== pt.y) return null;
  }
  return {
    kind: "ec",
    curve: c.name,
    d,
    publicKey: { kind: "ec", curve: c.name, x: pt.x, y: pt.y },
  };
}

/** A PKCS#8 PrivateKeyInfo (or OneAsymmetricKey) DER, or null. */
function pkcs8From(t: DerTree): PrivateKey | null {
  const f = seq(t, 0, "PrivateKeyInfo");
  if (f.length < 3 || smallUint(t, f[0], "version") > 1) return null;
  const alg = algorithmId(t, f[1], "privateKeyAlgorithm");
  t.expect(f[2], TAG_OCTET_STRING, "privateKey");
  const inner = t.content(f[2]);
  if (alg.oid === OID_RSA_ENCRYPTION && absentOrNull(t, alg.params)) {
    return withTree(inner, rsaPrivateFrom);
  }
  if (alg.oid === OID_EC_PUBLIC_KEY && alg.params >= 0) {
    const oid = t.oid(alg.params, "namedCurve");
    return withTree(inner, (u) => ecPrivateFrom(u, oid));
  }
  return null;
}

/** The structure a DER private key has: tries PKCS#8, then PKCS#1, then SEC1. */
function privateFromDer(der: Uint8Array): PrivateKey | null {
  return withTree(der, (t) => {
    const f = seq(t, 0, "private key");
    if (f.length >= 3 && t.tag(f[1]) === TAG_SEQUENCE) return pkcs8From(t);
    if (f.length === 9) return rsaPrivateFrom(t);
    if (f.length >= 2 && t.tag(f[1]) === TAG_OCTET_STRING) {
      return ecPrivateFrom(t);
    }
    return null;
  });
}

/**
 * A private key from PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1
 * ("EC PRIVATE KEY"), as PEM text (the first such block) or DER; null when malformed,
 * encrypted, inconsistent or unsupported. Never throws on bad input.
 */
export function parsePrivateKey(
  pemOrDer: string | Uint8Array,
): PrivateKey | null {
  if (typeof pemOrDer !== "string") return privateFromDer(pemOrDer);
  for (const label of ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]) {
    const blocks = parsePem(pemOrDer, label);
    if (blocks.length > 0) return privateFromDer(blocks[0]);
  }
  return null;
}
