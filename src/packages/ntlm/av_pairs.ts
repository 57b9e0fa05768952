/**
 * AV_PAIR lists (MS-NLMP 2.2.2.1): the TargetInfo of CHALLENGE and the tail of an
 * NTLMv2 response. Decoding checks every length against the buffer.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../sspi/status.ts";
import { MsvAvEOL } from "./constants.ts";

/** One AV_PAIR: its id and raw value. */
export interface AvPair {
  /** `MsvAv*` id. */
  id: number;
  /** The value bytes. */
  value: Uint8Array;
}

/**
 * Decodes an AV_PAIR list up to MsvAvEOL. A list with no EOL is accepted when it ends
 * exactly at the buffer's end (some peers omit it); a pair that runs past the end is
 * `SEC_E_INVALID_TOKEN`.
 */
export function decodeAvPairs(b: Uint8Array): AvPair[] {
  const out: AvPair[] = [];
  let o = 0;
  while (o < b.length) {
    if (o + 4 > b.length) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "AV_PAIR header runs past the TargetInfo",
      );
    }
    const id = b[o] | (b[o + 1] << 8);
    const len = b[o + 2] | (b[o + 3] << 8);
    o += 4;
    if (id === MsvAvEOL) return out;
    if (o + len > b.length) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "AV_PAIR value runs past the TargetInfo",
      );
    }
    out.push({ id, value: b.subarray(o, o + len) });
    o += len;
    if (out.length > 1024) {
      throw new SspiError(SEC_E_INVALID_TOKEN, "too many AV_PAIRs");
    }
  }
  return out;
}

/** Encodes an AV_PAIR list and appends MsvAvEOL. */
export function encodeAvPairs(pairs: readonly AvPair[]): Uint8Array {
  return encodePairs(pairs, 4);
}

/** Encodes an AV_PAIR list without the closing MsvAvEOL (a prefix to extend). */
export function encodeAvPairsNoEol(pairs: readonly AvPair[]): Uint8Array {
  return encodePairs(pairs, 0);
}

function encodePairs(pairs: readonly AvPair[], eol: number): Uint8Array {
  let n = eol;
  for (const p of pairs) n += 4 + p.value.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of pairs) {
    out[o] = p.id & 0xff;
    out[o + 1] = p.id >>> 8;
    out[o + 2] = p.value.length & 0xff;
    out[o + 3] = p.value.length >>> 8;
    out.set(p.value, o + 4);
    o += 4 + p.value.length;
  }
  return out;
}

/**
 * Finds the value of the first pair with `id` in an AV_PAIR list without decoding
 * the list: returns `[offset, length]` of the value, or null. Malformed lists give
 * null (they were validated, or are refused, elsewhere).
 */
export function avFind(b: Uint8Array, id: number): [number, number] | null {
  let o = 0;
  while (o + 4 <= b.length) {
    const pid = b[o] | (b[o + 1] << 8);
    const len = b[o + 2] | (b[o + 3] << 8);
    if (pid === MsvAvEOL) return null;
    if (o + 4 + len > b.length) return null;
    if (pid === id) return [o + 4, len];
    o += 4 + len;
  }
  return null;
}

/**
 * Copies the AV_PAIR list `b` without the pairs whose ids are in `drop` (and without
 * its MsvAvEOL), appends `extra` and MsvAvEOL, and returns it inside a new array with
 * `before` free bytes ahead and `after` zero bytes behind (the NTLMv2 blob's layout).
 * A pair that runs past the list is `SEC_E_INVALID_TOKEN`.
 */
export function avRewrite(
  b: Uint8Array,
  drop: readonly number[],
  extra: readonly AvPair[],
  before: number,
  after: number,
): Uint8Array {
  let keep = 0;
  let o = 0;
  let count = 0;
  while (o < b.length) {
    if (o + 4 > b.length) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "AV_PAIR header runs past the TargetInfo",
      );
    }
    const id = b[o] | (b[o + 1] << 8);
    const len = b[o + 2] | (b[o + 3] << 8);
    if (id === MsvAvEOL) break;
    if (o + 4 + len > b.length) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "AV_PAIR value runs past the TargetInfo",
      );
    }
    if (++count > 1024) {
      throw new SspiError(SEC_E_INVALID_TOKEN, "too many AV_PAIRs");
    }
    if (!drop.includes(id)) keep += 4 + len;
    o += 4 + len;
  }
  let n = keep + 4;
  for (const p of extra) n += 4 + p.value.length;
  const out = new Uint8Array(before + n + after);
  let w = before;
  o = 0;
  while (o + 4 <= b.length) {
    const id = b[o] | (b[o + 1] << 8);
    const len = b[o + 2] | (b[o + 3] << 8);
    if (id === MsvAvEOL) break;
    if (!drop.includes(id)) {
      out.set(b.subarray(o, o + 4 + len), w);
      w += 4 + len;
    }
    o += 4 + len;
  }
  for (const p of extra) {
    out[w] = p.id & 0xff;
    out[w + 1] = p.id >>> 8;
    out[w + 2] = p.value.length & 0xff;
    out[w + 3] = p.value.length >>> 8;
    out.set(p.value, w + 4);
    w += 4 + p.value.length;
  }
  return out;
}
