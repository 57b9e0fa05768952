/**
 * The Negotiate client (`InitializeSecurityContext`, RFC 4178 section 3.2, MS-SPNG
 * 3.1.5): offers the mechanisms it has credentials for, sends the first one's
 * optimistic token, follows the acceptor's choice, and exchanges mechListMICs.
 *
 * @module
 */
import { inputToken } from "../../sspi/buffers.ts";
import { constantTimeEqual, EMPTY_BYTES } from "../../util/bytes.ts";
import { SspiError } from "../../sspi/errors.ts";
import { ISC_RET_INTEGRITY, SECPKG_ATTR_SIZES } from "../../sspi/flags.ts";
import type {
  PackageContext,
  SecurityPackage,
  StepRequest,
  StepResult,
  TokenFrame,
} from "../../sspi/package.ts";
import {
  isFailure,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
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
import {
  ACCEPT_COMPLETED,
  ACCEPT_INCOMPLETE,
  packageForOid,
  REJECT,
  REQUEST_MIC,
} from "./constants.ts";
import type { InnerCredential } from "./credentials.ts";
import {
  encodeMechTypeList,
  encodeNegTokenInit,
  encodeNegTokenResp,
  negTokenInitFrame,
  negTokenRespFrame,
} from "./encode.ts";
import type { NegTokenResp } from "./messages.ts";

/** The mechanism list offered with all of a credential's mechanisms, made once. */
const fullLists = new WeakMap<
  readonly InnerCredential[],
  { mechTypes: string[]; mechTypesDer: Uint8Array }
>();

/**
 * The OIDs of `offers` and the DER of their MechTypeList (shared when `offers` is the
 * credential's whole list, `all`: never modify it).
 */
function mechList(
  all: readonly InnerCredential[],
  offers: readonly InnerCredential[],
): { mechTypes: string[]; mechTypesDer: Uint8Array } {
  const full = offers.length === all.length &&
    offers.every((o, i) => o === all[i]);
  let l = full ? fullLists.get(all) : undefined;
  if (!l) {
    const mechTypes = offers.flatMap((o) => o.oids);
    l = { mechTypes, mechTypesDer: encodeMechTypeList(mechTypes) };
    if (full) fullLists.set(all, l);
  }
  return l;
}

/** The frames of `replyFrame`, by package. */
const replyFrames = new WeakMap<SecurityPackage, TokenFrame>();

/**
 * Where the reply to the server puts the mechanism's token: accept-incomplete, the
 * token, then a mechListMIC of the mechanism's signature size (`cbMaxSignature`), for
 * when the mechanism completes with that token. Other shapes are copied.
 */
function replyFrame(pkg: SecurityPackage, inner: PackageContext): TokenFrame {
  let f = replyFrames.get(pkg);
  if (!f) {
    const sizes = inner.queryAttribute(SECPKG_ATTR_SIZES);
    const mic = sizes.status === SEC_E_OK
      ? (sizes.value as { cbMaxSignature?: number }).cbMaxSignature
      : undefined;
    f = negTokenRespFrame(ACCEPT_INCOMPLETE, undefined, mic || undefined);
    // Cached once the package answered (it may need an established context). A
    // mechanism whose signature size varies by context keeps the first answer; a
    // token framed for another size is copied, not lost.
    if (mic) replyFrames.set(pkg, f);
  }
  return f;
}

/**
 * Windows 2000 servers copy their responseToken into the mechListMIC field (Samba's
 * `spnego:simulate_w2k` acceptor does the same, and Samba's client drops it). Such a
 * field is no MIC, so it is dropped. This weakens nothing: whether a MIC is required
 * is decided apart from what the server sends, and a required one that is missing
 * fails.
 */
function withoutEchoedMic(t: NegTokenResp): NegTokenResp {
  const { mechListMIC: mic, responseToken: tok } = t;
  if (!mic || !tok || !constantTimeEqual(mic, tok)) return t;
  return { ...t, mechListMIC: undefined };
}

/** The Negotiate client state machine. */
export class NegotiateClientContext extends NegotiateContextBase {
  #state: "start" | "wait" | "done" = "start";
  #offers: readonly InnerCredential[] = [];
  #mechTypesDer: Uint8Array = EMPTY_BYTES;
  #firstReply = true;
  #micRequired = false;
  #sentMic = false;
  #gotMic = false;
  #serverDone = false;

  step(req: StepRequest): Maybe<StepResult> {
    if (this.#state === "start") return this.#start(req);
    if (this.#state === "done") {
      return failure(SEC_E_OUT_OF_SEQUENCE, "the handshake already completed");
    }
    const token = inputToken(req.input);
    if (!token) {
      return failure(SEC_E_INVALID_TOKEN, "no SPNEGO token from the server");
    }
    const t = decodeToken(token);
    if (t.type !== "resp") {
      return failure(SEC_E_INVALID_TOKEN, "expected a NegTokenResp");
    }
    return this.#reply(req, withoutEchoedMic(t));
  }

  /** First call: choose the offers (narrowed by a server's NegTokenInit2, if any). */
  #start(req: StepRequest): Maybe<StepResult> {
    let offers = this.cred.inner;
    const token = inputToken(req.input);
    if (token) {
      const t = decodeToken(token);
      if (t.type !== "init") {
        return failure(SEC_E_INVALID_TOKEN, "expected a NegTokenInit2");
      }
      const theirs = new Set(t.mechTypes.map(packageForOid));
      offers = offers.filter((o) => theirs.has(o.name));
    }
    return this.#tryMech(req, offers);
  }

  /** Starts the first offer; one that fails at once is dropped (MS-SPNG 3.1.5.2). */
  #tryMech(
    req: StepRequest,
    offers: readonly InnerCredential[],
  ): Maybe<StepResult> {
    if (offers.length === 0) {
      return failure(
        SEC_E_LOGON_DENIED,
        "Negotiate has no mechanism in common with the server",
      );
    }
    this.startInner(offers[0]);
    const { mechTypes, mechTypesDer } = mechList(this.cred.inner, offers);
    const frame = negTokenInitFrame(mechTypesDer);
    const run = (): Maybe<StepResult> =>
      then(this.innerStep(req, null, frame), (r) => {
        if (isFailure(r.status)) {
          return offers.length > 1 ? this.#tryMech(req, offers.slice(1)) : r;
        }
        this.#offers = offers;
        this.#mechTypesDer = mechTypesDer;
        this.#state = "wait";
        return {
          status: SEC_I_CONTINUE_NEEDED,
          tokenIsFresh: true,
          token: encodeNegTokenInit(
            { mechTypes, mechTypesDer, mechToken: r.token ?? undefined },
            true,
            r.tokenIsFresh === true,
          ),
          attrs: r.attrs,
          expiry: r.expiry,
        };
      });
    try {
      const v = run();
      return v instanceof Promise
        ? v.catch((e) => this.#retry(e, req, offers))
        : v;
    } catch (e) {
      return this.#retry(e, req, offers);
    }
  }

  #retry(
    e: unknown,
    req: StepRequest,
    offers: readonly InnerCredential[],
  ): Maybe<StepResult> {
    if (e instanceof SspiError && offers.length > 1) {
      return this.#tryMech(req, offers.slice(1));
    }
    throw e;
  }

  /** A NegTokenResp from the server. */
  #reply(req: StepRequest, t: NegTokenResp): Maybe<StepResult> {
    if (t.negState === REJECT) {
      this.#state = "done";
      const rejected = failure(
        SEC_E_LOGON_DENIED,
        "the server rejected the negotiation",
      );
      // A mechanism error token in the reject (a Kerberos KRB-ERROR) goes to the
      // mechanism, whose status says why (and which drops a ticket the service
      // could not use), as MIT's SPNEGO does.
      if (
        !t.responseToken?.length || !this.inner || this.innerDone ||
        !this.inner.readsRejectToken?.()
      ) {
        return rejected;
      }
      return then(
        this.innerStep(req, t.responseToken),
        (r) => isFailure(r.status) ? r : rejected,
      );
    }
    let fresh = false;
    if (this.#firstReply) {
      this.#firstReply = false;
      if (!t.supportedMech) {
        return failure(
          SEC_E_INVALID_TOKEN,
          "the first reply has no supportedMech",
        );
      }
      const name = packageForOid(t.supportedMech);
      const pick = this.#offers.find((o) => o.name === name);
      if (!pick) {
        return failure(
          SEC_E_INVALID_TOKEN,
          `the server chose a mechanism that was not offered (${t.supportedMech})`,
        );
      }
      if (pick !== this.chosen) {
        if (t.responseToken) {
          // The client starts the counter-proposed mechanism: a token from the
          // server can only belong to the one it declined (MIT rejects it too).
          return failure(
            SEC_E_INVALID_TOKEN,
            "the server chose another mechanism but sent a token for it",
          );
        }
        // The optimistic token is discarded; the chosen mechanism starts now and the
        // mechanism list must be protected by a MIC (RFC 4178 section 5).
        this.startInner(pick);
        this.#micRequired = true;
        fresh = true;
      }
    } else if (
      t.supportedMech &&
      packageForOid(t.supportedMech) !== this.chosen?.name
    ) {
      // Samba repeats the chosen mechanism in later replies (a DCE-style Kerberos
      // exchange in RPC binds); another one is a change of mind nobody may make.
      return failure(
        SEC_E_INVALID_TOKEN,
        "supportedMech names another mechanism after the first reply",
      );
    }
    if (t.negState === REQUEST_MIC) this.#micRequired = true;
    if (t.negState === ACCEPT_COMPLETED) this.#serverDone = true;
    let inner: Maybe<StepResult | null> = null;
    if (t.responseToken?.length === 0 && this.innerDone) {
      // Old IIS sends an empty responseToken where a mechanism that finished
      // (Kerberos without mutual authentication) has nothing to say; MIT takes it.
      t = { ...t, responseToken: undefined };
    }
    if (t.responseToken) {
      if (this.innerDone) {
        return failure(
          SEC_E_INVALID_TOKEN,
          "a mechanism token after completion",
        );
      }
      inner = this.innerStep(
        req,
        t.responseToken,
        replyFrame(this.chosen!.pkg, this.inner!),
      );
    } else if (fresh) {
      inner = this.innerStep(req, null);
    } else if (!this.innerDone) {
      return failure(SEC_E_INVALID_TOKEN, "the reply has no responseToken");
    }
    return then(inner, (r) => this.#afterInner(t, r));
  }

  #afterInner(t: NegTokenResp, r: StepResult | null): StepResult {
    if (r && isFailure(r.status)) {
      this.#state = "done";
      return r;
    }
    const innerToken = r?.token ?? undefined;
    let mic: Uint8Array | undefined;
    if (this.innerDone) {
      if (this.inner?.requiresMechListMic?.()) this.#micRequired = true;
      if (t.mechListMIC) {
        this.verifyMic(this.#mechTypesDer, t.mechListMIC);
        this.#gotMic = true;
      }
      // A MIC only when one is required or the server sent one, as MIT and Samba
      // do: an acceptor that expects none (Windows 2000, NTLM without its own MIC)
      // ignores it, and the MIC's sequence number would then put the first message
      // out of step.
      const want = !this.#sentMic && (this.#micRequired || this.#gotMic);
      if (want && this.canMic(ISC_RET_INTEGRITY)) {
        mic = this.makeMic(this.#mechTypesDer);
        this.#sentMic = true;
      } else if (want && this.#micRequired) {
        return failure(
          SEC_E_INVALID_TOKEN,
          "a mechListMIC is required but the mechanism cannot sign (request integrity)",
        );
      }
      if (this.#serverDone) {
        if (this.#micRequired && !this.#gotMic) {
          this.#state = "done";
          return failure(
            SEC_E_MESSAGE_ALTERED,
            "the server completed without the required mechListMIC",
          );
        }
        this.#state = "done";
        this.established = true;
        const token = mic ? encodeNegTokenResp({ mechListMIC: mic }) : null;
        return {
          status: SEC_E_OK,
          token,
          attrs: this.innerAttrs,
          expiry: this.expiry,
        };
      }
    } else if (this.#serverDone) {
      this.#state = "done";
      return failure(
        SEC_E_INVALID_TOKEN,
        "the server completed before the mechanism did",
      );
    }
    if (!innerToken && !mic) {
      return failure(SEC_E_INVALID_TOKEN, "nothing to send to the server");
    }
    return respond(
      SEC_I_CONTINUE_NEEDED,
      {
        negState: ACCEPT_INCOMPLETE,
        responseToken: innerToken,
        mechListMIC: mic,
      },
      r?.attrs ?? this.innerAttrs,
      this.expiry,
      r?.tokenIsFresh === true,
    );
  }
}
