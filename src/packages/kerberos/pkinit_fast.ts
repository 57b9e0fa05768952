/**
 * PKINIT inside FAST (RFC 4556 within RFC 6113), what `asExchange` runs for a
 * credential with both `Certificate` and `FastArmor`, as MIT's `kinit -T armor
 * -X X509_user_identity=...` and FreeIPA's smart-card clients log on. The AS-REQ
 * carries only PA-FX-FAST outside; PA-PK-AS-REQ (with PA-AS-FRESHNESS, PA-PAC-REQUEST
 * and the KDC's PA-FX-COOKIE) goes in the armored `KrbFastReq`. The PKAuthenticator's
 * paChecksum covers the inner request body (what MIT's KDC checks: the body the FAST
 * request carries, here the same DER as the outer one), and the RFC 8636 KDF binds
 * the AS-REQ as sent, PA-FX-FAST included. The KDC's errors come back inside FAST
 * (its METHOD-DATA there: cookie, freshness token, the PKINIT hints); the AS-REP's
 * PA-PK-AS-REP comes in the `KrbFastResponse`, whose finished checksum binds the
 * ticket, and the PKINIT reply key is strengthened with the KDC's strengthen-key
 * (KRB-FX-CF2(strengthen-key, reply key, "strengthenkey", "replykey")). A KDC that
 * answers without FAST is `SEC_E_DOWNGRADE_DETECTED`, or the plain PKINIT exchange
 * when `AllowFallback` says so.
 *
 * @module
 */
import { randomUint } from "../../crypto/_random.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_UNSUPPORTED_PREAUTH,
} from "../../sspi/status.ts";
import { wipeKey } from "./crypto.ts";
import {
  decodeKdcRep,
  decodeKrbError,
  encodeAsReq,
  encodeKdcReqBody,
  type PAData,
  type PrincipalName,
} from "./messages.ts";
import {
  KDC_ERR_PREAUTH_FAILED,
  KDC_ERR_PREAUTH_REQUIRED,
  PA_FX_COOKIE,
} from "./constants.ts";
import type { CachedTicket, KerberosCredential } from "./credentials.ts";
import {
  armoredPaData,
  checkFinished,
  type FastArmorState,
  fastDowngrade,
  makeArmor,
  openFastError,
  openFastResponse,
  strengthenedKey,
} from "./fast.ts";
import { KDC_ERR_MORE_PREAUTH_DATA_REQUIRED } from "./fast_messages.ts";
import { recordFastEvidence } from "./fast_as.ts";
import { appTag, body, decoded, kdcFailure, send } from "./kdc_shared.ts";
import {
  checkedReply,
  FRESHNESS_AND_PAC,
  freshnessTokenOf,
  noPkinit,
  PKINIT_ERROR_STATUSES,
  type PkinitRequest,
  pkinitRequest,
} from "./pkinit_as.ts";
import type { PkinitIdentity } from "./pkinit_identity.ts";

/**
 * Most armored AS-REQs one exchange sends: the PKINIT request, a request for a
 * freshness token when the KDC refused one without, the PKINIT request with it.
 */
const MAX_ROUNDS = 4;

/** What the KDC's FAST errors told so far, for the next armored PKINIT request. */
export interface PkinitNegotiation {
  /** The PA-FX-COOKIE to echo inside the armor, if any. */
  cookie: PAData | null;
  /** The freshness token (RFC 8070) to sign, once the KDC gave one. */
  token?: Uint8Array;
  /** The next request asks for a freshness token only (no PA-PK-AS-REQ). */
  probe: boolean;
}

/**
 * A PKINIT AS exchange for `sname` with `id`, armored with `armorTgt` (a TGT of the
 * user's realm); on a KDC that answers the first request without FAST, `plain` (the
 * unarmored PKINIT exchange) when fallback is allowed, else
 * `SEC_E_DOWNGRADE_DETECTED`. KDC errors become the statuses of
 * `PKINIT_ERROR_STATUSES`; a reply that fails a FAST or PKINIT check is
 * `SEC_E_MESSAGE_ALTERED` (or the certificate's status); malformed input
 * `SEC_E_INVALID_TOKEN`.
 */
export async function pkinitFastExchange(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions: number | undefined,
  id: PkinitIdentity,
  armorTgt: CachedTicket,
  allowFallback: boolean,
  plain: () => Promise<CachedTicket>,
): Promise<CachedTicket> {
  const state = makeArmor(armorTgt);
  const neg: PkinitNegotiation = { cookie: null, probe: false };
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const fallback = round === 0 && allowFallback ? plain : null;
      const t = neg.probe
        ? await probe(cred, sname, kdcOptions, state, neg)
        : await attempt(cred, sname, kdcOptions, id, state, neg, fallback);
      if (t) return t;
    }
  } finally {
    wipeKey(state.armorKey);
    neg.token?.fill(0);
  }
  throw new SspiError(
    SEC_E_UNSUPPORTED_PREAUTH,
    "the KDC kept asking for more pre-authentication",
  );
}

/** The armored AS-REQ: PA-FX-FAST outside, the cookie and `padata` inside. */
function armoredAsReq(
  state: FastArmorState,
  neg: PkinitNegotiation,
  bodyDer: Uint8Array,
  padata: readonly PAData[],
): Uint8Array {
  const inner = neg.cookie ? [neg.cookie, ...padata] : [...padata];
  return encodeAsReq(
    { padata: [armoredPaData(state, bodyDer, inner)] },
    bodyDer,
  );
}

/**
 * One armored PKINIT request and its answer: the ticket, or null when the KDC's
 * FAST error asks for another round (`neg` updated).
 */
async function attempt(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions: number | undefined,
  id: PkinitIdentity,
  state: FastArmorState,
  neg: PkinitNegotiation,
  fallback: (() => Promise<CachedTicket>) | null,
): Promise<CachedTicket | null> {
  const req = pkinitFastRequest(cred, sname, kdcOptions, id, state, neg);
  try {
    const reply = await send(cred, cred.realm, req.asReq);
    const t = await pkinitFastReply(cred, id, state, req, reply, neg);
    if (t !== UNARMORED) return t;
    if (fallback) return await fallback();
    throw fastDowngrade(
      "AS-REQ",
      appTag(reply) === 30 ? "an error" : "an AS-REP",
    );
  } finally {
    req.dispose();
  }
}

/**
 * The armored PKINIT AS-REQ for `sname` with `id`: PA-FX-FAST (armor of `state`)
 * outside; inside, `neg`'s cookie, PA-PK-AS-REQ (signing `neg`'s freshness token, if
 * any), PA-AS-FRESHNESS and PA-PAC-REQUEST. The caller disposes the request.
 */
export function pkinitFastRequest(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions: number | undefined,
  id: PkinitIdentity,
  state: FastArmorState,
  neg: PkinitNegotiation,
): PkinitRequest {
  return pkinitRequest(
    cred,
    sname,
    kdcOptions,
    id,
    neg.token,
    (bodyDer, padata) => armoredAsReq(state, neg, bodyDer, padata),
  );
}

/** `pkinitFastReply`'s answer when the KDC's reply is not armored. */
export const UNARMORED = "unarmored";

/**
 * The KDC's answer `reply` to the armored PKINIT request `req`: the ticket (FAST
 * and PKINIT checks passed, decrypted with the strengthened reply key); null when
 * its FAST error asks for another round (`neg` updated: cookie, freshness token, or
 * a request for one); `UNARMORED` when the answer is not armored (a downgrade,
 * unless fallback is allowed). Everything else is an `SspiError`: the KDC's error
 * as `PKINIT_ERROR_STATUSES` maps it, a reply that fails a check
 * `SEC_E_MESSAGE_ALTERED` (or the KDC certificate's status), malformed input
 * `SEC_E_INVALID_TOKEN`. `state`'s armor key is not wiped.
 */
export async function pkinitFastReply(
  cred: KerberosCredential,
  id: PkinitIdentity,
  state: FastArmorState,
  req: PkinitRequest,
  reply: Uint8Array,
  neg: PkinitNegotiation,
): Promise<CachedTicket | null | typeof UNARMORED> {
  if (appTag(reply) !== 30) {
    return await armoredReply(cred, id, state, req, reply);
  }
  const fx = fastError(state, reply, req.nonce);
  if (!fx) return UNARMORED;
  const { code, methods } = fx;
  neg.cookie = methods.find((p) => p.padataType === PA_FX_COOKIE) ??
    neg.cookie;
  // A KDC that requires freshness tokens refuses a PKINIT request without one
  // (MIT: PREAUTH_FAILED), giving the token now or on a request without PKINIT.
  if (!neg.token && (code === KDC_ERR_PREAUTH_FAILED || again(code))) {
    neg.token = freshnessTokenOf(methods);
    if (neg.token) return null;
    if (code === KDC_ERR_PREAUTH_FAILED) {
      neg.probe = true;
      return null;
    }
  }
  if (code === KDC_ERR_PREAUTH_REQUIRED) noPkinit(methods);
  return kdcFailure(fx.error, "PKINIT AS-REQ", PKINIT_ERROR_STATUSES);
}

/** Whether `code` asks for (more) pre-authentication. */
function again(code: number): boolean {
  return code === KDC_ERR_PREAUTH_REQUIRED ||
    code === KDC_ERR_MORE_PREAUTH_DATA_REQUIRED;
}

/** The KDC's error inside the FAST error `reply`, or null when it is not armored. */
function fastError(state: FastArmorState, reply: Uint8Array, nonce: number) {
  const outer = decoded("KRB-ERROR", () => decodeKrbError(reply));
  const fx = openFastError(state, outer, nonce);
  return fx &&
    { error: fx.error, code: fx.error.errorCode, methods: fx.padata };
}

/**
 * Checks an armored AS-REP answering `req` (PA-FX-FAST present, finished checksum)
 * and its PKINIT answer inside, and decrypts it with the strengthened reply key;
 * `UNARMORED` without PA-FX-FAST.
 */
async function armoredReply(
  cred: KerberosCredential,
  id: PkinitIdentity,
  state: FastArmorState,
  req: PkinitRequest,
  reply: Uint8Array,
): Promise<CachedTicket | typeof UNARMORED> {
  const rep = decoded("AS-REP", () => decodeKdcRep(reply));
  if (rep.msgType !== 11) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "the KDC did not answer with an AS-REP",
    );
  }
  const resp = openFastResponse(state, rep.padata, req.nonce);
  if (!resp) return UNARMORED;
  try {
    checkFinished(state, rep, resp);
    let strengthened = false;
    const t = await checkedReply(cred, id, req, rep, {
      padata: resp.padata,
      strengthen: (k) => {
        const s = strengthenedKey(resp, k);
        strengthened = s !== null;
        return s;
      },
    });
    recordFastEvidence(cred, {
      finishedVerified: true,
      strengthened,
      encryptedChallenge: false,
      kdcChallengeVerified: false,
    });
    return t;
  } finally {
    resp.strengthenKey?.keyvalue.fill(0);
  }
}

/**
 * An armored AS-REQ without PA-PK-AS-REQ (PA-AS-FRESHNESS empty, PA-PAC-REQUEST),
 * whose PREAUTH_REQUIRED error's METHOD-DATA (inside FAST) gives the freshness token
 * the next PKINIT request signs (RFC 8070). Never the first request, so an answer
 * without FAST is a downgrade. Null: go on with the next round.
 */
async function probe(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions: number | undefined,
  state: FastArmorState,
  neg: PkinitNegotiation,
): Promise<null> {
  neg.probe = false;
  const nonce = randomUint(31);
  const b = body(cred.realm, sname, nonce, cred.cname);
  const bodyDer = encodeKdcReqBody(
    kdcOptions === undefined ? b : { ...b, kdcOptions },
  );
  const reply = await send(
    cred,
    cred.realm,
    armoredAsReq(state, neg, bodyDer, FRESHNESS_AND_PAC),
  );
  if (appTag(reply) !== 30) {
    throw new SspiError(
      SEC_E_UNSUPPORTED_PREAUTH,
      "the KDC refused the PKINIT request without a freshness token, but gives " +
        "tickets without pre-authentication",
    );
  }
  const fx = fastError(state, reply, nonce);
  if (!fx) throw fastDowngrade("AS-REQ", "an error");
  neg.cookie = fx.methods.find((p) => p.padataType === PA_FX_COOKIE) ??
    neg.cookie;
  neg.token = again(fx.code) ? freshnessTokenOf(fx.methods) : undefined;
  if (!neg.token) {
    throw new SspiError(
      SEC_E_UNSUPPORTED_PREAUTH,
      "the KDC refused the PKINIT request and gives no freshness token",
    );
  }
  return null;
}
