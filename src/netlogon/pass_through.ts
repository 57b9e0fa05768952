/**
 * NTLM pass-through to a domain controller (MS-APDS 3.1.5, MS-NRPC): the secure
 * channel of this server's machine account, set up once (NetrServerReqChallenge and
 * NetrServerAuthenticate3 with AES), then one sealed NetrLogonSamLogonEx per logon.
 * Calls go one at a time (the channel's sequence numbers are ordered); a channel
 * that fails is set up again once.
 *
 * @module
 */
import { md4 } from "../crypto/mod.ts";
import { mapEndpoint } from "../rpc/epmapper.ts";
import { RpcClient } from "../rpc/client.ts";
import { SspiError } from "../sspi/errors.ts";
import { ntStatusText } from "../sspi/ntstatus.ts";
import {
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_UNKNOWN_CREDENTIALS,
} from "../sspi/status.ts";
import { constantTimeEqual, fromHex, utf16le } from "../util/bytes.ts";
import {
  decodeAuthenticate3,
  decodeReqChallenge,
  decodeSamLogonEx,
  encodeAuthenticate3,
  encodeReqChallenge,
  encodeSamLogonEx,
  NETLOGON_INTERFACE,
  OP_LOGON_SAM_LOGON_EX,
  OP_SERVER_AUTHENTICATE3,
  OP_SERVER_REQ_CHALLENGE,
} from "./calls.ts";
import {
  computeNetlogonCredential,
  computeSessionKeyAes,
  newClientChallenge,
} from "./crypto.ts";
import type {
  NetworkLogon,
  NetworkLogonResult,
  NetworkLogonVerifier,
} from "./logon.ts";
import { NetlogonSecureChannel } from "./secure_channel.ts";

/**
 * Where the domain controller is and this server's machine account (the `$` account
 * a domain join creates), for NTLM pass-through.
 */
export interface NetlogonOptions {
  /** The DC's host name or address. */
  Server: string;
  /** Netlogon's TCP port; by default the DC's endpoint mapper (port 135) is asked. */
  Port?: number;
  /** The machine account's name without `$` (default: the credential's ComputerName). */
  Account?: string;
  /** The machine account's password. */
  Password?: string;
  /** Its NT hash instead (32 hex digits or 16 bytes). */
  NtHash?: string | Uint8Array;
  /** The account's NetBIOS domain (default: the credential's DomainName). */
  Domain?: string;
  /** Milliseconds to wait for the DC at each step (default 10,000). */
  TimeoutMs?: number;
}

/**
 * NegotiateFlags we offer (MS-NRPC 3.1.4.2, what Windows 10 sends): AES and the
 * secure RPC channel among them; the DC must grant both.
 */
const OFFERED_FLAGS = 0x612fffff;
/** NETLOGON_NEG_SUPPORTS_AES. */
const NEG_SUPPORTS_AES = 0x01000000;
/** NETLOGON_NEG_AUTHENTICATED_RPC: the secure RPC channel ("schannel"). */
const NEG_AUTHENTICATED_RPC = 0x40000000;
/** `STATUS_ACCESS_DENIED`: how a DC answers a call on a channel it forgot. */
const STATUS_ACCESS_DENIED = 0xC0000022;

function unreachable(message: string): SspiError {
  return new SspiError(SEC_E_NO_AUTHENTICATING_AUTHORITY, message);
}

/** An open secure channel. */
interface Channel {
  rpc: RpcClient;
  auth: NetlogonSecureChannel;
}

/**
 * Checks network logons with a domain controller over this server's secure channel.
 *
 * @example
 * ```ts ignore
 * import { NetlogonVerifier } from "./pass_through.ts";
 * const dc = new NetlogonVerifier(
 *   { Server: "dc1.corp.example.com", Password: "machine account password" },
 *   { computer: "WEB1", domain: "CORP" },
 * );
 * const r = await dc.logon(logonFromAnAuthenticateMessage);
 * dc.close();
 * ```
 */
export class NetlogonVerifier implements NetworkLogonVerifier {
  readonly #host: string;
  readonly #port: number | undefined;
  readonly #account: string;
  readonly #domain: string;
  readonly #timeoutMs: number;
  #ntHash: Uint8Array;
  #channel: Promise<Channel> | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /**
   * Checks the options (an `SspiError(SEC_E_UNKNOWN_CREDENTIALS)` when they are
   * unusable); connects on first use. `defaults` are the NTLM credential's names.
   */
  constructor(
    options: NetlogonOptions,
    defaults: { computer?: string; domain?: string } = {},
  ) {
    if (!options || typeof options.Server !== "string" || !options.Server) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "DomainController.Server must name the domain controller",
      );
    }
    const account = (options.Account ?? defaults.computer ?? "").replace(
      /\$$/,
      "",
    );
    const domain = options.Domain ?? defaults.domain ?? "";
    if (!account || !domain) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "DomainController needs the machine account (Account or ComputerName) and its domain (Domain or DomainName)",
      );
    }
    this.#host = options.Server;
    this.#port = options.Port;
    this.#account = account.toUpperCase();
    this.#domain = domain.toUpperCase();
    this.#timeoutMs = options.TimeoutMs ?? 10_000;
    this.#ntHash = machineHash(options);
  }

  /** Passes one logon through (see {@linkcode NetworkLogonVerifier.logon}). */
  logon(logon: NetworkLogon): Promise<NetworkLogonResult> {
    const run = this.#queue.then(() => this.#logonOnce(logon, true));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #logonOnce(
    logon: NetworkLogon,
    retry: boolean,
  ): Promise<NetworkLogonResult> {
    if (this.#closed) throw unreachable("the Netlogon channel is closed");
    let ch: Channel;
    try {
      ch = await (this.#channel ??= this.#open());
    } catch (e) {
      this.#channel = null;
      throw e;
    }
    let reply;
    try {
      reply = decodeSamLogonEx(
        await ch.rpc.call(
          OP_LOGON_SAM_LOGON_EX,
          encodeSamLogonEx(`\\\\${this.#host}`, this.#account, logon),
        ),
      );
    } catch (e) {
      this.#drop(ch);
      if (retry) return this.#logonOnce(logon, false);
      throw e;
    }
    if (reply.status === STATUS_ACCESS_DENIED && retry) {
      // The DC no longer knows this channel (it restarted): set it up again.
      this.#drop(ch);
      return this.#logonOnce(logon, false);
    }
    const v = reply.validation;
    if (reply.status !== 0 || !v) {
      v?.userSessionKey.fill(0);
      v?.lmSessionKey.fill(0);
      return {
        status: reply.status || STATUS_ACCESS_DENIED,
        sessionKey: null,
        lmSessionKey: null,
        validation: null,
      };
    }
    return {
      status: 0,
      sessionKey: v.userSessionKey,
      lmSessionKey: v.lmSessionKey,
      validation: v.info,
    };
  }

  #drop(ch: Channel): void {
    this.#channel = null;
    ch.rpc.close();
    ch.auth.dispose();
  }

  /** Sets up the secure channel: the credential exchange, then a sealed binding. */
  async #open(): Promise<Channel> {
    const host = this.#host;
    const timeoutMs = this.#timeoutMs;
    const port = this.#port ??
      await mapEndpoint(host, NETLOGON_INTERFACE, { timeoutMs });
    const server = `\\\\${host}`;
    const sessionKey = await this.#authenticate(server, port);
    const auth = new NetlogonSecureChannel({
      domain: this.#domain,
      computer: this.#account,
      sessionKey,
    });
    sessionKey.fill(0);
    try {
      const rpc = await RpcClient.connect({
        host,
        port,
        iface: NETLOGON_INTERFACE,
        auth,
        timeoutMs,
      });
      return { rpc, auth };
    } catch (e) {
      auth.dispose();
      throw e;
    }
  }

  /** NetrServerReqChallenge + NetrServerAuthenticate3: the session key. */
  async #authenticate(server: string, port: number): Promise<Uint8Array> {
    const rpc = await RpcClient.connect({
      host: this.#host,
      port,
      iface: NETLOGON_INTERFACE,
      timeoutMs: this.#timeoutMs,
    });
    try {
      const clientChallenge = newClientChallenge();
      const ch = decodeReqChallenge(
        await rpc.call(
          OP_SERVER_REQ_CHALLENGE,
          encodeReqChallenge(server, this.#account, clientChallenge),
        ),
      );
      if (ch.status !== 0) {
        throw unreachable(
          `the domain controller refused a Netlogon challenge: ${
            ntStatusText(ch.status)
          }`,
        );
      }
      const sk = computeSessionKeyAes(
        this.#ntHash,
        clientChallenge,
        ch.serverChallenge,
      );
      const ours = computeNetlogonCredential(sk, clientChallenge);
      const reply = decodeAuthenticate3(
        await rpc.call(
          OP_SERVER_AUTHENTICATE3,
          encodeAuthenticate3(
            server,
            `${this.#account}$`,
            this.#account,
            ours,
            OFFERED_FLAGS,
          ),
        ),
      );
      const theirs = computeNetlogonCredential(sk, ch.serverChallenge);
      const granted = reply.negotiateFlags;
      if (reply.status !== 0) {
        sk.fill(0);
        throw unreachable(
          `the domain controller refused this server's machine account ${this.#account}$: ${
            ntStatusText(reply.status)
          }`,
        );
      }
      if (!constantTimeEqual(theirs, reply.serverCredential)) {
        sk.fill(0);
        throw unreachable(
          "the domain controller's Netlogon credential does not match (not the account's DC?)",
        );
      }
      if (
        (granted & (NEG_SUPPORTS_AES | NEG_AUTHENTICATED_RPC)) !==
          (NEG_SUPPORTS_AES | NEG_AUTHENTICATED_RPC)
      ) {
        sk.fill(0);
        throw unreachable(
          "the domain controller does not offer an AES secure channel",
        );
      }
      return sk;
    } finally {
      rpc.close();
    }
  }

  /** Closes the channel and wipes the machine account's hash. */
  close(): void {
    this.#closed = true;
    this.#ntHash.fill(0);
    const ch = this.#channel;
    this.#channel = null;
    ch?.then((c) => {
      c.rpc.close();
      c.auth.dispose();
    }, () => {});
  }
}

/** The machine account's NT hash from the options. */
function machineHash(o: NetlogonOptions): Uint8Array {
  if (o.NtHash instanceof Uint8Array && o.NtHash.length === 16) {
    return o.NtHash.slice();
  }
  if (typeof o.NtHash === "string" && /^[0-9a-fA-F]{32}$/.test(o.NtHash)) {
    return fromHex(o.NtHash);
  }
  if (o.NtHash === undefined && typeof o.Password === "string" && o.Password) {
    return md4(utf16le(o.Password));
  }
  throw new SspiError(
    SEC_E_UNKNOWN_CREDENTIALS,
    "DomainController needs the machine account's Password or NtHash (16 bytes or 32 hex digits)",
  );
}
