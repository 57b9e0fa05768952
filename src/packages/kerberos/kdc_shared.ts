/**
 * What the KDC exchanges share (`kdc.ts`'s plain AS and TGS exchanges and
 * `fast_as.ts`'s armored AS exchange): the enctypes asked for, the request body, the
 * transport call, decoding untrusted replies into status errors, the mapping of KDC
 * errors to Windows' statuses, the user's key for the KDC's salt, and the check of a
 * reply's enc-part.
 *
 * @module
 */

import { DerError } from "../../der/errors.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_KDC_UNKNOWN_ETYPE,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_TARGET_UNKNOWN,
  SEC_E_TIME_SKEW,
  STATUS_PASSWORD_EXPIRED,
} from "../../sspi/status.ts";
import {
  checksum,
  checksumTypeOf,
  decrypt,
  encrypt,
  ETYPE_AES128_CTS_HMAC_SHA1_96,
  ETYPE_AES128_CTS_HMAC_SHA256_128,
  ETYPE_AES256_CTS_HMAC_SHA1_96,
  ETYPE_AES256_CTS_HMAC_SHA384_192,
  ETYPE_RC4_HMAC,
  isSupportedEtype,
  type KerberosKey,
} from "./crypto.ts";
import {
  decodeEncKdcRepPart,
  decodeEtypeInfo2,
  type decodeKdcRep,
  encodeApReq,
  encodeAuthenticator,
  encodeEncryptedData,
  encodePaEncTsEnc,
  type KdcReqBody,
  type KrbError,
  type PAData,
  type PrincipalName,
  type Ticket,
} from "./messages.ts";
import {
  extendedStatus,
  extendedStatusText,
  statusOfExtended,
} from "./kdc_ext_error.ts";
import {
  KDC_ERR_C_PRINCIPAL_UNKNOWN,
  KDC_ERR_ETYPE_NOSUPP,
  KDC_ERR_KEY_EXPIRED,
  KDC_ERR_PREAUTH_FAILED,
  KDC_ERR_S_PRINCIPAL_UNKNOWN,
  KDC_OPT_CANONICALIZE,
  KDC_OPT_FORWARDABLE,
  KEY_USAGE_AS_REQ_PA_ENC_TIMESTAMP,
  KEY_USAGE_TGS_REQ_AUTH,
  KEY_USAGE_TGS_REQ_AUTH_CKSUM,
  KRB_AP_ERR_BAD_INTEGRITY,
  KRB_AP_ERR_SKEW,
  PA_ENC_TIMESTAMP,
  PA_ETYPE_INFO2,
} from "./constants.ts";
import type { CachedTicket, KerberosCredential } from "./credentials.ts";
import { TICKET_LIFETIME_MS } from "./auth_data.ts";
import { KdcUnreachableError } from "./transport.ts";

/**
 * The enctypes asked for, in MIT krb5's default order: AES-SHA1 (Active Directory's),
 * then RFC 8009's AES-SHA2 (for accounts and services that have only those keys, as
 * SHA-2-only realms such as FreeIPA in FIPS mode make them), then rc4-hmac (AD
 * accounts without AES).
 * A KDC picks the first its account has a key for.
 */
const ETYPES = [
  ETYPE_AES256_CTS_HMAC_SHA1_96,
  ETYPE_AES128_CTS_HMAC_SHA1_96,
  ETYPE_AES256_CTS_HMAC_SHA384_192,
  ETYPE_AES128_CTS_HMAC_SHA256_128,
  ETYPE_RC4_HMAC,
];

/** How long a requested ticket should last (the KDC's policy may shorten it). */

/** The last authenticator time handed out, in microseconds since the epoch. */
let lastAuthenticatorMicros = 0;

/**
 * An authenticator's `ctime` (whole seconds, as a Date) and `cusec`: now, with a
 * random sub-millisecond part, and strictly later than the previous one in this
 * process (as MIT's `krb5_us_timeofday` does), so two AP-REQs or TGS-REQs made within
 * one millisecond never share (ctime, cusec), which replay caches key on. A clock
 * set back by more than a second is followed at once, as MIT does.
 */
export function authenticatorTime(): { ctime: Date; cusec: number } {
  const now = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  // A clock set back by more than a second (NTP stepping it) is taken as it is:
  // counting on from the old time would put every authenticator ahead of the
  // service's clock until the old time came round again.
  const us = lastAuthenticatorMicros - now > 1_000_000
    ? now
    : Math.max(now, lastAuthenticatorMicros + 1);
  lastAuthenticatorMicros = us;
  const cusec = us % 1_000_000;
  return { ctime: new Date((us - cusec) / 1000), cusec };
}

/** The status Windows returns for a KDC error code. */
export function statusOfKdcError(code: number): number {
  switch (code) {
    case KDC_ERR_PREAUTH_FAILED:
    case KRB_AP_ERR_BAD_INTEGRITY:
    case KDC_ERR_C_PRINCIPAL_UNKNOWN:
      return SEC_E_LOGON_DENIED;
    case KDC_ERR_S_PRINCIPAL_UNKNOWN:
      return SEC_E_TARGET_UNKNOWN;
    case KRB_AP_ERR_SKEW:
      return SEC_E_TIME_SKEW;
    case KDC_ERR_ETYPE_NOSUPP:
      return SEC_E_KDC_UNKNOWN_ETYPE;
    case KDC_ERR_KEY_EXPIRED:
      return STATUS_PASSWORD_EXPIRED;
  }
  return SEC_E_LOGON_DENIED;
}

/** Sends a request to the credential's realm and returns the raw reply. */
export async function send(
  cred: KerberosCredential,
  realm: string,
  req: Uint8Array,
): Promise<Uint8Array> {
  try {
    return await cred.transport(cred.transportRealm(realm), req);
  } catch (e) {
    if (e instanceof KdcUnreachableError) {
      throw new SspiError(SEC_E_NO_AUTHENTICATING_AUTHORITY, e.message);
    }
    throw new SspiError(
      SEC_E_NO_AUTHENTICATING_AUTHORITY,
      `the KDC of realm ${realm} could not be reached: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
}

/** The application tag of a KDC reply: 30 for KRB-ERROR, else the reply's. */
export function appTag(reply: Uint8Array): number {
  return reply.length > 0 ? reply[0] & 0x1f : -1;
}

/** Decodes untrusted bytes, turning a DER failure into `SEC_E_INVALID_TOKEN`. */
export function decoded<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DerError) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        `bad ${what} from the KDC: ${e.message}`,
      );
    }
    throw e;
  }
}

/** Throws the SspiError for a KRB-ERROR. */
export function kdcFailure(
  err: KrbError,
  what: string,
  statuses?: Readonly<Record<number, number>>,
): never {
  const text = err.eText ? ` (${err.eText})` : "";
  const ext = extendedStatus(err.eData);
  const why = extendedStatusText(ext);
  throw new SspiError(
    statuses?.[err.errorCode] ?? statusOfExtended(ext) ??
      statusOfKdcError(err.errorCode),
    `the KDC refused the ${what}: error ${err.errorCode}${text}${
      why ? `: ${why}` : ""
    }`,
  );
}

/** The preferred ETYPE-INFO2 entry from a METHOD-DATA or PA-DATA list. */
export function etypeInfo(
  padata: readonly PAData[] | undefined,
): { etype: number; salt?: string; s2kparams?: Uint8Array } | null {
  for (const pa of padata ?? []) {
    if (pa.padataType !== PA_ETYPE_INFO2) continue;
    const entries = decoded(
      "ETYPE-INFO2",
      () => decodeEtypeInfo2(pa.padataValue),
    );
    for (const e of entries) if (isSupportedEtype(e.etype)) return e;
  }
  return null;
}

/**
 * The user's key for the salt and s2kparams the KDC sent: parameters string-to-key
 * refuses (an s2kparams that is not 4 bytes or out of range, an oversized salt) are a
 * bad reply, `SEC_E_INVALID_TOKEN`, not an exception.
 */
export function userKey(
  cred: KerberosCredential,
  etype: number,
  salt: string,
  params: Uint8Array | undefined,
): KerberosKey {
  try {
    return cred.userKey(etype, salt, params);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      `the KDC's string-to-key parameters cannot be used: ${e.message}`,
    );
  }
}

/**
 * The lifetime to ask for a ticket to `sname`: the credential's for a service
 * ticket, the default for a TGT (renewed, or another realm's).
 */
export function lifetimeFor(
  cred: KerberosCredential,
  sname: PrincipalName,
): number {
  return sname.nameString[0] === "krbtgt"
    ? TICKET_LIFETIME_MS
    : cred.lifetimeMs;
}

/** The KDC-REQ-BODY fields both exchanges share. */
export function body(
  realm: string,
  sname: PrincipalName,
  n: number,
  cname?: PrincipalName,
  lifetimeMs = TICKET_LIFETIME_MS,
): KdcReqBody {
  return {
    kdcOptions: KDC_OPT_FORWARDABLE | KDC_OPT_CANONICALIZE,
    cname,
    realm,
    sname,
    till: new Date(Date.now() + lifetimeMs),
    nonce: n,
    etype: ETYPES,
  };
}

/** The PA-ENC-TIMESTAMP of now, encrypted with the user's key. */
export function encTimestamp(key: KerberosKey): PAData {
  const now = Date.now();
  const plain = encodePaEncTsEnc({
    patimestamp: new Date(now - (now % 1000)),
    pausec: (now % 1000) * 1000,
  });
  return {
    padataType: PA_ENC_TIMESTAMP,
    padataValue: encodeEncryptedData({
      etype: key.etype,
      cipher: encrypt(key, KEY_USAGE_AS_REQ_PA_ENC_TIMESTAMP, plain),
    }),
  };
}

/** Decrypts and checks a KDC reply's enc-part into a cache entry. */
export function finish(
  rep: ReturnType<typeof decodeKdcRep>,
  key: KerberosKey,
  usage: number,
  n: number,
  what: string,
): CachedTicket {
  const plain = decrypt(key, usage, rep.encPart.cipher);
  if (!plain) {
    throw new SspiError(
      SEC_E_LOGON_DENIED,
      `the ${what} could not be decrypted (wrong password or key)`,
    );
  }
  const part = decoded(what, () => decodeEncKdcRepPart(plain));
  plain.fill(0);
  if (part.nonce !== n) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      `the ${what} answers another request`,
    );
  }
  if (!isSupportedEtype(part.key.keytype)) {
    throw new SspiError(
      SEC_E_KDC_UNKNOWN_ETYPE,
      `the ${what} session key has enctype ${part.key.keytype}`,
    );
  }
  return {
    ticket: rep.ticket,
    key: { etype: part.key.keytype, bytes: part.key.keyvalue },
    cname: rep.cname,
    crealm: rep.crealm,
    endtime: part.endtime.getTime(),
    flags: part.flags,
    authtime: part.authtime.getTime(),
    starttime: part.starttime?.getTime(),
    renewTill: part.renewTill?.getTime(),
  };
}

/** What an S4U request adds to a TGS-REQ (MS-SFU). */
export interface TgsExtras {
  /** More padata after PA-TGS-REQ, made with the TGT's session key. */
  padata?: (tgtKey: KerberosKey) => PAData[];
  /** `additional-tickets` (S4U2Proxy's evidence ticket). */
  additionalTickets?: Ticket[];
  /** The request's name in errors (default "TGS-REQ"). */
  what?: string;
  /** Statuses for KDC error codes that mean something else in this request. */
  errorStatuses?: Readonly<Record<number, number>>;
}

/**
 * The AP-REQ of a TGS-REQ's PA-TGS-REQ (RFC 4120 5.4.1): an authenticator with the
 * checksum of the DER KDC-REQ-BODY `bodyDer` (and `subkey`, when the reply is to
 * come under it: FAST's implicit armor), encrypted with the TGT's session key.
 */
export function tgsApReq(
  tgt: CachedTicket,
  bodyDer: Uint8Array,
  subkey?: KerberosKey,
): Uint8Array {
  const auth = encodeAuthenticator({
    crealm: tgt.crealm,
    cname: tgt.cname,
    cksum: {
      cksumtype: checksumTypeOf(tgt.key.etype),
      checksum: checksum(tgt.key, KEY_USAGE_TGS_REQ_AUTH_CKSUM, bodyDer),
    },
    ...(subkey &&
      { subkey: { keytype: subkey.etype, keyvalue: subkey.bytes } }),
    ...authenticatorTime(),
  });
  const cipher = encrypt(tgt.key, KEY_USAGE_TGS_REQ_AUTH, auth);
  auth.fill(0);
  return encodeApReq({
    apOptions: 0,
    ticket: tgt.ticket,
    authenticator: { etype: tgt.key.etype, cipher },
  });
}
