/**
 * `SspiMarshalAuthIdentity` / `SspiUnmarshalAuthIdentity`: an identity as the bytes of
 * a `SEC_WINNT_AUTH_IDENTITY_EX2` (sspi.h), the structure Windows' credential UI and
 * CredSSP exchange.
 *
 * Layout (little-endian; the C structure with its natural alignment, so 48 bytes of
 * header), per the `SEC_WINNT_AUTH_IDENTITY_EX2` and
 * `SEC_WINNT_AUTH_PACKED_CREDENTIALS` pages of the Windows SDK documentation:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | `Version` = `SEC_WINNT_AUTH_IDENTITY_VERSION_2` (0x201) |
 * | 4 | 2 | `cbHeaderLength` (48) |
 * | 8 | 4 | `cbStructureLength` (header + data) |
 * | 12 / 16 | 4 / 2 | `UserOffset` / `UserLength` (bytes, UTF-16LE, no NUL) |
 * | 20 / 24 | 4 / 2 | `DomainOffset` / `DomainLength` |
 * | 28 / 32 | 4 / 2 | `PackedCredentialsOffset` / `PackedCredentialsLength` |
 * | 36 | 4 | `Flags` (`SEC_WINNT_AUTH_IDENTITY_UNICODE` \| `_MARSHALLED`, ...) |
 * | 40 / 44 | 4 / 2 | `PackageListOffset` / `PackageListLength` |
 *
 * Offsets count from the start of the structure; a field that is absent has offset and
 * length 0. The packed credentials are a `SEC_WINNT_AUTH_PACKED_CREDENTIALS`:
 * `cbHeaderLength` (u16 @0, 28), `cbStructureLength` (u16 @2), `AuthData.CredType`
 * (GUID @4: `SEC_WINNT_AUTH_DATA_TYPE_PASSWORD`, 28bfc32f-10f6-4738-98d1-1ac061df716a),
 * `AuthData.CredData` (`ByteArrayOffset` u32 @20 from the start of the packed
 * credentials, `ByteArrayLength` u16 @24): the UTF-16LE password. Data follow the
 * header in the order user, domain, packed credentials, package list.
 *
 * @module
 */
import type { AttributeOut, ULongOut } from "./buffers.ts";
import { fail } from "./_dispatch.ts";
import {
  type AuthIdentityOpaque,
  fromUtf16le,
  type IdentityState,
  newIdentity,
  SEC_WINNT_AUTH_IDENTITY_ANSI,
  SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED,
  SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_PROTECTED,
  SEC_WINNT_AUTH_IDENTITY_FLAGS_USER_PROTECTED,
  SEC_WINNT_AUTH_IDENTITY_MARSHALLED,
  SEC_WINNT_AUTH_IDENTITY_UNICODE,
  stateOf,
  utf16le,
} from "./_auth_identity_core.ts";
import {
  SEC_E_INVALID_PARAMETER,
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
  SEC_E_UNKNOWN_CREDENTIALS,
} from "./status.ts";

/** `SEC_WINNT_AUTH_IDENTITY_VERSION_2`. */
export const SEC_WINNT_AUTH_IDENTITY_VERSION_2 = 0x201;
/** Size of the `SEC_WINNT_AUTH_IDENTITY_EX2` header. */
export const SEC_WINNT_AUTH_IDENTITY_EX2_SIZE = 48;
/** Size of the `SEC_WINNT_AUTH_PACKED_CREDENTIALS` header. */
export const SEC_WINNT_AUTH_PACKED_CREDENTIALS_SIZE = 28;
/** `SEC_WINNT_AUTH_DATA_TYPE_PASSWORD` as its 16 bytes (GUID in memory order). */
export const SEC_WINNT_AUTH_DATA_TYPE_PASSWORD: Uint8Array = new Uint8Array([
  0x2f,
  0xc3,
  0xbf,
  0x28,
  0xf6,
  0x10,
  0x38,
  0x47,
  0x98,
  0xd1,
  0x1a,
  0xc0,
  0x61,
  0xdf,
  0x71,
  0x6a,
]);

const MAX_U16 = 0xffff;

function packCredentials(secret: Uint8Array): Uint8Array {
  const n = SEC_WINNT_AUTH_PACKED_CREDENTIALS_SIZE;
  const out = new Uint8Array(n + secret.length);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint16(0, n, true);
  v.setUint16(2, out.length, true);
  out.set(SEC_WINNT_AUTH_DATA_TYPE_PASSWORD, 4);
  v.setUint32(20, n, true);
  v.setUint16(24, secret.length, true);
  out.set(secret, n);
  return out;
}

/**
 * `SspiMarshalAuthIdentity`: the identity as `SEC_WINNT_AUTH_IDENTITY_EX2` bytes, into
 * `AuthIdentityByteArray.value`, with their length in `AuthIdentityLength.value`. The
 * bytes hold the password (encrypted when the identity is: then only this process can
 * use them); zero them with `SspiLocalFree` when done.
 *
 * Statuses: `SEC_E_OK`; `SEC_E_INVALID_PARAMETER` for a null, zeroed or freed identity,
 * or a field longer than the structure's 16-bit lengths allow.
 *
 * @example
 * ```ts
 * import {
 *   SspiEncodeStringsAsAuthIdentity, SspiMarshalAuthIdentity, SspiUnmarshalAuthIdentity,
 *   type AuthIdentityOut,
 * } from "../../mod.ts";
 * const id: AuthIdentityOut = {}, back: AuthIdentityOut = {};
 * SspiEncodeStringsAsAuthIdentity("alice", "CONTOSO", "secret", id);
 * const len = { value: 0 }, bytes: { value?: Uint8Array } = {};
 * SspiMarshalAuthIdentity(id.value!, len, bytes);
 * SspiUnmarshalAuthIdentity(len.value, bytes.value!, back);
 * ```
 */
export function SspiMarshalAuthIdentity(
  AuthIdentity: unknown,
  AuthIdentityLength: ULongOut,
  AuthIdentityByteArray: AttributeOut<Uint8Array>,
): number {
  if (!AuthIdentityLength || typeof AuthIdentityLength !== "object") {
    throw new TypeError("AuthIdentityLength must be a { value } object");
  }
  if (!AuthIdentityByteArray || typeof AuthIdentityByteArray !== "object") {
    throw new TypeError("AuthIdentityByteArray must be a { value } object");
  }
  const s = readState(AuthIdentity);
  if (typeof s === "number") return s;
  const fields: (Uint8Array | null)[] = [
    s.user === null ? null : utf16le(s.user),
    s.domain === null ? null : utf16le(s.domain),
    s.secret === null ? null : packCredentials(s.secret),
    s.packageList === null ? null : utf16le(s.packageList),
  ];
  if (fields.some((f) => f !== null && f.length > MAX_U16)) {
    return fail(
      SEC_E_INVALID_PARAMETER,
      "a field is longer than SEC_WINNT_AUTH_IDENTITY_EX2 allows (65535 bytes)",
    );
  }
  const H = SEC_WINNT_AUTH_IDENTITY_EX2_SIZE;
  const total = fields.reduce((n, f) => n + (f?.length ?? 0), H);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint32(0, SEC_WINNT_AUTH_IDENTITY_VERSION_2, true);
  v.setUint16(4, H, true);
  v.setUint32(8, total, true);
  const slots = [12, 20, 28, 40];
  let at = H;
  fields.forEach((f, i) => {
    if (f === null) return;
    v.setUint32(slots[i], at, true);
    v.setUint16(slots[i] + 4, f.length, true);
    out.set(f, at);
    at += f.length;
  });
  fields[2]?.fill(0);
  v.setUint32(
    36,
    (s.flags & ~SEC_WINNT_AUTH_IDENTITY_ANSI) |
      SEC_WINNT_AUTH_IDENTITY_UNICODE | SEC_WINNT_AUTH_IDENTITY_MARSHALLED,
    true,
  );
  AuthIdentityLength.value = total;
  AuthIdentityByteArray.value = out;
  return SEC_E_OK;
}

function readState(x: unknown): IdentityState | number {
  const s = stateOf(x);
  if (s) {
    return s.wiped
      ? fail(SEC_E_INVALID_PARAMETER, "AuthIdentity was zeroed or freed")
      : s;
  }
  if (!x || typeof x !== "object") {
    return fail(
      SEC_E_INVALID_PARAMETER,
      "AuthIdentity is not an auth identity",
    );
  }
  const o = x as Record<string, unknown>;
  const str = (k: string): string | null => {
    const v = o[k];
    if (v === undefined || v === null) return null;
    if (typeof v !== "string") {
      throw new TypeError(`AuthIdentity.${k} must be a string`);
    }
    return v;
  };
  const pw = str("Password");
  return {
    user: str("User"),
    domain: str("Domain"),
    packageList: str("PackageList"),
    flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    secret: pw === null ? null : utf16le(pw),
    wiped: false,
  };
}

/** A bad-bytes status with its reason. */
function bad(why: string): number {
  return fail(
    SEC_E_INVALID_TOKEN,
    `malformed SEC_WINNT_AUTH_IDENTITY_EX2: ${why}`,
  );
}

/**
 * The bytes of one (offset, length) field: null when absent (both 0), a number status
 * when out of bounds.
 */
function slice(
  b: Uint8Array,
  v: DataView,
  slot: number,
  header: number,
  end: number,
  name: string,
  even: boolean,
): Uint8Array | null | number {
  const off = v.getUint32(slot, true);
  const len = v.getUint16(slot + 4, true);
  if (off === 0 && len === 0) return null;
  if (off < header || off > end || len > end - off) {
    return bad(`${name} lies outside the structure`);
  }
  if (even && len % 2 !== 0) return bad(`${name} is not UTF-16`);
  return b.subarray(off, off + len);
}

/**
 * `SspiUnmarshalAuthIdentity`: an opaque identity from the first `AuthIdentityLength`
 * bytes of `AuthIdentityByteArray`, a `SEC_WINNT_AUTH_IDENTITY_EX2` (see the module
 * documentation for the layout). Every offset and length is checked against the
 * structure and the buffer before anything is read.
 *
 * Statuses: `SEC_E_OK`; `SEC_E_INVALID_PARAMETER` when `AuthIdentityLength` exceeds the
 * array; `SEC_E_INVALID_TOKEN` for malformed bytes (wrong version, a header or field
 * outside the structure, odd UTF-16 lengths); `SEC_E_UNKNOWN_CREDENTIALS` for a
 * well-formed structure holding credentials other than a password, ANSI strings, or
 * system- or logon-protected data.
 */
export function SspiUnmarshalAuthIdentity(
  AuthIdentityLength: number,
  AuthIdentityByteArray: Uint8Array,
  ppAuthIdentity: AttributeOut<AuthIdentityOpaque>,
): number {
  if (typeof AuthIdentityLength !== "number") {
    throw new TypeError("AuthIdentityLength must be a number");
  }
  if (!(AuthIdentityByteArray instanceof Uint8Array)) {
    throw new TypeError("AuthIdentityByteArray must be a Uint8Array");
  }
  if (!ppAuthIdentity || typeof ppAuthIdentity !== "object") {
    throw new TypeError("ppAuthIdentity must be a { value } object");
  }
  const n = AuthIdentityLength >>> 0;
  if (n !== AuthIdentityLength || n > AuthIdentityByteArray.length) {
    return fail(
      SEC_E_INVALID_PARAMETER,
      "AuthIdentityLength is larger than AuthIdentityByteArray",
    );
  }
  const b = AuthIdentityByteArray.subarray(0, n);
  const H = SEC_WINNT_AUTH_IDENTITY_EX2_SIZE;
  if (n < H) return bad("shorter than its header");
  const v = new DataView(b.buffer, b.byteOffset, n);
  if (v.getUint32(0, true) !== SEC_WINNT_AUTH_IDENTITY_VERSION_2) {
    return bad("Version is not SEC_WINNT_AUTH_IDENTITY_VERSION_2");
  }
  const header = v.getUint16(4, true);
  const end = v.getUint32(8, true);
  if (header < H || end < header || end > n) {
    return bad("cbHeaderLength or cbStructureLength is out of range");
  }
  const flags = v.getUint32(36, true);
  if (
    (flags & SEC_WINNT_AUTH_IDENTITY_ANSI) !== 0 &&
    (flags & SEC_WINNT_AUTH_IDENTITY_UNICODE) === 0
  ) {
    return fail(SEC_E_UNKNOWN_CREDENTIALS, "ANSI identities are not supported");
  }
  if (
    flags & (SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_PROTECTED |
      SEC_WINNT_AUTH_IDENTITY_FLAGS_USER_PROTECTED)
  ) {
    return fail(
      SEC_E_UNKNOWN_CREDENTIALS,
      "system- or logon-protected identities cannot be decrypted here",
    );
  }
  const user = slice(b, v, 12, header, end, "the user name", true);
  if (typeof user === "number") return user;
  const domain = slice(b, v, 20, header, end, "the domain", true);
  if (typeof domain === "number") return domain;
  const packed = slice(b, v, 28, header, end, "the packed credentials", false);
  if (typeof packed === "number") return packed;
  const list = slice(b, v, 40, header, end, "the package list", true);
  if (typeof list === "number") return list;
  const encrypted =
    (flags & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED) !==
      0;
  let secret: Uint8Array | null = null;
  if (packed !== null) {
    const r = unpack(packed, encrypted);
    if (typeof r === "number") return r;
    secret = r;
  }
  ppAuthIdentity.value = newIdentity({
    user: user === null ? null : fromUtf16le(user),
    domain: domain === null ? null : fromUtf16le(domain),
    packageList: list === null ? null : fromUtf16le(list),
    flags: SEC_WINNT_AUTH_IDENTITY_UNICODE |
      (flags &
        ~(SEC_WINNT_AUTH_IDENTITY_MARSHALLED | SEC_WINNT_AUTH_IDENTITY_ANSI)),
    secret,
    wiped: false,
  });
  return SEC_E_OK;
}

/** The password bytes of a `SEC_WINNT_AUTH_PACKED_CREDENTIALS`, or a status. */
function unpack(p: Uint8Array, encrypted: boolean): Uint8Array | number {
  const P = SEC_WINNT_AUTH_PACKED_CREDENTIALS_SIZE;
  if (p.length < P) return bad("the packed credentials are too short");
  const v = new DataView(p.buffer, p.byteOffset, p.length);
  const header = v.getUint16(0, true);
  const size = v.getUint16(2, true);
  if (header < P || size < header || size > p.length) {
    return bad("the packed credentials' lengths are out of range");
  }
  const off = v.getUint32(20, true);
  const len = v.getUint16(24, true);
  if (off < header || off > size || len > size - off) {
    return bad("the packed credentials' data lies outside them");
  }
  const type = p.subarray(4, 20);
  if (!type.every((x, i) => x === SEC_WINNT_AUTH_DATA_TYPE_PASSWORD[i])) {
    return fail(
      SEC_E_UNKNOWN_CREDENTIALS,
      "the packed credentials are not SEC_WINNT_AUTH_DATA_TYPE_PASSWORD",
    );
  }
  if (!encrypted && len % 2 !== 0) return bad("the password is not UTF-16");
  return p.slice(off, off + len);
}
