/**
 * DCE/RPC authentication with an SSPI package (MS-RPCE 3.3.1.5.2): NTLM
 * (`RPC_C_AUTHN_WINNT`), Negotiate (`RPC_C_AUTHN_GSS_NEGOTIATE`) or Kerberos
 * (`RPC_C_AUTHN_GSS_KERBEROS`), as Windows' RPC runtime binds with them. The bind
 * carries the first token; a context that needs the server's answer continues in
 * `alter_context` PDUs, and a last token the server does not answer goes in an
 * `rpc_auth_3` (NTLM's AUTHENTICATE). Each request and response fragment is then
 * signed (`RPC_C_AUTHN_LEVEL_PKT_INTEGRITY`, `MakeSignature`) or sealed
 * (`RPC_C_AUTHN_LEVEL_PKT_PRIVACY`, `EncryptMessage`) with the stub as the
 * `SECBUFFER_DATA` and, when the server agreed to header signing, the PDU header and
 * `sec_trailer` as `SECBUFFER_READONLY_WITH_CHECKSUM` buffers.
 *
 * @module
 */
import {
  client,
  type ClientOptions,
  type SecurityContext,
} from "../friendly/context.ts";
import type { SecurityFunctionTable } from "../native/function_table.ts";
import { SspiError } from "../sspi/errors.ts";
import {
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_SEQUENCE_DETECT,
  ISC_REQ_USE_DCE_STYLE,
} from "../sspi/flags.ts";
import { portableTable } from "../sspi/table.ts";
import { SspiPduSecurity } from "./sspi_pdu.ts";
import { SEC_E_INTERNAL_ERROR, SEC_E_INVALID_TOKEN } from "../sspi/status.ts";
import {
  RPC_C_AUTHN_GSS_KERBEROS,
  RPC_C_AUTHN_GSS_NEGOTIATE,
  RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
  RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
  RPC_C_AUTHN_WINNT,
  type RpcAuth,
  type RpcAuthLeg,
  type RpcBindResult,
} from "./auth.ts";

/** The `auth_type` of each package. */
const AUTH_TYPES: Readonly<Record<string, number>> = {
  NTLM: RPC_C_AUTHN_WINNT,
  Negotiate: RPC_C_AUTHN_GSS_NEGOTIATE,
  Kerberos: RPC_C_AUTHN_GSS_KERBEROS,
};

/** Options of {@linkcode SspiRpcAuth}: the friendly client's, and the level. */
export interface SspiRpcAuthOptions extends Omit<ClientOptions, "flags"> {
  /** `"NTLM"`, `"Negotiate"` or `"Kerberos"` (default `"NTLM"`). */
  package?: string;
  /**
   * `RPC_C_AUTHN_LEVEL_PKT_PRIVACY` (6, the default: stubs sealed) or
   * `RPC_C_AUTHN_LEVEL_PKT_INTEGRITY` (5: signed).
   */
  level?: number;
  /**
   * Offer header signing in the bind (default true, as Windows does): the PDU header
   * and `sec_trailer` are then signed by every package.
   */
  headerSigning?: boolean;
  /**
   * The service's SPN for Kerberos and Negotiate (`host/dc1.example.com`); NTLM
   * sends it in its AUTHENTICATE message when given.
   */
  target?: string;
}

/**
 * An {@linkcode RpcAuth} over an SSPI client context: give it to
 * `RpcClient.connect` as `auth`. One instance authenticates one connection;
 * `dispose()` deletes its context (wiping its keys) once the connection is closed.
 *
 * @example
 * ```ts ignore
 * import { mapEndpoint, RpcClient, SspiRpcAuth } from "./mod.ts";
 * // SAMR, which Windows and Samba DCs serve over TCP to authenticated callers.
 * const iface = { uuid: "12345778-1234-abcd-ef00-0123456789ac", version: [1, 0] as const };
 * const port = await mapEndpoint("dc1.example.com", iface);
 * using auth = new SspiRpcAuth({
 *   package: "NTLM", username: "alice", domain: "EXAMPLE", password: "...",
 * });
 * const rpc = await RpcClient.connect({ host: "dc1.example.com", port, iface, auth });
 * try {
 *   const reply = await rpc.call(57, stub); // SamrConnect2, sealed both ways
 * } finally {
 *   rpc.close();
 * }
 * ```
 */
export class SspiRpcAuth implements RpcAuth {
  /** `auth_type`: 10 NTLM, 9 Negotiate, 16 Kerberos. */
  readonly authType: number;
  /** `auth_level`: 5 integrity or 6 privacy. */
  readonly authLevel: number;
  /** Whether the bind offers header signing (the `headerSigning` option). */
  readonly offersHeaderSigning: boolean;
  readonly #ctx: SecurityContext;
  readonly #t: SecurityFunctionTable;
  #headerSigning = false;
  /** The PDU protection, once the context is complete. */
  #pdus: SspiPduSecurity | null = null;

  /** Acquires the credential; throws `SspiError` as `AcquireCredentialsHandle` fails. */
  constructor(options: SspiRpcAuthOptions = {}) {
    const pkg = options.package ?? "NTLM";
    const type = AUTH_TYPES[pkg];
    if (type === undefined) {
      throw new TypeError(
        `RPC authentication needs NTLM, Negotiate or Kerberos, not ${pkg}`,
      );
    }
    const level = options.level ?? RPC_C_AUTHN_LEVEL_PKT_PRIVACY;
    if (
      level !== RPC_C_AUTHN_LEVEL_PKT_PRIVACY &&
      level !== RPC_C_AUTHN_LEVEL_PKT_INTEGRITY
    ) {
      throw new RangeError(
        `RPC authentication level must be 5 (integrity) or 6 (privacy), not ${level}`,
      );
    }
    this.authType = type;
    this.authLevel = level;
    this.offersHeaderSigning = options.headerSigning ?? true;
    this.#t = options.sspi ?? portableTable();
    this.#ctx = client({
      ...options,
      package: pkg,
      sspi: this.#t,
      flags: ISC_REQ_CONNECTION | ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY |
        ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT |
        (level === RPC_C_AUTHN_LEVEL_PKT_PRIVACY
          ? ISC_REQ_CONFIDENTIALITY
          : 0) |
        (type === RPC_C_AUTHN_WINNT ? 0 : ISC_REQ_USE_DCE_STYLE),
    });
  }

  /**
   * The `auth_value` size once the context is complete: `cbSecurityTrailer` when
   * sealing, `cbMaxSignature` when signing.
   */
  get signatureSize(): number {
    return this.#pdus?.signatureSize ?? 0;
  }

  /** The first token (`InitializeSecurityContext` without input). */
  async bindToken(): Promise<Uint8Array> {
    const token = await this.#ctx.stepAsync(null);
    if (!token) {
      throw new SspiError(
        SEC_E_INTERNAL_ERROR,
        "The security package made no first token for the RPC bind",
      );
    }
    return token;
  }

  /** Takes the server's token; returns the next leg, or null once complete. */
  async bindAck(
    token: Uint8Array,
    bind: RpcBindResult,
  ): Promise<RpcAuthLeg | null> {
    this.#headerSigning = bind.headerSigning;
    if (this.#ctx.complete) {
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "The RPC server sent a token after the security context was complete",
      );
    }
    const next = await this.#ctx.stepAsync(token);
    if (this.#ctx.complete) {
      this.#pdus = new SspiPduSecurity(
        this.#t,
        this.#ctx.handles.context,
        this.authLevel === RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
        this.#headerSigning,
      );
    }
    if (!next) {
      if (this.#ctx.complete) return null;
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        "The security package needs more from an RPC server that sent nothing",
      );
    }
    return { token: next, last: this.#ctx.complete };
  }

  /** Signs (or seals in place) one request fragment. */
  protect(data: Uint8Array, pdu: Uint8Array): Uint8Array {
    return this.#ready().protect(data, pdu);
  }

  /** Checks (and unseals in place) one response fragment. */
  unprotect(data: Uint8Array, signature: Uint8Array, pdu: Uint8Array): void {
    this.#ready().unprotect(data, signature, pdu);
  }

  /** Deletes the context (wiping its keys) and frees the credential. */
  dispose(): void {
    this.#ctx.dispose();
  }

  /** `using` support. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  #ready(): SspiPduSecurity {
    if (!this.#pdus) {
      throw new SspiError(
        SEC_E_INTERNAL_ERROR,
        "The RPC security context is not complete",
      );
    }
    return this.#pdus;
  }
}
