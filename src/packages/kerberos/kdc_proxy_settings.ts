/**
 * A credential's KDC proxy settings (`SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS`, set with
 * `SetCredentialsAttributes` as Windows' RDP client does for an RD Gateway): the
 * MS-KKDCP proxy its AS and TGS exchanges go through, either always
 * (`KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY`) or only when no KDC answers directly.
 * The proxy is named as Windows names it, `host` (`https://host:443/KdcProxy`) or
 * `host:port:path`, or by an http(s) URL.
 *
 * @module
 */
import type { SecPkgCredentials_KdcProxySettings } from "../../sspi/attributes.ts";
import {
  KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY,
  KDC_PROXY_SETTINGS_V1,
} from "../../sspi/flags.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_INVALID_PARAMETER,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { isKdcProxyUrl, kkdcpTransport } from "./kkdcp.ts";
import { type KdcTransport, KdcUnreachableError } from "./transport.ts";

/** The port a proxy named without one is reached on. */
const DEFAULT_PROXY_PORT = 443;
/** The path a proxy named without one serves (Windows' KDC proxy's). */
const DEFAULT_PROXY_PATH = "KdcProxy";

/** Settings a credential holds, checked. */
export interface KdcProxySettings {
  /** `Flags` as set. */
  readonly flags: number;
  /** `ProxyServer` as set. */
  readonly server: string;
  /** The proxy's URL. */
  readonly url: string;
  /** The `fetch` it is reached with, if the caller gave one. */
  readonly fetch?: typeof fetch;
}

function invalid(why: string): never {
  throw new SspiError(SEC_E_INVALID_PARAMETER, `KDC proxy settings: ${why}`);
}

/**
 * The URL of a proxy named `host`, `host:port:path` (`host:port` too), with `[v6]`
 * for an IPv6 host, or given as an http(s) URL; throws `SEC_E_INVALID_PARAMETER`
 * for anything else.
 */
export function kdcProxyUrl(server: string): string {
  const s = server.trim();
  if (isKdcProxyUrl(s)) {
    try {
      return new URL(s).href;
    } catch {
      invalid(`${JSON.stringify(server)} is not a URL`);
    }
  }
  let host: string;
  let rest: string;
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) invalid(`${JSON.stringify(server)}: an unclosed [`);
    host = s.slice(0, end + 1);
    rest = s.slice(end + 1);
    if (rest !== "" && !rest.startsWith(":")) {
      invalid(`${JSON.stringify(server)}: text after the ]`);
    }
    rest = rest.slice(1);
  } else {
    const at = s.indexOf(":");
    host = at < 0 ? s : s.slice(0, at);
    rest = at < 0 ? "" : s.slice(at + 1);
  }
  const at = rest.indexOf(":");
  const portText = at < 0 ? rest : rest.slice(0, at);
  const path = at < 0 ? DEFAULT_PROXY_PATH : rest.slice(at + 1);
  const port = portText === "" ? DEFAULT_PROXY_PORT : Number(portText);
  if (!/^[A-Za-z0-9.\-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(host)) {
    invalid(`${JSON.stringify(server)} names no host`);
  }
  if (!/^\d{0,5}$/.test(portText) || port < 1 || port > 65535) {
    invalid(`${JSON.stringify(server)}: the port is not 1 to 65535`);
  }
  if (/[\s?#]/.test(path)) {
    invalid(`${JSON.stringify(server)}: the path has a space, ? or #`);
  }
  try {
    return new URL(`https://${host}:${port}/${path.replace(/^\/+/, "")}`).href;
  } catch {
    return invalid(`${JSON.stringify(server)} gives no URL`);
  }
}

/**
 * The settings of a `SecPkgCredentials_KdcProxySettings`, or null when they remove
 * the proxy (no `ProxyServer`). `SEC_E_INVALID_PARAMETER` for another version,
 * unknown flags or a proxy that names no URL; `SEC_E_UNSUPPORTED_FUNCTION` for a
 * `ClientTlsCred`.
 */
export function parseKdcProxySettings(value: unknown): KdcProxySettings | null {
  if (!value || typeof value !== "object") invalid("not an object");
  const v = value as Partial<SecPkgCredentials_KdcProxySettings>;
  if (v.Version !== KDC_PROXY_SETTINGS_V1) {
    invalid(`Version must be KDC_PROXY_SETTINGS_V1 (1), not ${v.Version}`);
  }
  const flags = v.Flags ?? 0;
  if (
    typeof flags !== "number" || !Number.isInteger(flags) ||
    (flags & ~KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY) !== 0
  ) {
    invalid(`Flags ${flags} has bits other than FORCEPROXY (1)`);
  }
  if (v.ClientTlsCred !== undefined && v.ClientTlsCred !== null) {
    if (typeof v.ClientTlsCred !== "string") invalid("ClientTlsCred");
    if (v.ClientTlsCred !== "") {
      throw new SspiError(
        SEC_E_UNSUPPORTED_FUNCTION,
        "KDC proxy settings: ClientTlsCred is not supported; give a Fetch whose HTTP client presents the certificate",
      );
    }
  }
  if (v.Fetch !== undefined && typeof v.Fetch !== "function") {
    invalid("Fetch must be a function");
  }
  const server = v.ProxyServer ?? "";
  if (typeof server !== "string") invalid("ProxyServer must be a string");
  if (server.trim() === "") return null;
  return { flags, server, url: kdcProxyUrl(server), fetch: v.Fetch };
}

/** The `SecPkgCredentials_KdcProxySettings` that `settings` were set from. */
export function kdcProxySettingsValue(
  settings: KdcProxySettings | null,
): SecPkgCredentials_KdcProxySettings {
  return {
    Version: KDC_PROXY_SETTINGS_V1,
    Flags: settings?.flags ?? 0,
    ProxyServer: settings?.server ?? null,
    ClientTlsCred: null,
  };
}

/**
 * `direct` with the proxy of `settings`: only the proxy under FORCEPROXY, else
 * `direct` first and the proxy when no KDC could be reached (`KdcUnreachableError`).
 */
export function throughKdcProxy(
  direct: KdcTransport,
  settings: KdcProxySettings,
): KdcTransport {
  const proxy = kkdcpTransport(settings.url, { fetch: settings.fetch });
  if (settings.flags & KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY) return proxy;
  return async (realm, request) => {
    try {
      return await direct(realm, request);
    } catch (e) {
      if (!(e instanceof KdcUnreachableError)) throw e;
      try {
        return await proxy(realm, request);
      } catch (p) {
        throw new KdcUnreachableError(
          `${e.message}; then ${(p as Error).message}`,
          { cause: p },
        );
      }
    }
  };
}
