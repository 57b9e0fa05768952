/**
 * The NTLM server state machine (`AcceptSecurityContext`, MS-NLMP 3.2.5): CHALLENGE in
 * answer to NEGOTIATE, then verification of the AUTHENTICATE message against the
 * credential's user store.
 *
 * @module
 */
import type { NetworkLogonVerifier } from "../../netlogon/logon.ts";
import { channelBindingsHash } from "../../sspi/channel_bindings.ts";
import { bufferBytes, filetimeFromMs, findBuffer } from "../../sspi/buffers.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  ASC_REQ_ALLOW_NULL_SESSION,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_TOKEN,
} from "../../sspi/flags.ts";
import type {
  SecPkgInfo,
  StepRequest,
  StepResult,
} from "../../sspi/package.ts";
import {
  isFailure,
  SEC_E_BAD_BINDINGS,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_I_CONTINUE_NEEDED,
} from "../../sspi/status.ts";
import {
  constantTimeEqual,
  EMPTY_BYTES,
  fromUtf16le,
  readU32le,
  writeU64le,
} from "../../util/bytes.ts";
import { deepFreeze } from "../../util/freeze.ts";
import { avFindEach } from "./av_pairs.ts";
import {
  MSV_AV_FLAG_MIC,
  MsvAvChannelBindings,
  MsvAvFlags,
  MsvAvTargetName,
  NtLmAuthenticate,
  NtLmNegotiate,
  NTLMSSP_ANONYMOUS,
  NTLMSSP_NEGOTIATE_128,
  NTLMSSP_NEGOTIATE_56,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
  NTLMSSP_NEGOTIATE_SEAL,
  NTLMSSP_NEGOTIATE_SIGN,
  NTLMSSP_NEGOTIATE_UNICODE,
  NTLMSSP_REQUEST_TARGET,
} from "./constants.ts";
import { NtlmContextBase } from "./context.ts";
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
import type { NtlmSecret } from "./credentials.ts";
import {
  type AuthenticateMessage,
  decodeAuthenticate,
  encodeChallenge,
  messageType,
  negotiateFlags,
  OUR_VERSION,
} from "./messages.ts";
import { ntlmTestHooks } from "./_test_hooks.ts";
import {
  serverFlags,
  type ServerPolicy,
  serverRetFlags,
} from "./server_policy.ts";
import { passThrough } from "./server_pass_through.ts";

/** The NTLMv2 blob's pairs the server reads, and where `avFindEach` puts them. */
const BLOB_PAIRS = [MsvAvFlags, MsvAvTargetName, MsvAvChannelBindings];
const BLOB_AT = new Int32Array(6);

const ZERO8 = new Uint8Array(8);

/** The session-security flags an anonymous AUTHENTICATE may turn off. */
const ANONYMOUS_SECURITY_FLAGS = NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
  NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56 |
  NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL;

function denied(message: string): never {
  throw new SspiError(SEC_E_LOGON_DENIED, message);
}

/** The NTLMv2 response's blob (after NTProofStr), checked for its form. */
function v2Blob(auth: AuthenticateMessage): Uint8Array {
  const temp = auth.ntResponse.subarray(16);
  if (temp.length < 32 || temp[0] !== 1 || temp[1] !== 1) {
    throw new SspiError(SEC_E_INVALID_TOKEN, "malformed NTLMv2 response blob");
  }
  return temp;
}

/** Where the expected MIC is computed for the comparison (wiped after it). */
const MIC_SCRATCH = new Uint8Array(16);

/** An NTLM server context. */
export class NtlmServerContext extends NtlmContextBase {
  protected readonly mode = "Server" as const;
  #state: "initial" | "authenticate" | "done" = "initial";
  #policy: ServerPolicy;
  #negotiate: Uint8Array | null = null;
  #challenge: Uint8Array | null = null;
  #serverChallenge: Uint8Array = EMPTY_BYTES;

  constructor(info: SecPkgInfo, policy: ServerPolicy) {
    super(info);
    this.#policy = policy;
  }

  step(req: StepRequest): StepResult | Promise<StepResult> {
    const token = bufferBytes(findBuffer(req.input, SECBUFFER_TOKEN));
    if (!token.length) {
      return {
        status: SEC_E_INVALID_TOKEN,
        attrs: 0,
        message: "no input token",
      };
    }
    const type = messageType(token);
    if (this.#state === "initial") {
      if (type !== NtLmNegotiate) {
        throw new SspiError(
          SEC_E_INVALID_TOKEN,
          "expected an NTLM NEGOTIATE_MESSAGE",
        );
      }
      return this.#challengeStep(req, token);
    }
    if (this.#state === "authenticate") {
      if (type !== NtLmAuthenticate) {
        throw new SspiError(
          SEC_E_INVALID_TOKEN,
          "expected an NTLM AUTHENTICATE_MESSAGE",
        );
      }
      return this.#endOnFailure(() => this.#verifyStep(req, token));
    }
    return {
      status: SEC_E_OUT_OF_SEQUENCE,
      attrs: this.retFlags,
      message: "the NTLM handshake is already complete",
    };
  }

  /**
   * Runs the AUTHENTICATE step; any failure ends the handshake (as on Windows, the
   * context must then be deleted), so a refused attempt cannot be retried against the
   * same server challenge. The one exception is the synchronous call that found an
   * asynchronous user store: it may be repeated through the async form.
   */
  #endOnFailure(
    run: () => StepResult | Promise<StepResult>,
  ): StepResult | Promise<StepResult> {
    const end = () => {
      this.#state = "done";
      this.#negotiate = null;
      this.#challenge = null;
    };
    const check = (r: StepResult) => {
      if (
        isFailure(r.status) && r.status !== SEC_E_NO_AUTHENTICATING_AUTHORITY
      ) end();
      return r;
    };
    let r: StepResult | Promise<StepResult>;
    try {
      r = run();
    } catch (e) {
      end();
      throw e;
    }
    return r instanceof Promise
      ? r.then(check, (e) => {
        end();
        throw e;
      })
      : check(r);
  }

  #challengeStep(req: StepRequest, token: Uint8Array): StepResult {
    const flags = serverFlags(negotiateFlags(token));
    const p = this.#policy;
    // TargetInfo: the credential's fixed pairs, MsvAvTimestamp, MsvAvEOL.
    const targetInfo = p.targetInfo;
    writeU64le(targetInfo, targetInfo.length - 12, filetimeFromMs(Date.now()));
    const msg = encodeChallenge({
      flags,
      targetName: flags & NTLMSSP_REQUEST_TARGET ? p.domain : "",
      serverChallenge: ntlmTestHooks.serverChallenge?.() ?? null,
      targetInfo,
      version: OUR_VERSION,
    }, req.frame);
    // The MIC covers both messages as they were on the wire: one copy of the two
    // (the caller owns the CHALLENGE it is given and may reuse its buffer). The
    // challenge was drawn straight into the message.
    const kept = new Uint8Array(token.length + msg.length);
    kept.set(token);
    kept.set(msg, token.length);
    this.#negotiate = kept.subarray(0, token.length);
    this.#challenge = kept.subarray(token.length);
    this.#serverChallenge = this.#challenge.subarray(24, 32);
    this.negFlags = flags;
    this.#state = "authenticate";
    this.retFlags = serverRetFlags(req.flags, flags, false);
    return {
      status: SEC_I_CONTINUE_NEEDED,
      token: msg,
      tokenIsFresh: true,
      attrs: this.retFlags,
    };
  }

  #verifyStep(
    req: StepRequest,
    token: Uint8Array,
  ): StepResult | Promise<StepResult> {
    // Strings in the character set the CHALLENGE chose, whatever this message says.
    const auth = decodeAuthenticate(
      token,
      (this.negFlags & NTLMSSP_NEGOTIATE_UNICODE) !== 0,
    );
    const anonymous = auth.user === "" && auth.ntResponse.length === 0 &&
      (auth.lmResponse.length === 0 ||
        (auth.lmResponse.length === 1 && auth.lmResponse[0] === 0));
    if (anonymous) return this.#anonymous(req, auth);
    if (auth.ntResponse.length < 24) {
      denied("the AUTHENTICATE message has no usable NT response");
    }
    if (auth.ntResponse.length === 24 && !this.#policy.allowNtlmV1) {
      denied("NTLMv1 responses are not accepted by this server");
    }
    const found = this.#policy.lookup(auth.user, this.#logonDomain(auth));
    const dc = this.#policy.passThrough;
    if (found instanceof Promise || (!found && dc)) {
      if (!req.async) {
        if (found instanceof Promise) found.catch(() => {});
        return {
          status: SEC_E_NO_AUTHENTICATING_AUTHORITY,
          attrs: 0,
          message: found instanceof Promise
            ? "the user lookup is asynchronous: call SspiAcceptSecurityContextAsync"
            : "the logon goes to the domain controller: call SspiAcceptSecurityContextAsync",
        };
      }
      return Promise.resolve(found).then((secret) =>
        secret || !dc
          ? this.#finish(req, token, auth, secret)
          : this.#passThrough(req, token, auth, dc)
      );
    }
    return this.#finish(req, token, auth, found);
  }

  /** Has the domain controller check the response (MS-APDS 3.1.5.1). */
  async #passThrough(
    req: StepRequest,
    token: Uint8Array,
    auth: AuthenticateMessage,
    dc: NetworkLogonVerifier,
  ): Promise<StepResult> {
    const v2 = auth.ntResponse.length > 24;
    // What the DC does not check (channel bindings, the MIC flag) is checked here,
    // before the DC is asked.
    const target = v2 ? this.#checkBlob(req, v2Blob(auth).subarray(28)) : null;
    const r = await passThrough(dc, auth, this.#serverChallenge);
    try {
      const done = this.#complete(
        req,
        token,
        auth,
        r.sessionBaseKey,
        r.lmHash,
        v2,
        target,
      );
      // The names as the domain has them (Windows reports these too).
      const li = r.logonInfo;
      if (li?.LogonDomainName && li.EffectiveName) {
        this.clientName = `${li.LogonDomainName}\\${li.EffectiveName}`;
      }
      this.logonInfo = li ? deepFreeze(li) : null;
      return done;
    } finally {
      r.sessionBaseKey.fill(0);
      r.lmHash.fill(0);
    }
  }

  #anonymous(req: StepRequest, auth: AuthenticateMessage): StepResult {
    if (
      !this.#policy.allowAnonymous && !(req.flags & ASC_REQ_ALLOW_NULL_SESSION)
    ) {
      denied("anonymous logons are not allowed");
    }
    // Session security takes the flags the AUTHENTICATE keeps of the CHALLENGE's:
    // Samba's anonymous client drops NTLM2 session security there.
    let flags = ((this.negFlags & (auth.flags | ~ANONYMOUS_SECURITY_FLAGS)) |
      NTLMSSP_ANONYMOUS) >>> 0;
    const enc = auth.encryptedRandomSessionKey;
    if (enc.length !== 0 && enc.length !== 16) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "EncryptedRandomSessionKey must be 16 bytes",
      );
    }
    if (flags & NTLMSSP_NEGOTIATE_KEY_EXCH && enc.length === 16) {
      // The session key is the client's random one, under ANONYMOUS_KXKEY.
      const exported = rc4K(ANONYMOUS_KXKEY, enc, EXPORTED_KEY_SCRATCH);
      try {
        this.secure(flags, exported, filetimeFromMs(Date.now()));
      } finally {
        exported.fill(0);
      }
    } else {
      // Without key exchange there is no key worth signing with.
      flags &= ~(NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL);
    }
    this.negFlags = flags;
    this.clientName = "";
    this.serverName = this.#policy.computer;
    return this.#done(req, true);
  }

  #finish(
    req: StepRequest,
    token: Uint8Array,
    auth: AuthenticateMessage,
    secret: NtlmSecret | null,
  ): StepResult {
    // Unknown users and wrong passwords get the same answer (no user enumeration).
    if (!secret) denied("the user name or password is incorrect");
    const flags = (this.negFlags & ~NTLMSSP_ANONYMOUS) >>> 0;
    const sc = this.#serverChallenge;
    let sessionBaseKey: Uint8Array;
    let v2 = false;
    let target: string | null = null;
    if (auth.ntResponse.length > 24) {
      v2 = true;
      const proof = auth.ntResponse.subarray(0, 16);
      const temp = v2Blob(auth);
      const r = ntlmv2Values(
        secret.ntHash,
        auth.user,
        auth.domain,
        sc,
        ZERO8,
        temp,
        NTLMV2_SCRATCH,
      );
      if (!constantTimeEqual(r.ntProofStr, proof)) {
        r.sessionBaseKey.fill(0);
        denied("the user name or password is incorrect");
      }
      sessionBaseKey = r.sessionBaseKey;
      try {
        target = this.#checkBlob(req, temp.subarray(28));
      } catch (e) {
        sessionBaseKey.fill(0);
        throw e;
      }
    } else {
      const r = computeResponseV1(
        flags,
        secret.ntHash,
        secret.lmHash ?? new Uint8Array(16),
        sc,
        auth.lmResponse.subarray(0, 8),
      );
      if (!constantTimeEqual(r.ntResponse, auth.ntResponse)) {
        denied("the user name or password is incorrect");
      }
      sessionBaseKey = r.sessionBaseKey;
    }
    try {
      return this.#complete(
        req,
        token,
        auth,
        sessionBaseKey,
        secret.lmHash ?? new Uint8Array(16),
        v2,
        target,
      );
    } finally {
      sessionBaseKey.fill(0);
    }
  }

  /**
   * Ends a verified logon: the key exchange, the MIC, session security (MS-NLMP
   * 3.2.5.1.2). `sessionBaseKey` and `lmHash` are the caller's to wipe.
   */
  #complete(
    req: StepRequest,
    token: Uint8Array,
    auth: AuthenticateMessage,
    sessionBaseKey: Uint8Array,
    lmHash: Uint8Array,
    v2: boolean,
    target: string | null,
  ): StepResult {
    const flags = (this.negFlags & ~NTLMSSP_ANONYMOUS) >>> 0;
    const kx = KXKEY(
      flags,
      sessionBaseKey,
      auth.lmResponse,
      this.#serverChallenge,
      lmHash,
      v2,
    );
    // The exported key waits in a scratch until the session security copies it;
    // every secret of this step is wiped before it returns or throws.
    const exported = EXPORTED_KEY_SCRATCH;
    try {
      if (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
        if (auth.encryptedRandomSessionKey.length !== 16) {
          throw new SspiError(
            SEC_E_INVALID_TOKEN,
            "EncryptedRandomSessionKey must be 16 bytes",
          );
        }
        rc4K(kx, auth.encryptedRandomSessionKey, exported);
      } else {
        exported.set(kx);
      }
      this.micUsed = v2 && this.#micRequired;
      if (v2 && this.#micRequired) this.#checkMic(exported, token, auth);
      this.negFlags = flags;
      this.clientName = `${this.#logonDomain(auth)}\\${auth.user}`;
      this.clientTarget = target;
      this.serverName = this.#policy.computer;
      this.secure(flags, exported, filetimeFromMs(Date.now()));
    } finally {
      kx.fill(0);
      exported.fill(0);
    }
    return this.#done(req, false);
  }

  #micRequired = false;

  /** Checks the AUTHENTICATE message's MIC (MS-NLMP 3.2.5.1.2). */
  #checkMic(
    exported: Uint8Array,
    token: Uint8Array,
    auth: AuthenticateMessage,
  ): void {
    if (!auth.mic) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "MsvAvFlags announce a MIC but the message has none",
      );
    }
    const mic = computeMic(
      exported,
      this.#negotiate!,
      this.#challenge!,
      token,
      auth.micOffset!,
      MIC_SCRATCH,
    );
    const same = constantTimeEqual(mic, auth.mic);
    mic.fill(0);
    if (!same) {
      throw new SspiError(
        SEC_E_MESSAGE_ALTERED,
        "the AUTHENTICATE message's MIC does not match",
      );
    }
  }

  /**
   * Checks the AV pairs of an NTLMv2 blob (MIC flag, channel bindings) and returns the
   * SPN the client named (MsvAvTargetName), or null.
   */
  #checkBlob(req: StepRequest, avBytes: Uint8Array): string | null {
    // [flags, target name, channel bindings]: offset and length of each, one walk.
    const at = avFindEach(avBytes, BLOB_PAIRS, BLOB_AT);
    const avFlags = at[0] >= 0 && at[1] >= 4 ? readU32le(avBytes, at[0]) : 0;
    this.#micRequired = (avFlags & MSV_AV_FLAG_MIC) !== 0;
    // An empty name (a client given no target) names none.
    const target = at[3] >= 2
      ? fromUtf16le(avBytes, at[2], at[2] + at[3])
      : null;
    const cbBuf = findBuffer(req.input, SECBUFFER_CHANNEL_BINDINGS);
    if (!cbBuf) return target;
    const expected = channelBindingsHash(bufferBytes(cbBuf));
    if (!expected) {
      throw new SspiError(
        SEC_E_BAD_BINDINGS,
        "malformed SEC_CHANNEL_BINDINGS buffer",
      );
    }
    const got = at[4] >= 0 ? avBytes.subarray(at[4], at[4] + at[5]) : undefined;
    const absent = !got || got.every((b) => b === 0);
    if (absent) {
      if (this.#policy.requireChannelBindings) {
        throw new SspiError(
          SEC_E_BAD_BINDINGS,
          "the client sent no channel bindings",
        );
      }
      return target;
    }
    if (!constantTimeEqual(got!, expected)) {
      throw new SspiError(
        SEC_E_BAD_BINDINGS,
        "the client's channel bindings do not match",
      );
    }
    return target;
  }

  /**
   * The domain a logon is to: the one it names, or the server's own when it names
   * none (Heimdal's and go-ntlmssp's clients), as Windows looks such a logon up
   * locally. NTLMv2 itself is computed with the domain as sent.
   */
  #logonDomain(auth: AuthenticateMessage): string {
    return auth.domain || this.#policy.domain;
  }

  #done(req: StepRequest, anonymous: boolean): StepResult {
    this.established = true;
    this.#state = "done";
    this.#negotiate = null;
    this.#challenge = null;
    this.retFlags = serverRetFlags(req.flags, this.negFlags, anonymous);
    return {
      status: SEC_E_OK,
      token: null,
      attrs: this.retFlags,
      expiry: 0x7fffffffffffffffn,
    };
  }
}
