/**
 * Kerberos V5 message decoders (RFC 4120 section 5, RFC 6806, MS-KILE). Each takes
 * untrusted bytes, validates them with one `scanDer` (bounds, tags, depth), checks the
 * outer tag and maps the fields to the plain objects of `messages_types.ts`. Anything
 * malformed (wrong tag, missing mandatory field, integer out of range, bad time, wrong
 * pvno or msg-type) throws `DerError`, which callers turn into
 * `SEC_E_INVALID_TOKEN`; nothing else is thrown. Unknown higher-numbered fields are
 * skipped (RFC 4120 extensibility). Octet strings are copies, never views of the
 * input. The encoders are in `messages_encode.ts`.
 *
 * @module
 */
import {
  boolean,
  fields,
  int32,
  kerberosFlags,
  kerberosString,
  kerberosTime,
  microseconds,
  need,
  octets,
  pvno,
  scanApplication,
  scanSequence,
  sequenceOf,
  uint32,
} from "./asn1.ts";
import {
  APP_AUTHENTICATOR,
  APP_ENC_AP_REP_PART,
  APP_ENC_AS_REP_PART,
  APP_ENC_TGS_REP_PART,
  APP_ENC_TICKET_PART,
  APP_TICKET,
  KRB_AP_REP,
  KRB_AP_REQ,
  KRB_AS_REP,
  KRB_AS_REQ,
  KRB_ERROR,
  KRB_TGS_REP,
  KRB_TGS_REQ,
} from "./constants.ts";
import {
  authorizationData,
  checksum,
  encryptedData,
  encryptionKey,
  hostAddresses,
  msgType,
  opt,
  paDataList,
  principalName,
  prune,
  ticketAt,
  time,
} from "./messages_read.ts";
import type {
  ApRep,
  ApReq,
  Authenticator,
  DecodedKdcReq,
  EncApRepPart,
  EncKdcRepPart,
  EncryptedData,
  EncTicketPart,
  EtypeInfo2Entry,
  KdcRep,
  KrbError,
  LastReqEntry,
  PAData,
  PaEncTsEnc,
  Ticket,
} from "./messages_types.ts";

export type * from "./messages_types.ts";
export * from "./messages_encode.ts";
export * from "./messages_principal.ts";

// ---------------------------------------------------------------------------
// Public decoders.

/**
 * The message type of a Kerberos message from its outer APPLICATION tag (10..30), or
 * undefined when the first octet is not one: tells a KRB-ERROR from a reply before
 * decoding. Does not validate the rest.
 *
 * @example
 * ```ts
 * import { peekMessageType } from "./messages.ts";
 * peekMessageType(Uint8Array.of(0x7e, 0)); // 30 (KRB_ERROR)
 * ```
 */
export function peekMessageType(bytes: Uint8Array): number | undefined {
  const b = bytes?.[0];
  if (b === undefined || (b & 0xe0) !== 0x60 || (b & 0x1f) === 0x1f) {
    return undefined;
  }
  return b & 0x1f;
}

/** Decodes a `Ticket` (`[APPLICATION 1]`), keeping its DER in `raw`. */
export function decodeTicket(bytes: Uint8Array): Ticket {
  const { t } = scanApplication(bytes, APP_TICKET, "Ticket");
  return ticketAt(t, 0, "Ticket");
}

/** Decodes a bare `EncryptedData` SEQUENCE (e.g. a PA-ENC-TIMESTAMP padata-value). */
export function decodeEncryptedData(bytes: Uint8Array): EncryptedData {
  return encryptedData(
    scanSequence(bytes, "EncryptedData"),
    0,
    "EncryptedData",
  );
}

/** Decodes a `METHOD-DATA` (SEQUENCE OF PA-DATA), as found in a KRB-ERROR's e-data. */
export function decodeMethodData(bytes: Uint8Array): PAData[] {
  return paDataList(scanSequence(bytes, "METHOD-DATA"), 0, "METHOD-DATA");
}

/**
 * Decodes `ETYPE-INFO2` (the padata-value of PA-ETYPE-INFO2): the etypes the KDC
 * accepts with their salts and string-to-key parameters.
 *
 * @example
 * ```ts
 * import { decodeEtypeInfo2 } from "./messages.ts";
 * import { encodeEtypeInfo2 } from "./messages_encode.ts";
 * const der = encodeEtypeInfo2([{ etype: 18, salt: "EXAMPLE.TESTalice" }]);
 * console.log(decodeEtypeInfo2(der)[0].salt); // "EXAMPLE.TESTalice"
 * ```
 */
export function decodeEtypeInfo2(bytes: Uint8Array): EtypeInfo2Entry[] {
  const what = "ETYPE-INFO2";
  const t = scanSequence(bytes, what);
  return t.children(0).map((c) => {
    const f = fields(t, c, what);
    const out: EtypeInfo2Entry = {
      etype: int32(t, need(f, 0, `${what} etype`), `${what} etype`),
    };
    if (f[1] >= 0) {
      out.salt = kerberosString(t, f[1], `${what} salt`);
      out.saltBytes = t.content(f[1]).slice();
    }
    if (f[2] >= 0) out.s2kparams = octets(t, f[2], `${what} s2kparams`);
    return out;
  });
}

/** Decodes a `PA-ENC-TS-ENC` (the decrypted PA-ENC-TIMESTAMP). */
export function decodePaEncTsEnc(bytes: Uint8Array): PaEncTsEnc {
  const what = "PA-ENC-TS-ENC";
  const t = scanSequence(bytes, what);
  const f = fields(t, 0, what);
  const out: PaEncTsEnc = { patimestamp: time(t, f, 0, `${what} patimestamp`) };
  if (f[1] >= 0) out.pausec = microseconds(t, f[1], `${what} pausec`);
  return out;
}

/** Decodes a `KERB-PA-PAC-REQUEST` (MS-KILE 2.2.3): whether a PAC is wanted. */
export function decodePaPacRequest(bytes: Uint8Array): boolean {
  const what = "KERB-PA-PAC-REQUEST";
  const t = scanSequence(bytes, what);
  const f = fields(t, 0, what);
  return boolean(t, need(f, 0, `${what} include-pac`), what);
}

function kdcReq(bytes: Uint8Array, apps: number[]): DecodedKdcReq {
  const { t, seq, app } = scanApplication(bytes, apps, "KDC-REQ");
  const what = app === KRB_AS_REQ ? "AS-REQ" : "TGS-REQ";
  const f = fields(t, seq, what);
  pvno(t, need(f, 1, `${what} pvno`), `${what} pvno`);
  const type = msgType(t, need(f, 2, `${what} msg-type`), app, what);
  const bi = need(f, 4, `${what} req-body`);
  const b = fields(t, bi, `${what} req-body`);
  const w = `${what} req-body`;
  const out: DecodedKdcReq = {
    msgType: type,
    kdcOptions: kerberosFlags(t, need(b, 0, `${w} kdc-options`), w),
    realm: kerberosString(t, need(b, 2, `${w} realm`), `${w} realm`),
    till: time(t, b, 5, `${w} till`),
    nonce: uint32(t, need(b, 7, `${w} nonce`), `${w} nonce`),
    etype: sequenceOf(t, need(b, 8, `${w} etype`), `${w} etype`).map((c) =>
      int32(t, c, `${w} etype`)
    ),
    reqBody: t.raw(bi).slice(),
  };
  if (f[3] >= 0) out.padata = paDataList(t, f[3], `${what} padata`);
  if (b[1] >= 0) out.cname = principalName(t, b[1], `${w} cname`);
  if (b[3] >= 0) out.sname = principalName(t, b[3], `${w} sname`);
  out.from = opt(b, 4, (i) => kerberosTime(t, i, `${w} from`));
  out.rtime = opt(b, 6, (i) => kerberosTime(t, i, `${w} rtime`));
  out.addresses = opt(b, 9, (i) => hostAddresses(t, i, `${w} addresses`));
  out.encAuthorizationData = opt(
    b,
    10,
    (i) => encryptedData(t, i, `${w} enc-authorization-data`),
  );
  out.additionalTickets = opt(
    b,
    11,
    (i) =>
      sequenceOf(t, i, `${w} additional-tickets`).map((c) =>
        ticketAt(t, c, `${w} additional-tickets`)
      ),
  );
  return prune(out);
}

/** Decodes an `AS-REQ` (`[APPLICATION 10]`); for tests and a future KDC proxy. */
export function decodeAsReq(bytes: Uint8Array): DecodedKdcReq {
  return kdcReq(bytes, [KRB_AS_REQ]);
}

/** Decodes a `TGS-REQ` (`[APPLICATION 12]`); `reqBody` holds the body's DER. */
export function decodeTgsReq(bytes: Uint8Array): DecodedKdcReq {
  return kdcReq(bytes, [KRB_TGS_REQ]);
}

/** Decodes an AS-REP or a TGS-REP, whichever the tag says (see `msgType`). */
export function decodeKdcRep(bytes: Uint8Array): KdcRep {
  return kdcRep(bytes, [KRB_AS_REP, KRB_TGS_REP]);
}

/**
 * Decodes an `AS-REP` (`[APPLICATION 11]`).
 *
 * @example
 * ```ts
 * import { decodeAsRep } from "./messages.ts";
 * const rep = decodeAsRep(Deno.readFileSync("tests/kerberos/data/as_rep.der"));
 * console.log(rep.crealm, rep.ticket.sname.nameString); // "EXAMPLE.TEST", ["krbtgt", ...]
 * ```
 */
export function decodeAsRep(bytes: Uint8Array): KdcRep {
  return kdcRep(bytes, [KRB_AS_REP]);
}

/** Decodes a `TGS-REP` (`[APPLICATION 13]`). */
export function decodeTgsRep(bytes: Uint8Array): KdcRep {
  return kdcRep(bytes, [KRB_TGS_REP]);
}

function kdcRep(bytes: Uint8Array, apps: number[]): KdcRep {
  const { t, seq, app } = scanApplication(bytes, apps, "KDC-REP");
  const what = app === KRB_AS_REP ? "AS-REP" : "TGS-REP";
  const f = fields(t, seq, what);
  pvno(t, need(f, 0, `${what} pvno`), `${what} pvno`);
  const out: KdcRep = {
    msgType: msgType(t, need(f, 1, `${what} msg-type`), app, what),
    crealm: kerberosString(t, need(f, 3, `${what} crealm`), `${what} crealm`),
    cname: principalName(t, need(f, 4, `${what} cname`), `${what} cname`),
    ticket: ticketAt(t, need(f, 5, `${what} ticket`), `${what} ticket`),
    encPart: encryptedData(
      t,
      need(f, 6, `${what} enc-part`),
      `${what} enc-part`,
    ),
  };
  if (f[2] >= 0) out.padata = paDataList(t, f[2], `${what} padata`);
  return out;
}

/**
 * Decodes a decrypted `EncASRepPart` (`[APPLICATION 25]`) or `EncTGSRepPart`
 * (`[APPLICATION 26]`): either tag is accepted for both replies, as RFC 4120 section
 * 5.4.2 asks (some KDCs use 25 in TGS replies). `app` says which it was.
 */
export function decodeEncKdcRepPart(bytes: Uint8Array): EncKdcRepPart {
  const { t, seq, app } = scanApplication(
    bytes,
    [APP_ENC_AS_REP_PART, APP_ENC_TGS_REP_PART],
    "EncKDCRepPart",
  );
  const what = "EncKDCRepPart";
  const f = fields(t, seq, what);
  const lastReq: LastReqEntry[] = sequenceOf(
    t,
    need(f, 1, `${what} last-req`),
    `${what} last-req`,
  ).map((c) => {
    const e = fields(t, c, `${what} last-req`);
    return {
      lrType: int32(t, need(e, 0, `${what} lr-type`), `${what} lr-type`),
      lrValue: time(t, e, 1, `${what} lr-value`),
    };
  });
  const out: EncKdcRepPart = {
    app,
    key: encryptionKey(t, need(f, 0, `${what} key`), `${what} key`),
    lastReq,
    nonce: uint32(t, need(f, 2, `${what} nonce`), `${what} nonce`),
    keyExpiration: opt(
      f,
      3,
      (i) => kerberosTime(t, i, `${what} key-expiration`),
    ),
    flags: kerberosFlags(t, need(f, 4, `${what} flags`), `${what} flags`),
    authtime: time(t, f, 5, `${what} authtime`),
    starttime: opt(f, 6, (i) => kerberosTime(t, i, `${what} starttime`)),
    endtime: time(t, f, 7, `${what} endtime`),
    renewTill: opt(f, 8, (i) => kerberosTime(t, i, `${what} renew-till`)),
    srealm: kerberosString(t, need(f, 9, `${what} srealm`), `${what} srealm`),
    sname: principalName(t, need(f, 10, `${what} sname`), `${what} sname`),
    caddr: opt(f, 11, (i) => hostAddresses(t, i, `${what} caddr`)),
    encryptedPaData: opt(
      f,
      12,
      (i) => paDataList(t, i, `${what} encrypted-pa-data`),
    ),
  };
  return prune(out);
}

/**
 * Decodes a `KRB-ERROR` (`[APPLICATION 30]`).
 *
 * @example
 * ```ts
 * import { decodeKrbError } from "./messages.ts";
 * const e = decodeKrbError(Deno.readFileSync("tests/kerberos/data/krb_error_preauth.der"));
 * console.log(e.errorCode); // 25 (KDC_ERR_PREAUTH_REQUIRED)
 * ```
 */
export function decodeKrbError(bytes: Uint8Array): KrbError {
  const what = "KRB-ERROR";
  const { t, seq } = scanApplication(bytes, KRB_ERROR, what);
  const f = fields(t, seq, what);
  const out: KrbError = {
    pvno: pvno(t, need(f, 0, `${what} pvno`), `${what} pvno`),
    msgType: msgType(t, need(f, 1, `${what} msg-type`), KRB_ERROR, what),
    ctime: opt(f, 2, (i) => kerberosTime(t, i, `${what} ctime`)),
    cusec: opt(f, 3, (i) => microseconds(t, i, `${what} cusec`)),
    stime: time(t, f, 4, `${what} stime`),
    susec: microseconds(t, need(f, 5, `${what} susec`), `${what} susec`),
    errorCode: int32(t, need(f, 6, `${what} error-code`), `${what} error-code`),
    crealm: opt(f, 7, (i) => kerberosString(t, i, `${what} crealm`)),
    cname: opt(f, 8, (i) => principalName(t, i, `${what} cname`)),
    realm: kerberosString(t, need(f, 9, `${what} realm`), `${what} realm`),
    sname: principalName(t, need(f, 10, `${what} sname`), `${what} sname`),
    eText: opt(f, 11, (i) => kerberosString(t, i, `${what} e-text`)),
    eData: opt(f, 12, (i) => octets(t, i, `${what} e-data`)),
  };
  return prune(out);
}

/** Decodes an `AP-REQ` (`[APPLICATION 14]`), keeping the ticket's DER in `raw`. */
export function decodeApReq(bytes: Uint8Array): ApReq {
  const what = "AP-REQ";
  const { t, seq } = scanApplication(bytes, KRB_AP_REQ, what);
  const f = fields(t, seq, what);
  pvno(t, need(f, 0, `${what} pvno`), `${what} pvno`);
  msgType(t, need(f, 1, `${what} msg-type`), KRB_AP_REQ, what);
  return {
    apOptions: kerberosFlags(t, need(f, 2, `${what} ap-options`), what),
    ticket: ticketAt(t, need(f, 3, `${what} ticket`), `${what} ticket`),
    authenticator: encryptedData(
      t,
      need(f, 4, `${what} authenticator`),
      `${what} authenticator`,
    ),
  };
}

/** Decodes a decrypted `Authenticator` (`[APPLICATION 2]`). */
export function decodeAuthenticator(bytes: Uint8Array): Authenticator {
  const what = "Authenticator";
  const { t, seq } = scanApplication(bytes, APP_AUTHENTICATOR, what);
  const f = fields(t, seq, what);
  pvno(t, need(f, 0, `${what} authenticator-vno`), `${what} authenticator-vno`);
  const out: Authenticator = {
    crealm: kerberosString(t, need(f, 1, `${what} crealm`), `${what} crealm`),
    cname: principalName(t, need(f, 2, `${what} cname`), `${what} cname`),
    cksum: opt(f, 3, (i) => checksum(t, i, `${what} cksum`)),
    cusec: microseconds(t, need(f, 4, `${what} cusec`), `${what} cusec`),
    ctime: time(t, f, 5, `${what} ctime`),
    subkey: opt(f, 6, (i) => encryptionKey(t, i, `${what} subkey`)),
    seqNumber: opt(f, 7, (i) => uint32(t, i, `${what} seq-number`)),
    authorizationData: opt(
      f,
      8,
      (i) => authorizationData(t, i, `${what} authorization-data`),
    ),
  };
  return prune(out);
}

/** Decodes an `AP-REP` (`[APPLICATION 15]`). */
export function decodeApRep(bytes: Uint8Array): ApRep {
  const what = "AP-REP";
  const { t, seq } = scanApplication(bytes, KRB_AP_REP, what);
  const f = fields(t, seq, what);
  pvno(t, need(f, 0, `${what} pvno`), `${what} pvno`);
  msgType(t, need(f, 1, `${what} msg-type`), KRB_AP_REP, what);
  return {
    encPart: encryptedData(
      t,
      need(f, 2, `${what} enc-part`),
      `${what} enc-part`,
    ),
  };
}

/** Decodes a decrypted `EncAPRepPart` (`[APPLICATION 27]`). */
export function decodeEncApRepPart(bytes: Uint8Array): EncApRepPart {
  const what = "EncAPRepPart";
  const { t, seq } = scanApplication(bytes, APP_ENC_AP_REP_PART, what);
  const f = fields(t, seq, what);
  const out: EncApRepPart = {
    ctime: time(t, f, 0, `${what} ctime`),
    cusec: microseconds(t, need(f, 1, `${what} cusec`), `${what} cusec`),
    subkey: opt(f, 2, (i) => encryptionKey(t, i, `${what} subkey`)),
    seqNumber: opt(f, 3, (i) => uint32(t, i, `${what} seq-number`)),
  };
  return prune(out);
}

/** Decodes a decrypted `EncTicketPart` (`[APPLICATION 3]`), for an acceptor. */
export function decodeEncTicketPart(bytes: Uint8Array): EncTicketPart {
  const what = "EncTicketPart";
  const { t, seq } = scanApplication(bytes, APP_ENC_TICKET_PART, what);
  const f = fields(t, seq, what);
  const tr = fields(t, need(f, 4, `${what} transited`), `${what} transited`);
  const out: EncTicketPart = {
    flags: kerberosFlags(t, need(f, 0, `${what} flags`), `${what} flags`),
    key: encryptionKey(t, need(f, 1, `${what} key`), `${what} key`),
    crealm: kerberosString(t, need(f, 2, `${what} crealm`), `${what} crealm`),
    cname: principalName(t, need(f, 3, `${what} cname`), `${what} cname`),
    transited: {
      trType: int32(t, need(tr, 0, `${what} tr-type`), `${what} tr-type`),
      contents: octets(t, need(tr, 1, `${what} contents`), `${what} contents`),
    },
    authtime: time(t, f, 5, `${what} authtime`),
    starttime: opt(f, 6, (i) => kerberosTime(t, i, `${what} starttime`)),
    endtime: time(t, f, 7, `${what} endtime`),
    renewTill: opt(f, 8, (i) => kerberosTime(t, i, `${what} renew-till`)),
    caddr: opt(f, 9, (i) => hostAddresses(t, i, `${what} caddr`)),
    authorizationData: opt(
      f,
      10,
      (i) => authorizationData(t, i, `${what} authorization-data`),
    ),
  };
  return prune(out);
}
