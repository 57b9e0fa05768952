/**
 * What Negotiate needs to know about NTLM beyond the package interface (MS-SPNG 3.3.5.1):
 *
 * - whether the AUTHENTICATE message carried a MIC (MsvAvFlags bit 0x2), which makes
 *   the mechListMIC mandatory;
 * - the RC4 reset after the mechListMIC: Windows and gss-ntlmssp (driven by MIT krb5's
 *   SPNEGO through `GSS_NTLMSSP_RESET_CRYPTO_OID`) re-initialise the RC4 handle of the
 *   direction that produced or verified the mechListMIC, so the first application
 *   message uses the same keystream as the MIC. Sequence numbers are NOT reset: the
 *   mechListMIC is sequence number 0 and the first message is 1.
 *
 * The inner context re-keys itself through its `resetCrypto(direction)` method (the
 * NTLM package's contexts have one).
 *
 * @module
 */
import type { PackageContext } from "../../sspi/package.ts";

const MSV_AV_FLAGS = 6;
const MSV_AV_FLAG_MIC = 2;

/**
 * True when `token` is an NTLM AUTHENTICATE message whose NTLMv2 response announces a
 * MIC (MsvAvFlags 0x2). Malformed input gives false (the NTLM package judges it).
 */
export function ntlmAuthenticateHasMic(token: Uint8Array): boolean {
  if (token.length < 64 || !isNtlmssp(token) || token[8] !== 3) return false;
  const u16 = (o: number) => token[o] | (token[o + 1] << 8);
  const len = u16(20);
  const off = (u16(24) | (u16(26) << 16)) >>> 0;
  if (len <= 24 || off + len > token.length) return false;
  // NTProofStr (16) + RespType..Reserved3 (28), then AV pairs.
  let p = off + 16 + 28;
  const end = off + len;
  while (p + 4 <= end) {
    const id = u16(p);
    const n = u16(p + 2);
    if (id === 0 || p + 4 + n > end) return false;
    if (id === MSV_AV_FLAGS && n >= 4) {
      return (token[p + 4] & MSV_AV_FLAG_MIC) !== 0;
    }
    p += 4 + n;
  }
  return false;
}

/** True when the bytes start with the NTLMSSP signature. */
export function isNtlmssp(token: Uint8Array): boolean {
  return token.length >= 8 && token[0] === 0x4e && token[1] === 0x54 &&
    token[2] === 0x4c && token[3] === 0x4d && token[4] === 0x53 &&
    token[5] === 0x53 && token[6] === 0x50 && token[7] === 0;
}

/** A context that can reset its crypto state itself (the preferred hook). */
export interface ResettableContext {
  /** Re-initialises the cipher state of one direction after the mechListMIC. */
  resetCrypto(direction: "send" | "recv"): void;
}

/**
 * Prepares an established inner NTLM context for the mechListMIC exchange and returns
 * the reset function to call after producing ("send") or verifying ("recv") the MIC,
 * or null when the context offers no way to reset (then nothing is reset).
 */
export function ntlmResetter(
  ctx: PackageContext,
): ((direction: "send" | "recv") => void) | null {
  const hook = (ctx as Partial<ResettableContext>).resetCrypto;
  if (typeof hook === "function") return (d) => hook.call(ctx, d);
  return null;
}
