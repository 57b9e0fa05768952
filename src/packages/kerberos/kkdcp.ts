/**
 * Kerberos over HTTPS: the Kerberos Key Distribution Center Proxy Protocol
 * ([MS-KKDCP]), which Windows Server's KDC proxy (RD Gateway, DirectAccess) and
 * FreeIPA's `kdcproxy` serve. Each KDC request is POSTed to the proxy's URL inside a
 * DER `KDC-PROXY-MESSAGE` (section 2.2.2, `kkdcp_message.ts`), framed as over TCP,
 * and the KDC's reply comes back in the same structure. It needs only `fetch`, so Kerberos works where
 * raw sockets are not available (browsers, Cloudflare Workers, Deno Deploy) and
 * through firewalls that pass only HTTPS. Also here: `kdcTransport`, which sends
 * to a list of KDCs given as `host[:port]` (TCP) or proxy URLs, in order.
 *
 * @module
 */
import {
  decodeKdcProxyMessage,
  encodeKdcProxyMessage,
} from "./kkdcp_message.ts";
import {
  failoverTransport,
  type KdcExchanger,
  type KdcTransport,
  KdcUnreachableError,
  MAX_KDC_REPLY,
  tcpExchanger,
} from "./transport.ts";

/** Options of `kkdcpTransport`. */
export interface KkdcpOptions {
  /** The `fetch` to use (default: the global one), e.g. one with a custom TLS client. */
  fetch?: typeof fetch;
  /** Milliseconds to wait for each exchange, reply body included (default 10,000). */
  timeoutMs?: number;
}

/** The most reply bytes read: the largest message plus room for the DER around it. */
const MAX_BODY = MAX_KDC_REPLY + 4096;

/** Whether a `Kdc` entry names a KDC proxy (`https://...`, or `http://...`). */
export function isKdcProxyUrl(address: string): boolean {
  return /^https?:\/\//i.test(address.trim());
}

/** The proxy's URL, or why it is not one. */
function proxyUrl(url: string): URL | string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return `not a URL: ${url}`;
  }
  return u.protocol === "https:" || u.protocol === "http:"
    ? u
    : `not an http(s) URL: ${url}`;
}

/** The response body, refusing more than `max` bytes (declared or received). */
async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`a reply of ${declared} bytes is too large`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw new Error(`a reply of more than ${max} bytes is too large`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** An error's message with its causes' (fetch's "fetch failed" says little alone). */
function reason(e: unknown): string {
  const parts: string[] = [];
  for (let c = e, i = 0; c !== undefined && i < 4; i++) {
    parts.push(c instanceof Error ? c.message : String(c));
    c = c instanceof Error ? c.cause : undefined;
  }
  return parts.join(": ");
}

/** One POST to the proxy; throws a plain `Error` saying what went wrong. */
async function post(
  url: URL,
  realm: string,
  request: Uint8Array,
  fetchFn: typeof fetch,
  timeoutMs: number,
): Promise<Uint8Array> {
  const body = encodeKdcProxyMessage({ message: request, targetDomain: realm });
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  try {
    const res = await fetchFn(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/kerberos",
        "Cache-Control": "no-cache",
        "Pragma": "no-cache",
      },
      body: body as Uint8Array<ArrayBuffer>,
      redirect: "manual", // a proxy that redirects is refused, not followed
      signal: abort.signal,
    });
    if (
      res.type === "opaqueredirect" || (res.status >= 300 && res.status < 400)
    ) {
      await res.body?.cancel().catch(() => {});
      throw new Error(
        `the proxy redirected (HTTP ${res.status}); redirects are not followed`,
      );
    }
    if (!res.ok) {
      // The start of the proxy's explanation (kdcproxy: "Invalid request."), printable.
      const text = await readCapped(res, 4096).then(
        (b) => new TextDecoder().decode(b).replace(/[^\x20-\x7e]+/g, " "),
        () => "",
      );
      const http = `HTTP ${res.status} ${res.statusText}`.trim();
      throw new Error(
        text.trim() ? `${http}: ${text.trim().slice(0, 200)}` : http,
      );
    }
    const reply = await readCapped(res, MAX_BODY);
    try {
      return decodeKdcProxyMessage(reply).message;
    } catch (e) {
      throw new Error(
        `the proxy's reply is not a KDC-PROXY-MESSAGE (${reason(e)})`,
      );
    }
  } catch (e) {
    if (timedOut) throw new Error(`no answer within ${timeoutMs} ms`);
    throw e instanceof Error && e.cause === undefined
      ? e
      : new Error(reason(e), { cause: e });
  } finally {
    clearTimeout(timer);
  }
}

/** An exchanger with one proxy; a bad URL fails each exchange, saying why. */
function kkdcpExchanger(url: string, options: KkdcpOptions): KdcExchanger {
  const u = proxyUrl(url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    address: url.trim(),
    send(realm, request) {
      if (typeof u === "string") return Promise.reject(new Error(u));
      const f = options.fetch ?? globalThis.fetch;
      return post(u, realm, request, f, timeoutMs);
    },
  };
}

/**
 * A transport through the MS-KKDCP proxy at `url` (`https://host/KdcProxy`; plain
 * `http://` is accepted too, for a proxy behind a TLS-terminating front end or a
 * test). Each request is POSTed as `application/kerberos` with the realm as
 * `target-domain`, bounded by `timeoutMs` (default 10 s); redirects are not
 * followed. HTTP errors, timeouts, and replies that are malformed (wrong tags, a
 * lying length prefix) or larger than `MAX_KDC_REPLY` reject with
 * `KdcUnreachableError`, which the credential reports as
 * `SEC_E_NO_AUTHENTICATING_AUTHORITY`. Uses the global `fetch` unless one is
 * given. Throws `TypeError` when `url` is not an http(s) URL.
 *
 * @example
 * ```ts ignore
 * import { AcquireCredentialsHandle, CredHandle, SECPKG_CRED_OUTBOUND } from "../../../mod.ts";
 * import { kkdcpTransport } from "./kkdcp.ts";
 * const cred = new CredHandle();
 * AcquireCredentialsHandle(null, "Kerberos", SECPKG_CRED_OUTBOUND, null, {
 *   User: "alice",
 *   Domain: "EXAMPLE.COM",
 *   Password: "pw",
 *   KdcTransport: kkdcpTransport("https://gw.example.com/KdcProxy"),
 * }, null, null, cred, null);
 * // Or just: Kdc: "https://gw.example.com/KdcProxy"
 * ```
 */
export function kkdcpTransport(
  url: string,
  options: KkdcpOptions = {},
): KdcTransport {
  const u = proxyUrl(url);
  if (typeof u === "string") throw new TypeError(`KDC proxy: ${u}`);
  const x = kkdcpExchanger(url, options);
  return async (realm, request) => {
    try {
      return await x.send(realm, request);
    } catch (e) {
      throw new KdcUnreachableError(
        `the KDC proxy ${x.address} for realm ${realm} failed: ${
          e instanceof Error ? e.message : String(e)
        }`,
        { cause: e },
      );
    }
  };
}

/**
 * A transport over a list of KDCs tried in order: an entry starting with
 * `https://` (or `http://`) is an MS-KKDCP proxy, as MIT's `krb5.conf` allows in
 * `kdc =` lines; anything else is `host[:port]` over TCP. Each exchange is bounded
 * by `timeoutMs` (default 10 s); when all fail, a `KdcUnreachableError` names each.
 *
 * @example
 * ```ts ignore
 * import { kdcTransport } from "./kkdcp.ts";
 * const send = kdcTransport(["kdc1.example.com", "https://gw.example.com/KdcProxy"]);
 * ```
 */
export function kdcTransport(
  addresses: readonly string[],
  timeoutMs = 10_000,
): KdcTransport {
  return failoverTransport(
    addresses.map((a) =>
      isKdcProxyUrl(a)
        ? kkdcpExchanger(a, { timeoutMs })
        : tcpExchanger(a, timeoutMs)
    ),
  );
}
