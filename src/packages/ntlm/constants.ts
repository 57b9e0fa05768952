/**
 * NTLM constants named as in MS-NLMP: message types, NegotiateFlags (2.2.2.5),
 * AV_PAIR ids (2.2.2.1) and MsvAvFlags bits.
 *
 * @module
 */

/** "NTLMSSP\0". */
export const NTLMSSP_SIGNATURE: Uint8Array = new Uint8Array([
  0x4e,
  0x54,
  0x4c,
  0x4d,
  0x53,
  0x53,
  0x50,
  0,
]);
/** NEGOTIATE_MESSAGE type. */
export const NtLmNegotiate = 1;
/** CHALLENGE_MESSAGE type. */
export const NtLmChallenge = 2;
/** AUTHENTICATE_MESSAGE type. */
export const NtLmAuthenticate = 3;

/** MS-NLMP 2.2.2.5 NegotiateFlags. */
export const NTLMSSP_NEGOTIATE_UNICODE = 0x00000001;
/** OEM character set. */
export const NTLM_NEGOTIATE_OEM = 0x00000002;
/** The server must return its TargetName. */
export const NTLMSSP_REQUEST_TARGET = 0x00000004;
/** Session signing. */
export const NTLMSSP_NEGOTIATE_SIGN = 0x00000010;
/** Session sealing. */
export const NTLMSSP_NEGOTIATE_SEAL = 0x00000020;
/** Connectionless mode. */
export const NTLMSSP_NEGOTIATE_DATAGRAM = 0x00000040;
/** LAN Manager session key. */
export const NTLMSSP_NEGOTIATE_LM_KEY = 0x00000080;
/** NTLM v1 authentication. */
export const NTLMSSP_NEGOTIATE_NTLM = 0x00000200;
/** Anonymous connection. */
export const NTLMSSP_ANONYMOUS = 0x00000800;
/** DomainName in NEGOTIATE is set. */
export const NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED = 0x00001000;
/** Workstation in NEGOTIATE is set. */
export const NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED = 0x00002000;
/** Dummy signatures when no signing was negotiated. */
export const NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000;
/** TargetName is a domain. */
export const NTLMSSP_TARGET_TYPE_DOMAIN = 0x00010000;
/** TargetName is a server. */
export const NTLMSSP_TARGET_TYPE_SERVER = 0x00020000;
/** NTLM v2 session security (a.k.a. NTLM2 session response). */
export const NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000;
/** Identify-level token. */
export const NTLMSSP_NEGOTIATE_IDENTIFY = 0x00100000;
/** LMOWF-based session key. */
export const NTLMSSP_REQUEST_NON_NT_SESSION_KEY = 0x00400000;
/** TargetInfo is present. */
export const NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000;
/** Version field is present. */
export const NTLMSSP_NEGOTIATE_VERSION = 0x02000000;
/** 128-bit session key. */
export const NTLMSSP_NEGOTIATE_128 = 0x20000000;
/** Explicit key exchange. */
export const NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000;
/** 56-bit encryption. */
export const NTLMSSP_NEGOTIATE_56 = 0x80000000;

/** AV_PAIR AvId values (MS-NLMP 2.2.2.1). */
export const MsvAvEOL = 0;
/** Server NetBIOS name. */
export const MsvAvNbComputerName = 1;
/** Server NetBIOS domain. */
export const MsvAvNbDomainName = 2;
/** Server FQDN. */
export const MsvAvDnsComputerName = 3;
/** Domain FQDN. */
export const MsvAvDnsDomainName = 4;
/** Forest FQDN. */
export const MsvAvDnsTreeName = 5;
/** MsvAvFlags (u32). */
export const MsvAvFlags = 6;
/** FILETIME of the server. */
export const MsvAvTimestamp = 7;
/** Single_Host_Data. */
export const MsvAvSingleHost = 8;
/** SPN of the target. */
export const MsvAvTargetName = 9;
/** MD5 of gss_channel_bindings_struct. */
export const MsvAvChannelBindings = 10;

/** MsvAvFlags: the account authentication is constrained. */
export const MSV_AV_FLAG_CONSTRAINED = 0x1;
/** MsvAvFlags: the AUTHENTICATE message carries a MIC. */
export const MSV_AV_FLAG_MIC = 0x2;
/** MsvAvFlags: the target SPN came from an untrusted source. */
export const MSV_AV_FLAG_UNTRUSTED_SPN = 0x4;

/** Windows' `cbMaxToken` for NTLM. */
export const NTLM_MAX_TOKEN = 2888;
/** Size of an NTLMSSP_MESSAGE_SIGNATURE. */
export const NTLM_SIGNATURE_SIZE = 16;
