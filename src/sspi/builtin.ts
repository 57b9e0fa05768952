/**
 * Registers the security packages the portable provider ships with.
 *
 * @module
 */
import { ntlmPackage } from "../packages/ntlm/mod.ts";
import { registerSecurityPackage } from "./registry.ts";

registerSecurityPackage(ntlmPackage);
