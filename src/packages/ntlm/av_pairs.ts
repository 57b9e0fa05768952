/**
 * AV_PAIR lists (MS-NLMP 2.2.2.1): the TargetInfo of CHALLENGE and the tail of an
 * NTLMv2 response. Decoding checks every length against the buffer.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../sspi/status.ts";
import { writeUtf16le } from "../../util/bytes.ts";
import { MsvAvEOL } from "./constants.ts";

/** One AV_PAIR: its id and raw value. */
export interface AvPair {
  /** `MsvAv*` id. */
  id: number;
  /** The value bytes. */
  value: Uint8Array;
}

/**
 * A pair to append with `avRewrite`: its value as bytes, as text (written UTF-16LE)
 * or as a 32-bit number (written little-endian, as MsvAvFlags), so no value array
 * needs making.
 */
export interface AvPairValue {
  /** `MsvAv*` id. */
  id: number;
  /** Bytes, text or a u32. */
  value: Uint8Array | string | number;
}

/** The size of an appended value. */
function valueSize(v: Uint8Array | string | number): number {
  return typeof v === "number"
    ? 4
    : typeof v === "string"
    ? 2 * v.length
    : v.length;
}

/**
 * Walks an AV_PAIR list up to MsvAvEOL (or the end of the buffer: some peers omit the
 * EOL), calling `visit(id, offset, length)` for each pair's value until it returns
 * true. A pair that runs past the buffer, or more than 1024 pairs, is
 * `SEC_E_INVALID_TOKEN`.
 */
function walkAvPairs(
  b: Uint8Array,
  visit: (id: number, at: number, len: number) => boolean | void,
): void {
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
    if (id === MsvAvEOL) return;
    if (o + 4 + len > b.length) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "AV_PAIR value runs past the TargetInfo",
      );
    }
    if (++count > 1024) {
      throw new SspiError(SEC_E_INVALID_TOKEN, "too many AV_PAIRs");
    }
    if (visit(id, o + 4, len)) return;
    o += 4 + len;
  }
}

/** Writes one pair at `o`; returns the offset after it. */
function writePair(
  out: Uint8Array,
  o: number,
  id: number,
  value: Uint8Array | string | number,
): number {
  const len = valueSize(value);
  out[o] = id & 0xff;
  out[o + 1] = id >>> 8;
  out[o + 2] = len & 0xff;
  out[o + 3] = len >>> 8;
  if (typeof value === "number") {
    out[o + 4] = value & 0xff;
    out[o + 5] = (value >>> 8) & 0xff;
    out[o + 6] = (value >>> 16) & 0xff;
    out[o + 7] = value >>> 24;
  } else if (typeof value === "string") {
    writeUtf16le(out, o + 4, value);
  } else {
    out.set(value, o + 4);
  }
  return o + 4 + len;
}

/**
 * Decodes an AV_PAIR list up to MsvAvEOL. A list with no EOL is accepted when it ends
 * exactly at the buffer's end (some peers omit it); a pair that runs past the end is
 * `SEC_E_INVALID_TOKEN`.
 */
export function decodeAvPairs(b: Uint8Array): AvPair[] {
  const out: AvPair[] = [];
  walkAvPairs(b, (id, at, len) => {
    out.push({ id, value: b.subarray(at, at + len) });
  });
  return out;
}

/** Encodes an AV_PAIR list and appends MsvAvEOL. */
export function encodeAvPairs(pairs: readonly AvPair[]): Uint8Array {
  let n = 4;
  for (const p of pairs) n += 4 + p.value.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of pairs) o = writePair(out, o, p.id, p.value);
  return out;
}

/**
 * Finds the first pair of each of `ids` in one walk of an AV_PAIR list, without
 * decoding it: `out[2k]` and `out[2k + 1]` get the offset and length of `ids[k]`'s
 * value, or -1 and 0 when it is absent. A malformed list ends the walk where it goes
 * wrong; the pairs found before that stand (the list was validated, or is refused,
 * elsewhere).
 */
export function avFindEach(
  b: Uint8Array,
  ids: readonly number[],
  out: Int32Array,
): Int32Array {
  for (let k = 0; k < ids.length; k++) {
    out[2 * k] = -1;
    out[2 * k + 1] = 0;
  }
  let left = ids.length;
  try {
    walkAvPairs(b, (id, at, len) => {
      const k = ids.indexOf(id);
      if (k < 0 || out[2 * k] >= 0) return false;
      out[2 * k] = at;
      out[2 * k + 1] = len;
      return --left === 0;
    });
  } catch {
    // Malformed past this point: what was found stands.
  }
  return out;
}

const ONE = new Int32Array(2);

/**
 * Finds the value of the first pair with `id`: `[offset, length]`, or null (see
 * `avFindEach`).
 */
export function avFind(b: Uint8Array, id: number): [number, number] | null {
  avFindEach(b, [id], ONE);
  return ONE[0] < 0 ? null : [ONE[0], ONE[1]];
}

/**
 * Copies the AV_PAIR list `b` without the pairs whose ids are in `drop` (and without
 * its MsvAvEOL), appends `extra` and MsvAvEOL, and returns it inside an array with
 * `before` free bytes ahead and `after` zero bytes behind (the NTLMv2 blob's layout):
 * a view of `scratch` when it has room (zeroed first), else a new array. A pair that
 * runs past the list is `SEC_E_INVALID_TOKEN`.
 */
export function avRewrite(
  b: Uint8Array,
  drop: readonly number[],
  extra: readonly AvPairValue[],
  before: number,
  after: number,
  scratch?: Uint8Array,
): Uint8Array {
  let n = 4;
  walkAvPairs(b, (id, _at, len) => {
    if (!drop.includes(id)) n += 4 + len;
  });
  for (const p of extra) n += 4 + valueSize(p.value);
  const size = before + n + after;
  const out = scratch && scratch.length >= size
    ? scratch.subarray(0, size).fill(0)
    : new Uint8Array(size);
  let w = before;
  walkAvPairs(b, (id, at, len) => {
    if (!drop.includes(id)) {
      // Byte copies: pairs are short, and a view per pair costs an allocation.
      for (let k = at - 4; k < at + len; k++) out[w++] = b[k];
    }
  });
  for (const p of extra) w = writePair(out, w, p.id, p.value);
  return out;
}
