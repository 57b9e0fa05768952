/**
 * The `Deno.dlopen` symbol table of the native provider: the `W` (UTF-16) SSPI exports
 * of `secur32.dll` and of FreeRDP's `libwinpr2.so.2`, which has the same ABI. Every
 * argument is passed as a raw pointer (`"pointer"`), never as a JS buffer, so the
 * marshalling code decides which memory the library sees and keeps it alive.
 *
 * @module
 */

const P = "pointer" as const;
const U32 = "u32" as const;
const I32 = "i32" as const;

/** The SSPI exports the native provider binds (result: the `SECURITY_STATUS`). */
export const SSPI_SYMBOLS = {
  AcquireCredentialsHandleW: {
    parameters: [P, P, U32, P, P, P, P, P, P],
    result: I32,
  },
  FreeCredentialsHandle: { parameters: [P], result: I32 },
  InitializeSecurityContextW: {
    parameters: [P, P, P, U32, U32, U32, P, U32, P, P, P, P],
    result: I32,
  },
  AcceptSecurityContext: {
    parameters: [P, P, P, U32, U32, P, P, P, P],
    result: I32,
  },
  CompleteAuthToken: { parameters: [P, P], result: I32 },
  DeleteSecurityContext: { parameters: [P], result: I32 },
  FreeContextBuffer: { parameters: [P], result: I32 },
  QueryContextAttributesW: { parameters: [P, U32, P], result: I32 },
  QueryCredentialsAttributesW: {
    parameters: [P, U32, P],
    result: I32,
    optional: true,
  },
  SetContextAttributesW: {
    parameters: [P, U32, P, U32],
    result: I32,
    optional: true,
  },
  SetCredentialsAttributesW: {
    parameters: [P, U32, P, U32],
    result: I32,
    optional: true,
  },
  ImpersonateSecurityContext: { parameters: [P], result: I32, optional: true },
  RevertSecurityContext: { parameters: [P], result: I32, optional: true },
  MakeSignature: { parameters: [P, U32, P, U32], result: I32 },
  VerifySignature: { parameters: [P, P, U32, P], result: I32 },
  EncryptMessage: { parameters: [P, U32, P, U32], result: I32 },
  DecryptMessage: { parameters: [P, P, U32, P], result: I32 },
  EnumerateSecurityPackagesW: { parameters: [P, P], result: I32 },
  QuerySecurityPackageInfoW: { parameters: [P, P], result: I32 },
  ExportSecurityContext: {
    parameters: [P, U32, P, P],
    result: I32,
    optional: true,
  },
  ImportSecurityContextW: {
    parameters: [P, P, P, P],
    result: I32,
    optional: true,
  },
  ApplyControlToken: { parameters: [P, P], result: I32, optional: true },
} as const;

/** The same exports bound with `nonblocking: true`: the call runs off the main thread. */
export const SSPI_ASYNC_SYMBOLS = {
  AcquireCredentialsHandleW: {
    ...SSPI_SYMBOLS.AcquireCredentialsHandleW,
    name: "AcquireCredentialsHandleW",
    nonblocking: true,
  },
  FreeCredentialsHandle: {
    ...SSPI_SYMBOLS.FreeCredentialsHandle,
    name: "FreeCredentialsHandle",
    nonblocking: true,
  },
  InitializeSecurityContextW: {
    ...SSPI_SYMBOLS.InitializeSecurityContextW,
    name: "InitializeSecurityContextW",
    nonblocking: true,
  },
  AcceptSecurityContext: {
    ...SSPI_SYMBOLS.AcceptSecurityContext,
    name: "AcceptSecurityContext",
    nonblocking: true,
  },
  DeleteSecurityContext: {
    ...SSPI_SYMBOLS.DeleteSecurityContext,
    name: "DeleteSecurityContext",
    nonblocking: true,
  },
  SetContextAttributesW: {
    ...SSPI_SYMBOLS.SetContextAttributesW,
    name: "SetContextAttributesW",
    nonblocking: true,
  },
} as const;

/** Both symbol sets, as one `Deno.dlopen` definition (async names get an `Async` suffix). */
export const ALL_SYMBOLS = {
  ...SSPI_SYMBOLS,
  AcquireCredentialsHandleWAsync: SSPI_ASYNC_SYMBOLS.AcquireCredentialsHandleW,
  FreeCredentialsHandleAsync: SSPI_ASYNC_SYMBOLS.FreeCredentialsHandle,
  InitializeSecurityContextWAsync:
    SSPI_ASYNC_SYMBOLS.InitializeSecurityContextW,
  AcceptSecurityContextAsync: SSPI_ASYNC_SYMBOLS.AcceptSecurityContext,
  DeleteSecurityContextAsync: SSPI_ASYNC_SYMBOLS.DeleteSecurityContext,
  SetContextAttributesWAsync: SSPI_ASYNC_SYMBOLS.SetContextAttributesW,
} as const;

/** The bound library. */
export type SspiLibrary = Deno.DynamicLibrary<typeof ALL_SYMBOLS>;

/** The bound functions. */
export type SspiSymbols = SspiLibrary["symbols"];
