/**
 * `SEC_WINNT_AUTH_IDENTITY_W` marshalling: UTF-16 `User`, `Domain`, `Password` with their
 * lengths in characters (without the NUL) and `Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE`.
 *
 * Layout on 64-bit targets (48 bytes): `User*` @0, `UserLength` @8, `Domain*` @16,
 * `DomainLength` @24, `Password*` @32, `PasswordLength` @40, `Flags` @44.
 *
 * @module
 */
import type { AuthIdentity } from "../sspi/api.ts";
import { addr, type Arena, ptr, view, writeAddr } from "./_memory.ts";

/** `SEC_WINNT_AUTH_IDENTITY_UNICODE`. */
export const SEC_WINNT_AUTH_IDENTITY_UNICODE = 2;

/** Size of `SEC_WINNT_AUTH_IDENTITY_W`. */
export const AUTH_IDENTITY_SIZE = 48;

function field(arena: Arena, s: string | undefined): [bigint, number] {
  if (s === undefined || s === null) return [0n, 0];
  return [addr(ptr(arena.wstr(String(s)))), String(s).length];
}

/**
 * Builds a `SEC_WINNT_AUTH_IDENTITY_W` for `pAuthData` (null means "the current user",
 * as on Windows). Throws `TypeError` for anything that is not an identity object.
 */
export function authIdentityIn(
  arena: Arena,
  id: unknown,
): Uint8Array | null {
  if (id === null || id === undefined) return null;
  if (typeof id !== "object") {
    throw new TypeError(
      "pAuthData must be { User, Domain, Password } or null for the native provider",
    );
  }
  const a = id as AuthIdentity;
  for (const k of ["User", "Domain", "Password"] as const) {
    if (a[k] !== undefined && a[k] !== null && typeof a[k] !== "string") {
      throw new TypeError(`pAuthData.${k} must be a string`);
    }
  }
  const b = arena.bytes(AUTH_IDENTITY_SIZE);
  const v = view(b);
  const [u, ul] = field(arena, a.User);
  const [d, dl] = field(arena, a.Domain);
  const [p, pl] = field(arena, a.Password);
  writeAddr(b, 0, u);
  v.setUint32(8, ul, true);
  writeAddr(b, 16, d);
  v.setUint32(24, dl, true);
  writeAddr(b, 32, p);
  v.setUint32(40, pl, true);
  v.setUint32(44, SEC_WINNT_AUTH_IDENTITY_UNICODE, true);
  return b;
}
