/**
 * Sizes, key usages and the option and result shapes of the RFC 4121 per-message
 * tokens that `gss_tokens.ts` makes and reads (AES etypes).
 *
 * @module
 */
import {
  ETYPE_AES128_CTS_HMAC_SHA1_96,
  ETYPE_AES256_CTS_HMAC_SHA1_96,
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
/** RRC of a sealed split token (MS-KILE 3.4.5.4.1). */
export const SSPI_RRC_SEALED = 28;

/** Checksum length by etype; only the RFC 3962 AES etypes use these token formats here. */
export function checksumSize(etype: number): number {
  if (
    etype === ETYPE_AES128_CTS_HMAC_SHA1_96 ||
    etype === ETYPE_AES256_CTS_HMAC_SHA1_96
  ) return AES_CKSUM;
  throw new RangeError(`unsupported etype for RFC 4121 tokens: ${etype}`);
}

/**
 * `cbMaxSignature` for Kerberos with `etype`: a MIC token, header and checksum (28 for
 * AES).
 */
export function maxSignatureSize(etype: number): number {
  return HEADER + checksumSize(etype);
}

/**
 * `cbSecurityTrailer` for Kerberos with `etype`: the token of a sealed
 * `KrbMessageCrypto.wrapSspi` (60 for AES: header, encrypted
 * header copy, checksum, encrypted confounder).
 */
export function securityTrailerSize(etype: number): number {
  return HEADER + HEADER + checksumSize(etype) + AES_BLOCK;
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
}
