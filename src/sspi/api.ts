/**
 * The synchronous SSPI functions of the portable provider, with their Win32 names,
 * parameter order and status codes. Steps that need to wait (a KDC, an async user
 * lookup) are only run by the `Sspi*Async` forms in `async.ts`.
 *
 * @module
 */
import type {
  AttributeOut,
  SecBuffer,
  SecBufferDesc,
  TimeStamp,
  ULongOut,
} from "./buffers.ts";
import { SecBufferDesc as SecBufferDescClass } from "./buffers.ts";
import {
  SECPKG_CONTEXT_EXPORT_DELETE_OLD,
  SECPKG_CONTEXT_EXPORT_TO_KERNEL,
} from "./flags.ts";
import { CredHandle, CtxtHandle } from "./handles.ts";
import type { SecPkgInfo } from "./package.ts";
import "./builtin.ts";
import { findPackage, listPackages } from "./registry.ts";
import {
  acquireCore,
  checkAcquireArgs,
  checkHandleArg,
  checkStepArgs,
  contexts,
  type CtxEntry,
  deleteContextCore,
  fail,
  freeCredentialsCore,
  liveContext,
  settle,
  stepCore,
  syncOnly,
} from "./_dispatch.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "./status.ts";

/** `SEC_WINNT_AUTH_IDENTITY`: a user with a password (or an NT hash, see the NTLM docs). */
export interface AuthIdentity {
  /** The user name (or `user@domain`). */
  User?: string;
  /** The domain (may be empty). */
  Domain?: string;
  /** The password. */
  Password?: string;
  /** `SEC_WINNT_AUTH_IDENTITY_UNICODE`/`ANSI`; informational here. */
  Flags?: number;
  /** Negotiate's package filter, as in `SEC_WINNT_AUTH_IDENTITY_EX.PackageList`. */
  PackageList?: string;
}

/**
 * Acquires a handle to credentials for a package (`NTLM`, `Negotiate`, ...).
 *
 * @example
 * ```ts
 * import { AcquireCredentialsHandle, CredHandle, SECPKG_CRED_OUTBOUND, SEC_E_OK } from "../../mod.ts";
 * const cred = new CredHandle();
 * const s = AcquireCredentialsHandle(null, "NTLM", SECPKG_CRED_OUTBOUND, null,
 *   { User: "alice", Domain: "CONTOSO", Password: "secret" }, null, null, cred, null);
 * if (s !== SEC_E_OK) throw new Error("no credentials");
 * ```
 */
export function AcquireCredentialsHandle(
  pszPrincipal: string | null,
  pszPackage: string,
  fCredentialUse: number,
  _pvLogonId: null,
  pAuthData: unknown,
  _pGetKeyFn: null,
  _pvGetKeyArgument: null,
  phCredential: CredHandle,
  ptsExpiry?: TimeStamp | null,
): number {
  const a = {
    principal: pszPrincipal,
    packageName: pszPackage,
    use: fCredentialUse,
    authData: pAuthData,
    out: phCredential,
    expiry: ptsExpiry,
  };
  checkAcquireArgs(a);
  return syncOnly(acquireCore(a, false));
}

/** Frees a credential handle; contexts made from it keep working until deleted. */
export function FreeCredentialsHandle(phCredential: CredHandle): number {
  checkHandleArg("phCredential", phCredential, false);
  return freeCredentialsCore(phCredential);
}

/**
 * The client side of a handshake: call first with `phContext` null and no input, send
 * the output token, and call again with the server's token while the status is
 * `SEC_I_CONTINUE_NEEDED`.
 *
 * @example
 * ```ts
 * import {
 *   CtxtHandle, InitializeSecurityContext, ISC_REQ_ALLOCATE_MEMORY, SecBuffer, SecBufferDesc,
 *   SECBUFFER_TOKEN, SECURITY_NATIVE_DREP, type CredHandle,
 * } from "../../mod.ts";
 * declare const cred: CredHandle;
 * const ctx = new CtxtHandle();
 * const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
 * const attrs = { value: 0 };
 * const status = InitializeSecurityContext(cred, null, "HTTP/server.contoso.com",
 *   ISC_REQ_ALLOCATE_MEMORY, 0, SECURITY_NATIVE_DREP, null, 0, ctx, out, attrs, null);
 * // send out.pBuffers[0].pvBuffer to the server
 * ```
 */
export function InitializeSecurityContext(
  phCredential: CredHandle | null,
  phContext: CtxtHandle | null,
  pszTargetName: string | null,
  fContextReq: number,
  _Reserved1: number,
  TargetDataRep: number,
  pInput: SecBufferDesc | null,
  _Reserved2: number,
  phNewContext: CtxtHandle | null,
  pOutput: SecBufferDesc | null,
  pfContextAttr: ULongOut | null,
  ptsExpiry?: TimeStamp | null,
): number {
  const a = {
    role: "initiate" as const,
    cred: phCredential,
    ctx: phContext,
    target: pszTargetName,
    flags: fContextReq,
    dataRep: TargetDataRep,
    input: pInput,
    newCtx: phNewContext,
    output: pOutput,
    attrs: pfContextAttr,
    expiry: ptsExpiry,
  };
  checkStepArgs(a);
  return syncOnly(stepCore(a, false));
}

/**
 * The server side of a handshake: call with each client token; send any output token
 * back; `SEC_E_OK` means the client is authenticated.
 *
 * @example
 * ```ts
 * import {
 *   AcceptSecurityContext, CtxtHandle, ASC_REQ_ALLOCATE_MEMORY, SecBuffer, SecBufferDesc,
 *   SECBUFFER_TOKEN, SECURITY_NATIVE_DREP, type CredHandle,
 * } from "../../mod.ts";
 * declare const serverCred: CredHandle;
 * declare const clientToken: Uint8Array;
 * const ctx = new CtxtHandle();
 * const input = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, clientToken)]);
 * const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
 * const status = AcceptSecurityContext(serverCred, null, input, ASC_REQ_ALLOCATE_MEMORY,
 *   SECURITY_NATIVE_DREP, ctx, out, { value: 0 }, null);
 * ```
 */
export function AcceptSecurityContext(
  phCredential: CredHandle | null,
  phContext: CtxtHandle | null,
  pInput: SecBufferDesc | null,
  fContextReq: number,
  TargetDataRep: number,
  phNewContext: CtxtHandle | null,
  pOutput: SecBufferDesc | null,
  pfContextAttr: ULongOut | null,
  ptsExpiry?: TimeStamp | null,
): number {
  const a = {
    role: "accept" as const,
    cred: phCredential,
    ctx: phContext,
    target: null,
    flags: fContextReq,
    dataRep: TargetDataRep,
    input: pInput,
    newCtx: phNewContext,
    output: pOutput,
    attrs: pfContextAttr,
    expiry: ptsExpiry,
  };
  checkStepArgs(a);
  return syncOnly(stepCore(a, false));
}

/** Finishes a token after `SEC_I_COMPLETE_NEEDED`/`SEC_I_COMPLETE_AND_CONTINUE`. */
export function CompleteAuthToken(
  phContext: CtxtHandle,
  pToken: SecBufferDesc | null,
): number {
  checkHandleArg("phContext", phContext, false);
  const e = liveContext(phContext);
  if (typeof e === "number") return e;
  if (!e.ctx.completeAuthToken) return SEC_E_OK;
  return syncOnly(
    settle(
      () => e.ctx.completeAuthToken!(pToken ?? new SecBufferDescClass()),
      (s) => s,
      false,
    ),
  );
}

/** Deletes a context and wipes its keys. */
export function DeleteSecurityContext(phContext: CtxtHandle): number {
  checkHandleArg("phContext", phContext, false);
  return deleteContextCore(phContext);
}

/**
 * Frees a buffer the package allocated (`*_ALLOCATE_MEMORY`). In JavaScript the garbage
 * collector owns memory, so this only validates the argument; token bytes are not
 * secrets, and key material is wiped by `DeleteSecurityContext`.
 */
export function FreeContextBuffer(pvContextBuffer: unknown): number {
  if (pvContextBuffer === undefined) {
    throw new TypeError("pvContextBuffer is required");
  }
  if (pvContextBuffer instanceof Uint8Array) pvContextBuffer.fill(0);
  return SEC_E_OK;
}

export {
  QueryContextAttributes,
  QueryCredentialsAttributes,
  SetContextAttributes,
  SetCredentialsAttributes,
} from "./api_attributes.ts";
export {
  ImpersonateSecurityContext,
  QuerySecurityContextToken,
  RevertSecurityContext,
} from "./context_token.ts";

function messageCall(
  phContext: CtxtHandle,
  pMessage: SecBufferDesc,
  name:
    | "makeSignature"
    | "verifySignature"
    | "encryptMessage"
    | "decryptMessage",
  run: (e: CtxEntry) => number,
): number {
  checkHandleArg("phContext", phContext, false);
  if (!(pMessage instanceof SecBufferDescClass)) {
    throw new TypeError("pMessage must be a SecBufferDesc");
  }
  const e = liveContext(phContext);
  if (typeof e === "number") return e;
  if (!e.ctx[name]) {
    return fail(
      SEC_E_UNSUPPORTED_FUNCTION,
      `${e.pkg.info.Name} has no ${name}`,
    );
  }
  return settle(
    () => run(e),
    (s) => (s === SEC_E_OK ? s : fail(s)),
    false,
  ) as number;
}

/**
 * Signs the `SECBUFFER_DATA` buffers of a message into its `SECBUFFER_TOKEN` buffer.
 *
 * @example
 * ```ts
 * import { MakeSignature, SecBuffer, SecBufferDesc, SECBUFFER_DATA, SECBUFFER_TOKEN, type CtxtHandle } from "../../mod.ts";
 * declare const ctx: CtxtHandle;
 * const msg = new SecBufferDesc([
 *   new SecBuffer(SECBUFFER_DATA, new TextEncoder().encode("hello")),
 *   new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
 * ]);
 * MakeSignature(ctx, 0, msg, 0);
 * ```
 */
export function MakeSignature(
  phContext: CtxtHandle,
  fQOP: number,
  pMessage: SecBufferDesc,
  MessageSeqNo: number,
): number {
  return messageCall(
    phContext,
    pMessage,
    "makeSignature",
    (e) => e.ctx.makeSignature!(fQOP >>> 0, pMessage, MessageSeqNo >>> 0),
  );
}

/** Verifies a signature made by the peer's `MakeSignature`; sets `pfQOP.value`. */
export function VerifySignature(
  phContext: CtxtHandle,
  pMessage: SecBufferDesc,
  MessageSeqNo: number,
  pfQOP: ULongOut | null,
): number {
  return messageCall(phContext, pMessage, "verifySignature", (e) => {
    const r = e.ctx.verifySignature!(pMessage, MessageSeqNo >>> 0);
    if (pfQOP) pfQOP.value = r.qop;
    return r.status;
  });
}

/**
 * Encrypts the `SECBUFFER_DATA` buffers of a message in place and writes the trailer
 * into its `SECBUFFER_TOKEN` buffer (`SECQOP_WRAP_NO_ENCRYPT` only signs).
 *
 * @example
 * ```ts
 * import { EncryptMessage, SecBuffer, SecBufferDesc, SECBUFFER_DATA, SECBUFFER_TOKEN, type CtxtHandle } from "../../mod.ts";
 * declare const ctx: CtxtHandle;
 * const msg = new SecBufferDesc([
 *   new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
 *   new SecBuffer(SECBUFFER_DATA, new TextEncoder().encode("secret")),
 * ]);
 * EncryptMessage(ctx, 0, msg, 0);
 * ```
 */
export function EncryptMessage(
  phContext: CtxtHandle,
  fQOP: number,
  pMessage: SecBufferDesc,
  MessageSeqNo: number,
): number {
  return messageCall(
    phContext,
    pMessage,
    "encryptMessage",
    (e) => e.ctx.encryptMessage!(fQOP >>> 0, pMessage, MessageSeqNo >>> 0),
  );
}

/** Decrypts a message made by the peer's `EncryptMessage` in place; sets `pfQOP.value`. */
export function DecryptMessage(
  phContext: CtxtHandle,
  pMessage: SecBufferDesc,
  MessageSeqNo: number,
  pfQOP: ULongOut | null,
): number {
  return messageCall(phContext, pMessage, "decryptMessage", (e) => {
    const r = e.ctx.decryptMessage!(pMessage, MessageSeqNo >>> 0);
    if (pfQOP) pfQOP.value = r.qop;
    return r.status;
  });
}

/** Lists the packages of the portable provider into `ppPackageInfo.value`. */
export function EnumerateSecurityPackages(
  pcPackages: ULongOut,
  ppPackageInfo: AttributeOut<SecPkgInfo[]>,
): number {
  if (!pcPackages || !ppPackageInfo) {
    throw new TypeError("pcPackages and ppPackageInfo are required");
  }
  const list = listPackages().map((p) => ({ ...p.info }));
  pcPackages.value = list.length;
  ppPackageInfo.value = list;
  return SEC_E_OK;
}

/**
 * Describes one package (`SEC_E_SECPKG_NOT_FOUND` for an unknown name).
 *
 * @example
 * ```ts
 * import { QuerySecurityPackageInfo, type SecPkgInfo } from "../../mod.ts";
 * const info: { value?: SecPkgInfo } = {};
 * QuerySecurityPackageInfo("NTLM", info); // info.value.cbMaxToken === 2888
 * ```
 */
export function QuerySecurityPackageInfo(
  pszPackageName: string,
  ppPackageInfo: AttributeOut<SecPkgInfo>,
): number {
  if (typeof pszPackageName !== "string") {
    throw new TypeError("pszPackageName must be a string");
  }
  if (!ppPackageInfo) throw new TypeError("ppPackageInfo is required");
  const p = findPackage(pszPackageName);
  if (!p) {
    return fail(
      SEC_E_SECPKG_NOT_FOUND,
      `no security package named "${pszPackageName}"`,
    );
  }
  ppPackageInfo.value = { ...p.info };
  return SEC_E_OK;
}

/**
 * Serializes a context so another process can `ImportSecurityContext` it. With
 * `SECPKG_CONTEXT_EXPORT_DELETE_OLD` the context is deleted once exported (its
 * keys wiped, the handle invalid), as on Windows; `SECPKG_CONTEXT_EXPORT_TO_KERNEL`
 * is `SEC_E_UNSUPPORTED_FUNCTION` (Windows no longer supports it either).
 */
export function ExportSecurityContext(
  phContext: CtxtHandle,
  fFlags: number,
  pPackedContext: AttributeOut<SecBuffer>,
  _pToken: AttributeOut | null,
): number {
  checkHandleArg("phContext", phContext, false);
  const e = liveContext(phContext);
  if (typeof e === "number") return e;
  if (fFlags & SECPKG_CONTEXT_EXPORT_TO_KERNEL) {
    return fail(
      SEC_E_UNSUPPORTED_FUNCTION,
      "SECPKG_CONTEXT_EXPORT_TO_KERNEL is not supported",
    );
  }
  if (!e.ctx.exportContext) {
    return fail(
      SEC_E_UNSUPPORTED_FUNCTION,
      `${e.pkg.info.Name} cannot export contexts`,
    );
  }
  const exp = e.ctx.exportContext.bind(e.ctx);
  return settle(() => exp(), (r) => {
    if (typeof r === "number") return fail(r);
    pPackedContext.value = {
      BufferType: 2,
      cbBuffer: r.length,
      pvBuffer: r,
    } as SecBuffer;
    if (fFlags & SECPKG_CONTEXT_EXPORT_DELETE_OLD) deleteContextCore(phContext);
    return SEC_E_OK;
  }, false) as number;
}

/** Rebuilds a context exported by `ExportSecurityContext`. */
export function ImportSecurityContext(
  pszPackage: string,
  pPackedContext: SecBuffer,
  _Token: unknown,
  phContext: CtxtHandle,
): number {
  if (!(phContext instanceof CtxtHandle)) {
    throw new TypeError("phContext must be a CtxtHandle");
  }
  const p = findPackage(pszPackage);
  if (!p) {
    return fail(
      SEC_E_SECPKG_NOT_FOUND,
      `no security package named "${pszPackage}"`,
    );
  }
  if (!p.importContext) {
    return fail(
      SEC_E_UNSUPPORTED_FUNCTION,
      `${p.info.Name} cannot import contexts`,
    );
  }
  const bytes = pPackedContext?.pvBuffer;
  if (!bytes) return fail(SEC_E_INVALID_TOKEN, "no packed context");
  return settle(
    () => p.importContext!(bytes.subarray(0, pPackedContext.cbBuffer)),
    (ctx) => {
      contexts.add(phContext, {
        pkg: p,
        ctx,
        cred: null,
        role: "accept",
        busy: false,
        deleted: false,
      });
      return SEC_E_OK;
    },
    false,
  ) as number;
}

/** Applies a control token (e.g. a Schannel shutdown) to a context. */
export function ApplyControlToken(
  phContext: CtxtHandle,
  pInput: SecBufferDesc,
): number {
  checkHandleArg("phContext", phContext, false);
  const e = liveContext(phContext);
  if (typeof e === "number") return e;
  if (!e.ctx.applyControlToken) {
    return fail(
      SEC_E_UNSUPPORTED_FUNCTION,
      `${e.pkg.info.Name} takes no control tokens`,
    );
  }
  return settle(
    () => e.ctx.applyControlToken!(pInput),
    (s) => s,
    false,
  ) as number;
}

export { CredHandle, CtxtHandle };
