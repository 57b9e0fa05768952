/**
 * The key schedule of TLS 1.0 and 1.1 (RFC 2246 5, RFC 4346 5): the PRF is P_MD5
 * over the first half of the secret XOR P_SHA-1 over the second (halves sharing
 * their middle byte when the length is odd), and the handshake hash of Finished and
 * the extended master secret (RFC 7627 3) is MD5 followed by SHA-1 (36 bytes).
 *
 * {@link MD5_SHA1} stands where a TLS 1.2 suite's PRF hash stands (`Tls12Suite.crypto`),
 * so the TLS 1.2 code (`prf.ts`, the transcript) runs these versions unchanged: its
 * `prf12` hands the PRF to {@link prf10} for it. It has no AEAD.
 *
 * @module
 */
import { hmacMd5, hmacSha1, md5, sha1 } from "../../crypto/mod.ts";
import type { HashStream, Tls13Suite } from "./keys.ts";

/** P_hash (RFC 2246 5) of `secret` over `seed`, XORed into `out`. */
function xorP(
  hmac: (k: Uint8Array, d: Uint8Array) => Uint8Array,
  size: number,
  secret: Uint8Array,
  seed: Uint8Array,
  out: Uint8Array,
): void {
  let a = seed;
  const ab = new Uint8Array(size + seed.length);
  ab.set(seed, size);
  for (let at = 0; at < out.length; at += size) {
    a = hmac(secret, a);
    ab.set(a);
    const block = hmac(secret, ab);
    for (let i = 0; i < size && at + i < out.length; i++) {
      out[at + i] ^= block[i];
    }
    block.fill(0);
  }
  ab.fill(0);
}

/** The TLS 1.0/1.1 PRF: `length` bytes of PRF(secret, label, seed). */
export function prf10(
  secret: Uint8Array,
  label: Uint8Array,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  const ls = new Uint8Array(label.length + seed.length);
  ls.set(label);
  ls.set(seed, label.length);
  const half = Math.ceil(secret.length / 2);
  const out = new Uint8Array(length);
  xorP(hmacMd5, 16, secret.subarray(0, half), ls, out);
  xorP(hmacSha1, 20, secret.subarray(secret.length - half), ls, out);
  return out;
}

/** MD5 and SHA-1 side by side (the digest of clones, so the state goes on). */
function md5Sha1Stream(): HashStream {
  const a = md5.create();
  const b = sha1.create();
  return {
    update: (d) => {
      a.update(d);
      b.update(d);
    },
    digest: () => {
      const out = new Uint8Array(36);
      out.set(a.clone().digest());
      out.set(b.clone().digest(), 16);
      return out;
    },
  };
}

/**
 * The PRF "suite" of TLS 1.0 and 1.1: a 36-byte MD5+SHA-1 handshake hash; its PRF
 * is {@link prf10} (through `prf12`), so its `hmac` is never used for the PRF.
 */
export const MD5_SHA1: Tls13Suite = {
  id: 0,
  name: "TLS 1.0/1.1 PRF (MD5 and SHA-1)",
  hashLen: 36,
  keyLen: 0,
  aead: () => {
    throw new TypeError("TLS 1.0 and 1.1 have no AEAD");
  },
  hmac: hmacSha1,
  digest: (d) => {
    const out = new Uint8Array(36);
    out.set(md5(d));
    out.set(sha1(d), 16);
    return out;
  },
  stream: md5Sha1Stream,
};
