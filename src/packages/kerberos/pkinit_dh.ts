/**
 * The key agreement of PKINIT's Diffie-Hellman exchange (RFC 4556 3.2.3.1) and the
 * derivation of the AS reply key from its shared secret: finite-field DH in the
 * 2048-bit MODP group 14 (RFC 3526; what MIT krb5, Heimdal and Windows accept by
 * default, as MIT 1.20 has no elliptic-curve PKINIT), RFC 4556's `octetstring2key`
 * (SHA-1 in counter mode), and RFC 8636's key derivation functions (SP 800-56A
 * single-step KDF over SHA-1/256/512 with the principals, the enctype, the AS-REQ
 * and the PA-PK-AS-REP in its OtherInfo).
 *
 * Security notes: the exponentiation is JS `BigInt` and not constant-time; the
 * private exponent is fresh for every AS-REQ (512 bits, twice the group's strength
 * and more) and forgotten afterwards. The KDC's public value is checked to lie in
 * the prime-order subgroup before use.
 *
 * @module
 */
import {
  encodeContext,
  encodeGeneralString,
  encodeOctetString,
  encodeOid,
  encodeSequence,
} from "../../der/mod.ts";
import { encodeBitString } from "../../der/encode.ts";
import { sha1 } from "../../crypto/mod.ts";
import { randomBytesOf } from "../../crypto/_random.ts";
import { encodeUint } from "../../pki/asn1.ts";
import { bigIntToBytes, bytesToBigInt, modPow } from "../../pki/bigint.ts";
import { HASHES } from "../../pki/hash.ts";
import { type KerberosKey, keySize } from "./crypto.ts";
import { encodePrincipalName, type PrincipalName } from "./messages.ts";

/** dhpublicnumber (ANSI X9.42), the SubjectPublicKeyInfo algorithm of a DH key. */
export const OID_DH_PUBLIC_NUMBER = "1.2.840.10046.2.1";
/** id-pkinit-kdf-ah-sha1 (RFC 8636). */
export const OID_KDF_SHA1 = "1.3.6.1.5.2.3.6.1";
/** id-pkinit-kdf-ah-sha256 (RFC 8636). */
export const OID_KDF_SHA256 = "1.3.6.1.5.2.3.6.2";
/** id-pkinit-kdf-ah-sha512 (RFC 8636). */
export const OID_KDF_SHA512 = "1.3.6.1.5.2.3.6.3";
/** id-pkinit-kdf-ah-sha384 (RFC 8636). */
export const OID_KDF_SHA384 = "1.3.6.1.5.2.3.6.4";

/** The KDFs offered in supportedKDFs, preferred first (MIT's order, SHA-384 added). */
export const SUPPORTED_KDFS: readonly string[] = Object.freeze([
  OID_KDF_SHA256,
  OID_KDF_SHA384,
  OID_KDF_SHA512,
  OID_KDF_SHA1,
]);

/** The 2048-bit MODP group's prime (RFC 3526 section 3). */
export const MODP14_P = BigInt(
  "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B" +
    "22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7E" +
    "C6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B" +
    "3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552" +
    "BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86" +
    "039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA05" +
    "1015728E5A8AACAA68FFFFFFFFFFFFFFFF",
);
/** The generator, 2. */
const G = 2n;
/** The order of the subgroup g generates: (p - 1) / 2 (p is a safe prime). */
const Q = (MODP14_P - 1n) / 2n;
/** The byte length of p, and so of the shared secret. */
export const MODP14_BYTES = 256;
/** Bits of the private exponent. */
const EXPONENT_BITS = 512;

/** An ephemeral DH key pair; `dispose` forgets the private exponent. */
export interface DhKeyPair {
  /** The SubjectPublicKeyInfo DER of the public value (AuthPack clientPublicValue). */
  readonly spki: Uint8Array;
  /**
   * The shared secret with the KDC's public value (the DER INTEGER that
   * KDCDHKeyInfo's subjectPublicKey BIT STRING holds), left-padded to the size of p
   * as RFC 2631 2.1.2 says; null when the value is malformed or outside the group.
   */
  agree(peerIntegerDer: Uint8Array): Uint8Array | null;
  /** Forgets the private exponent. */
  dispose(): void;
}

/** The SubjectPublicKeyInfo of a group 14 public value `y` (X9.42 DomainParameters). */
function dhSpki(y: bigint): Uint8Array {
  return encodeSequence([
    encodeSequence([
      encodeOid(OID_DH_PUBLIC_NUMBER),
      encodeSequence([encodeUint(MODP14_P), encodeUint(G), encodeUint(Q)]),
    ]),
    encodeBitString(encodeUint(y)),
  ]);
}

/** The value of a DER INTEGER that is positive and at most `maxBytes` long, or null. */
function positiveInteger(der: Uint8Array, maxBytes: number): bigint | null {
  if (der.length < 3 || der[0] !== 0x02) return null;
  let len = der[1];
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 2 || der.length < 2 + n) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[2 + i];
    off = 2 + n;
    if (len < 128 || (n === 2 && len < 256)) return null; // non-minimal length
  }
  if (off + len !== der.length || len === 0 || len > maxBytes + 1) return null;
  const c = der.subarray(off);
  if (c[0] & 0x80) return null;
  if (c.length > 1 && c[0] === 0 && !(c[1] & 0x80)) return null;
  return bytesToBigInt(c);
}

/** A fresh group 14 key pair. */
export function generateDhKeyPair(): DhKeyPair {
  const xb = randomBytesOf(EXPONENT_BITS / 8);
  let x: bigint | null = bytesToBigInt(xb) | (1n << BigInt(EXPONENT_BITS - 1));
  xb.fill(0);
  const y = modPow(G, x, MODP14_P);
  return {
    spki: dhSpki(y),
    agree(peer: Uint8Array): Uint8Array | null {
      if (x === null) throw new TypeError("the DH key pair was disposed of");
      const v = positiveInteger(peer, MODP14_BYTES);
      if (v === null || v <= 1n || v >= MODP14_P - 1n) return null;
      if (modPow(v, Q, MODP14_P) !== 1n) return null; // not in the subgroup
      return bigIntToBytes(modPow(v, x, MODP14_P), MODP14_BYTES);
    },
    dispose() {
      x = null;
    },
  };
}

/**
 * RFC 4556 3.2.3.1 `octetstring2key(x)` for `etype`: the first key-size bytes of
 * SHA1(0x00 | x) || SHA1(0x01 | x) || ..., through random-to-key (the identity for
 * the AES and RC4 enctypes), where x is the shared secret followed by the client's
 * and the KDC's DH nonces when they were sent.
 */
export function octetString2Key(etype: number, x: Uint8Array): KerberosKey {
  const size = keySize(etype);
  const out = new Uint8Array(size + 20);
  const buf = new Uint8Array(1 + x.length);
  buf.set(x, 1);
  for (let i = 0, off = 0; off < size; i++, off += 20) {
    buf[0] = i;
    out.set(sha1(buf), off);
  }
  buf.fill(0);
  const bytes = out.slice(0, size);
  out.fill(0);
  return { etype, bytes };
}

/** The DER of a KRB5PrincipalName (RFC 4556 3.2.2): realm and name. */
export function encodeKrb5PrincipalName(
  name: PrincipalName,
  realm: string,
): Uint8Array {
  return encodeSequence([
    encodeContext(0, encodeGeneralString(realm)),
    encodeContext(1, encodePrincipalName(name)),
  ]);
}

/** What RFC 8636's KDF binds into the reply key. */
export interface KdfInput {
  /** The KDF named by the KDC (`OID_KDF_*`). */
  kdf: string;
  /** The DH shared secret (Z). */
  secret: Uint8Array;
  /** The client's name and realm, as in the AS-REQ. */
  client: { name: PrincipalName; realm: string };
  /** The TGS's name and realm, as in the AS-REQ (`krbtgt/REALM@REALM`). */
  server: { name: PrincipalName; realm: string };
  /** The enctype of the reply key (the AS-REP enc-part's). */
  etype: number;
  /** The DER of the whole AS-REQ that carried the PA-PK-AS-REQ. */
  asReq: Uint8Array;
  /** The DER of the PA-PK-AS-REP (its padata-value). */
  pkAsRep: Uint8Array;
}

/** The hash of a KDF OID, or undefined for one not supported. */
function kdfHash(
  oid: string,
): ((d: Uint8Array) => Uint8Array) | undefined {
  switch (oid) {
    case OID_KDF_SHA1:
      return (d) => sha1(d);
    case OID_KDF_SHA256:
      return HASHES["SHA-256"].hash;
    case OID_KDF_SHA384:
      return HASHES["SHA-384"].hash;
    case OID_KDF_SHA512:
      return HASHES["SHA-512"].hash;
  }
  return undefined;
}

/** True when RFC 8636 KDF `oid` is one this module implements. */
export function isSupportedKdf(oid: string): boolean {
  return kdfHash(oid) !== undefined;
}

/**
 * RFC 8636 section 8: the reply key from the SP 800-56A single-step KDF, K(i) =
 * H(counter_i || Z || OtherInfo) with a 32-bit big-endian counter from 1, where
 * OtherInfo is SEQUENCE { algorithmID (the KDF's OID, no parameters), partyUInfo [0]
 * (the client's KRB5PrincipalName), partyVInfo [1] (the TGS's), suppPubInfo [2]
 * (PkinitSuppPubInfo: enctype, AS-REQ, PA-PK-AS-REP) }. Throws `TypeError` for a KDF
 * not supported (callers check `isSupportedKdf` first).
 */
export function pkinitKdf(input: KdfInput): KerberosKey {
  const h = kdfHash(input.kdf);
  if (!h) throw new TypeError(`unsupported PKINIT KDF ${input.kdf}`);
  const supp = encodeSequence([
    encodeContext(0, encodeUint(BigInt(input.etype))),
    encodeContext(1, encodeOctetString(input.asReq)),
    encodeContext(2, encodeOctetString(input.pkAsRep)),
  ]);
  const otherInfo = encodeSequence([
    encodeSequence([encodeOid(input.kdf)]),
    encodeContext(
      0,
      encodeOctetString(
        encodeKrb5PrincipalName(input.client.name, input.client.realm),
      ),
    ),
    encodeContext(
      1,
      encodeOctetString(
        encodeKrb5PrincipalName(input.server.name, input.server.realm),
      ),
    ),
    encodeContext(2, encodeOctetString(supp)),
  ]);
  const size = keySize(input.etype);
  const z = input.secret;
  const block = new Uint8Array(4 + z.length + otherInfo.length);
  block.set(z, 4);
  block.set(otherInfo, 4 + z.length);
  const out: number[] = [];
  for (let counter = 1; out.length < size; counter++) {
    new DataView(block.buffer, block.byteOffset, block.byteLength).setUint32(
      0,
      counter,
    );
    const d = h(block);
    out.push(...d);
    d.fill(0);
  }
  block.fill(0);
  const bytes = Uint8Array.from(out.slice(0, size));
  out.fill(0);
  return { etype: input.etype, bytes };
}
