// Merkle-Damgard framing shared by MD4, MD5, SHA-1 and SHA-256: block
// buffering, padding, length encoding, and HMAC (RFC 2104) on top.
//
// Hash state layout (HASH_STATE bytes, at `st`):
//   st+0   chaining value, up to 8 u32 words (native little-endian order)
//   st+32  u64 total number of bytes absorbed
//   st+40  64-byte partial block buffer (fill = total & 63)
// HMAC state layout (HMAC_STATE bytes): inner hash state, then the outer
// chaining value (after absorbing key ^ opad) at st+HASH_STATE.

import { md4Blocks } from "./md4";
import { md5Blocks } from "./md5";
import { sha1Blocks } from "./sha1";
import { sha256Blocks } from "./sha256";
import { PAD } from "./_mem";

export const MD4: i32 = 0;
export const MD5: i32 = 1;
export const SHA1: i32 = 2;
export const SHA256: i32 = 3;

export const HASH_STATE: i32 = 104;
export const HMAC_STATE: i32 = 136;

const LEN: usize = 32;
const BUF: usize = 40;

/** Compresses `n` whole blocks at `p` into the chaining value at `h`. */
function blocks(alg: i32, h: usize, p: usize, n: i32): void {
  switch (alg) {
    case MD4:
      md4Blocks(h, p, n);
      break;
    case MD5:
      md5Blocks(h, p, n);
      break;
    case SHA1:
      sha1Blocks(h, p, n);
      break;
    default:
      sha256Blocks(h, p, n);
  }
}

/** Digest length in bytes. */
export function digestLen(alg: i32): i32 {
  return alg == SHA256 ? 32 : alg == SHA1 ? 20 : 16;
}

/** Writes the initial chaining value for `alg` at `h`. */
function initChain(alg: i32, h: usize): void {
  if (alg == SHA256) {
    store<u32>(h, 0x6a09e667, 0);
    store<u32>(h, 0xbb67ae85, 4);
    store<u32>(h, 0x3c6ef372, 8);
    store<u32>(h, 0xa54ff53a, 12);
    store<u32>(h, 0x510e527f, 16);
    store<u32>(h, 0x9b05688c, 20);
    store<u32>(h, 0x1f83d9ab, 24);
    store<u32>(h, 0x5be0cd19, 28);
  } else {
    store<u32>(h, 0x67452301, 0);
    store<u32>(h, 0xefcdab89, 4);
    store<u32>(h, 0x98badcfe, 8);
    store<u32>(h, 0x10325476, 12);
    store<u32>(h, alg == SHA1 ? 0xc3d2e1f0 : 0, 16);
    store<u64>(h, 0, 20);
    store<u32>(h, 0, 28);
  }
}

/** Initialises a hash state at `st`. */
export function mdInit(alg: i32, st: usize): void {
  initChain(alg, st);
  store<u64>(st, 0, LEN);
  memory.fill(st + BUF, 0, 64);
}

/** Absorbs `len` bytes at `p` into the hash state at `st`. */
export function mdUpdate(alg: i32, st: usize, p: usize, len: i32): void {
  const total = load<u64>(st, LEN);
  let fill = <i32>(total & 63);
  store<u64>(st, total + <u64>len, LEN);
  const buf = st + BUF;
  if (fill != 0) {
    const take = min(64 - fill, len);
    memory.copy(buf + fill, p, take);
    fill += take;
    p += take;
    len -= take;
    if (fill < 64) return;
    blocks(alg, st, buf, 1);
  }
  const n = len >>> 6;
  if (n != 0) {
    blocks(alg, st, p, n);
    p += <usize>(n << 6);
    len &= 63;
  }
  if (len != 0) memory.copy(buf, p, len);
}

/** Pads, finishes the hash state at `st` and writes the digest to `out`. */
export function mdFinal(alg: i32, st: usize, out: usize): void {
  const total = load<u64>(st, LEN);
  const buf = st + BUF;
  let fill = <i32>(total & 63);
  store<u8>(buf + fill, 0x80);
  fill++;
  if (fill > 56) {
    memory.fill(buf + fill, 0, 64 - fill);
    blocks(alg, st, buf, 1);
    fill = 0;
  }
  memory.fill(buf + fill, 0, 56 - fill);
  const bits = total << 3;
  const big = alg >= SHA1;
  store<u64>(buf, big ? bswap<u64>(bits) : bits, 56);
  blocks(alg, st, buf, 1);
  if (big) {
    const words = digestLen(alg) >>> 2;
    for (let i = 0; i < words; i++) {
      store<u32>(out + (i << 2), bswap<u32>(load<u32>(st + (i << 2))));
    }
  } else {
    memory.copy(out, st, 16);
  }
}

/**
 * Initialises an HMAC state at `st` from a key of `klen` <= 64 bytes at `key`
 * (longer keys are hashed by the caller first). Wipes the pad block.
 */
export function hmacInit(alg: i32, st: usize, key: usize, klen: i32): void {
  memory.fill(PAD, 0, 64);
  memory.copy(PAD, key, klen);
  for (let i = 0; i < 64; i += 8) {
    store<u64>(PAD + i, load<u64>(PAD + i) ^ 0x3636363636363636);
  }
  mdInit(alg, st);
  blocks(alg, st, PAD, 1);
  store<u64>(st, 64, LEN);
  const outer = st + <usize>HASH_STATE;
  for (let i = 0; i < 64; i += 8) {
    store<u64>(PAD + i, load<u64>(PAD + i) ^ 0x6a6a6a6a6a6a6a6a); // 0x36 ^ 0x5c
  }
  initChain(alg, outer);
  blocks(alg, outer, PAD, 1);
  memory.fill(PAD, 0, 64);
}

/**
 * Saves (32 bytes at `to`) the keyed part of an MD5 HMAC state that `hmacInit` just
 * made, before any data: the two chaining values, so later MACs under the same key
 * skip both pad blocks.
 */
export function hmacSaveMd5(st: usize, to: usize): void {
  memory.copy(to, st, 16);
  memory.copy(to + 16, st + <usize>HASH_STATE, 16);
}

/** Makes at `st` the MD5 HMAC state `hmacInit` would, from what `hmacSaveMd5` kept. */
export function hmacLoadMd5(st: usize, from: usize): void {
  memory.copy(st, from, 16);
  memory.fill(st + 16, 0, 16);
  store<u64>(st, 64, LEN);
  memory.copy(st + <usize>HASH_STATE, from + 16, 16);
  memory.fill(st + <usize>HASH_STATE + 16, 0, 16);
}

/** Finishes the HMAC state at `st`, writes the MAC to `out` and wipes the state. */
export function hmacFinal(alg: i32, st: usize, out: usize): void {
  const dlen = digestLen(alg);
  const inner = PAD + 64;
  mdFinal(alg, st, inner);
  memory.copy(st, st + <usize>HASH_STATE, 32);
  store<u64>(st, 64, LEN);
  memory.fill(st + BUF, 0, 64);
  mdUpdate(alg, st, inner, dlen);
  mdFinal(alg, st, out);
  memory.fill(inner, 0, 64);
  memory.fill(st, 0, HMAC_STATE);
}
