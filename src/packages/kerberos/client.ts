/**
 * The Kerberos client context (`InitializeSecurityContext`, RFC 4121 section 4.1 and
 * MS-KILE 3.2): gets a service ticket for the target SPN (through the KDC when the
 * credential's cache has none: an async step), sends a GSS-framed AP-REQ carrying an
 * initiator subkey, a sequence number and the 0x8003 checksum (flags and channel
 * bindings), and with mutual authentication checks the AP-REP and takes the
 * acceptor's subkey. Message protection is `message.ts`'s.
 *
 * @module
 */
import { randomUint } from "../../crypto/_random.ts";
import { DerError } from "../../der/errors.ts";
import { derBytes } from "../../der/encode.ts";
import { bufferBytes, filetimeFromMs, findBuffer } from "../../sspi/buffers.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_DELEGATE,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_SEQUENCE_DETECT,
  ISC_REQ_USE_DCE_STYLE,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_DELEGATE,
  ISC_RET_INTEGRITY,
  ISC_RET_MUTUAL_AUTH,
  ISC_RET_REPLAY_DETECT,
  ISC_RET_SEQUENCE_DETECT,
  ISC_RET_USED_DCE_STYLE,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_TOKEN,
} from "../../sspi/flags.ts";
import type {
  SecPkgInfo,
  StepRequest,
  StepResult,
} from "../../sspi/package.ts";
import {
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_TOKEN,
  SEC_E_MUTUAL_AUTH_FAILED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_E_TARGET_UNKNOWN,
  SEC_I_CONTINUE_NEEDED,
} from "../../sspi/status.ts";
import {
  encrypt,
  ETYPE_RC4_HMAC,
  isSupportedEtype,
  type KerberosKey,
  randomKey,
  wipeKey,
} from "./crypto.ts";
import {
  apReqDer,
  decodeKrbError,
  displayName,
  encodeAuthenticator,
  targetPrincipal,
} from "./messages.ts";
import {
  AP_OPT_MUTUAL_REQUIRED,
  KEY_USAGE_AP_REQ_AUTH,
  KRB_AP_ERR_BAD_INTEGRITY,
  KRB_AP_ERR_BADKEYVER,
  KRB_AP_ERR_MODIFIED,
  KRB_AP_ERR_NOKEY,
  KRB_AP_ERR_TKT_EXPIRED,
} from "./constants.ts";
import type { CachedTicket, KerberosCredential } from "./credentials.ts";
import {
  CKSUMTYPE_GSSAPI,
  encodeGssChecksum,
  frameInitialToken,
  GSS_C_CONF_FLAG,
  GSS_C_DCE_STYLE,
  GSS_C_DELEG_FLAG,
  GSS_C_INTEG_FLAG,
  GSS_C_MUTUAL_FLAG,
  GSS_C_REPLAY_FLAG,
  GSS_C_SEQUENCE_FLAG,
  gssChannelBindingsHash,
  TOK_AP_REP,
  TOK_AP_REQ,
  TOK_KRB_ERROR,
  unframeOrBare,
} from "./gss.ts";
import {
  authenticatorTime,
  getForwardedTgt,
  getTgt,
  isForwardable,
  statusOfKdcError,
} from "./kdc.ts";
import { krbCredFor } from "./delegation.ts";
import { getServiceTicket } from "./cross_realm.ts";
import { impersonatedServiceTicket } from "./s4u.ts";
import { failure, KerberosContextBase } from "./context.ts";
import { dceApRep, openApRep } from "./ap_rep.ts";

/** The GSS flags and `ISC_RET_*` for `ISC_REQ_*` flags. */
function flagsFor(req: number): { gss: number; ret: number } {
  let gss = 0;
  let ret = 0;
  // DCE style (MS-KILE 3.4.5.1, as RPC binds) is a mutual exchange with a third leg.
  if (req & (ISC_REQ_MUTUAL_AUTH | ISC_REQ_USE_DCE_STYLE)) {
    gss |= GSS_C_MUTUAL_FLAG;
    ret |= ISC_RET_MUTUAL_AUTH;
  }
  if (req & ISC_REQ_USE_DCE_STYLE) {
    gss |= GSS_C_DCE_STYLE;
    ret |= ISC_RET_USED_DCE_STYLE;
  }
  // Replay and sequence detection are always on (MIT and Windows turn them on too).
  // Confidentiality and integrity are claimed only when asked for (MS-KILE
  // 3.2.5.2): an acceptor such as AD's LDAP server decides from them whether the
  // connection must be sealed, signed, or neither.
  gss |= GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
  if (req & ISC_REQ_CONFIDENTIALITY) gss |= GSS_C_CONF_FLAG;
  if (req & (ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY)) {
    gss |= GSS_C_INTEG_FLAG;
  }
  if (req & ISC_REQ_REPLAY_DETECT) ret |= ISC_RET_REPLAY_DETECT;
  if (req & ISC_REQ_SEQUENCE_DETECT) ret |= ISC_RET_SEQUENCE_DETECT;
  if (req & ISC_REQ_CONFIDENTIALITY) ret |= ISC_RET_CONFIDENTIALITY;
  if (req & ISC_REQ_INTEGRITY) ret |= ISC_RET_INTEGRITY;
  return { gss, ret };
}

/** The Kerberos client state machine. */
/** KRB-ERRORs that say the service cannot use the ticket it was sent. */
const STALE_TICKET_ERRORS: ReadonlySet<number> = new Set([
  KRB_AP_ERR_BAD_INTEGRITY,
  KRB_AP_ERR_TKT_EXPIRED,
  KRB_AP_ERR_MODIFIED,
  KRB_AP_ERR_BADKEYVER,
  KRB_AP_ERR_NOKEY,
]);

export class KerberosClientContext extends KerberosContextBase {
  #state: "start" | "wait" | "done" | "failed" = "start";
  #ticket: CachedTicket | null = null;
  #subkey: KerberosKey | null = null;
  #ctime = 0;
  #cusec = 0;
  #seq = 0;
  #ret = 0;
  /** DCE style: bare tokens, and a third leg. */
  #dce = false;

  constructor(info: SecPkgInfo, private readonly cred: KerberosCredential) {
    super(info, true);
  }

  /** Negotiate: a reject while our AP-REQ waits carries the service's KRB-ERROR. */
  readsRejectToken(): boolean {
    return this.#state === "wait";
  }

  step(req: StepRequest): StepResult | Promise<StepResult> {
    if (this.#state === "start") return this.#start(req);
    if (this.#state === "wait") return this.#fail(this.#apRep(req));
    return failure(
      SEC_E_OUT_OF_SEQUENCE,
      this.#state === "done"
        ? "the handshake already completed"
        : "the context failed earlier",
    );
  }

  /** Marks the context failed when a step fails. */
  #fail(r: StepResult): StepResult {
    if (r.status !== SEC_E_OK && r.status !== SEC_I_CONTINUE_NEEDED) {
      this.#state = "failed";
    }
    return r;
  }

  #start(req: StepRequest): StepResult | Promise<StepResult> {
    const target = req.target ? targetPrincipal(req.target) : null;
    if (!target || !req.target) {
      return this.#fail(failure(
        SEC_E_TARGET_UNKNOWN,
        "Kerberos needs a service principal name as the target (service/host)",
      ));
    }
    const spn = req.target;
    const cred = this.cred;
    // Delegation (RFC 4121 4.1.1.1) sends a forwarded TGT: from the credential, or
    // asked for now when the TGT is forwardable (or still to be had) and I/O may run.
    // Never for an impersonating credential: its TGT is the service's, not the user's.
    const wanted = cred.impersonate === null &&
      ((req.flags & ISC_REQ_DELEGATE) !== 0 || cred.delegate);
    const tgtNow = cred.tgt;
    const fwdNow = wanted ? cred.forwardedTgt : null;
    const fetchFwd = wanted && !fwdNow && req.async &&
      (tgtNow ? isForwardable(tgtNow) : cred.cannotGetTickets === null);
    const cached = cred.serviceTicket(spn);
    if (cached && !fetchFwd) {
      return this.#fail(this.#apReq(req, cached, fwdNow));
    }
    if (!cached) {
      const stuck = cred.cannotGetTickets;
      if (stuck) return this.#fail(failure(SEC_E_NO_CREDENTIALS, stuck));
      if (!req.async) {
        return this.#fail(failure(
          SEC_E_NO_AUTHENTICATING_AUTHORITY,
          "no service ticket is cached for this target and getting one needs the KDC: " +
            "call SspiInitializeSecurityContextAsync",
        ));
      }
    }
    return (async () => {
      try {
        let st = cached;
        if (!st) {
          const tgt = cred.tgt ?? await getTgt(cred);
          st = cred.impersonate
            ? await impersonatedServiceTicket(
              cred,
              tgt,
              cred.impersonate,
              spn,
              target.sname,
            )
            : await getServiceTicket(
              cred,
              tgt,
              spn,
              target.sname,
              target.realm,
            );
        }
        const fwd = fetchFwd ? await this.#forwarded() : fwdNow;
        return this.#fail(this.#apReq(req, st, fwd));
      } catch (e) {
        if (e instanceof SspiError) {
          return this.#fail(failure(e.status, e.message));
        }
        throw e;
      }
    })();
  }

  /**
   * A forwarded TGT for delegation, or null when none can be had (the TGT is not
   * forwardable, the KDC refuses or cannot be reached): then the context goes on
   * without delegation, as Windows and MIT do.
   */
  async #forwarded(): Promise<CachedTicket | null> {
    try {
      const tgt = this.cred.tgt ?? await getTgt(this.cred);
      return this.cred.forwardedTgt ?? await getForwardedTgt(this.cred, tgt);
    } catch (e) {
      if (e instanceof SspiError) return null;
      throw e;
    }
  }

  /** Builds the AP-REQ for `ticket`, delegating `fwd` when given. */
  #apReq(
    req: StepRequest,
    ticket: CachedTicket,
    fwd: CachedTicket | null,
  ): StepResult {
    const cb = findBuffer(req.input, SECBUFFER_CHANNEL_BINDINGS);
    const bindings = gssChannelBindingsHash(cb ? bufferBytes(cb) : null);
    if (!bindings) {
      return failure(SEC_E_INVALID_TOKEN, "malformed SEC_CHANNEL_BINDINGS");
    }
    let { gss, ret } = flagsFor(req.flags);
    const delegation = fwd ? krbCredFor(fwd, ticket.key) : undefined;
    if (delegation) {
      gss |= GSS_C_DELEG_FLAG;
      ret |= ISC_RET_DELEGATE;
    }
    this.#ticket = ticket;
    this.#subkey = randomKey(ticket.key.etype);
    this.#seq = randomUint(30);
    const time = authenticatorTime(); // unique: replay caches key on it
    this.#ctime = time.ctime.getTime();
    this.#cusec = time.cusec;
    const auth = encodeAuthenticator({
      crealm: ticket.crealm,
      cname: ticket.cname,
      cksum: {
        cksumtype: CKSUMTYPE_GSSAPI,
        checksum: encodeGssChecksum({ bindings, flags: gss, delegation }),
      },
      cusec: this.#cusec,
      ctime: new Date(this.#ctime),
      subkey: { keytype: this.#subkey.etype, keyvalue: this.#subkey.bytes },
      seqNumber: this.#seq,
    });
    const mutual = (gss & GSS_C_MUTUAL_FLAG) !== 0;
    this.#dce = (gss & GSS_C_DCE_STYLE) !== 0;
    const apReq = apReqDer({
      apOptions: mutual ? AP_OPT_MUTUAL_REQUIRED : 0,
      ticket: ticket.ticket,
      authenticator: {
        etype: ticket.key.etype,
        cipher: encrypt(ticket.key, KEY_USAGE_AP_REQ_AUTH, auth),
      },
    });
    auth.fill(0);
    this.#ret = ret;
    this.clientName = displayName(ticket.cname, ticket.crealm);
    this.serverName = req.target ?? "";
    // DCE style sends the AP-REQ bare, as Windows does.
    const token = this.#dce
      ? derBytes(apReq)
      : frameInitialToken(TOK_AP_REQ, apReq);
    const expiry = filetimeFromMs(ticket.endtime);
    if (mutual) {
      this.#state = "wait";
      return {
        status: SEC_I_CONTINUE_NEEDED,
        token,
        tokenIsFresh: true,
        attrs: ret,
        expiry,
      };
    }
    // RFC 4121 4.1: without an AP-REP the acceptor starts at the client's number too.
    this.established(
      this.#subkey,
      false,
      this.#seq,
      this.#seq,
      ret,
      ticket.endtime,
    );
    this.#state = "done";
    return { status: SEC_E_OK, token, tokenIsFresh: true, attrs: ret, expiry };
  }

  /** Checks the AP-REP (or reports the KRB-ERROR) and establishes the context. */
  #apRep(req: StepRequest): StepResult {
    const token = findBuffer(req.input, SECBUFFER_TOKEN);
    const bytes = token ? bufferBytes(token) : null;
    if (!bytes || bytes.length === 0) {
      return failure(SEC_E_INVALID_TOKEN, "no token from the server");
    }
    const u = unframeOrBare(bytes);
    if (!u) return failure(SEC_E_INVALID_TOKEN, "not a Kerberos GSS token");
    try {
      if (u.tokId === TOK_KRB_ERROR) {
        const e = decodeKrbError(u.inner);
        // A ticket the service cannot open (its key changed, or the ticket ran
        // out) is dropped, so the next context asks the KDC for a new one, as
        // Windows does.
        if (STALE_TICKET_ERRORS.has(e.errorCode) && this.#ticket) {
          this.cred.dropServiceTicket(this.serverName, this.#ticket);
          this.#ticket = null;
        }
        return failure(
          statusOfKdcError(e.errorCode),
          `the server refused the AP-REQ: error ${e.errorCode}`,
        );
      }
      if (u.tokId !== TOK_AP_REP) {
        return failure(SEC_E_INVALID_TOKEN, "expected an AP-REP");
      }
      const ticket = this.#ticket;
      if (!ticket || !this.#subkey) {
        return failure(SEC_E_INTERNAL_ERROR, "no AP-REQ was sent");
      }
      const part = openApRep(u.inner, ticket.key);
      if (!part) {
        return failure(
          SEC_E_MUTUAL_AUTH_FAILED,
          "the AP-REP does not decrypt under the session key",
        );
      }
      if (part.ctime.getTime() !== this.#ctime || part.cusec !== this.#cusec) {
        return failure(
          SEC_E_MUTUAL_AUTH_FAILED,
          "the AP-REP answers another AP-REQ",
        );
      }
      const sub = part.subkey;
      if (sub && !isSupportedEtype(sub.keytype)) {
        return failure(
          SEC_E_MUTUAL_AUTH_FAILED,
          `the acceptor subkey has enctype ${sub.keytype}`,
        );
      }
      // RFC 4757 (rc4-hmac) tokens have no AcceptorSubkey flag: an acceptor subkey of
      // the initiator subkey's enctype is not used there (as MIT and Windows do).
      const useSub = sub !== undefined &&
        !(sub.keytype === ETYPE_RC4_HMAC &&
          this.#subkey.etype === ETYPE_RC4_HMAC);
      const key = useSub
        ? { etype: sub.keytype, bytes: sub.keyvalue }
        : this.#subkey;
      this.established(
        key,
        useSub,
        this.#seq,
        part.seqNumber ?? 0,
        this.#ret,
        ticket.endtime,
      );
      this.#state = "done";
      return {
        status: SEC_E_OK,
        attrs: this.#ret,
        expiry: filetimeFromMs(ticket.endtime),
        ...(this.#dce
          ? {
            token: dceApRep(
              ticket.key,
              this.#ctime,
              this.#cusec,
              part.seqNumber ?? 0,
            ),
            tokenIsFresh: true,
          }
          : {}),
      };
    } catch (e) {
      if (e instanceof DerError) {
        return failure(SEC_E_INVALID_TOKEN, `malformed AP-REP: ${e.message}`);
      }
      throw e;
    }
  }

  override dispose(): void {
    if (this.#subkey) wipeKey(this.#subkey);
    this.#subkey = null;
    this.#ticket = null;
    super.dispose();
  }
}
