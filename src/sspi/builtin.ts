/**
 * Registers the security packages the portable provider ships with.
 *
 * @module
 */
import { ntlmPackage } from "../packages/ntlm/mod.ts";
import { negotiatePackage } from "../packages/negotiate/mod.ts";
import { digestPackage } from "../packages/digest/mod.ts";
import { kerberosPackage } from "../packages/kerberos/mod.ts";
import { schannelPackage, UNISP_PACKAGE } from "../packages/schannel/mod.ts";
import { credsspPackage } from "../packages/credssp/mod.ts";
import { registerSecurityPackage } from "./registry.ts";

registerSecurityPackage(ntlmPackage);
registerSecurityPackage(negotiatePackage);
registerSecurityPackage(digestPackage);
registerSecurityPackage(kerberosPackage);
registerSecurityPackage(schannelPackage);
registerSecurityPackage(UNISP_PACKAGE);
registerSecurityPackage(credsspPackage);
