/**
 * Stateless server nonces: `base64url(time || random || HMAC-SHA256(secret, time ||
 * random || realm)[0..16])`. The server keeps only its per-credential secret; a nonce
 * proves it was issued by this credential for this realm, and its time says whether
 * it is still fresh (RFC 7616 section 3.3 and 5.4).
 *
 * @module
 */
import { hmacSha256, randomBytes } from "../../crypto/mod.ts";
import {
  concat,
  constantTimeEqual,
  decodeBase64Url,
  encodeBase64Url,
} from "../../util/bytes.ts";

const enc = new TextEncoder();
const NONCE_BYTES = 8 + 8 + 16;

function b64url(b: Uint8Array): string {
  return encodeBase64Url(b);
}

function unb64url(s: string): Uint8Array | null {
  return s.length > 64 ? null : decodeBase64Url(s);
}

/** What checking a nonce found. */
export type NonceCheck = "valid" | "stale" | "invalid";

/** Issues and checks the nonces of one inbound credential. */
export class NonceIssuer {
  #secret: Uint8Array = randomBytes(32);
  readonly #lifetimeMs: number;

  /** A nonce issuer whose nonces live `lifetimeSeconds`. */
  constructor(lifetimeSeconds: number) {
    this.#lifetimeMs = lifetimeSeconds * 1000;
  }

  #mac(head: Uint8Array, realm: string): Uint8Array {
    return hmacSha256(this.#secret, concat(head, enc.encode(realm))).subarray(
      0,
      16,
    );
  }

  /** A fresh nonce for `realm`, issued at `now` (ms). */
  issue(realm: string, now: number = Date.now()): string {
    const head = new Uint8Array(16);
    new DataView(head.buffer, head.byteOffset, head.byteLength).setFloat64(
      0,
      now,
    );
    head.set(randomBytes(8), 8);
    return b64url(concat(head, this.#mac(head, realm)));
  }

  /** Checks a nonce: ours and fresh, ours but expired, or not ours. */
  check(nonce: string, realm: string, now: number = Date.now()): NonceCheck {
    const b = unb64url(nonce);
    if (!b || b.length !== NONCE_BYTES) return "invalid";
    const head = b.subarray(0, 16);
    if (!constantTimeEqual(this.#mac(head, realm), b.subarray(16))) {
      return "invalid";
    }
    const t = new DataView(head.buffer, head.byteOffset, 8).getFloat64(0);
    if (!Number.isFinite(t) || t > now + 60_000) return "invalid";
    return now - t > this.#lifetimeMs ? "stale" : "valid";
  }

  /** Forgets the secret: every nonce becomes invalid. */
  dispose(): void {
    this.#secret.fill(0);
  }
}

/**
 * Remembers which nonce counts a credential has seen per nonce and cnonce (the
 * response covers both, so a replay repeats them), so a replayed
 * `Authorization` is refused even on a fresh context. Bounded: the oldest nonces are
 * forgotten first (their nonces expire anyway).
 */
export class NonceCounts {
  /** Per nonce: the highest nc seen and a bitmap of the 32 below it (constant size). */
  #seen = new Map<string, { max: number; bits: number }>();
  readonly #maxNonces: number;
  constructor(maxNonces = 4096) {
    this.#maxNonces = maxNonces;
  }
  /**
   * Records `nc` for `nonce`; returns false when it was already used, or when it is
   * more than 32 below the highest seen (too old to tell: refused as a replay). The
   * memory per nonce is constant.
   */
  use(nonce: string, nc: number): boolean {
    let s = this.#seen.get(nonce);
    if (!s) {
      if (this.#seen.size >= this.#maxNonces) {
        const oldest = this.#seen.keys().next().value;
        if (oldest !== undefined) this.#seen.delete(oldest);
      }
      s = { max: 0, bits: 0 };
      this.#seen.set(nonce, s);
    }
    if (nc > s.max) {
      const shift = nc - s.max;
      s.bits = shift >= 32 ? 1 : ((s.bits << shift) | 1) >>> 0;
      s.max = nc;
      return true;
    }
    const k = s.max - nc;
    if (k >= 32) return false;
    const bit = (1 << k) >>> 0;
    if (s.bits & bit) return false;
    s.bits = (s.bits | bit) >>> 0;
    return true;
  }
}
