/**
 * The SHA-512 family (FIPS 180-4): SHA-512, SHA-384 and SHA-512/256, with HMAC-SHA-384,
 * over the WASM core (`assembly/sha512.ts`: native 64-bit words; the block framing and
 * HMAC are the generic ones of `assembly/_md.ts`, algorithm ids `ALG_SHA384`,
 * `ALG_SHA512`, `ALG_SHA512_256`). Certificates and TLS signatures signed with
 * SHA-384/512, the TLS AES-256 suites, RFC 8009's Kerberos etype 20 and RFC 7616's
 * `SHA-512-256` Digest algorithm need these.
 *
 * Keys reach WASM memory only for the duration of a call: the key region, the HMAC
 * state region and (for keys longer than a block) the scratch region that held the key
 * are wiped before returning.
 *
 * @module
 */

import {
  ALG_SHA384,
  ALG_SHA512,
  ALG_SHA512_256,
  getWasm,
  type SspiWasm,
} from "../wasm/mod.ts";
import { absorb, digestOf } from "./_hash.ts";

/** Block length of the SHA-512 family in bytes (the HMAC key limit before hashing). */
const BLOCK = 128;
/** Bytes in a SHA-512-family hash state (`hashStateSizeFor`). */
const HASH_STATE = 200;
/** Bytes in a SHA-512-family HMAC state (`hmacStateSizeFor`). */
const HMAC_STATE = 264;
/** Bytes in the WASM key region. */
const KEY_SIZE = 256;

/**
 * SHA-512 of `data` (64 bytes).
 *
 * @example
 * ```ts
 * import { sha512 } from "./_sha512.ts";
 * const d = sha512(new TextEncoder().encode("abc")); // ddaf35a1...a54ca49f
 * ```
 */
export function sha512(data: Uint8Array): Uint8Array {
  return digestOf(ALG_SHA512, 64, data);
}

/** A running SHA-384: `update` as data comes, `digest` at any point (the state goes on). */
export interface Sha384Stream {
  /** Adds `data`. */
  update(data: Uint8Array): void;
  /** The SHA-384 of everything added so far; more may be added after. */
  digest(): Uint8Array;
}

/**
 * An incremental SHA-384 (what a TLS transcript needs: read after every message,
 * each byte hashed once).
 *
 * @example
 * ```ts
 * import { sha384, sha384Stream } from "./_sha512.ts";
 * const h = sha384Stream();
 * h.update(new TextEncoder().encode("ab"));
 * h.update(new TextEncoder().encode("c"));
 * h.digest(); // equals sha384("abc")
 * ```
 */
export function sha384Stream(): Sha384Stream {
  const state = new Uint8Array(HASH_STATE);
  {
    const w = getWasm();
    w.x.hashInit(ALG_SHA384, w.state);
    state.set(w.u8.subarray(w.state, w.state + HASH_STATE));
  }
  return {
    update(data: Uint8Array) {
      const w = getWasm();
      w.u8.set(state, w.state);
      absorb(w, ALG_SHA384, data);
      state.set(w.u8.subarray(w.state, w.state + HASH_STATE));
    },
    digest() {
      // Finishes a copy (in the state region); the saved state goes on.
      const w = getWasm();
      w.u8.set(state, w.state);
      w.x.hashFinal(ALG_SHA384, w.state, w.out);
      return w.u8.slice(w.out, w.out + 48);
    },
  };
}

/**
 * SHA-384 of `data` (48 bytes).
 *
 * @example
 * ```ts
 * import { sha384 } from "./_sha512.ts";
 * const d = sha384(new TextEncoder().encode("abc")); // cb00753f...58baeca134c825a7
 * ```
 */
export function sha384(data: Uint8Array): Uint8Array {
  return digestOf(ALG_SHA384, 48, data);
}

/**
 * SHA-512/256 of `data` (32 bytes).
 *
 * @example
 * ```ts
 * import { sha512_256 } from "./_sha512.ts";
 * const d = sha512_256(new TextEncoder().encode("abc"));
 * // 53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23
 * ```
 */
export function sha512_256(data: Uint8Array): Uint8Array {
  return digestOf(ALG_SHA512_256, 32, data);
}

/**
 * Makes the HMAC-SHA-384 state for `key` in the state region: a key longer than a
 * block is hashed first (and the scratch bytes it passed through wiped); the key
 * region is wiped.
 */
function initHmac384(w: SspiWasm, key: Uint8Array): void {
  let klen = key.length;
  if (klen > BLOCK) {
    const k = digestOf(ALG_SHA384, 48, key);
    w.x.wipe(w.scratch, Math.min(key.length, w.scratchSize));
    w.u8.set(k, w.key);
    k.fill(0);
    klen = 48;
  } else {
    w.u8.set(key, w.key);
  }
  w.x.hmacInit(ALG_SHA384, w.state, w.key, klen);
  w.x.wipe(w.key, klen);
}

/**
 * HMAC-SHA-384 (RFC 2104 with SHA-384's 128-byte block) of `data` under `key`.
 *
 * @example
 * ```ts
 * import { hmacSha384 } from "./_sha512.ts";
 * const mac = hmacSha384(new Uint8Array(48), new TextEncoder().encode("m")); // 48 bytes
 * ```
 */
export function hmacSha384(key: Uint8Array, data: Uint8Array): Uint8Array {
  const w = getWasm();
  const { u8, x, out } = w;
  if (key.length <= BLOCK && data.length <= w.scratchSize) {
    // One WASM call; it wipes the key bytes and its internal state.
    u8.set(key, w.key);
    u8.set(data, w.scratch);
    x.hmac(ALG_SHA384, w.key, key.length, w.scratch, data.length, out);
  } else {
    initHmac384(w, key);
    absorb(w, ALG_SHA384, data);
    x.hmacFinal(ALG_SHA384, w.state, out); // wipes the state region
  }
  return u8.slice(out, out + 48);
}

/** HMAC-SHA-384 under one key, kept ready: see {@linkcode hmacSha384Keyed}. */
export interface HmacSha384Keyed {
  /** HMAC-SHA-384 of the concatenation of `parts` (48 bytes, a new array). */
  mac(parts: readonly Uint8Array[]): Uint8Array;
  /** Zeroes the keyed states; the object must not be used afterwards. */
  wipe(): void;
}

/**
 * HMAC-SHA-384 (RFC 2104) under `key` with both pad blocks compressed once, so each
 * MAC of a short message costs two compressions: what PBKDF2 (RFC 8018) and the
 * Kerberos keys of RFC 8009 need, where one key MACs many messages. The same MAC as
 * {@linkcode hmacSha384}. The keyed state (no raw key) is kept in a JS array and
 * copied into WASM memory for each MAC; the state, output and staging bytes used are
 * wiped in WASM memory after each. Parts may be views of WASM memory (the scratch
 * region): those are hashed in place and left untouched.
 *
 * @example
 * ```ts
 * import { hmacSha384, hmacSha384Keyed } from "./_sha512.ts";
 * const key = new Uint8Array(24);
 * const m = new TextEncoder().encode("message");
 * const keyed = hmacSha384Keyed(key);
 * keyed.mac([m.subarray(0, 3), m.subarray(3)]); // equals hmacSha384(key, m)
 * keyed.wipe();
 * ```
 */
export function hmacSha384Keyed(key: Uint8Array): HmacSha384Keyed {
  if (!(key instanceof Uint8Array)) {
    throw new TypeError("hmacSha384Keyed: key must be a Uint8Array");
  }
  const saved = new Uint8Array(HMAC_STATE);
  {
    const w = getWasm();
    initHmac384(w, key);
    saved.set(w.u8.subarray(w.state, w.state + HMAC_STATE));
    w.x.wipe(w.state, HMAC_STATE);
  }
  return {
    mac(parts: readonly Uint8Array[]): Uint8Array {
      const w = getWasm();
      const { u8, x, state } = w;
      u8.set(saved, state);
      if (!parts.some((p) => p.buffer === u8.buffer)) {
        // All parts are JS arrays: through the scratch region, which then also
        // takes the MAC, so one wipe covers both (PBKDF2's U_j are secrets).
        let used = 48;
        for (const p of parts) {
          if (p.length <= w.scratchSize) {
            u8.set(p, w.scratch);
            x.hashUpdate(ALG_SHA384, state, w.scratch, p.length);
            used = Math.max(used, p.length);
          } else {
            absorb(w, ALG_SHA384, p);
            used = w.scratchSize;
          }
        }
        x.hmacFinal(ALG_SHA384, state, w.scratch); // wipes the state region
        const mac = u8.slice(w.scratch, w.scratch + 48);
        x.wipe(w.scratch, used);
        return mac;
      }
      // Some parts are views of WASM memory (a caller's data in the scratch
      // region): hashed where they are, and JS parts staged through the key
      // region so that scratch is left untouched.
      let staged = 0;
      for (const p of parts) {
        if (p.buffer === u8.buffer) {
          x.hashUpdate(ALG_SHA384, state, p.byteOffset, p.length);
          continue;
        }
        for (let at = 0; at < p.length; at += KEY_SIZE) {
          const chunk = p.subarray(at, at + KEY_SIZE);
          u8.set(chunk, w.key);
          x.hashUpdate(ALG_SHA384, state, w.key, chunk.length);
          staged = Math.max(staged, chunk.length);
        }
      }
      x.hmacFinal(ALG_SHA384, state, w.out); // wipes the state region
      const mac = u8.slice(w.out, w.out + 48);
      x.wipe(w.out, 48);
      if (staged) x.wipe(w.key, staged);
      return mac;
    },
    wipe(): void {
      saved.fill(0);
    },
  };
}
