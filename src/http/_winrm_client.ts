/**
 * The client side of WinRM's message encryption over HTTP (MS-WSMV 2.2.9.1.1) for
 * `createAuthFetch({ sessionEncryption: true })`: a connection is logged on with an
 * empty POST (NTLM or Negotiate), its client context stays with it, and each request
 * body then travels sealed with that context, without `Authorization`, and each
 * response is unsealed and checked.
 *
 * @module
 */
import { type AuthState, ConnectionAuth } from "./_auth_states.ts";
import { splitChallenges } from "./_auth_header.ts";
import { pickAuth, type Settings } from "./_client_settings.ts";
import {
  EmptyResponseError,
  Http1Connection,
  type Http1Options,
  type Http1Response,
} from "./_http1.ts";
import { SessionCipher } from "./_session_cipher.ts";
import {
  decodeEncrypted,
  encodeEncrypted,
  ENCRYPTED_CONTENT_TYPE,
  isEncryptedContentType,
  originalType,
} from "./_winrm_encryption.ts";
import { SspiError } from "../sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_MUTUAL_AUTH_FAILED,
  SEC_E_NO_CONTEXT,
} from "../sspi/status.ts";

/** The cipher of each connection's logon (disposed with the connection). */
const ciphers = new WeakMap<Http1Connection, SessionCipher>();

const EMPTY = new Uint8Array(0);

/** Statuses whose responses carry no body, which a server cannot seal. */
const NULL_BODY = new Set([204, 205, 304]);

/**
 * Sends `body` sealed to `url` on a connection logged on for it (a kept one, or a
 * new one logged on with an empty POST), and returns the response with its body
 * unsealed and its original content type. The logon's refusal (its final `401`) and
 * unencrypted error responses (`4xx`, `5xx`, which carry nothing to unseal) come back
 * as they are; a kept connection the server closed, or whose context it no longer
 * has (`401`), is replaced by a new logon once. Rejects with `SspiError` for a
 * response that does not verify, whose declared length differs from its plaintext,
 * or that is a success sent in clear.
 */
export async function exchangeEncrypted(
  s: Settings,
  req: Request,
  url: URL,
  method: string,
  baseHeaders: Headers,
  body: Uint8Array | null,
): Promise<Http1Response> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`createAuthFetch: unsupported scheme ${url.protocol}`);
  }
  if (method === "GET" || method === "HEAD") {
    throw new TypeError(
      `createAuthFetch: sessionEncryption seals request bodies; a ${method} ` +
        "request has none (WinRM requests are POSTs)",
    );
  }
  const tls = url.protocol === "https:";
  const port = Number(url.port) || (tls ? 443 : 80);
  const opts: Http1Options = {
    maxHeaderBytes: s.maxHeaderBytes,
    maxBodyBytes: s.maxBodyBytes,
    timeoutMs: s.timeoutMs,
    caCerts: s.caCerts,
    signal: req.signal,
  };
  const target = url.pathname + url.search;
  const headers = new Headers(baseHeaders);
  headers.set("host", url.host);
  if (!headers.has("accept")) headers.set("accept", "*/*");
  if (!headers.has("user-agent")) headers.set("user-agent", "portable-sspi");
  headers.set("connection", "keep-alive");
  headers.delete("authorization");
  const type = originalType(headers.get("content-type"));
  headers.set("content-type", ENCRYPTED_CONTENT_TYPE);
  const plain = body ?? EMPTY;
  const key = `sessionEncryption ${url.origin}`;
  const pool = s.pool!;
  for (let attempt = 0;; attempt++) {
    let conn = pool.take(key);
    let cipher = conn ? ciphers.get(conn) : undefined;
    // A kept connection may turn out stale: then a new logon (a few times at most).
    const kept = cipher !== undefined && attempt < 3;
    if (conn && !cipher) conn.close();
    if (!conn || !cipher) {
      conn = await Http1Connection.open(url.hostname, port, tls, opts);
      let r: SessionCipher | Http1Response;
      try {
        r = await logon(s, conn, url, target, headers);
      } catch (e) {
        conn.close();
        throw e;
      }
      if (!(r instanceof SessionCipher)) {
        conn.close();
        return r;
      }
      cipher = r;
    } else {
      conn.setOptions(opts);
    }
    const sealed = cipher.seal(plain);
    if (typeof sealed === "number") {
      conn.close();
      throw new SspiError(sealed, "cannot seal the request body");
    }
    let res: Http1Response;
    try {
      res = await conn.request(
        method,
        target,
        headers,
        encodeEncrypted(type, plain.length, sealed.signature, sealed.sealed),
      );
    } catch (e) {
      // Closed by its server while idle: log on again on a new one.
      if (kept && e instanceof EmptyResponseError) continue;
      throw e;
    }
    if (!isEncryptedContentType(res.headers.get("content-type"))) {
      conn.close();
      // The server no longer holds the context (it expired there): a new logon.
      if (kept && res.status === 401) continue;
      if (
        res.status >= 400 || (NULL_BODY.has(res.status) && !res.body.length)
      ) {
        return res;
      }
      throw new SspiError(
        SEC_E_MESSAGE_ALTERED,
        `the server answered an encrypted request with a ${res.status} in clear`,
      );
    }
    const d = decodeEncrypted(res.body);
    if ("error" in d) {
      conn.close();
      throw new SspiError(
        SEC_E_INVALID_TOKEN,
        `malformed encrypted response: ${d.error}`,
      );
    }
    const out = cipher.unseal(d.message.signature, d.message.sealed);
    if (typeof out === "number") {
      conn.close();
      throw new SspiError(out, "the encrypted response does not verify");
    }
    if (out.length !== d.message.length) {
      conn.close();
      throw new SspiError(
        SEC_E_MESSAGE_ALTERED,
        `the encrypted response holds ${out.length} bytes, not the ${d.message.length} it declares`,
      );
    }
    res.headers.set("content-type", d.message.type);
    res.headers.delete("content-length");
    res.body = out.slice();
    if (res.keepAlive) pool.give(key, conn);
    else conn.close();
    return res;
  }
}

/**
 * Logs `conn` on with empty POSTs to `target`, answering its `401`s with NTLM or
 * Negotiate; returns the completed context's cipher (kept with the connection and
 * disposed when it closes), or the response to hand back: the final `401` of a
 * refused logon, or the logon's answer when it is not a `2xx`.
 */
async function logon(
  s: Settings,
  conn: Http1Connection,
  url: URL,
  target: string,
  baseHeaders: Headers,
): Promise<SessionCipher | Http1Response> {
  const headers = new Headers(baseHeaders);
  headers.delete("content-type");
  const schemes = s.schemes.filter((x) => x !== "Digest");
  let state: AuthState | null = null;
  let kept = false;
  try {
    let res = await conn.request("POST", target, headers, EMPTY);
    for (let legs = 0; legs < s.maxLegs && res.status === 401; legs++) {
      const challenges = splitChallenges(
        res.headers.get("www-authenticate") ?? "",
      );
      if (!state) {
        const cb = s.channelBinding ? await conn.channelBindings() : null;
        state = pickAuth(
          { ...s, schemes },
          challenges,
          url,
          false,
          "POST",
          null,
          cb,
        );
        if (!state) break;
      }
      const value = await state.respond(challenges);
      // Refused, or closed mid-handshake (which a connection-bound logon cannot span).
      if (value === null || conn.closed) break;
      headers.set("authorization", value);
      res = await conn.request("POST", target, headers, EMPTY);
    }
    if (res.status === 401) return res;
    if (!(state instanceof ConnectionAuth)) {
      throw new SspiError(
        SEC_E_NO_CONTEXT,
        "sessionEncryption needs an NTLM or Negotiate logon, and the server " +
          `answered the logon request with ${res.status} without asking for one`,
      );
    }
    await state.verify(res.headers, false);
    if (!state.complete) {
      throw new SspiError(
        SEC_E_MUTUAL_AUTH_FAILED,
        `the server's answer did not complete the ${state.scheme} logon`,
      );
    }
    if (res.status < 200 || res.status >= 300) return res;
    if (conn.closed) {
      throw new TypeError(
        "the server closed the connection after the logon: nothing to seal with",
      );
    }
    const auth = state;
    conn.onClose(() => auth.dispose());
    kept = true;
    const cipher = auth.sessionCipher();
    ciphers.set(conn, cipher);
    return cipher;
  } finally {
    if (!kept) state?.dispose();
  }
}
