/**
 * The hashes PKI signatures use (SHA-256 in WebAssembly, SHA-384/512 portable), their
 * PKCS#1 DigestInfo prefixes, and a generic HMAC for RFC 6979 nonces.
 *
 * @module
 */
import { md5, sha1, sha256 } from "../crypto/mod.ts";
import { sha384, sha512 } from "../crypto/_sha512.ts";

/** A hash certificates and TLS 1.2 and 1.3 signatures use. */
export type CertHashName = "SHA-256" | "SHA-384" | "SHA-512";
/** A hash the PKI code can use (the last two for TLS 1.0/1.1 signatures only). */
export type HashName = CertHashName | "SHA-1" | "MD5+SHA-1";

/** A hash function with its sizes and PKCS#1 DigestInfo prefix. */
export interface HashAlg {
  /** The name. */
  readonly name: HashName;
  /** Output length in bytes. */
  readonly size: number;
  /** Block length in bytes (for HMAC). */
  readonly blockSize: number;
  /** The DER DigestInfo header that precedes the digest in EMSA-PKCS1-v1_5. */
  readonly digestInfo: Uint8Array;
  /** The OID of the hash (for RSASSA-PSS parameters). */
  readonly oid: string;
  /** One-shot hash. */
  readonly hash: (data: Uint8Array) => Uint8Array;
}

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));
}

/** The hashes by name. */
export const HASHES: Readonly<Record<CertHashName, HashAlg>> = Object.freeze({
  "SHA-256": {
    name: "SHA-256",
    size: 32,
    blockSize: 64,
    digestInfo: hex("3031300d060960864801650304020105000420"),
    oid: "2.16.840.1.101.3.4.2.1",
    hash: (d: Uint8Array) => sha256(d),
  },
  "SHA-384": {
    name: "SHA-384",
    size: 48,
    blockSize: 128,
    digestInfo: hex("3041300d060960864801650304020205000430"),
    oid: "2.16.840.1.101.3.4.2.2",
    hash: sha384,
  },
  "SHA-512": {
    name: "SHA-512",
    size: 64,
    blockSize: 128,
    digestInfo: hex("3051300d060960864801650304020305000440"),
    oid: "2.16.840.1.101.3.4.2.3",
    hash: sha512,
  },
});

/**
 * What TLS 1.0 and 1.1 sign with (RFC 2246 7.4.3, RFC 4492 5.4): RSA over MD5 and
 * SHA-1 side by side with no DigestInfo, ECDSA over SHA-1. Never for certificates.
 */
export const LEGACY_TLS_HASHES: Readonly<
  Record<"SHA-1" | "MD5+SHA-1", HashAlg>
> = Object.freeze({
  "SHA-1": {
    name: "SHA-1",
    size: 20,
    blockSize: 64,
    digestInfo: hex("3021300906052b0e03021a05000414"),
    oid: "1.3.14.3.2.26",
    hash: (d: Uint8Array) => sha1(d),
  },
  "MD5+SHA-1": {
    name: "MD5+SHA-1",
    size: 36,
    blockSize: 64,
    digestInfo: new Uint8Array(0),
    oid: "",
    hash: (d: Uint8Array) => {
      const out = new Uint8Array(36);
      out.set(md5(d));
      out.set(sha1(d), 16);
      return out;
    },
  },
});

/** The hash whose OID is `oid`, or undefined. */
export function hashByOid(oid: string): HashAlg | undefined {
  for (const h of Object.values(HASHES)) if (h.oid === oid) return h;
  return undefined;
}

/** HMAC (RFC 2104) with hash `h`. */
export function hmac(
  h: HashAlg,
  key: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  let k = key.length > h.blockSize ? h.hash(key) : key;
  const block = new Uint8Array(h.blockSize);
  block.set(k);
  k = block;
  const inner = new Uint8Array(h.blockSize + data.length);
  const outer = new Uint8Array(h.blockSize + h.size);
  for (let i = 0; i < h.blockSize; i++) {
    inner[i] = k[i] ^ 0x36;
    outer[i] = k[i] ^ 0x5c;
  }
  inner.set(data, h.blockSize);
  outer.set(h.hash(inner), h.blockSize);
  return h.hash(outer);
}
