/**
 * The dispatcher shared by the synchronous functions (`api.ts`) and their `Sspi*Async`
 * counterparts (`async.ts`): handle tables, argument checks, and the cores that call a
 * package and copy its results into the caller's out-parameters. A core returns a
 * status, or a Promise of one when `async` is set and the package needed to wait.
 *
 * @module
 */
import {
  findBuffer,
  SecBufferDesc,
  type TimeStamp,
  type ULongOut,
  writeBuffer,
} from "./buffers.ts";
import { type ErrorDetail, SspiError } from "./errors.ts";
import {
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_RET_ALLOCATED_MEMORY,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_PROMPT_FOR_CREDS,
  ISC_RET_ALLOCATED_MEMORY,
  SECBUFFER_EMPTY,
  SECBUFFER_EXTRA,
  SECBUFFER_TOKEN,
  SECPKG_CRED_BOTH,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
} from "./flags.ts";
import {
  CredHandle,
  type CtxtHandle,
  HandleTable,
  SecHandle,
} from "./handles.ts";
import type {
  PackageContext,
  PackageCredential,
  SecurityPackage,
  StepRequest,
  StepResult,
} from "./package.ts";
import { findPackage } from "./registry.ts";
import { resolveAuthData } from "./_auth_identity_core.ts";
import {
  isFailure,
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
  statusMessage,
} from "./status.ts";

/** A live credential. */
export interface CredEntry {
  /** The owning package. */
  pkg: SecurityPackage;
  /** The package's object. */
  cred: PackageCredential;
  /** Contexts still using it; the credential is disposed when freed and unused. */
  refs: number;
  /** Set by FreeCredentialsHandle. */
  freed: boolean;
}

/** A live security context. */
export interface CtxEntry {
  /** The owning package. */
  pkg: SecurityPackage;
  /** The package's object. */
  ctx: PackageContext;
  /** Its credential. */
  cred: CredEntry | null;
  /** Which side. */
  role: "initiate" | "accept";
  /** True while a step runs (async form). */
  busy: boolean;
  /** Set by DeleteSecurityContext. */
  deleted: boolean;
}

/** Credential handles of the portable provider. */
export const credentials: HandleTable<CredEntry> = new HandleTable<CredEntry>(
  0x43524544,
);
/** Context handles of the portable provider. */
export const contexts: HandleTable<CtxEntry> = new HandleTable<CtxEntry>(
  0x43545854,
);

let lastError: ErrorDetail | null = null;

/** Records why the most recent call failed (no secrets), and returns the status. */
export function fail(status: number, message?: string): number {
  lastError = {
    status: status >>> 0,
    message: message || statusMessage(status),
  };
  return status >>> 0;
}

/**
 * The status of a step run synchronously: a core that was not allowed I/O never
 * returns a Promise, and one that did would be a bug, reported as such.
 */
export function syncOnly(r: number | Promise<number>): number {
  if (r instanceof Promise) {
    r.catch(() => {});
    return fail(SEC_E_INTERNAL_ERROR, "a synchronous call produced a Promise");
  }
  return r;
}

/**
 * The status and reason of the most recent failed call of the portable provider, or
 * null. Windows returns bare status codes; this gives the sentence behind one.
 *
 * @example
 * ```ts
 * import { lastErrorDetail } from "../../mod.ts";
 * console.log(lastErrorDetail()?.message);
 * ```
 */
export function lastErrorDetail(): ErrorDetail | null {
  return lastError;
}

/** Turns anything a package threw into a status (SspiError keeps its own). */
export function statusOf(e: unknown): number {
  if (e instanceof SspiError) return fail(e.status, e.message);
  return fail(
    SEC_E_INTERNAL_ERROR,
    `internal error: ${(e as Error)?.message ?? e}`,
  );
}

/** Runs `f` and maps a value or Promise through `then`, catching into a status. */
export function settle<T>(
  f: () => T | Promise<T>,
  then: (v: T) => number,
  async: boolean,
): number | Promise<number> {
  let v: T | Promise<T>;
  try {
    v = f();
  } catch (e) {
    return statusOf(e);
  }
  if (v instanceof Promise) {
    if (!async) {
      v.catch(() => {});
      return fail(
        SEC_E_INTERNAL_ERROR,
        "package returned a Promise to a synchronous call",
      );
    }
    return v.then((x) => {
      try {
        return then(x);
      } catch (e) {
        return statusOf(e);
      }
    }, statusOf);
  }
  try {
    return then(v);
  } catch (e) {
    return statusOf(e);
  }
}

/** Throws TypeError unless `h` is a handle object (or null when allowed). */
export function checkHandleArg(
  name: string,
  h: unknown,
  nullable: boolean,
): void {
  if (h === null || h === undefined) {
    if (nullable) return;
    throw new TypeError(`${name} must be a handle object`);
  }
  if (!(h instanceof SecHandle)) {
    throw new TypeError(`${name} must be a CredHandle or CtxtHandle`);
  }
}

/**
 * `SetContextAttributes`' argument checks, the portable and the native provider's
 * alike: a context handle, a structure object, a numeric size; TypeError otherwise.
 */
export function checkSetAttributeArgs(
  phContext: unknown,
  pBuffer: unknown,
  cbBuffer: unknown,
  handleName = "phContext",
): void {
  checkHandleArg(handleName, phContext, false);
  if (pBuffer === null || typeof pBuffer !== "object") {
    throw new TypeError("pBuffer must be an object");
  }
  if (typeof cbBuffer !== "number") {
    throw new TypeError("cbBuffer must be a number");
  }
}

function checkDesc(name: string, d: unknown): void {
  if (d !== null && d !== undefined && !(d instanceof SecBufferDesc)) {
    throw new TypeError(`${name} must be a SecBufferDesc or null`);
  }
}

/** True for a handle object that was never filled (all zero): treated as NULL. */
export function isZero(h: SecHandle | null | undefined): boolean {
  return !h || (h.dwLower === 0n && h.dwUpper === 0n);
}

/** The live context a handle names, or `SEC_E_INVALID_HANDLE` (recorded by `fail`). */
export function liveContext(
  h: CtxtHandle | null | undefined,
): CtxEntry | number {
  return contexts.get(h) ??
    fail(SEC_E_INVALID_HANDLE, "unknown or deleted context handle");
}

/** The live credential a handle names, or `SEC_E_INVALID_HANDLE`. */
export function liveCredential(
  h: CredHandle | null | undefined,
): CredEntry | number {
  return credentials.get(h) ??
    fail(SEC_E_INVALID_HANDLE, "unknown or freed credential handle");
}

/** Arguments of AcquireCredentialsHandle. */
export interface AcquireArgs {
  principal: string | null;
  packageName: string;
  use: number;
  authData: unknown;
  out: CredHandle;
  expiry?: TimeStamp | null;
}

/** Checks the argument types of AcquireCredentialsHandle (TypeError on misuse). */
export function checkAcquireArgs(a: AcquireArgs): void {
  if (
    a.principal !== null && a.principal !== undefined &&
    typeof a.principal !== "string"
  ) {
    throw new TypeError("pszPrincipal must be a string or null");
  }
  if (typeof a.packageName !== "string") {
    throw new TypeError("pszPackage must be a string");
  }
  if (typeof a.use !== "number") {
    throw new TypeError("fCredentialUse must be a number");
  }
  if (!(a.out instanceof CredHandle)) {
    throw new TypeError("phCredential must be a CredHandle");
  }
}

/** The core of AcquireCredentialsHandle. */
export function acquireCore(
  a: AcquireArgs,
  async: boolean,
): number | Promise<number> {
  const pkg = findPackage(a.packageName);
  if (!pkg) {
    return fail(
      SEC_E_SECPKG_NOT_FOUND,
      `no security package named "${a.packageName}"`,
    );
  }
  const use = a.use >>> 0;
  if ((use & SECPKG_CRED_BOTH) === 0) {
    return fail(
      SEC_E_NO_CREDENTIALS,
      "fCredentialUse must include SECPKG_CRED_INBOUND or OUTBOUND",
    );
  }
  return settle(
    () =>
      pkg.acquireCredentials({
        principal: a.principal ?? null,
        use,
        authData: resolveAuthData(a.authData),
        async,
      }),
    (cred) => {
      credentials.add(a.out, { pkg, cred, refs: 0, freed: false });
      if (a.expiry) a.expiry.value = cred.expiry;
      return SEC_E_OK;
    },
    async,
  );
}

/** The core of FreeCredentialsHandle. */
export function freeCredentialsCore(h: CredHandle): number {
  const e = credentials.remove(h);
  if (!e) {
    return fail(SEC_E_INVALID_HANDLE, "unknown or freed credential handle");
  }
  e.freed = true;
  if (e.refs === 0) e.cred.dispose();
  return SEC_E_OK;
}

/** Arguments of InitializeSecurityContext and AcceptSecurityContext. */
export interface StepArgs {
  role: "initiate" | "accept";
  cred: CredHandle | null;
  ctx: CtxtHandle | null;
  target: string | null;
  flags: number;
  dataRep: number;
  input: SecBufferDesc | null;
  newCtx: CtxtHandle | null;
  output: SecBufferDesc | null;
  attrs: ULongOut | null;
  expiry?: TimeStamp | null;
}

/** Checks the argument types of a handshake call (TypeError on misuse). */
export function checkStepArgs(a: StepArgs): void {
  checkHandleArg("phCredential", a.cred, true);
  checkHandleArg("phContext", a.ctx, true);
  checkHandleArg("phNewContext", a.newCtx, true);
  if (
    a.target !== null && a.target !== undefined && typeof a.target !== "string"
  ) {
    throw new TypeError("pszTargetName must be a string or null");
  }
  if (typeof a.flags !== "number") {
    throw new TypeError("fContextReq must be a number");
  }
  checkDesc("pInput", a.input);
  checkDesc("pOutput", a.output);
  if (
    a.attrs !== null && a.attrs !== undefined && typeof a.attrs !== "object"
  ) {
    throw new TypeError("pfContextAttr must be an object { value }");
  }
}

/** The core of InitializeSecurityContext/AcceptSecurityContext. */
export function stepCore(
  a: StepArgs,
  async: boolean,
): number | Promise<number> {
  const flags = a.flags >>> 0;
  let entry: CtxEntry | undefined;
  let isNew = false;
  if (!isZero(a.ctx)) {
    entry = contexts.get(a.ctx);
    if (!entry || entry.role !== a.role) {
      return fail(SEC_E_INVALID_HANDLE, "unknown or deleted context handle");
    }
    if (entry.busy) {
      return fail(
        SEC_E_INVALID_HANDLE,
        "the context is busy with another call",
      );
    }
  } else {
    const cred = credentials.get(a.cred);
    if (!cred) {
      return fail(SEC_E_INVALID_HANDLE, "unknown or freed credential handle");
    }
    const need = a.role === "initiate"
      ? SECPKG_CRED_OUTBOUND
      : SECPKG_CRED_INBOUND;
    if ((cred.cred.use & need) === 0) {
      return fail(
        SEC_E_NO_CREDENTIALS,
        `the credential was not acquired for ${
          a.role === "initiate" ? "outbound" : "inbound"
        } use`,
      );
    }
    if (a.role === "initiate" && (flags & ISC_REQ_PROMPT_FOR_CREDS)) {
      return fail(
        SEC_E_UNSUPPORTED_FUNCTION,
        "ISC_REQ_PROMPT_FOR_CREDS: this provider cannot prompt",
      );
    }
    if (!a.newCtx) {
      return fail(
        SEC_E_INVALID_HANDLE,
        "phNewContext is required on the first call",
      );
    }
    let ctx: PackageContext;
    try {
      ctx = cred.pkg.createContext(cred.cred, a.role);
    } catch (e) {
      return statusOf(e);
    }
    entry = {
      pkg: cred.pkg,
      ctx,
      cred,
      role: a.role,
      busy: false,
      deleted: false,
    };
    isNew = true;
  }
  const e = entry;
  // The credential this call names, for packages that take one on a later step.
  const named = isNew ? e.cred : credentials.get(a.cred);
  const req: StepRequest = {
    target: a.target ?? null,
    flags,
    dataRep: a.dataRep,
    input: a.input ?? null,
    output: a.output ?? null,
    async,
    credential: named && !named.freed && named.pkg === e.pkg
      ? named.cred
      : undefined,
  };
  // A new context holds its credential from the start, so a FreeCredentialsHandle
  // during the first (possibly async) step cannot dispose it under the step.
  if (isNew && e.cred) e.cred.refs++;
  e.busy = true;
  const cleanup = (s: number): number => {
    e.busy = false;
    if (isNew && isFailure(s)) {
      e.ctx.dispose();
      if (e.cred) releaseCred(e.cred);
    }
    return s;
  };
  const r = settle(
    () => e.ctx.step(req),
    (res: StepResult) => finishStep(a, e, isNew, res),
    async,
  );
  return r instanceof Promise ? r.then(cleanup) : cleanup(r);
}

/** Drops one context's hold on a credential; disposes it once freed and unused. */
function releaseCred(c: CredEntry): void {
  c.refs--;
  if (c.freed && c.refs === 0) c.cred.dispose();
}

function finishStep(
  a: StepArgs,
  e: CtxEntry,
  isNew: boolean,
  r: StepResult,
): number {
  if (!r || typeof r.status !== "number") {
    return fail(SEC_E_INTERNAL_ERROR, "package step returned no status");
  }
  if (e.deleted) {
    return fail(
      SEC_E_INVALID_HANDLE,
      "the context was deleted during the call",
    );
  }
  let attrs = r.attrs >>> 0;
  const allocate = (a.flags &
    (a.role === "initiate"
      ? ISC_REQ_ALLOCATE_MEMORY
      : ASC_REQ_ALLOCATE_MEMORY)) !== 0;
  if (isFailure(r.status)) {
    if (a.attrs) a.attrs.value = attrs;
    // A package may hand back a token with a failure (a TLS alert, a CredSSP
    // errorCode) for the caller to send, as Schannel does on Windows.
    const out = r.token?.length
      ? findBuffer(a.output, SECBUFFER_TOKEN)
      : undefined;
    if (out && !writeBuffer(out, r.token!, allocate, r.tokenIsFresh === true)) {
      out.cbBuffer = 0;
    }
    return fail(r.status, r.message);
  }
  const outBuf = findBuffer(a.output, SECBUFFER_TOKEN);
  const token = r.token ?? null;
  if (outBuf) {
    if (token && token.length) {
      if (!writeBuffer(outBuf, token, allocate, r.tokenIsFresh === true)) {
        if (!isNew) failContext(e);
        return fail(
          SEC_E_BUFFER_TOO_SMALL,
          `the output token needs ${token.length} bytes; the SECBUFFER_TOKEN holds ${
            outBuf.pvBuffer?.length ?? 0
          }`,
        );
      }
      if (allocate) {
        attrs |= a.role === "initiate"
          ? ISC_RET_ALLOCATED_MEMORY
          : ASC_RET_ALLOCATED_MEMORY;
      }
    } else {
      outBuf.cbBuffer = 0;
    }
  } else if (token && token.length) {
    if (!isNew) failContext(e);
    return fail(
      SEC_E_INVALID_TOKEN,
      "pOutput has no SECBUFFER_TOKEN for the output token",
    );
  }
  if (r.extra && a.input) {
    const empty = findBuffer(a.input, SECBUFFER_EMPTY);
    if (empty) {
      empty.BufferType = SECBUFFER_EXTRA;
      empty.cbBuffer = r.extra;
    }
  }
  if (a.attrs) a.attrs.value = attrs >>> 0;
  if (a.expiry && r.expiry !== undefined) a.expiry.value = r.expiry;
  if (isNew) {
    contexts.add(a.newCtx!, e);
  } else if (a.newCtx && a.newCtx !== a.ctx && a.ctx) {
    a.newCtx.dwLower = a.ctx.dwLower;
    a.newCtx.dwUpper = a.ctx.dwUpper;
  }
  return r.status >>> 0;
}

/** Marks a context unusable after a failure the caller cannot retry. */
function failContext(e: CtxEntry): void {
  e.ctx.dispose();
  e.ctx = brokenContext;
}

const broken = (): number =>
  fail(SEC_E_INVALID_HANDLE, "the context failed and must be deleted");
const brokenContext: PackageContext = {
  step: () => ({ status: broken(), attrs: 0 }),
  queryAttribute: () => ({ status: broken() }),
  dispose: () => {},
};

/** The core of DeleteSecurityContext. */
export function deleteContextCore(h: CtxtHandle): number {
  const e = contexts.remove(h);
  if (!e) {
    return fail(SEC_E_INVALID_HANDLE, "unknown or deleted context handle");
  }
  e.deleted = true;
  e.ctx.dispose();
  if (e.cred) releaseCred(e.cred);
  return SEC_E_OK;
}
