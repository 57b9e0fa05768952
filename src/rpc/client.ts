/**
 * A DCE/RPC connection-oriented client over TCP (`ncacn_ip_tcp`, C706 chapter 12,
 * MS-RPCE): binds one interface with the NDR20 transfer syntax, optionally with an
 * {@linkcode RpcAuth} (its token in the bind, then every request fragment protected
 * and every response fragment checked), and makes calls one at a time, fragmenting
 * requests to the negotiated size and reassembling responses (bounded).
 *
 * The connection is a plain object with `read`, `write` and `close` (a `Deno.Conn`
 * fits), opened by a pluggable function, as the Kerberos transport does. Failures are
 * `SspiError`s: network trouble and timeouts `SEC_E_NO_AUTHENTICATING_AUTHORITY`
 * naming the server, malformed PDUs `SEC_E_INVALID_TOKEN`, faults
 * {@linkcode RpcFaultError}.
 *
 * @module
 */
import { SspiError } from "../sspi/errors.ts";
import { concat } from "../util/bytes.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
} from "../sspi/status.ts";
import type { RpcAuth } from "./auth.ts";
import { AUTH_CONTEXT_ID, CONTEXT_ID, requestFragments } from "./fragments.ts";
import {
  bounded,
  readFull,
  type RpcConnector,
  type RpcStream,
  tcpConnect,
  unreachable,
  writeAll,
} from "./stream.ts";
import {
  bindNakError,
  contextRejectedError,
  faultName,
  NCA_S_PROTO_ERROR,
  RPC_S_ACCESS_DENIED,
  RpcFaultError,
} from "./errors.ts";
import {
  AUTH_PAD_ALIGNMENT,
  type AuthVerifier,
  type BindAckPdu,
  type BindNakPdu,
  type BindPdu,
  decodeHeader,
  decodePdu,
  encodePdu,
  NDR20_SYNTAX,
  type Pdu,
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
  PTYPE_RESPONSE,
  REQUEST_HEADER_SIZE,
  type ResponsePdu,
  RPC_HEADER_SIZE,
  SEC_TRAILER_SIZE,
  type SyntaxId,
} from "./pdu.ts";

/** What {@linkcode RpcClient.connect} needs. */
export interface RpcConnectOptions {
  /** The server's host name or address. */
  host: string;
  /** Its TCP port (from `mapEndpoint` for a dynamic endpoint). */
  port: number;
  /** The interface to bind: UUID and [major, minor] version. */
  iface: SyntaxId;
  /**
   * The security provider (integrity or privacy level: every request fragment is
   * protected, every response fragment checked), or none for an unauthenticated
   * binding.
   */
  auth?: RpcAuth | null;
  /** Bounds the connect, the bind and each call, each on its own, in ms (default 10 000). */
  timeoutMs?: number;
  /** Opens the connection (default: `Deno.connect` over TCP). */
  connect?: RpcConnector;
  /**
   * The largest fragment we send and accept (default 5840, as Windows over TCP;
   * 64 to 65535). Samba and Windows take no less than 2048 from a bind.
   */
  maxFrag?: number;
  /** The largest reassembled response stub accepted (default 1 MiB). */
  maxResponse?: number;
}

/**
 * One bound DCE/RPC connection. Calls are queued and run one at a time. After a
 * network error, a timeout or a malformed PDU the connection is closed and every
 * later call fails; after a fault it stays usable.
 */
export class RpcClient {
  /** "host:port", as errors name the server. */
  readonly where: string;
  #stream: RpcStream;
  #auth: RpcAuth | null;
  #timeoutMs: number;
  #maxResponse: number;
  #maxFrag: number;
  #sendFrag = 0;
  #callId = 1;
  #queue: Promise<unknown> = Promise.resolve();
  #failure: SspiError | null = null;
  /** The presentation contexts bound: the bind's (0), then `bindInterface`'s. */
  #contexts = new Set<number>([CONTEXT_ID]);
  #nextContext = CONTEXT_ID + 1;
  /** An rpc_auth_3 went out and no call has been answered since. */
  #unconfirmed = false;

  private constructor(stream: RpcStream, o: RpcConnectOptions) {
    this.where = `${o.host}:${o.port}`;
    this.#stream = stream;
    this.#auth = o.auth ?? null;
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#maxResponse = o.maxResponse ?? 1 << 20;
    this.#maxFrag = o.maxFrag ?? 5840;
  }

  /**
   * Connects to `host:port` and binds `iface` (with `auth` when given); the connect
   * and the bind are each bounded by `timeoutMs`.
   *
   * @example
   * ```ts ignore
   * import { mapEndpoint, RpcClient } from "./mod.ts";
   * const iface = {
   *   uuid: "12345678-1234-abcd-ef00-01234567cffb",
   *   version: [1, 0] as const,
   * };
   * const port = await mapEndpoint("dc1.example.com", iface);
   * const rpc = await RpcClient.connect({ host: "dc1.example.com", port, iface });
   * try {
   *   const reply = await rpc.call(4, new Uint8Array(0)); // response stub bytes
   * } finally {
   *   rpc.close();
   * }
   * ```
   */
  static async connect(options: RpcConnectOptions): Promise<RpcClient> {
    const { host, port } = options;
    if (!Number.isInteger(port) || port <= 0 || port > 0xffff) {
      throw new RangeError(`not a TCP port: ${port}`);
    }
    const frag = options.maxFrag ?? 5840;
    if (!Number.isInteger(frag) || frag < 64 || frag > 0xffff) {
      throw new RangeError(`maxFrag must be 64 to 65535, not ${frag}`);
    }
    const ms = options.timeoutMs ?? 10_000;
    const where = `${host}:${port}`;
    const opening = (options.connect ?? tcpConnect)(host, port).catch((e) => {
      // A connector's own SSPI failure (an SMB logon refused) stays what it is.
      throw e instanceof SspiError ? e : unreachable(where, e);
    });
    const stream = await bounded(opening, ms, where, "connect", () => {
      opening.then((s) => s.close(), () => {});
    });
    const client = new RpcClient(stream, options);
    await client.#run(null, () => client.#bind(options.iface));
    return client;
  }

  /** The fragment size requests are cut to (negotiated at the bind). */
  get maxSendFrag(): number {
    return this.#sendFrag;
  }

  /**
   * Calls operation `opnum` with the NDR request `stub`; resolves with the response
   * stub (auth padding removed).
   */
  call(
    opnum: number,
    stub: Uint8Array,
    context = CONTEXT_ID,
  ): Promise<Uint8Array> {
    if (!Number.isInteger(opnum) || opnum < 0 || opnum > 0xffff) {
      throw new RangeError(`not an RPC opnum: ${opnum}`);
    }
    if (!(stub instanceof Uint8Array)) throw new TypeError("stub is not bytes");
    if (!this.#contexts.has(context)) {
      throw new RangeError(`no interface is bound as context ${context}`);
    }
    const p = this.#queue.then(() =>
      this.#run(opnum, () => this.#exchange(opnum, stub, context))
    );
    this.#queue = p.catch(() => {});
    return p;
  }

  /**
   * Binds another interface on this connection (an `alter_context` with a new
   * presentation context, under the same security context) and resolves with its
   * context id, to pass to {@linkcode RpcClient.call}. A server that does not
   * serve it refuses with an `SspiError` and the connection stays usable.
   */
  bindInterface(iface: SyntaxId): Promise<number> {
    const id = this.#nextContext++;
    const p = this.#queue.then(async () => {
      let refused: SspiError | null = null;
      await this.#run(null, async () => {
        const resp = await this.#alterLeg([{
          contextId: id,
          abstractSyntax: iface,
          transferSyntaxes: [NDR20_SYNTAX],
        }], null);
        const r = resp.results[0];
        if (r.result !== 0) {
          refused = contextRejectedError(
            r.reason,
            `${iface.uuid} v${iface.version.join(".")}`,
            this.where,
          );
        } else if (r.transferSyntax.uuid !== NDR20_SYNTAX.uuid) {
          throw invalid(
            `${this.where} accepted a transfer syntax other than NDR`,
          );
        }
      });
      if (refused) throw refused;
      this.#contexts.add(id);
      return id;
    });
    this.#queue = p.catch(() => {});
    return p;
  }

  /** Closes the connection; later calls fail. */
  close(): void {
    this.#fail(
      new SspiError(
        SEC_E_NO_AUTHENTICATING_AUTHORITY,
        `RPC connection to ${this.where} is closed`,
      ),
    );
  }

  #fail(e: SspiError): void {
    if (this.#failure) return;
    this.#failure = e;
    try {
      this.#stream.close();
    } catch { /* already closed */ }
  }

  /** Runs one exchange under the timeout; any failure but a fault ends the connection. */
  async #run<T>(opnum: number | null, work: () => Promise<T>): Promise<T> {
    if (this.#failure) throw this.#failure;
    const what = opnum === null ? "bind" : `operation ${opnum}`;
    try {
      return await bounded(work(), this.#timeoutMs, this.where, what, () => {
        this.#fail(unreachable(this.where, new Error(`${what} timed out`)));
      });
    } catch (e) {
      if (!(e instanceof RpcFaultError) || opnum === null) {
        this.#fail(
          e instanceof SspiError ? e : new SspiError(
            SEC_E_NO_AUTHENTICATING_AUTHORITY,
            `RPC connection to ${this.where} was closed after an error`,
            { cause: e },
          ),
        );
      }
      throw e;
    }
  }

  async #bind(iface: SyntaxId): Promise<void> {
    const auth = this.#auth;
    const callId = this.#callId++;
    const contexts = [{
      contextId: CONTEXT_ID,
      abstractSyntax: iface,
      transferSyntaxes: [NDR20_SYNTAX],
    }];
    const offer = auth?.offersHeaderSigning ? PFC_SUPPORT_HEADER_SIGN : 0;
    const ack = await this.#bindLeg(
      PTYPE_BIND,
      callId,
      offer,
      contexts,
      auth ? await auth.bindToken() : null,
    );
    if (ack.type === PTYPE_BIND_NAK) throw bindNakError(ack.reason, this.where);
    const [r] = ack.results;
    const name = `${iface.uuid} v${iface.version.join(".")}`;
    if (r.result !== 0) {
      throw contextRejectedError(r.reason, name, this.where);
    }
    if (r.transferSyntax.uuid !== NDR20_SYNTAX.uuid) {
      throw invalid(`${this.where} accepted a transfer syntax other than NDR`);
    }
    this.#sendFrag = Math.min(this.#maxFrag, ack.maxRecvFrag);
    if (!auth) return this.#checkFragments(ack.maxRecvFrag);
    const bind = { headerSigning: !!(ack.flags & offer) };
    let reply: Uint8Array = this.#verifierOf(ack);
    // More legs (MS-RPCE 3.3.1.5.2): alter_context while the provider needs the
    // server's answer, then rpc_auth_3 (call_id of the bind) for its last token.
    for (let legs = 0;; legs++) {
      const leg = await auth.bindAck(reply, bind);
      if (!leg) break;
      if (leg.last) {
        this.#unconfirmed = true;
        await writeAll(
          this.#stream,
          encodePdu({
            type: PTYPE_AUTH3,
            flags: PFC_FIRST_FRAG | PFC_LAST_FRAG,
            callId,
            auth: this.#verifier(leg.token),
          }),
          this.where,
        );
        break;
      }
      if (legs >= MAX_LEGS) {
        throw invalid(`${this.where} kept the authentication going`);
      }
      const resp = await this.#alterLeg(contexts, leg.token);
      if (resp.results[0].result) {
        throw invalid(`${this.where} did not answer an alter_context`);
      }
      reply = this.#verifierOf(resp);
    }
    this.#checkFragments(ack.maxRecvFrag);
  }

  /** An alter_context and its alter_context_resp. */
  async #alterLeg(
    contexts: BindPdu["contexts"],
    token: Uint8Array | null,
  ): Promise<BindAckPdu> {
    const callId = this.#callId++;
    // #bindLeg answers an alter_context with an alter_context_resp only.
    return await this.#bindLeg(
      PTYPE_ALTER_CONTEXT,
      callId,
      0,
      contexts,
      token,
    ) as BindAckPdu;
  }

  /** Sends a bind or alter_context and reads its answer (a bind_nak only for a bind). */
  async #bindLeg(
    type: typeof PTYPE_BIND | typeof PTYPE_ALTER_CONTEXT,
    callId: number,
    flags: number,
    contexts: BindPdu["contexts"],
    token: Uint8Array | null,
  ): Promise<BindAckPdu | BindNakPdu> {
    const pdu = encodePdu({
      type,
      flags: PFC_FIRST_FRAG | PFC_LAST_FRAG | flags,
      callId,
      maxXmitFrag: this.#maxFrag,
      maxRecvFrag: this.#maxFrag,
      assocGroupId: 0,
      contexts,
      auth: token && this.#verifier(token),
    });
    await writeAll(this.#stream, pdu, this.where);
    const [ack] = await this.#readPdu(callId);
    if (ack.type === PTYPE_FAULT) {
      if (ack.status === RPC_S_ACCESS_DENIED && token) {
        throw new SspiError(
          SEC_E_LOGON_DENIED,
          `RPC server ${this.where} refused the authentication (rpc_s_access_denied)`,
        );
      }
      throw new RpcFaultError(ack.status, this.where, null);
    }
    const answer = type === PTYPE_BIND
      ? PTYPE_BIND_ACK
      : PTYPE_ALTER_CONTEXT_RESP;
    if (
      (ack.type !== answer &&
        !(ack.type === PTYPE_BIND_NAK && type === PTYPE_BIND)) ||
      (ack.type !== PTYPE_BIND_NAK && ack.results.length < 1)
    ) {
      throw invalid(
        `${this.where} did not answer the ${what(type)} as it should`,
      );
    }
    return ack as BindAckPdu | BindNakPdu;
  }

  /** The auth verifier of a bind leg carrying `token`. */
  #verifier(token: Uint8Array): AuthVerifier {
    const auth = this.#auth!;
    return {
      authType: auth.authType,
      authLevel: auth.authLevel,
      padLength: 0,
      contextId: AUTH_CONTEXT_ID,
      value: token,
    };
  }

  /** The server's token in a bind_ack or alter_context_resp, checked against ours. */
  #verifierOf(ack: BindAckPdu): Uint8Array {
    const auth = this.#auth!;
    if (
      !ack.auth || ack.auth.authType !== auth.authType ||
      ack.auth.authLevel !== auth.authLevel ||
      ack.auth.contextId !== AUTH_CONTEXT_ID
    ) {
      throw new SspiError(
        SEC_E_LOGON_DENIED,
        `RPC server ${this.where} did not accept authentication type ${auth.authType}`,
      );
    }
    return ack.auth.value;
  }

  /** Fails when the negotiated fragments cannot hold a request's overhead. */
  #checkFragments(serverMax: number): void {
    const auth = this.#auth;
    const overhead = REQUEST_HEADER_SIZE +
      (auth ? SEC_TRAILER_SIZE + auth.signatureSize : 0);
    if (this.#sendFrag < overhead + AUTH_PAD_ALIGNMENT) {
      throw invalid(`${this.where} accepts fragments of ${serverMax} bytes`);
    }
  }

  async #exchange(
    opnum: number,
    stub: Uint8Array,
    context: number,
  ): Promise<Uint8Array> {
    const callId = this.#callId++;
    for (
      const pdu of requestFragments(
        callId,
        opnum,
        stub,
        this.#sendFrag,
        this.#auth,
        context,
      )
    ) {
      await writeAll(this.#stream, pdu, this.where);
    }
    const parts: Uint8Array[] = [];
    let size = 0;
    let wire = 0;
    for (let first = true;; first = false) {
      const [pdu, raw] = await this.#readPdu(callId);
      wire += RPC_HEADER_SIZE;
      if (pdu.type === PTYPE_FAULT) {
        if (this.#unconfirmed && REFUSALS.has(pdu.status >>> 0)) {
          // The server never answers an rpc_auth_3: a refused logon shows as a
          // fault of the first call (Samba: nca_s_proto_error, Windows:
          // rpc_s_access_denied), and the connection is of no more use.
          throw new SspiError(
            SEC_E_LOGON_DENIED,
            `RPC server ${this.where} refused the authentication of the bind (${
              faultName(pdu.status)
            } to the first call)`,
          );
        }
        throw new RpcFaultError(pdu.status, this.where, opnum);
      }
      this.#unconfirmed = false;
      if (pdu.type !== PTYPE_RESPONSE) {
        throw invalid(
          `${this.where} answered a request with PDU type ${pdu.type}`,
        );
      }
      if (!!(pdu.flags & PFC_FIRST_FRAG) !== first) {
        throw invalid(`${this.where} sent response fragments out of order`);
      }
      const data = this.#unprotect(pdu, raw, context);
      size += data.length;
      wire += pdu.stub.length;
      if (size > this.#maxResponse || wire > 2 * this.#maxResponse) {
        throw invalid(
          `${this.where} sent a response over ${this.#maxResponse} bytes`,
        );
      }
      parts.push(data);
      if (pdu.flags & PFC_LAST_FRAG) break;
    }
    return parts.length === 1 ? parts[0] : concat(...parts);
  }

  /** A response fragment's stub data, checked (and unsealed) by the provider. */
  #unprotect(pdu: ResponsePdu, raw: Uint8Array, context: number): Uint8Array {
    const auth = this.#auth;
    if (pdu.contextId !== context) {
      throw invalid(`${this.where} answered for context ${pdu.contextId}`);
    }
    if (!auth) {
      if (pdu.auth) {
        throw invalid(`${this.where} sent an unexpected auth verifier`);
      }
      return pdu.stub;
    }
    const v = pdu.auth;
    if (
      !v || v.authType !== auth.authType || v.authLevel !== auth.authLevel ||
      v.contextId !== AUTH_CONTEXT_ID
    ) {
      throw new SspiError(
        SEC_E_MESSAGE_ALTERED,
        `RPC response from ${this.where} is not protected as negotiated`,
      );
    }
    auth.unprotect(
      pdu.stub,
      v.value,
      raw.subarray(0, raw.length - v.value.length),
    );
    return pdu.stub.subarray(0, pdu.stub.length - v.padLength);
  }

  /** Reads one PDU of call `callId`: decoded (its stub a view into it) and as read. */
  async #readPdu(callId: number): Promise<[Pdu, Uint8Array]> {
    const head = new Uint8Array(RPC_HEADER_SIZE);
    await readFull(this.#stream, head, this.where);
    const pdu = new Uint8Array(decodeHeader(head).fragLength);
    pdu.set(head);
    await readFull(this.#stream, pdu.subarray(RPC_HEADER_SIZE), this.where);
    const decoded = decodePdu(pdu);
    if (decoded.callId !== callId) {
      throw invalid(
        `${this.where} answered call ${decoded.callId}, not ${callId}`,
      );
    }
    return [decoded, pdu];
  }
}

/** Faults that, answering the first call after an rpc_auth_3, refuse its logon. */
const REFUSALS: ReadonlySet<number> = new Set([
  RPC_S_ACCESS_DENIED,
  NCA_S_PROTO_ERROR,
]);

/** Bind legs after the first the client goes along with (Negotiate needs two). */
const MAX_LEGS = 8;

function what(type: number): string {
  return type === PTYPE_BIND ? "bind" : "alter_context";
}

function invalid(message: string): SspiError {
  return new SspiError(SEC_E_INVALID_TOKEN, `RPC server ${message}`);
}
