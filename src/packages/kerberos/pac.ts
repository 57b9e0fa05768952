/**
 * The Windows PAC (MS-PAC) carried in Kerberos tickets: finding it in the ticket's
 * authorization data (AD-WIN2K-PAC inside AD-IF-RELEVANT), parsing the `PACTYPE`
 * container and its buffers (logon information, client information, UPN and DNS
 * information, server and KDC signatures; the others are kept opaque), verifying the
 * server signature with the service's key, and checking the client information
 * against the ticket (MS-PAC 2.7).
 *
 * Malformed input is never an exception: the functions return `{ error }` (which the
 * acceptor maps to `SEC_E_INVALID_TOKEN`), or `false` for a failed check. Reads are
 * bounds-checked and counts capped (see `pac_ndr.ts`). Nothing here keeps the
 * UserSessionKey or any other key.
 *
 * @module
 */
import { pooledCopy } from "../../util/pool.ts";
import { DerError } from "../../der/mod.ts";
import { fromUtf16le } from "../../util/bytes.ts";
import { msFromFiletime, TIMESTAMP_NEVER } from "../../sspi/buffers.ts";
import type { PacSignatures } from "../../netlogon/pass_through.ts";
import { scanSequence } from "./asn1.ts";
import { AD_IF_RELEVANT, AD_WIN2K_PAC } from "./constants.ts";
import {
  checksumTypeOf,
  CKSUMTYPE_HMAC_MD5,
  CKSUMTYPE_HMAC_SHA1_96_AES128,
  CKSUMTYPE_HMAC_SHA1_96_AES256,
  CKSUMTYPE_HMAC_SHA256_128_AES128,
  CKSUMTYPE_HMAC_SHA384_192_AES256,
  isSupportedEtype,
  type KerberosKey,
  verifyChecksum,
} from "./crypto.ts";
import { authorizationData } from "./messages_read.ts";
import type {
  AuthorizationDataEntry,
  PrincipalName,
} from "./messages_types.ts";
import {
  decodeKerbValidationInfo,
  type GroupMembership,
  type KerbValidationInfo,
  PacError,
  PacReader,
  readSid,
  type SidAndAttributes,
} from "./pac_ndr.ts";

export {
  type GroupMembership,
  type KerbValidationInfo,
  PacError,
  type SidAndAttributes,
} from "./pac_ndr.ts";
export type { KerberosKey } from "./crypto.ts";
export type {
  AuthorizationDataEntry,
  PrincipalName,
} from "./messages_types.ts";

// PAC_INFO_BUFFER ulType values (MS-PAC 2.4) this module reads. The others are kept
// opaque: 2 credentials (encrypted with the AS reply key), 11 S4U delegation info,
// 13 client claims, 14 device info, 15 device claims, 17 attributes, 18 requestor,
// and the two signatures made with the krbtgt key, 16 ticket and 19 full PAC.

/** KERB_VALIDATION_INFO, the logon information. */
export const PAC_LOGON_INFO = 1;
/** The server signature. */
export const PAC_SERVER_CHECKSUM = 6;
/** The KDC (privsvr) signature. */
export const PAC_PRIVSVR_CHECKSUM = 7;
/** PAC_CLIENT_INFO: the client name and ticket authtime. */
export const PAC_CLIENT_INFO = 10;
/** UPN_DNS_INFO. */
export const PAC_UPN_DNS_INFO = 12;
/** The ticket signature (krbtgt key; kept opaque). */
export const PAC_TICKET_CHECKSUM = 16;
/** The extended KDC (full PAC) signature (krbtgt key; kept opaque). */
export const PAC_FULL_CHECKSUM = 19;
/** Key usage of the PAC signatures (MS-KILE 3.1.5.9). */
export const KERB_NON_KERB_CKSUM_SALT = 17;
/** Most buffers a PAC may declare. */
export const MAX_PAC_BUFFERS = 64;
/** UPN_DNS_INFO flag U: the account has no UPN; one was constructed. */
export const UPN_DNS_CONSTRUCTED = 1;
/** UPN_DNS_INFO flag S: the SamName and Sid fields follow. */
export const UPN_DNS_EXTENDED = 2;

/** One `PAC_INFO_BUFFER`: type, size and offset of a buffer in the PAC. */
export interface PacBuffer {
  /** ulType. */
  Type: number;
  /** cbBufferSize. */
  Size: number;
  /** Offset from the start of the PAC (8-aligned). */
  Offset: number;
}

/** `PAC_SIGNATURE_DATA` (MS-PAC 2.8). */
export interface PacSignatureData {
  /** SignatureType: 16, 15, 20, 19 or -138 (others are kept but cannot be verified). */
  SignatureType: number;
  /** Signature: 12, 16 or 24 bytes; for an unknown type, the rest of the buffer. */
  Signature: Uint8Array;
  /** RODCIdentifier when present (KDC signature of a read-only DC), else null. */
  RODCIdentifier: number | null;
}

/** `PAC_CLIENT_INFO` (MS-PAC 2.7). */
export interface PacClientInfo {
  /** ClientId: the ticket's authtime (FILETIME ticks). */
  ClientId: bigint;
  /** Name: the client principal name without realm. */
  Name: string;
}

/** `UPN_DNS_INFO` (MS-PAC 2.10). */
export interface PacUpnDnsInfo {
  /** The user principal name. */
  Upn: string;
  /** The DNS domain name. */
  DnsDomainName: string;
  /** Flags (UPN_DNS_CONSTRUCTED, UPN_DNS_EXTENDED). */
  Flags: number;
  /** SamName (with flag S), else null. */
  SamName: string | null;
  /** Sid (with flag S), else null. */
  Sid: string | null;
}

/** A parsed PAC. */
export interface ParsedPac {
  /** The buffers in PAC order. */
  Buffers: PacBuffer[];
  /** Logon information (type 1), or null. */
  LogonInfo: KerbValidationInfo | null;
  /** Server signature (type 6), or null. */
  ServerSignature: PacSignatureData | null;
  /** KDC signature (type 7), or null. */
  KdcSignature: PacSignatureData | null;
  /** Client information (type 10), or null. */
  ClientInfo: PacClientInfo | null;
  /** UPN and DNS information (type 12), or null. */
  UpnDnsInfo: PacUpnDnsInfo | null;
  /** The other buffers, kept opaque (views of the PAC bytes). */
  Other: { Type: number; Data: Uint8Array }[];
}

/** What an acceptor needs from a ticket's PAC (no keys). */
export interface PacLogonInfo {
  /** LogonDomainId + UserId, or null without logon information. */
  UserSid: string | null;
  /** LogonDomainId + PrimaryGroupId, or null. */
  PrimaryGroupSid: string | null;
  /** LogonDomainId + each GroupIds RID. */
  GroupSids: SidAndAttributes[];
  /** ExtraSids. */
  ExtraSids: SidAndAttributes[];
  /** ResourceGroupDomainSid + each ResourceGroupIds RID. */
  ResourceGroupSids: SidAndAttributes[];
  /** EffectiveName (sAMAccountName), or null. */
  EffectiveName: string | null;
  /** FullName, or null. */
  FullName: string | null;
  /** LogonDomainName (NetBIOS), or null. */
  LogonDomainName: string | null;
  /** LogonDomainId, or null. */
  LogonDomainSid: string | null;
  /** LogonServer, or null. */
  LogonServer: string | null;
  /** UPN from UPN_DNS_INFO, or null. */
  UserPrincipalName: string | null;
  /** DNS domain name from UPN_DNS_INFO, or null. */
  DnsDomainName: string | null;
  /** SamName from UPN_DNS_INFO (flag S), or null. */
  SamName: string | null;
  /** Sid from UPN_DNS_INFO (flag S), or null. */
  UserSidFromUpnDns: string | null;
  /** UserFlags (0 without logon information). */
  UserFlags: number;
  /** UserAccountControl (0 without logon information). */
  UserAccountControl: number;
  /** LogonTime, or null for never (0 or 0x7fffffffffffffff). */
  LogonTime: Date | null;
  /** LogonCount (0 without logon information). */
  LogonCount: number;
  /** BadPasswordCount (0 without logon information). */
  BadPasswordCount: number;
  /** PAC_CLIENT_INFO Name, or null. */
  ClientName: string | null;
  /** The server signature verified with the service key. */
  ServerChecksumVerified: boolean;
  /** PAC_CLIENT_INFO present and matching the ticket's cname and authtime. */
  ClientInfoValid: boolean;
  /** A KDC signature is present (it can only be checked with the krbtgt key). */
  KdcChecksumPresent: boolean;
  /**
   * A domain controller confirmed the KDC signature (PAC validation, with the
   * credential's `DomainController`); false when it was not asked.
   */
  KdcChecksumVerified: boolean;
  /** The buffer types present, in PAC order. */
  Buffers: number[];
}

/**
 * `QueryContextAttributes` attribute of an accepted Kerberos (or Negotiate-chosen
 * Kerberos) context: the client's logon information from the ticket's PAC, as a
 * frozen `PacLogonInfo` (user and group SIDs, names, UPN), the PAC's server signature
 * verified with the service key and its client information matched to the ticket.
 * `SEC_E_NO_CREDENTIALS` when the ticket carried no PAC (a KDC that is not Active
 * Directory's, or MIT's before 1.20). What a Windows server reads from the token of
 * `QuerySecurityContextToken`; a portable extension with the high bit set, which no
 * Windows `SECPKG_ATTR_*` uses.
 */
export const SECPKG_ATTR_PAC_LOGON_INFO = 0x80004b03;

/** A FILETIME as a Date; null for 0, 0x7fffffffffffffff or out of Date's range. */
export function filetimeToDate(ticks: bigint): Date | null {
  if (ticks === 0n || ticks === TIMESTAMP_NEVER) return null;
  const ms = msFromFiletime(ticks);
  return Math.abs(ms) <= 8.64e15 ? new Date(ms) : null;
}

/**
 * The AD-WIN2K-PAC data of a ticket's authorization data: the one inside an
 * AD-IF-RELEVANT element (or, as MIT also accepts, at the top level). Null when
 * there is none; `{ error }` when an AD-IF-RELEVANT is not valid DER or there is
 * more than one PAC.
 */
export function findPac(
  authData: readonly AuthorizationDataEntry[] | undefined,
): Uint8Array | null | { error: string } {
  const found: Uint8Array[] = [];
  for (const e of authData ?? []) {
    if (e.adType === AD_WIN2K_PAC) found.push(e.adData);
    if (e.adType !== AD_IF_RELEVANT) continue;
    let inner: AuthorizationDataEntry[];
    try {
      const what = "AD-IF-RELEVANT";
      inner = authorizationData(scanSequence(e.adData, what), 0, what);
    } catch (err) {
      if (err instanceof DerError) return { error: err.message };
      throw err;
    }
    for (const x of inner) if (x.adType === AD_WIN2K_PAC) found.push(x.adData);
  }
  if (found.length > 1) return { error: "Ticket carries more than one PAC" };
  return found[0] ?? null;
}

/** Signature sizes of the PAC checksum types. */
const SIGNATURE_SIZES = new Map([
  [CKSUMTYPE_HMAC_SHA1_96_AES256, 12],
  [CKSUMTYPE_HMAC_SHA1_96_AES128, 12],
  [CKSUMTYPE_HMAC_SHA256_128_AES128, 16],
  [CKSUMTYPE_HMAC_SHA384_192_AES256, 24],
  [CKSUMTYPE_HMAC_MD5, 16],
]);

function signatureData(data: Uint8Array, what: string): PacSignatureData {
  const r = new PacReader(data);
  const SignatureType = r.i32(what);
  const size = SIGNATURE_SIZES.get(SignatureType) ?? r.remaining;
  const Signature = r.bytesOf(size, what);
  const RODCIdentifier = r.remaining >= 2 ? r.u16(what) : null;
  return { SignatureType, Signature, RODCIdentifier };
}

function clientInfo(data: Uint8Array): PacClientInfo {
  const r = new PacReader(data);
  const ClientId = r.u64("client info");
  const length = r.u16("client info");
  if (length % 2) throw new PacError("PAC client info has an odd NameLength");
  return { ClientId, Name: r.utf16(length / 2, "client info Name") };
}

/** A UTF-16 field of `length` bytes at `offset` from the start of `data`. */
function stringAt(data: Uint8Array, length: number, offset: number): string {
  if (length % 2 || offset + length > data.length) {
    throw new PacError("PAC UPN_DNS_INFO string is out of bounds");
  }
  return fromUtf16le(data, offset, offset + length);
}

function upnDnsInfo(data: Uint8Array): PacUpnDnsInfo {
  const r = new PacReader(data);
  const what = "UPN_DNS_INFO";
  const field = () => stringAt(data, r.u16(what), r.u16(what)); // Length, Offset
  const Upn = field();
  const DnsDomainName = field();
  const Flags = r.u32(what);
  const info = { Upn, DnsDomainName, Flags, SamName: null, Sid: null };
  if (!(Flags & UPN_DNS_EXTENDED)) return info;
  const SamName = field();
  const [length, offset] = [r.u16(what), r.u16(what)];
  const s = new PacReader(data, offset, offset + length); // checks the range
  const Sid = readSid(s, false, "UPN_DNS_INFO Sid");
  if (s.remaining !== 0) throw new PacError("PAC UPN_DNS_INFO Sid length");
  return { ...info, SamName, Sid };
}

/**
 * Parses a PAC (MS-PAC 2.3, 2.4): `cBuffers` (1 to 64), `Version` 0, and the
 * `PAC_INFO_BUFFER`s, each 8-aligned, after the header and inside the PAC, with no
 * type repeated. Returns `{ error }` for any malformed PAC or buffer.
 */
export function parsePac(bytes: Uint8Array): ParsedPac | { error: string } {
  try {
    return readPac(bytes);
  } catch (e) {
    if (e instanceof PacError) return { error: e.message };
    throw e;
  }
}

function readPac(bytes: Uint8Array): ParsedPac {
  if (!(bytes instanceof Uint8Array)) throw new PacError("PAC is not bytes");
  const r = new PacReader(bytes);
  const count = r.u32("cBuffers");
  if (r.u32("Version") !== 0) throw new PacError("PAC Version is not 0");
  if (count < 1 || count > MAX_PAC_BUFFERS) {
    throw new PacError(`PAC cBuffers ${count} is out of range`);
  }
  const headerEnd = 8 + 16 * count;
  r.need(16 * count, "buffer list");
  const out: ParsedPac = {
    Buffers: [],
    LogonInfo: null,
    ServerSignature: null,
    KdcSignature: null,
    ClientInfo: null,
    UpnDnsInfo: null,
    Other: [],
  };
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const Type = r.u32("ulType");
    const Size = r.u32("cbBufferSize");
    const Offset = r.u32("Offset");
    if (r.u32("Offset") !== 0 || Offset % 8 !== 0 || Offset < headerEnd) {
      throw new PacError(`PAC buffer ${Type} has a bad offset`);
    }
    if (Size > bytes.length - Offset) {
      throw new PacError(`PAC buffer ${Type} runs past the end`);
    }
    if (seen.has(Type)) throw new PacError(`PAC buffer ${Type} is repeated`);
    seen.add(Type);
    out.Buffers.push({ Type, Size, Offset });
    readBuffer(out, Type, bytes.subarray(Offset, Offset + Size));
  }
  return out;
}

function readBuffer(out: ParsedPac, type: number, data: Uint8Array): void {
  switch (type) {
    case PAC_LOGON_INFO: {
      const li = decodeKerbValidationInfo(data);
      if ("error" in li) throw new PacError(li.error);
      out.LogonInfo = li;
      return;
    }
    case PAC_SERVER_CHECKSUM:
      out.ServerSignature = signatureData(data, "server signature");
      return;
    case PAC_PRIVSVR_CHECKSUM:
      out.KdcSignature = signatureData(data, "KDC signature");
      return;
    case PAC_CLIENT_INFO:
      out.ClientInfo = clientInfo(data);
      return;
    case PAC_UPN_DNS_INFO:
      out.UpnDnsInfo = upnDnsInfo(data);
      return;
    default:
      out.Other.push({ Type: type, Data: data });
  }
}

/**
 * Verifies the server signature (MS-PAC 2.8.3): the keyed checksum, key usage 17,
 * of the whole PAC with the Signature fields of the server and KDC signatures
 * zeroed (the ticket and full PAC signatures, computed before it, stay as they
 * are). The checksum type must be the one of the key's etype (16 for etype 18,
 * 15 for 17, 20 for 20 and 19 for 19, as MIT signs PACs for services with RFC 8009
 * keys, -138 for 23). False when either signature is missing, the type does
 * not fit the key or the checksum differs (compared in constant time).
 */
export function verifyPacServerChecksum(
  pac: ParsedPac,
  bytes: Uint8Array,
  serviceKey: KerberosKey,
): boolean {
  const sig = pac.ServerSignature;
  const server = pac.Buffers.find((b) => b.Type === PAC_SERVER_CHECKSUM);
  const kdc = pac.Buffers.find((b) => b.Type === PAC_PRIVSVR_CHECKSUM);
  if (!sig || !server || !kdc || !isSupportedEtype(serviceKey.etype)) {
    return false;
  }
  if (checksumTypeOf(serviceKey.etype) !== sig.SignatureType) return false;
  const copy = pooledCopy(bytes);
  for (const b of [server, kdc]) {
    if (b.Size < 4 || b.Offset + b.Size > copy.length) return false;
    copy.fill(0, b.Offset + 4, b.Offset + b.Size);
  }
  return verifyChecksum(
    serviceKey,
    KERB_NON_KERB_CKSUM_SALT,
    copy,
    sig.Signature,
  );
}

/** Upper case of each UTF-16 unit on its own (like RtlUpcaseUnicodeChar). */
function upcase(s: string): string {
  let out = "";
  for (const c of s) {
    const u = c.toUpperCase();
    out += u.length === c.length ? u : c;
  }
  return out;
}

/**
 * The MS-PAC 2.7 check: PAC_CLIENT_INFO is present, its ClientId is the ticket's
 * `authtime` (to the second) and its Name is the client name without realm
 * (components joined by "/"), compared case-insensitively as Windows does. A Name
 * followed by "@" and `crealm` is also accepted (cross-realm S4U2Self PACs carry
 * the realm; MIT accepts it the same way).
 */
export function checkPacClientInfo(
  pac: ParsedPac,
  cname: PrincipalName,
  authtime: Date,
  crealm?: string,
): boolean {
  const ci = pac.ClientInfo;
  if (!ci) return false;
  // ClientId is the authtime to the second (a ticket's times have no finer part).
  const ms = msFromFiletime(ci.ClientId);
  if (Math.floor(ms / 1000) !== Math.floor(authtime.getTime() / 1000)) {
    return false;
  }
  const name = upcase(cname.nameString.join("/"));
  const got = upcase(ci.Name);
  return got === name ||
    (crealm !== undefined && got === `${name}@${upcase(crealm)}`);
}

/** The acceptor's view of a parsed PAC, with the results of the two checks. */
export function pacLogonInfo(
  pac: ParsedPac,
  serverChecksumVerified: boolean,
  clientInfoValid: boolean,
): PacLogonInfo {
  const li = pac.LogonInfo;
  const domain = li?.LogonDomainId ?? null;
  const rid = (id?: number) =>
    domain === null || id === undefined ? null : `${domain}-${id}`;
  const sids = (sid: string | null, list: GroupMembership[] = []) =>
    sid === null ? [] : list.map((g) => ({
      Sid: `${sid}-${g.RelativeId}`,
      Attributes: g.Attributes,
    }));
  const upn = pac.UpnDnsInfo;
  return {
    UserSid: rid(li?.UserId),
    PrimaryGroupSid: rid(li?.PrimaryGroupId),
    GroupSids: sids(domain, li?.GroupIds),
    ExtraSids: (li?.ExtraSids ?? []).map((s) => ({ ...s })),
    ResourceGroupSids: sids(
      li?.ResourceGroupDomainSid ?? null,
      li?.ResourceGroupIds,
    ),
    EffectiveName: li?.EffectiveName ?? null,
    FullName: li?.FullName ?? null,
    LogonDomainName: li?.LogonDomainName ?? null,
    LogonDomainSid: domain,
    LogonServer: li?.LogonServer ?? null,
    UserPrincipalName: upn?.Upn ?? null,
    DnsDomainName: upn?.DnsDomainName ?? null,
    SamName: upn?.SamName ?? null,
    UserSidFromUpnDns: upn?.Sid ?? null,
    UserFlags: li?.UserFlags ?? 0,
    UserAccountControl: li?.UserAccountControl ?? 0,
    LogonTime: li ? filetimeToDate(li.LogonTime) : null,
    LogonCount: li?.LogonCount ?? 0,
    BadPasswordCount: li?.BadPasswordCount ?? 0,
    ClientName: pac.ClientInfo?.Name ?? null,
    ServerChecksumVerified: serverChecksumVerified,
    ClientInfoValid: clientInfoValid,
    KdcChecksumPresent: pac.KdcSignature !== null,
    KdcChecksumVerified: false,
    Buffers: pac.Buffers.map((b) => b.Type),
  };
}

/** A parsed PAC's server and KDC signatures (copies), or null when either is missing. */
function signaturesOf(pac: ParsedPac): PacSignatures | null {
  if (!pac.ServerSignature || !pac.KdcSignature) return null;
  return {
    serverChecksum: pac.ServerSignature.Signature.slice(),
    kdcType: pac.KdcSignature.SignatureType,
    kdcSignature: pac.KdcSignature.Signature.slice(),
  };
}

/**
 * Finds, parses and checks the PAC of a decrypted ticket: `authData` is its
 * `EncTicketPart.authorizationData`, `serviceKey` the key that decrypted it, `cname`,
 * `authtime` and `crealm` its fields. Returns null when the ticket has no PAC and
 * `{ error }` when the PAC (or the AD-IF-RELEVANT around it) is malformed. Otherwise
 * the logon information, whose `ServerChecksumVerified` and `ClientInfoValid` say
 * whether it can be trusted: use its identity only when both are true. With
 * `signatures`, the PAC's server and KDC signatures are put there too (for a
 * domain controller to check the KDC's: PAC validation), from the same parse.
 */
export function readTicketPac(
  authData: readonly AuthorizationDataEntry[] | undefined,
  serviceKey: KerberosKey,
  cname: PrincipalName,
  authtime: Date,
  crealm?: string,
  signatures?: { value: PacSignatures | null },
): PacLogonInfo | null | { error: string } {
  const bytes = findPac(authData);
  if (bytes === null || "error" in bytes) return bytes;
  const pac = parsePac(bytes);
  if ("error" in pac) return pac;
  if (signatures) signatures.value = signaturesOf(pac);
  return pacLogonInfo(
    pac,
    verifyPacServerChecksum(pac, bytes, serviceKey),
    checkPacClientInfo(pac, cname, authtime, crealm),
  );
}
