/**
 * TLS 1.2 session tickets (RFC 5077): the `SessionTicket` extension, the TLS 1.2
 * NewSessionTicket body (`lifetime_hint`, ticket), and the state our server seals
 * into its tickets with the credential's ticket key (the key of the TLS 1.3
 * tickets, `ticket.ts`; the first plaintext byte tells the two states apart, so a
 * ticket of one version never resumes the other).
 *
 * @module
 */
import { decodeError, Reader, TlsAlert, Writer } from "./wire.ts";
import {
  putTime,
  readTime,
  SESSION_LIFETIME_MS,
  type TicketKey,
} from "./ticket.ts";

/** `session_ticket` (RFC 5077 3.2; RFC 8447 renamed it). */
export const EXT_SESSION_TICKET = 35;
/** The `lifetime_hint` our server gives (10 hours, as its sessions live). */
export const TICKET12_LIFETIME = SESSION_LIFETIME_MS / 1000;

/** The first byte of a sealed TLS 1.2 state (TLS 1.3's is 1). */
const VERSION12 = 2;
/** The first byte of a sealed TLS 1.1 or 1.0 state, its version next. */
const VERSION_LEGACY = 3;

/** What a TLS 1.2 ticket of ours carries. */
export interface Ticket12State {
  /** The protocol version (TLS 1.2's 0x0303, or TLS 1.1's or 1.0's). */
  version: number;
  /** The TLS 1.2 suite's code point. */
  suite: number;
  /** The ECDHE group of the full handshake (0 for DHE and static RSA). */
  group: number;
  /** DHE's prime or static RSA's modulus bits (`dwExchStrength`), else 0. */
  exchBits: number;
  /** When the full handshake completed (ms since the epoch). */
  createdAt: number;
  /** The host name the client asked for (SNI) then, or null. */
  serverName: string | null;
  /** The 48-byte extended master secret (secret). */
  master: Uint8Array;
}

const ENC = new TextEncoder();
const DEC = new TextDecoder();

/** Seals `st` into a ticket with `key`. */
export function sealTicket12(key: TicketKey, st: Ticket12State): Uint8Array {
  const w = new Writer();
  if (st.version === 0x0303) w.u8(VERSION12);
  else w.u8(VERSION_LEGACY).u16(st.version);
  w.u16(st.suite).u16(st.group).u16(st.exchBits);
  putTime(w, st.createdAt);
  w.vector(1, ENC.encode(st.serverName ?? "")).vector(1, st.master);
  return key.sealBytes(w.finish());
}

/**
 * The TLS 1.2 state in `ticket`, or null when it is not a TLS 1.2 ticket of `key`,
 * is malformed, or its session is older than `lifespan` (the credential's;
 * {@link SESSION_LIFETIME_MS} unless set) at `now`.
 */
export function openTicket12(
  key: TicketKey,
  ticket: Uint8Array,
  now: number,
  lifespan: number = SESSION_LIFETIME_MS,
): Ticket12State | null {
  const plain = key.openBytes(ticket);
  if (!plain) return null;
  try {
    const r = new Reader(plain, "ticket");
    const format = r.u8();
    if (format !== VERSION12 && format !== VERSION_LEGACY) return null;
    const version = format === VERSION12 ? 0x0303 : r.u16();
    if (version !== 0x0301 && version !== 0x0302 && version !== 0x0303) {
      return null;
    }
    const suite = r.u16();
    const group = r.u16();
    const exchBits = r.u16();
    const createdAt = readTime(r);
    const name = DEC.decode(r.vector(1));
    const master = r.vector(1, 48).slice();
    r.end();
    if (master.length !== 48 || now - createdAt > lifespan) {
      master.fill(0);
      return null;
    }
    return {
      version,
      suite,
      group,
      exchBits,
      createdAt,
      serverName: name || null,
      master,
    };
  } catch (e) {
    if (e instanceof TlsAlert) return null;
    throw e;
  } finally {
    plain.fill(0);
  }
}

/** A TLS 1.2 NewSessionTicket body. */
export function encodeNewSessionTicket12(
  lifetimeHint: number,
  ticket: Uint8Array,
): Uint8Array {
  return new Writer().u16(lifetimeHint >>> 16).u16(lifetimeHint & 0xffff)
    .vector(2, ticket).finish();
}

/**
 * A TLS 1.2 NewSessionTicket body's lifetime hint (seconds, 0: unspecified) and
 * ticket (empty: the server issues none this time, RFC 5077 3.3).
 */
export function parseNewSessionTicket12(
  body: Uint8Array,
): { lifetimeHint: number; ticket: Uint8Array } {
  const what = "NewSessionTicket";
  const r = new Reader(body, what);
  if (body.length < 6) throw decodeError(what);
  const lifetimeHint = ((r.u16() << 16) | r.u16()) >>> 0;
  const ticket = r.vector(2);
  r.end();
  return { lifetimeHint, ticket };
}
