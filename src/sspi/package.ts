/**
 * The interface every security package implements. The dispatcher (`api.ts`) talks to
 * packages only through these shapes; Negotiate and CredSSP reach their inner packages
 * the same way.
 *
 * @module
 */
import type { SecBufferDesc } from "./buffers.ts";

/** `SecPkgInfo`: what `EnumerateSecurityPackages`/`QuerySecurityPackageInfo` return. */
export interface SecPkgInfo {
  /** `SECPKG_FLAG_*` capabilities. */
  fCapabilities: number;
  /** Package version. */
  wVersion: number;
  /** DCE RPC identifier. */
  wRPCID: number;
  /** Largest token the package produces. */
  cbMaxToken: number;
  /** The package name (`NTLM`, `Negotiate`, ...). */
  Name: string;
  /** A description. */
  Comment: string;
}

/** What `AcquireCredentialsHandle` hands a package. */
export interface AcquireRequest {
  /** `pszPrincipal`. */
  principal: string | null;
  /** `fCredentialUse` (`SECPKG_CRED_INBOUND`/`OUTBOUND`/`BOTH`). */
  use: number;
  /** `pAuthData`; each package documents what it accepts. */
  authData: unknown;
  /** True when called through the `Sspi*Async` form: the package may await I/O. */
  async: boolean;
}

/** A package's credential object, owned by the handle table. */
export interface PackageCredential {
  /** `fCredentialUse` it was acquired with. */
  readonly use: number;
  /** Expiry in `FILETIME` ticks. */
  readonly expiry: bigint;
  /** `QueryCredentialsAttributes`; returns a status and the structure. */
  queryAttribute?(attribute: number): AttributeResult;
  /**
   * `SetCredentialsAttributes`: a status, `SEC_E_UNSUPPORTED_FUNCTION` for an
   * attribute the package does not set; may throw an `SspiError` for a value it
   * refuses.
   */
  setAttribute?(attribute: number, value: unknown): number;
  /** Wipes secrets; called by `FreeCredentialsHandle`. */
  dispose(): void;
}

/** What `InitializeSecurityContext`/`AcceptSecurityContext` hand a package step. */
export interface StepRequest {
  /** `pszTargetName` (client side only). */
  target: string | null;
  /** `fContextReq`. */
  flags: number;
  /** `TargetDataRep`. */
  dataRep: number;
  /** `pInput` (may be null on the first client call). */
  input: SecBufferDesc | null;
  /** `pOutput`, for packages that read output buffer types (the token is returned). */
  output: SecBufferDesc | null;
  /** True in the async form: the step may return a Promise. */
  async: boolean;
  /**
   * The credential `phCredential` names on this call, when it is live and of the
   * context's package (the first call's is the context's own). A later call may
   * name another one: Schannel takes a client certificate from it after
   * `SEC_I_INCOMPLETE_CREDENTIALS`. Valid for this step only: a package must not
   * keep it (the caller may free it once the call returns).
   */
  credential?: PackageCredential;
  /**
   * Set by a wrapping package (Negotiate): the room to leave around the output token
   * so the wrapper can frame it in place instead of copying it. Packages may ignore
   * it; the wrapper checks what it got.
   */
  frame?: TokenFrame;
}

/**
 * Room around an inner package's output token: put a token of `n` bytes at offset
 * `head(n)` of a fresh array of `head(n) + n + tail` bytes and return the view of
 * the token (its `buffer` is that array's). Anything else is copied by the wrapper.
 */
export interface TokenFrame {
  /** The bytes to leave before a token of `n` bytes. */
  head(n: number): number;
  /** The bytes to leave after it. */
  tail: number;
}

/**
 * A new array for a token of `n` bytes: the whole array, or with `frame` the view of
 * the token inside a larger one (see {@link TokenFrame}).
 */
export function tokenArray(n: number, frame?: TokenFrame): Uint8Array {
  if (!frame) return new Uint8Array(n);
  const head = frame.head(n);
  return new Uint8Array(head + n + frame.tail).subarray(head, head + n);
}

/** The outcome of one step. */
export interface StepResult {
  /** `SEC_E_OK`, `SEC_I_CONTINUE_NEEDED`, `SEC_I_COMPLETE_NEEDED`, or a failure. */
  status: number;
  /** The token to send to the peer, if any. */
  token?: Uint8Array | null;
  /**
   * True when `token` is a fresh array nobody else holds (its whole `buffer`, framing
   * included): with `*_ALLOCATE_MEMORY` the dispatcher then hands it to the caller
   * instead of copying it, and a wrapper may write around it in place.
   */
  tokenIsFresh?: boolean;
  /** Bytes of the input the package did not consume (`SECBUFFER_EXTRA`). */
  extra?: number;
  /** `ISC_RET_*`/`ASC_RET_*` attributes. */
  attrs: number;
  /** Context expiry in `FILETIME` ticks. */
  expiry?: bigint;
  /** For failures: one sentence saying why (no secrets). */
  message?: string;
}

/** A status with an attribute structure. */
export interface AttributeResult {
  /** `SEC_E_OK` or why not (`SEC_E_UNSUPPORTED_FUNCTION` for unknown attributes). */
  status: number;
  /** The structure, on success. */
  value?: unknown;
}

/** A status with the quality of protection found (`VerifySignature`, `DecryptMessage`). */
export interface QopResult {
  /** The status. */
  status: number;
  /** `pfQOP`. */
  qop: number;
}

/** A package's security context object, owned by the handle table. */
export interface PackageContext {
  /** Runs one handshake step; may return a Promise only when `req.async`. */
  step(req: StepRequest): StepResult | Promise<StepResult>;
  /** `CompleteAuthToken`. */
  completeAuthToken?(token: SecBufferDesc): number;
  /** `QueryContextAttributes`. */
  queryAttribute(attribute: number): AttributeResult;
  /**
   * `SetContextAttributes`: a status (`SEC_E_UNSUPPORTED_FUNCTION` for attributes
   * the package does not set). Only Schannel sets any.
   */
  setAttribute?(attribute: number, value: unknown): number;
  /** `MakeSignature`. */
  makeSignature?(qop: number, message: SecBufferDesc, seqNo: number): number;
  /** `VerifySignature`. */
  verifySignature?(message: SecBufferDesc, seqNo: number): QopResult;
  /**
   * Optional cheaper `MakeSignature` over one data part (what Negotiate's mechListMIC
   * signs), without buffer descriptors: the signature as a new array, or a failure
   * status. Same state changes as `makeSignature` (sequence number, cipher state).
   * When `out` is given and the signature fits, it may be written there and `out`
   * returned instead of a new array.
   */
  signData?(data: Uint8Array, out?: Uint8Array): Uint8Array | number;
  /**
   * Optional cheaper `VerifySignature` of one data part and its signature (Negotiate's
   * mechListMIC): a status, with the same state changes as `verifySignature`.
   */
  verifyData?(data: Uint8Array, signature: Uint8Array): number;
  /** `EncryptMessage`. */
  encryptMessage?(qop: number, message: SecBufferDesc, seqNo: number): number;
  /** `DecryptMessage`. */
  decryptMessage?(message: SecBufferDesc, seqNo: number): QopResult;
  /** `ExportSecurityContext`: serialized state, or a status when unsupported. */
  exportContext?(): Uint8Array | number;
  /** `ApplyControlToken`. */
  applyControlToken?(input: SecBufferDesc): number;
  /**
   * For Negotiate: true when the mechanism protected its own handshake in a way that
   * obliges SPNEGO to exchange a `mechListMIC` (NTLM with a MIC in AUTHENTICATE,
   * MS-SPNG 3.3.5.1). Asked once the mechanism has completed.
   */
  requiresMechListMic?(): boolean;
  /**
   * For Negotiate: true when a reject's `responseToken` is this mechanism's error
   * token (a Kerberos KRB-ERROR), which its next step reads to say why; false or
   * absent when a reject is a plain refusal.
   */
  readsRejectToken?(): boolean;
  /**
   * For Negotiate: a cheap test that the context holds a session key, i.e. that
   * `SECPKG_ATTR_SESSION_KEY` would succeed (the mechListMIC can be made), without
   * copying the key. When absent, Negotiate queries the attribute.
   */
  hasSessionKey?(): boolean;
  /**
   * For Negotiate: re-initialises the cipher state of one direction after the
   * mechListMIC (MS-SPNG 3.3.5.1); sequence numbers are kept.
   */
  resetCrypto?(direction: "send" | "recv"): void;
  /** Wipes keys; called by `DeleteSecurityContext`. */
  dispose(): void;
}

/** A security package. */
export interface SecurityPackage {
  /** Its `SecPkgInfo`. */
  readonly info: SecPkgInfo;
  /** Acquires a credential or throws `SspiError`; may return a Promise only when `req.async`. */
  acquireCredentials(
    req: AcquireRequest,
  ): PackageCredential | Promise<PackageCredential>;
  /** Creates a fresh context for a credential (the first step follows). */
  createContext(
    cred: PackageCredential,
    role: "initiate" | "accept",
  ): PackageContext;
  /** `ImportSecurityContext`: rebuilds a context from `exportContext` bytes. */
  importContext?(token: Uint8Array): PackageContext;
  /** `ChangeAccountPassword`: changes a domain account's password. */
  changePassword?(req: ChangePasswordRequest): Promise<ChangePasswordReply>;
}

/** What `ChangeAccountPassword` hands a package. */
export interface ChangePasswordRequest {
  /** `pszDomainName`. */
  domain: string;
  /** `pszAccountName`. */
  account: string;
  /** `pszOldPassword`. */
  oldPassword: string;
  /** `pszNewPassword`. */
  newPassword: string;
  /** The portable options (servers, timeouts); each package documents them. */
  options: unknown;
}

/** A package's answer to `ChangeAccountPassword`. */
export interface ChangePasswordReply {
  /** The status. */
  status: number;
  /** Why, in one sentence, without secrets. */
  message: string;
  /** What goes into the `SECBUFFER_CHANGE_PASS_RESPONSE` buffer, if anything. */
  response?: unknown;
}
