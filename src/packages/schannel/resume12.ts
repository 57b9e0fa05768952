/**
 * TLS 1.2 session resumption by session ID (RFC 5246 7.3 and 7.4.1.2-7.4.1.3):
 * the abbreviated handshake of both roles. The client offers a cached session's id
 * in its ClientHello; a server that still has it answers with ServerHello (the id
 * echoed), ChangeCipherSpec and Finished, and the client with its own
 * ChangeCipherSpec and Finished. The keys come from the cached master secret and
 * the two new randoms. Only sessions made with the extended master secret are
 * resumed, and the resuming hellos must both carry it again (RFC 7627 5.3).
 *
 * @module
 */
import { randomBytes } from "../../crypto/mod.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import { SEC_E_ILLEGAL_MESSAGE, SEC_E_OK } from "../../sspi/status.ts";
import type { Certificate } from "../../pki/mod.ts";
import {
  ALERT_HANDSHAKE_FAILURE,
  ALERT_ILLEGAL_PARAMETER,
  CT_CHANGE_CIPHER_SPEC,
  HS_FINISHED,
  HS_NEW_SESSION_TICKET,
  HS_SERVER_HELLO,
  TLS12,
} from "./constants.ts";
import type { SchannelCredential } from "./credentials.ts";
import type { TlsPolicy } from "./credential_attributes.ts";
import { type TlsEngine, unexpected } from "./engine.ts";
import type { ClientHello, ServerHello } from "./messages.ts";
import { encodeServerHello12 } from "./messages12.ts";
import { requireFinished } from "./peer.ts";
import {
  cipherKeyLen12,
  finished12,
  suiteInVersion,
  TLS12_SUITES,
  type Tls12Suite,
} from "./prf.ts";
import { serverRandom12 } from "./kex12_server.ts";
import { plainRecord, type RecordProtection } from "./record.ts";
import { recordCiphers12 } from "./ciphers12.ts";
import type { ServerSession12 } from "./server_sessions.ts";
import type { ClientSession12 } from "./session_cache.ts";
import { handshakeMessage, TlsAlert } from "./wire.ts";
import { openTicket12, parseNewSessionTicket12 } from "./ticket12.ts";

/** An engine as the TLS 1.2 flows use it. */
type Engine = TlsEngine & {
  peerChain: Uint8Array[];
  peerLeaf: Certificate | null;
};

// --- Client -------------------------------------------------------------------

/** A client's part in TLS 1.2 resumption for one connection. */
export interface ClientResumption12 {
  /** The full handshake's session may be cached. */
  keep: boolean;
  /** A copy of the cached session offered (its master secret the connection's to wipe). */
  offer: ClientSession12 | null;
}

/**
 * What a client connecting to `target` does about TLS 1.2 (and 1.1 and 1.0)
 * sessions: with `resume` (not inside CredSSP), reconnects and such a version
 * allowed, it keeps them and offers the cached one (of a version still allowed, one
 * whose chain we checked, unless the caller checks it anyway).
 */
export function clientResumption12(
  cred: SchannelCredential,
  policy: TlsPolicy,
  target: string,
  manual: boolean,
  resume: boolean,
): ClientResumption12 {
  const versions = policy.legacyVersions("client");
  const keep = resume && cred.reconnects && versions.length > 0;
  const s = keep
    ? cred.sessions().find12(
      target,
      Date.now(),
      (s) =>
        (s.verified || manual) &&
        policy.suites12.some((x) => x.id === s.suite) &&
        versions.includes(s.version ?? TLS12),
    )
    : null;
  return { keep, offer: s && { ...s, master: s.master.slice() } };
}

/**
 * Whether a TLS 1.2 ServerHello resumes `offer`: it echoes the offered (non-empty)
 * session_id. Then the suite and version must be the session's and the extended
 * master secret agreed again, else the handshake fails (`illegal_parameter`,
 * `handshake_failure`); a session_id longer than 32 bytes is malformed.
 */
export function resumesSession(
  sh: ServerHello,
  offer: ClientSession12 | null,
): boolean {
  if (sh.sessionId.length > 32) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      "the ServerHello's session_id is longer than 32 bytes",
    );
  }
  if (
    !offer || !sh.sessionId.length ||
    !constantTimeEqual(sh.sessionId, offer.sessionId)
  ) {
    return false;
  }
  if (sh.suite !== offer.suite) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      "the server resumed a session with another suite",
    );
  }
  if (sh.legacyVersion !== (offer.version ?? TLS12)) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      "the server resumed a session in another version",
    );
  }
  if (!sh.ems) {
    throw new TlsAlert(
      ALERT_HANDSHAKE_FAILURE,
      SEC_E_ILLEGAL_MESSAGE,
      "the server resumed a session without the extended master secret",
    );
  }
  return true;
}

/** What the client's abbreviated handshake starts from (after the ServerHello). */
export interface ResumedClientStart {
  /** The engine, the ServerHello already in its transcript. */
  engine: Engine & { chainStatus: number };
  /** The credential whose cache holds the session. */
  cred: SchannelCredential;
  /** The cache key (target name). */
  target: string;
  /** The session resumed (the connection's copy: its master secret is wiped here). */
  session: ClientSession12;
  /** Its suite. */
  suite: Tls12Suite;
  /** The two randoms of this handshake. */
  clientRandom: Uint8Array;
  /** The server's random. */
  serverRandom: Uint8Array;
  /** The ServerHello promised a NewSessionTicket (RFC 5077: a renewed ticket). */
  ticketPromised: boolean;
}

/**
 * The client's abbreviated TLS 1.2 handshake: the server's ChangeCipherSpec and
 * Finished (after a NewSessionTicket when promised), then ours. The server's
 * certificate chain is the original session's.
 */
export class Tls12ResumedClient {
  #s: ResumedClientStart;
  #master: Uint8Array;
  #read: RecordProtection | null;
  #write: RecordProtection | null;
  #state: "ccs" | "finished" | "done" = "ccs";
  #ticket: { lifetimeHint: number; ticket: Uint8Array } | null = null;

  /** Starts after the ServerHello that echoed the session's id. */
  constructor(start: ResumedClientStart) {
    this.#s = start;
    const e = start.engine;
    this.#master = start.session.master;
    const c = recordCiphers12(
      start.suite,
      this.#master,
      start.clientRandom,
      start.serverRandom,
      e.wireVersion,
    );
    this.#read = c.server;
    this.#write = c.client;
    e.resumed = true;
    e.group = start.session.group;
    e.exchBits = start.session.exchBits ?? 0;
    e.sessionId = start.session.sessionId.slice();
    e.peerChain = start.session.peerChain.map((d) => d.slice());
    e.chainStatus = SEC_E_OK;
  }

  /** The server's ChangeCipherSpec: its keys apply from the next record. */
  onChangeCipherSpec(): void {
    if (this.#state !== "ccs") throw unexpected("ChangeCipherSpec");
    if (this.#s.ticketPromised && !this.#ticket) {
      throw unexpected("expected the promised NewSessionTicket");
    }
    this.#s.engine.readCipher = this.#read;
    this.#read = null;
    this.#state = "finished";
  }

  /** The server's Finished; answered with our ChangeCipherSpec and Finished. */
  onMessage(type: number, body: Uint8Array, raw: Uint8Array): void {
    const e = this.#s.engine;
    if (
      this.#state === "ccs" && type === HS_NEW_SESSION_TICKET &&
      this.#s.ticketPromised && !this.#ticket
    ) {
      this.#ticket = parseNewSessionTicket12(body);
      e.transcript.add(raw);
      return;
    }
    if (this.#state !== "finished" || type !== HS_FINISHED) {
      throw unexpected(
        this.#state === "ccs"
          ? "expected ChangeCipherSpec (a resumed session)"
          : "a handshake message out of order",
      );
    }
    const suite = this.#s.suite.crypto;
    requireFinished(
      finished12(suite, this.#master, false, e.transcript.hash()),
      body,
      "server",
    );
    e.transcript.add(raw);
    e.out.push(
      plainRecord(CT_CHANGE_CIPHER_SPEC, Uint8Array.of(1), e.wireVersion),
    );
    e.writeCipher = this.#write;
    this.#write = null;
    const fin = handshakeMessage(
      HS_FINISHED,
      finished12(suite, this.#master, true, e.transcript.hash()),
    );
    e.transcript.add(fin);
    e.send(fin);
    this.#renew();
    e.keepMaster12(suite, this.#master, true);
    this.#master.fill(0);
    this.#state = "done";
    e.connected = true;
  }

  /** A renewed ticket replaces the cached one (same master secret, a new id of ours). */
  #renew(): void {
    const t = this.#ticket;
    if (!t?.ticket.length) return;
    const s = this.#s;
    s.cred.sessions().add12(s.target, {
      ...s.session,
      sessionId: randomBytes(32),
      master: this.#master.slice(),
      peerChain: s.session.peerChain.map((d) => d.slice()),
      ticket: t.ticket.slice(),
      ticketExpiry: t.lifetimeHint
        ? Date.now() + t.lifetimeHint * 1000
        : undefined,
    });
  }

  /** Wipes the secrets; a resumption that did not complete drops its session. */
  wipe(): void {
    this.#master.fill(0);
    this.#read?.wipe();
    this.#write?.wipe();
    if (!this.#s.engine.connected) {
      this.#s.cred.sessions().drop12(this.#s.target, this.#s.session.sessionId);
    }
  }
}

// --- Server -------------------------------------------------------------------

/**
 * The session a TLS 1.2 ClientHello asks to resume: one sealed in its RFC 5077
 * ticket (when the credential takes tickets; the client's session id is echoed),
 * else one the credential's cache has by session id; alive at `now`, of the
 * `version` this handshake takes, its suite offered again, the client asking for
 * the same host name (RFC 6066 3) and offering the extended master secret again
 * (RFC 7627 5.3: else no abbreviated handshake; a full one follows). Null: a full
 * handshake.
 */
export function findSession12(
  cred: SchannelCredential,
  policy: TlsPolicy,
  ch: ClientHello,
  serverName: string | null,
  now: number,
  version = TLS12,
): ServerSession12 | null {
  if (!ch.ems) return null;
  // The session's suite must be offered again and still allowed, and its version
  // be the one this handshake takes.
  const usable = (id: number, v: number | undefined) =>
    ch.suites.includes(id) && policy.suites12.some((x) => x.id === id) &&
    (v ?? TLS12) === version;
  if (ch.sessionTicket?.length && cred.tickets12) {
    const st = openTicket12(
      cred.ticketKey(),
      ch.sessionTicket,
      now,
      cred.sessionLifespan,
    );
    if (st && usable(st.suite, st.version) && st.serverName === serverName) {
      const { version: v, ...rest } = st;
      return {
        ...rest,
        ...(v !== TLS12 && { version: v }),
        sessionId: ch.sessionId.slice(),
        fromTicket: true,
      };
    }
    st?.master.fill(0);
  }
  if (ch.sessionId.length !== 32) return null;
  const s = cred.serverSessions().find(ch.sessionId, now);
  if (!s || !usable(s.suite, s.version) || s.serverName !== serverName) {
    return null;
  }
  return s;
}

/**
 * The server's abbreviated TLS 1.2 handshake: ServerHello (the id echoed),
 * ChangeCipherSpec and Finished at once; then the client's ChangeCipherSpec and
 * Finished complete it.
 */
export class Tls12ResumedServer {
  #e: Engine;
  #cred: SchannelCredential;
  #session: ServerSession12;
  #suite: Tls12Suite;
  #version: number;
  #master: Uint8Array;
  #read: RecordProtection | null = null;
  #state: "ccs" | "finished" | "done" = "ccs";

  /** A flow resuming `session` (found by {@link findSession12}). */
  constructor(
    engine: Engine,
    cred: SchannelCredential,
    session: ServerSession12,
  ) {
    this.#e = engine;
    this.#cred = cred;
    this.#session = session;
    this.#version = session.version ?? TLS12;
    this.#suite = suiteInVersion(
      TLS12_SUITES.find((x) => x.id === session.suite)!,
      this.#version,
    );
    this.#master = session.master.slice();
    // A ticket's state is this connection's alone (a cached session stays cached).
    if (session.fromTicket) session.master.fill(0);
  }

  /** Answers the ClientHello (`raw` not yet in the transcript). */
  clientHello(ch: ClientHello, raw: Uint8Array): void {
    const e = this.#e;
    const suite = this.#suite;
    const serverRandom = serverRandom12(e.policy, this.#version);
    e.version = TLS12;
    e.wireVersion = this.#version;
    e.cipherBits = cipherKeyLen12(suite) * 8;
    e.cipherSuite = suite.id;
    e.group = this.#session.group;
    e.exchBits = this.#session.exchBits ?? 0;
    e.resumed = true;
    e.sessionId = this.#session.sessionId.slice();
    e.transcript.useSuite(suite.crypto);
    e.transcript.add(raw);
    const sh = handshakeMessage(
      HS_SERVER_HELLO,
      encodeServerHello12(serverRandom, e.sessionId, suite.id, {
        ems: true,
        renegotiation: ch.renegotiation,
        protocol: e.protocol,
        ecPointFormats: suite.kex === "ecdhe",
        version: this.#version,
      }),
    );
    e.transcript.add(sh);
    e.send(sh);
    const c = recordCiphers12(
      suite,
      this.#master,
      ch.random,
      serverRandom,
      this.#version,
    );
    this.#read = c.client;
    e.out.push(
      plainRecord(CT_CHANGE_CIPHER_SPEC, Uint8Array.of(1), e.wireVersion),
    );
    e.writeCipher = c.server;
    const fin = handshakeMessage(
      HS_FINISHED,
      finished12(suite.crypto, this.#master, false, e.transcript.hash()),
    );
    e.transcript.add(fin);
    e.send(fin);
  }

  /** The client's ChangeCipherSpec: its keys apply from the next record. */
  onChangeCipherSpec(): void {
    if (this.#state !== "ccs") throw unexpected("ChangeCipherSpec");
    this.#e.readCipher = this.#read;
    this.#read = null;
    this.#state = "finished";
  }

  /** The client's Finished completes the handshake. */
  onMessage(type: number, body: Uint8Array, raw: Uint8Array): void {
    const e = this.#e;
    if (this.#state !== "finished" || type !== HS_FINISHED) {
      throw unexpected(
        this.#state === "ccs"
          ? "expected ChangeCipherSpec (a resumed session)"
          : "a handshake message out of order",
      );
    }
    requireFinished(
      finished12(this.#suite.crypto, this.#master, true, e.transcript.hash()),
      body,
      "client",
    );
    e.transcript.add(raw);
    e.keepMaster12(this.#suite.crypto, this.#master, true);
    this.#master.fill(0);
    this.#state = "done";
    e.connected = true;
  }

  /** Wipes the secrets; a resumption that did not complete invalidates its session. */
  wipe(): void {
    this.#master.fill(0);
    this.#read?.wipe();
    if (!this.#e.connected && !this.#session.fromTicket) {
      this.#cred.serverSessions().drop(this.#session.sessionId);
    }
  }
}
