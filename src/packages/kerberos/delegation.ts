/**
 * Kerberos credential delegation (RFC 4121 4.1.1.1, the "double hop"): the client
 * sends a forwarded TGT and its session key as a KRB-CRED inside the 0x8003
 * authenticator checksum, encrypted with the service ticket's session key (key usage
 * 14), as MIT and Windows do; the acceptor decrypts it, checks it is the client's,
 * and keeps it as a `KerberosDelegatedTgt`, which `SECPKG_ATTR_KERBEROS_DELEGATED_TGT`
 * hands to the server and `AcquireCredentialsHandle(..., { DelegatedFrom })` turns
 * into an outbound credential that gets service tickets as the client.
 *
 * @module
 */
import { DerError } from "../../der/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../sspi/status.ts";
import {
  decrypt,
  encrypt,
  isSupportedEtype,
  type KerberosKey,
  keySize,
} from "./crypto.ts";
import { KEY_USAGE_KRB_CRED_ENC_PART } from "./constants.ts";
import type { CachedTicket } from "./credentials.ts";
import { OpaqueTicket, ownedTicketOf } from "./opaque_ticket.ts";
import {
  decodeEncKrbCredPart,
  decodeKrbCred,
  encodeEncKrbCredPart,
  encodeKrbCred,
} from "./messages_cred.ts";
import type { PrincipalName } from "./messages_types.ts";

/**
 * `QueryContextAttributes` attribute of an accepted Kerberos (or Negotiate-chosen
 * Kerberos) context: the TGT the client delegated, as a `KerberosDelegatedTgt`.
 * `SEC_E_NO_CREDENTIALS` when the client delegated none (no `ASC_RET_DELEGATE`).
 * A portable extension: Windows has no such attribute (it puts delegated tickets in
 * the logon session behind the impersonation token); the value has the high bit
 * set, which no Windows `SECPKG_ATTR_*` uses.
 */
export const SECPKG_ATTR_KERBEROS_DELEGATED_TGT = 0x80004b01;

/**
 * A TGT a client delegated to this acceptor: opaque apart from whose it is and until
 * when it lasts. Pass it as `DelegatedFrom` to `AcquireCredentialsHandle(null,
 * "Kerberos", SECPKG_CRED_OUTBOUND, ...)` to act as the client. Its key is wiped when
 * the context it came from is deleted (or by `dispose`): acquire the credential
 * first; the credential keeps its own copy.
 *
 * @example
 * ```ts ignore
 * import { AcquireCredentialsHandle, CredHandle, QueryContextAttributes, SECPKG_CRED_OUTBOUND } from "../../../mod.ts";
 * import { SECPKG_ATTR_KERBEROS_DELEGATED_TGT } from "./mod.ts";
 * const out: { value?: unknown } = {};
 * QueryContextAttributes(serverCtx, SECPKG_ATTR_KERBEROS_DELEGATED_TGT, out);
 * const asClient = new CredHandle();
 * AcquireCredentialsHandle(null, "Kerberos", SECPKG_CRED_OUTBOUND, null,
 *   { DelegatedFrom: out.value, Kdc: "kdc.example.com" }, null, null, asClient, null);
 * // then SspiInitializeSecurityContextAsync(asClient, ..., "MSSQLSvc/db.example.com", ...)
 * ```
 */
export class KerberosDelegatedTgt extends OpaqueTicket {
  /** Wraps `t` (kept, not copied; wiped by `dispose`). */
  constructor(t: CachedTicket) {
    super(t);
    Object.freeze(this);
  }
}

/**
 * A copy of the ticket behind a `KerberosDelegatedTgt` (null for any other value or
 * one already disposed), for a credential to own.
 */
export function delegatedTicket(d: unknown): CachedTicket | null {
  return ownedTicketOf(d, KerberosDelegatedTgt);
}

/**
 * The KRB-CRED that delegates `fwd` (a forwarded TGT) to the service whose ticket's
 * session key is `key`: one ticket, its KrbCredInfo, encrypted with usage 14.
 */
export function krbCredFor(fwd: CachedTicket, key: KerberosKey): Uint8Array {
  const at = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms);
  const plain = encodeEncKrbCredPart({
    ticketInfo: [{
      key: { keytype: fwd.key.etype, keyvalue: fwd.key.bytes },
      prealm: fwd.crealm,
      pname: fwd.cname,
      flags: fwd.flags,
      authtime: at(fwd.authtime),
      starttime: at(fwd.starttime),
      endtime: new Date(fwd.endtime),
      renewTill: at(fwd.renewTill),
      srealm: fwd.ticket.realm,
      sname: fwd.ticket.sname,
    }],
  });
  const cred = encodeKrbCred({
    tickets: [fwd.ticket],
    encPart: {
      etype: key.etype,
      cipher: encrypt(key, KEY_USAGE_KRB_CRED_ENC_PART, plain),
    },
  });
  plain.fill(0);
  return cred;
}

/** Why a delegation was refused. */
export interface DelegationError {
  /** The status (`SEC_E_INVALID_TOKEN`). */
  status: number;
  /** What was wrong. */
  message: string;
}

const same = (a: PrincipalName, b: PrincipalName) =>
  a.nameString.length === b.nameString.length &&
  a.nameString.every((s, i) => s === b.nameString[i]);

/**
 * Reads the KRB-CRED of a checksum's delegation for the client `cname@crealm`: the
 * `enc-part` decrypts with the ticket's session key or else the authenticator subkey
 * (usage 14), or is in clear (etype 0, as some older peers send it: the authenticator
 * around it is encrypted anyway). A malformed KRB-CRED, one that does not decrypt,
 * or a ticket-info naming someone else is a `DelegationError`
 * (`SEC_E_INVALID_TOKEN`); a well-formed delegation this package cannot use (no
 * ticket, a session key of another enctype, already expired) is null: the context
 * goes on without it.
 */
export function readDelegation(
  bytes: Uint8Array,
  keys: readonly KerberosKey[],
  cname: PrincipalName,
  crealm: string,
): KerberosDelegatedTgt | DelegationError | null {
  const bad = (why: string): DelegationError => ({
    status: SEC_E_INVALID_TOKEN,
    message: `bad delegated credentials: ${why}`,
  });
  try {
    const cred = decodeKrbCred(bytes);
    let plain: Uint8Array | null = null;
    if (cred.encPart.etype === 0) plain = cred.encPart.cipher;
    for (const k of keys) {
      if (plain) break;
      if (k.etype !== cred.encPart.etype) continue;
      plain = decrypt(k, KEY_USAGE_KRB_CRED_ENC_PART, cred.encPart.cipher);
    }
    if (!plain) return bad("the KRB-CRED does not decrypt");
    const part = decodeEncKrbCredPart(plain);
    plain.fill(0);
    if (part.ticketInfo.length !== cred.tickets.length) {
      return bad("tickets and ticket-info differ in number");
    }
    const info = part.ticketInfo[0];
    const ticket = cred.tickets[0];
    if (!info || !ticket) return null;
    if (
      (info.pname && !same(info.pname, cname)) ||
      (info.prealm !== undefined && info.prealm !== crealm)
    ) {
      return bad("the ticket is not the authenticated client's");
    }
    const endtime = info.endtime?.getTime();
    if (
      !isSupportedEtype(info.key.keytype) ||
      info.key.keyvalue.length !== keySize(info.key.keytype) ||
      endtime === undefined ||
      endtime <= Date.now()
    ) {
      info.key.keyvalue.fill(0);
      return null;
    }
    return new KerberosDelegatedTgt({
      ticket,
      key: { etype: info.key.keytype, bytes: info.key.keyvalue },
      cname: { nameType: cname.nameType, nameString: [...cname.nameString] },
      crealm,
      endtime,
      flags: info.flags,
      authtime: info.authtime?.getTime(),
      starttime: info.starttime?.getTime(),
      renewTill: info.renewTill?.getTime(),
    });
  } catch (e) {
    if (e instanceof DerError) return bad(e.message);
    throw e;
  }
}
