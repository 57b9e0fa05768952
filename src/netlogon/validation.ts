/**
 * The validation information a domain controller gives for a logon (MS-NRPC
 * 2.2.1.4.13 `NETLOGON_VALIDATION_SAM_INFO4`) and its Kerberos form, the PAC's
 * `KERB_VALIDATION_INFO` (MS-PAC 2.5): one NDR structure with two tails. The PAC
 * keeps resource groups at the end; SAM_INFO4 a DNS domain name, a UPN and ten
 * expansion strings. Both are read here, bounds-checked (errors are `NdrError`).
 *
 * @module
 */
import {
  checkCount,
  type NdrReader,
  readDeferredUnicodeString,
  readSid,
  readUnicodeStringHeader,
} from "../rpc/ndr.ts";
import type { NetlogonValidation } from "./logon.ts";

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

/**
 * Starts the deferred conformant array behind `pointer` (elements of `size` bytes):
 * reads its conformance, which must equal `count`. False when the pointer is null
 * (then `count` must be 0).
 */
function arrayStart(
  r: NdrReader,
  pointer: number,
  count: number,
  size: number,
  what: string,
): boolean {
  if (pointer === 0) {
    if (count !== 0) throw r.error(`${what} pointer is null`);
    return false;
  }
  r.align(4);
  if (r.u32(what) !== count) {
    throw r.error(`${what} size does not match its count`);
  }
  checkCount(r, count, size, what);
  return true;
}

/** The deferred conformant array of `GROUP_MEMBERSHIP` behind `pointer`. */
function groupArray(
  r: NdrReader,
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
  r: NdrReader,
  [count, pointer]: number[],
): SidAndAttributes[] {
  const what = "ExtraSids";
  if (!arrayStart(r, pointer, count, 8, what)) return [];
  const attributes: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    if (r.u32(what) === 0) throw r.error(`${what} entry has no SID`);
    attributes[i] = r.u32(what);
  }
  return attributes.map((a) => ({
    Sid: readSid(r, true, what),
    Attributes: a,
  }));
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

/** SAM_INFO4's strings after ExtraSids: DnsLogonDomainName, Upn, ExpansionString1-10. */
const SAM_INFO4_STRINGS = 12;

/** The structure's keys, which only SAM_INFO4's reader keeps (the caller wipes them). */
interface Keys {
  /** UserSessionKey (16 bytes). */
  userSessionKey: Uint8Array;
  /** LMSessKey (8 bytes, SAM_INFO4's first ExpansionRoom words). */
  lmSessionKey: Uint8Array;
}

/**
 * Reads the structure at `r` (fixed part, then its deferred referents): the PAC's
 * `KERB_VALIDATION_INFO` (`tail` "pac") or `NETLOGON_VALIDATION_SAM_INFO4` ("sam4").
 */
function readBody(
  r: NdrReader,
  tail: "pac" | "sam4",
): { info: KerbValidationInfo; strings: string[]; keys: Keys } {
  r.align(4);
  // The fixed part. Object literals evaluate their values in order.
  const times = {
    LogonTime: r.u64("LogonTime"),
    LogoffTime: r.u64("LogoffTime"),
    KickOffTime: r.u64("KickOffTime"),
    PasswordLastSet: r.u64("PasswordLastSet"),
    PasswordCanChange: r.u64("PasswordCanChange"),
    PasswordMustChange: r.u64("PasswordMustChange"),
  };
  const headers = NAMES.map((n) => readUnicodeStringHeader(r, n));
  const ids = {
    LogonCount: r.u16("LogonCount"),
    BadPasswordCount: r.u16("BadPasswordCount"),
    UserId: r.u32("UserId"),
    PrimaryGroupId: r.u32("PrimaryGroupId"),
  };
  const groups = [r.u32("GroupCount"), r.u32("GroupIds")];
  const UserFlags = r.u32("UserFlags");
  const keyAt = r.take(16, "UserSessionKey");
  const logonServer = readUnicodeStringHeader(r, "LogonServer");
  const logonDomain = readUnicodeStringHeader(r, "LogonDomainName");
  const domainIdPointer = r.u32("LogonDomainId");
  const lmKeyAt = r.take(8, "Reserved1"); // SAM_INFO4: LMKey
  const account = {
    UserAccountControl: r.u32("UserAccountControl"),
    SubAuthStatus: r.u32("SubAuthStatus"),
    LastSuccessfulILogon: r.u64("LastSuccessfulILogon"),
    LastFailedILogon: r.u64("LastFailedILogon"),
    FailedILogonCount: r.u32("FailedILogonCount"),
  };
  r.take(4, "Reserved3");
  const sids = [r.u32("SidCount"), r.u32("ExtraSids")];
  let resourceDomainPointer = 0;
  let resources = [0, 0];
  let tailHeaders: number[][] = [];
  if (tail === "pac") {
    resourceDomainPointer = r.u32("ResourceGroupDomainSid");
    resources = [r.u32("ResourceGroupCount"), r.u32("ResourceGroupIds")];
  } else {
    tailHeaders = Array.from(
      { length: SAM_INFO4_STRINGS },
      () => readUnicodeStringHeader(r, "SAM_INFO4 string"),
    );
  }

  // The deferred referents, in the order of their pointers.
  const strings = {} as Record<typeof NAMES[number], string>;
  NAMES.forEach((n, i) =>
    strings[n] = readDeferredUnicodeString(r, headers[i], n)
  );
  const GroupIds = groupArray(r, groups, "GroupIds");
  const LogonServer = readDeferredUnicodeString(r, logonServer, "LogonServer");
  const LogonDomainName = readDeferredUnicodeString(
    r,
    logonDomain,
    "LogonDomainName",
  );
  const LogonDomainId = domainIdPointer === 0
    ? null
    : readSid(r, true, "LogonDomainId");
  const ExtraSids = sidArray(r, sids);
  const ResourceGroupDomainSid = resourceDomainPointer === 0
    ? null
    : readSid(r, true, "ResourceGroupDomainSid");
  const ResourceGroupIds = groupArray(r, resources, "ResourceGroupIds");
  const tailStrings = tailHeaders.map((h) =>
    readDeferredUnicodeString(r, h, "SAM_INFO4 string")
  );
  return {
    info: {
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
    },
    strings: tailStrings,
    keys: tail === "sam4"
      ? {
        userSessionKey: r.bytes.slice(keyAt, keyAt + 16),
        lmSessionKey: r.bytes.slice(lmKeyAt, lmKeyAt + 8),
      }
      : { userSessionKey: new Uint8Array(0), lmSessionKey: new Uint8Array(0) },
  };
}

/**
 * Reads a PAC's `KERB_VALIDATION_INFO` at `r` (after its top-level pointer); its
 * UserSessionKey is skipped, never kept.
 */
export function readKerbValidationInfo(r: NdrReader): KerbValidationInfo {
  return readBody(r, "pac").info;
}

/**
 * Reads `NETLOGON_VALIDATION_SAM_INFO4` at `r` (a NetrLogonSamLogonEx response's
 * validation, after its pointer): the logon information, UPN and DNS domain name,
 * and the two session keys (the caller wipes them).
 */
export function readSamInfo4(r: NdrReader): {
  info: NetlogonValidation;
  userSessionKey: Uint8Array;
  lmSessionKey: Uint8Array;
} {
  const { info, strings, keys } = readBody(r, "sam4");
  return {
    info: { ...info, DnsLogonDomainName: strings[0], Upn: strings[1] },
    ...keys,
  };
}
