/**
 * Drives a Schannel context over a TCP connection the way a Win32 application does:
 * handshake tokens in and out with EXTRA/INCOMPLETE handling, then EncryptMessage
 * per write and DecryptMessage over what was read.
 */
import {
  type CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_OK,
  SEC_I_CONTEXT_EXPIRED,
  SEC_I_CONTINUE_NEEDED,
  SEC_I_INCOMPLETE_CREDENTIALS,
} from "../../mod.ts";
import { asc, isc, seal, unseal } from "./_tls.ts";

/** A TLS connection over a Deno.Conn through the portable Schannel. */
export class SchannelStream {
  #conn: Deno.Conn;
  #ctx: CtxtHandle;
  #pending: Uint8Array;
  #closed = false;

  private constructor(conn: Deno.Conn, ctx: CtxtHandle, pending: Uint8Array) {
    this.#conn = conn;
    this.#ctx = ctx;
    this.#pending = pending;
  }

  /** The context (for attributes). */
  get context(): CtxtHandle {
    return this.#ctx;
  }

  static async #more(conn: Deno.Conn, have: Uint8Array): Promise<Uint8Array> {
    const chunk = new Uint8Array(32768);
    const n = await conn.read(chunk);
    if (n === null) throw new Error("the peer closed the connection");
    const out = new Uint8Array(have.length + n);
    out.set(have);
    out.set(chunk.subarray(0, n), have.length);
    return out;
  }

  /**
   * The client side: handshake with `target` over `conn`. On
   * `SEC_I_INCOMPLETE_CREDENTIALS`, `onIncomplete` (when given) says which
   * credential and flags the next call takes, with the same input, as a Windows
   * application does; without it the status fails the handshake.
   */
  static async connect(
    conn: Deno.Conn,
    cred: CredHandle,
    target: string,
    flags?: number,
    onIncomplete?: (ctx: CtxtHandle) => { cred?: CredHandle; flags?: number },
  ): Promise<SchannelStream> {
    const ctx = new CtxtHandle();
    let r = isc(cred, ctx, true, target, null, flags);
    if (r.status !== SEC_I_CONTINUE_NEEDED) {
      throw new Error(`ISC: 0x${r.status.toString(16)}`);
    }
    await conn.write(r.token!);
    let buf: Uint8Array = new Uint8Array(0);
    for (;;) {
      buf = await SchannelStream.#more(conn, buf);
      for (;;) {
        r = isc(cred, ctx, false, target, buf, flags);
        if (r.status === SEC_E_INCOMPLETE_MESSAGE) break;
        if (r.status === SEC_I_INCOMPLETE_CREDENTIALS && onIncomplete) {
          const next = onIncomplete(ctx);
          cred = next.cred ?? cred;
          flags = next.flags ?? flags;
          continue; // the same bytes again
        }
        if (r.token) await conn.write(r.token);
        buf = r.extra ? buf.slice(buf.length - r.extra) : new Uint8Array(0);
        if (r.status === SEC_E_OK) return new SchannelStream(conn, ctx, buf);
        if (r.status !== SEC_I_CONTINUE_NEEDED) {
          DeleteSecurityContext(ctx);
          throw new Error(`ISC: 0x${(r.status >>> 0).toString(16)}`);
        }
        if (!buf.length) break;
      }
    }
  }

  /** The server side: handshake with the client on `conn`. */
  static async accept(
    conn: Deno.Conn,
    cred: CredHandle,
    flags?: number,
  ): Promise<SchannelStream> {
    const ctx = new CtxtHandle();
    let first = true;
    let buf: Uint8Array = new Uint8Array(0);
    for (;;) {
      buf = await SchannelStream.#more(conn, buf);
      for (;;) {
        const r = asc(cred, ctx, first, buf, flags);
        if (r.status === SEC_E_INCOMPLETE_MESSAGE) break;
        first = false;
        if (r.token) await conn.write(r.token);
        buf = r.extra ? buf.slice(buf.length - r.extra) : new Uint8Array(0);
        if (r.status === SEC_E_OK) return new SchannelStream(conn, ctx, buf);
        if (r.status !== SEC_I_CONTINUE_NEEDED) {
          DeleteSecurityContext(ctx);
          throw new Error(`ASC: 0x${(r.status >>> 0).toString(16)}`);
        }
        if (!buf.length) break;
      }
    }
  }

  /** Sends `data` in records of at most 16 KiB. */
  async write(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; at += 16384) {
      await this.#conn.write(seal(this.#ctx, data.subarray(at, at + 16384)));
    }
  }

  /** The next application data (possibly empty for ticket records), or null at close_notify/EOF. */
  async read(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.#closed) return null;
      if (this.#pending.length) {
        const u = unseal(this.#ctx, this.#pending);
        if (u.status === SEC_E_OK) {
          const data = u.data!.slice();
          this.#pending = u.extra ? u.extra.slice() : new Uint8Array(0);
          if (data.length) return data;
          continue;
        }
        if (u.status === SEC_I_CONTEXT_EXPIRED) {
          this.#closed = true;
          return null;
        }
        if (u.status !== SEC_E_INCOMPLETE_MESSAGE) {
          throw new Error(`DecryptMessage: 0x${(u.status >>> 0).toString(16)}`);
        }
      }
      try {
        this.#pending = await SchannelStream.#more(this.#conn, this.#pending);
      } catch {
        return null;
      }
    }
  }

  /** Reads until close or `until` matches the text so far. */
  async readText(until?: (text: string) => boolean): Promise<string> {
    let text = "";
    const dec = new TextDecoder();
    for (;;) {
      const d = await this.read();
      if (d === null) return text;
      text += dec.decode(d, { stream: true });
      if (until?.(text)) return text;
    }
  }

  /** `GET /` of an `openssl s_server -www` page: the text, up to its end. */
  async getWwwPage(): Promise<string> {
    await this.write(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
    return await this.readText((t) =>
      t.includes("</HTML>") || t.includes("</pre>")
    );
  }

  /** Deletes the context and closes the socket. */
  close(): void {
    DeleteSecurityContext(this.#ctx);
    try {
      this.#conn.close();
    } catch { /* closed */ }
  }
}

/** A loopback port that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Connects to 127.0.0.1:`port` once something listens there (`tries` x `delayMs`). */
export async function connectWhenUp(
  port: number,
  tries = 100,
  delayMs = 50,
): Promise<Deno.Conn> {
  for (let i = 0; i < tries; i++) {
    try {
      return await Deno.connect({ hostname: "127.0.0.1", port });
    } catch {
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  throw new Error(`nothing listens on ${port}`);
}
