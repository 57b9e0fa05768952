/**
 * The TLS 1.3 key schedule (RFC 8446 section 7) for the suites we speak:
 * `TLS_AES_128_GCM_SHA256`, `TLS_AES_256_GCM_SHA384` and
 * `TLS_CHACHA20_POLY1305_SHA256`. HKDF-Extract,
 * HKDF-Expand-Label, Derive-Secret, traffic keys, Finished MACs and key updates take
 * the suite, whose hash they use.
 *
 * @module
 */
import { hmacSha256, sha256 } from "../../crypto/mod.ts";
import { hmacSha384, sha384, sha384Stream } from "../../crypto/_sha512.ts";
import { AesGcm } from "../../wasm/gcm.ts";
import { ChaCha20Poly1305 } from "../../wasm/chacha20.ts";
import {
  TLS_AES_128_GCM_SHA256,
  TLS_AES_256_GCM_SHA384,
  TLS_CHACHA20_POLY1305_SHA256,
} from "./constants.ts";

/** An AEAD key with 12-byte nonces and 16-byte tags (AES-GCM, ChaCha20-Poly1305). */
export interface Aead {
  /** Encrypts `data` in place and writes the tag into `tag`. */
  encrypt(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): void;
  /** Checks the tag first; only on a match decrypts `data` in place and returns true. */
  decrypt(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): boolean;
  /** Wipes the key. */
  wipe(): void;
}

/** A TLS 1.3 cipher suite: its hash, AEAD and key length. */
export interface Tls13Suite {
  /** The suite's code point. */
  readonly id: number;
  /** The suite's IANA name. */
  readonly name: string;
  /** The hash's output length (32 or 48). */
  readonly hashLen: number;
  /** The AEAD key length (16 or 32). */
  readonly keyLen: number;
  /** The suite's AEAD keyed with `key` (copied). */
  aead(key: Uint8Array): Aead;
  /** HMAC with the suite's hash. */
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** The suite's hash of `data`. */
  digest(data: Uint8Array): Uint8Array;
  /** A running hash with the suite's hash function. */
  stream(): HashStream;
}

/** A running hash that can be read at any point and go on. */
export interface HashStream {
  /** Adds `data`. */
  update(data: Uint8Array): void;
  /** The hash of everything so far. */
  digest(): Uint8Array;
}

/** SHA-256 as a HashStream (the digest of a clone, so the state goes on). */
function sha256Stream(): HashStream {
  const h = sha256.create();
  return {
    update: (d) => void h.update(d),
    digest: () => h.clone().digest(),
  };
}

/** `TLS_AES_128_GCM_SHA256` (mandatory, RFC 8446 9.1). */
export const AES128_SHA256: Tls13Suite = {
  id: TLS_AES_128_GCM_SHA256,
  name: "TLS_AES_128_GCM_SHA256",
  hashLen: 32,
  keyLen: 16,
  aead: (k) => new AesGcm(k),
  hmac: (k, d) => hmacSha256(k, d),
  digest: (d) => sha256(d),
  stream: sha256Stream,
};

/** `TLS_AES_256_GCM_SHA384`. */
export const AES256_SHA384: Tls13Suite = {
  id: TLS_AES_256_GCM_SHA384,
  name: "TLS_AES_256_GCM_SHA384",
  hashLen: 48,
  keyLen: 32,
  aead: (k) => new AesGcm(k),
  hmac: hmacSha384,
  digest: sha384,
  stream: sha384Stream,
};

/** `TLS_CHACHA20_POLY1305_SHA256` (RFC 8446 B.4, RFC 8439). */
export const CHACHA20_SHA256: Tls13Suite = {
  id: TLS_CHACHA20_POLY1305_SHA256,
  name: "TLS_CHACHA20_POLY1305_SHA256",
  hashLen: 32,
  keyLen: 32,
  aead: (k) => new ChaCha20Poly1305(k),
  hmac: (k, d) => hmacSha256(k, d),
  digest: (d) => sha256(d),
  stream: sha256Stream,
};

/**
 * The suites we speak, in our order of preference (the order a client offers them
 * and a server picks from): the AES-GCM suites, then ChaCha20-Poly1305, as Windows
 * orders them after AES.
 */
export const TLS13_SUITES: readonly Tls13Suite[] = [
  AES128_SHA256,
  AES256_SHA384,
  CHACHA20_SHA256,
];

/** The suite with this code point, or undefined. */
export function suiteById(id: number): Tls13Suite | undefined {
  return TLS13_SUITES.find((s) => s.id === id);
}

const ENC = new TextEncoder();

/** HKDF-Extract(salt, ikm) (RFC 5869); an empty salt is the hash length of zeros. */
export function hkdfExtract(
  s: Tls13Suite,
  salt: Uint8Array,
  ikm: Uint8Array,
): Uint8Array {
  return s.hmac(salt.length ? salt : new Uint8Array(s.hashLen), ikm);
}

/** HKDF-Expand-Label(secret, label, context, length). */
export function hkdfExpandLabel(
  s: Tls13Suite,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const l = ENC.encode("tls13 " + label);
  const info = new Uint8Array(4 + l.length + context.length);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = l.length;
  info.set(l, 3);
  info[3 + l.length] = context.length;
  info.set(context, 4 + l.length);
  const out = new Uint8Array(length);
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++) {
    const block = new Uint8Array(prev.length + info.length + 1);
    block.set(prev);
    block.set(info, prev.length);
    block[block.length - 1] = i;
    prev = s.hmac(secret, block);
    out.set(prev.subarray(0, Math.min(s.hashLen, length - at)), at);
    at += s.hashLen;
  }
  return out;
}

/** Derive-Secret(secret, label, transcript hash). */
export function deriveSecret(
  s: Tls13Suite,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(s, secret, label, transcriptHash, s.hashLen);
}

/** The early secret: HKDF-Extract(0, PSK), with zeros for the PSK when there is none. */
export function earlySecret(s: Tls13Suite, psk: Uint8Array | null): Uint8Array {
  const zeros = new Uint8Array(s.hashLen);
  return hkdfExtract(s, zeros, psk ?? zeros);
}

/** The handshake secret from the (EC)DHE shared secret and the PSK, if resuming. */
export function handshakeSecret(
  s: Tls13Suite,
  shared: Uint8Array,
  psk: Uint8Array | null = null,
): Uint8Array {
  const early = earlySecret(s, psk);
  const derived = deriveSecret(
    s,
    early,
    "derived",
    s.digest(new Uint8Array(0)),
  );
  early.fill(0);
  const hs = hkdfExtract(s, derived, shared);
  derived.fill(0);
  return hs;
}

/**
 * A PSK binder (RFC 8446 4.2.11.2): a Finished MAC keyed by the resumption
 * `binder_key` over the transcript hash up to the truncated ClientHello.
 */
export function pskBinder(
  s: Tls13Suite,
  psk: Uint8Array,
  transcriptHash: Uint8Array,
): Uint8Array {
  const early = earlySecret(s, psk);
  const key = deriveSecret(s, early, "res binder", s.digest(new Uint8Array(0)));
  early.fill(0);
  const binder = finishedMac(s, key, transcriptHash);
  key.fill(0);
  return binder;
}

/** A ticket's PSK: HKDF-Expand-Label(resumption_master_secret, "resumption", nonce). */
export function ticketPsk(
  s: Tls13Suite,
  resumptionMaster: Uint8Array,
  nonce: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(s, resumptionMaster, "resumption", nonce, s.hashLen);
}

/** The master secret that follows a handshake secret. */
export function masterSecret(s: Tls13Suite, hs: Uint8Array): Uint8Array {
  const empty = s.digest(new Uint8Array(0));
  return hkdfExtract(
    s,
    deriveSecret(s, hs, "derived", empty),
    new Uint8Array(s.hashLen),
  );
}

/** The write key (16 or 32 bytes) and IV (12 bytes) of a traffic secret. */
export function trafficKeys(
  s: Tls13Suite,
  secret: Uint8Array,
): { key: Uint8Array; iv: Uint8Array } {
  return {
    key: hkdfExpandLabel(s, secret, "key", new Uint8Array(0), s.keyLen),
    iv: hkdfExpandLabel(s, secret, "iv", new Uint8Array(0), 12),
  };
}

/** The Finished `verify_data` for a base key and a transcript hash. */
export function finishedMac(
  s: Tls13Suite,
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
): Uint8Array {
  const fk = hkdfExpandLabel(
    s,
    baseKey,
    "finished",
    new Uint8Array(0),
    s.hashLen,
  );
  return s.hmac(fk, transcriptHash);
}

/** The next traffic secret after a KeyUpdate. */
export function nextTrafficSecret(
  s: Tls13Suite,
  secret: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(
    s,
    secret,
    "traffic upd",
    new Uint8Array(0),
    s.hashLen,
  );
}

/**
 * A running transcript that can be hashed at any point, with SHA-256 (TLS 1.2's
 * SHA-256 suites, and TLS 1.3 until another suite is chosen) or the chosen suite's
 * hash; each message is hashed once. The messages are kept too (a TLS 1.2
 * CertificateVerify signs them, and a change of hash replays them).
 */
export class Transcript {
  #suite: Tls13Suite = AES128_SHA256;
  #h: HashStream = AES128_SHA256.stream();
  #raw: Uint8Array[] = [];

  /** Adds one whole handshake message (header included). */
  add(message: Uint8Array): void {
    this.#h.update(message);
    this.#raw.push(message.slice());
  }

  /** Every message added so far, joined (what a TLS 1.2 CertificateVerify signs). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#raw.reduce((n, m) => n + m.length, 0));
    this.#raw.reduce((at, m) => (out.set(m, at), at + m.length), 0);
    return out;
  }

  /** Hashes with `suite`'s hash from now on (once the server chose), past messages included. */
  useSuite(suite: Tls13Suite): void {
    if (suite.hashLen === this.#suite.hashLen) return;
    this.#suite = suite;
    this.#h = suite.stream();
    for (const m of this.#raw) this.#h.update(m);
  }

  /** The hash of everything added so far. */
  hash(): Uint8Array {
    return this.#h.digest();
  }

  /**
   * The hash with `suite`'s hash function of everything added so far followed by
   * `more` (not added): a PSK binder's truncated ClientHello.
   */
  hashWith(suite: Tls13Suite, more: Uint8Array): Uint8Array {
    const all = this.bytes();
    const joined = new Uint8Array(all.length + more.length);
    joined.set(all);
    joined.set(more, all.length);
    return suite.digest(joined);
  }

  /**
   * The first message of handshake `type` added (header included), if any: the
   * randoms of the hellos, TLS 1.2's first Finished (`tls-unique`).
   */
  message(type: number): Uint8Array | undefined {
    return this.#raw.find((m) => m[0] === type);
  }

  /** Replaces the transcript by `message_hash` of the first ClientHello (HRR). */
  restartAfterRetry(): void {
    const h1 = this.hash();
    const synthetic = new Uint8Array(4 + h1.length);
    synthetic.set([254, 0, 0, h1.length]);
    synthetic.set(h1, 4);
    this.#h = this.#suite.stream();
    this.#raw = [];
    this.add(synthetic);
  }
}
