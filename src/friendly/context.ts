/**
 * The friendly layer: `client()`/`server()` contexts with `step(token)`, `wrap`/`unwrap`
 * and `sign`/`verify` (pyspnego's shape) over the SSPI functions. Failures throw
 * `SspiError` carrying the SSPI status.
 *
 * @module
 */
import type { KdcOption } from "../packages/kerberos/mod.ts";
import type {
  AcceptSecurityContext,
  InitializeSecurityContext,
} from "../sspi/api.ts";
import { portableTable } from "../sspi/table.ts";
import {
  type AttributeOut,
  SecBuffer,
  SecBufferDesc,
  secChannelBindings,
} from "../sspi/buffers.ts";
import { lastErrorDetail } from "../sspi/_dispatch.ts";
import { concat } from "../util/bytes.ts";
import { SspiError } from "../sspi/errors.ts";
import {
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_CONNECTION,
  ASC_REQ_INTEGRITY,
  ASC_REQ_REPLAY_DETECT,
  ASC_REQ_SEQUENCE_DETECT,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_SEQUENCE_DETECT,
  ISC_RET_CONFIDENTIALITY,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_DATA,
  SECBUFFER_PADDING,
  SECBUFFER_STREAM,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_PACKAGE_INFO,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
} from "../sspi/flags.ts";
import { CredHandle, CtxtHandle } from "../sspi/handles.ts";
import type {
  SecPkgContext_Names,
  SecPkgContext_SessionKey,
  SecPkgContext_Sizes,
} from "../sspi/attributes.ts";
import type { SecurityFunctionTable } from "../native/function_table.ts";
import {
  isFailure,
  SEC_E_OK,
  SEC_I_COMPLETE_AND_CONTINUE,
  SEC_I_COMPLETE_NEEDED,
  SEC_I_CONTINUE_NEEDED,
} from "../sspi/status.ts";

/** Options of `client()`. */
export interface ClientOptions {
  /** The package (`"NTLM"`, `"Negotiate"`...). Default `"NTLM"`. */
  package?: string;
  /** The user (or `DOMAIN\user`). Omit all three for the default credentials. */
  username?: string;
  /** The domain. */
  domain?: string;
  /** The password. */
  password?: string;
  /**
   * Kerberos (alone or through Negotiate): the realm's KDCs (`host[:port]`, or an
   * MS-KKDCP proxy's `https://` URL), tried in order, or an object mapping realms
   * to their KDCs for cross-realm trusts; default the `kdc` lines of `krb5.conf`.
   * Without either, Negotiate uses NTLM only.
   */
  kdc?: KdcOption;
  /**
   * Kerberos: the service ticket lifetime to ask the KDC for, in seconds
   * (default 10 hours; `TicketLifetimeSeconds` of the auth data).
   */
  ticketLifetimeSeconds?: number;
  /** The full `pAuthData` instead of username/domain/password. */
  authData?: unknown;
  /** The target SPN, e.g. `HTTP/web.contoso.com`. */
  target?: string;
  /**
   * `ISC_REQ_*`; default connection, integrity, replay, sequence, confidentiality and
   * mutual authentication (which Kerberos answers with an AP-REP; NTLM has none).
   */
  flags?: number;
  /** Channel binding application data (e.g. `tls-server-end-point:` + hash). */
  channelBindings?: Uint8Array;
  /**
   * The SSPI to call (`InitSecurityInterface(...)`): default the portable one; the
   * native table on Windows gives single sign-on as the logged-on user when no
   * credentials are given.
   */
  sspi?: SecurityFunctionTable;
}

/** Options of `server()`. */
export interface ServerOptions {
  /** The package. Default `"NTLM"`. */
  package?: string;
  /** `pAuthData` of the inbound credential (for NTLM: `{ users }`, `{ lookup }`...). */
  authData?: unknown;
  /** `ASC_REQ_*`; default connection, integrity, replay, sequence and confidentiality. */
  flags?: number;
  /** Channel binding application data the client must match. */
  channelBindings?: Uint8Array;
  /** The SSPI to call (`InitSecurityInterface(...)`); default the portable one. */
  sspi?: SecurityFunctionTable;
}

function check(status: number, what: string): number {
  if (isFailure(status)) {
    const d = lastErrorDetail();
    throw new SspiError(
      status,
      d && d.status === status ? d.message : `${what} failed`,
    );
  }
  return status;
}

const ISC_DEFAULT = ISC_REQ_CONNECTION | ISC_REQ_INTEGRITY |
  ISC_REQ_REPLAY_DETECT | ISC_REQ_MUTUAL_AUTH |
  ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONFIDENTIALITY;
const ASC_DEFAULT = ASC_REQ_CONNECTION | ASC_REQ_INTEGRITY |
  ASC_REQ_REPLAY_DETECT |
  ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONFIDENTIALITY;

/** A security context of the friendly layer (client or server). */
export class SecurityContext {
  readonly #role: "initiate" | "accept";
  readonly #cred = new CredHandle();
  readonly #ctx = new CtxtHandle();
  readonly #flags: number;
  readonly #target: string | null;
  readonly #cb: Uint8Array | null;
  readonly #t: SecurityFunctionTable;
  #started = false;
  #complete = false;
  /**
   * Message sequence numbers passed as `MessageSeqNo`: connection-mode packages keep
   * their own (the portable ones do), WinPR 2 signs and checks with these.
   */
  #seqOut = 0;
  #seqIn = 0;
  #trailer = 16;
  /** True when `unwrap` hands the package whole tokens (`SECBUFFER_STREAM`). */
  #stream = false;
  /** The `pfContextAttr` of the last step. */
  contextAttributes = 0;

  /** @internal Use `client()` or `server()`. */
  constructor(
    role: "initiate" | "accept",
    pkg: string,
    authData: unknown,
    flags: number,
    target: string | null,
    channelBindings: Uint8Array | undefined,
    sspi: SecurityFunctionTable = portableTable(),
  ) {
    this.#role = role;
    this.#t = sspi;
    this.#flags = flags |
      (role === "initiate" ? ISC_REQ_ALLOCATE_MEMORY : ASC_REQ_ALLOCATE_MEMORY);
    this.#target = target;
    this.#cb = channelBindings ? secChannelBindings(channelBindings) : null;
    check(
      this.#t.AcquireCredentialsHandle(
        null,
        pkg,
        role === "initiate" ? SECPKG_CRED_OUTBOUND : SECPKG_CRED_INBOUND,
        null,
        authData,
        null,
        null,
        this.#cred,
        null,
      ),
      "AcquireCredentialsHandle",
    );
  }

  /** True once the handshake completed. */
  get complete(): boolean {
    return this.#complete;
  }

  /**
   * This side's handshake call for `token`, as the parameters of
   * InitializeSecurityContext (`isc`) or AcceptSecurityContext (`asc`) in Win32
   * order, which the sync and async forms share.
   */
  #call(token: Uint8Array | null): {
    isc?: Parameters<typeof InitializeSecurityContext>;
    asc?: Parameters<typeof AcceptSecurityContext>;
    output: SecBufferDesc;
    attrs: { value: number };
  } {
    const bufs = [];
    if (token) bufs.push(new SecBuffer(SECBUFFER_TOKEN, token));
    // With every call, the first included (Kerberos binds its AP-REQ there).
    if (this.#cb) {
      bufs.push(new SecBuffer(SECBUFFER_CHANNEL_BINDINGS, this.#cb));
    }
    const input = bufs.length ? new SecBufferDesc(bufs) : null;
    const output = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
    const attrs = { value: 0 };
    const ctx = this.#started ? this.#ctx : null;
    const rep = SECURITY_NATIVE_DREP;
    return this.#role === "initiate"
      ? {
        isc: [
          this.#cred,
          ctx,
          this.#target,
          this.#flags,
          0,
          rep,
          input,
          0,
          this.#ctx,
          output,
          attrs,
          null,
        ],
        output,
        attrs,
      }
      : {
        asc: [
          this.#cred,
          ctx,
          input,
          this.#flags,
          rep,
          this.#ctx,
          output,
          attrs,
          null,
        ],
        output,
        attrs,
      };
  }

  #after(
    status: number,
    output: SecBufferDesc,
    attrs: number,
  ): Uint8Array | null {
    check(
      status,
      this.#role === "initiate"
        ? "InitializeSecurityContext"
        : "AcceptSecurityContext",
    );
    this.#started = true;
    this.contextAttributes = attrs;
    if (
      status === SEC_I_COMPLETE_NEEDED || status === SEC_I_COMPLETE_AND_CONTINUE
    ) {
      // The caller must complete the token (WinPR's NTLM acceptor checks the
      // logon there).
      check(
        this.#t.CompleteAuthToken(this.#ctx, output),
        "CompleteAuthToken",
      );
    }
    if (status === SEC_E_OK || status === SEC_I_COMPLETE_NEEDED) {
      this.#complete = true;
      const sizes: AttributeOut<SecPkgContext_Sizes> = {};
      if (
        this.#t.QueryContextAttributes(this.#ctx, SECPKG_ATTR_SIZES, sizes) ===
          SEC_E_OK
      ) {
        this.#trailer = sizes.value!.cbSecurityTrailer;
      }
      // Kerberos peers (GSS-API) send whole Wrap tokens whose layout varies: those
      // are opened as a SECBUFFER_STREAM, as on Windows.
      const info: AttributeOut<{ PackageInfo: { Name: string } }> = {};
      this.#stream = this.#t.QueryContextAttributes(
            this.#ctx,
            SECPKG_ATTR_PACKAGE_INFO,
            info,
          ) === SEC_E_OK && info.value?.PackageInfo?.Name === "Kerberos";
    } else if (
      status !== SEC_I_CONTINUE_NEEDED && status !== SEC_I_COMPLETE_AND_CONTINUE
    ) {
      this.#complete = true;
    }
    const out = output.pBuffers[0];
    return out.pvBuffer && out.cbBuffer
      ? out.pvBuffer.subarray(0, out.cbBuffer)
      : null;
  }

  /**
   * Runs one handshake step with the peer's token (null for a client's first call) and
   * returns the token to send, or null when there is none.
   *
   * @example
   * ```ts
   * import { client, server } from "../../mod.ts";
   * const c = client({ username: "alice", domain: "EXAMPLE", password: "pw", target: "HTTP/web" });
   * const s = server({ authData: { users: [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }] } });
   * let token = c.step(null);
   * while (!(c.complete && s.complete)) {
   *   token = s.step(token!);
   *   if (token) token = c.step(token);
   * }
   * const sealed = c.wrap(new TextEncoder().encode("hi"));
   * console.log(new TextDecoder().decode(s.unwrap(sealed)));
   * ```
   */
  step(token: Uint8Array | null): Uint8Array | null {
    const c = this.#call(token);
    const status = c.isc
      ? this.#t.InitializeSecurityContext(...c.isc)
      : this.#t.AcceptSecurityContext(...c.asc!);
    return this.#after(status, c.output, c.attrs.value);
  }

  /** `step` through the `Sspi*Async` functions (for packages or user stores that wait). */
  async stepAsync(token: Uint8Array | null): Promise<Uint8Array | null> {
    const c = this.#call(token);
    const actx = this.#t.SspiCreateAsyncContext();
    try {
      const q = c.isc
        ? this.#t.SspiInitializeSecurityContextAsync(actx, ...c.isc)
        : this.#t.SspiAcceptSecurityContextAsync(actx, ...c.asc!);
      check(q, "queueing the async call");
      return this.#after(
        await this.#t.SspiWaitForAsyncCall(actx),
        c.output,
        c.attrs.value,
      );
    } finally {
      this.#t.SspiFreeAsyncContext(actx);
    }
  }

  /**
   * Seals `data`: returns the signature followed by the encrypted bytes. With
   * `encrypt` false it only signs (`SECQOP_WRAP_NO_ENCRYPT`). Asking to encrypt on
   * a context granted no confidentiality is the package's call, never a silent
   * downgrade to clear text: NTLM seals anyway, as Windows' does (and as AD's LDAP
   * server expects of a client that asked only for signing); a package that cannot
   * seal throws its status (`SEC_E_UNSUPPORTED_FUNCTION`).
   */
  wrap(data: Uint8Array, encrypt = true): Uint8Array {
    const out = new Uint8Array(this.#trailer + data.length);
    out.set(data, this.#trailer);
    // Kerberos with rc4-hmac (RFC 4757) puts a padding byte after the data.
    const pad = this.#stream
      ? new SecBuffer(SECBUFFER_PADDING, new Uint8Array(8))
      : null;
    const msg = new SecBufferDesc([
      new SecBuffer(SECBUFFER_TOKEN, out.subarray(0, this.#trailer)),
      new SecBuffer(SECBUFFER_DATA, out.subarray(this.#trailer)),
      ...(pad ? [pad] : []),
    ]);
    check(
      this.#t.EncryptMessage(
        this.#ctx,
        encrypt ? 0 : 0x80000001,
        msg,
        this.#seqOut,
      ),
      "EncryptMessage",
    );
    this.#seqOut++;
    // A signature-only token may be shorter than the trailer (Kerberos: 28 of 60).
    const n = msg.pBuffers[0].cbBuffer;
    const sealed = n < this.#trailer
      ? concat(out.subarray(0, n), msg.pBuffers[1].pvBuffer!)
      : out;
    return pad && pad.cbBuffer > 0
      ? concat(sealed, pad.pvBuffer!.subarray(0, pad.cbBuffer))
      : sealed;
  }

  /**
   * Opens what the peer's `wrap` produced; throws `SspiError` when altered or
   * replayed. On a context granted no confidentiality the peer can only have signed
   * (as GSS-API's `gss_wrap` does then, and Samba and gss-ntlmssp), so the
   * signature is checked and the data returned as it came.
   */
  unwrap(data: Uint8Array): Uint8Array {
    if (this.#stream) return this.#unwrapStream(data);
    if (data.length < this.#trailer) {
      throw new SspiError(
        0x80090308,
        "wrapped message shorter than its trailer",
      );
    }
    const copy = data.slice();
    const sig = copy.subarray(0, this.#trailer);
    const body = copy.subarray(this.#trailer);
    // ASC_RET_CONFIDENTIALITY is the same bit.
    if (!(this.contextAttributes & ISC_RET_CONFIDENTIALITY)) {
      const signed = new SecBufferDesc([
        new SecBuffer(SECBUFFER_DATA, body),
        new SecBuffer(SECBUFFER_TOKEN, sig),
      ]);
      check(
        this.#t.VerifySignature(this.#ctx, signed, this.#seqIn, { value: 0 }),
        "VerifySignature",
      );
      this.#seqIn++;
      return body;
    }
    const msg = new SecBufferDesc([
      new SecBuffer(SECBUFFER_TOKEN, sig),
      new SecBuffer(SECBUFFER_DATA, body),
    ]);
    check(
      this.#t.DecryptMessage(this.#ctx, msg, this.#seqIn, { value: 0 }),
      "DecryptMessage",
    );
    this.#seqIn++;
    return body;
  }

  /** `unwrap` of a whole token through a `SECBUFFER_STREAM`. */
  #unwrapStream(data: Uint8Array): Uint8Array {
    const out = new SecBuffer(SECBUFFER_DATA, null);
    const msg = new SecBufferDesc([
      new SecBuffer(SECBUFFER_STREAM, data.slice()),
      out,
    ]);
    check(
      this.#t.DecryptMessage(this.#ctx, msg, this.#seqIn, { value: 0 }),
      "DecryptMessage",
    );
    this.#seqIn++;
    return out.pvBuffer!.subarray(0, out.cbBuffer);
  }

  /** The signature (MIC) of `data`. */
  sign(data: Uint8Array): Uint8Array {
    const sig = new Uint8Array(this.#trailer);
    const msg = new SecBufferDesc([
      new SecBuffer(SECBUFFER_DATA, data),
      new SecBuffer(SECBUFFER_TOKEN, sig),
    ]);
    check(
      this.#t.MakeSignature(this.#ctx, 0, msg, this.#seqOut),
      "MakeSignature",
    );
    this.#seqOut++;
    return sig.subarray(0, msg.pBuffers[1].cbBuffer);
  }

  /** Verifies the peer's signature of `data`; throws `SspiError` when it does not match. */
  verify(data: Uint8Array, signature: Uint8Array): void {
    const msg = new SecBufferDesc([
      new SecBuffer(SECBUFFER_DATA, data),
      new SecBuffer(SECBUFFER_TOKEN, signature),
    ]);
    check(
      this.#t.VerifySignature(this.#ctx, msg, this.#seqIn, { value: 0 }),
      "VerifySignature",
    );
    this.#seqIn++;
  }

  /** The exported session key (a copy). */
  get sessionKey(): Uint8Array {
    const out: AttributeOut<SecPkgContext_SessionKey> = {};
    check(
      this.#t.QueryContextAttributes(this.#ctx, SECPKG_ATTR_SESSION_KEY, out),
      "QueryContextAttributes",
    );
    return out.value!.SessionKey;
  }

  /** The authenticated client's name, `DOMAIN\user`. */
  get clientName(): string {
    const out: AttributeOut<SecPkgContext_Names> = {};
    check(
      this.#t.QueryContextAttributes(this.#ctx, SECPKG_ATTR_NAMES, out),
      "QueryContextAttributes",
    );
    return out.value!.sUserName;
  }

  /** The underlying handles, for the Win32-shaped functions. */
  get handles(): { credential: CredHandle; context: CtxtHandle } {
    return { credential: this.#cred, context: this.#ctx };
  }

  /** Deletes the context (wiping its keys) and frees the credential. */
  dispose(): void {
    if (this.#started) this.#t.DeleteSecurityContext(this.#ctx);
    this.#t.FreeCredentialsHandle(this.#cred);
    this.#started = false;
  }

  /** `using` support. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * A client context: `step()` produces the first token.
 *
 * @example
 * ```ts
 * import { client } from "../../mod.ts";
 * const c = client({ username: "alice", domain: "EXAMPLE", password: "pw", target: "HTTP/web" });
 * const negotiate = c.step(null);
 * ```
 */
export function client(options: ClientOptions = {}): SecurityContext {
  const authData = options.authData ??
    (options.username !== undefined || options.password !== undefined
      ? {
        User: options.username ?? "",
        Domain: options.domain ?? "",
        Password: options.password ?? "",
        ...(options.kdc !== undefined ? { Kdc: options.kdc } : {}),
        ...(options.ticketLifetimeSeconds !== undefined
          ? { TicketLifetimeSeconds: options.ticketLifetimeSeconds }
          : {}),
      }
      : null);
  return new SecurityContext(
    "initiate",
    options.package ?? "NTLM",
    authData,
    options.flags ?? ISC_DEFAULT,
    options.target ?? null,
    options.channelBindings,
    options.sspi,
  );
}

/**
 * A server context: `step(token)` answers each client token.
 *
 * @example
 * ```ts
 * import { server } from "../../mod.ts";
 * const s = server({ authData: { users: [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }] } });
 * ```
 */
export function server(options: ServerOptions = {}): SecurityContext {
  return new SecurityContext(
    "accept",
    options.package ?? "NTLM",
    options.authData ?? null,
    options.flags ?? ASC_DEFAULT,
    null,
    options.channelBindings,
    options.sspi,
  );
}
