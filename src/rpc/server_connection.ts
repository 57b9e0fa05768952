/**
 * One connection of {@linkcode RpcServer} (`server.ts`): the bind of its one
 * interface, with an SSPI acceptor when the client authenticates (the legs in
 * `bind`, `alter_context` and `rpc_auth_3` PDUs, MS-RPCE 3.3.1.5.2), then requests
 * reassembled from their fragments, checked (and unsealed) with the context, answered
 * by the handler and protected the same way. Malformed or unexpected PDUs end the
 * connection; refused calls get fault PDUs.
 *
 * @module
 */
import { type SecurityContext, server } from "../friendly/context.ts";
import type { SecurityFunctionTable } from "../native/function_table.ts";
import { SspiError } from "../sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../sspi/status.ts";
import { portableTable } from "../sspi/table.ts";
import { concat } from "../util/bytes.ts";
import {
  RPC_C_AUTHN_GSS_KERBEROS,
  RPC_C_AUTHN_GSS_NEGOTIATE,
  RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
  RPC_C_AUTHN_WINNT,
} from "./auth.ts";
import {
  NCA_S_PROTO_ERROR,
  NCA_S_UNK_IF,
  RPC_S_ACCESS_DENIED,
} from "./errors.ts";
import { responseFragments } from "./fragments.ts";
import {
  type BindPdu,
  decodeHeader,
  decodePdu,
  encodePdu,
  NDR20_SYNTAX,
  PFC_DID_NOT_EXECUTE,
  PFC_FIRST_FRAG,
  PFC_LAST_FRAG,
  PFC_SUPPORT_HEADER_SIGN,
  PTYPE_ALTER_CONTEXT,
  PTYPE_ALTER_CONTEXT_RESP,
  PTYPE_AUTH3,
  PTYPE_BIND,
  PTYPE_BIND_ACK,
  PTYPE_BIND_NAK,
  PTYPE_FAULT,
  PTYPE_REQUEST,
  type RequestPdu,
  RPC_HEADER_SIZE,
  type SyntaxId,
} from "./pdu.ts";
import { SspiPduSecurity } from "./sspi_pdu.ts";
import { bounded, readFull, type RpcStream, writeAll } from "./stream.ts";

/** The UUID prefix of the bind time feature negotiation syntax (MS-RPCE 3.3.1.5.3). */
const BIND_TIME_FEATURES = "6cb71c2c-9812-4540-";
/** The transfer syntax of a context result that accepts none. */
const NO_SYNTAX: SyntaxId = {
  uuid: "00000000-0000-0000-0000-000000000000",
  version: [0, 0],
};

/** `nca_s_fault_sec_pkg_error`: a PDU the security context refused. */
export const RPC_S_SEC_PKG_ERROR = 0x721;

/** The package of each `auth_type`. */
const PACKAGES: Readonly<Record<number, string>> = {
  [RPC_C_AUTHN_WINNT]: "NTLM",
  [RPC_C_AUTHN_GSS_NEGOTIATE]: "Negotiate",
  [RPC_C_AUTHN_GSS_KERBEROS]: "Kerberos",
};

/** One call as the handler sees it. */
export interface RpcCall {
  /** The interface called. */
  iface: SyntaxId;
  /** The operation number. */
  opnum: number;
  /** The request stub (auth padding removed). */
  stub: Uint8Array;
  /** The authenticated client (`DOMAIN\user`, `user@REALM`), or null. */
  clientName: string | null;
  /** The `auth_level` (5 integrity, 6 privacy), or 0 unauthenticated. */
  authLevel: number;
  /** The package (`"NTLM"`, `"Negotiate"`, `"Kerberos"`), or null. */
  package: string | null;
  /** Whether the PDU headers are signed too (the client offered header signing). */
  headerSigning: boolean;
  /**
   * The connection's established security context (the friendly layer's), for
   * what a handler may need beyond the name: `handles.context` with
   * `QueryContextAttributes` (a Kerberos client's PAC logon information,
   * `SECPKG_ATTR_PAC_LOGON_INFO`), `sessionKey`; null without authentication.
   */
  context: SecurityContext | null;
}

/** One interface a server serves, and its handler. */
export interface RpcInterface {
  /** The interface: UUID and [major, minor] version. */
  iface: SyntaxId;
  /**
   * Answers one call: the response stub, or a fault status (an `nca_s_*` value or
   * a Win32 error). A handler that throws answers `nca_s_proto_error`.
   */
  handler: (
    call: RpcCall,
  ) => Uint8Array | number | Promise<Uint8Array | number>;
}

/** What a connection needs of its server. */
export interface ConnectionSettings {
  interfaces: readonly RpcInterface[];
  /** `pAuthData` of each package accepted; null: no authentication accepted. */
  packages: Readonly<Record<string, unknown>> | null;
  minLevel: number;
  sspi?: SecurityFunctionTable;
  maxFrag: number;
  maxRequest: number;
  /** How long a connection may wait for its next PDU, in ms. */
  idleMs: number;
  port: number;
}

/** Serves one connection until it ends; never throws. */
export async function serveConnection(
  stream: RpcStream,
  s: ConnectionSettings,
): Promise<void> {
  const c = new Connection(stream, s);
  try {
    await c.run();
  } catch {
    // A broken or refused connection ends here; the server goes on.
  } finally {
    c.dispose();
    try {
      stream.close();
    } catch { /* already closed */ }
  }
}

class Connection {
  #ctx: SecurityContext | null = null;
  #pdus: SspiPduSecurity | null = null;
  #authType = 0;
  #authLevel = 0;
  /** The client's `auth_context_id` (Samba's is 1), echoed in every verifier. */
  #authContextId = 0;
  #headerSigning = false;
  #bound = false;
  #refused = false;
  #sendFrag = 0;
  #parts: Uint8Array[] = [];
  /** The interface of each accepted presentation context. */
  #contexts = new Map<number, RpcInterface>();
  #size = 0;

  constructor(readonly stream: RpcStream, readonly s: ConnectionSettings) {}

  dispose(): void {
    this.#ctx?.dispose();
    this.#ctx = null;
  }

  async run(): Promise<void> {
    for (;;) {
      // Each PDU within idleMs, so a silent or trickling client lets go.
      const raw = await bounded(
        this.#readPdu(),
        this.s.idleMs,
        "client",
        "next PDU",
        () => this.stream.close(),
      );
      const pdu = decodePdu(raw);
      if (pdu.type === PTYPE_BIND && !this.#bound) await this.#bind(pdu);
      else if (pdu.type === PTYPE_ALTER_CONTEXT && this.#bound) {
        if (!await this.#alter(pdu)) return;
      } else if (pdu.type === PTYPE_AUTH3 && this.#ctx && !this.#pdus) {
        await this.#step(pdu.auth?.value ?? null).catch(() => {
          this.#refused = true;
        });
      } else if (pdu.type === PTYPE_REQUEST && this.#bound) {
        if (!await this.#request(pdu, raw)) return;
      } else return;
    }
  }

  async #readPdu(): Promise<Uint8Array> {
    const head = new Uint8Array(RPC_HEADER_SIZE);
    await readFull(this.stream, head, "client");
    const raw = new Uint8Array(decodeHeader(head).fragLength);
    raw.set(head);
    await readFull(this.stream, raw.subarray(RPC_HEADER_SIZE), "client");
    return raw;
  }

  async #send(pdus: Iterable<Uint8Array>): Promise<void> {
    for (const p of pdus) await writeAll(this.stream, p, "client");
  }

  /** Runs the acceptor on `token`; the token to send back, or null. */
  async #step(token: Uint8Array | null): Promise<Uint8Array | null> {
    if (!token || !this.#ctx) {
      throw new SspiError(SEC_E_INVALID_TOKEN, "no token");
    }
    const out = await this.#ctx.stepAsync(token);
    if (this.#ctx.complete) {
      this.#pdus = new SspiPduSecurity(
        this.s.sspi ?? this.#table(),
        this.#ctx.handles.context,
        this.#authLevel === RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
        this.#headerSigning,
      );
    }
    return out;
  }

  #table(): SecurityFunctionTable {
    // The friendly context works through the portable table when none was given.
    return portableTable();
  }

  async #bind(pdu: BindPdu): Promise<void> {
    const a = pdu.auth;
    const pkg = a ? PACKAGES[a.authType] : undefined;
    const authData = pkg !== undefined ? this.s.packages?.[pkg] : undefined;
    const nak = (reason: number) =>
      this.#send([encodePdu({
        type: PTYPE_BIND_NAK,
        flags: PFC_FIRST_FRAG | PFC_LAST_FRAG,
        callId: pdu.callId,
        reason,
        auth: null,
      })]);
    if (a && (authData === undefined || a.authLevel < this.s.minLevel)) {
      return nak(8); // authentication_type_not_recognized
    }
    if (!a && this.s.packages && this.s.minLevel > 0) return nak(8);
    let token: Uint8Array | null = null;
    if (a) {
      this.#authType = a.authType;
      this.#authLevel = a.authLevel;
      this.#authContextId = a.contextId;
      this.#headerSigning = !!(pdu.flags & PFC_SUPPORT_HEADER_SIGN);
      this.#ctx = server({ package: pkg, authData, sspi: this.s.sspi });
      try {
        token = await this.#step(a.value);
      } catch {
        return nak(9); // invalid_checksum: the logon was refused
      }
    }
    this.#bound = true;
    this.#sendFrag = Math.min(this.s.maxFrag, pdu.maxRecvFrag);
    await this.#send([this.#ack(pdu, token)]);
  }

  /** An alter_context; false when the connection must end (a refused logon). */
  async #alter(pdu: BindPdu): Promise<boolean> {
    let token: Uint8Array | null = null;
    if (pdu.auth) {
      if (!this.#ctx || this.#pdus) return false;
      try {
        token = await this.#step(pdu.auth.value);
      } catch {
        // The logon was refused: a fault, as Windows answers (MS-RPCE 3.3.1.5.2).
        await this.#send([faultPdu(pdu.callId, 0, RPC_S_ACCESS_DENIED)]);
        return false;
      }
    }
    await this.#send([this.#ack(pdu, token)]);
    return true;
  }

  /** The bind_ack or alter_context_resp of `pdu`, with `token` when there is one. */
  #ack(pdu: BindPdu, token: Uint8Array | null): Uint8Array {
    // Each presentation context offering NDR for an interface served is accepted
    // and remembered: requests name it by p_cont_id.
    const ok = (c: BindPdu["contexts"][number]) => {
      if (!c.transferSyntaxes.some((t) => t.uuid === NDR20_SYNTAX.uuid)) {
        return false;
      }
      const i = this.s.interfaces.find((i) =>
        i.iface.uuid === c.abstractSyntax.uuid &&
        i.iface.version[0] === c.abstractSyntax.version[0]
      );
      if (i) this.#contexts.set(c.contextId, i);
      return i !== undefined;
    };
    const bind = pdu.type === PTYPE_BIND;
    return encodePdu({
      type: bind ? PTYPE_BIND_ACK : PTYPE_ALTER_CONTEXT_RESP,
      flags: PFC_FIRST_FRAG | PFC_LAST_FRAG |
        (bind && this.#headerSigning ? PFC_SUPPORT_HEADER_SIGN : 0),
      callId: pdu.callId,
      maxXmitFrag: this.#sendFrag,
      maxRecvFrag: this.s.maxFrag,
      assocGroupId: 0x12345,
      secondaryAddress: bind ? String(this.s.port) : "",
      results: pdu.contexts.map((c) =>
        ok(c)
          ? { result: 0, reason: 0, transferSyntax: NDR20_SYNTAX }
          : c.transferSyntaxes.some((t) =>
              t.uuid.startsWith(BIND_TIME_FEATURES)
            )
          // Bind time feature negotiation (MS-RPCE 3.3.1.5.3): a negotiate_ack
          // naming the features supported, none.
          ? { result: 3, reason: 0, transferSyntax: NO_SYNTAX }
          // Provider rejection: abstract syntax not supported.
          : { result: 2, reason: 1, transferSyntax: NO_SYNTAX }
      ),
      auth: token && {
        authType: this.#authType,
        authLevel: this.#authLevel,
        padLength: 0,
        contextId: this.#authContextId,
        value: token,
      },
    });
  }

  /** One request fragment; false when the connection must end. */
  async #request(pdu: RequestPdu, raw: Uint8Array): Promise<boolean> {
    const fault = (status: number) =>
      this.#send([faultPdu(pdu.callId, pdu.contextId, status)]);
    const v = pdu.auth;
    let data = pdu.stub;
    if (this.#ctx) {
      if (!this.#pdus || this.#refused) {
        await fault(RPC_S_ACCESS_DENIED);
        return false;
      }
      if (
        !v || v.authType !== this.#authType ||
        v.authLevel !== this.#authLevel || v.contextId !== this.#authContextId
      ) {
        await fault(RPC_S_ACCESS_DENIED);
        return false;
      }
      try {
        this.#pdus.unprotect(
          pdu.stub,
          v.value,
          raw.subarray(0, raw.length - v.value.length),
        );
      } catch {
        await fault(RPC_S_SEC_PKG_ERROR);
        return false;
      }
      data = pdu.stub.subarray(0, pdu.stub.length - v.padLength);
    } else if (v) {
      await fault(NCA_S_PROTO_ERROR);
      return false;
    }
    if (!!(pdu.flags & PFC_FIRST_FRAG) !== (this.#parts.length === 0)) {
      await fault(NCA_S_PROTO_ERROR);
      return false;
    }
    this.#size += data.length;
    if (this.#size > this.s.maxRequest) {
      await fault(NCA_S_PROTO_ERROR);
      return false;
    }
    this.#parts.push(data.slice());
    if (!(pdu.flags & PFC_LAST_FRAG)) return true;
    const stub = withoutVerificationTrailer(
      this.#parts.length === 1 ? this.#parts[0] : concat(...this.#parts),
    );
    this.#parts = [];
    this.#size = 0;
    const served = this.#contexts.get(pdu.contextId);
    if (!served) {
      await fault(NCA_S_UNK_IF);
      return true;
    }
    let answer: Uint8Array | number;
    try {
      answer = await served.handler({
        iface: served.iface,
        opnum: pdu.opnum,
        stub,
        clientName: this.#ctx ? this.#ctx.clientName : null,
        authLevel: this.#authLevel,
        package: PACKAGES[this.#authType] ?? null,
        headerSigning: this.#headerSigning,
        context: this.#ctx,
      });
    } catch {
      answer = NCA_S_PROTO_ERROR;
    }
    if (typeof answer === "number") {
      await fault(answer);
      return true;
    }
    const pdus = this.#pdus;
    await this.#send(responseFragments(
      pdu.callId,
      pdu.contextId,
      answer,
      this.#sendFrag,
      pdus && {
        authType: this.#authType,
        authLevel: this.#authLevel,
        signatureSize: pdus.signatureSize,
        authContextId: this.#authContextId,
        protect: (d, p) => pdus.protect(d, p),
      },
    ));
    return true;
  }
}

/** A fault PDU for call `callId`: the call did not execute. */
function faultPdu(callId: number, contextId: number, status: number) {
  return encodePdu({
    type: PTYPE_FAULT,
    flags: PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_DID_NOT_EXECUTE,
    callId,
    allocHint: 0,
    contextId,
    cancelCount: 0,
    status,
    auth: null,
  });
}

/** The verification trailer's signature (MS-RPCE 2.2.2.13). */
const SEC_VT_SIGNATURE = [0x8a, 0xe3, 0x13, 0x71, 0x02, 0xf4, 0x36, 0x71];
/** A command's "last one" flag. */
const SEC_VT_COMMAND_END = 0x4000;

/**
 * `stub` without the verification trailer a client may append to a request stub
 * (MS-RPCE 2.2.2.13: Windows and Samba send one on the first call of a binding):
 * the signature at a 4-byte boundary, then commands up to one flagged as the last,
 * ending exactly at the end of the stub. A stub without one comes back as it is.
 */
export function withoutVerificationTrailer(stub: Uint8Array): Uint8Array {
  for (let at = (stub.length - 12) & ~3; at >= 0; at -= 4) {
    if (!SEC_VT_SIGNATURE.every((b, i) => stub[at + i] === b)) continue;
    let p = at + 8;
    while (p + 4 <= stub.length) {
      const command = stub[p] | (stub[p + 1] << 8);
      const length = stub[p + 2] | (stub[p + 3] << 8);
      p += 4 + length;
      if (command & SEC_VT_COMMAND_END) {
        if (p === stub.length) return stub.subarray(0, at);
        break;
      }
    }
  }
  return stub;
}
