/**
 * The Schannel context attributes applications ask for after a handshake, beyond
 * `context.ts`'s own:
 *
 * - `SECPKG_ATTR_KEYING_MATERIAL_INFO` (0x6a, `SetContextAttributes`) with a
 *   {@link SecPkgContext_KeyingMaterialInfo}, then `SECPKG_ATTR_KEYING_MATERIAL`
 *   (0x6b, `QueryContextAttributes`) giving a {@link SecPkgContext_KeyingMaterial}:
 *   RFC 5705 (TLS 1.2, extended master secret required) and RFC 8446 7.5 (TLS 1.3)
 *   exporters (`exporter.ts`). The request must be set on the context after the
 *   first `InitializeSecurityContext`/`AcceptSecurityContext` call made it and
 *   before the call that completes the handshake: the exporter's secret is kept
 *   only then. Once kept, the request may be set again after the handshake (another
 *   label, context or length) and queried again.
 * - `SECPKG_ATTR_UNIQUE_BINDINGS` (0x19): RFC 5929's `tls-unique` (the first
 *   Finished of the connection) in a `SEC_CHANNEL_BINDINGS`, TLS 1.2 only.
 * - `SECPKG_ATTR_KEY_INFO` (5): {@link SecPkgContext_KeyInfo}.
 *
 * It also holds the structures of the Schannel credential attributes
 * (`credential_attributes.ts`): {@link SecPkgCred_SupportedProtocols},
 * {@link SecPkgCred_CipherStrengths} and {@link SecPkgCred_SupportedAlgs}.
 *
 * @module
 */
import { secChannelBindings } from "../../sspi/buffers.ts";
import {
  SECPKG_ATTR_KEY_INFO,
  SECPKG_ATTR_UNIQUE_BINDINGS,
} from "../../sspi/flags.ts";
import type { AttributeResult } from "../../sspi/package.ts";
import {
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { certificateKind } from "./cipher_info.ts";
import {
  CALG_AES_128,
  CALG_AES_256,
  CALG_ECDSA,
  CALG_RSA_SIGN,
  CHACHA20_SUITES,
  HS_FINISHED,
  SECPKG_ATTR_KEYING_MATERIAL,
  SECPKG_ATTR_KEYING_MATERIAL_INFO,
  TLS12,
} from "./constants.ts";
import type { TlsEngine } from "./engine.ts";
import { exporterRequestError } from "./exporter.ts";

/** `SecPkgContext_KeyingMaterialInfo` (`SetContextAttributes`, `SECPKG_ATTR_KEYING_MATERIAL_INFO`). */
export interface SecPkgContext_KeyingMaterialInfo {
  /** The label's size in bytes with its NUL (the label's length is accepted too). */
  cbLabel?: number;
  /** The ASCII label: `EXPORTER-...` (registered) or `EXPERIMENTAL-...`. */
  pszLabel: string;
  /** The context value's size; 0 for none. */
  cbContextValue?: number;
  /** The context value, or null for none (TLS 1.2 tells the two apart). */
  pbContextValue?: Uint8Array | null;
  /** How many bytes to export: 1 or more. */
  cbKeyingMaterial: number;
}

/** `SecPkgContext_KeyingMaterial` (`QueryContextAttributes`, `SECPKG_ATTR_KEYING_MATERIAL`). */
export interface SecPkgContext_KeyingMaterial {
  /** Its length. */
  cbKeyingMaterial: number;
  /** The keying material (a fresh copy: `FreeContextBuffer` zeroes it). */
  pbKeyingMaterial: Uint8Array;
}

/**
 * `SecPkgContext_KeyInfo` (`SECPKG_ATTR_KEY_INFO`) as Windows' Schannel fills it:
 * the certificate's signature algorithm and the record cipher.
 */
export interface SecPkgContext_KeyInfo {
  /** `RSA` or `ECDSA` (the server certificate's key). */
  sSignatureAlgorithmName: string;
  /** `AES`, or `CHACHA20_POLY1305` (BCrypt's name; Windows has no ALG_ID for it). */
  sEncryptAlgorithmName: string;
  /** The cipher's key size in bits (128 or 256). */
  KeySize: number;
  /** `CALG_RSA_SIGN` (0x2400) or `CALG_ECDSA` (0x2203); 0 when unknown. */
  SignatureAlgorithm: number;
  /** `CALG_AES_128` (0x660e) or `CALG_AES_256` (0x6610); 0 for ChaCha20-Poly1305. */
  EncryptAlgorithm: number;
}

/**
 * `SecPkgCred_SupportedProtocols` (`QueryCredentialsAttributes`/
 * `SetCredentialsAttributes`, `SECPKG_ATTR_SUPPORTED_PROTOCOLS` on a Schannel
 * credential; `credential_attributes.ts`).
 */
export interface SecPkgCred_SupportedProtocols {
  /**
   * `SP_PROT_*` bits: `SP_PROT_TLS1_3_CLIENT` (0x2000), `SP_PROT_TLS1_2_CLIENT`
   * (0x800), `SP_PROT_TLS1_1_CLIENT` (0x200), `SP_PROT_TLS1_0_CLIENT` (0x80),
   * `SP_PROT_TLS1_3_SERVER` (0x1000), `SP_PROT_TLS1_2_SERVER` (0x400),
   * `SP_PROT_TLS1_1_SERVER` (0x100), `SP_PROT_TLS1_0_SERVER` (0x40).
   */
  grbitProtocol: number;
}

/**
 * `SecPkgCred_CipherStrengths` (`SECPKG_ATTR_CIPHER_STRENGTHS` on a Schannel
 * credential): the bulk cipher key sizes, in bits, of the suites allowed.
 */
export interface SecPkgCred_CipherStrengths {
  /** The smallest (128 or 256 here). */
  dwMinimumCipherStrength: number;
  /** The largest (256 here); 0 in a Set: no upper bound, as in `SCHANNEL_CRED`. */
  dwMaximumCipherStrength: number;
}

/**
 * `SecPkgCred_SupportedAlgs` (`SECPKG_ATTR_SUPPORTED_ALGS` on a Schannel
 * credential): the CryptoAPI `ALG_ID`s of the allowed suites' parts.
 */
export interface SecPkgCred_SupportedAlgs {
  /** How many `palgSupportedAlgs` holds. */
  cSupportedAlgs: number;
  /** `CALG_AES_128`, `CALG_ECDH_EPHEM`, `CALG_SHA_256`, `CALG_RSA_SIGN`, ... */
  palgSupportedAlgs: number[];
}

/** A checked keying material request (no secret in it). */
interface KeyingRequest {
  label: string;
  context: Uint8Array | null;
  length: number;
}

const ENC = new TextEncoder();

/** What one context was asked to set, and the attributes that come of it. */
export class ExtraAttributes {
  #request: KeyingRequest | null = null;

  /**
   * `SetContextAttributes`: `engine` the context's TLS engine (null before the
   * first call, or once failed or deleted).
   */
  set(attribute: number, value: unknown, engine: TlsEngine | null): number {
    if (attribute !== SECPKG_ATTR_KEYING_MATERIAL_INFO) {
      return SEC_E_UNSUPPORTED_FUNCTION;
    }
    if (!engine) return SEC_E_INVALID_HANDLE;
    const r = parseInfo(value);
    if (!r) return SEC_E_INVALID_PARAMETER;
    // After the handshake there is a secret only if an earlier request kept one.
    if (engine.connected && !engine.exporter) return SEC_E_UNSUPPORTED_FUNCTION;
    this.#request = r;
    engine.keepExporter = true;
    return SEC_E_OK;
  }

  /**
   * `QueryContextAttributes` for the attributes of this file; null for others.
   * `serverCert` is the server's leaf (DER).
   */
  query(
    attribute: number,
    engine: TlsEngine | null,
    serverCert: Uint8Array | undefined,
  ): AttributeResult | null {
    switch (attribute) {
      case SECPKG_ATTR_KEYING_MATERIAL:
        return this.#keyingMaterial(engine);
      case SECPKG_ATTR_UNIQUE_BINDINGS:
        return uniqueBindings(engine);
      case SECPKG_ATTR_KEY_INFO:
        return keyInfo(engine, serverCert);
      default:
        return null;
    }
  }

  #keyingMaterial(engine: TlsEngine | null): AttributeResult {
    if (!engine?.connected) return { status: SEC_E_INVALID_HANDLE };
    const r = this.#request;
    if (!r) return { status: SEC_E_INVALID_PARAMETER };
    // Set too late, or TLS 1.2 without the extended master secret.
    if (!engine.exporter) return { status: SEC_E_UNSUPPORTED_FUNCTION };
    if (r.length > engine.exporter.maxLength) {
      return { status: SEC_E_INVALID_PARAMETER };
    }
    const km = engine.exporter.export(r.label, r.context, r.length);
    const value: SecPkgContext_KeyingMaterial = {
      cbKeyingMaterial: km.length,
      pbKeyingMaterial: km,
    };
    return { status: SEC_E_OK, value };
  }
}

/** A `SecPkgContext_KeyingMaterialInfo` checked and copied, or null when invalid. */
function parseInfo(v: unknown): KeyingRequest | null {
  if (!v || typeof v !== "object") return null;
  const i = v as Partial<SecPkgContext_KeyingMaterialInfo>;
  if (typeof i.pszLabel !== "string") return null;
  // Schannel drops the NUL before mixing the label in.
  const label = i.pszLabel.endsWith("\0")
    ? i.pszLabel.slice(0, -1)
    : i.pszLabel;
  const n = ENC.encode(label).length;
  if (i.cbLabel !== undefined && i.cbLabel !== n + 1 && i.cbLabel !== n) {
    return null;
  }
  let context: Uint8Array | null = null;
  const pb = i.pbContextValue ?? null;
  const cb = i.cbContextValue ?? pb?.length ?? 0;
  if (pb !== null && !(pb instanceof Uint8Array)) return null;
  if (!Number.isInteger(cb) || cb < 0 || cb > (pb?.length ?? 0)) return null;
  if (cb > 0) context = pb!.slice(0, cb);
  const length = i.cbKeyingMaterial;
  if (typeof length !== "number") return null;
  if (exporterRequestError(label, context, length)) return null;
  return { label, context, length };
}

/** `tls-unique` (RFC 5929 3): the first Finished's `verify_data`, TLS 1.2 only. */
function uniqueBindings(engine: TlsEngine | null): AttributeResult {
  if (!engine?.connected) return { status: SEC_E_INVALID_HANDLE };
  // RFC 8446 C.5: tls-unique is not defined for TLS 1.3 (RFC 9266's
  // tls-exporter replaces it: SECPKG_ATTR_KEYING_MATERIAL).
  if (engine.version !== TLS12) return { status: SEC_E_UNSUPPORTED_FUNCTION };
  const fin = engine.transcript.message(HS_FINISHED);
  if (!fin) return { status: SEC_E_UNSUPPORTED_FUNCTION };
  const prefix = ENC.encode("tls-unique:");
  const data = new Uint8Array(prefix.length + fin.length - 4);
  data.set(prefix);
  data.set(fin.subarray(4), prefix.length);
  const b = secChannelBindings(data);
  return { status: SEC_E_OK, value: { BindingsLength: b.length, Bindings: b } };
}

/** `SecPkgContext_KeyInfo`: what Windows gives (Wine's tests pin it the same way). */
function keyInfo(
  engine: TlsEngine | null,
  serverCert: Uint8Array | undefined,
): AttributeResult {
  if (!engine?.connected) return { status: SEC_E_INVALID_HANDLE };
  const kind = certificateKind(serverCert);
  const chacha = CHACHA20_SUITES.includes(engine.cipherSuite);
  const value: SecPkgContext_KeyInfo = {
    sSignatureAlgorithmName: kind,
    sEncryptAlgorithmName: chacha ? "CHACHA20_POLY1305" : "AES",
    KeySize: engine.cipherBits,
    SignatureAlgorithm: kind === "RSA"
      ? CALG_RSA_SIGN
      : kind === "ECDSA"
      ? CALG_ECDSA
      : 0,
    EncryptAlgorithm: chacha
      ? 0
      : engine.cipherBits === 256
      ? CALG_AES_256
      : CALG_AES_128,
  };
  return { status: SEC_E_OK, value };
}
