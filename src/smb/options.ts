/**
 * What an SMB session is opened with (`SmbSession.connect`): the server, the
 * client's credentials (the friendly client's options), and how to negotiate.
 *
 * @module
 */
import type { ClientOptions } from "../friendly/context.ts";
import type { RpcConnector } from "../rpc/stream.ts";

/** What {@linkcode SmbSession.connect} needs: the server and the client's credentials. */
export interface SmbSessionOptions extends Omit<ClientOptions, "flags"> {
  /** The server's host name (also the default SPN's host) or address. */
  host: string;
  /** Its TCP port (default 445). */
  port?: number;
  /** `"Negotiate"` (default), `"NTLM"` or `"Kerberos"`. */
  package?: string;
  /** The SPN for Kerberos and Negotiate (default `cifs/<host>`). */
  target?: string;
  /** Bounds the connect and each exchange, each on its own, in ms (default 10 000). */
  timeoutMs?: number;
  /** Opens the connection (default TCP through `Deno.connect` or `node:net`). */
  connect?: RpcConnector;
  /**
   * The dialects offered (default 3.1.1, 3.0.2 and 2.1: `0x311`, `0x302`,
   * `0x210`); the server chooses.
   */
  dialects?: readonly number[];
  /**
   * Encrypt everything after the session setup (SMB 3.x), even where the server
   * does not ask for it (default false: signed only, unless the server or a share
   * asks for encryption, which is then used).
   */
  encrypt?: boolean;
  /**
   * The ciphers 3.1.1 offers, preferred first (default AES-128-GCM, AES-128-CCM,
   * AES-256-GCM, AES-256-CCM: `2, 1, 4, 3`, Windows 11's order); the server
   * chooses. 3.0.2 encrypts with AES-128-CCM (`1`) when it is among them.
   */
  ciphers?: readonly number[];
  /**
   * 3.1.1: offer AES-GMAC signing before AES-CMAC (default true, as Windows 11
   * does; the server chooses). False offers AES-CMAC only.
   */
  gmac?: boolean;
}
