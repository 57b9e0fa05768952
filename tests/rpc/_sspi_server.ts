/**
 * An in-memory DCE/RPC server whose security is one of our acceptors (NTLM or
 * Negotiate, through the friendly `server()`): it answers the bind's legs
 * (bind_ack, alter_context_resp, nothing to an rpc_auth_3), checks each request
 * with DecryptMessage or VerifySignature (the header and sec_trailer signed only
 * with header signing) and answers with the stub reversed, sealed or signed the
 * same way. For `fakeConnector`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { server } from "../../mod.ts";
import {
  DecryptMessage,
  EncryptMessage,
  MakeSignature,
  VerifySignature,
} from "../../src/sspi/api.ts";
import { SecBuffer, SecBufferDesc } from "../../src/sspi/buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_READONLY,
  SECBUFFER_READONLY_WITH_CHECKSUM,
  SECBUFFER_TOKEN,
} from "../../src/sspi/flags.ts";
import {
  authPadLength,
  decodePdu,
  encodePdu,
  NDR20_SYNTAX,
  type Pdu,
  PFC_SUPPORT_HEADER_SIGN,
  PTYPE_ALTER_CONTEXT,
  PTYPE_ALTER_CONTEXT_RESP,
  PTYPE_AUTH3,
  PTYPE_BIND,
  PTYPE_BIND_ACK,
  PTYPE_REQUEST,
  PTYPE_RESPONSE,
  REQUEST_HEADER_SIZE,
} from "../../src/rpc/pdu.ts";
import { RPC_C_AUTHN_LEVEL_PKT_PRIVACY } from "../../src/rpc/auth.ts";
import { SEC_E_OK } from "../../src/sspi/status.ts";
import type { Answer } from "./_fake.ts";

/** The users the server knows. */
export const USERS = [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }];
const RESPONSE_HEADER = 24;

/** How the in-memory server behaves. */
export interface ServerOptions {
  pkg: string;
  /** Echo PFC_SUPPORT_HEADER_SIGN. */
  headerSigning?: boolean;
  /** Replaces the server's token in the bind_ack / alter_context_resp. */
  token?: (t: Uint8Array) => Uint8Array | null;
  /** Flip a byte of the request's header before checking it. */
  flipHeader?: boolean;
}

/** The buffers of a protected PDU: header, stub (+pad), sec_trailer, signature. */
function buffers(
  raw: Uint8Array,
  start: number,
  end: number,
  sig: Uint8Array,
  signHeader: boolean,
) {
  const ro = SECBUFFER_DATA |
    (signHeader ? SECBUFFER_READONLY_WITH_CHECKSUM : SECBUFFER_READONLY);
  return new SecBufferDesc([
    new SecBuffer(ro, raw.subarray(0, start)),
    new SecBuffer(SECBUFFER_DATA, raw.subarray(start, end)),
    new SecBuffer(ro, raw.subarray(end, raw.length - sig.length)),
    new SecBuffer(SECBUFFER_TOKEN, sig),
  ]);
}

/** An RPC server on our acceptor: answers the bind legs, echoes stubs reversed. */
export function rpcServer(o: ServerOptions) {
  const ctx = server({ package: o.pkg, authData: { users: USERS } });
  let seqIn = 0;
  let seqOut = 0;
  let level = 0;
  let type = 0;
  const hdr = !!o.headerSigning;
  const ack = (pdu: Pdu, token: Uint8Array | null): Uint8Array =>
    encodePdu({
      type: pdu.type === PTYPE_BIND ? PTYPE_BIND_ACK : PTYPE_ALTER_CONTEXT_RESP,
      flags: 3 | (hdr && pdu.type === PTYPE_BIND ? PFC_SUPPORT_HEADER_SIGN : 0),
      callId: pdu.callId,
      maxXmitFrag: 5840,
      maxRecvFrag: 5840,
      assocGroupId: 1,
      secondaryAddress: "",
      results: [{ result: 0, reason: 0, transferSyntax: NDR20_SYNTAX }],
      auth: token
        ? {
          authType: type,
          authLevel: level,
          padLength: 0,
          contextId: 0,
          value: token,
        }
        : null,
    });
  const handler = (raw: Uint8Array): Answer => {
    const pdu = decodePdu(raw);
    if (
      pdu.type === PTYPE_BIND || pdu.type === PTYPE_ALTER_CONTEXT ||
      pdu.type === PTYPE_AUTH3
    ) {
      type = pdu.auth!.authType;
      level = pdu.auth!.authLevel;
      const out = ctx.step(pdu.auth!.value);
      if (pdu.type === PTYPE_AUTH3) return [];
      return [ack(pdu, out && (o.token ? o.token(out) : out))];
    }
    assert.equal(pdu.type, PTYPE_REQUEST);
    const v = pdu.auth!;
    const end = raw.length - 8 - v.value.length;
    const msg = buffers(
      raw.slice(),
      REQUEST_HEADER_SIZE,
      end,
      v.value.slice(),
      hdr,
    );
    if (o.flipHeader) msg.pBuffers[0].pvBuffer![5] ^= 0x10;
    const c = ctx.handles.context;
    const s = level === RPC_C_AUTHN_LEVEL_PKT_PRIVACY
      ? DecryptMessage(c, msg, seqIn++, { value: 0 })
      : VerifySignature(c, msg, seqIn++, { value: 0 });
    if (s !== SEC_E_OK) return "close";
    const got = msg.pBuffers[1].pvBuffer!.subarray(
      0,
      end - REQUEST_HEADER_SIZE - v.padLength,
    );
    const back = got.slice().reverse();
    const pad = authPadLength(back.length);
    const data = new Uint8Array(back.length + pad);
    data.set(back);
    const resp = encodePdu({
      type: PTYPE_RESPONSE,
      flags: 3,
      callId: pdu.callId,
      allocHint: back.length,
      contextId: 0,
      cancelCount: 0,
      stub: data,
      auth: { ...v, padLength: pad, value: new Uint8Array(v.value.length) },
    });
    const sig = resp.subarray(resp.length - v.value.length);
    const out = buffers(
      resp,
      RESPONSE_HEADER,
      RESPONSE_HEADER + data.length,
      sig,
      hdr,
    );
    const w = level === RPC_C_AUTHN_LEVEL_PKT_PRIVACY
      ? EncryptMessage(c, 0, out, seqOut++)
      : MakeSignature(c, 0, out, seqOut++);
    assert.equal(w, SEC_E_OK);
    return [resp];
  };
  return { handler, ctx };
}
