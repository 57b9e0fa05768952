/**
 * The Kerberos acceptor (`AcceptSecurityContext`, RFC 4120 section 3.2.3 and RFC 4121
 * section 4.1): decrypts the ticket with the service key from the keytab, checks the
 * authenticator (same client, within the clock skew, not replayed, the 0x8003
 * checksum's channel bindings), and with mutual authentication answers with an AP-REP
 * carrying an acceptor subkey and sequence number. Message protection is
 * `context.ts`'s.
 *
 * @module
 */
import { DerError } from "../../der/errors.ts";
import {
  bufferBytes,
  filetimeFromMs,
  findBuffer,
  inputToken,
} from "../../sspi/buffers.ts";
import {
  ASC_REQ_EXTENDED_ERROR,
  ASC_RET_CONFIDENTIALITY,
  ASC_RET_DELEGATE,
  ASC_RET_EXTENDED_ERROR,
  ASC_RET_INTEGRITY,
  ASC_RET_MUTUAL_AUTH,
  ASC_RET_REPLAY_DETECT,
  ASC_RET_SEQUENCE_DETECT,
  ASC_RET_USED_DCE_STYLE,
  SECBUFFER_CHANNEL_BINDINGS,
} from "../../sspi/flags.ts";
import type {
  AttributeResult,
  SecPkgInfo,
  StepRequest,
  StepResult,
} from "../../sspi/package.ts";
import {
  isFailure,
  SEC_E_BAD_BINDINGS,
  SEC_E_CONTEXT_EXPIRED,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_NO_CREDENTIALS,
  SEC_E_NO_KERB_KEY,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_E_TIME_SKEW,
  SEC_E_WRONG_PRINCIPAL,
  SEC_I_CONTINUE_NEEDED,
} from "../../sspi/status.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import { decrypt, isSupportedEtype, type KerberosKey } from "./crypto.ts";
import {
  decodeApReq,
  decodeAuthenticator,
  decodeEncTicketPart,
  displayName,
  encodeKrbError,
} from "./messages.ts";
import type { ApReq } from "./messages_types.ts";
import type { CachedTicket } from "./credentials.ts";
import {
  AP_OPT_MUTUAL_REQUIRED,
  KEY_USAGE_AP_REQ_AUTH,
  KEY_USAGE_KDC_REP_TICKET,
  KRB_AP_ERR_BAD_INTEGRITY,
  KRB_AP_ERR_BADKEYVER,
  KRB_AP_ERR_BADMATCH,
  KRB_AP_ERR_NOT_US,
  KRB_AP_ERR_REPEAT,
  KRB_AP_ERR_SKEW,
  KRB_AP_ERR_TKT_EXPIRED,
  KRB_AP_ERR_TKT_NYV,
  TKT_FLG_FORWARDABLE,
} from "./constants.ts";
import {
  CKSUMTYPE_GSSAPI,
  decodeGssChecksum,
  frameInitialToken,
  GSS_C_CONF_FLAG,
  GSS_C_DCE_STYLE,
  GSS_C_INTEG_FLAG,
  GSS_C_MUTUAL_FLAG,
  GSS_C_REPLAY_FLAG,
  GSS_C_SEQUENCE_FLAG,
  gssChannelBindingsHash,
  TOK_AP_REP,
  TOK_AP_REQ,
  TOK_KRB_ERROR,
  unframeToken,
} from "./gss.ts";
import { failure, KerberosContextBase } from "./context.ts";
import { acceptorApRep, checkDceApRep } from "./ap_rep.ts";
import { derBytes } from "../../der/encode.ts";
import {
  type KerberosDelegatedTgt,
  readDelegation,
  SECPKG_ATTR_KERBEROS_DELEGATED_TGT,
} from "./delegation.ts";
import {
  type PacLogonInfo,
  readTicketPac,
  SECPKG_ATTR_PAC_LOGON_INFO,
} from "./pac.ts";
import {
  KerberosClientTicket,
  SECPKG_ATTR_KERBEROS_CLIENT_TICKET,
} from "./evidence.ts";
import { deepFreeze } from "../../util/freeze.ts";
import type {
  NetlogonVerifier,
  PacSignatures,
} from "../../netlogon/pass_through.ts";
import { ntStatusText } from "../../sspi/ntstatus.ts";
import {
  CLOCK_SKEW_MS,
  type KerberosServerCredential,
} from "./server_credentials.ts";

/** The `ASC_RET_*` flags for the client's GSS flags. */
function retFlags(gss: number, mutual: boolean): number {
  let r = mutual ? ASC_RET_MUTUAL_AUTH : 0;
  if (gss & GSS_C_REPLAY_FLAG) r |= ASC_RET_REPLAY_DETECT;
  if (gss & GSS_C_SEQUENCE_FLAG) r |= ASC_RET_SEQUENCE_DETECT;
  if (gss & GSS_C_CONF_FLAG) r |= ASC_RET_CONFIDENTIALITY;
  if (gss & GSS_C_INTEG_FLAG) r |= ASC_RET_INTEGRITY;
  return r;
}

/** The AP-REQ inside a GSS token (or a bare one, as DCE-style peers send). */
function apReqBytes(token: Uint8Array): Uint8Array | null {
  const u = unframeToken(token);
  if (u) return u.tokId === TOK_AP_REQ ? u.inner : null;
  return token[0] === 0x6e ? token : null;
}

/** The Kerberos server state machine: one AP-REQ, at most one AP-REP. */
export class KerberosServerContext extends KerberosContextBase {
  #done = false;
  /** The TGT the client delegated (RFC 4121 4.1.1.1), once accepted. */
  #delegated: KerberosDelegatedTgt | null = null;
  #clientTicket: KerberosClientTicket | null = null;
  /** The client's ticket and its session key, as accepted. */
  #ticketSeen: CachedTicket | null = null;
  #logonInfo: Readonly<PacLogonInfo> | null = null;
  /** The accepted PAC's signatures, when the credential validates PACs with a DC. */
  #pacCheck: PacSignatures | null = null;
  /** The AP-REQ as decoded, and the KRB-ERROR code of a refusal of it. */
  #apReq: ApReq | null = null;
  #refusal: number | null = null;
  /** DCE style: what the client's AP-REP must answer, and how to establish then. */
  #dce: {
    session: KerberosKey;
    seq: number;
    /** The acceptor subkey, wiped once established (or on dispose). */
    sub: KerberosKey | null;
    establish: () => void;
    attrs: number;
    expiry: bigint;
  } | null = null;

  constructor(
    info: SecPkgInfo,
    private readonly cred: KerberosServerCredential,
  ) {
    super(info, false);
  }

  step(req: StepRequest): StepResult | Promise<StepResult> {
    const dce = this.#dce;
    if (dce) {
      // DCE style's third leg: the client's AP-REP establishes the context.
      this.#dce = null;
      const c = checkDceApRep(inputToken(req.input), dce.session, dce.seq);
      if (c.status !== SEC_E_OK) return failure(c.status, c.message!);
      dce.establish();
      return { status: SEC_E_OK, attrs: dce.attrs, expiry: dce.expiry };
    }
    if (this.#done) {
      return failure(SEC_E_OUT_OF_SEQUENCE, "the handshake already ran");
    }
    this.#done = true;
    const token = inputToken(req.input);
    const ap = token ? apReqBytes(token) : null;
    if (!ap) return failure(SEC_E_INVALID_TOKEN, "expected a Kerberos AP-REQ");
    let r: StepResult;
    try {
      r = this.#accept(req, ap);
    } catch (e) {
      if (e instanceof DerError) {
        return failure(SEC_E_INVALID_TOKEN, `malformed AP-REQ: ${e.message}`);
      }
      throw e;
    }
    if (isFailure(r.status)) return this.#withKrbError(req, r);
    this.#apReq = null;
    const sigs = this.#pacCheck;
    this.#pacCheck = null;
    const dc = this.cred.pacValidator;
    if (!sigs || !dc || isFailure(r.status)) return r;
    return this.#validatePac(req, r, sigs, dc);
  }

  /**
   * PAC validation (MS-APDS 3.2.5.1): `r`, the accepted step, stands only once the
   * domain controller confirms the PAC's KDC signature; otherwise the context is
   * wiped and the step fails.
   */
  #validatePac(
    req: StepRequest,
    r: StepResult,
    sigs: PacSignatures,
    dc: NetlogonVerifier,
  ): StepResult | Promise<StepResult> {
    if (!req.async) {
      this.dispose();
      return failure(
        SEC_E_NO_AUTHENTICATING_AUTHORITY,
        "the PAC is checked with the domain controller: call SspiAcceptSecurityContextAsync",
      );
    }
    return dc.validatePac(sigs).then((status) => {
      if (status !== 0) {
        this.dispose();
        return failure(
          SEC_E_LOGON_DENIED,
          `the domain controller did not confirm the PAC's KDC signature: ${
            ntStatusText(status)
          }`,
        );
      }
      const li = this.#logonInfo;
      if (li) {
        this.#logonInfo = Object.freeze({ ...li, KdcChecksumVerified: true });
      }
      return r;
    }, (e) => {
      this.dispose();
      throw e;
    });
  }

  #accept(req: StepRequest, bytes: Uint8Array): StepResult {
    this.#apReq = decodeApReq(bytes);
    return this.#acceptTicket(req, this.#apReq, true);
  }

  /**
   * `r` (a refusal) with a KRB-ERROR for the client (RFC 4120 3.2.6; GSS token ID
   * 03 00, RFC 4121 4.1) when the caller asked with `ASC_REQ_EXTENDED_ERROR`, as
   * Windows sends one then and MIT's acceptor always: the client learns why
   * (`KRB_AP_ERR_SKEW`, `_REPEAT`, `_NOT_US`...). Only for the refusals below,
   * which name their code, of an AP-REQ that decoded.
   */
  #withKrbError(req: StepRequest, r: StepResult): StepResult {
    const code = this.#refusal;
    const ap = this.#apReq;
    this.#refusal = null;
    this.#apReq = null;
    if (code === null || !ap || !(req.flags & ASC_REQ_EXTENDED_ERROR)) {
      return r;
    }
    const now = Date.now();
    const err = encodeKrbError({
      stime: new Date(now - (now % 1000)),
      susec: (now % 1000) * 1000,
      errorCode: code,
      realm: ap.ticket.realm,
      sname: ap.ticket.sname,
    });
    return {
      ...r,
      token: frameInitialToken(TOK_KRB_ERROR, err),
      tokenIsFresh: true,
      attrs: r.attrs | ASC_RET_EXTENDED_ERROR,
    };
  }

  /** A refusal whose KRB-ERROR code is `code` (see `#withKrbError`). */
  #refuse(code: number, status: number, message: string): StepResult {
    this.#refusal = code;
    return failure(status, message);
  }

  /**
   * Finds the service key that opens the ticket and goes on. When none does and
   * `reread`, the keytab file may hold a rotated key by now: the credential reads it
   * again (when it changed, at most once a second) and the ticket is tried once more.
   */
  #acceptTicket(req: StepRequest, apReq: ApReq, reread: boolean): StepResult {
    const t = apReq.ticket;
    const noKey = (
      code: number,
      status: number,
      message: string,
    ): StepResult =>
      reread && this.cred.reload()
        ? this.#acceptTicket(req, apReq, false)
        : this.#refuse(code, status, message);
    const key = this.cred.keyFor(
      t.sname,
      t.realm,
      t.encPart.etype,
      t.encPart.kvno,
    );
    if (key === null) {
      const any = this.cred.anyKeysFor(
        t.realm,
        t.encPart.etype,
        t.encPart.kvno,
      );
      for (const k of any) {
        const tp = decrypt(k, KEY_USAGE_KDC_REP_TICKET, t.encPart.cipher);
        if (tp) return this.#withTicket(req, apReq, k, tp);
      }
      return noKey(
        KRB_AP_ERR_NOT_US,
        SEC_E_WRONG_PRINCIPAL,
        `the ticket is for ${
          displayName(t.sname, t.realm)
        }, which the keytab does not hold`,
      );
    }
    if (key === "etype") {
      return noKey(
        KRB_AP_ERR_BADKEYVER,
        SEC_E_NO_KERB_KEY,
        `the keytab has no key of enctype ${t.encPart.etype} (kvno ${t.encPart.kvno})`,
      );
    }
    const tp = decrypt(key, KEY_USAGE_KDC_REP_TICKET, t.encPart.cipher);
    if (!tp) {
      return noKey(
        KRB_AP_ERR_BAD_INTEGRITY,
        SEC_E_WRONG_PRINCIPAL,
        "the ticket does not decrypt with the service key",
      );
    }
    return this.#withTicket(req, apReq, key, tp);
  }

  /** Goes on with a ticket's decrypted `EncTicketPart` (wiped here). */
  #withTicket(
    req: StepRequest,
    apReq: ApReq,
    serviceKey: KerberosKey,
    tp: Uint8Array,
  ): StepResult {
    const t = apReq.ticket;
    const tkt = decodeEncTicketPart(tp);
    tp.fill(0);
    const now = Date.now();
    if (tkt.endtime.getTime() < now - CLOCK_SKEW_MS) {
      return this.#refuse(
        KRB_AP_ERR_TKT_EXPIRED,
        SEC_E_CONTEXT_EXPIRED,
        "the ticket has expired",
      );
    }
    if ((tkt.starttime ?? tkt.authtime).getTime() > now + CLOCK_SKEW_MS) {
      return this.#refuse(
        KRB_AP_ERR_TKT_NYV,
        SEC_E_TIME_SKEW,
        "the ticket is not valid yet",
      );
    }
    const session: KerberosKey = {
      etype: tkt.key.keytype,
      bytes: tkt.key.keyvalue,
    };
    if (!isSupportedEtype(session.etype)) {
      return failure(
        SEC_E_NO_KERB_KEY,
        `session key of enctype ${session.etype}`,
      );
    }
    const ap = decrypt(
      session,
      KEY_USAGE_AP_REQ_AUTH,
      apReq.authenticator.cipher,
    );
    if (!ap) {
      return this.#refuse(
        KRB_AP_ERR_BAD_INTEGRITY,
        SEC_E_LOGON_DENIED,
        "the authenticator does not decrypt",
      );
    }
    const auth = decodeAuthenticator(ap);
    ap.fill(0);
    const client = displayName(tkt.cname, tkt.crealm);
    if (displayName(auth.cname, auth.crealm) !== client) {
      return this.#refuse(
        KRB_AP_ERR_BADMATCH,
        SEC_E_LOGON_DENIED,
        "the authenticator names another client",
      );
    }
    // With PAC validation, the same parse also keeps the signatures for the DC.
    const sigs = this.cred.pacValidator
      ? { value: null as PacSignatures | null }
      : undefined;
    const pac = readTicketPac(
      tkt.authorizationData,
      serviceKey,
      tkt.cname,
      tkt.authtime,
      tkt.crealm,
      sigs,
    );
    if (pac && "error" in pac) {
      return failure(SEC_E_INVALID_TOKEN, `the ticket's PAC: ${pac.error}`);
    }
    if (pac && !(pac.ServerChecksumVerified && pac.ClientInfoValid)) {
      return failure(
        SEC_E_LOGON_DENIED,
        pac.ServerChecksumVerified
          ? "the ticket's PAC names another client or logon time"
          : "the ticket's PAC server signature does not verify",
      );
    }
    const ctime = auth.ctime.getTime();
    if (Math.abs(ctime - now) > CLOCK_SKEW_MS) {
      return this.#refuse(
        KRB_AP_ERR_SKEW,
        SEC_E_TIME_SKEW,
        "the authenticator's time is too far from ours",
      );
    }
    if (!this.cred.remember(`${client}|${ctime}|${auth.cusec}`, now)) {
      return this.#refuse(
        KRB_AP_ERR_REPEAT,
        SEC_E_LOGON_DENIED,
        "a replayed authenticator",
      );
    }
    if (auth.cksum?.cksumtype !== CKSUMTYPE_GSSAPI) {
      return failure(
        SEC_E_INVALID_TOKEN,
        "the authenticator has no GSS checksum",
      );
    }
    const gss = decodeGssChecksum(auth.cksum.checksum);
    if (!gss) return failure(SEC_E_INVALID_TOKEN, "malformed GSS checksum");
    const bound = this.#bindings(req, gss.bindings);
    if (bound) return bound;
    if (auth.subkey && !isSupportedEtype(auth.subkey.keytype)) {
      return failure(
        SEC_E_NO_KERB_KEY,
        `subkey of enctype ${auth.subkey.keytype}`,
      );
    }
    let delegated: KerberosDelegatedTgt | null = null;
    if (gss.delegation) {
      const keys = [session];
      if (auth.subkey) {
        keys.push({ etype: auth.subkey.keytype, bytes: auth.subkey.keyvalue });
      }
      const d = readDelegation(gss.delegation, keys, tkt.cname, tkt.crealm);
      gss.delegation.fill(0);
      if (d && "status" in d) return failure(d.status, d.message);
      delegated = d;
    }
    const mutual = (apReq.apOptions & AP_OPT_MUTUAL_REQUIRED) !== 0 ||
      (gss.flags & GSS_C_MUTUAL_FLAG) !== 0;
    let ret = retFlags(gss.flags, mutual);
    if (delegated) ret |= ASC_RET_DELEGATE;
    this.#delegated = delegated;
    this.#logonInfo = pac ? deepFreeze(pac) : null;
    this.#pacCheck = pac && sigs ? sigs.value : null;
    // Kept for SECPKG_ATTR_KERBEROS_CLIENT_TICKET, which wraps it only when asked:
    // most acceptors never delegate, so the handshake makes no object for it.
    this.#ticketSeen = {
      ticket: t,
      key: session,
      cname: tkt.cname,
      crealm: tkt.crealm,
      endtime: tkt.endtime.getTime(),
      flags: tkt.flags,
      authtime: tkt.authtime.getTime(),
    };
    const initSeq = auth.seqNumber ?? 0;
    this.clientName = client;
    this.serverName = displayName(t.sname, t.realm);
    this.clientTarget = t.sname.nameString.join("/");
    const end = tkt.endtime.getTime();
    const expiry = filetimeFromMs(end);
    if (!mutual) {
      const k = auth.subkey
        ? { etype: auth.subkey.keytype, bytes: auth.subkey.keyvalue }
        : session;
      // RFC 4121 4.1: without an AP-REP both directions start at the client's number.
      this.established(k, false, initSeq, initSeq, ret, end);
      return { status: SEC_E_OK, attrs: ret, expiry };
    }
    const { rep, sub, seq } = acceptorApRep(
      session,
      auth.ctime,
      auth.cusec,
      auth.subkey?.keytype ?? session.etype,
    );
    const dce = (gss.flags & GSS_C_DCE_STYLE) !== 0;
    if (dce) ret |= ASC_RET_USED_DCE_STYLE;
    const establish = () => {
      if (sub) {
        this.established(sub, true, seq, initSeq, ret, end);
        sub.bytes.fill(0);
      } else {
        const k = auth.subkey
          ? { etype: auth.subkey.keytype, bytes: auth.subkey.keyvalue }
          : session;
        this.established(k, false, seq, initSeq, ret, end);
      }
    };
    if (dce) {
      // MS-KILE 3.4.5.1: a bare AP-REP, and the context waits for the client's.
      this.#dce = { session, seq, sub, establish, attrs: ret, expiry };
      return {
        status: SEC_I_CONTINUE_NEEDED,
        token: derBytes(rep),
        tokenIsFresh: true,
        attrs: ret,
        expiry,
      };
    }
    establish();
    return {
      status: SEC_E_OK,
      token: frameInitialToken(TOK_AP_REP, rep),
      tokenIsFresh: true,
      attrs: ret,
      expiry,
    };
  }

  /**
   * Adds `SECPKG_ATTR_KERBEROS_DELEGATED_TGT`: the client's delegated TGT
   * (`SEC_E_NO_CREDENTIALS` when it delegated none).
   */
  override queryAttribute(attribute: number): AttributeResult {
    if (attribute === SECPKG_ATTR_PAC_LOGON_INFO) {
      return this.#logonInfo
        ? { status: SEC_E_OK, value: this.#logonInfo }
        : { status: SEC_E_NO_CREDENTIALS };
    }
    if (attribute === SECPKG_ATTR_KERBEROS_CLIENT_TICKET) {
      const t = this.#ticketSeen;
      if (!this.#clientTicket && t) {
        this.#clientTicket = new KerberosClientTicket(
          { ...t, key: { etype: t.key.etype, bytes: t.key.bytes.slice() } },
          ((t.flags ?? 0) & TKT_FLG_FORWARDABLE) !== 0,
        );
      }
      return this.#clientTicket
        ? { status: SEC_E_OK, value: this.#clientTicket }
        : { status: SEC_E_NO_CREDENTIALS };
    }
    if (attribute !== SECPKG_ATTR_KERBEROS_DELEGATED_TGT) {
      return super.queryAttribute(attribute);
    }
    return this.#delegated
      ? { status: SEC_E_OK, value: this.#delegated }
      : { status: SEC_E_NO_CREDENTIALS };
  }

  override dispose(): void {
    this.#dce?.sub?.bytes.fill(0);
    this.#dce = null;
    this.#delegated?.dispose();
    this.#delegated = null;
    this.#clientTicket?.dispose();
    this.#clientTicket = null;
    this.#ticketSeen?.key.bytes.fill(0);
    this.#ticketSeen = null;
    super.dispose();
  }

  /** Checks the client's channel-binding hash against the caller's bindings. */
  #bindings(req: StepRequest, theirs: Uint8Array): StepResult | null {
    const cb = findBuffer(req.input, SECBUFFER_CHANNEL_BINDINGS);
    if (!cb) return null;
    const ours = gssChannelBindingsHash(bufferBytes(cb));
    if (!ours) {
      return failure(SEC_E_BAD_BINDINGS, "malformed SEC_CHANNEL_BINDINGS");
    }
    const none = theirs.every((b) => b === 0);
    if (none) {
      return this.cred.requireChannelBindings
        ? failure(SEC_E_BAD_BINDINGS, "the client sent no channel bindings")
        : null;
    }
    return constantTimeEqual(ours, theirs)
      ? null
      : failure(SEC_E_BAD_BINDINGS, "the client's channel bindings differ");
  }
}
