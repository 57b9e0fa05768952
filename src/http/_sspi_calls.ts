/**
 * The SSPI calls the HTTP helpers make, with the buffer layouts of each package:
 * token-only for NTLM/Negotiate, and WDigest's HTTP mapping (token, method, URI/body
 * as `SECBUFFER_PKG_PARAMS`).
 *
 * @module
 */
import {
  AcquireCredentialsHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  InitializeSecurityContext,
  QueryContextAttributes,
} from "../sspi/api.ts";
import {
  SspiAcceptSecurityContextAsync,
  SspiCreateAsyncContext,
  SspiFreeAsyncContext,
  SspiWaitForAsyncCall,
} from "../sspi/async.ts";
import {
  type AttributeOut,
  SecBuffer,
  SecBufferDesc,
} from "../sspi/buffers.ts";
import { lastErrorDetail } from "../sspi/_dispatch.ts";
import {
  type PacLogonInfo,
  SECPKG_ATTR_PAC_LOGON_INFO,
} from "../packages/kerberos/pac.ts";
import { SspiError } from "../sspi/errors.ts";
import {
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_CONNECTION,
  ASC_REQ_MUTUAL_AUTH,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_HTTP,
  ISC_REQ_MUTUAL_AUTH,
  SECBUFFER_PKG_PARAMS,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
  SECPKG_ATTR_NAMES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
} from "../sspi/flags.ts";
import type {
  SecPkgContext_ClientSpecifiedTarget,
  SecPkgContext_Names,
} from "../sspi/attributes.ts";
import { CredHandle, CtxtHandle } from "../sspi/handles.ts";
import { isFailure, SEC_E_OK } from "../sspi/status.ts";

/** `ASC_REQ_HTTP` of the WDigest package (0x10000000). */
export const ASC_REQ_HTTP_DIGEST = 0x10000000;

const te = new TextEncoder();
const td = new TextDecoder();

/** The result of one ISC/ASC call. */
export interface CallResult {
  /** The SSPI status. */
  status: number;
  /** The output token, or null. */
  token: Uint8Array | null;
}

/** Acquires a credential; throws `SspiError` on failure. */
export function acquire(
  pkg: string,
  inbound: boolean,
  authData: unknown,
): CredHandle {
  const cred = new CredHandle();
  const s = AcquireCredentialsHandle(
    null,
    pkg,
    inbound ? SECPKG_CRED_INBOUND : SECPKG_CRED_OUTBOUND,
    null,
    authData,
    null,
    null,
    cred,
    null,
  );
  if (isFailure(s)) throw errorOf(s, `AcquireCredentialsHandle(${pkg})`);
  return cred;
}

/** An `SspiError` for a failed status, with the dispatcher's sentence when it has one. */
export function errorOf(status: number, what: string): SspiError {
  const d = lastErrorDetail();
  return new SspiError(
    status,
    d && d.status === status ? d.message : `${what} failed`,
  );
}

function outToken(out: SecBufferDesc): Uint8Array | null {
  const b = out.pBuffers[0];
  return b.pvBuffer && b.cbBuffer ? b.pvBuffer.subarray(0, b.cbBuffer) : null;
}

/** One server context (any package) and its state. */
export class ServerContext {
  /** The context handle. */
  readonly ctx = new CtxtHandle();
  #started = false;

  /** True after the first call. */
  get started(): boolean {
    return this.#started;
  }

  /** `AcceptSecurityContext` (through the async form, so async user lookups work). */
  async accept(
    cred: CredHandle,
    buffers: SecBuffer[],
    flags: number,
  ): Promise<CallResult> {
    const input = buffers.length ? new SecBufferDesc(buffers) : null;
    const output = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
    const actx = SspiCreateAsyncContext();
    let status: number;
    try {
      const q = SspiAcceptSecurityContextAsync(
        actx,
        cred,
        this.#started ? this.ctx : null,
        input,
        flags | ASC_REQ_ALLOCATE_MEMORY,
        SECURITY_NATIVE_DREP,
        this.ctx,
        output,
        { value: 0 },
        null,
      );
      status = isFailure(q) ? q : await SspiWaitForAsyncCall(actx);
    } finally {
      SspiFreeAsyncContext(actx);
    }
    if (!isFailure(status)) this.#started = true;
    return { status, token: outToken(output) };
  }

  /** The authenticated client's name (`DOMAIN\user` or `user`). */
  clientName(): string {
    const out: AttributeOut<SecPkgContext_Names> = {};
    const s = QueryContextAttributes(this.ctx, SECPKG_ATTR_NAMES, out);
    return s === SEC_E_OK ? out.value!.sUserName : "";
  }

  /** The SPN the client named (`SECPKG_ATTR_CLIENT_SPECIFIED_TARGET`), or null. */
  clientTarget(): string | null {
    const out: AttributeOut<SecPkgContext_ClientSpecifiedTarget> = {};
    const s = QueryContextAttributes(
      this.ctx,
      SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
      out,
    );
    return s === SEC_E_OK ? out.value!.sTargetName : null;
  }

  /**
   * The client's logon information from its Kerberos ticket's PAC
   * (`SECPKG_ATTR_PAC_LOGON_INFO`: SIDs, groups, UPN), or undefined without one.
   */
  logonInfo(): Readonly<PacLogonInfo> | undefined {
    const out: { value?: unknown } = {};
    const s = QueryContextAttributes(this.ctx, SECPKG_ATTR_PAC_LOGON_INFO, out);
    return s === SEC_E_OK ? out.value as PacLogonInfo : undefined;
  }

  /** Deletes the context (idempotent). */
  dispose(): void {
    if (this.#started) DeleteSecurityContext(this.ctx);
    this.#started = false;
  }
}

/** The flags the HTTP server asks of connection-bound packages. */
export const ASC_CONNECTION_FLAGS = ASC_REQ_CONNECTION | ASC_REQ_MUTUAL_AUTH;

/** The Digest server's input buffers: `[Authorization, method, uri, body?]`. */
export function digestServerInput(
  authorization: string | null,
  method: string,
  uri: string,
  body: Uint8Array | null,
): SecBuffer[] {
  if (authorization === null) return [];
  const b = [
    new SecBuffer(SECBUFFER_TOKEN, te.encode(authorization)),
    new SecBuffer(SECBUFFER_PKG_PARAMS, te.encode(method)),
    new SecBuffer(SECBUFFER_PKG_PARAMS, te.encode(uri)),
  ];
  if (body) b.push(new SecBuffer(SECBUFFER_PKG_PARAMS, body));
  return b;
}

/** A WDigest client context for one request URI (HTTP mode, mutual auth). */
export class DigestClient {
  readonly #cred: CredHandle;
  readonly #ctx = new CtxtHandle();
  #started = false;

  /** Acquires the outbound credential. */
  constructor(user: string, domain: string, password: string) {
    this.#cred = acquire("WDigest", false, {
      User: user,
      Domain: domain,
      Password: password,
    });
  }

  /**
   * `InitializeSecurityContext` with `[token, method, body?]` and `uri` as the target;
   * returns the status and the output as text.
   */
  step(
    token: string,
    uri: string,
    method: string,
    body: Uint8Array | null,
  ): { status: number; value: string | null } {
    const bufs = [
      new SecBuffer(SECBUFFER_TOKEN, te.encode(token)),
      new SecBuffer(SECBUFFER_PKG_PARAMS, te.encode(method)),
    ];
    if (body) bufs.push(new SecBuffer(SECBUFFER_PKG_PARAMS, body));
    const output = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
    const status = InitializeSecurityContext(
      this.#cred,
      this.#started ? this.#ctx : null,
      uri,
      ISC_REQ_HTTP | ISC_REQ_MUTUAL_AUTH | ISC_REQ_ALLOCATE_MEMORY,
      0,
      SECURITY_NATIVE_DREP,
      new SecBufferDesc(bufs),
      0,
      this.#ctx,
      output,
      { value: 0 },
      null,
    );
    if (!isFailure(status)) this.#started = true;
    const t = outToken(output);
    return { status, value: t ? td.decode(t) : null };
  }

  /** Frees the context and credential. */
  dispose(): void {
    if (this.#started) DeleteSecurityContext(this.#ctx);
    this.#started = false;
    FreeCredentialsHandle(this.#cred);
  }
}
