/**
 * Cutting a call's stub into fragments (C706 12.6.2, MS-RPCE 3.3.1.5.8), requests
 * (the client) and responses (the server) alike: each fragment carries `alloc_hint`
 * (the stub bytes left), the first and last flags, and, on a protected binding, its
 * own auth padding and verifier.
 *
 * @module
 */
import { SspiError } from "../sspi/errors.ts";
import { SEC_E_INTERNAL_ERROR } from "../sspi/status.ts";
import type { RpcAuth } from "./auth.ts";
import {
  AUTH_PAD_ALIGNMENT,
  authPadLength,
  encodePdu,
  type Pdu,
  PFC_FIRST_FRAG,
  PFC_LAST_FRAG,
  PTYPE_REQUEST,
  PTYPE_RESPONSE,
  REQUEST_HEADER_SIZE,
  SEC_TRAILER_SIZE,
} from "./pdu.ts";

/** The presentation context id of the one interface bound. */
export const CONTEXT_ID = 0;
/** The `auth_context_id` of the one security context. */
export const AUTH_CONTEXT_ID = 0;

/**
 * What protects fragments: an {@linkcode RpcAuth}'s sending half, and the
 * `auth_context_id` (default {@linkcode AUTH_CONTEXT_ID}; a server answers with the
 * client's).
 */
export type PduProtection =
  & Pick<RpcAuth, "authType" | "authLevel" | "signatureSize" | "protect">
  & { authContextId?: number };

/**
 * The request PDUs of one call: `stub` cut into fragments of at most `maxFrag`
 * bytes. With `auth`, each fragment's stub is a multiple of 16 bytes but the last,
 * which is padded to one; `auth.protect` signs (or seals in place) each fragment's
 * stub and padding, in order, once the PDU around them is encoded (so a provider can
 * sign its header and `sec_trailer` too).
 */
export function requestFragments(
  callId: number,
  opnum: number,
  stub: Uint8Array,
  maxFrag: number,
  auth: PduProtection | null,
  contextId = CONTEXT_ID,
): Generator<Uint8Array> {
  return fragments(stub, maxFrag, auth, (flags, allocHint, data, auth) => ({
    type: PTYPE_REQUEST,
    flags,
    callId,
    allocHint,
    contextId,
    opnum,
    object: null,
    stub: data,
    auth,
  }));
}

/** The response PDUs of one call, cut and protected as {@linkcode requestFragments}. */
export function responseFragments(
  callId: number,
  contextId: number,
  stub: Uint8Array,
  maxFrag: number,
  auth: PduProtection | null,
): Generator<Uint8Array> {
  return fragments(stub, maxFrag, auth, (flags, allocHint, data, auth) => ({
    type: PTYPE_RESPONSE,
    flags,
    callId,
    allocHint,
    contextId,
    cancelCount: 0,
    stub: data,
    auth,
  }));
}

function* fragments(
  stub: Uint8Array,
  maxFrag: number,
  auth: PduProtection | null,
  make: (
    flags: number,
    allocHint: number,
    data: Uint8Array,
    auth: Pdu["auth"],
  ) => Pdu,
): Generator<Uint8Array> {
  // Requests and responses have 24-byte headers (no object UUID).
  const overhead = auth ? SEC_TRAILER_SIZE + auth.signatureSize : 0;
  const room = maxFrag - REQUEST_HEADER_SIZE - overhead;
  const chunk = room - (room % AUTH_PAD_ALIGNMENT);
  if (!(chunk > 0)) {
    throw new RangeError(`fragments of ${maxFrag} bytes are too small`);
  }
  let at = 0;
  do {
    const n = Math.min(chunk, stub.length - at);
    const pad = auth ? authPadLength(n) : 0;
    const data = new Uint8Array(n + pad);
    data.set(stub.subarray(at, at + n));
    const flags = (at === 0 ? PFC_FIRST_FRAG : 0) |
      (at + n === stub.length ? PFC_LAST_FRAG : 0);
    const allocHint = stub.length - at;
    at += n;
    const size = auth ? auth.signatureSize : 0;
    const pdu = encodePdu(make(
      flags,
      allocHint,
      data,
      auth && {
        authType: auth.authType,
        authLevel: auth.authLevel,
        padLength: pad,
        contextId: auth.authContextId ?? AUTH_CONTEXT_ID,
        value: new Uint8Array(size),
      },
    ));
    if (auth) {
      // Signed (and sealed in place) as sent: the stub is a view into the PDU.
      const signed = pdu.subarray(0, pdu.length - size);
      const stubView = pdu.subarray(
        REQUEST_HEADER_SIZE,
        REQUEST_HEADER_SIZE + data.length,
      );
      const value = auth.protect(stubView, signed);
      if (value.length !== size) {
        throw new SspiError(
          SEC_E_INTERNAL_ERROR,
          "RPC security provider returned a signature of the wrong size",
        );
      }
      pdu.set(value, pdu.length - size);
    }
    yield pdu;
  } while (at < stub.length);
}
