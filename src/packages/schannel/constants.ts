/**
 * TLS 1.3 (RFC 8446) code points and the Schannel constants the package uses.
 *
 * @module
 */

/** Record content types (RFC 8446 section 5.1). */
export const CT_CHANGE_CIPHER_SPEC = 20;
/** `alert`. */
export const CT_ALERT = 21;
/** `handshake`. */
export const CT_HANDSHAKE = 22;
/** `application_data`. */
export const CT_APPLICATION_DATA = 23;

/** Handshake message types (RFC 8446 section 4). */
export const HS_CLIENT_HELLO = 1;
/** `server_hello` (also HelloRetryRequest). */
export const HS_SERVER_HELLO = 2;
/** `new_session_ticket`. */
export const HS_NEW_SESSION_TICKET = 4;
/** `encrypted_extensions`. */
export const HS_ENCRYPTED_EXTENSIONS = 8;
/** `certificate`. */
export const HS_CERTIFICATE = 11;
/** `certificate_request`. */
export const HS_CERTIFICATE_REQUEST = 13;
/** `certificate_verify`. */
export const HS_CERTIFICATE_VERIFY = 15;
/** `finished`. */
export const HS_FINISHED = 20;
/** `key_update`. */
export const HS_KEY_UPDATE = 24;

/** Extension types. */
export const EXT_SERVER_NAME = 0;
/** `supported_groups`. */
export const EXT_SUPPORTED_GROUPS = 10;
/** `signature_algorithms`. */
export const EXT_SIGNATURE_ALGORITHMS = 13;
/** `application_layer_protocol_negotiation`. */
export const EXT_ALPN = 16;
/** `supported_versions`. */
export const EXT_SUPPORTED_VERSIONS = 43;
/** `cookie` (HelloRetryRequest). */
export const EXT_COOKIE = 44;
/** `key_share`. */
export const EXT_KEY_SHARE = 51;
/** `pre_shared_key` (RFC 8446 4.2.11; last in a ClientHello). */
export const EXT_PRE_SHARED_KEY = 41;
/** `psk_key_exchange_modes` (RFC 8446 4.2.9). */
export const EXT_PSK_KEY_EXCHANGE_MODES = 45;
/** `psk_dhe_ke`: PSK with (EC)DHE, the only mode offered and accepted. */
export const PSK_DHE_KE = 1;
/** `status_request` (RFC 6066 8): OCSP stapling. */
export const EXT_STATUS_REQUEST = 5;
/** `certificate_status` (TLS 1.2 handshake message 22, RFC 6066 8). */
export const HS_CERTIFICATE_STATUS = 22;

/** `legacy_version` 0x0303 (TLS 1.2) in records and hellos. */
export const TLS12 = 0x0303;
/** TLS 1.1 (RFC 4346): a client only, and only when asked for. */
export const TLS11 = 0x0302;
/** TLS 1.0 (RFC 2246): a client only, and only when asked for. */
export const TLS10 = 0x0301;
/** TLS 1.3 in `supported_versions`. */
export const TLS13 = 0x0304;

/** `TLS_AES_128_GCM_SHA256` (mandatory in RFC 8446 9.1; our first choice). */
export const TLS_AES_128_GCM_SHA256 = 0x1301;
/** `TLS_AES_256_GCM_SHA384` (Windows' first choice). */
export const TLS_AES_256_GCM_SHA384 = 0x1302;
/**
 * `TLS_CHACHA20_POLY1305_SHA256` (RFC 8446 B.4, RFC 8439): offered after the AES-GCM
 * suites, chosen by a server only when the client offers no AES-GCM suite it allows.
 */
export const TLS_CHACHA20_POLY1305_SHA256 = 0x1303;
/** `x25519`, the one key-exchange group. */
export const GROUP_X25519 = 0x001d;

/** The largest plaintext of a record (2^14). */
export const MAX_PLAINTEXT = 16384;
/** The largest ciphertext of a TLS 1.3 record (2^14 + 256). */
export const MAX_CIPHERTEXT = 16384 + 256;
/** The record header: type, version, length. */
export const RECORD_HEADER = 5;
/** Inner content type byte + AEAD tag (AES-GCM and Poly1305 tags are both 16 bytes). */
export const RECORD_TRAILER = 17;

/** Alert descriptions (RFC 8446 section 6). */
export const ALERT_CLOSE_NOTIFY = 0;
/** `unexpected_message`. */
export const ALERT_UNEXPECTED_MESSAGE = 10;
/** `bad_record_mac`. */
export const ALERT_BAD_RECORD_MAC = 20;
/** `record_overflow`. */
export const ALERT_RECORD_OVERFLOW = 22;
/** `handshake_failure`. */
export const ALERT_HANDSHAKE_FAILURE = 40;
/** `bad_certificate`. */
export const ALERT_BAD_CERTIFICATE = 42;
/** `unsupported_certificate`. */
export const ALERT_UNSUPPORTED_CERTIFICATE = 43;
/** `certificate_expired`. */
export const ALERT_CERTIFICATE_EXPIRED = 45;
/** `unknown_ca`. */
export const ALERT_UNKNOWN_CA = 48;
/** `certificate_unknown`. */
export const ALERT_CERTIFICATE_UNKNOWN = 46;
/** `decode_error`. */
export const ALERT_DECODE_ERROR = 50;
/** `decrypt_error`. */
export const ALERT_DECRYPT_ERROR = 51;
/** `protocol_version`. */
export const ALERT_PROTOCOL_VERSION = 70;
/** `illegal_parameter`. */
export const ALERT_ILLEGAL_PARAMETER = 47;
/** `insufficient_security` (RFC 7919 4: no FFDHE group in common). */
export const ALERT_INSUFFICIENT_SECURITY = 71;
/** `missing_extension`. */
export const ALERT_MISSING_EXTENSION = 109;
/** `certificate_revoked`. */
export const ALERT_CERTIFICATE_REVOKED = 44;
/** `unsupported_extension`. */
export const ALERT_UNSUPPORTED_EXTENSION = 110;
/** `certificate_required`. */
export const ALERT_CERTIFICATE_REQUIRED = 116;
/** `no_application_protocol`. */
export const ALERT_NO_APPLICATION_PROTOCOL = 120;

/** `SCHANNEL_SHUTDOWN`: the `ApplyControlToken` value that starts a close_notify. */
export const SCHANNEL_SHUTDOWN = 1;

/** `SP_PROT_TLS1_3_SERVER` (`SecPkgContext_ConnectionInfo.dwProtocol`). */
export const SP_PROT_TLS1_3_SERVER = 0x1000;
/** `SP_PROT_TLS1_3_CLIENT`. */
export const SP_PROT_TLS1_3_CLIENT = 0x2000;
/** `CALG_RSA_SIGN`: `SecPkgContext_KeyInfo.SignatureAlgorithm` for an RSA certificate. */
export const CALG_RSA_SIGN = 0x2400;
/** `CALG_ECDSA`: `SecPkgContext_KeyInfo.SignatureAlgorithm` for an ECDSA certificate. */
export const CALG_ECDSA = 0x2203;
/**
 * `SECPKG_ATTR_KEYING_MATERIAL_INFO` (0x6a): `SetContextAttributes` with a
 * `SecPkgContext_KeyingMaterialInfo` (label, context, length) asks for RFC 5705 /
 * RFC 8446 7.5 keying material.
 */
export const SECPKG_ATTR_KEYING_MATERIAL_INFO = 0x6a;
/**
 * `SECPKG_ATTR_KEYING_MATERIAL` (0x6b): `QueryContextAttributes` gives the keying
 * material asked for as `SecPkgContext_KeyingMaterial`.
 */
export const SECPKG_ATTR_KEYING_MATERIAL = 0x6b;
/** `CALG_AES_128`. */
export const CALG_AES_128 = 0x660e;
/** `CALG_AES_256`. */
export const CALG_AES_256 = 0x6610;
/** `CALG_ECDH_EPHEM`. */
export const CALG_ECDH_EPHEM = 0xae06;
/** `CALG_DH_EPHEM`: `aiExch` of the TLS 1.2 DHE_RSA suites. */
export const CALG_DH_EPHEM = 0xaa02;
/** `CALG_RSA_KEYX`: `aiExch` of the TLS 1.2 static-RSA suites. */
export const CALG_RSA_KEYX = 0xa400;
/** `CALG_SHA1`: the MAC hash of the `_CBC_SHA` suites (`SECPKG_ATTR_SUPPORTED_ALGS`). */
export const CALG_SHA1 = 0x8004;
/** `CALG_SHA_256`: the hash of the SHA-256 suites (`SECPKG_ATTR_SUPPORTED_ALGS`). */
export const CALG_SHA_256 = 0x800c;
/** `CALG_SHA_384`: the hash of the SHA-384 suites (`SECPKG_ATTR_SUPPORTED_ALGS`). */
export const CALG_SHA_384 = 0x800d;

/** `SECPKG_ATTR_REMOTE_CERT_CONTEXT` (0x53). */
export const SECPKG_ATTR_REMOTE_CERT_CONTEXT = 0x53;
/** `SECPKG_ATTR_LOCAL_CERT_CONTEXT` (0x54). */
export const SECPKG_ATTR_LOCAL_CERT_CONTEXT = 0x54;
/** `SECPKG_ATTR_CONNECTION_INFO` (0x5a). */
export const SECPKG_ATTR_CONNECTION_INFO = 0x5a;
/** `SECPKG_ATTR_CIPHER_INFO` (0x64). */
export const SECPKG_ATTR_CIPHER_INFO = 0x64;
/** `SECPKG_ATTR_APPLICATION_PROTOCOL` (35). */
export const SECPKG_ATTR_APPLICATION_PROTOCOL = 35;

/** `SCH_CRED_MANUAL_CRED_VALIDATION`: the application checks the server certificate. */
export const SCH_CRED_MANUAL_CRED_VALIDATION = 0x8;
/** `SCH_CRED_NO_SERVERNAME_CHECK`: skip the name check, keep the chain check. */
export const SCH_CRED_NO_SERVERNAME_CHECK = 0x4;
/** `SCH_CRED_REVOCATION_CHECK_END_CERT` (0x100): check the leaf for revocation. */
export const SCH_CRED_REVOCATION_CHECK_END_CERT = 0x100;
/** `SCH_CRED_REVOCATION_CHECK_CHAIN` (0x200): check every certificate of the path. */
export const SCH_CRED_REVOCATION_CHECK_CHAIN = 0x200;
/** `SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT` (0x400): every one but the root. */
export const SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT = 0x400;
/** `SCH_CRED_IGNORE_NO_REVOCATION_CHECK` (0x800): no revocation information is no failure. */
export const SCH_CRED_IGNORE_NO_REVOCATION_CHECK = 0x800;
/** `SCH_CRED_IGNORE_REVOCATION_OFFLINE` (0x1000): stale information is no failure. */
export const SCH_CRED_IGNORE_REVOCATION_OFFLINE = 0x1000;
/**
 * `SCH_CRED_REVOCATION_CHECK_CACHE_ONLY` (0x4000): check revocation with what is at
 * hand (the credential's CRLs, stapled and cached answers), fetch nothing.
 */
export const SCH_CRED_REVOCATION_CHECK_CACHE_ONLY = 0x4000;
/** `SCH_CRED_NO_DEFAULT_CREDS`. */
export const SCH_CRED_NO_DEFAULT_CREDS = 0x10;
/**
 * `SCH_CRED_DISABLE_RECONNECTS` (0x80): no session resumption. A server credential
 * issues no tickets and takes none, and gives and takes no TLS 1.2 session ids; a
 * client credential keeps none and offers none.
 */
export const SCH_CRED_DISABLE_RECONNECTS = 0x80;

/** TLS 1.2 (RFC 5246, RFC 8422) code points. */
export const HS_SERVER_KEY_EXCHANGE = 12;
/** `server_hello_done`. */
export const HS_SERVER_HELLO_DONE = 14;
/** `client_key_exchange`. */
export const HS_CLIENT_KEY_EXCHANGE = 16;
/** `ec_point_formats`. */
export const EXT_EC_POINT_FORMATS = 11;
/** `extended_master_secret` (RFC 7627). */
export const EXT_EXTENDED_MASTER_SECRET = 23;
/** `renegotiation_info` (RFC 5746). */
export const EXT_RENEGOTIATION_INFO = 0xff01;
/** `TLS_EMPTY_RENEGOTIATION_INFO_SCSV`. */
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
/** `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`. */
export const TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f;
/** `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`. */
export const TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b;
/** `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`. */
export const TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xc030;
/** `TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384`. */
export const TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xc02c;
/** `TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256` (RFC 7905). */
export const TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca8;
/** `TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256` (RFC 7905). */
export const TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca9;
/** `TLS_DHE_RSA_WITH_AES_128_GCM_SHA256` (RFC 5288). */
export const TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 = 0x009e;
/** `TLS_DHE_RSA_WITH_AES_256_GCM_SHA384` (RFC 5288). */
export const TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 = 0x009f;
/** `TLS_RSA_WITH_AES_128_GCM_SHA256` (RFC 5288, static RSA key transport). */
export const TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009c;
/** `TLS_RSA_WITH_AES_256_GCM_SHA384` (RFC 5288, static RSA key transport). */
export const TLS_RSA_WITH_AES_256_GCM_SHA384 = 0x009d;
/** The ChaCha20-Poly1305 suites, TLS 1.3 and 1.2 (no `ALG_ID` in `CONNECTION_INFO`). */
export const CHACHA20_SUITES: readonly number[] = [
  TLS_CHACHA20_POLY1305_SHA256,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
];
/** `SP_PROT_TLS1_2_SERVER`. */
export const SP_PROT_TLS1_2_SERVER = 0x400;
/** `SP_PROT_TLS1_2_CLIENT`. */
export const SP_PROT_TLS1_2_CLIENT = 0x800;
/** `SP_PROT_TLS1_0_CLIENT`: TLS 1.0, off unless `grbitEnabledProtocols` names it. */
export const SP_PROT_TLS1_0_CLIENT = 0x80;
/** `SP_PROT_TLS1_1_CLIENT`: TLS 1.1, off unless `grbitEnabledProtocols` names it. */
export const SP_PROT_TLS1_1_CLIENT = 0x200;
/** `SP_PROT_TLS1_0_SERVER`: TLS 1.0, off unless `grbitEnabledProtocols` names it. */
export const SP_PROT_TLS1_0_SERVER = 0x40;
/** `SP_PROT_TLS1_1_SERVER`: TLS 1.1, off unless `grbitEnabledProtocols` names it. */
export const SP_PROT_TLS1_1_SERVER = 0x100;
/** "DOWNGRD": the first 7 of the last 8 bytes of a downgrading server's random. */
const DOWNGRD = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44];
/** The last 8 bytes of a TLS 1.3 server's random when it negotiates TLS 1.2 (RFC 8446 4.1.3). */
export const DOWNGRADE_TLS12 = Uint8Array.of(...DOWNGRD, 0x01);
/**
 * The last 8 bytes of a TLS 1.3 or 1.2 server's random when it negotiates TLS 1.1 or
 * below (RFC 8446 4.1.3).
 */
export const DOWNGRADE_TLS11 = Uint8Array.of(...DOWNGRD, 0x00);

/** `secp256r1` (P-256). */
export const GROUP_SECP256R1 = 0x0017;
/** `secp384r1` (P-384): key exchange, and the curve of ECDSA P-384 certificates. */
export const GROUP_SECP384R1 = 0x0018;

/**
 * The signature schemes we accept and offer, preferred first: rsa_pss_rsae_sha256,
 * ecdsa_secp256r1_sha256, rsa_pkcs1_sha256 (TLS 1.2, and certificates).
 */
export const SIGNATURE_SCHEMES: readonly number[] = [0x0804, 0x0403, 0x0401];
/** The schemes TLS 1.3 allows in CertificateVerify (no PKCS#1, RFC 8446 4.4.3). */
export const TLS13_SIGNATURE_SCHEMES: readonly number[] = [0x0804, 0x0403];
