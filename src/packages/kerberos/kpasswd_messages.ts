/**
 * The wire formats of the Kerberos change-password protocol (RFC 3244, MS-KILE
 * 3.1.5.11): `KRB-PRIV` and its `EncKrbPrivPart` (RFC 4120 5.7), and the kpasswd
 * request and reply frames around an AP-REQ/AP-REP and a KRB-PRIV (or KRB-ERROR).
 * Decoders throw `DerError` (or `KpasswdFormatError` for the frame) on malformed
 * input; the caller maps both to `SEC_E_INVALID_TOKEN`.
 *
 * @module
 */
import { derBytes } from "../../der/mod.ts";
import {
  application,
  encodeInt32,
  encodeKerberosTime,
  encodeMicroseconds,
  encodeOctets,
  encodeUInt32,
  fields,
  fieldsSequence,
  kerberosTime,
  microseconds,
  need,
  octets,
  pvno,
  scanApplication,
  uint32,
} from "./asn1.ts";
import { APP_ENC_KRB_PRIV_PART, KRB5_PVNO, KRB_PRIV } from "./constants.ts";
import { encodeEncryptedData, hostAddressDer } from "./messages_encode.ts";
import { encryptedData, msgType, opt, prune } from "./messages_read.ts";
import type { EncryptedData, HostAddress } from "./messages_types.ts";

/** The change-password protocol version (RFC 3244's original, "version 1"). */
export const KPASSWD_VERSION_CHANGE = 1;
/** The set-password version (RFC 3244, 0xff80); replies say 1. */
export const KPASSWD_VERSION_SET = 0xff80;

/** `KRB-PRIV` (`[APPLICATION 21]`). */
export interface KrbPriv {
  /** `enc-part`: the encrypted `EncKrbPrivPart` (key usage 13). */
  encPart: EncryptedData;
}

/** `EncKrbPrivPart` (`[APPLICATION 28]`). */
export interface EncKrbPrivPart {
  /** `user-data`. */
  userData: Uint8Array;
  /** `timestamp`. */
  timestamp?: Date;
  /** `usec`. */
  usec?: number;
  /** `seq-number`. */
  seqNumber?: number;
  /** `s-address`: the sender's address. */
  sAddress?: HostAddress;
}

/** A kpasswd frame that does not parse. */
export class KpasswdFormatError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "KpasswdFormatError";
  }
}

/** Encodes a `KRB-PRIV`. */
export function encodeKrbPriv(p: KrbPriv): Uint8Array {
  return derBytes(application(
    KRB_PRIV,
    fieldsSequence([
      encodeInt32(KRB5_PVNO),
      encodeInt32(KRB_PRIV),
      undefined,
      encodeEncryptedData(p.encPart),
    ]),
  ));
}

/** Encodes an `EncKrbPrivPart`, the plaintext of a KRB-PRIV's `enc-part`. */
export function encodeEncKrbPrivPart(p: EncKrbPrivPart): Uint8Array {
  return derBytes(application(
    APP_ENC_KRB_PRIV_PART,
    fieldsSequence([
      encodeOctets(p.userData),
      p.timestamp && encodeKerberosTime(p.timestamp),
      p.usec === undefined ? undefined : encodeMicroseconds(p.usec),
      p.seqNumber === undefined ? undefined : encodeUInt32(p.seqNumber),
      p.sAddress && hostAddressDer(p.sAddress),
    ]),
  ));
}

/** Decodes a `KRB-PRIV`. */
export function decodeKrbPriv(bytes: Uint8Array): KrbPriv {
  const what = "KRB-PRIV";
  const { t, seq } = scanApplication(bytes, KRB_PRIV, what);
  const f = fields(t, seq, what);
  pvno(t, need(f, 0, `${what} pvno`), `${what} pvno`);
  msgType(t, need(f, 1, `${what} msg-type`), KRB_PRIV, what);
  return {
    encPart: encryptedData(t, need(f, 3, `${what} enc-part`), what),
  };
}

/** Decodes a decrypted `EncKrbPrivPart` (addresses are not kept). */
export function decodeEncKrbPrivPart(bytes: Uint8Array): EncKrbPrivPart {
  const what = "EncKrbPrivPart";
  const { t, seq } = scanApplication(bytes, APP_ENC_KRB_PRIV_PART, what);
  const f = fields(t, seq, what);
  return prune<EncKrbPrivPart>({
    userData: octets(t, need(f, 0, `${what} user-data`), what),
    timestamp: opt(f, 1, (i) => kerberosTime(t, i, `${what} timestamp`)),
    usec: opt(f, 2, (i) => microseconds(t, i, `${what} usec`)),
    seqNumber: opt(f, 3, (i) => uint32(t, i, `${what} seq-number`)),
  });
}

/**
 * The request frame: message length, protocol version, AP-REQ length (2 bytes each,
 * big-endian), the AP-REQ, the KRB-PRIV.
 */
export function kpasswdRequest(
  version: number,
  apReq: Uint8Array,
  priv: Uint8Array,
): Uint8Array {
  const len = 6 + apReq.length + priv.length;
  if (len > 0xffff) throw new RangeError("kpasswd request too long");
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint16(0, len);
  v.setUint16(2, version);
  v.setUint16(4, apReq.length);
  out.set(apReq, 6);
  out.set(priv, 6 + apReq.length);
  return out;
}

/**
 * Splits a reply frame: the AP-REP (null when its length is 0: then `rest` is a
 * KRB-ERROR) and what follows it (the KRB-PRIV). A reply that starts with a
 * KRB-ERROR's own tag (`0x7e`: some servers answer a bad request with a bare one) is
 * returned whole as `rest`.
 */
export function parseKpasswdReply(
  bytes: Uint8Array,
): { version: number; apRep: Uint8Array | null; rest: Uint8Array } {
  if (bytes.length > 0 && bytes[0] === 0x7e) {
    return { version: 0, apRep: null, rest: bytes };
  }
  if (bytes.length < 6) throw new KpasswdFormatError("kpasswd reply too short");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = v.getUint16(0);
  const version = v.getUint16(2);
  const apLen = v.getUint16(4);
  if (len !== bytes.length) {
    throw new KpasswdFormatError(
      `kpasswd reply says ${len} bytes, ${bytes.length} came`,
    );
  }
  if (6 + apLen > bytes.length) {
    throw new KpasswdFormatError("kpasswd reply AP-REP overruns the message");
  }
  return {
    version,
    apRep: apLen ? bytes.subarray(6, 6 + apLen) : null,
    rest: bytes.subarray(6 + apLen),
  };
}

/** A kpasswd result (RFC 3244): its code and string (the rest of the user data). */
export interface KpasswdResult {
  /** `KRB5_KPASSWD_*`: 0 success, 1 malformed, 2 hard error, 3 auth error, 4 soft error, 5 access denied, 6 bad version, 7 initial flag needed. */
  code: number;
  /** The result string's bytes (UTF-8 text, or Active Directory's policy blob). */
  data: Uint8Array;
}

/** The result code and data of a KRB-PRIV's user data (or a KRB-ERROR's e-data). */
export function kpasswdResult(userData: Uint8Array): KpasswdResult {
  if (userData.length < 2) {
    throw new KpasswdFormatError("kpasswd result shorter than its code");
  }
  return {
    code: (userData[0] << 8) | userData[1],
    data: userData.subarray(2),
  };
}
