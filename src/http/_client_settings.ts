/**
 * The settings `createAuthFetch` runs with, and what its exchanges share: choosing
 * the authentication for a challenge and buffering a request body.
 *
 * @module
 */
import {
  type AuthFetchCredentials,
  type AuthState,
  ConnectionAuth,
  DigestAuth,
} from "./_auth_states.ts";
import { type Challenge, sameScheme } from "./_auth_header.ts";
import type { ConnectionPool } from "./_pool.ts";
import type { SecurityFunctionTable } from "../native/function_table.ts";
import { type HttpAuthScheme, schemeAvailable } from "./_schemes.ts";
import { positive as positiveOption } from "./_server_util.ts";

/** The checked options of one `createAuthFetch`. */
export interface Settings {
  creds?: AuthFetchCredentials;
  proxyCreds?: AuthFetchCredentials;
  schemes: HttpAuthScheme[];
  target?: string;
  proxy: URL | null;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  maxRequestBytes: number;
  maxLegs: number;
  maxRedirects: number;
  timeoutMs: number;
  caCerts?: string[];
  channelBinding: boolean;
  pool: ConnectionPool | null;
  sspi?: SecurityFunctionTable;
  /** WinRM's message encryption (`AuthFetchOptions.sessionEncryption`). */
  sessionEncryption: boolean;
}

/** A positive integer option of `createAuthFetch`, or `def` when not given. */
export function positive(
  v: number | undefined,
  def: number,
  name: string,
): number {
  return positiveOption(v, def, name, "createAuthFetch");
}

/**
 * The authentication to answer `challenges` with: the first scheme of the preference
 * order the server offers and this runtime has (Digest only with credentials).
 */
export function pickAuth(
  s: Settings,
  challenges: Challenge[],
  url: URL,
  proxy: boolean,
  method: string,
  body: Uint8Array | null,
  channelBindings: Uint8Array | null,
  digestUri = url.pathname + url.search,
): AuthState | null {
  const creds = proxy ? s.proxyCreds ?? s.creds : s.creds;
  const host = proxy ? s.proxy!.hostname : url.hostname;
  for (const scheme of s.schemes) {
    if (!challenges.some((c) => sameScheme(c.scheme, scheme))) continue;
    if (!schemeAvailable(scheme)) continue;
    if (scheme === "Digest") {
      if (!creds) continue;
      return new DigestAuth(creds, digestUri, method, body);
    }
    return new ConnectionAuth(
      scheme,
      creds,
      s.target ?? `HTTP/${host.replace(/^\[|\]$/g, "")}`,
      channelBindings,
      s.sspi,
    );
  }
  return null;
}

/** Buffers a request body (to replay it); throws `RangeError` beyond `max`. */
export async function bufferBody(
  req: Request,
  max: number,
): Promise<Uint8Array | null> {
  if (!req.body) return null;
  const b = new Uint8Array(await req.arrayBuffer());
  if (b.length > max) {
    throw new RangeError(
      `request body of ${b.length} bytes exceeds maxRequestBytes (${max})`,
    );
  }
  return b;
}
