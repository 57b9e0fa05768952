/**
 * The FAST-armored TGS exchange (RFC 6113 sections 5.4.1.1 and 5.4.2), what
 * `tgsExchange` runs for a credential with `FastArmor`. The TGS-REQ is its own
 * armor ("implicit armor"): its authenticator carries a fresh subkey, the armor key
 * is KRB-FX-CF2(subkey, TGT session key, "subkeyarmor", "ticketarmor"), and the
 * PA-FX-FAST beside PA-TGS-REQ has no armor field; its checksum covers the AP-REQ
 * of PA-TGS-REQ, and the real padata (S4U's, if any) and body go inside. The KDC's
 * TGS-REP carries a `KrbFastResponse` whose finished checksum binds the ticket,
 * and the reply key (the subkey, usage 9) is strengthened with its strengthen-key;
 * its errors come inside FAST (PA-FX-ERROR). A reply without FAST is
 * `SEC_E_DOWNGRADE_DETECTED`, or taken as a plain one when `AllowFallback` is set.
 *
 * @module
 */
import { randomUint } from "../../crypto/_random.ts";
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../sspi/status.ts";
import { type KerberosKey, randomKey, wipeKey } from "./crypto.ts";
import { cf2 } from "./crypto_prf.ts";
import {
  decodeKdcRep,
  decodeKrbError,
  encodeKdcReqBody,
  encodeTgsReq,
  type KdcRep,
  type PrincipalName,
} from "./messages.ts";
import { KEY_USAGE_TGS_REP_ENC_PART_SUBKEY, PA_TGS_REQ } from "./constants.ts";
import {
  type CachedTicket,
  type KerberosCredential,
  tgtRealmOf,
} from "./credentials.ts";
import {
  armoredPaData,
  checkFinished,
  type FastArmorState,
  fastDowngrade,
  openFastError,
  openFastResponse,
  strengthenedKey,
} from "./fast.ts";
import {
  appTag,
  body,
  decoded,
  finish,
  kdcFailure,
  lifetimeFor,
  send,
  tgsApReq,
  type TgsExtras,
} from "./kdc_shared.ts";

/** Evidence of the last armored TGS exchange, for tests and diagnostics. */
export interface FastTgsEvidence {
  /** The TGS-REP came in FAST and its finished checksum matched the ticket. */
  finishedVerified: boolean;
  /** The reply key (the authenticator's subkey) was strengthened. */
  strengthened: boolean;
}

/** The evidence of each credential's last armored TGS exchange. */
const evidence = new WeakMap<KerberosCredential, FastTgsEvidence>();

/** What the last armored TGS exchange of `cred` showed (undefined: none yet). */
export function fastTgsEvidence(
  cred: KerberosCredential,
): FastTgsEvidence | undefined {
  return evidence.get(cred);
}

/**
 * One armored TGS exchange with `tgt` for `sname` (the armored form of
 * `tgsExchange`, same arguments); with `allowFallback`, a reply without FAST is
 * checked as an unarmored one instead of refused.
 */
export async function fastTgsExchange(
  cred: KerberosCredential,
  tgt: CachedTicket,
  sname: PrincipalName,
  kdcOptions: number,
  extra: TgsExtras,
  allowFallback: boolean,
): Promise<CachedTicket> {
  const realm = tgtRealmOf(tgt) ?? tgt.crealm;
  const what = extra.what ?? "TGS-REQ";
  const n = randomUint(31);
  const bodyDer = encodeKdcReqBody({
    ...body(realm, sname, n, undefined, lifetimeFor(cred, sname)),
    kdcOptions,
    additionalTickets: extra.additionalTickets,
  });
  const subkey = randomKey(tgt.key.etype);
  // Implicit armor: no armor field, the key from the subkey and the TGT's.
  const state: FastArmorState = {
    armorKey: cf2(subkey, tgt.key, "subkeyarmor", "ticketarmor"),
  };
  try {
    const apReq = tgsApReq(tgt, bodyDer, subkey);
    const fast = armoredPaData(
      state,
      bodyDer,
      extra.padata?.(tgt.key) ?? [],
      apReq,
    );
    const reply = await send(
      cred,
      realm,
      encodeTgsReq({
        padata: [{ padataType: PA_TGS_REQ, padataValue: apReq }, fast],
      }, bodyDer),
    );
    if (appTag(reply) === 30) {
      const outer = decoded("KRB-ERROR", () => decodeKrbError(reply));
      const fx = openFastError(state, outer, n);
      if (!fx && !allowFallback) {
        throw fastDowngrade("TGS-REQ", `error ${outer.errorCode}`);
      }
      kdcFailure(fx?.error ?? outer, what, extra.errorStatuses);
    }
    const rep = decoded("TGS-REP", () => decodeKdcRep(reply));
    if (rep.msgType !== 13) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "the KDC did not answer with a TGS-REP",
      );
    }
    return armoredReply(cred, state, rep, subkey, n, allowFallback);
  } finally {
    wipeKey(subkey);
    wipeKey(state.armorKey);
  }
}

/**
 * Checks an armored TGS-REP (its FAST response, the finished checksum) and
 * decrypts it with the strengthened subkey.
 */
function armoredReply(
  cred: KerberosCredential,
  state: FastArmorState,
  rep: KdcRep,
  subkey: KerberosKey,
  n: number,
  allowFallback: boolean,
): CachedTicket {
  const usage = KEY_USAGE_TGS_REP_ENC_PART_SUBKEY;
  const resp = openFastResponse(state, rep.padata, n);
  if (!resp) {
    if (!allowFallback) throw fastDowngrade("TGS-REQ", "a TGS-REP");
    return finish(rep, subkey, usage, n, "TGS-REP");
  }
  let strong: KerberosKey | null = null;
  try {
    checkFinished(state, rep, resp);
    strong = strengthenedKey(resp, subkey);
    const t = finish(rep, strong ?? subkey, usage, n, "TGS-REP");
    evidence.set(cred, {
      finishedVerified: true,
      strengthened: strong !== null,
    });
    return t;
  } finally {
    resp.strengthenKey?.keyvalue.fill(0);
    if (strong) wipeKey(strong);
  }
}
