/**
 * The CredSSP context (MS-CSSP 3.1.5): a TLS handshake through an inner Schannel
 * context, then TSRequests inside the channel carrying the Negotiate tokens, the
 * public-key binding (`pubKeyAuth`, hashed with the client nonce from version 5) and
 * finally the client's password credentials (`authInfo`), encrypted by Negotiate.
 * Once established, EncryptMessage/DecryptMessage are the TLS channel's.
 *
 * @module
 */
import { randomBytes } from "../../crypto/mod.ts";
import { DerError } from "../../der/mod.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  bufferBytes,
  findBuffer,
  markMissing,
  SecBuffer,
  SecBufferDesc,
} from "../../sspi/buffers.ts";
import { SECBUFFER_TOKEN } from "../../sspi/flags.ts";
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
  SEC_E_INVALID_TOKEN,
  SEC_E_MUTUAL_AUTH_FAILED,
  SEC_E_NO_CONTEXT,
  SEC_E_OK,
  SEC_I_CONTEXT_EXPIRED,
  SEC_I_CONTINUE_NEEDED,
} from "../../sspi/status.ts";
import { constantTimeEqual } from "../../util/bytes.ts";

import { SECPKG_ATTR_REMOTE_CERT_CONTEXT } from "../schannel/constants.ts";
import type { SchannelCertContext } from "../schannel/context.ts";
import { TlsChannel } from "./channel.ts";
import {
  bindingHash,
  hostOf,
  ownLeaf,
  plusOne,
  sealWith,
  subjectPublicKey,
  unsealWith,
} from "./binding.ts";
import type { CredSspCredential } from "./credentials.ts";
import {
  type CredSspDelegatedCredentials,
  receiveTSCredentials,
  SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
} from "./delegated.ts";
import { errorCodeOf, statusOfErrorCode } from "./errorcode.ts";
import {
  CREDSSP_VERSION,
  encodeTSCredentials,
  encodeTSRequest,
  type TSRequest,
} from "./tsrequest.ts";

const ENC = new TextEncoder();
const C2S = ENC.encode("CredSSP Client-To-Server Binding Hash\0");
const S2C = ENC.encode("CredSSP Server-To-Client Binding Hash\0");

type State = "tls" | "nego" | "pubkey" | "creds" | "done" | "failed";

function fail(status: number, message: string): StepResult {
  return { status, attrs: 0, message };
}

/** Chains a continuation after a value or a Promise of it. */
function then<T, U>(
  v: T | Promise<T>,
  f: (t: T) => U | Promise<U>,
): U | Promise<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/** One CredSSP context, client or server. */
export class CredSspContext implements PackageContext {
  #role: "initiate" | "accept";
  #cred: CredSspCredential;
  #tls: PackageContext;
  #nego: PackageContext;
  #channel: TlsChannel | null = null;
  #state: State = "tls";
  #negoDone = false;
  #version = CREDSSP_VERSION;
  #nonce: Uint8Array | null = null;
  #attrs = 0;
  #delegated: CredSspDelegatedCredentials | null = null;
  #target: string | null = null;
  #async = false;

  /** A context for `cred` in `role`. */
  constructor(cred: CredSspCredential, role: "initiate" | "accept") {
    this.#cred = cred;
    this.#role = role;
    this.#tls = cred.tls.pkg.createContext(cred.tls.cred, role);
    this.#nego = cred.nego.pkg.createContext(cred.nego.cred, role);
  }

  step(req: StepRequest): StepResult | Promise<StepResult> {
    this.#async = req.async;
    if (this.#state === "failed") {
      return fail(SEC_E_NO_CONTEXT, "the CredSSP exchange is over");
    }
    // After the exchange the calls are the TLS channel's, as for Schannel: the
    // KeyUpdate a peer asked for (after DecryptMessage's SEC_I_RENEGOTIATE) or the
    // close_notify once SCHANNEL_SHUTDOWN was applied.
    if (this.#state === "done") {
      return this.#tls.step({ ...req, credential: undefined });
    }
    try {
      const r = this.#state === "tls"
        ? this.#tlsStep(req)
        : this.#readStep(req, 0);
      return r instanceof Promise
        ? r.then((x) => this.#settle(x), (e) => this.#settle(this.#caught(e)))
        : this.#settle(r);
    } catch (e) {
      return this.#settle(this.#caught(e));
    }
  }

  #settle(r: StepResult): StepResult {
    if (
      r.status !== SEC_E_OK && r.status !== SEC_I_CONTINUE_NEEDED &&
      r.status !== SEC_E_INCOMPLETE_MESSAGE
    ) {
      // A server that fails inside the channel tells the client why (MS-CSSP
      // 2.2.1 errorCode, version 3 and later), as an NTSTATUS.
      if (
        this.#role === "accept" && this.#channel && !r.token &&
        this.#state !== "failed" && this.#version >= 3
      ) {
        const sealed = this.#channel.seal(
          encodeTSRequest({
            version: CREDSSP_VERSION,
            errorCode: errorCodeOf(r.status),
          }),
        );
        if (typeof sealed !== "number") {
          r = { ...r, token: sealed, tokenIsFresh: true };
        }
      }
      this.#state = "failed";
    }
    return { ...r, attrs: this.#attrs };
  }

  #caught(e: unknown): StepResult {
    if (e instanceof DerError) {
      return fail(SEC_E_INVALID_TOKEN, `malformed TSRequest: ${e.message}`);
    }
    // An inner package that signals its failure by throwing (NTLM's user lookup).
    if (e instanceof SspiError) return fail(e.status, e.message);
    throw e;
  }

  /** The TLS handshake, then (client) the first TSRequest in the same output. */
  #tlsStep(req: StepRequest): StepResult | Promise<StepResult> {
    const client = this.#role === "initiate";
    if (client && this.#target === null) this.#target = req.target ?? "";
    const r = this.#tls.step({
      ...req,
      target: client ? hostOf(req.target) : null,
      output: null,
      async: false,
    });
    if (r instanceof Promise) {
      throw new TypeError("Schannel steps are synchronous");
    }
    if (r.status !== SEC_E_OK) return r;
    this.#channel = new TlsChannel(this.#tls);
    this.#state = "nego";
    const tlsToken = r.token ?? null;
    if (client) {
      return then(this.#negoStep(null), (nr) => {
        if (typeof nr === "number") {
          return fail(nr, "the Negotiate client failed");
        }
        return this.#sendRequest(
          SEC_I_CONTINUE_NEEDED,
          { negoTokens: nr ? [nr] : undefined },
          r.extra ?? 0,
          tlsToken,
        );
      });
    }
    // The client may have sent its first TSRequest right behind its Finished.
    const input = bufferBytes(findBuffer(req.input, SECBUFFER_TOKEN));
    if (r.extra) return this.#readStep(req, input.length - r.extra);
    return { status: SEC_I_CONTINUE_NEEDED, attrs: 0 };
  }

  /** Reads TSRequests from the input, from `at`, and answers them. */
  #readStep(
    req: StepRequest,
    at: number,
  ): StepResult | Promise<StepResult> {
    const input = bufferBytes(findBuffer(req.input, SECBUFFER_TOKEN));
    if (!input.length) {
      return fail(
        SEC_E_INVALID_TOKEN,
        "no SECBUFFER_TOKEN with the peer's bytes",
      );
    }
    const got = this.#channel!.read(input.subarray(at));
    if (got.kind === "failed") {
      // The peer's close_notify ends the exchange too: a failure for the caller.
      return got.status === SEC_I_CONTEXT_EXPIRED
        ? fail(
          SEC_E_CONTEXT_EXPIRED,
          "the peer closed the TLS channel before CredSSP completed (a refused logon?)",
        )
        : fail(got.status, "the TLS channel refused a record");
    }
    if (got.kind === "more") {
      const consumed = at + got.consumed;
      if (consumed === 0 && got.missing !== undefined) {
        markMissing(req.input, got.missing);
        return {
          status: SEC_E_INCOMPLETE_MESSAGE,
          attrs: 0,
          message: "the TLS record is incomplete",
        };
      }
      return this.#send(SEC_I_CONTINUE_NEEDED, [], input.length - consumed);
    }
    const r = got.request;
    const extra = input.length - (at + got.consumed);
    if (r.errorCode !== undefined && r.errorCode !== 0) {
      return fail(
        statusOfErrorCode(r.errorCode),
        `the CredSSP server reported error 0x${
          (r.errorCode >>> 0).toString(16)
        }`,
      );
    }
    this.#version = Math.min(this.#version, r.version);
    return this.#role === "initiate"
      ? this.#clientGot(r, extra)
      : this.#serverGot(r, extra);
  }

  #clientGot(r: TSRequest, extra: number): StepResult | Promise<StepResult> {
    if (this.#state === "nego") {
      const token = r.negoTokens?.[0] ?? null;
      if (!token) {
        return fail(SEC_E_INVALID_TOKEN, "the server sent no Negotiate token");
      }
      return then(this.#negoStep(token), (out) => {
        if (typeof out === "number") return fail(out, "Negotiate failed");
        if (!this.#negoDone) {
          return this.#sendRequest(SEC_I_CONTINUE_NEEDED, {
            negoTokens: out ? [out] : undefined,
          }, extra);
        }
        const pub = this.#clientPubKeyAuth();
        if (typeof pub === "number") {
          return fail(pub, "cannot bind the server's public key");
        }
        this.#state = "pubkey";
        return this.#sendRequest(SEC_I_CONTINUE_NEEDED, {
          negoTokens: out ? [out] : undefined,
          ...pub,
        }, extra);
      });
    }
    if (this.#state === "pubkey") {
      const finish = (): StepResult => {
        if (!r.pubKeyAuth) {
          // The server finished Negotiate first (SPNEGO's last token): bind now.
          const pub = this.#clientPubKeyAuth();
          if (typeof pub === "number") {
            return fail(pub, "cannot bind the server's public key");
          }
          return this.#sendRequest(SEC_I_CONTINUE_NEEDED, pub, extra);
        }
        const plain = this.#unwrap(r.pubKeyAuth);
        if (typeof plain === "number") {
          return fail(plain, "the server's pubKeyAuth did not decrypt");
        }
        const expected = this.#expectedServerPubKey();
        if (!expected || !constantTimeEqual(plain, expected)) {
          return fail(
            SEC_E_MUTUAL_AUTH_FAILED,
            "the server's pubKeyAuth does not match the TLS certificate",
          );
        }
        const creds = this.#cred.delegated()!;
        const sealed = this.#wrap(encodeTSCredentials(creds));
        if (typeof sealed === "number") {
          return fail(sealed, "cannot encrypt the credentials");
        }
        this.#state = "done";
        return this.#sendRequest(SEC_E_OK, { authInfo: sealed }, extra);
      };
      const token = r.negoTokens?.[0];
      if (token && !this.#negoDone) {
        return then(this.#negoStep(token), (out) => {
          if (typeof out === "number") return fail(out, "Negotiate failed");
          if (!this.#negoDone) {
            return fail(SEC_E_INVALID_TOKEN, "Negotiate did not complete");
          }
          return finish();
        });
      }
      return finish();
    }
    return fail(SEC_E_INVALID_TOKEN, "an unexpected TSRequest");
  }

  #serverGot(r: TSRequest, extra: number): StepResult | Promise<StepResult> {
    if (this.#state === "creds") {
      if (!r.authInfo) {
        return fail(SEC_E_INVALID_TOKEN, "expected the client's authInfo");
      }
      const plain = this.#unwrap(r.authInfo);
      if (typeof plain === "number") {
        return fail(plain, "authInfo did not decrypt");
      }
      let got;
      try {
        got = receiveTSCredentials(plain, this.#cred.allowRestrictedAdmin);
      } finally {
        plain.fill(0);
      }
      if (!got.delegated) return fail(got.status, got.message!);
      // A KeyUpdate the client asked for during the exchange goes out now, as
      // this last step's token (our next records use the next keys).
      const owed = this.#channel!.takeKeyUpdate();
      if (typeof owed === "number") return fail(owed, "the KeyUpdate failed");
      this.#delegated = got.delegated;
      this.#state = "done";
      return {
        status: SEC_E_OK,
        attrs: 0,
        token: owed,
        tokenIsFresh: owed !== null,
        extra: extra || undefined,
      };
    }
    if (this.#state !== "nego") {
      return fail(SEC_E_INVALID_TOKEN, "an unexpected TSRequest");
    }
    if (r.clientNonce) this.#nonce = r.clientNonce;
    const afterNego = (out: Uint8Array | null): StepResult => {
      if (!this.#negoDone) {
        if (r.pubKeyAuth) {
          return fail(
            SEC_E_INVALID_TOKEN,
            "pubKeyAuth before Negotiate completed",
          );
        }
        return this.#sendRequest(SEC_I_CONTINUE_NEEDED, {
          negoTokens: out ? [out] : undefined,
        }, extra);
      }
      if (!r.pubKeyAuth) {
        return out
          ? this.#sendRequest(
            SEC_I_CONTINUE_NEEDED,
            { negoTokens: [out] },
            extra,
          )
          : fail(
            SEC_E_INVALID_TOKEN,
            "the client completed Negotiate without pubKeyAuth",
          );
      }
      const plain = this.#unwrap(r.pubKeyAuth);
      if (typeof plain === "number") {
        return fail(plain, "pubKeyAuth did not decrypt");
      }
      const spk = this.#ownPublicKey();
      if (this.#version >= 5 && !this.#nonce) {
        return fail(
          SEC_E_INVALID_TOKEN,
          "no clientNonce (CredSSP 5 and later)",
        );
      }
      const expected = this.#version >= 5
        ? bindingHash(C2S, this.#nonce!, spk)
        : spk;
      if (!constantTimeEqual(plain, expected)) {
        return fail(
          SEC_E_MUTUAL_AUTH_FAILED,
          "the client's pubKeyAuth is not this certificate's key (a relay?)",
        );
      }
      const answer = this.#version >= 5
        ? bindingHash(S2C, this.#nonce!, spk)
        : plusOne(spk);
      const sealed = this.#wrap(answer);
      if (typeof sealed === "number") {
        return fail(sealed, "cannot encrypt pubKeyAuth");
      }
      this.#state = "creds";
      return this.#sendRequest(SEC_I_CONTINUE_NEEDED, {
        negoTokens: out ? [out] : undefined,
        pubKeyAuth: sealed,
      }, extra);
    };
    const token = r.negoTokens?.[0];
    if (token && !this.#negoDone) {
      return then(
        this.#negoStep(token),
        (out) =>
          typeof out === "number"
            ? fail(out, "Negotiate refused the logon")
            : afterNego(out),
      );
    }
    return afterNego(null);
  }

  /** One Negotiate step: its output token, or a failure status. */
  #negoStep(
    input: Uint8Array | null,
  ): Uint8Array | null | number | Promise<Uint8Array | null | number> {
    const desc = input
      ? new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, input)])
      : null;
    const client = this.#role === "initiate";
    const r = this.#nego.step({
      target: client ? this.#target : null,
      // Confidentiality, replay and sequence detection, integrity; the client asks
      // for mutual authentication (Kerberos' AP-REP).
      flags: client
        ? 0x10 | 0x4 | 0x8 | 0x10000 | 0x2
        : 0x10 | 0x4 | 0x8 | 0x20000,
      dataRep: 0,
      input: desc,
      output: null,
      // Kerberos' first context reaches the KDC: only in the Sspi*Async form.
      async: this.#async,
    });
    return then(r, (x) => {
      if (x.status !== SEC_E_OK && x.status !== SEC_I_CONTINUE_NEEDED) {
        return x.status;
      }
      this.#attrs = x.attrs;
      if (x.status === SEC_E_OK) this.#negoDone = true;
      return x.token ?? null;
    });
  }

  #send(
    status: number,
    parts: (Uint8Array | null)[],
    extra?: number,
  ): StepResult {
    const list = parts.filter((p): p is Uint8Array => !!p && p.length > 0);
    const n = list.reduce((s, p) => s + p.length, 0);
    const token = n ? new Uint8Array(n) : null;
    if (token) list.reduce((at, p) => (token.set(p, at), at + p.length), 0);
    return {
      status,
      token,
      tokenIsFresh: token !== null,
      extra: extra || undefined,
      attrs: 0,
    };
  }

  #sendRequest(
    status: number,
    fields: Omit<TSRequest, "version">,
    extra: number,
    before: Uint8Array | null = null,
  ): StepResult {
    const sealed = this.#channel!.seal(
      encodeTSRequest({ version: CREDSSP_VERSION, ...fields }),
    );
    if (typeof sealed === "number") {
      return fail(sealed, "the TLS channel refused to encrypt");
    }
    return this.#send(status, [before, sealed], extra);
  }

  #clientPubKeyAuth():
    | { pubKeyAuth: Uint8Array; clientNonce?: Uint8Array }
    | number {
    const spk = this.#serverPublicKey();
    if (!spk) return SEC_E_MUTUAL_AUTH_FAILED;
    if (this.#version >= 5) this.#nonce = randomBytes(32);
    const data = this.#version >= 5 ? bindingHash(C2S, this.#nonce!, spk) : spk;
    const sealed = this.#wrap(data);
    if (typeof sealed === "number") return sealed;
    return this.#version >= 5
      ? { pubKeyAuth: sealed, clientNonce: this.#nonce! }
      : { pubKeyAuth: sealed };
  }

  #expectedServerPubKey(): Uint8Array | null {
    const spk = this.#serverPublicKey();
    if (!spk) return null;
    return this.#version >= 5
      ? bindingHash(S2C, this.#nonce!, spk)
      : plusOne(spk);
  }

  /** The server certificate's SubjectPublicKey (the BIT STRING's bytes), as the client saw it. */
  #serverPublicKey(): Uint8Array | null {
    const r = this.#tls.queryAttribute(SECPKG_ATTR_REMOTE_CERT_CONTEXT);
    if (r.status !== SEC_E_OK) return null;
    return subjectPublicKey((r.value as SchannelCertContext).pbCertEncoded);
  }

  #ownPublicKey(): Uint8Array {
    return subjectPublicKey(ownLeaf(this.#cred)) ?? new Uint8Array(0);
  }

  #wrap(data: Uint8Array): Uint8Array | number {
    return sealWith(this.#nego, data);
  }

  #unwrap(blob: Uint8Array): Uint8Array | number {
    return unsealWith(this.#nego, blob);
  }

  encryptMessage(qop: number, message: SecBufferDesc, seqNo: number): number {
    if (this.#state !== "done") return SEC_E_NO_CONTEXT;
    return this.#tls.encryptMessage!(qop, message, seqNo);
  }

  decryptMessage(message: SecBufferDesc, seqNo: number): QopResult {
    if (this.#state !== "done") return { status: SEC_E_NO_CONTEXT, qop: 0 };
    return this.#tls.decryptMessage!(message, seqNo);
  }

  applyControlToken(input: SecBufferDesc): number {
    return this.#tls.applyControlToken?.(input) ?? SEC_E_NO_CONTEXT;
  }

  queryAttribute(attribute: number): AttributeResult {
    if (attribute === SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS) {
      return this.#delegated
        ? { status: SEC_E_OK, value: this.#delegated }
        : { status: SEC_E_NO_CONTEXT };
    }
    const n = this.#nego.queryAttribute(attribute);
    return n.status === SEC_E_OK ? n : this.#tls.queryAttribute(attribute);
  }

  dispose(): void {
    this.#tls.dispose();
    this.#nego.dispose();
    this.#delegated?.wipe();
    this.#delegated = null;
    this.#state = "failed";
  }
}
