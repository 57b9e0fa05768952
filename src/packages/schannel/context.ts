/**
 * The Schannel security context: SSPI's buffer conventions around the TLS engines.
 * Handshake tokens go through `InitializeSecurityContext`/`AcceptSecurityContext`
 * (`SEC_E_INCOMPLETE_MESSAGE` with `SECBUFFER_MISSING`, `SECBUFFER_EXTRA` for bytes
 * past the handshake); records through `EncryptMessage` (header, data, trailer, in
 * place) and `DecryptMessage` (one data buffer in, header/data/trailer/extra out).
 *
 * @module
 */
import {
  ASC_REQ_MUTUAL_AUTH,
  ASC_RET_CONFIDENTIALITY,
  ASC_RET_MUTUAL_AUTH,
  ASC_RET_REPLAY_DETECT,
  ASC_RET_SEQUENCE_DETECT,
  ASC_RET_STREAM,
  ISC_REQ_MANUAL_CRED_VALIDATION,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_MANUAL_CRED_VALIDATION,
  ISC_RET_REPLAY_DETECT,
  ISC_RET_SEQUENCE_DETECT,
  ISC_RET_STREAM,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_ENDPOINT_BINDINGS,
  SECPKG_ATTR_ISSUER_LIST_EX,
  SECPKG_ATTR_SESSION_INFO,
  SECPKG_ATTR_STREAM_SIZES,
  SSL_SESSION_RECONNECT,
} from "../../sspi/flags.ts";
import {
  bufferBytes,
  findBuffer,
  inputToken,
  markMissing,
  type SecBufferDesc,
} from "../../sspi/buffers.ts";
import type {
  AttributeResult,
  PackageContext,
  QopResult,
  StepRequest,
  StepResult,
} from "../../sspi/package.ts";
import {
  SEC_E_CONTEXT_EXPIRED,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SEC_I_RENEGOTIATE,
} from "../../sspi/status.ts";
import {
  CALG_AES_128,
  CALG_AES_256,
  CHACHA20_SUITES,
  MAX_PLAINTEXT,
  RECORD_HEADER,
  RECORD_TRAILER,
  SCHANNEL_SHUTDOWN,
  SECPKG_ATTR_APPLICATION_PROTOCOL,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_LOCAL_CERT_CONTEXT,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  TLS12,
} from "./constants.ts";
import type { SchannelCredential } from "./credentials.ts";
import { CredentialPause } from "./credential_pause.ts";
import { issuerListInfo } from "./client_auth.ts";
import { TlsClient } from "./client.ts";
import { TlsServer } from "./server.ts";
import { PeerAlert, statusOfPeerAlert } from "./engine.ts";
import { decryptStream, encryptStream } from "./app_records.ts";
import { TlsAlert } from "./wire.ts";
import { endPointBindings } from "./bindings.ts";
import { cipherInfo } from "./cipher_info.ts";
import { ExtraAttributes } from "./attributes_extra.ts";
import { exchangeBits } from "./kex.ts";
import { exchangeAlgId } from "./kex12.ts";
import { revocationAlert } from "./peer.ts";
import { checkOnline } from "./revocation_online.ts";
import type { PendingRevocation } from "./status_request.ts";
import { cbcOf } from "./suites12_cbc.ts";
import { protBit } from "./credential_attributes.ts";

/** `SecPkgContext_StreamSizes` for TLS 1.3 with AES-128-GCM (TLS 1.2's header is 13, trailer 16). */
export const STREAM_SIZES = Object.freeze({
  cbHeader: RECORD_HEADER,
  cbTrailer: RECORD_TRAILER,
  cbMaximumMessage: MAX_PLAINTEXT,
  cBuffers: 4,
  cbBlockSize: 16,
});

/** A certificate as `QueryContextAttributes` hands it out (`CERT_CONTEXT`'s fields). */
export interface SchannelCertContext {
  /** `X509_ASN_ENCODING` (1). */
  dwCertEncodingType: number;
  /** The DER certificate. */
  pbCertEncoded: Uint8Array;
  /** Its length. */
  cbCertEncoded: number;
  /** The whole chain as sent, leaf first (DER). */
  chain: Uint8Array[];
  /**
   * The server's stapled OCSP response for the leaf (DER `OCSPResponse`), when a
   * client asked for one (`SCH_CRED_REVOCATION_CHECK_*`) and got it: Windows'
   * `CERT_OCSP_RESPONSE_PROP_ID` on the certificate context.
   */
  ocspResponse?: Uint8Array;
}

function certContext(
  chain: Uint8Array[],
  ocsp: Uint8Array | null = null,
): AttributeResult {
  if (!chain.length) return { status: SEC_E_NO_CREDENTIALS };
  const der = chain[0].slice();
  const value: SchannelCertContext = {
    dwCertEncodingType: 1,
    pbCertEncoded: der,
    cbCertEncoded: der.length,
    chain: chain.map((c) => c.slice()),
  };
  if (ocsp) value.ocspResponse = ocsp.slice();
  return { status: SEC_E_OK, value };
}

/** One Schannel context, client or server. */
export class SchannelContext implements PackageContext {
  #role: "initiate" | "accept";
  #cred: SchannelCredential;
  #engine: TlsClient | TlsServer | null = null;
  #attrs = 0;
  #failed = 0;
  #failure = "";
  #shutdown = false;
  #closed = false;
  /** The peer's KeyUpdate asked for ours (`SEC_I_RENEGOTIATE` was returned). */
  #keyUpdateOwed = false;
  /** A client's step held for a certificate (`SEC_I_INCOMPLETE_CREDENTIALS`). */
  #pause = new CredentialPause();
  /** Keying material, tls-unique and key info (`attributes_extra.ts`). */
  #extra = new ExtraAttributes();

  /** A context for `cred` in `role`. */
  constructor(cred: SchannelCredential, role: "initiate" | "accept") {
    this.#cred = cred;
    this.#role = role;
  }

  step(req: StepRequest): StepResult | Promise<StepResult> {
    if (this.#failed) {
      return {
        status: this.#failed,
        attrs: this.#attrs,
        message: this.#failure,
      };
    }
    let r: StepResult;
    try {
      r = this.#step(req);
    } catch (e) {
      return this.#fail(e);
    }
    // An async step that may fetch revocation information finishes the chain
    // checks it left (revocation_online.ts) before its result is given out.
    const pending = this.#engine?.revocationSink?.splice(0);
    return pending?.length ? this.#finishRevocation(r, pending) : r;
  }

  async #finishRevocation(
    r: StepResult,
    pending: PendingRevocation[],
  ): Promise<StepResult> {
    for (const p of pending) {
      const status = await checkOnline(p, this.#cred);
      if (status !== SEC_E_OK) {
        return this.#fail(revocationAlert(status, p.peer));
      }
    }
    return r;
  }

  /** A refused handshake: the context fails, our alert (if ours) is the output. */
  #fail(e: unknown): StepResult {
    if (!(e instanceof TlsAlert) && !(e instanceof PeerAlert)) throw e;
    const status = e instanceof TlsAlert
      ? e.status
      : statusOfPeerAlert(e.description);
    this.#failed = status;
    this.#failure = e instanceof TlsAlert
      ? e.message
      : `the peer sent TLS alert ${e.description}`;
    // Our own refusal goes to the peer as an alert (its output token); a
    // received alert gets none back.
    let token: Uint8Array | null = null;
    if (e instanceof TlsAlert && this.#engine) {
      try {
        token = this.#engine.alertRecord(e.alert);
      } catch {
        token = null;
      }
    }
    this.#engine?.wipe();
    return {
      status,
      attrs: this.#attrs,
      message: this.#failure,
      token,
      tokenIsFresh: token !== null,
    };
  }

  #step(req: StepRequest): StepResult {
    const client = this.#role === "initiate";
    if (!this.#engine) {
      if (client) {
        const manual = (req.flags & ISC_REQ_MANUAL_CRED_VALIDATION) !== 0;
        // Resumption is for callers that take output tokens themselves, not for
        // a wrapping package (CredSSP's inner TLS passes no pOutput).
        const resume = findBuffer(req.output, SECBUFFER_TOKEN) !== undefined;
        const c = new TlsClient(this.#cred, req.target, manual, resume);
        this.#attrs = ISC_RET_SEQUENCE_DETECT | ISC_RET_REPLAY_DETECT |
          ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM |
          (manual ? ISC_RET_MANUAL_CRED_VALIDATION : 0);
        this.#engine = c;
        c.start();
        return this.#result(SEC_I_CONTINUE_NEEDED, 0);
      }
      const mutual = (req.flags & ASC_REQ_MUTUAL_AUTH) !== 0;
      this.#attrs = ASC_RET_SEQUENCE_DETECT | ASC_RET_REPLAY_DETECT |
        ASC_RET_CONFIDENTIALITY | ASC_RET_STREAM |
        (mutual ? ASC_RET_MUTUAL_AUTH : 0);
      this.#engine = new TlsServer(this.#cred, mutual);
    }
    const engine = this.#engine;
    if (engine.connected) return this.#afterHandshake(req);
    // The NewSessionTicket rides on the last output token: none for a caller
    // without an output token buffer (CredSSP's inner TLS passes no pOutput).
    if (engine instanceof TlsServer) {
      engine.issueTicket =
        findBuffer(req.output, SECBUFFER_TOKEN) !== undefined;
    }
    const input = inputToken(req.input);
    if (!input) {
      return {
        status: SEC_E_INVALID_TOKEN,
        attrs: this.#attrs,
        message: "no SECBUFFER_TOKEN with the peer's bytes",
      };
    }
    // Async calls may fetch revocation information: chain checks leave that part.
    engine.revocationSink = req.async && this.#cred.revocation?.fetch
      ? []
      : null;
    let r;
    if (engine instanceof TlsClient) {
      const f = this.#pause.step(engine, req, this.#cred, input);
      if (!("consumed" in f)) return { ...f, attrs: this.#attrs };
      r = f;
    } else r = engine.feed(input);
    const extra = input.length - r.consumed;
    if (engine.connected) return this.#result(SEC_E_OK, extra);
    if (r.missing !== undefined && r.consumed === 0) {
      markMissing(req.input, r.missing);
      return {
        status: SEC_E_INCOMPLETE_MESSAGE,
        attrs: this.#attrs,
        message:
          `the TLS record is incomplete: ${r.missing} more bytes are needed`,
      };
    }
    return this.#result(SEC_I_CONTINUE_NEEDED, extra);
  }

  #result(status: number, extra: number): StepResult {
    const token = this.#engine!.takeOutput();
    return {
      status,
      token,
      tokenIsFresh: token !== null,
      extra: extra || undefined,
      attrs: this.#attrs,
    };
  }

  /**
   * A step after the handshake: the close_notify once `SCHANNEL_SHUTDOWN` was
   * applied, or the KeyUpdate the peer asked for (after `SEC_I_RENEGOTIATE`). Bytes
   * the caller passes (`SECBUFFER_EXTRA` of that DecryptMessage) are not consumed:
   * they come back as `SECBUFFER_EXTRA`, for DecryptMessage.
   */
  #afterHandshake(req: StepRequest): StepResult {
    if (this.#keyUpdateOwed && !this.#shutdown && !this.#closed) {
      this.#keyUpdateOwed = false;
      const token = this.#engine!.keyUpdateRecord();
      const extra = inputToken(req.input)?.length;
      return {
        status: SEC_E_OK,
        token,
        tokenIsFresh: true,
        extra: extra || undefined,
        attrs: this.#attrs,
      };
    }
    if (!this.#shutdown || this.#closed) {
      return {
        status: SEC_E_UNSUPPORTED_FUNCTION,
        attrs: this.#attrs,
        message:
          "the handshake is complete (renegotiation does not exist in TLS 1.3)",
      };
    }
    this.#closed = true;
    const token = this.#engine!.alertRecord(0);
    return { status: SEC_E_OK, token, tokenIsFresh: true, attrs: this.#attrs };
  }

  encryptMessage(_qop: number, message: SecBufferDesc, _seqNo: number): number {
    const ciphers = this.#engine?.ciphers();
    if (!ciphers || this.#failed) return SEC_E_INVALID_HANDLE;
    if (this.#closed) return SEC_E_CONTEXT_EXPIRED;
    return encryptStream(ciphers.write, message);
  }

  decryptMessage(message: SecBufferDesc, _seqNo: number): QopResult {
    const ciphers = this.#engine?.ciphers();
    if (!ciphers || this.#failed) {
      return { status: SEC_E_INVALID_HANDLE, qop: 0 };
    }
    const r = decryptStream(
      this.#engine!,
      ciphers.read,
      this.#role === "initiate",
      message,
    );
    // Once closing (SCHANNEL_SHUTDOWN), nothing more is sent but close_notify.
    if (
      !r.keyUpdateRequested || r.status !== SEC_E_OK || this.#shutdown ||
      this.#closed
    ) {
      return { status: r.status, qop: 0 };
    }
    // The peer asked for our KeyUpdate: the caller's next ISC/ASC gives it.
    this.#keyUpdateOwed = true;
    return { status: SEC_I_RENEGOTIATE, qop: 0 };
  }

  applyControlToken(input: SecBufferDesc): number {
    const t = bufferBytes(findBuffer(input, SECBUFFER_TOKEN));
    if (t.length < 4) return SEC_E_INVALID_TOKEN;
    const v = t[0] | (t[1] << 8) | (t[2] << 16) | (t[3] << 24);
    if (v !== SCHANNEL_SHUTDOWN) return SEC_E_UNSUPPORTED_FUNCTION;
    this.#shutdown = true;
    return SEC_E_OK;
  }

  queryAttribute(attribute: number): AttributeResult {
    const e = this.#engine;
    const connected = e?.connected === true;
    switch (attribute) {
      case SECPKG_ATTR_STREAM_SIZES:
        if (!connected) return { status: SEC_E_INVALID_HANDLE };
        return {
          status: SEC_E_OK,
          value: {
            ...STREAM_SIZES,
            cbHeader: e!.writeCipher!.header,
            cbTrailer: e!.writeCipher!.trailer,
          },
        };
      case SECPKG_ATTR_CONNECTION_INFO:
        if (!connected) return { status: SEC_E_INVALID_HANDLE };
        return {
          status: SEC_E_OK,
          value: {
            dwProtocol: this.#protocol(e!),
            // Windows has no ALG_ID for ChaCha20: 0 for the ChaCha20-Poly1305 suites.
            aiCipher: CHACHA20_SUITES.includes(e!.cipherSuite)
              ? 0
              : e!.cipherBits === 256
              ? CALG_AES_256
              : CALG_AES_128,
            dwCipherStrength: e!.cipherBits,
            // A CBC suite's MAC; none for the AEAD suites.
            aiHash: cbcOf(e!.cipherSuite)?.calg ?? 0,
            dwHashStrength: (cbcOf(e!.cipherSuite)?.macLen ?? 0) * 8,
            aiExch: exchangeAlgId(e!.cipherSuite),
            dwExchStrength: e!.exchBits || exchangeBits(e!.group),
          },
        };
      case SECPKG_ATTR_CIPHER_INFO: {
        if (!connected) return { status: SEC_E_INVALID_HANDLE };
        const serverCert = this.#role === "initiate"
          ? e!.peerChain[0]
          : this.#cred.chain[0];
        const info = cipherInfo(
          e!.cipherSuite,
          this.#protocol(e!),
          serverCert,
          e!.exchBits || exchangeBits(e!.group),
        );
        return info
          ? { status: SEC_E_OK, value: info }
          : { status: SEC_E_INTERNAL_ERROR };
      }
      case SECPKG_ATTR_SESSION_INFO:
        // SecPkgContext_SessionInfo: SSL_SESSION_RECONNECT for a resumed session.
        if (!connected) return { status: SEC_E_INVALID_HANDLE };
        return {
          status: SEC_E_OK,
          value: {
            dwFlags: e!.resumed ? SSL_SESSION_RECONNECT : 0,
            cbSessionId: e!.sessionId.length,
            rbSessionId: e!.sessionId.slice(),
          },
        };
      case SECPKG_ATTR_REMOTE_CERT_CONTEXT:
        return e
          ? certContext(e.peerChain, e instanceof TlsClient ? e.peerOcsp : null)
          : { status: SEC_E_INVALID_HANDLE };
      case SECPKG_ATTR_LOCAL_CERT_CONTEXT:
        return certContext(
          e instanceof TlsClient && e.localChain
            ? e.localChain
            : this.#cred.chain,
        );
      case SECPKG_ATTR_ISSUER_LIST_EX:
        // The CAs of the server's CertificateRequest (none before one came).
        return e instanceof TlsClient
          ? { status: SEC_E_OK, value: issuerListInfo(e.certAuthorities ?? []) }
          : { status: SEC_E_UNSUPPORTED_FUNCTION };
      case SECPKG_ATTR_APPLICATION_PROTOCOL: {
        if (!connected) return { status: SEC_E_INVALID_HANDLE };
        const id = new TextEncoder().encode(e!.protocol ?? "");
        return {
          status: SEC_E_OK,
          value: {
            ProtoNegoStatus: e!.protocol ? 1 : 0,
            ProtoNegoExt: 2,
            ProtocolIdSize: id.length,
            ProtocolId: id,
          },
        };
      }
      case SECPKG_ATTR_ENDPOINT_BINDINGS: {
        if (!connected) return { status: SEC_E_INVALID_HANDLE };
        const serverCert = this.#role === "initiate"
          ? e!.peerChain[0]
          : this.#cred.chain[0];
        const b = endPointBindings(serverCert);
        return b
          ? {
            status: SEC_E_OK,
            value: { BindingsLength: b.length, Bindings: b },
          }
          : { status: SEC_E_UNSUPPORTED_FUNCTION };
      }
      default: {
        const cert = this.#role === "initiate"
          ? e?.peerChain[0]
          : this.#cred.chain[0];
        return this.#extra.query(attribute, e, cert) ??
          { status: SEC_E_UNSUPPORTED_FUNCTION };
      }
    }
  }

  setAttribute(attribute: number, value: unknown): number {
    return this.#extra.set(
      attribute,
      value,
      this.#failed ? null : this.#engine,
    );
  }

  /** `SP_PROT_TLS1_{2,3}_{CLIENT,SERVER}` for the connection. */
  #protocol(e: TlsClient | TlsServer): number {
    return protBit(
      e.version === TLS12 ? e.wireVersion : e.version,
      this.#role === "initiate" ? "client" : "server",
    );
  }

  dispose(): void {
    this.#pause.clear();
    this.#engine?.wipe();
    this.#engine = null;
  }
}
