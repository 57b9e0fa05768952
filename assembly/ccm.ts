// AES-CCM (NIST SP 800-38C, RFC 3610): CBC-MAC over B0, the encoded length and
// the AAD (zero-padded), then the payload (zero-padded), and CTR with counter
// blocks flags || nonce || i (i in the last L = 15 - nonceLen bytes, big-endian);
// the tag is the MAC's first M bytes XOR E(A0).
//
// The AES key is the encryption schedule loaded in aes.ts (aesInit or
// aesUseSchedule); blocks go through its table-driven encryptBlock, as CMAC and
// the Kerberos modes do. Region CCM (96 bytes): the JS side writes the nonce at
// +0 (7 to 13 bytes) and the expected tag at +16 (open); the computed tag lands
// at +16 (seal). ccmWipe wipes the region.
//
// A message is ccmBegin (the lengths), then either the one-shot ccmSeal/ccmOpen,
// or chunks: ccmMac over the AAD, ccmPadMac, ccmMac over the plaintext and ccmCtr
// (in any interleaving, the MAC seeing plaintext), then ccmFinish.

import { encryptBlock } from "./aes";

export const CCM: usize = memory.data(96, 16);
const NONCE: usize = CCM;
const TAG: usize = CCM + 16;
const X: usize = CCM + 32; // CBC-MAC chaining value
const S0: usize = CCM + 48; // E(A0)
const A: usize = CCM + 64; // the next counter block
const KS: usize = CCM + 80; // keystream block

/** Bytes absorbed into X since its last encryption. */
let macFill: i32 = 0;
/** Bytes of KS already used (16: none left). */
let ksUsed: i32 = 16;
/** Tag length M and counter length L of the current message. */
let tagLen: i32 = 0;
let ctrLen: i32 = 0;

/** Absorbs one byte into the CBC-MAC. */
// @ts-ignore: decorator
@inline function macByte(b: u8): void {
  store<u8>(X + <usize>macFill, load<u8>(X + <usize>macFill) ^ b);
  if (++macFill == 16) {
    encryptBlock(X, X);
    macFill = 0;
  }
}

/**
 * Starts a message with the nonce at CCM+0 (`nonceLen` 7..13 bytes), an
 * `mTag`-byte tag (4..16, even), `aadLen` bytes of AAD and `dataLen` bytes of
 * payload. False (nothing started) when a parameter is out of range or
 * `dataLen` does not fit the counter.
 */
export function ccmBegin(nonceLen: i32, mTag: i32, aadLen: u32, dataLen: u32): bool {
  if (nonceLen < 7 || nonceLen > 13 || mTag < 4 || mTag > 16 || (mTag & 1) != 0) return false;
  const l = 15 - nonceLen;
  if (l < 4 && (dataLen >>> (<u32>l << 3)) != 0) return false;
  tagLen = mTag;
  ctrLen = l;
  // B0 = flags || nonce || dataLen (L bytes, big-endian)
  memory.fill(X, 0, 16);
  store<u8>(X, <u8>((aadLen > 0 ? 0x40 : 0) | (((mTag - 2) >> 1) << 3) | (l - 1)));
  memory.copy(X + 1, NONCE, <usize>nonceLen);
  for (let i = 0; i < l && i < 4; i++) store<u8>(X + 15 - <usize>i, <u8>(dataLen >>> (<u32>i << 3)));
  encryptBlock(X, X);
  // A0 = flags' || nonce || 0; S0 = E(A0); the counter continues at 1.
  memory.fill(A, 0, 16);
  store<u8>(A, <u8>(l - 1));
  memory.copy(A + 1, NONCE, <usize>nonceLen);
  encryptBlock(A, S0);
  store<u8>(A + 15, 1);
  ksUsed = 16;
  macFill = 0;
  if (aadLen > 0) {
    if (aadLen < 0xff00) {
      macByte(<u8>(aadLen >>> 8));
      macByte(<u8>aadLen);
    } else {
      macByte(0xff);
      macByte(0xfe);
      for (let s: i32 = 24; s >= 0; s -= 8) macByte(<u8>(aadLen >>> <u32>s));
    }
  }
  return true;
}

/** Absorbs `len` bytes at `p` into the CBC-MAC. */
export function ccmMac(p: usize, len: i32): void {
  let i: i32 = 0;
  while (i < len && macFill != 0) macByte(load<u8>(p + <usize>(i++)));
  for (; len - i >= 16; i += 16) {
    const q = p + <usize>i;
    store<u64>(X, load<u64>(X) ^ load<u64>(q));
    store<u64>(X, load<u64>(X, 8) ^ load<u64>(q, 8), 8);
    encryptBlock(X, X);
  }
  while (i < len) macByte(load<u8>(p + <usize>(i++)));
}

/** Zero-pads the MAC input to a block boundary (after the AAD, after the payload). */
export function ccmPadMac(): void {
  if (macFill != 0) {
    encryptBlock(X, X);
    macFill = 0;
  }
}

/** XORs `len` bytes at `p` in place with the CTR keystream, advancing it. */
export function ccmCtr(p: usize, len: i32): void {
  for (let i: i32 = 0; i < len; i++) {
    if (ksUsed == 16) {
      encryptBlock(A, KS);
      for (let j: usize = 15; j >= <usize>(16 - ctrLen); j--) {
        const b = <u8>(load<u8>(A + j) + 1);
        store<u8>(A + j, b);
        if (b != 0) break;
      }
      ksUsed = 0;
    }
    const q = p + <usize>i;
    store<u8>(q, load<u8>(q) ^ load<u8>(KS + <usize>(ksUsed++)));
  }
}

/**
 * Ends the message: the tag is the MAC's first M bytes XOR E(A0). With `verify`,
 * compares it in constant time with the tag at CCM+16 and returns whether they
 * match; otherwise writes it at CCM+16.
 */
export function ccmFinish(verify: bool): bool {
  ccmPadMac();
  let d: u32 = 0;
  for (let i: usize = 0; i < <usize>tagLen; i++) {
    const t = load<u8>(X + i) ^ load<u8>(S0 + i);
    if (verify) d |= <u32>(t ^ load<u8>(TAG + i));
    else store<u8>(TAG + i, t);
  }
  return d == 0;
}

/** One-shot seal after ccmBegin: the AAD at `aad`, the payload at `p` encrypted in place. */
export function ccmSeal(aad: usize, aadLen: i32, p: usize, len: i32): void {
  ccmMac(aad, aadLen);
  ccmPadMac();
  ccmMac(p, len);
  ccmCtr(p, len);
  ccmFinish(false);
}

/**
 * One-shot open after ccmBegin: decrypts `len` bytes at `p` in place and checks
 * the tag at CCM+16 over the AAD and the plaintext. When it does not match the
 * plaintext is wiped and false returned.
 */
export function ccmOpen(aad: usize, aadLen: i32, p: usize, len: i32): bool {
  ccmMac(aad, aadLen);
  ccmPadMac();
  ccmCtr(p, len);
  ccmMac(p, len);
  const ok = ccmFinish(true);
  if (!ok) memory.fill(p, 0, <usize>len);
  return ok;
}

/** Wipes the CCM region and the message state. */
export function ccmWipe(): void {
  memory.fill(CCM, 0, 96);
  macFill = 0;
  ksUsed = 16;
  tagLen = 0;
  ctrLen = 0;
}
