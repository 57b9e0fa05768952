/**
 * What Kerberos contexts share once established: attributes, and the SSPI message
 * functions (`MakeSignature`, `VerifySignature`, `EncryptMessage`, `DecryptMessage`)
 * mapped onto RFC 4121 tokens (`gss_tokens.ts`), or RFC 4757 tokens (`gss_rc4.ts`)
 * when the context key is rc4-hmac, in Windows' buffer layout: the
 * signature or the Wrap token's non-data part goes in the `SECBUFFER_TOKEN`, the data
 * is encrypted in place in the `SECBUFFER_DATA`.
 *
 * @module
 */
import {
  baseType,
  filetimeFromMs,
  type SecBuffer,
  type SecBufferDesc,
} from "../../sspi/buffers.ts";
import {
  ISC_RET_USED_DCE_STYLE,
  SECBUFFER_DATA,
  SECBUFFER_PADDING,
  SECBUFFER_READONLY,
  SECBUFFER_READONLY_WITH_CHECKSUM,
  SECBUFFER_STREAM,
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
  SEC_E_OK,
  SEC_E_QOP_NOT_SUPPORTED,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { ETYPE_RC4_HMAC, type KerberosKey } from "./crypto.ts";
import {
  encodeKerberosExport,
  type ExportedKerberosContext,
} from "./export.ts";
import {
  KrbMessageCrypto,
  maxSignatureSize,
  securityTrailerSize,
  type SignOnly,
} from "./gss_tokens.ts";
import { KrbRc4MessageCrypto } from "./gss_rc4.ts";

/** The per-message token maker of a context: RFC 4121 (AES) or RFC 4757 (rc4-hmac). */
type MessageCrypto = KrbMessageCrypto | KrbRc4MessageCrypto;

/** `cbMaxToken` of Windows' Kerberos package (its `MaxTokenSize` default since 2012). */
export const KERBEROS_MAX_TOKEN = 48000;

/** A failed handshake step: its status and why (the context is then unusable). */
export function failure(status: number, message: string): StepResult {
  return { status, attrs: 0, message };
}

/** The buffers of one message call. */
interface Parts {
  token: { pv: Uint8Array; set(n: number): void } | null;
  signed: Uint8Array[];
  crypt: Uint8Array[];
}

function partsOf(msg: SecBufferDesc): Parts {
  const out: Parts = { token: null, signed: [], crypt: [] };
  for (const b of msg.pBuffers) {
    if (!b || !b.pvBuffer) continue;
    const t = baseType(b);
    const n = Math.min(b.cbBuffer >>> 0, b.pvBuffer.length);
    const pv = b.pvBuffer.subarray(0, n);
    if (t === SECBUFFER_TOKEN && out.token === null) {
      out.token = { pv, set: (len) => (b.cbBuffer = len) };
    } else if (t === SECBUFFER_DATA) {
      const ro = b.BufferType & SECBUFFER_READONLY;
      const roSigned = b.BufferType & SECBUFFER_READONLY_WITH_CHECKSUM;
      if (!ro || roSigned) out.signed.push(pv);
      if (!ro && !roSigned) out.crypt.push(pv);
    }
  }
  return out;
}

/**
 * The Wrap token's data buffer and the sign-only buffers around it: the one signed
 * buffer, or the one buffer to encrypt among several signed
 * (`SECBUFFER_READONLY_WITH_CHECKSUM`, as DCE/RPC passes its header and trailer);
 * null for any other layout.
 */
function dataOf(
  p: Parts,
): { data: Uint8Array; signOnly: SignOnly | null } | null {
  if (p.signed.length === 1) return { data: p.signed[0], signOnly: null };
  if (p.crypt.length !== 1) return null;
  const i = p.signed.indexOf(p.crypt[0]);
  return {
    data: p.crypt[0],
    signOnly: { before: p.signed.slice(0, i), after: p.signed.slice(i + 1) },
  };
}

/** `ISC_RET_USED_DCE_STYLE`, which is `ASC_RET_USED_DCE_STYLE` too. */
const USED_DCE_STYLE = ISC_RET_USED_DCE_STYLE;

/** The base of Kerberos contexts. */
export abstract class KerberosContextBase implements PackageContext {
  /** `user@REALM` of the client. */
  protected clientName = "";
  /** The target SPN. */
  protected serverName = "";
  /**
   * Acceptor: the SPN the client's ticket is for (`HTTP/web.example.com`), which the
   * service key authenticates; what `SECPKG_ATTR_CLIENT_SPECIFIED_TARGET` answers.
   */
  protected clientTarget: string | null = null;
  #msg: MessageCrypto | null = null;
  #key: KerberosKey | null = null;
  #acceptorSubkey = false;
  #ret = 0;
  #start = 0;
  #end = 0;

  constructor(
    protected readonly info: SecPkgInfo,
    private readonly initiator: boolean,
  ) {}

  /** Runs one step. */
  abstract step(req: StepRequest): StepResult | Promise<StepResult>;

  /**
   * Records the established context: its key (the acceptor subkey if one was sent,
   * else the initiator subkey), both sequence numbers, the `*_RET_*` flags and when
   * its ticket ends.
   */
  protected established(
    key: KerberosKey,
    acceptorSubkey: boolean,
    sendSeq: number,
    recvSeq: number,
    ret: number,
    endtime: number,
  ): void {
    this.#msg?.dispose();
    // Its own array: kept for the context's lifetime, so not from a pool slab.
    this.#key = { etype: key.etype, bytes: key.bytes.slice() };
    this.#acceptorSubkey = acceptorSubkey;
    const options = {
      key,
      isInitiator: this.initiator,
      acceptorSubkey,
      sendSeq,
      recvSeq,
      dceStyle: (ret & USED_DCE_STYLE) !== 0,
    };
    this.#msg = key.etype === ETYPE_RC4_HMAC
      ? new KrbRc4MessageCrypto(options)
      : new KrbMessageCrypto(options);
    this.#ret = ret;
    this.#start = Date.now();
    this.#end = endtime;
  }

  /**
   * `ExportSecurityContext`: the established state (see `export.ts`), sequence
   * numbers as they stand; `SEC_E_NO_CONTEXT` before completion. The bytes hold the
   * context key in clear: they are as secret as the key.
   */
  exportContext(): Uint8Array | number {
    if (!this.#msg || !this.#key) return SEC_E_NO_CONTEXT;
    return encodeKerberosExport({
      role: this.initiator ? "initiate" : "accept",
      key: this.#key,
      acceptorSubkey: this.#acceptorSubkey,
      sendSeq: this.#msg.sendSeq,
      recvSeq: this.#msg.recvSeq,
      retFlags: this.#ret,
      clientName: this.clientName,
      serverName: this.serverName,
      clientTarget: this.clientTarget,
      start: this.#start,
      end: this.#end,
    });
  }

  /** Establishes this (fresh) context from an export; wipes `x.key`. */
  protected restore(x: ExportedKerberosContext): void {
    this.clientName = x.clientName;
    this.serverName = x.serverName;
    this.clientTarget = x.clientTarget;
    const { key, acceptorSubkey, sendSeq, recvSeq, retFlags } = x;
    try {
      this.established(key, acceptorSubkey, sendSeq, recvSeq, retFlags, x.end);
    } finally {
      key.bytes.fill(0);
    }
    this.#start = x.start;
  }

  queryAttribute(attribute: number): AttributeResult {
    switch (attribute) {
      case SECPKG_ATTR_SIZES: {
        const etype = this.#key?.etype ?? 18;
        return {
          status: SEC_E_OK,
          value: {
            cbMaxToken: KERBEROS_MAX_TOKEN,
            cbMaxSignature: maxSignatureSize(etype),
            cbBlockSize: 1,
            cbSecurityTrailer: securityTrailerSize(
              etype,
              (this.#ret & USED_DCE_STYLE) !== 0,
            ),
          },
        };
      }
      case SECPKG_ATTR_NEGOTIATION_INFO:
        return {
          status: SEC_E_OK,
          value: {
            PackageInfo: { ...this.info },
            NegotiationState: this.#msg
              ? SECPKG_NEGOTIATION_COMPLETE
              : SECPKG_NEGOTIATION_IN_PROGRESS,
          },
        };
      case SECPKG_ATTR_FLAGS:
        return { status: SEC_E_OK, value: { Flags: this.#ret } };
    }
    if (!this.#msg || !this.#key) return { status: SEC_E_NO_CONTEXT };
    switch (attribute) {
      case SECPKG_ATTR_NAMES:
        return { status: SEC_E_OK, value: { sUserName: this.clientName } };
      case SECPKG_ATTR_NATIVE_NAMES:
        return {
          status: SEC_E_OK,
          value: { sClientName: this.clientName, sServerName: this.serverName },
        };
      case SECPKG_ATTR_SESSION_KEY:
        return {
          status: SEC_E_OK,
          value: {
            SessionKeyLength: this.#key.bytes.length,
            SessionKey: this.#key.bytes.slice(),
          },
        };
      case SECPKG_ATTR_CLIENT_SPECIFIED_TARGET:
        if (this.clientTarget === null) break;
        return { status: SEC_E_OK, value: { sTargetName: this.clientTarget } };
      case SECPKG_ATTR_LIFESPAN:
        return {
          status: SEC_E_OK,
          value: {
            tsStart: filetimeFromMs(this.#start),
            tsExpiry: filetimeFromMs(this.#end),
          },
        };
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  #ready(): MessageCrypto | number {
    return this.#msg ?? SEC_E_NO_CONTEXT;
  }

  makeSignature(_qop: number, message: SecBufferDesc, _seqNo: number): number {
    const m = this.#ready();
    if (typeof m === "number") return m;
    const p = partsOf(message);
    if (!p.token) return SEC_E_INVALID_TOKEN;
    const mic = m.getMic(p.signed);
    if (p.token.pv.length < mic.length) return SEC_E_BUFFER_TOO_SMALL;
    p.token.pv.set(mic);
    p.token.set(mic.length);
    return SEC_E_OK;
  }

  verifySignature(message: SecBufferDesc, _seqNo: number): QopResult {
    const m = this.#ready();
    if (typeof m === "number") return { status: m, qop: 0 };
    const p = partsOf(message);
    if (!p.token) return { status: SEC_E_INVALID_TOKEN, qop: 0 };
    return { status: m.verifyMic(p.signed, p.token.pv), qop: 0 };
  }

  /** The MIC of one data part (Negotiate's mechListMIC). */
  signData(data: Uint8Array): Uint8Array | number {
    const m = this.#ready();
    return typeof m === "number" ? m : m.getMic([data]);
  }

  /** Checks the MIC of one data part (Negotiate's mechListMIC). */
  verifyData(data: Uint8Array, signature: Uint8Array): number {
    const m = this.#ready();
    return typeof m === "number" ? m : m.verifyMic([data], signature);
  }

  encryptMessage(qop: number, message: SecBufferDesc, _seqNo: number): number {
    const m = this.#ready();
    if (typeof m === "number") return m;
    if (qop !== 0 && qop !== SECQOP_WRAP_NO_ENCRYPT) {
      return SEC_E_QOP_NOT_SUPPORTED;
    }
    const p = partsOf(message);
    const d = p.crypt.length === 1 ? dataOf(p) : null;
    if (!p.token || !d || (d.signOnly && m instanceof KrbRc4MessageCrypto)) {
      // One data buffer, as Windows' Kerberos requires for a Wrap token, and
      // sign-only buffers around it with AES.
      return SEC_E_INVALID_TOKEN;
    }
    const trailer = securityTrailerSize(
      this.#key!.etype,
      (this.#ret & USED_DCE_STYLE) !== 0,
    );
    if (p.token.pv.length < trailer) return SEC_E_BUFFER_TOO_SMALL;
    const pad = message.pBuffers.find((b) =>
      b?.pvBuffer && baseType(b) === SECBUFFER_PADDING
    );
    if (m instanceof KrbRc4MessageCrypto) {
      // RFC 4757's padding byte follows the data: it needs a SECBUFFER_PADDING.
      if (!pad) return SEC_E_INVALID_TOKEN;
      if (pad.pvBuffer!.length < 1) return SEC_E_BUFFER_TOO_SMALL;
    }
    const { token, padding } = m instanceof KrbRc4MessageCrypto
      ? m.wrapSspi(d.data, qop === 0)
      : m.wrapSspi(d.data, qop === 0, d.signOnly);
    if (pad) {
      if (padding) pad.pvBuffer!.set(padding);
      pad.cbBuffer = padding?.length ?? 0;
    }
    p.token.pv.set(token);
    p.token.set(token.length);
    return SEC_E_OK;
  }

  decryptMessage(message: SecBufferDesc, _seqNo: number): QopResult {
    const m = this.#ready();
    if (typeof m === "number") return { status: m, qop: 0 };
    const stream = message.pBuffers.find((b) =>
      b && baseType(b) === SECBUFFER_STREAM
    );
    if (stream) return this.#decryptStream(m, message, stream);
    const p = partsOf(message);
    const d = dataOf(p);
    if (!p.token || !d || (d.signOnly && m instanceof KrbRc4MessageCrypto)) {
      return { status: SEC_E_INVALID_TOKEN, qop: 0 };
    }
    const r = m instanceof KrbRc4MessageCrypto
      ? m.unwrapSspi(p.token.pv, d.data)
      : m.unwrapSspi(p.token.pv, d.data, d.signOnly);
    if (r.status === SEC_E_OK && r.data && r.data !== d.data) {
      // The token and data were split elsewhere than Windows splits them, so the
      // message could not be decrypted in place: hand it over as the stream form does,
      // never leave other bytes in the buffer of a message reported authentic.
      const data = message.pBuffers.find((b) =>
        b?.pvBuffer && baseType(b) === SECBUFFER_DATA &&
        (d.signOnly
          ? !(b.BufferType & SECBUFFER_READONLY) &&
            !(b.BufferType & SECBUFFER_READONLY_WITH_CHECKSUM)
          : (!(b.BufferType & SECBUFFER_READONLY) ||
            (b.BufferType & SECBUFFER_READONLY_WITH_CHECKSUM)))
      )!;
      data.pvBuffer = r.data;
      data.cbBuffer = r.data.length;
    }
    return {
      status: r.status,
      qop: r.status === SEC_E_OK && !r.confidential
        ? SECQOP_WRAP_NO_ENCRYPT
        : 0,
    };
  }

  /**
   * `DecryptMessage` of a whole Wrap token in a `SECBUFFER_STREAM` (as MIT and other
   * GSSAPI peers send it): the first `SECBUFFER_DATA` is set to the message.
   */
  #decryptStream(
    m: MessageCrypto,
    message: SecBufferDesc,
    stream: SecBuffer,
  ): QopResult {
    const data = message.pBuffers.find((b) =>
      b && baseType(b) === SECBUFFER_DATA
    );
    if (!data || !stream.pvBuffer) {
      return { status: SEC_E_INVALID_TOKEN, qop: 0 };
    }
    const n = Math.min(stream.cbBuffer >>> 0, stream.pvBuffer.length);
    const r = m.unwrap(stream.pvBuffer.subarray(0, n));
    if (r.status !== SEC_E_OK || !r.data) return { status: r.status, qop: 0 };
    data.pvBuffer = r.data;
    data.cbBuffer = r.data.length;
    return {
      status: SEC_E_OK,
      qop: r.confidential ? 0 : SECQOP_WRAP_NO_ENCRYPT,
    };
  }

  /** True once established (the mechListMIC can be made). */
  hasSessionKey(): boolean {
    return this.#msg !== null;
  }

  /** Kerberos never obliges SPNEGO to exchange mechListMICs by itself. */
  requiresMechListMic(): boolean {
    return false;
  }

  dispose(): void {
    this.#msg?.dispose();
    this.#msg = null;
    this.#key?.bytes.fill(0);
    this.#key = null;
  }
}
