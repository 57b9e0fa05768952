/**
 * The public shapes of `withAuthentication`: its options, the identity it hands the
 * handler, and the handler type.
 *
 * @module
 */
import type { HttpAuthScheme } from "./_schemes.ts";
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
  /**
   * WinRM's message encryption (MS-WSMV 2.2.9.1.1, `HTTP-SPNEGO-session-encrypted`),
   * which Windows' WinRM service requires over plain HTTP: once an NTLM or Negotiate
   * logon completes on a connection, its server context is kept (keyed by the
   * client's `hostname:port`, bounded by `maxConnections`/`maxPerClient` and an idle
   * timeout), and later requests on that connection that carry no `Authorization`
   * but a `multipart/encrypted` body sealed with it are decrypted, handed to the
   * handler with their original content type, plaintext body and the logon's
   * identity, and answered with the handler's response body sealed the same way.
   * Such a request counts as authenticated only because its body decrypts and
   * verifies under the kept context (only the logon's client has its keys; a plain
   * request on that connection still gets `401`); one that does not verify, or a
   * replay, gets `400` and the kept context is dropped. `true` for the defaults.
   * Not with `proxy`.
   */
  sessionEncryption?: boolean | {
    /**
     * How long a kept context may go unused, in milliseconds. Default 120,000 (the
     * idle timeout of Windows' HTTP.sys connections).
     */
    idleTimeoutMs?: number;
    /** Largest encrypted request body in bytes (larger: `413`). Default 8 MiB. */
    maxBodyBytes?: number;
  };
}

/** A `Deno.serve` handler. */
export type ServeHandler = (
  request: Request,
  info: Deno.ServeHandlerInfo,
) => Response | Promise<Response>;
