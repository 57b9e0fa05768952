/**
 * `SecurityFunctionTable`: the SSPI functions as one object, what `InitSecurityInterface`
 * returns for either provider. Every member has the name, parameter order and shapes of
 * the portable function of the same name (`src/sspi/api.ts`, `src/sspi/async.ts`).
 *
 * @module
 */
import type * as api from "../sspi/api.ts";
import type * as async from "../sspi/async.ts";

/** The providers `InitSecurityInterface` can return. */
export type ProviderName = "portable" | "native";

/**
 * The SSPI function table (`SecurityFunctionTableW`, in JavaScript shapes).
 *
 * @example
 * ```ts
 * import { InitSecurityInterface } from "../provider.ts";
 * const sspi = InitSecurityInterface(); // the portable provider
 * const count = { value: 0 }, list: { value?: unknown } = {};
 * sspi.EnumerateSecurityPackages(count, list);
 * ```
 */
export interface SecurityFunctionTable {
  /** Which provider this table calls. */
  readonly provider: ProviderName;
  /** The native library it is bound to (null for the portable provider). */
  readonly library: string | null;

  /** See `AcquireCredentialsHandle` in `src/sspi/api.ts`. */
  AcquireCredentialsHandle: typeof api.AcquireCredentialsHandle;
  /** See `FreeCredentialsHandle`. */
  FreeCredentialsHandle: typeof api.FreeCredentialsHandle;
  /** See `InitializeSecurityContext`. */
  InitializeSecurityContext: typeof api.InitializeSecurityContext;
  /** See `AcceptSecurityContext`. */
  AcceptSecurityContext: typeof api.AcceptSecurityContext;
  /** See `CompleteAuthToken`. */
  CompleteAuthToken: typeof api.CompleteAuthToken;
  /** See `DeleteSecurityContext`. */
  DeleteSecurityContext: typeof api.DeleteSecurityContext;
  /** See `FreeContextBuffer`. */
  FreeContextBuffer: typeof api.FreeContextBuffer;
  /** See `QueryContextAttributes`. */
  QueryContextAttributes: typeof api.QueryContextAttributes;
  /**
   * See `SetContextAttributes`: sets an attribute of a context from a JavaScript
   * object shaped like its structure. Schannel's `SECPKG_ATTR_KEYING_MATERIAL_INFO`
   * (0x6a, a `SecPkgContext_KeyingMaterialInfo`) is the one both providers set:
   * then `QueryContextAttributes(SECPKG_ATTR_KEYING_MATERIAL)` gives the exported
   * keying material. Other attributes return `SEC_E_UNSUPPORTED_FUNCTION` (the
   * native provider does not call the library for attributes it cannot marshal).
   */
  SetContextAttributes: typeof api.SetContextAttributes;
  /** See `QueryCredentialsAttributes`. */
  QueryCredentialsAttributes: typeof api.QueryCredentialsAttributes;
  /**
   * See `SetCredentialsAttributes`: `SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS` on a
   * Kerberos or Negotiate credential (both providers; WinPR 2 has no such export,
   * so the native provider answers `SEC_E_UNSUPPORTED_FUNCTION` there).
   */
  SetCredentialsAttributes: typeof api.SetCredentialsAttributes;
  /**
   * See `QuerySecurityContextToken` in `src/sspi/context_token.ts`: the client's
   * SIDs from the logon's authorization data (portable provider). The native
   * provider answers `SEC_E_UNSUPPORTED_FUNCTION` for a live context: the kernel
   * token handle Windows gives has no JavaScript shape here.
   */
  QuerySecurityContextToken: typeof api.QuerySecurityContextToken;
  /**
   * See `ImpersonateSecurityContext`: `SEC_E_UNSUPPORTED_FUNCTION` from the
   * portable provider; the native one calls the library (Windows impersonates).
   */
  ImpersonateSecurityContext: typeof api.ImpersonateSecurityContext;
  /** See `RevertSecurityContext`: as `ImpersonateSecurityContext`. */
  RevertSecurityContext: typeof api.RevertSecurityContext;
  /** See `MakeSignature`. */
  MakeSignature: typeof api.MakeSignature;
  /** See `VerifySignature`. */
  VerifySignature: typeof api.VerifySignature;
  /** See `EncryptMessage`. */
  EncryptMessage: typeof api.EncryptMessage;
  /** See `DecryptMessage`. */
  DecryptMessage: typeof api.DecryptMessage;
  /** See `EnumerateSecurityPackages`. */
  EnumerateSecurityPackages: typeof api.EnumerateSecurityPackages;
  /** See `QuerySecurityPackageInfo`. */
  QuerySecurityPackageInfo: typeof api.QuerySecurityPackageInfo;
  /** See `ExportSecurityContext`. */
  ExportSecurityContext: typeof api.ExportSecurityContext;
  /** See `ImportSecurityContext`. */
  ImportSecurityContext: typeof api.ImportSecurityContext;
  /** See `ApplyControlToken`. */
  ApplyControlToken: typeof api.ApplyControlToken;

  /** See `SspiCreateAsyncContext` in `src/sspi/async.ts`. */
  SspiCreateAsyncContext: typeof async.SspiCreateAsyncContext;
  /** See `SspiFreeAsyncContext`. */
  SspiFreeAsyncContext: typeof async.SspiFreeAsyncContext;
  /** See `SspiReinitAsyncContext`. */
  SspiReinitAsyncContext: typeof async.SspiReinitAsyncContext;
  /** See `SspiGetAsyncCallStatus`. */
  SspiGetAsyncCallStatus: typeof async.SspiGetAsyncCallStatus;
  /** See `SspiSetAsyncNotifyCallback`. */
  SspiSetAsyncNotifyCallback: typeof async.SspiSetAsyncNotifyCallback;
  /** See `SspiAsyncContextRequiresNotify`. */
  SspiAsyncContextRequiresNotify: typeof async.SspiAsyncContextRequiresNotify;
  /** See `SspiAcquireCredentialsHandleAsync`. */
  SspiAcquireCredentialsHandleAsync:
    typeof async.SspiAcquireCredentialsHandleAsync;
  /** See `SspiInitializeSecurityContextAsync`. */
  SspiInitializeSecurityContextAsync:
    typeof async.SspiInitializeSecurityContextAsync;
  /** See `SspiAcceptSecurityContextAsync`. */
  SspiAcceptSecurityContextAsync: typeof async.SspiAcceptSecurityContextAsync;
  /** See `SspiFreeCredentialsHandleAsync`. */
  SspiFreeCredentialsHandleAsync: typeof async.SspiFreeCredentialsHandleAsync;
  /** See `SspiDeleteSecurityContextAsync`. */
  SspiDeleteSecurityContextAsync: typeof async.SspiDeleteSecurityContextAsync;
  /** See `SspiWaitForAsyncCall`. */
  SspiWaitForAsyncCall: typeof async.SspiWaitForAsyncCall;
}
