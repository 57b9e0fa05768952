/**
 * The Kerberos V5 GSS-API mechanism's wire pieces outside the per-message tokens:
 * the initial-context-token framing (RFC 2743 3.1, RFC 4121 4.1), the authenticator
 * checksum of type 0x8003 (RFC 4121 4.1.1) with its GSS flags, and the channel-binding
 * hash that goes into it. The per-message tokens (MIC and Wrap, RFC 4121 4.2) live in
 * `gss_tokens.ts` and are re-exported here.
 *
 * @module
 */
import { type Der, der, derBytes, oidDer } from "../../der/encode.ts";
import { channelBindingsHash } from "../../sspi/channel_bindings.ts";

export type { KerberosKey } from "./crypto.ts";
export {
  KrbMessageCrypto,
  type KrbMessageCryptoOptions,
  maxSignatureSize,
  securityTrailerSize,
  type UnwrapResult,
  type WrapSspiResult,
} from "./gss_tokens.ts";

/** The Kerberos V5 mechanism OID (RFC 1964 1.1, RFC 4121 4.1). */
export const KRB5_OID = "1.2.840.113554.1.2.2";
/** The OID old Windows versions put in SPNEGO for Kerberos; accepted on input only. */
export const KRB5_OID_MS_LEGACY = "1.2.840.48018.1.2.2";

/** TOK_ID of a framed KRB_AP_REQ (RFC 4121 4.1). */
export const TOK_AP_REQ = 0x0100;
/** TOK_ID of a framed KRB_AP_REP. */
export const TOK_AP_REP = 0x0200;
/** TOK_ID of a framed KRB_ERROR. */
export const TOK_KRB_ERROR = 0x0300;

/** Tag of the [APPLICATION 0] IMPLICIT SEQUENCE that frames initial tokens. */
const FRAME_TAG = 0x60;

/**
 * Frames an inner Kerberos message as an InitialContextToken (RFC 2743 3.1):
 * `60 <len> 06 09 <krb5 OID> <TOK_ID: 2 bytes, big-endian> <inner>`.
 *
 * @example
 * ```ts
 * import { frameInitialToken, TOK_AP_REQ } from "./gss.ts";
 * frameInitialToken(TOK_AP_REQ, Uint8Array.of(0x6e, 0x00));
 * // 60 0f 06 09 2a 86 48 86 f7 12 01 02 02 01 00 6e 00
 * ```
 */
export function frameInitialToken(
  tokId: number,
  inner: Der,
): Uint8Array {
  if (!Number.isInteger(tokId) || tokId < 0 || tokId > 0xffff) {
    throw new RangeError(`TOK_ID out of range: ${tokId}`);
  }
  let id = tokIds.get(tokId);
  if (!id) {
    id = Uint8Array.of(tokId >>> 8, tokId & 0xff);
    if (tokIds.size < 64) tokIds.set(tokId, id);
  }
  // One array for the whole token: the inner value is serialized in place.
  return derBytes(der(FRAME_TAG, [oidDer(KRB5_OID), id, inner]));
}

/** The two TOK_ID octets by value (shared parts, copied by `derBytes`). */
const tokIds = new Map<number, Uint8Array>();

/** An unframed initial context token. */
export interface UnframedToken {
  /** The TOK_ID (`TOK_AP_REQ`, `TOK_AP_REP`, `TOK_KRB_ERROR`, or another value). */
  tokId: number;
  /** The mechanism OID the token named (`KRB5_OID` or `KRB5_OID_MS_LEGACY`). */
  oid: string;
  /** The inner Kerberos message (a view into the input). */
  inner: Uint8Array;
}

/**
 * Reads an InitialContextToken framed for the Kerberos mechanism (either OID). Returns
 * null when the bytes are not such a token: another tag or mechanism, a length that
 * does not match the buffer exactly, or a token cut short. Never throws.
 */
export function unframeToken(bytes: Uint8Array): UnframedToken | null {
  if (bytes.length < 2 || bytes[0] !== FRAME_TAG) return null;
  const len = readDerLength(bytes, 1);
  if (!len || len.at + len.value !== bytes.length) return null;
  const at = len.at;
  const oid = matchMechOid(bytes, at);
  if (!oid || at + 11 + 2 > bytes.length) return null;
  const tokId = (bytes[at + 11] << 8) | bytes[at + 12];
  return { tokId, oid, inner: bytes.subarray(at + 13) };
}

/** The APPLICATION tags of the messages a DCE-style exchange sends unframed. */
const RAW_TOKENS: ReadonlyMap<number, number> = new Map([
  [0x6e, TOK_AP_REQ],
  [0x6f, TOK_AP_REP],
  [0x7e, TOK_KRB_ERROR],
]);

/**
 * Reads a Kerberos token framed ({@linkcode unframeToken}) or bare, as a DCE-style
 * exchange (`GSS_C_DCE_STYLE`, MS-KILE 3.4.5.1) sends its AP-REQ and AP-REPs: an
 * AP-REQ, AP-REP or KRB-ERROR whose DER length spans the buffer exactly. Null for
 * anything else; never throws.
 */
export function unframeOrBare(bytes: Uint8Array): UnframedToken | null {
  const framed = unframeToken(bytes);
  if (framed) return framed;
  const tokId = RAW_TOKENS.get(bytes[0]);
  const len = tokId === undefined ? null : readDerLength(bytes, 1);
  if (!len || len.at + len.value !== bytes.length) return null;
  return { tokId: tokId!, oid: KRB5_OID, inner: bytes };
}

/** The definite DER length at `at` and the offset after it, or null. */
function readDerLength(
  b: Uint8Array,
  at: number,
): { value: number; at: number } | null {
  if (at >= b.length) return null;
  const first = b[at];
  if (first < 0x80) return { value: first, at: at + 1 };
  const n = first & 0x7f;
  if (n === 0 || n > 4 || at + 1 + n > b.length) return null;
  let value = 0;
  for (let i = 1; i <= n; i++) value = value * 256 + b[at + i];
  return { value, at: at + 1 + n };
}

/** Which mechanism OID (as a full 11-byte TLV) starts at `at`, or null. */
function matchMechOid(b: Uint8Array, at: number): string | null {
  for (const oid of [KRB5_OID, KRB5_OID_MS_LEGACY]) {
    const d = oidDer(oid);
    if (at + d.length > b.length) continue;
    let same = true;
    for (let i = 0; i < d.length && same; i++) same = b[at + i] === d[i];
    if (same) return oid;
  }
  return null;
}

// GSS context flags (RFC 2744 3.17; RFC 4121 4.1.1.1; the last three from MS-KILE 3.2.5.2).

/** Delegate credentials (a KRB-CRED follows in the checksum). */
export const GSS_C_DELEG_FLAG = 0x1;
/** Mutual authentication (the acceptor returns an AP-REP). */
export const GSS_C_MUTUAL_FLAG = 0x2;
/** Replay detection for per-message tokens. */
export const GSS_C_REPLAY_FLAG = 0x4;
/** Out-of-sequence detection for per-message tokens. */
export const GSS_C_SEQUENCE_FLAG = 0x8;
/** Confidentiality (Wrap with sealing) is wanted. */
export const GSS_C_CONF_FLAG = 0x10;
/** Integrity (MIC, Wrap) is wanted. */
export const GSS_C_INTEG_FLAG = 0x20;
/** Anonymous initiator (RFC 2744; RFC 6112). */
export const GSS_C_ANON_FLAG = 0x40;
/** DCE-style three-leg AP exchange (MS-KILE). */
export const GSS_C_DCE_STYLE = 0x1000;
/** The acceptor may identify but not impersonate the initiator (MS-KILE). */
export const GSS_C_IDENTIFY_FLAG = 0x2000;
/** The initiator accepts a KRB-ERROR carrying extended error data (MS-KILE). */
export const GSS_C_EXTENDED_ERROR_FLAG = 0x4000;

/** The checksum type of the GSS authenticator checksum (RFC 4121 4.1.1). */
export const CKSUMTYPE_GSSAPI = 0x8003;

/** The fields of a 0x8003 authenticator checksum this module reads and writes. */
export interface GssChecksum {
  /** The 16-byte channel-binding hash (MD5), or 16 zero bytes for none. */
  bindings?: Uint8Array;
  /** GSS_C_* flags. */
  flags: number;
  /**
   * The delegated credentials (a KRB-CRED, RFC 4121 4.1.1.1): present exactly when
   * `flags` has `GSS_C_DELEG_FLAG`.
   */
  delegation?: Uint8Array;
}

/** Length of the checksum without delegation or extensions. */
const GSS_CHECKSUM_SIZE = 24;
/** DlgOpt: the only delegation option RFC 4121 defines (a KRB-CRED follows). */
const DLG_OPT_KRB_CRED = 1;

/**
 * Encodes the 0x8003 checksum (RFC 4121 4.1.1): Lgth = 16 (4 bytes, little-endian),
 * Bnd (16 bytes), Flags (4 bytes, little-endian), and with `GSS_C_DELEG_FLAG`,
 * DlgOpt = 1 and Dlgth (2 bytes each, little-endian) then the KRB-CRED. The flag and
 * `delegation` go together: one without the other is a `RangeError`.
 *
 * @example
 * ```ts
 * import { encodeGssChecksum, GSS_C_MUTUAL_FLAG } from "./gss.ts";
 * encodeGssChecksum({ flags: GSS_C_MUTUAL_FLAG }); // 10 00 00 00, 16 x 00, 02 00 00 00
 * ```
 */
export function encodeGssChecksum(value: GssChecksum): Uint8Array {
  const { bindings, flags, delegation } = value;
  if (bindings && bindings.length !== 16) {
    throw new RangeError("channel-binding hash must be 16 bytes");
  }
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) {
    throw new RangeError(`GSS flags out of range: ${flags}`);
  }
  if (((flags & GSS_C_DELEG_FLAG) !== 0) !== (delegation !== undefined)) {
    throw new RangeError("GSS_C_DELEG_FLAG needs delegated credentials");
  }
  if (delegation && delegation.length > 0xffff) {
    throw new RangeError("delegated credentials over 65535 bytes");
  }
  const extra = delegation ? 4 + delegation.length : 0;
  const out = new Uint8Array(GSS_CHECKSUM_SIZE + extra);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint32(0, 16, true);
  if (bindings) out.set(bindings, 4);
  v.setUint32(20, flags >>> 0, true);
  if (delegation) {
    v.setUint16(24, DLG_OPT_KRB_CRED, true);
    v.setUint16(26, delegation.length, true);
    out.set(delegation, 28);
  }
  return out;
}

/**
 * Decodes a 0x8003 checksum: null when it is shorter than 24 bytes or Lgth is not 16,
 * or when `GSS_C_DELEG_FLAG` is set and the delegation fields are cut short, DlgOpt
 * is not 1 or Dlgth runs past the end. Bytes after them (extensions) are not
 * interpreted. `bindings` and `delegation` are copies.
 */
export function decodeGssChecksum(
  bytes: Uint8Array,
): { bindings: Uint8Array; flags: number; delegation?: Uint8Array } | null {
  if (bytes.length < GSS_CHECKSUM_SIZE) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== 16) return null;
  const flags = v.getUint32(20, true);
  const out = { bindings: bytes.slice(4, 20), flags };
  if (!(flags & GSS_C_DELEG_FLAG)) return out;
  if (bytes.length < GSS_CHECKSUM_SIZE + 4) return null;
  if (v.getUint16(24, true) !== DLG_OPT_KRB_CRED) return null;
  const n = v.getUint16(26, true);
  if (n === 0 || 28 + n > bytes.length) return null;
  return { ...out, delegation: bytes.slice(28, 28 + n) };
}

/**
 * The Bnd value for a `SEC_CHANNEL_BINDINGS` structure (as in a
 * `SECBUFFER_CHANNEL_BINDINGS` buffer): MD5 over the gss_channel_bindings_struct layout
 * (RFC 4121 4.1.1.2), the same hash NTLM sends as MsvAvChannelBindings. Null for a malformed structure; 16 zero bytes for `null`
 * (no bindings).
 */
export function gssChannelBindingsHash(
  secChannelBindings: Uint8Array | null,
): Uint8Array | null {
  if (!secChannelBindings) return new Uint8Array(16);
  return channelBindingsHash(secChannelBindings);
}
