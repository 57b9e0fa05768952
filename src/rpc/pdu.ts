/**
 * Connection-oriented DCE/RPC PDUs (C706 chapter 12, MS-RPCE 2.2.2): bind,
 * alter_context and their acks, bind_nak, request, response and fault, with the
 * common header, NDR20 little-endian data representation and the optional auth
 * verifier (`sec_trailer` plus `auth_value`) at the end of the PDU.
 *
 * In a request or response that carries a verifier, `stub` holds the stub data
 * followed by the auth padding (`auth.padLength` bytes): that is what a security
 * provider signs or seals, so it stays in one piece. {@linkcode authPadLength} says how
 * much padding puts the `sec_trailer` on a 16-byte boundary from the start of the
 * stub, as Windows and Samba do.
 *
 * {@linkcode decodePdu} checks every length against the buffer; malformed input is
 * `SspiError(SEC_E_INVALID_TOKEN)`.
 *
 * @module
 */
import { SspiError } from "../sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../sspi/status.ts";
import { NdrError, NdrReader, uuidFromBytes } from "./ndr.ts";
import { NdrWriter } from "./ndr_writer.ts";
import {
  AUTH_PAD_ALIGNMENT,
  type AuthVerifier,
  type ContextResult,
  type Pdu,
  type PduHeader,
  PFC_OBJECT_UUID,
  type PresentationContext,
  PTYPE_ALTER_CONTEXT,
  PTYPE_ALTER_CONTEXT_RESP,
  PTYPE_AUTH3,
  PTYPE_BIND,
  PTYPE_BIND_ACK,
  PTYPE_BIND_NAK,
  PTYPE_FAULT,
  PTYPE_REQUEST,
  PTYPE_RESPONSE,
  RPC_HEADER_SIZE,
  SEC_TRAILER_SIZE,
  type SyntaxId,
} from "./pdu_types.ts";

export * from "./pdu_types.ts";

/** Padding that puts a `sec_trailer` on a 16-byte boundary after `stubLength` bytes. */
export function authPadLength(stubLength: number): number {
  return (AUTH_PAD_ALIGNMENT - (stubLength % AUTH_PAD_ALIGNMENT)) %
    AUTH_PAD_ALIGNMENT;
}

function invalid(message: string, cause?: unknown): SspiError {
  return new SspiError(
    SEC_E_INVALID_TOKEN,
    `Cannot decode RPC PDU: ${message}`,
    {
      cause,
    },
  );
}

function syntax(w: NdrWriter, s: SyntaxId): void {
  w.uuid(s.uuid).u16(s.version[0]).u16(s.version[1]);
}

/** Writes the type-specific body of `pdu` after the common header. */
function body(w: NdrWriter, pdu: Pdu): void {
  switch (pdu.type) {
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT:
      w.u16(pdu.maxXmitFrag).u16(pdu.maxRecvFrag).u32(pdu.assocGroupId);
      w.u8(pdu.contexts.length).u8(0).u16(0);
      for (const c of pdu.contexts) {
        w.u16(c.contextId).u8(c.transferSyntaxes.length).u8(0);
        syntax(w, c.abstractSyntax);
        for (const t of c.transferSyntaxes) syntax(w, t);
      }
      return;
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP: {
      w.u16(pdu.maxXmitFrag).u16(pdu.maxRecvFrag).u32(pdu.assocGroupId);
      const port = pdu.secondaryAddress;
      w.u16(port ? port.length + 1 : 0);
      if (port) w.bytes(new TextEncoder().encode(`${port}\0`));
      w.align(4).u8(pdu.results.length).u8(0).u16(0);
      for (const r of pdu.results) {
        w.u16(r.result).u16(r.reason);
        syntax(w, r.transferSyntax);
      }
      return;
    }
    case PTYPE_BIND_NAK:
      w.u16(pdu.reason).u8(0); // no protocol versions listed
      return;
    case PTYPE_AUTH3:
      w.u32(0); // pad
      return;
    case PTYPE_REQUEST:
      w.u32(pdu.allocHint).u16(pdu.contextId).u16(pdu.opnum);
      if (pdu.object !== null) w.uuid(pdu.object);
      w.bytes(pdu.stub);
      return;
    case PTYPE_RESPONSE:
      w.u32(pdu.allocHint).u16(pdu.contextId).u8(pdu.cancelCount).u8(0);
      w.bytes(pdu.stub);
      return;
    case PTYPE_FAULT:
      w.u32(pdu.allocHint).u16(pdu.contextId).u8(pdu.cancelCount).u8(0);
      w.u32(pdu.status).u32(0);
      return;
  }
}

/**
 * Encodes one PDU. With `auth`, a bind-type body is padded to 4 bytes (the
 * `padLength` given is not used); a request or response must already end with
 * `auth.padLength` bytes of padding (see {@linkcode authPadLength}).
 */
export function encodePdu(pdu: Pdu): Uint8Array {
  const w = new NdrWriter();
  w.u8(5).u8(0).u8(pdu.type).u8(
    pdu.flags |
      (pdu.type === PTYPE_REQUEST && pdu.object ? PFC_OBJECT_UUID : 0),
  );
  w.u32(0x10).u32(0).u32(pdu.callId); // drep: little-endian, ASCII, IEEE
  const start = w.length;
  body(w, pdu);
  const a = pdu.auth;
  if (a) {
    const stubbed = pdu.type === PTYPE_REQUEST || pdu.type === PTYPE_RESPONSE;
    const pad = stubbed ? a.padLength : (4 - ((w.length - start) % 4)) % 4;
    if (!stubbed) w.bytes(new Uint8Array(pad));
    w.u8(a.authType).u8(a.authLevel).u8(pad).u8(0).u32(a.contextId);
    w.bytes(a.value);
  }
  const out = w.finish();
  if (out.length > 0xffff) throw new RangeError("RPC PDU exceeds 65535 bytes");
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(8, out.length, true);
  view.setUint16(10, a?.value.length ?? 0, true);
  return out;
}

/**
 * Reads the common header from the first 16 bytes of `bytes`: version 5.0 or 5.1,
 * little-endian integers, a `frag_length` of at least 16.
 */
export function decodeHeader(bytes: Uint8Array): PduHeader {
  if (bytes.length < RPC_HEADER_SIZE) throw invalid("header is truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, RPC_HEADER_SIZE);
  if (bytes[0] !== 5 || bytes[1] > 1) {
    throw invalid(`version ${bytes[0]}.${bytes[1]} is not 5.0`);
  }
  if ((bytes[4] & 0xf0) !== 0x10 || (bytes[4] & 0x0f) !== 0 || bytes[5] !== 0) {
    throw invalid("data representation is not NDR little-endian ASCII IEEE");
  }
  const fragLength = view.getUint16(8, true);
  if (fragLength < RPC_HEADER_SIZE) throw invalid("frag_length is too small");
  return {
    type: bytes[2],
    flags: bytes[3],
    fragLength,
    authLength: view.getUint16(10, true),
    callId: view.getUint32(12, true),
  };
}

/**
 * Decodes one whole PDU (`bytes.length` must equal its `frag_length`). Malformed
 * input, or a PDU type this module does not know, is `SspiError(SEC_E_INVALID_TOKEN)`.
 */
export function decodePdu(bytes: Uint8Array): Pdu {
  const h = decodeHeader(bytes);
  if (h.fragLength !== bytes.length) {
    throw invalid("frag_length does not match the PDU's size");
  }
  try {
    return decodeBody(bytes, h);
  } catch (e) {
    if (e instanceof NdrError) throw invalid(e.message, e);
    throw e;
  }
}

function readAuth(
  bytes: Uint8Array,
  h: PduHeader,
): [AuthVerifier | null, number] {
  if (h.authLength === 0) return [null, bytes.length];
  const at = bytes.length - h.authLength - SEC_TRAILER_SIZE;
  if (at < RPC_HEADER_SIZE) throw invalid("auth_length exceeds the PDU");
  const t = new NdrReader(bytes, at, bytes.length, "RPC");
  const auth: AuthVerifier = {
    authType: t.u8("sec_trailer"),
    authLevel: t.u8("sec_trailer"),
    padLength: t.u8("sec_trailer"),
    contextId: (t.u8("sec_trailer"), t.u32("sec_trailer")),
    value: t.bytesOf(h.authLength, "auth_value"),
  };
  return [auth, at];
}

function readSyntax(r: NdrReader, what: string): SyntaxId {
  const uuid = uuidFromBytes(r.bytesOf(16, what));
  return { uuid, version: [r.u16(what), r.u16(what)] };
}

/** `max_xmit_frag`, `max_recv_frag` and `assoc_group_id`. */
function fragSizes(b: NdrReader, what: string) {
  return {
    maxXmitFrag: b.u16(what),
    maxRecvFrag: b.u16(what),
    assocGroupId: b.u32(what),
  };
}

function decodeBody(bytes: Uint8Array, h: PduHeader): Pdu {
  const [auth, end] = readAuth(bytes, h);
  const common = { flags: h.flags, callId: h.callId, auth };
  const stubbed = h.type === PTYPE_REQUEST || h.type === PTYPE_RESPONSE;
  const bodyEnd = end - (auth && !stubbed ? auth.padLength : 0);
  if (bodyEnd < RPC_HEADER_SIZE) {
    throw invalid("auth_pad_length exceeds the body");
  }
  const b = new NdrReader(bytes, 0, bodyEnd, "RPC");
  b.pos = RPC_HEADER_SIZE;
  switch (h.type) {
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT: {
      const head = fragSizes(b, "bind");
      const n = b.u8("bind");
      b.take(3, "bind");
      const contexts: PresentationContext[] = [];
      for (let i = 0; i < n; i++) {
        const contextId = b.u16("p_cont_elem");
        const count = b.u8("p_cont_elem");
        b.take(1, "p_cont_elem");
        const abstractSyntax = readSyntax(b, "abstract syntax");
        const transferSyntaxes: SyntaxId[] = [];
        for (let j = 0; j < count; j++) {
          transferSyntaxes.push(readSyntax(b, "transfer syntax"));
        }
        contexts.push({ contextId, abstractSyntax, transferSyntaxes });
      }
      return { type: h.type, ...common, ...head, contexts };
    }
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP: {
      const head = fragSizes(b, "bind_ack");
      const portLength = b.u16("sec_addr");
      const port = b.bytesOf(portLength, "sec_addr");
      const nul = port.indexOf(0);
      const secondaryAddress = new TextDecoder().decode(
        port.subarray(0, nul < 0 ? port.length : nul),
      );
      b.align(4);
      const n = b.u8("p_result_list");
      b.take(3, "p_result_list");
      b.need(n * 24, "p_result_list");
      const results: ContextResult[] = [];
      for (let i = 0; i < n; i++) {
        const [result, reason] = [b.u16("p_result"), b.u16("p_result")];
        results.push({
          result,
          reason,
          transferSyntax: readSyntax(b, "p_result"),
        });
      }
      return { type: h.type, ...common, ...head, secondaryAddress, results };
    }
    case PTYPE_BIND_NAK:
      return { type: h.type, ...common, reason: b.u16("bind_nak") };
    case PTYPE_AUTH3:
      return { type: h.type, ...common };
    case PTYPE_REQUEST: {
      const [allocHint, contextId, opnum] = [
        b.u32("request"),
        b.u16("request"),
        b.u16("request"),
      ];
      const object = h.flags & PFC_OBJECT_UUID ? b.uuid("object") : null;
      return {
        type: h.type,
        ...common,
        allocHint,
        contextId,
        opnum,
        object,
        stub: stubOf(b, auth),
      };
    }
    case PTYPE_RESPONSE:
    case PTYPE_FAULT: {
      const what = h.type === PTYPE_FAULT ? "fault" : "response";
      const head = {
        allocHint: b.u32(what),
        contextId: b.u16(what),
        cancelCount: b.u8(what),
      };
      b.take(1, what);
      return h.type === PTYPE_FAULT
        ? { type: h.type, ...common, ...head, status: b.u32("fault status") }
        : { type: h.type, ...common, ...head, stub: stubOf(b, auth) };
    }
  }
  throw invalid(`PDU type ${h.type} is not supported`);
}

/** The rest of the body: stub data and auth padding, which must fit in it. */
function stubOf(b: NdrReader, auth: AuthVerifier | null): Uint8Array {
  const stub = b.bytesOf(b.remaining, "stub");
  if (auth && auth.padLength > stub.length) {
    throw invalid("auth_pad_length exceeds the stub");
  }
  return stub;
}
