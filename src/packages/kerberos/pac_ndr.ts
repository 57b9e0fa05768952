/**
 * The NDR side of the Windows PAC: a bounds-checked little-endian reader, SIDs, and the
 * decoding of `KERB_VALIDATION_INFO` (MS-PAC 2.5), the logon information buffer. That
 * buffer is a type serialization version 1 stream (MS-RPCE 2.2.6: an 8-byte common
 * type header and an 8-byte private header) of NDR20 little-endian data: the
 * top-level unique pointer, the fixed part of the structure, then the referents of
 * its embedded pointers in the order the pointers appear (the referents of pointers
 * inside an array follow that array).
 *
 * Malformed input never throws out of this module's decoders: they return
 * `{ error }`. Inside, every read is checked against the end of the buffer and every
 * count is capped before anything is allocated or looped over, so the work done is
 * bounded by the input size. The `UserSessionKey` field is skipped, never kept.
 *
 * @module
 */
import { fromUtf16le } from "../../util/bytes.ts";

/** The one error type the PAC readers raise internally; decoders turn it into `{ error }`. */
export class PacError extends Error {
  /** A PAC parse failure described by `message`. */
  constructor(message: string) {
    super(message);
    this.name = "PacError";
  }
}

/** The largest element count any PAC array or list may declare. */
export const MAX_PAC_COUNT = 65536;
/** SID_MAX_SUB_AUTHORITIES (MS-DTYP 2.4.2). */
const MAX_SUB_AUTHORITIES = 15;

/**
 * A bounds-checked little-endian reader over `bytes[start, end)`. Every read throws
 * {@linkcode PacError} rather than leave the range; alignment is relative to `start`.
 */
export class PacReader {
  /** The next byte to read (an index into `bytes`). */
  pos: number;
  readonly #view: DataView;

  /** A reader of `bytes[start, end)` positioned at `start`. */
  constructor(
    readonly bytes: Uint8Array,
    readonly start = 0,
    readonly end: number = bytes.length,
  ) {
    if (start < 0 || end > bytes.length || start > end) {
      throw new PacError("PAC reader range is out of bounds");
    }
    this.pos = start;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes can be read. */
  need(n: number, what: string): void {
    if (!(n >= 0) || n > this.end - this.pos) {
      throw new PacError(`PAC ${what} is truncated`);
    }
  }

  /** Moves past `n` bytes (after checking them); returns where they start. */
  take(n: number, what: string): number {
    this.need(n, what);
    this.pos += n;
    return this.pos - n;
  }

  /** Skips to the next multiple of `n` from `start` (the padding must be in range). */
  align(n: number): void {
    this.take((n - ((this.pos - this.start) % n)) % n, "alignment padding");
  }

  /** An unsigned byte. */
  u8(what: string): number {
    return this.bytes[this.take(1, what)];
  }

  /** An unsigned 16-bit integer. */
  u16(what: string): number {
    return this.#view.getUint16(this.take(2, what), true);
  }

  /** An unsigned 32-bit integer. */
  u32(what: string): number {
    return this.#view.getUint32(this.take(4, what), true);
  }

  /** A signed 32-bit integer. */
  i32(what: string): number {
    return this.#view.getInt32(this.take(4, what), true);
  }

  /** An unsigned 64-bit integer (a FILETIME: two ULONGs, so 4-byte alignment). */
  u64(what: string): bigint {
    return this.#view.getBigUint64(this.take(8, what), true);
  }

  /** A view of the next `n` bytes. */
  bytesOf(n: number, what: string): Uint8Array {
    const at = this.take(n, what);
    return this.bytes.subarray(at, at + n);
  }

  /** `chars` UTF-16LE code units as a string. */
  utf16(chars: number, what: string): string {
    const at = this.take(chars * 2, what);
    return fromUtf16le(this.bytes, at, at + chars * 2);
  }
}

/** Throws unless `count` elements of `size` bytes each fit in what is left. */
export function checkCount(
  r: PacReader,
  count: number,
  size: number,
  what: string,
): void {
  if (count > MAX_PAC_COUNT || count * size > r.remaining) {
    throw new PacError(`PAC ${what} count ${count} is too large`);
  }
}

/**
 * A SID (MS-DTYP 2.4.2): Revision (1), SubAuthorityCount (at most 15),
 * IdentifierAuthority (6 bytes, big-endian) and the sub-authorities, as a string
 * "S-1-5-21-...". With `conformant` (the NDR `RPC_SID`) the sub-authority count is
 * first repeated as a 4-byte conformance, 4-byte aligned.
 */
export function readSid(
  r: PacReader,
  conformant: boolean,
  what: string,
): string {
  let max = -1;
  if (conformant) {
    r.align(4);
    max = r.u32(what);
  }
  const revision = r.u8(what);
  const count = r.u8(what);
  if (revision !== 1) {
    throw new PacError(`PAC ${what} has SID revision ${revision}`);
  }
  if (count > MAX_SUB_AUTHORITIES || (conformant && max !== count)) {
    throw new PacError(`PAC ${what} has a bad sub-authority count`);
  }
  const auth = r.bytesOf(6, what);
  let authority = 0;
  for (const b of auth) authority = authority * 256 + b;
  let s = authority < 2 ** 32
    ? `S-1-${authority}`
    : `S-1-0x${authority.toString(16).padStart(12, "0")}`; // as Windows prints it
  for (let i = 0; i < count; i++) s += `-${r.u32(what)}`;
  return s;
}

/** A RID and its SE_GROUP_* attributes (`GROUP_MEMBERSHIP`, MS-PAC 2.2.2). */
export interface GroupMembership {
  /** Relative identifier of the group in its domain. */
  RelativeId: number;
  /** SE_GROUP_* attribute bits. */
  Attributes: number;
}

/** A SID string and its SE_GROUP_* attributes (`KERB_SID_AND_ATTRIBUTES`, MS-PAC 2.2.1). */
export interface SidAndAttributes {
  /** The SID, "S-1-5-21-a-b-c-rid". */
  Sid: string;
  /** SE_GROUP_* attribute bits. */
  Attributes: number;
}

/** `KERB_VALIDATION_INFO` (MS-PAC 2.5) without its UserSessionKey. FILETIMEs as ticks. */
export interface KerbValidationInfo {
  /** LogonTime (FILETIME ticks). */
  LogonTime: bigint;
  /** LogoffTime (FILETIME ticks). */
  LogoffTime: bigint;
  /** KickOffTime (FILETIME ticks). */
  KickOffTime: bigint;
  /** PasswordLastSet (FILETIME ticks). */
  PasswordLastSet: bigint;
  /** PasswordCanChange (FILETIME ticks). */
  PasswordCanChange: bigint;
  /** PasswordMustChange (FILETIME ticks). */
  PasswordMustChange: bigint;
  /** EffectiveName: the account name (sAMAccountName). */
  EffectiveName: string;
  /** FullName. */
  FullName: string;
  /** LogonScript. */
  LogonScript: string;
  /** ProfilePath. */
  ProfilePath: string;
  /** HomeDirectory. */
  HomeDirectory: string;
  /** HomeDirectoryDrive. */
  HomeDirectoryDrive: string;
  /** LogonCount. */
  LogonCount: number;
  /** BadPasswordCount. */
  BadPasswordCount: number;
  /** UserId: the user's RID. */
  UserId: number;
  /** PrimaryGroupId: the primary group's RID. */
  PrimaryGroupId: number;
  /** GroupIds: the account domain groups (GroupCount entries). */
  GroupIds: GroupMembership[];
  /** UserFlags (LOGON_EXTRA_SIDS 0x20, LOGON_RESOURCE_GROUPS 0x200...). */
  UserFlags: number;
  /** LogonServer: the NetBIOS name of the DC. */
  LogonServer: string;
  /** LogonDomainName: the NetBIOS domain name. */
  LogonDomainName: string;
  /** LogonDomainId: the account domain SID, or null. */
  LogonDomainId: string | null;
  /** UserAccountControl (USER_* bits of MS-SAMR). */
  UserAccountControl: number;
  /** SubAuthStatus. */
  SubAuthStatus: number;
  /** LastSuccessfulILogon (FILETIME ticks). */
  LastSuccessfulILogon: bigint;
  /** LastFailedILogon (FILETIME ticks). */
  LastFailedILogon: bigint;
  /** FailedILogonCount. */
  FailedILogonCount: number;
  /** ExtraSids (SidCount entries). */
  ExtraSids: SidAndAttributes[];
  /** ResourceGroupDomainSid, or null. */
  ResourceGroupDomainSid: string | null;
  /** ResourceGroupIds (ResourceGroupCount entries). */
  ResourceGroupIds: GroupMembership[];
}

/** An `RPC_UNICODE_STRING` in the fixed part: [Length, MaximumLength, pointer]. */
function stringHeader(r: PacReader, what: string): number[] {
  return [r.u16(what), r.u16(what), r.u32(what)];
}

/** The deferred conformant-varying UTF-16 array of an `RPC_UNICODE_STRING`. */
function deferredString(
  r: PacReader,
  [length, maximumLength, pointer]: number[],
  what: string,
): string {
  if (pointer === 0) {
    if (length !== 0) throw new PacError(`PAC ${what} has no buffer`);
    return "";
  }
  if (length % 2 || maximumLength % 2 || length > maximumLength) {
    throw new PacError(`PAC ${what} has bad lengths`);
  }
  r.align(4);
  const max = r.u32(what);
  const offset = r.u32(what);
  const actual = r.u32(what);
  if (max !== maximumLength / 2 || offset !== 0 || actual !== length / 2) {
    throw new PacError(`PAC ${what} array bounds do not match its lengths`);
  }
  return r.utf16(actual, what);
}

/**
 * Starts the deferred conformant array behind `pointer` (elements of `size` bytes):
 * reads its conformance, which must equal `count`. False when the pointer is null
 * (then `count` must be 0).
 */
function arrayStart(
  r: PacReader,
  pointer: number,
  count: number,
  size: number,
  what: string,
): boolean {
  if (pointer === 0) {
    if (count !== 0) throw new PacError(`PAC ${what} pointer is null`);
    return false;
  }
  r.align(4);
  if (r.u32(what) !== count) {
    throw new PacError(`PAC ${what} size does not match its count`);
  }
  checkCount(r, count, size, what);
  return true;
}

/** The deferred conformant array of `GROUP_MEMBERSHIP` behind `pointer`. */
function groupArray(
  r: PacReader,
  [count, pointer]: number[],
  what: string,
): GroupMembership[] {
  if (!arrayStart(r, pointer, count, 8, what)) return [];
  const out: GroupMembership[] = new Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = { RelativeId: r.u32(what), Attributes: r.u32(what) };
  }
  return out;
}

/** The deferred `KERB_SID_AND_ATTRIBUTES` array, then the SIDs its entries point to. */
function sidArray(
  r: PacReader,
  [count, pointer]: number[],
): SidAndAttributes[] {
  const what = "ExtraSids";
  if (!arrayStart(r, pointer, count, 8, what)) return [];
  const attributes: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    if (r.u32(what) === 0) throw new PacError(`PAC ${what} entry has no SID`);
    attributes[i] = r.u32(what);
  }
  return attributes.map((a) => ({
    Sid: readSid(r, true, what),
    Attributes: a,
  }));
}

/**
 * Decodes the logon information buffer (PAC buffer type 1): the MS-RPCE type
 * serialization headers, then `KERB_VALIDATION_INFO` as NDR. Returns `{ error }` on
 * any malformed input.
 */
export function decodeKerbValidationInfo(
  bytes: Uint8Array,
): KerbValidationInfo | { error: string } {
  try {
    return readValidationInfo(bytes);
  } catch (e) {
    if (e instanceof PacError) return { error: e.message };
    throw e;
  }
}

/** Reads the MS-RPCE 2.2.6 headers; returns a reader bounded by ObjectBufferLength. */
function serializedBody(bytes: Uint8Array): PacReader {
  const h = new PacReader(bytes);
  const what = "logon info header";
  if (h.u8(what) !== 1 || h.u8(what) !== 0x10 || h.u16(what) !== 8) {
    throw new PacError("PAC logon info is not NDR type serialization v1 (LE)");
  }
  h.take(4, what); // Filler 0xcccccccc
  const length = h.u32(what);
  h.take(4, what); // Filler
  if (length > h.remaining) {
    throw new PacError("PAC logon info ObjectBufferLength exceeds the buffer");
  }
  const r = new PacReader(bytes, 0, h.pos + length);
  r.pos = h.pos;
  return r;
}

/** The `RPC_UNICODE_STRING` fields of the fixed part before GroupCount, in order. */
const NAMES = [
  "EffectiveName",
  "FullName",
  "LogonScript",
  "ProfilePath",
  "HomeDirectory",
  "HomeDirectoryDrive",
] as const;

function readValidationInfo(bytes: Uint8Array): KerbValidationInfo {
  const r = serializedBody(bytes);
  if (r.u32("logon info pointer") === 0) {
    throw new PacError("PAC logon info is a null pointer");
  }
  // The fixed part. Object literals evaluate their values in order.
  const times = {
    LogonTime: r.u64("LogonTime"),
    LogoffTime: r.u64("LogoffTime"),
    KickOffTime: r.u64("KickOffTime"),
    PasswordLastSet: r.u64("PasswordLastSet"),
    PasswordCanChange: r.u64("PasswordCanChange"),
    PasswordMustChange: r.u64("PasswordMustChange"),
  };
  const headers = NAMES.map((n) => stringHeader(r, n));
  const ids = {
    LogonCount: r.u16("LogonCount"),
    BadPasswordCount: r.u16("BadPasswordCount"),
    UserId: r.u32("UserId"),
    PrimaryGroupId: r.u32("PrimaryGroupId"),
  };
  const groups = [r.u32("GroupCount"), r.u32("GroupIds")];
  const UserFlags = r.u32("UserFlags");
  r.take(16, "UserSessionKey"); // never kept
  const logonServer = stringHeader(r, "LogonServer");
  const logonDomain = stringHeader(r, "LogonDomainName");
  const domainIdPointer = r.u32("LogonDomainId");
  r.take(8, "Reserved1");
  const account = {
    UserAccountControl: r.u32("UserAccountControl"),
    SubAuthStatus: r.u32("SubAuthStatus"),
    LastSuccessfulILogon: r.u64("LastSuccessfulILogon"),
    LastFailedILogon: r.u64("LastFailedILogon"),
    FailedILogonCount: r.u32("FailedILogonCount"),
  };
  r.take(4, "Reserved3");
  const sids = [r.u32("SidCount"), r.u32("ExtraSids")];
  const resourceDomainPointer = r.u32("ResourceGroupDomainSid");
  const resources = [r.u32("ResourceGroupCount"), r.u32("ResourceGroupIds")];

  // The deferred referents, in the order of their pointers.
  const strings = {} as Record<typeof NAMES[number], string>;
  NAMES.forEach((n, i) => strings[n] = deferredString(r, headers[i], n));
  const GroupIds = groupArray(r, groups, "GroupIds");
  const LogonServer = deferredString(r, logonServer, "LogonServer");
  const LogonDomainName = deferredString(r, logonDomain, "LogonDomainName");
  const LogonDomainId = domainIdPointer === 0
    ? null
    : readSid(r, true, "LogonDomainId");
  const ExtraSids = sidArray(r, sids);
  const ResourceGroupDomainSid = resourceDomainPointer === 0
    ? null
    : readSid(r, true, "ResourceGroupDomainSid");
  const ResourceGroupIds = groupArray(r, resources, "ResourceGroupIds");
  return {
    ...times,
    ...strings,
    ...ids,
    GroupIds,
    UserFlags,
    LogonServer,
    LogonDomainName,
    LogonDomainId,
    ...account,
    ExtraSids,
    ResourceGroupDomainSid,
    ResourceGroupIds,
  };
}
