/**
 * The NTLM client state machine (`InitializeSecurityContext`, MS-NLMP 3.1.5):
 * NEGOTIATE, then AUTHENTICATE in answer to the server's CHALLENGE.
 *
 * @module
 */
import { channelBindingsHash } from "../../sspi/channel_bindings.ts";
import { randomBytes } from "../../crypto/mod.ts";
import { randomInto } from "../../crypto/_random.ts";
import { bufferBytes, filetimeFromMs, findBuffer } from "../../sspi/buffers.ts";
import {
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_IDENTIFY,
  ISC_REQ_INTEGRITY,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_SEQUENCE_DETECT,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_CONNECTION,
  ISC_RET_IDENTIFY,
  ISC_RET_INTEGRITY,
  ISC_RET_REPLAY_DETECT,
  ISC_RET_SEQUENCE_DETECT,
  SECBUFFER_CHANNEL_BINDINGS,
} from "../../sspi/flags.ts";
import type {
  SecPkgInfo,
  StepRequest,
  StepResult,
} from "../../sspi/package.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_I_CONTINUE_NEEDED,
} from "../../sspi/status.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  concat,
  EMPTY_BYTES,
  readU32le,
  writeU64le,
} from "../../util/bytes.ts";
import { avFindEach, type AvPairValue, avRewrite } from "./av_pairs.ts";
import {
  MSV_AV_FLAG_MIC,
  MsvAvChannelBindings,
  MsvAvFlags,
  MsvAvNbComputerName,
  MsvAvNbDomainName,
  MsvAvTargetName,
  MsvAvTimestamp,
  NTLM_NEGOTIATE_OEM,
  NTLMSSP_ANONYMOUS,
  NTLMSSP_NEGOTIATE_128,
  NTLMSSP_NEGOTIATE_56,
  NTLMSSP_NEGOTIATE_ALWAYS_SIGN,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_IDENTIFY,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
  NTLMSSP_NEGOTIATE_LM_KEY,
  NTLMSSP_NEGOTIATE_NTLM,
  NTLMSSP_NEGOTIATE_SEAL,
  NTLMSSP_NEGOTIATE_SIGN,
  NTLMSSP_NEGOTIATE_TARGET_INFO,
  NTLMSSP_NEGOTIATE_UNICODE,
  NTLMSSP_NEGOTIATE_VERSION,
  NTLMSSP_REQUEST_TARGET,
  NTLMSSP_TARGET_TYPE_DOMAIN,
  NTLMSSP_TARGET_TYPE_SERVER,
} from "./constants.ts";
import {
  ANONYMOUS_KXKEY,
  computeMic,
  computeResponseV1,
  EXPORTED_KEY_SCRATCH,
  KXKEY,
  NTLMV2_SCRATCH,
  ntlmv2Values,
  rc4K,
} from "./crypto.ts";
import { NtlmContextBase } from "./context.ts";
import {
  decodeChallenge,
  encodeAuthenticate,
  encodeNegotiate,
  type NegotiateMessage,
  OUR_VERSION,
} from "./messages.ts";

// Constant inputs that are only ever copied into messages (never written): shared.
/** The MsvAvChannelBindings value without channel bindings: Z(16). */
const NO_CHANNEL_BINDINGS = new Uint8Array(16);
/** The LM response of an NTLMv2 client answering a server with a timestamp: Z(24). */
const Z24 = new Uint8Array(24);
/** The anonymous LM response: one zero byte (MS-NLMP 3.1.5.1.2). */
const ANONYMOUS_LM = new Uint8Array(1);

/** Where the NEGOTIATE is made again for the MIC (40 bytes; synchronous use). */
const NEGOTIATE_SCRATCH = new Uint8Array(40);
/**
 * Where the NTLMv2 response is built until it is copied into the message (it goes on
 * the wire; synchronous use); longer ones get an array of their own.
 */
const NT_RESPONSE_SCRATCH = new Uint8Array(2048);
/** EncryptedRandomSessionKey until it is copied into the message (not secret). */
const ENCRYPTED_KEY = new Uint8Array(16);
/** The CHALLENGE's TargetInfo pairs the client reads, and where `avFindEach` puts them. */
const CHALLENGE_PAIRS = [
  MsvAvNbComputerName,
  MsvAvNbDomainName,
  MsvAvTimestamp,
  MsvAvFlags,
];
const CHALLENGE_AT = new Int32Array(8);

/** The client's NEGOTIATE_MESSAGE: no domain or workstation, our VERSION. */
function negotiateMessage(flags: number): NegotiateMessage {
  return { flags, domain: "", workstation: "", version: OUR_VERSION };
}

/** What the client knows about its user (from the credential). */
export interface ClientIdentity {
  /** User name ("" for anonymous). */
  user: string;
  /** Domain. */
  domain: string;
  /** Workstation. */
  workstation: string;
  /** NT hash (null for anonymous). */
  ntHash: Uint8Array | null;
  /** LM hash, when known. */
  lmHash: Uint8Array | null;
  /** LmCompatibilityLevel. */
  lmCompat: number;
}

/** Flags the client asks for, from `fContextReq` (MS-NLMP 3.1.5.1.1). */
export function clientFlags(req: number, anonymous: boolean): number {
  let f = NTLMSSP_NEGOTIATE_UNICODE | NTLM_NEGOTIATE_OEM |
    NTLMSSP_REQUEST_TARGET |
    NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
    NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_VERSION |
    NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56 | NTLMSSP_NEGOTIATE_KEY_EXCH;
  if (
    req &
    (ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT |
      ISC_REQ_CONFIDENTIALITY)
  ) {
    f |= NTLMSSP_NEGOTIATE_SIGN;
  }
  if (req & ISC_REQ_CONFIDENTIALITY) f |= NTLMSSP_NEGOTIATE_SEAL;
  if (req & ISC_REQ_IDENTIFY) f |= NTLMSSP_NEGOTIATE_IDENTIFY;
  if (anonymous) f |= NTLMSSP_ANONYMOUS;
  return f >>> 0;
}

/** `ISC_RET_*` from what was asked and what was negotiated. */
export function clientRetFlags(req: number, neg: number): number {
  let r = 0;
  if (neg & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL)) {
    r |= req & ISC_REQ_INTEGRITY ? ISC_RET_INTEGRITY : 0;
    r |= req & ISC_REQ_REPLAY_DETECT ? ISC_RET_REPLAY_DETECT : 0;
    r |= req & ISC_REQ_SEQUENCE_DETECT ? ISC_RET_SEQUENCE_DETECT : 0;
  }
  if (neg & NTLMSSP_NEGOTIATE_SEAL && req & ISC_REQ_CONFIDENTIALITY) {
    r |= ISC_RET_CONFIDENTIALITY;
  }
  if (req & ISC_REQ_CONNECTION) r |= ISC_RET_CONNECTION;
  if (neg & NTLMSSP_NEGOTIATE_IDENTIFY) r |= ISC_RET_IDENTIFY;
  return r >>> 0;
}

/** An NTLM client context. */
export class NtlmClientContext extends NtlmContextBase {
  protected readonly mode = "Client" as const;
  #state: "initial" | "challenge" | "done" = "initial";
  #id: ClientIdentity;
  #offered = 0;

  constructor(info: SecPkgInfo, id: ClientIdentity) {
    super(info);
    this.#id = id;
  }

  step(req: StepRequest): StepResult {
    if (this.#state === "initial") return this.#negotiateStep(req);
    if (this.#state === "challenge") {
      try {
        return this.#authenticateStep(req);
      } catch (e) {
        // A refused CHALLENGE ends the handshake: the context must be deleted.
        this.#state = "done";
        throw e;
      }
    }
    return {
      status: SEC_E_OUT_OF_SEQUENCE,
      attrs: this.retFlags,
      message: "the NTLM handshake is already complete",
    };
  }

  #negotiateStep(req: StepRequest): StepResult {
    const anonymous = this.#id.ntHash === null;
    this.#offered = clientFlags(req.flags, anonymous);
    const token = encodeNegotiate(negotiateMessage(this.#offered), req.frame);
    this.serverName = req.target ?? "";
    this.#state = "challenge";
    this.retFlags = clientRetFlags(req.flags, this.#offered);
    return {
      status: SEC_I_CONTINUE_NEEDED,
      token,
      tokenIsFresh: true,
      attrs: this.retFlags,
    };
  }

  #authenticateStep(req: StepRequest): StepResult {
    const input = findBuffer(req.input, 2);
    const token = bufferBytes(input);
    if (!token.length) {
      return {
        status: SEC_E_INVALID_TOKEN,
        attrs: 0,
        message: "expected the server's CHALLENGE_MESSAGE",
      };
    }
    const chal = decodeChallenge(token); // throws SspiError(SEC_E_INVALID_TOKEN)
    const allowed = this.#offered | NTLMSSP_NEGOTIATE_TARGET_INFO |
      NTLMSSP_TARGET_TYPE_DOMAIN |
      NTLMSSP_TARGET_TYPE_SERVER | NTLMSSP_NEGOTIATE_LM_KEY;
    let flags = (chal.flags & allowed) >>> 0;
    if (flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
      flags &= ~NTLMSSP_NEGOTIATE_LM_KEY;
    }
    if (!(flags & (NTLMSSP_NEGOTIATE_UNICODE | NTLM_NEGOTIATE_OEM))) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "the CHALLENGE selects no character set",
      );
    }
    if (flags & NTLMSSP_NEGOTIATE_UNICODE) flags &= ~NTLM_NEGOTIATE_OEM;
    flags >>>= 0;
    const id = this.#id;
    const cb = findBuffer(req.input, SECBUFFER_CHANNEL_BINDINGS);
    let cbHash: Uint8Array = NO_CHANNEL_BINDINGS;
    if (cb) {
      const h = channelBindingsHash(bufferBytes(cb));
      if (!h) {
        throw new SspiError(
          SEC_E_INVALID_TOKEN,
          "malformed SEC_CHANNEL_BINDINGS buffer",
        );
      }
      cbHash = h;
    }
    let lmResponse: Uint8Array;
    let ntResponse: Uint8Array;
    let exported: Uint8Array;
    let encryptedKey: Uint8Array = EMPTY_BYTES;
    let sendMic = false;
    if (id.ntHash === null) {
      flags |= NTLMSSP_ANONYMOUS;
      lmResponse = ANONYMOUS_LM;
      ntResponse = EMPTY_BYTES;
      exported = EXPORTED_KEY_SCRATCH;
      if (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
        // The session key is still random. Samba's server refuses a KEY_EXCH logon
        // without the encrypted key (NT_STATUS_INVALID_PARAMETER).
        randomInto(exported, 0, 16);
        encryptedKey = rc4K(ANONYMOUS_KXKEY, exported, ENCRYPTED_KEY);
      } else {
        // No key exchange: no key worth signing with.
        flags &= ~(NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL);
      }
    } else {
      let clientChallenge: Uint8Array;
      let sessionBaseKey: Uint8Array;
      let v2 = id.lmCompat >= 3;
      if (v2) {
        const ti = chal.flags & NTLMSSP_NEGOTIATE_TARGET_INFO
          ? chal.targetInfo
          : EMPTY_BYTES;
        // MS-NLMP 3.1.5.1.2: without both NetBIOS names a server cannot be told
        // apart, which matters only when the session will be signed or sealed
        // (the JDK's NTLM server sends no TargetInfo at all).
        // [NetBIOS computer, NetBIOS domain, timestamp, flags], one walk.
        const at = avFindEach(ti, CHALLENGE_PAIRS, CHALLENGE_AT);
        if (
          (at[0] < 0 || at[2] < 0) &&
          req.flags & (ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |
              ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONFIDENTIALITY)
        ) {
          throw new SspiError(
            SEC_E_LOGON_DENIED,
            "the CHALLENGE's TargetInfo names no NetBIOS computer and domain, " +
              "which NTLMv2 needs when integrity or confidentiality is asked for",
          );
        }
        const tsAt = at[4], tsLen = at[5]; // read now: `at` is a shared scratch
        let avFlags = at[6] >= 0 && at[7] >= 4 ? readU32le(ti, at[6]) : 0;
        if (tsAt >= 0) {
          sendMic = true;
          avFlags |= MSV_AV_FLAG_MIC;
        }
        const extra: AvPairValue[] = [
          { id: MsvAvFlags, value: avFlags >>> 0 },
          { id: MsvAvChannelBindings, value: cbHash },
        ];
        if (req.target) {
          extra.push({ id: MsvAvTargetName, value: req.target });
        }
        // NtChallengeResponse = NTProofStr (16) || temp, temp = 28-byte header ||
        // AV pairs || Z(4), built in one array (3.3.2).
        const nt = avRewrite(
          ti,
          [MsvAvFlags, MsvAvTargetName, MsvAvChannelBindings],
          extra,
          16 + 28,
          4,
          NT_RESPONSE_SCRATCH,
        );
        nt[16] = 1;
        nt[17] = 1;
        if (tsAt >= 0 && tsLen === 8) {
          for (let k = 0; k < 8; k++) nt[24 + k] = ti[tsAt + k];
        } else {
          writeU64le(nt, 24, filetimeFromMs(Date.now()));
        }
        // The client challenge is drawn straight into the blob.
        randomInto(nt, 32, 8);
        clientChallenge = nt.subarray(32, 40);
        const temp = nt.subarray(16);
        const r = ntlmv2Values(
          id.ntHash,
          id.user,
          id.domain,
          chal.serverChallenge,
          clientChallenge,
          temp,
          NTLMV2_SCRATCH,
        );
        nt.set(r.ntProofStr, 0);
        ntResponse = nt;
        const ts = tsAt >= 0;
        // MS-NLMP 3.1.5.1.2: with a server timestamp, send Z(24) as the LM response.
        lmResponse = ts ? Z24 : concat(r.lmv2, clientChallenge);
        sessionBaseKey = r.sessionBaseKey;
      } else {
        v2 = false;
        clientChallenge = randomBytes(8);
        const lm = id.lmHash ?? new Uint8Array(16);
        const r = computeResponseV1(
          flags,
          id.ntHash,
          lm,
          chal.serverChallenge,
          clientChallenge,
        );
        ntResponse = r.ntResponse;
        lmResponse = r.lmResponse;
        sessionBaseKey = r.sessionBaseKey;
      }
      const kx = KXKEY(
        flags,
        sessionBaseKey,
        lmResponse,
        chal.serverChallenge,
        id.lmHash ?? new Uint8Array(16),
        v2,
      );
      // The exported key waits in a scratch until the session security copies it.
      exported = EXPORTED_KEY_SCRATCH;
      if (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
        randomInto(exported, 0, 16);
        encryptedKey = rc4K(kx, exported, ENCRYPTED_KEY);
      } else {
        exported.set(kx);
      }
      sessionBaseKey.fill(0);
      kx.fill(0);
    }
    let msg: Uint8Array;
    try {
      msg = this.#authenticate(
        req,
        flags,
        lmResponse,
        ntResponse,
        encryptedKey,
      );
      if (sendMic) {
        // Written straight into the MIC field (zero while the MIC is computed). The
        // NEGOTIATE depends only on the offered flags: made again for the MIC
        // rather than kept (the caller owns the one it sent).
        computeMic(
          exported,
          encodeNegotiate(negotiateMessage(this.#offered), NEGOTIATE_SCRATCH),
          token,
          msg,
          undefined,
          msg.subarray(72, 88),
        );
      }
      // An anonymous logon has a session key only through key exchange.
      if (id.ntHash !== null || flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
        this.secure(flags, exported, filetimeFromMs(Date.now()));
      }
    } finally {
      exported.fill(0);
    }
    this.micUsed = sendMic;
    this.negFlags = flags;
    this.clientName = id.ntHash === null
      ? ""
      : id.domain
      ? `${id.domain}\\${id.user}`
      : id.user;
    this.established = true;
    this.#state = "done";
    this.retFlags = clientRetFlags(req.flags, flags);
    return {
      status: SEC_E_OK,
      token: msg,
      tokenIsFresh: true,
      attrs: this.retFlags,
      expiry: 0x7fffffffffffffffn,
    };
  }

  /** The AUTHENTICATE message (framed for a wrapper when it asks). */
  #authenticate(
    req: StepRequest,
    flags: number,
    lmResponse: Uint8Array,
    ntResponse: Uint8Array,
    encryptedKey: Uint8Array,
  ): Uint8Array {
    const id = this.#id;
    return encodeAuthenticate(
      {
        flags,
        lmResponse,
        ntResponse,
        domain: id.domain,
        user: id.user,
        workstation: id.workstation,
        encryptedRandomSessionKey: encryptedKey,
        version: OUR_VERSION,
      },
      true,
      req.frame,
    );
  }
}
