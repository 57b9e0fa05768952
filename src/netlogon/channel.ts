/**
 * The Netlogon secure channel of one machine account with one domain controller
 * (MS-NRPC 3.1): set up on first use (NetrServerReqChallenge and
 * NetrServerAuthenticate3 with AES over an unauthenticated binding, then a binding
 * sealed with the session key), shared by every credential naming the same DC and
 * account (a DC keeps one channel per machine: a second setup would end the first),
 * and used one call at a time (its sequence numbers are ordered). A channel that
 * fails, or that the DC no longer knows, is set up again once.
 *
 * @module
 */
import { mapEndpoint } from "../rpc/epmapper.ts";
import { RpcClient } from "../rpc/client.ts";
import { SspiError } from "../sspi/errors.ts";
import { ntStatusText } from "../sspi/ntstatus.ts";
import { SEC_E_NO_AUTHENTICATING_AUTHORITY } from "../sspi/status.ts";
import { constantTimeEqual } from "../util/bytes.ts";
import {
  decodeAuthenticate3,
  decodeReqChallenge,
  encodeAuthenticate3,
  encodeReqChallenge,
  NETLOGON_INTERFACE,
  OP_SERVER_AUTHENTICATE3,
  OP_SERVER_REQ_CHALLENGE,
} from "./calls.ts";
import {
  computeNetlogonCredential,
  computeSessionKeyAes,
  newClientChallenge,
} from "./crypto.ts";
import { NetlogonSecureChannel } from "./secure_channel.ts";

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
export const STATUS_ACCESS_DENIED = 0xC0000022;

/** An error for a DC that cannot be used. */
export function unreachable(message: string): SspiError {
  return new SspiError(SEC_E_NO_AUTHENTICATING_AUTHORITY, message);
}

/** The secure channel's session: what NetrServerAuthenticate3 set up. */
interface Session {
  /** Netlogon's port. */
  port: number;
  /** The session key (wiped when the session is given up). */
  sessionKey: Uint8Array;
}

/** One sealed connection over a session. */
interface Binding {
  rpc: RpcClient;
  auth: NetlogonSecureChannel;
  /** Its copy of the session key, for the fields a call encrypts itself. */
  sessionKey: Uint8Array;
  /** The session it belongs to. */
  session: Promise<Session>;
}

/** Where a channel goes and whose it is. */
export interface ChannelTarget {
  /** The DC's host name or address. */
  host: string;
  /** Netlogon's TCP port, or undefined to ask the endpoint mapper. */
  port: number | undefined;
  /** The machine account's name, upper case, without `$`. */
  account: string;
  /** Its NetBIOS domain, upper case. */
  domain: string;
  /** Milliseconds to wait at each step. */
  timeoutMs: number;
  /** Most calls in flight at once, each on its own sealed connection. */
  maxConcurrent: number;
}

/** The channels in use, by DC and account; each is shared while it has users. */
const CHANNELS = new Map<string, SecureChannel[]>();

/** One machine account's secure channel with one DC (see the module doc). */
export class SecureChannel implements ChannelTarget {
  readonly host: string;
  readonly port: number | undefined;
  readonly account: string;
  readonly domain: string;
  readonly timeoutMs: number;
  readonly maxConcurrent: number;
  #ntHash: Uint8Array;
  #session: Promise<Session> | null = null;
  #idle: Binding[] = [];
  #bindings = 0;
  #waiting: (() => void)[] = [];
  #users = 0;

  private constructor(t: ChannelTarget, ntHash: Uint8Array) {
    this.host = t.host;
    this.port = t.port;
    this.account = t.account;
    this.domain = t.domain;
    this.timeoutMs = t.timeoutMs;
    this.maxConcurrent = t.maxConcurrent;
    this.#ntHash = ntHash.slice();
  }

  /**
   * The channel of `t` for the account whose NT hash is `ntHash` (shared with
   * other users of the same DC, account and secret); `release` it when done.
   */
  static acquire(t: ChannelTarget, ntHash: Uint8Array): SecureChannel {
    const key = `${t.host}|${t.port ?? ""}|${t.account}|${t.domain}`;
    const list = CHANNELS.get(key) ?? [];
    let ch = list.find((c) => constantTimeEqual(c.#ntHash, ntHash));
    if (!ch) {
      ch = new SecureChannel(t, ntHash);
      list.push(ch);
      CHANNELS.set(key, list);
    }
    ch.#users++;
    return ch;
  }

  /** Gives up one use; the last closes the connection and wipes the hash. */
  release(): void {
    if (--this.#users > 0) return;
    const key = `${this.host}|${
      this.port ?? ""
    }|${this.account}|${this.domain}`;
    const list = (CHANNELS.get(key) ?? []).filter((c) => c !== this);
    if (list.length) CHANNELS.set(key, list);
    else CHANNELS.delete(key);
    this.#ntHash.fill(0);
    this.#endSession();
    for (const wake of this.#waiting.splice(0)) wake();
  }

  /**
   * Makes one call over the secure channel: the stub `stub` builds (given the
   * session key, for fields a call encrypts) to `opnum`, the answer read by
   * `decode`. Up to `maxConcurrent` calls run at once, each on a sealed connection
   * of its own (their sequence numbers are ordered per connection); more wait. When
   * a call fails, its connection is closed and the call repeated once; when `stale`
   * says the DC no longer knows the session, the session is set up again and the
   * call repeated once.
   */
  async call<T>(
    opnum: number,
    stub: (sessionKey: Uint8Array) => Uint8Array,
    decode: (answer: Uint8Array) => T,
    stale: (reply: T) => boolean,
  ): Promise<T> {
    for (let attempt = 0;; attempt++) {
      const b = await this.#take();
      let reply: T;
      try {
        reply = decode(await b.rpc.call(opnum, stub(b.sessionKey)));
      } catch (e) {
        this.#give(b, false);
        if (attempt === 0) continue;
        throw e;
      }
      if (attempt === 0 && stale(reply)) {
        // The DC no longer knows this session (it restarted): set it up again.
        if (this.#session === b.session) this.#endSession();
        this.#give(b, false);
        continue;
      }
      this.#give(b, true);
      return reply;
    }
  }

  /** An idle sealed connection, a new one, or the next one given back. */
  async #take(): Promise<Binding> {
    for (;;) {
      if (this.#users <= 0) throw unreachable("the Netlogon channel is closed");
      const idle = this.#idle.pop();
      if (idle) return idle;
      if (this.#bindings < this.maxConcurrent) {
        this.#bindings++;
        try {
          return await this.#bind();
        } catch (e) {
          this.#bindings--;
          this.#wakeOne();
          throw e;
        }
      }
      await new Promise<void>((wake) => this.#waiting.push(wake));
    }
  }

  /** Gives a connection back: kept when `ok` and its session is current. */
  #give(b: Binding, ok: boolean): void {
    if (ok && this.#users > 0 && b.session === this.#session) {
      this.#idle.push(b);
    } else {
      this.#bindings--;
      this.#close(b);
    }
    this.#wakeOne();
  }

  #wakeOne(): void {
    this.#waiting.shift()?.();
  }

  /** Gives up the session: its idle connections close now, busy ones when given back. */
  #endSession(): void {
    const session = this.#session;
    this.#session = null;
    for (const b of this.#idle.splice(0)) {
      this.#bindings--;
      this.#close(b);
    }
    session?.then((s) => s.sessionKey.fill(0), () => {});
  }

  #close(b: Binding): void {
    b.rpc.close();
    b.auth.dispose();
    b.sessionKey.fill(0);
  }

  /** A new sealed connection over the session (set up first if there is none). */
  async #bind(): Promise<Binding> {
    const pending = this.#session ??= this.#setUp();
    let session: Session;
    try {
      session = await pending;
    } catch (e) {
      if (this.#session === pending) this.#session = null;
      throw e;
    }
    const auth = new NetlogonSecureChannel({
      domain: this.domain,
      computer: this.account,
      sessionKey: session.sessionKey,
    });
    try {
      const rpc = await RpcClient.connect({
        host: this.host,
        port: session.port,
        iface: NETLOGON_INTERFACE,
        auth,
        timeoutMs: this.timeoutMs,
      });
      return {
        rpc,
        auth,
        sessionKey: session.sessionKey.slice(),
        session: pending,
      };
    } catch (e) {
      auth.dispose();
      throw e;
    }
  }

  /** Sets up the secure channel's session: the credential exchange. */
  async #setUp(): Promise<Session> {
    const port = this.port ??
      await mapEndpoint(this.host, NETLOGON_INTERFACE, {
        timeoutMs: this.timeoutMs,
      });
    const sessionKey = await this.#authenticate(`\\\\${this.host}`, port);
    return { port, sessionKey };
  }

  /** NetrServerReqChallenge + NetrServerAuthenticate3: the session key. */
  async #authenticate(server: string, port: number): Promise<Uint8Array> {
    const rpc = await RpcClient.connect({
      host: this.host,
      port,
      iface: NETLOGON_INTERFACE,
      timeoutMs: this.timeoutMs,
    });
    try {
      const clientChallenge = newClientChallenge();
      const ch = decodeReqChallenge(
        await rpc.call(
          OP_SERVER_REQ_CHALLENGE,
          encodeReqChallenge(server, this.account, clientChallenge),
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
            `${this.account}$`,
            this.account,
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
          `the domain controller refused this server's machine account ${this.account}$: ${
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
}
