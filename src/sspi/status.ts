// Generated from winerror.h values (scripts are not needed to regenerate: edit by hand).
// Status codes are unsigned 32-bit numbers, as HRESULTs print on Windows.
// Note: the seed pages misprint SEC_E_INVALID_HANDLE as 0x80100003; Windows' winerror.h
// and every real implementation (WinPR, sspi-rs) use 0x80090301, which is what we return.

/** The operation completed successfully. (0x00000000) */
export const SEC_E_OK = 0x00000000;
/** Not enough memory is available to complete this request. (0x80090300) */
export const SEC_E_INSUFFICIENT_MEMORY = 0x80090300;
/** The handle specified is invalid. (0x80090301) */
export const SEC_E_INVALID_HANDLE = 0x80090301;
/** The function requested is not supported. (0x80090302) */
export const SEC_E_UNSUPPORTED_FUNCTION = 0x80090302;
/** The specified target is unknown or unreachable. (0x80090303) */
export const SEC_E_TARGET_UNKNOWN = 0x80090303;
/** The Local Security Authority cannot be contacted. (0x80090304) */
export const SEC_E_INTERNAL_ERROR = 0x80090304;
/** The requested security package does not exist. (0x80090305) */
export const SEC_E_SECPKG_NOT_FOUND = 0x80090305;
/** The caller is not the owner of the desired credentials. (0x80090306) */
export const SEC_E_NOT_OWNER = 0x80090306;
/** The security package failed to initialize, and cannot be installed. (0x80090307) */
export const SEC_E_CANNOT_INSTALL = 0x80090307;
/** The token supplied to the function is invalid. (0x80090308) */
export const SEC_E_INVALID_TOKEN = 0x80090308;
/** The security package is not able to marshal the logon buffer. (0x80090309) */
export const SEC_E_CANNOT_PACK = 0x80090309;
/** The per-message Quality of Protection is not supported by the security package. (0x8009030A) */
export const SEC_E_QOP_NOT_SUPPORTED = 0x8009030A;
/** The security context does not allow impersonation of the client. (0x8009030B) */
export const SEC_E_NO_IMPERSONATION = 0x8009030B;
/** The logon attempt failed. (0x8009030C) */
export const SEC_E_LOGON_DENIED = 0x8009030C;
/** The credentials supplied to the package were not recognized. (0x8009030D) */
export const SEC_E_UNKNOWN_CREDENTIALS = 0x8009030D;
/** No credentials are available in the security package. (0x8009030E) */
export const SEC_E_NO_CREDENTIALS = 0x8009030E;
/** The message or signature supplied for verification has been altered. (0x8009030F) */
export const SEC_E_MESSAGE_ALTERED = 0x8009030F;
/** The message supplied for verification is out of sequence. (0x80090310) */
export const SEC_E_OUT_OF_SEQUENCE = 0x80090310;
/** No authority could be contacted for authentication. (0x80090311) */
export const SEC_E_NO_AUTHENTICATING_AUTHORITY = 0x80090311;
/** The function completed successfully, but must be called again to complete the context. (0x00090312) */
export const SEC_I_CONTINUE_NEEDED = 0x00090312;
/** The function completed successfully, but CompleteToken must be called. (0x00090313) */
export const SEC_I_COMPLETE_NEEDED = 0x00090313;
/** The function completed successfully, but both CompleteToken and this function must be called to complete the context. (0x00090314) */
export const SEC_I_COMPLETE_AND_CONTINUE = 0x00090314;
/** The logon was completed, but no network authority was available. (0x00090315) */
export const SEC_I_LOCAL_LOGON = 0x00090315;
/** A generic extension was received. (0x00090316) */
export const SEC_I_GENERIC_EXTENSION_RECEIVED = 0x00090316;
/** The requested security package does not exist. (0x80090316) */
export const SEC_E_BAD_PKGID = 0x80090316;
/** The context has expired and can no longer be used. (0x80090317) */
export const SEC_E_CONTEXT_EXPIRED = 0x80090317;
/** The context has expired and can no longer be used. (0x00090317) */
export const SEC_I_CONTEXT_EXPIRED = 0x00090317;
/** The supplied message is incomplete. The signature was not verified. (0x80090318) */
export const SEC_E_INCOMPLETE_MESSAGE = 0x80090318;
/** The credentials supplied were not complete, and could not be verified. (0x80090320) */
export const SEC_E_INCOMPLETE_CREDENTIALS = 0x80090320;
/** The credentials supplied were not complete. Additional information can be returned from the context. (0x00090320) */
export const SEC_I_INCOMPLETE_CREDENTIALS = 0x00090320;
/** The buffers supplied to a function was too small. (0x80090321) */
export const SEC_E_BUFFER_TOO_SMALL = 0x80090321;
/** The context data must be renegotiated with the peer. (0x00090321) */
export const SEC_I_RENEGOTIATE = 0x00090321;
/** The target principal name is incorrect. (0x80090322) */
export const SEC_E_WRONG_PRINCIPAL = 0x80090322;
/** There is no LSA mode context associated with this context. (0x00090323) */
export const SEC_I_NO_LSA_CONTEXT = 0x00090323;
/** The clocks on the client and server machines are skewed. (0x80090324) */
export const SEC_E_TIME_SKEW = 0x80090324;
/** The certificate chain was issued by an authority that is not trusted. (0x80090325) */
export const SEC_E_UNTRUSTED_ROOT = 0x80090325;
/** The message received was unexpected or badly formatted. (0x80090326) */
export const SEC_E_ILLEGAL_MESSAGE = 0x80090326;
/** An unknown error occurred while processing the certificate. (0x80090327) */
export const SEC_E_CERT_UNKNOWN = 0x80090327;
/** The received certificate has expired. (0x80090328) */
export const SEC_E_CERT_EXPIRED = 0x80090328;
/** The specified data could not be encrypted. (0x80090329) */
export const SEC_E_ENCRYPT_FAILURE = 0x80090329;
/** The specified data could not be decrypted. (0x80090330) */
export const SEC_E_DECRYPT_FAILURE = 0x80090330;
/** The client and server cannot communicate, because they do not possess a common algorithm. (0x80090331) */
export const SEC_E_ALGORITHM_MISMATCH = 0x80090331;
/** The security context could not be established due to a failure in the requested quality of service. (0x80090332) */
export const SEC_E_SECURITY_QOS_FAILED = 0x80090332;
/** A security context was deleted before the context was completed. (0x80090333) */
export const SEC_E_UNFINISHED_CONTEXT_DELETED = 0x80090333;
/** The client is trying to negotiate a context and the server requires user-to-user but did not send a TGT reply. (0x80090334) */
export const SEC_E_NO_TGT_REPLY = 0x80090334;
/** Unable to accomplish the requested task because the local machine does not have any IP addresses. (0x80090335) */
export const SEC_E_NO_IP_ADDRESSES = 0x80090335;
/** The supplied credential handle does not match the credential associated with the security context. (0x80090336) */
export const SEC_E_WRONG_CREDENTIAL_HANDLE = 0x80090336;
/** The crypto system or checksum function is invalid because a required function is unavailable. (0x80090337) */
export const SEC_E_CRYPTO_SYSTEM_INVALID = 0x80090337;
/** The number of maximum ticket referrals has been exceeded. (0x80090338) */
export const SEC_E_MAX_REFERRALS_EXCEEDED = 0x80090338;
/** The local machine must be a Kerberos KDC (domain controller) and it is not. (0x80090339) */
export const SEC_E_MUST_BE_KDC = 0x80090339;
/** The other end of the security negotiation requires strong crypto but it is not supported on the local machine. (0x8009033A) */
export const SEC_E_STRONG_CRYPTO_NOT_SUPPORTED = 0x8009033A;
/** The KDC reply contained more than one principal name. (0x8009033B) */
export const SEC_E_TOO_MANY_PRINCIPALS = 0x8009033B;
/** Expected to find PA data for a hint of what etype to use, but it was not found. (0x8009033C) */
export const SEC_E_NO_PA_DATA = 0x8009033C;
/** The client certificate does not contain a valid UPN, or does not match the client name in the logon request. (0x8009033D) */
export const SEC_E_PKINIT_NAME_MISMATCH = 0x8009033D;
/** Smartcard logon is required and was not used. (0x8009033E) */
export const SEC_E_SMARTCARD_LOGON_REQUIRED = 0x8009033E;
/** A system shutdown is in progress. (0x8009033F) */
export const SEC_E_SHUTDOWN_IN_PROGRESS = 0x8009033F;
/** An invalid request was sent to the KDC. (0x80090340) */
export const SEC_E_KDC_INVALID_REQUEST = 0x80090340;
/** The KDC was unable to generate a referral for the service requested. (0x80090341) */
export const SEC_E_KDC_UNABLE_TO_REFER = 0x80090341;
/** The encryption type requested is not supported by the KDC. (0x80090342) */
export const SEC_E_KDC_UNKNOWN_ETYPE = 0x80090342;
/** An unsupported preauthentication mechanism was presented to the Kerberos package. (0x80090343) */
export const SEC_E_UNSUPPORTED_PREAUTH = 0x80090343;
/** The requested operation cannot be completed. The computer must be trusted for delegation. (0x80090345) */
export const SEC_E_DELEGATION_REQUIRED = 0x80090345;
/** Client's supplied SSPI channel bindings were incorrect. (0x80090346) */
export const SEC_E_BAD_BINDINGS = 0x80090346;
/** The received certificate was mapped to multiple accounts. (0x80090347) */
export const SEC_E_MULTIPLE_ACCOUNTS = 0x80090347;
/** No Kerberos key was found. (0x80090348) */
export const SEC_E_NO_KERB_KEY = 0x80090348;
/** The certificate is not valid for the requested usage. (0x80090349) */
export const SEC_E_CERT_WRONG_USAGE = 0x80090349;
/** The system cannot contact a domain controller to service the authentication request, or a downgrade was detected. (0x80090350) */
export const SEC_E_DOWNGRADE_DETECTED = 0x80090350;
/** The smartcard certificate used for authentication has been revoked. (0x80090351) */
export const SEC_E_SMARTCARD_CERT_REVOKED = 0x80090351;
/** An untrusted certificate authority was detected while processing the smartcard certificate. (0x80090352) */
export const SEC_E_ISSUING_CA_UNTRUSTED = 0x80090352;
/** The revocation status of the smartcard certificate could not be determined. (0x80090353) */
export const SEC_E_REVOCATION_OFFLINE_C = 0x80090353;
/** The smartcard certificate used for authentication was not trusted. (0x80090354) */
export const SEC_E_PKINIT_CLIENT_FAILURE = 0x80090354;
/** The smartcard certificate used for authentication has expired. (0x80090355) */
export const SEC_E_SMARTCARD_CERT_EXPIRED = 0x80090355;
/** The Kerberos subsystem encountered an error. (0x80090356) */
export const SEC_E_NO_S4U_PROT_SUPPORT = 0x80090356;
/** An attempt was made by this server to make a Kerberos constrained delegation request for a target outside of the server's realm. (0x80090357) */
export const SEC_E_CROSSREALM_DELEGATION_FAILURE = 0x80090357;
/** The revocation status of the domain controller certificate could not be determined. (0x80090358) */
export const SEC_E_REVOCATION_OFFLINE_KDC = 0x80090358;
/** An untrusted certificate authority was detected while processing the domain controller certificate. (0x80090359) */
export const SEC_E_ISSUING_CA_UNTRUSTED_KDC = 0x80090359;
/** The domain controller certificate used for smartcard logon has expired. (0x8009035A) */
export const SEC_E_KDC_CERT_EXPIRED = 0x8009035A;
/** The domain controller certificate used for smartcard logon has been revoked. (0x8009035B) */
export const SEC_E_KDC_CERT_REVOKED = 0x8009035B;
/** A signature operation must be performed before the user can authenticate. (0x0009035C) */
export const SEC_I_SIGNATURE_NEEDED = 0x0009035C;
/** One or more of the parameters passed to the function was invalid. (0x8009035D) */
export const SEC_E_INVALID_PARAMETER = 0x8009035D;
/** Client policy does not allow credential delegation to the target server. (0x8009035E) */
export const SEC_E_DELEGATION_POLICY = 0x8009035E;
/** Client policy does not allow credential delegation to the target server with NLTM only authentication. (0x8009035F) */
export const SEC_E_POLICY_NLTM_ONLY = 0x8009035F;
/** The recipient rejected the renegotiation request. (0x00090360) */
export const SEC_I_NO_RENEGOTIATION = 0x00090360;
/** The required security context does not exist. (0x80090361) */
export const SEC_E_NO_CONTEXT = 0x80090361;
/** The PKU2U protocol encountered an error while attempting to utilize the associated certificates. (0x80090362) */
export const SEC_E_PKU2U_CERT_FAILURE = 0x80090362;
/** The identity of the server computer could not be verified. (0x80090363) */
export const SEC_E_MUTUAL_AUTH_FAILED = 0x80090363;
/** The returned buffer is only a fragment of the message. More fragments need to be returned. (0x00090364) */
export const SEC_I_MESSAGE_FRAGMENT = 0x00090364;
/** Only https scheme is allowed. (0x80090365) */
export const SEC_E_ONLY_HTTPS_ALLOWED = 0x80090365;
/** The function completed successfully, but must be called again to complete the context. Early start can be used. (0x00090366) */
export const SEC_I_CONTINUE_NEEDED_MESSAGE_OK = 0x00090366;
/** No common application protocol exists between the client and the server. (0x80090367) */
export const SEC_E_APPLICATION_PROTOCOL_MISMATCH = 0x80090367;
/** An asynchronous SSPI routine has been called and the work is pending completion. (0x00090368) */
export const SEC_I_ASYNC_CALL_PENDING = 0x00090368;
/** You can't sign in with a user ID in this format. (0x80090369) */
export const SEC_E_INVALID_UPN_NAME = 0x80090369;
/** The buffer supplied by the SSPI caller to receive generic extensions is too small. (0x8009036A) */
export const SEC_E_EXT_BUFFER_TOO_SMALL = 0x8009036A;
/** Not enough secbuffers were supplied to generate a token. (0x8009036B) */
export const SEC_E_INSUFFICIENT_BUFFERS = 0x8009036B;

// CRYPT_E_* values (winerror.h) Schannel returns when certificate revocation checking
// fails (SCH_CRED_REVOCATION_CHECK_* credential flags).

/** The certificate is revoked. (0x80092010) */
export const CRYPT_E_REVOKED = 0x80092010;
/** The revocation function was unable to check revocation for the certificate. (0x80092012) */
export const CRYPT_E_NO_REVOCATION_CHECK = 0x80092012;
/** The revocation function was unable to check revocation because the revocation server was offline. (0x80092013) */
export const CRYPT_E_REVOCATION_OFFLINE = 0x80092013;

// NTSTATUS values Windows' Kerberos package returns where no SEC_E_* fits (as the
// LSA hands them through SSPI): expired passwords and the change-password policy;
// and the account restriction of a refused Restricted Admin logon (CredSSP).

/** The user's password has expired. (NTSTATUS 0xC0000071) */
export const STATUS_PASSWORD_EXPIRED = 0xC0000071;
/** The user's password must be changed before signing in. (NTSTATUS 0xC0000224) */
export const STATUS_PASSWORD_MUST_CHANGE = 0xC0000224;
/** The new password does not meet the password policy (length, complexity, history, minimum age). (NTSTATUS 0xC000006C) */
export const STATUS_PASSWORD_RESTRICTION = 0xC000006C;
/** An account restriction refused the logon; what a CredSSP server that refuses Restricted Admin mode reports. (NTSTATUS 0xC000006E) */
export const STATUS_ACCOUNT_RESTRICTION = 0xC000006E;

/** Aliases Windows defines for the same values. */
/** Same value as {@link SEC_E_UNSUPPORTED_FUNCTION}. */
export const SEC_E_NOT_SUPPORTED: number = SEC_E_UNSUPPORTED_FUNCTION;

const NAMES: ReadonlyMap<number, readonly [string, string]> = new Map<
  number,
  readonly [string, string]
>([
  [SEC_E_OK, ["SEC_E_OK", "The operation completed successfully."]],
  [SEC_E_INSUFFICIENT_MEMORY, [
    "SEC_E_INSUFFICIENT_MEMORY",
    "Not enough memory is available to complete this request.",
  ]],
  [SEC_E_INVALID_HANDLE, [
    "SEC_E_INVALID_HANDLE",
    "The handle specified is invalid.",
  ]],
  [SEC_E_UNSUPPORTED_FUNCTION, [
    "SEC_E_UNSUPPORTED_FUNCTION",
    "The function requested is not supported.",
  ]],
  [SEC_E_TARGET_UNKNOWN, [
    "SEC_E_TARGET_UNKNOWN",
    "The specified target is unknown or unreachable.",
  ]],
  [SEC_E_INTERNAL_ERROR, [
    "SEC_E_INTERNAL_ERROR",
    "The Local Security Authority cannot be contacted.",
  ]],
  [SEC_E_SECPKG_NOT_FOUND, [
    "SEC_E_SECPKG_NOT_FOUND",
    "The requested security package does not exist.",
  ]],
  [SEC_E_NOT_OWNER, [
    "SEC_E_NOT_OWNER",
    "The caller is not the owner of the desired credentials.",
  ]],
  [SEC_E_CANNOT_INSTALL, [
    "SEC_E_CANNOT_INSTALL",
    "The security package failed to initialize, and cannot be installed.",
  ]],
  [SEC_E_INVALID_TOKEN, [
    "SEC_E_INVALID_TOKEN",
    "The token supplied to the function is invalid.",
  ]],
  [SEC_E_CANNOT_PACK, [
    "SEC_E_CANNOT_PACK",
    "The security package is not able to marshal the logon buffer.",
  ]],
  [SEC_E_QOP_NOT_SUPPORTED, [
    "SEC_E_QOP_NOT_SUPPORTED",
    "The per-message Quality of Protection is not supported by the security package.",
  ]],
  [SEC_E_NO_IMPERSONATION, [
    "SEC_E_NO_IMPERSONATION",
    "The security context does not allow impersonation of the client.",
  ]],
  [SEC_E_LOGON_DENIED, ["SEC_E_LOGON_DENIED", "The logon attempt failed."]],
  [SEC_E_UNKNOWN_CREDENTIALS, [
    "SEC_E_UNKNOWN_CREDENTIALS",
    "The credentials supplied to the package were not recognized.",
  ]],
  [SEC_E_NO_CREDENTIALS, [
    "SEC_E_NO_CREDENTIALS",
    "No credentials are available in the security package.",
  ]],
  [SEC_E_MESSAGE_ALTERED, [
    "SEC_E_MESSAGE_ALTERED",
    "The message or signature supplied for verification has been altered.",
  ]],
  [SEC_E_OUT_OF_SEQUENCE, [
    "SEC_E_OUT_OF_SEQUENCE",
    "The message supplied for verification is out of sequence.",
  ]],
  [SEC_E_NO_AUTHENTICATING_AUTHORITY, [
    "SEC_E_NO_AUTHENTICATING_AUTHORITY",
    "No authority could be contacted for authentication.",
  ]],
  [SEC_I_CONTINUE_NEEDED, [
    "SEC_I_CONTINUE_NEEDED",
    "The function completed successfully, but must be called again to complete the context.",
  ]],
  [SEC_I_COMPLETE_NEEDED, [
    "SEC_I_COMPLETE_NEEDED",
    "The function completed successfully, but CompleteToken must be called.",
  ]],
  [SEC_I_COMPLETE_AND_CONTINUE, [
    "SEC_I_COMPLETE_AND_CONTINUE",
    "The function completed successfully, but both CompleteToken and this function must be called to complete the context.",
  ]],
  [SEC_I_LOCAL_LOGON, [
    "SEC_I_LOCAL_LOGON",
    "The logon was completed, but no network authority was available.",
  ]],
  [SEC_I_GENERIC_EXTENSION_RECEIVED, [
    "SEC_I_GENERIC_EXTENSION_RECEIVED",
    "A generic extension was received.",
  ]],
  [SEC_E_BAD_PKGID, [
    "SEC_E_BAD_PKGID",
    "The requested security package does not exist.",
  ]],
  [SEC_E_CONTEXT_EXPIRED, [
    "SEC_E_CONTEXT_EXPIRED",
    "The context has expired and can no longer be used.",
  ]],
  [SEC_I_CONTEXT_EXPIRED, [
    "SEC_I_CONTEXT_EXPIRED",
    "The context has expired and can no longer be used.",
  ]],
  [SEC_E_INCOMPLETE_MESSAGE, [
    "SEC_E_INCOMPLETE_MESSAGE",
    "The supplied message is incomplete. The signature was not verified.",
  ]],
  [SEC_E_INCOMPLETE_CREDENTIALS, [
    "SEC_E_INCOMPLETE_CREDENTIALS",
    "The credentials supplied were not complete, and could not be verified.",
  ]],
  [SEC_I_INCOMPLETE_CREDENTIALS, [
    "SEC_I_INCOMPLETE_CREDENTIALS",
    "The credentials supplied were not complete. Additional information can be returned from the context.",
  ]],
  [SEC_E_BUFFER_TOO_SMALL, [
    "SEC_E_BUFFER_TOO_SMALL",
    "The buffers supplied to a function was too small.",
  ]],
  [SEC_I_RENEGOTIATE, [
    "SEC_I_RENEGOTIATE",
    "The context data must be renegotiated with the peer.",
  ]],
  [SEC_E_WRONG_PRINCIPAL, [
    "SEC_E_WRONG_PRINCIPAL",
    "The target principal name is incorrect.",
  ]],
  [SEC_I_NO_LSA_CONTEXT, [
    "SEC_I_NO_LSA_CONTEXT",
    "There is no LSA mode context associated with this context.",
  ]],
  [SEC_E_TIME_SKEW, [
    "SEC_E_TIME_SKEW",
    "The clocks on the client and server machines are skewed.",
  ]],
  [SEC_E_UNTRUSTED_ROOT, [
    "SEC_E_UNTRUSTED_ROOT",
    "The certificate chain was issued by an authority that is not trusted.",
  ]],
  [SEC_E_ILLEGAL_MESSAGE, [
    "SEC_E_ILLEGAL_MESSAGE",
    "The message received was unexpected or badly formatted.",
  ]],
  [SEC_E_CERT_UNKNOWN, [
    "SEC_E_CERT_UNKNOWN",
    "An unknown error occurred while processing the certificate.",
  ]],
  [SEC_E_CERT_EXPIRED, [
    "SEC_E_CERT_EXPIRED",
    "The received certificate has expired.",
  ]],
  [SEC_E_ENCRYPT_FAILURE, [
    "SEC_E_ENCRYPT_FAILURE",
    "The specified data could not be encrypted.",
  ]],
  [SEC_E_DECRYPT_FAILURE, [
    "SEC_E_DECRYPT_FAILURE",
    "The specified data could not be decrypted.",
  ]],
  [SEC_E_ALGORITHM_MISMATCH, [
    "SEC_E_ALGORITHM_MISMATCH",
    "The client and server cannot communicate, because they do not possess a common algorithm.",
  ]],
  [SEC_E_SECURITY_QOS_FAILED, [
    "SEC_E_SECURITY_QOS_FAILED",
    "The security context could not be established due to a failure in the requested quality of service.",
  ]],
  [SEC_E_UNFINISHED_CONTEXT_DELETED, [
    "SEC_E_UNFINISHED_CONTEXT_DELETED",
    "A security context was deleted before the context was completed.",
  ]],
  [SEC_E_NO_TGT_REPLY, [
    "SEC_E_NO_TGT_REPLY",
    "The client is trying to negotiate a context and the server requires user-to-user but did not send a TGT reply.",
  ]],
  [SEC_E_NO_IP_ADDRESSES, [
    "SEC_E_NO_IP_ADDRESSES",
    "Unable to accomplish the requested task because the local machine does not have any IP addresses.",
  ]],
  [SEC_E_WRONG_CREDENTIAL_HANDLE, [
    "SEC_E_WRONG_CREDENTIAL_HANDLE",
    "The supplied credential handle does not match the credential associated with the security context.",
  ]],
  [SEC_E_CRYPTO_SYSTEM_INVALID, [
    "SEC_E_CRYPTO_SYSTEM_INVALID",
    "The crypto system or checksum function is invalid because a required function is unavailable.",
  ]],
  [SEC_E_MAX_REFERRALS_EXCEEDED, [
    "SEC_E_MAX_REFERRALS_EXCEEDED",
    "The number of maximum ticket referrals has been exceeded.",
  ]],
  [SEC_E_MUST_BE_KDC, [
    "SEC_E_MUST_BE_KDC",
    "The local machine must be a Kerberos KDC (domain controller) and it is not.",
  ]],
  [SEC_E_STRONG_CRYPTO_NOT_SUPPORTED, [
    "SEC_E_STRONG_CRYPTO_NOT_SUPPORTED",
    "The other end of the security negotiation requires strong crypto but it is not supported on the local machine.",
  ]],
  [SEC_E_TOO_MANY_PRINCIPALS, [
    "SEC_E_TOO_MANY_PRINCIPALS",
    "The KDC reply contained more than one principal name.",
  ]],
  [SEC_E_NO_PA_DATA, [
    "SEC_E_NO_PA_DATA",
    "Expected to find PA data for a hint of what etype to use, but it was not found.",
  ]],
  [SEC_E_PKINIT_NAME_MISMATCH, [
    "SEC_E_PKINIT_NAME_MISMATCH",
    "The client certificate does not contain a valid UPN, or does not match the client name in the logon request.",
  ]],
  [SEC_E_SMARTCARD_LOGON_REQUIRED, [
    "SEC_E_SMARTCARD_LOGON_REQUIRED",
    "Smartcard logon is required and was not used.",
  ]],
  [SEC_E_SHUTDOWN_IN_PROGRESS, [
    "SEC_E_SHUTDOWN_IN_PROGRESS",
    "A system shutdown is in progress.",
  ]],
  [SEC_E_KDC_INVALID_REQUEST, [
    "SEC_E_KDC_INVALID_REQUEST",
    "An invalid request was sent to the KDC.",
  ]],
  [SEC_E_KDC_UNABLE_TO_REFER, [
    "SEC_E_KDC_UNABLE_TO_REFER",
    "The KDC was unable to generate a referral for the service requested.",
  ]],
  [SEC_E_KDC_UNKNOWN_ETYPE, [
    "SEC_E_KDC_UNKNOWN_ETYPE",
    "The encryption type requested is not supported by the KDC.",
  ]],
  [SEC_E_UNSUPPORTED_PREAUTH, [
    "SEC_E_UNSUPPORTED_PREAUTH",
    "An unsupported preauthentication mechanism was presented to the Kerberos package.",
  ]],
  [SEC_E_DELEGATION_REQUIRED, [
    "SEC_E_DELEGATION_REQUIRED",
    "The requested operation cannot be completed. The computer must be trusted for delegation.",
  ]],
  [SEC_E_BAD_BINDINGS, [
    "SEC_E_BAD_BINDINGS",
    "Client's supplied SSPI channel bindings were incorrect.",
  ]],
  [SEC_E_MULTIPLE_ACCOUNTS, [
    "SEC_E_MULTIPLE_ACCOUNTS",
    "The received certificate was mapped to multiple accounts.",
  ]],
  [SEC_E_NO_KERB_KEY, ["SEC_E_NO_KERB_KEY", "No Kerberos key was found."]],
  [SEC_E_CERT_WRONG_USAGE, [
    "SEC_E_CERT_WRONG_USAGE",
    "The certificate is not valid for the requested usage.",
  ]],
  [SEC_E_DOWNGRADE_DETECTED, [
    "SEC_E_DOWNGRADE_DETECTED",
    "The system cannot contact a domain controller to service the authentication request, or a downgrade was detected.",
  ]],
  [SEC_E_SMARTCARD_CERT_REVOKED, [
    "SEC_E_SMARTCARD_CERT_REVOKED",
    "The smartcard certificate used for authentication has been revoked.",
  ]],
  [SEC_E_ISSUING_CA_UNTRUSTED, [
    "SEC_E_ISSUING_CA_UNTRUSTED",
    "An untrusted certificate authority was detected while processing the smartcard certificate.",
  ]],
  [SEC_E_REVOCATION_OFFLINE_C, [
    "SEC_E_REVOCATION_OFFLINE_C",
    "The revocation status of the smartcard certificate could not be determined.",
  ]],
  [SEC_E_PKINIT_CLIENT_FAILURE, [
    "SEC_E_PKINIT_CLIENT_FAILURE",
    "The smartcard certificate used for authentication was not trusted.",
  ]],
  [SEC_E_SMARTCARD_CERT_EXPIRED, [
    "SEC_E_SMARTCARD_CERT_EXPIRED",
    "The smartcard certificate used for authentication has expired.",
  ]],
  [SEC_E_NO_S4U_PROT_SUPPORT, [
    "SEC_E_NO_S4U_PROT_SUPPORT",
    "The Kerberos subsystem encountered an error.",
  ]],
  [SEC_E_CROSSREALM_DELEGATION_FAILURE, [
    "SEC_E_CROSSREALM_DELEGATION_FAILURE",
    "An attempt was made by this server to make a Kerberos constrained delegation request for a target outside of the server's realm.",
  ]],
  [SEC_E_REVOCATION_OFFLINE_KDC, [
    "SEC_E_REVOCATION_OFFLINE_KDC",
    "The revocation status of the domain controller certificate could not be determined.",
  ]],
  [SEC_E_ISSUING_CA_UNTRUSTED_KDC, [
    "SEC_E_ISSUING_CA_UNTRUSTED_KDC",
    "An untrusted certificate authority was detected while processing the domain controller certificate.",
  ]],
  [SEC_E_KDC_CERT_EXPIRED, [
    "SEC_E_KDC_CERT_EXPIRED",
    "The domain controller certificate used for smartcard logon has expired.",
  ]],
  [SEC_E_KDC_CERT_REVOKED, [
    "SEC_E_KDC_CERT_REVOKED",
    "The domain controller certificate used for smartcard logon has been revoked.",
  ]],
  [SEC_I_SIGNATURE_NEEDED, [
    "SEC_I_SIGNATURE_NEEDED",
    "A signature operation must be performed before the user can authenticate.",
  ]],
  [SEC_E_INVALID_PARAMETER, [
    "SEC_E_INVALID_PARAMETER",
    "One or more of the parameters passed to the function was invalid.",
  ]],
  [SEC_E_DELEGATION_POLICY, [
    "SEC_E_DELEGATION_POLICY",
    "Client policy does not allow credential delegation to the target server.",
  ]],
  [SEC_E_POLICY_NLTM_ONLY, [
    "SEC_E_POLICY_NLTM_ONLY",
    "Client policy does not allow credential delegation to the target server with NLTM only authentication.",
  ]],
  [SEC_I_NO_RENEGOTIATION, [
    "SEC_I_NO_RENEGOTIATION",
    "The recipient rejected the renegotiation request.",
  ]],
  [SEC_E_NO_CONTEXT, [
    "SEC_E_NO_CONTEXT",
    "The required security context does not exist.",
  ]],
  [SEC_E_PKU2U_CERT_FAILURE, [
    "SEC_E_PKU2U_CERT_FAILURE",
    "The PKU2U protocol encountered an error while attempting to utilize the associated certificates.",
  ]],
  [SEC_E_MUTUAL_AUTH_FAILED, [
    "SEC_E_MUTUAL_AUTH_FAILED",
    "The identity of the server computer could not be verified.",
  ]],
  [SEC_I_MESSAGE_FRAGMENT, [
    "SEC_I_MESSAGE_FRAGMENT",
    "The returned buffer is only a fragment of the message. More fragments need to be returned.",
  ]],
  [SEC_E_ONLY_HTTPS_ALLOWED, [
    "SEC_E_ONLY_HTTPS_ALLOWED",
    "Only https scheme is allowed.",
  ]],
  [SEC_I_CONTINUE_NEEDED_MESSAGE_OK, [
    "SEC_I_CONTINUE_NEEDED_MESSAGE_OK",
    "The function completed successfully, but must be called again to complete the context. Early start can be used.",
  ]],
  [SEC_E_APPLICATION_PROTOCOL_MISMATCH, [
    "SEC_E_APPLICATION_PROTOCOL_MISMATCH",
    "No common application protocol exists between the client and the server.",
  ]],
  [SEC_I_ASYNC_CALL_PENDING, [
    "SEC_I_ASYNC_CALL_PENDING",
    "An asynchronous SSPI routine has been called and the work is pending completion.",
  ]],
  [SEC_E_INVALID_UPN_NAME, [
    "SEC_E_INVALID_UPN_NAME",
    "You can't sign in with a user ID in this format.",
  ]],
  [SEC_E_EXT_BUFFER_TOO_SMALL, [
    "SEC_E_EXT_BUFFER_TOO_SMALL",
    "The buffer supplied by the SSPI caller to receive generic extensions is too small.",
  ]],
  [SEC_E_INSUFFICIENT_BUFFERS, [
    "SEC_E_INSUFFICIENT_BUFFERS",
    "Not enough secbuffers were supplied to generate a token.",
  ]],
  [CRYPT_E_REVOKED, ["CRYPT_E_REVOKED", "The certificate is revoked."]],
  [CRYPT_E_NO_REVOCATION_CHECK, [
    "CRYPT_E_NO_REVOCATION_CHECK",
    "The revocation function was unable to check revocation for the certificate.",
  ]],
  [CRYPT_E_REVOCATION_OFFLINE, [
    "CRYPT_E_REVOCATION_OFFLINE",
    "The revocation function was unable to check revocation because the revocation server was offline.",
  ]],
  [STATUS_PASSWORD_EXPIRED, [
    "STATUS_PASSWORD_EXPIRED",
    "The user's password has expired.",
  ]],
  [STATUS_PASSWORD_MUST_CHANGE, [
    "STATUS_PASSWORD_MUST_CHANGE",
    "The user's password must be changed before signing in.",
  ]],
  [STATUS_PASSWORD_RESTRICTION, [
    "STATUS_PASSWORD_RESTRICTION",
    "The new password does not meet the password policy.",
  ]],
  [STATUS_ACCOUNT_RESTRICTION, [
    "STATUS_ACCOUNT_RESTRICTION",
    "Account restrictions are preventing this user from signing in.",
  ]],
]);

/**
 * The symbolic name of a status code, e.g. `"SEC_E_INVALID_TOKEN"`, or the code in hex.
 *
 * @example
 * ```ts
 * import { SEC_E_LOGON_DENIED, statusName } from "./status.ts";
 * statusName(SEC_E_LOGON_DENIED); // "SEC_E_LOGON_DENIED"
 * ```
 */
export function statusName(status: number): string {
  return NAMES.get(status >>> 0)?.[0] ??
    `0x${(status >>> 0).toString(16).padStart(8, "0").toUpperCase()}`;
}

/** The Windows message text for a status code, or `""` when unknown. */
export function statusMessage(status: number): string {
  return NAMES.get(status >>> 0)?.[1] ?? "";
}

/** True for success codes (`SEC_E_OK` and every `SEC_I_*`). */
export function isSuccess(status: number): boolean {
  return ((status >>> 0) & 0x80000000) === 0;
}

/** True for failure codes (`SEC_E_*`). */
export function isFailure(status: number): boolean {
  return ((status >>> 0) & 0x80000000) !== 0;
}

/** True when a handshake step asks for another round (`SEC_I_CONTINUE_NEEDED` or `SEC_I_COMPLETE_AND_CONTINUE`). */
export function continues(status: number): boolean {
  const s = status >>> 0;
  return s === SEC_I_CONTINUE_NEEDED || s === SEC_I_COMPLETE_AND_CONTINUE;
}
