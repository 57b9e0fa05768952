/**
 * SMB2 requests on files and directories beyond CREATE, READ and WRITE: the
 * QUERY_DIRECTORY request and the `FileDirectoryInformation` entries of its answer
 * (MS-SMB2 2.2.33, 2.2.34; MS-FSCC 2.4.10), every offset and length checked, and
 * SET_INFO with `FileRenameInformation` (MS-SMB2 2.2.39, MS-FSCC 2.4.37).
 *
 * @module
 */
import { fromUtf16le, utf16le } from "../util/bytes.ts";
import { request, type RequestHeader, SMB2_HEADER_SIZE } from "./wire.ts";

/** SMB2 QUERY_DIRECTORY. */
export const SMB2_QUERY_DIRECTORY = 14;
/** NTSTATUS: the listing has ended. */
export const STATUS_NO_MORE_FILES = 0x80000006;
/** `FileAttributes` bit: a directory. */
export const FILE_ATTRIBUTE_DIRECTORY = 0x10;
/** FileDirectoryInformation. */
const FILE_DIRECTORY_INFORMATION = 1;
/** `Flags`: start over. */
const SMB2_RESTART_SCANS = 1;

/** QUERY_DIRECTORY request of `fileId` (an open directory) for `pattern`. */
export function queryDirectoryRequest(
  h: RequestHeader,
  fileId: Uint8Array,
  first: boolean,
  outputLength: number,
  pattern = "*",
): Uint8Array {
  const name = utf16le(pattern);
  const [m, v] = request(h, 32 + name.length);
  const b = SMB2_HEADER_SIZE;
  v.setUint16(b, 33, true);
  m[b + 2] = FILE_DIRECTORY_INFORMATION;
  m[b + 3] = first ? SMB2_RESTART_SCANS : 0;
  m.set(fileId, b + 8);
  v.setUint16(b + 24, b + 32, true);
  v.setUint16(b + 26, name.length, true);
  v.setUint32(b + 28, outputLength, true);
  m.set(name, b + 32);
  return m;
}

/** One directory entry. */
export interface DirectoryEntry {
  /** The file's name in the directory. */
  name: string;
  /** Size in bytes (`EndOfFile`). */
  size: bigint;
  /** `FileAttributes` (0x10 a directory, 0x20 archive, 0x1 read-only...). */
  attributes: number;
  /** Last write, in ms since 1970 (from its FILETIME). */
  lastWrite: number;
  /** Whether it is a directory. */
  isDirectory: boolean;
}

/** FILETIME (100 ns since 1601) to ms since 1970. */
function msOf(filetime: bigint): number {
  return Number(filetime / 10000n) - 11644473600000;
}

/**
 * The entries of a QUERY_DIRECTORY answer `m` (StructureSize 9, its buffer's
 * offset and length); null when anything is out of bounds.
 */
export function readDirectory(m: Uint8Array): DirectoryEntry[] | null {
  if (m.length < SMB2_HEADER_SIZE + 8) return null;
  const v = new DataView(m.buffer, m.byteOffset, m.length);
  const b = SMB2_HEADER_SIZE;
  if (v.getUint16(b, true) !== 9) return null;
  const off = v.getUint16(b + 2, true);
  const len = v.getUint32(b + 4, true);
  if (len === 0) return [];
  if (off < b + 8 || off + len > m.length) return null;
  const out: DirectoryEntry[] = [];
  for (let at = off;;) {
    if (at + 64 > off + len) return null;
    const next = v.getUint32(at, true);
    const nameLen = v.getUint32(at + 60, true);
    const end = at + 64 + nameLen;
    if (nameLen % 2 || end > off + len) return null;
    const attributes = v.getUint32(at + 56, true);
    out.push({
      name: fromUtf16le(m, at + 64, end),
      size: v.getBigUint64(at + 40, true),
      attributes,
      lastWrite: msOf(v.getBigUint64(at + 24, true)),
      isDirectory: (attributes & FILE_ATTRIBUTE_DIRECTORY) !== 0,
    });
    if (next === 0) return out;
    // Entries are 8-byte aligned and move forward.
    if (next < 64 + nameLen || next % 8) return null;
    at += next;
  }
}

/** SMB2 SET_INFO. */
export const SMB2_SET_INFO = 17;
/** `InfoType` SMB2_0_INFO_FILE. */
const INFO_FILE = 1;
/** FileRenameInformation. */
const FILE_RENAME_INFORMATION = 10;

/**
 * SET_INFO request renaming `fileId` to `newName` (relative to the share), over
 * an existing file when `replace`.
 */
export function renameRequest(
  h: RequestHeader,
  fileId: Uint8Array,
  newName: string,
  replace: boolean,
): Uint8Array {
  const name = utf16le(newName);
  // FILE_RENAME_INFORMATION_TYPE_2: ReplaceIfExists, 7 reserved bytes,
  // RootDirectory (8, zero), FileNameLength, FileName.
  const info = new Uint8Array(20 + name.length);
  info[0] = replace ? 1 : 0;
  new DataView(info.buffer).setUint32(16, name.length, true);
  info.set(name, 20);
  const [m, v] = request(h, 32 + info.length);
  const b = SMB2_HEADER_SIZE;
  v.setUint16(b, 33, true);
  m[b + 2] = INFO_FILE;
  m[b + 3] = FILE_RENAME_INFORMATION;
  v.setUint32(b + 4, info.length, true);
  v.setUint16(b + 8, b + 32, true);
  m.set(fileId, b + 16);
  m.set(info, b + 32);
  return m;
}
