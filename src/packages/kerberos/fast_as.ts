/**
 * The FAST-armored AS exchange (RFC 6113), what `asExchange` runs for a credential
 * with `FastArmor`: every AS-REQ carries only PA-FX-FAST outside, the real padata
 * (PA-PAC-REQUEST, the KDC's PA-FX-COOKIE echoed, PA-ENCRYPTED-CHALLENGE) inside
 * the armor; the KDC's errors come back inside FAST (PA-FX-ERROR) and its AS-REP
 * with a `KrbFastResponse` whose finished checksum binds the ticket and whose
 * strengthen-key changes the reply key. A KDC that answers without FAST is
 * `SEC_E_DOWNGRADE_DETECTED`, or the plain exchange when the option allows it.
 *
 * @module
 */
import { randomUint } from "../../crypto/_random.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_KDC_UNKNOWN_ETYPE,
  SEC_E_UNSUPPORTED_PREAUTH,
} from "../../sspi/status.ts";
import { isSupportedEtype, type KerberosKey, wipeKey } from "./crypto.ts";
import {
  decodeKdcRep,
  decodeKrbError,
  encodeAsReq,
  encodeKdcReqBody,
  encodePaPacRequest,
  type KdcRep,
  type PAData,
  type PrincipalName,
} from "./messages.ts";
import {
  KDC_ERR_PREAUTH_REQUIRED,
  KEY_USAGE_AS_REP_ENC_PART,
  PA_ENCRYPTED_CHALLENGE,
  PA_FX_COOKIE,
  PA_PAC_REQUEST,
} from "./constants.ts";
import type { CachedTicket, KerberosCredential } from "./credentials.ts";
import {
  armoredPaData,
  checkFinished,
  checkKdcChallenge,
  encryptedChallenge,
  type FastArmorState,
  fastDowngrade,
  makeArmor,
  openFastError,
  openFastResponse,
  strengthenedKey,
} from "./fast.ts";
import {
  KDC_ERR_MORE_PREAUTH_DATA_REQUIRED,
  type KrbFastResponse,
} from "./fast_messages.ts";
import {
  appTag,
  body,
  decoded,
  etypeInfo,
  finish,
  kdcFailure,
  send,
  userKey,
} from "./kdc_shared.ts";

/** Most armored AS-REQs one exchange sends (first, then pre-authenticated, once more). */
const MAX_ROUNDS = 3;

/** What the KDC told the client, in FAST, about the user's key and the next round. */
interface PreauthHints {
  /** The enctype, salt and s2kparams of the user's key. */
  info: { etype: number; salt?: string; s2kparams?: Uint8Array };
  /** The PA-FX-COOKIE to echo, if any. */
  cookie: PAData | null;
}

/** Evidence of the last armored AS exchange, for tests and diagnostics. */
export interface FastEvidence {
  /** The KDC's reply came in FAST and its finished checksum matched the ticket. */
  finishedVerified: boolean;
  /** The reply key was strengthened with the KDC's strengthen-key. */
  strengthened: boolean;
  /** The client pre-authenticated with encrypted challenge. */
  encryptedChallenge: boolean;
  /** The KDC's encrypted challenge was there and verified. */
  kdcChallengeVerified: boolean;
}

/** The evidence of each credential's last armored AS exchange. */
const evidence = new WeakMap<KerberosCredential, FastEvidence>();

/** Records what an armored AS exchange of `cred` showed (also PKINIT's, `pkinit_fast.ts`). */
export function recordFastEvidence(
  cred: KerberosCredential,
  e: FastEvidence,
): void {
  evidence.set(cred, e);
}

/** What the last armored AS exchange of `cred` showed (undefined: none yet). */
export function fastEvidence(
  cred: KerberosCredential,
): FastEvidence | undefined {
  return evidence.get(cred);
}

/**
 * An armored AS exchange for `sname` with `armorTgt` (a TGT of the user's realm); on
 * a KDC without FAST, `plain` (the unarmored exchange) when fallback is allowed.
 */
export async function fastAsExchange(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions: number | undefined,
  armorTgt: CachedTicket,
  allowFallback: boolean,
  plain: () => Promise<CachedTicket>,
): Promise<CachedTicket> {
  const state = makeArmor(armorTgt);
  try {
    return await rounds(cred, sname, kdcOptions, state, allowFallback, plain);
  } finally {
    wipeKey(state.armorKey);
  }
}

async function rounds(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions: number | undefined,
  state: FastArmorState,
  allowFallback: boolean,
  plain: () => Promise<CachedTicket>,
): Promise<CachedTicket> {
  const realm = cred.realm;
  const pac: PAData = {
    padataType: PA_PAC_REQUEST,
    padataValue: encodePaPacRequest(true),
  };
  let hints: PreauthHints | null = null;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const n = randomUint(31);
    const b = body(realm, sname, n, cred.cname);
    const reqBody = encodeKdcReqBody(
      kdcOptions === undefined ? b : { ...b, kdcOptions },
    );
    const key = hints &&
      userKey(
        cred,
        hints.info.etype,
        hints.info.salt ?? cred.defaultSalt,
        hints.info.s2kparams,
      );
    const inner: PAData[] = [];
    if (hints?.cookie) inner.push(hints.cookie);
    if (key) inner.push(encryptedChallenge(state.armorKey, key));
    inner.push(pac);
    const reply = await send(
      cred,
      realm,
      encodeAsReq({ padata: [armoredPaData(state, reqBody, inner)] }, reqBody),
    );
    if (appTag(reply) === 30) {
      const outer = decoded("KRB-ERROR", () => decodeKrbError(reply));
      const fx = openFastError(state, outer, n);
      if (!fx) {
        if (round === 0 && allowFallback) return await plain();
        throw fastDowngrade("AS-REQ", `error ${outer.errorCode}`);
      }
      const code = fx.error.errorCode;
      const again = code === KDC_ERR_PREAUTH_REQUIRED ||
        code === KDC_ERR_MORE_PREAUTH_DATA_REQUIRED;
      // Pre-authenticated once already: a second PREAUTH_REQUIRED is a refusal.
      if (!again || (key && code === KDC_ERR_PREAUTH_REQUIRED)) {
        kdcFailure(fx.error, "AS-REQ");
      }
      hints = preauthHints(fx.padata, hints);
      continue;
    }
    const rep = decoded("AS-REP", () => decodeKdcRep(reply));
    if (rep.msgType !== 11) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "the KDC did not answer with an AS-REP",
      );
    }
    const resp = openFastResponse(state, rep.padata, n);
    if (!resp) {
      if (round === 0 && allowFallback) return await plain();
      throw fastDowngrade("AS-REQ", "an AS-REP");
    }
    try {
      return armoredReply(cred, state, rep, resp, key, hints, n);
    } finally {
      resp.strengthenKey?.keyvalue.fill(0);
    }
  }
  throw new SspiError(
    SEC_E_UNSUPPORTED_PREAUTH,
    "the KDC kept asking for more pre-authentication",
  );
}

/**
 * Checks an armored AS-REP (finished message, the KDC's encrypted challenge) and
 * decrypts it with the strengthened reply key.
 */
function armoredReply(
  cred: KerberosCredential,
  state: FastArmorState,
  rep: KdcRep,
  resp: KrbFastResponse,
  key: KerberosKey | null,
  hints: PreauthHints | null,
  n: number,
): CachedTicket {
  checkFinished(state, rep, resp);
  const etype = rep.encPart.etype;
  if (!isSupportedEtype(etype)) {
    throw new SspiError(
      SEC_E_KDC_UNKNOWN_ETYPE,
      `the AS-REP uses enctype ${etype}`,
    );
  }
  const fromRep = etypeInfo(resp.padata);
  const longTerm = key && key.etype === etype ? key : userKey(
    cred,
    etype,
    fromRep?.salt ?? hints?.info.salt ?? cred.defaultSalt,
    fromRep?.s2kparams ?? hints?.info.s2kparams,
  );
  const kdcChallengeVerified = key !== null &&
    checkKdcChallenge(state.armorKey, longTerm, resp.padata);
  const strong = strengthenedKey(resp, longTerm);
  try {
    const t = finish(
      rep,
      strong ?? longTerm,
      KEY_USAGE_AS_REP_ENC_PART,
      n,
      "AS-REP",
    );
    evidence.set(cred, {
      finishedVerified: true,
      strengthened: strong !== null,
      encryptedChallenge: key !== null,
      kdcChallengeVerified,
    });
    return t;
  } finally {
    if (strong) wipeKey(strong);
  }
}

/**
 * The user's key parameters and the cookie from a FAST PREAUTH_REQUIRED error's
 * METHOD-DATA. Inside FAST the client pre-authenticates with encrypted challenge
 * (RFC 6113 5.4.6), which the KDC must offer: `SEC_E_UNSUPPORTED_PREAUTH` if not.
 */
function preauthHints(
  padata: readonly PAData[],
  previous: PreauthHints | null,
): PreauthHints {
  if (!padata.some((p) => p.padataType === PA_ENCRYPTED_CHALLENGE)) {
    throw new SspiError(
      SEC_E_UNSUPPORTED_PREAUTH,
      "the KDC offers no encrypted challenge (the pre-authentication FAST uses)",
    );
  }
  const info = etypeInfo(padata) ?? previous?.info;
  if (!info) {
    throw new SspiError(
      SEC_E_KDC_UNKNOWN_ETYPE,
      "the KDC offers no supported enctype for this user",
    );
  }
  return {
    info,
    cookie: padata.find((p) => p.padataType === PA_FX_COOKIE) ?? null,
  };
}
