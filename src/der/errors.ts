/**
 * The error the DER helpers throw for malformed input. Packages catch it and turn it into
 * their status (`SEC_E_INVALID_TOKEN`); it never leaves a package.
 *
 * @module
 */

/**
 * Malformed or unexpected DER, with one sentence saying why.
 *
 * @example
 * ```ts
 * import { DerError } from "./errors.ts";
 * throw new DerError("Cannot decode token: length field exceeds the buffer");
 * ```
 */
export class DerError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}
