/**
 * The client's session cache (RFC 8446 4.6.1), kept on the credential and keyed by
 * the target name (`pszTargetName`), as Windows' Schannel client cache is: the
 * tickets servers sent, each with its resumption PSK, the suite whose hash goes with
 * it, its lifetime and `ticket_age_add`, and the server's certificate chain of the
 * original full handshake. A ticket is taken out when it is offered (used once, RFC
 * 8446 C.4). Everything is private and wiped when dropped or when the credential is
 * freed.
 *
 * TLS 1.2 sessions (RFC 5246 7.4.1.2, abbreviated handshakes by session ID) are
 * kept beside them, one per target name: the newest full handshake's. Unlike
 * tickets they may be offered again and again (as Windows does) until 10 hours
 * after their full handshake (`ClientCacheTime`), or until a server declines or
 * fails one.
 *
 * @module
 */
import type { Tls13Suite } from "./keys.ts";
import { SESSION_LIFETIME_MS } from "./ticket.ts";

/** The longest a client keeps a ticket, whatever its `ticket_lifetime` (7 days). */
export const MAX_TICKET_LIFETIME = 604800;
/** Tickets kept per target name (the newest). */
const MAX_PER_TARGET = 4;
/** Target names kept (the least recently used goes first). */
const MAX_TARGETS = 256;

/** One resumable session as the client keeps it: a ticket and what goes with it. */
export interface ClientSession {
  /** The ticket: the PSK identity to offer. */
  readonly ticket: Uint8Array;
  /** The resumption PSK (secret; wiped once offered or dropped). */
  readonly psk: Uint8Array;
  /** The suite whose hash the PSK goes with. */
  readonly suite: Tls13Suite;
  /** When the ticket arrived (`Date.now()`, ms). */
  readonly receivedAt: number;
  /** When it stops being offered (ms). */
  readonly expiresAt: number;
  /** `ticket_age_add`. */
  readonly ageAdd: number;
  /** The server's chain of the original full handshake (DER, leaf first). */
  readonly peerChain: readonly Uint8Array[];
  /** True when that chain was checked by us (roots and name), not left to the caller. */
  readonly verified: boolean;
  /** The session's id (`SECPKG_ATTR_SESSION_INFO`), the same through resumptions. */
  readonly sessionId: Uint8Array;
}

/** A TLS 1.2 session as the client keeps it (only sessions with the extended master secret). */
export interface ClientSession12 {
  /** The server's session_id (1-32 bytes), or one of ours for a ticket. */
  readonly sessionId: Uint8Array;
  /** The 48-byte master secret (secret; wiped when dropped). */
  readonly master: Uint8Array;
  /** The TLS 1.2 suite's code point. */
  readonly suite: number;
  /** The protocol version (absent: TLS 1.2; else TLS 1.1's or 1.0's). */
  readonly version?: number;
  /** The ECDHE group of the full handshake (reported again when resumed). */
  readonly group: number;
  /** The DH prime's or RSA modulus' bits of a DHE or static-RSA full handshake. */
  readonly exchBits?: number;
  /** When the full handshake completed (ms). */
  readonly createdAt: number;
  /** The server's chain of the full handshake (DER, leaf first). */
  readonly peerChain: readonly Uint8Array[];
  /** True when that chain was checked by us, not left to the caller. */
  readonly verified: boolean;
  /**
   * The server's RFC 5077 ticket, when it gave one: offered again with `sessionId`
   * (then one of ours, made up to tell a resumption from a full handshake).
   */
  readonly ticket?: Uint8Array;
  /** When the ticket's `lifetime_hint` runs out (ms), if the server gave one. */
  readonly ticketExpiry?: number;
}

/** A credential's cache of client sessions by target name. */
export class SessionCache {
  #byTarget = new Map<string, ClientSession[]>();
  #tls12 = new Map<string, ClientSession12>();
  readonly #lifespan: number;

  /** A cache whose sessions live `lifespan` ms after their full handshake. */
  constructor(lifespan: number = SESSION_LIFETIME_MS) {
    this.#lifespan = lifespan;
  }

  /** Keeps the TLS 1.2 `session` for `target`, in place of the one before. */
  add12(target: string, session: ClientSession12): void {
    this.drop12(target);
    this.#tls12.set(target, session);
    while (this.#tls12.size > MAX_TARGETS) {
      this.drop12(this.#tls12.keys().next().value!);
    }
  }

  /**
   * The TLS 1.2 session for `target` if it is younger than the lifespan (10 hours
   * unless set) and its ticket's lifetime hint at `now` and `usable` accepts it (it stays cached: the caller copies its secret); an
   * expired one is dropped.
   */
  find12(
    target: string,
    now: number,
    usable: (s: ClientSession12) => boolean,
  ): ClientSession12 | null {
    const s = this.#tls12.get(target);
    if (!s) return null;
    if (
      now < s.createdAt || now - s.createdAt >= this.#lifespan ||
      (s.ticketExpiry !== undefined && now >= s.ticketExpiry)
    ) {
      this.drop12(target);
      return null;
    }
    return usable(s) ? s : null;
  }

  /** Wipes and forgets the TLS 1.2 session of `target` (only if its id is `id`, when given). */
  drop12(target: string, id?: Uint8Array): void {
    const s = this.#tls12.get(target);
    if (!s || (id && !sameBytes(s.sessionId, id))) return;
    s.master.fill(0);
    this.#tls12.delete(target);
  }

  /** Keeps `session` for `target` (the oldest beyond the limits are wiped). */
  add(target: string, session: ClientSession): void {
    const list = this.#byTarget.get(target) ?? [];
    this.#byTarget.delete(target);
    list.push(session);
    while (list.length > MAX_PER_TARGET) list.shift()!.psk.fill(0);
    this.#byTarget.set(target, list);
    while (this.#byTarget.size > MAX_TARGETS) {
      const [oldest, dropped] = this.#byTarget.entries().next().value!;
      for (const s of dropped) s.psk.fill(0);
      this.#byTarget.delete(oldest);
    }
  }

  /**
   * Takes out the newest unexpired session for `target` that `usable` accepts (its
   * PSK is the caller's to wipe); expired ones are dropped on the way.
   */
  take(
    target: string,
    now: number,
    usable: (s: ClientSession) => boolean,
  ): ClientSession | null {
    const list = this.#byTarget.get(target);
    if (!list) return null;
    const live = list.filter((s) => {
      const ok = now < s.expiresAt && now >= s.receivedAt;
      if (!ok) s.psk.fill(0);
      return ok;
    });
    let taken: ClientSession | null = null;
    for (let i = live.length - 1; i >= 0; i--) {
      if (usable(live[i])) {
        taken = live.splice(i, 1)[0];
        break;
      }
    }
    if (live.length) this.#byTarget.set(target, live);
    else this.#byTarget.delete(target);
    return taken;
  }

  /** The number of sessions kept for `target`. */
  count(target: string): number {
    return this.#byTarget.get(target)?.length ?? 0;
  }

  /** Wipes and forgets every session. */
  clear(): void {
    for (const list of this.#byTarget.values()) {
      for (const s of list) s.psk.fill(0);
    }
    this.#byTarget.clear();
    for (const s of this.#tls12.values()) s.master.fill(0);
    this.#tls12.clear();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
