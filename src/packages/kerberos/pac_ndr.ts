/**
 * The NDR side of the Windows PAC: the logon information buffer (MS-PAC 2.5), whose
 * `KERB_VALIDATION_INFO` is read by `src/netlogon/validation.ts` (the structure a
 * DC's Netlogon answer shares). That buffer is a type serialization version 1 stream (MS-RPCE 2.2.6: an 8-byte common
 * type header and an 8-byte private header) of NDR20 little-endian data: the
 * top-level unique pointer, the fixed part of the structure, then the referents of
 * its embedded pointers in the order the pointers appear (the referents of pointers
 * inside an array follow that array).
 *
 * Malformed input never throws out of this module's decoders: they return
 * `{ error }`. Inside, every read is checked against the end of the buffer and every
 * count is capped before anything is allocated or looped over, so the work done is
 * bounded by the input size. The `UserSessionKey` field is skipped, never kept.
 *
 * @module
 */
import { MAX_NDR_COUNT, NdrError, NdrReader } from "../../rpc/ndr.ts";
import {
  type KerbValidationInfo,
  readKerbValidationInfo,
} from "../../netlogon/validation.ts";

export { checkCount, readSid } from "../../rpc/ndr.ts";

/**
 * The one error type the PAC readers raise internally; decoders turn it into
 * `{ error }`. It is the generic NDR reader's error ({@linkcode NdrError}), so one
 * `instanceof` catches both.
 */
export const PacError: typeof NdrError = NdrError;
/** An instance of {@linkcode PacError}. */
export type PacError = NdrError;

/** The largest element count any PAC array or list may declare. */
export const MAX_PAC_COUNT: number = MAX_NDR_COUNT;

/**
 * The bounds-checked little-endian NDR reader (`src/rpc/ndr.ts`) over
 * `bytes[start, end)`, with messages starting "PAC".
 */
export class PacReader extends NdrReader {
  /** A reader of `bytes[start, end)` positioned at `start`. */
  constructor(bytes: Uint8Array, start = 0, end: number = bytes.length) {
    super(bytes, start, end, "PAC");
  }
}

export type {
  GroupMembership,
  KerbValidationInfo,
  SidAndAttributes,
} from "../../netlogon/validation.ts";

/**
 * Decodes the logon information buffer (PAC buffer type 1): the MS-RPCE type
 * serialization headers, then `KERB_VALIDATION_INFO` as NDR. Returns `{ error }` on
 * any malformed input.
 */
export function decodeKerbValidationInfo(
  bytes: Uint8Array,
): KerbValidationInfo | { error: string } {
  try {
    return readValidationInfo(bytes);
  } catch (e) {
    if (e instanceof PacError) return { error: e.message };
    throw e;
  }
}

/** Reads the MS-RPCE 2.2.6 headers; returns a reader bounded by ObjectBufferLength. */
function serializedBody(bytes: Uint8Array): PacReader {
  const h = new PacReader(bytes);
  const what = "logon info header";
  if (h.u8(what) !== 1 || h.u8(what) !== 0x10 || h.u16(what) !== 8) {
    throw new PacError("PAC logon info is not NDR type serialization v1 (LE)");
  }
  h.take(4, what); // Filler 0xcccccccc
  const length = h.u32(what);
  h.take(4, what); // Filler
  if (length > h.remaining) {
    throw new PacError("PAC logon info ObjectBufferLength exceeds the buffer");
  }
  const r = new PacReader(bytes, 0, h.pos + length);
  r.pos = h.pos;
  return r;
}

function readValidationInfo(bytes: Uint8Array): KerbValidationInfo {
  const r = serializedBody(bytes);
  if (r.u32("logon info pointer") === 0) {
    throw new PacError("PAC logon info is a null pointer");
  }
  return readKerbValidationInfo(r);
}
