/**
 * SHA-512/256 (FIPS 180-4 section 5.3.6.2 and 6.7) for RFC 7616's `SHA-512-256`
 * Digest algorithm: the portable SHA-512 core now lives in `src/crypto/_sha512.ts`
 * (shared with the PKI code's SHA-384/512); this module re-exports it.
 *
 * @module
 */
export { sha512_256 } from "../../crypto/_sha512.ts";
