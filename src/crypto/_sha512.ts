/**
 * The SHA-512 family (FIPS 180-4): SHA-512, SHA-384 and SHA-512/256, in portable
 * TypeScript (64-bit words as high/low 32-bit halves). The project's WASM module has
 * SHA-256 only; certificates and TLS signatures signed with SHA-384/512 and RFC 7616's
 * `SHA-512-256` Digest algorithm need these. One-shot functions only.
 *
 * @module
 */

// SHA-512 round constants (FIPS 180-4 4.2.3), as [high, low] 32-bit halves.
const K_HEX = [
  "428a2f98d728ae22",
  "7137449123ef65cd",
  "b5c0fbcfec4d3b2f",
  "e9b5dba58189dbbc",
  "3956c25bf348b538",
  "59f111f1b605d019",
  "923f82a4af194f9b",
  "ab1c5ed5da6d8118",
  "d807aa98a3030242",
  "12835b0145706fbe",
  "243185be4ee4b28c",
  "550c7dc3d5ffb4e2",
  "72be5d74f27b896f",
  "80deb1fe3b1696b1",
  "9bdc06a725c71235",
  "c19bf174cf692694",
  "e49b69c19ef14ad2",
  "efbe4786384f25e3",
  "0fc19dc68b8cd5b5",
  "240ca1cc77ac9c65",
  "2de92c6f592b0275",
  "4a7484aa6ea6e483",
  "5cb0a9dcbd41fbd4",
  "76f988da831153b5",
  "983e5152ee66dfab",
  "a831c66d2db43210",
  "b00327c898fb213f",
  "bf597fc7beef0ee4",
  "c6e00bf33da88fc2",
  "d5a79147930aa725",
  "06ca6351e003826f",
  "142929670a0e6e70",
  "27b70a8546d22ffc",
  "2e1b21385c26c926",
  "4d2c6dfc5ac42aed",
  "53380d139d95b3df",
  "650a73548baf63de",
  "766a0abb3c77b2a8",
  "81c2c92e47edaee6",
  "92722c851482353b",
  "a2bfe8a14cf10364",
  "a81a664bbc423001",
  "c24b8b70d0f89791",
  "c76c51a30654be30",
  "d192e819d6ef5218",
  "d69906245565a910",
  "f40e35855771202a",
  "106aa07032bbd1b8",
  "19a4c116b8d2d0c8",
  "1e376c085141ab53",
  "2748774cdf8eeb99",
  "34b0bcb5e19b48a8",
  "391c0cb3c5c95a63",
  "4ed8aa4ae3418acb",
  "5b9cca4f7763e373",
  "682e6ff3d6b2b8a3",
  "748f82ee5defb2fc",
  "78a5636f43172f60",
  "84c87814a1f0ab72",
  "8cc702081a6439ec",
  "90befffa23631e28",
  "a4506cebde82bde9",
  "bef9a3f7b2c67915",
  "c67178f2e372532b",
  "ca273eceea26619c",
  "d186b8c721c0c207",
  "eada7dd6cde0eb1e",
  "f57d4f7fee6ed178",
  "06f067aa72176fba",
  "0a637dc5a2c898a6",
  "113f9804bef90dae",
  "1b710b35131c471b",
  "28db77f523047d84",
  "32caab7b40c72493",
  "3c9ebe0a15c9bebc",
  "431d67c49c100d4c",
  "4cc5d4becb3e42b6",
  "597f299cfc657e2a",
  "5fcb6fab3ad6faec",
  "6c44198c4a475817",
];
// Initial hash values (FIPS 180-4 5.3.4, 5.3.5, 5.3.6.2).
const IV512_HEX = [
  "6a09e667f3bcc908",
  "bb67ae8584caa73b",
  "3c6ef372fe94f82b",
  "a54ff53a5f1d36f1",
  "510e527fade682d1",
  "9b05688c2b3e6c1f",
  "1f83d9abfb41bd6b",
  "5be0cd19137e2179",
];
const IV384_HEX = [
  "cbbb9d5dc1059ed8",
  "629a292a367cd507",
  "9159015a3070dd17",
  "152fecd8f70e5939",
  "67332667ffc00b31",
  "8eb44a8768581511",
  "db0c2e0d64f98fa7",
  "47b5481dbefa4fa4",
];
const IV512_256_HEX = [
  "22312194fc2bf72c",
  "9f555fa3c84c64c2",
  "2393b86b6f53b151",
  "963877195940eabd",
  "96283ee2a88effe3",
  "be5e1e2553863992",
  "2b0199fc2c85b8aa",
  "0eb72ddc81c52ca2",
];

function split(hex: string[]): Uint32Array {
  const out = new Uint32Array(hex.length * 2);
  hex.forEach((h, i) => {
    out[2 * i] = parseInt(h.slice(0, 8), 16);
    out[2 * i + 1] = parseInt(h.slice(8), 16);
  });
  return out;
}

const K = split(K_HEX);
const IV512 = split(IV512_HEX);
const IV384 = split(IV384_HEX);
const IV512_256 = split(IV512_256_HEX);

/** Compresses one 128-byte block at `off` into the state `H` (16 words). */
function compress(H: Uint32Array, W: Uint32Array, b: Uint8Array, off: number) {
  const dv = new DataView(b.buffer, b.byteOffset + off, 128);
  for (let i = 0; i < 32; i++) W[i] = dv.getUint32(i * 4);
  for (let t = 16; t < 80; t++) {
    // sigma0(W[t-15]) = ROTR1 ^ ROTR8 ^ SHR7
    let xh = W[2 * (t - 15)], xl = W[2 * (t - 15) + 1];
    const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^
      (xh >>> 7);
    const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^
      ((xl >>> 7) | (xh << 25));
    // sigma1(W[t-2]) = ROTR19 ^ ROTR61 ^ SHR6
    xh = W[2 * (t - 2)];
    xl = W[2 * (t - 2) + 1];
    const s1h = ((xh >>> 19) | (xl << 13)) ^ ((xl >>> 29) | (xh << 3)) ^
      (xh >>> 6);
    const s1l = ((xl >>> 19) | (xh << 13)) ^ ((xh >>> 29) | (xl << 3)) ^
      ((xl >>> 6) | (xh << 26));
    const l = (s1l >>> 0) + W[2 * (t - 7) + 1] + (s0l >>> 0) +
      W[2 * (t - 16) + 1];
    const h = s1h + W[2 * (t - 7)] + s0h + W[2 * (t - 16)] +
      Math.floor(l / 0x100000000);
    W[2 * t] = h >>> 0;
    W[2 * t + 1] = l >>> 0;
  }
  let ah = H[0], al = H[1], bh = H[2], bl = H[3], ch = H[4], cl = H[5];
  let dh = H[6], dl = H[7], eh = H[8], el = H[9], fh = H[10], fl = H[11];
  let gh = H[12], gl = H[13], hh = H[14], hl = H[15];
  for (let t = 0; t < 80; t++) {
    // Sigma1(e) = ROTR14 ^ ROTR18 ^ ROTR41
    const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^
      ((el >>> 9) | (eh << 23));
    const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^
      ((eh >>> 9) | (el << 23));
    const chh = (eh & fh) ^ (~eh & gh);
    const chl = (el & fl) ^ (~el & gl);
    const t1l = hl + (S1l >>> 0) + (chl >>> 0) + K[2 * t + 1] + W[2 * t + 1];
    const t1h = hh + S1h + chh + K[2 * t] + W[2 * t] +
      Math.floor(t1l / 0x100000000);
    // Sigma0(a) = ROTR28 ^ ROTR34 ^ ROTR39
    const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^
      ((al >>> 7) | (ah << 25));
    const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^
      ((ah >>> 7) | (al << 25));
    const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
    const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
    const t2l = (S0l >>> 0) + (majl >>> 0);
    const t2h = S0h + majh + Math.floor(t2l / 0x100000000);
    hh = gh;
    hl = gl;
    gh = fh;
    gl = fl;
    fh = eh;
    fl = el;
    const nel = dl + (t1l >>> 0);
    eh = (dh + t1h + Math.floor(nel / 0x100000000)) >>> 0;
    el = nel >>> 0;
    dh = ch;
    dl = cl;
    ch = bh;
    cl = bl;
    bh = ah;
    bl = al;
    const nal = (t1l >>> 0) + (t2l >>> 0);
    ah = (t1h + t2h + Math.floor(nal / 0x100000000)) >>> 0;
    al = nal >>> 0;
  }
  const add = (i: number, xh: number, xl: number) => {
    const l = H[i + 1] + xl;
    H[i] = (H[i] + xh + Math.floor(l / 0x100000000)) >>> 0;
    H[i + 1] = l >>> 0;
  };
  add(0, ah, al);
  add(2, bh, bl);
  add(4, ch, cl);
  add(6, dh, dl);
  add(8, eh, el);
  add(10, fh, fl);
  add(12, gh, gl);
  add(14, hh, hl);
}

/** The SHA-512 family core: hashes `data` from `iv` and keeps `outLen` bytes. */
function sha512Core(
  name: string,
  iv: Uint32Array,
  outLen: number,
  data: Uint8Array,
): Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(`${name}: data must be a Uint8Array`);
  }
  const H = iv.slice();
  const W = new Uint32Array(160);
  const full = data.length - (data.length % 128);
  for (let off = 0; off < full; off += 128) compress(H, W, data, off);
  const restLen = data.length - full;
  const tail = new Uint8Array(restLen + 17 <= 128 ? 128 : 256);
  tail.set(data.subarray(full));
  tail[restLen] = 0x80;
  const bits = data.length * 8;
  const dv = new DataView(tail.buffer);
  dv.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
  dv.setUint32(tail.length - 4, bits >>> 0);
  for (let off = 0; off < tail.length; off += 128) compress(H, W, tail, off);
  const out = new Uint8Array(outLen);
  const odv = new DataView(out.buffer);
  for (let i = 0; i < outLen / 4; i++) odv.setUint32(i * 4, H[i]);
  return out;
}

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
  return sha512Core("sha512", IV512, 64, data);
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
  const H = IV384.slice();
  const W = new Uint32Array(160);
  const block = new Uint8Array(128);
  let fill = 0;
  let total = 0;
  return {
    update(data: Uint8Array) {
      total += data.length;
      let at = 0;
      if (fill) {
        const n = Math.min(128 - fill, data.length);
        block.set(data.subarray(0, n), fill);
        fill += n;
        at = n;
        if (fill < 128) return;
        compress(H, W, block, 0);
        fill = 0;
      }
      for (; at + 128 <= data.length; at += 128) compress(H, W, data, at);
      block.set(data.subarray(at), 0);
      fill = data.length - at;
    },
    digest() {
      const h = H.slice();
      const tail = new Uint8Array(fill + 17 <= 128 ? 128 : 256);
      tail.set(block.subarray(0, fill));
      tail[fill] = 0x80;
      const bits = total * 8;
      const dv = new DataView(tail.buffer);
      dv.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
      dv.setUint32(tail.length - 4, bits >>> 0);
      for (let off = 0; off < tail.length; off += 128) {
        compress(h, W, tail, off);
      }
      const out = new Uint8Array(48);
      const odv = new DataView(out.buffer);
      for (let i = 0; i < 12; i++) odv.setUint32(i * 4, h[i]);
      return out;
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
  return sha512Core("sha384", IV384, 48, data);
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
  return sha512Core("sha512_256", IV512_256, 32, data);
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
  const k = key.length > 128 ? sha384(key) : key;
  const pad = new Uint8Array(128 + Math.max(data.length, 48));
  pad.fill(0x36, 0, 128);
  for (let i = 0; i < k.length; i++) pad[i] ^= k[i];
  pad.set(data, 128);
  const inner = sha384(pad.subarray(0, 128 + data.length));
  pad.fill(0x5c, 0, 128);
  for (let i = 0; i < k.length; i++) pad[i] ^= k[i];
  pad.set(inner, 128);
  const out = sha384(pad.subarray(0, 128 + 48));
  pad.fill(0);
  return out;
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
 * {@linkcode hmacSha384}.
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
  const k = key.length > 128 ? sha384(key) : key;
  const W = new Uint32Array(160);
  const block = new Uint8Array(256);
  const H = new Uint32Array(16);
  const pads = [0x36, 0x5c].map((p) => {
    block.fill(p, 0, 128);
    for (let i = 0; i < k.length; i++) block[i] ^= k[i];
    const s = IV384.slice();
    compress(s, W, block, 0);
    return s;
  });
  if (k !== key) k.fill(0);
  block.fill(0);
  const [inner, outer] = pads;
  const dv = new DataView(block.buffer);
  /** Hashes `parts` on from `state` (one 128-byte block already absorbed) into `out`. */
  const run = (
    state: Uint32Array,
    parts: readonly Uint8Array[],
    out: Uint8Array,
  ) => {
    H.set(state);
    let fill = 0;
    let total = 128;
    for (const p of parts) {
      total += p.length;
      let at = 0;
      if (fill) {
        at = Math.min(128 - fill, p.length);
        block.set(p.subarray(0, at), fill);
        fill += at;
        if (fill < 128) continue;
        compress(H, W, block, 0);
        fill = 0;
      }
      for (; at + 128 <= p.length; at += 128) compress(H, W, p, at);
      block.set(p.subarray(at), 0);
      fill = p.length - at;
    }
    const len = fill + 17 <= 128 ? 128 : 256;
    block.fill(0, fill, len);
    block[fill] = 0x80;
    const bits = total * 8;
    dv.setUint32(len - 8, Math.floor(bits / 0x100000000));
    dv.setUint32(len - 4, bits >>> 0);
    for (let off = 0; off < len; off += 128) compress(H, W, block, off);
    const odv = new DataView(out.buffer, out.byteOffset, 48);
    for (let i = 0; i < 12; i++) odv.setUint32(i * 4, H[i]);
  };
  return {
    mac(parts: readonly Uint8Array[]): Uint8Array {
      const ih = new Uint8Array(48);
      const out = new Uint8Array(48);
      run(inner, parts, ih);
      run(outer, [ih], out);
      ih.fill(0);
      block.fill(0);
      H.fill(0);
      return out;
    },
    wipe(): void {
      for (const a of [inner, outer, H, W]) a.fill(0);
      block.fill(0);
    },
  };
}
