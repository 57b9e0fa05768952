// NTLM key derivation and session security (MS-NLMP 3.3.2, 3.4.4, 3.4.5) over the
// primitives, so a handshake step or a message costs one or a few calls and no
// JavaScript allocations. Per-context state (sign keys, RC4 states) lives in
// JavaScript between calls: the caller copies a direction's state into DIR before a
// message and copies it back only when the message is accepted, so a rejected
// message leaves the keystream untouched.

import { SCRATCH } from "./_mem";
import {
  HMAC_STATE,
  hmacFinal,
  hmacInit,
  hmacLoadMd5,
  hmacSaveMd5,
  MD5,
  mdFinal,
  mdInit,
  mdUpdate,
} from "./_md";
import { rc4Init, rc4InitPair, rc4WideBegin, rc4WideEnd, rc4WideXor, rc4Xor } from "./rc4";
import { md5x4Block } from "./md5x4";
import { crc32Update } from "./crc32";

/**
 * Bytes of one direction's state: SIGNKEY (16), the RC4 state (258), then the keyed
 * HMAC state of SIGNKEY once the first MAC has made it: a u32 flag (274) and the two
 * chaining values (278..310), so later MACs skip both pad blocks.
 */
export const NTLM_DIR: i32 = 310;
const KEYED_AT: usize = 274;
/** The direction state region (two directions: out at 0, in at NTLM_DIR). */
export const DIR: usize = memory.data(2 * 310, 16);
/** Output region of the handshake functions (64 bytes). */
export const NOUT: usize = memory.data(64, 16);
/** The running MAC (HMAC-MD5 state, or the CRC in its first 4 bytes). */
const MAC: usize = memory.data(HMAC_STATE, 16);
const WORK: usize = memory.data(128, 16);
/** A keyed HMAC-MD5 state kept for several MACs under one key (wiped after). */
const KEYED: usize = memory.data(HMAC_STATE, 16);

const ESS: u32 = 0x00080000;
const LM_KEY: u32 = 0x00000080;
const DATAGRAM: u32 = 0x00000040;
const F128: u32 = 0x20000000;
const F56: u32 = 0x80000000;
const KEY_EXCH: u32 = 0x40000000;

// "session key to {client-to-server,server-to-client} {signing,sealing} key magic constant\0"
const C2S_SIGN = memory.data<u8>([
  115, 101, 115, 115, 105, 111, 110, 32, 107, 101, 121, 32, 116, 111, 32, 99, 108, 105, 101, 110, 116, 45, 116, 111,
  45, 115, 101, 114, 118, 101, 114, 32, 115, 105, 103, 110, 105, 110, 103, 32, 107, 101, 121, 32, 109, 97, 103,
  105, 99, 32, 99, 111, 110, 115, 116, 97, 110, 116, 0,
]);
const S2C_SIGN = memory.data<u8>([
  115, 101, 115, 115, 105, 111, 110, 32, 107, 101, 121, 32, 116, 111, 32, 115, 101, 114, 118, 101, 114, 45, 116, 111,
  45, 99, 108, 105, 101, 110, 116, 32, 115, 105, 103, 110, 105, 110, 103, 32, 107, 101, 121, 32, 109, 97, 103,
  105, 99, 32, 99, 111, 110, 115, 116, 97, 110, 116, 0,
]);
const C2S_SEAL = memory.data<u8>([
  115, 101, 115, 115, 105, 111, 110, 32, 107, 101, 121, 32, 116, 111, 32, 99, 108, 105, 101, 110, 116, 45, 116, 111,
  45, 115, 101, 114, 118, 101, 114, 32, 115, 101, 97, 108, 105, 110, 103, 32, 107, 101, 121, 32, 109, 97, 103,
  105, 99, 32, 99, 111, 110, 115, 116, 97, 110, 116, 0,
]);
const S2C_SEAL = memory.data<u8>([
  115, 101, 115, 115, 105, 111, 110, 32, 107, 101, 121, 32, 116, 111, 32, 115, 101, 114, 118, 101, 114, 45, 116, 111,
  45, 99, 108, 105, 101, 110, 116, 32, 115, 101, 97, 108, 105, 110, 103, 32, 107, 101, 121, 32, 109, 97, 103,
  105, 99, 32, 99, 111, 110, 115, 116, 97, 110, 116, 0,
]);
const MAGIC_LEN: i32 = 59;

/** MD5(key[0..klen] || magic) into `out`. */
function md5Magic(key: usize, klen: i32, magic: usize, out: usize): void {
  mdInit(MD5, WORK);
  mdUpdate(MD5, WORK, key, klen);
  mdUpdate(MD5, WORK, magic, MAGIC_LEN);
  mdFinal(MD5, WORK, out);
}

/** One direction: SIGNKEY into dir[0..16], RC4(SEALKEY) into dir[16..274]. */
function direction(flags: u32, key: usize, dir: usize, sign: usize, seal: usize): void {
  const sk = WORK + 104;
  if (flags & ESS) {
    md5Magic(key, 16, sign, dir);
    const klen: i32 = flags & F128 ? 16 : flags & F56 ? 7 : 5;
    md5Magic(key, klen, seal, sk);
    rc4Init(dir + 16, sk, 16);
  } else {
    memory.fill(dir, 0, 16);
    if (flags & (LM_KEY | DATAGRAM)) {
      memory.copy(sk, key, 8);
      if (flags & F56) {
        store<u8>(sk, 0xa0, 7);
      } else {
        store<u8>(sk, 0xe5, 5);
        store<u8>(sk, 0x38, 6);
        store<u8>(sk, 0xb0, 7);
      }
      rc4Init(dir + 16, sk, 8);
    } else {
      rc4Init(dir + 16, key, 16);
    }
  }
  memory.fill(dir + KEYED_AT, 0, <i32>NTLM_DIR - <i32>KEYED_AT);
  memory.fill(WORK, 0, 128);
}

/** Four MD5 chaining values, transposed (`md5x4Block`). */
const H4: usize = memory.data(64, 16);
/** Four message blocks, transposed (`md5x4Block`). */
const M4: usize = memory.data(256, 16);

/** Lane `l`'s word `r` of the four chaining values in H4. */
// @ts-ignore: decorator
@inline function lane(r: usize, l: usize): u32 {
  return load<u32>(H4 + 16 * r + 4 * l);
}

/** H4 = the MD5 initial value in every lane. */
function h4Init(): void {
  v128.store(H4, i32x4.splat(0x67452301), 0);
  v128.store(H4, i32x4.splat(0xefcdab89), 16);
  v128.store(H4, i32x4.splat(0x98badcfe), 32);
  v128.store(H4, i32x4.splat(0x10325476), 48);
}

/**
 * Extended session security with 128-bit keys (what every current peer negotiates):
 * the four MD5(key || magic) of 3.4.5.2-3 in one four-lane pass (two blocks: the key
 * and the first 48 bytes of each constant, then the constants' common tail "c
 * constant\0" and the padding), the keyed HMAC states of both SIGNKEYs in a second
 * (lanes: outgoing ipad, outgoing opad, incoming ipad, incoming opad), and both RC4
 * schedules side by side.
 */
function keys128(key: usize, outDir: usize, inDir: usize, outSign: usize, outSeal: usize, inSign: usize, inSeal: usize): void {
  h4Init();
  for (let k: usize = 0; k < 4; k++) v128.store(M4 + 16 * k, i32x4.splat(load<u32>(key + 4 * k)));
  for (let k: usize = 4; k < 16; k++) {
    const at: usize = (k - 4) << 2;
    const m = M4 + 16 * k;
    store<u32>(m, load<u32>(outSign + at), 0);
    store<u32>(m, load<u32>(outSeal + at), 4);
    store<u32>(m, load<u32>(inSign + at), 8);
    store<u32>(m, load<u32>(inSeal + at), 12);
  }
  md5x4Block(H4, M4);
  // Bytes 48..58 of every constant, 0x80, zeros, then the bit length of 16 + 59 bytes.
  v128.store(M4, i32x4.splat(load<u32>(outSign + 48)), 0);
  v128.store(M4, i32x4.splat(load<u32>(outSign + 52)), 16);
  v128.store(M4, i32x4.splat(<u32>load<u16>(outSign + 56) | 0x80000000), 32);
  for (let k: usize = 3; k < 16; k++) v128.store(M4 + 16 * k, v128.splat<i32>(0));
  v128.store(M4, i32x4.splat(75 * 8), 16 * 14);
  md5x4Block(H4, M4);
  const sealOut = WORK + 64;
  const sealIn = WORK + 80;
  for (let r: usize = 0; r < 4; r++) {
    store<u32>(outDir + 4 * r, lane(r, 0));
    store<u32>(sealOut + 4 * r, lane(r, 1));
    store<u32>(inDir + 4 * r, lane(r, 2));
    store<u32>(sealIn + 4 * r, lane(r, 3));
  }
  // HMAC-MD5 keyed with each SIGNKEY: the chaining values after key ^ ipad and
  // key ^ opad, as `hmacSaveMd5` keeps them.
  const pads = i32x4(0x36363636, 0x5c5c5c5c, 0x36363636, 0x5c5c5c5c);
  for (let r: usize = 0; r < 4; r++) {
    const w = v128.load(H4 + 16 * r);
    v128.store(M4 + 16 * r, v128.xor(v128.shuffle<i32>(w, w, 0, 0, 2, 2), pads));
  }
  for (let k: usize = 4; k < 16; k++) v128.store(M4 + 16 * k, pads);
  h4Init();
  md5x4Block(H4, M4);
  const outKeyed = outDir + KEYED_AT;
  const inKeyed = inDir + KEYED_AT;
  store<u32>(outKeyed, 1);
  store<u32>(inKeyed, 1);
  for (let r: usize = 0; r < 4; r++) {
    store<u32>(outKeyed + 4 + 4 * r, lane(r, 0));
    store<u32>(outKeyed + 20 + 4 * r, lane(r, 1));
    store<u32>(inKeyed + 4 + 4 * r, lane(r, 2));
    store<u32>(inKeyed + 20 + 4 * r, lane(r, 3));
  }
  rc4InitPair(outDir + 16, sealOut, inDir + 16, sealIn);
  memory.fill(H4, 0, 64);
  memory.fill(M4, 0, 256);
  memory.fill(WORK, 0, 128);
}

/**
 * Derives both directions' keys from the exported session key (16 bytes at `key`):
 * DIR holds the outgoing direction, DIR + NTLM_DIR the incoming one. Without ESS both
 * directions get the same key (the caller shares one state, half duplex).
 */
export function ntlmSessionKeys(flags: u32, key: usize, client: bool): void {
  const inDir = DIR + <usize>NTLM_DIR;
  if ((flags & ESS) && (flags & F128)) {
    if (client) keys128(key, DIR, inDir, C2S_SIGN, C2S_SEAL, S2C_SIGN, S2C_SEAL);
    else keys128(key, DIR, inDir, S2C_SIGN, S2C_SEAL, C2S_SIGN, C2S_SEAL);
  } else if (client) {
    direction(flags, key, DIR, C2S_SIGN, C2S_SEAL);
    direction(flags, key, inDir, S2C_SIGN, S2C_SEAL);
  } else {
    direction(flags, key, DIR, S2C_SIGN, S2C_SEAL);
    direction(flags, key, inDir, C2S_SIGN, C2S_SEAL);
  }
  memory.fill(key, 0, 16);
}

/** Starts a message MAC with the direction state at `dir` and sequence number `seq`. */
export function ntlmMacBegin(flags: u32, dir: usize, seq: u32): void {
  if (flags & ESS) {
    const keyed = dir + KEYED_AT;
    if (load<u32>(keyed) == 0) {
      hmacInit(MD5, MAC, dir, 16);
      hmacSaveMd5(MAC, keyed + 4);
      store<u32>(keyed, 1);
    } else {
      hmacLoadMd5(MAC, keyed + 4);
    }
    store<u32>(WORK, seq);
    mdUpdate(MD5, MAC, WORK, 4);
    store<u32>(WORK, 0);
  } else {
    store<u32>(MAC, 0);
  }
}

/**
 * Feeds `len` bytes at `p`: `mode` 0 signs only, 1 signs the plaintext then encrypts
 * in place, 2 decrypts in place then signs, 3 encrypts or decrypts without signing
 * (a buffer not covered by the signature).
 */
export function ntlmMacData(flags: u32, dir: usize, p: usize, len: i32, mode: i32): void {
  const rc4 = dir + 16;
  if (mode == 3) {
    rc4Xor(rc4, p, len);
    return;
  }
  if (mode == 0) {
    mac(flags, p, len);
    return;
  }
  if (len < 2048) {
    if (mode == 2) rc4Xor(rc4, p, len);
    mac(flags, p, len);
    if (mode == 1) rc4Xor(rc4, p, len);
    return;
  }
  // Interleave the MAC and the cipher in 2 KiB slices so the second pass reads from
  // L1, with the word S-box loaded once for the whole message.
  rc4WideBegin(rc4);
  const end = p + <usize>len;
  while (p < end) {
    const n = <i32>min<usize>(2048, end - p);
    if (mode == 2) rc4WideXor(p, n);
    mac(flags, p, n);
    if (mode == 1) rc4WideXor(p, n);
    p += <usize>n;
  }
  rc4WideEnd(rc4);
}

// @ts-ignore: decorator
@inline function mac(flags: u32, p: usize, len: i32): void {
  if (flags & ESS) mdUpdate(MD5, MAC, p, len);
  else store<u32>(MAC, crc32Update(load<u32>(MAC), p, len));
}

/** Finishes the MAC: the 16-byte NTLMSSP_MESSAGE_SIGNATURE at `out`. */
export function ntlmMacEnd(flags: u32, dir: usize, seq: u32, out: usize): void {
  store<u32>(out, 1);
  if (flags & ESS) {
    hmacFinal(MD5, MAC, WORK);
    memory.copy(out + 4, WORK, 8);
    if (flags & KEY_EXCH) rc4Xor(dir + 16, out + 4, 8);
    store<u32>(out, seq, 12);
    memory.fill(WORK, 0, 16);
  } else {
    store<u32>(out, 0, 4);
    store<u32>(out, load<u32>(MAC), 8);
    store<u32>(out, seq, 12);
    rc4Xor(dir + 16, out + 4, 12);
    // RandomPad goes out as zero (MS-NLMP 3.4.4.1's last step; gss-ntlmssp checks it),
    // though its keystream bytes were spent.
    store<u32>(out, 0, 4);
  }
}

/**
 * NTLMv2 (3.3.2) in one call. SCRATCH holds: NT hash (16), server challenge (8),
 * client challenge (8), UNICODE(Upper(user) || domain) (`idLen`), the blob ("temp",
 * `tempLen`). Writes to NOUT: NTProofStr (16), SessionBaseKey (16), the LMv2 HMAC (16).
 */
export function ntlmV2(idLen: i32, tempLen: i32): void {
  const key = WORK + 72;
  // ResponseKeyNT = HMAC_MD5(NTOWFv1, UNICODE(Upper(User) || Domain))
  hmacInit(MD5, MAC, SCRATCH, 16);
  mdUpdate(MD5, MAC, SCRATCH + 32, idLen);
  hmacFinal(MD5, MAC, key);
  // The three MACs under that key start from one keyed state (its two pad blocks are
  // compressed once, not three times).
  hmacInit(MD5, KEYED, key, 16);
  memory.fill(key, 0, 16);
  // NTProofStr = HMAC_MD5(key, ServerChallenge || temp): make them contiguous.
  const temp = SCRATCH + 32 + <usize>idLen;
  memory.copy(MAC, KEYED, HMAC_STATE);
  mdUpdate(MD5, MAC, SCRATCH + 16, 8);
  mdUpdate(MD5, MAC, temp, tempLen);
  hmacFinal(MD5, MAC, NOUT);
  // SessionBaseKey = HMAC_MD5(key, NTProofStr)
  memory.copy(MAC, KEYED, HMAC_STATE);
  mdUpdate(MD5, MAC, NOUT, 16);
  hmacFinal(MD5, MAC, NOUT + 16);
  // LMv2 = HMAC_MD5(key, ServerChallenge || ClientChallenge)
  memory.copy(MAC, KEYED, HMAC_STATE);
  mdUpdate(MD5, MAC, SCRATCH + 16, 16);
  hmacFinal(MD5, MAC, NOUT + 32);
  memory.fill(KEYED, 0, HMAC_STATE);
  memory.fill(SCRATCH, 0, 16);
}
