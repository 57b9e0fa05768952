/**
 * Sizes, key usages and the option and result shapes of the RFC 4121 per-message
 * tokens that `gss_tokens.ts` makes and reads (AES etypes, RFC 3962 and RFC 8009),
 * and the sizes of the RFC 4757 tokens of `gss_rc4.ts` (rc4-hmac).
 *
 * @module
 */
import {
  ETYPE_AES128_CTS_HMAC_SHA1_96,
  ETYPE_AES128_CTS_HMAC_SHA256_128,
  ETYPE_AES256_CTS_HMAC_SHA1_96,
  ETYPE_AES256_CTS_HMAC_SHA384_192,
  ETYPE_RC4_HMAC,
  type KerberosKey,
} from "./crypto.ts";
import { HEADER } from "./gss_header.ts";

/** KG-USAGE-ACCEPTOR-SEAL (RFC 4121 2). */
export const KG_USAGE_ACCEPTOR_SEAL = 22;
/** KG-USAGE-ACCEPTOR-SIGN (RFC 4121 2). */
export const KG_USAGE_ACCEPTOR_SIGN = 23;
/** KG-USAGE-INITIATOR-SEAL (RFC 4121 2). */
export const KG_USAGE_INITIATOR_SEAL = 24;
/** KG-USAGE-INITIATOR-SIGN (RFC 4121 2). */
export const KG_USAGE_INITIATOR_SIGN = 25;

/** AES block size: the confounder length. */
export const AES_BLOCK = 16;
/** HMAC-SHA1-96 output length. */
export const AES_CKSUM = 12;

/**
 * Checksum length by etype (the h of its profile): 12 for the RFC 3962 etypes, 16
 * for aes128-cts-hmac-sha256-128 and 24 for aes256-cts-hmac-sha384-192 (RFC 8009);
 * only these AES etypes use these token formats here.
 */
export function checksumSize(etype: number): number {
  if (
    etype === ETYPE_AES128_CTS_HMAC_SHA1_96 ||
    etype === ETYPE_AES256_CTS_HMAC_SHA1_96
  ) return AES_CKSUM;
  if (etype === ETYPE_AES128_CTS_HMAC_SHA256_128) return 16;
  if (etype === ETYPE_AES256_CTS_HMAC_SHA384_192) return 24;
  throw new RangeError(`unsupported etype for RFC 4121 tokens: ${etype}`);
}

/**
 * RRC of a sealed split token: the encrypted header copy and the checksum, which the
 * rotation moves to the front (28 for the RFC 3962 etypes, as MS-KILE 3.4.5.4.1 has
 * it; 32 and 40 for RFC 8009's).
 */
export function sspiRrcSealed(cksum: number): number {
  return HEADER + cksum;
}

/**
 * `cbMaxSignature` of an rc4-hmac context: a framed RFC 4757 MIC token (13 bytes of
 * InitialContextToken framing, 24 of token).
 */
export const RC4_MAX_SIGNATURE = 37;
/**
 * `cbSecurityTrailer` of an rc4-hmac context: framing with the longest DER length
 * this package writes (5 + 11 bytes), the 24-byte header and the 8-byte confounder.
 */
export const RC4_SECURITY_TRAILER = 48;

/**
 * `cbMaxSignature` for Kerberos with `etype`: a MIC token, header and checksum (28 for
 * AES-SHA1, 32 and 40 for AES-SHA2, 37 for rc4-hmac).
 */
export function maxSignatureSize(etype: number): number {
  if (etype === ETYPE_RC4_HMAC) return RC4_MAX_SIGNATURE;
  return HEADER + checksumSize(etype);
}

/**
 * `cbSecurityTrailer` for Kerberos with `etype`: the token of a sealed
 * `KrbMessageCrypto.wrapSspi` (header, encrypted header copy, checksum, encrypted
 * confounder: 60 for AES-SHA1, 64 and 72 for AES-SHA2; 48 for rc4-hmac), and the
 * 16 bytes of filler more of a DCE-style context (76 for AES-SHA1).
 */
export function securityTrailerSize(etype: number, dceStyle = false): number {
  if (etype === ETYPE_RC4_HMAC) return RC4_SECURITY_TRAILER;
  return HEADER + HEADER + checksumSize(etype) + AES_BLOCK +
    (dceStyle ? AES_BLOCK : 0);
}

/** Construction parameters of `KrbMessageCrypto`. */
export interface KrbMessageCryptoOptions {
  /** The context key: the acceptor subkey if any, else the initiator subkey, else the session key. */
  key: KerberosKey;
  /** True on the initiator (client) side. */
  isInitiator: boolean;
  /** True when `key` is the acceptor's subkey (sets and expects flag AcceptorSubkey). */
  acceptorSubkey: boolean;
  /** The next sequence number to send. */
  sendSeq: number;
  /** The next sequence number expected from the peer. */
  recvSeq: number;
  /**
   * DCE style (`GSS_C_DCE_STYLE`): sealed split tokens carry 16 bytes of filler (EC
   * 16), as Windows' GSS_WrapEx must (MS-KILE 3.4.5.4.1), and are 16 bytes longer.
   */
  dceStyle?: boolean;
}

/** What `KrbMessageCrypto.unwrap` found. */
export interface UnwrapResult {
  /** `SEC_E_OK`, `SEC_E_INVALID_TOKEN`, `SEC_E_MESSAGE_ALTERED` or `SEC_E_OUT_OF_SEQUENCE`. */
  status: number;
  /** The message, on success. */
  data?: Uint8Array;
  /** Whether the message was encrypted (flag Sealed), on success. */
  confidential?: boolean;
}

/** What `KrbMessageCrypto.wrapSspi` returns beside the data it encrypts in place. */
export interface WrapSspiResult {
  /** The bytes for the `SECBUFFER_TOKEN`: everything of the Wrap token but the data. */
  token: Uint8Array;
  /**
   * Bytes that follow the data on the wire, for a `SECBUFFER_PADDING` buffer (the
   * one padding byte of an RFC 4757 Wrap token; absent for AES).
   */
  padding?: Uint8Array;
}
