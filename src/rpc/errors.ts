/**
 * How DCE/RPC failures become SSPI statuses: fault PDUs ({@linkcode RpcFaultError}),
 * bind_nak reasons and rejected presentation contexts, with the names C706 and
 * MS-RPCE give their numbers.
 *
 * @module
 */
import { SspiError } from "../sspi/errors.ts";
import {
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
} from "../sspi/status.ts";

/** `nca_s_op_rng_error`: the server has no such operation number. */
export const NCA_S_OP_RNG_ERROR = 0x1c010002;
/** `nca_s_unk_if`: the server does not know the interface. */
export const NCA_S_UNK_IF = 0x1c010003;
/** `nca_s_proto_error`: a protocol error. */
export const NCA_S_PROTO_ERROR = 0x1c01000b;
/** `rpc_s_access_denied` (ERROR_ACCESS_DENIED). */
export const RPC_S_ACCESS_DENIED = 5;
/** `RPC_X_BAD_STUB_DATA`: the server could not unmarshal the request. */
export const RPC_X_BAD_STUB_DATA = 0x6f7;

/** Fault status names (C706 appendix E, MS-RPCE 2.2.2.11, Win32 errors). */
const FAULTS = new Map<number, string>([
  [RPC_S_ACCESS_DENIED, "rpc_s_access_denied"],
  [0x6d8, "RPC_S_CANNOT_SUPPORT"],
  [RPC_X_BAD_STUB_DATA, "RPC_X_BAD_STUB_DATA"],
  [0x721, "RPC_S_SEC_PKG_ERROR"],
  [0x1c000006, "nca_s_fault_invalid_tag"],
  [0x1c000007, "nca_s_fault_invalid_bound"],
  [0x1c000008, "nca_s_rpc_version_mismatch"],
  [0x1c000009, "nca_s_unspec_reject"],
  [0x1c000012, "nca_s_fault_unspec"],
  [0x1c00001a, "nca_s_fault_context_mismatch"],
  [0x1c00001b, "nca_s_fault_remote_no_memory"],
  [0x1c00001c, "nca_s_invalid_pres_context_id"],
  [0x1c00001d, "nca_s_unsupported_authn_level"],
  [0x1c00001f, "nca_s_invalid_checksum"],
  [0x1c010001, "nca_s_comm_failure"],
  [NCA_S_OP_RNG_ERROR, "nca_s_op_rng_error"],
  [NCA_S_UNK_IF, "nca_s_unk_if"],
  [NCA_S_PROTO_ERROR, "nca_s_proto_error"],
  [0x1c010013, "nca_s_out_args_too_big"],
  [0x1c010014, "nca_s_server_too_busy"],
  [0x1c010017, "nca_s_unsupported_type"],
]);

/** The name of a fault status, e.g. "nca_s_op_rng_error", or its hex value. */
export function faultName(status: number): string {
  return FAULTS.get(status >>> 0) ??
    `0x${(status >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * The server answered a call with a fault PDU: `fault` is its status (an `nca_s_*`
 * value or a Win32 error). The SSPI status is `SEC_E_NO_AUTHENTICATING_AUTHORITY`:
 * the server did not perform the operation. The connection stays usable.
 *
 * @example
 * ```ts
 * import { NCA_S_OP_RNG_ERROR, RpcFaultError } from "./errors.ts";
 * const e = new RpcFaultError(NCA_S_OP_RNG_ERROR, "127.0.0.1:49152", 99);
 * e.fault === NCA_S_OP_RNG_ERROR; // e.message names nca_s_op_rng_error
 * ```
 */
export class RpcFaultError extends SspiError {
  /** The fault status. */
  readonly fault: number;
  /** A fault of `fault` from `where` (host:port) answering operation `opnum`. */
  constructor(fault: number, where: string, opnum: number | null) {
    super(
      SEC_E_NO_AUTHENTICATING_AUTHORITY,
      `RPC server ${where} answered ${
        opnum === null ? "the bind" : `operation ${opnum}`
      } with fault ${faultName(fault)}`,
    );
    this.name = "RpcFaultError";
    this.fault = fault >>> 0;
  }
}

/** bind_nak `provider_reject_reason` names (C706 12.6.3.1, MS-RPCE 2.2.2.5). */
const NAK_REASONS = [
  "reason_not_specified",
  "temporary_congestion",
  "local_limit_exceeded",
  "called_paddr_unknown",
  "protocol_version_not_supported",
  "default_context_not_supported",
  "user_data_not_readable",
  "no_psap_available",
  "authentication_type_not_recognized",
  "invalid_checksum",
];

/**
 * The error for a bind_nak: `SEC_E_LOGON_DENIED` when the server refused the
 * authentication (reasons 8 and 9), else `SEC_E_NO_AUTHENTICATING_AUTHORITY`.
 */
export function bindNakError(reason: number, where: string): SspiError {
  const status = reason === 8 || reason === 9
    ? SEC_E_LOGON_DENIED
    : SEC_E_NO_AUTHENTICATING_AUTHORITY;
  return new SspiError(
    status,
    `RPC server ${where} refused the bind (${NAK_REASONS[reason] ?? reason})`,
  );
}

/** Presentation context rejection reasons (`p_provider_reason_t`). */
const CONTEXT_REASONS = [
  "reason_not_specified",
  "abstract_syntax_not_supported",
  "proposed_transfer_syntaxes_not_supported",
  "local_limit_exceeded",
];

/** The error for a rejected presentation context (`SEC_E_NO_AUTHENTICATING_AUTHORITY`). */
export function contextRejectedError(
  reason: number,
  iface: string,
  where: string,
): SspiError {
  return new SspiError(
    SEC_E_NO_AUTHENTICATING_AUTHORITY,
    `RPC server ${where} rejected interface ${iface} (${
      CONTEXT_REASONS[reason] ?? reason
    })`,
  );
}
