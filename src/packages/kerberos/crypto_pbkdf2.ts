/**
 * PBKDF2 (RFC 8018 section 5.2), the first half of the AES string-to-key functions:
 * with HMAC-SHA1 for aes*-cts-hmac-sha1-96 (RFC 3962 section 4), HMAC-SHA-256 for
 * aes128-cts-hmac-sha256-128 and HMAC-SHA-384 for aes256-cts-hmac-sha384-192
 * (RFC 8009 section 4). SHA-1 and SHA-256 run in WebAssembly with the keyed HMAC
 * state made once and copied back before every iteration (two compressions each);
 * SHA-384 runs in TypeScript the same way (`hmacSha384Keyed`). Synchronous, as
 * string-to-key is; every region that held the password or an intermediate value
 * is wiped before returning.
 *
 * @module
 */
import { hmacSha384Keyed } from "../../crypto/_sha512.ts";
import { digestOf } from "../../crypto/_hash.ts";
import { ALG_SHA1, ALG_SHA256, getWasm } from "../../wasm/mod.ts";

/** The PRFs PBKDF2 runs with here. */
export type Pbkdf2Hash = "sha1" | "sha256" | "sha384";

/** Output length of each PRF. */
const H_LEN: Record<Pbkdf2Hash, number> = { sha1: 20, sha256: 32, sha384: 48 };

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
  if (hash === "sha384") pbkdf2Sha384(password, salt, iterations, out);
  else {
    pbkdf2Wasm(
      hash === "sha1" ? ALG_SHA1 : ALG_SHA256,
      hLen,
      password,
      salt,
      iterations,
      out,
    );
  }
  const dk = out.slice(0, dkLen);
  out.fill(0);
  return dk;
}

/** T_1 | T_2 | ... into `out` with HMAC-SHA1 or HMAC-SHA-256 in WebAssembly. */
function pbkdf2Wasm(
  alg: number,
  hLen: number,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  out: Uint8Array,
): void {
  const w = getWasm();
  const { u8, x, scratch, state } = w;
  const stateSize = x.hmacStateSize();
  const saved = scratch; // keyed HMAC state
  const u = scratch + 256; // U_j
  const msg = scratch + 512; // salt || INT(i)
  if (salt.length + 4 > w.scratchSize - 512) {
    throw new RangeError(`Cannot use Kerberos salt of ${salt.length} bytes`);
  }
  const pw = password.length > 64 ? digestOf(alg, hLen, password) : password;
  if (pw !== password) {
    x.wipe(scratch, Math.min(password.length, w.scratchSize));
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
  }
}

/** T_1 | T_2 | ... into `out` with HMAC-SHA-384 (TypeScript). */
function pbkdf2Sha384(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  out: Uint8Array,
): void {
  const prf = hmacSha384Keyed(password);
  const index = new Uint8Array(4);
  try {
    for (let block = 1, off = 0; off < out.length; block++, off += 48) {
      new DataView(index.buffer).setUint32(0, block);
      let u = prf.mac([salt, index]);
      out.set(u, off);
      for (let j = 1; j < iterations; j++) {
        const next = prf.mac([u]);
        u.fill(0);
        u = next;
        for (let k = 0; k < 48; k++) out[off + k] ^= u[k];
      }
      u.fill(0);
    }
  } finally {
    prf.wipe();
  }
}
