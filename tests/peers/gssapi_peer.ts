/**
 * Real-peer harness: drives `gssapi_peer.py` (python3-gssapi + gss-ntlmssp)
 * as an NTLM or SPNEGO initiator/acceptor over a JSON line protocol, or
 * `samba_peer.py` (Samba's own GENSEC SPNEGO and NTLMSSP, python3-samba) or
 * `ntlm_auth_peer.py` (ntlm-auth's NTLM client), `impacket_peer.py` (Impacket's
 * NTLM and SPNEGO client) or `ldap3_peer.py` (ldap3's NTLM client) over the same
 * protocol.
 *
 * Failure convention: every method that maps to a GSSAPI call throws a
 * {@link GssapiError} (with `major`/`minor` status codes and the GSS message)
 * when the peer answers `{"ok":false}`.  Protocol/process failures throw a
 * plain `Error`.
 *
 * @module
 */

import { type PythonPeer, pythonPeerStatus } from "./availability.ts";
import { SAMBA_SCRIPT } from "./samba.ts";

export {
  GSSAPI_INSTALL_HINT,
  gssapiAvailable,
  gssapiPeerStatus,
  type GssapiStatus,
  isCI,
  NTLM_AUTH_INSTALL_HINT,
  ntlmAuthPeerStatus,
  ntlmAuthPeerTest,
  peerMissing,
  peerTest,
  type PythonPeer,
  pythonPeerStatus,
  pythonPeerTest,
  SAMBA_INSTALL_HINT,
  sambaPeerStatus,
  sambaPeerTest,
} from "./availability.ts";
export { provisionSamba } from "./samba.ts";

/** NTLM mechanism OID (gss-ntlmssp). */
export const NTLM_OID = "1.3.6.1.4.1.311.2.2.10";
/** SPNEGO mechanism OID. */
export const SPNEGO_OID = "1.3.6.1.5.5.2";

/** GSS_C_* context flag bits, as returned in `info().flags`. */
export const GSS_FLAGS = {
  DELEG: 1,
  MUTUAL: 2,
  REPLAY: 4,
  SEQUENCE: 8,
  CONF: 16,
  INTEG: 32,
  ANON: 64,
  PROT_READY: 128,
  TRANS: 256,
} as const;

/** A user the acceptor knows (written to `NTLM_USER_FILE`). */
export interface NtlmUser {
  domain: string;
  user: string;
  password: string;
}

/** Requestable flags (names understood by `gssapi_peer.py --flags`). */
export type GssFlagName =
  | "integrity"
  | "confidentiality"
  | "mutual"
  | "replay"
  | "sequence"
  | "delegate"
  | "anonymous"
  | "dce"
  | "identify";

/** Options for {@link GssapiPeer.start}. */
export interface GssapiPeerOptions {
  role: "initiator" | "acceptor";
  /** `krb5`: MIT Kerberos alone (its keytab from `KRB5_KTNAME` in `env`). */
  mech: "ntlm" | "spnego" | "krb5";
  /** Initiator: user name (without domain). */
  user?: string;
  /** Initiator: domain; the GSS name becomes `DOMAIN\user`. */
  domain?: string;
  /** Initiator: password. */
  password?: string;
  /** Initiator: host-based service name; default `host@localhost`. */
  target?: string;
  /** application_data of the GSS channel bindings (both roles). */
  channelBindings?: Uint8Array;
  /**
   * Requested flags; default
   * integrity, confidentiality, mutual, replay, sequence.
   */
  flags?: GssFlagName[];
  /** Acceptor: users written to a temporary `NTLM_USER_FILE`. */
  users?: NtlmUser[];
  /** Extra environment variables for the python process. */
  env?: Record<string, string>;
  /** Sets `GSSNTLMSSP_DEBUG` (gss-ntlmssp writes a trace there). */
  debugFile?: string;
  /** Python interpreter; default: the first one that can import gssapi. */
  python?: string;
  /** Per-request timeout in ms (default 30000). */
  timeoutMs?: number;
  /**
   * Which implementation: gss-ntlmssp under MIT's GSSAPI (default), Samba's
   * GENSEC, or the pure-Python clients of ntlm-auth, Impacket and ldap3 (`flags`,
   * `users` and `channelBindings` apply to gss-ntlmssp only).
   */
  impl?: PythonPeer | "heimdal";
  /** Samba acceptor: the directory made by {@link provisionSamba}. */
  sambaDir?: string;
  /**
   * Samba: parameters set before the context starts, for older peers; see
   * `samba_peer.py`. E.g. `{ "spnego:simulate_w2k": "yes" }`.
   */
  sambaSettings?: Record<string, string>;
  /** Samba: asks for integrity only (GENSEC_FEATURE_SIGN, not SEAL). */
  signOnly?: boolean;
  /**
   * gss-ntlmssp initiator: no credentials acquired, so each mechanism uses its own
   * (a Kerberos ccache from `KRB5CCNAME`, `NTLM_USER_FILE` for NTLM) and SPNEGO
   * offers every one that has some.
   */
  defaultCreds?: boolean;
  /** Samba initiator: an anonymous logon (`user` and `password` are ignored). */
  anonymous?: boolean;
  /** ntlm-auth: its `ntlm_compatibility` (0-5, default 3). */
  ntlmCompat?: number;
  /** Impacket: NTLMv1 (with NTLM2 session security) instead of NTLMv2. */
  ntlmV1?: boolean;
}

/** Result of a handshake step. */
export interface StepResult {
  /** Token to send to the other side, or null if there is none. */
  token: Uint8Array | null;
  /** Whether this side considers the context established. */
  complete: boolean;
}

/** Result of wrap/unwrap. */
export interface WrapResult {
  data: Uint8Array;
  encrypted: boolean;
}

/** Result of `info()`. */
export interface PeerInfo {
  role: "initiator" | "acceptor";
  requested_mech: string;
  complete: boolean;
  /** Acceptor: the initiator's name (`DOMAIN\user`); initiator: the target. */
  peer_name: string | null;
  /** Negotiated (inner) mech OID, e.g. NTLM even over SPNEGO. */
  mech: string | null;
  /** GSS_C_* flags actually granted (see {@link GSS_FLAGS}). */
  flags: number;
  /** GSS_C_INQ_SSPI_SESSION_KEY, hex (the NTLM exported session key). */
  session_key_hex: string | null;
  initiator_name?: string;
  session_key_error?: string;
  /** Acceptor: the principal of the credentials the initiator delegated, or null. */
  delegated?: string | null;
}

/** A GSSAPI failure reported by the peer. */
export class GssapiError extends Error {
  constructor(
    readonly op: string,
    readonly gssMessage: string,
    readonly major: number,
    readonly minor: number,
  ) {
    super(
      `gssapi ${op} failed: ${gssMessage} (major ${major}, minor ${minor})`,
    );
    this.name = "GssapiError";
  }
}

// deno-lint-ignore no-explicit-any
type Reply = Record<string, any>;

const SCRIPT = new URL("./gssapi_peer.py", import.meta.url);
/** Heimdal's harness, a Deno script run as a child process. */
const HEIMDAL_SCRIPT = new URL("./heimdal_peer.ts", import.meta.url);
/** The harness script of each Python peer. */
const SCRIPTS: Record<PythonPeer, URL> = {
  "gss-ntlmssp": SCRIPT,
  "ntlm-auth": new URL("./ntlm_auth_peer.py", import.meta.url),
  impacket: new URL("./impacket_peer.py", import.meta.url),
  ldap3: new URL("./ldap3_peer.py", import.meta.url),
  samba: SAMBA_SCRIPT,
};
const OPENSSL_LEGACY = new URL("./openssl_legacy.cnf", import.meta.url);

function b64(data: Uint8Array): string {
  let s = "";
  for (let i = 0; i < data.length; i += 0x8000) {
    s += String.fromCharCode(...data.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function unb64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function hex(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A running gssapi_peer.py process.  Always `close()` it. */
export class GssapiPeer {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<string>;
  #buf = "";
  #stderr: Promise<string>;
  #queue: Promise<unknown> = Promise.resolve();
  #tempDir: string | undefined;
  #closed = false;
  #timeoutMs: number;
  /** Options the peer was started with. */
  readonly options: Readonly<GssapiPeerOptions>;
  /** Path of the NTLM_USER_FILE written for this peer, if any. */
  readonly userFile: string | undefined;

  private constructor(
    child: Deno.ChildProcess,
    options: GssapiPeerOptions,
    tempDir: string | undefined,
    userFile: string | undefined,
  ) {
    this.#child = child;
    this.options = options;
    this.#tempDir = tempDir;
    this.userFile = userFile;
    this.#timeoutMs = options.timeoutMs ?? 30000;
    this.#writer = child.stdin.getWriter();
    this.#reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    this.#stderr = new Response(child.stderr).text().catch(() => "");
  }

  /** Spawns the peer and waits for its hello (credentials acquired). */
  static async start(opts: GssapiPeerOptions): Promise<GssapiPeer> {
    const impl = opts.impl ?? "gss-ntlmssp";
    // Heimdal's peer is a Deno script (its libraries must not share our process);
    // the others are Python.
    const heimdal = impl === "heimdal";
    const script = heimdal ? HEIMDAL_SCRIPT : SCRIPTS[impl];
    const python = heimdal
      ? Deno.execPath()
      : opts.python ?? (await pythonPeerStatus(impl)).python ?? "python3";
    const args = [
      ...(heimdal ? ["run", "-A", "--quiet", "--no-lock"] : []),
      script.pathname,
      "--role",
      opts.role,
      "--mech",
      opts.mech,
    ];
    if (opts.role === "initiator") {
      if (opts.user !== undefined) args.push("--user", opts.user);
      if (opts.domain !== undefined) args.push("--domain", opts.domain);
      if (opts.password !== undefined) args.push("--password", opts.password);
      args.push("--target", opts.target ?? "host@localhost");
    }
    if (opts.channelBindings) {
      args.push("--channel-bindings-hex", hex(opts.channelBindings));
    }
    if (opts.flags) args.push("--flags", opts.flags.join(","));
    if (opts.sambaDir) args.push("--samba-dir", opts.sambaDir);
    if (opts.signOnly) args.push("--sign-only");
    if (opts.anonymous) args.push("--anonymous");
    if (opts.defaultCreds) args.push("--default-creds");
    if (opts.ntlmV1) args.push("--ntlmv1");
    if (opts.ntlmCompat !== undefined) {
      args.push("--compat", String(opts.ntlmCompat));
    }
    for (const [name, value] of Object.entries(opts.sambaSettings ?? {})) {
      args.push("--set", `${name}=${value}`);
    }

    // No __pycache__ beside the scripts (they import _line_protocol.py).
    const env: Record<string, string> = {
      PYTHONDONTWRITEBYTECODE: "1",
      ...opts.env,
    };
    let tempDir: string | undefined;
    let userFile: string | undefined;
    if (opts.users) {
      tempDir = await Deno.makeTempDir({ prefix: "gssapi_peer_" });
      userFile = `${tempDir}/ntlm_users`;
      await Deno.writeTextFile(
        userFile,
        opts.users.map((u) => `${u.domain}:${u.user}:${u.password}\n`).join(
          "",
        ),
      );
      env.NTLM_USER_FILE = userFile;
    }
    if (opts.debugFile) env.GSSNTLMSSP_DEBUG = opts.debugFile;
    // ntlm-auth computes NT hashes with hashlib's MD4, which OpenSSL 3 keeps in its
    // legacy provider (the breakage this project avoids); load it for the peer.
    if (opts.impl === "ntlm-auth" || opts.impl === "ldap3") {
      env.OPENSSL_CONF ??= OPENSSL_LEGACY.pathname; // ldap3 too
    }

    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(python, {
        args,
        env,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      if (tempDir) await Deno.remove(tempDir, { recursive: true });
      throw e;
    }
    const peer = new GssapiPeer(child, opts, tempDir, userFile);
    let hello: Reply;
    try {
      hello = await peer.#readReply("start");
    } catch (e) {
      await peer.close();
      throw e;
    }
    if (!hello.ok || !hello.ready) {
      const stderr = await peer.close();
      throw new GssapiError(
        "start",
        `${hello.error ?? "peer did not start"}${stderr ? `\n${stderr}` : ""}`,
        hello.major ?? 0,
        hello.minor ?? 0,
      );
    }
    return peer;
  }

  async #readLine(): Promise<string | null> {
    while (true) {
      const nl = this.#buf.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) return null;
      this.#buf += value;
    }
  }

  async #readReply(op: string): Promise<Reply> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `gssapi peer: ${op} timed out after ${this.#timeoutMs}ms`,
            ),
          ),
        this.#timeoutMs,
      );
    });
    try {
      const line = await Promise.race([this.#readLine(), timeout]);
      if (line === null) {
        throw new Error(`gssapi peer exited during ${op}`);
      }
      return JSON.parse(line) as Reply;
    } catch (e) {
      // The stream state is unknown now: kill so close() cannot hang.
      this.#kill();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  #kill() {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already exited
    }
  }

  /** Sends one raw request object and returns the raw reply (no throw on ok:false). */
  request(req: Reply): Promise<Reply> {
    const run = async () => {
      if (this.#closed) throw new Error("gssapi peer is closed");
      const line = JSON.stringify(req) + "\n";
      await this.#writer.write(new TextEncoder().encode(line));
      return await this.#readReply(String(req.op));
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => {});
    return p;
  }

  async #call(req: Reply): Promise<Reply> {
    const r = await this.request(req);
    if (!r.ok) {
      throw new GssapiError(
        String(req.op),
        String(r.error),
        Number(r.major ?? 0),
        Number(r.minor ?? 0),
      );
    }
    return r;
  }

  /**
   * One init/accept step.  Initiator: pass null for the first call.
   * Throws {@link GssapiError} when GSSAPI rejects the token.
   */
  async step(token: Uint8Array | null): Promise<StepResult> {
    const r = await this.#call({ op: "step", token: token ? b64(token) : "" });
    return {
      token: r.token ? unb64(r.token) : null,
      complete: Boolean(r.complete),
    };
  }

  /** gss_wrap. */
  async wrap(data: Uint8Array, encrypt = true): Promise<WrapResult> {
    const r = await this.#call({ op: "wrap", data: b64(data), encrypt });
    return { data: unb64(r.data), encrypted: Boolean(r.encrypted) };
  }

  /** gss_unwrap; throws {@link GssapiError} on a bad/replayed token. */
  async unwrap(data: Uint8Array): Promise<WrapResult> {
    const r = await this.#call({ op: "unwrap", data: b64(data) });
    return { data: unb64(r.data), encrypted: Boolean(r.encrypted) };
  }

  /**
   * gss_wrap_iov over `[HEADER, SIGN_ONLY pre, DATA, SIGN_ONLY post]` (no trailer
   * buffer, as DCE/RPC): the header token and the data (encrypted in place).
   */
  async wrapIov(
    pre: Uint8Array,
    data: Uint8Array,
    post: Uint8Array,
    encrypt = true,
  ): Promise<{ token: Uint8Array; data: Uint8Array; encrypted: boolean }> {
    const r = await this.#call({
      op: "wrap_iov",
      pre: b64(pre),
      data: b64(data),
      post: b64(post),
      encrypt,
    });
    return {
      token: unb64(r.token),
      data: unb64(r.data),
      encrypted: Boolean(r.encrypted),
    };
  }

  /** gss_unwrap_iov of what {@link wrapIov} makes; throws {@link GssapiError} when bad. */
  async unwrapIov(
    token: Uint8Array,
    pre: Uint8Array,
    data: Uint8Array,
    post: Uint8Array,
  ): Promise<WrapResult> {
    const r = await this.#call({
      op: "unwrap_iov",
      token: b64(token),
      pre: b64(pre),
      data: b64(data),
      post: b64(post),
    });
    return { data: unb64(r.data), encrypted: Boolean(r.encrypted) };
  }

  /** gss_get_mic. */
  async getMic(data: Uint8Array): Promise<Uint8Array> {
    const r = await this.#call({ op: "get_mic", data: b64(data) });
    return unb64(r.mic);
  }

  /** gss_verify_mic; throws {@link GssapiError} when the MIC is bad. */
  async verifyMic(data: Uint8Array, mic: Uint8Array): Promise<void> {
    await this.#call({ op: "verify_mic", data: b64(data), mic: b64(mic) });
  }

  /** Context information (names, mech, flags, SSPI session key). */
  async info(): Promise<PeerInfo> {
    const r = await this.#call({ op: "info" });
    delete r.ok;
    return r as PeerInfo;
  }

  /**
   * Stops the process (quit, then SIGKILL after 2 s), drains its pipes and
   * removes temp files.  Returns what the peer wrote to stderr.  Idempotent.
   */
  async close(): Promise<string> {
    if (this.#closed) return await this.#stderr;
    this.#closed = true;
    // Let an in-flight request finish (or fail) first.
    await this.#queue.catch(() => {});
    try {
      await this.#writer.write(new TextEncoder().encode('{"op":"quit"}\n'));
    } catch {
      // process already gone
    }
    try {
      await this.#writer.close();
    } catch {
      // ignore
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killer = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#kill();
        resolve();
      }, 2000);
    });
    await Promise.race([this.#child.status, killer]);
    clearTimeout(timer);
    await this.#child.status;
    // Drain stdout to EOF so the pipe resource is released.
    try {
      while (!(await this.#reader.read()).done) { /* discard */ }
    } catch {
      // ignore
    }
    const stderr = await this.#stderr;
    if (this.#tempDir) {
      await Deno.remove(this.#tempDir, { recursive: true }).catch(() => {});
    }
    return stderr;
  }

  /** `await using peer = await GssapiPeer.start(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** One token as exchanged during a handshake. */
export interface HandshakeToken {
  from: "initiator" | "acceptor";
  token: Uint8Array;
}

/**
 * Drives a full handshake between two peers; returns the tokens in order.
 * Throws {@link GssapiError} if either side rejects.
 */
export async function handshake(
  initiator: GssapiPeer,
  acceptor: GssapiPeer,
  maxRounds = 10,
): Promise<HandshakeToken[]> {
  const tokens: HandshakeToken[] = [];
  let r = await initiator.step(null);
  let iDone = r.complete;
  let aDone = false;
  for (let i = 0; i < maxRounds; i++) {
    if (!r.token) break;
    tokens.push({ from: "initiator", token: r.token });
    const a = await acceptor.step(r.token);
    aDone = a.complete;
    if (!a.token) break;
    tokens.push({ from: "acceptor", token: a.token });
    r = await initiator.step(a.token);
    iDone = r.complete;
  }
  if (!iDone || !aDone) {
    throw new Error(
      `handshake did not complete (initiator ${iDone}, acceptor ${aDone})`,
    );
  }
  return tokens;
}

export { b64 as toBase64, hex as toHex, unb64 as fromBase64 };
