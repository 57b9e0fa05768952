/**
 * The server's TLS 1.2 session cache (RFC 5246 7.4.1.2-7.4.1.3), kept on the
 * credential as Windows' Schannel keeps its own: each full handshake that may be
 * resumed gets a random 32-byte session_id, and its master secret, suite and SNI
 * name are kept under it. At most {@link MAX_SERVER_SESSIONS} sessions (the least
 * recently used goes first), each for 10 hours after its full handshake
 * (`ServerCacheTime`). Only sessions with the extended master secret are kept
 * (RFC 7627 5.3). Master secrets are private and wiped when dropped or when the
 * credential is freed.
 *
 * @module
 */
import { SESSION_LIFETIME_MS } from "./ticket.ts";

/** The most sessions a server credential keeps. */
export const MAX_SERVER_SESSIONS = 1000;

/** One resumable TLS 1.2 session as the server keeps it. */
export interface ServerSession12 {
  /** Its 32-byte session_id. */
  readonly sessionId: Uint8Array;
  /** The 48-byte extended master secret (secret). */
  readonly master: Uint8Array;
  /** The TLS 1.2 suite's code point. */
  readonly suite: number;
  /** The protocol version (absent: TLS 1.2; else TLS 1.1's or 1.0's). */
  readonly version?: number;
  /** The ECDHE group of the full handshake (reported again when resumed); 0 for DHE and static RSA. */
  readonly group: number;
  /** DHE's prime or static RSA's modulus bits (`dwExchStrength`, reported again when resumed), else 0. */
  readonly exchBits?: number;
  /** The host name the client asked for (SNI), if any: a resumption must ask for the same. */
  readonly serverName: string | null;
  /** When the full handshake completed (ms). */
  readonly createdAt: number;
  /** Opened from the client's RFC 5077 ticket, not kept in the cache. */
  readonly fromTicket?: boolean;
}

function keyOf(id: Uint8Array): string {
  return Array.from(id, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A server credential's TLS 1.2 sessions by session_id. */
export class ServerSessionCache {
  readonly #lifespan: number;

  /** A cache whose sessions live `lifespan` ms after their full handshake. */
  constructor(lifespan: number = SESSION_LIFETIME_MS) {
    this.#lifespan = lifespan;
  }

  #byId = new Map<string, ServerSession12>();

  /** Keeps `session` (the least recently used beyond the limit is wiped). */
  add(session: ServerSession12): void {
    this.drop(session.sessionId);
    this.#byId.set(keyOf(session.sessionId), session);
    while (this.#byId.size > MAX_SERVER_SESSIONS) {
      const [oldest, s] = this.#byId.entries().next().value!;
      s.master.fill(0);
      this.#byId.delete(oldest);
    }
  }

  /**
   * The session for `id` if it is younger than the lifespan (10 hours unless set)
   * at `now` (marked recently
   * used; it stays cached, the caller copies its secret); an expired one is dropped.
   */
  find(id: Uint8Array, now: number): ServerSession12 | null {
    if (id.length !== 32) return null;
    const key = keyOf(id);
    const s = this.#byId.get(key);
    if (!s) return null;
    this.#byId.delete(key);
    if (now < s.createdAt || now - s.createdAt >= this.#lifespan) {
      s.master.fill(0);
      return null;
    }
    this.#byId.set(key, s);
    return s;
  }

  /** Wipes and forgets the session `id` (a failed resumption invalidates it, RFC 5246 7.2.2). */
  drop(id: Uint8Array): void {
    const key = keyOf(id);
    this.#byId.get(key)?.master.fill(0);
    this.#byId.delete(key);
  }

  /** The number of sessions kept. */
  get size(): number {
    return this.#byId.size;
  }

  /** Wipes and forgets every session. */
  clear(): void {
    for (const s of this.#byId.values()) s.master.fill(0);
    this.#byId.clear();
  }
}
