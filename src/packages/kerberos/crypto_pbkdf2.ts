/**
 * PBKDF2 (RFC 8018 section 5.2), the first half of the AES string-to-key functions:
 * with HMAC-SHA1 for aes*-cts-hmac-sha1-96 (RFC 3962 section 4), HMAC-SHA-256 for
 * aes128-cts-hmac-sha256-128 and HMAC-SHA-384 for aes256-cts-hmac-sha384-192
 * (RFC 8009 section 4). All three run in WebAssembly with the keyed HMAC state
 * made once and copied back before every iteration (two compressions each).
 * Synchronous, as string-to-key is; every region that held the password or an
 * intermediate value is wiped before returning.
 *
 * @module
 */
import { digestOf } from "../../crypto/_hash.ts";
import { ALG_SHA1, ALG_SHA256, ALG_SHA384, getWasm } from "../../wasm/mod.ts";

/** The PRFs PBKDF2 runs with here. */
export type Pbkdf2Hash = "sha1" | "sha256" | "sha384";

/** Output length of each PRF. */
const H_LEN: Record<Pbkdf2Hash, number> = { sha1: 20, sha256: 32, sha384: 48 };
/** WebAssembly algorithm id of each PRF's hash. */
const ALG: Record<Pbkdf2Hash, number> = {
  sha1: ALG_SHA1,
  sha256: ALG_SHA256,
  sha384: ALG_SHA384,
};
/** Block length of each PRF's hash (longer HMAC keys are hashed first). */
const BLOCK_LEN: Record<Pbkdf2Hash, number> = {
  sha1: 64,
  sha256: 64,
  sha384: 128,
};

/**
 * PBKDF2 of `password` and `salt` with `iterations` (>= 1) and the HMAC of `hash`,
 * `dkLen` bytes (at most 64).
 *
 * @example RFC 6070, first vector (HMAC-SHA1, one iteration)
 * ```ts
 * import { pbkdf2 } from "./crypto_pbkdf2.ts";
 * import assert from "node:assert/strict";
 *
 * const te = new TextEncoder();
 * const dk = pbkdf2("sha1", te.encode("password"), te.encode("salt"), 1, 20);
 * const hex = Array.from(dk, (b) => b.toString(16).padStart(2, "0")).join("");
 * assert.equal(hex, "0c60c80f961f0e71f3a9b524af6012062fe037a6");
 * ```
 */
export function pbkdf2(
  hash: Pbkdf2Hash,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  dkLen: number,
): Uint8Array {
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new RangeError(`Cannot run PBKDF2 with ${iterations} iterations`);
  }
  if (!Number.isSafeInteger(dkLen) || dkLen < 1 || dkLen > 64) {
    throw new RangeError(`Cannot run PBKDF2 for ${dkLen} bytes`);
  }
  const hLen = H_LEN[hash];
  const out = new Uint8Array(Math.ceil(dkLen / hLen) * hLen);
  pbkdf2Wasm(ALG[hash], hLen, BLOCK_LEN[hash], password, salt, iterations, out);
  const dk = out.slice(0, dkLen);
  out.fill(0);
  return dk;
}

/**
 * T_1 | T_2 | ... into `out` with the HMAC of `alg` in WebAssembly. Scratch
 * layout: the keyed HMAC state (up to 264 bytes) at +0, U_j at +384, and
 * salt || INT(i) from +512.
 */
function pbkdf2Wasm(
  alg: number,
  hLen: number,
  blockLen: number,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  out: Uint8Array,
): void {
  const w = getWasm();
  const { u8, x, scratch, state } = w;
  const stateSize = x.hmacStateSizeFor(alg);
  const saved = scratch; // keyed HMAC state
  const u = scratch + 384; // U_j
  const msg = scratch + 512; // salt || INT(i)
  if (salt.length + 4 > w.scratchSize - 512) {
    throw new RangeError(`Cannot use Kerberos salt of ${salt.length} bytes`);
  }
  const pw = password.length > blockLen
    ? digestOf(alg, hLen, password)
    : password;
  if (pw !== password) {
    x.wipe(scratch, Math.min(password.length, w.scratchSize));
    x.wipe(w.out, hLen);
  }
  u8.set(pw, w.key);
  x.hmacInit(alg, saved, w.key, pw.length);
  x.wipe(w.key, pw.length);
  if (pw !== password) pw.fill(0);
  try {
    u8.set(salt, msg);
    for (let block = 1, off = 0; off < out.length; block++, off += hLen) {
      new DataView(u8.buffer).setUint32(msg + salt.length, block);
      u8.copyWithin(state, saved, saved + stateSize);
      x.hashUpdate(alg, state, msg, salt.length + 4);
      x.hmacFinal(alg, state, u);
      out.set(u8.subarray(u, u + hLen), off);
      for (let j = 1; j < iterations; j++) {
        u8.copyWithin(state, saved, saved + stateSize);
        x.hashUpdate(alg, state, u, hLen);
        x.hmacFinal(alg, state, u);
        for (let k = 0; k < hLen; k++) out[off + k] ^= u8[u + k];
      }
    }
  } finally {
    x.wipe(scratch, 512 + salt.length + 4);
    x.wipe(state, stateSize);
    x.wipeInternal();
  }
}
