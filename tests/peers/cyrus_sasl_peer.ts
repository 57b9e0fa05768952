/**
 * A Cyrus SASL DIGEST-MD5 peer (client or server) for the WDigest interop tests.
 * `cyrus_sasl_peer.c` is compiled on first use with gcc into a temp directory
 * keyed by the hash of its source, and driven over stdin/stdout (protocol in the
 * C file's header comment).
 *
 * Needs `gcc`, `libsasl2-dev` and `libsasl2-modules` (the DIGEST-MD5 plugin).
 * The server's one user is given on the command line and handed to Cyrus through
 * an in-process auxprop plugin, so no sasldb or `saslpasswd2` is involved.
 *
 * Framing: `sasl_encode` prefixes its output with a 4-byte big-endian length and
 * `sasl_decode` expects it. {@link CyrusSaslPeer.encode} strips it and
 * {@link CyrusSaslPeer.decode} adds it, so callers see RFC 2831's bare wire form
 * (the SSPI `DATA || TOKEN`).
 *
 * @module
 */
function encodeBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function decodeBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s.trim()), (c) => c.charCodeAt(0));
}

/** Debian packages the peer needs. */
export const CYRUS_SASL_INSTALL_HINT =
  "apt-get install -y gcc libsasl2-dev libsasl2-modules";

const SOURCE = new URL("./cyrus_sasl_peer.c", import.meta.url);

/** Options for the peer (see the C file). */
export interface CyrusSaslOptions {
  /** The mechanism: `DIGEST-MD5` (default), `GSSAPI` or `GSS-SPNEGO`. */
  mech?: string;
  /** More environment (GSSAPI: `KRB5_CONFIG`, `KRB5CCNAME`, `KRB5_KTNAME`). */
  env?: Record<string, string>;
  /** Service (`imap`). */
  service?: string;
  /** Host, the server FQDN (`localhost`). */
  host?: string;
  /** Realm (server: the realm it offers; client: the realm it answers with). */
  realm?: string;
  /** The user (server: the one user it knows; client: the authentication id). */
  user: string;
  /** The password. */
  pass: string;
  /** Client: authorization id. */
  authzid?: string;
  /** Minimum SSF (0 = auth, 1 = auth-int, > 1 = auth-conf with a cipher). */
  minSsf?: number;
  /** Maximum SSF. */
  maxSsf?: number;
  /** Maxbuf advertised. */
  maxbuf?: number;
  /** Server: rspauth with SASL_OK (default) or as a SASL_CONTINUE. */
  successData?: boolean;
  /** Work around Cyrus' 3DES key parity failure under OpenSSL 3 (see the C file). */
  desParityFix?: boolean;
}

/** A step's outcome. */
export type CyrusStep =
  | { kind: "OK" | "CONTINUE"; data: Uint8Array }
  | { kind: "FAIL"; code: number; detail: string };

/** The SSF of each RFC 2831 cipher in Cyrus SASL. */
export const CYRUS_CIPHER_SSF: Record<string, number> = {
  "rc4-40": 40,
  "des": 55,
  "rc4-56": 56,
  "3des": 112,
  "rc4": 128,
};

async function sha256Hex(b: Uint8Array): Promise<string> {
  const d = new Uint8Array(
    await crypto.subtle.digest("SHA-256", b as Uint8Array<ArrayBuffer>),
  );
  return Array.from(d, (x) => x.toString(16).padStart(2, "0")).join("");
}

let built: Promise<string> | null = null;

/** Compiles the peer (once per source hash); returns the binary's path. */
export function buildCyrusSaslPeer(): Promise<string> {
  built ??= (async () => {
    const src = await Deno.readFile(SOURCE);
    const hash = (await sha256Hex(src)).slice(0, 16);
    const tmp = Deno.env.get("TMPDIR") || "/tmp";
    const dir = `${tmp}/portable-sspi-peers`;
    const bin = `${dir}/cyrus_sasl_peer-${hash}`;
    try {
      await Deno.stat(bin);
      return bin;
    } catch { /* build it */ }
    await Deno.mkdir(dir, { recursive: true });
    const part = `${bin}.${Deno.pid}.${Date.now()}.tmp`;
    const o = await new Deno.Command("gcc", {
      args: [
        "-O1",
        "-rdynamic",
        "-o",
        part,
        SOURCE.pathname,
        "-lsasl2",
        "-ldl",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (o.code !== 0) {
      throw new Error(
        `gcc failed: ${new TextDecoder().decode(o.stderr).slice(0, 2000)}`,
      );
    }
    await Deno.rename(part, bin); // atomic: parallel test files may race
    return bin;
  })();
  built.catch(() => {});
  return built;
}

/**
 * Whether the peer can run: gcc, the Cyrus headers and library, and the
 * DIGEST-MD5 plugin (a server must produce a challenge).
 */
export async function cyrusSaslAvailable(): Promise<
  { ok: true } | { ok: false; reason: string }
> {
  let bin: string;
  try {
    bin = await buildCyrusSaslPeer();
  } catch (e) {
    return { ok: false, reason: (e as Error).message.split("\n")[0] };
  }
  const peer = CyrusSaslPeer.spawn(bin, "server", { user: "u", pass: "p" });
  try {
    const r = await peer.start();
    if (r.kind !== "CONTINUE") {
      return {
        ok: false,
        reason: r.kind === "FAIL"
          ? `no DIGEST-MD5 plugin? ${r.detail}`
          : "unexpected answer",
      };
    }
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  } finally {
    await peer.close();
  }
}

/** A running peer. Always `close()` it (kills it if it does not quit). */
export class CyrusSaslPeer {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<string>;
  #buf = "";
  #stderr: Promise<string>;
  #closed = false;
  /** What the peer wrote to stderr (Cyrus' error log), after `close()`. */
  stderr = "";

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    this.#stderr = new Response(child.stderr).text().catch(() => "");
  }

  /** Starts the peer binary `bin` as a SASL `mode`. */
  static spawn(
    bin: string,
    mode: "client" | "server",
    o: CyrusSaslOptions,
  ): CyrusSaslPeer {
    const args = [
      mode,
      `mech=${o.mech ?? "DIGEST-MD5"}`,
      `service=${o.service ?? "imap"}`,
      `host=${o.host ?? "localhost"}`,
      `realm=${o.realm ?? ""}`,
      `user=${o.user}`,
      `pass=${o.pass}`,
      `authzid=${o.authzid ?? ""}`,
      `min_ssf=${o.minSsf ?? 0}`,
      `max_ssf=${o.maxSsf ?? 256}`,
      `maxbuf=${o.maxbuf ?? 65536}`,
      `success_data=${o.successData === false ? 0 : 1}`,
      `des_parity_fix=${o.desParityFix ? 1 : 0}`,
    ];
    const child = new Deno.Command(bin, {
      args,
      env: o.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new CyrusSaslPeer(child);
  }

  /** Compiles if needed and starts a peer. */
  static async start(
    mode: "client" | "server",
    o: CyrusSaslOptions,
  ): Promise<CyrusSaslPeer> {
    return CyrusSaslPeer.spawn(await buildCyrusSaslPeer(), mode, o);
  }

  async #line(): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf("\n");
      if (i >= 0) {
        const l = this.#buf.slice(0, i);
        this.#buf = this.#buf.slice(i + 1);
        return l;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("the Cyrus SASL peer exited");
      this.#buf += value;
    }
  }

  /** Sends one command line, returns the answer line. */
  async command(line: string): Promise<string> {
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
    return await this.#line();
  }

  #step(answer: string): CyrusStep {
    const [kind, rest = ""] = splitFirst(answer);
    if (kind === "OK" || kind === "CONTINUE") {
      return { kind, data: decodeBase64(rest) };
    }
    if (kind === "FAIL") {
      const [code, detail = ""] = splitFirst(rest);
      return { kind, code: Number(code), detail };
    }
    throw new Error(`unexpected answer from the Cyrus SASL peer: ${answer}`);
  }

  /** `sasl_client_start` / `sasl_server_start` with the peer's mechanism. */
  async start(): Promise<CyrusStep> {
    return this.#step(await this.command("START"));
  }

  /** `sasl_client_step` / `sasl_server_step`. */
  async step(token: Uint8Array): Promise<CyrusStep> {
    return this.#step(await this.command(`STEP ${encodeBase64(token)}`));
  }

  async #number(what: string): Promise<number> {
    const a = await this.command(what);
    const [k, v] = splitFirst(a);
    if (k !== what) throw new Error(`${what}: ${a}`);
    return Number(v);
  }

  /** The negotiated SSF (0 auth, 1 auth-int, cipher strength for auth-conf). */
  ssf(): Promise<number> {
    return this.#number("SSF");
  }

  /** `SASL_MAXOUTBUF`. */
  maxOutBuf(): Promise<number> {
    return this.#number("MAXOUTBUF");
  }

  /** `SASL_USERNAME`. */
  async user(): Promise<string> {
    const [k, v = ""] = splitFirst(await this.command("USER"));
    if (k !== "USER") throw new Error(`USER: ${k} ${v}`);
    return new TextDecoder().decode(decodeBase64(v));
  }

  /** `sasl_encode`, with Cyrus' 4-byte length prefix checked and removed. */
  async encode(msg: Uint8Array): Promise<Uint8Array> {
    const a = await this.command(`ENCODE ${encodeBase64(msg)}`);
    const [k, v = ""] = splitFirst(a);
    if (k !== "DATA") throw new Error(`sasl_encode: ${a}`);
    const framed = decodeBase64(v);
    if (framed.length === 0) return framed; // SSF 0: no security layer
    const len = new DataView(framed.buffer, framed.byteOffset).getUint32(0);
    if (len !== framed.length - 4) {
      throw new Error(
        `sasl_encode: length prefix ${len} != ${framed.length - 4}`,
      );
    }
    return framed.slice(4);
  }

  /**
   * `sasl_decode` of a bare RFC 2831 wire form (the prefix is added here).
   * Returns the message, or the failure.
   */
  async decode(
    wire: Uint8Array,
  ): Promise<{ ok: true; data: Uint8Array } | { ok: false; detail: string }> {
    const framed = new Uint8Array(4 + wire.length);
    new DataView(framed.buffer).setUint32(0, wire.length);
    framed.set(wire, 4);
    const a = await this.command(`DECODE ${encodeBase64(framed)}`);
    const [k, v = ""] = splitFirst(a);
    if (k === "DATA") return { ok: true, data: decodeBase64(v) };
    if (k === "FAIL") return { ok: false, detail: v };
    throw new Error(`sasl_decode: ${a}`);
  }

  /** Quits (or kills) the peer and waits for it; releases every stream. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#writer.write(new TextEncoder().encode("QUIT\n"));
    } catch { /* already gone */ }
    try {
      await this.#writer.close();
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* exited */ }
    }, 2000);
    try {
      await this.#reader.cancel();
    } catch { /* closed */ }
    await this.#child.status;
    clearTimeout(timer);
    this.stderr = await this.#stderr;
  }
}

function splitFirst(s: string): [string, string?] {
  const i = s.indexOf(" ");
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}
