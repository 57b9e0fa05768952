/**
 * Loader and thin typed wrapper for `sspi.wasm`, the WebAssembly core built
 * from `assembly/`.
 *
 * One shared instance is created lazily and synchronously from the embedded
 * bytes on first use. Hosts that forbid compiling WebAssembly from bytes at
 * runtime (Cloudflare workerd, Vercel Edge) import `assembly/build/sspi.wasm`
 * as a module and hand it to {@linkcode initWasm} before first use.
 *
 * The exports are raw: they take pointers and lengths into fixed static
 * regions of linear memory, and linear memory never grows, so a single
 * `Uint8Array` view over it stays valid for the life of the instance.
 *
 * @module
 */

import { WASM_BASE64 } from "./_wasm_bytes.ts";

/** Algorithm ids understood by the hash and HMAC exports. */
export const ALG_MD4 = 0;
/** MD5 algorithm id. */
export const ALG_MD5 = 1;
/** SHA-1 algorithm id. */
export const ALG_SHA1 = 2;
/** SHA-256 algorithm id. */
export const ALG_SHA256 = 3;
/** SHA-384 algorithm id (128-byte blocks: state sizes from `hashStateSizeFor`). */
export const ALG_SHA384 = 4;
/** SHA-512 algorithm id (128-byte blocks). */
export const ALG_SHA512 = 5;
/** SHA-512/256 algorithm id (128-byte blocks). */
export const ALG_SHA512_256 = 6;

/** The raw exports of `sspi.wasm` (pointers are byte offsets into `memory`). */
export interface SspiWasmExports {
  /** Linear memory; fixed size, never grows. */
  readonly memory: WebAssembly.Memory;
  /** Address of the 64 KiB input/output scratch region. */
  scratchPtr(): number;
  /** Size of the scratch region in bytes. */
  scratchSize(): number;
  /** Address of the streaming-state region (512 bytes). */
  statePtr(): number;
  /** Address of the key region (256 bytes). */
  keyPtr(): number;
  /** Address of the output region (64 bytes). */
  outPtr(): number;
  /** Bytes in a hash state (MD4 to SHA-256). */
  hashStateSize(): number;
  /** Bytes in an HMAC state (MD4 to SHA-256). */
  hmacStateSize(): number;
  /** Bytes in a hash state of `alg` (200 for the SHA-512 family, else 104). */
  hashStateSizeFor(alg: number): number;
  /** Bytes in an HMAC state of `alg` (264 for the SHA-512 family, else 136). */
  hmacStateSizeFor(alg: number): number;
  /** Bytes in an RC4 state. */
  rc4StateSize(): number;
  /** Zero-fills `len` bytes at `p`. */
  wipe(p: number, len: number): void;
  /** Initialises a hash state at `st`. */
  hashInit(alg: number, st: number): void;
  /** Absorbs `len` bytes at `p` into the hash or HMAC state at `st`. */
  hashUpdate(alg: number, st: number, p: number, len: number): void;
  /** Finishes the hash state at `st`, writing the digest at `out`. */
  hashFinal(alg: number, st: number, out: number): void;
  /** One-shot hash of `len` bytes at `p`, digest at `out`. */
  hash(alg: number, p: number, len: number, out: number): void;
  /**
   * Initialises an HMAC state at `st` from a key of `klen` <= block length
   * bytes (64, or 128 for the SHA-512 family).
   */
  hmacInit(alg: number, st: number, key: number, klen: number): void;
  /** Finishes (and wipes) the HMAC state at `st`, MAC at `out`. */
  hmacFinal(alg: number, st: number, out: number): void;
  /** One-shot HMAC; wipes the key bytes and internal state. */
  hmac(
    alg: number,
    key: number,
    klen: number,
    p: number,
    len: number,
    out: number,
  ): void;
  /** RC4 key schedule into the state at `st`. */
  rc4Init(st: number, key: number, klen: number): void;
  /** XORs `len` bytes at `p` in place with the RC4 keystream of `st`. */
  rc4Xor(st: number, p: number, len: number): void;
  /** DES-ECB in place; wipes the 8 key bytes and the key schedule. */
  desEcb(key: number, p: number, len: number, decrypt: number): void;
  /** Address of the 16-byte AES chaining-value (IV) region. */
  aesIvPtr(): number;
  /**
   * Loads a 16- or 32-byte AES key (and the decryption schedule when `decrypt`
   * is 1); wipes the key bytes. Returns 0 for other key sizes.
   */
  aesInit(key: number, klen: number, decrypt: number): number;
  /** AES-CBC in place over whole blocks; the IV at `iv` becomes the next IV. */
  aesCbc(iv: number, p: number, len: number, decrypt: number): void;
  /** AES-CBC with ciphertext stealing (RFC 3962) in place over >= 16 bytes. */
  aesCts(iv: number, p: number, len: number, decrypt: number): void;
  /** Wipes the loaded AES key schedules and the IV region. */
  aesWipe(): void;
  /** Address of the loaded encryption (0) or decryption (1) AES schedule. */
  aesSchedulePtr(decrypt: number): number;
  /** Uses the schedules written at `aesSchedulePtr` for a `klen`-byte key. */
  aesUseSchedule(klen: number): number;
  /** Continues a CRC-32 (0 to start); returns the new value (signed i32). */
  crc32Update(crc: number, p: number, len: number): number;
  /** Wipes internal temporary regions. */
  wipeInternal(): void;
  /**
   * Address of the 128-byte AES-GCM region: the 12-byte nonce at +0, the 16-byte
   * tag at +16 (expected tag in for `gcmOpen`, computed tag out of `gcmSeal`).
   */
  gcmPtr(): number;
  /** Address of the GCM per-key context (`gcmKeySize()` bytes). */
  gcmKeyPtr(): number;
  /** Size of the GCM per-key context in bytes. */
  gcmKeySize(): number;
  /**
   * Builds the GCM per-key context at `gcmKeyPtr` from the AES encryption
   * schedule loaded by `aesInit` for a `klen`-byte key (16 or 32): bitsliced
   * round keys, H and the GHASH key table. Returns 0 for other sizes.
   */
  gcmKeySetup(klen: number): number;
  /**
   * Starts a GCM message with the key context at `gcmKeyPtr` and the nonce in
   * the GCM region (E(J0), counter, cleared accumulator).
   */
  gcmBegin(): void;
  /** Absorbs `len` bytes at `p` into GHASH; a final partial block is zero-padded. */
  gcmHash(p: number, len: number): void;
  /** XORs `len` bytes at `p` in place with the GCM counter keystream, advancing it. */
  gcmCtr(p: number, len: number): void;
  /**
   * Absorbs the length block and computes the tag; with `verify` 1 compares it
   * (constant time) with the tag in the GCM region and returns 1 on a match,
   * otherwise writes it there and returns 1.
   */
  gcmFinish(aadLen: number, dataLen: number, verify: number): number;
  /** One-shot GCM encryption in place; the tag goes to the GCM region. */
  gcmSeal(aad: number, aadLen: number, p: number, len: number): void;
  /**
   * One-shot GCM decryption: checks the tag in the GCM region first and only on
   * a match (returns 1) decrypts `len` bytes at `p` in place; 0 otherwise.
   */
  gcmOpen(aad: number, aadLen: number, p: number, len: number): number;
  /**
   * Wipes the GCM key context, the GCM region (counter, E(J0), accumulator,
   * nonce, tags) and the keystream.
   */
  gcmWipe(): void;
  /**
   * Address of the 96-byte AES-CCM region: the nonce (7 to 13 bytes) at +0, the
   * tag at +16 (expected tag in for `ccmOpen`, computed tag out of `ccmSeal`).
   */
  ccmPtr(): number;
  /**
   * Starts an AES-CCM message under the AES encryption schedule loaded by
   * `aesInit` or `aesUseSchedule` and the nonce in the CCM region: a
   * `nonceLen`-byte nonce (7..13), an `mTag`-byte tag (4..16, even), the AAD
   * and payload lengths. Returns 0 (nothing started) for values out of range.
   */
  ccmBegin(
    nonceLen: number,
    mTag: number,
    aadLen: number,
    dataLen: number,
  ): number;
  /** Absorbs `len` bytes at `p` into the CBC-MAC (AAD, then plaintext). */
  ccmMac(p: number, len: number): void;
  /** Zero-pads the CBC-MAC input to a block boundary (after the AAD). */
  ccmPadMac(): void;
  /** XORs `len` bytes at `p` in place with the CCM counter keystream. */
  ccmCtr(p: number, len: number): void;
  /**
   * Ends the message; with `verify` 1 compares the tag (constant time) with the
   * one in the CCM region and returns 1 on a match, otherwise writes it there.
   */
  ccmFinish(verify: number): number;
  /** One-shot seal after `ccmBegin`: encrypts in place; the tag to the CCM region. */
  ccmSeal(aad: number, aadLen: number, p: number, len: number): void;
  /**
   * One-shot open after `ccmBegin`: decrypts in place and checks the tag in the
   * CCM region (1 on a match; 0 and the plaintext wiped otherwise).
   */
  ccmOpen(aad: number, aadLen: number, p: number, len: number): number;
  /** Wipes the CCM region and the message state. */
  ccmWipe(): void;
  /**
   * Address of the 128-byte ChaCha20-Poly1305 region: the 32-byte key at +0,
   * the 12-byte nonce at +32, the 16-byte tag at +48 (expected tag in for
   * `chachaOpen`, computed tag out of `chachaSeal` and `poly1305`).
   */
  chachaPtr(): number;
  /**
   * Starts a ChaCha20-Poly1305 message (RFC 8439 2.8) under the key and nonce
   * in the region: the Poly1305 key from block 0, the block counter at 1.
   */
  chachaBegin(): void;
  /**
   * XORs `len` bytes at `p` in place with the ChaCha20 keystream, continuing
   * the stream (chunks of any length).
   */
  chachaXor(p: number, len: number): void;
  /** Sets the ChaCha20 block counter for the next `chachaXor` (raw ChaCha20). */
  chachaSetCounter(counter: number): void;
  /**
   * Absorbs `len` bytes at `p` into Poly1305, a final partial block
   * zero-padded (chunks must be multiples of 16 bytes except the last).
   */
  chachaHash(p: number, len: number): void;
  /**
   * Absorbs the length block and computes the tag; with `verify` 1 compares it
   * (constant time) with the tag in the region and returns 1 on a match,
   * otherwise writes it there and returns 1.
   */
  chachaFinish(aadLen: number, dataLen: number, verify: number): number;
  /** One-shot ChaCha20-Poly1305 encryption in place; the tag goes to the region. */
  chachaSeal(aad: number, aadLen: number, p: number, len: number): void;
  /**
   * One-shot ChaCha20-Poly1305 decryption: checks the tag in the region first
   * and only on a match (returns 1) decrypts `len` bytes at `p` in place.
   */
  chachaOpen(aad: number, aadLen: number, p: number, len: number): number;
  /** Plain Poly1305 keyed by the region's first 32 bytes; the tag goes to +48. */
  poly1305(p: number, len: number): void;
  /** Wipes the ChaCha20-Poly1305 region, the keystream and the Poly1305 state. */
  chachaWipe(): void;
  /**
   * Address of the 96-byte X25519 region: the scalar at +0, the u-coordinate at
   * +32, the result at +64.
   */
  x25519Ptr(): number;
  /**
   * X25519 (RFC 7748) over the X25519 region: clamps the scalar, writes the
   * result at +64, and wipes the scalar, u and all temporaries (not the result).
   */
  x25519(): void;
  /**
   * Address of the 192-byte P-256 region (big-endian values): scalar k1 at +0,
   * scalar k2 at +32, point x || y at +64, result x || y at +128.
   */
  p256Ptr(): number;
  /**
   * k1*G into the result; 0 for the point at infinity. Wipes the scalars, the
   * point and all temporaries (not the result).
   */
  p256MulBase(): number;
  /**
   * k1*Q into the result; 0 when Q has a coordinate >= p, is off the curve, or
   * the result is the point at infinity. Wipes as `p256MulBase`.
   */
  p256Mul(): number;
  /**
   * k1*G + k2*Q into the result (variable time, for verification); 0 as for
   * `p256Mul`. Wipes as `p256MulBase`.
   */
  p256MulAdd(): number;
}

/** A ready instance: its exports, a view over its memory and its region addresses. */
export interface SspiWasm {
  /** Raw exports. */
  readonly x: SspiWasmExports;
  /** View over all of linear memory (valid forever: memory never grows). */
  readonly u8: Uint8Array;
  /** Address of the scratch region. */
  readonly scratch: number;
  /** Size of the scratch region; inputs are fed in chunks of at most this. */
  readonly scratchSize: number;
  /** Address of the streaming-state region. */
  readonly state: number;
  /** Address of the key region. */
  readonly key: number;
  /** Address of the output region. */
  readonly out: number;
}

let current: SspiWasm | undefined;

function decodeBase64(b64: string): Uint8Array {
  const from = (Uint8Array as unknown as {
    fromBase64?: (s: string) => Uint8Array;
  }).fromBase64;
  if (typeof from === "function") return from(b64);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function instantiate(module: WebAssembly.Module): SspiWasm {
  const instance = new WebAssembly.Instance(module, {});
  const x = instance.exports as unknown as SspiWasmExports;
  return {
    x,
    u8: new Uint8Array(x.memory.buffer),
    scratch: x.scratchPtr(),
    scratchSize: x.scratchSize(),
    state: x.statePtr(),
    key: x.keyPtr(),
    out: x.outPtr(),
  };
}

/**
 * Hands in the WebAssembly module to use instead of compiling the embedded
 * bytes. Needed on hosts that forbid `new WebAssembly.Module(bytes)` at
 * runtime (Cloudflare workerd, Vercel Edge): import
 * `assembly/build/sspi.wasm` there (the host precompiles it) and call this
 * before the first crypto call. Calling it after the instance exists is a
 * no-op, so it is safe to call on every request.
 *
 * @example Cloudflare Worker
 * ```ts ignore
 * import sspiWasm from "./assembly/build/sspi.wasm";
 * import { initWasm } from "./src/wasm/mod.ts";
 * initWasm(sspiWasm);
 * ```
 *
 * @param source A compiled `WebAssembly.Module`, or the module's bytes.
 */
export function initWasm(source: WebAssembly.Module | BufferSource): void {
  if (current) return;
  const module = source instanceof WebAssembly.Module
    ? source
    : new WebAssembly.Module(source);
  current = instantiate(module);
}

/** Returns the shared instance, compiling the embedded bytes on first use. */
export function getWasm(): SspiWasm {
  if (current) return current;
  const bytes = decodeBase64(WASM_BASE64) as Uint8Array<ArrayBuffer>;
  current = instantiate(new WebAssembly.Module(bytes));
  return current;
}
