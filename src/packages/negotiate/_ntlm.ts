/**
 * NTLM specifics of SPNEGO (MS-SPNG 3.3.5.1), reached through the package interface:
 *
 * - whether the AUTHENTICATE message carried a MIC, which makes the mechListMIC
 *   mandatory (`PackageContext.requiresMechListMic`);
 * - the RC4 reset after the mechListMIC (`PackageContext.resetCrypto`): Windows and
 *   gss-ntlmssp (driven by MIT krb5's SPNEGO through `GSS_NTLMSSP_RESET_CRYPTO_OID`)
 *   re-initialise the RC4 handle of the direction that produced or verified the
 *   mechListMIC, so the first application message uses the same keystream as the
 *   MIC. Sequence numbers are NOT reset: the mechListMIC is sequence number 0 and the
 *   first message is 1.
 *
 * - the session keys, which NTLM derives on first use unless asked to derive them at
 *   the end of its handshake (`deriveKeysAtOnce`): SPNEGO signs at once.
 *
 * Raw NTLMSSP tokens (no SPNEGO framing) are recognised by their signature.
 *
 * @module
 */
import type { PackageContext } from "../../sspi/package.ts";

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

/** A context that can derive its session keys as its handshake ends (NTLM). */
export interface EagerKeysContext {
  /** Derive the keys when established, not on first use. */
  deriveKeysAtOnce(): void;
}

/**
 * Tells a new inner context that its session keys will be needed as soon as it is
 * established (for the mechListMIC), when it has a way to be told.
 */
export function wantKeysAtOnce(ctx: PackageContext): void {
  (ctx as Partial<EagerKeysContext>).deriveKeysAtOnce?.();
}
