/**
 * Client connections through the runtime's `node:net`/`node:tls`, read and written
 * through the small stream shape the HTTP/1.1 client uses: TLS that also gives the
 * server's certificate, which channel binding (`tls-server-end-point`) needs and
 * `Deno.connectTls` does not expose, and a plain connection that can turn into TLS
 * later (an HTTP proxy's `CONNECT` tunnel).
 *
 * @module
 */

/** The parts of a `node:net`/`node:tls` socket used here. */
interface NodeSocket {
  on(event: string, f: (arg: unknown) => void): unknown;
  once(event: string, f: (arg: unknown) => void): unknown;
  off(event: string, f: (arg: unknown) => void): unknown;
  write(data: Uint8Array, cb: (err?: Error | null) => void): boolean;
  pause(): unknown;
  resume(): unknown;
  destroy(): void;
  getPeerCertificate?(detailed: boolean): { raw?: Uint8Array } | null;
}

/** The parts of the `node:tls` module used here. */
interface NodeTls {
  connect(options: Record<string, unknown>): NodeSocket;
  rootCertificates: readonly string[];
}

/** The parts of the `node:net` module used here. */
interface NodeNet {
  connect(options: Record<string, unknown>): NodeSocket;
}

/** Imports a Node built-in; a computed specifier, so browser bundles leave it alone. */
async function builtin<T>(name: "tls" | "net"): Promise<T> {
  const spec = `node:${name}`;
  return (await import(spec)) as T;
}

/** Bytes queued unread before the socket is paused (resumed as they are read). */
const HIGH_WATER = 1 << 20;

/**
 * A `node:net` or `node:tls` socket as the byte stream `Http1Connection` reads and
 * writes (`read`, `write`, `close`, as a `Deno.Conn`).
 */
export class NodeStream {
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #paused = false;
  #ended = false;
  #error: unknown = null;
  #wake: (() => void) | null = null;
  readonly #socket: NodeSocket;
  readonly #listeners: [string, (arg: unknown) => void][];

  constructor(socket: NodeSocket) {
    this.#socket = socket;
    const end = () => {
      this.#ended = true;
      this.#notify();
    };
    this.#listeners = [
      ["data", (b) => {
        const u = b as Uint8Array;
        this.#chunks.push(new Uint8Array(u.buffer, u.byteOffset, u.byteLength));
        this.#queued += u.byteLength;
        if (this.#queued > HIGH_WATER && !this.#paused) {
          this.#paused = true; // nobody reads (an idle kept connection): hold off
          socket.pause();
        }
        this.#notify();
      }],
      ["end", end],
      ["close", end],
      ["error", (e) => {
        this.#error = e;
        this.#notify();
      }],
    ];
    for (const [event, f] of this.#listeners) socket.on(event, f);
  }

  /** True once the peer ended the stream, it failed, or it was closed. */
  get ended(): boolean {
    return this.#ended || this.#error !== null;
  }

  /** True when bytes arrived that nobody has read. */
  get pending(): boolean {
    return this.#chunks.length > 0;
  }

  /**
   * Gives the socket up (to run TLS over it): our listeners go, and nothing may be
   * waiting unread.
   */
  detach(): NodeSocket {
    if (this.#chunks.length) {
      throw new Error("unexpected bytes before the TLS handshake");
    }
    this.#socket.pause();
    for (const [event, f] of this.#listeners) this.#socket.off(event, f);
    this.#ended = true;
    return this.#socket;
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async read(p: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const c = this.#chunks[0];
    const n = Math.min(p.length, c.length);
    p.set(c.subarray(0, n));
    if (n === c.length) this.#chunks.shift();
    else this.#chunks[0] = c.subarray(n);
    this.#queued -= n;
    if (this.#paused && this.#queued <= HIGH_WATER / 2) {
      this.#paused = false;
      this.#socket.resume();
    }
    return n;
  }

  write(p: Uint8Array): Promise<number> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.reject(new Error("TLS connection closed"));
    return new Promise((resolve, reject) => {
      this.#socket.write(p, (err) => err ? reject(err) : resolve(p.length));
    });
  }

  close(): void {
    this.#ended = true;
    this.#socket.destroy();
    this.#notify();
  }
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Waits for `event` on a new socket; its `error` (and the stream closed) on failure. */
async function ready(
  socket: NodeSocket,
  stream: NodeStream,
  event: string,
  opts: ConnectOptions,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: unknown) => reject(e);
      socket.once("error", fail);
      socket.once(event, () => {
        socket.off("error", fail);
        resolve();
      });
      timer = setTimeout(
        () =>
          fail(
            new DOMException(
              `connecting timed out after ${opts.timeoutMs} ms`,
              "TimeoutError",
            ),
          ),
        opts.timeoutMs,
      );
      const signal = opts.signal;
      if (signal?.aborted) fail(signal.reason);
      onAbort = () => fail(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  } catch (e) {
    stream.close();
    throw e;
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener("abort", onAbort);
  }
}

/** How long connecting (TCP, then TLS) may take, what aborts it, what TLS trusts. */
export interface ConnectOptions {
  /** Milliseconds. */
  timeoutMs: number;
  /** Aborts connecting. */
  signal?: AbortSignal | null;
  /** Certificates (PEM) trusted besides the runtime's roots, for TLS. */
  caCerts?: readonly string[];
}

/**
 * The certificates of Deno's `DENO_CERT` file, which an explicit `ca` list would
 * otherwise drop (best effort: nothing without the permissions or the file).
 */
function denoCertFile(): string[] {
  try {
    const d = (globalThis as {
      Deno?: {
        env: { get(k: string): string | undefined };
        readTextFileSync(p: string): string;
      };
    }).Deno;
    const path = d?.env.get("DENO_CERT");
    return path ? [d!.readTextFileSync(path)] : [];
  } catch {
    return [];
  }
}

/**
 * TLS to `host` (the name checked against the certificate, and sent as SNI unless it
 * is an IP address), at `host:port` or over `socket`: the stream and the server's
 * certificate (DER), or null when the runtime gives none. `caCerts` (PEM) are trusted
 * besides the runtime's root certificates.
 */
async function secure(
  host: string,
  where: { port: number } | { socket: NodeSocket },
  opts: ConnectOptions,
): Promise<{ stream: NodeStream; certificate: Uint8Array | null }> {
  const caCerts = opts.caCerts;
  const tls = await builtin<NodeTls>("tls");
  const ip = IPV4.test(host) || host.includes(":");
  const socket = tls.connect({
    host,
    ...where,
    servername: ip ? undefined : host,
    ca: caCerts?.length
      ? [...tls.rootCertificates, ...denoCertFile(), ...caCerts]
      : undefined, // the runtime's own trust store
    ALPNProtocols: ["http/1.1"],
  });
  const stream = new NodeStream(socket);
  await ready(socket, stream, "secureConnect", opts);
  const raw = socket.getPeerCertificate?.(true)?.raw;
  return {
    stream,
    certificate: raw && raw.length ? new Uint8Array(raw) : null,
  };
}

/** Connects with TLS to `host:port` (see `secure`). */
export function connectTls(
  host: string,
  port: number,
  opts: ConnectOptions,
): Promise<{ stream: NodeStream; certificate: Uint8Array | null }> {
  return secure(host, { port }, opts);
}

/** Runs TLS to `host` over a plain stream from `connectTcp` (see `secure`). */
export function upgradeTls(
  plain: NodeStream,
  host: string,
  opts: ConnectOptions,
): Promise<{ stream: NodeStream; certificate: Uint8Array | null }> {
  return secure(host, { socket: plain.detach() }, opts);
}

/** A plain TCP connection to `host:port` that `upgradeTls` can turn into TLS. */
export async function connectTcp(
  host: string,
  port: number,
  opts: ConnectOptions,
): Promise<NodeStream> {
  const net = await builtin<NodeNet>("net");
  const socket = net.connect({ host, port });
  const stream = new NodeStream(socket);
  await ready(socket, stream, "connect", opts);
  return stream;
}
