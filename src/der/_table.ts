/**
 * The layout of the flat DER table shared by the TypeScript and WebAssembly scanners,
 * and their error codes.
 *
 * @module
 */

/** Int32 slots per table entry: tag, headerLen, offset, length, depth. */
export const DER_ENTRY_SIZE: number = 5;
/** The input ends inside a TLV (or a child overruns its parent). */
export const DER_ERR_TRUNCATED: number = -1;
/** Indefinite length (0x80): refused by DER. */
export const DER_ERR_INDEFINITE: number = -2;
/** A length field longer than 4 bytes or above 2^31 - 1. */
export const DER_ERR_LENGTH: number = -3;
/** A malformed high-tag-number identifier. */
export const DER_ERR_TAG: number = -4;
/** Nesting deeper than allowed. */
export const DER_ERR_DEPTH: number = -5;
/** More TLVs than the table holds. */
export const DER_ERR_TOO_MANY: number = -6;
/** Bytes after the top-level TLV. */
export const DER_ERR_TRAILING: number = -7;

/** A sentence for each scanner error code. */
export function derErrorMessage(code: number): string {
  switch (code) {
    case DER_ERR_TRUNCATED:
      return "Cannot decode token: length field exceeds the buffer";
    case DER_ERR_INDEFINITE:
      return "Cannot decode token: indefinite lengths are not DER";
    case DER_ERR_LENGTH:
      return "Cannot decode token: length field too large";
    case DER_ERR_TAG:
      return "Cannot decode token: malformed tag";
    case DER_ERR_DEPTH:
      return "Cannot decode token: nesting too deep";
    case DER_ERR_TOO_MANY:
      return "Cannot decode token: too many elements";
    case DER_ERR_TRAILING:
      return "Cannot decode token: trailing bytes after the value";
  }
  return "Cannot decode token: malformed DER";
}
