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
  type NegHints,
  type NegotiationToken,
  type NegTokenInit,
  type NegTokenResp,
} from "./messages.ts";
export {
  encodeMechTypeList,
  encodeNegTokenInit,
  encodeNegTokenResp,
  frameInitialContextToken,
  negTokenInitFrame,
  negTokenRespFrame,
} from "./encode.ts";
export * from "./constants.ts";
