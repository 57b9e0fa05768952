/**
 * Test plumbing for WinRM's message encryption (MS-WSMV 2.2.9.1.1): a
 * `withAuthentication` server with `sessionEncryption` whose handler answers like a
 * tiny WS-Man endpoint (the body upper-cased in `<echo>`, a `500` fault for a body
 * holding `FAULT`) and records what it saw, and a raw client that logs a connection
 * on by hand and seals what the tests want (tampered, replayed, foreign messages).
 *
 * @module
 */
import {
  type AuthenticationOptions,
  client,
  identityOf,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  type SecurityContext,
  withAuthentication,
} from "../../mod.ts";
import { Http1Connection, type Http1Response } from "../../src/http/_http1.ts";
import { SessionCipher } from "../../src/http/_session_cipher.ts";
import {
  decodeEncrypted,
  encodeEncrypted,
  ENCRYPTED_CONTENT_TYPE,
  SOAP_CONTENT_TYPE,
} from "../../src/http/_winrm_encryption.ts";
import { portableTable } from "../../src/sspi/table.ts";
import { decodeBase64Strict, encodeBase64 } from "../../src/util/bytes.ts";
import { DOMAIN, PASSWORD, USER } from "./_server.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** What the handler saw of one request. */
export interface Seen {
  /** `DOMAIN\user` (or `user@REALM` for Kerberos). */
  who: string;
  /** The content type handed to the handler. */
  type: string | null;
  /** The plaintext body handed to the handler. */
  body: string;
}

/** One request as the server answered it. */
export interface Exchange {
  /** The client port. */
  port: number;
  /** True when it carried `Authorization`. */
  auth: boolean;
  /** The status answered. */
  status: number;
  /** The response's content type. */
  type: string | null;
}

/** A running WinRM-like server. */
export interface WinrmServer {
  /** The port on 127.0.0.1. */
  port: number;
  /** `http://127.0.0.1:<port>/wsman`. */
  url: string;
  /** What the handler saw, in order. */
  seen: Seen[];
  /** Every request, in order. */
  exchanges: Exchange[];
  /** Stops the server. */
  close(): Promise<void>;
}

/** The handler's answer to `body`: `<echo>` + upper-cased body + `</echo>`. */
export function echoOf(body: string): string {
  return `<echo>${body.toUpperCase()}</echo>`;
}

/**
 * Starts the server with `options` plus `sessionEncryption` (default `true`);
 * `rewrite` may replace each response (to test the client against bad ones).
 */
export function startWinrmServer(
  options: AuthenticationOptions,
  rewrite?: (res: Response, req: Request) => Promise<Response>,
): WinrmServer {
  const seen: Seen[] = [];
  const exchanges: Exchange[] = [];
  const wrapped = withAuthentication(async (req) => {
    const id = identityOf(req)!;
    const body = await req.text();
    seen.push({
      who: id.domain ? `${id.domain}\\${id.user}` : id.user,
      type: req.headers.get("content-type"),
      body,
    });
    const headers = { "content-type": SOAP_CONTENT_TYPE };
    return body.includes("FAULT")
      ? new Response(`<fault>${body}</fault>`, { status: 500, headers })
      : new Response(echoOf(body), { headers });
  }, { sessionEncryption: true, ...options });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req, info) => {
      const auth = req.headers.has("authorization");
      let res = await wrapped(req, info);
      if (rewrite) res = await rewrite(res, req);
      exchanges.push({
        port: (info.remoteAddr as Deno.NetAddr).port,
        auth,
        status: res.status,
        type: res.headers.get("content-type"),
      });
      return res;
    },
  );
  const port = (server.addr as Deno.NetAddr).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/wsman`,
    seen,
    exchanges,
    close: () => server.shutdown(),
  };
}

/** A connection logged on by hand, with the cipher of its context. */
export interface RawSession {
  /** The connection. */
  conn: Http1Connection;
  /** Seals and unseals with the logon's context. */
  cipher: SessionCipher;
  /** Seals `text` as an encrypted body. */
  seal(text: string): Uint8Array;
  /** Posts `body` (default content type: the encrypted one). */
  post(body: Uint8Array, type?: string | null): Promise<Http1Response>;
  /** Unseals an encrypted response body to text; throws if it does not verify. */
  open(res: Http1Response): string;
  /** Closes the connection and deletes the context. */
  close(): void;
}

const OPTS = { maxHeaderBytes: 65536, maxBodyBytes: 1 << 20, timeoutMs: 10000 };

/**
 * Logs a new connection to `port` on with `pkg` (an empty POST, as WinRM clients
 * set up) and returns it with its cipher.
 */
export async function rawSession(
  port: number,
  pkg: "NTLM" | "Negotiate",
): Promise<RawSession> {
  const ctx: SecurityContext = client({
    package: pkg,
    username: USER,
    domain: DOMAIN,
    password: PASSWORD,
    target: "HTTP/127.0.0.1",
    flags: ISC_REQ_CONNECTION | ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY |
      ISC_REQ_CONFIDENTIALITY,
  });
  const conn = await Http1Connection.open("127.0.0.1", port, false, OPTS);
  const headers = new Headers({ host: `127.0.0.1:${port}` });
  let token = await ctx.stepAsync(null);
  for (let i = 0; token && i < 4; i++) {
    headers.set("authorization", `${pkg} ${encodeBase64(token)}`);
    const res = await conn.request("POST", "/wsman", headers, null);
    const h = res.headers.get("www-authenticate");
    const next = h?.startsWith(`${pkg} `)
      ? decodeBase64Strict(h.slice(pkg.length + 1))
      : null;
    if (res.status === 200) {
      if (next && !ctx.complete) await ctx.stepAsync(next);
      break;
    }
    if (res.status !== 401 || !next) {
      throw new Error(`logon failed with ${res.status}`);
    }
    token = await ctx.stepAsync(next);
  }
  if (!ctx.complete) throw new Error("the logon did not complete");
  const cipher = new SessionCipher(portableTable(), ctx.handles.context);
  const noAuth = new Headers({ host: `127.0.0.1:${port}` });
  return {
    conn,
    cipher,
    seal(text) {
      const plain = te.encode(text);
      const s = cipher.seal(plain);
      if (typeof s === "number") throw new Error(`seal: ${s.toString(16)}`);
      return encodeEncrypted(
        SOAP_CONTENT_TYPE,
        plain.length,
        s.signature,
        s.sealed,
      );
    },
    post(body, type = ENCRYPTED_CONTENT_TYPE) {
      const h = new Headers(noAuth);
      if (type !== null) h.set("content-type", type);
      return conn.request("POST", "/wsman", h, body);
    },
    open(res) {
      const d = decodeEncrypted(res.body);
      if ("error" in d) throw new Error(d.error);
      const out = cipher.unseal(d.message.signature, d.message.sealed);
      if (typeof out === "number") {
        throw new Error(`unseal: 0x${out.toString(16)}`);
      }
      if (out.length !== d.message.length) throw new Error("length mismatch");
      return td.decode(out);
    },
    close() {
      conn.close();
      ctx.dispose();
    },
  };
}

/** `body` with the first `from` (ASCII) replaced by `to`, byte for byte. */
export function replaceAscii(
  body: Uint8Array,
  from: string,
  to: string,
): Uint8Array {
  const f = te.encode(from);
  for (let i = 0; i + f.length <= body.length; i++) {
    if (f.every((b, j) => body[i + j] === b)) {
      const out = new Uint8Array(body.length - f.length + to.length);
      out.set(body.subarray(0, i));
      out.set(te.encode(to), i);
      out.set(body.subarray(i + f.length), i + to.length);
      return out;
    }
  }
  throw new Error(`${from} not found`);
}

/** Runs `cmd args` with `env`, killed after `ms`; its stdout and stderr as text. */
export async function runBounded(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  ms = 60000,
): Promise<{ ok: boolean; out: string; err: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(ms),
  }).output();
  return { ok: o.success, out: td.decode(o.stdout), err: td.decode(o.stderr) };
}
