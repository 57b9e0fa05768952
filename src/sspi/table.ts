/**
 * The portable SSPI functions as one `SecurityFunctionTable`.
 *
 * @module
 */
import * as api from "./api.ts";
import * as async from "./async.ts";
import type { SecurityFunctionTable } from "../native/function_table.ts";

let portable: SecurityFunctionTable | null = null;

/**
 * The portable provider's function table (the functions of `api.ts` and
 * `async.ts`), made once: what `InitSecurityInterface()` returns, and what the
 * friendly layer calls by default.
 */
export function portableTable(): SecurityFunctionTable {
  portable ??= Object.freeze({
    provider: "portable" as const,
    library: null,
    AcquireCredentialsHandle: api.AcquireCredentialsHandle,
    FreeCredentialsHandle: api.FreeCredentialsHandle,
    InitializeSecurityContext: api.InitializeSecurityContext,
    AcceptSecurityContext: api.AcceptSecurityContext,
    CompleteAuthToken: api.CompleteAuthToken,
    DeleteSecurityContext: api.DeleteSecurityContext,
    FreeContextBuffer: api.FreeContextBuffer,
    QueryContextAttributes: api.QueryContextAttributes,
    SetContextAttributes: api.SetContextAttributes,
    QueryCredentialsAttributes: api.QueryCredentialsAttributes,
    SetCredentialsAttributes: api.SetCredentialsAttributes,
    QuerySecurityContextToken: api.QuerySecurityContextToken,
    ImpersonateSecurityContext: api.ImpersonateSecurityContext,
    RevertSecurityContext: api.RevertSecurityContext,
    MakeSignature: api.MakeSignature,
    VerifySignature: api.VerifySignature,
    EncryptMessage: api.EncryptMessage,
    DecryptMessage: api.DecryptMessage,
    EnumerateSecurityPackages: api.EnumerateSecurityPackages,
    QuerySecurityPackageInfo: api.QuerySecurityPackageInfo,
    ExportSecurityContext: api.ExportSecurityContext,
    ImportSecurityContext: api.ImportSecurityContext,
    ApplyControlToken: api.ApplyControlToken,
    SspiCreateAsyncContext: async.SspiCreateAsyncContext,
    SspiFreeAsyncContext: async.SspiFreeAsyncContext,
    SspiReinitAsyncContext: async.SspiReinitAsyncContext,
    SspiGetAsyncCallStatus: async.SspiGetAsyncCallStatus,
    SspiSetAsyncNotifyCallback: async.SspiSetAsyncNotifyCallback,
    SspiAsyncContextRequiresNotify: async.SspiAsyncContextRequiresNotify,
    SspiAcquireCredentialsHandleAsync: async.SspiAcquireCredentialsHandleAsync,
    SspiInitializeSecurityContextAsync:
      async.SspiInitializeSecurityContextAsync,
    SspiAcceptSecurityContextAsync: async.SspiAcceptSecurityContextAsync,
    SspiFreeCredentialsHandleAsync: async.SspiFreeCredentialsHandleAsync,
    SspiDeleteSecurityContextAsync: async.SspiDeleteSecurityContextAsync,
    SspiWaitForAsyncCall: async.SspiWaitForAsyncCall,
  });
  return portable;
}
