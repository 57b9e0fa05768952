/**
 * The two KDC exchanges a Kerberos client needs (RFC 4120 sections 3.1 and 3.3): the
 * AS exchange for a TGT with encrypted-timestamp pre-authentication (the first request
 * goes without it and learns the enctype and salt from the KDC's PREAUTH_REQUIRED
 * error, as MIT's `kinit` and Windows do), and the TGS exchange for a ticket (the walk
 * across realms and referrals that uses it is `cross_realm.ts`'s).
 * With `FastArmor`, the AS and TGS exchanges are `fast_as.ts`'s and `fast_tgs.ts`'s
 * armored ones (RFC 6113) instead; with a `Certificate`, the AS exchange is
 * `pkinit_as.ts`'s certificate logon (PKINIT, RFC 4556), and with both,
 * `pkinit_fast.ts`'s PKINIT inside FAST.
 * Every reply is decoded from untrusted bytes; a KDC error becomes an `SspiError` with
 * the status Windows reports for it.
 *
 * @module
 */
import { randomUint } from "../../crypto/_random.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_KDC_UNKNOWN_ETYPE,
  SEC_E_NO_CREDENTIALS,
} from "../../sspi/status.ts";
import { isSupportedEtype } from "./crypto.ts";
import {
  decodeKdcRep,
  decodeKrbError,
  decodeMethodData,
  encodeAsReq,
  encodeKdcReqBody,
  encodePaPacRequest,
  encodeTgsReq,
  type PAData,
  type PrincipalName,
} from "./messages.ts";

import {
  KDC_ERR_PREAUTH_REQUIRED,
  KDC_OPT_FORWARDABLE,
  KDC_OPT_FORWARDED,
  KDC_OPT_RENEW,
  KEY_USAGE_AS_REP_ENC_PART,
  KEY_USAGE_TGS_REP_ENC_PART_SESSION_KEY,
  NT_SRV_INST,
  PA_PAC_REQUEST,
  PA_TGS_REQ,
  TKT_FLG_FORWARDABLE,
} from "./constants.ts";
import {
  type CachedTicket,
  type FastSettings,
  type KerberosCredential,
  tgtRealmOf,
} from "./credentials.ts";
import { fastAsExchange } from "./fast_as.ts";
import { fastTgsExchange } from "./fast_tgs.ts";
import { pkinitAsExchange } from "./pkinit_as.ts";
import { pkinitFastExchange } from "./pkinit_fast.ts";
import { AnonymousPkinit } from "./pkinit_anonymous.ts";
import {
  appTag,
  body,
  decoded,
  encTimestamp,
  etypeInfo,
  finish,
  kdcFailure,
  lifetimeFor,
  send,
  tgsApReq,
  type TgsExtras,
  userKey,
} from "./kdc_shared.ts";

export { authenticatorTime, statusOfKdcError } from "./kdc_shared.ts";
export type { TgsExtras } from "./kdc_shared.ts";

/**
 * Gets a TGT for the credential's user from its realm's KDC and caches it in the
 * credential.
 */
export async function getTgt(cred: KerberosCredential): Promise<CachedTicket> {
  const krbtgt: PrincipalName = {
    nameType: NT_SRV_INST,
    nameString: ["krbtgt", cred.realm],
  };
  // Without a password or keys (a credential cache's TGT), renew the TGT held
  // while it can be (RFC 4120 3.3.3, KDC option RENEW), as Windows' LSA does.
  const held = cred.canLogOn ? null : cred.renewableTgt;
  if (held) {
    const renewed = await tgsExchange(cred, held, krbtgt, KDC_OPT_RENEW, {
      what: "TGS-REQ (renew)",
    });
    cred.tgt = renewed;
    return renewed;
  }
  const t = await asExchange(cred, krbtgt);
  // A canonicalized realm (AD: NETBIOS -> DNS realm) is served by the same KDCs.
  cred.addRealmAlias(t.crealm);
  const to = tgtRealmOf(t);
  if (to) cred.addRealmAlias(to);
  cred.tgt = t;
  return t;
}

/**
 * An AS exchange (RFC 4120 3.1) for `sname` with the user's password, answering the
 * KDC's request for encrypted-timestamp pre-authentication; `kdcOptions` replaces
 * forwardable + canonicalize (the change-password service wants an initial ticket
 * and nothing more). The reply is checked and returned, not cached.
 */
export async function asExchange(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions?: number,
): Promise<CachedTicket> {
  const fast = cred.fast;
  const id = cred.pkinit;
  if (id && fast && !(id instanceof AnonymousPkinit)) {
    return await pkinitFastExchange(
      cred,
      sname,
      kdcOptions,
      id,
      await armorTicket(fast),
      fast.allowFallback,
      () => pkinitAsExchange(cred, sname, kdcOptions, id),
    );
  }
  if (id) return await pkinitAsExchange(cred, sname, kdcOptions, id);
  if (!fast) return await plainAsExchange(cred, sname, kdcOptions);
  return await fastAsExchange(
    cred,
    sname,
    kdcOptions,
    await armorTicket(fast),
    fast.allowFallback,
    () => plainAsExchange(cred, sname, kdcOptions),
  );
}

/**
 * The FAST armor TGT: the one from the credential cache, or the keytab principal's
 * (got from the KDC the first time, and again once it expires).
 */
async function armorTicket(fast: FastSettings): Promise<CachedTicket> {
  if (fast.machine) return fast.machine.tgt ?? await getTgt(fast.machine);
  const t = fast.armorTgt;
  if (!t || t.endtime <= Date.now() + 60_000) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      "the FAST armor TGT has expired (renew the armor credential cache)",
    );
  }
  return t;
}

/** The unarmored AS exchange (`asExchange` without `FastArmor`). */
async function plainAsExchange(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions?: number,
): Promise<CachedTicket> {
  const realm = cred.realm;
  const krbtgt = sname;
  const req = (n: number) => {
    const b = body(realm, krbtgt, n, cred.cname);
    return kdcOptions === undefined ? b : { ...b, kdcOptions };
  };
  const pac: PAData = {
    padataType: PA_PAC_REQUEST,
    padataValue: encodePaPacRequest(true),
  };
  let n = randomUint(31);
  let reply = await send(
    cred,
    realm,
    encodeAsReq({ padata: [pac], ...req(n) }),
  );
  let info: { etype: number; salt?: string; s2kparams?: Uint8Array } | null =
    null;
  if (appTag(reply) === 30) {
    const err = decoded("KRB-ERROR", () => decodeKrbError(reply));
    if (err.errorCode !== KDC_ERR_PREAUTH_REQUIRED) kdcFailure(err, "AS-REQ");
    const methods = err.eData
      ? decoded("METHOD-DATA", () => decodeMethodData(err.eData!))
      : [];
    info = etypeInfo(methods);
    if (!info) {
      throw new SspiError(
        SEC_E_KDC_UNKNOWN_ETYPE,
        "the KDC offers no AES enctype for this user",
      );
    }
    const key = userKey(
      cred,
      info.etype,
      info.salt ?? cred.defaultSalt,
      info.s2kparams,
    );
    n = randomUint(31);
    reply = await send(
      cred,
      realm,
      encodeAsReq({ padata: [encTimestamp(key), pac], ...req(n) }),
    );
    if (appTag(reply) === 30) {
      kdcFailure(decoded("KRB-ERROR", () => decodeKrbError(reply)), "AS-REQ");
    }
  }
  const rep = decoded("AS-REP", () => decodeKdcRep(reply));
  if (rep.msgType !== 11) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "the KDC did not answer with an AS-REP",
    );
  }
  const etype = rep.encPart.etype;
  if (!isSupportedEtype(etype)) {
    throw new SspiError(
      SEC_E_KDC_UNKNOWN_ETYPE,
      `the AS-REP uses enctype ${etype}`,
    );
  }
  const fromRep = etypeInfo(rep.padata);
  const salt = fromRep?.salt ?? info?.salt ?? cred.defaultSalt;
  const key = userKey(
    cred,
    etype,
    salt,
    fromRep?.s2kparams ?? info?.s2kparams,
  );
  return finish(rep, key, KEY_USAGE_AS_REP_ENC_PART, n, "AS-REP");
}

/**
 * One TGS exchange with `tgt` (RFC 4120 3.3) for `sname` in the realm the TGT is for
 * (`krbtgt/X@Y` is used at X's KDC; the user's own TGT at the user's realm's), with
 * `kdcOptions`; the reply is checked and returned, not cached.
 */
export async function tgsExchange(
  cred: KerberosCredential,
  tgt: CachedTicket,
  sname: PrincipalName,
  kdcOptions: number,
  extra: TgsExtras = {},
): Promise<CachedTicket> {
  if (cred.fast) {
    return await fastTgsExchange(
      cred,
      tgt,
      sname,
      kdcOptions,
      extra,
      cred.fast.allowFallback,
    );
  }
  const realm = tgtRealmOf(tgt) ?? tgt.crealm;
  const n = randomUint(31);
  const reqBody = {
    ...body(realm, sname, n, undefined, lifetimeFor(cred, sname)),
    kdcOptions,
    additionalTickets: extra.additionalTickets,
  };
  const bodyDer = encodeKdcReqBody(reqBody);
  const apReq = tgsApReq(tgt, bodyDer);
  const reply = await send(
    cred,
    realm,
    encodeTgsReq(
      {
        padata: [
          { padataType: PA_TGS_REQ, padataValue: apReq },
          ...(extra.padata?.(tgt.key) ?? []),
        ],
      },
      bodyDer,
    ),
  );
  if (appTag(reply) === 30) {
    kdcFailure(
      decoded("KRB-ERROR", () => decodeKrbError(reply)),
      extra.what ?? "TGS-REQ",
      extra.errorStatuses,
    );
  }
  const rep = decoded("TGS-REP", () => decodeKdcRep(reply));
  if (rep.msgType !== 13) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "the KDC did not answer with a TGS-REP",
    );
  }
  return finish(
    rep,
    tgt.key,
    KEY_USAGE_TGS_REP_ENC_PART_SESSION_KEY,
    n,
    "TGS-REP",
  );
}

/**
 * Gets a forwarded TGT (KDC options FORWARDED and FORWARDABLE, RFC 4120 2.6) to
 * delegate, and caches it in the credential. Null when `tgt` is not forwardable, the
 * KDC will not forward it or cannot be reached: the context then goes on without
 * delegation, as MIT and Windows do.
 */
export async function getForwardedTgt(
  cred: KerberosCredential,
  tgt: CachedTicket,
): Promise<CachedTicket | null> {
  if (!isForwardable(tgt)) return null;
  const krbtgt: PrincipalName = {
    nameType: NT_SRV_INST,
    nameString: ["krbtgt", tgt.crealm],
  };
  let t: CachedTicket;
  try {
    t = await tgsExchange(
      cred,
      tgt,
      krbtgt,
      KDC_OPT_FORWARDABLE | KDC_OPT_FORWARDED,
    );
  } catch (e) {
    if (e instanceof SspiError) return null;
    throw e;
  }
  cred.forwardedTgt = t;
  return t;
}

/** Whether the KDC said `t` is forwardable. */
export function isForwardable(t: CachedTicket): boolean {
  return t.flags !== undefined && (t.flags & TKT_FLG_FORWARDABLE) !== 0;
}
