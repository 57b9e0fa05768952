/**
 * The pieces of a FAST-armored AS exchange (RFC 6113 sections 5.4 and 6.5), without
 * I/O: the AP-REQ armor made from an armor TGT and the armor key it yields
 * (KRB-FX-CF2 of a fresh subkey and the TGT's session key), the PA-FX-FAST that wraps
 * a request's padata and body, the opening of the KDC's armored reply or error, the
 * check of `KrbFastFinished`, reply-key strengthening and encrypted challenge
 * (PA-ENCRYPTED-CHALLENGE, RFC 6113 section 5.4.6). The exchange that strings them
 * together is `fast_as.ts`'s. Every check failure is an `SspiError` with a status:
 * malformed DER `SEC_E_INVALID_TOKEN`, a reply that does not authenticate under the
 * armor key `SEC_E_MESSAGE_ALTERED`.
 *
 * @module
 */
import { DerError } from "../../der/errors.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_DOWNGRADE_DETECTED,
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_MUTUAL_AUTH_FAILED,
} from "../../sspi/status.ts";
import {
  checksum,
  checksumTypeOf,
  decrypt,
  encrypt,
  type KerberosKey,
  randomKey,
  verifyChecksum,
  wipeKey,
} from "./crypto.ts";
import { cf2 } from "./crypto_prf.ts";
import {
  decodeEncryptedData,
  decodeKrbError,
  decodeMethodData,
  decodePaEncTsEnc,
  encodeApReq,
  encodeAuthenticator,
  encodeEncryptedData,
  encodePaEncTsEnc,
  type KdcRep,
  type KrbError,
  type PAData,
  type PrincipalName,
} from "./messages.ts";
import {
  KEY_USAGE_AP_REQ_AUTH,
  PA_ENCRYPTED_CHALLENGE,
  PA_FX_ERROR,
  PA_FX_FAST,
} from "./constants.ts";
import type { CachedTicket } from "./credentials.ts";
import {
  decodeFastArmoredRep,
  decodeKrbFastResponse,
  encodeFastArmoredReq,
  encodeKrbFastReq,
  FX_FAST_ARMOR_AP_REQUEST,
  KEY_USAGE_ENC_CHALLENGE_CLIENT,
  KEY_USAGE_ENC_CHALLENGE_KDC,
  KEY_USAGE_FAST_ENC,
  KEY_USAGE_FAST_FINISHED,
  KEY_USAGE_FAST_REP,
  KEY_USAGE_FAST_REQ_CHKSUM,
  type KrbFastArmor,
  type KrbFastResponse,
} from "./fast_messages.ts";
import { authenticatorTime, decoded } from "./kdc_shared.ts";

/** The armor of one AS or TGS exchange: the AP-REQ to send and the armor key. */
export interface FastArmorState {
  /** The armor key (KRB-FX-CF2 of the subkey and the armor TGT's session key). */
  armorKey: KerberosKey;
  /**
   * The `KrbFastArmor` (an AP-REQ for the TGS with the subkey); absent for a
   * TGS-REQ, whose own PA-TGS-REQ is the armor (implicit armor, RFC 6113 5.4.1.1).
   */
  armor?: KrbFastArmor;
}

/**
 * Armor from an armor TGT (RFC 6113 5.4.1.1): an AP-REQ for `krbtgt` whose
 * authenticator carries a fresh random subkey of the session key's etype, and the
 * armor key KRB-FX-CF2(subkey, session key, "subkeyarmor", "ticketarmor"). The
 * subkey is wiped; the caller wipes `armorKey` (`wipeKey`) when done.
 */
export function makeArmor(tgt: CachedTicket): FastArmorState {
  const subkey = randomKey(tgt.key.etype);
  try {
    const auth = encodeAuthenticator({
      crealm: tgt.crealm,
      cname: tgt.cname,
      subkey: { keytype: subkey.etype, keyvalue: subkey.bytes },
      ...authenticatorTime(),
    });
    const cipher = encrypt(tgt.key, KEY_USAGE_AP_REQ_AUTH, auth);
    auth.fill(0);
    const apReq = encodeApReq({
      apOptions: 0,
      ticket: tgt.ticket,
      authenticator: { etype: tgt.key.etype, cipher },
    });
    return {
      armorKey: cf2(subkey, tgt.key, "subkeyarmor", "ticketarmor"),
      armor: { armorType: FX_FAST_ARMOR_AP_REQUEST, armorValue: apReq },
    };
  } finally {
    wipeKey(subkey);
  }
}

/**
 * The PA-FX-FAST of a request: `padata` and the body (`reqBody`, the same DER as
 * the outer request's) encrypted with the armor key (usage 51) in a `KrbFastReq`,
 * with the armor (if any) and the armor key's checksum (usage 50) over
 * `checksummed`: the body in an AS-REQ, the AP-REQ of PA-TGS-REQ in a TGS-REQ
 * (RFC 6113 5.4.2).
 */
export function armoredPaData(
  state: FastArmorState,
  reqBody: Uint8Array,
  padata: readonly PAData[],
  checksummed: Uint8Array = reqBody,
): PAData {
  const key = state.armorKey;
  const inner = encodeKrbFastReq({ fastOptions: 0, padata, reqBody });
  const cipher = encrypt(key, KEY_USAGE_FAST_ENC, inner);
  inner.fill(0);
  return {
    padataType: PA_FX_FAST,
    padataValue: encodeFastArmoredReq({
      armor: state.armor,
      reqChecksum: {
        cksumtype: checksumTypeOf(key.etype),
        checksum: checksum(key, KEY_USAGE_FAST_REQ_CHKSUM, checksummed),
      },
      encFastReq: { etype: key.etype, cipher },
    }),
  };
}

/**
 * The KDC's `KrbFastResponse` from the PA-FX-FAST in `padata` (a reply's padata or
 * an error's METHOD-DATA), decrypted with the armor key (usage 52); null when there
 * is no PA-FX-FAST, or only the empty one that advertises FAST. One that does not decrypt, or answers another nonce, is
 * `SEC_E_MESSAGE_ALTERED`.
 */
export function openFastResponse(
  state: FastArmorState,
  padata: readonly PAData[] | undefined,
  nonce: number,
): KrbFastResponse | null {
  const pa = padata?.find((p) => p.padataType === PA_FX_FAST);
  // Empty: a KDC's unarmored METHOD-DATA advertising FAST (MIT's), not a reply.
  if (!pa || pa.padataValue.length === 0) return null;
  const enc = decoded("PA-FX-FAST", () => decodeFastArmoredRep(pa.padataValue));
  const plain = enc.etype === state.armorKey.etype
    ? decrypt(state.armorKey, KEY_USAGE_FAST_REP, enc.cipher)
    : null;
  if (!plain) {
    throw new SspiError(
      SEC_E_MESSAGE_ALTERED,
      "the KDC's FAST reply does not decrypt with the armor key (altered in transit)",
    );
  }
  try {
    const resp = decoded("KrbFastResponse", () => decodeKrbFastResponse(plain));
    if (resp.nonce !== nonce) {
      throw new SspiError(
        SEC_E_MESSAGE_ALTERED,
        "the KDC's FAST reply answers another request (nonce)",
      );
    }
    return resp;
  } finally {
    plain.fill(0);
  }
}

/** The error inside a FAST-armored KRB-ERROR, and the padata beside it. */
export interface FastError {
  /** The KDC's real error (from PA-FX-ERROR). */
  error: KrbError;
  /** The rest of the `KrbFastResponse` padata (the METHOD-DATA: cookie, etype-info2, ...). */
  padata: PAData[];
}

/**
 * The FAST error inside a KRB-ERROR answering an armored request (RFC 6113 5.4.3:
 * its e-data is a METHOD-DATA with PA-FX-FAST, whose response holds PA-FX-ERROR);
 * null when the error is not armored (a KDC without FAST, or a forgery), which the
 * caller must not trust beyond "no FAST".
 */
export function openFastError(
  state: FastArmorState,
  err: KrbError,
  nonce: number,
): FastError | null {
  if (!err.eData) return null;
  let methods: PAData[];
  try {
    methods = decodeMethodData(err.eData);
  } catch (e) {
    if (e instanceof DerError) return null; // TYPED-DATA or junk: not FAST
    throw e;
  }
  const resp = openFastResponse(state, methods, nonce);
  if (!resp) return null;
  const fx = resp.padata.find((p) => p.padataType === PA_FX_ERROR);
  if (!fx) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "the KDC's armored error has no PA-FX-ERROR",
    );
  }
  return {
    error: decoded("PA-FX-ERROR", () => decodeKrbError(fx.padataValue)),
    padata: resp.padata.filter((p) => p.padataType !== PA_FX_ERROR),
  };
}

/** Whether two principal names are the same (type aside, as MIT compares). */
function samePrincipal(a: PrincipalName, b: PrincipalName): boolean {
  return a.nameString.length === b.nameString.length &&
    a.nameString.every((s, i) => s === b.nameString[i]);
}

/**
 * Checks the `KrbFastFinished` of an armored AS-REP or TGS-REP (RFC 6113 5.4.3):
 * present, its checksum the armor key's mandatory checksum (usage 53) over the DER of
 * the reply's ticket, and its client the reply's. Anything else is
 * `SEC_E_MESSAGE_ALTERED`: the unencrypted parts of the reply were changed.
 */
export function checkFinished(
  state: FastArmorState,
  rep: KdcRep,
  resp: KrbFastResponse,
): void {
  const fin = resp.finished;
  const fail = (why: string): never => {
    throw new SspiError(
      SEC_E_MESSAGE_ALTERED,
      `the KDC's FAST reply ${why} (altered in transit)`,
    );
  };
  if (!fin) fail("has no finished message");
  const ticket = rep.ticket.raw;
  if (
    !ticket || fin!.ticketChecksum.cksumtype !==
      checksumTypeOf(state.armorKey.etype) ||
    !verifyChecksum(
      state.armorKey,
      KEY_USAGE_FAST_FINISHED,
      ticket,
      fin!.ticketChecksum.checksum,
    )
  ) fail("does not match its ticket (finished checksum)");
  if (
    fin!.crealm !== rep.crealm || !samePrincipal(fin!.cname, rep.cname)
  ) fail("names another client than the reply");
}

/**
 * The reply key after strengthening (RFC 6113 5.4.3): KRB-FX-CF2(strengthen-key,
 * reply key, "strengthenkey", "replykey"), or null without a strengthen-key (then the
 * reply key is used as is). The caller wipes the result.
 */
export function strengthenedKey(
  resp: KrbFastResponse,
  replyKey: KerberosKey,
): KerberosKey | null {
  const s = resp.strengthenKey;
  if (!s) return null;
  const sk: KerberosKey = { etype: s.keytype, bytes: s.keyvalue };
  try {
    return cf2(sk, replyKey, "strengthenkey", "replykey");
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "the KDC's strengthen-key cannot be used (enctype or size)",
      );
    }
    throw e;
  } finally {
    s.keyvalue.fill(0);
  }
}

/** The client or KDC challenge key of encrypted challenge (RFC 6113 5.4.6). */
function challengeKey(
  armorKey: KerberosKey,
  longTerm: KerberosKey,
  kdc: boolean,
): KerberosKey {
  return cf2(
    armorKey,
    longTerm,
    kdc ? "kdcchallengearmor" : "clientchallengearmor",
    "challengelongterm",
  );
}

/**
 * PA-ENCRYPTED-CHALLENGE from the client: a PA-ENC-TS-ENC of now encrypted (usage
 * 54) with KRB-FX-CF2(armor key, user's key, "clientchallengearmor",
 * "challengelongterm").
 */
export function encryptedChallenge(
  armorKey: KerberosKey,
  userKey: KerberosKey,
): PAData {
  const now = Date.now();
  const plain = encodePaEncTsEnc({
    patimestamp: new Date(now - (now % 1000)),
    pausec: (now % 1000) * 1000,
  });
  const key = challengeKey(armorKey, userKey, false);
  try {
    return {
      padataType: PA_ENCRYPTED_CHALLENGE,
      padataValue: encodeEncryptedData({
        etype: key.etype,
        cipher: encrypt(key, KEY_USAGE_ENC_CHALLENGE_CLIENT, plain),
      }),
    };
  } finally {
    wipeKey(key);
  }
}

/**
 * Checks the KDC's PA-ENCRYPTED-CHALLENGE in a FAST reply's padata, if any: it must
 * decrypt (usage 55) with KRB-FX-CF2(armor key, user's key, "kdcchallengearmor",
 * "challengelongterm") to a PA-ENC-TS-ENC, proving the KDC knows the user's key
 * (`SEC_E_MUTUAL_AUTH_FAILED` otherwise). Returns whether one was there; without it
 * the reply's enc-part, which only the user's key opens, proves the same.
 */
export function checkKdcChallenge(
  armorKey: KerberosKey,
  userKey: KerberosKey,
  padata: readonly PAData[],
): boolean {
  const pa = padata.find((p) => p.padataType === PA_ENCRYPTED_CHALLENGE);
  if (!pa) return false;
  const enc = decoded(
    "PA-ENCRYPTED-CHALLENGE",
    () => decodeEncryptedData(pa.padataValue),
  );
  const key = challengeKey(armorKey, userKey, true);
  let plain: Uint8Array | null = null;
  try {
    plain = enc.etype === key.etype
      ? decrypt(key, KEY_USAGE_ENC_CHALLENGE_KDC, enc.cipher)
      : null;
    const ok = plain !== null && (() => {
      try {
        decodePaEncTsEnc(plain!);
        return true;
      } catch (e) {
        if (e instanceof DerError) return false;
        throw e;
      }
    })();
    if (!ok) {
      throw new SspiError(
        SEC_E_MUTUAL_AUTH_FAILED,
        "the KDC's encrypted challenge does not verify: it does not know the user's key",
      );
    }
    return true;
  } finally {
    plain?.fill(0);
    wipeKey(key);
  }
}

/**
 * The refusal of a KDC answer without FAST (`what`) to an armored `request`: a KDC
 * that does not support armoring and an attacker stripping it look the same.
 */
export function fastDowngrade(
  request: "AS-REQ" | "TGS-REQ",
  what: string,
): SspiError {
  return new SspiError(
    SEC_E_DOWNGRADE_DETECTED,
    `the KDC answered the armored ${request} with ${what} without FAST: it does ` +
      "not support Kerberos armoring (RFC 6113), or the answer was altered; " +
      "set FastArmor.AllowFallback to go on without armor",
  );
}
