/**
 * Shared steps of the resumption tests: a TLS 1.3 handshake in memory with each
 * side on its own clock, SECPKG_ATTR_SESSION_INFO, and the hellos of the tokens.
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  QueryContextAttributes,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_SESSION_INFO,
  SSL_SESSION_RECONNECT,
} from "../../mod.ts";
import {
  type ClientHello,
  parseClientHello,
  parseServerHello,
  type ServerHello,
} from "../../src/packages/schannel/messages.ts";
import type { TestPki } from "./_pki.ts";
import {
  acquire,
  asc,
  deliver,
  HandshakeError,
  isc,
  seal,
  unseal,
} from "./_tls.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Runs `fn` with `Date.now` moved `offset` ms (0: as is). */
export function at<T>(offset: number, fn: () => T): T {
  if (!offset) return fn();
  const real = Date.now;
  const base = real();
  Date.now = () => base + offset + (real() - base);
  try {
    return fn();
  } finally {
    Date.now = real;
  }
}

/** A handshake run by {@link run}. */
export interface Run {
  /** The client's context. */
  client: CtxtHandle;
  /** The server's context. */
  server: CtxtHandle;
  /** Tokens exchanged. */
  legs: number;
  /** The client's tokens (ClientHellos first). */
  sent: Uint8Array[];
  /** The server's tokens (its first: ServerHello or HelloRetryRequest). */
  answered: Uint8Array[];
  /** The server's last token (its NewSessionTicket), delivered to the client. */
  ticket: Uint8Array | null;
}

/**
 * A TLS 1.3 handshake in memory with each side on its own clock (`clientClock`,
 * `serverClock`: offsets in ms); the server's last token is handed to the client's
 * DecryptMessage. Throws HandshakeError with the failing side's status.
 */
export function run(
  cc: ReturnType<typeof acquire>,
  sc: ReturnType<typeof acquire>,
  o: {
    target?: string;
    iscFlags?: number;
    ascFlags?: number;
    clientClock?: number;
    serverClock?: number;
  } = {},
): Run {
  const client = new CtxtHandle();
  const server = new CtxtHandle();
  const target = o.target ?? "localhost";
  const sent: Uint8Array[] = [];
  const answered: Uint8Array[] = [];
  let c = at(
    o.clientClock ?? 0,
    () => isc(cc, client, true, target, null, o.iscFlags),
  );
  let legs = 1;
  for (let first = true;; first = false) {
    if (!c.token) throw new HandshakeError("client", c.status);
    sent.push(c.token);
    const s = at(
      o.serverClock ?? 0,
      () => asc(sc, server, first, c.token!, o.ascFlags),
    );
    legs++;
    if (s.status === SEC_E_OK && c.status === SEC_E_OK) {
      if (s.token) at(o.clientClock ?? 0, () => deliver(client, s.token!));
      return { client, server, legs, sent, answered, ticket: s.token };
    }
    if (s.status !== SEC_I_CONTINUE_NEEDED || !s.token) {
      throw new HandshakeError("server", s.status);
    }
    answered.push(s.token);
    c = at(
      o.clientClock ?? 0,
      () => isc(cc, client, false, target, s.token, o.iscFlags),
    );
    legs++;
    if (c.status !== SEC_I_CONTINUE_NEEDED && c.status !== SEC_E_OK) {
      throw new HandshakeError("client", c.status);
    }
  }
}

/** Deletes both contexts of a run. */
export function close(r: Pick<Run, "client" | "server">): void {
  DeleteSecurityContext(r.client);
  DeleteSecurityContext(r.server);
}

/** SECPKG_ATTR_SESSION_INFO: whether resumed, and the session id. */
export function sessionInfo(
  h: CtxtHandle,
): { reconnect: boolean; id: Uint8Array } {
  const out: {
    value?: { dwFlags: number; cbSessionId: number; rbSessionId: Uint8Array };
  } = {};
  assert.equal(QueryContextAttributes(h, SECPKG_ATTR_SESSION_INFO, out), 0);
  const v = out.value!;
  assert.equal(v.cbSessionId, v.rbSessionId.length);
  return {
    reconnect: (v.dwFlags & SSL_SESSION_RECONNECT) !== 0,
    id: v.rbSessionId,
  };
}

/** The handshake message in the first (plaintext) record of `token`. */
export function firstMessage(token: Uint8Array): Uint8Array {
  const n = (token[3] << 8) | token[4];
  return token.subarray(5 + 4, 5 + n);
}

/** The ClientHello of a client token. */
export function helloOf(token: Uint8Array): ClientHello {
  return parseClientHello(firstMessage(token));
}

/** The ServerHello (or HelloRetryRequest) of a server token. */
export function serverHelloOf(token: Uint8Array): ServerHello {
  return parseServerHello(firstMessage(token));
}

/** Data both ways on a connected pair. */
export function talk(r: Pick<Run, "client" | "server">, what: string): void {
  const up = unseal(r.server, seal(r.client, enc.encode(`${what} up`)));
  assert.equal(up.status, SEC_E_OK);
  assert.equal(dec.decode(up.data!), `${what} up`);
  const down = unseal(r.client, seal(r.server, enc.encode(`${what} down`)));
  assert.equal(down.status, SEC_E_OK);
  assert.equal(dec.decode(down.data!), `${what} down`);
}

/** A server credential (P-256) and a client credential trusting its CA, with extra fields. */
export function creds(
  p: TestPki,
  serverAuth: Record<string, unknown> = {},
  clientAuth = {},
) {
  return {
    sc: acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
      ...serverAuth,
    }),
    cc: acquire("client", { RootCertificates: p.ecCa.cert, ...clientAuth }),
  };
}

/** A TLS 1.2 handshake in memory, its tokens kept. */
export interface Run12 {
  client: CtxtHandle;
  server: CtxtHandle;
  /** The client's tokens (the ClientHello first). */
  sent: Uint8Array[];
  /** The server's tokens (the ServerHello flight first). */
  answered: Uint8Array[];
}

/**
 * Runs a handshake; `edit` may change each client token before the server sees
 * it (by index). Throws HandshakeError with the failing side's status.
 */
export function run12(
  cc: CredHandle,
  sc: CredHandle,
  o: {
    target?: string;
    ascFlags?: number;
    edit?: (i: number, t: Uint8Array) => Uint8Array;
  } = {},
): Run12 {
  const client = new CtxtHandle();
  const server = new CtxtHandle();
  const target = o.target ?? "localhost";
  const sent: Uint8Array[] = [];
  const answered: Uint8Array[] = [];
  let c = isc(cc, client, true, target, null);
  for (let i = 0;; i++) {
    if (!c.token) throw new HandshakeError("client", c.status);
    const token = o.edit ? o.edit(i, c.token) : c.token;
    sent.push(token);
    const s = asc(sc, server, i === 0, token, o.ascFlags);
    if (s.status !== SEC_E_OK && s.status !== SEC_I_CONTINUE_NEEDED) {
      throw new HandshakeError("server", s.status);
    }
    if (s.token) answered.push(s.token);
    if (c.status === SEC_E_OK && s.status === SEC_E_OK) {
      return { client, server, sent, answered };
    }
    if (!s.token) throw new HandshakeError("server", s.status);
    c = isc(cc, client, false, target, s.token);
    if (c.status !== SEC_E_OK && c.status !== SEC_I_CONTINUE_NEEDED) {
      throw new HandshakeError("client", c.status);
    }
    if (c.status === SEC_E_OK && !c.token && s.status === SEC_E_OK) {
      return { client, server, sent, answered };
    }
  }
}
