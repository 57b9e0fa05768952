/**
 * The server's session tickets (RFC 8446 4.6.1): self-contained, so a server keeps
 * no session cache. A ticket seals the resumption PSK, the suite, when it was issued,
 * `ticket_age_add`, when the session was first authenticated and its id with
 * AES-256-GCM under a random key the server credential holds (and wipes when freed):
 * `key_name (4) | nonce (12) | ciphertext | tag (16)`, the key name as AAD. Anything
 * that does not open (garbled, another key) is no ticket, and is ignored.
 *
 * @module
 */
import { randomBytes } from "../../crypto/mod.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import { AesGcm } from "../../wasm/gcm.ts";
import { Reader, TlsAlert, Writer } from "./wire.ts";

/** The `ticket_lifetime` our server gives (2 hours). */
export const TICKET_LIFETIME = 7200;
/**
 * How long a session may be resumed after its full handshake, through any number of
 * tickets (10 hours, Windows' default `ServerCacheTime`).
 */
export const SESSION_LIFETIME_MS = 10 * 3600 * 1000;
/** How far the client's idea of a ticket's age may be from ours (ms). */
export const TICKET_AGE_SKEW_MS = 60_000;

const NAME = 4;
const NONCE = 12;
const TAG = 16;
const VERSION = 1;

/** What a ticket carries. */
export interface TicketState {
  /** The suite's code point (its hash goes with the PSK). */
  suite: number;
  /** When the ticket was issued (ms since the epoch). */
  issuedAt: number;
  /** When the session was authenticated by its full handshake (ms). */
  authTime: number;
  /** `ticket_age_add`. */
  ageAdd: number;
  /** The session's id (`SECPKG_ATTR_SESSION_INFO`). */
  sessionId: Uint8Array;
  /** The resumption PSK (secret). */
  psk: Uint8Array;
}

/** Writes a time in ms since the epoch as 8 bytes (tickets' sealed states). */
export function putTime(w: Writer, ms: number): void {
  const hi = Math.floor(ms / 2 ** 32);
  const lo = ms >>> 0;
  w.u16(hi >>> 16).u16(hi & 0xffff).u16(lo >>> 16).u16(lo & 0xffff);
}

/** Reads a time written by {@link putTime}. */
export function readTime(r: Reader): number {
  const hi = ((r.u16() << 16) | r.u16()) >>> 0;
  const lo = ((r.u16() << 16) | r.u16()) >>> 0;
  return hi * 2 ** 32 + lo;
}

/** A server credential's ticket key: seals and opens tickets. */
export class TicketKey {
  #name = randomBytes(NAME);
  #gcm: AesGcm | null;

  /** A fresh random key. */
  constructor() {
    const key = randomBytes(32);
    this.#gcm = new AesGcm(key);
    key.fill(0);
  }

  /** Seals `state` into a ticket. */
  seal(state: TicketState): Uint8Array {
    const w = new Writer().u8(VERSION).u16(state.suite);
    putTime(w, state.issuedAt);
    putTime(w, state.authTime);
    w.u16(state.ageAdd >>> 16).u16(state.ageAdd & 0xffff);
    return this.sealBytes(
      w.vector(1, state.sessionId).vector(1, state.psk).finish(),
    );
  }

  /**
   * Seals `plain` (a state encoding whose first byte says which; wiped here) into a
   * ticket.
   */
  sealBytes(plain: Uint8Array): Uint8Array {
    if (!this.#gcm) {
      plain.fill(0);
      throw new TypeError("the ticket key was wiped");
    }
    const out = new Uint8Array(NAME + NONCE + plain.length + TAG);
    out.set(this.#name);
    out.set(randomBytes(NONCE), NAME);
    const body = out.subarray(NAME + NONCE, NAME + NONCE + plain.length);
    body.set(plain);
    plain.fill(0);
    this.#gcm.encrypt(
      out.subarray(NAME, NAME + NONCE),
      this.#name,
      body,
      out.subarray(out.length - TAG),
    );
    return out;
  }

  /**
   * The plaintext sealed in `ticket` (the caller wipes it), or null when it is not
   * one of ours.
   */
  openBytes(ticket: Uint8Array): Uint8Array | null {
    if (!this.#gcm || ticket.length < NAME + NONCE + TAG + 1) return null;
    if (!constantTimeEqual(ticket.subarray(0, NAME), this.#name)) return null;
    const plain = ticket.slice(NAME + NONCE, ticket.length - TAG);
    const ok = this.#gcm.decrypt(
      ticket.subarray(NAME, NAME + NONCE),
      this.#name,
      plain,
      ticket.subarray(ticket.length - TAG),
    );
    if (ok) return plain;
    plain.fill(0);
    return null;
  }

  /** The state sealed in `ticket`, or null when it is not one of ours or is malformed. */
  open(ticket: Uint8Array): TicketState | null {
    const plain = this.openBytes(ticket);
    if (!plain) return null;
    try {
      const r = new Reader(plain, "ticket");
      if (r.u8() !== VERSION) return null;
      const suite = r.u16();
      const issuedAt = readTime(r);
      const authTime = readTime(r);
      const ageAdd = ((r.u16() << 16) | r.u16()) >>> 0;
      const sessionId = r.vector(1).slice();
      const psk = r.vector(1, 32).slice();
      r.end();
      return { suite, issuedAt, authTime, ageAdd, sessionId, psk };
    } catch (e) {
      if (e instanceof TlsAlert) return null;
      throw e;
    } finally {
      plain.fill(0);
    }
  }

  /** Wipes the key: no ticket seals or opens after this. */
  wipe(): void {
    this.#gcm?.wipe();
    this.#gcm = null;
    this.#name.fill(0);
  }
}

/**
 * Whether a ticket may be resumed at `now`: issued within its lifetime, its session
 * within `lifespan` (the credential's; {@link SESSION_LIFETIME_MS} unless set), and the client's `obfuscated_ticket_age`,
 * once `ticket_age_add` is taken off, within {@link TICKET_AGE_SKEW_MS} of the age
 * we measure.
 */
export function ticketUsable(
  st: TicketState,
  obfuscatedAge: number,
  now: number,
  lifespan: number = SESSION_LIFETIME_MS,
): boolean {
  const age = now - st.issuedAt;
  if (age < -TICKET_AGE_SKEW_MS || age > TICKET_LIFETIME * 1000) return false;
  if (now - st.authTime > lifespan) return false;
  const clientAge = (obfuscatedAge - st.ageAdd) >>> 0;
  return Math.abs(clientAge - age) <= TICKET_AGE_SKEW_MS;
}
