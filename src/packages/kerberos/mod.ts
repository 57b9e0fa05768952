/**
 * The Kerberos security package: a client (AS and TGS exchanges with a KDC over TCP
 * or through an MS-KKDCP proxy over HTTPS, a ticket cache in the credential), an
 * acceptor (service keys from a keytab), the AP-REQ/AP-REP exchange in GSS framing,
 * RFC 4121 message protection with the AES enctypes (RFC 3962's and RFC 8009's)
 * and rc4-hmac, credential delegation
 * (a forwarded TGT in the AP-REQ's checksum, `delegation.ts`), and cross-realm
 * service tickets through trusts and KDC referrals (`cross_realm.ts`), and FAST
 * armoring of the AS exchange (RFC 6113, `fast_as.ts`).
 *
 * @module
 */
export { KERBEROS_PACKAGE_INFO, kerberosPackage } from "./package.ts";
export type { KerberosAuthData, KerberosFastArmor } from "./credentials.ts";
export type { KerberosServerAuthData } from "./server_credentials.ts";
export { type KeytabEntry, parseKeytab } from "./keytab.ts";
export {
  type Ccache,
  type CcacheCredential,
  type CcacheLocation,
  type CcachePrincipal,
  defaultCcacheLocation,
  parseCcache,
} from "./ccache.ts";
export {
  type KdcTransport,
  KdcUnreachableError,
  tcpTransport,
} from "./transport.ts";
export { kdcTransport, type KkdcpOptions, kkdcpTransport } from "./kkdcp.ts";
export type { KdcOption } from "./kdc_realms.ts";
export type { ChangePasswordOptions } from "./kpasswd.ts";
export { MAX_REALM_HOPS } from "./cross_realm.ts";
export type { KerberosKey } from "./crypto.ts";
export {
  KerberosDelegatedTgt,
  SECPKG_ATTR_KERBEROS_DELEGATED_TGT,
} from "./delegation.ts";
export {
  KerberosClientTicket,
  SECPKG_ATTR_KERBEROS_CLIENT_TICKET,
} from "./evidence.ts";
export { OpaqueTicket } from "./opaque_ticket.ts";
export {
  type PacLogonInfo,
  SECPKG_ATTR_PAC_LOGON_INFO,
  type SidAndAttributes,
} from "./pac.ts";
