/**
 * A small HTTP/1.1 client over one `node:net` or `node:tls` connection, so
 * that every leg of a connection-bound handshake (NTLM, Negotiate) travels on the
 * same TCP connection: keep-alive, `Content-Length`, chunked and read-until-close
 * bodies, interim `1xx` responses skipped, and bounded header and body sizes.
 *
 * @module
 */
import {
  type ConnectOptions,
  connectTcp,
  connectTls,
  type NodeStream,
  upgradeTls,
} from "./_tls_conn.ts";
import { tlsServerEndPoint } from "../sspi/tls_binding.ts";

/**
 * Limits and transport options of one connection: `timeoutMs` and `signal` bound
 * connecting and each request/response exchange; `caCerts` are for `https:`.
 */
export interface Http1Options extends ConnectOptions {
  /** Largest response head (status line and headers) in bytes. */
  maxHeaderBytes: number;
  /** Largest response body in bytes. */
  maxBodyBytes: number;
}

/** A response read off the connection, body fully buffered. */
export interface Http1Response {
  /** The status code. */
  status: number;
  /** The reason phrase. */
  statusText: string;
  /** The response headers (repeated headers joined with ", "). */
  headers: Headers;
  /** The body bytes (empty for HEAD, 204 and 304). */
  body: Uint8Array;
  /** True when the connection may carry another request. */
  keepAlive: boolean;
}

const te = new TextEncoder();
const td = new TextDecoder();
const CRLFCRLF = [13, 10, 13, 10];

/**
 * The connection ended before any byte of a response (or took no request at all):
 * on a kept-alive connection, the server closed it while it was idle, and the
 * request can go again on a new one. A `TypeError`, as `fetch`'s network errors.
 */
export class EmptyResponseError extends TypeError {
  constructor() {
    super("connection closed before a response arrived");
    this.name = "EmptyResponseError";
  }
}

/** One HTTP/1.1 connection. Not safe for concurrent requests. */
export class Http1Connection {
  #conn: NodeStream;
  #buf = new Uint8Array(16384);
  #start = 0;
  #end = 0;
  #closed = false;
  #opts: Http1Options;
  #certificate: Uint8Array | null;
  #bindings: Promise<Uint8Array | null> | null = null;
  #onClose: (() => void) | null = null;

  private constructor(
    conn: NodeStream,
    opts: Http1Options,
    certificate: Uint8Array | null,
  ) {
    this.#conn = conn;
    this.#opts = opts;
    this.#certificate = certificate;
  }

  /**
   * Opens a connection to `hostname:port`, with TLS when `tls` is true (through
   * `node:tls`, which gives the server's certificate for channel binding). A plain
   * one (`node:net`) can later carry a `CONNECT` tunnel (`startTls`).
   */
  static async open(
    hostname: string,
    port: number,
    tls: boolean,
    opts: Http1Options,
  ): Promise<Http1Connection> {
    const host = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
    if (tls) {
      const t = await connectTls(host, port, opts);
      return new Http1Connection(t.stream, opts, t.certificate);
    }
    return new Http1Connection(await connectTcp(host, port, opts), opts, null);
  }

  /**
   * True when the connection can carry another request now: open, not ended by the
   * peer, and nothing unread on it (a kept-alive connection the server has not
   * closed while it sat idle).
   */
  get reusable(): boolean {
    return !this.#closed && this.#start === this.#end &&
      !this.#conn.ended && !this.#conn.pending;
  }

  /** Replaces the limits, timeout and signal (a pooled connection's next request). */
  setOptions(opts: Http1Options): void {
    this.#opts = opts;
  }

  /**
   * After a `2xx` answer to `CONNECT`: TLS to `host` through the tunnel, as a new
   * connection (this one is spent).
   */
  async startTls(host: string): Promise<Http1Connection> {
    if (this.#closed) throw new Error("the tunnel's connection is closed");
    if (this.#start !== this.#end) {
      throw new Error("unexpected bytes after the CONNECT response");
    }
    this.#closed = true;
    const name = host.startsWith("[") ? host.slice(1, -1) : host;
    const t = await upgradeTls(this.#conn, name, this.#opts);
    return new Http1Connection(t.stream, this.#opts, t.certificate);
  }

  /**
   * The `tls-server-end-point` channel binding application data of this connection
   * (RFC 5929, from the server's certificate), or null without TLS.
   */
  channelBindings(): Promise<Uint8Array | null> {
    const cert = this.#certificate;
    return this.#bindings ??= cert
      ? tlsServerEndPoint(cert)
      : Promise.resolve(null);
  }

  /** True once closed (by us, by the peer, or after a non-keep-alive response). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the connection (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    const done = this.#onClose;
    this.#onClose = null;
    done?.();
  }

  /**
   * Runs `fn` once when the connection closes, for whatever reason (by us, after
   * the peer ended it, on an error or timeout): what lives only as long as the
   * connection, such as the security context of its logon, is disposed there. At
   * once when already closed.
   */
  onClose(fn: () => void): void {
    if (this.#closed) {
      fn();
      return;
    }
    const prev = this.#onClose;
    this.#onClose = prev ? () => (prev(), fn()) : fn;
  }

  /**
   * Sends one request and reads its response. `headers` must not contain
   * `Content-Length`/`Transfer-Encoding`; they are computed from `body`.
   */
  async request(
    method: string,
    target: string,
    headers: Headers,
    body: Uint8Array | null,
  ): Promise<Http1Response> {
    if (this.#closed) throw new Error("HTTP connection already closed");
    const { signal, timeoutMs } = this.#opts;
    signal?.throwIfAborted();
    let reason: unknown = null;
    const abort = (why: unknown) => {
      reason = why;
      this.close();
    };
    const onAbort = () => abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(
      () =>
        abort(
          new DOMException(
            `HTTP exchange timed out after ${timeoutMs} ms`,
            "TimeoutError",
          ),
        ),
      timeoutMs,
    );
    try {
      let head = `${method} ${target} HTTP/1.1\r\n`;
      for (const [k, v] of headers) {
        if (k === "content-length" || k === "transfer-encoding") continue;
        head += `${k}: ${v}\r\n`;
      }
      if (
        body ||
        !["GET", "HEAD", "OPTIONS", "DELETE", "CONNECT"].includes(method)
      ) {
        head += `content-length: ${body?.length ?? 0}\r\n`;
      }
      head += "\r\n";
      const h = te.encode(head);
      const msg = body?.length ? new Uint8Array(h.length + body.length) : h;
      if (body?.length) {
        msg.set(h);
        msg.set(body, h.length);
      }
      try {
        await this.#writeAll(msg);
      } catch {
        throw new EmptyResponseError(); // the server had closed it
      }
      for (;;) {
        const r = await this.#readResponse(
          method === "HEAD",
          method === "CONNECT",
        );
        if (r.status >= 100 && r.status < 200 && r.status !== 101) continue;
        if (!r.keepAlive) this.close();
        return r;
      }
    } catch (e) {
      this.close();
      throw reason ?? e;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async #writeAll(b: Uint8Array): Promise<void> {
    let off = 0;
    while (off < b.length) off += await this.#conn.write(b.subarray(off));
  }

  /** Reads more bytes into the buffer; returns false at end of stream. */
  async #fill(limit: number): Promise<boolean> {
    if (this.#end === this.#buf.length) {
      if (this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      } else {
        const cap = Math.max(limit, 16384) + 4;
        if (this.#buf.length >= cap) {
          throw new RangeError("HTTP response exceeds its limit");
        }
        const nb = new Uint8Array(Math.min(this.#buf.length * 2, cap));
        nb.set(this.#buf.subarray(0, this.#end));
        this.#buf = nb;
      }
    }
    const n = await this.#conn.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  #indexOf(seq: number[], from: number): number {
    outer: for (let i = from; i + seq.length <= this.#end; i++) {
      for (let j = 0; j < seq.length; j++) {
        if (this.#buf[i + j] !== seq[j]) continue outer;
      }
      return i;
    }
    return -1;
  }

  async #line(limit: number): Promise<string> {
    let scan = this.#start;
    for (;;) {
      const i = this.#indexOf([13, 10], scan);
      if (i >= 0) {
        const s = td.decode(this.#buf.subarray(this.#start, i));
        this.#start = i + 2;
        return s;
      }
      if (this.#end - this.#start > limit) {
        throw new RangeError("HTTP chunk line too long");
      }
      const off = Math.max(0, this.#end - this.#start - 1);
      if (!(await this.#fill(limit))) {
        throw new Error("connection closed inside a chunked body");
      }
      scan = this.#start + off;
    }
  }

  async #take(n: number): Promise<Uint8Array> {
    while (this.#end - this.#start < n) {
      if (!(await this.#fill(n))) {
        throw new Error("connection closed before the body ended");
      }
    }
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }

  async #readResponse(
    isHead: boolean,
    isConnect: boolean,
  ): Promise<Http1Response> {
    const { maxHeaderBytes, maxBodyBytes } = this.#opts;
    let scan = this.#start;
    let idx: number;
    for (;;) {
      idx = this.#indexOf(CRLFCRLF, scan);
      if (idx >= 0) break;
      if (this.#end - this.#start > maxHeaderBytes) {
        throw new RangeError(
          `HTTP response head exceeds maxHeaderBytes (${maxHeaderBytes})`,
        );
      }
      const off = Math.max(0, this.#end - this.#start - 3);
      if (!(await this.#fill(maxHeaderBytes))) {
        if (this.#end === this.#start) throw new EmptyResponseError();
        throw new Error("connection closed inside a response head");
      }
      scan = this.#start + off;
    }
    if (idx - this.#start > maxHeaderBytes) {
      throw new RangeError(
        `HTTP response head exceeds maxHeaderBytes (${maxHeaderBytes})`,
      );
    }
    const lines = td.decode(this.#buf.subarray(this.#start, idx)).split("\r\n");
    this.#start = idx + 4;
    const sl = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (!sl) throw new TypeError(`malformed HTTP status line`);
    const minor = Number(sl[1]);
    const status = Number(sl[2]);
    const headers = new Headers();
    for (const line of lines.slice(1)) {
      const c = line.indexOf(":");
      if (c <= 0 || /^[ \t]/.test(line)) {
        throw new TypeError("malformed HTTP header line");
      }
      headers.append(line.slice(0, c).trim(), line.slice(c + 1).trim());
    }
    const connection = (headers.get("connection") ?? "").toLowerCase();
    let keepAlive = minor === 1
      ? !/\bclose\b/.test(connection)
      : /\bkeep-alive\b/.test(connection);
    let body: Uint8Array = new Uint8Array(0);
    // A 2xx to CONNECT opens a tunnel: no body, and the connection stays.
    const tunnel = isConnect && status >= 200 && status < 300;
    if (tunnel) keepAlive = true;
    const noBody = isHead || tunnel || status === 204 || status === 304 ||
      (status >= 100 && status < 200);
    const te_ = (headers.get("transfer-encoding") ?? "").toLowerCase();
    const cl = headers.get("content-length");
    if (noBody) {
      // nothing
    } else if (te_) {
      if (!/(^|,)\s*chunked\s*$/.test(te_)) {
        throw new TypeError(`unsupported transfer-encoding: ${te_}`);
      }
      const parts: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const sizeLine = await this.#line(1024);
        const m = /^([0-9a-fA-F]{1,8})[ \t]*(?:;.*)?$/.exec(sizeLine);
        if (!m) throw new TypeError("malformed chunk size");
        const n = parseInt(m[1], 16);
        if (n === 0) break;
        total += n;
        if (total > maxBodyBytes) {
          throw new RangeError(
            `HTTP response body exceeds maxBodyBytes (${maxBodyBytes})`,
          );
        }
        parts.push(await this.#take(n));
        if ((await this.#line(2)) !== "") {
          throw new TypeError("malformed chunk end");
        }
      }
      let trailerBytes = 0;
      for (;;) {
        const t = await this.#line(maxHeaderBytes);
        trailerBytes += t.length;
        if (trailerBytes > maxHeaderBytes) {
          throw new RangeError("HTTP trailers too large");
        }
        if (t === "") break;
      }
      body = new Uint8Array(total);
      let off = 0;
      for (const p of parts) {
        body.set(p, off);
        off += p.length;
      }
    } else if (cl !== null) {
      if (!/^\d+$/.test(cl)) throw new TypeError("malformed content-length");
      const n = Number(cl);
      if (n > maxBodyBytes) {
        throw new RangeError(
          `HTTP response body exceeds maxBodyBytes (${maxBodyBytes})`,
        );
      }
      body = await this.#take(n);
    } else {
      keepAlive = false;
      const parts: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        if (this.#end > this.#start) {
          const p = this.#buf.slice(this.#start, this.#end);
          this.#start = this.#end;
          total += p.length;
          if (total > maxBodyBytes) {
            throw new RangeError(
              `HTTP response body exceeds maxBodyBytes (${maxBodyBytes})`,
            );
          }
          parts.push(p);
        }
        if (!(await this.#fill(maxBodyBytes))) break;
      }
      body = new Uint8Array(total);
      let off = 0;
      for (const p of parts) {
        body.set(p, off);
        off += p.length;
      }
    }
    return { status, statusText: sl[3] ?? "", headers, body, keepAlive };
  }
}
