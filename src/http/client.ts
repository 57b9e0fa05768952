/**
 * `createAuthFetch`: a `fetch` that answers `401 WWW-Authenticate` and
 * `407 Proxy-Authenticate` challenges for `Negotiate`, `NTLM` and `Digest` through
 * the SSPI packages, retries, and checks the server's mutual-authentication token.
 *
 * NTLM (and Negotiate) authenticate a TCP connection, not a request, so every leg of
 * the handshake and the final request must travel on one connection. The global
 * `fetch` pools connections out of our control, so requests are sent with a small
 * HTTP/1.1 client over `node:net` or `node:tls` (one connection per call,
 * keep-alive between the legs, `Content-Length` and chunked responses, bounded sizes).
 *
 * @module
 */
import type { AuthFetchCredentials, AuthState } from "./_auth_states.ts";
import { splitChallenges } from "./_auth_header.ts";
import {
  EmptyResponseError,
  Http1Connection,
  type Http1Options,
  type Http1Response,
} from "./_http1.ts";
import { ConnectionPool } from "./_pool.ts";
import type { SecurityFunctionTable } from "../native/function_table.ts";
import { normalizeSchemes } from "./_schemes.ts";
import {
  bufferBody,
  pickAuth,
  positive,
  type Settings,
} from "./_client_settings.ts";
import { exchangeEncrypted } from "./_winrm_client.ts";

export type { AuthFetchCredentials };

/** Options of {@linkcode createAuthFetch}. */
export interface AuthFetchOptions {
  /**
   * The user. Omitted: the packages' default credentials (for NTLM, the first user
   * of the file named by `NTLM_USER_FILE`); Digest needs explicit credentials.
   */
  credentials?: AuthFetchCredentials;
  /** Credentials for a proxy's `407` (default: `credentials`). */
  proxyCredentials?: AuthFetchCredentials;
  /** Schemes in preference order. Default `["Negotiate", "NTLM", "Digest"]`. */
  packages?: readonly ("Negotiate" | "NTLM" | "Digest")[];
  /** The SPN for Negotiate/NTLM. Default `HTTP/<host>` (of the proxy for `407`). */
  target?: string;
  /**
   * An HTTP proxy (`http://host:port`): `http:` URLs go to it in absolute form,
   * `https:` URLs through a `CONNECT` tunnel; either may be asked to authenticate
   * (`407`).
   */
  proxy?: string | URL;
  /** Largest response head in bytes. Default 65,536. */
  maxHeaderBytes?: number;
  /** Largest response body in bytes (bodies are buffered). Default 16 MiB. */
  maxBodyBytes?: number;
  /** Largest request body in bytes (bodies are buffered to be replayed). Default 16 MiB. */
  maxRequestBytes?: number;
  /** Most authentication round trips per request. Default 6. */
  maxLegs?: number;
  /** Most redirects followed. Default 20. */
  maxRedirects?: number;
  /** Time allowed for each exchange in milliseconds. Default 30,000. */
  timeoutMs?: number;
  /** Extra root certificates (PEM) for `https:`. */
  caCerts?: string[];
  /**
   * Over `https:`, bind NTLM and Negotiate logons to the TLS connection
   * (`tls-server-end-point` channel bindings of the server's certificate, RFC 5929),
   * as Windows clients do and as servers with Extended Protection require. Default
   * true; false sends none (for a TLS-inspecting proxy in between, which presents
   * its own certificate).
   */
  channelBinding?: boolean;
  /**
   * Keep connections open between calls for this many milliseconds of idleness and
   * send the next request to the same origin (or proxy) on one, as Windows' HTTP
   * stacks do: NTLM and Negotiate authenticate a connection, and servers such as IIS
   * (and Apache's `mod_auth_gssapi` with `GssapiConnectionBound`) take the next
   * request on it as authenticated, saving the handshake. A kept connection never
   * keeps the process alive; `close()` on the returned function closes them. Default
   * 0: every call opens and closes its own connection.
   */
  keepAliveMs?: number;
  /**
   * The SSPI that runs NTLM and Negotiate (`InitSecurityInterface(...)`): default the
   * portable one. On Windows, `InitSecurityInterface({ provider: "native" })` with no
   * `credentials` authenticates as the logged-on user (single sign-on).
   */
  sspi?: SecurityFunctionTable;
  /**
   * WinRM's message encryption over HTTP (MS-WSMV 2.2.9.1.1,
   * `HTTP-SPNEGO-session-encrypted`), which Windows' WinRM service requires over
   * `http:` by default: the first call to an origin logs a connection on with an
   * empty POST (NTLM or Negotiate), and every call then sends its body sealed with
   * that logon's context, without `Authorization`, on that connection, and unseals
   * the response (a response that does not verify, whose length is not the one
   * declared, or a success in clear rejects with `SspiError`). Connections are kept
   * (`keepAliveMs`, default 60,000 with this option); when one is gone, or its
   * server no longer holds the context, the next call logs on again. For `POST`s
   * (WinRM's); redirects are not followed; not with `proxy`.
   */
  sessionEncryption?: boolean;
}

/** A `fetch`-compatible function that authenticates with SSPI. */
export interface AuthFetch {
  /** Sends a request, authenticating when asked (`fetch`'s signature). */
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Closes the connections kept for later calls (`keepAliveMs`). */
  close(): void;
}

/**
 * Creates a `fetch` that authenticates with `Negotiate`, `NTLM` or `Digest` when the
 * server (`401`) or a proxy (`407`) asks, runs the handshake through the SSPI packages
 * on one HTTP/1.1 connection, and checks the server's mutual-authentication token
 * (Digest `Authentication-Info` rspauth, the final Negotiate token) when one comes
 * back; a wrong one rejects with `SspiError` (`SEC_E_MUTUAL_AUTH_FAILED`).
 *
 * Request bodies are buffered so each leg can resend them: strings, `Uint8Array`,
 * `ArrayBuffer`, `Blob`, `FormData` and `URLSearchParams` work; a `ReadableStream`
 * body is refused with a `TypeError`. Responses are buffered too (bounded by
 * `maxBodyBytes`). A refused password resolves with the final `401` response, as
 * `fetch` would. Credentials go only to the origin of the request (and to the
 * configured proxy): after a redirect to another origin, that origin's `401` is
 * returned unanswered. Needs `--allow-net` for the hosts it talks to.
 *
 * @example Authenticate with NTLM or Negotiate
 * ```ts ignore
 * import { createAuthFetch } from "./mod.ts";
 * const authFetch = createAuthFetch({
 *   credentials: { username: "alice", domain: "CONTOSO", password: "secret" },
 *   packages: ["Negotiate", "NTLM"],
 * });
 * const res = await authFetch("http://intranet.contoso.com/report", {
 *   method: "POST",
 *   body: JSON.stringify({ q: 1 }),
 * });
 * console.log(res.status, await res.text());
 * ```
 *
 * @example Talk to Windows' WinRM service over plain HTTP (its bodies sealed)
 * ```ts ignore
 * import { createAuthFetch } from "./mod.ts";
 * const winrm = createAuthFetch({
 *   credentials: { username: "alice", domain: "CONTOSO", password: "secret" },
 *   sessionEncryption: true,
 * });
 * const res = await winrm("http://host.contoso.com:5985/wsman", {
 *   method: "POST",
 *   headers: { "content-type": "application/soap+xml;charset=UTF-8" },
 *   body: envelope, // a WS-Management SOAP envelope
 * });
 * console.log(res.status, await res.text()); // the decrypted answer
 * ```
 *
 * @param options The credentials, schemes, SPN and limits.
 * @returns A function with `fetch`'s signature.
 */
export function createAuthFetch(options: AuthFetchOptions = {}): AuthFetch {
  const s: Settings = {
    creds: options.credentials,
    proxyCreds: options.proxyCredentials,
    schemes: normalizeSchemes(options.packages, "createAuthFetch"),
    target: options.target,
    proxy: options.proxy ? new URL(options.proxy) : null,
    maxHeaderBytes: positive(options.maxHeaderBytes, 65536, "maxHeaderBytes"),
    maxBodyBytes: positive(options.maxBodyBytes, 16 << 20, "maxBodyBytes"),
    maxRequestBytes: positive(
      options.maxRequestBytes,
      16 << 20,
      "maxRequestBytes",
    ),
    maxLegs: positive(options.maxLegs, 6, "maxLegs"),
    maxRedirects: options.maxRedirects ?? 20,
    timeoutMs: positive(options.timeoutMs, 30000, "timeoutMs"),
    caCerts: options.caCerts,
    channelBinding: options.channelBinding !== false,
    sspi: options.sspi,
    sessionEncryption: options.sessionEncryption === true,
    pool: options.keepAliveMs || options.sessionEncryption
      ? new ConnectionPool(
        positive(
          options.keepAliveMs,
          options.sessionEncryption ? 60000 : 0,
          "keepAliveMs",
        ),
      )
      : null,
  };
  if (s.proxy && s.proxy.protocol !== "http:") {
    throw new TypeError("createAuthFetch: proxy must be an http: URL");
  }
  if (s.sessionEncryption) {
    if (s.proxy) {
      throw new TypeError(
        "createAuthFetch: sessionEncryption needs a direct connection (no proxy)",
      );
    }
    if (!s.schemes.some((x) => x !== "Digest")) {
      throw new TypeError(
        "createAuthFetch: sessionEncryption needs NTLM or Negotiate in packages",
      );
    }
  }
  const authFetch = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    if (init?.body instanceof ReadableStream) {
      throw new TypeError(
        "createAuthFetch cannot send a ReadableStream body: an authentication " +
          "handshake may need to send the request several times, so the body must " +
          "be replayable; pass a string, Uint8Array, ArrayBuffer, Blob, FormData or " +
          "URLSearchParams instead",
      );
    }
    const req = new Request(input, init);
    const body = await bufferBody(req, s.maxRequestBytes);
    return await run(s, req, body);
  };
  return Object.assign(authFetch, { close: () => s.pool?.close() });
}

async function run(
  s: Settings,
  req: Request,
  firstBody: Uint8Array | null,
): Promise<Response> {
  let url = new URL(req.url);
  const authOrigin = url.origin;
  let method = req.method;
  let body = firstBody;
  const headers = new Headers(req.headers);
  if (s.sessionEncryption) {
    const res = await exchangeEncrypted(s, req, url, method, headers, body);
    return toResponse(res, url, false);
  }
  for (let redirects = 0;; redirects++) {
    const res = await exchangeAuthenticated(
      s,
      req,
      url,
      method,
      headers,
      body,
      authOrigin,
    );
    const loc = res.headers.get("location");
    if (
      req.redirect === "manual" || !loc ||
      ![301, 302, 303, 307, 308].includes(res.status)
    ) {
      return toResponse(res, url, redirects > 0);
    }
    if (req.redirect === "error") {
      throw new TypeError(`redirect to ${loc} refused (redirect: "error")`);
    }
    if (redirects >= s.maxRedirects) {
      throw new TypeError(`more than ${s.maxRedirects} redirects`);
    }
    const next = new URL(loc, url);
    if (
      res.status === 303 ||
      ((res.status === 301 || res.status === 302) && method === "POST")
    ) {
      if (method !== "HEAD") method = "GET";
      body = null;
      headers.delete("content-type");
    }
    if (next.origin !== url.origin) {
      headers.delete("authorization");
      headers.delete("cookie");
    }
    url = next;
  }
}

function toResponse(r: Http1Response, url: URL, redirected: boolean) {
  const nullBody = r.status === 204 || r.status === 205 || r.status === 304;
  const res = new Response(
    nullBody ? null : r.body as Uint8Array<ArrayBuffer>,
    {
      status: r.status,
      statusText: r.statusText,
      headers: r.headers,
    },
  );
  Object.defineProperty(res, "url", { value: url.href });
  Object.defineProperty(res, "redirected", { value: redirected });
  return res;
}

async function exchangeAuthenticated(
  s: Settings,
  req: Request,
  url: URL,
  method: string,
  baseHeaders: Headers,
  body: Uint8Array | null,
  authOrigin: string,
): Promise<Http1Response> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`createAuthFetch: unsupported scheme ${url.protocol}`);
  }
  const viaProxy = s.proxy !== null && url.protocol === "http:";
  const tunnel = s.proxy !== null && url.protocol === "https:";
  const dest = viaProxy ? s.proxy! : url;
  const tls = dest.protocol === "https:";
  const port = Number(dest.port) || (tls ? 443 : 80);
  const opts = {
    maxHeaderBytes: s.maxHeaderBytes,
    maxBodyBytes: s.maxBodyBytes,
    timeoutMs: s.timeoutMs,
    caCerts: s.caCerts,
    signal: req.signal,
  };
  const target = viaProxy ? url.href : url.pathname + url.search;
  const headers = new Headers(baseHeaders);
  headers.set("host", url.host);
  if (!headers.has("accept")) headers.set("accept", "*/*");
  if (!headers.has("user-agent")) headers.set("user-agent", "portable-sspi");
  headers.set("connection", "keep-alive");
  const poolKey = tunnel
    ? `${s.proxy!.origin} ${url.origin}`
    : viaProxy
    ? s.proxy!.origin
    : url.origin;
  let conn: Http1Connection | null = null;
  let keep = false;
  const states: { www: AuthState | null; proxy: AuthState | null } = {
    www: null,
    proxy: null,
  };
  try {
    const send = async (): Promise<Http1Response> => {
      if (!conn || conn.closed) {
        const kept = s.pool?.take(poolKey) ?? null;
        if (kept) {
          kept.setOptions(opts);
          conn = kept;
          try {
            return await kept.request(method, target, headers, body);
          } catch (e) {
            // Closed by its server while idle: the request goes again on a new one.
            if (!(e instanceof EmptyResponseError)) throw e;
          }
        }
        if (tunnel) {
          const t = await openTunnel(s, url, opts);
          if (!(t instanceof Http1Connection)) return t; // the proxy's refusal
          conn = t;
        } else {
          conn = await Http1Connection.open(dest.hostname, port, tls, opts);
        }
      }
      return await conn.request(method, target, headers, body);
    };
    let res = await send();
    for (let legs = 0; legs < s.maxLegs; legs++) {
      // Through a tunnel the proxy was answered when it was opened.
      const isProxy = res.status === 407 && s.proxy !== null && !tunnel;
      if (res.status !== 401 && !isProxy) break;
      const challenges = splitChallenges(
        res.headers.get(isProxy ? "proxy-authenticate" : "www-authenticate") ??
          "",
      );
      const key = isProxy ? "proxy" : "www";
      // Credentials go only to the origin the caller asked for (and to the
      // configured proxy): a redirect elsewhere must not collect an NTLM or Digest
      // answer it could crack or relay.
      if (!isProxy && url.origin !== authOrigin) break;
      let state = states[key];
      if (!state) {
        // The logon is bound to this connection's TLS (origin only: a proxy's
        // 407 comes over plain HTTP).
        const open = conn as Http1Connection | null;
        const cb = !isProxy && s.channelBinding && open
          ? await open.channelBindings()
          : null;
        state = states[key] = pickAuth(
          s,
          challenges,
          url,
          isProxy,
          method,
          body,
          cb,
        );
        if (!state) break;
      }
      const value = await state.respond(challenges);
      if (value === null) break;
      headers.set(isProxy ? "proxy-authorization" : "authorization", value);
      res = await send();
    }
    const answered = res.status !== 401 && res.status !== 407;
    if (answered) {
      await states.www?.verify(res.headers, false);
      await states.proxy?.verify(res.headers, true);
    }
    keep = answered;
    return res;
  } finally {
    const last = conn as Http1Connection | null;
    // Kept only after an answered request whose server proved itself where it
    // could (a refused logon's connection, or a failed mutual authentication's,
    // goes).
    if (last && s.pool && keep) s.pool.give(poolKey, last);
    else last?.close();
    states.www?.dispose();
    states.proxy?.dispose();
  }
}

/**
 * Opens a `CONNECT` tunnel to `url`'s host through the proxy, answering its `407`s
 * on that connection, then runs TLS to the host through it. Returns the TLS
 * connection, or the proxy's final response when it refuses.
 */
async function openTunnel(
  s: Settings,
  url: URL,
  opts: Http1Options,
): Promise<Http1Connection | Http1Response> {
  const proxy = s.proxy!;
  const authority = `${url.hostname}:${url.port || "443"}`;
  const proxyPort = Number(proxy.port) || 80;
  const headers = new Headers({
    host: authority,
    "user-agent": "portable-sspi",
    "proxy-connection": "keep-alive",
  });
  let conn: Http1Connection | null = null;
  let state: AuthState | null = null;
  try {
    for (let legs = 0;; legs++) {
      if (!conn || conn.closed) {
        conn = await Http1Connection.open(
          proxy.hostname,
          proxyPort,
          false,
          opts,
        );
      }
      const res = await conn.request("CONNECT", authority, headers, null);
      if (res.status >= 200 && res.status < 300) {
        await state?.verify(res.headers, true);
        const open: Http1Connection = conn;
        conn = null;
        return await open.startTls(url.hostname);
      }
      if (res.status !== 407 || legs >= s.maxLegs) return res;
      const challenges = splitChallenges(
        res.headers.get("proxy-authenticate") ?? "",
      );
      state ??= pickAuth(
        s,
        challenges,
        url,
        true,
        "CONNECT",
        null,
        null,
        authority,
      );
      if (!state) return res;
      const value = await state.respond(challenges);
      if (value === null) return res;
      headers.set("proxy-authorization", value);
    }
  } finally {
    conn?.close();
    state?.dispose();
  }
}
