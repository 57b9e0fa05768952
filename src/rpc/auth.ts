/**
 * The security provider side of a DCE/RPC connection (MS-RPCE 2.2.2.11): what the RPC
 * client asks of an authentication type to bind with it and to protect each request
 * and response PDU. Two are here: the Netlogon secure channel (`src/netlogon/`) and
 * the SSPI packages (`sspi_auth.ts`: NTLM, Negotiate, Kerberos); the RPC client
 * (`client.ts`) knows nothing of their crypto.
 *
 * @module
 */

/** `RPC_C_AUTHN_NETLOGON`: the Netlogon secure channel ("schannel" in Samba). */
export const RPC_C_AUTHN_NETLOGON = 68;
/** `RPC_C_AUTHN_GSS_NEGOTIATE`: SPNEGO (the Negotiate package). */
export const RPC_C_AUTHN_GSS_NEGOTIATE = 9;
/** `RPC_C_AUTHN_WINNT`: NTLM. */
export const RPC_C_AUTHN_WINNT = 10;
/** `RPC_C_AUTHN_GSS_KERBEROS`: Kerberos. */
export const RPC_C_AUTHN_GSS_KERBEROS = 16;
/** `RPC_C_AUTHN_LEVEL_PKT_INTEGRITY`: PDUs signed. */
export const RPC_C_AUTHN_LEVEL_PKT_INTEGRITY = 5;
/** `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`: PDUs sealed. */
export const RPC_C_AUTHN_LEVEL_PKT_PRIVACY = 6;

/**
 * What the client sends after a bind_ack or alter_context_resp (MS-RPCE 3.3.1.5.2):
 * the provider's next token, in an `rpc_auth_3` when its context is complete with it
 * (the server does not answer), in an `alter_context` when it needs the server's
 * answer (which goes to `bindAck` again).
 */
export interface RpcAuthLeg {
  /** The token. */
  token: Uint8Array;
  /** True when the provider's context is complete once the server has it. */
  last: boolean;
}

/** What the bind settled besides the token. */
export interface RpcBindResult {
  /**
   * The server agreed to header signing (`PFC_SUPPORT_HEADER_SIGN` echoed in its
   * bind_ack): the PDU header and `sec_trailer` are signed along with the stub.
   */
  headerSigning: boolean;
}

/**
 * One authentication context of an RPC connection (`auth_context_id` 0). The client
 * calls `bindToken` for the bind PDU's verifier, `bindAck` with the bind_ack's (and
 * with each alter_context_resp's, while it returns legs that are not `last`), then
 * `protect` for every request fragment it sends and `unprotect` for every response
 * fragment it receives, in order (the provider keeps its own sequence numbers).
 */
export interface RpcAuth {
  /** `auth_type` of the sec_trailer. */
  readonly authType: number;
  /** `auth_level` of the sec_trailer. */
  readonly authLevel: number;
  /**
   * The `auth_value` of a protected PDU (the signature), in bytes; known once the
   * bind completed.
   */
  readonly signatureSize: number;
  /** True when the provider offers header signing in the bind (`PFC_SUPPORT_HEADER_SIGN`). */
  readonly offersHeaderSigning?: boolean;
  /** The bind PDU's `auth_value`. */
  bindToken(): Uint8Array | Promise<Uint8Array>;
  /**
   * Reads the `auth_value` of the bind_ack (or of an alter_context_resp) and returns
   * the next leg, or nothing when the binding is complete; throws an `SspiError` if
   * it refuses the binding or the token is malformed.
   */
  bindAck(
    token: Uint8Array,
    bind: RpcBindResult,
  ): void | RpcAuthLeg | null | Promise<void | RpcAuthLeg | null>;
  /**
   * Protects one request fragment: `data` is the stub data plus its auth padding
   * (sealed in place at privacy level), a view into `pdu`, the whole PDU but its
   * `auth_value` (header and `sec_trailer` final), for providers that sign it;
   * returns the `auth_value`, `signatureSize` bytes.
   */
  protect(data: Uint8Array, pdu: Uint8Array): Uint8Array;
  /**
   * Checks one response fragment: `data` is its stub data plus auth padding
   * (unsealed in place at privacy level), a view into `pdu` (the PDU but its
   * `auth_value`), `signature` its `auth_value`; throws an `SspiError`
   * (`SEC_E_MESSAGE_ALTERED`, `SEC_E_OUT_OF_SEQUENCE`, `SEC_E_INVALID_TOKEN`) when it
   * does not verify.
   */
  unprotect(data: Uint8Array, signature: Uint8Array, pdu: Uint8Array): void;
}
