/**
 * SPNEGO wire formats (RFC 4178 section 4.2, MS-SPNG 2.2): `NegotiationToken`
 * (`NegTokenInit`, `NegTokenInit2` with `negHints`, `NegTokenResp`) and the GSS-API
 * `InitialContextToken` framing (RFC 2743 section 3.1) of the first token.
 *
 * @module
 */
import {
  applicationTag,
  contextTag,
  type Der,
  der,
  derBytes,
  DerError,
  type DerTree,
  encodeBitString,
  encodeEnumerated,
  encodeGeneralString,
  oidDer,
  scanDer,
  TAG_OCTET_STRING,
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
  /** The DER of the `MechTypeList` as it was on the wire (what mechListMIC covers). */
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
 * The DER of a `MechTypeList` (SEQUENCE OF OID): what the mechListMIC signs.
 *
 * @example
 * ```ts
 * import { encodeMechTypeList } from "./messages.ts";
 * encodeMechTypeList(["1.3.6.1.4.1.311.2.2.10"]); // 30 0c 06 0a 2b 06 ...
 * ```
 */
export function encodeMechTypeList(oids: readonly string[]): Uint8Array {
  return derBytes(der(TAG_SEQUENCE, oids.map(oidDer)));
}

const ctx = (n: number, v: Der) => der(contextTag(n), v);
/** The DER of the four NegState values, made once (lazy DER nodes share them). */
const NEG_STATES = [0, 1, 2, 3].map((v) => encodeEnumerated(v));
const negState = (v: number) => NEG_STATES[v] ?? encodeEnumerated(v);
const octets = (b: Uint8Array) => der(TAG_OCTET_STRING, b);

/**
 * Encodes a NegTokenInit (or NegTokenInit2 when `negHints` is set) as `[0]`; with
 * `framed` (the initiator's first token) inside the InitialContextToken. The message
 * is built lazily and serialized into one array.
 */
export function encodeNegTokenInit(
  t: Omit<NegTokenInit, "type" | "mechTypesDer"> & {
    mechTypesDer?: Uint8Array;
  },
  framed: boolean,
): Uint8Array {
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

/** Encodes a NegTokenResp as `[1]`, serialized into one array. */
export function encodeNegTokenResp(t: Omit<NegTokenResp, "type">): Uint8Array {
  const fields: Der[] = [];
  if (t.negState !== undefined) {
    fields.push(ctx(0, negState(t.negState)));
  }
  if (t.supportedMech) fields.push(ctx(1, oidDer(t.supportedMech)));
  if (t.responseToken) fields.push(ctx(2, octets(t.responseToken)));
  if (t.mechListMIC) fields.push(ctx(3, octets(t.mechListMIC)));
  return derBytes(ctx(1, der(TAG_SEQUENCE, fields)));
}

/** Wraps an inner token in `[APPLICATION 0] { thisMech = SPNEGO, innerToken }`. */
export function frameInitialContextToken(inner: Uint8Array): Uint8Array {
  return derBytes(der(applicationTag(0), [oidDer(SPNEGO_OID), inner]));
}

/**
 * Decodes a SPNEGO token: a framed InitialContextToken holding a NegTokenInit(2), or a
 * bare `[0]` NegTokenInit or `[1]` NegTokenResp. Throws `DerError` when malformed or
 * when the framing names another mechanism.
 *
 * @example
 * ```ts
 * import { decodeNegotiationToken, encodeNegTokenResp } from "./messages.ts";
 * const t = decodeNegotiationToken(encodeNegTokenResp({ negState: 0 }));
 * console.log(t.type, t.type === "resp" && t.negState); // "resp", 0
 * ```
 */
export function decodeNegotiationToken(bytes: Uint8Array): NegotiationToken {
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
    mechTypesDer: t.raw(mt).slice(),
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
