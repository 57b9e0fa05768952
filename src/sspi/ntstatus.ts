/**
 * Sentences for the NTSTATUS values a domain controller gives for a refused logon
 * (an AD KDC in a KRB-ERROR's e-data, Netlogon in a network logon's answer), for
 * error messages. The statuses a caller acts on are in `status.ts`.
 *
 * @module
 */

/** What the logon NTSTATUS values mean. */
const TEXT: Readonly<Record<number, string>> = {
  0xC0000022: "access denied (STATUS_ACCESS_DENIED)",
  0xC000005E: "no logon servers for the domain (STATUS_NO_LOGON_SERVERS)",
  0xC0000064: "no such user (STATUS_NO_SUCH_USER)",
  0xC000006A: "wrong password (STATUS_WRONG_PASSWORD)",
  0xC000006D: "logon failure (STATUS_LOGON_FAILURE)",
  0xC000006E: "account restriction (STATUS_ACCOUNT_RESTRICTION)",
  0xC000006F: "outside the account's logon hours (STATUS_INVALID_LOGON_HOURS)",
  0xC0000070: "not allowed from this workstation (STATUS_INVALID_WORKSTATION)",
  0xC0000071: "the password has expired (STATUS_PASSWORD_EXPIRED)",
  0xC0000072: "the account is disabled (STATUS_ACCOUNT_DISABLED)",
  0xC000018B:
    "this server's account is not trusted (STATUS_NO_TRUST_SAM_ACCOUNT)",
  0xC000018C: "the trust failed (STATUS_TRUSTED_DOMAIN_FAILURE)",
  0xC0000193: "the account has expired (STATUS_ACCOUNT_EXPIRED)",
  0xC0000224:
    "the password must be changed before logging on (STATUS_PASSWORD_MUST_CHANGE)",
  0xC0000234: "the account is locked out (STATUS_ACCOUNT_LOCKED_OUT)",
};

/**
 * A sentence for a logon NTSTATUS; for one not listed, its number in hex.
 *
 * @example
 * ```ts
 * import { ntStatusText } from "./ntstatus.ts";
 * ntStatusText(0xC0000072); // "the account is disabled (STATUS_ACCOUNT_DISABLED)"
 * ```
 */
export function ntStatusText(status: number): string {
  return TEXT[status] ??
    `NTSTATUS 0x${(status >>> 0).toString(16).padStart(8, "0")}`;
}

/** Whether a sentence is listed for `status`. */
export function ntStatusKnown(status: number): boolean {
  return TEXT[status] !== undefined;
}
