/**
 * `withAuthentication`: a `Deno.serve` handler wrapper that authenticates requests
 * with `Negotiate`, `NTLM` and `Digest` through the SSPI packages, and
 * `identityOf(request)` for the handler.
 *
 * @module
 */
import { SecBuffer, secChannelBindings } from "../sspi/buffers.ts";
import {
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_EXTENDED_ERROR,
  ASC_REQ_INTEGRITY,
  ASC_REQ_REPLAY_DETECT,
  ASC_REQ_SEQUENCE_DETECT,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_TOKEN,
} from "../sspi/flags.ts";
import { endPointInput, endPointOf } from "../sspi/tls_binding.ts";
import type { CredHandle } from "../sspi/handles.ts";
import {
  isFailure,
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
} from "../sspi/status.ts";
import {
  decodeBase64Strict,
  encodeBase64,
  sameScheme,
  splitCredentials,
} from "./_auth_header.ts";
import {
  type HttpAuthScheme,
  normalizeSchemes,
  packageOf,
} from "./_schemes.ts";
import {
  acquire,
  ASC_CONNECTION_FLAGS,
  ASC_REQ_HTTP_DIGEST,
  digestServerInput,
  ServerContext,
} from "./_sspi_calls.ts";
import { ConnectionStates } from "./_state.ts";
import type {
  AuthenticationOptions,
  Identity,
  ServeHandler,
} from "./_server_options.ts";
import {
  legOf,
  positive,
  readBounded,
  serviceNameSet,
  splitName,
} from "./_server_util.ts";
import { EncryptedSessions } from "./_winrm_server.ts";
import { isEncryptedContentType } from "./_winrm_encryption.ts";

export type {
  AuthenticationOptions,
  Identity,
  ServeHandler,
} from "./_server_options.ts";

const identities = new WeakMap<Request, Identity>();

/**
 * The identity `withAuthentication` established for `request`, or undefined.
 *
 * @example
 * ```ts ignore
 * const who = identityOf(request); // { user: "alice", domain: "CONTOSO", package: "NTLM", scheme: "NTLM" }
 * ```
 */
export function identityOf(request: Request): Identity | undefined {
  return identities.get(request);
}

/**
 * Wraps a `Deno.serve` handler so that only authenticated requests reach it. Requests
 * without credentials get `401` with one `WWW-Authenticate` challenge per configured
 * scheme; NTLM/Negotiate handshakes are kept per connection (keyed by the client's
 * `hostname:port`), bounded in number (LRU, and per client address) and expired after
 * `stateTimeoutMs`. On success the handler runs, `identityOf(request)` names the user,
 * and the response carries the server's mutual-authentication token
 * (`WWW-Authenticate: Negotiate <final token>`, Digest `Authentication-Info`).
 * Malformed or oversized `Authorization` values get `400`; refused credentials `401`.
 * With `sessionEncryption`, a connection's completed logon is kept for WinRM's
 * encrypted messages (see {@linkcode AuthenticationOptions.sessionEncryption}).
 *
 * @example Accept NTLM, Negotiate and Digest
 * ```ts ignore
 * import { identityOf, withAuthentication } from "./mod.ts";
 * const users = [{ User: "alice", Domain: "CONTOSO", Password: "secret" }];
 * Deno.serve(withAuthentication((req) => {
 *   const who = identityOf(req)!;
 *   return new Response(`hello ${who.domain}\\${who.user} (${who.package})`);
 * }, {
 *   packages: ["Negotiate", "NTLM", "Digest"],
 *   ntlm: { users },
 *   digest: { realm: "contoso", users: [{ User: "alice", Password: "secret" }] },
 * }));
 * ```
 *
 * @param handler The handler to protect.
 * @param options The schemes, their user stores and the limits.
 * @returns A `Deno.serve` handler.
 */
export function withAuthentication(
  handler: ServeHandler,
  options: AuthenticationOptions,
): ServeHandler {
  if (typeof handler !== "function") {
    throw new TypeError("withAuthentication: handler must be a function");
  }
  const configured: string[] = [];
  if (options.negotiate !== undefined || options.ntlm !== undefined) {
    configured.push("Negotiate");
  }
  if (options.ntlm !== undefined) configured.push("NTLM");
  if (options.digest !== undefined) configured.push("Digest");
  const schemes = normalizeSchemes(
    options.packages ?? configured,
    "withAuthentication",
  );
  const maxTokenBytes = positive(
    options.maxTokenBytes,
    16384,
    "maxTokenBytes",
  );
  const maxHeader = Math.ceil(maxTokenBytes / 3) * 4 + 64;
  const maxAuthIntBody = positive(
    options.maxAuthIntBodyBytes,
    1 << 20,
    "maxAuthIntBodyBytes",
  );
  const proxy = options.proxy === true;
  // Read at once (a bad certificate is a TypeError here), digested once.
  const bindings = options.tlsCertificate === undefined
    ? null
    : endPointOf(endPointInput(options.tlsCertificate)).then(
      secChannelBindings,
    );
  const serviceNames = serviceNameSet(options.serviceNames);
  const requireServiceName = options.requireServiceName === true;
  if (requireServiceName && !serviceNames) {
    throw new TypeError(
      "withAuthentication: requireServiceName needs serviceNames",
    );
  }
  const H_CHALLENGE = proxy ? "proxy-authenticate" : "www-authenticate";
  const H_AUTH = proxy ? "proxy-authorization" : "authorization";
  const H_INFO = proxy ? "proxy-authentication-info" : "authentication-info";
  const REFUSED = proxy ? 407 : 401;
  const creds = new Map<HttpAuthScheme, CredHandle>();
  for (const scheme of schemes) {
    const data = scheme === "Digest"
      ? options.digest
      : scheme === "NTLM"
      ? options.ntlm
      : options.negotiate ?? options.ntlm;
    if (data === undefined) {
      throw new TypeError(
        `withAuthentication: ${scheme} needs its ${
          scheme === "Digest" ? "digest" : "ntlm"
        } option (the user store)`,
      );
    }
    creds.set(scheme, acquire(packageOf(scheme), true, data));
  }
  const maxConnections = positive(
    options.maxConnections,
    1000,
    "maxConnections",
  );
  const maxPerClient = positive(options.maxPerClient, 64, "maxPerClient");
  const states = new ConnectionStates({
    maxConnections,
    maxPerClient,
    timeoutMs: positive(options.stateTimeoutMs, 30000, "stateTimeoutMs"),
  });
  const sessions = sessionTable(options, maxConnections, maxPerClient);
  const ascFlags = sessions
    ? ASC_CONNECTION_FLAGS | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY |
      ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT
    : ASC_CONNECTION_FLAGS;

  async function challenges(): Promise<string[]> {
    const out: string[] = [];
    for (const scheme of schemes) {
      if (scheme !== "Digest") {
        out.push(scheme);
        continue;
      }
      const ctx = new ServerContext();
      const r = await ctx.accept(creds.get("Digest")!, [], ASC_REQ_HTTP_DIGEST);
      ctx.dispose();
      if (r.token) out.push(new TextDecoder().decode(r.token));
    }
    return out;
  }

  async function refuse(status = REFUSED, extra?: string): Promise<Response> {
    // Header pairs, not Headers.append: Deno.serve writes appended values of one
    // name as one line ("Negotiate, NTLM"), which Java's HttpURLConnection takes
    // for one challenge with a token (it then fails to decode ", NTLM"); IIS sends
    // one line per challenge, and so do we.
    const h: [string, string][] = [[
      "content-type",
      "text/plain; charset=utf-8",
    ]];
    if (status === REFUSED) {
      for (const c of extra ? [extra] : await challenges()) {
        h.push([H_CHALLENGE, c]);
      }
    }
    if (status === 400) h.push(["connection", "close"]);
    const text = status === 400
      ? "Bad Request: malformed or oversized credentials, or an encrypted message that does not verify\n"
      : status === 413
      ? "Payload Too Large: the body of an auth-int request is bounded\n"
      : proxy
      ? "Proxy Authentication Required\n"
      : "Unauthorized\n";
    return new Response(text, { status, headers: h });
  }

  async function run(
    req: Request,
    info: Deno.ServeHandlerInfo,
    who: Identity,
    headers: [string, string][],
  ): Promise<Response> {
    identities.set(req, who);
    let res = await handler(req, info);
    if (headers.length) {
      try {
        for (const [k, v] of headers) res.headers.append(k, v);
      } catch {
        // immutable headers (e.g. a fetch() response): copy
        res = new Response(res.body, res);
        for (const [k, v] of headers) res.headers.append(k, v);
      }
    }
    return res;
  }

  return async (req, info) => {
    const auth = req.headers.get(H_AUTH);
    const addr = info?.remoteAddr as Deno.NetAddr | undefined;
    const client = addr?.hostname ?? "unknown";
    const conn = `${client}:${addr?.port ?? 0}`;
    if (auth === null) {
      if (
        !sessions || !isEncryptedContentType(req.headers.get("content-type"))
      ) {
        return await refuse();
      }
      // Authenticated only by decrypting under the connection's kept context.
      const r = await sessions.handle(
        req,
        conn,
        client,
        (plain, who) => run(plain, info, who, []),
      );
      return typeof r === "number" ? await refuse(r === 401 ? REFUSED : r) : r;
    }
    if (auth.length > maxHeader + 4096) return await refuse(400);
    const parts = splitCredentials(auth);
    if (!parts) return await refuse(400);
    const scheme = schemes.find((s) => sameScheme(s, parts.scheme));
    if (!scheme) return await refuse();
    const cred = creds.get(scheme)!;
    if (scheme === "Digest") {
      const url = new URL(req.url);
      const uri = proxy ? req.url : url.pathname + url.search;
      let body: Uint8Array | null = null;
      if (/\bqop\s*=\s*"?auth-int\b/i.test(parts.rest)) {
        // Bounded before anyone is authenticated: a declared or actual body over
        // the limit is refused without being kept.
        const declared = Number(req.headers.get("content-length") ?? "0");
        if (!(declared <= maxAuthIntBody)) return await refuse(413);
        body = await readBounded(req.clone(), maxAuthIntBody);
        if (!body) return await refuse(413);
      }
      const ctx = new ServerContext();
      try {
        const r = await ctx.accept(
          cred,
          digestServerInput(auth, req.method, uri, body),
          ASC_REQ_HTTP_DIGEST,
        );
        if (r.status === SEC_E_OK) {
          const who = {
            ...splitName(ctx.clientName()),
            package: "WDigest",
            scheme,
          };
          const extra: [string, string][] = r.token
            ? [[H_INFO, new TextDecoder().decode(r.token)]]
            : [];
          return await run(req, info, who, extra);
        }
        if (r.status === SEC_I_CONTINUE_NEEDED && r.token) {
          return await refuse(REFUSED, new TextDecoder().decode(r.token)); // stale
        }
        return await refuse(r.status === SEC_E_INVALID_TOKEN ? 400 : REFUSED);
      } finally {
        ctx.dispose();
      }
    }
    // NTLM / Negotiate: token68, bounded, state per connection.
    if (parts.rest.length > maxHeader) return await refuse(400);
    const token = decodeBase64Strict(parts.rest);
    if (!token || token.length > maxTokenBytes) return await refuse(400);
    const key = `${scheme} ${conn}`;
    const leg = legOf(scheme, token);
    if (!leg) return await refuse(400);
    let ctx: ServerContext;
    if (leg === "first") {
      states.delete(key);
      sessions?.drop(conn); // a new logon ends the connection's kept one
      ctx = new ServerContext();
    } else {
      const held = states.take(key);
      if (!held) return await refuse(); // no handshake in progress here
      ctx = held;
    }
    const input = [new SecBuffer(SECBUFFER_TOKEN, token)];
    if (bindings && req.url.startsWith("https:")) {
      input.push(new SecBuffer(SECBUFFER_CHANNEL_BINDINGS, await bindings));
    }
    // Negotiate's Kerberos answers a refusal with a KRB-ERROR saying why (in a
    // reject NegTokenResp), sent back in the 401 as IIS does, for the client to
    // report.
    const krb = scheme === "Negotiate";
    let r;
    try {
      r = await ctx.accept(
        cred,
        input,
        krb ? ascFlags | ASC_REQ_EXTENDED_ERROR : ascFlags,
      );
    } catch {
      ctx.dispose();
      return await refuse(400);
    }
    if (r.status === SEC_I_CONTINUE_NEEDED && r.token) {
      states.put(key, client, ctx);
      // The next leg must come on this connection. Clients such as requests-ntlm
      // send the request body with every leg: read it (bounded) so the connection
      // stays usable instead of being closed with the body unread.
      await readBounded(req, maxAuthIntBody);
      return await refuse(REFUSED, `${scheme} ${encodeBase64(r.token)}`);
    }
    if (isFailure(r.status) || r.status !== SEC_E_OK) {
      ctx.dispose();
      if (r.status === SEC_E_INVALID_TOKEN) return await refuse(400);
      return await refuse(
        REFUSED,
        krb && r.token ? `${scheme} ${encodeBase64(r.token)}` : undefined,
      );
    }
    if (serviceNames) {
      const spn = ctx.clientTarget();
      if (
        spn === null ? requireServiceName : !serviceNames.has(spn.toLowerCase())
      ) {
        ctx.dispose();
        return await refuse(); // made for another service (or names none)
      }
    }
    const logonInfo = ctx.logonInfo();
    const who: Identity = {
      ...splitName(ctx.clientName()),
      package: packageOf(scheme),
      scheme,
      ...(logonInfo ? { logonInfo } : {}),
    };
    if (sessions) sessions.keep(conn, client, ctx, who);
    else ctx.dispose();
    const extra: [string, string][] = r.token
      ? [[H_CHALLENGE, `${scheme} ${encodeBase64(r.token)}`]]
      : [];
    return await run(req, info, who, extra);
  };
}

/** The table of kept logons for `sessionEncryption`, or null without it. */
function sessionTable(
  options: AuthenticationOptions,
  maxConnections: number,
  maxPerClient: number,
): EncryptedSessions | null {
  const o = options.sessionEncryption;
  if (o === undefined || o === false) return null;
  if (o !== true && (typeof o !== "object" || o === null)) {
    throw new TypeError(
      "withAuthentication: sessionEncryption must be a boolean or an object",
    );
  }
  if (options.proxy === true) {
    throw new TypeError(
      "withAuthentication: sessionEncryption is for an origin server, not a proxy",
    );
  }
  const limits = o === true ? {} : o;
  return new EncryptedSessions(
    {
      maxConnections,
      maxPerClient,
      timeoutMs: positive(limits.idleTimeoutMs, 120000, "idleTimeoutMs"),
    },
    positive(limits.maxBodyBytes, 8 << 20, "maxBodyBytes"),
  );
}
