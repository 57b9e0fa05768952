/**
 * The KRB-CRED message (RFC 4120 section 5.8): tickets handed to another party with
 * their session keys in an `EncKrbCredPart`, as GSS credential delegation carries a
 * forwarded TGT inside the 0x8003 authenticator checksum (RFC 4121 4.1.1.1). The
 * decoders take untrusted bytes and throw only `DerError`; the encoders throw
 * `RangeError`/`TypeError` on values a caller should never pass.
 *
 * @module
 */
import { derBytes } from "../../der/mod.ts";
import {
  application,
  encodeInt32,
  encodeKerberosFlags,
  encodeKerberosString,
  encodeKerberosTime,
  fields,
  fieldsSequence,
  kerberosFlags,
  kerberosString,
  kerberosTime,
  need,
  pvno,
  scanApplication,
  sequenceOf,
  sequenceOfDer,
} from "./asn1.ts";
import { APP_ENC_KRB_CRED_PART, KRB5_PVNO, KRB_CRED } from "./constants.ts";
import {
  encodeEncryptedData,
  encodeEncryptionKey,
  encodePrincipalName,
  encodeTicket,
} from "./messages_encode.ts";
import {
  encryptedData,
  encryptionKey,
  msgType,
  opt,
  principalName,
  prune,
  ticketAt,
} from "./messages_read.ts";
import type {
  EncryptedData,
  EncryptionKey,
  PrincipalName,
  Ticket,
} from "./messages_types.ts";

/** `KRB-CRED` (`[APPLICATION 22]`). */
export interface KrbCred {
  /** `tickets`: sent byte-exact from `raw` when decoded. */
  tickets: Ticket[];
  /** `enc-part`: the `EncKrbCredPart`, encrypted (key usage 14) or in clear (etype 0). */
  encPart: EncryptedData;
}

/** One `KrbCredInfo`: what the receiver needs to use the ticket at the same index. */
export interface KrbCredInfo {
  /** `key`: the ticket's session key. */
  key: EncryptionKey;
  /** `prealm`: the client's realm. */
  prealm?: string;
  /** `pname`: the client. */
  pname?: PrincipalName;
  /** `flags` (`TKT_FLG_*` bits). */
  flags?: number;
  /** `authtime`. */
  authtime?: Date;
  /** `starttime`. */
  starttime?: Date;
  /** `endtime`. */
  endtime?: Date;
  /** `renew-till`. */
  renewTill?: Date;
  /** `srealm`: the service's realm. */
  srealm?: string;
  /** `sname`: the service. */
  sname?: PrincipalName;
}

/**
 * `EncKrbCredPart` (`[APPLICATION 29]`). Only `ticket-info` is modelled: GSS
 * delegation sends no nonce, timestamp or addresses (MIT leaves them out too), and
 * the decoder skips them when present.
 */
export interface EncKrbCredPart {
  /** `ticket-info`: one entry per ticket, in the same order. */
  ticketInfo: KrbCredInfo[];
}

const time = (d: Date | undefined) =>
  d === undefined ? undefined : encodeKerberosTime(d);

/**
 * Encodes a `KRB-CRED`.
 *
 * @example
 * ```ts ignore
 * import { encodeKrbCred } from "./messages_cred.ts";
 * encodeKrbCred({ tickets: [tgt.ticket], encPart: { etype: 18, cipher } });
 * ```
 */
export function encodeKrbCred(c: KrbCred): Uint8Array {
  if (!Array.isArray(c.tickets)) throw new TypeError("KRB-CRED: no tickets");
  return derBytes(application(
    KRB_CRED,
    fieldsSequence([
      encodeInt32(KRB5_PVNO),
      encodeInt32(KRB_CRED),
      sequenceOfDer(c.tickets.map(encodeTicket)),
      encodeEncryptedData(c.encPart),
    ]),
  ));
}

/** Encodes an `EncKrbCredPart`, the plaintext of a KRB-CRED's `enc-part`. */
export function encodeEncKrbCredPart(p: EncKrbCredPart): Uint8Array {
  if (!Array.isArray(p.ticketInfo)) {
    throw new TypeError("EncKrbCredPart: no ticket-info");
  }
  return derBytes(application(
    APP_ENC_KRB_CRED_PART,
    fieldsSequence([
      sequenceOfDer(p.ticketInfo.map((i) =>
        fieldsSequence([
          encodeEncryptionKey(i.key),
          i.prealm === undefined ? undefined : encodeKerberosString(i.prealm),
          i.pname && encodePrincipalName(i.pname),
          i.flags === undefined ? undefined : encodeKerberosFlags(i.flags),
          time(i.authtime),
          time(i.starttime),
          time(i.endtime),
          time(i.renewTill),
          i.srealm === undefined ? undefined : encodeKerberosString(i.srealm),
          i.sname && encodePrincipalName(i.sname),
        ])
      )),
    ]),
  ));
}

/** Decodes a `KRB-CRED` (`[APPLICATION 22]`), keeping each ticket's DER in `raw`. */
export function decodeKrbCred(bytes: Uint8Array): KrbCred {
  const what = "KRB-CRED";
  const { t, seq } = scanApplication(bytes, KRB_CRED, what);
  const f = fields(t, seq, what);
  pvno(t, need(f, 0, `${what} pvno`), `${what} pvno`);
  msgType(t, need(f, 1, `${what} msg-type`), KRB_CRED, what);
  return {
    tickets: sequenceOf(t, need(f, 2, `${what} tickets`), `${what} tickets`)
      .map((i) => ticketAt(t, i, `${what} ticket`)),
    encPart: encryptedData(
      t,
      need(f, 3, `${what} enc-part`),
      `${what} enc-part`,
    ),
  };
}

/** Decodes a decrypted `EncKrbCredPart` (`[APPLICATION 29]`). */
export function decodeEncKrbCredPart(bytes: Uint8Array): EncKrbCredPart {
  const what = "EncKrbCredPart";
  const { t, seq } = scanApplication(bytes, APP_ENC_KRB_CRED_PART, what);
  const f = fields(t, seq, what);
  const w = `${what} ticket-info`;
  const ticketInfo = sequenceOf(t, need(f, 0, w), w).map((c) => {
    const g = fields(t, c, w);
    return prune<KrbCredInfo>({
      key: encryptionKey(t, need(g, 0, `${w} key`), `${w} key`),
      prealm: opt(g, 1, (i) => kerberosString(t, i, `${w} prealm`)),
      pname: opt(g, 2, (i) => principalName(t, i, `${w} pname`)),
      flags: opt(g, 3, (i) => kerberosFlags(t, i, `${w} flags`)),
      authtime: opt(g, 4, (i) => kerberosTime(t, i, `${w} authtime`)),
      starttime: opt(g, 5, (i) => kerberosTime(t, i, `${w} starttime`)),
      endtime: opt(g, 6, (i) => kerberosTime(t, i, `${w} endtime`)),
      renewTill: opt(g, 7, (i) => kerberosTime(t, i, `${w} renew-till`)),
      srealm: opt(g, 8, (i) => kerberosString(t, i, `${w} srealm`)),
      sname: opt(g, 9, (i) => principalName(t, i, `${w} sname`)),
    });
  });
  return { ticketInfo };
}
