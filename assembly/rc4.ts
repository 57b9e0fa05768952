// RC4 (as used by NTLM sealing). State layout at `st`: S-box (256 bytes),
// then i (1 byte) and j (1 byte).

export const RC4_STATE: i32 = 258;

/** Key-scheduling algorithm: key of `klen` (1..256) bytes at `key` into state `st`. */
export function rc4Init(st: usize, key: usize, klen: i32): void {
  for (let i = 0; i < 256; i += 4) {
    store<u32>(st + i, (i | ((i + 1) << 8) | ((i + 2) << 16) | ((i + 3) << 24)) as u32);
  }
  let j: u32 = 0;
  let k = 0;
  for (let i = 0; i < 256; i++) {
    const si = <u32>load<u8>(st + i);
    j = (j + si + <u32>load<u8>(key + k)) & 255;
    store<u8>(st + i, load<u8>(st + j));
    store<u8>(st + j, <u8>si);
    if (++k == klen) k = 0;
  }
  store<u8>(st, 0, 256);
  store<u8>(st, 0, 257);
}

/** The S-box's home while a short call runs: loads and stores use an immediate offset. */
const S: usize = memory.data(256, 64);

/**
 * The S-box while a long run goes through `rc4WideXor`: one u32 per entry holding
 * 4 * S[k], indexed by 4 * k. Word entries measured faster than bytes here (as
 * OpenSSL found for AMD cores, its RC4_INT), and the scaling folds the index
 * arithmetic into the values. Wiped by `rc4WideEnd`.
 */
const W: usize = memory.data(1024, 64);
/** `i` and `j` of the wide state, scaled by 4, between `rc4WideBegin` and `rc4WideEnd`. */
let wi: u32 = 0;
let wj: u32 = 0;

/** Below this many bytes `rc4Xor` uses the byte S-box: converting to and from W costs
 * about 0.5 us, which the word loop wins back from about 640 bytes on. */
const WIDE_MIN: i32 = 640;

/**
 * XORs `len` bytes at `p` in place with the keystream of state `st`. Long runs go
 * through the word S-box (`rc4WideXor`), short ones through the byte S-box.
 */
export function rc4Xor(st: usize, p: usize, len: i32): void {
  if (len >= WIDE_MIN) {
    rc4WideBegin(st);
    rc4WideXor(p, len);
    rc4WideEnd(st);
    return;
  }
  memory.copy(S, st, 256);
  let i = <usize>load<u8>(st, 256);
  let j = <usize>load<u8>(st, 257);
  const end = p + <usize>len;
  const end4 = p + <usize>(len & ~3);
  while (p < end4) {
    i = (i + 1) & 255;
    let si = <usize>load<u8>(i, S);
    j = (j + si) & 255;
    let sj = <usize>load<u8>(j, S);
    store<u8>(i, <u8>sj, S);
    store<u8>(j, <u8>si, S);
    let ks = <u32>load<u8>((si + sj) & 255, S);
    i = (i + 1) & 255;
    si = <usize>load<u8>(i, S);
    j = (j + si) & 255;
    sj = <usize>load<u8>(j, S);
    store<u8>(i, <u8>sj, S);
    store<u8>(j, <u8>si, S);
    ks |= <u32>load<u8>((si + sj) & 255, S) << 8;
    i = (i + 1) & 255;
    si = <usize>load<u8>(i, S);
    j = (j + si) & 255;
    sj = <usize>load<u8>(j, S);
    store<u8>(i, <u8>sj, S);
    store<u8>(j, <u8>si, S);
    ks |= <u32>load<u8>((si + sj) & 255, S) << 16;
    i = (i + 1) & 255;
    si = <usize>load<u8>(i, S);
    j = (j + si) & 255;
    sj = <usize>load<u8>(j, S);
    store<u8>(i, <u8>sj, S);
    store<u8>(j, <u8>si, S);
    ks |= <u32>load<u8>((si + sj) & 255, S) << 24;
    store<u32>(p, load<u32>(p) ^ ks);
    p += 4;
  }
  while (p < end) {
    i = (i + 1) & 255;
    const si = <usize>load<u8>(i, S);
    j = (j + si) & 255;
    const sj = <usize>load<u8>(j, S);
    store<u8>(i, <u8>sj, S);
    store<u8>(j, <u8>si, S);
    store<u8>(p, load<u8>(p) ^ load<u8>((si + sj) & 255, S));
    p++;
  }
  memory.copy(st, S, 256);
  memory.fill(S, 0, 256);
  store<u8>(st, <u8>i, 256);
  store<u8>(st, <u8>j, 257);
}

/** Loads state `st` into the word S-box W (for a series of `rc4WideXor` calls). */
export function rc4WideBegin(st: usize): void {
  for (let k: usize = 0; k < 256; k++) {
    store<u32>(W + (k << 2), (<u32>load<u8>(st + k)) << 2);
  }
  wi = (<u32>load<u8>(st, 256)) << 2;
  wj = (<u32>load<u8>(st, 257)) << 2;
}

/** Writes the word S-box W back into state `st` and wipes W. */
export function rc4WideEnd(st: usize): void {
  for (let k: usize = 0; k < 256; k++) {
    store<u8>(st + k, <u8>(load<u32>(W + (k << 2)) >> 2));
  }
  store<u8>(st, <u8>(wi >> 2), 256);
  store<u8>(st, <u8>(wj >> 2), 257);
  memory.fill(W, 0, 1024);
  wi = 0;
  wj = 0;
}

/**
 * XORs `len` bytes at `p` with the keystream of the state in W. Single bytes until
 * the next index is a multiple of 8; then 8 bytes a step, addressing S[i..i+7] at
 * constant offsets from the group base (no wrap inside a group), storing S[j] before
 * reading the next S[i] (which may be that entry) and S[i] after: the load order
 * OpenSSL's x86_64 RC4 uses, about 1.35x the byte loop in V8.
 */
export function rc4WideXor(p: usize, len: i32): void {
  const end = p + <usize>len;
  // Bytes until the next index is a multiple of 8 (i is the last index used).
  p = wideBytes(p, min(end, p + <usize>((28 - (wi & 28)) >> 2)));
  let i = wi;
  let j = wj;
  const end8 = p + ((end - p) & ~(<usize>7));
  // nb: the group's first index; si: S[nb], read ahead.
  let nb = (i + 4) & 1020;
  let si = load<u32>(nb, W);
  let sj: u32 = 0;
  let nx: u32 = 0;
  let nn: u32 = 0;
  let k0: u32 = 0;
  let k1: u32 = 0;
  while (p < end8) {
    // byte 0: i = nb + 0
    j = (j + si) & 1020;
    sj = load<u32>(j, W);
    store<u32>(j, si, W);
    nx = load<u32>(nb, W + 4);
    store<u32>(nb, sj, W + 0);
    k0 = load<u32>((si + sj) & 1020, W) >> 2;
    si = nx;
    // byte 1: i = nb + 1
    j = (j + si) & 1020;
    sj = load<u32>(j, W);
    store<u32>(j, si, W);
    nx = load<u32>(nb, W + 8);
    store<u32>(nb, sj, W + 4);
    k0 |= load<u32>((si + sj) & 1020, W) << 6;
    si = nx;
    // byte 2: i = nb + 2
    j = (j + si) & 1020;
    sj = load<u32>(j, W);
    store<u32>(j, si, W);
    nx = load<u32>(nb, W + 12);
    store<u32>(nb, sj, W + 8);
    k0 |= load<u32>((si + sj) & 1020, W) << 14;
    si = nx;
    // byte 3: i = nb + 3
    j = (j + si) & 1020;
    sj = load<u32>(j, W);
    store<u32>(j, si, W);
    nx = load<u32>(nb, W + 16);
    store<u32>(nb, sj, W + 12);
    k0 |= load<u32>((si + sj) & 1020, W) << 22;
    si = nx;
    // byte 4: i = nb + 4
    j = (j + si) & 1020;
    sj = load<u32>(j, W);
    store<u32>(j, si, W);
    nx = load<u32>(nb, W + 20);
    store<u32>(nb, sj, W + 16);
    k1 = load<u32>((si + sj) & 1020, W) >> 2;
    si = nx;
    // byte 5: i = nb + 5
    j = (j + si) & 1020;
    sj = load<u32>(j, W);
    store<u32>(j, si, W);
    nx = load<u32>(nb, W + 24);
    store<u32>(nb, sj, W + 20);
    k1 |= load<u32>((si + sj) & 1020, W) << 6;
    si = nx;
    // byte 6: i = nb + 6
    j = (j + si) & 1020;
    sj = load<u32>(j, W);
    store<u32>(j, si, W);
    nx = load<u32>(nb, W + 28);
    store<u32>(nb, sj, W + 24);
    k1 |= load<u32>((si + sj) & 1020, W) << 14;
    si = nx;
    // byte 7: i = nb + 7
    j = (j + si) & 1020;
    sj = load<u32>(j, W);
    store<u32>(j, si, W);
    nn = (nb + 32) & 1020;
    nx = load<u32>(nn, W);
    store<u32>(nb, sj, W + 28);
    k1 |= load<u32>((si + sj) & 1020, W) << 22;
    si = nx;
    nb = nn;
    store<u32>(p, load<u32>(p) ^ k0);
    store<u32>(p, load<u32>(p, 4) ^ k1, 4);
    p += 8;
  }
  wi = (nb - 4) & 1020;
  wj = j;
  wideBytes(p, end);
}

/** XORs the bytes `[p, end)` one at a time with the keystream of W; returns `end`. */
function wideBytes(p: usize, end: usize): usize {
  let i = wi;
  let j = wj;
  while (p < end) {
    i = (i + 4) & 1020;
    const si = load<u32>(i, W);
    j = (j + si) & 1020;
    const sj = load<u32>(j, W);
    store<u32>(i, sj, W);
    store<u32>(j, si, W);
    store<u8>(p, load<u8>(p) ^ <u8>(load<u32>((si + sj) & 1020, W) >> 2));
    p++;
  }
  wi = i;
  wj = j;
  return p;
}

/** The second S-box of `rc4InitPair`. */
const S2: usize = memory.data(256, 64);

/**
 * Two key schedules with 16-byte keys at once (NTLM's two sealing keys): `key1` into
 * state `st1`, `key2` into `st2`. The schedule is one long dependency chain through
 * `j`; running two chains side by side fills the cycles each one waits, so the pair
 * costs about 1.4 times one schedule, not twice.
 */
export function rc4InitPair(st1: usize, key1: usize, st2: usize, key2: usize): void {
  let w: u32 = 0x03020100;
  for (let i: usize = 0; i < 256; i += 4) {
    store<u32>(i, w, S);
    store<u32>(i, w, S2);
    w += 0x04040404;
  }
  let j: usize = 0;
  let h: usize = 0;
  for (let i: usize = 0; i < 256; i += 2) {
    const ka = <usize>load<u16>(key1 + (i & 15));
    const kb = <usize>load<u16>(key2 + (i & 15));
    let si = <usize>load<u8>(i, S);
    let ti = <usize>load<u8>(i, S2);
    j = (j + si + (ka & 255)) & 255;
    h = (h + ti + (kb & 255)) & 255;
    store<u8>(i, load<u8>(j, S), S);
    store<u8>(i, load<u8>(h, S2), S2);
    store<u8>(j, <u8>si, S);
    store<u8>(h, <u8>ti, S2);
    si = <usize>load<u8>(i + 1, S);
    ti = <usize>load<u8>(i + 1, S2);
    j = (j + si + (ka >> 8)) & 255;
    h = (h + ti + (kb >> 8)) & 255;
    store<u8>(i + 1, load<u8>(j, S), S);
    store<u8>(i + 1, load<u8>(h, S2), S2);
    store<u8>(j, <u8>si, S);
    store<u8>(h, <u8>ti, S2);
  }
  memory.copy(st1, S, 256);
  store<u16>(st1, 0, 256);
  memory.copy(st2, S2, 256);
  store<u16>(st2, 0, 256);
  memory.fill(S, 0, 256);
  memory.fill(S2, 0, 256);
}
