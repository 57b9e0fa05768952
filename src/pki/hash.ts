/**
 * The hashes PKI signatures use (SHA-256 in WebAssembly, SHA-384/512 portable), their
 * PKCS#1 DigestInfo prefixes, and a generic HMAC for RFC 6979 nonces.
 *
 * @module
 */
import { sha256 } from "../crypto/mod.ts";
import { sha384, sha512 } from "../crypto/_sha512.ts";

/** A hash the PKI code can use. */
export type HashName = "SHA-256" | "SHA-384" | "SHA-512";

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
export const HASHES: Readonly<Record<HashName, HashAlg>> = Object.freeze({
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
