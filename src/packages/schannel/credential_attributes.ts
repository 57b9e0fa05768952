/**
 * The Schannel credential attributes of `QueryCredentialsAttributes` and
 * `SetCredentialsAttributes`, and the policy (versions and suites) they make:
 *
 * - `SECPKG_ATTR_SUPPORTED_PROTOCOLS` (0x58, `SecPkgCred_SupportedProtocols`): the
 *   `SP_PROT_*` bits of the versions the credential may speak in its direction(s).
 * - `SECPKG_ATTR_CIPHER_STRENGTHS` (0x57, `SecPkgCred_CipherStrengths`): the
 *   smallest and largest bulk cipher key, in bits, of the suites allowed (128 for
 *   AES-128, 256 for AES-256 and ChaCha20-Poly1305).
 * - `SECPKG_ATTR_SUPPORTED_ALGS` (0x56, `SecPkgCred_SupportedAlgs`): the CryptoAPI
 *   `ALG_ID`s of the allowed suites' parts: the cipher (`CALG_AES_128`,
 *   `CALG_AES_256`; ChaCha20-Poly1305 has none), the hash (`CALG_SHA_256`,
 *   `CALG_SHA_384`; a CBC suite's MAC hash, `CALG_SHA1` for the `_SHA` ones), the
 *   key exchange (`CALG_ECDH_EPHEM`, which every TLS 1.3 suite
 *   uses here, `CALG_DH_EPHEM`, `CALG_RSA_KEYX`) and a TLS 1.2 suite's certificate
 *   signature (`CALG_RSA_SIGN`, `CALG_ECDSA`). As on Windows, the list is the
 *   suites', whatever the credential's certificate can use.
 *
 * A Set narrows what `AcquireCredentialsHandle` allowed (`grbitEnabledProtocols`,
 * `CipherSuites`), never more; each attribute's Set replaces its previous one (so a
 * later Set may give back what an earlier one of the same attribute took away).
 * SUPPORTED_PROTOCOLS keeps the versions whose bits are set (bits of versions this
 * package does not speak, SSL 2 and 3, DTLS, are accepted and ignored, as Windows
 * ignores disabled versions; TLS 1.1 and 1.0 count only where the acquisition
 * allowed them). CIPHER_STRENGTHS keeps the suites whose key
 * size is within the bounds (a maximum of 0: no upper bound, as in `SCHANNEL_CRED`).
 * SUPPORTED_ALGS keeps the suites all of whose parts are listed; ChaCha20-Poly1305
 * has no `ALG_ID` to list, so any SUPPORTED_ALGS Set leaves its suites out (use
 * `CipherSuites` to choose them); `ALG_ID`s that name no part of a suite here are
 * ignored. A value that is malformed (not an object, not 32-bit unsigned integers,
 * undefined `SP_PROT_*` bits, a minimum above a non-zero maximum, a
 * `cSupportedAlgs` that is not the list's length, an empty list) or a Set that
 * would leave the credential no version to speak fails with
 * `SEC_E_INVALID_PARAMETER` and changes nothing.
 *
 * Contexts take the policy when their handshake starts (their first
 * `InitializeSecurityContext`/`AcceptSecurityContext`) and keep it; a Set applies
 * to the contexts started after it. Cached sessions and tickets whose suite the
 * policy no longer allows are neither offered nor taken.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import {
  SECPKG_ATTR_CIPHER_STRENGTHS,
  SECPKG_ATTR_SUPPORTED_ALGS,
  SECPKG_ATTR_SUPPORTED_PROTOCOLS,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
} from "../../sspi/flags.ts";
import type { AttributeResult } from "../../sspi/package.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_UNKNOWN_CREDENTIALS,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import type {
  SecPkgCred_CipherStrengths,
  SecPkgCred_SupportedAlgs,
  SecPkgCred_SupportedProtocols,
} from "./attributes_extra.ts";
import {
  CALG_AES_128,
  CALG_AES_256,
  CALG_DH_EPHEM,
  CALG_ECDH_EPHEM,
  CALG_ECDSA,
  CALG_RSA_KEYX,
  CALG_RSA_SIGN,
  CALG_SHA1,
  CALG_SHA_256,
  CALG_SHA_384,
  TLS10,
  TLS11,
  TLS12,
  TLS13,
  TLS_CHACHA20_POLY1305_SHA256,
} from "./constants.ts";
import type { Tls13Suite } from "./keys.ts";
import { cipherKeyLen12, suiteFitsVersion, type Tls12Suite } from "./prf.ts";

/** A side of a connection. */
export type Role = "client" | "server";

/** The `SP_PROT_*` server bit of each version (the client's is twice it). */
const SERVER_BITS: Readonly<Record<number, number>> = {
  [TLS13]: 0x1000,
  [TLS12]: 0x400,
  [TLS11]: 0x100,
  [TLS10]: 0x40,
};

/** The `SP_PROT_*` bit of `version` (0x0304 to 0x0301) in `role`. */
export function protBit(version: number, role: Role): number {
  const bit = SERVER_BITS[version] ?? 0;
  return role === "client" ? bit * 2 : bit;
}

/** The bits of the versions this package speaks, both roles. */
const SPOKEN = 0x3c00;
/** Every `SP_PROT_*` bit schannel.h defines: PCT 1 to TLS 1.3, DTLS 1.0 and 1.2, UNI. */
const DEFINED = (0x3fff | 0xf0000 | 0xc0000000) >>> 0;
/** The order `SUPPORTED_ALGS` lists its `ALG_ID`s in. */
const ALG_ORDER = [
  CALG_AES_128,
  CALG_AES_256,
  CALG_SHA1,
  CALG_SHA_256,
  CALG_SHA_384,
  CALG_ECDH_EPHEM,
  CALG_DH_EPHEM,
  CALG_RSA_KEYX,
  CALG_RSA_SIGN,
  CALG_ECDSA,
];

/** The versions and suites a context may use: fixed when its handshake starts. */
export class TlsPolicy {
  /** The `SP_PROT_*` bits allowed. */
  readonly enabledProtocols: number;
  /** The TLS 1.3 suites allowed, in our order of preference. */
  readonly suites: readonly Tls13Suite[];
  /** The TLS 1.2 suites allowed, in our order of preference. */
  readonly suites12: readonly Tls12Suite[];
  readonly #rsaKey: boolean;
  readonly #legacy = new Map<Role, number[]>();

  /** A policy; `rsaKey`: the credential's key is RSA (a server's DHE_RSA and static RSA). */
  constructor(
    enabledProtocols: number,
    suites: readonly Tls13Suite[],
    suites12: readonly Tls12Suite[],
    rsaKey: boolean,
  ) {
    this.enabledProtocols = enabledProtocols >>> 0;
    this.suites = Object.freeze([...suites]);
    this.suites12 = Object.freeze([...suites12]);
    this.#rsaKey = rsaKey;
  }

  /**
   * Whether `version` (0x0304 to 0x0301) may be used in `role`: its bit set and
   * some suite of it allowed (a server counts TLS 1.2 DHE_RSA and static RSA only
   * with an RSA key; TLS 1.1 and 1.0 count the `_CBC_SHA` suites).
   */
  allows(version: number, role: Role): boolean {
    // TLS 1.1 and 1.0 need a `_CBC_SHA` suite.
    const suites = version === TLS13
      ? this.suites
      : this.suites12.filter((s) =>
        suiteFitsVersion(s, version) &&
        (role === "client" || s.kex === "ecdhe" || this.#rsaKey)
      );
    return suites.length > 0 &&
      (this.enabledProtocols & protBit(version, role)) !== 0;
  }

  /**
   * The versions below TLS 1.3 `role` may speak, highest first (worked out once:
   * a policy does not change; the caller must not change the list).
   */
  legacyVersions(role: Role): readonly number[] {
    let v = this.#legacy.get(role);
    if (!v) {
      v = [TLS12, TLS11, TLS10].filter((x) => this.allows(x, role));
      this.#legacy.set(role, v);
    }
    return v;
  }

  /** The same policy with other bits and suites (same key). */
  with(
    enabledProtocols: number,
    suites: readonly Tls13Suite[],
    suites12: readonly Tls12Suite[],
  ): TlsPolicy {
    return new TlsPolicy(enabledProtocols, suites, suites12, this.#rsaKey);
  }
}

/** The key size in bits of a suite's cipher. */
function strength(s: Tls13Suite): number {
  return s.keyLen * 8;
}

/** The `ALG_ID`s of a TLS 1.3 suite's parts; null for ChaCha20-Poly1305's cipher. */
function parts13(s: Tls13Suite): (number | null)[] {
  const cipher = s.id === TLS_CHACHA20_POLY1305_SHA256
    ? null
    : s.keyLen === 32
    ? CALG_AES_256
    : CALG_AES_128;
  return [
    cipher,
    s.hashLen === 48 ? CALG_SHA_384 : CALG_SHA_256,
    CALG_ECDH_EPHEM,
  ];
}

/** The key size in bits of a TLS 1.2 suite's cipher. */
function strength12(s: Tls12Suite): number {
  return cipherKeyLen12(s) * 8;
}

/** The `ALG_ID`s of a TLS 1.2 suite's parts (a CBC suite's hash: its MAC's). */
function parts12(s: Tls12Suite): (number | null)[] {
  const [aeadCipher, prfHash] = parts13(s.crypto);
  const cipher = s.cbc
    ? (s.cbc.keyLen === 32 ? CALG_AES_256 : CALG_AES_128)
    : aeadCipher;
  const hash = s.cbc ? s.cbc.calg : prfHash;
  if (s.kex === "rsa") return [cipher, hash, CALG_RSA_KEYX];
  return [
    cipher,
    hash,
    s.kex === "dhe" ? CALG_DH_EPHEM : CALG_ECDH_EPHEM,
    s.rsa ? CALG_RSA_SIGN : CALG_ECDSA,
  ];
}

/** A 32-bit unsigned integer, or a refusal naming `what`. */
function u32(v: unknown, what: string): number {
  if (
    typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff
  ) {
    throw invalid(`${what} must be a 32-bit unsigned integer`);
  }
  return v;
}

/** The refusal of a value: `SEC_E_INVALID_PARAMETER` with `message`. */
function invalid(message: string): SspiError {
  return new SspiError(SEC_E_INVALID_PARAMETER, message);
}

/**
 * A Set (or acquisition) that would leave no version and suite to use: a
 * `SEC_E_INVALID_PARAMETER` to `SetCredentialsAttributes`, told apart at
 * acquisition (`SEC_E_ALGORITHM_MISMATCH`).
 */
export class NothingLeftError extends SspiError {}

/** `value` as an object with fields, or a refusal naming the structure `what`. */
function fields(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object") {
    throw invalid(`pBuffer must be a ${what}`);
  }
  return value as Record<string, unknown>;
}

/** What was set, per attribute (null: never set). */
interface Settings {
  protocols: number | null;
  strengths: { min: number; max: number } | null;
  algs: ReadonlySet<number> | null;
}

/**
 * A Schannel credential's attribute settings and the policy they make from what
 * `AcquireCredentialsHandle` allowed.
 */
export class CredentialAttributes {
  readonly #roles: Role[];
  readonly #base: TlsPolicy;
  #settings: Settings = { protocols: null, strengths: null, algs: null };
  #policy: TlsPolicy;

  /**
   * For a credential acquired with `use` (`SECPKG_CRED_OUTBOUND`: client,
   * `SECPKG_CRED_INBOUND`: server) allowing `base` (`enabledProtocols` 0: every
   * version this package speaks).
   */
  constructor(use: number, base: TlsPolicy) {
    this.#roles = [];
    if (use & SECPKG_CRED_OUTBOUND) this.#roles.push("client");
    if (use & SECPKG_CRED_INBOUND) this.#roles.push("server");
    this.#base = base.enabledProtocols === 0
      ? base.with(SPOKEN, base.suites, base.suites12)
      : base;
    this.#policy = this.#base;
  }

  /** The policy now: what a context started now takes. */
  get policy(): TlsPolicy {
    return this.#policy;
  }

  /** `QueryCredentialsAttributes` for the three attributes; else `SEC_E_UNSUPPORTED_FUNCTION`. */
  query(attribute: number): AttributeResult {
    const p = this.#policy;
    const v13 = this.#roles.some((r) => p.allows(TLS13, r));
    // The suites below TLS 1.3 that some version allowed may use.
    const legacy = this.#roles.flatMap((r) => p.legacyVersions(r));
    const suites12 = p.suites12.filter((s) =>
      legacy.some((v) => suiteFitsVersion(s, v))
    );
    const bitsOf = [
      ...(v13 ? p.suites.map(strength) : []),
      ...suites12.map(strength12),
    ];
    switch (attribute) {
      case SECPKG_ATTR_SUPPORTED_PROTOCOLS: {
        let bits = 0;
        for (const r of this.#roles) {
          for (const v of [TLS13, TLS12, TLS11, TLS10]) {
            if (p.allows(v, r)) bits |= protBit(v, r);
          }
        }
        const value: SecPkgCred_SupportedProtocols = { grbitProtocol: bits };
        return { status: SEC_E_OK, value };
      }
      case SECPKG_ATTR_CIPHER_STRENGTHS: {
        const bits = bitsOf;
        const value: SecPkgCred_CipherStrengths = {
          dwMinimumCipherStrength: bits.length ? Math.min(...bits) : 0,
          dwMaximumCipherStrength: bits.length ? Math.max(...bits) : 0,
        };
        return { status: SEC_E_OK, value };
      }
      case SECPKG_ATTR_SUPPORTED_ALGS: {
        const ids = new Set<number | null>([
          ...(v13 ? p.suites.flatMap(parts13) : []),
          ...suites12.flatMap(parts12),
        ]);
        const list = ALG_ORDER.filter((a) => ids.has(a));
        const value: SecPkgCred_SupportedAlgs = {
          cSupportedAlgs: list.length,
          palgSupportedAlgs: list,
        };
        return { status: SEC_E_OK, value };
      }
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  /**
   * `SetCredentialsAttributes` for the three attributes (see the module comment):
   * `SEC_E_OK`, `SEC_E_UNSUPPORTED_FUNCTION` for other attributes; throws an
   * `SspiError` with `SEC_E_INVALID_PARAMETER` for a value it refuses (nothing
   * changes then).
   */
  set(attribute: number, value: unknown): number {
    const next: Settings = { ...this.#settings };
    switch (attribute) {
      case SECPKG_ATTR_SUPPORTED_PROTOCOLS: {
        const v = fields(value, "SecPkgCred_SupportedProtocols");
        const bits = u32(v.grbitProtocol, "grbitProtocol");
        if ((bits & ~DEFINED) !== 0) {
          throw invalid(
            `grbitProtocol 0x${
              bits.toString(16)
            } has bits no SP_PROT_* defines`,
          );
        }
        next.protocols = bits;
        break;
      }
      case SECPKG_ATTR_CIPHER_STRENGTHS: {
        const v = fields(value, "SecPkgCred_CipherStrengths");
        const min = u32(v.dwMinimumCipherStrength, "dwMinimumCipherStrength");
        const max = u32(v.dwMaximumCipherStrength, "dwMaximumCipherStrength");
        if (max !== 0 && min > max) {
          throw invalid(
            "dwMinimumCipherStrength is above dwMaximumCipherStrength",
          );
        }
        next.strengths = { min, max };
        break;
      }
      case SECPKG_ATTR_SUPPORTED_ALGS: {
        const v = fields(value, "SecPkgCred_SupportedAlgs");
        const list = v.palgSupportedAlgs;
        if (!Array.isArray(list) || list.length === 0) {
          throw invalid(
            "palgSupportedAlgs must be a non-empty array of ALG_IDs",
          );
        }
        if (u32(v.cSupportedAlgs, "cSupportedAlgs") !== list.length) {
          throw invalid("cSupportedAlgs is not palgSupportedAlgs' length");
        }
        next.algs = new Set(
          list.map((a, i) => u32(a, `palgSupportedAlgs[${i}]`)),
        );
        break;
      }
      default:
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
    const policy = this.#make(next);
    if (
      !this.#roles.some((r) =>
        policy.allows(TLS13, r) || policy.legacyVersions(r).length > 0
      )
    ) {
      throw new NothingLeftError(
        SEC_E_INVALID_PARAMETER,
        "that would leave the credential no TLS version and suite to use",
      );
    }
    this.#settings = next;
    this.#policy = policy;
    return SEC_E_OK;
  }

  /** The acquisition's policy narrowed by `s`. */
  #make(s: Settings): TlsPolicy {
    const base = this.#base;
    const keep = (bits: number, parts: (number | null)[]) =>
      (!s.strengths ||
        (bits >= s.strengths.min &&
          (s.strengths.max === 0 || bits <= s.strengths.max))) &&
      (!s.algs || parts.every((a) => a !== null && s.algs!.has(a)));
    return base.with(
      s.protocols === null
        ? base.enabledProtocols
        : base.enabledProtocols & s.protocols,
      base.suites.filter((x) => keep(strength(x), parts13(x))),
      base.suites12.filter((x) => keep(strength12(x), parts12(x))),
    );
  }
}

/** The `SCHANNEL_CRED` members that narrow the suites at acquisition. */
export interface AcquisitionLimits {
  /** Smallest bulk cipher key, in bits (0: no lower bound). */
  dwMinimumCipherStrength?: number;
  /** Largest bulk cipher key, in bits (0: no upper bound). */
  dwMaximumCipherStrength?: number;
  /** The length of `palgSupportedAlgs`. */
  cSupportedAlgs?: number;
  /** The `ALG_ID`s a suite's parts must all be among. */
  palgSupportedAlgs?: readonly number[];
}

/**
 * `base` narrowed by the cipher strengths and `ALG_ID`s given to
 * `AcquireCredentialsHandle` (as `SetCredentialsAttributes` would narrow it): the
 * policy a credential starts from, which later Sets can narrow but never widen.
 * Malformed values are `SEC_E_UNKNOWN_CREDENTIALS`; limits that leave no suite,
 * `SEC_E_ALGORITHM_MISMATCH`.
 */
export function acquisitionPolicy(
  use: number,
  base: TlsPolicy,
  a: AcquisitionLimits,
): TlsPolicy {
  const strengths = a.dwMinimumCipherStrength !== undefined ||
    a.dwMaximumCipherStrength !== undefined;
  const algs = a.palgSupportedAlgs !== undefined ||
    a.cSupportedAlgs !== undefined;
  if (!strengths && !algs) return base;
  const t = new CredentialAttributes(use, base);
  try {
    if (strengths) {
      t.set(SECPKG_ATTR_CIPHER_STRENGTHS, {
        dwMinimumCipherStrength: a.dwMinimumCipherStrength ?? 0,
        dwMaximumCipherStrength: a.dwMaximumCipherStrength ?? 0,
      });
    }
    if (algs) {
      t.set(SECPKG_ATTR_SUPPORTED_ALGS, {
        cSupportedAlgs: a.cSupportedAlgs ?? a.palgSupportedAlgs?.length,
        palgSupportedAlgs: a.palgSupportedAlgs,
      });
    }
  } catch (e) {
    if (!(e instanceof SspiError)) throw e;
    throw new SspiError(
      e instanceof NothingLeftError
        ? SEC_E_ALGORITHM_MISMATCH
        : SEC_E_UNKNOWN_CREDENTIALS,
      e.message,
    );
  }
  return t.policy;
}
