/**
 * The Kerberos V5 message types (RFC 4120 section 5, RFC 6806, MS-KILE) as plain
 * objects: octet strings are `Uint8Array`, `Int32`/`UInt32`/`Microseconds` are
 * numbers, `KerberosString` is a string, `KerberosTime` is a `Date` (whole seconds,
 * UTC), and `KerberosFlags` are unsigned 32-bit numbers with bit 0 = `0x80000000`
 * (see `constants.ts`). Absent OPTIONAL fields are `undefined`.
 *
 * @module
 */

/** `PrincipalName`: a name type and its components. */
export interface PrincipalName {
  /** `name-type` (`NT_PRINCIPAL`, `NT_SRV_INST`...). */
  nameType: number;
  /** `name-string`: the components (`["HTTP", "host.example.com"]`). */
  nameString: string[];
}

/** `EncryptedData`: ciphertext with its encryption type and key version. */
export interface EncryptedData {
  /** `etype`. */
  etype: number;
  /** `kvno`, the version of the key it was encrypted with. */
  kvno?: number;
  /** `cipher`. */
  cipher: Uint8Array;
}

/** `EncryptionKey`. */
export interface EncryptionKey {
  /** `keytype` (an etype number). */
  keytype: number;
  /** `keyvalue`. */
  keyvalue: Uint8Array;
}

/** `Checksum`. */
export interface Checksum {
  /** `cksumtype`. */
  cksumtype: number;
  /** `checksum`. */
  checksum: Uint8Array;
}

/** `PA-DATA`: one pre-authentication element. */
export interface PAData {
  /** `padata-type` (`PA_ENC_TIMESTAMP`...). */
  padataType: number;
  /** `padata-value`: its DER, opaque here. */
  padataValue: Uint8Array;
}

/** `HostAddress`. */
export interface HostAddress {
  /** `addr-type` (`ADDRTYPE_INET`...). */
  addrType: number;
  /** `address`. */
  address: Uint8Array;
}

/** One `AuthorizationData` element (its content kept opaque). */
export interface AuthorizationDataEntry {
  /** `ad-type`. */
  adType: number;
  /** `ad-data`. */
  adData: Uint8Array;
}

/** `Ticket` (`[APPLICATION 1]`). */
export interface Ticket {
  /** `tkt-vno`: always 5. */
  tktVno: 5;
  /** `realm` of the service. */
  realm: string;
  /** `sname`. */
  sname: PrincipalName;
  /** `enc-part`: the `EncTicketPart`, under the service key. */
  encPart: EncryptedData;
  /**
   * The ticket's DER exactly as received (decoded tickets only). Encoders send these
   * bytes instead of re-encoding the fields, so a ticket travels byte-exact.
   */
  raw?: Uint8Array;
}

/** `KDC-REQ-BODY`. */
export interface KdcReqBody {
  /** `kdc-options` (`KDC_OPT_*` bits). */
  kdcOptions: number;
  /** `cname` (AS-REQ only). */
  cname?: PrincipalName;
  /** `realm`: the server's realm (and the client's, in an AS-REQ). */
  realm: string;
  /** `sname`. */
  sname?: PrincipalName;
  /** `from`: requested start time. */
  from?: Date;
  /** `till`: requested end time. */
  till: Date;
  /** `rtime`: requested renew-till time. */
  rtime?: Date;
  /** `nonce` (UInt32). */
  nonce: number;
  /** `etype`: encryption types in preference order. */
  etype: number[];
  /** `addresses`. */
  addresses?: HostAddress[];
  /** `enc-authorization-data`. */
  encAuthorizationData?: EncryptedData;
  /** `additional-tickets`. */
  additionalTickets?: Ticket[];
}

/** A `KDC-REQ` (AS-REQ or TGS-REQ) to encode: the body fields and the padata. */
export interface KdcReq extends KdcReqBody {
  /** `padata`. */
  padata?: PAData[];
}

/**
 * A `KDC-REQ` whose `req-body` was encoded beforehand (`encodeKdcReqBody`), as a
 * TGS-REQ needs: its PA-TGS-REQ authenticator checksums those exact bytes.
 */
export interface PreEncodedKdcReq {
  /** `padata`. */
  padata?: PAData[];
  /** The DER of the `KDC-REQ-BODY`, sent as is. */
  reqBody: Uint8Array;
}

/** A decoded `KDC-REQ`. */
export interface DecodedKdcReq extends KdcReq {
  /** `msg-type`: `KRB_AS_REQ` or `KRB_TGS_REQ`. */
  msgType: number;
  /** The DER of the `req-body` as received. */
  reqBody: Uint8Array;
}

/** A `KDC-REP` (AS-REP or TGS-REP). */
export interface KdcRep {
  /** `msg-type`: `KRB_AS_REP` or `KRB_TGS_REP`. */
  msgType: number;
  /** `padata`. */
  padata?: PAData[];
  /** `crealm`. */
  crealm: string;
  /** `cname`. */
  cname: PrincipalName;
  /** `ticket`. */
  ticket: Ticket;
  /** `enc-part`: the `EncKDCRepPart`. */
  encPart: EncryptedData;
}

/** One `LastReq` element. */
export interface LastReqEntry {
  /** `lr-type`. */
  lrType: number;
  /** `lr-value`. */
  lrValue: Date;
}

/** `EncKDCRepPart` (`EncASRepPart` / `EncTGSRepPart`). */
export interface EncKdcRepPart {
  /** The APPLICATION tag it came in: 25 (AS) or 26 (TGS). */
  app?: number;
  /** `key`: the session key. */
  key: EncryptionKey;
  /** `last-req`. */
  lastReq: LastReqEntry[];
  /** `nonce`: must match the request's. */
  nonce: number;
  /** `key-expiration`. */
  keyExpiration?: Date;
  /** `flags` (`TKT_FLG_*` bits). */
  flags: number;
  /** `authtime`. */
  authtime: Date;
  /** `starttime`. */
  starttime?: Date;
  /** `endtime`. */
  endtime: Date;
  /** `renew-till`. */
  renewTill?: Date;
  /** `srealm`. */
  srealm: string;
  /** `sname`. */
  sname: PrincipalName;
  /** `caddr`. */
  caddr?: HostAddress[];
  /** `encrypted-pa-data` (RFC 6806 `[12]`). */
  encryptedPaData?: PAData[];
}

/** `KRB-ERROR` (`[APPLICATION 30]`). */
export interface KrbError {
  /** `pvno`: 5. */
  pvno: 5;
  /** `msg-type`: 30. */
  msgType: number;
  /** `ctime`: the client's time, echoed. */
  ctime?: Date;
  /** `cusec`. */
  cusec?: number;
  /** `stime`: the server's time. */
  stime: Date;
  /** `susec`. */
  susec: number;
  /** `error-code` (`KDC_ERR_*`, `KRB_AP_ERR_*`). */
  errorCode: number;
  /** `crealm`. */
  crealm?: string;
  /** `cname`. */
  cname?: PrincipalName;
  /** `realm` of the server. */
  realm: string;
  /** `sname`. */
  sname: PrincipalName;
  /** `e-text`. */
  eText?: string;
  /** `e-data` (often a `METHOD-DATA`: `decodeMethodData`). */
  eData?: Uint8Array;
}

/** One `ETYPE-INFO2-ENTRY`. */
export interface EtypeInfo2Entry {
  /** `etype`. */
  etype: number;
  /** `salt` as text (UTF-8, or Latin-1 when not valid UTF-8). */
  salt?: string;
  /** The salt's octets exactly as received (for string-to-key). */
  saltBytes?: Uint8Array;
  /** `s2kparams`. */
  s2kparams?: Uint8Array;
}

/** `PA-ENC-TS-ENC`: the plaintext of PA-ENC-TIMESTAMP. */
export interface PaEncTsEnc {
  /** `patimestamp`. */
  patimestamp: Date;
  /** `pausec`. */
  pausec?: number;
}

/** `AP-REQ` (`[APPLICATION 14]`). */
export interface ApReq {
  /** `ap-options` (`AP_OPT_*` bits). */
  apOptions: number;
  /** `ticket` (sent byte-exact from `raw` when present). */
  ticket: Ticket;
  /** `authenticator`: the encrypted `Authenticator`. */
  authenticator: EncryptedData;
}

/** `Authenticator` (`[APPLICATION 2]`). */
export interface Authenticator {
  /** `crealm`. */
  crealm: string;
  /** `cname`. */
  cname: PrincipalName;
  /** `cksum`. */
  cksum?: Checksum;
  /** `cusec`. */
  cusec: number;
  /** `ctime`. */
  ctime: Date;
  /** `subkey`. */
  subkey?: EncryptionKey;
  /** `seq-number` (UInt32). */
  seqNumber?: number;
  /** `authorization-data` (entries kept opaque). */
  authorizationData?: AuthorizationDataEntry[];
}

/** `AP-REP` (`[APPLICATION 15]`). */
export interface ApRep {
  /** `enc-part`: the encrypted `EncAPRepPart`. */
  encPart: EncryptedData;
}

/** `EncAPRepPart` (`[APPLICATION 27]`). */
export interface EncApRepPart {
  /** `ctime`: the authenticator's, echoed. */
  ctime: Date;
  /** `cusec`. */
  cusec: number;
  /** `subkey`. */
  subkey?: EncryptionKey;
  /** `seq-number` (UInt32). */
  seqNumber?: number;
}

/** `TransitedEncoding`. */
export interface TransitedEncoding {
  /** `tr-type`. */
  trType: number;
  /** `contents`. */
  contents: Uint8Array;
}

/** `EncTicketPart` (`[APPLICATION 3]`). */
export interface EncTicketPart {
  /** `flags` (`TKT_FLG_*` bits). */
  flags: number;
  /** `key`: the session key. */
  key: EncryptionKey;
  /** `crealm`. */
  crealm: string;
  /** `cname`. */
  cname: PrincipalName;
  /** `transited`. */
  transited: TransitedEncoding;
  /** `authtime`. */
  authtime: Date;
  /** `starttime`. */
  starttime?: Date;
  /** `endtime`. */
  endtime: Date;
  /** `renew-till`. */
  renewTill?: Date;
  /** `caddr`. */
  caddr?: HostAddress[];
  /** `authorization-data` (entries kept opaque; the PAC is inside AD-IF-RELEVANT). */
  authorizationData?: AuthorizationDataEntry[];
}
