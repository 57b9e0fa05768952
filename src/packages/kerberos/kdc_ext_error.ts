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
import { ntStatusKnown, ntStatusText } from "../../sspi/ntstatus.ts";
import { PA_PW_SALT } from "./constants.ts";
import { decodeMethodData } from "./messages.ts";

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
  return status === null || !ntStatusKnown(status) ? "" : ntStatusText(status);
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
