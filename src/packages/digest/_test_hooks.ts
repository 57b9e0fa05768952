/**
 * Internal test hooks: fix the client nonce, the server nonce and the opaque value so
 * the RFC examples reproduce byte for byte. Not exported from `mod.ts`; never set
 * outside tests.
 *
 * @module
 */

/** Overrides consulted by the client and server contexts when set. */
export const digestTestHooks: {
  /** The next client nonces (`cnonce`). */
  cnonce?: () => string;
  /** The next server nonces (challenges carry them; verification still checks). */
  nonce?: () => string;
  /** The server's opaque value. */
  opaque?: string;
} = {};
