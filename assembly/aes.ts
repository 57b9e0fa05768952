// AES (FIPS 197) with 128- and 256-bit keys, table-driven on little-endian
// column words, plus CBC and the CBC-with-ciphertext-stealing mode of RFC 3962
// section 5 (the last two blocks swapped, the final one truncated), and CFB
// with 8-bit segments (CFB8), the mode of the Netlogon secure channel (MS-NRPC).
//
// A state column is one u32 loaded from memory: row 0 in the low byte. The
// tables are built by the start function from GF(2^8) arithmetic, so no
// constants beyond the field polynomial appear here. Lookups are indexed by
// data bytes: this is not constant-time with respect to cache timing.

/** S-box and inverse S-box, 256 bytes each. */
const SBOX: usize = memory.data(256, 16);
const INV: usize = memory.data(256, 16);
/** Encryption round tables TE0..TE3 (1 KiB each, TEn = TE0 rotated left 8n bits). */
const TE: usize = memory.data(4096, 16);
/** Decryption round tables TD0..TD3, same layout. */
const TD: usize = memory.data(4096, 16);

/** Encryption and decryption key schedules (up to 15 round keys of 16 bytes each). */
export const AES_EK: usize = memory.data(240, 16);
export const AES_DK: usize = memory.data(240, 16);
/** Chaining value (IV in, last ciphertext block out) for CBC calls. */
export const AES_IV: usize = memory.data(16, 16);
/** Two-block work area for the stolen tail and the CFB8 register. Wiped after use. */
const WORK: usize = memory.data(32, 16);
/** Bytes of both key schedules (for wiping). */
export const AES_KS_SIZE: i32 = 480;

/** Rounds of the loaded key (10 or 14); 0 when no key is loaded. */
let rounds: i32 = 0;

// ---- tables ----------------------------------------------------------------

// @ts-ignore: decorator
@inline function xtime(a: u32): u32 {
  return ((a << 1) ^ (((a >>> 7) & 1) * 0x1b)) & 0xff;
}

function gmul(a: u32, b: u32): u32 {
  let r: u32 = 0;
  while (b != 0) {
    if (b & 1) r ^= a;
    a = xtime(a);
    b >>>= 1;
  }
  return r;
}

// @ts-ignore: decorator
@inline function rotl8(b: u32, n: u32): u32 {
  return ((b << n) | (b >>> (8 - n))) & 0xff;
}

/** Builds the S-boxes and the round tables. Called once from the start function. */
export function aesTables(): void {
  // Walk the multiplicative group with generator 3: p = 3^i, q = 3^-i.
  let p: u32 = 1;
  let q: u32 = 1;
  do {
    p = p ^ xtime(p);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const s = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4) ^ 0x63;
    store<u8>(SBOX + p, <u8>s);
  } while (p != 1);
  store<u8>(SBOX, 0x63);
  for (let x: u32 = 0; x < 256; x++) store<u8>(INV + load<u8>(SBOX + x), <u8>x);
  for (let x: u32 = 0; x < 256; x++) {
    const s = <u32>load<u8>(SBOX + x);
    const e = gmul(s, 2) | (s << 8) | (s << 16) | (gmul(s, 3) << 24);
    const i = <u32>load<u8>(INV + x);
    const d = gmul(i, 14) | (gmul(i, 9) << 8) | (gmul(i, 13) << 16) | (gmul(i, 11) << 24);
    for (let t: u32 = 0; t < 4; t++) {
      store<u32>(TE + (t << 10) + (x << 2), rotl<u32>(e, t << 3));
      store<u32>(TD + (t << 10) + (x << 2), rotl<u32>(d, t << 3));
    }
  }
}

// @ts-ignore: decorator
@inline function te(t: usize, b: u32): u32 {
  return load<u32>(TE + (t << 10) + ((b & 0xff) << 2));
}

// @ts-ignore: decorator
@inline function td(t: usize, b: u32): u32 {
  return load<u32>(TD + (t << 10) + ((b & 0xff) << 2));
}

// @ts-ignore: decorator
@inline function sb(b: u32): u32 {
  return <u32>load<u8>(SBOX + (b & 0xff));
}

// @ts-ignore: decorator
@inline function ib(b: u32): u32 {
  return <u32>load<u8>(INV + (b & 0xff));
}

// ---- key schedule ----------------------------------------------------------

/**
 * Expands the `klen`-byte key (16 or 32) at `key` into the encryption schedule,
 * and the decryption schedule too when `decrypt`. Returns false for other sizes.
 */
export function aesKeySetup(key: usize, klen: i32, decrypt: bool): bool {
  if (klen != 16 && klen != 32) return false;
  const nk = klen >>> 2;
  rounds = nk + 6;
  const total = (rounds + 1) << 2;
  memory.copy(AES_EK, key, klen);
  let rcon: u32 = 1;
  for (let i = nk; i < total; i++) {
    let t = load<u32>(AES_EK + ((i - 1) << 2));
    if (i % nk == 0) {
      t = rotr<u32>(t, 8);
      t = sb(t) | (sb(t >>> 8) << 8) | (sb(t >>> 16) << 16) | (sb(t >>> 24) << 24);
      t ^= rcon;
      rcon = xtime(rcon);
    } else if (nk == 8 && i % nk == 4) {
      t = sb(t) | (sb(t >>> 8) << 8) | (sb(t >>> 16) << 16) | (sb(t >>> 24) << 24);
    }
    store<u32>(AES_EK + (i << 2), load<u32>(AES_EK + ((i - nk) << 2)) ^ t);
  }
  if (decrypt) invertSchedule(total);
  return true;
}

/** Equivalent inverse cipher schedule: round keys reversed, InvMixColumns inside. */
function invertSchedule(total: i32): void {
  const last = total - 4;
  for (let i = 0; i < total; i += 4) {
    for (let c = 0; c < 4; c++) {
      const w = load<u32>(AES_EK + ((last - i + c) << 2));
      const inner = i != 0 && i != last;
      const v = inner
        ? td(0, sb(w)) ^ td(1, sb(w >>> 8)) ^ td(2, sb(w >>> 16)) ^ td(3, sb(w >>> 24))
        : w;
      store<u32>(AES_DK + ((i + c) << 2), v);
    }
  }
}

/**
 * Marks key schedules the caller wrote at AES_EK (and AES_DK) as loaded for a
 * `klen`-byte key (16 or 32): a schedule expanded once and kept is cheaper to copy
 * in than to expand again. Returns false for other sizes.
 */
export function aesSetRounds(klen: i32): bool {
  if (klen != 16 && klen != 32) return false;
  rounds = (klen >>> 2) + 6;
  return true;
}

/** Wipes both key schedules, the chaining value and the work area. */
export function aesClear(): void {
  memory.fill(AES_EK, 0, AES_KS_SIZE);
  memory.fill(AES_IV, 0, 16);
  memory.fill(WORK, 0, 32);
  rounds = 0;
}

// ---- blocks ----------------------------------------------------------------

/** Encrypts the 16-byte block at `src` into `dst` (which may equal `src`). */
export function encryptBlock(src: usize, dst: usize): void {
  let k = AES_EK;
  let s0 = load<u32>(src) ^ load<u32>(k);
  let s1 = load<u32>(src, 4) ^ load<u32>(k, 4);
  let s2 = load<u32>(src, 8) ^ load<u32>(k, 8);
  let s3 = load<u32>(src, 12) ^ load<u32>(k, 12);
  for (let r = 1; r < rounds; r++) {
    k += 16;
    const t0 = te(0, s0) ^ te(1, s1 >>> 8) ^ te(2, s2 >>> 16) ^ te(3, s3 >>> 24) ^ load<u32>(k);
    const t1 = te(0, s1) ^ te(1, s2 >>> 8) ^ te(2, s3 >>> 16) ^ te(3, s0 >>> 24) ^ load<u32>(k, 4);
    const t2 = te(0, s2) ^ te(1, s3 >>> 8) ^ te(2, s0 >>> 16) ^ te(3, s1 >>> 24) ^ load<u32>(k, 8);
    const t3 = te(0, s3) ^ te(1, s0 >>> 8) ^ te(2, s1 >>> 16) ^ te(3, s2 >>> 24) ^ load<u32>(k, 12);
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  k += 16;
  store<u32>(dst, lastE(s0, s1, s2, s3) ^ load<u32>(k));
  store<u32>(dst, lastE(s1, s2, s3, s0) ^ load<u32>(k, 4), 4);
  store<u32>(dst, lastE(s2, s3, s0, s1) ^ load<u32>(k, 8), 8);
  store<u32>(dst, lastE(s3, s0, s1, s2) ^ load<u32>(k, 12), 12);
}

// @ts-ignore: decorator
@inline function lastE(a: u32, b: u32, c: u32, d: u32): u32 {
  return sb(a) | (sb(b >>> 8) << 8) | (sb(c >>> 16) << 16) | (sb(d >>> 24) << 24);
}

/** Decrypts the 16-byte block at `src` into `dst` (which may equal `src`). */
export function decryptBlock(src: usize, dst: usize): void {
  let k = AES_DK;
  let s0 = load<u32>(src) ^ load<u32>(k);
  let s1 = load<u32>(src, 4) ^ load<u32>(k, 4);
  let s2 = load<u32>(src, 8) ^ load<u32>(k, 8);
  let s3 = load<u32>(src, 12) ^ load<u32>(k, 12);
  for (let r = 1; r < rounds; r++) {
    k += 16;
    const t0 = td(0, s0) ^ td(1, s3 >>> 8) ^ td(2, s2 >>> 16) ^ td(3, s1 >>> 24) ^ load<u32>(k);
    const t1 = td(0, s1) ^ td(1, s0 >>> 8) ^ td(2, s3 >>> 16) ^ td(3, s2 >>> 24) ^ load<u32>(k, 4);
    const t2 = td(0, s2) ^ td(1, s1 >>> 8) ^ td(2, s0 >>> 16) ^ td(3, s3 >>> 24) ^ load<u32>(k, 8);
    const t3 = td(0, s3) ^ td(1, s2 >>> 8) ^ td(2, s1 >>> 16) ^ td(3, s0 >>> 24) ^ load<u32>(k, 12);
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  k += 16;
  store<u32>(dst, lastD(s0, s3, s2, s1) ^ load<u32>(k));
  store<u32>(dst, lastD(s1, s0, s3, s2) ^ load<u32>(k, 4), 4);
  store<u32>(dst, lastD(s2, s1, s0, s3) ^ load<u32>(k, 8), 8);
  store<u32>(dst, lastD(s3, s2, s1, s0) ^ load<u32>(k, 12), 12);
}

// @ts-ignore: decorator
@inline function lastD(a: u32, b: u32, c: u32, d: u32): u32 {
  return ib(a) | (ib(b >>> 8) << 8) | (ib(c >>> 16) << 16) | (ib(d >>> 24) << 24);
}

// @ts-ignore: decorator
@inline function xorBlock(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(dst) ^ load<u64>(src));
  store<u64>(dst, load<u64>(dst, 8) ^ load<u64>(src, 8), 8);
}

// ---- CBC -------------------------------------------------------------------

/** CBC-encrypts `len` (a multiple of 16) bytes at `p` in place, chaining through `iv`. */
export function cbcEncrypt(iv: usize, p: usize, len: i32): void {
  const end = p + <usize>len;
  let c0 = load<u64>(iv);
  let c1 = load<u64>(iv, 8);
  for (; p < end; p += 16) {
    store<u64>(p, load<u64>(p) ^ c0);
    store<u64>(p, load<u64>(p, 8) ^ c1, 8);
    encryptBlock(p, p);
    c0 = load<u64>(p);
    c1 = load<u64>(p, 8);
  }
  store<u64>(iv, c0);
  store<u64>(iv, c1, 8);
}

/** CBC-decrypts `len` (a multiple of 16) bytes at `p` in place, chaining through `iv`. */
export function cbcDecrypt(iv: usize, p: usize, len: i32): void {
  const end = p + <usize>len;
  let c0 = load<u64>(iv);
  let c1 = load<u64>(iv, 8);
  for (; p < end; p += 16) {
    const n0 = load<u64>(p);
    const n1 = load<u64>(p, 8);
    decryptBlock(p, p);
    store<u64>(p, load<u64>(p) ^ c0);
    store<u64>(p, load<u64>(p, 8) ^ c1, 8);
    c0 = n0;
    c1 = n1;
  }
  store<u64>(iv, c0);
  store<u64>(iv, c1, 8);
}

// ---- CBC with ciphertext stealing (RFC 3962 section 5) ---------------------

/** Splits `len` (> 16) into the CBC head and the last two (the second partial) blocks. */
// @ts-ignore: decorator
@inline function headOf(len: i32): i32 {
  const r = len & 15;
  return len - 16 - (r == 0 ? 16 : r);
}

/**
 * Encrypts `len` >= 16 bytes at `p` in place: CBC from `iv` with the last two
 * output blocks swapped and the final one cut to the input's length.
 */
export function ctsEncrypt(iv: usize, p: usize, len: i32): void {
  if (len <= 16) {
    cbcEncrypt(iv, p, 16);
    return;
  }
  const head = headOf(len);
  cbcEncrypt(iv, p, head);
  const q = p + <usize>head;
  const r = len - head - 16;
  // WORK = E(P[n-1] ^ iv); then C[n] = E(WORK ^ (P[n] || 0)).
  memory.copy(WORK, q, 16);
  xorBlock(WORK, iv);
  encryptBlock(WORK, WORK);
  memory.fill(WORK + 16, 0, 16);
  memory.copy(WORK + 16, q + 16, r);
  xorBlock(WORK + 16, WORK);
  encryptBlock(WORK + 16, q);
  memory.copy(q + 16, WORK, r);
  memory.copy(iv, q, 16);
  memory.fill(WORK, 0, 32);
}

/** Inverts `ctsEncrypt` for `len` >= 16 bytes at `p`, in place. */
export function ctsDecrypt(iv: usize, p: usize, len: i32): void {
  if (len <= 16) {
    cbcDecrypt(iv, p, 16);
    return;
  }
  const head = headOf(len);
  cbcDecrypt(iv, p, head);
  const q = p + <usize>head;
  const r = len - head - 16;
  // WORK = D(C[n]) = C[n-1] ^ (P[n] || 0); C[n-1] = stolen bytes || rest of WORK.
  decryptBlock(q, WORK);
  memory.copy(WORK + 16, WORK, 16);
  memory.copy(WORK + 16, q + 16, r);
  for (let i = 0; i < r; i++) {
    store<u8>(q + 16 + i, load<u8>(WORK + i) ^ load<u8>(WORK + 16 + i));
  }
  decryptBlock(WORK + 16, WORK);
  xorBlock(WORK, iv);
  memory.copy(iv, q, 16); // the next IV is C[n], as after ctsEncrypt
  memory.copy(q, WORK, 16);
  memory.fill(WORK, 0, 32);
}

// ---- CFB8 (NIST SP 800-38A section 6.3, s = 8) ------------------------------

/**
 * Runs CFB with 8-bit segments over `len` bytes at `p`, in place, with the loaded
 * encryption schedule (CFB uses the forward cipher both ways). The 16-byte shift
 * register starts as the IV at `iv` and is left there, so a later call continues
 * the same stream. Each byte costs one block encryption.
 */
function cfb8(iv: usize, p: usize, len: i32, decrypt: bool): void {
  let r0 = load<u64>(iv);
  let r1 = load<u64>(iv, 8);
  const end = p + <usize>len;
  for (; p < end; p++) {
    store<u64>(WORK, r0);
    store<u64>(WORK, r1, 8);
    encryptBlock(WORK, WORK + 16);
    const x = <u64>load<u8>(p);
    const y = x ^ <u64>load<u8>(WORK + 16);
    store<u8>(p, <u8>y);
    // The ciphertext byte enters the register from the right (byte 15).
    const c = decrypt ? x : y;
    r0 = (r0 >>> 8) | (r1 << 56);
    r1 = (r1 >>> 8) | (c << 56);
  }
  store<u64>(iv, r0);
  store<u64>(iv, r1, 8);
  memory.fill(WORK, 0, 32);
}

/** CFB8-encrypts `len` bytes at `p` in place; the register at `iv` carries over. */
export function cfb8Encrypt(iv: usize, p: usize, len: i32): void {
  cfb8(iv, p, len, false);
}

/** CFB8-decrypts `len` bytes at `p` in place; the register at `iv` carries over. */
export function cfb8Decrypt(iv: usize, p: usize, len: i32): void {
  cfb8(iv, p, len, true);
}
