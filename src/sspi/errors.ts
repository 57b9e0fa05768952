/**
 * The one error type packages use internally to carry an SSPI status with a sentence.
 * The dispatcher turns it into the function's return value; it never reaches callers.
 *
 * @module
 */
import { statusName } from "./status.ts";

/**
 * A protocol failure with its `SEC_E_*` status. Messages never hold secrets.
 *
 * @example
 * ```ts
 * import { SspiError } from "./errors.ts";
 * import { SEC_E_INVALID_TOKEN } from "./status.ts";
 * throw new SspiError(SEC_E_INVALID_TOKEN, "Cannot decode token: length field exceeds the buffer");
 * ```
 */
export class SspiError extends Error {
  /** The SSPI status (unsigned). */
  readonly status: number;
  /** The sentence alone, without the status name `message` starts with. */
  readonly reason: string;
  /** Creates an error carrying `status`. */
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(`${statusName(status)}: ${message}`, options);
    this.name = "SspiError";
    this.status = status >>> 0;
    this.reason = message;
  }
}

/** The status and sentence of the most recent failed SSPI call (see `lastErrorDetail`). */
export interface ErrorDetail {
  /** The status the call returned. */
  status: number;
  /** Why, in one sentence; never holds secrets. */
  message: string;
}
