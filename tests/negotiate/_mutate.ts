/**
 * DER-aware mutations of SPNEGO tokens for the property tests (`fuzz_test.ts`,
 * `plugin_test.ts`).
 *
 * @module
 */
import { scanDer } from "../../src/der/mod.ts";

const LENGTHS = [
  [0x80],
  [0x84, 0xff, 0xff, 0xff, 0xff],
  [0x84, 0x7f, 0xff, 0xff, 0xff],
  [0x85, 1, 0, 0, 0, 0],
  [0x81, 0x00],
  [0x82, 0xff, 0xff],
  [0xff],
  [0],
];
const TAGS = [
  0x30,
  0xa0,
  0xa1,
  0xa2,
  0xa3,
  0xa4,
  0x04,
  0x06,
  0x0a,
  0x60,
  0x1f,
  0xbf,
  0x03,
  0x1b,
];

function splice(
  b: Uint8Array,
  at: number,
  del: number,
  ins: number[],
): Uint8Array {
  at = Math.min(at, b.length);
  del = Math.min(del, b.length - at);
  const out = new Uint8Array(b.length - del + ins.length);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(at + del), at + ins.length);
  return out;
}

/**
 * One DER-aware mutation of a token: bit flips, truncation, a length or tag replaced,
 * a length off by a little, deep nesting around it, a TLV duplicated, bytes inserted
 * or removed, or random bytes over a header.
 */
export function mutate(src: Uint8Array, r: (n: number) => number): Uint8Array {
  let tlvs: { off: number; hdr: number }[] = [];
  try {
    const t = scanDer(src, { maxEntries: 4096 });
    for (let i = 0; i < t.count; i++) {
      tlvs.push({
        off: t.offset(i),
        hdr: t.end(i) - t.length(i) - t.offset(i),
      });
    }
  } catch {
    tlvs = [{ off: 0, hdr: 2 }];
  }
  const tlv = tlvs[r(tlvs.length)];
  let b: Uint8Array = src.slice();
  switch (r(9)) {
    case 0: // bit flips
      for (let i = 0, n = 1 + r(6); i < n; i++) b[r(b.length)] ^= 1 << r(8);
      break;
    case 1: // truncation
      b = b.slice(0, r(b.length));
      break;
    case 2: // a length field replaced
      b = splice(
        b,
        tlv.off + 1,
        Math.max(1, tlv.hdr - 1),
        LENGTHS[r(LENGTHS.length)],
      );
      break;
    case 3: { // a length off by a little
      const at = tlv.off + tlv.hdr - 1;
      if (at < b.length) b[at] = (b[at] + (r(2) ? 1 : 255) * (1 + r(3))) & 255;
      break;
    }
    case 4: // a tag replaced
      b[tlv.off] = TAGS[r(TAGS.length)];
      break;
    case 5: { // deep nesting around the token
      const depth = 1 + r(200);
      for (let i = 0; i < depth; i++) {
        const len = b.length;
        b = splice(b, 0, 0, [
          0x30,
          0x84,
          len >>> 24,
          (len >>> 16) & 255,
          (len >>> 8) & 255,
          len & 255,
        ]);
      }
      break;
    }
    case 6: { // a TLV duplicated in place
      const end = Math.min(b.length, tlv.off + tlv.hdr + r(64));
      b = splice(b, tlv.off, 0, [...b.subarray(tlv.off, end)]);
      break;
    }
    case 7: // bytes inserted or removed
      b = r(2)
        ? splice(b, r(b.length), 0, [r(256), r(256)])
        : splice(b, r(b.length), 1 + r(4), []);
      break;
    default: // random bytes over the header
      for (let i = 0; i < 4; i++) b[(tlv.off + i) % b.length] = r(256);
  }
  return b;
}
