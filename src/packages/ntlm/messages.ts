/**
 * NEGOTIATE, CHALLENGE and AUTHENTICATE messages (MS-NLMP 2.2.1): typed values,
 * `decode*` that validate every field against the buffer, and `encode*`.
 *
 * @module
 */
import { randomInto } from "../../crypto/_random.ts";
import { SspiError } from "../../sspi/errors.ts";
import { tokenArray, type TokenFrame } from "../../sspi/package.ts";
import { SEC_E_INVALID_TOKEN } from "../../sspi/status.ts";
import {
  EMPTY_BYTES,
  fromOem,
  fromUtf16le,
  readU32le,
  writeOem,
  writeUtf16le,
} from "../../util/bytes.ts";
import {
  NtLmAuthenticate,
  NtLmChallenge,
  NtLmNegotiate,
  NTLMSSP_NEGOTIATE_UNICODE,
  NTLMSSP_NEGOTIATE_VERSION,
  NTLMSSP_SIGNATURE,
} from "./constants.ts";

/** The VERSION structure (2.2.2.10). */
export interface NtlmVersion {
  /** Major OS version. */
  major: number;
  /** Minor OS version. */
  minor: number;
  /** OS build. */
  build: number;
  /** NTLMRevisionCurrent (15). */
  revision: number;
}

/** Our VERSION: Windows Server 2022's numbers, NTLMSSP_REVISION_W2K3. */
export const OUR_VERSION: NtlmVersion = {
  major: 10,
  minor: 0,
  build: 20348,
  revision: 15,
};

/** NEGOTIATE_MESSAGE. */
export interface NegotiateMessage {
  /** NegotiateFlags. */
  flags: number;
  /** DomainName (OEM), if supplied. */
  domain: string;
  /** Workstation (OEM), if supplied. */
  workstation: string;
  /** VERSION, when the flag is set. */
  version?: NtlmVersion;
}

// Byte fields of decoded messages are views of the decoded bytes: copy one to keep it
// longer than those bytes stay unchanged.

/** CHALLENGE_MESSAGE. */
export interface ChallengeMessage {
  /** NegotiateFlags. */
  flags: number;
  /** TargetName (decoded per the UNICODE flag). */
  targetName: string;
  /** The 8-byte server challenge. */
  serverChallenge: Uint8Array;
  /** The raw TargetInfo (AV_PAIR list), empty when absent. */
  targetInfo: Uint8Array;
  /** VERSION, when the flag is set. */
  version?: NtlmVersion;
}

/** AUTHENTICATE_MESSAGE. */
export interface AuthenticateMessage {
  /** NegotiateFlags. */
  flags: number;
  /** LmChallengeResponse. */
  lmResponse: Uint8Array;
  /** NtChallengeResponse. */
  ntResponse: Uint8Array;
  /** DomainName. */
  domain: string;
  /** UserName. */
  user: string;
  /** Workstation. */
  workstation: string;
  /** EncryptedRandomSessionKey (empty without KEY_EXCH). */
  encryptedRandomSessionKey: Uint8Array;
  /** VERSION, when the flag is set. */
  version?: NtlmVersion;
  /** The MIC, when the message has room for it (payload starts at 88 or later). */
  mic?: Uint8Array;
  /** Offset of the MIC in the raw message (72), when present. */
  micOffset?: number;
}

function bad(what: string): never {
  throw new SspiError(
    SEC_E_INVALID_TOKEN,
    `Cannot decode NTLM message: ${what}`,
  );
}

/** A bounds-checked reader over one message. */
class Reader {
  /** Lowest payload offset seen; tells where the fixed header ends. */
  minOffset: number;
  constructor(readonly b: Uint8Array) {
    this.minOffset = b.length;
  }
  need(end: number, what: string): void {
    if (end > this.b.length) bad(`${what} runs past the end of the token`);
  }
  u16(o: number): number {
    this.need(o + 2, "field");
    return this.b[o] | (this.b[o + 1] << 8);
  }
  u32(o: number): number {
    this.need(o + 4, "field");
    return readU32le(this.b, o);
  }
  /** A (Len, MaxLen, Offset) field; checks the payload lies inside the message. */
  field(o: number, what: string, headerEnd: number): Uint8Array {
    const off = this.span(o, what, headerEnd);
    return this.spanLen === 0
      ? EMPTY_BYTES
      : this.b.subarray(off, off + this.spanLen);
  }
  /** The length of the field `span` read last. */
  spanLen = 0;
  /** Checks a field like `field` and returns its offset (length in `spanLen`). */
  span(o: number, what: string, headerEnd: number): number {
    const len = this.u16(o);
    const off = this.u32(o + 4);
    this.spanLen = len;
    if (len === 0) return 0;
    if (off < headerEnd) bad(`${what} overlaps the message header`);
    if (off + len > this.b.length) {
      bad(`${what} length field exceeds the buffer`);
    }
    if (off < this.minOffset) this.minOffset = off;
    return off;
  }
  /** A text field (UTF-16LE with `unicode`, else OEM), decoded without a view. */
  text(o: number, what: string, headerEnd: number, unicode: boolean): string {
    const off = this.span(o, what, headerEnd);
    const end = off + this.spanLen;
    return unicode ? fromUtf16le(this.b, off, end) : fromOem(this.b, off, end);
  }
  version(o: number): NtlmVersion {
    this.need(o + 8, "VERSION");
    return {
      major: this.b[o],
      minor: this.b[o + 1],
      build: this.u16(o + 2),
      revision: this.b[o + 7],
    };
  }
}

function header(b: Uint8Array, type: number, min: number): Reader {
  if (!(b instanceof Uint8Array)) bad("not a byte array");
  if (b.length < min) {
    bad(`message is ${b.length} bytes, shorter than its ${min}-byte header`);
  }
  for (let i = 0; i < 8; i++) {
    if (b[i] !== NTLMSSP_SIGNATURE[i]) bad("missing NTLMSSP signature");
  }
  const r = new Reader(b);
  const t = r.u32(8);
  if (t !== type) bad(`expected message type ${type}, got ${t}`);
  return r;
}

/** The message type of an NTLMSSP token (1, 2 or 3), or 0 when it is not one. */
export function messageType(b: Uint8Array): number {
  if (b.length < 12) return 0;
  for (let i = 0; i < 8; i++) if (b[i] !== NTLMSSP_SIGNATURE[i]) return 0;
  return readU32le(b, 8);
}

/**
 * The NegotiateFlags of a NEGOTIATE_MESSAGE, after checking its signature, type and
 * length: all a server takes from it (MS-NLMP 3.2.5.1.1; the MIC covers the message
 * as sent). DomainName and Workstation are informational and not read, as Samba does
 * not read them: Heimdal's client, for one, sends a DomainName offset that points
 * into the header.
 */
export function negotiateFlags(b: Uint8Array): number {
  return header(b, NtLmNegotiate, 16).u32(12);
}

/** Decodes a NEGOTIATE_MESSAGE (all its fields, strictly). */
export function decodeNegotiate(b: Uint8Array): NegotiateMessage {
  const r = header(b, NtLmNegotiate, 16);
  const flags = r.u32(12);
  // Old clients send a 16-byte message without the domain/workstation fields.
  const hasFields = b.length >= 32;
  const fixed = hasFields
    ? ((flags & NTLMSSP_NEGOTIATE_VERSION) && b.length >= 40 ? 40 : 32)
    : 16;
  const domain = hasFields ? r.text(16, "DomainName", fixed, false) : "";
  const workstation = hasFields ? r.text(24, "Workstation", fixed, false) : "";
  const version = fixed === 40 ? r.version(32) : undefined;
  return { flags, domain, workstation, version };
}

/** Decodes a CHALLENGE_MESSAGE. */
export function decodeChallenge(b: Uint8Array): ChallengeMessage {
  const r = header(b, NtLmChallenge, 32);
  const flags = r.u32(20);
  const unicode = (flags & NTLMSSP_NEGOTIATE_UNICODE) !== 0;
  const hasInfo = b.length >= 48;
  const fixed = hasInfo
    ? ((flags & NTLMSSP_NEGOTIATE_VERSION) && b.length >= 56 ? 56 : 48)
    : 32;
  const targetName = r.text(12, "TargetName", fixed, unicode);
  const serverChallenge = b.subarray(24, 32);
  const targetInfo = hasInfo ? r.field(40, "TargetInfo", fixed) : EMPTY_BYTES;
  const version = fixed === 56 ? r.version(48) : undefined;
  return { flags, targetName, serverChallenge, targetInfo, version };
}

/**
 * Decodes an AUTHENTICATE_MESSAGE; `mic` is set when the header has room for one.
 * Its strings are in the negotiated character set (MS-NLMP 2.2.1.3): a server passes
 * the one its CHALLENGE chose as `unicode`, since some clients (wget) send OEM strings
 * under a Unicode flag. Without it, the message's own flag decides.
 */
export function decodeAuthenticate(
  b: Uint8Array,
  unicode?: boolean,
): AuthenticateMessage {
  const r = header(b, NtLmAuthenticate, 64);
  const flags = r.u32(60);
  unicode ??= (flags & NTLMSSP_NEGOTIATE_UNICODE) !== 0;
  const H = 64;
  const lmResponse = r.field(12, "LmChallengeResponse", H);
  const ntResponse = r.field(20, "NtChallengeResponse", H);
  const domain = r.text(28, "DomainName", H, unicode);
  let odd = r.spanLen;
  const user = r.text(36, "UserName", H, unicode);
  odd |= r.spanLen;
  const workstation = r.text(44, "Workstation", H, unicode);
  odd |= r.spanLen;
  const ersk = r.field(52, "EncryptedRandomSessionKey", H);
  if (unicode && odd & 1) bad("odd length of a Unicode string");
  const payloadStart = r.minOffset;
  const version = (flags & NTLMSSP_NEGOTIATE_VERSION) && payloadStart >= 72
    ? r.version(64)
    : undefined;
  const hasMic = payloadStart >= 88;
  return {
    flags,
    lmResponse,
    ntResponse,
    domain,
    user,
    workstation,
    encryptedRandomSessionKey: ersk,
    version,
    mic: hasMic ? b.subarray(72, 88) : undefined,
    micOffset: hasMic ? 72 : undefined,
  };
}

/** The largest fixed header (AUTHENTICATE with VERSION and MIC). */
const MAX_HEADER = 88;
/** Where a `Writer` builds its header: encoding is synchronous, so one serves all. */
const HEAD = new Uint8Array(MAX_HEADER);
const HEAD_VIEW = new DataView(HEAD.buffer, HEAD.byteOffset, HEAD.byteLength);

/**
 * Builds a message: fixed header of `fixed` bytes (in the shared `HEAD`), then the
 * payload fields in order; `done()` makes the one array of the message. One writer
 * at a time (finish it before starting another).
 */
class Writer {
  /** Payload parts: bytes, or text written as UTF-16LE (`unicode`) or OEM. */
  readonly parts: (Uint8Array | string)[] = [];
  offset: number;
  constructor(
    readonly fixed: number,
    type: number,
    readonly unicode = false,
  ) {
    HEAD.fill(0, 0, fixed);
    HEAD.set(NTLMSSP_SIGNATURE);
    HEAD_VIEW.setUint32(8, type, true);
    this.offset = fixed;
  }
  /** A (Len, MaxLen, Offset) field at `o` over `data`. */
  field(o: number, data: Uint8Array): void {
    this.#ref(o, data.length);
    this.parts.push(data);
  }
  /** A text field at `o`, encoded when the message is made (no array of its own). */
  text(o: number, s: string): void {
    this.#ref(o, this.unicode ? 2 * s.length : s.length);
    this.parts.push(s);
  }
  #ref(o: number, len: number): void {
    if (len > 0xffff) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "NTLM field longer than 65535 bytes",
      );
    }
    HEAD_VIEW.setUint16(o, len, true);
    HEAD_VIEW.setUint16(o + 2, len, true);
    HEAD_VIEW.setUint32(o + 4, this.offset, true);
    this.offset += len;
  }
  version(o: number, ver: NtlmVersion): void {
    HEAD[o] = ver.major;
    HEAD[o + 1] = ver.minor;
    HEAD_VIEW.setUint16(o + 2, ver.build, true);
    HEAD[o + 7] = ver.revision;
  }
  /**
   * The message: in `to` when it is an array with room (a scratch: the view of the
   * message), else a new array, framed for a wrapper when `to` is a frame.
   */
  done(to?: Uint8Array | TokenFrame): Uint8Array {
    const out = to instanceof Uint8Array && to.length >= this.offset
      ? (to.length === this.offset ? to : to.subarray(0, this.offset))
      : tokenArray(this.offset, to instanceof Uint8Array ? undefined : to);
    for (let i = 0; i < this.fixed; i++) out[i] = HEAD[i];
    let o = this.fixed;
    for (const p of this.parts) {
      if (typeof p !== "string") {
        out.set(p, o);
        o += p.length;
      } else if (this.unicode) {
        o = writeUtf16le(out, o, p);
      } else {
        o = writeOem(out, o, p);
      }
    }
    return out;
  }
}

/**
 * Encodes a NEGOTIATE_MESSAGE (40 bytes of header with VERSION), into `to` when it is
 * a scratch with room, or framed for a wrapper (see `Writer.done`).
 */
export function encodeNegotiate(
  m: NegotiateMessage,
  to?: Uint8Array | TokenFrame,
): Uint8Array {
  const w = new Writer(40, NtLmNegotiate);
  HEAD_VIEW.setUint32(12, m.flags >>> 0, true);
  w.text(16, m.domain);
  w.text(24, m.workstation);
  if (m.version) w.version(32, m.version);
  return w.done(to);
}

/**
 * Encodes a CHALLENGE_MESSAGE (56 bytes of header). A null `serverChallenge` is drawn
 * at random straight into the message (read it back at offset 24). With `frame`, the
 * message is framed for a wrapper.
 */
export function encodeChallenge(
  m: Omit<ChallengeMessage, "serverChallenge"> & {
    serverChallenge: Uint8Array | null;
  },
  frame?: TokenFrame,
): Uint8Array {
  const unicode = (m.flags & NTLMSSP_NEGOTIATE_UNICODE) !== 0;
  const w = new Writer(56, NtLmChallenge, unicode);
  w.text(12, m.targetName);
  HEAD_VIEW.setUint32(20, m.flags >>> 0, true);
  if (m.serverChallenge) HEAD.set(m.serverChallenge, 24);
  else randomInto(HEAD, 24, 8);
  w.field(40, m.targetInfo);
  if (m.version) w.version(48, m.version);
  return w.done(frame);
}

/**
 * Encodes an AUTHENTICATE_MESSAGE with an 88-byte header (VERSION and a MIC at offset
 * 72, zero unless `m.mic` is set; the caller fills it in afterwards), or a 72-byte one
 * without MIC field when `micField` is false (as MS-NLMP 4.2's examples are laid out).
 * With `frame`, the message is framed for a wrapper.
 */
export function encodeAuthenticate(
  m: AuthenticateMessage,
  micField = true,
  frame?: TokenFrame,
): Uint8Array {
  const unicode = (m.flags & NTLMSSP_NEGOTIATE_UNICODE) !== 0;
  const w = new Writer(micField ? 88 : 72, NtLmAuthenticate, unicode);
  // Payload order as Windows writes it: domain, user, workstation, LM, NT, session key.
  w.text(28, m.domain);
  w.text(36, m.user);
  w.text(44, m.workstation);
  w.field(12, m.lmResponse);
  w.field(20, m.ntResponse);
  w.field(52, m.encryptedRandomSessionKey);
  HEAD_VIEW.setUint32(60, m.flags >>> 0, true);
  if (m.version) w.version(64, m.version);
  if (m.mic && micField) HEAD.set(m.mic, 72);
  return w.done(frame);
}
