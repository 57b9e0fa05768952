/**
 * The Digest algorithms of RFC 7616 section 6.1 (and RFC 2617's MD5), with the hash
 * each uses and a strength rank for choosing among several challenges.
 *
 * @module
 */
import { md5, sha256 } from "../../crypto/mod.ts";
import { toHex } from "../../util/bytes.ts";
import { sha512_256 } from "./_sha512_256.ts";

/** An HTTP Digest algorithm name as RFC 7616 registers it. */
export type DigestAlgorithm =
  | "MD5"
  | "MD5-sess"
  | "SHA-256"
  | "SHA-256-sess"
  | "SHA-512-256"
  | "SHA-512-256-sess";

/** Every algorithm, strongest first. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = Object.freeze([
  "SHA-512-256",
  "SHA-512-256-sess",
  "SHA-256",
  "SHA-256-sess",
  "MD5",
  "MD5-sess",
]);

/** What an algorithm name means. */
export interface AlgorithmInfo {
  /** The canonical name. */
  name: DigestAlgorithm;
  /** The hash family (the name without `-sess`). */
  base: "MD5" | "SHA-256" | "SHA-512-256";
  /** True for the `-sess` variants (H(A1) covers nonce and cnonce). */
  sess: boolean;
  /** Higher is stronger. */
  rank: number;
  /** The raw hash function. */
  hash: (data: Uint8Array) => Uint8Array;
}

const HASHES = {
  "MD5": (d: Uint8Array) => md5(d),
  "SHA-256": (d: Uint8Array) => sha256(d),
  "SHA-512-256": sha512_256,
} as const;

const RANK = { "MD5": 1, "SHA-256": 2, "SHA-512-256": 3 } as const;

/** Looks an algorithm name up (case-insensitive), or returns undefined. */
export function algorithmInfo(name: string): AlgorithmInfo | undefined {
  const canon = DIGEST_ALGORITHMS.find((a) =>
    a.toLowerCase() === String(name).toLowerCase()
  );
  if (!canon) return undefined;
  const sess = canon.endsWith("-sess");
  const base = (sess ? canon.slice(0, -5) : canon) as AlgorithmInfo["base"];
  return { name: canon, base, sess, rank: RANK[base], hash: HASHES[base] };
}

const enc = new TextEncoder();

/** `H(data)` as lower-case hex, over the UTF-8 bytes of a string (RFC 7616 3.4). */
export function hHex(alg: AlgorithmInfo, data: string | Uint8Array): string {
  return toHex(alg.hash(typeof data === "string" ? enc.encode(data) : data));
}
