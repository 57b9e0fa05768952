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
  let n = 4;
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

/** The value of the first pair with `id`, or undefined. */
export function avGet(
  pairs: readonly AvPair[],
  id: number,
): Uint8Array | undefined {
  for (const p of pairs) if (p.id === id) return p.value;
  return undefined;
}
