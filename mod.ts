/**
 * The portable SSPI: Windows' Security Support Provider Interface for Deno and other
 * JavaScript runtimes, with its Win32 function names, parameter order, flags and
 * status codes, and the NTLM package implemented in TypeScript and WebAssembly.
 *
 * @example
 * ```ts
 * import {
 *   AcquireCredentialsHandle, CredHandle, CtxtHandle, InitializeSecurityContext,
 *   ISC_REQ_ALLOCATE_MEMORY, ISC_REQ_CONFIDENTIALITY, SecBuffer, SecBufferDesc,
 *   SECBUFFER_TOKEN, SECPKG_CRED_OUTBOUND, SECURITY_NATIVE_DREP,
 * } from "./mod.ts";
 *
 * const cred = new CredHandle();
 * AcquireCredentialsHandle(null, "NTLM", SECPKG_CRED_OUTBOUND, null,
 *   { User: "alice", Domain: "CONTOSO", Password: "secret" }, null, null, cred, null);
 * const ctx = new CtxtHandle();
 * const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
 * InitializeSecurityContext(cred, null, "HTTP/web.contoso.com",
 *   ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY, 0, SECURITY_NATIVE_DREP,
 *   null, 0, ctx, out, { value: 0 }, null);
 * // out.pBuffers[0].pvBuffer holds the NEGOTIATE message
 * ```
 *
 * @module
 */
export * from "./src/sspi/status.ts";
export * from "./src/sspi/flags.ts";
export {
  type AttributeOut,
  filetimeFromMs,
  msFromFiletime,
  SecBuffer,
  SecBufferDesc,
  secChannelBindings,
  type TimeStamp,
  TIMESTAMP_NEVER,
  type ULongOut,
} from "./src/sspi/buffers.ts";
export { CredHandle, CtxtHandle, SecHandle } from "./src/sspi/handles.ts";
export type { ErrorDetail } from "./src/sspi/errors.ts";
export type {
  AcquireRequest,
  AttributeResult,
  ChangePasswordReply,
  ChangePasswordRequest,
  PackageContext,
  PackageCredential,
  QopResult,
  SecPkgInfo,
  SecurityPackage,
  StepRequest,
  StepResult,
  TokenFrame,
} from "./src/sspi/package.ts";
export { tokenArray } from "./src/sspi/package.ts";
export { tlsServerEndPoint } from "./src/sspi/tls_binding.ts";
export { SspiError } from "./src/sspi/errors.ts";
export type * from "./src/sspi/attributes.ts";
export {
  registerSecurityPackage,
  unregisterSecurityPackage,
} from "./src/sspi/registry.ts";
export { lastErrorDetail } from "./src/sspi/_dispatch.ts";
export {
  ChangeAccountPassword,
  decodeDomainPasswordInformation,
  type DomainPasswordInformation,
} from "./src/sspi/password.ts";
export {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  ApplyControlToken,
  type AuthIdentity,
  CompleteAuthToken,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  EnumerateSecurityPackages,
  ExportSecurityContext,
  FreeContextBuffer,
  FreeCredentialsHandle,
  ImpersonateSecurityContext,
  ImportSecurityContext,
  InitializeSecurityContext,
  MakeSignature,
  QueryContextAttributes,
  QueryCredentialsAttributes,
  QuerySecurityContextToken,
  QuerySecurityPackageInfo,
  RevertSecurityContext,
  SetContextAttributes,
  SetCredentialsAttributes,
  VerifySignature,
} from "./src/sspi/api.ts";
export {
  SE_GROUP_DEFAULT,
  type SecurityContextToken,
  WELL_KNOWN_NETWORK_SIDS,
} from "./src/sspi/context_token.ts";
export {
  SspiAcceptSecurityContextAsync,
  SspiAcquireCredentialsHandleAsync,
  SspiAsyncContext,
  SspiAsyncContextRequiresNotify,
  type SspiAsyncNotifyCallback,
  SspiCreateAsyncContext,
  SspiDeleteSecurityContextAsync,
  SspiFreeAsyncContext,
  SspiFreeCredentialsHandleAsync,
  SspiGetAsyncCallStatus,
  SspiInitializeSecurityContextAsync,
  SspiReinitAsyncContext,
  SspiSetAsyncNotifyCallback,
  SspiWaitForAsyncCall,
} from "./src/sspi/async.ts";
export {
  Sasl_AuthZIDForbidden,
  Sasl_AuthZIDProcessed,
  SASL_OPTION_AUTHZ_PROCESSING,
  SASL_OPTION_AUTHZ_STRING,
  SASL_OPTION_RECV_SIZE,
  SASL_OPTION_SEND_SIZE,
  SaslAcceptSecurityContext,
  SaslAcceptSecurityContextAsync,
  SaslEnumerateProfiles,
  SaslGetContextOption,
  SaslGetProfilePackage,
  SaslIdentifyPackage,
  SaslInitializeSecurityContext,
  SaslInitializeSecurityContextAsync,
  SaslSetContextOption,
} from "./src/sspi/sasl.ts";
export type { AscParams, IscParams } from "./src/sspi/_step_args.ts";
export {
  AuthIdentityOpaque,
  type AuthIdentityOut,
  type PSEC_WINNT_AUTH_IDENTITY_OPAQUE,
  SspiCompareAuthIdentities,
  SspiCopyAuthIdentity,
  SspiDecryptAuthIdentity,
  SspiEncodeAuthIdentityAsStrings,
  SspiEncodeStringsAsAuthIdentity,
  SspiEncryptAuthIdentity,
  SspiExcludePackage,
  SspiFreeAuthIdentity,
  SspiGetTargetHostName,
  SspiIsAuthIdentityEncrypted,
  SspiLocalFree,
  SspiValidateAuthIdentity,
  SspiZeroAuthIdentity,
  STATUS_INVALID_PARAMETER,
} from "./src/sspi/auth_identity.ts";
export {
  SEC_WINNT_AUTH_IDENTITY_FLAGS_ID_PROVIDER,
  SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED,
  SEC_WINNT_AUTH_IDENTITY_FLAGS_RESERVED,
  SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_PROTECTED,
  SEC_WINNT_AUTH_IDENTITY_FLAGS_USER_PROTECTED,
  SEC_WINNT_AUTH_IDENTITY_MARSHALLED,
  SEC_WINNT_AUTH_IDENTITY_ONLY,
} from "./src/sspi/_auth_identity_core.ts";
export {
  SEC_WINNT_AUTH_DATA_TYPE_PASSWORD,
  SEC_WINNT_AUTH_IDENTITY_EX2_SIZE,
  SEC_WINNT_AUTH_IDENTITY_VERSION_2,
  SEC_WINNT_AUTH_PACKED_CREDENTIALS_SIZE,
  SspiMarshalAuthIdentity,
  SspiUnmarshalAuthIdentity,
} from "./src/sspi/auth_identity_marshal.ts";
export {
  type NetlogonOptions,
  type NtlmAuthData,
  type NtlmUser,
  type NtlmUserLookup,
  parseUserFile,
} from "./src/packages/ntlm/mod.ts";
export {
  type ChangePasswordOptions,
  type KdcOption,
  type KdcTransport,
  kdcTransport,
  KdcUnreachableError,
  type KerberosAuthData,
  type KerberosClientTicket,
  type KerberosDelegatedTgt,
  type KerberosFastArmor,
  type KerberosServerAuthData,
  type KkdcpOptions,
  kkdcpTransport,
  type OpaqueTicket,
  type PacLogonInfo,
  SECPKG_ATTR_KERBEROS_CLIENT_TICKET,
  SECPKG_ATTR_KERBEROS_DELEGATED_TGT,
  SECPKG_ATTR_PAC_LOGON_INFO,
  type SidAndAttributes,
  tcpTransport,
} from "./src/packages/kerberos/mod.ts";
export {
  CALG_AES_128,
  CALG_AES_256,
  CALG_DH_EPHEM,
  CALG_ECDH_EPHEM,
  CALG_ECDSA,
  CALG_RSA_KEYX,
  CALG_RSA_SIGN,
  CALG_SHA1,
  CALG_SHA_256,
  CALG_SHA_384,
  type CertNameBlob,
  SCH_CRED_DISABLE_RECONNECTS,
  SCH_CRED_IGNORE_NO_REVOCATION_CHECK,
  SCH_CRED_IGNORE_REVOCATION_OFFLINE,
  SCH_CRED_MANUAL_CRED_VALIDATION,
  SCH_CRED_NO_SERVERNAME_CHECK,
  SCH_CRED_REVOCATION_CHECK_CACHE_ONLY,
  SCH_CRED_REVOCATION_CHECK_CHAIN,
  SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT,
  SCH_CRED_REVOCATION_CHECK_END_CERT,
  SCHANNEL_SHUTDOWN,
  type SchannelAuthData,
  type SchannelCertContext,
  SECPKG_ATTR_APPLICATION_PROTOCOL,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_KEYING_MATERIAL,
  SECPKG_ATTR_KEYING_MATERIAL_INFO,
  SECPKG_ATTR_LOCAL_CERT_CONTEXT,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  type SecPkgContext_KeyInfo,
  type SecPkgContext_KeyingMaterial,
  type SecPkgContext_KeyingMaterialInfo,
  type SecPkgContextIssuerListInfoEx,
  type SecPkgCred_CipherStrengths,
  type SecPkgCred_SupportedAlgs,
  type SecPkgCred_SupportedProtocols,
  SP_PROT_TLS1_0_CLIENT,
  SP_PROT_TLS1_0_SERVER,
  SP_PROT_TLS1_1_CLIENT,
  SP_PROT_TLS1_1_SERVER,
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_2_SERVER,
  SP_PROT_TLS1_3_CLIENT,
  SP_PROT_TLS1_3_SERVER,
} from "./src/packages/schannel/mod.ts";
export {
  type CredSspAuthData,
  CredSspDelegatedCredentials,
  SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
} from "./src/packages/credssp/mod.ts";
export {
  client,
  type ClientOptions,
  SecurityContext,
  server,
  type ServerOptions,
} from "./src/friendly/context.ts";
export {
  InitSecurityInterface,
  type InitSecurityInterfaceOptions,
} from "./src/provider.ts";
export type {
  ProviderName,
  SecurityFunctionTable,
} from "./src/native/function_table.ts";
export { initWasm } from "./src/wasm/mod.ts";
export {
  type AuthenticationOptions,
  type AuthFetch,
  type AuthFetchCredentials,
  type AuthFetchOptions,
  createAuthFetch,
  type HttpAuthScheme,
  type Identity,
  identityOf,
  type ServeHandler,
  withAuthentication,
} from "./src/http/mod.ts";
