// AES-CMAC (RFC 4493, NIST SP 800-38B) over the WASM AES core: the subkeys come
// from encrypting the zero block, the message is CBC-encrypted under a zero IV with
// its last block masked by one of them, and the last cipher block is the tag.
// Subkeys and the working copy are wiped before returning.

import { aesCbcInPlace, aesEncryptBlock } from "../wasm/aes.ts";
import { SUBTLE_AES_MIN, type SubtleAesCbc } from "./_subtle_aes.ts";

/** Doubles a 16-byte block in GF(2^128) (RFC 4493 2.3), in place. */
function double(b: Uint8Array): void {
  const carry = b[0] >> 7;
  for (let i = 0; i < 15; i++) b[i] = ((b[i] << 1) | (b[i + 1] >> 7)) & 0xff;
  b[15] = ((b[15] << 1) & 0xff) ^ (carry * 0x87);
}

/**
 * The message as CMAC's CBC pass takes it: padded to whole blocks, its last block
 * masked with the subkey (K1 when whole, else K2 after the 0x80 padding).
 */
function masked(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = aesEncryptBlock(key, new Uint8Array(16));
  double(k); // K1
  const whole = data.length > 0 && data.length % 16 === 0;
  if (!whole) double(k); // K2
  const n = Math.max(1, Math.ceil(data.length / 16));
  const buf = new Uint8Array(n * 16);
  buf.set(data);
  if (!whole) buf[data.length] = 0x80;
  const last = (n - 1) * 16;
  for (let i = 0; i < 16; i++) buf[last + i] ^= k[i];
  k.fill(0);
  return buf;
}

/**
 * The 16-byte AES-CMAC of `data` under a 16- or 32-byte `key`.
 *
 * @example
 * ```ts
 * import { aesCmac } from "./_cmac.ts";
 * const tag = aesCmac(new Uint8Array(16), new Uint8Array(0)); // 16 bytes
 * ```
 */
export function aesCmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  const buf = masked(key, data);
  aesCbcInPlace(key, buf, false);
  const tag = buf.slice(buf.length - 16);
  buf.fill(0);
  return tag;
}

/**
 * {@linkcode aesCmac} with its CBC pass through WebCrypto (`cbc`, the same key
 * imported): faster for big messages.
 */
export async function aesCmacSubtle(
  key: Uint8Array,
  cbc: SubtleAesCbc,
  data: Uint8Array,
): Promise<Uint8Array> {
  const buf = masked(key, data);
  try {
    return await cbc.lastBlock(buf);
  } finally {
    buf.fill(0);
  }
}

/**
 * {@linkcode aesCmac} on the faster path for the message's size: WebAssembly
 * below `SUBTLE_AES_MIN` bytes, WebCrypto's CBC (`cbc`, the same key) from it.
 */
export function aesCmacAsync(
  key: Uint8Array,
  cbc: SubtleAesCbc,
  data: Uint8Array,
): Promise<Uint8Array> {
  return data.length >= SUBTLE_AES_MIN
    ? aesCmacSubtle(key, cbc, data)
    : Promise.resolve(aesCmac(key, data));
}
