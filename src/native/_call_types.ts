/**
 * The shapes the native provider's calls share: its options, a prepared FFI call and
 * WinPR's SAM-file attribute.
 *
 * @module
 */

/** WinPR's `SECPKG_ATTR_AUTH_NTLM_SAM_FILE`: the SAM file an NTLM acceptor reads. */
export const SECPKG_ATTR_AUTH_NTLM_SAM_FILE = 1004;

/** Options of a native provider. */
export interface NativeOptions {
  /** The library file name or path. */
  library: string;
  /**
   * True when the library allocates output tokens for `*_ALLOCATE_MEMORY` (secur32);
   * false when it writes into the caller's buffer whatever the flag (WinPR), in which
   * case the provider hands it a scratch block of the package's `cbMaxToken`.
   */
  allocates: boolean;
  /**
   * True when the library refuses a first `InitializeSecurityContextW` whose input
   * holds no token (WinPR 2), which Windows callers pass with the channel bindings
   * alone; the provider then passes no input (WinPR's NTLM reads the bindings with
   * the CHALLENGE).
   */
  firstInputNeedsToken?: boolean;
  /**
   * WinPR only: a SAM file (`User:Domain::NTHASH:::` lines) for NTLM acceptors, set on
   * each new server context with `SetContextAttributesW(SECPKG_ATTR_AUTH_NTLM_SAM_FILE)`
   * (otherwise WinPR reads `/etc/winpr/SAM`).
   */
  samFile?: string;
}

/** The marshalled arguments of one call and how to finish it. */
export interface Prepared {
  /** The FFI arguments. */
  args: (Deno.PointerValue | number)[];
  /** Copies the results back and returns the unsigned status. */
  done(status: number): number;
}

/** A status that needs no library call, or a prepared call. */
export type Preparation = number | Prepared;
