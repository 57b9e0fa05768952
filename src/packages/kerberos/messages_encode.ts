/**
 * Kerberos V5 message encoders (RFC 4120 section 5, MS-KILE): DER for the requests a
 * client sends (AS-REQ, TGS-REQ, AP-REQ with its Authenticator, the PA-ENC-TIMESTAMP
 * plaintext, PA-PAC-REQUEST) and, for an acceptor or a test KDC, the replies (AP-REP,
 * EncAPRepPart, KRB-ERROR, ETYPE-INFO2, METHOD-DATA). Tickets that came from a
 * decoder are sent from their `raw` bytes, byte-exact. Values a caller should never
 * pass (a non-integer nonce, an invalid Date) throw `RangeError`/`TypeError`.
 *
 * @module
 */
import {
  type Der,
  der,
  derBytes,
  derBytesPooled,
  TAG_GENERAL_STRING,
} from "../../der/mod.ts";
import {
  application,
  encodeBoolean,
  encodeKerberosFlags,
  encodeKerberosString,
  encodeKerberosTime,
  encodeMicroseconds,
  encodeOctets,
  encodeUInt32,
  fieldsSequence,
  int32Der,
  sequenceOfDer,
} from "./asn1.ts";
import {
  APP_AUTHENTICATOR,
  APP_ENC_AP_REP_PART,
  APP_TICKET,
  KRB5_PVNO,
  KRB_AP_REP,
  KRB_AP_REQ,
  KRB_AS_REQ,
  KRB_ERROR,
  KRB_TGS_REQ,
} from "./constants.ts";
import type {
  ApRep,
  ApReq,
  Authenticator,
  AuthorizationDataEntry,
  Checksum,
  EncApRepPart,
  EncryptedData,
  EncryptionKey,
  EtypeInfo2Entry,
  HostAddress,
  KdcReq,
  KdcReqBody,
  KrbError,
  PAData,
  PaEncTsEnc,
  PreEncodedKdcReq,
  PrincipalName,
  Ticket,
} from "./messages_types.ts";

const time = (d: Date | undefined) =>
  d === undefined ? undefined : encodeKerberosTime(d);

function principalNameDer(p: PrincipalName): Der {
  if (!p || !Array.isArray(p.nameString)) {
    throw new TypeError("PrincipalName: nameString must be an array");
  }
  return fieldsSequence([
    int32Der(p.nameType),
    sequenceOfDer(p.nameString.map(encodeKerberosString)),
  ]);
}

function encryptedDataDer(e: EncryptedData): Der {
  return fieldsSequence([
    int32Der(e.etype),
    e.kvno === undefined ? undefined : encodeUInt32(e.kvno),
    encodeOctets(e.cipher),
  ]);
}

function encryptionKeyDer(k: EncryptionKey): Der {
  return fieldsSequence([int32Der(k.keytype), encodeOctets(k.keyvalue)]);
}

function checksumDer(c: Checksum): Der {
  return fieldsSequence([int32Der(c.cksumtype), encodeOctets(c.checksum)]);
}

function paDataDer(list: readonly PAData[]): Der {
  return sequenceOfDer(list.map((p) =>
    fieldsSequence([
      undefined,
      int32Der(p.padataType),
      encodeOctets(p.padataValue),
    ])
  ));
}

/** A `HostAddress` SEQUENCE (also the KRB-PRIV's `s-address`). */
export function hostAddressDer(a: HostAddress): Der {
  return fieldsSequence([int32Der(a.addrType), encodeOctets(a.address)]);
}

function hostAddressesDer(list: readonly HostAddress[]): Der {
  return sequenceOfDer(list.map(hostAddressDer));
}

function authorizationDataDer(list: readonly AuthorizationDataEntry[]): Der {
  return sequenceOfDer(
    list.map((a) =>
      fieldsSequence([int32Der(a.adType), encodeOctets(a.adData)])
    ),
  );
}

function ticketDer(t: Ticket): Der {
  if (t.raw !== undefined) return t.raw;
  return application(
    APP_TICKET,
    fieldsSequence([
      int32Der(KRB5_PVNO),
      encodeKerberosString(t.realm),
      principalNameDer(t.sname),
      encryptedDataDer(t.encPart),
    ]),
  );
}

/**
 * Encodes a `PrincipalName` SEQUENCE.
 *
 * @example
 * ```ts
 * import { encodePrincipalName } from "./messages_encode.ts";
 * encodePrincipalName({ nameType: 1, nameString: ["alice"] });
 * ```
 */
export function encodePrincipalName(p: PrincipalName): Uint8Array {
  return derBytes(principalNameDer(p));
}

/**
 * Encodes an `EncryptedData` SEQUENCE: what wraps an encrypted PA-ENC-TS-ENC as the
 * padata-value of PA-ENC-TIMESTAMP, or an encrypted Authenticator.
 */
export function encodeEncryptedData(e: EncryptedData): Uint8Array {
  return derBytes(encryptedDataDer(e));
}

/** Encodes an `EncryptionKey` SEQUENCE. */
export function encodeEncryptionKey(k: EncryptionKey): Uint8Array {
  return derBytes(encryptionKeyDer(k));
}

/** Encodes a `Checksum` SEQUENCE. */
export function encodeChecksum(c: Checksum): Uint8Array {
  return derBytes(checksumDer(c));
}

/**
 * Encodes a `Ticket` (`[APPLICATION 1]`): its `raw` bytes when it has them (a ticket
 * from a KDC is re-sent byte-exact), else from its fields.
 */
export function encodeTicket(t: Ticket): Uint8Array {
  return derBytes(ticketDer(t));
}

/**
 * Encodes a `KDC-REQ-BODY`. A TGS-REQ encodes its body first, checksums these bytes in
 * the PA-TGS-REQ authenticator, then passes them to `encodeTgsReq` as `reqBody`.
 *
 * @example
 * ```ts
 * import { encodeKdcReqBody } from "./messages_encode.ts";
 * const body = encodeKdcReqBody({
 *   kdcOptions: 0x40810010, realm: "EXAMPLE.TEST",
 *   sname: { nameType: 2, nameString: ["HTTP", "www.example.test"] },
 *   till: new Date(Date.now() + 36e6), nonce: 12345, etype: [18, 17],
 * });
 * ```
 */
export function encodeKdcReqBody(b: KdcReqBody): Uint8Array {
  return derBytes(kdcReqBodyDer(b));
}

function kdcReqBodyDer(b: KdcReqBody): Der {
  if (!Array.isArray(b.etype)) throw new TypeError("KDC-REQ-BODY: no etype");
  return fieldsSequence([
    encodeKerberosFlags(b.kdcOptions),
    b.cname && principalNameDer(b.cname),
    encodeKerberosString(b.realm),
    b.sname && principalNameDer(b.sname),
    time(b.from),
    encodeKerberosTime(b.till),
    time(b.rtime),
    encodeUInt32(b.nonce),
    sequenceOfDer(b.etype.map(int32Der)),
    b.addresses && hostAddressesDer(b.addresses),
    b.encAuthorizationData && encryptedDataDer(b.encAuthorizationData),
    b.additionalTickets && sequenceOfDer(b.additionalTickets.map(ticketDer)),
  ]);
}

function kdcReqDer(
  type: number,
  req: KdcReq | PreEncodedKdcReq | { padata?: PAData[] },
  reqBody?: Uint8Array,
): Uint8Array {
  let body: Der;
  if (reqBody instanceof Uint8Array) body = reqBody;
  else if ("reqBody" in req && req.reqBody instanceof Uint8Array) {
    body = req.reqBody;
  } else if ("till" in req) body = kdcReqBodyDer(req);
  else throw new TypeError("KDC-REQ: no req-body");
  return derBytes(application(
    type,
    fieldsSequence([
      undefined,
      int32Der(KRB5_PVNO),
      int32Der(type),
      req.padata && paDataDer(req.padata),
      body,
    ]),
  ));
}

/**
 * Encodes an `AS-REQ` (`[APPLICATION 10]`) from the body fields and padata, or from a
 * pre-encoded `reqBody` (in the object or as the second argument).
 */
export function encodeAsReq(req: KdcReq | PreEncodedKdcReq): Uint8Array;
/** Encodes an `AS-REQ` from padata and the DER of a body (`encodeKdcReqBody`). */
export function encodeAsReq(
  req: { padata?: PAData[] },
  reqBody: Uint8Array,
): Uint8Array;
export function encodeAsReq(
  req: KdcReq | PreEncodedKdcReq | { padata?: PAData[] },
  reqBody?: Uint8Array,
): Uint8Array {
  return kdcReqDer(KRB_AS_REQ, req, reqBody);
}

/**
 * Encodes a `TGS-REQ` (`[APPLICATION 12]`). Pass the body from `encodeKdcReqBody` that
 * the PA-TGS-REQ authenticator's checksum covers, as `reqBody` or as the second
 * argument; body fields are accepted too, for callers that need no checksum.
 *
 * @example
 * ```ts
 * import { encodeKdcReqBody, encodeTgsReq } from "./messages_encode.ts";
 * const body = encodeKdcReqBody({
 *   kdcOptions: 0, realm: "EXAMPLE.TEST", till: new Date(), nonce: 1, etype: [18],
 * });
 * // ... checksum `body` in the authenticator of the PA-TGS-REQ AP-REQ ...
 * encodeTgsReq({ padata: [], reqBody: body });
 * ```
 */
export function encodeTgsReq(req: KdcReq | PreEncodedKdcReq): Uint8Array;
/** Encodes a `TGS-REQ` from padata and the DER of a body (`encodeKdcReqBody`). */
export function encodeTgsReq(
  req: { padata?: PAData[] },
  reqBody: Uint8Array,
): Uint8Array;
export function encodeTgsReq(
  req: KdcReq | PreEncodedKdcReq | { padata?: PAData[] },
  reqBody?: Uint8Array,
): Uint8Array {
  return kdcReqDer(KRB_TGS_REQ, req, reqBody);
}

/** Encodes a `METHOD-DATA` (SEQUENCE OF PA-DATA). */
export function encodeMethodData(list: readonly PAData[]): Uint8Array {
  return derBytes(paDataDer(list));
}

/** Encodes `ETYPE-INFO2` (`saltBytes`, when given, wins over `salt`). */
export function encodeEtypeInfo2(list: readonly EtypeInfo2Entry[]): Uint8Array {
  return derBytes(sequenceOfDer(list.map((e) =>
    fieldsSequence([
      int32Der(e.etype),
      e.saltBytes !== undefined
        ? der(TAG_GENERAL_STRING, e.saltBytes)
        : e.salt === undefined
        ? undefined
        : encodeKerberosString(e.salt),
      e.s2kparams && encodeOctets(e.s2kparams),
    ])
  )));
}

/**
 * Encodes a `PA-ENC-TS-ENC`: the plaintext that, encrypted with the client key (key
 * usage 1) and wrapped by `encodeEncryptedData`, is the PA-ENC-TIMESTAMP value.
 *
 * @example
 * ```ts
 * import { encodePaEncTsEnc } from "./messages_encode.ts";
 * const now = new Date();
 * encodePaEncTsEnc({ patimestamp: now, pausec: (now.getTime() % 1000) * 1000 });
 * ```
 */
export function encodePaEncTsEnc(ts: PaEncTsEnc): Uint8Array {
  return derBytes(fieldsSequence([
    encodeKerberosTime(ts.patimestamp),
    ts.pausec === undefined ? undefined : encodeMicroseconds(ts.pausec),
  ]));
}

/**
 * Encodes a `KERB-PA-PAC-REQUEST` (MS-KILE 2.2.3), the value of PA-PAC-REQUEST (128):
 * asks the KDC to include (or leave out) the PAC.
 */
export function encodePaPacRequest(include: boolean): Uint8Array {
  return derBytes(fieldsSequence([encodeBoolean(include)]));
}

/**
 * Encodes a `PA-PAC-OPTIONS` (MS-KILE 2.2.10, MS-SFU 2.2.5), the value of
 * PA-PAC-OPTIONS (167): a SEQUENCE whose one field, `[0]`, is the `KerberosFlags` of
 * the options asked (the `PAC_OPTION_*` constants).
 *
 * @example
 * ```ts
 * import { encodePaPacOptions } from "./messages_encode.ts";
 * encodePaPacOptions(0x10000000); // 30 09 a0 07 03 05 00 10 00 00 00 (RBCD)
 * ```
 */
export function encodePaPacOptions(flags: number): Uint8Array {
  return derBytes(fieldsSequence([encodeKerberosFlags(flags)]));
}

/**
 * Encodes a `PA-FOR-USER` (MS-SFU 2.2.1), the value of PA-FOR-USER (129) in an
 * S4U2Self request: the user the service asks a ticket for, with the checksum that
 * binds it to the TGT's session key, and the authentication package ("Kerberos").
 */
export function encodePaForUser(p: {
  userName: PrincipalName;
  userRealm: string;
  cksum: Checksum;
  authPackage: string;
}): Uint8Array {
  return derBytes(fieldsSequence([
    principalNameDer(p.userName),
    encodeKerberosString(p.userRealm),
    checksumDer(p.cksum),
    encodeKerberosString(p.authPackage),
  ]));
}

/**
 * Encodes an `AP-REQ` (`[APPLICATION 14]`); the ticket goes byte-exact from `raw` when
 * it was decoded.
 */
export function encodeApReq(req: ApReq): Uint8Array {
  return derBytes(apReqDer(req));
}

/** An `AP-REQ` still to be serialized (framed by `frameInitialToken` in one pass). */
export function apReqDer(req: ApReq): Der {
  return application(
    KRB_AP_REQ,
    fieldsSequence([
      int32Der(KRB5_PVNO),
      int32Der(KRB_AP_REQ),
      encodeKerberosFlags(req.apOptions),
      ticketDer(req.ticket),
      encryptedDataDer(req.authenticator),
    ]),
  );
}

/** Encodes an `Authenticator` (`[APPLICATION 2]`), the plaintext of an AP-REQ's. */
export function encodeAuthenticator(a: Authenticator): Uint8Array {
  return derBytesPooled(application(
    APP_AUTHENTICATOR,
    fieldsSequence([
      int32Der(KRB5_PVNO),
      encodeKerberosString(a.crealm),
      principalNameDer(a.cname),
      a.cksum && checksumDer(a.cksum),
      encodeMicroseconds(a.cusec),
      encodeKerberosTime(a.ctime),
      a.subkey && encryptionKeyDer(a.subkey),
      a.seqNumber === undefined ? undefined : encodeUInt32(a.seqNumber),
      a.authorizationData && authorizationDataDer(a.authorizationData),
    ]),
  ));
}

/** Encodes an `AP-REP` (`[APPLICATION 15]`). */
export function encodeApRep(rep: ApRep): Uint8Array {
  return derBytes(apRepDer(rep));
}

/** An `AP-REP` still to be serialized (framed by `frameInitialToken` in one pass). */
export function apRepDer(rep: ApRep): Der {
  return application(
    KRB_AP_REP,
    fieldsSequence([
      int32Der(KRB5_PVNO),
      int32Der(KRB_AP_REP),
      encryptedDataDer(rep.encPart),
    ]),
  );
}

/** Encodes an `EncAPRepPart` (`[APPLICATION 27]`), the plaintext of an AP-REP's. */
export function encodeEncApRepPart(p: EncApRepPart): Uint8Array {
  return derBytesPooled(application(
    APP_ENC_AP_REP_PART,
    fieldsSequence([
      encodeKerberosTime(p.ctime),
      encodeMicroseconds(p.cusec),
      p.subkey && encryptionKeyDer(p.subkey),
      p.seqNumber === undefined ? undefined : encodeUInt32(p.seqNumber),
    ]),
  ));
}

/** Encodes a `KRB-ERROR` (`[APPLICATION 30]`); `pvno` and `msgType` are always 5/30. */
export function encodeKrbError(
  e: Omit<KrbError, "pvno" | "msgType">,
): Uint8Array {
  return derBytes(application(
    KRB_ERROR,
    fieldsSequence([
      int32Der(KRB5_PVNO),
      int32Der(KRB_ERROR),
      time(e.ctime),
      e.cusec === undefined ? undefined : encodeMicroseconds(e.cusec),
      encodeKerberosTime(e.stime),
      encodeMicroseconds(e.susec),
      int32Der(e.errorCode),
      e.crealm === undefined ? undefined : encodeKerberosString(e.crealm),
      e.cname && principalNameDer(e.cname),
      encodeKerberosString(e.realm),
      principalNameDer(e.sname),
      e.eText === undefined ? undefined : encodeKerberosString(e.eText),
      e.eData && encodeOctets(e.eData),
    ]),
  ));
}
