/**
 * The NTLM security package (MS-NLMP): wire formats, crypto, client and server state
 * machines, session security.
 *
 * @module
 */
export { NTLM_PACKAGE_INFO, NtlmCredential, ntlmPackage } from "./package.ts";
export type { NtlmAuthData, NtlmUser, NtlmUserLookup } from "./credentials.ts";
export { parseUserFile } from "./credentials.ts";
export type { NetlogonOptions } from "../../netlogon/pass_through.ts";
