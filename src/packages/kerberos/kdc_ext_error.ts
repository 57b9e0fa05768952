/**
 * The NTSTATUS an Active Directory KDC puts in a KRB-ERROR's e-data (MS-KILE
 * 2.2.1, KERB-EXT-ERROR: status, reserved, flags; AD sends it as the value of a
 * PA-PW-SALT entry of the METHOD-DATA), which says why a logon was refused more
 * precisely than the Kerberos error code: a disabled or locked-out account, an
 * expired password or one that must change.
 *
 * @module
 */
import { DerError } from "../../der/errors.ts";
import {
  STATUS_PASSWORD_EXPIRED,
  STATUS_PASSWORD_MUST_CHANGE,
} from "../../sspi/status.ts";
import { PA_PW_SALT } from "./constants.ts";
import { decodeMethodData } from "./messages.ts";

/** What the NTSTATUS values an AD KDC sends mean, for error messages. */
const TEXT: Readonly<Record<number, string>> = {
  0xC000006A: "wrong password (STATUS_WRONG_PASSWORD)",
  0xC000006D: "logon failure (STATUS_LOGON_FAILURE)",
  0xC000006E: "account restriction (STATUS_ACCOUNT_RESTRICTION)",
  0xC000006F: "outside the account's logon hours (STATUS_INVALID_LOGON_HOURS)",
  0xC0000070: "not allowed from this workstation (STATUS_INVALID_WORKSTATION)",
  0xC0000071: "the password has expired (STATUS_PASSWORD_EXPIRED)",
  0xC0000072: "the account is disabled (STATUS_ACCOUNT_DISABLED)",
  0xC0000193: "the account has expired (STATUS_ACCOUNT_EXPIRED)",
  0xC0000224:
    "the password must be changed before logging on (STATUS_PASSWORD_MUST_CHANGE)",
  0xC0000234: "the account is locked out (STATUS_ACCOUNT_LOCKED_OUT)",
};

/** The NTSTATUS in a KRB-ERROR's e-data, or null (none, or not in that form). */
export function extendedStatus(eData: Uint8Array | undefined): number | null {
  if (!eData) return null;
  try {
    for (const pa of decodeMethodData(eData)) {
      const v = pa.padataValue;
      if (pa.padataType === PA_PW_SALT && v.length === 12) {
        return new DataView(v.buffer, v.byteOffset, 12).getUint32(0, true);
      }
    }
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
  }
  return null;
}

/** A sentence for an extended status, or "" for one not listed. */
export function extendedStatusText(status: number | null): string {
  return status === null ? "" : TEXT[status] ?? "";
}

/**
 * The status to return for an extended status: the password ones as themselves (so
 * the caller knows to call `ChangeAccountPassword`), null for the rest (the
 * Kerberos error code decides).
 */
export function statusOfExtended(status: number | null): number | null {
  return status === STATUS_PASSWORD_MUST_CHANGE ||
      status === STATUS_PASSWORD_EXPIRED
    ? status
    : null;
}
