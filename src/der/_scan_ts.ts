/**
 * The TypeScript DER scanner: validates a whole TLV tree against the buffer and fills a
 * flat table, in preorder, of `(tag, headerLen, offset, length, depth)` entries.
 *
 * Kept in TypeScript on the benchmark's word: an AssemblyScript build of the same loop
 * (input copied into linear memory, table copied out) scanned SPNEGO tokens at about
 * 0.65x the speed of this JIT-compiled version, and a 14 KB, 501-element token at
 * 0.8x: for inputs this small the copies cost more than the loop. `setDerScanner`
 * (tree.ts) lets a WebAssembly scanner with this contract replace it.
 *
 * @module
 */
import {
  DER_ENTRY_SIZE,
  DER_ERR_DEPTH,
  DER_ERR_INDEFINITE,
  DER_ERR_LENGTH,
  DER_ERR_TAG,
  DER_ERR_TOO_MANY,
  DER_ERR_TRAILING,
  DER_ERR_TRUNCATED,
} from "./_table.ts";

let stack = new Int32Array(65);

/**
 * Scans `bytes` into `out` (`DER_ENTRY_SIZE` int32 per entry). Returns the number of
 * entries (>= 1), or a negative `DER_ERR_*` code. The buffer must hold exactly one
 * top-level TLV unless `allowTrailing` is set.
 */
export function scanDerTs(
  bytes: Uint8Array,
  out: Int32Array,
  maxDepth: number,
  allowTrailing: boolean,
  maxEntries: number = Infinity,
): number {
  const cap = Math.min(Math.floor(out.length / DER_ENTRY_SIZE), maxEntries);
  const end = bytes.length;
  // Stack of the end offsets of the open constructed values.
  if (stack.length < maxDepth + 1) stack = new Int32Array(maxDepth + 1);
  const ends = stack;
  let sp = 0;
  let pos = 0;
  let n = 0;
  ends[0] = end;
  while (true) {
    // Close every constructed value whose content ends here.
    while (sp > 0 && pos === ends[sp]) sp--;
    if (sp === 0 && n > 0) break;
    const limit = ends[sp];
    if (pos >= limit) return DER_ERR_TRUNCATED;
    const start = pos;
    const id = bytes[pos++];
    let tag = id;
    if ((id & 0x1f) === 0x1f) {
      // High tag number form: base-128, at most 4 bytes (28 bits), minimal.
      let num = 0;
      let k = 0;
      while (true) {
        if (pos >= limit) return DER_ERR_TRUNCATED;
        const b = bytes[pos++];
        if (k === 0 && b === 0x80) return DER_ERR_TAG;
        num = num * 128 + (b & 0x7f);
        if (++k > 4) return DER_ERR_TAG;
        if (!(b & 0x80)) break;
      }
      if (num < 31) return DER_ERR_TAG;
      tag = (id & 0xff) | (num << 8);
    }
    if (pos >= limit) return DER_ERR_TRUNCATED;
    const l0 = bytes[pos++];
    let len: number;
    if (l0 < 0x80) {
      len = l0;
    } else if (l0 === 0x80) {
      return DER_ERR_INDEFINITE;
    } else {
      const k = l0 & 0x7f;
      if (k > 4) return DER_ERR_LENGTH;
      if (limit - pos < k) return DER_ERR_TRUNCATED;
      len = 0;
      for (let i = 0; i < k; i++) len = len * 256 + bytes[pos++];
      if (len > 0x7fffffff) return DER_ERR_LENGTH;
    }
    const hdr = pos - start;
    if (len > limit - pos) return DER_ERR_TRUNCATED;
    if (n >= cap) return DER_ERR_TOO_MANY;
    const e = n * DER_ENTRY_SIZE;
    out[e] = tag;
    out[e + 1] = hdr;
    out[e + 2] = start;
    out[e + 3] = len;
    out[e + 4] = sp;
    n++;
    if ((id & 0x20) && len > 0) {
      if (sp >= maxDepth) return DER_ERR_DEPTH;
      ends[++sp] = pos + len;
    } else {
      pos += len;
    }
    if (sp === 0) break;
  }
  if (!allowTrailing && pos !== end) return DER_ERR_TRAILING;
  return n;
}
