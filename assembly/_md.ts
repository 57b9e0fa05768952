// Merkle-Damgard framing shared by MD4, MD5, SHA-1, SHA-256 (64-byte blocks)
// and SHA-384, SHA-512, SHA-512/256 (128-byte blocks, the "wide" family):
// block buffering, padding, length encoding, and HMAC (RFC 2104) on top.
//
// Hash state layout (HASH_STATE bytes, at `st`; HASH_STATE_512 for the wide family):
//   st+0   chaining value, up to 8 u32 words (wide: 8 u64), native little-endian order
//   st+32  u64 total number of bytes absorbed (wide: st+64)
//   st+40  64-byte partial block buffer, fill = total & 63 (wide: st+72, 128 bytes)
// HMAC state layout (HMAC_STATE bytes; HMAC_STATE_512 wide): inner hash state,
// then the outer chaining value (after absorbing key ^ opad) at st+HASH_STATE
// (wide: st+HASH_STATE_512).

import { md4Blocks } from "./md4";
import { md5Blocks } from "./md5";
import { sha1Blocks } from "./sha1";
import { sha256Blocks } from "./sha256";
import { sha512Blocks } from "./sha512";
import { PAD } from "./_mem";

export const MD4: i32 = 0;
export const MD5: i32 = 1;
export const SHA1: i32 = 2;
export const SHA256: i32 = 3;
export const SHA384: i32 = 4;
export const SHA512: i32 = 5;
export const SHA512_256: i32 = 6;

export const HASH_STATE: i32 = 104;
export const HMAC_STATE: i32 = 136;
export const HASH_STATE_512: i32 = 200;
export const HMAC_STATE_512: i32 = 264;

const LEN: usize = 32;

/** True for the SHA-512 family (128-byte blocks, 64-bit words). */
// @ts-ignore: decorator
@inline function wide(alg: i32): bool {
  return alg >= SHA384;
}

/** Block length in bytes. */
// @ts-ignore: decorator
@inline function blockLen(alg: i32): i32 {
  return wide(alg) ? 128 : 64;
}

/** Offset of the u64 byte count in a hash state. */
// @ts-ignore: decorator
@inline function lenAt(alg: i32): usize {
  return wide(alg) ? 64 : LEN;
}

/** Offset of the partial block buffer in a hash state. */
// @ts-ignore: decorator
@inline function bufAt(alg: i32): usize {
  return wide(alg) ? 72 : 40;
}

/** Bytes in a hash state of `alg`. */
export function hashStateSizeOf(alg: i32): i32 {
  return wide(alg) ? HASH_STATE_512 : HASH_STATE;
}

/** Bytes in an HMAC state of `alg`. */
export function hmacStateSizeOf(alg: i32): i32 {
  return wide(alg) ? HMAC_STATE_512 : HMAC_STATE;
}

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
    case SHA256:
      sha256Blocks(h, p, n);
      break;
    default:
      sha512Blocks(h, p, n);
  }
}

/** Digest length in bytes. */
export function digestLen(alg: i32): i32 {
  switch (alg) {
    case SHA1:
      return 20;
    case SHA256:
    case SHA512_256:
      return 32;
    case SHA384:
      return 48;
    case SHA512:
      return 64;
    default:
      return 16;
  }
}

/** Writes the initial chaining value for `alg` at `h`. */
function initChain(alg: i32, h: usize): void {
  if (alg == SHA512) {
    store<u64>(h, 0x6a09e667f3bcc908, 0);
    store<u64>(h, 0xbb67ae8584caa73b, 8);
    store<u64>(h, 0x3c6ef372fe94f82b, 16);
    store<u64>(h, 0xa54ff53a5f1d36f1, 24);
    store<u64>(h, 0x510e527fade682d1, 32);
    store<u64>(h, 0x9b05688c2b3e6c1f, 40);
    store<u64>(h, 0x1f83d9abfb41bd6b, 48);
    store<u64>(h, 0x5be0cd19137e2179, 56);
  } else if (alg == SHA384) {
    store<u64>(h, 0xcbbb9d5dc1059ed8, 0);
    store<u64>(h, 0x629a292a367cd507, 8);
    store<u64>(h, 0x9159015a3070dd17, 16);
    store<u64>(h, 0x152fecd8f70e5939, 24);
    store<u64>(h, 0x67332667ffc00b31, 32);
    store<u64>(h, 0x8eb44a8768581511, 40);
    store<u64>(h, 0xdb0c2e0d64f98fa7, 48);
    store<u64>(h, 0x47b5481dbefa4fa4, 56);
  } else if (alg == SHA512_256) {
    store<u64>(h, 0x22312194fc2bf72c, 0);
    store<u64>(h, 0x9f555fa3c84c64c2, 8);
    store<u64>(h, 0x2393b86b6f53b151, 16);
    store<u64>(h, 0x963877195940eabd, 24);
    store<u64>(h, 0x96283ee2a88effe3, 32);
    store<u64>(h, 0xbe5e1e2553863992, 40);
    store<u64>(h, 0x2b0199fc2c85b8aa, 48);
    store<u64>(h, 0x0eb72ddc81c52ca2, 56);
  } else if (alg == SHA256) {
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
  store<u64>(st + lenAt(alg), 0);
  memory.fill(st + bufAt(alg), 0, blockLen(alg));
}

/** Absorbs `len` bytes at `p` into the hash state at `st`. */
export function mdUpdate(alg: i32, st: usize, p: usize, len: i32): void {
  const bl = blockLen(alg);
  const shift = wide(alg) ? 7 : 6;
  const at = lenAt(alg);
  const total = load<u64>(st + at);
  let fill = <i32>total & (bl - 1);
  store<u64>(st + at, total + <u64>len);
  const buf = st + bufAt(alg);
  if (fill != 0) {
    const take = min(bl - fill, len);
    memory.copy(buf + fill, p, take);
    fill += take;
    p += take;
    len -= take;
    if (fill < bl) return;
    blocks(alg, st, buf, 1);
  }
  const n = len >>> shift;
  if (n != 0) {
    blocks(alg, st, p, n);
    p += <usize>(n << shift);
    len &= bl - 1;
  }
  if (len != 0) memory.copy(buf, p, len);
}

/** Pads, finishes the hash state at `st` and writes the digest to `out`. */
export function mdFinal(alg: i32, st: usize, out: usize): void {
  const bl = blockLen(alg);
  const lenBytes = wide(alg) ? 16 : 8;
  const total = load<u64>(st + lenAt(alg));
  const buf = st + bufAt(alg);
  let fill = <i32>total & (bl - 1);
  store<u8>(buf + fill, 0x80);
  fill++;
  if (fill > bl - lenBytes) {
    memory.fill(buf + fill, 0, bl - fill);
    blocks(alg, st, buf, 1);
    fill = 0;
  }
  memory.fill(buf + fill, 0, bl - 8 - fill);
  const bits = total << 3;
  const big = alg >= SHA1;
  // Wide hashes end with a 128-bit big-endian bit count: high word, then low.
  if (lenBytes == 16) store<u64>(buf + <usize>(bl - 16), bswap<u64>(total >>> 61));
  store<u64>(buf + <usize>(bl - 8), big ? bswap<u64>(bits) : bits);
  blocks(alg, st, buf, 1);
  if (wide(alg)) {
    const words = digestLen(alg) >>> 3;
    for (let i = 0; i < words; i++) {
      store<u64>(out + (i << 3), bswap<u64>(load<u64>(st + (i << 3))));
    }
  } else if (big) {
    const words = digestLen(alg) >>> 2;
    for (let i = 0; i < words; i++) {
      store<u32>(out + (i << 2), bswap<u32>(load<u32>(st + (i << 2))));
    }
  } else {
    memory.copy(out, st, 16);
  }
}

/**
 * Initialises an HMAC state at `st` from a key of `klen` <= block length (64, or
 * 128 for the SHA-512 family) bytes at `key` (longer keys are hashed by the
 * caller first). Wipes the pad block.
 */
export function hmacInit(alg: i32, st: usize, key: usize, klen: i32): void {
  const bl = blockLen(alg);
  memory.fill(PAD, 0, bl);
  memory.copy(PAD, key, klen);
  for (let i = 0; i < bl; i += 8) {
    store<u64>(PAD + i, load<u64>(PAD + i) ^ 0x3636363636363636);
  }
  mdInit(alg, st);
  blocks(alg, st, PAD, 1);
  store<u64>(st + lenAt(alg), <u64>bl);
  const outer = st + <usize>hashStateSizeOf(alg);
  for (let i = 0; i < bl; i += 8) {
    store<u64>(PAD + i, load<u64>(PAD + i) ^ 0x6a6a6a6a6a6a6a6a); // 0x36 ^ 0x5c
  }
  initChain(alg, outer);
  blocks(alg, outer, PAD, 1);
  memory.fill(PAD, 0, bl);
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
  const bl = blockLen(alg);
  const inner = PAD + 64;
  mdFinal(alg, st, inner);
  memory.copy(st, st + <usize>hashStateSizeOf(alg), wide(alg) ? 64 : 32);
  store<u64>(st + lenAt(alg), <u64>bl);
  memory.fill(st + bufAt(alg), 0, bl);
  mdUpdate(alg, st, inner, dlen);
  mdFinal(alg, st, out);
  memory.fill(inner, 0, 64);
  memory.fill(st, 0, hmacStateSizeOf(alg));
}
