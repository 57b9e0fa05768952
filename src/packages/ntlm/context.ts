/**
 * What NTLM client and server contexts share once established: attributes, and the
 * SSPI message functions mapped onto session security (`security.ts`).
 *
 * @module
 */
import {
  type PacLogonInfo,
  SECPKG_ATTR_PAC_LOGON_INFO,
} from "../kerberos/pac.ts";
import {
  baseType,
  type SecBufferDesc,
  TIMESTAMP_NEVER,
} from "../../sspi/buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_PADDING,
  SECBUFFER_READONLY,
  SECBUFFER_READONLY_WITH_CHECKSUM,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
  SECPKG_ATTR_FLAGS,
  SECPKG_ATTR_LIFESPAN,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NATIVE_NAMES,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
  SECPKG_NEGOTIATION_COMPLETE,
  SECPKG_NEGOTIATION_IN_PROGRESS,
  SECQOP_WRAP_NO_ENCRYPT,
} from "../../sspi/flags.ts";
import type {
  AttributeResult,
  PackageContext,
  QopResult,
  SecPkgInfo,
  StepRequest,
  StepResult,
} from "../../sspi/package.ts";
import {
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INVALID_TOKEN,
  SEC_E_NO_CONTEXT,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_QOP_NOT_SUPPORTED,
  SEC_E_TARGET_UNKNOWN,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import {
  NTLM_MAX_TOKEN,
  NTLM_SIGNATURE_SIZE,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
} from "./constants.ts";
import { NtlmSessionSecurity } from "./security.ts";
import { encodeExported, type ExportedNtlmContext } from "./export.ts";

/** The message buffers of one call, split as NTLM uses them. */
interface MessageParts {
  token: Uint8Array;
  signed: Uint8Array[];
  crypt: Uint8Array[];
}

/** The first `cb` bytes of a buffer (the buffer itself when it is all used). */
function used(pv: Uint8Array, cb: number): Uint8Array {
  const n = Math.min(cb >>> 0, pv.length);
  return n === pv.length ? pv : pv.subarray(0, n);
}

/**
 * The token, the buffers signed and the buffers encrypted. With extended session
 * security (NTLMv2's) every data buffer is signed, `SECBUFFER_READONLY` ones too
 * (MS-NLMP 3.4.6.1: "all of the input data buffers ... including the cleartext data
 * buffers"), as DCE/RPC relies on for its PDU headers; with NTLMv1's, only those
 * not read-only or `SECBUFFER_READONLY_WITH_CHECKSUM`.
 */
function partsOf(
  msg: SecBufferDesc,
  signAll: boolean,
): MessageParts | number {
  let token: Uint8Array | null = null;
  const signed: Uint8Array[] = [];
  const crypt: Uint8Array[] = [];
  for (const b of msg.pBuffers) {
    if (!b) continue;
    const t = baseType(b);
    if (t === SECBUFFER_TOKEN && token === null) {
      if (!b.pvBuffer) return SEC_E_INVALID_TOKEN;
      token = used(b.pvBuffer, b.cbBuffer);
    } else if (t === SECBUFFER_DATA && b.pvBuffer) {
      const data = used(b.pvBuffer, b.cbBuffer);
      const ro = b.BufferType & SECBUFFER_READONLY;
      const roSigned = b.BufferType & SECBUFFER_READONLY_WITH_CHECKSUM;
      if (!ro || roSigned || signAll) signed.push(data);
      if (!ro && !roSigned) crypt.push(data);
    }
  }
  if (token === null) return SEC_E_INVALID_TOKEN;
  return { token, signed, crypt };
}

/** The token is the 16-byte signature; NTLM (a stream cipher) pads nothing. */
function setTokenLength(msg: SecBufferDesc): void {
  let token = false;
  for (const b of msg.pBuffers) {
    if (!b) continue;
    const t = baseType(b);
    if (t === SECBUFFER_TOKEN && !token) {
      b.cbBuffer = NTLM_SIGNATURE_SIZE;
      token = true;
    } else if (t === SECBUFFER_PADDING) b.cbBuffer = 0;
  }
}

/** The base of NTLM client and server contexts. */
export abstract class NtlmContextBase implements PackageContext {
  /** Negotiated NegotiateFlags (0 until known). */
  protected negFlags = 0;
  /** `ISC_RET_*`/`ASC_RET_*` of the established context. */
  protected retFlags = 0;
  /** Set once the handshake completed. */
  protected established = false;
  /** Set when the AUTHENTICATE message carried (or was checked with) a MIC. */
  protected micUsed = false;
  /** `DOMAIN\user` of the client. */
  protected clientName = "";
  /** The target (SPN or server name). */
  protected serverName = "";
  /**
   * Server: the SPN the client named in its NTLMv2 response (MsvAvTargetName), which
   * NTProofStr authenticates; null when it named none.
   */
  protected clientTarget: string | null = null;
  /**
   * Server: the client's logon information when a domain controller checked the
   * logon (pass-through), in the shape a Kerberos acceptor reports a PAC's.
   */
  protected logonInfo: Readonly<PacLogonInfo> | null = null;
  /** Session security, once established (null for anonymous). */
  protected security: NtlmSessionSecurity | null = null;
  #start = 0n;
  #eagerKeys = false;

  constructor(protected readonly info: SecPkgInfo) {}

  /** Runs one step. */
  abstract step(req: StepRequest): StepResult | Promise<StepResult>;

  /**
   * Sets up the session security from the exported session key, which it keeps (the
   * caller wipes its own copy), and records when the context was established. The
   * keys are derived on first use unless `deriveKeysAtOnce` was called. Wiped on
   * dispose.
   */
  protected secure(
    flags: number,
    exportedSessionKey: Uint8Array,
    start: bigint,
    restore?: { keys: Uint8Array; outSeq: number; inSeq: number },
  ): void {
    this.security?.dispose(); // a context is secured once; never leave keys behind
    this.security = new NtlmSessionSecurity(
      flags,
      exportedSessionKey,
      this.mode,
      restore,
      this.#eagerKeys,
    );
    this.#start = start;
  }

  /**
   * Derives SIGNKEY/SEALKEY when the handshake ends instead of on first use: for a
   * wrapper that signs at once (SPNEGO's mechListMIC), which then saves keeping the
   * session key apart until the first message.
   */
  deriveKeysAtOnce(): void {
    this.#eagerKeys = true;
  }

  queryAttribute(attribute: number): AttributeResult {
    switch (attribute) {
      case SECPKG_ATTR_SIZES:
        return {
          status: SEC_E_OK,
          value: {
            cbMaxToken: NTLM_MAX_TOKEN,
            cbMaxSignature: NTLM_SIGNATURE_SIZE,
            cbBlockSize: 0,
            cbSecurityTrailer: NTLM_SIGNATURE_SIZE,
          },
        };
      case SECPKG_ATTR_NEGOTIATION_INFO:
        return {
          status: SEC_E_OK,
          value: {
            PackageInfo: { ...this.info },
            NegotiationState: this.established
              ? SECPKG_NEGOTIATION_COMPLETE
              : SECPKG_NEGOTIATION_IN_PROGRESS,
          },
        };
      case SECPKG_ATTR_FLAGS:
        return { status: SEC_E_OK, value: { Flags: this.retFlags } };
    }
    if (!this.established) return { status: SEC_E_NO_CONTEXT };
    switch (attribute) {
      case SECPKG_ATTR_NAMES:
        return { status: SEC_E_OK, value: { sUserName: this.clientName } };
      case SECPKG_ATTR_NATIVE_NAMES:
        return {
          status: SEC_E_OK,
          value: { sClientName: this.clientName, sServerName: this.serverName },
        };
      case SECPKG_ATTR_SESSION_KEY: {
        if (!this.security) return { status: SEC_E_NO_CONTEXT };
        const key = this.security.sessionKey;
        return {
          status: SEC_E_OK,
          value: { SessionKeyLength: key.length, SessionKey: key.slice() },
        };
      }
      case SECPKG_ATTR_LIFESPAN:
        return {
          status: SEC_E_OK,
          value: { tsStart: this.#start, tsExpiry: TIMESTAMP_NEVER },
        };
      case SECPKG_ATTR_PAC_LOGON_INFO:
        if (this.mode !== "Server") break;
        return this.logonInfo
          ? { status: SEC_E_OK, value: this.logonInfo }
          : { status: SEC_E_NO_CREDENTIALS };
      case SECPKG_ATTR_CLIENT_SPECIFIED_TARGET:
        if (this.mode !== "Server") break;
        return this.clientTarget === null
          ? { status: SEC_E_TARGET_UNKNOWN }
          : { status: SEC_E_OK, value: { sTargetName: this.clientTarget } };
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  /** Extended session security: every data buffer is signed (see `partsOf`). */
  #signAll(): boolean {
    return (this.negFlags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0;
  }

  #ready(): NtlmSessionSecurity | number {
    if (!this.established) return SEC_E_NO_CONTEXT;
    if (!this.security) return SEC_E_UNSUPPORTED_FUNCTION;
    return this.security;
  }

  makeSignature(_qop: number, message: SecBufferDesc, _seqNo: number): number {
    const s = this.#ready();
    if (typeof s === "number") return s;
    const p = partsOf(message, this.#signAll());
    if (typeof p === "number") return p;
    if (p.token.length < NTLM_SIGNATURE_SIZE) return SEC_E_BUFFER_TOO_SMALL;
    s.sign(p.signed, p.token);
    setTokenLength(message);
    return SEC_E_OK;
  }

  verifySignature(message: SecBufferDesc, _seqNo: number): QopResult {
    const s = this.#ready();
    if (typeof s === "number") return { status: s, qop: 0 };
    const p = partsOf(message, this.#signAll());
    if (typeof p === "number") return { status: p, qop: 0 };
    return { status: s.verify(p.signed, p.token), qop: 0 };
  }

  /**
   * `makeSignature` over one data part, no descriptors (the mechListMIC); the
   * signature goes into `out` when it has room for it (16 bytes).
   */
  signData(data: Uint8Array, out?: Uint8Array): Uint8Array | number {
    const s = this.#ready();
    if (typeof s === "number") return s;
    return s.sign(
      [data],
      out && out.length >= NTLM_SIGNATURE_SIZE ? out : undefined,
    );
  }

  /** `verifySignature` of one data part and its signature (the mechListMIC). */
  verifyData(data: Uint8Array, signature: Uint8Array): number {
    const s = this.#ready();
    return typeof s === "number" ? s : s.verify([data], signature);
  }

  encryptMessage(qop: number, message: SecBufferDesc, _seqNo: number): number {
    const s = this.#ready();
    if (typeof s === "number") return s;
    if (qop !== 0 && qop !== SECQOP_WRAP_NO_ENCRYPT) {
      return SEC_E_QOP_NOT_SUPPORTED;
    }
    const p = partsOf(message, this.#signAll());
    if (typeof p === "number") return p;
    if (p.token.length < NTLM_SIGNATURE_SIZE) return SEC_E_BUFFER_TOO_SMALL;
    // Sealing does not need NTLMSSP_NEGOTIATE_SEAL: the sealing key exists once
    // session security does, and Windows seals a context that negotiated only
    // SIGN when asked: AD's LDAP server expects sealed SASL buffers from a client
    // that asked only for signing (Samba implements this as its "LDAP style").
    if (qop === SECQOP_WRAP_NO_ENCRYPT) s.sign(p.signed, p.token);
    else s.seal(p.crypt, p.signed, p.token);
    setTokenLength(message);
    return SEC_E_OK;
  }

  decryptMessage(message: SecBufferDesc, _seqNo: number): QopResult {
    const s = this.#ready();
    if (typeof s === "number") return { status: s, qop: 0 };
    const p = partsOf(message, this.#signAll());
    if (typeof p === "number") return { status: p, qop: 0 };
    return { status: s.unseal(p.crypt, p.signed, p.token), qop: 0 };
  }

  /** True when `SECPKG_ATTR_SESSION_KEY` would succeed (no copy of the key). */
  hasSessionKey(): boolean {
    return this.established && this.security !== null;
  }

  /** True when AUTHENTICATE carried a MIC: SPNEGO must then send a mechListMIC. */
  requiresMechListMic(): boolean {
    return this.micUsed;
  }

  /**
   * Re-initialises the RC4 handle of one direction (SPNEGO does this after the
   * mechListMIC, MS-SPNG 3.3.5.1); sequence numbers are kept.
   */
  resetCrypto(direction: "send" | "recv"): void {
    this.security?.resetCrypto(direction);
  }

  /** `ExportSecurityContext`: an established context with session security. */
  exportContext(): Uint8Array | number {
    if (!this.established || !this.security) {
      return SEC_E_NO_CONTEXT;
    }
    const st = this.security.exportState();
    const bytes = encodeExported({
      mode: this.mode,
      negFlags: this.negFlags,
      retFlags: this.retFlags,
      clientName: this.clientName,
      serverName: this.serverName,
      clientTarget: this.clientTarget,
      start: this.#start,
      sessionKey: this.security.sessionKey,
      keys: st.keys,
      outSeq: st.outSeq,
      inSeq: st.inSeq,
    });
    st.keys.fill(0);
    return bytes;
  }

  /** Which side this context is (for export). */
  protected abstract readonly mode: "Client" | "Server";

  /** Restores the state of an exported context into this (fresh) one. */
  protected restore(x: ExportedNtlmContext): void {
    this.negFlags = x.negFlags;
    this.retFlags = x.retFlags;
    this.clientName = x.clientName;
    this.serverName = x.serverName;
    this.clientTarget = x.clientTarget;
    this.secure(x.negFlags, x.sessionKey, x.start, {
      keys: x.keys,
      outSeq: x.outSeq,
      inSeq: x.inSeq,
    });
    // Both copied by the session security.
    x.keys.fill(0);
    x.sessionKey.fill(0);
    this.established = true;
  }

  /** Wipes the session key and session security. */
  dispose(): void {
    this.security?.dispose();
    this.security = null;
    this.established = false;
  }
}
