/**
 * What Digest client and server contexts share: attributes, and the SSPI message
 * functions mapped onto the SASL DIGEST-MD5 security layer (`sasl_security.ts`).
 * HTTP Digest has no message protection, so those calls are unsupported there.
 *
 * Buffers: `MakeSignature`/`VerifySignature` take `SECBUFFER_DATA` (the message) and
 * a `SECBUFFER_TOKEN` of 16 bytes (MAC, 0x0001, SeqNum). `EncryptMessage` encrypts the
 * `SECBUFFER_DATA` in place and writes the rest of the wire form (padding, MAC,
 * 0x0001, SeqNum: 16 bytes for RC4, up to 24 for DES/3DES) to the `SECBUFFER_TOKEN`;
 * the peer receives `DATA || TOKEN`. `DecryptMessage` takes `DATA` (and optionally
 * `TOKEN`), treats their concatenation as the wire form and leaves the plaintext at
 * the start of `DATA`, with `cbBuffer` set to its length.
 *
 * @module
 */
import { baseType, type SecBufferDesc } from "../../sspi/buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_FLAGS,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
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
import { concat } from "../../util/bytes.ts";
import { SASL_TRAILER, type SaslSecurity } from "./sasl_security.ts";

/** The `cbMaxToken` of WDigest on Windows. */
export const DIGEST_MAX_TOKEN = 4096;

function bufs(msg: SecBufferDesc) {
  let data = null, token = null;
  for (const b of msg.pBuffers) {
    if (!b || !b.pvBuffer) continue;
    const t = baseType(b);
    if (t === SECBUFFER_DATA && !data) data = b;
    if (t === SECBUFFER_TOKEN && !token) token = b;
  }
  return { data, token };
}

function view(b: { pvBuffer: Uint8Array | null; cbBuffer: number }) {
  return b.pvBuffer!.subarray(
    0,
    Math.min(b.cbBuffer >>> 0, b.pvBuffer!.length),
  );
}

/** The base of Digest client and server contexts. */
export abstract class DigestContextBase implements PackageContext {
  /** `ISC_RET_*`/`ASC_RET_*` so far. */
  protected retFlags = 0;
  /** Set once authenticated. */
  protected established = false;
  /** The authenticated user name. */
  protected clientName = "";
  /** SASL security layer, when negotiated. */
  protected security: SaslSecurity | null = null;
  #sessionKey: Uint8Array | null = null;

  constructor(protected readonly info: SecPkgInfo) {}

  /** Runs one step. */
  abstract step(req: StepRequest): StepResult | Promise<StepResult>;

  /** Records the SASL session key H(A1) (copied; wiped by dispose). */
  protected setSessionKey(key: Uint8Array): void {
    this.#sessionKey?.fill(0);
    this.#sessionKey = key.slice();
  }

  queryAttribute(attribute: number): AttributeResult {
    const block = this.security?.cipher === "des" ||
      this.security?.cipher === "3des";
    switch (attribute) {
      case SECPKG_ATTR_SIZES:
        return {
          status: SEC_E_OK,
          value: {
            cbMaxToken: DIGEST_MAX_TOKEN,
            cbMaxSignature: SASL_TRAILER,
            cbBlockSize: block ? 8 : 1,
            cbSecurityTrailer: SASL_TRAILER + (block ? 8 : 0),
          },
        };
      case SECPKG_ATTR_FLAGS:
        return { status: SEC_E_OK, value: { Flags: this.retFlags } };
    }
    if (!this.established) return { status: SEC_E_NO_CONTEXT };
    switch (attribute) {
      case SECPKG_ATTR_NAMES:
        return { status: SEC_E_OK, value: { sUserName: this.clientName } };
      case SECPKG_ATTR_SESSION_KEY:
        if (!this.#sessionKey) return { status: SEC_E_UNSUPPORTED_FUNCTION };
        return {
          status: SEC_E_OK,
          value: {
            SessionKeyLength: this.#sessionKey.length,
            SessionKey: this.#sessionKey.slice(),
          },
        };
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  #ready(): SaslSecurity | number {
    if (!this.established) return SEC_E_NO_CONTEXT;
    return this.security ?? SEC_E_UNSUPPORTED_FUNCTION;
  }

  makeSignature(_qop: number, message: SecBufferDesc, _seqNo: number): number {
    const s = this.#ready();
    if (typeof s === "number") return s;
    const { data, token } = bufs(message);
    if (!data || !token) return SEC_E_INVALID_TOKEN;
    if (token.pvBuffer!.length < SASL_TRAILER) return SEC_E_BUFFER_TOO_SMALL;
    token.pvBuffer!.set(s.sign(view(data)));
    token.cbBuffer = SASL_TRAILER;
    return SEC_E_OK;
  }

  verifySignature(message: SecBufferDesc, _seqNo: number): QopResult {
    const s = this.#ready();
    if (typeof s === "number") return { status: s, qop: 0 };
    const { data, token } = bufs(message);
    if (!data || !token) return { status: SEC_E_INVALID_TOKEN, qop: 0 };
    return { status: s.verify(view(data), view(token)), qop: 0 };
  }

  encryptMessage(qop: number, message: SecBufferDesc, seqNo: number): number {
    if (qop === SECQOP_WRAP_NO_ENCRYPT) {
      return this.makeSignature(0, message, seqNo);
    }
    if (qop !== 0) return SEC_E_QOP_NOT_SUPPORTED;
    const s = this.#ready();
    if (typeof s === "number") return s;
    if (!s.confidential) return SEC_E_UNSUPPORTED_FUNCTION;
    const { data, token } = bufs(message);
    if (!data || !token) return SEC_E_INVALID_TOKEN;
    const plain = view(data);
    const need = SASL_TRAILER +
      (s.cipher === "des" || s.cipher === "3des" ? 8 : 0);
    if (token.pvBuffer!.length < need) return SEC_E_BUFFER_TOO_SMALL;
    const wire = s.seal(plain);
    plain.set(wire.subarray(0, plain.length));
    const rest = wire.subarray(plain.length);
    token.pvBuffer!.set(rest);
    token.cbBuffer = rest.length;
    return SEC_E_OK;
  }

  decryptMessage(message: SecBufferDesc, _seqNo: number): QopResult {
    const s = this.#ready();
    if (typeof s === "number") return { status: s, qop: 0 };
    if (!s.confidential) return { status: SEC_E_UNSUPPORTED_FUNCTION, qop: 0 };
    const { data, token } = bufs(message);
    if (!data) return { status: SEC_E_INVALID_TOKEN, qop: 0 };
    const wire = token ? concat(view(data), view(token)) : view(data).slice();
    const r = s.unseal(wire);
    if (r.status !== SEC_E_OK || !r.message) {
      return { status: r.status, qop: 0 };
    }
    if (r.message.length > data.pvBuffer!.length) {
      return { status: SEC_E_BUFFER_TOO_SMALL, qop: 0 };
    }
    data.pvBuffer!.set(r.message);
    data.cbBuffer = r.message.length;
    return { status: SEC_E_OK, qop: 0 };
  }

  /** Wipes keys. */
  dispose(): void {
    this.#sessionKey?.fill(0);
    this.#sessionKey = null;
    this.security?.dispose();
    this.security = null;
    this.established = false;
  }
}
