/**
 * The Negotiate security package (SPNEGO, RFC 4178 and MS-SPNG): wire formats, the
 * client and server state machines, and the package object.
 *
 * @module
 */
export { NEGOTIATE_PACKAGE_INFO, negotiatePackage } from "./package.ts";
export {
  filterPackages,
  type InnerCredential,
  type NegotiateAuthData,
  NegotiateCredential,
} from "./credentials.ts";
export {
  decodeNegotiationToken,
  encodeMechTypeList,
  encodeNegTokenInit,
  encodeNegTokenResp,
  frameInitialContextToken,
  type NegHints,
  type NegotiationToken,
  type NegTokenInit,
  negTokenInitFrame,
  type NegTokenResp,
  negTokenRespFrame,
} from "./messages.ts";
export * from "./constants.ts";
