// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), slicing-by-8.

const T: usize = memory.data(8 * 1024, 16);

/** Fills the eight 256-entry lookup tables. Called once from the start function. */
export function crc32Tables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(T + (n << 2), c);
  }
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(T + (n << 2));
    for (let t: u32 = 1; t < 8; t++) {
      c = load<u32>(T + ((c & 255) << 2)) ^ (c >>> 8);
      store<u32>(T + (t << 10) + (n << 2), c);
    }
  }
}

// @ts-ignore: decorator
@inline function t(k: u32, b: u32): u32 {
  return load<u32>(T + (k << 10) + (b << 2));
}

/** Continues a CRC-32 `crc` (0 to start) over `len` bytes at `p`; returns the new value. */
export function crc32Update(crc: u32, p: usize, len: i32): u32 {
  let c = ~crc;
  const end = p + <usize>len;
  const end8 = p + <usize>(len & ~7);
  while (p < end8) {
    const a = load<u32>(p) ^ c;
    const b = load<u32>(p, 4);
    c = t(7, a & 255) ^ t(6, (a >>> 8) & 255) ^ t(5, (a >>> 16) & 255) ^ t(4, a >>> 24) ^
      t(3, b & 255) ^ t(2, (b >>> 8) & 255) ^ t(1, (b >>> 16) & 255) ^ t(0, b >>> 24);
    p += 8;
  }
  while (p < end) {
    c = t(0, (c ^ <u32>load<u8>(p)) & 255) ^ (c >>> 8);
    p++;
  }
  return ~c;
}
