/**
 * The structures `QueryContextAttributes` and `QueryCredentialsAttributes` return,
 * named and shaped after their `SecPkgContext_*` C structures.
 *
 * @module
 */
import type { SecPkgInfo } from "./package.ts";

/** `SecPkgContext_Sizes` (`SECPKG_ATTR_SIZES`). */
export interface SecPkgContext_Sizes {
  /** Largest token. */
  cbMaxToken: number;
  /** Largest signature (`MakeSignature` output). */
  cbMaxSignature: number;
  /** Cipher block size, 1 for stream ciphers. */
  cbBlockSize: number;
  /** Size of the `SECBUFFER_TOKEN` trailer `EncryptMessage` writes. */
  cbSecurityTrailer: number;
}

/** `SecPkgContext_Names` (`SECPKG_ATTR_NAMES`): the client's name, `DOMAIN\user`. */
export interface SecPkgContext_Names {
  /** The user name. */
  sUserName: string;
}

/** `SecPkgContext_NativeNames` (`SECPKG_ATTR_NATIVE_NAMES`). */
export interface SecPkgContext_NativeNames {
  /** The client's name. */
  sClientName: string;
  /** The server's (target) name. */
  sServerName: string;
}

/**
 * `SecPkgContext_ClientSpecifiedTarget` (`SECPKG_ATTR_CLIENT_SPECIFIED_TARGET`), on a
 * server context: the SPN the client said it was authenticating to.
 */
export interface SecPkgContext_ClientSpecifiedTarget {
  /** The SPN, e.g. `HTTP/web.contoso.com`. */
  sTargetName: string;
}

/** `SecPkgContext_SessionKey` (`SECPKG_ATTR_SESSION_KEY`). */
export interface SecPkgContext_SessionKey {
  /** Length of the key in bytes. */
  SessionKeyLength: number;
  /** A copy of the key. */
  SessionKey: Uint8Array;
}

/** `SecPkgContext_PackageInfo` (`SECPKG_ATTR_PACKAGE_INFO`). */
export interface SecPkgContext_PackageInfo {
  /** The package of the context. */
  PackageInfo: SecPkgInfo;
}

/** `SecPkgContext_NegotiationInfo` (`SECPKG_ATTR_NEGOTIATION_INFO`). */
export interface SecPkgContext_NegotiationInfo {
  /** The package chosen. */
  PackageInfo: SecPkgInfo;
  /** `SECPKG_NEGOTIATION_*`. */
  NegotiationState: number;
}

/** `SecPkgContext_Lifespan` (`SECPKG_ATTR_LIFESPAN`), in `FILETIME` ticks. */
export interface SecPkgContext_Lifespan {
  /** Start. */
  tsStart: bigint;
  /** Expiry. */
  tsExpiry: bigint;
}

/** `SecPkgContext_Flags` (`SECPKG_ATTR_FLAGS`): the `ISC_RET_*`/`ASC_RET_*` flags. */
export interface SecPkgContext_Flags {
  /** The flags. */
  Flags: number;
}

/** `SecPkgCredentials_Names` (`SECPKG_CRED_ATTR_NAMES`). */
export interface SecPkgCredentials_Names {
  /** The credential's user, `DOMAIN\user`. */
  sUserName: string;
}

/**
 * `SecPkgCredentials_KdcProxySettings` (`SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS`,
 * `SetCredentialsAttributes`/`QueryCredentialsAttributes` of a Kerberos or
 * Negotiate credential): the MS-KKDCP proxy (KDC proxy, as an RD Gateway serves)
 * through which the credential reaches its KDCs.
 */
export interface SecPkgCredentials_KdcProxySettings {
  /** `KDC_PROXY_SETTINGS_V1` (1). */
  Version: number;
  /**
   * 0: the proxy only when no KDC can be reached directly;
   * `KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY`: always the proxy.
   */
  Flags: number;
  /**
   * The proxy as Windows writes it: `host` (meaning `https://host:443/KdcProxy`) or
   * `host:port:path`; a portable extension also takes an `https://` or `http://`
   * URL. Null, absent or empty: the credential's proxy settings are removed.
   */
  ProxyServer?: string | null;
  /**
   * A client TLS certificate for the proxy (Windows: one of the user's store); not
   * supported here (`SEC_E_UNSUPPORTED_FUNCTION`): give a `Fetch` whose HTTP
   * client presents it instead.
   */
  ClientTlsCred?: string | null;
  /**
   * Portable extension: the `fetch` the proxy is reached with (default: the global
   * one), e.g. one from `Deno.createHttpClient` trusting a private CA or presenting
   * a client certificate. Not returned by `QueryCredentialsAttributes`.
   */
  Fetch?: typeof fetch;
}

/**
 * `SecPkgContext_CipherInfo` (`SECPKG_ATTR_CIPHER_INFO`, Schannel): the negotiated
 * cipher suite, by IANA code point and name, and its parts by their BCrypt
 * algorithm names.
 */
export interface SecPkgContext_CipherInfo {
  /** `SECPKGCONTEXT_CIPHERINFO_V1` (1). */
  dwVersion: number;
  /** `SP_PROT_TLS1_3_CLIENT`/`_SERVER` or `SP_PROT_TLS1_2_CLIENT`/`_SERVER`. */
  dwProtocol: number;
  /** The suite's IANA code point, e.g. 0x1301. */
  dwCipherSuite: number;
  /** The base suite's code point (the same as `dwCipherSuite`). */
  dwBaseCipherSuite: number;
  /** The suite's IANA name, e.g. `TLS_AES_128_GCM_SHA256`. */
  szCipherSuite: string;
  /** The record cipher's BCrypt name: `AES` or `CHACHA20_POLY1305`. */
  szCipher: string;
  /** The record cipher's key length in bits (128 or 256). */
  dwCipherLen: number;
  /** The record cipher's block length in bytes: 16 for AES, 1 for ChaCha20 (a stream cipher). */
  dwCipherBlockLen: number;
  /** The suite's hash (the PRF/HKDF hash): `SHA256` or `SHA384`. */
  szHash: string;
  /** The hash's length in bits (256 or 384). */
  dwHashLen: number;
  /** The key exchange's BCrypt name: `ECDH` (ephemeral, x25519 or P-256). */
  szExchange: string;
  /** The key exchange's size in bits (as `SECPKG_ATTR_CONNECTION_INFO`'s `dwExchStrength`). */
  dwMinExchangeLen: number;
  /** The same as `dwMinExchangeLen`. */
  dwMaxExchangeLen: number;
  /**
   * The server certificate's key type: `RSA` or `ECDSA` (on a resumed connection,
   * the original session's certificate); empty when unknown.
   */
  szCertificate: string;
  /** The key type (0). */
  dwKeyType: number;
}
