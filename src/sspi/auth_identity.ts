/**
 * The auth-identity helpers of `sspi.h` (exported by `sspicli.dll` on Windows), with
 * their Win32 names, parameter order and statuses: build a
 * `PSEC_WINNT_AUTH_IDENTITY_OPAQUE` from strings, take it apart, copy, exclude a
 * package, compare, validate, zero, free, and encrypt it for this process.
 * `SspiMarshalAuthIdentity`/`SspiUnmarshalAuthIdentity` are in
 * `auth_identity_marshal.ts`.
 *
 * Out-parameters are `{ value }` objects, as elsewhere in this library. Every function
 * that reads an identity takes an opaque identity or a plain
 * `{ User, Domain, Password, PackageList }` object (Windows' opaque type likewise
 * accepts any `SEC_WINNT_AUTH_IDENTITY*`). Programmer errors (a wrong argument type)
 * throw `TypeError`; everything else is a status.
 *
 * @module
 */
import type { AttributeOut } from "./buffers.ts";
import { fail } from "./_dispatch.ts";
import {
  AuthIdentityOpaque,
  fromUtf16le,
  type IdentityState,
  isEncrypted,
  newIdentity,
  openSecret,
  plainSecret,
  sealSecret,
  SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED,
  SEC_WINNT_AUTH_IDENTITY_UNICODE,
  stateOf,
  utf16le,
} from "./_auth_identity_core.ts";
import { SEC_E_INVALID_PARAMETER, SEC_E_OK } from "./status.ts";

export { AuthIdentityOpaque };

/**
 * NTSTATUS `STATUS_INVALID_PARAMETER` (0xC000000D): what
 * `SspiEncodeAuthIdentityAsStrings` returns for an encrypted identity, as documented.
 */
export const STATUS_INVALID_PARAMETER = 0xC000000D;

/** `PSEC_WINNT_AUTH_IDENTITY_OPAQUE`. */
export type PSEC_WINNT_AUTH_IDENTITY_OPAQUE = AuthIdentityOpaque;

/** An out-parameter receiving a new opaque identity. */
export type AuthIdentityOut = AttributeOut<AuthIdentityOpaque>;

function optString(name: string, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") {
    throw new TypeError(`${name} must be a string or null`);
  }
  return v;
}

function checkOut(name: string, o: unknown): void {
  if (!o || typeof o !== "object") {
    throw new TypeError(`${name} must be a { value } object`);
  }
}

/**
 * The state of an identity argument: an opaque identity's own state, or a fresh one
 * read from a plain `{ User, Domain, Password, PackageList }` object. A number status
 * (already recorded by `fail`) when there is none to read.
 */
function readIdentity(name: string, x: unknown): IdentityState | number {
  const s = stateOf(x);
  if (s) {
    return s.wiped
      ? fail(SEC_E_INVALID_PARAMETER, `${name} was zeroed or freed`)
      : s;
  }
  if (x === null || x === undefined) {
    return fail(SEC_E_INVALID_PARAMETER, `${name} is null`);
  }
  if (typeof x !== "object") {
    throw new TypeError(`${name} must be an auth identity`);
  }
  const o = x as Record<string, unknown>;
  const pw = optString(`${name}.Password`, o.Password);
  return {
    user: optString(`${name}.User`, o.User),
    domain: optString(`${name}.Domain`, o.Domain),
    packageList: optString(`${name}.PackageList`, o.PackageList),
    flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    secret: pw === null ? null : utf16le(pw),
    wiped: false,
  };
}

function copyState(s: IdentityState): IdentityState {
  return { ...s, secret: s.secret === null ? null : s.secret.slice() };
}

/**
 * `SspiEncodeStringsAsAuthIdentity`: an opaque identity from a user name, a domain and
 * a "packed credentials string" (in practice, and here, the password). Any of the
 * three may be null, not all.
 *
 * Statuses: `SEC_E_OK`; `SEC_E_INVALID_PARAMETER` when all three are null.
 *
 * @example
 * ```ts
 * import {
 *   AcquireCredentialsHandle, CredHandle, SECPKG_CRED_OUTBOUND,
 *   SspiEncodeStringsAsAuthIdentity, SspiFreeAuthIdentity, type AuthIdentityOut,
 * } from "../../mod.ts";
 * const id: AuthIdentityOut = {};
 * SspiEncodeStringsAsAuthIdentity("alice", "CONTOSO", "secret", id);
 * const cred = new CredHandle();
 * AcquireCredentialsHandle(null, "Negotiate", SECPKG_CRED_OUTBOUND, null,
 *   id.value!, null, null, cred, null);
 * SspiFreeAuthIdentity(id.value!);
 * ```
 */
export function SspiEncodeStringsAsAuthIdentity(
  pszUserName: string | null,
  pszDomainName: string | null,
  pszPackedCredentialsString: string | null,
  ppAuthIdentity: AuthIdentityOut,
): number {
  const user = optString("pszUserName", pszUserName);
  const domain = optString("pszDomainName", pszDomainName);
  const packed = optString(
    "pszPackedCredentialsString",
    pszPackedCredentialsString,
  );
  checkOut("ppAuthIdentity", ppAuthIdentity);
  if (user === null && domain === null && packed === null) {
    return fail(
      SEC_E_INVALID_PARAMETER,
      "user name, domain and credentials are all null",
    );
  }
  ppAuthIdentity.value = newIdentity({
    user,
    domain,
    packageList: null,
    flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    secret: packed === null ? null : utf16le(packed),
    wiped: false,
  });
  return SEC_E_OK;
}

/**
 * `SspiEncodeAuthIdentityAsStrings`: the user name, domain and packed credentials
 * string (the password) of an identity; each out-parameter's `value` is null where
 * the identity has none.
 *
 * Statuses: `SEC_E_OK`; `STATUS_INVALID_PARAMETER` (0xC000000D) for an encrypted
 * identity, as documented; `SEC_E_INVALID_PARAMETER` for a zeroed or freed one.
 */
export function SspiEncodeAuthIdentityAsStrings(
  pAuthIdentity: unknown,
  ppszUserName: AttributeOut<string | null>,
  ppszDomainName: AttributeOut<string | null>,
  ppszPackedCredentialsString: AttributeOut<string | null>,
): number {
  checkOut("ppszUserName", ppszUserName);
  checkOut("ppszDomainName", ppszDomainName);
  checkOut("ppszPackedCredentialsString", ppszPackedCredentialsString);
  const s = readIdentity("pAuthIdentity", pAuthIdentity);
  if (typeof s === "number") return s;
  if (isEncrypted(s)) {
    return fail(
      STATUS_INVALID_PARAMETER,
      "the identity is encrypted (SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED)",
    );
  }
  ppszUserName.value = s.user;
  ppszDomainName.value = s.domain;
  ppszPackedCredentialsString.value = s.secret === null
    ? null
    : fromUtf16le(s.secret);
  return SEC_E_OK;
}

/**
 * `SspiCopyAuthIdentity`: a new opaque identity equal to `AuthData` (an encrypted one
 * stays encrypted).
 *
 * Statuses: `SEC_E_OK`; `SEC_E_INVALID_PARAMETER` for a null, zeroed or freed identity.
 */
export function SspiCopyAuthIdentity(
  AuthData: unknown,
  AuthDataCopy: AuthIdentityOut,
): number {
  checkOut("AuthDataCopy", AuthDataCopy);
  const s = readIdentity("AuthData", AuthData);
  if (typeof s === "number") return s;
  AuthDataCopy.value = newIdentity(copyState(s));
  return SEC_E_OK;
}

/**
 * `SspiExcludePackage`: a copy of `AuthIdentity` whose package list also excludes
 * `pszPackageName` (`"!Kerberos"` is appended, as Windows does), which Negotiate
 * honours when it picks a mechanism.
 *
 * Statuses: `SEC_E_OK`; `SEC_E_INVALID_PARAMETER` for an empty package name or a
 * null, zeroed or freed identity.
 *
 * @example
 * ```ts
 * import { SspiEncodeStringsAsAuthIdentity, SspiExcludePackage, type AuthIdentityOut } from "../../mod.ts";
 * const id: AuthIdentityOut = {}, noKrb: AuthIdentityOut = {};
 * SspiEncodeStringsAsAuthIdentity("alice", "CONTOSO", "secret", id);
 * SspiExcludePackage(id.value!, "Kerberos", noKrb); // Negotiate will use NTLM
 * ```
 */
export function SspiExcludePackage(
  AuthIdentity: unknown,
  pszPackageName: string,
  ppNewAuthIdentity: AuthIdentityOut,
): number {
  if (typeof pszPackageName !== "string") {
    throw new TypeError("pszPackageName must be a string");
  }
  checkOut("ppNewAuthIdentity", ppNewAuthIdentity);
  const s = readIdentity("AuthIdentity", AuthIdentity);
  if (typeof s === "number") return s;
  const name = pszPackageName.trim();
  if (name === "" || name.includes(",") || name.startsWith("!")) {
    return fail(
      SEC_E_INVALID_PARAMETER,
      "pszPackageName is not a package name",
    );
  }
  const items = (s.packageList ?? "").split(",").map((x) => x.trim()).filter(
    Boolean,
  );
  const deny = `!${name}`;
  if (!items.some((x) => x.toLowerCase() === deny.toLowerCase())) {
    items.push(deny);
  }
  const copy = copyState(s);
  copy.packageList = items.join(",");
  ppNewAuthIdentity.value = newIdentity(copy);
  return SEC_E_OK;
}

/**
 * `SspiValidateAuthIdentity`: `SEC_E_OK` when `AuthData` is a usable identity (live,
 * and, when encrypted, decryptable by this process); `SEC_E_INVALID_PARAMETER`
 * otherwise.
 */
export function SspiValidateAuthIdentity(AuthData: unknown): number {
  if (
    AuthData !== null && AuthData !== undefined && typeof AuthData !== "object"
  ) {
    return fail(SEC_E_INVALID_PARAMETER, "AuthData is not an auth identity");
  }
  let s: IdentityState | number;
  try {
    s = readIdentity("AuthData", AuthData);
  } catch {
    return fail(SEC_E_INVALID_PARAMETER, "AuthData has a field of wrong type");
  }
  if (typeof s === "number") return s;
  if (isEncrypted(s)) {
    const p = s.secret === null ? new Uint8Array(0) : openSecret(s.secret);
    if (p === null) {
      return fail(
        SEC_E_INVALID_PARAMETER,
        "AuthData was encrypted by another process",
      );
    }
    p.fill(0);
  }
  if (s.secret !== null && !isEncrypted(s) && s.secret.length % 2 !== 0) {
    return fail(SEC_E_INVALID_PARAMETER, "AuthData's password is malformed");
  }
  return SEC_E_OK;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  let d = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) d |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return d === 0;
}

function sameName(a: string | null, b: string | null): boolean {
  return (a ?? "").toLowerCase() === (b ?? "").toLowerCase();
}

/**
 * `SspiCompareAuthIdentities`: `pfSameSuppliedUser.value` is true when both name the
 * same account (user and domain equal, ignoring case, as Windows account names do);
 * `pfSameSuppliedIdentity.value` is true when, besides, the passwords (compared in
 * constant time, decrypting encrypted ones) and the package lists are the same.
 *
 * Statuses: `SEC_E_OK`; `SEC_E_INVALID_PARAMETER` for a null, zeroed or freed identity.
 */
export function SspiCompareAuthIdentities(
  AuthIdentity1: unknown,
  AuthIdentity2: unknown,
  pfSameSuppliedUser: AttributeOut<boolean>,
  pfSameSuppliedIdentity: AttributeOut<boolean>,
): number {
  checkOut("pfSameSuppliedUser", pfSameSuppliedUser);
  checkOut("pfSameSuppliedIdentity", pfSameSuppliedIdentity);
  const a = readIdentity("AuthIdentity1", AuthIdentity1);
  if (typeof a === "number") return a;
  const b = readIdentity("AuthIdentity2", AuthIdentity2);
  if (typeof b === "number") return b;
  const user = sameName(a.user, b.user) && sameName(a.domain, b.domain);
  const pa = plainSecret(a), pb = plainSecret(b);
  const secret = sameBytes(pa, pb);
  if (pa && pa !== a.secret) pa.fill(0);
  if (pb && pb !== b.secret) pb.fill(0);
  pfSameSuppliedUser.value = user;
  pfSameSuppliedIdentity.value = user && secret &&
    sameName(a.packageList, b.packageList);
  return SEC_E_OK;
}

/**
 * `SspiIsAuthIdentityEncrypted`: true when `EncryptedAuthData` is an opaque identity
 * encrypted by `SspiEncryptAuthIdentity`.
 */
export function SspiIsAuthIdentityEncrypted(
  EncryptedAuthData: unknown,
): boolean {
  const s = stateOf(EncryptedAuthData);
  return !!s && !s.wiped && isEncrypted(s);
}

/**
 * `SspiEncryptAuthIdentity`: encrypts the password of an opaque identity in place, for
 * this process only (`SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED`). Windows uses
 * `CryptProtectMemory`; this uses AES-256-GCM under a random key made once per process
 * and kept in a module-private variable, so no other process (or later run) can
 * decrypt it. User and domain stay readable. The identity still works as `pAuthData`.
 *
 * Statuses: `SEC_E_OK` (also when already encrypted); `SEC_E_INVALID_PARAMETER` for
 * anything but a live opaque identity.
 *
 * @example
 * ```ts
 * import { SspiEncodeStringsAsAuthIdentity, SspiEncryptAuthIdentity, SspiIsAuthIdentityEncrypted, type AuthIdentityOut } from "../../mod.ts";
 * const id: AuthIdentityOut = {};
 * SspiEncodeStringsAsAuthIdentity("alice", "CONTOSO", "secret", id);
 * SspiEncryptAuthIdentity(id.value!);
 * SspiIsAuthIdentityEncrypted(id.value!); // true
 * ```
 */
export function SspiEncryptAuthIdentity(AuthData: unknown): number {
  const s = liveOpaque("AuthData", AuthData);
  if (typeof s === "number") return s;
  if (isEncrypted(s)) return SEC_E_OK;
  if (s.secret !== null) s.secret = sealSecret(s.secret);
  s.flags |= SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED;
  return SEC_E_OK;
}

/**
 * `SspiDecryptAuthIdentity`: undoes `SspiEncryptAuthIdentity` in place.
 *
 * Statuses: `SEC_E_OK` (also when not encrypted); `SEC_E_INVALID_PARAMETER` for
 * anything but a live opaque identity, or one another process encrypted.
 */
export function SspiDecryptAuthIdentity(EncryptedAuthData: unknown): number {
  const s = liveOpaque("EncryptedAuthData", EncryptedAuthData);
  if (typeof s === "number") return s;
  if (!isEncrypted(s)) return SEC_E_OK;
  if (s.secret !== null) {
    const p = openSecret(s.secret);
    if (p === null) {
      return fail(
        SEC_E_INVALID_PARAMETER,
        "EncryptedAuthData was encrypted by another process",
      );
    }
    s.secret.fill(0);
    s.secret = p;
  }
  s.flags &= ~SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED;
  return SEC_E_OK;
}

function liveOpaque(name: string, x: unknown): IdentityState | number {
  const s = stateOf(x);
  if (!s) {
    return fail(SEC_E_INVALID_PARAMETER, `${name} is not an opaque identity`);
  }
  if (s.wiped) {
    return fail(SEC_E_INVALID_PARAMETER, `${name} was zeroed or freed`);
  }
  return s;
}

function wipe(x: unknown): void {
  const s = stateOf(x);
  if (s) {
    s.secret?.fill(0);
    s.secret = null;
    s.user = s.domain = s.packageList = null;
    s.flags = 0;
    s.wiped = true;
    return;
  }
  if (x && typeof x === "object") {
    const o = x as Record<string, unknown>;
    if (typeof o.Password === "string") o.Password = "";
  }
}

/**
 * `SspiZeroAuthIdentity`: overwrites the identity's secret (and forgets user, domain
 * and package list). A later use fails with a status: `SEC_E_UNKNOWN_CREDENTIALS` from
 * `AcquireCredentialsHandle` (never an anonymous logon, which a zeroed Windows
 * structure could turn into), `SEC_E_INVALID_PARAMETER` from these helpers. A plain
 * `{ Password }` object gets `Password = ""`.
 */
export function SspiZeroAuthIdentity(AuthData: unknown): void {
  wipe(AuthData);
}

/**
 * `SspiFreeAuthIdentity`: releases an identity; here that is zeroing it (the garbage
 * collector frees the memory), so a use after free fails as after
 * `SspiZeroAuthIdentity`.
 */
export function SspiFreeAuthIdentity(AuthData: unknown): void {
  wipe(AuthData);
}

/**
 * `SspiLocalFree`: frees what the helpers returned. JavaScript frees memory itself; a
 * `Uint8Array` (such as a marshaled identity, which holds the password) is zeroed.
 */
export function SspiLocalFree(DataBuffer: unknown): void {
  if (DataBuffer instanceof Uint8Array) DataBuffer.fill(0);
}

/**
 * `SspiGetTargetHostName`: the host of a target name: `"HTTP/web.contoso.com:8080/svc"`,
 * `"HTTP/web.contoso.com@CONTOSO.COM"` and `"web.contoso.com"` all give
 * `"web.contoso.com"`; `"HTTP/[::1]:80"` gives `"::1"`.
 *
 * Statuses: `SEC_E_OK`; `SEC_E_INVALID_PARAMETER` for an empty name or no host.
 *
 * @example
 * ```ts
 * import { SspiGetTargetHostName } from "../../mod.ts";
 * const host: { value?: string } = {};
 * SspiGetTargetHostName("HTTP/web.contoso.com:8080/svc", host); // host.value === "web.contoso.com"
 * ```
 */
export function SspiGetTargetHostName(
  pszTargetName: string,
  pszHostName: AttributeOut<string>,
): number {
  if (typeof pszTargetName !== "string") {
    throw new TypeError("pszTargetName must be a string");
  }
  checkOut("pszHostName", pszHostName);
  const slash = pszTargetName.indexOf("/");
  let rest = slash >= 0 ? pszTargetName.slice(slash + 1) : pszTargetName;
  let host: string;
  if (rest.startsWith("[")) {
    const end = rest.indexOf("]");
    host = end > 0 ? rest.slice(1, end) : "";
  } else {
    const at = rest.indexOf("@");
    if (at >= 0) rest = rest.slice(0, at);
    const cut = rest.search(/[:/]/);
    host = cut >= 0 ? rest.slice(0, cut) : rest;
  }
  host = host.trim();
  if (host === "") {
    return fail(SEC_E_INVALID_PARAMETER, "the target name has no host");
  }
  pszHostName.value = host;
  return SEC_E_OK;
}
