/**
 * `withAuthentication`: a `Deno.serve` handler wrapper that authenticates requests
 * with `Negotiate`, `NTLM` and `Digest` through the SSPI packages, and
 * `identityOf(request)` for the handler.
 *
 * @module
 */
import { concat } from "../util/bytes.ts";
import { SecBuffer, secChannelBindings } from "../sspi/buffers.ts";
import { SECBUFFER_CHANNEL_BINDINGS, SECBUFFER_TOKEN } from "../sspi/flags.ts";
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
import type { PacLogonInfo } from "../packages/kerberos/pac.ts";

/** Who authenticated a request. */
export interface Identity {
  /** The user name. */
  user: string;
  /** The domain (NTLM/Negotiate) or the Digest realm's user domain part, may be empty. */
  domain: string;
  /** The SSPI package: `"Negotiate"`, `"NTLM"` or `"WDigest"`. */
  package: string;
  /** The HTTP scheme: `"Negotiate"`, `"NTLM"` or `"Digest"`. */
  scheme: HttpAuthScheme;
  /**
   * For a Kerberos logon whose ticket carried a PAC (Active Directory), the
   * client's logon information: user and group SIDs, names, UPN
   * (`SECPKG_ATTR_PAC_LOGON_INFO`), to authorize by group.
   */
  logonInfo?: Readonly<PacLogonInfo>;
}

/** Options of {@linkcode withAuthentication}. */
export interface AuthenticationOptions {
  /** Schemes to offer, in this order. Default: those configured below, Negotiate first. */
  packages?: readonly ("Negotiate" | "NTLM" | "Digest")[];
  /** NTLM inbound `pAuthData` (`{ users }`, `{ lookup }`, `{ userFile }`, ...). */
  ntlm?: unknown;
  /** Negotiate inbound `pAuthData`. Default: `ntlm`. */
  negotiate?: unknown;
  /** WDigest inbound `pAuthData` (`{ realm, users }`, `{ realm, htdigestFile }`...). */
  digest?: unknown;
  /** Most NTLM/Negotiate handshakes kept in progress (LRU). Default 1,000. */
  maxConnections?: number;
  /** Most handshakes in progress per client address. Default 64. */
  maxPerClient?: number;
  /** How long a handshake in progress is kept, in milliseconds. Default 30,000. */
  stateTimeoutMs?: number;
  /** Largest decoded NTLM/Negotiate token in bytes. Default 16,384. */
  maxTokenBytes?: number;
  /**
   * Largest request body buffered to check a Digest `auth-int` response before the
   * caller is authenticated (default 1 MiB); a larger one gets `413`.
   */
  maxAuthIntBodyBytes?: number;
  /** Authenticate as a proxy: `407`, `Proxy-Authenticate`, `Proxy-Authorization`. */
  proxy?: boolean;
  /**
   * Service binding (Windows' Extended Protection where there is no TLS to bind to):
   * the SPNs this service answers to, e.g. `["HTTP/web.contoso.com"]`. An NTLM or
   * Negotiate logon whose client named another SPN
   * (`SECPKG_ATTR_CLIENT_SPECIFIED_TARGET`, authenticated by the logon itself) is
   * refused: it was made for another service and relayed here. Compared without
   * case and exactly: list `HTTP/host:port` too where clients name the port
   * (Chromium's NTLM does off ports 80 and 443).
   */
  serviceNames?: readonly string[];
  /**
   * With `serviceNames`, also refuse logons that name no SPN (NTLMv1; clients that
   * send none, such as curl's own NTLM). Default false, as Windows' `WhenSupported`.
   */
  requireServiceName?: boolean;
  /**
   * Channel binding (Windows' Extended Protection over TLS): the certificate this
   * server presents (PEM, as given to `Deno.serve`'s `cert`, or DER). NTLM and
   * Negotiate logons on `https:` requests are then checked against its
   * `tls-server-end-point` binding (RFC 5929): a client that bound its logon to
   * another certificate (a relay's) is refused; one that sent no binding is refused
   * when the user store says `requireChannelBindings: true`.
   */
  tlsCertificate?: string | Uint8Array;
}

/** A `Deno.serve` handler. */
export type ServeHandler = (
  request: Request,
  info: Deno.ServeHandlerInfo,
) => Response | Promise<Response>;

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

function splitName(name: string): { user: string; domain: string } {
  const i = name.indexOf("\\");
  return i >= 0
    ? { domain: name.slice(0, i), user: name.slice(i + 1) }
    : { domain: "", user: name };
}

/** The `serviceNames` option, lower-cased; undefined when not given. */
function serviceNameSet(
  names: readonly string[] | undefined,
): ReadonlySet<string> | undefined {
  if (names === undefined) return undefined;
  if (
    !Array.isArray(names) || names.length === 0 ||
    !names.every((n) => typeof n === "string" && n.length > 0)
  ) {
    throw new TypeError(
      "withAuthentication: serviceNames must be a non-empty list of SPNs",
    );
  }
  return new Set(names.map((n) => n.toLowerCase()));
}

function positive(v: number | undefined, def: number, name: string): number {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new RangeError(
      `withAuthentication: ${name} must be a positive integer`,
    );
  }
  return v;
}

const NTLMSSP = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0];

/**
 * Classifies a token by its first bytes: `"first"` opens a handshake (NTLM NEGOTIATE,
 * or an SPNEGO InitialContextToken), `"next"` continues one (NTLM AUTHENTICATE, an
 * SPNEGO NegTokenResp), null is neither (a 400 without touching any state).
 */
function legOf(scheme: HttpAuthScheme, t: Uint8Array): "first" | "next" | null {
  if (t.length >= 12 && NTLMSSP.every((b, i) => t[i] === b)) {
    return t[8] === 1 && t[9] === 0 && t[10] === 0 && t[11] === 0
      ? "first"
      : t[8] === 3 && t[9] === 0 && t[10] === 0 && t[11] === 0
      ? "next"
      : null;
  }
  if (scheme !== "Negotiate") return null;
  if (t[0] === 0x60) return "first"; // [APPLICATION 0] InitialContextToken
  if (t[0] === 0xa1) return "next"; // [1] NegTokenResp
  return null;
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
  const states = new ConnectionStates({
    maxConnections: positive(
      options.maxConnections,
      1000,
      "maxConnections",
    ),
    maxPerClient: positive(options.maxPerClient, 64, "maxPerClient"),
    timeoutMs: positive(options.stateTimeoutMs, 30000, "stateTimeoutMs"),
  });

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
      ? "Bad Request: malformed or oversized credentials\n"
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
    if (auth === null) return await refuse();
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
    const addr = info?.remoteAddr as Deno.NetAddr | undefined;
    const client = addr?.hostname ?? "unknown";
    const key = `${scheme} ${client}:${addr?.port ?? 0}`;
    const leg = legOf(scheme, token);
    if (!leg) return await refuse(400);
    let ctx: ServerContext;
    if (leg === "first") {
      states.delete(key);
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
    let r;
    try {
      r = await ctx.accept(cred, input, ASC_CONNECTION_FLAGS);
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
      return await refuse(r.status === SEC_E_INVALID_TOKEN ? 400 : REFUSED);
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
    ctx.dispose();
    const extra: [string, string][] = r.token
      ? [[H_CHALLENGE, `${scheme} ${encodeBase64(r.token)}`]]
      : [];
    return await run(req, info, who, extra);
  };
}

/** Reads a request body up to `max` bytes; null when it is longer. */
async function readBounded(
  req: Request,
  max: number,
): Promise<Uint8Array | null> {
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let n = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return concat(...chunks);
}
