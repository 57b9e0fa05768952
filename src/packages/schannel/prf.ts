/**
 * The TLS 1.2 key schedule (RFC 5246 5 and 8.1, RFC 7627) for the AES-GCM suites,
 * the ChaCha20-Poly1305 suites of RFC 7905 and the AES-CBC ones:
 * the PRF with the suite's hash (SHA-256, or SHA-384 for the AES-256 suites), the
 * (extended) master secret, the key block and Finished `verify_data`. Also which
 * TLS 1.2 suites we speak.
 *
 * @module
 */
import {
  TLS12,
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  TLS_RSA_WITH_AES_128_GCM_SHA256,
  TLS_RSA_WITH_AES_256_GCM_SHA384,
} from "./constants.ts";
import {
  AES128_SHA256,
  AES256_SHA384,
  CHACHA20_SHA256,
  type Tls13Suite,
} from "./keys.ts";
import { CBC_SUITES12, type CbcParams } from "./suites12_cbc.ts";
import { MD5_SHA1, prf10 } from "./prf10.ts";

/**
 * A TLS 1.2 key exchange: ECDHE (RFC 8422), DHE with an RSA signature (RFC 5246
 * 7.4.3), or static RSA key transport (RFC 5246 7.4.7.1).
 */
export type Kex12 = "ecdhe" | "dhe" | "rsa";

/**
 * A TLS 1.2 suite we speak: its key exchange, certificate kind and its hash and
 * key length.
 */
export interface Tls12Suite {
  /** The code point. */
  readonly id: number;
  /** The IANA name. */
  readonly name: string;
  /** An RSA certificate (ECDHE_RSA, DHE_RSA, RSA; else ECDHE_ECDSA). */
  readonly rsa: boolean;
  /** The key exchange. */
  readonly kex: Kex12;
  /** The PRF hash, the AEAD and its key length (a CBC suite: the PRF hash only). */
  readonly crypto: Tls13Suite;
  /** A CBC suite's record protection (`suites12_cbc.ts`); absent for AEAD suites. */
  readonly cbc?: CbcParams;
}

/**
 * Whether `s` may be used in `version`: any suite in TLS 1.2; in TLS 1.1 and 1.0
 * only the `_CBC_SHA` ones (the rest came with TLS 1.2).
 */
export function suiteFitsVersion(s: Tls12Suite, version: number): boolean {
  return version === TLS12 || s.cbc?.hash === "SHA1";
}

/**
 * `s` as `version` runs it: itself in TLS 1.2; in TLS 1.1 and 1.0 with their PRF and
 * handshake hash ({@link MD5_SHA1}) as its `crypto`, so the TLS 1.2 code runs them.
 */
export function suiteInVersion(s: Tls12Suite, version: number): Tls12Suite {
  return version === TLS12 ? s : { ...s, crypto: MD5_SHA1 };
}

/** The key length in bytes of a TLS 1.2 suite's record cipher. */
export function cipherKeyLen12(s: Tls12Suite): number {
  return s.cbc?.keyLen ?? s.crypto.keyLen;
}

/**
 * The TLS 1.2 suites, in our order of preference: ECDHE first (AES-128 first,
 * ChaCha20-Poly1305 last), then DHE_RSA and static RSA with AES-GCM, which Windows
 * offers after its ECDHE suites too, and which Windows Server 2012 R2 needs for
 * AES-GCM with an RSA certificate. Only a client offers DHE and static RSA. The
 * AES-CBC suites (`suites12_cbc.ts`) come last.
 */
export const TLS12_SUITES: readonly Tls12Suite[] = [
  {
    id: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    rsa: false,
    kex: "ecdhe",
    crypto: AES128_SHA256,
  },
  {
    id: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    rsa: true,
    kex: "ecdhe",
    crypto: AES128_SHA256,
  },
  {
    id: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    rsa: false,
    kex: "ecdhe",
    crypto: AES256_SHA384,
  },
  {
    id: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    rsa: true,
    kex: "ecdhe",
    crypto: AES256_SHA384,
  },
  {
    id: TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    rsa: false,
    kex: "ecdhe",
    crypto: CHACHA20_SHA256,
  },
  {
    id: TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    rsa: true,
    kex: "ecdhe",
    crypto: CHACHA20_SHA256,
  },
  {
    id: TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
    name: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    rsa: true,
    kex: "dhe",
    crypto: AES128_SHA256,
  },
  {
    id: TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
    name: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    rsa: true,
    kex: "dhe",
    crypto: AES256_SHA384,
  },
  {
    id: TLS_RSA_WITH_AES_128_GCM_SHA256,
    name: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    rsa: true,
    kex: "rsa",
    crypto: AES128_SHA256,
  },
  {
    id: TLS_RSA_WITH_AES_256_GCM_SHA384,
    name: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    rsa: true,
    kex: "rsa",
    crypto: AES256_SHA384,
  },
  ...CBC_SUITES12,
];

/**
 * The length of a TLS 1.2 suite's `*_write_IV`: 12 for ChaCha20-Poly1305 (RFC 7905:
 * the whole nonce, XORed with the sequence number), 4 for AES-GCM (RFC 5288: the
 * implicit salt before an explicit nonce).
 */
export function fixedIvLength12(s: Tls13Suite): number {
  return s === CHACHA20_SHA256 ? 12 : 4;
}

const ENC = new TextEncoder();

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/**
 * PRF(secret, label, seed) with P_<suite hash>, `length` bytes (TLS 1.0 and 1.1's
 * PRF for {@link MD5_SHA1}).
 */
export function prf12(
  s: Tls13Suite,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  if (s === MD5_SHA1) return prf10(secret, ENC.encode(label), seed, length);
  const ls = join(ENC.encode(label), seed);
  const out = new Uint8Array(length);
  let a = ls;
  for (let at = 0; at < length; at += s.hashLen) {
    a = s.hmac(secret, a);
    const block = s.hmac(secret, join(a, ls));
    out.set(block.subarray(0, Math.min(s.hashLen, length - at)), at);
  }
  return out;
}

/**
 * The 48-byte master secret: RFC 7627's extended master secret over the session
 * hash when both sides agreed to it, else RFC 5246's over the two randoms.
 */
export function masterSecret12(
  s: Tls13Suite,
  preMaster: Uint8Array,
  ems: boolean,
  sessionHash: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  return ems
    ? prf12(s, preMaster, "extended master secret", sessionHash, 48)
    : prf12(
      s,
      preMaster,
      "master secret",
      join(clientRandom, serverRandom),
      48,
    );
}

/** The key block: client key, server key, client and server `write_IV` (salt or nonce). */
export function keyBlock12(
  s: Tls13Suite,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): {
  clientKey: Uint8Array;
  serverKey: Uint8Array;
  clientSalt: Uint8Array;
  serverSalt: Uint8Array;
} {
  const k = s.keyLen;
  const v = fixedIvLength12(s);
  const kb = prf12(
    s,
    master,
    "key expansion",
    join(serverRandom, clientRandom),
    2 * k + 2 * v,
  );
  const out = {
    clientKey: kb.slice(0, k),
    serverKey: kb.slice(k, 2 * k),
    clientSalt: kb.slice(2 * k, 2 * k + v),
    serverSalt: kb.slice(2 * k + v, 2 * k + 2 * v),
  };
  kb.fill(0);
  return out;
}

/** Finished `verify_data` (12 bytes) for the client or the server. */
export function finished12(
  s: Tls13Suite,
  master: Uint8Array,
  client: boolean,
  transcriptHash: Uint8Array,
): Uint8Array {
  return prf12(
    s,
    master,
    client ? "client finished" : "server finished",
    transcriptHash,
    12,
  );
}
