// Flag and enumeration values with their Win32 names and sspi.h values.

// InitializeSecurityContext request flags (fContextReq).
/** `ISC_REQ_DELEGATE` (0x1): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_DELEGATE = 0x1;
/** `ISC_REQ_MUTUAL_AUTH` (0x2): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_MUTUAL_AUTH = 0x2;
/** `ISC_REQ_REPLAY_DETECT` (0x4): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_REPLAY_DETECT = 0x4;
/** `ISC_REQ_SEQUENCE_DETECT` (0x8): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_SEQUENCE_DETECT = 0x8;
/** `ISC_REQ_CONFIDENTIALITY` (0x10): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_CONFIDENTIALITY = 0x10;
/** `ISC_REQ_USE_SESSION_KEY` (0x20): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_USE_SESSION_KEY = 0x20;
/** `ISC_REQ_PROMPT_FOR_CREDS` (0x40): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_PROMPT_FOR_CREDS = 0x40;
/** `ISC_REQ_USE_SUPPLIED_CREDS` (0x80): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_USE_SUPPLIED_CREDS = 0x80;
/** `ISC_REQ_ALLOCATE_MEMORY` (0x100): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_ALLOCATE_MEMORY = 0x100;
/** `ISC_REQ_USE_DCE_STYLE` (0x200): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_USE_DCE_STYLE = 0x200;
/** `ISC_REQ_DATAGRAM` (0x400): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_DATAGRAM = 0x400;
/** `ISC_REQ_CONNECTION` (0x800): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_CONNECTION = 0x800;
/** `ISC_REQ_CALL_LEVEL` (0x1000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_CALL_LEVEL = 0x1000;
/** `ISC_REQ_FRAGMENT_SUPPLIED` (0x2000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_FRAGMENT_SUPPLIED = 0x2000;
/** `ISC_REQ_EXTENDED_ERROR` (0x4000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_EXTENDED_ERROR = 0x4000;
/** `ISC_REQ_STREAM` (0x8000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_STREAM = 0x8000;
/** `ISC_REQ_INTEGRITY` (0x10000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_INTEGRITY = 0x10000;
/** `ISC_REQ_IDENTIFY` (0x20000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_IDENTIFY = 0x20000;
/** `ISC_REQ_NULL_SESSION` (0x40000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_NULL_SESSION = 0x40000;
/** `ISC_REQ_MANUAL_CRED_VALIDATION` (0x80000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_MANUAL_CRED_VALIDATION = 0x80000;
/** `ISC_REQ_RESERVED1` (0x100000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_RESERVED1 = 0x100000;
/** `ISC_REQ_FRAGMENT_TO_FIT` (0x200000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_FRAGMENT_TO_FIT = 0x200000;
/** `ISC_REQ_FORWARD_CREDENTIALS` (0x400000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_FORWARD_CREDENTIALS = 0x400000;
/** `ISC_REQ_NO_INTEGRITY` (0x800000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_NO_INTEGRITY = 0x800000;
/** `ISC_REQ_USE_HTTP_STYLE` (0x1000000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_USE_HTTP_STYLE = 0x1000000;
/**
 * `ISC_REQ_HTTP` (0x10000000): Digest for HTTP instead of SASL (the Digest SSP's value;
 * the Digest package also accepts `ISC_REQ_USE_HTTP_STYLE`).
 */
export const ISC_REQ_HTTP = 0x10000000;
/** `ISC_REQ_UNVERIFIED_TARGET_NAME` (0x20000000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_UNVERIFIED_TARGET_NAME = 0x20000000;
/** `ISC_REQ_CONFIDENTIALITY_ONLY` (0x40000000): InitializeSecurityContext request flags (fContextReq) */
export const ISC_REQ_CONFIDENTIALITY_ONLY = 0x40000000;

// InitializeSecurityContext returned attributes (pfContextAttr).
/** `ISC_RET_DELEGATE` (0x1): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_DELEGATE = 0x1;
/** `ISC_RET_MUTUAL_AUTH` (0x2): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_MUTUAL_AUTH = 0x2;
/** `ISC_RET_REPLAY_DETECT` (0x4): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_REPLAY_DETECT = 0x4;
/** `ISC_RET_SEQUENCE_DETECT` (0x8): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_SEQUENCE_DETECT = 0x8;
/** `ISC_RET_CONFIDENTIALITY` (0x10): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_CONFIDENTIALITY = 0x10;
/** `ISC_RET_USE_SESSION_KEY` (0x20): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_USE_SESSION_KEY = 0x20;
/** `ISC_RET_USED_COLLECTED_CREDS` (0x40): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_USED_COLLECTED_CREDS = 0x40;
/** `ISC_RET_USED_SUPPLIED_CREDS` (0x80): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_USED_SUPPLIED_CREDS = 0x80;
/** `ISC_RET_ALLOCATED_MEMORY` (0x100): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_ALLOCATED_MEMORY = 0x100;
/** `ISC_RET_USED_DCE_STYLE` (0x200): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_USED_DCE_STYLE = 0x200;
/** `ISC_RET_DATAGRAM` (0x400): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_DATAGRAM = 0x400;
/** `ISC_RET_CONNECTION` (0x800): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_CONNECTION = 0x800;
/** `ISC_RET_INTERMEDIATE_RETURN` (0x1000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_INTERMEDIATE_RETURN = 0x1000;
/** `ISC_RET_CALL_LEVEL` (0x2000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_CALL_LEVEL = 0x2000;
/** `ISC_RET_EXTENDED_ERROR` (0x4000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_EXTENDED_ERROR = 0x4000;
/** `ISC_RET_STREAM` (0x8000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_STREAM = 0x8000;
/** `ISC_RET_INTEGRITY` (0x10000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_INTEGRITY = 0x10000;
/** `ISC_RET_IDENTIFY` (0x20000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_IDENTIFY = 0x20000;
/** `ISC_RET_NULL_SESSION` (0x40000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_NULL_SESSION = 0x40000;
/** `ISC_RET_MANUAL_CRED_VALIDATION` (0x80000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_MANUAL_CRED_VALIDATION = 0x80000;
/** `ISC_RET_RESERVED1` (0x100000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_RESERVED1 = 0x100000;
/** `ISC_RET_FRAGMENT_ONLY` (0x200000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_FRAGMENT_ONLY = 0x200000;
/** `ISC_RET_FORWARD_CREDENTIALS` (0x400000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_FORWARD_CREDENTIALS = 0x400000;
/** `ISC_RET_USED_HTTP_STYLE` (0x1000000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_USED_HTTP_STYLE = 0x1000000;
/** `ISC_RET_HTTP` (0x10000000): the Digest context is an HTTP one. */
export const ISC_RET_HTTP = 0x10000000;
/** `ISC_RET_NO_ADDITIONAL_TOKEN` (0x2000000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_NO_ADDITIONAL_TOKEN = 0x2000000;
/** `ISC_RET_REAUTHENTICATION` (0x8000000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_REAUTHENTICATION = 0x8000000;
/** `ISC_RET_CONFIDENTIALITY_ONLY` (0x40000000): InitializeSecurityContext returned attributes (pfContextAttr) */
export const ISC_RET_CONFIDENTIALITY_ONLY = 0x40000000;

// AcceptSecurityContext request flags (fContextReq).
/** `ASC_REQ_DELEGATE` (0x1): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_DELEGATE = 0x1;
/** `ASC_REQ_MUTUAL_AUTH` (0x2): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_MUTUAL_AUTH = 0x2;
/** `ASC_REQ_REPLAY_DETECT` (0x4): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_REPLAY_DETECT = 0x4;
/** `ASC_REQ_SEQUENCE_DETECT` (0x8): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_SEQUENCE_DETECT = 0x8;
/** `ASC_REQ_CONFIDENTIALITY` (0x10): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_CONFIDENTIALITY = 0x10;
/** `ASC_REQ_USE_SESSION_KEY` (0x20): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_USE_SESSION_KEY = 0x20;
/** `ASC_REQ_SESSION_TICKET` (0x40): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_SESSION_TICKET = 0x40;
/** `ASC_REQ_ALLOCATE_MEMORY` (0x100): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_ALLOCATE_MEMORY = 0x100;
/** `ASC_REQ_USE_DCE_STYLE` (0x200): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_USE_DCE_STYLE = 0x200;
/** `ASC_REQ_DATAGRAM` (0x400): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_DATAGRAM = 0x400;
/** `ASC_REQ_CONNECTION` (0x800): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_CONNECTION = 0x800;
/** `ASC_REQ_CALL_LEVEL` (0x1000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_CALL_LEVEL = 0x1000;
/** `ASC_REQ_FRAGMENT_SUPPLIED` (0x2000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_FRAGMENT_SUPPLIED = 0x2000;
/** `ASC_REQ_EXTENDED_ERROR` (0x8000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_EXTENDED_ERROR = 0x8000;
/** `ASC_REQ_STREAM` (0x10000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_STREAM = 0x10000;
/** `ASC_REQ_INTEGRITY` (0x20000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_INTEGRITY = 0x20000;
/** `ASC_REQ_LICENSING` (0x40000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_LICENSING = 0x40000;
/** `ASC_REQ_IDENTIFY` (0x80000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_IDENTIFY = 0x80000;
/** `ASC_REQ_ALLOW_NULL_SESSION` (0x100000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_ALLOW_NULL_SESSION = 0x100000;
/** `ASC_REQ_ALLOW_NON_USER_LOGONS` (0x200000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_ALLOW_NON_USER_LOGONS = 0x200000;
/** `ASC_REQ_ALLOW_CONTEXT_REPLAY` (0x400000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_ALLOW_CONTEXT_REPLAY = 0x400000;
/** `ASC_REQ_FRAGMENT_TO_FIT` (0x800000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_FRAGMENT_TO_FIT = 0x800000;
/** `ASC_REQ_NO_TOKEN` (0x1000000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_NO_TOKEN = 0x1000000;
/** `ASC_REQ_PROXY_BINDINGS` (0x4000000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_PROXY_BINDINGS = 0x4000000;
/** `ASC_REQ_ALLOW_MISSING_BINDINGS` (0x10000000): AcceptSecurityContext request flags (fContextReq) */
export const ASC_REQ_ALLOW_MISSING_BINDINGS = 0x10000000;
/**
 * `ASC_REQ_HTTP` (0x10000000): Digest for HTTP instead of SASL (the Digest SSP's value,
 * which Windows shares with `ASC_REQ_ALLOW_MISSING_BINDINGS`).
 */
export const ASC_REQ_HTTP = 0x10000000;

// AcceptSecurityContext returned attributes (pfContextAttr).
/** `ASC_RET_DELEGATE` (0x1): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_DELEGATE = 0x1;
/** `ASC_RET_MUTUAL_AUTH` (0x2): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_MUTUAL_AUTH = 0x2;
/** `ASC_RET_REPLAY_DETECT` (0x4): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_REPLAY_DETECT = 0x4;
/** `ASC_RET_SEQUENCE_DETECT` (0x8): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_SEQUENCE_DETECT = 0x8;
/** `ASC_RET_CONFIDENTIALITY` (0x10): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_CONFIDENTIALITY = 0x10;
/** `ASC_RET_USE_SESSION_KEY` (0x20): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_USE_SESSION_KEY = 0x20;
/** `ASC_RET_SESSION_TICKET` (0x40): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_SESSION_TICKET = 0x40;
/** `ASC_RET_ALLOCATED_MEMORY` (0x100): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_ALLOCATED_MEMORY = 0x100;
/** `ASC_RET_USED_DCE_STYLE` (0x200): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_USED_DCE_STYLE = 0x200;
/** `ASC_RET_DATAGRAM` (0x400): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_DATAGRAM = 0x400;
/** `ASC_RET_CONNECTION` (0x800): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_CONNECTION = 0x800;
/** `ASC_RET_CALL_LEVEL` (0x2000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_CALL_LEVEL = 0x2000;
/** `ASC_RET_THIRD_LEG_FAILED` (0x4000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_THIRD_LEG_FAILED = 0x4000;
/** `ASC_RET_EXTENDED_ERROR` (0x8000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_EXTENDED_ERROR = 0x8000;
/** `ASC_RET_STREAM` (0x10000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_STREAM = 0x10000;
/** `ASC_RET_INTEGRITY` (0x20000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_INTEGRITY = 0x20000;
/** `ASC_RET_LICENSING` (0x40000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_LICENSING = 0x40000;
/** `ASC_RET_IDENTIFY` (0x80000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_IDENTIFY = 0x80000;
/** `ASC_RET_NULL_SESSION` (0x100000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_NULL_SESSION = 0x100000;
/** `ASC_RET_ALLOW_NON_USER_LOGONS` (0x200000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_ALLOW_NON_USER_LOGONS = 0x200000;
/** `ASC_RET_ALLOW_CONTEXT_REPLAY` (0x400000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_ALLOW_CONTEXT_REPLAY = 0x400000;
/** `ASC_RET_FRAGMENT_ONLY` (0x800000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_FRAGMENT_ONLY = 0x800000;
/** `ASC_RET_NO_TOKEN` (0x1000000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_NO_TOKEN = 0x1000000;
/** `ASC_RET_NO_ADDITIONAL_TOKEN` (0x2000000): AcceptSecurityContext returned attributes (pfContextAttr) */
export const ASC_RET_NO_ADDITIONAL_TOKEN = 0x2000000;

// SecBuffer types (BufferType).
/** `SECBUFFER_VERSION` (0x0): SecBuffer types (BufferType) */
export const SECBUFFER_VERSION = 0x0;
/** `SECBUFFER_EMPTY` (0x0): SecBuffer types (BufferType) */
export const SECBUFFER_EMPTY = 0x0;
/** `SECBUFFER_DATA` (0x1): SecBuffer types (BufferType) */
export const SECBUFFER_DATA = 0x1;
/** `SECBUFFER_TOKEN` (0x2): SecBuffer types (BufferType) */
export const SECBUFFER_TOKEN = 0x2;
/** `SECBUFFER_PKG_PARAMS` (0x3): SecBuffer types (BufferType) */
export const SECBUFFER_PKG_PARAMS = 0x3;
/** `SECBUFFER_MISSING` (0x4): SecBuffer types (BufferType) */
export const SECBUFFER_MISSING = 0x4;
/** `SECBUFFER_EXTRA` (0x5): SecBuffer types (BufferType) */
export const SECBUFFER_EXTRA = 0x5;
/** `SECBUFFER_STREAM_TRAILER` (0x6): SecBuffer types (BufferType) */
export const SECBUFFER_STREAM_TRAILER = 0x6;
/** `SECBUFFER_STREAM_HEADER` (0x7): SecBuffer types (BufferType) */
export const SECBUFFER_STREAM_HEADER = 0x7;
/** `SECBUFFER_NEGOTIATION_INFO` (0x8): SecBuffer types (BufferType) */
export const SECBUFFER_NEGOTIATION_INFO = 0x8;
/** `SECBUFFER_PADDING` (0x9): SecBuffer types (BufferType) */
export const SECBUFFER_PADDING = 0x9;
/** `SECBUFFER_STREAM` (0xa): SecBuffer types (BufferType) */
export const SECBUFFER_STREAM = 0xa;
/** `SECBUFFER_MECHLIST` (0xb): SecBuffer types (BufferType) */
export const SECBUFFER_MECHLIST = 0xb;
/** `SECBUFFER_MECHLIST_SIGNATURE` (0xc): SecBuffer types (BufferType) */
export const SECBUFFER_MECHLIST_SIGNATURE = 0xc;
/** `SECBUFFER_TARGET` (0xd): SecBuffer types (BufferType) */
export const SECBUFFER_TARGET = 0xd;
/** `SECBUFFER_CHANNEL_BINDINGS` (0xe): SecBuffer types (BufferType) */
export const SECBUFFER_CHANNEL_BINDINGS = 0xe;
/** `SECBUFFER_CHANGE_PASS_RESPONSE` (0xf): SecBuffer types (BufferType) */
export const SECBUFFER_CHANGE_PASS_RESPONSE = 0xf;
/** `SECBUFFER_TARGET_HOST` (0x10): SecBuffer types (BufferType) */
export const SECBUFFER_TARGET_HOST = 0x10;
/** `SECBUFFER_ALERT` (0x11): SecBuffer types (BufferType) */
export const SECBUFFER_ALERT = 0x11;
/** `SECBUFFER_APPLICATION_PROTOCOLS` (0x12): SecBuffer types (BufferType) */
export const SECBUFFER_APPLICATION_PROTOCOLS = 0x12;
/** `SECBUFFER_SRTP_PROTECTION_PROFILES` (0x13): SecBuffer types (BufferType) */
export const SECBUFFER_SRTP_PROTECTION_PROFILES = 0x13;
/** `SECBUFFER_SRTP_MASTER_KEY_IDENTIFIER` (0x14): SecBuffer types (BufferType) */
export const SECBUFFER_SRTP_MASTER_KEY_IDENTIFIER = 0x14;
/** `SECBUFFER_TOKEN_BINDING` (0x15): SecBuffer types (BufferType) */
export const SECBUFFER_TOKEN_BINDING = 0x15;
/** `SECBUFFER_PRESHARED_KEY` (0x16): SecBuffer types (BufferType) */
export const SECBUFFER_PRESHARED_KEY = 0x16;
/** `SECBUFFER_PRESHARED_KEY_IDENTITY` (0x17): SecBuffer types (BufferType) */
export const SECBUFFER_PRESHARED_KEY_IDENTITY = 0x17;
/** `SECBUFFER_DTLS_MTU` (0x18): SecBuffer types (BufferType) */
export const SECBUFFER_DTLS_MTU = 0x18;
/** `SECBUFFER_ATTRMASK` (0xf0000000): SecBuffer types (BufferType) */
export const SECBUFFER_ATTRMASK = 0xf0000000;
/** `SECBUFFER_READONLY` (0x80000000): SecBuffer types (BufferType) */
export const SECBUFFER_READONLY = 0x80000000;
/** `SECBUFFER_READONLY_WITH_CHECKSUM` (0x10000000): SecBuffer types (BufferType) */
export const SECBUFFER_READONLY_WITH_CHECKSUM = 0x10000000;
/** `SECBUFFER_RESERVED` (0x60000000): SecBuffer types (BufferType) */
export const SECBUFFER_RESERVED = 0x60000000;

// Credential use (fCredentialUse).
/** `SECPKG_CRED_INBOUND` (0x1): Credential use (fCredentialUse) */
export const SECPKG_CRED_INBOUND = 0x1;
/** `SECPKG_CRED_OUTBOUND` (0x2): Credential use (fCredentialUse) */
export const SECPKG_CRED_OUTBOUND = 0x2;
/** `SECPKG_CRED_BOTH` (0x3): Credential use (fCredentialUse) */
export const SECPKG_CRED_BOTH = 0x3;
/** `SECPKG_CRED_DEFAULT` (0x4): Credential use (fCredentialUse) */
export const SECPKG_CRED_DEFAULT = 0x4;
/** `SECPKG_CRED_AUTOLOGON_RESTRICTED` (0x10): Credential use (fCredentialUse) */
export const SECPKG_CRED_AUTOLOGON_RESTRICTED = 0x10;
/** `SECPKG_CRED_PROCESS_POLICY_ONLY` (0x20): Credential use (fCredentialUse) */
export const SECPKG_CRED_PROCESS_POLICY_ONLY = 0x20;

// Context attributes (QueryContextAttributes ulAttribute).
/** `SECPKG_ATTR_SIZES` (0x0): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_SIZES = 0x0;
/** `SECPKG_ATTR_NAMES` (0x1): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_NAMES = 0x1;
/** `SECPKG_ATTR_LIFESPAN` (0x2): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_LIFESPAN = 0x2;
/** `SECPKG_ATTR_DCE_INFO` (0x3): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_DCE_INFO = 0x3;
/** `SECPKG_ATTR_STREAM_SIZES` (0x4): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_STREAM_SIZES = 0x4;
/** `SECPKG_ATTR_KEY_INFO` (0x5): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_KEY_INFO = 0x5;
/** `SECPKG_ATTR_AUTHORITY` (0x6): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_AUTHORITY = 0x6;
/** `SECPKG_ATTR_PROTO_INFO` (0x7): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_PROTO_INFO = 0x7;
/** `SECPKG_ATTR_PASSWORD_EXPIRY` (0x8): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_PASSWORD_EXPIRY = 0x8;
/** `SECPKG_ATTR_SESSION_KEY` (0x9): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_SESSION_KEY = 0x9;
/** `SECPKG_ATTR_PACKAGE_INFO` (0xa): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_PACKAGE_INFO = 0xa;
/** `SECPKG_ATTR_USER_FLAGS` (0xb): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_USER_FLAGS = 0xb;
/** `SECPKG_ATTR_NEGOTIATION_INFO` (0xc): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_NEGOTIATION_INFO = 0xc;
/** `SECPKG_ATTR_NATIVE_NAMES` (0xd): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_NATIVE_NAMES = 0xd;
/** `SECPKG_ATTR_FLAGS` (0xe): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_FLAGS = 0xe;
/** `SECPKG_ATTR_USE_VALIDATED` (0xf): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_USE_VALIDATED = 0xf;
/** `SECPKG_ATTR_CREDENTIAL_NAME` (0x10): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_CREDENTIAL_NAME = 0x10;
/** `SECPKG_ATTR_TARGET_INFORMATION` (0x11): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_TARGET_INFORMATION = 0x11;
/** `SECPKG_ATTR_ACCESS_TOKEN` (0x12): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_ACCESS_TOKEN = 0x12;
/** `SECPKG_ATTR_TARGET` (0x13): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_TARGET = 0x13;
/** `SECPKG_ATTR_AUTHENTICATION_ID` (0x14): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_AUTHENTICATION_ID = 0x14;
/** `SECPKG_ATTR_LOGOFF_TIME` (0x15): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_LOGOFF_TIME = 0x15;
/** `SECPKG_ATTR_NEGO_KEYS` (0x16): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_NEGO_KEYS = 0x16;
/** `SECPKG_ATTR_PROMPTING_NEEDED` (0x18): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_PROMPTING_NEEDED = 0x18;
/** `SECPKG_ATTR_UNIQUE_BINDINGS` (0x19): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_UNIQUE_BINDINGS = 0x19;
/** `SECPKG_ATTR_ENDPOINT_BINDINGS` (0x1a): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_ENDPOINT_BINDINGS = 0x1a;
/** `SECPKG_ATTR_CLIENT_SPECIFIED_TARGET` (0x1b): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_CLIENT_SPECIFIED_TARGET = 0x1b;
/** `SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS` (0x1e): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS = 0x1e;
/** `SECPKG_ATTR_NEGO_PKG_INFO` (0x1f): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_NEGO_PKG_INFO = 0x1f;
/** `SECPKG_ATTR_NEGO_STATUS` (0x20): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_NEGO_STATUS = 0x20;
/** `SECPKG_ATTR_CONTEXT_DELETED` (0x21): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_CONTEXT_DELETED = 0x21;
/** `SECPKG_ATTR_DTLS_MTU` (0x22): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_DTLS_MTU = 0x22;
/** `SECPKG_ATTR_DATAGRAM_SIZES` (0x4): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_DATAGRAM_SIZES = 0x4;
/** `SECPKG_ATTR_APPLICATION_PROTOCOL` (0x23): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_APPLICATION_PROTOCOL = 0x23;
/** `SECPKG_ATTR_NEGOTIATED_TLS_EXTENSIONS` (0x24): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_NEGOTIATED_TLS_EXTENSIONS = 0x24;
/** `SECPKG_ATTR_IS_LOOPBACK` (0x25): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_IS_LOOPBACK = 0x25;
/** `SECPKG_ATTR_SUBJECT_SECURITY_ATTRIBUTES` (0x80): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_SUBJECT_SECURITY_ATTRIBUTES = 0x80;
/** `SECPKG_ATTR_REMOTE_CERT_CONTEXT` (0x53): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_REMOTE_CERT_CONTEXT = 0x53;
/** `SECPKG_ATTR_LOCAL_CERT_CONTEXT` (0x54): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_LOCAL_CERT_CONTEXT = 0x54;
/** `SECPKG_ATTR_ROOT_STORE` (0x55): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_ROOT_STORE = 0x55;
/** `SECPKG_ATTR_SUPPORTED_ALGS` (0x56): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_SUPPORTED_ALGS = 0x56;
/** `SECPKG_ATTR_CIPHER_STRENGTHS` (0x57): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_CIPHER_STRENGTHS = 0x57;
/** `SECPKG_ATTR_SUPPORTED_PROTOCOLS` (0x58): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_SUPPORTED_PROTOCOLS = 0x58;
/** `SECPKG_ATTR_ISSUER_LIST_EX` (0x59): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_ISSUER_LIST_EX = 0x59;
/** `SECPKG_ATTR_CONNECTION_INFO` (0x5a): Context attributes (QueryContextAttributes ulAttribute) */
export const SECPKG_ATTR_CONNECTION_INFO = 0x5a;
/** `SECPKG_ATTR_SESSION_INFO` (0x5d): Context attributes (QueryContextAttributes ulAttribute): Schannel's `SecPkgContext_SessionInfo` */
export const SECPKG_ATTR_SESSION_INFO = 0x5d;
/** `SSL_SESSION_RECONNECT` (1): `SecPkgContext_SessionInfo.dwFlags` of a resumed (reconnected) TLS session */
export const SSL_SESSION_RECONNECT = 1;
/** `SECPKG_ATTR_CIPHER_INFO` (0x64): Context attributes (QueryContextAttributes ulAttribute): Schannel's `SecPkgContext_CipherInfo` */
export const SECPKG_ATTR_CIPHER_INFO = 0x64;

// Credential attributes (QueryCredentialsAttributes ulAttribute).
/** `SECPKG_CRED_ATTR_NAMES` (0x1): Credential attributes (QueryCredentialsAttributes ulAttribute) */
export const SECPKG_CRED_ATTR_NAMES = 0x1;
/** `SECPKG_CRED_ATTR_SSI_PROVIDER` (0x2): Credential attributes (QueryCredentialsAttributes ulAttribute) */
export const SECPKG_CRED_ATTR_SSI_PROVIDER = 0x2;
/** `SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS` (0x3): Credential attributes (QueryCredentialsAttributes ulAttribute) */
export const SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS = 0x3;
/** `SECPKG_CRED_ATTR_CERT` (0x4): Credential attributes (QueryCredentialsAttributes ulAttribute) */
export const SECPKG_CRED_ATTR_CERT = 0x4;

// SecPkgCredentials_KdcProxySettings (SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS).
/** `KDC_PROXY_SETTINGS_V1` (1): `SecPkgCredentials_KdcProxySettings.Version` */
export const KDC_PROXY_SETTINGS_V1 = 1;
/** `KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY` (0x1): `SecPkgCredentials_KdcProxySettings.Flags`: always through the proxy, never to a KDC directly */
export const KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY = 0x1;

// NegotiationState values of SecPkgContext_NegotiationInfo.
/** `SECPKG_NEGOTIATION_COMPLETE` (0x0): NegotiationState values of SecPkgContext_NegotiationInfo */
export const SECPKG_NEGOTIATION_COMPLETE = 0x0;
/** `SECPKG_NEGOTIATION_OPTIMISTIC` (0x1): NegotiationState values of SecPkgContext_NegotiationInfo */
export const SECPKG_NEGOTIATION_OPTIMISTIC = 0x1;
/** `SECPKG_NEGOTIATION_IN_PROGRESS` (0x2): NegotiationState values of SecPkgContext_NegotiationInfo */
export const SECPKG_NEGOTIATION_IN_PROGRESS = 0x2;
/** `SECPKG_NEGOTIATION_DIRECT` (0x3): NegotiationState values of SecPkgContext_NegotiationInfo */
export const SECPKG_NEGOTIATION_DIRECT = 0x3;
/** `SECPKG_NEGOTIATION_TRY_MULTICRED` (0x4): NegotiationState values of SecPkgContext_NegotiationInfo */
export const SECPKG_NEGOTIATION_TRY_MULTICRED = 0x4;

// Package capabilities (SecPkgInfo.fCapabilities).
/** `SECPKG_FLAG_INTEGRITY` (0x1): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_INTEGRITY = 0x1;
/** `SECPKG_FLAG_PRIVACY` (0x2): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_PRIVACY = 0x2;
/** `SECPKG_FLAG_TOKEN_ONLY` (0x4): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_TOKEN_ONLY = 0x4;
/** `SECPKG_FLAG_DATAGRAM` (0x8): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_DATAGRAM = 0x8;
/** `SECPKG_FLAG_CONNECTION` (0x10): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_CONNECTION = 0x10;
/** `SECPKG_FLAG_MULTI_REQUIRED` (0x20): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_MULTI_REQUIRED = 0x20;
/** `SECPKG_FLAG_CLIENT_ONLY` (0x40): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_CLIENT_ONLY = 0x40;
/** `SECPKG_FLAG_EXTENDED_ERROR` (0x80): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_EXTENDED_ERROR = 0x80;
/** `SECPKG_FLAG_IMPERSONATION` (0x100): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_IMPERSONATION = 0x100;
/** `SECPKG_FLAG_ACCEPT_WIN32_NAME` (0x200): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_ACCEPT_WIN32_NAME = 0x200;
/** `SECPKG_FLAG_STREAM` (0x400): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_STREAM = 0x400;
/** `SECPKG_FLAG_NEGOTIABLE` (0x800): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_NEGOTIABLE = 0x800;
/** `SECPKG_FLAG_GSS_COMPATIBLE` (0x1000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_GSS_COMPATIBLE = 0x1000;
/** `SECPKG_FLAG_LOGON` (0x2000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_LOGON = 0x2000;
/** `SECPKG_FLAG_ASCII_BUFFERS` (0x4000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_ASCII_BUFFERS = 0x4000;
/** `SECPKG_FLAG_FRAGMENT` (0x8000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_FRAGMENT = 0x8000;
/** `SECPKG_FLAG_MUTUAL_AUTH` (0x10000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_MUTUAL_AUTH = 0x10000;
/** `SECPKG_FLAG_DELEGATION` (0x20000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_DELEGATION = 0x20000;
/** `SECPKG_FLAG_READONLY_WITH_CHECKSUM` (0x40000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_READONLY_WITH_CHECKSUM = 0x40000;
/** `SECPKG_FLAG_RESTRICTED_TOKENS` (0x80000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_RESTRICTED_TOKENS = 0x80000;
/** `SECPKG_FLAG_NEGO_EXTENDER` (0x100000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_NEGO_EXTENDER = 0x100000;
/** `SECPKG_FLAG_NEGOTIABLE2` (0x200000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_NEGOTIABLE2 = 0x200000;
/** `SECPKG_FLAG_APPCONTAINER_PASSTHROUGH` (0x400000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_APPCONTAINER_PASSTHROUGH = 0x400000;
/** `SECPKG_FLAG_APPCONTAINER_CHECKS` (0x800000): Package capabilities (SecPkgInfo.fCapabilities) */
export const SECPKG_FLAG_APPCONTAINER_CHECKS = 0x800000;

// ExportSecurityContext flags (fFlags).
/** `SECPKG_CONTEXT_EXPORT_RESET_NEW` (0x1): ExportSecurityContext flags (fFlags) */
export const SECPKG_CONTEXT_EXPORT_RESET_NEW = 0x1;
/** `SECPKG_CONTEXT_EXPORT_DELETE_OLD` (0x2): ExportSecurityContext flags (fFlags) */
export const SECPKG_CONTEXT_EXPORT_DELETE_OLD = 0x2;
/** `SECPKG_CONTEXT_EXPORT_TO_KERNEL` (0x4): ExportSecurityContext flags (fFlags) */
export const SECPKG_CONTEXT_EXPORT_TO_KERNEL = 0x4;

// Quality of protection (fQOP) and data representation.
/** `SECQOP_WRAP_NO_ENCRYPT` (0x80000001): Quality of protection (fQOP) and data representation */
export const SECQOP_WRAP_NO_ENCRYPT = 0x80000001;
/** `SECQOP_WRAP_OOB_DATA` (0x40000000): Quality of protection (fQOP) and data representation */
export const SECQOP_WRAP_OOB_DATA = 0x40000000;
/** `KERB_WRAP_NO_ENCRYPT` (0x80000001): Quality of protection (fQOP) and data representation */
export const KERB_WRAP_NO_ENCRYPT = 0x80000001;
/** `SECURITY_NATIVE_DREP` (0x10): Quality of protection (fQOP) and data representation */
export const SECURITY_NATIVE_DREP = 0x10;
/** `SECURITY_NETWORK_DREP` (0x0): Quality of protection (fQOP) and data representation */
export const SECURITY_NETWORK_DREP = 0x0;
/** `SEC_WINNT_AUTH_IDENTITY_ANSI` (0x1): Quality of protection (fQOP) and data representation */
export const SEC_WINNT_AUTH_IDENTITY_ANSI = 0x1;
/** `SEC_WINNT_AUTH_IDENTITY_UNICODE` (0x2): Quality of protection (fQOP) and data representation */
export const SEC_WINNT_AUTH_IDENTITY_UNICODE = 0x2;
