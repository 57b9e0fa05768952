/**
 * SMB2 wire formats (MS-SMB2 2.2) for what a named-pipe client sends and reads: the
 * 64-byte sync header, the Direct TCP frame, and the NEGOTIATE, SESSION_SETUP,
 * TREE_CONNECT, CREATE, READ, WRITE, CLOSE, TREE_DISCONNECT and LOGOFF bodies.
 * Builders return whole messages (header and body; offsets in a body count from the
 * header's first byte, as the protocol says); readers check every length and offset
 * against the message before reading and return null for a malformed one.
 *
 * @module
 */
import { utf16le } from "../util/bytes.ts";

/** SMB2 commands (MS-SMB2 2.2.1.2). */
export const SMB2_NEGOTIATE = 0;
/** SMB2 SESSION_SETUP. */
export const SMB2_SESSION_SETUP = 1;
/** SMB2 LOGOFF. */
export const SMB2_LOGOFF = 2;
/** SMB2 TREE_CONNECT. */
export const SMB2_TREE_CONNECT = 3;
/** SMB2 TREE_DISCONNECT. */
export const SMB2_TREE_DISCONNECT = 4;
/** SMB2 CREATE. */
export const SMB2_CREATE = 5;
/** SMB2 CLOSE. */
export const SMB2_CLOSE = 6;
/** SMB2 READ. */
export const SMB2_READ = 8;
/** SMB2 WRITE. */
export const SMB2_WRITE = 9;

/** The header's size; body offsets count from its first byte. */
export const SMB2_HEADER_SIZE = 64;
/** Header flag: a server's response. */
export const SMB2_FLAGS_SERVER_TO_REDIR = 0x1;
/** Header flag: the async form (an interim `STATUS_PENDING` answer). */
export const SMB2_FLAGS_ASYNC_COMMAND = 0x2;
/** Header flag: the message is signed. */
export const SMB2_FLAGS_SIGNED = 0x8;
/** Where the 16-byte signature sits in the header. */
export const SIGNATURE_OFFSET = 48;

/** `SecurityMode` bit: signing enabled. */
export const SMB2_NEGOTIATE_SIGNING_ENABLED = 0x1;
/** `SecurityMode` bit: signing required. */
export const SMB2_NEGOTIATE_SIGNING_REQUIRED = 0x2;
/** What one credit pays for: 64 KiB of a request's or its answer's payload. */
export const SMB2_CREDIT_BYTES = 65536;
/** Capability: requests of more than 64 KiB, charged one credit per 64 KiB. */
export const SMB2_GLOBAL_CAP_LARGE_MTU = 0x4;
/** The SMB 2.1 dialect: HMAC-SHA256 signing with the session key. */
export const SMB2_DIALECT_21 = 0x0210;
/** The SMB 3.0.2 dialect: AES-CMAC signing with a derived key. */
export const SMB2_DIALECT_302 = 0x0302;
/** The SMB 3.1.1 dialect: AES-CMAC signing keyed through the pre-auth hash. */
export const SMB2_DIALECT_311 = 0x0311;
/** Negotiate context: pre-authentication integrity (SHA-512). */
export const SMB2_PREAUTH_INTEGRITY_CAPABILITIES = 1;
/** Pre-authentication integrity hash: SHA-512. */
export const SMB2_HASH_SHA512 = 1;
/** Negotiate context: the ciphers for encryption. */
export const SMB2_ENCRYPTION_CAPABILITIES = 2;
/** Cipher: AES-128-CCM (3.0 and 3.0.2's only cipher). */
export const SMB2_ENCRYPTION_AES128_CCM = 1;
/** Cipher: AES-128-GCM. */
export const SMB2_ENCRYPTION_AES128_GCM = 2;
/** Cipher: AES-256-CCM. */
export const SMB2_ENCRYPTION_AES256_CCM = 3;
/** Cipher: AES-256-GCM. */
export const SMB2_ENCRYPTION_AES256_GCM = 4;
/** The ciphers 3.1.1 offers by default, preferred first (Windows 11's order). */
export const SMB2_CIPHERS: readonly number[] = [
  SMB2_ENCRYPTION_AES128_GCM,
  SMB2_ENCRYPTION_AES128_CCM,
  SMB2_ENCRYPTION_AES256_GCM,
  SMB2_ENCRYPTION_AES256_CCM,
];
/** Capability: encryption (3.0, 3.0.2: with AES-128-CCM). */
export const SMB2_GLOBAL_CAP_ENCRYPTION = 0x40;
/** Negotiate context: the signing algorithms (MS-SMB2 2.2.3.1.7). */
export const SMB2_SIGNING_CAPABILITIES = 8;
/** Signing algorithm: AES-CMAC (3.x's default). */
export const SMB2_SIGNING_AES_CMAC = 1;
/** Signing algorithm: AES-GMAC. */
export const SMB2_SIGNING_AES_GMAC = 2;
/** `SessionFlags`: the server encrypts everything of this session. */
export const SMB2_SESSION_FLAG_ENCRYPT_DATA = 0x4;
/** `ShareFlags`: the share is encrypted. */
export const SMB2_SHAREFLAG_ENCRYPT_DATA = 0x8000;

/** NTSTATUS: success. */
export const STATUS_SUCCESS = 0;
/** NTSTATUS: an interim answer; the real one follows. */
export const STATUS_PENDING = 0x103;
/** NTSTATUS: the session setup needs another leg. */
export const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;
/** NTSTATUS: a pipe message longer than the read; the rest follows. */
export const STATUS_BUFFER_OVERFLOW = 0x80000005;

/** `ShareType` of a named-pipe share (IPC$). */
export const SMB2_SHARE_TYPE_PIPE = 2;

/** `ShareType` of a disk share. */
export const SMB2_SHARE_TYPE_DISK = 1;

/** Read and write data, attributes and EAs, read the ACL, synchronize. */
export const FILE_READ_WRITE = 0x0012019f;
/** Read data, attributes and EAs, read the ACL, synchronize. */
export const FILE_READ = 0x00120089;
/** FILE_SHARE_READ | FILE_SHARE_WRITE. */
const SHARE_READ_WRITE = 3;
/** `CreateDisposition` FILE_OPEN: open what exists. */
export const FILE_OPEN = 1;
/** `CreateDisposition` FILE_OVERWRITE_IF: replace or create. */
export const FILE_OVERWRITE_IF = 5;
/** `CreateOptions` FILE_NON_DIRECTORY_FILE: a file, not a directory. */
export const FILE_NON_DIRECTORY_FILE = 0x40;
/** `CreateOptions` FILE_DIRECTORY_FILE: a directory. */
export const FILE_DIRECTORY_FILE = 0x1;
/** List a directory, read its attributes, synchronize. */
export const FILE_LIST = 0x00100081;
/** DELETE, read attributes, synchronize. */
export const FILE_DELETE = 0x00110080;
/** `CreateOptions` FILE_DELETE_ON_CLOSE: the file goes when its last handle closes. */
export const FILE_DELETE_ON_CLOSE = 0x1000;
/** SECURITY_IMPERSONATION. */
const IMPERSONATION = 2;

/** A request header's variable fields. */
export interface RequestHeader {
  /** The command (`SMB2_NEGOTIATE`...). */
  command: number;
  /** This request's message id. */
  messageId: bigint;
  /** The tree it is for (0 before a tree connect). */
  treeId: number;
  /** The session (0 before the first session setup answer). */
  sessionId: bigint;
  /** Credits asked for. */
  creditRequest: number;
  /** Credits this request costs: one per 64 KiB of payload (default 1). */
  creditCharge?: number;
}

/** A response header, as read. */
export interface ResponseHeader {
  /** The command answered. */
  command: number;
  /** The NTSTATUS. */
  status: number;
  /** `Flags` (`SMB2_FLAGS_*`). */
  flags: number;
  /** The message id of the request answered. */
  messageId: bigint;
  /** The tree (a tree connect's answer carries the new one); 0 when async. */
  treeId: number;
  /** The session (the first session setup answer carries the new one). */
  sessionId: bigint;
  /** Credits granted. */
  credits: number;
  /** Offset of a compounded next response; 0 for none. */
  nextCommand: number;
}

/** A whole request: the header, then a body of `bodySize` bytes to fill. */
export function request(
  h: RequestHeader,
  bodySize: number,
): [Uint8Array, DataView] {
  const m = new Uint8Array(SMB2_HEADER_SIZE + bodySize);
  const v = new DataView(m.buffer);
  v.setUint32(0, 0xfe534d42); // "\xfeSMB"
  v.setUint16(4, SMB2_HEADER_SIZE, true);
  v.setUint16(6, h.command === SMB2_NEGOTIATE ? 0 : h.creditCharge ?? 1, true);
  v.setUint16(12, h.command, true);
  v.setUint16(14, h.creditRequest, true);
  v.setBigUint64(24, h.messageId, true);
  v.setUint32(36, h.treeId, true);
  v.setBigUint64(40, h.sessionId, true);
  return [m, v];
}

/** Sets the SIGNED flag of a built request (before it is signed). */
export function markSigned(m: Uint8Array): void {
  m[16] |= SMB2_FLAGS_SIGNED;
}

/** Reads a response header; null when `m` is not one. */
export function readHeader(m: Uint8Array): ResponseHeader | null {
  if (m.length < SMB2_HEADER_SIZE) return null;
  const v = new DataView(m.buffer, m.byteOffset, m.length);
  if (v.getUint32(0) !== 0xfe534d42 || v.getUint16(4, true) !== 64) {
    return null;
  }
  const flags = v.getUint32(16, true);
  if (!(flags & SMB2_FLAGS_SERVER_TO_REDIR)) return null;
  return {
    command: v.getUint16(12, true),
    status: v.getUint32(8, true),
    flags,
    messageId: v.getBigUint64(24, true),
    // The async form has an AsyncId where the sync one has a tree id.
    treeId: flags & SMB2_FLAGS_ASYNC_COMMAND ? 0 : v.getUint32(36, true),
    sessionId: v.getBigUint64(40, true),
    credits: v.getUint16(14, true),
    nextCommand: v.getUint32(20, true),
  };
}

/** A body's `StructureSize` field, checked; the body's DataView or null. */
function body(m: Uint8Array, size: number): DataView | null {
  if (m.length < SMB2_HEADER_SIZE + (size & ~1)) return null;
  const v = new DataView(m.buffer, m.byteOffset, m.length);
  return v.getUint16(SMB2_HEADER_SIZE, true) === size ? v : null;
}

/** The `[offset, length]` buffer of a message, or null when it lies outside it. */
function slice(
  m: Uint8Array,
  offset: number,
  length: number,
): Uint8Array | null {
  if (length === 0) return new Uint8Array(0);
  if (offset < SMB2_HEADER_SIZE || offset + length > m.length) return null;
  return m.subarray(offset, offset + length);
}

/**
 * NEGOTIATE request offering `dialects`, signing required, with `clientGuid`; with
 * 3.1.1 among them, a pre-authentication integrity context (SHA-512, `salt`), an
 * encryption context offering `ciphers` and a signing context offering `signing`
 * (ids, preferred first).
 */
export function negotiateRequest(
  h: RequestHeader,
  clientGuid: Uint8Array,
  dialects: readonly number[],
  salt: Uint8Array,
  signing: readonly number[] = [SMB2_SIGNING_AES_GMAC, SMB2_SIGNING_AES_CMAC],
  ciphers: readonly number[] = SMB2_CIPHERS,
): Uint8Array {
  const b = SMB2_HEADER_SIZE;
  const end = b + 36 + 2 * dialects.length;
  const with311 = dialects.includes(SMB2_DIALECT_311);
  const ctx = (end + 7) & ~7;
  const ctx2 = (ctx + 8 + 6 + salt.length + 7) & ~7;
  const ctx3 = (ctx2 + 8 + 2 + 2 * ciphers.length + 7) & ~7;
  const [m, v] = request(
    h,
    (with311 ? ctx3 + 8 + 2 + 2 * signing.length : end) - b,
  );
  v.setUint16(b, 36, true);
  v.setUint16(b + 2, dialects.length, true);
  v.setUint16(b + 4, SMB2_NEGOTIATE_SIGNING_REQUIRED | 1, true);
  // SMB2_GLOBAL_CAP_LARGE_MTU (reads and writes over 64 KiB, multi-credit), and
  // SMB2_GLOBAL_CAP_ENCRYPTION with 3.x (3.1.1 servers look for it besides the
  // cipher context; 3.0.2 has only this).
  const with3 = dialects.some((d) => d >= SMB2_DIALECT_302);
  v.setUint32(
    b + 8,
    SMB2_GLOBAL_CAP_LARGE_MTU | (with3 ? SMB2_GLOBAL_CAP_ENCRYPTION : 0),
    true,
  );
  m.set(clientGuid.subarray(0, 16), b + 12);
  dialects.forEach((d, i) => v.setUint16(b + 36 + 2 * i, d, true));
  if (with311) {
    v.setUint32(b + 28, ctx, true);
    v.setUint16(b + 32, 3, true);
    v.setUint16(ctx, SMB2_PREAUTH_INTEGRITY_CAPABILITIES, true);
    v.setUint16(ctx + 2, 6 + salt.length, true);
    v.setUint16(ctx + 8, 1, true); // HashAlgorithmCount
    v.setUint16(ctx + 10, salt.length, true);
    v.setUint16(ctx + 12, SMB2_HASH_SHA512, true);
    m.set(salt, ctx + 14);
    v.setUint16(ctx2, SMB2_ENCRYPTION_CAPABILITIES, true);
    v.setUint16(ctx2 + 2, 2 + 2 * ciphers.length, true);
    v.setUint16(ctx2 + 8, ciphers.length, true);
    ciphers.forEach((c, i) => v.setUint16(ctx2 + 10 + 2 * i, c, true));
    v.setUint16(ctx3, SMB2_SIGNING_CAPABILITIES, true);
    v.setUint16(ctx3 + 2, 2 + 2 * signing.length, true);
    v.setUint16(ctx3 + 8, signing.length, true);
    signing.forEach((a, i) => v.setUint16(ctx3 + 10 + 2 * i, a, true));
  }
  return m;
}

/** What a NEGOTIATE response says. */
export interface NegotiateResponse {
  /** `SecurityMode`: 1 signing enabled, 2 required. */
  securityMode: number;
  /** The dialect chosen. */
  dialect: number;
  /** `Capabilities` (`SMB2_GLOBAL_CAP_*`). */
  capabilities: number;
  /** The largest transaction buffer the server takes. */
  maxTransactSize: number;
  /** The largest read. */
  maxReadSize: number;
  /** The largest write. */
  maxWriteSize: number;
  /** The server's first SPNEGO token (a NegTokenInit2), possibly empty. */
  token: Uint8Array;
  /** 3.1.1: the negotiate contexts' types and data. */
  contexts: { type: number; data: Uint8Array }[];
}

/** Reads a NEGOTIATE response; null when malformed. */
export function readNegotiate(m: Uint8Array): NegotiateResponse | null {
  const v = body(m, 65);
  if (!v) return null;
  const b = SMB2_HEADER_SIZE;
  const token = slice(m, v.getUint16(b + 56, true), v.getUint16(b + 58, true));
  if (!token) return null;
  const dialect = v.getUint16(b + 4, true);
  const contexts: { type: number; data: Uint8Array }[] = [];
  if (dialect === SMB2_DIALECT_311) {
    let at = v.getUint32(b + 60, true);
    const count = v.getUint16(b + 6, true);
    for (let i = 0; i < count; i++) {
      if (at < b || at + 8 > m.length) return null;
      const data = slice(m, at + 8, v.getUint16(at + 2, true));
      if (!data) return null;
      contexts.push({ type: v.getUint16(at, true), data });
      at = (at + 8 + data.length + 7) & ~7;
    }
  }
  return {
    securityMode: v.getUint16(b + 2, true),
    dialect,
    capabilities: v.getUint32(b + 24, true),
    maxTransactSize: v.getUint32(b + 28, true),
    maxReadSize: v.getUint32(b + 32, true),
    maxWriteSize: v.getUint32(b + 36, true),
    token,
    contexts,
  };
}

/**
 * Whether a 3.1.1 answer's contexts choose SHA-512 pre-authentication integrity
 * (exactly one such context, naming one algorithm).
 */
export function choosesSha512(
  contexts: readonly { type: number; data: Uint8Array }[],
): boolean {
  const pre = contexts.filter((c) =>
    c.type === SMB2_PREAUTH_INTEGRITY_CAPABILITIES
  );
  if (pre.length !== 1 || pre[0].data.length < 6) return false;
  const d = pre[0].data;
  const count = d[0] | (d[1] << 8);
  return count === 1 && (d[4] | (d[5] << 8)) === SMB2_HASH_SHA512;
}

/** SESSION_SETUP request carrying `token`, asking for signing. */
export function sessionSetupRequest(
  h: RequestHeader,
  token: Uint8Array,
): Uint8Array {
  const [m, v] = request(h, 24 + token.length);
  const b = SMB2_HEADER_SIZE;
  v.setUint16(b, 25, true);
  m[b + 3] = SMB2_NEGOTIATE_SIGNING_REQUIRED | SMB2_NEGOTIATE_SIGNING_ENABLED;
  v.setUint16(b + 12, b + 24, true);
  v.setUint16(b + 14, token.length, true);
  m.set(token, b + 24);
  return m;
}

/** What a SESSION_SETUP response says. */
export interface SessionSetupResponse {
  /** `SessionFlags`: 1 guest, 2 anonymous, 4 encryption needed. */
  sessionFlags: number;
  /** The server's security token (SPNEGO), possibly empty. */
  token: Uint8Array;
}

/** Reads a SESSION_SETUP response; null when malformed. */
export function readSessionSetup(m: Uint8Array): SessionSetupResponse | null {
  const v = body(m, 9);
  if (!v) return null;
  const b = SMB2_HEADER_SIZE;
  const token = slice(m, v.getUint16(b + 4, true), v.getUint16(b + 6, true));
  return token && { sessionFlags: v.getUint16(b + 2, true), token };
}

/**
 * The cipher a 3.1.1 answer chose from `offered`, or 0 for none (no context, or
 * one naming no cipher). Null for a context that names another cipher or
 * several: nothing this client offered.
 */
export function chosenCipher(
  contexts: readonly { type: number; data: Uint8Array }[],
  offered: readonly number[] = SMB2_CIPHERS,
): number | null {
  const enc = contexts.filter((c) => c.type === SMB2_ENCRYPTION_CAPABILITIES);
  if (enc.length === 0) return 0;
  const d = enc[0].data;
  if (enc.length > 1 || d.length < 2) return null;
  const count = d[0] | (d[1] << 8);
  if (count === 0) return 0;
  if (count !== 1 || d.length < 4) return null;
  const id = d[2] | (d[3] << 8);
  return id === 0 || offered.includes(id) ? id : null;
}

/**
 * The signing algorithm a 3.1.1 answer chose from `offered`: AES-CMAC without a
 * signing context; null for a context naming several or one not offered.
 */
export function chosenSigning(
  contexts: readonly { type: number; data: Uint8Array }[],
  offered: readonly number[],
): number | null {
  const sig = contexts.filter((c) => c.type === SMB2_SIGNING_CAPABILITIES);
  if (sig.length === 0) return SMB2_SIGNING_AES_CMAC;
  const d = sig[0].data;
  if (sig.length > 1 || d.length < 4 || (d[0] | (d[1] << 8)) !== 1) return null;
  const id = d[2] | (d[3] << 8);
  return offered.includes(id) ? id : null;
}

/** TREE_CONNECT request for `path` (`\\host\IPC$`). */
export function treeConnectRequest(h: RequestHeader, path: string): Uint8Array {
  const name = utf16le(path);
  const [m, v] = request(h, 8 + name.length);
  const b = SMB2_HEADER_SIZE;
  v.setUint16(b, 9, true);
  v.setUint16(b + 4, b + 8, true);
  v.setUint16(b + 6, name.length, true);
  m.set(name, b + 8);
  return m;
}

/** Reads a TREE_CONNECT response's `ShareType` and `ShareFlags`; null when malformed. */
export function readTreeConnect(
  m: Uint8Array,
): { shareType: number; shareFlags: number } | null {
  const v = body(m, 16);
  return v && {
    shareType: v.getUint8(SMB2_HEADER_SIZE + 2),
    shareFlags: v.getUint32(SMB2_HEADER_SIZE + 4, true),
  };
}

/**
 * CREATE request for `name` (a pipe's `samr`, a file's `dir\file.txt`, relative to
 * the share) with `access` (default read and write), `disposition` (default
 * FILE_OPEN) and `options` (default a file, not a directory).
 */
export function createRequest(
  h: RequestHeader,
  name: string,
  access = FILE_READ_WRITE,
  disposition = FILE_OPEN,
  options = FILE_NON_DIRECTORY_FILE,
): Uint8Array {
  const n = utf16le(name);
  const [m, v] = request(h, 56 + Math.max(n.length, 1));
  const b = SMB2_HEADER_SIZE;
  v.setUint16(b, 57, true);
  v.setUint32(b + 4, IMPERSONATION, true);
  v.setUint32(b + 24, access, true);
  v.setUint32(b + 32, SHARE_READ_WRITE, true);
  v.setUint32(b + 36, disposition, true);
  v.setUint32(b + 40, options, true);
  v.setUint16(b + 44, b + 56, true);
  v.setUint16(b + 46, n.length, true);
  m.set(n, b + 56);
  return m;
}

/** What a CREATE response says. */
export interface CreateResponse {
  /** The 16-byte `FileId`. */
  fileId: Uint8Array;
  /** The file's size (`EndofFile`). */
  size: bigint;
}

/** Reads a CREATE response; null when malformed. */
export function readCreate(m: Uint8Array): CreateResponse | null {
  const v = body(m, 89);
  const b = SMB2_HEADER_SIZE;
  return v && {
    fileId: m.slice(b + 64, b + 80),
    size: v.getBigUint64(b + 48, true),
  };
}

/** WRITE request of `data` to `fileId` at `offset`. */
export function writeRequest(
  h: RequestHeader,
  fileId: Uint8Array,
  data: Uint8Array,
  offset = 0n,
): Uint8Array {
  const [m, v] = request(h, 48 + data.length);
  const b = SMB2_HEADER_SIZE;
  v.setUint16(b, 49, true);
  v.setUint16(b + 2, b + 48, true);
  v.setUint32(b + 4, data.length, true);
  v.setBigUint64(b + 8, offset, true);
  m.set(fileId, b + 16);
  m.set(data, b + 48);
  return m;
}

/** Reads a WRITE response's `Count`; null when malformed. */
export function readWrite(m: Uint8Array): number | null {
  const v = body(m, 17);
  return v && v.getUint32(SMB2_HEADER_SIZE + 4, true);
}

/** READ request of up to `length` bytes from `fileId` at `offset`. */
export function readRequest(
  h: RequestHeader,
  fileId: Uint8Array,
  length: number,
  offset = 0n,
): Uint8Array {
  const [m, v] = request(h, 49);
  const b = SMB2_HEADER_SIZE;
  v.setUint16(b, 49, true);
  v.setUint32(b + 4, length, true);
  v.setBigUint64(b + 8, offset, true);
  m.set(fileId, b + 16);
  return m;
}

/** Reads a READ response's data; null when malformed. */
export function readRead(m: Uint8Array): Uint8Array | null {
  const v = body(m, 17);
  if (!v) return null;
  const b = SMB2_HEADER_SIZE;
  return slice(m, v.getUint8(b + 2), v.getUint32(b + 4, true));
}

/** CLOSE request of `fileId`. */
export function closeRequest(h: RequestHeader, fileId: Uint8Array): Uint8Array {
  const [m, v] = request(h, 24);
  v.setUint16(SMB2_HEADER_SIZE, 24, true);
  m.set(fileId, SMB2_HEADER_SIZE + 8);
  return m;
}

/** TREE_DISCONNECT or LOGOFF request (a body of StructureSize 4). */
export function emptyRequest(h: RequestHeader): Uint8Array {
  const [m, v] = request(h, 4);
  v.setUint16(SMB2_HEADER_SIZE, 4, true);
  return m;
}
