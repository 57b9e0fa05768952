// DES-ECB over the WASM core, and the 7-to-8-byte key expansion of MS-NLMP.

import { getWasm } from "../wasm/mod.ts";
import { abytes, alen } from "./_utils.ts";

/** DES-ECB in either direction; `key` and `data` are checked by the caller. */
export function desEcb(
  key: Uint8Array,
  data: Uint8Array,
  decrypt: boolean,
): Uint8Array {
  abytes(key, "DES key");
  abytes(data, "data");
  alen(key, 8, "DES key");
  if (data.length % 8 !== 0) {
    throw new RangeError(
      `Cannot use DES-ECB data: length must be a multiple of 8, got ${data.length}`,
    );
  }
  const w = getWasm();
  const { u8, scratch, scratchSize, x } = w;
  const out = new Uint8Array(data.length);
  for (let off = 0; off < data.length; off += scratchSize) {
    const n = Math.min(scratchSize, data.length - off);
    u8.set(key, w.key); // desEcb wipes the key and schedule after each call
    u8.set(data.subarray(off, off + n), scratch);
    x.desEcb(w.key, scratch, n, decrypt ? 1 : 0);
    out.set(u8.subarray(scratch, scratch + n), off);
  }
  return out;
}

/**
 * Expands 7 key bytes (56 bits) to an 8-byte DES key with odd parity
 * (MS-NLMP 6 "DESL", Samba "str_to_key").
 */
export function expandKey7(key7: Uint8Array): Uint8Array {
  abytes(key7, "key");
  alen(key7, 7, "7-byte DES key");
  const k = new Uint8Array(8);
  k[0] = key7[0] >> 1;
  k[1] = ((key7[0] & 0x01) << 6) | (key7[1] >> 2);
  k[2] = ((key7[1] & 0x03) << 5) | (key7[2] >> 3);
  k[3] = ((key7[2] & 0x07) << 4) | (key7[3] >> 4);
  k[4] = ((key7[3] & 0x0f) << 3) | (key7[4] >> 5);
  k[5] = ((key7[4] & 0x1f) << 2) | (key7[5] >> 6);
  k[6] = ((key7[5] & 0x3f) << 1) | (key7[6] >> 7);
  k[7] = key7[6] & 0x7f;
  for (let i = 0; i < 8; i++) {
    const b = k[i] << 1;
    // Low bit set so that the byte has an odd number of 1 bits.
    let ones = 0;
    for (let v = b; v; v >>= 1) ones += v & 1;
    k[i] = b | (ones & 1 ? 0 : 1);
  }
  return k;
}
