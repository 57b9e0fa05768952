/**
 * The native function table: the SSPI functions routed to `secur32.dll` (Windows) or
 * FreeRDP's `libwinpr2.so.2` through `Deno.dlopen`, in the portable provider's shapes.
 * The `Sspi*Async` forms call the `nonblocking` symbols, so the library runs off the main
 * thread; each call's marshalled memory stays referenced in its closure until it settles.
 *
 * @module
 */
import type { TimeStamp } from "../sspi/buffers.ts";
import {
  ASC_REQ_DELEGATE,
  ISC_REQ_DELEGATE,
  ISC_REQ_PROMPT_FOR_CREDS,
} from "../sspi/flags.ts";
import type { CredHandle, CtxtHandle } from "../sspi/handles.ts";
import {
  SspiAsyncContext,
  SspiAsyncContextRequiresNotify,
  SspiCreateAsyncContext,
  SspiFreeAsyncContext,
  SspiGetAsyncCallStatus,
  SspiReinitAsyncContext,
  SspiSetAsyncNotifyCallback,
  SspiWaitForAsyncCall,
} from "../sspi/async.ts";
import { FreeContextBuffer } from "../sspi/api.ts";
import { SEC_E_UNSUPPORTED_FUNCTION } from "../sspi/status.ts";
import { checkAcquireArgs, statusOf } from "../sspi/_dispatch.ts";
import { ascArgs, iscArgs } from "../sspi/_step_args.ts";
import { NativeCalls } from "./_calls.ts";
import { setCredentialsAttributes } from "./_cred_attributes.ts";
import { impersonation, queryContextToken } from "./_impersonation.ts";
import { resolveAuthData } from "../sspi/_auth_identity_core.ts";
import type { Preparation } from "./_call_types.ts";
import { defaultLibraryName, openSspiLibrary } from "./_library.ts";
import type { SecurityFunctionTable } from "./function_table.ts";

/**
 * `pAuthData` for the native library: an opaque identity (`SspiEncodeStringsAsAuthIdentity`)
 * becomes `{ User, Domain, Password }`, marshaled as `SEC_WINNT_AUTH_IDENTITY_W`
 * (which has no package list: WinPR and secur32 get no `PackageList` from here); a
 * zeroed or freed one is the status `SEC_E_UNKNOWN_CREDENTIALS`.
 */
function nativeAuthData(pAuthData: unknown): { value: unknown } | number {
  try {
    return { value: resolveAuthData(pAuthData) };
  } catch (e) {
    return statusOf(e);
  }
}

/** Options of `createNativeTable`. */
export interface NativeTableOptions {
  /** The library to open; default `secur32.dll` on Windows, `libwinpr2.so.2` elsewhere. */
  library?: string;
  /**
   * WinPR only: the SAM file NTLM acceptors read (`User:Domain::NTHASH:::` lines),
   * instead of `/etc/winpr/SAM`.
   */
  samFile?: string;
}

type Ffi = (...args: (Deno.PointerValue | number)[]) => number;
type FfiAsync = (...args: (Deno.PointerValue | number)[]) => Promise<number>;

function checkAsync(ctx: unknown): asserts ctx is SspiAsyncContext {
  if (!(ctx instanceof SspiAsyncContext)) {
    throw new TypeError("AsyncContext must come from SspiCreateAsyncContext");
  }
}

/**
 * Opens the native library and returns its function table. Throws an `Error` naming the
 * cause when `--allow-ffi` is missing or the library cannot be loaded.
 *
 * @example
 * ```ts ignore
 * import { createNativeTable } from "./table.ts";
 * const winpr = createNativeTable({ library: "libwinpr2.so.2" });
 * const info: { value?: { cbMaxToken: number } } = {};
 * winpr.QuerySecurityPackageInfo("NTLM", info);
 * ```
 */
export function createNativeTable(
  options: NativeTableOptions = {},
): SecurityFunctionTable {
  const library = options.library ?? defaultLibraryName();
  // One table per library and SAM file: handles are only valid in the table that made
  // them, so asking twice must give the same table.
  const cacheKey = `${library}\0${options.samFile ?? ""}`;
  const cached = tables.get(cacheKey);
  if (cached) return cached;
  const lib = openSspiLibrary(library);
  const sym = lib.symbols;
  const calls = new NativeCalls(sym, {
    library,
    allocates: /secur32|security\.dll/i.test(library),
    firstInputNeedsToken: /winpr/i.test(library),
    samFile: options.samFile,
  });
  const s = sym as unknown as Record<string, Ffi | FfiAsync>;

  /** Starts a prepared call on the `nonblocking` symbol `name` in `actx`. */
  function queue(
    actx: SspiAsyncContext,
    name: string,
    prepare: () => Preparation,
  ): number {
    return actx._start(async () => {
      const p = prepare();
      if (typeof p === "number") return p;
      // `p` (and the arena its `done` closes over) stays reachable until `done` runs.
      const status = await (s[name] as FfiAsync)(...p.args);
      return p.done(status);
    });
  }

  const table: SecurityFunctionTable = {
    provider: "native",
    library,

    AcquireCredentialsHandle(
      pszPrincipal,
      pszPackage,
      fCredentialUse,
      _pvLogonId,
      pAuthData,
      _pGetKeyFn,
      _pvGetKeyArgument,
      phCredential,
      ptsExpiry,
    ) {
      const data = nativeAuthData(pAuthData);
      if (typeof data === "number") return data;
      return calls.run(
        calls.prepareAcquire(
          pszPrincipal,
          pszPackage,
          fCredentialUse,
          data.value,
          phCredential,
          ptsExpiry,
        ),
        s.AcquireCredentialsHandleW as Ffi,
      );
    },
    FreeCredentialsHandle(phCredential) {
      return calls.run(
        calls.prepareFreeCredentials(phCredential),
        s.FreeCredentialsHandle as Ffi,
      );
    },
    InitializeSecurityContext(...p) {
      return calls.run(
        calls.prepareStep(iscArgs(p)),
        s.InitializeSecurityContextW as Ffi,
      );
    },
    AcceptSecurityContext(...p) {
      return calls.run(
        calls.prepareStep(ascArgs(p)),
        s.AcceptSecurityContext as Ffi,
      );
    },
    CompleteAuthToken: (phContext, pToken) =>
      calls.CompleteAuthToken(phContext, pToken),
    DeleteSecurityContext(phContext) {
      return calls.run(
        calls.prepareDeleteContext(phContext),
        s.DeleteSecurityContext as Ffi,
      );
    },
    // Every buffer handed to the caller is a JS copy; library memory was already freed.
    FreeContextBuffer,
    QueryContextAttributes: (phContext, ulAttribute, pBuffer) =>
      calls.QueryContextAttributes(phContext, ulAttribute, pBuffer),
    SetContextAttributes: (phContext, ulAttribute, pBuffer, cbBuffer) =>
      calls.SetContextAttributes(phContext, ulAttribute, pBuffer, cbBuffer),
    QueryCredentialsAttributes: (phCredential, ulAttribute, pBuffer) =>
      calls.QueryCredentialsAttributes(phCredential, ulAttribute, pBuffer),
    QuerySecurityContextToken: (phContext, Token) =>
      queryContextToken(calls, phContext, Token),
    ImpersonateSecurityContext: (phContext) =>
      impersonation(calls, "ImpersonateSecurityContext", phContext),
    RevertSecurityContext: (phContext) =>
      impersonation(calls, "RevertSecurityContext", phContext),
    SetCredentialsAttributes: (phCredential, ulAttribute, pBuffer, cbBuffer) =>
      setCredentialsAttributes(
        calls,
        phCredential,
        ulAttribute,
        pBuffer,
        cbBuffer,
      ),
    MakeSignature: (phContext, fQOP, pMessage, MessageSeqNo) =>
      calls.protect("MakeSignature", phContext, fQOP, pMessage, MessageSeqNo),
    VerifySignature: (phContext, pMessage, MessageSeqNo, pfQOP) =>
      calls.unprotect(
        "VerifySignature",
        phContext,
        pMessage,
        MessageSeqNo,
        pfQOP,
      ),
    EncryptMessage: (phContext, fQOP, pMessage, MessageSeqNo) =>
      calls.protect("EncryptMessage", phContext, fQOP, pMessage, MessageSeqNo),
    DecryptMessage: (phContext, pMessage, MessageSeqNo, pfQOP) =>
      calls.unprotect(
        "DecryptMessage",
        phContext,
        pMessage,
        MessageSeqNo,
        pfQOP,
      ),
    EnumerateSecurityPackages: (pcPackages, ppPackageInfo) =>
      calls.EnumerateSecurityPackages(pcPackages, ppPackageInfo),
    QuerySecurityPackageInfo: (pszPackageName, ppPackageInfo) =>
      calls.QuerySecurityPackageInfo(pszPackageName, ppPackageInfo),
    ExportSecurityContext: (phContext, fFlags, pPackedContext, pToken) =>
      calls.ExportSecurityContext(phContext, fFlags, pPackedContext, pToken),
    ImportSecurityContext: (pszPackage, pPackedContext, Token, phContext) =>
      calls.ImportSecurityContext(pszPackage, pPackedContext, Token, phContext),
    ApplyControlToken: (phContext, pInput) =>
      calls.ApplyControlToken(phContext, pInput),

    SspiCreateAsyncContext,
    SspiFreeAsyncContext,
    SspiReinitAsyncContext,
    SspiGetAsyncCallStatus,
    SspiSetAsyncNotifyCallback,
    SspiAsyncContextRequiresNotify,
    SspiWaitForAsyncCall,

    SspiAcquireCredentialsHandleAsync(
      AsyncContext: SspiAsyncContext,
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
      checkAsync(AsyncContext);
      checkAcquireArgs({
        principal: pszPrincipal,
        packageName: pszPackage,
        use: fCredentialUse,
        authData: pAuthData,
        out: phCredential,
      });
      const data = nativeAuthData(pAuthData);
      if (typeof data === "number") return data;
      return queue(
        AsyncContext,
        "AcquireCredentialsHandleWAsync",
        () =>
          calls.prepareAcquire(
            pszPrincipal,
            pszPackage,
            fCredentialUse,
            data.value,
            phCredential,
            ptsExpiry,
          ),
      );
    },
    SspiInitializeSecurityContextAsync(AsyncContext, ...p) {
      checkAsync(AsyncContext);
      const a = iscArgs(p);
      return queue(
        AsyncContext,
        "InitializeSecurityContextWAsync",
        () =>
          (a.flags >>> 0) & (ISC_REQ_DELEGATE | ISC_REQ_PROMPT_FOR_CREDS)
            ? SEC_E_UNSUPPORTED_FUNCTION
            : calls.prepareStep(a),
      );
    },
    SspiAcceptSecurityContextAsync(AsyncContext, ...p) {
      checkAsync(AsyncContext);
      const a = ascArgs(p);
      return queue(
        AsyncContext,
        "AcceptSecurityContextAsync",
        () =>
          (a.flags >>> 0) & ASC_REQ_DELEGATE
            ? SEC_E_UNSUPPORTED_FUNCTION
            : calls.prepareStep(a),
      );
    },
    SspiFreeCredentialsHandleAsync(
      AsyncContext: SspiAsyncContext,
      phCredential: CredHandle,
    ): number {
      checkAsync(AsyncContext);
      return queue(
        AsyncContext,
        "FreeCredentialsHandleAsync",
        () => calls.prepareFreeCredentials(phCredential),
      );
    },
    SspiDeleteSecurityContextAsync(
      AsyncContext: SspiAsyncContext,
      phContext: CtxtHandle,
    ): number {
      checkAsync(AsyncContext);
      return queue(
        AsyncContext,
        "DeleteSecurityContextAsync",
        () => calls.prepareDeleteContext(phContext),
      );
    },
  };
  Object.defineProperty(table, "_live", {
    value: () => ({ credentials: calls.creds.size, contexts: calls.ctxs.size }),
    enumerable: false,
  });
  Object.freeze(table);
  tables.set(cacheKey, table);
  return table;
}

const tables = new Map<string, SecurityFunctionTable>();

/**
 * The live native handles of a table made by `createNativeTable` (for leak tests), or
 * null for another table.
 */
export function nativeLiveHandles(
  table: SecurityFunctionTable,
): { credentials: number; contexts: number } | null {
  const f =
    (table as unknown as { _live?: () => ReturnType<typeof nativeLiveHandles> })
      ._live;
  return typeof f === "function" ? f() : null;
}
