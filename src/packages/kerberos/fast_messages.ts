/**
 * The DER of Kerberos FAST (RFC 6113 section 5.4): what a client sends in PA-FX-FAST
 * (`KrbFastArmoredReq` around the encrypted `KrbFastReq`) and what a KDC answers in
 * it (`KrbFastArmoredRep` around the encrypted `KrbFastResponse` with its
 * `KrbFastFinished`), with the key usages and numbers RFC 6113 assigns. Decoders read
 * untrusted bytes and throw only `DerError` (a caller turns it into a status);
 * encoders throw `TypeError`/`RangeError` on values a caller should never pass. The
 * KDC-side encoders exist for tests and a test KDC.
 *
 * @module
 */
import { contextTag, der, derBytes, scanDer } from "../../der/mod.ts";
import {
  encodeKerberosFlags,
  encodeKerberosString,
  encodeKerberosTime,
  encodeMicroseconds,
  encodeOctets,
  encodeUInt32,
  fields,
  fieldsSequence,
  int32,
  int32Der,
  kerberosFlags,
  kerberosString,
  microseconds,
  need,
  octets,
  scanSequence,
  uint32,
} from "./asn1.ts";
import {
  encodeChecksum,
  encodeEncryptedData,
  encodeEncryptionKey,
  encodeMethodData,
  encodePrincipalName,
} from "./messages_encode.ts";
import {
  checksum,
  encryptedData,
  encryptionKey,
  opt,
  paDataList,
  principalName,
  prune,
  time,
} from "./messages_read.ts";
import type {
  Checksum,
  EncryptedData,
  EncryptionKey,
  PAData,
  PrincipalName,
} from "./messages_types.ts";

/** `armor-type` of an AP-REQ armor (FX_FAST_ARMOR_AP_REQUEST). */
export const FX_FAST_ARMOR_AP_REQUEST = 1;
/** Key usage of the `req-checksum` over the outer KDC-REQ-BODY (armor key). */
export const KEY_USAGE_FAST_REQ_CHKSUM = 50;
/** Key usage of `enc-fast-req` (armor key). */
export const KEY_USAGE_FAST_ENC = 51;
/** Key usage of `enc-fast-rep` (armor key). */
export const KEY_USAGE_FAST_REP = 52;
/** Key usage of the `ticket-checksum` of `KrbFastFinished` (armor key). */
export const KEY_USAGE_FAST_FINISHED = 53;
/** Key usage of the client's PA-ENCRYPTED-CHALLENGE (client challenge key). */
export const KEY_USAGE_ENC_CHALLENGE_CLIENT = 54;
/** Key usage of the KDC's PA-ENCRYPTED-CHALLENGE (KDC challenge key). */
export const KEY_USAGE_ENC_CHALLENGE_KDC = 55;
/** KDC_ERR_MORE_PREAUTH_DATA_REQUIRED: another round of pre-authentication. */
export const KDC_ERR_MORE_PREAUTH_DATA_REQUIRED = 91;
/** KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS. */
export const KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS = 93;

/** `KrbFastArmor`: how the armor key is had (type 1: an AP-REQ for the TGS). */
export interface KrbFastArmor {
  /** `armor-type` (`FX_FAST_ARMOR_AP_REQUEST`). */
  armorType: number;
  /** `armor-value`: the DER of the AP-REQ. */
  armorValue: Uint8Array;
}

/** `KrbFastArmoredReq`, the value of a client's PA-FX-FAST. */
export interface KrbFastArmoredReq {
  /** `armor` (absent in a TGS-REQ armored with its own TGT). */
  armor?: KrbFastArmor;
  /** `req-checksum`: keyed with the armor key over the outer request body. */
  reqChecksum: Checksum;
  /** `enc-fast-req`: a `KrbFastReq` encrypted with the armor key, usage 51. */
  encFastReq: EncryptedData;
}

/** `KrbFastReq`: the real request (its padata and body) inside FAST. */
export interface KrbFastReq {
  /** `fast-options` (`KerberosFlags`; 0: none, hide-client-names is bit 1). */
  fastOptions: number;
  /** `padata`: the inner pre-authentication data. */
  padata: readonly PAData[];
  /** `req-body`: the DER of the KDC-REQ-BODY. */
  reqBody: Uint8Array;
}

/** `KrbFastFinished`: the KDC's binding of the ticket to the armor key. */
export interface KrbFastFinished {
  /** `timestamp`. */
  timestamp: Date;
  /** `usec`. */
  usec: number;
  /** `crealm`: the authenticated client's realm. */
  crealm: string;
  /** `cname`: the authenticated client's name. */
  cname: PrincipalName;
  /** `ticket-checksum`: keyed with the armor key (usage 53) over the Ticket's DER. */
  ticketChecksum: Checksum;
}

/** `KrbFastResponse`: what `enc-fast-rep` decrypts to. */
export interface KrbFastResponse {
  /** `padata`: the reply's padata, or (in an error) the METHOD-DATA and PA-FX-ERROR. */
  padata: PAData[];
  /** `strengthen-key`, combined with the reply key by KRB-FX-CF2. */
  strengthenKey?: EncryptionKey;
  /** `finished` (in an AS-REP or TGS-REP, never in an error). */
  finished?: KrbFastFinished;
  /** `nonce`: the request's. */
  nonce: number;
}

/** The DER of a `KrbFastReq`, the plaintext of `enc-fast-req`. */
export function encodeKrbFastReq(r: KrbFastReq): Uint8Array {
  if (!(r.reqBody instanceof Uint8Array)) {
    throw new TypeError("KrbFastReq: req-body must be DER bytes");
  }
  return derBytes(fieldsSequence([
    encodeKerberosFlags(r.fastOptions),
    encodeMethodData(r.padata),
    r.reqBody,
  ]));
}

/**
 * The value of a client's PA-FX-FAST: `PA-FX-FAST-REQUEST`, the CHOICE
 * `armored-data [0]` around a `KrbFastArmoredReq`.
 *
 * @example
 * ```ts
 * import { encodeFastArmoredReq } from "./fast_messages.ts";
 * const v = encodeFastArmoredReq({
 *   reqChecksum: { cksumtype: 16, checksum: new Uint8Array(12) },
 *   encFastReq: { etype: 18, cipher: new Uint8Array(40) },
 * });
 * console.log(v[0]); // 0xa0
 * ```
 */
export function encodeFastArmoredReq(r: KrbFastArmoredReq): Uint8Array {
  const armor = r.armor &&
    fieldsSequence([
      int32Der(r.armor.armorType),
      encodeOctets(r.armor.armorValue),
    ]);
  return derBytes(der(contextTag(0), [
    fieldsSequence([
      armor,
      encodeChecksum(r.reqChecksum),
      encodeEncryptedData(
        r.encFastReq,
      ),
    ]),
  ]));
}

/**
 * Decodes the value of a KDC's PA-FX-FAST (`PA-FX-FAST-REPLY`: `armored-data [0]`
 * around `KrbFastArmoredRep`): the `enc-fast-rep`.
 */
export function decodeFastArmoredRep(bytes: Uint8Array): EncryptedData {
  const what = "PA-FX-FAST-REPLY";
  const t = scanDer(bytes);
  t.expect(0, contextTag(0), what);
  const inner = t.explicit(0, what);
  const f = fields(t, inner, "KrbFastArmoredRep");
  return encryptedData(t, need(f, 0, `${what} enc-fast-rep`), "enc-fast-rep");
}

/** The DER of a KDC's PA-FX-FAST value around `encFastRep` (tests, a test KDC). */
export function encodeFastArmoredRep(encFastRep: EncryptedData): Uint8Array {
  return derBytes(
    der(contextTag(0), [fieldsSequence([encodeEncryptedData(encFastRep)])]),
  );
}

/** Decodes a `KrbFastResponse` (the plaintext of `enc-fast-rep`). */
export function decodeKrbFastResponse(bytes: Uint8Array): KrbFastResponse {
  const what = "KrbFastResponse";
  const t = scanSequence(bytes, what);
  const f = fields(t, 0, what);
  const out: KrbFastResponse = {
    padata: paDataList(t, need(f, 0, `${what} padata`), `${what} padata`),
    strengthenKey: opt(
      f,
      1,
      (i) => encryptionKey(t, i, `${what} strengthen-key`),
    ),
    finished: opt(f, 2, (i) => {
      const w = "KrbFastFinished";
      const g = fields(t, i, w);
      return {
        timestamp: time(t, g, 0, `${w} timestamp`),
        usec: microseconds(t, need(g, 1, `${w} usec`), `${w} usec`),
        crealm: kerberosString(t, need(g, 2, `${w} crealm`), `${w} crealm`),
        cname: principalName(t, need(g, 3, `${w} cname`), `${w} cname`),
        ticketChecksum: checksum(
          t,
          need(g, 4, `${w} ticket-checksum`),
          `${w} ticket-checksum`,
        ),
      };
    }),
    nonce: uint32(t, need(f, 3, `${what} nonce`), `${what} nonce`),
  };
  return prune(out);
}

/** The DER of a `KrbFastResponse` (tests, a test KDC). */
export function encodeKrbFastResponse(r: KrbFastResponse): Uint8Array {
  const fin = r.finished && fieldsSequence([
    encodeKerberosTime(r.finished.timestamp),
    encodeMicroseconds(r.finished.usec),
    encodeKerberosString(r.finished.crealm),
    encodePrincipalName(r.finished.cname),
    encodeChecksum(r.finished.ticketChecksum),
  ]);
  return derBytes(fieldsSequence([
    encodeMethodData(r.padata),
    r.strengthenKey && encodeEncryptionKey(r.strengthenKey),
    fin,
    encodeUInt32(r.nonce),
  ]));
}

/** Decodes a `KrbFastReq` (tests, a test KDC): `reqBody` is the body's DER. */
export function decodeKrbFastReq(bytes: Uint8Array): KrbFastReq {
  const what = "KrbFastReq";
  const t = scanSequence(bytes, what);
  const f = fields(t, 0, what);
  return {
    fastOptions: kerberosFlags(t, need(f, 0, `${what} fast-options`), what),
    padata: paDataList(t, need(f, 1, `${what} padata`), `${what} padata`),
    reqBody: t.raw(need(f, 2, `${what} req-body`)).slice(),
  };
}

/** Decodes a client's PA-FX-FAST value (tests, a test KDC). */
export function decodeFastArmoredReq(bytes: Uint8Array): KrbFastArmoredReq {
  const what = "KrbFastArmoredReq";
  const t = scanDer(bytes);
  t.expect(0, contextTag(0), what);
  const f = fields(t, t.explicit(0, what), what);
  const armor = opt(f, 0, (i) => {
    const g = fields(t, i, `${what} armor`);
    return {
      armorType: int32(t, need(g, 0, `${what} armor-type`), what),
      armorValue: octets(t, need(g, 1, `${what} armor-value`), what),
    };
  });
  return prune({
    armor,
    reqChecksum: checksum(t, need(f, 1, `${what} req-checksum`), what),
    encFastReq: encryptedData(t, need(f, 2, `${what} enc-fast-req`), what),
  });
}
