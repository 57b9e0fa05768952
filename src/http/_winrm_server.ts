/**
 * The server side of WinRM's message encryption (MS-WSMV 2.2.9.1.1) for
 * `withAuthentication`: the contexts of completed NTLM/Negotiate logons, kept per
 * connection, and the handling of a request whose body is sealed with one.
 *
 * @module
 */
import {
  DecryptMessage,
  EncryptMessage,
  QueryContextAttributes,
} from "../sspi/api.ts";
import type { Identity } from "./_server_options.ts";
import { readBounded } from "./_server_util.ts";
import { SessionCipher } from "./_session_cipher.ts";
import type { ServerContext } from "./_sspi_calls.ts";
import { ConnectionStates, type StateLimits } from "./_state.ts";
import {
  decodeEncrypted,
  encodeEncrypted,
  ENCRYPTED_CONTENT_TYPE,
  SOAP_CONTENT_TYPE,
} from "./_winrm_encryption.ts";

const PORTABLE = { EncryptMessage, DecryptMessage, QueryContextAttributes };

/** A completed logon kept for its connection. */
class Session {
  readonly cipher: SessionCipher;
  constructor(readonly ctx: ServerContext, readonly who: Identity) {
    this.cipher = new SessionCipher(PORTABLE, ctx.ctx);
  }
  dispose(): void {
    this.ctx.dispose();
  }
}

/**
 * What became of an encrypted request: the response to send, or the status to
 * refuse it with (`401`: no context kept for the connection; `400`: malformed,
 * tampered or replayed, the context dropped; `413`: too large, the context dropped).
 */
export type SessionOutcome = Response | 400 | 401 | 413;

/** Statuses whose responses carry no body (left as the handler made them). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The kept contexts of one `withAuthentication` handler, and their requests. */
export class EncryptedSessions {
  readonly #table: ConnectionStates<Session>;
  readonly #maxBody: number;

  /** A table bounded by `limits` (`timeoutMs` is the idle timeout). */
  constructor(limits: StateLimits, maxBodyBytes: number) {
    this.#table = new ConnectionStates<Session>(limits);
    this.#maxBody = maxBodyBytes;
  }

  /** Contexts kept now. */
  get size(): number {
    return this.#table.size;
  }

  /** Keeps the completed logon `ctx` of connection `key` (replacing any). */
  keep(key: string, client: string, ctx: ServerContext, who: Identity): void {
    this.#table.put(key, client, new Session(ctx, who));
  }

  /** Drops the context of connection `key`, if any. */
  drop(key: string): void {
    this.#table.delete(key);
  }

  /**
   * Opens the encrypted request `req` of connection `key` with its kept context,
   * runs `handler` on the plaintext request (as the logon's identity), and seals
   * its response. The context is taken for the duration and kept again afterwards
   * (its idle time restarting) unless the request did not verify.
   */
  async handle(
    req: Request,
    key: string,
    client: string,
    handler: (plain: Request, who: Identity) => Promise<Response>,
  ): Promise<SessionOutcome> {
    if (req.method === "GET" || req.method === "HEAD") return 401;
    const session = this.#table.take(key);
    if (!session) return 401;
    let keep = false;
    try {
      const declared = Number(req.headers.get("content-length") ?? "0");
      if (!(declared <= this.#maxBody)) return 413;
      const body = await readBounded(req, this.#maxBody);
      if (!body) return 413;
      const d = decodeEncrypted(body);
      if ("error" in d) return 400;
      const m = d.message;
      const plain = session.cipher.unseal(m.signature, m.sealed);
      if (typeof plain === "number" || plain.length !== m.length) return 400;
      keep = true;
      const headers = new Headers(req.headers);
      headers.delete("content-length");
      headers.delete("transfer-encoding");
      headers.set("content-type", m.type);
      const inner = new Request(req.url, {
        method: req.method,
        headers,
        body: plain as Uint8Array<ArrayBuffer>,
      });
      const res = await handler(inner, { ...session.who });
      if (NULL_BODY.has(res.status)) return res;
      const out = new Uint8Array(await res.arrayBuffer());
      const sealed = session.cipher.seal(out);
      if (typeof sealed === "number") {
        keep = false;
        return new Response(
          "Internal Server Error: cannot seal the response\n",
          {
            status: 500,
            headers: { "content-type": "text/plain; charset=utf-8" },
          },
        );
      }
      const h = new Headers(res.headers);
      h.delete("content-length");
      h.delete("content-encoding");
      h.set("content-type", ENCRYPTED_CONTENT_TYPE);
      const type = res.headers.get("content-type") ?? SOAP_CONTENT_TYPE;
      return new Response(
        encodeEncrypted(
          type,
          out.length,
          sealed.signature,
          sealed.sealed,
        ) as Uint8Array<ArrayBuffer>,
        { status: res.status, statusText: res.statusText, headers: h },
      );
    } finally {
      if (keep) this.#table.put(key, client, session);
      else session.dispose();
    }
  }
}
