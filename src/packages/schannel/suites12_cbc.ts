/**
 * The TLS 1.2 AES-CBC suites (RFC 5246, RFC 8422, RFC 5289): ECDHE with RSA or
 * ECDSA certificates, DHE_RSA and static RSA key transport, with HMAC-SHA1,
 * HMAC-SHA256 or HMAC-SHA384 over the record (MAC-then-encrypt). The PRF is SHA-256
 * but for the `_SHA384` suites (RFC 5246 5, RFC 5289 3.2). They come after every
 * AEAD suite in our order, as in Windows': an old server (Windows Server 2008 R2,
 * appliances) that knows no AEAD suite can still be reached, and a current one never
 * picks them.
 *
 * @module
 */
import { hmacSha1, hmacSha256, sha1, sha256 } from "../../crypto/mod.ts";
import { hmacSha384, sha384 } from "../../crypto/_sha512.ts";
import { CALG_SHA1, CALG_SHA_256, CALG_SHA_384 } from "./constants.ts";
import { AES128_SHA256, AES256_SHA384, type Tls13Suite } from "./keys.ts";

/** The record protection of a CBC suite: AES key length and the MAC's hash. */
export interface CbcParams {
  /** AES key length in bytes (16 or 32). */
  readonly keyLen: number;
  /** The MAC's hash, as Windows names it (`SHA1`, `SHA256`, `SHA384`). */
  readonly hash: "SHA1" | "SHA256" | "SHA384";
  /** MAC length (and MAC key length) in bytes: 20, 32 or 48. */
  readonly macLen: number;
  /** The MAC hash's `ALG_ID` (`CALG_SHA1`, `CALG_SHA_256`, `CALG_SHA_384`). */
  readonly calg: number;
  /** HMAC with the MAC's hash. */
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** The MAC's hash itself (the dummy blocks of a record's check). */
  digest(data: Uint8Array): Uint8Array;
}

/** A CBC suite as `TLS12_SUITES` lists it (`crypto` gives the PRF hash only). */
export interface CbcSuite12 {
  readonly id: number;
  readonly name: string;
  readonly rsa: boolean;
  readonly kex: "ecdhe" | "dhe" | "rsa";
  readonly crypto: Tls13Suite;
  readonly cbc: CbcParams;
}

const SHA1 = {
  hash: "SHA1",
  macLen: 20,
  calg: CALG_SHA1,
  hmac: hmacSha1,
  digest: sha1,
} as const;
const SHA256 = {
  hash: "SHA256",
  macLen: 32,
  calg: CALG_SHA_256,
  hmac: hmacSha256,
  digest: sha256,
} as const;
const SHA384 = {
  hash: "SHA384",
  macLen: 48,
  calg: CALG_SHA_384,
  hmac: hmacSha384,
  digest: sha384,
} as const;

function suite(
  id: number,
  name: string,
  keyLen: number,
  mac: typeof SHA1 | typeof SHA256 | typeof SHA384,
): CbcSuite12 {
  const rsa = !name.includes("ECDSA");
  return {
    id,
    name,
    rsa,
    kex: name.startsWith("TLS_ECDHE_")
      ? "ecdhe"
      : name.startsWith("TLS_DHE_")
      ? "dhe"
      : "rsa",
    crypto: mac === SHA384 ? AES256_SHA384 : AES128_SHA256,
    cbc: { keyLen, ...mac },
  };
}

/**
 * The CBC suites in our order of preference: ECDHE before DHE_RSA before static
 * RSA, SHA-2 MACs before SHA-1, AES-128 before AES-256 (as our AEAD suites are
 * ordered).
 */
export const CBC_SUITES12: readonly CbcSuite12[] = [
  suite(0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 16, SHA256),
  suite(0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 16, SHA256),
  suite(0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", 32, SHA384),
  suite(0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", 32, SHA384),
  suite(0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 16, SHA1),
  suite(0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 16, SHA1),
  suite(0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 32, SHA1),
  suite(0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 32, SHA1),
  suite(0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", 16, SHA256),
  suite(0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", 32, SHA256),
  suite(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", 16, SHA1),
  suite(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", 32, SHA1),
  suite(0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", 16, SHA256),
  suite(0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", 32, SHA256),
  suite(0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", 16, SHA1),
  suite(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", 32, SHA1),
];

/** The CBC parameters of suite `id`; undefined for any other suite. */
export function cbcOf(id: number): CbcParams | undefined {
  return CBC_SUITES12.find((x) => x.id === id)?.cbc;
}
