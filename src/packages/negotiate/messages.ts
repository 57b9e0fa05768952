/**
 * SPNEGO wire formats (RFC 4178 section 4.2, MS-SPNG 2.2): the decoded
 * `NegotiationToken` (`NegTokenInit`, `NegTokenInit2` with `negHints`,
 * `NegTokenResp`), optionally inside the GSS-API `InitialContextToken` framing (RFC
 * 2743 section 3.1) of the first token. The encoders are in `encode.ts`.
 *
 * @module
 */
import {
  applicationTag,
  contextTag,
  DerError,
  type DerTree,
  knownOid,
  scanDer,
  TAG_ENUMERATED,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
} from "../../der/mod.ts";
import { SPNEGO_OID } from "./constants.ts";

/** `NegHints` (MS-SPNG 2.2.1). */
export interface NegHints {
  /** `hintName` GeneralString. */
  hintName?: string;
  /** `hintAddress` OCTET STRING. */
  hintAddress?: Uint8Array;
}

/** `NegTokenInit` / `NegTokenInit2`. */
export interface NegTokenInit {
  /** Discriminator. */
  type: "init";
  /** `mechTypes`: dotted OIDs in preference order. */
  mechTypes: string[];
  /**
   * The DER of the `MechTypeList` as it was on the wire (what mechListMIC covers): a
   * view of the decoded token, so copy it (`keepMechTypesDer`) to keep it.
   */
  mechTypesDer: Uint8Array;
  /** `reqFlags` (ContextFlags BIT STRING bytes), rarely sent. */
  reqFlags?: Uint8Array;
  /** `mechToken`: the optimistic token of the first mechanism. */
  mechToken?: Uint8Array;
  /** `negHints` (NegTokenInit2 only). */
  negHints?: NegHints;
  /** `mechListMIC`. */
  mechListMIC?: Uint8Array;
}

/** `NegTokenResp`. */
export interface NegTokenResp {
  /** Discriminator. */
  type: "resp";
  /** `negState` (`ACCEPT_COMPLETED`...), when present. */
  negState?: number;
  /** `supportedMech`. */
  supportedMech?: string;
  /** `responseToken`. */
  responseToken?: Uint8Array;
  /** `mechListMIC`. */
  mechListMIC?: Uint8Array;
}

/** A decoded `NegotiationToken`. */
export type NegotiationToken = NegTokenInit | NegTokenResp;

/**
 * Decodes a SPNEGO token: a framed InitialContextToken holding a NegTokenInit(2), or a
 * bare `[0]` NegTokenInit or `[1]` NegTokenResp. Throws `DerError` when malformed or
 * when the framing names another mechanism.
 *
 * @example
 * ```ts
 * import { decodeNegotiationToken } from "./messages.ts";
 * import { encodeNegTokenResp } from "./encode.ts";
 * const t = decodeNegotiationToken(encodeNegTokenResp({ negState: 0 }));
 * console.log(t.type, t.type === "resp" && t.negState); // "resp", 0
 * ```
 */
export function decodeNegotiationToken(bytes: Uint8Array): NegotiationToken {
  return decodeCommon(bytes) ?? decodeNegotiationTokenGeneric(bytes);
}

// The fast path: the common shapes (NegTokenResp; NegTokenInit with mechTypes of
// well-known OIDs, mechToken and a `[3]` mechListMIC; optionally framed) read in place
// without a tree, a Map or arrays. Every TLV is bounds-checked against its parent and
// must tile it exactly; it accepts only what `decodeGeneric` accepts, with the same
// result, and answers null for anything else (other fields, unknown OIDs, any
// malformation), which then goes through `decodeGeneric` and its error messages.

/** The content offset and length of the TLV `head` read last. */
let hBody = 0;
let hLen = 0;
/** The number `n` of the field `[n]` that `field` read last. */
let fieldNo = 0;
/** Where the value inside that field starts (its header included). */
let vStart = 0;

/**
 * Reads the header of the TLV at `o` (low tag number, definite length), which must
 * end at most at `end`: returns its tag (content in `hBody`/`hLen`), or -1.
 */
function head(b: Uint8Array, o: number, end: number): number {
  if (end - o < 2) return -1;
  const tag = b[o];
  if ((tag & 0x1f) === 0x1f) return -1;
  let len = b[o + 1];
  o += 2;
  if (len >= 0x80) {
    const k = len & 0x7f;
    if (k === 0 || k > 3 || end - o < k) return -1;
    len = 0;
    for (let i = 0; i < k; i++) len = len * 256 + b[o++];
  }
  if (len > end - o) return -1;
  hBody = o;
  hLen = len;
  return tag;
}

/**
 * Reads an explicit field `[0]`..`[3]` at `o` (ending at most at `end`) holding exactly
 * one TLV: returns that value's tag (content in `hBody`/`hLen`, the field number in
 * `fieldNo`), or -1.
 */
function field(b: Uint8Array, o: number, end: number): number {
  const n = head(b, o, end) - contextTag(0);
  if (n < 0 || n > 3) return -1;
  const fEnd = hBody + hLen;
  vStart = hBody;
  const tag = head(b, hBody, fEnd);
  if (tag < 0 || hBody + hLen !== fEnd) return -1;
  fieldNo = n;
  return tag;
}

/** Reads a TLV at `o` that must fill `[o, end)`: its tag, or -1. */
function whole(b: Uint8Array, o: number, end: number): number {
  const tag = head(b, o, end);
  return tag >= 0 && hBody + hLen === end ? tag : -1;
}

function decodeCommon(b: Uint8Array): NegotiationToken | null {
  const end = b.length;
  const tag = whole(b, 0, end);
  if (tag === contextTag(1)) return commonResp(b, hBody, end);
  if (tag === contextTag(0)) return commonInit(b, hBody, end);
  if (tag !== applicationTag(0)) return null;
  // InitialContextToken: thisMech = SPNEGO, then one `[0]` up to the end.
  if (
    head(b, hBody, end) !== TAG_OID ||
    knownOid(b, hBody, hBody + hLen) !== SPNEGO_OID ||
    whole(b, hBody + hLen, end) !== contextTag(0)
  ) return null;
  return commonInit(b, hBody, end);
}

function commonResp(
  b: Uint8Array,
  o: number,
  end: number,
): NegTokenResp | null {
  if (whole(b, o, end) !== TAG_SEQUENCE) return null;
  const out: NegTokenResp = { type: "resp" };
  let last = -1;
  for (let p = hBody; p < end;) {
    const tag = field(b, p, end);
    if (tag < 0 || fieldNo <= last) return null;
    last = fieldNo;
    const body = hBody;
    const fEnd = hBody + hLen;
    if (last === 0) {
      if (tag !== TAG_ENUMERATED || hLen < 1 || hLen > 4 || b[body] & 0x80) {
        return null;
      }
      let v = 0;
      for (let k = body; k < fEnd; k++) v = v * 256 + b[k];
      out.negState = v;
    } else if (last === 1) {
      const oid = tag === TAG_OID ? knownOid(b, body, fEnd) : undefined;
      if (oid === undefined) return null;
      out.supportedMech = oid;
    } else if (tag !== TAG_OCTET_STRING) {
      return null;
    } else if (last === 2) {
      out.responseToken = b.subarray(body, fEnd);
    } else {
      out.mechListMIC = b.subarray(body, fEnd);
    }
    p = fEnd;
  }
  return out;
}

function commonInit(
  b: Uint8Array,
  o: number,
  end: number,
): NegTokenInit | null {
  if (whole(b, o, end) !== TAG_SEQUENCE) return null;
  if (field(b, hBody, end) !== TAG_SEQUENCE || fieldNo > 0) return null;
  // [0] mechTypes: well-known OIDs only.
  const mtStart = vStart;
  const mtEnd = hBody + hLen;
  const mechTypes: string[] = [];
  for (let q = hBody; q < mtEnd;) {
    if (head(b, q, mtEnd) !== TAG_OID) return null;
    const oid = knownOid(b, hBody, hBody + hLen);
    if (oid === undefined) return null;
    mechTypes.push(oid);
    q = hBody + hLen;
  }
  const out: NegTokenInit = {
    type: "init",
    mechTypes,
    mechTypesDer: b.subarray(mtStart, mtEnd),
  };
  let last = 0;
  for (let p = mtEnd; p < end;) {
    // [1] reqFlags and [3] negHints (NegTokenInit2) take the generic path.
    const tag = field(b, p, end);
    if (tag !== TAG_OCTET_STRING || fieldNo <= last || fieldNo === 1) {
      return null;
    }
    last = fieldNo;
    const fEnd = hBody + hLen;
    if (last === 2) out.mechToken = b.subarray(hBody, fEnd);
    else out.mechListMIC = b.subarray(hBody, fEnd);
    p = fEnd;
  }
  return out;
}

/**
 * The generic decoder alone: a validating scan, then the fields by tree position.
 * `decodeNegotiationToken` gives the same result (its fast path only ever agrees with
 * this); exported for the tests that check that.
 */
export function decodeNegotiationTokenGeneric(
  bytes: Uint8Array,
): NegotiationToken {
  // The tree is mapped to plain values before this returns: no copy of the table.
  const t = scanDer(bytes, { transient: true });
  let i = 0;
  if (t.tag(0) === applicationTag(0)) {
    const oid = t.firstChild(0);
    if (t.oid(oid, "thisMech") !== SPNEGO_OID) {
      throw new DerError("Cannot decode token: thisMech is not SPNEGO");
    }
    i = t.nextSibling(oid);
    if (i < 0 || t.nextSibling(i) >= 0) {
      throw new DerError("Cannot decode token: bad InitialContextToken");
    }
    if (t.tag(i) !== contextTag(0)) {
      throw new DerError(
        "Cannot decode token: the first token is not a NegTokenInit",
      );
    }
  }
  if (t.tag(i) === contextTag(0)) {
    return decodeInit(t, t.explicit(i, "NegTokenInit"));
  }
  if (t.tag(i) === contextTag(1)) {
    return decodeResp(t, t.explicit(i, "NegTokenResp"));
  }
  throw new DerError("Cannot decode token: not a NegotiationToken");
}

/** Walks the `[n]` fields of a SEQUENCE in increasing tag order, each at most once. */
function fields(t: DerTree, seq: number, what: string): Map<number, number> {
  t.expect(seq, TAG_SEQUENCE, what);
  const out = new Map<number, number>();
  let last = -1;
  for (let c = t.firstChild(seq); c >= 0; c = t.nextSibling(c)) {
    const tag = t.tag(c);
    const n = tag & 0x1f;
    if ((tag & 0xe0) !== 0xa0 || n === 0x1f || n <= last) {
      throw new DerError(
        `Cannot decode ${what}: unexpected field tag 0x${tag.toString(16)}`,
      );
    }
    last = n;
    out.set(n, t.explicit(c, what));
  }
  return out;
}

function decodeInit(t: DerTree, seq: number): NegTokenInit {
  const f = fields(t, seq, "NegTokenInit");
  const mt = f.get(0);
  if (mt === undefined) {
    throw new DerError("Cannot decode NegTokenInit: no mechTypes");
  }
  t.expect(mt, TAG_SEQUENCE, "mechTypes");
  const mechTypes = t.children(mt).map((c) => t.oid(c, "mechTypes"));
  const out: NegTokenInit = {
    type: "init",
    mechTypes,
    mechTypesDer: t.raw(mt),
  };
  const rf = f.get(1);
  if (rf !== undefined) out.reqFlags = t.bitString(rf, "reqFlags").bytes;
  const tok = f.get(2);
  if (tok !== undefined) out.mechToken = t.octetString(tok, "mechToken");
  const f3 = f.get(3);
  if (f3 !== undefined) {
    if (t.tag(f3) === TAG_OCTET_STRING) {
      // NegTokenInit: [3] mechListMIC.
      if (f.has(4)) {
        throw new DerError(
          "Cannot decode NegTokenInit: field [4] after mechListMIC",
        );
      }
      out.mechListMIC = t.octetString(f3, "mechListMIC");
    } else {
      // NegTokenInit2: [3] negHints.
      const h = fields(t, f3, "negHints");
      out.negHints = {};
      const name = h.get(0);
      if (name !== undefined) {
        out.negHints.hintName = t.generalString(name, "hintName");
      }
      const addr = h.get(1);
      if (addr !== undefined) {
        out.negHints.hintAddress = t.octetString(addr, "hintAddress");
      }
    }
  }
  const f4 = f.get(4);
  if (f4 !== undefined) out.mechListMIC = t.octetString(f4, "mechListMIC");
  if (f.size && Math.max(...f.keys()) > 4) {
    throw new DerError("Cannot decode NegTokenInit: unknown field");
  }
  return out;
}

function decodeResp(t: DerTree, seq: number): NegTokenResp {
  const f = fields(t, seq, "NegTokenResp");
  const out: NegTokenResp = { type: "resp" };
  const st = f.get(0);
  if (st !== undefined) out.negState = t.enumerated(st, "negState");
  const sm = f.get(1);
  if (sm !== undefined) out.supportedMech = t.oid(sm, "supportedMech");
  const rt = f.get(2);
  if (rt !== undefined) out.responseToken = t.octetString(rt, "responseToken");
  const mic = f.get(3);
  if (mic !== undefined) out.mechListMIC = t.octetString(mic, "mechListMIC");
  if (f.size && Math.max(...f.keys()) > 3) {
    throw new DerError("Cannot decode NegTokenResp: unknown field");
  }
  return out;
}
