/**
 * The shapes of connection-oriented DCE/RPC PDUs (C706 chapter 12, MS-RPCE 2.2.2) and
 * their constants: PTYPEs, `pfc_flags`, sizes and the NDR20 transfer syntax. The
 * codec is `pdu.ts`.
 *
 * @module
 */

/** PTYPE `request`. */
export const PTYPE_REQUEST = 0;
/** PTYPE `response`. */
export const PTYPE_RESPONSE = 2;
/** PTYPE `fault`. */
export const PTYPE_FAULT = 3;
/** PTYPE `bind`. */
export const PTYPE_BIND = 11;
/** PTYPE `bind_ack`. */
export const PTYPE_BIND_ACK = 12;
/** PTYPE `bind_nak`. */
export const PTYPE_BIND_NAK = 13;
/** PTYPE `alter_context`. */
export const PTYPE_ALTER_CONTEXT = 14;
/** PTYPE `alter_context_resp`. */
export const PTYPE_ALTER_CONTEXT_RESP = 15;
/** PTYPE `rpc_auth_3`: the client's last security token, which the server does not answer. */
export const PTYPE_AUTH3 = 16;

/** `pfc_flags`: the first fragment of a call. */
export const PFC_FIRST_FRAG = 0x01;
/** `pfc_flags`: the last fragment of a call. */
export const PFC_LAST_FRAG = 0x02;
/**
 * `pfc_flags` of a bind and its bind_ack: the client offers, and the server agrees,
 * that the security provider signs each PDU's header and `sec_trailer` too (MS-RPCE
 * 2.2.2.3).
 */
export const PFC_SUPPORT_HEADER_SIGN = 0x04;
/** `pfc_flags`: the fault came before the call executed. */
export const PFC_DID_NOT_EXECUTE = 0x20;
/** `pfc_flags`: a request carries an object UUID. */
export const PFC_OBJECT_UUID = 0x80;

/** The common header's size. */
export const RPC_HEADER_SIZE = 16;
/** The `sec_trailer`'s size. */
export const SEC_TRAILER_SIZE = 8;
/** What the `sec_trailer` is aligned to, counted from the start of the stub data. */
export const AUTH_PAD_ALIGNMENT = 16;
/** The fixed part of a request PDU (header included, no object UUID). */
export const REQUEST_HEADER_SIZE = 24;

/** An interface or transfer syntax: UUID and [major, minor] version. */
export interface SyntaxId {
  /** The UUID, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
  readonly uuid: string;
  /** [major, minor]. */
  readonly version: readonly [number, number];
}

/** The NDR20 transfer syntax (C706 appendix I). */
export const NDR20_SYNTAX: SyntaxId = {
  uuid: "8a885d04-1ceb-11c9-9fe8-08002b104860",
  version: [2, 0],
};

/** The auth verifier: the `sec_trailer` fields and the `auth_value`. */
export interface AuthVerifier {
  /** `auth_type` (e.g. 68, Netlogon). */
  authType: number;
  /** `auth_level` (5 integrity, 6 privacy). */
  authLevel: number;
  /** `auth_pad_length`: padding bytes at the end of the stub (or body). */
  padLength: number;
  /** `auth_context_id`. */
  contextId: number;
  /** `auth_value`: a token or a signature. */
  value: Uint8Array;
}

/** What every PDU has. */
export interface PduCommon {
  /** `pfc_flags`. */
  flags: number;
  /** `call_id`. */
  callId: number;
  /** The auth verifier, or null when `auth_length` is 0. */
  auth: AuthVerifier | null;
}

/** One presentation context of a bind (`p_cont_elem_t`). */
export interface PresentationContext {
  /** `p_cont_id`. */
  contextId: number;
  /** The interface. */
  abstractSyntax: SyntaxId;
  /** The transfer syntaxes offered. */
  transferSyntaxes: SyntaxId[];
}

/** `bind` or `alter_context`. */
export interface BindPdu extends PduCommon {
  /** PTYPE. */
  type: typeof PTYPE_BIND | typeof PTYPE_ALTER_CONTEXT;
  /** `max_xmit_frag`. */
  maxXmitFrag: number;
  /** `max_recv_frag`. */
  maxRecvFrag: number;
  /** `assoc_group_id`. */
  assocGroupId: number;
  /** The presentation contexts. */
  contexts: PresentationContext[];
}

/** One context's result in a bind_ack (`p_result_t`). */
export interface ContextResult {
  /** 0 acceptance, 1 user rejection, 2 provider rejection, 3 negotiate ack. */
  result: number;
  /** Why it was rejected (`provider_reason`). */
  reason: number;
  /** The transfer syntax accepted. */
  transferSyntax: SyntaxId;
}

/** `bind_ack` or `alter_context_resp`. */
export interface BindAckPdu extends PduCommon {
  /** PTYPE. */
  type: typeof PTYPE_BIND_ACK | typeof PTYPE_ALTER_CONTEXT_RESP;
  /** `max_xmit_frag`: the largest fragment the server sends. */
  maxXmitFrag: number;
  /** `max_recv_frag`: the largest fragment the server accepts. */
  maxRecvFrag: number;
  /** `assoc_group_id`. */
  assocGroupId: number;
  /** `sec_addr`: the server's port as a string ("" when absent). */
  secondaryAddress: string;
  /** One result per context of the bind. */
  results: ContextResult[];
}

/** `bind_nak`. */
export interface BindNakPdu extends PduCommon {
  /** PTYPE. */
  type: typeof PTYPE_BIND_NAK;
  /** `provider_reject_reason`. */
  reason: number;
}

/** `rpc_auth_3`: only the auth verifier (after four bytes of padding). */
export interface Auth3Pdu extends PduCommon {
  /** PTYPE. */
  type: typeof PTYPE_AUTH3;
}

/** `request`. */
export interface RequestPdu extends PduCommon {
  /** PTYPE. */
  type: typeof PTYPE_REQUEST;
  /** `alloc_hint`: stub bytes of the call from this fragment on. */
  allocHint: number;
  /** `p_cont_id`. */
  contextId: number;
  /** `opnum`. */
  opnum: number;
  /** The object UUID (`PFC_OBJECT_UUID`), or null. */
  object: string | null;
  /** The stub data (plus the auth padding when `auth` is set). */
  stub: Uint8Array;
}

/** `response`. */
export interface ResponsePdu extends PduCommon {
  /** PTYPE. */
  type: typeof PTYPE_RESPONSE;
  /** `alloc_hint`. */
  allocHint: number;
  /** `p_cont_id`. */
  contextId: number;
  /** `cancel_count`. */
  cancelCount: number;
  /** The stub data (plus the auth padding when `auth` is set). */
  stub: Uint8Array;
}

/** `fault`. */
export interface FaultPdu extends PduCommon {
  /** PTYPE. */
  type: typeof PTYPE_FAULT;
  /** `alloc_hint`. */
  allocHint: number;
  /** `p_cont_id`. */
  contextId: number;
  /** `cancel_count`. */
  cancelCount: number;
  /** The fault status (an `nca_s_*` value or a Win32 error). */
  status: number;
}

/** Every PDU this module encodes and decodes. */
export type Pdu =
  | BindPdu
  | BindAckPdu
  | BindNakPdu
  | Auth3Pdu
  | RequestPdu
  | ResponsePdu
  | FaultPdu;

/** The common header's fields. */
export interface PduHeader {
  /** PTYPE. */
  type: number;
  /** `pfc_flags`. */
  flags: number;
  /** `frag_length`: the whole PDU. */
  fragLength: number;
  /** `auth_length`: the `auth_value` only. */
  authLength: number;
  /** `call_id`. */
  callId: number;
}
