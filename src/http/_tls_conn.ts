/**
 * A TLS client connection that also gives the server's certificate, which channel
 * binding (`tls-server-end-point`) needs and `Deno.connectTls` does not expose: the
 * runtime's `node:tls`, read and written through the small stream shape the HTTP/1.1
 * client uses.
 *
 * @module
 */

/** The byte stream `Http1Connection` reads and writes (a subset of `Deno.Conn`). */
export interface ByteStream {
  /** Reads into `p`; the count, or null at the end of the stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes `p` (or its start); the count written. */
  write(p: Uint8Array): Promise<number>;
  /** Closes the stream. */
  close(): void;
}

/** The parts of a `node:tls` socket used here. */
interface NodeTlsSocket {
  on(event: string, f: (arg: unknown) => void): unknown;
  once(event: string, f: (arg: unknown) => void): unknown;
  off(event: string, f: (arg: unknown) => void): unknown;
  write(data: Uint8Array, cb: (err?: Error | null) => void): boolean;
  destroy(): void;
  getPeerCertificate(detailed: boolean): { raw?: Uint8Array } | null;
}

/** The parts of the `node:tls` module used here. */
interface NodeTls {
  connect(options: Record<string, unknown>): NodeTlsSocket;
  rootCertificates: readonly string[];
}

/** A `node:tls` socket as a `ByteStream`. */
class TlsStream implements ByteStream {
  #chunks: Uint8Array[] = [];
  #ended = false;
  #error: unknown = null;
  #wake: (() => void) | null = null;
  readonly #socket: NodeTlsSocket;

  constructor(socket: NodeTlsSocket) {
    this.#socket = socket;
    socket.on("data", (b) => {
      const u = b as Uint8Array;
      this.#chunks.push(new Uint8Array(u.buffer, u.byteOffset, u.byteLength));
      this.#notify();
    });
    const end = () => {
      this.#ended = true;
      this.#notify();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", (e) => {
      this.#error = e;
      this.#notify();
    });
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

/**
 * Connects with TLS to `host:port` (the name checked against the certificate, and
 * sent as SNI unless it is an IP address) and returns the stream and the server's
 * certificate (DER), or null when the runtime gives none. `caCerts` (PEM) are trusted
 * besides the runtime's root certificates.
 */
export async function connectTls(
  host: string,
  port: number,
  caCerts?: readonly string[],
): Promise<{ stream: ByteStream; certificate: Uint8Array | null }> {
  // A computed specifier: browser bundles of mod.ts must not try to resolve it.
  const spec = "node:tls";
  const tls = (await import(spec)) as NodeTls;
  const ip = IPV4.test(host) || host.includes(":");
  const socket = tls.connect({
    host,
    port,
    servername: ip ? undefined : host,
    ca: caCerts?.length ? [...tls.rootCertificates, ...caCerts] : undefined,
    ALPNProtocols: ["http/1.1"],
  });
  const stream = new TlsStream(socket);
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: unknown) => reject(e);
      socket.once("error", fail);
      socket.once("secureConnect", () => {
        socket.off("error", fail);
        resolve();
      });
    });
  } catch (e) {
    stream.close();
    throw e;
  }
  const raw = socket.getPeerCertificate(true)?.raw;
  return {
    stream,
    certificate: raw && raw.length ? new Uint8Array(raw) : null,
  };
}
