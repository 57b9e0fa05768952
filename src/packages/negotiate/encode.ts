/**
 * SPNEGO encoders (RFC 4178 section 4.2, MS-SPNG 2.2): `NegTokenInit` (framed in the
 * GSS-API `InitialContextToken` for the first token), `NegTokenInit2` and
 * `NegTokenResp`, with sizes computed first and one array written. The frames let an
 * inner package write its token where the message goes (`StepRequest.frame`), so the
 * message is written around it without a copy.
 *
 * @module
 */
import {
  applicationTag,
  contextTag,
  type Der,
  der,
  derBytes,
  encodeBitString,
  encodeEnumerated,
  encodeGeneralString,
  oidDer,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
  tlvSize,
  writeTlvHeader,
} from "../../der/mod.ts";
import type { TokenFrame } from "../../sspi/package.ts";
import { SPNEGO_OID } from "./constants.ts";
import type { NegTokenInit, NegTokenResp } from "./messages.ts";

/**
 * The DER of a `MechTypeList` (SEQUENCE OF OID): what the mechListMIC signs.
 *
 * @example
 * ```ts
 * import { encodeMechTypeList } from "./encode.ts";
 * encodeMechTypeList(["1.3.6.1.4.1.311.2.2.10"]); // 30 0c 06 0a 2b 06 ...
 * ```
 */
export function encodeMechTypeList(oids: readonly string[]): Uint8Array {
  return derBytes(der(TAG_SEQUENCE, oids.map(oidDer)));
}

const ctx = (n: number, v: Der) => der(contextTag(n), v);
/** Canonical MechTypeList DERs already made, by their OIDs (never modified). */
const canonicalLists: Uint8Array[] = [];

/**
 * A copy of a received `mechTypesDer` that outlives the token it was decoded from: the
 * shared canonical encoding of `mechTypes` when the bytes are exactly that (the usual
 * case, no allocation), otherwise a fresh copy. Never modify the result.
 */
export function keepMechTypesDer(
  mechTypes: readonly string[],
  received: Uint8Array,
): Uint8Array {
  // The list is public: compared as bytes against the few lists seen, no key built.
  for (const c of canonicalLists) if (sameBytes(c, received)) return c;
  const c = encodeMechTypeList(mechTypes);
  if (!sameBytes(c, received)) return received.slice();
  if (canonicalLists.length < 32) canonicalLists.push(c);
  return c;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The DER of the four NegState values, made once (lazy DER nodes share them). */
const NEG_STATES = [0, 1, 2, 3].map((v) => encodeEnumerated(v));
const negStateDer = (v: number) => NEG_STATES[v] ?? encodeEnumerated(v);
const octets = (b: Uint8Array) => der(TAG_OCTET_STRING, b);

/**
 * Encodes a NegTokenInit (or NegTokenInit2 when `negHints` is set) as `[0]`; with
 * `framed` (the initiator's first token) inside the InitialContextToken. With `owned`
 * (the mechToken is a fresh array nobody else holds), a mechToken framed where this
 * encoding puts it (`negTokenInitFrame`) is written around in place.
 */
export function encodeNegTokenInit(
  t: Omit<NegTokenInit, "type" | "mechTypesDer"> & {
    mechTypesDer?: Uint8Array;
  },
  framed: boolean,
  owned = false,
): Uint8Array {
  if (!t.reqFlags && !t.negHints) {
    return writeInit(
      t.mechTypesDer ?? encodeMechTypeList(t.mechTypes),
      t.mechToken,
      t.mechListMIC,
      framed,
      owned,
    );
  }
  const fields: Der[] = [
    ctx(0, t.mechTypesDer ?? der(TAG_SEQUENCE, t.mechTypes.map(oidDer))),
  ];
  if (t.reqFlags) fields.push(ctx(1, encodeBitString(t.reqFlags)));
  if (t.mechToken) fields.push(ctx(2, octets(t.mechToken)));
  if (t.negHints) {
    const h: Der[] = [];
    if (t.negHints.hintName !== undefined) {
      h.push(ctx(0, encodeGeneralString(t.negHints.hintName)));
    }
    if (t.negHints.hintAddress) h.push(ctx(1, octets(t.negHints.hintAddress)));
    fields.push(ctx(3, der(TAG_SEQUENCE, h)));
    if (t.mechListMIC) fields.push(ctx(4, octets(t.mechListMIC)));
  } else if (t.mechListMIC) {
    fields.push(ctx(3, octets(t.mechListMIC)));
  }
  const token = ctx(0, der(TAG_SEQUENCE, fields));
  return derBytes(
    framed ? der(applicationTag(0), [oidDer(SPNEGO_OID), token]) : token,
  );
}

/** Writes `[n] { value }` (value already encoded) at `o`; returns the end offset. */
function putField(out: Uint8Array, o: number, n: number, value: Uint8Array) {
  o = writeTlvHeader(out, o, contextTag(n), value.length);
  out.set(value, o);
  return o + value.length;
}

/** Bytes of the identifier and length octets of a TLV with `len` content bytes. */
const headerSize = (len: number) => tlvSize(len) - len;

/** Bytes of `[n] { OCTET STRING }` before its `len` content bytes. */
const octetsHeaderSize = (len: number) =>
  headerSize(tlvSize(len)) + headerSize(len);

/** The size of a SPNEGO message and where its inner token's bytes go. */
interface Layout {
  /** The whole message's size. */
  total: number;
  /** The SEQUENCE's content length. */
  n: number;
  /** Where the token's bytes start (-1 without a token). */
  tokenAt: number;
}

/**
 * The token, when it is framed exactly as `layout` wants it in an array of its own:
 * then the message is written around it in place (no copy, no new array).
 */
function inPlace(
  tok: Uint8Array | undefined,
  layout: Layout,
  owned: boolean,
): Uint8Array | null {
  if (!owned || !tok || tok.byteOffset !== layout.tokenAt) return null;
  const b = tok.buffer;
  return b instanceof ArrayBuffer && b.byteLength === layout.total
    ? new Uint8Array(b)
    : null;
}

/** Writes `[n] { OCTET STRING bytes }` at `o`, unless its bytes are already there. */
function putOctetsAt(out: Uint8Array, o: number, n: number, b: Uint8Array) {
  o = writeTlvHeader(out, o, contextTag(n), tlvSize(b.length));
  o = writeTlvHeader(out, o, TAG_OCTET_STRING, b.length);
  if (b.buffer !== out.buffer || b.byteOffset !== o) out.set(b, o);
  return o + b.length;
}

/** The layout of the common NegTokenInit (see `writeInit`). */
function initLayout(
  mechTypesLen: number,
  tokLen: number | undefined,
  micLen: number | undefined,
  framed: boolean,
): Layout {
  let n = tlvSize(mechTypesLen);
  const before = n;
  if (tokLen !== undefined) n += tlvSize(tlvSize(tokLen));
  if (micLen !== undefined) n += tlvSize(tlvSize(micLen));
  const token = tlvSize(tlvSize(n));
  const oidLen = framed ? SPNEGO_OID_DER.length : 0;
  const total = framed ? tlvSize(oidLen + token) : token;
  const seqAt = (framed ? headerSize(oidLen + token) + oidLen : 0) +
    headerSize(tlvSize(n)) + headerSize(n);
  return {
    total,
    n,
    tokenAt: tokLen === undefined
      ? -1
      : seqAt + before + octetsHeaderSize(tokLen),
  };
}

/** The DER of the SPNEGO OID (thisMech of the InitialContextToken). */
const SPNEGO_OID_DER = oidDer(SPNEGO_OID);

/**
 * The common NegTokenInit (mechTypes, optional mechToken and `[3]` mechListMIC, no
 * reqFlags or negHints), sizes computed first and written straight into one array:
 * around the mechToken when it is `owned` and framed where it goes (see
 * `negTokenInitFrame`).
 */
function writeInit(
  mechTypesDer: Uint8Array,
  mechToken: Uint8Array | undefined,
  mic: Uint8Array | undefined,
  framed: boolean,
  owned = false,
): Uint8Array {
  const l = initLayout(
    mechTypesDer.length,
    mechToken?.length,
    mic?.length,
    framed,
  );
  const out = inPlace(mechToken, l, owned) ?? new Uint8Array(l.total);
  const n = l.n;
  let o = 0;
  if (framed) {
    const oid = SPNEGO_OID_DER;
    o = writeTlvHeader(
      out,
      o,
      applicationTag(0),
      oid.length + tlvSize(tlvSize(n)),
    );
    out.set(oid, o);
    o += oid.length;
  }
  o = writeTlvHeader(out, o, contextTag(0), tlvSize(n));
  o = writeTlvHeader(out, o, TAG_SEQUENCE, n);
  o = putField(out, o, 0, mechTypesDer);
  if (mechToken) o = putOctetsAt(out, o, 2, mechToken);
  if (mic) putOctetsAt(out, o, 3, mic);
  return out;
}

/**
 * The frame an inner package's first token needs to sit where the initiator's framed
 * NegTokenInit (mechTypes and mechToken) puts it: pass it as `StepRequest.frame`,
 * then `encodeNegTokenInit(..., true, true)` writes around it.
 */
export function negTokenInitFrame(mechTypesDer: Uint8Array): TokenFrame {
  return {
    head: (len) =>
      initLayout(mechTypesDer.length, len, undefined, true).tokenAt,
    tail: 0,
  };
}

/** The layout of a NegTokenResp with these fields (see `encodeNegTokenResp`). */
function respLayout(
  st: Uint8Array | undefined,
  mech: Uint8Array | undefined,
  tokLen: number | undefined,
  micLen: number | undefined,
): Layout {
  let n = 0;
  if (st) n += tlvSize(st.length);
  if (mech) n += tlvSize(mech.length);
  const before = n;
  if (tokLen !== undefined) n += tlvSize(tlvSize(tokLen));
  if (micLen !== undefined) n += tlvSize(tlvSize(micLen));
  const seqAt = headerSize(tlvSize(n)) + headerSize(n);
  return {
    total: tlvSize(tlvSize(n)),
    n,
    tokenAt: tokLen === undefined
      ? -1
      : seqAt + before + octetsHeaderSize(tokLen),
  };
}

/**
 * The frame an inner package's token needs to sit where a NegTokenResp with these
 * fields (and a mechListMIC of `micLength` bytes, when given) puts its responseToken:
 * pass it as `StepRequest.frame`, then `encodeNegTokenResp(..., true)` writes around
 * it.
 */
export function negTokenRespFrame(
  negState: number | undefined,
  supportedMech: string | undefined,
  micLength?: number,
): TokenFrame {
  const st = negState !== undefined ? negStateDer(negState) : undefined;
  const mech = supportedMech ? oidDer(supportedMech) : undefined;
  return {
    head: (len) => respLayout(st, mech, len, micLength).tokenAt,
    tail: micLength === undefined ? 0 : tlvSize(tlvSize(micLength)),
  };
}

/**
 * Encodes a NegTokenResp as `[1]`: sizes computed first, then written straight into
 * one array. With `owned` (the responseToken is a fresh array nobody else holds),
 * a token framed where this encoding puts it (`negTokenRespFrame`) is written around
 * in place, without a copy.
 */
export function encodeNegTokenResp(
  t: Omit<NegTokenResp, "type">,
  owned = false,
): Uint8Array {
  const st = t.negState !== undefined ? negStateDer(t.negState) : undefined;
  const mech = t.supportedMech ? oidDer(t.supportedMech) : undefined;
  const tok = t.responseToken;
  const mic = t.mechListMIC;
  const l = respLayout(st, mech, tok?.length, mic?.length);
  const out = inPlace(tok, l, owned) ?? new Uint8Array(l.total);
  let o = writeTlvHeader(out, 0, contextTag(1), tlvSize(l.n));
  o = writeTlvHeader(out, o, TAG_SEQUENCE, l.n);
  if (st) o = putField(out, o, 0, st);
  if (mech) o = putField(out, o, 1, mech);
  if (tok) o = putOctetsAt(out, o, 2, tok);
  if (mic) putOctetsAt(out, o, 3, mic);
  return out;
}

/** Wraps an inner token in `[APPLICATION 0] { thisMech = SPNEGO, innerToken }`. */
export function frameInitialContextToken(inner: Uint8Array): Uint8Array {
  return derBytes(der(applicationTag(0), [oidDer(SPNEGO_OID), inner]));
}
