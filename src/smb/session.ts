/**
 * An SMB2 session (MS-SMB2 3.2): one TCP connection to port 445, SMB 3.1.1, 3.0.2
 * or 2.1, a session set up with an SSPI client context (Negotiate by default, as
 * Windows' SMB client does: SPNEGO tokens in SESSION_SETUP, target `cifs/<host>`),
 * and every later request signed and every response checked with a key from the
 * session key (`signing.ts`; 3.1.1's bound to the negotiation by the
 * pre-authentication hash). It exists to reach named pipes: DCE/RPC over SMB
 * (`ncacn_np`), see `pipe.ts`.
 *
 * @module
 */
import { SmbProtection } from "./protect.ts";
import { type SetupResult, setUpSession } from "./setup.ts";
import {
  BEFORE_NEGOTIATION,
  negotiate,
  type Negotiated,
  validateNegotiation,
} from "./negotiate.ts";
import { SMB2_IOCTL } from "./wire_ioctl.ts";
import type { SmbSessionOptions } from "./options.ts";
import {
  bounded,
  readFull,
  type RpcStream,
  tcpConnect,
  unreachable,
  writeAll,
} from "../rpc/stream.ts";
import { SspiError } from "../sspi/errors.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
} from "../sspi/status.ts";
import { malformed, SmbStatusError } from "./errors.ts";
import {
  emptyRequest,
  readHeader,
  readTreeConnect,
  type RequestHeader,
  type ResponseHeader,
  SMB2_CREDIT_BYTES,
  SMB2_DIALECT_21,
  SMB2_FLAGS_ASYNC_COMMAND,
  SMB2_FLAGS_SIGNED,
  SMB2_HEADER_SIZE,
  SMB2_LOGOFF,
  SMB2_NEGOTIATE,
  SMB2_SESSION_FLAG_ENCRYPT_DATA,
  SMB2_SESSION_SETUP,
  SMB2_SHAREFLAG_ENCRYPT_DATA,
  SMB2_SIGNING_AES_GMAC,
  SMB2_TREE_CONNECT,
  SMB2_TREE_DISCONNECT,
  STATUS_PENDING,
  STATUS_SUCCESS,
  treeConnectRequest,
} from "./wire.ts";

/** NTSTATUS: the session's authentication has expired (MS-SMB2 3.2.5.1.8). */
const STATUS_NETWORK_SESSION_EXPIRED = 0xc000035c;
/** SMB2 command names, for errors. */
const NAMES = [
  "NEGOTIATE",
  "SESSION_SETUP",
  "LOGOFF",
  "TREE_CONNECT",
  "TREE_DISCONNECT",
  "CREATE",
  "CLOSE",
  "FLUSH",
  "READ",
  "WRITE",
  "LOCK",
  "IOCTL",
];
/** Beyond the largest read: room for the answer's header and a transform header. */
const MESSAGE_SLACK = 4096;
/** Unrelated messages (oplock breaks, interim answers) skipped while waiting. */
const MAX_SKIPPED = 64;
/** Credits asked for with each request. */
const CREDITS = 16;

/**
 * One authenticated, signed SMB2 session. Requests are queued and run one at a time.
 * After a network error, a timeout, a malformed message or a response whose
 * signature does not verify the connection is closed and every later request
 * fails; after a failure status (an {@linkcode SmbStatusError}) it goes on.
 *
 * @example
 * ```ts ignore
 * import { openPipe, SmbSession } from "./mod.ts";
 * const smb = await SmbSession.connect({
 *   host: "dc1.example.com", username: "alice", domain: "EXAMPLE", password: "...",
 * });
 * try {
 *   const tree = await smb.treeConnect("IPC$");
 *   const pipe = await openPipe(smb, tree, "srvsvc");
 *   pipe.close();
 * } finally {
 *   await smb.close();
 * }
 * ```
 */
export class SmbSession {
  /** "host:port", as errors name the server. */
  readonly where: string;
  /** The server's host, as given. */
  readonly host: string;
  #stream: RpcStream;
  #timeoutMs: number;
  #keys: SmbProtection;
  /** What the NEGOTIATE exchange settled (dialect, cipher, sizes...). */
  #n: Negotiated = BEFORE_NEGOTIATION;
  /** 3.0.2: whether the first tree connect has validated the negotiation. */
  #validated = false;
  #sessionId = 0n;
  #messageId = 0n;
  #credits = 1;
  #queue: Promise<unknown> = Promise.resolve();
  #busy = 0;
  #failure: SspiError | null = null;
  #flags = 0;
  /** The connected trees' share types. */
  #shares = new Map<number, number>();
  /** What the session was set up with: to set it up again (re-authentication). */
  #options: SmbSessionOptions | null = null;
  /** A re-authentication under way: its SESSION_SETUPs go signed or sealed. */
  #reauthing = false;
  #reauth: Promise<void> | null = null;

  private constructor(
    stream: RpcStream,
    host: string,
    port: number,
    ms: number,
  ) {
    this.where = `${host}:${port}`;
    this.host = host;
    this.#stream = stream;
    this.#timeoutMs = ms;
    this.#keys = new SmbProtection(this.where);
  }

  /** The dialect the server chose (`0x311`, `0x302` or `0x210`). */
  get dialect(): number {
    return this.#n.dialect;
  }

  /** How messages are signed: `"AES-GMAC"`, `"AES-CMAC"` or `"HMAC-SHA256"`. */
  get signingAlgorithm(): string {
    if (this.#n.dialect === SMB2_DIALECT_21) return "HMAC-SHA256";
    return this.#n.signing === SMB2_SIGNING_AES_GMAC ? "AES-GMAC" : "AES-CMAC";
  }

  /**
   * The largest read the server takes: at most 1 MiB where both sides do large
   * MTU (multi-credit requests), else 64 KiB.
   */
  get maxReadSize(): number {
    return this.#n.maxRead;
  }

  /** The largest write the server takes, bounded as reads are. */
  get maxWriteSize(): number {
    return this.#n.maxWrite;
  }

  /**
   * The largest read or write (`max`) that the credits granted so far pay for
   * now: what a large transfer asks for at a time.
   */
  affordable(max: number): number {
    return Math.max(1, Math.min(max, this.#credits * SMB2_CREDIT_BYTES));
  }

  /** `SessionFlags` of the session setup's answer (0: an authenticated user). */
  get sessionFlags(): number {
    return this.#flags;
  }

  /**
   * Connects, negotiates a dialect and sets the session up with the credentials in
   * `options`; a refused logon is `SEC_E_LOGON_DENIED`, a server that took it as a
   * guest or anonymous logon too (signing needs an authenticated session key).
   */
  static async connect(options: SmbSessionOptions): Promise<SmbSession> {
    const port = options.port ?? 445;
    if (!Number.isInteger(port) || port <= 0 || port > 0xffff) {
      throw new RangeError(`not a TCP port: ${port}`);
    }
    const ms = options.timeoutMs ?? 10_000;
    const where = `${options.host}:${port}`;
    const opening = (options.connect ?? tcpConnect)(options.host, port).catch(
      (e) => {
        throw unreachable(where, e, "SMB server");
      },
    );
    const stream = await bounded(opening, ms, where, "connect", () => {
      opening.then((s) => s.close(), () => {});
    }, "SMB server");
    const smb = new SmbSession(stream, options.host, port, ms);
    try {
      smb.#n = await negotiate(
        (build) => smb.exchange(SMB2_NEGOTIATE, build),
        smb.where,
        options,
      );
      await smb.#setUp(options);
      smb.#options = options;
    } catch (e) {
      smb.#failWith(
        e instanceof SspiError ? e : unreachable(where, e, "SMB server"),
      );
      throw e;
    }
    return smb;
  }

  /**
   * Sets the session up with `options`' credentials; with `reauth`, again on the
   * session that is set up (MS-SMB2 3.2.4.2.3: the same session id, the requests
   * and the last answer signed or sealed with the keys the session has, which
   * stay).
   */
  async #setUp(options: SmbSessionOptions, reauth = false): Promise<void> {
    this.#reauthing = reauth;
    let r: SetupResult;
    try {
      r = await setUpSession(
        async (build, more) => {
          const a = await this.exchange(SMB2_SESSION_SETUP, build, 0, more);
          // The next legs carry the session id the first answer gave.
          if (this.#sessionId === 0n) this.#sessionId = a[0].sessionId;
          return a;
        },
        this.where,
        options,
        this.#sessionId,
        // 3.1.1: the session's hash starts from the connection's (not kept for
        // a re-authentication: the keys do not change).
        reauth ? null : this.#n.preauth,
      );
    } finally {
      this.#reauthing = false;
    }
    this.#sessionId = r.sessionId;
    // A re-authentication's answers were checked with the session's keys.
    if (!reauth) {
      this.#keys.setKeys(
        this.#n.dialect,
        r.sessionKey,
        r.preauth,
        this.#n.cipher,
        this.#n.signing,
      );
      this.#flags = r.sessionFlags;
      await this.#keys.check(r.answer);
    }
    r.sessionKey.fill(0);
    if (options.encrypt || r.sessionFlags & SMB2_SESSION_FLAG_ENCRYPT_DATA) {
      this.#mustEncrypt();
    }
  }

  /**
   * Authenticates the session again with the credentials it was set up with (a
   * new SSPI context, so a new Kerberos service ticket when the old one has
   * expired), keeping its trees, open files and keys. Requests answered with
   * `STATUS_NETWORK_SESSION_EXPIRED` do this by themselves, then go again once.
   * A refused re-authentication ends the session.
   */
  reauthenticate(): Promise<void> {
    const options = this.#options;
    if (this.#failure) return Promise.reject(this.#failure);
    if (!options) {
      return Promise.reject(
        new SspiError(
          SEC_E_NO_AUTHENTICATING_AUTHORITY,
          `SMB server ${this.where}: the session is not set up`,
        ),
      );
    }
    this.#reauth ??= this.#setUp(options, true).catch((e) => {
      throw this.#failWith(
        e instanceof SspiError ? e : unreachable(this.where, e, "SMB server"),
      );
    }).finally(() => {
      this.#reauth = null;
    });
    return this.#reauth;
  }

  /** Encrypts from now on; a session without a cipher fails. */
  #mustEncrypt(): void {
    if (!this.#keys.encrypt()) {
      throw this.#failWith(
        new SspiError(
          SEC_E_ALGORITHM_MISMATCH,
          `SMB server ${this.where}: encryption is asked for, and no cipher was agreed (SMB 3.x with one offered)`,
        ),
      );
    }
  }

  /** Whether requests go out encrypted (and answers must come so). */
  get encrypted(): boolean {
    return this.#keys.encrypting;
  }

  /**
   * Connects the tree `share` (`IPC$` for named pipes, a disk share's name for
   * files) and gives its tree id.
   */
  async treeConnect(share = "IPC$"): Promise<number> {
    const [h, m] = await this.exchange(
      SMB2_TREE_CONNECT,
      (rh) => treeConnectRequest(rh, `\\\\${this.host}\\${share}`),
    );
    const tree = readTreeConnect(m);
    if (tree === null) {
      throw this.#failWith(malformed(this.where, "malformed TREE_CONNECT"));
    }
    // An encrypted share: the whole session encrypts from here on.
    if (tree.shareFlags & SMB2_SHAREFLAG_ENCRYPT_DATA) this.#mustEncrypt();
    this.#shares.set(h.treeId, tree.shareType);
    // 3.0.2: the first tree checks the negotiation, over the signed session.
    const v = this.#n.validation;
    if (v && !this.#validated) {
      this.#validated = true;
      try {
        await validateNegotiation(
          (build) => this.exchange(SMB2_IOCTL, build, h.treeId),
          this.where,
          v,
        );
      } catch (e) {
        throw this.#failWith(e as SspiError);
      }
    }
    return h.treeId;
  }

  /**
   * The `ShareType` of a connected tree: 1 a disk share, 2 a pipe share (IPC$), 3
   * a printer; undefined for a tree not connected.
   */
  shareType(treeId: number): number | undefined {
    return this.#shares.get(treeId);
  }

  /** Disconnects the tree `treeId`. */
  async treeDisconnect(treeId: number): Promise<void> {
    this.#shares.delete(treeId);
    await this.exchange(SMB2_TREE_DISCONNECT, emptyRequest, treeId);
  }

  /**
   * Sends one request built by `build` (given its header fields) on tree `treeId`
   * and resolves with the response's header and whole message. A status other than
   * success and `more` is an {@linkcode SmbStatusError}. `payload` (the bytes
   * written, or asked to be read) sets the credit charge: one credit per 64 KiB.
   * Low-level: for pipes and files.
   */
  async exchange(
    command: number,
    build: (h: RequestHeader) => Uint8Array,
    treeId = 0,
    more: readonly number[] = [],
    payload = 0,
  ): Promise<[ResponseHeader, Uint8Array]> {
    try {
      return await this.#exchangeOnce(command, build, treeId, more, payload);
    } catch (e) {
      // An expired session (its Kerberos ticket ran out): authenticate again,
      // and send the request once more.
      if (
        !(e instanceof SmbStatusError) ||
        e.ntStatus !== STATUS_NETWORK_SESSION_EXPIRED ||
        command === SMB2_SESSION_SETUP || !this.#options
      ) throw e;
      await this.reauthenticate();
      return await this.#exchangeOnce(command, build, treeId, more, payload);
    }
  }

  #exchangeOnce(
    command: number,
    build: (h: RequestHeader) => Uint8Array,
    treeId: number,
    more: readonly number[],
    payload: number,
  ): Promise<[ResponseHeader, Uint8Array]> {
    const p = this.#queue.then(async () => {
      if (this.#failure) throw this.#failure;
      this.#busy++;
      try {
        const name = NAMES[command] ?? `command ${command}`;
        const charge = Math.max(1, Math.ceil(payload / SMB2_CREDIT_BYTES));
        const work = this.#roundTrip(command, build, treeId, charge);
        const [h, m] = await bounded(
          work,
          this.#timeoutMs,
          this.where,
          name,
          () => this.#failWith(this.#timeout(name)),
          "SMB server",
        );
        if (h.status !== STATUS_SUCCESS && !more.includes(h.status)) {
          throw new SmbStatusError(h.status, this.where, name);
        }
        return [h, m] as [ResponseHeader, Uint8Array];
      } catch (e) {
        if (!(e instanceof SmbStatusError)) {
          this.#failWith(
            e instanceof SspiError
              ? e
              : unreachable(this.where, e, "SMB server"),
          );
        }
        throw e;
      } finally {
        this.#busy--;
      }
    });
    this.#queue = p.catch(() => {});
    return p;
  }

  #timeout(what: string): SspiError {
    return new SspiError(
      SEC_E_NO_AUTHENTICATING_AUTHORITY,
      `SMB server ${this.where}: no answer to the ${what} within ${this.#timeoutMs} ms`,
    );
  }

  async #roundTrip(
    command: number,
    build: (h: RequestHeader) => Uint8Array,
    treeId: number,
    charge: number,
  ): Promise<[ResponseHeader, Uint8Array]> {
    if (this.#credits < charge) {
      throw malformed(
        this.where,
        `granted ${this.#credits} credits, and the request needs ${charge}`,
      );
    }
    // A request of several credits takes as many message ids.
    const messageId = this.#messageId;
    this.#messageId += BigInt(charge);
    this.#credits -= charge;
    const m = build({
      command,
      messageId,
      treeId,
      sessionId: this.#sessionId,
      creditRequest: Math.max(CREDITS, 2 * charge),
      creditCharge: charge,
    });
    const setup = command === SMB2_SESSION_SETUP && !this.#reauthing;
    const out = await this.#keys.outgoing(m, this.#sessionId, setup);
    const frame = new Uint8Array(4 + out.length);
    new DataView(frame.buffer).setUint32(0, out.length);
    frame.set(out, 4);
    await writeAll(this.#stream, frame, this.where, "SMB server");
    for (let skipped = 0; skipped <= MAX_SKIPPED; skipped++) {
      const { message: r, sealed } = await this.#keys.open(
        await this.#readMessage(),
        this.#sessionId,
      );
      const h = readHeader(r);
      if (!h) throw malformed(this.where, "sent a message that is not SMB2");
      if (h.messageId !== messageId) continue; // an oplock break, not ours
      if (h.nextCommand !== 0) {
        throw malformed(this.where, "compounded an answer to a single request");
      }
      if (h.command !== command) {
        throw malformed(this.where, "answered another command");
      }
      this.#credits += h.credits;
      if (h.status === STATUS_PENDING && h.flags & SMB2_FLAGS_ASYNC_COMMAND) {
        continue; // an interim answer: the real one follows
      }
      // An expired session's answer may come unsigned (the server may have let
      // the keys go): it is only taken as the cue to authenticate again.
      const expired = h.status === STATUS_NETWORK_SESSION_EXPIRED &&
        !(h.flags & SMB2_FLAGS_SIGNED);
      if (!expired) await this.#keys.verify(r, sealed, setup);
      return [h, r];
    }
    throw malformed(this.where, "sent too many messages that are not answers");
  }

  async #readMessage(): Promise<Uint8Array> {
    const len = new Uint8Array(4);
    await readFull(this.#stream, len, this.where, "SMB server");
    const n = new DataView(len.buffer).getUint32(0);
    const most = Math.max(this.#n.maxRead, SMB2_CREDIT_BYTES) + MESSAGE_SLACK;
    if (n > most || n < SMB2_HEADER_SIZE) {
      throw malformed(this.where, `sent a frame of ${n} bytes`);
    }
    const m = new Uint8Array(n);
    await readFull(this.#stream, m, this.where, "SMB server");
    return m;
  }

  /** Fails the session with `e` (closing the connection); returns `e`. */
  #failWith(e: SspiError): SspiError {
    if (!this.#failure) {
      this.#failure = e;
      try {
        this.#stream.close();
      } catch { /* already closed by its other end */ }
      this.#wipe();
    }
    return e;
  }

  #wipe(): void {
    this.#keys.wipe();
    this.#options = null;
  }

  /** Whether the session has ended: closed, or failed (then every request fails). */
  get closed(): boolean {
    return this.#failure !== null;
  }

  /** `await using` support: {@linkcode SmbSession.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Logs off (when no request is under way, bounded by one second) and closes the
   * connection; wipes the signing key. Later requests fail.
   */
  async close(): Promise<void> {
    if (this.#failure) return;
    if (this.#busy === 0 && this.#keys.keyed) {
      const saved = this.#timeoutMs;
      this.#timeoutMs = Math.min(saved, 1000);
      await this.exchange(SMB2_LOGOFF, emptyRequest).catch(() => {});
      this.#timeoutMs = saved;
    }
    this.#failWith(
      new SspiError(
        SEC_E_NO_AUTHENTICATING_AUTHORITY,
        `SMB session to ${this.where} is closed`,
      ),
    );
  }
}
