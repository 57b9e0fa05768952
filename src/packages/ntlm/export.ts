/**
 * The byte form of an established NTLM context for `ExportSecurityContext` /
 * `ImportSecurityContext`: names, flags, session key, sequence numbers and the
 * session-security state. It holds keys: whoever carries it must protect it.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../sspi/status.ts";
import { fromUtf16le, utf16le } from "../../util/bytes.ts";

/** "NTLMCTX" and a format version. */
const MAGIC = [0x4e, 0x54, 0x4c, 0x4d, 0x43, 0x54, 0x58, 1];

/** What an exported context carries. */
export interface ExportedNtlmContext {
  /** "Client" or "Server". */
  mode: "Client" | "Server";
  /** Negotiated NegotiateFlags. */
  negFlags: number;
  /** `ISC_RET_*`/`ASC_RET_*`. */
  retFlags: number;
  /** `DOMAIN\user`. */
  clientName: string;
  /** The target. */
  serverName: string;
  /** Server: the SPN the client named (MsvAvTargetName), or null. */
  clientTarget: string | null;
  /** When the context was established (FILETIME). */
  start: bigint;
  /** The exported session key (16 bytes). */
  sessionKey: Uint8Array;
  /** Session security: keys and RC4 states (4 × `NTLM_DIR_SIZE` bytes), counters. */
  keys: Uint8Array;
  /** Next outgoing sequence number. */
  outSeq: number;
  /** Next expected incoming sequence number. */
  inSeq: number;
}

/** Serializes an established context. */
export function encodeExported(c: ExportedNtlmContext): Uint8Array {
  const parts = [
    utf16le(c.clientName),
    utf16le(c.serverName),
    c.sessionKey,
    c.keys,
  ];
  // The client's SPN is a fifth, optional part (absent: none), so exports made
  // before it existed still import.
  if (c.clientTarget !== null) parts.push(utf16le(c.clientTarget));
  let n = 8 + 1 + 4 + 4 + 8 + 4 + 4;
  for (const part of parts) n += 2 + part.length;
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(MAGIC);
  let o = 8;
  out[o++] = c.mode === "Client" ? 1 : 2;
  v.setUint32(o, c.negFlags >>> 0, true);
  v.setUint32(o + 4, c.retFlags >>> 0, true);
  v.setBigUint64(o + 8, c.start, true);
  v.setUint32(o + 16, c.outSeq >>> 0, true);
  v.setUint32(o + 20, c.inSeq >>> 0, true);
  o += 24;
  for (const part of parts) {
    v.setUint16(o, part.length, true);
    out.set(part, o + 2);
    o += 2 + part.length;
  }
  return out;
}

/** Parses what `encodeExported` wrote; anything else is `SEC_E_INVALID_TOKEN`. */
export function decodeExported(
  b: Uint8Array,
  keysLength: number,
): ExportedNtlmContext {
  const bad = (): never => {
    throw new SspiError(SEC_E_INVALID_TOKEN, "not an exported NTLM context");
  };
  if (b.length < 33) bad();
  for (let i = 0; i < 8; i++) if (b[i] !== MAGIC[i]) bad();
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 8;
  const mode = b[o++] === 1 ? "Client" : "Server";
  const negFlags = v.getUint32(o, true);
  const retFlags = v.getUint32(o + 4, true);
  const start = v.getBigUint64(o + 8, true);
  const outSeq = v.getUint32(o + 16, true);
  const inSeq = v.getUint32(o + 20, true);
  o += 24;
  const parts: Uint8Array[] = [];
  for (let k = 0; k < 5 && (k < 4 || o < b.length); k++) {
    if (o + 2 > b.length) bad();
    const len = v.getUint16(o, true);
    if (o + 2 + len > b.length) bad();
    parts.push(b.slice(o + 2, o + 2 + len));
    o += 2 + len;
  }
  if (
    o !== b.length || parts[2].length !== 16 || parts[3].length !== keysLength
  ) bad();
  return {
    mode,
    negFlags,
    retFlags,
    start,
    outSeq,
    inSeq,
    clientName: fromUtf16le(parts[0]),
    serverName: fromUtf16le(parts[1]),
    clientTarget: parts.length > 4 ? fromUtf16le(parts[4]) : null,
    sessionKey: parts[2],
    keys: parts[3],
  };
}
