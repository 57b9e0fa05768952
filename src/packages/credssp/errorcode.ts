/**
 * The TSRequest `errorCode` (MS-CSSP 2.2.1, version 3 and later): the NTSTATUS a
 * failing CredSSP server sends its client, mapped from and to SSPI statuses.
 *
 * @module
 */
import {
  SEC_E_LOGON_DENIED,
  SEC_E_UNSUPPORTED_FUNCTION,
  STATUS_ACCOUNT_RESTRICTION,
  STATUS_PASSWORD_EXPIRED,
  STATUS_PASSWORD_MUST_CHANGE,
  STATUS_PASSWORD_RESTRICTION,
} from "../../sspi/status.ts";
import { STATUS_NOT_SUPPORTED } from "./delegated.ts";

const STATUS_LOGON_FAILURE = 0xC000006D;
const STATUS_UNSUCCESSFUL = 0xC0000001;
/** NTSTATUS values a client returns as they come (a password to change...). */
const PASSED_THROUGH: readonly number[] = [
  STATUS_ACCOUNT_RESTRICTION,
  STATUS_PASSWORD_EXPIRED,
  STATUS_PASSWORD_MUST_CHANGE,
  STATUS_PASSWORD_RESTRICTION,
];

/** The NTSTATUS a server reports for its failure `status` (signed, as the INTEGER goes on the wire). */
export function errorCodeOf(status: number): number {
  const u = status >>> 0;
  if (u === SEC_E_LOGON_DENIED) return STATUS_LOGON_FAILURE | 0;
  if (u === SEC_E_UNSUPPORTED_FUNCTION) return STATUS_NOT_SUPPORTED | 0;
  // NTSTATUS values handed through SSPI as they are (STATUS_ACCOUNT_RESTRICTION).
  if (u >>> 30 === 3) {
    return u | 0;
  }
  return STATUS_UNSUCCESSFUL | 0;
}

/** The SSPI status a client returns for the server's `errorCode`. */
export function statusOfErrorCode(code: number): number {
  const u = code >>> 0;
  if (u >>> 16 === 0x8009) return u;
  // The NTSTATUS values this SSPI hands through as they are (status.ts).
  if (PASSED_THROUGH.includes(u)) return u;
  if (u === STATUS_NOT_SUPPORTED) return SEC_E_UNSUPPORTED_FUNCTION;
  // STATUS_LOGON_FAILURE, STATUS_WRONG_PASSWORD, STATUS_NO_SUCH_USER and the rest.
  return SEC_E_LOGON_DENIED;
}
