/**
 * Kerberos V5 numbers (RFC 4120 sections 5 and 7.5, RFC 6806, RFC 6113, MS-KILE):
 * message types, error codes, pre-authentication data types, name types, key usages,
 * and the bits of `KDCOptions`, `APOptions` and `TicketFlags`.
 *
 * Flags are unsigned 32-bit numbers in which bit 0 of the ASN.1 BIT STRING (the most
 * significant bit of its first octet) is `0x80000000`, so bit `n` is
 * `0x80000000 >>> n` (see {@link kerberosFlagBit}).
 *
 * @module
 */

/**
 * The value of bit `n` (0..31) of a `KerberosFlags` number.
 *
 * @example
 * ```ts
 * import { kerberosFlagBit } from "./constants.ts";
 * kerberosFlagBit(15); // 0x00010000 (canonicalize)
 * ```
 */
export function kerberosFlagBit(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 31) {
    throw new RangeError(`KerberosFlags bit out of range: ${n}`);
  }
  return 0x80000000 >>> n;
}

/** The protocol version number (`pvno`, `tkt-vno`, `authenticator-vno`). */
export const KRB5_PVNO = 5;

// Message types (RFC 4120 section 7.5.7), also the APPLICATION tag numbers.
/** KRB_AS_REQ. */
export const KRB_AS_REQ = 10;
/** KRB_AS_REP. */
export const KRB_AS_REP = 11;
/** KRB_TGS_REQ. */
export const KRB_TGS_REQ = 12;
/** KRB_TGS_REP. */
export const KRB_TGS_REP = 13;
/** KRB_AP_REQ. */
export const KRB_AP_REQ = 14;
/** KRB_AP_REP. */
export const KRB_AP_REP = 15;
/** KRB_SAFE. */
export const KRB_SAFE = 20;
/** KRB_PRIV. */
export const KRB_PRIV = 21;
/** KRB_CRED. */
export const KRB_CRED = 22;
/** KRB_ERROR. */
export const KRB_ERROR = 30;

// APPLICATION tags of the other types (RFC 4120 section 5).
/** Ticket. */
export const APP_TICKET = 1;
/** Authenticator. */
export const APP_AUTHENTICATOR = 2;
/** EncTicketPart. */
export const APP_ENC_TICKET_PART = 3;
/** EncASRepPart. */
export const APP_ENC_AS_REP_PART = 25;
/** EncTGSRepPart. */
export const APP_ENC_TGS_REP_PART = 26;
/** EncAPRepPart. */
export const APP_ENC_AP_REP_PART = 27;
/** EncKrbPrivPart. */
export const APP_ENC_KRB_PRIV_PART = 28;
/** EncKrbCredPart. */
export const APP_ENC_KRB_CRED_PART = 29;

// Error codes (RFC 4120 section 7.5.9; RFC 6113; RFC 6806).
/** No error. */
export const KDC_ERR_NONE = 0;
/** Client's entry in the database has expired. */
export const KDC_ERR_NAME_EXP = 1;
/** Server's entry in the database has expired. */
export const KDC_ERR_SERVICE_EXP = 2;
/** Requested protocol version number not supported. */
export const KDC_ERR_BAD_PVNO = 3;
/** Client's key encrypted in an old master key. */
export const KDC_ERR_C_OLD_MAST_KVNO = 4;
/** Server's key encrypted in an old master key. */
export const KDC_ERR_S_OLD_MAST_KVNO = 5;
/** Client not found in the Kerberos database. */
export const KDC_ERR_C_PRINCIPAL_UNKNOWN = 6;
/** Server not found in the Kerberos database. */
export const KDC_ERR_S_PRINCIPAL_UNKNOWN = 7;
/** Multiple principal entries in the database. */
export const KDC_ERR_PRINCIPAL_NOT_UNIQUE = 8;
/** The client or server has a null key. */
export const KDC_ERR_NULL_KEY = 9;
/** Ticket not eligible for postdating. */
export const KDC_ERR_CANNOT_POSTDATE = 10;
/** Requested start time is later than end time. */
export const KDC_ERR_NEVER_VALID = 11;
/** KDC policy rejects the request. */
export const KDC_ERR_POLICY = 12;
/** KDC cannot accommodate the requested option. */
export const KDC_ERR_BADOPTION = 13;
/** KDC has no support for the encryption type. */
export const KDC_ERR_ETYPE_NOSUPP = 14;
/** KDC has no support for the checksum type. */
export const KDC_ERR_SUMTYPE_NOSUPP = 15;
/** KDC has no support for the padata type. */
export const KDC_ERR_PADATA_TYPE_NOSUPP = 16;
/** KDC has no support for the transited type. */
export const KDC_ERR_TRTYPE_NOSUPP = 17;
/** Client's credentials have been revoked. */
export const KDC_ERR_CLIENT_REVOKED = 18;
/** Credentials for the server have been revoked. */
export const KDC_ERR_SERVICE_REVOKED = 19;
/** TGT has been revoked. */
export const KDC_ERR_TGT_REVOKED = 20;
/** Client not yet valid. */
export const KDC_ERR_CLIENT_NOTYET = 21;
/** Server not yet valid. */
export const KDC_ERR_SERVICE_NOTYET = 22;
/** Password has expired. */
export const KDC_ERR_KEY_EXPIRED = 23;
/** Pre-authentication information was invalid. */
export const KDC_ERR_PREAUTH_FAILED = 24;
/** Additional pre-authentication required. */
export const KDC_ERR_PREAUTH_REQUIRED = 25;
/** Requested server and ticket don't match. */
export const KDC_ERR_SERVER_NOMATCH = 26;
/** Server principal valid for user-to-user only. */
export const KDC_ERR_MUST_USE_USER2USER = 27;
/** KDC policy rejects the transited path. */
export const KDC_ERR_PATH_NOT_ACCEPTED = 28;
/** A service is not available. */
export const KDC_ERR_SVC_UNAVAILABLE = 29;
/** Integrity check on a decrypted field failed. */
export const KRB_AP_ERR_BAD_INTEGRITY = 31;
/** Ticket expired. */
export const KRB_AP_ERR_TKT_EXPIRED = 32;
/** Ticket not yet valid. */
export const KRB_AP_ERR_TKT_NYV = 33;
/** Request is a replay. */
export const KRB_AP_ERR_REPEAT = 34;
/** The ticket isn't for us. */
export const KRB_AP_ERR_NOT_US = 35;
/** Ticket and authenticator don't match. */
export const KRB_AP_ERR_BADMATCH = 36;
/** Clock skew too great. */
export const KRB_AP_ERR_SKEW = 37;
/** Incorrect net address. */
export const KRB_AP_ERR_BADADDR = 38;
/** Protocol version mismatch. */
export const KRB_AP_ERR_BADVERSION = 39;
/** Invalid msg type. */
export const KRB_AP_ERR_MSG_TYPE = 40;
/** Message stream modified. */
export const KRB_AP_ERR_MODIFIED = 41;
/** Message out of order. */
export const KRB_AP_ERR_BADORDER = 42;
/** Specified version of key is not available. */
export const KRB_AP_ERR_BADKEYVER = 44;
/** Service key not available. */
export const KRB_AP_ERR_NOKEY = 45;
/** Mutual authentication failed. */
export const KRB_AP_ERR_MUT_FAIL = 46;
/** Incorrect message direction. */
export const KRB_AP_ERR_BADDIRECTION = 47;
/** Alternative authentication method required. */
export const KRB_AP_ERR_METHOD = 48;
/** Incorrect sequence number in message. */
export const KRB_AP_ERR_BADSEQ = 49;
/** Inappropriate type of checksum in message. */
export const KRB_AP_ERR_INAPP_CKSUM = 50;
/** Policy rejects transited path. */
export const KRB_AP_PATH_NOT_ACCEPTED = 51;
/** Response too big for UDP; retry with TCP. */
export const KRB_ERR_RESPONSE_TOO_BIG = 52;
/** Generic error (description in e-text). */
export const KRB_ERR_GENERIC = 60;
/** Field is too long for this implementation. */
export const KRB_ERR_FIELD_TOOLONG = 61;
/** No TGT available to validate USER-TO-USER. */
export const KRB_AP_ERR_NO_TGT = 67;
/** Wrong realm (RFC 6806: a client referral). */
export const KDC_ERR_WRONG_REALM = 68;
/** Ticket must be for USER-TO-USER. */
export const KRB_AP_ERR_USER_TO_USER_REQUIRED = 69;
/** The pre-authentication data has expired (RFC 6113). */
export const KDC_ERR_PREAUTH_EXPIRED = 90;
/** More pre-authentication data is required (RFC 6113). */
export const KDC_ERR_MORE_PREAUTH_DATA_REQUIRED = 91;
/** An unknown critical FAST option was requested (RFC 6113). */
export const KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS = 93;

// Pre-authentication data types (RFC 4120 section 7.5.2, RFC 6113, MS-KILE, MS-SFU).
/** PA-TGS-REQ: the AP-REQ of a TGS-REQ. */
export const PA_TGS_REQ = 1;
/** PA-ENC-TIMESTAMP: encrypted timestamp. */
export const PA_ENC_TIMESTAMP = 2;
/** PA-PW-SALT. */
export const PA_PW_SALT = 3;
/** PA-ETYPE-INFO (obsolete, DES era). */
export const PA_ETYPE_INFO = 11;
/** PA-PK-AS-REQ (PKINIT, RFC 4556). */
export const PA_PK_AS_REQ = 16;
/** PA-PK-AS-REP (PKINIT, RFC 4556). */
export const PA_PK_AS_REP = 17;
/** PA-ETYPE-INFO2. */
export const PA_ETYPE_INFO2 = 19;
/** PA-SVR-REFERRAL-INFO / PA-USE-SPECIFIED-KVNO. */
export const PA_SVR_REFERRAL_INFO = 20;
/** PA-PAC-REQUEST (MS-KILE 2.2.3). */
export const PA_PAC_REQUEST = 128;
/** PA-FOR-USER (MS-SFU S4U2self). */
export const PA_FOR_USER = 129;
/** PA-FX-COOKIE (RFC 6113). */
export const PA_FX_COOKIE = 133;
/** PA-FX-FAST (RFC 6113). */
export const PA_FX_FAST = 136;
/** PA-FX-ERROR (RFC 6113). */
export const PA_FX_ERROR = 137;
/** PA-ENCRYPTED-CHALLENGE (RFC 6113). */
export const PA_ENCRYPTED_CHALLENGE = 138;
/** PA-REQ-ENC-PA-REP (RFC 6806). */
export const PA_REQ_ENC_PA_REP = 149;
/** PA-SUPPORTED-ENCTYPES (MS-KILE 2.2.8). */
export const PA_SUPPORTED_ETYPES = 165;
/** PA-PAC-OPTIONS (MS-KILE 2.2.10). */
export const PA_PAC_OPTIONS = 167;

// The KerberosFlags of PA-PAC-OPTIONS (MS-KILE 2.2.10, MS-SFU 2.2.5).
/** PA-PAC-OPTIONS: the client supports claims. */
export const PAC_OPTION_CLAIMS = 0x80000000; // bit 0
/** PA-PAC-OPTIONS: the client is aware of read-only (branch) DCs. */
export const PAC_OPTION_BRANCH_AWARE = 0x40000000; // bit 1
/** PA-PAC-OPTIONS: a read-only DC should forward the request to a full DC. */
export const PAC_OPTION_FORWARD_TO_FULL_DC = 0x20000000; // bit 2
/**
 * PA-PAC-OPTIONS: an S4U2Proxy request that supports resource-based constrained
 * delegation (the back end's `msDS-AllowedToActOnBehalfOfOtherIdentity`).
 */
export const PAC_OPTION_RESOURCE_BASED_CONSTRAINED_DELEGATION = 0x10000000; // bit 3

// Name types (RFC 4120 section 6.2, RFC 6111, MS-KILE).
/** Name type not known. */
export const NT_UNKNOWN = 0;
/** Just the name of the principal (users). */
export const NT_PRINCIPAL = 1;
/** Service and other unique instance (krbtgt, SPNs). */
export const NT_SRV_INST = 2;
/** Service with host name as instance. */
export const NT_SRV_HST = 3;
/** Service with host as remaining components. */
export const NT_SRV_XHST = 4;
/** Unique ID. */
export const NT_UID = 5;
/** Encoded X.509 distinguished name. */
export const NT_X500_PRINCIPAL = 6;
/** Name in the form of an SMTP email name. */
export const NT_SMTP_NAME = 7;
/** Enterprise name (user@domain as one component; RFC 6806). */
export const NT_ENTERPRISE = 10;
/** Well-known principal (RFC 6111). */
export const NT_WELLKNOWN = 11;
/** Microsoft principal name (MS-KILE). */
export const NT_MS_PRINCIPAL: number = -128;

// Key usage numbers (RFC 4120 section 7.5.1).
/** AS-REQ PA-ENC-TIMESTAMP padata timestamp, encrypted with the client key. */
export const KEY_USAGE_AS_REQ_PA_ENC_TIMESTAMP = 1;
/** AS-REP / TGS-REP ticket, encrypted with the service key. */
export const KEY_USAGE_KDC_REP_TICKET = 2;
/** AS-REP encrypted part, with the client key. */
export const KEY_USAGE_AS_REP_ENC_PART = 3;
/** TGS-REQ authorization data, with the TGS session key. */
export const KEY_USAGE_TGS_REQ_AD_SESSION_KEY = 4;
/** TGS-REQ authorization data, with the authenticator subkey. */
export const KEY_USAGE_TGS_REQ_AD_SUBKEY = 5;
/** TGS-REQ PA-TGS-REQ authenticator checksum, with the TGS session key. */
export const KEY_USAGE_TGS_REQ_AUTH_CKSUM = 6;
/** TGS-REQ PA-TGS-REQ authenticator, with the TGS session key. */
export const KEY_USAGE_TGS_REQ_AUTH = 7;
/** TGS-REP encrypted part, with the TGS session key. */
export const KEY_USAGE_TGS_REP_ENC_PART_SESSION_KEY = 8;
/** TGS-REP encrypted part, with the authenticator subkey. */
export const KEY_USAGE_TGS_REP_ENC_PART_SUBKEY = 9;
/** AP-REQ authenticator checksum, with the application session key. */
export const KEY_USAGE_AP_REQ_AUTH_CKSUM = 10;
/** AP-REQ authenticator, with the application session key. */
export const KEY_USAGE_AP_REQ_AUTH = 11;
/** AP-REP encrypted part, with the application session key. */
export const KEY_USAGE_AP_REP_ENC_PART = 12;
/** KRB-PRIV encrypted part. */
export const KEY_USAGE_KRB_PRIV_ENC_PART = 13;
/** KRB-CRED encrypted part. */
export const KEY_USAGE_KRB_CRED_ENC_PART = 14;
/** KRB-SAFE checksum. */
export const KEY_USAGE_KRB_SAFE_CKSUM = 15;

// KDCOptions bits (RFC 4120 section 5.4.1; RFC 6806).
/** forwardable (bit 1). */
export const KDC_OPT_FORWARDABLE = 0x40000000;
/** forwarded (bit 2). */
export const KDC_OPT_FORWARDED = 0x20000000;
/** proxiable (bit 3). */
export const KDC_OPT_PROXIABLE = 0x10000000;
/** proxy (bit 4). */
export const KDC_OPT_PROXY = 0x08000000;
/** allow-postdate (bit 5). */
export const KDC_OPT_ALLOW_POSTDATE = 0x04000000;
/** postdated (bit 6). */
export const KDC_OPT_POSTDATED = 0x02000000;
/** renewable (bit 8). */
export const KDC_OPT_RENEWABLE = 0x00800000;
/** opt-hardware-auth (bit 11). */
export const KDC_OPT_OPT_HARDWARE_AUTH = 0x00100000;
/** cname-in-addl-tkt / constrained delegation (bit 14, MS-SFU). */
export const KDC_OPT_CNAME_IN_ADDL_TKT = 0x00020000;
/** canonicalize (bit 15, RFC 6806). */
export const KDC_OPT_CANONICALIZE = 0x00010000;
/** request-anonymous (bit 16, RFC 6112). */
export const KDC_OPT_REQUEST_ANONYMOUS = 0x00008000;
/** disable-transited-check (bit 26). */
export const KDC_OPT_DISABLE_TRANSITED_CHECK = 0x00000020;
/** renewable-ok (bit 27). */
export const KDC_OPT_RENEWABLE_OK = 0x00000010;
/** enc-tkt-in-skey (bit 28). */
export const KDC_OPT_ENC_TKT_IN_SKEY = 0x00000008;
/** renew (bit 30). */
export const KDC_OPT_RENEW = 0x00000002;
/** validate (bit 31). */
export const KDC_OPT_VALIDATE = 0x00000001;

// APOptions bits (RFC 4120 section 5.5.1).
/** use-session-key (bit 1). */
export const AP_OPT_USE_SESSION_KEY = 0x40000000;
/** mutual-required (bit 2). */
export const AP_OPT_MUTUAL_REQUIRED = 0x20000000;

// TicketFlags bits (RFC 4120 section 5.3; RFC 6806; RFC 6112).
/** forwardable (bit 1). */
export const TKT_FLG_FORWARDABLE = 0x40000000;
/** forwarded (bit 2). */
export const TKT_FLG_FORWARDED = 0x20000000;
/** proxiable (bit 3). */
export const TKT_FLG_PROXIABLE = 0x10000000;
/** proxy (bit 4). */
export const TKT_FLG_PROXY = 0x08000000;
/** may-postdate (bit 5). */
export const TKT_FLG_MAY_POSTDATE = 0x04000000;
/** postdated (bit 6). */
export const TKT_FLG_POSTDATED = 0x02000000;
/** invalid (bit 7). */
export const TKT_FLG_INVALID = 0x01000000;
/** renewable (bit 8). */
export const TKT_FLG_RENEWABLE = 0x00800000;
/** initial (bit 9). */
export const TKT_FLG_INITIAL = 0x00400000;
/** pre-authent (bit 10). */
export const TKT_FLG_PRE_AUTHENT = 0x00200000;
/** hw-authent (bit 11). */
export const TKT_FLG_HW_AUTHENT = 0x00100000;
/** transited-policy-checked (bit 12). */
export const TKT_FLG_TRANSITED_POLICY_CHECKED = 0x00080000;
/** ok-as-delegate (bit 13). */
export const TKT_FLG_OK_AS_DELEGATE = 0x00040000;
/** enc-pa-rep (bit 15, RFC 6806): the reply carries encrypted-pa-data. */
export const TKT_FLG_ENC_PA_REP = 0x00010000;
/** anonymous (bit 16, RFC 6112). */
export const TKT_FLG_ANONYMOUS = 0x00008000;

// Authorization data types (RFC 4120 section 7.5.4; MS-PAC).
/** AD-IF-RELEVANT. */
export const AD_IF_RELEVANT = 1;
/** AD-KDCIssued. */
export const AD_KDC_ISSUED = 4;
/** AD-AND-OR. */
export const AD_AND_OR = 5;
/** AD-MANDATORY-FOR-KDC. */
export const AD_MANDATORY_FOR_KDC = 8;
/** AD-WIN2K-PAC (the Windows PAC). */
export const AD_WIN2K_PAC = 128;

// Host address types (RFC 4120 section 7.5.3).
/** IPv4. */
export const ADDRTYPE_INET = 2;
/** IPv6. */
export const ADDRTYPE_INET6 = 24;
/** NetBIOS. */
export const ADDRTYPE_NETBIOS = 20;
