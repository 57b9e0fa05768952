/**
 * The byte form of an established Kerberos context for `ExportSecurityContext` /
 * `ImportSecurityContext`: the side, the context key (RFC 4121's acceptor or
 * initiator subkey), both sequence numbers, the `*_RET_*` flags, the names and the
 * lifetime. It holds the key in clear: the bytes are as secret as the key itself,
 * so whoever carries them must protect them (and never log them).
 *
 * Layout (integers little-endian), version 1:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | `"KRBC"` |
 * | 4 | 1 | version (1) |
 * | 5 | 1 | role: 0 initiator, 1 acceptor |
 * | 6 | 1 | flags: 1 the key is the acceptor subkey, 2 a client target follows |
 * | 7 | 1 | zero |
 * | 8 | 4 | etype (17, 18, 19, 20 or 23) |
 * | 12 | 4 | `ISC_RET_*` / `ASC_RET_*` |
 * | 16 | 8 | next outgoing sequence number |
 * | 24 | 8 | next expected incoming sequence number |
 * | 32 | 8 | established, ms since 1970 |
 * | 40 | 8 | ticket end, ms since 1970 |
 * | 48 | 2 + n | the key (its etype's size) |
 * | | 2 + n | client name, UTF-8 |
 * | | 2 + n | server name, UTF-8 |
 * | | 2 + n | acceptor only, with flag 2: the SPN the client named, UTF-8 |
 * | end - 4 | 4 | CRC-32 of all that precedes |
 *
 * The CRC-32 catches truncation and corruption in transit; it authenticates
 * nothing (whoever can forge the bytes can as well read the key).
 *
 * @module
 */
import { crc32 } from "../../crypto/mod.ts";
import { getWasm } from "../../wasm/mod.ts";
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../sspi/status.ts";
import { isSupportedEtype, type KerberosKey, keySize } from "./crypto.ts";

const MAGIC = [0x4b, 0x52, 0x42, 0x43]; // "KRBC"
const VERSION = 1;
const HEAD = 48;
const FLAG_ACCEPTOR_SUBKEY = 1;
const FLAG_CLIENT_TARGET = 2;
/** The largest time the format carries (ECMAScript's last Date, in ms). */
const MAX_TIME = 8.64e15;

/** What an exported Kerberos context carries. */
export interface ExportedKerberosContext {
  /** The side the context was on. */
  role: "initiate" | "accept";
  /** The context key (a copy when decoded: wipe it after use). */
  key: KerberosKey;
  /** True when `key` is the acceptor's subkey (RFC 4121 `AcceptorSubkey` flag). */
  acceptorSubkey: boolean;
  /** The sequence number of the next token this side sends. */
  sendSeq: number;
  /** The sequence number the next token this side receives must carry. */
  recvSeq: number;
  /** `ISC_RET_*` or `ASC_RET_*` of the handshake. */
  retFlags: number;
  /** `user@REALM`. */
  clientName: string;
  /** The target (initiator) or the service principal (acceptor). */
  serverName: string;
  /** Acceptor: the SPN of the client's ticket; null otherwise. */
  clientTarget: string | null;
  /** When the context was established, ms since 1970. */
  start: number;
  /** When its ticket ends, ms since 1970. */
  end: number;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * CRC-32 of a blob that holds a key: computed in WebAssembly scratch memory, which
 * is wiped afterwards so the key does not stay there.
 */
function wipedCrc(bytes: Uint8Array): number {
  const c = crc32(bytes);
  const w = getWasm();
  w.x.wipe(w.scratch, Math.min(bytes.length, w.scratchSize));
  return c;
}

/**
 * Serializes an established context. The result holds the key: the caller owns it
 * and must wipe or protect it. Throws `RangeError` for a name over 65535 bytes.
 *
 * @example
 * ```ts
 * import { decodeKerberosExport, encodeKerberosExport } from "./export.ts";
 * const bytes = encodeKerberosExport({
 *   role: "initiate", key: { etype: 17, bytes: new Uint8Array(16) },
 *   acceptorSubkey: true, sendSeq: 5, recvSeq: 9, retFlags: 0,
 *   clientName: "alice@EXAMPLE.COM", serverName: "HTTP/web.example.com",
 *   clientTarget: null, start: 0, end: 3_600_000,
 * });
 * console.log(decodeKerberosExport(bytes).sendSeq); // 5
 * ```
 */
export function encodeKerberosExport(c: ExportedKerberosContext): Uint8Array {
  const strings = [c.clientName, c.serverName];
  if (c.clientTarget !== null) strings.push(c.clientTarget);
  const parts = strings.map((s) => utf8.encode(s));
  let n = HEAD + 2 + c.key.bytes.length + 4;
  for (const p of parts) {
    if (p.length > 0xffff) throw new RangeError("a name over 65535 bytes");
    n += 2 + p.length;
  }
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(MAGIC);
  out[4] = VERSION;
  out[5] = c.role === "initiate" ? 0 : 1;
  out[6] = (c.acceptorSubkey ? FLAG_ACCEPTOR_SUBKEY : 0) |
    (c.clientTarget !== null ? FLAG_CLIENT_TARGET : 0);
  v.setUint32(8, c.key.etype >>> 0, true);
  v.setUint32(12, c.retFlags >>> 0, true);
  v.setBigUint64(16, BigInt(c.sendSeq), true);
  v.setBigUint64(24, BigInt(c.recvSeq), true);
  v.setBigUint64(32, BigInt(c.start), true);
  v.setBigUint64(40, BigInt(c.end), true);
  let o = HEAD;
  for (const p of [c.key.bytes, ...parts]) {
    v.setUint16(o, p.length, true);
    out.set(p, o + 2);
    o += 2 + p.length;
  }
  v.setUint32(o, wipedCrc(out.subarray(0, o)), true);
  return out;
}

/**
 * Parses what `encodeKerberosExport` wrote. Anything else (another version, a
 * truncation, a changed byte, an etype this package does not implement, a key of the wrong
 * size, a sequence number or time out of range) throws
 * `SspiError(SEC_E_INVALID_TOKEN)`, and nothing else is thrown. The key is a copy.
 */
export function decodeKerberosExport(b: Uint8Array): ExportedKerberosContext {
  const bad = (why: string): never => {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      `not an exported Kerberos context: ${why}`,
    );
  };
  if (b.length < HEAD + 2 * 3 + 4 || MAGIC.some((m, i) => b[i] !== m)) {
    bad("no KRBC header");
  }
  if (b[4] !== VERSION) bad(`version ${b[4]}`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const end = b.length - 4;
  if (wipedCrc(b.subarray(0, end)) !== v.getUint32(end, true)) {
    bad("its checksum does not match (truncated or altered)");
  }
  const role = b[5] === 0 ? "initiate" : b[5] === 1 ? "accept" : bad("role");
  const flags = b[6];
  if ((flags & ~3) || b[7]) bad("unknown flags");
  if ((flags & FLAG_CLIENT_TARGET) && role !== "accept") {
    bad("a client target on an initiator");
  }
  const etype = v.getUint32(8, true);
  if (!isSupportedEtype(etype)) bad(`unsupported etype ${etype}`);
  const u53 = (at: number, max: number, what: string): number => {
    const x = v.getBigUint64(at, true);
    return x <= BigInt(max) ? Number(x) : bad(`${what} out of range`);
  };
  const sendSeq = u53(16, Number.MAX_SAFE_INTEGER, "sequence number");
  const recvSeq = u53(24, Number.MAX_SAFE_INTEGER, "sequence number");
  const start = u53(32, MAX_TIME, "start time");
  const endTime = u53(40, MAX_TIME, "end time");
  const count = flags & FLAG_CLIENT_TARGET ? 4 : 3;
  const parts: Uint8Array[] = [];
  let o = HEAD;
  for (let k = 0; k < count; k++) {
    if (o + 2 > end) bad("truncated");
    const len = v.getUint16(o, true);
    if (o + 2 + len > end) bad("a length past the end");
    parts.push(b.subarray(o + 2, o + 2 + len));
    o += 2 + len;
  }
  if (o !== end) bad("bytes after the last field");
  if (parts[0].length !== keySize(etype)) bad(`a key of the wrong size`);
  let names: string[] = [];
  try {
    names = parts.slice(1).map((p) => fromUtf8.decode(p));
  } catch {
    bad("a name that is not UTF-8");
  }
  return {
    role,
    key: { etype, bytes: parts[0].slice() },
    acceptorSubkey: (flags & FLAG_ACCEPTOR_SUBKEY) !== 0,
    sendSeq,
    recvSeq,
    retFlags: v.getUint32(12, true),
    clientName: names[0],
    serverName: names[1],
    clientTarget: names.length > 2 ? names[2] : null,
    start,
    end: endTime,
  };
}
