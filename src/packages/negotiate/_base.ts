/**
 * What Negotiate client and server contexts share: running the inner mechanism's steps,
 * the mechListMIC (RFC 4178 section 5) with the RC4 reset NTLM needs (MS-SPNG 3.3.5.1),
 * attributes, and session security passed through to the chosen mechanism.
 *
 * @module
 */
import { baseType, SecBuffer, SecBufferDesc } from "../../sspi/buffers.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_PACKAGE_INFO,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
  SECPKG_NEGOTIATION_COMPLETE,
  SECPKG_NEGOTIATION_IN_PROGRESS,
} from "../../sspi/flags.ts";
import type {
  AttributeResult,
  PackageContext,
  QopResult,
  SecPkgInfo,
  StepRequest,
  StepResult,
  TokenFrame,
} from "../../sspi/package.ts";
import {
  continues,
  isFailure,
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CONTEXT,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { DerError } from "../../der/mod.ts";
import { NEGOTIATE_MAX_TOKEN } from "./constants.ts";
import type { InnerCredential, NegotiateCredential } from "./credentials.ts";
import { ntlmResetter, wantKeysAtOnce } from "./_ntlm.ts";
import {
  decodeNegotiationToken,
  type NegotiationToken,
  type NegTokenResp,
} from "./messages.ts";
import { encodeNegTokenResp } from "./encode.ts";
import { encodeNegotiateExport } from "./export.ts";

/** A value or a Promise of it (inner packages may wait in the async form). */
export type Maybe<T> = T | Promise<T>;

/** Applies `f` to a value or to what a Promise resolves to. */
export function then<T, U>(v: Maybe<T>, f: (t: T) => Maybe<U>): Maybe<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/** A failed step. */
export function failure(status: number, message: string): StepResult {
  return { status, attrs: 0, message };
}

/** A step that answers with a NegTokenResp of these fields. */
export function respond(
  status: number,
  fields: Omit<NegTokenResp, "type">,
  attrs: number,
  expiry?: bigint,
  owned = false,
): StepResult {
  return {
    status,
    tokenIsFresh: true,
    token: encodeNegTokenResp(fields, owned),
    attrs,
    expiry,
  };
}

/** Decodes a SPNEGO token; malformed input becomes `SspiError(SEC_E_INVALID_TOKEN)`. */
export function decodeToken(bytes: Uint8Array): NegotiationToken {
  try {
    return decodeNegotiationToken(bytes);
  } catch (e) {
    if (e instanceof DerError) {
      throw new SspiError(SEC_E_INVALID_TOKEN, e.message);
    }
    throw e;
  }
}

/** Where `makeMic` lets the inner package write the mechListMIC (copied when encoded). */
const micScratch = new Uint8Array(16);

/** The base of Negotiate client and server contexts. */
export abstract class NegotiateContextBase implements PackageContext {
  /** The chosen mechanism's context (null before one is chosen). */
  protected inner: PackageContext | null = null;
  /** The chosen inner credential. */
  protected chosen: InnerCredential | null = null;
  /** The inner context finished its handshake. */
  protected innerDone = false;
  /** The attributes of the inner context's last step. */
  protected innerAttrs = 0;
  /** The Negotiate handshake finished. */
  protected established = false;
  /** Expiry reported by the inner context. */
  protected expiry: bigint | undefined;
  #reset: ((d: "send" | "recv") => void) | null = null;
  #tokenDesc: SecBufferDesc | undefined;
  #resetReady = false;

  constructor(
    protected readonly info: SecPkgInfo,
    protected readonly cred: NegotiateCredential,
    protected readonly role: "initiate" | "accept",
  ) {}

  abstract step(req: StepRequest): StepResult | Promise<StepResult>;

  /** Starts the inner context of `c` (disposing any earlier one). */
  protected startInner(c: InnerCredential): void {
    this.inner?.dispose();
    this.inner = null;
    this.chosen = c;
    this.innerDone = false;
    this.#canMic = undefined;
    this.inner = c.pkg.createContext(c.cred, this.role);
    wantKeysAtOnce(this.inner);
  }

  /**
   * Runs one inner step with `token` in place of the caller's token buffer, asking
   * for its output token in `frame` (the room the SPNEGO message around it takes).
   */
  protected innerStep(
    req: StepRequest,
    token: Uint8Array | null,
    frame?: TokenFrame,
  ): Maybe<StepResult> {
    const given = req.input?.pBuffers;
    let input: SecBufferDesc | null;
    if (
      !given ||
      (given.length === 1 && given[0] && baseType(given[0]) === SECBUFFER_TOKEN)
    ) {
      // The common case: the caller passed the token alone (or nothing). One
      // descriptor per context serves every step (steps never overlap).
      if (token) {
        const d = this.#tokenDesc ??= new SecBufferDesc([
          new SecBuffer(SECBUFFER_TOKEN, null),
        ]);
        const b = d.pBuffers[0];
        b.pvBuffer = token;
        b.cbBuffer = token.length;
        input = d;
      } else {
        input = null;
      }
    } else {
      const others = given.filter((b) => b && baseType(b) !== SECBUFFER_TOKEN);
      const bufs = token
        ? [new SecBuffer(SECBUFFER_TOKEN, token), ...others]
        : others;
      input = bufs.length ? new SecBufferDesc(bufs) : null;
    }
    const r = this.inner!.step({
      target: req.target,
      flags: req.flags,
      dataRep: req.dataRep,
      input,
      output: req.output,
      async: req.async,
      frame,
    });
    return r instanceof Promise
      ? r.then((v) => this.#afterStep(v))
      : this.#afterStep(r);
  }

  /** Records what an inner step tells about the inner context. */
  #afterStep(r: StepResult): StepResult {
    if (!r || typeof r.status !== "number") {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "the inner package returned no status",
      );
    }
    if (!isFailure(r.status)) {
      this.innerAttrs = r.attrs >>> 0;
      if (r.expiry !== undefined) this.expiry = r.expiry;
      if (!continues(r.status)) this.innerDone = true;
    }
    return r;
  }

  /** The name of the chosen package (`"NTLM"`...). */
  protected get chosenName(): string {
    return this.chosen?.name ?? "";
  }

  /** Prepares the RC4 reset of NTLM (MS-SPNG 3.3.5.1) once the inner context is done. */
  #prepareReset(): void {
    if (this.#resetReady) return;
    this.#resetReady = true;
    if (this.chosenName.toLowerCase() !== "ntlm" || !this.inner) return;
    this.#reset = ntlmResetter(this.inner);
  }

  /**
   * True when the inner context can sign: it is established with a session key. The
   * caller's integrity flags do not matter here: the mechListMIC protects the
   * negotiation itself, and Windows and gss-ntlmssp send it whenever they can.
   */
  protected canMic(_integrityFlag: number): boolean {
    if (!this.innerDone || !this.inner?.makeSignature) return false;
    this.#canMic ??= this.inner.hasSessionKey
      ? this.inner.hasSessionKey()
      : this.inner.queryAttribute(SECPKG_ATTR_SESSION_KEY).status === SEC_E_OK;
    return this.#canMic;
  }

  #canMic: boolean | undefined;

  /**
   * The mechListMIC over `mechTypesDer`, then the send-direction reset. The result may
   * be a scratch array shared by all contexts: encode it before the next `makeMic`.
   */
  protected makeMic(mechTypesDer: Uint8Array): Uint8Array {
    this.#prepareReset();
    if (this.inner!.signData) {
      const sig = this.inner!.signData(mechTypesDer, micScratch);
      if (typeof sig === "number") {
        throw new SspiError(sig, "cannot compute the mechListMIC");
      }
      this.#reset?.("send");
      return sig;
    }
    const s = this.inner!.queryAttribute(SECPKG_ATTR_SIZES);
    const size = s.status === SEC_E_OK
      ? (s.value as { cbMaxSignature: number }).cbMaxSignature
      : 64;
    const sig = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(size || 64));
    const msg = new SecBufferDesc([
      new SecBuffer(SECBUFFER_DATA, mechTypesDer), // signing leaves data as is
      sig,
    ]);
    const st = this.inner!.makeSignature!(0, msg, 0);
    if (st !== SEC_E_OK) {
      throw new SspiError(st, "cannot compute the mechListMIC");
    }
    this.#reset?.("send");
    return sig.cbBuffer === sig.pvBuffer!.length
      ? sig.pvBuffer!
      : sig.pvBuffer!.slice(0, sig.cbBuffer);
  }

  /** Verifies the peer's mechListMIC, then the receive-direction reset. */
  protected verifyMic(mechTypesDer: Uint8Array, mic: Uint8Array): void {
    this.#prepareReset();
    if (!this.inner?.verifySignature) {
      throw new SspiError(
        SEC_E_MESSAGE_ALTERED,
        "the chosen mechanism cannot verify the mechListMIC",
      );
    }
    const status = this.inner.verifyData
      ? this.inner.verifyData(mechTypesDer, mic)
      : this.inner.verifySignature(
        new SecBufferDesc([
          new SecBuffer(SECBUFFER_DATA, mechTypesDer), // verification reads only
          new SecBuffer(SECBUFFER_TOKEN, mic),
        ]),
        0,
      ).status;
    if (status !== SEC_E_OK) {
      throw new SspiError(
        SEC_E_MESSAGE_ALTERED,
        "the mechListMIC does not match the mechanism list (altered or downgraded negotiation)",
      );
    }
    this.#reset?.("recv");
  }

  queryAttribute(attribute: number): AttributeResult {
    if (attribute === SECPKG_ATTR_PACKAGE_INFO) {
      // As Windows: "Negotiate" while negotiating, the chosen package once established.
      const info = this.established && this.chosen
        ? this.chosen.pkg.info
        : this.info;
      return { status: SEC_E_OK, value: { PackageInfo: { ...info } } };
    }
    if (attribute === SECPKG_ATTR_NEGOTIATION_INFO) {
      if (!this.chosen) return { status: SEC_E_NO_CONTEXT };
      return {
        status: SEC_E_OK,
        value: {
          PackageInfo: { ...this.chosen.pkg.info },
          NegotiationState: this.established
            ? SECPKG_NEGOTIATION_COMPLETE
            : SECPKG_NEGOTIATION_IN_PROGRESS,
        },
      };
    }
    if (!this.inner) {
      if (attribute === SECPKG_ATTR_SIZES) {
        return {
          status: SEC_E_OK,
          value: {
            cbMaxToken: NEGOTIATE_MAX_TOKEN,
            cbMaxSignature: 0,
            cbBlockSize: 0,
            cbSecurityTrailer: 0,
          },
        };
      }
      return { status: SEC_E_NO_CONTEXT };
    }
    const r = this.inner.queryAttribute(attribute);
    if (attribute === SECPKG_ATTR_SIZES && r.status === SEC_E_OK) {
      return {
        status: SEC_E_OK,
        value: { ...(r.value as object), cbMaxToken: NEGOTIATE_MAX_TOKEN },
      };
    }
    return r;
  }

  #ready(): PackageContext | number {
    if (!this.established || !this.inner) return SEC_E_NO_CONTEXT;
    return this.inner;
  }

  makeSignature(qop: number, message: SecBufferDesc, seqNo: number): number {
    const c = this.#ready();
    if (typeof c === "number") return c;
    return c.makeSignature?.(qop, message, seqNo) ?? SEC_E_NO_CONTEXT;
  }

  verifySignature(message: SecBufferDesc, seqNo: number): QopResult {
    const c = this.#ready();
    if (typeof c === "number") return { status: c, qop: 0 };
    return c.verifySignature?.(message, seqNo) ??
      { status: SEC_E_NO_CONTEXT, qop: 0 };
  }

  encryptMessage(qop: number, message: SecBufferDesc, seqNo: number): number {
    const c = this.#ready();
    if (typeof c === "number") return c;
    return c.encryptMessage?.(qop, message, seqNo) ?? SEC_E_NO_CONTEXT;
  }

  decryptMessage(message: SecBufferDesc, seqNo: number): QopResult {
    const c = this.#ready();
    if (typeof c === "number") return { status: c, qop: 0 };
    return c.decryptMessage?.(message, seqNo) ??
      { status: SEC_E_NO_CONTEXT, qop: 0 };
  }

  /**
   * `ExportSecurityContext`: the chosen package's name and its own export (see
   * `export.ts`). Only an established context whose package can export moves.
   */
  exportContext(): Uint8Array | number {
    const c = this.#ready();
    if (typeof c === "number") return c;
    if (!c.exportContext || !this.chosen) return SEC_E_UNSUPPORTED_FUNCTION;
    const inner = c.exportContext();
    if (typeof inner === "number") return inner;
    try {
      return encodeNegotiateExport(this.chosen.name, this.role, inner);
    } finally {
      inner.fill(0); // it holds the session keys
    }
  }

  /**
   * Takes an established inner context rebuilt by its package's `importContext`
   * (its mechListMIC exchange and RC4 reset happened before the export).
   */
  protected adopt(chosen: InnerCredential, inner: PackageContext): void {
    this.chosen = chosen;
    this.inner = inner;
    this.innerDone = true;
    this.#resetReady = true;
    this.established = true;
  }

  applyControlToken(input: SecBufferDesc): number {
    return this.inner?.applyControlToken?.(input) ?? SEC_E_NO_CONTEXT;
  }

  /** Disposes the inner context (wiping its keys). */
  dispose(): void {
    this.inner?.dispose();
    this.inner = null;
    this.established = false;
  }
}
