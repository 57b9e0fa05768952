/**
 * The Negotiate server (`AcceptSecurityContext`, RFC 4178 section 3.2, MS-SPNG 3.2.5):
 * picks the first of the client's mechanisms it has a credential for, asks for it when
 * the optimistic token is for another one, requires and checks the mechListMIC, and
 * accepts a raw NTLMSSP token without SPNEGO framing (then it is plain NTLM).
 *
 * @module
 */
import { inputToken } from "../../sspi/buffers.ts";
import { EMPTY_BYTES } from "../../util/bytes.ts";
import { ASC_RET_INTEGRITY } from "../../sspi/flags.ts";
import type {
  StepRequest,
  StepResult,
  TokenFrame,
} from "../../sspi/package.ts";
import type { InnerCredential } from "./credentials.ts";
import {
  continues,
  isFailure,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_I_CONTINUE_NEEDED,
} from "../../sspi/status.ts";
import {
  decodeToken,
  failure,
  type Maybe,
  NegotiateContextBase,
  respond,
  then,
} from "./_base.ts";
import { isNtlmssp } from "./_ntlm.ts";
import {
  ACCEPT_COMPLETED,
  ACCEPT_INCOMPLETE,
  NEG_HINT_IGNORE,
  packageForOid,
  REJECT,
  REQUEST_MIC,
} from "./constants.ts";
import {
  encodeNegTokenInit,
  keepMechTypesDer,
  negTokenRespFrame,
} from "./encode.ts";
import type { NegTokenInit, NegTokenResp } from "./messages.ts";

/** The frames of the first reply (accept-incomplete, supportedMech), by mechanism. */
const firstFrames = new Map<string, TokenFrame>();

/** Where the first reply puts the mechanism's token (see `negTokenRespFrame`). */
function firstReplyFrame(oid: string): TokenFrame {
  let f = firstFrames.get(oid);
  if (!f) {
    f = negTokenRespFrame(ACCEPT_INCOMPLETE, oid);
    if (firstFrames.size < 32) firstFrames.set(oid, f);
  }
  return f;
}

/** The Negotiate server state machine. */
export class NegotiateServerContext extends NegotiateContextBase {
  #state: "start" | "hinted" | "wait" | "raw" | "done" = "start";
  #mechTypesDer: Uint8Array = EMPTY_BYTES;
  #initMic: Uint8Array | undefined;
  #micRequired = false;
  #gotMic = false;
  #sentMic = false;
  #supportedMech = "";

  step(req: StepRequest): Maybe<StepResult> {
    const token = inputToken(req.input);
    switch (this.#state) {
      case "done":
        return this.#afterDone(token);
      case "raw":
        return this.#raw(req, token);
      case "start":
        if (!token) return this.#hints();
        if (isNtlmssp(token)) return this.#startRaw(req, token);
        break;
    }
    if (!token) {
      return failure(SEC_E_INVALID_TOKEN, "no SPNEGO token from the client");
    }
    const t = decodeToken(token);
    if (this.#state === "wait") {
      if (t.type !== "resp") {
        return failure(SEC_E_INVALID_TOKEN, "expected a NegTokenResp");
      }
      return this.#continue(req, t);
    }
    if (t.type !== "init") {
      return failure(SEC_E_INVALID_TOKEN, "expected a NegTokenInit");
    }
    return this.#init(req, t);
  }

  /**
   * A token after completion. The one taken: the client's mechListMIC when the
   * handshake completed without one (an optimistic mechanism that needed no MIC),
   * which pyspnego's acceptor takes from Windows clients after the MS Kerberos OID.
   * It is verified against the list the client sent, and moves the mechanism's
   * sequence numbers on as the client's did. Anything else is out of sequence.
   */
  #afterDone(token: Uint8Array | null): StepResult {
    const t = token && this.established && !this.#gotMic &&
        this.#mechTypesDer.length !== 0
      ? decodeToken(token)
      : null;
    if (
      t?.type !== "resp" || !t.mechListMIC || t.responseToken ||
      t.supportedMech || t.negState === REJECT || t.negState === REQUEST_MIC
    ) {
      return failure(SEC_E_OUT_OF_SEQUENCE, "the handshake already completed");
    }
    this.verifyMic(this.#mechTypesDer, t.mechListMIC);
    this.#gotMic = true;
    return {
      status: SEC_E_OK,
      token: null,
      attrs: this.innerAttrs,
      expiry: this.expiry,
    };
  }

  /** Server-initiated SPNEGO: NegTokenInit2 with the mechanisms and Windows' hint. */
  #hints(): StepResult {
    this.#state = "hinted";
    return {
      status: SEC_I_CONTINUE_NEEDED,
      tokenIsFresh: true,
      token: encodeNegTokenInit({
        mechTypes: this.cred.inner.flatMap((c) => c.oids),
        negHints: { hintName: NEG_HINT_IGNORE },
      }, true),
      attrs: 0,
    };
  }

  /** A raw NTLMSSP token: plain NTLM from here on, as Windows does. */
  #startRaw(req: StepRequest, token: Uint8Array): Maybe<StepResult> {
    const ntlm = this.cred.find("NTLM");
    if (!ntlm) {
      return failure(
        SEC_E_INVALID_TOKEN,
        "a raw NTLMSSP token, but Negotiate has no NTLM credential",
      );
    }
    this.startInner(ntlm);
    this.#state = "raw";
    return this.#raw(req, token);
  }

  #raw(req: StepRequest, token: Uint8Array | null): Maybe<StepResult> {
    return then(this.innerStep(req, token), (r) => {
      if (isFailure(r.status)) {
        this.#state = "done";
      } else if (!continues(r.status)) {
        this.#state = "done";
        this.established = true;
      }
      return r;
    });
  }

  /** The client's NegTokenInit: choose a mechanism, run its optimistic token. */
  #init(req: StepRequest, t: NegTokenInit): Maybe<StepResult> {
    let chosenOid = "";
    let name: string | undefined;
    let chosen: InnerCredential | undefined;
    for (const oid of t.mechTypes) {
      name = packageForOid(oid);
      chosen = name ? this.cred.find(name) : undefined;
      if (chosen) {
        chosenOid = oid;
        break;
      }
    }
    if (!chosen) {
      this.#state = "done";
      return failure(
        SEC_E_LOGON_DENIED,
        `no mechanism in common with the client (offered ${
          t.mechTypes.join(", ") || "none"
        })`,
      );
    }
    this.startInner(chosen);
    this.#mechTypesDer = keepMechTypesDer(t.mechTypes, t.mechTypesDer);
    this.#initMic = t.mechListMIC?.slice();
    this.#supportedMech = chosenOid;
    this.#state = "wait";
    const optimistic = packageForOid(t.mechTypes[0]) === name;
    if (!optimistic) this.#micRequired = true;
    if (optimistic && t.mechToken) {
      return then(
        this.innerStep(req, t.mechToken, firstReplyFrame(chosenOid)),
        (r) => this.#afterInner(r, t.mechToken!, undefined, true),
      );
    }
    // Ask for the chosen mechanism's first token (RFC 4178 section 5: request-mic when
    // it is not the client's preferred one). This is the first reply: supportedMech
    // is not sent again (4.2.2).
    this.#first = false;
    return respond(SEC_I_CONTINUE_NEEDED, {
      negState: optimistic ? ACCEPT_INCOMPLETE : REQUEST_MIC,
      supportedMech: chosenOid,
    }, 0);
  }

  #first = true;

  /** A NegTokenResp from the client. */
  #continue(req: StepRequest, t: NegTokenResp): Maybe<StepResult> {
    if (t.negState === REJECT) {
      this.#state = "done";
      return failure(SEC_E_LOGON_DENIED, "the client rejected the negotiation");
    }
    if (t.responseToken) {
      if (this.innerDone) {
        return failure(
          SEC_E_INVALID_TOKEN,
          "a mechanism token after completion",
        );
      }
      const tok = t.responseToken;
      return then(
        this.innerStep(req, tok),
        (r) => this.#afterInner(r, tok, t.mechListMIC, false),
      );
    }
    if (!this.innerDone) {
      return failure(SEC_E_INVALID_TOKEN, "the token has no responseToken");
    }
    return this.#afterInner(null, null, t.mechListMIC, false);
  }

  #afterInner(
    r: StepResult | null,
    clientToken: Uint8Array | null,
    mic: Uint8Array | undefined,
    first: boolean,
  ): StepResult {
    if (r && isFailure(r.status)) {
      this.#state = "done";
      if (!r.token?.length) return r;
      // The mechanism's error token (a Kerberos KRB-ERROR) goes to the client
      // inside a reject, where SPNEGO initiators look for it (RFC 4178 4.2.2).
      return {
        ...respond(r.status, {
          negState: REJECT,
          supportedMech: first || this.#first ? this.#supportedMech : undefined,
          responseToken: r.token,
        }, r.attrs),
        message: r.message,
      };
    }
    const supportedMech = first || this.#first
      ? this.#supportedMech
      : undefined;
    this.#first = false;
    const responseToken = r?.token ?? undefined;
    if (!this.innerDone) {
      return respond(
        SEC_I_CONTINUE_NEEDED,
        { negState: ACCEPT_INCOMPLETE, supportedMech, responseToken },
        r?.attrs ?? 0,
        r?.expiry,
        r?.tokenIsFresh === true,
      );
    }
    if (clientToken && this.inner?.requiresMechListMic?.()) {
      // NTLM put a MIC in AUTHENTICATE: the client can and must protect the list.
      this.#micRequired = true;
    }
    const theirs = mic ?? this.#initMic;
    this.#initMic = undefined;
    this.#state = "done";
    if (theirs) {
      this.verifyMic(this.#mechTypesDer, theirs);
      this.#gotMic = true;
    } else if (this.#micRequired && !responseToken) {
      // The client's mechanism finished with the token it just sent (NTLM's
      // AUTHENTICATE, or a late MIC that is missing): its mechListMIC had to come.
      return failure(
        SEC_E_INVALID_TOKEN,
        "the client sent no mechListMIC although one is required (downgrade protection)",
      );
    }
    let ours: Uint8Array | undefined;
    if (
      !this.#sentMic && (theirs || this.#micRequired) &&
      this.canMic(ASC_RET_INTEGRITY)
    ) {
      ours = this.makeMic(this.#mechTypesDer);
      this.#sentMic = true;
    }
    if (this.#micRequired && !this.#gotMic) {
      if (!ours) {
        return failure(
          SEC_E_INVALID_TOKEN,
          "a mechListMIC is required but the mechanism cannot sign",
        );
      }
      // Our mechanism finished with a token for the client (a Kerberos AP-REP): the
      // client's mechanism completes on it, then it sends its mechListMIC (RFC 4178
      // section 5). Ours goes now, with accept-incomplete.
      this.#state = "wait";
      return respond(
        SEC_I_CONTINUE_NEEDED,
        {
          negState: ACCEPT_INCOMPLETE,
          supportedMech,
          responseToken,
          mechListMIC: ours,
        },
        this.innerAttrs,
        this.expiry,
      );
    }
    this.established = true;
    return respond(
      SEC_E_OK,
      {
        negState: ACCEPT_COMPLETED,
        supportedMech,
        responseToken,
        mechListMIC: ours,
      },
      this.innerAttrs,
      this.expiry,
    );
  }
}
