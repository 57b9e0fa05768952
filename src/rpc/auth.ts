/**
 * The security provider side of a DCE/RPC connection (MS-RPCE 2.2.2.11): what the RPC
 * client asks of an authentication type to bind with it and to protect each request
 * and response PDU. The Netlogon secure channel (`src/netlogon/`) is the one this
 * project has; the RPC client (`client.ts`) knows nothing of its crypto.
 *
 * @module
 */

/** `RPC_C_AUTHN_NETLOGON`: the Netlogon secure channel ("schannel" in Samba). */
export const RPC_C_AUTHN_NETLOGON = 68;
/** `RPC_C_AUTHN_LEVEL_PKT_INTEGRITY`: PDUs signed. */
export const RPC_C_AUTHN_LEVEL_PKT_INTEGRITY = 5;
/** `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`: PDUs sealed. */
export const RPC_C_AUTHN_LEVEL_PKT_PRIVACY = 6;

/**
 * One authentication context of an RPC connection (`auth_context_id` 0). The client
 * calls `bindToken` for the bind PDU's verifier, `bindAck` with the bind_ack's, then
 * `protect` for every request fragment it sends and `unprotect` for every response
 * fragment it receives, in order (the provider keeps its own sequence numbers).
 */
export interface RpcAuth {
  /** `auth_type` of the sec_trailer. */
  readonly authType: number;
  /** `auth_level` of the sec_trailer. */
  readonly authLevel: number;
  /** The `auth_value` of a protected PDU (the signature), in bytes. */
  readonly signatureSize: number;
  /** The bind PDU's `auth_value`. */
  bindToken(): Uint8Array;
  /**
   * Reads the bind_ack's `auth_value`; throws an `SspiError` if it refuses the
   * binding or is malformed.
   */
  bindAck(token: Uint8Array): void;
  /**
   * Protects one request fragment: `data` is the stub data plus its auth padding
   * (sealed in place at privacy level); returns the `auth_value`, `signatureSize`
   * bytes.
   */
  protect(data: Uint8Array): Uint8Array;
  /**
   * Checks one response fragment: `data` is its stub data plus auth padding
   * (unsealed in place at privacy level), `signature` its `auth_value`; throws an
   * `SspiError` (`SEC_E_MESSAGE_ALTERED`, `SEC_E_OUT_OF_SEQUENCE`,
   * `SEC_E_INVALID_TOKEN`) when it does not verify.
   */
  unprotect(data: Uint8Array, signature: Uint8Array): void;
}
