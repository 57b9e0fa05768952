/**
 * `ChangeAccountPassword` (sspi.h): changes a domain account's password through a
 * package that can (Kerberos, and Negotiate through it).
 *
 * @module
 */
import { findBuffer, type SecBufferDesc } from "./buffers.ts";
import { fail } from "./_dispatch.ts";
import { SECBUFFER_CHANGE_PASS_RESPONSE } from "./flags.ts";
import { findPackage } from "./registry.ts";
import {
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "./status.ts";

/**
 * Changes the password of `pszAccountName` in `pszDomainName` from
 * `pszOldPassword` to `pszNewPassword`, as Windows' `ChangeAccountPassword` does
 * with the `Kerberos` and `Negotiate` packages (RFC 3244 kpasswd: an AS exchange
 * with the old password, which works even when it has expired or must change, then
 * the change at the realm's kpasswd service). It needs the network, so it returns a
 * Promise of the status (a departure: the Windows call blocks).
 *
 * `pOutput`, when given, must hold one `SECBUFFER_CHANGE_PASS_RESPONSE` buffer;
 * when the domain refuses the new password and sends its policy, `pvBuffer` becomes
 * the 24 bytes of a `DOMAIN_PASSWORD_INFORMATION` (ntsecapi.h, little-endian), which
 * `decodeDomainPasswordInformation` reads. `options` (a portable
 * extension) says where the servers are: `{ Kdc, Kpasswd, KdcTransport,
 * KdcTimeoutMs }`, else `krb5.conf`.
 *
 * Statuses: `SEC_E_OK`; `SEC_E_LOGON_DENIED` (wrong old password, refused);
 * `STATUS_PASSWORD_RESTRICTION` (the policy refuses the new password: length,
 * complexity, history, minimum age); `SEC_E_NO_AUTHENTICATING_AUTHORITY` (no KDC or
 * kpasswd server answers); `SEC_E_UNSUPPORTED_FUNCTION` for `NTLM` (which needs the
 * domain's SAM RPC interface) and packages without it.
 *
 * @example
 * ```ts ignore
 * import { ChangeAccountPassword, SEC_E_OK } from "../../mod.ts";
 * const st = await ChangeAccountPassword("Kerberos", "EXAMPLE.COM", "alice",
 *   "old-pw", "New-Passw0rd!", false, 0, null, { Kdc: "dc1.example.com" });
 * if (st !== SEC_E_OK) console.log(lastErrorDetail()?.message);
 * ```
 */
export async function ChangeAccountPassword(
  pszPackageName: string,
  pszDomainName: string,
  pszAccountName: string,
  pszOldPassword: string,
  pszNewPassword: string,
  _bImpersonating: boolean,
  _dwReserved: number,
  pOutput: SecBufferDesc | null,
  options?: unknown,
): Promise<number> {
  for (
    const [name, v] of [
      ["pszPackageName", pszPackageName],
      ["pszDomainName", pszDomainName],
      ["pszAccountName", pszAccountName],
      ["pszOldPassword", pszOldPassword],
      ["pszNewPassword", pszNewPassword],
    ] as const
  ) {
    if (typeof v !== "string") throw new TypeError(`${name} must be a string`);
  }
  const out = findBuffer(pOutput, SECBUFFER_CHANGE_PASS_RESPONSE);
  if (pOutput && !out) {
    throw new TypeError(
      "pOutput must hold a SECBUFFER_CHANGE_PASS_RESPONSE buffer",
    );
  }
  const p = findPackage(pszPackageName);
  if (!p) {
    return fail(
      SEC_E_SECPKG_NOT_FOUND,
      `no security package named "${pszPackageName}"`,
    );
  }
  if (!p.changePassword) {
    return fail(
      SEC_E_UNSUPPORTED_FUNCTION,
      `${p.info.Name} cannot change passwords here`,
    );
  }
  const r = await p.changePassword({
    domain: pszDomainName,
    account: pszAccountName,
    oldPassword: pszOldPassword,
    newPassword: pszNewPassword,
    options,
  });
  if (out && r.response instanceof Uint8Array) {
    out.pvBuffer = r.response;
    out.cbBuffer = r.response.length;
  }
  return r.status === SEC_E_OK ? SEC_E_OK : fail(r.status, r.message);
}

/**
 * `DOMAIN_PASSWORD_INFORMATION` (ntsecapi.h): the domain's password policy, as
 * Active Directory reports it with a refused change.
 */
export interface DomainPasswordInformation {
  /** `MinPasswordLength`. */
  MinPasswordLength: number;
  /** `PasswordHistoryLength`. */
  PasswordHistoryLength: number;
  /** `PasswordProperties` (`DOMAIN_PASSWORD_COMPLEX` = 1, ...). */
  PasswordProperties: number;
  /** `MaxPasswordAge`, in 100 ns units (negative, as Windows keeps it). */
  MaxPasswordAge: bigint;
  /** `MinPasswordAge`, in 100 ns units (negative). */
  MinPasswordAge: bigint;
}

/** The 24 bytes of a `DOMAIN_PASSWORD_INFORMATION` (x64 layout, little-endian). */
export function encodeDomainPasswordInformation(
  p: DomainPasswordInformation,
): Uint8Array {
  const out = new Uint8Array(24);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint16(0, p.MinPasswordLength, true);
  v.setUint16(2, p.PasswordHistoryLength, true);
  v.setUint32(4, p.PasswordProperties, true);
  v.setBigInt64(8, p.MaxPasswordAge, true);
  v.setBigInt64(16, p.MinPasswordAge, true);
  return out;
}

/** Reads a `DOMAIN_PASSWORD_INFORMATION` (null when not 24 bytes). */
export function decodeDomainPasswordInformation(
  b: Uint8Array | null,
): DomainPasswordInformation | null {
  if (!b || b.length !== 24) return null;
  const v = new DataView(b.buffer, b.byteOffset, 24);
  return {
    MinPasswordLength: v.getUint16(0, true),
    PasswordHistoryLength: v.getUint16(2, true),
    PasswordProperties: v.getUint32(4, true),
    MaxPasswordAge: v.getBigInt64(8, true),
    MinPasswordAge: v.getBigInt64(16, true),
  };
}
