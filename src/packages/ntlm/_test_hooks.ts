/**
 * Internal test hooks: fix the server challenge so tests can build AUTHENTICATE
 * messages offline (structure-aware fuzzing re-signs mutated NTLMv2 blobs). Not
 * exported from `mod.ts`; never set outside tests.
 *
 * @module
 */

/** Overrides consulted by the NTLM contexts when set. */
export const ntlmTestHooks: {
  /** The next server challenges (8 bytes). */
  serverChallenge?: () => Uint8Array;
} = {};
