/**
 * HTTP authentication over SSPI: {@linkcode createAuthFetch} (a `fetch` that answers
 * `Negotiate`, `NTLM` and `Digest` challenges) and {@linkcode withAuthentication} (a
 * `Deno.serve` wrapper that demands them), with {@linkcode identityOf}.
 *
 * @module
 */
export {
  type AuthFetch,
  type AuthFetchCredentials,
  type AuthFetchOptions,
  createAuthFetch,
} from "./client.ts";
export {
  type AuthenticationOptions,
  type Identity,
  identityOf,
  type ServeHandler,
  withAuthentication,
} from "./server.ts";
export type { HttpAuthScheme } from "./_schemes.ts";
