/**
 * How an SMB2 server's refusals become SSPI statuses: a session setup refused with a
 * logon NTSTATUS is `SEC_E_LOGON_DENIED`; any other failure status is an
 * {@linkcode SmbStatusError} with `SEC_E_NO_AUTHENTICATING_AUTHORITY` (the server did
 * not perform the operation), as an RPC fault is.
 *
 * @module
 */
import { ntStatusKnown, ntStatusText } from "../sspi/ntstatus.ts";
import { SspiError } from "../sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
} from "../sspi/status.ts";

/** The NTSTATUS values an SMB2 client meets beyond the logon ones. */
const NAMES: Readonly<Record<number, string>> = {
  0xc000000d: "STATUS_INVALID_PARAMETER",
  0xc0000034: "STATUS_OBJECT_NAME_NOT_FOUND",
  0xc0000035: "STATUS_OBJECT_NAME_COLLISION",
  0xc0000011: "STATUS_END_OF_FILE",
  0xc00000b0: "STATUS_PIPE_DISCONNECTED",
  0xc00000ba: "STATUS_FILE_IS_A_DIRECTORY",
  0xc00000bb: "STATUS_NOT_SUPPORTED",
  0xc00000c9: "STATUS_NETWORK_NAME_DELETED",
  0xc00000cc: "STATUS_BAD_NETWORK_NAME",
  0xc000014b: "STATUS_PIPE_BROKEN",
  0xc0000103: "STATUS_NOT_A_DIRECTORY",
  0xc0000203: "STATUS_USER_SESSION_DELETED",
  0xc000035c: "STATUS_NETWORK_SESSION_EXPIRED",
  0xc0000022: "STATUS_ACCESS_DENIED",
};

/** An NTSTATUS in words: its name or logon sentence, or its hex value. */
export function ntStatusName(status: number): string {
  const s = status >>> 0;
  if (NAMES[s]) return NAMES[s];
  if (ntStatusKnown(s)) return ntStatusText(s);
  return `NTSTATUS 0x${s.toString(16).padStart(8, "0")}`;
}

/**
 * An SMB2 server answered `command` with the failure `ntStatus`. Logon failures
 * answering a session setup are `SEC_E_LOGON_DENIED`; the rest
 * `SEC_E_NO_AUTHENTICATING_AUTHORITY`.
 *
 * @example
 * ```ts
 * import { SmbStatusError } from "./errors.ts";
 * const e = new SmbStatusError(0xc0000034, "127.0.0.1:445", "CREATE");
 * e.ntStatus === 0xc0000034; // e.message names STATUS_OBJECT_NAME_NOT_FOUND
 * ```
 */
export class SmbStatusError extends SspiError {
  /** The NTSTATUS the server answered with. */
  readonly ntStatus: number;
  /** A refusal of `command` by the server at `where` (host:port). */
  constructor(ntStatus: number, where: string, command: string) {
    const logon = command === "SESSION_SETUP" && ntStatusKnown(ntStatus);
    super(
      logon ? SEC_E_LOGON_DENIED : SEC_E_NO_AUTHENTICATING_AUTHORITY,
      `SMB server ${where} answered the ${command} with ${
        ntStatusName(ntStatus)
      }`,
    );
    this.name = "SmbStatusError";
    this.ntStatus = ntStatus >>> 0;
  }
}

/** A malformed or unexpected message from the server at `where`. */
export function malformed(where: string, what: string): SspiError {
  return new SspiError(SEC_E_INVALID_TOKEN, `SMB server ${where}: ${what}`);
}
