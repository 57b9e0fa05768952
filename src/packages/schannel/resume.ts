/**
 * TLS 1.3 session resumption, the steps of both roles (RFC 8446 2.2, 4.2.11,
 * 4.6.1): the client's PSK offer and its binder, and the session a NewSessionTicket
 * gives it; the server's search for a ticket it can take, the binder check, and the
 * ticket it issues after the client's Finished. Only `psk_dhe_ke` is offered and
 * taken: a resumed handshake still runs (EC)DHE, for forward secrecy.
 *
 * @module
 */
import { randomBytes, sha256 } from "../../crypto/mod.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import {
  SEC_E_DECRYPT_FAILURE,
  SEC_E_ILLEGAL_MESSAGE,
} from "../../sspi/status.ts";
import {
  ALERT_DECRYPT_ERROR,
  ALERT_MISSING_EXTENSION,
  PSK_DHE_KE,
} from "./constants.ts";
import {
  pskBinder,
  suiteById,
  ticketPsk,
  type Tls13Suite,
  type Transcript,
} from "./keys.ts";
import type { ClientHello } from "./messages.ts";
import {
  bindersSize,
  encodeNewSessionTicket,
  encodePskExtensions,
  type NewSessionTicket,
  parsePskModes,
  parsePskOffer,
} from "./psk.ts";
import { type ClientSession, MAX_TICKET_LIFETIME } from "./session_cache.ts";
import {
  SESSION_LIFETIME_MS,
  TICKET_LIFETIME,
  type TicketKey,
  type TicketState,
  ticketUsable,
} from "./ticket.ts";
import { TlsAlert } from "./wire.ts";

/** Identities of one offer a server tries at most. */
const MAX_IDENTITIES = 8;
const ID_LABEL = new TextEncoder().encode("schannel session id");

/**
 * A session's id for `SECPKG_ATTR_SESSION_INFO`: SHA-256 of a label and the
 * transcript hash through the server's Finished of its full handshake, so both ends
 * agree on it; resumptions keep it.
 */
export function sessionIdOf(transcriptHash: Uint8Array): Uint8Array {
  const m = new Uint8Array(ID_LABEL.length + transcriptHash.length);
  m.set(ID_LABEL);
  m.set(transcriptHash, ID_LABEL.length);
  return sha256(m);
}

// --- Client -------------------------------------------------------------------

/**
 * The extensions that end the ClientHello of a client that takes tickets:
 * `psk_key_exchange_modes`, and when it offers `s`, `pre_shared_key` (the ticket,
 * its obfuscated age at `now`, a zeroed binder that {@link bindHello} fills in).
 */
export function offerExtensions(
  s: ClientSession | null,
  now: number,
): Uint8Array {
  if (!s) return encodePskExtensions(null, 0);
  const obfuscatedAge = ((now - s.receivedAt) + s.ageAdd) % 2 ** 32;
  return encodePskExtensions(
    { identity: s.ticket, obfuscatedAge },
    s.suite.hashLen,
  );
}

/** Whether a ClientHello allows tickets for `psk_dhe_ke` (RFC 8446 4.2.9: else none is sent). */
export function takesTickets(ch: ClientHello): boolean {
  if (!ch.pskModes) return false;
  try {
    return parsePskModes(ch.pskModes).includes(PSK_DHE_KE);
  } catch (e) {
    if (e instanceof TlsAlert) return false;
    throw e;
  }
}

/**
 * Writes the binder into `hello` (the whole ClientHello message, ending with the
 * offer of {@link offerExtensions}): the MAC over the transcript so far (the first
 * hello's hash and the HelloRetryRequest, after a retry) and `hello` up to its
 * binders.
 */
export function bindHello(
  s: ClientSession,
  hello: Uint8Array,
  transcript: Transcript,
): void {
  const truncated = hello.subarray(
    0,
    hello.length - bindersSize(s.suite.hashLen),
  );
  const binder = pskBinder(
    s.suite,
    s.psk,
    transcript.hashWith(s.suite, truncated),
  );
  hello.set(binder, hello.length - binder.length);
}

/** What a client knows of its connection when a ticket arrives. */
export interface ClientResumptionState {
  /** The connection's suite. */
  suite: Tls13Suite;
  /** `resumption_master_secret`. */
  resumptionMaster: Uint8Array;
  /** The server's chain of the original full handshake. */
  peerChain: readonly Uint8Array[];
  /** Whether that chain was checked by us. */
  verified: boolean;
  /** The session's id. */
  sessionId: Uint8Array;
}

/**
 * The session a NewSessionTicket gives, its PSK derived from the resumption master
 * secret and the ticket's nonce; null for a lifetime of 0 (discard at once).
 * Lifetimes past 7 days are cut to 7 days.
 */
export function sessionFromTicket(
  t: NewSessionTicket,
  c: ClientResumptionState,
  now: number,
  lifespan: number = SESSION_LIFETIME_MS,
): ClientSession | null {
  if (t.lifetime === 0) return null;
  const lifetime = Math.min(t.lifetime, MAX_TICKET_LIFETIME, lifespan / 1000);
  return {
    ticket: t.ticket.slice(),
    psk: ticketPsk(c.suite, c.resumptionMaster, t.nonce),
    suite: c.suite,
    receivedAt: now,
    expiresAt: now + lifetime * 1000,
    ageAdd: t.ageAdd,
    peerChain: c.peerChain.map((d) => d.slice()),
    verified: c.verified,
    sessionId: c.sessionId.slice(),
  };
}

// --- Server -------------------------------------------------------------------

/** A ticket the server can resume, found in a ClientHello. */
export interface FoundTicket {
  /** The identity's index (`selected_identity`). */
  index: number;
  /** What the ticket carries (its PSK is the caller's to wipe). */
  state: TicketState;
  /** Its suite. */
  suite: Tls13Suite;
  /** The binder the client sent for it. */
  binder: Uint8Array;
  /** The bytes the binders take at the end of the ClientHello. */
  bindersSize: number;
}

/**
 * The first offered ticket that opens under `key`, is alive at `now` and whose
 * suite the client offers; null when none (a full handshake follows, RFC 8446
 * 4.2.11) or when the client does not allow `psk_dhe_ke`. A malformed offer fails
 * (`decode_error`); one without `psk_key_exchange_modes` fails with
 * `missing_extension`.
 */
export function findTicket(
  ch: ClientHello,
  key: TicketKey,
  now: number,
  lifespan: number = SESSION_LIFETIME_MS,
): FoundTicket | null {
  if (!ch.psk) return null;
  if (!ch.pskModes) {
    throw new TlsAlert(
      ALERT_MISSING_EXTENSION,
      SEC_E_ILLEGAL_MESSAGE,
      "pre_shared_key without psk_key_exchange_modes",
    );
  }
  const offer = parsePskOffer(ch.psk);
  if (!parsePskModes(ch.pskModes).includes(PSK_DHE_KE)) return null;
  const n = Math.min(offer.identities.length, MAX_IDENTITIES);
  for (let index = 0; index < n; index++) {
    const { identity, obfuscatedAge } = offer.identities[index];
    const state = key.open(identity);
    if (!state) continue;
    const suite = suiteById(state.suite);
    if (
      suite && ch.suites.includes(suite.id) &&
      state.psk.length === suite.hashLen &&
      ticketUsable(state, obfuscatedAge, now, lifespan)
    ) {
      return {
        index,
        state,
        suite,
        binder: offer.binders[index],
        bindersSize: offer.bindersSize,
      };
    }
    state.psk.fill(0);
  }
  return null;
}

/**
 * Checks the binder of `found` against the transcript so far and the ClientHello
 * `hello` up to its binders, in constant time; a wrong one fails the handshake
 * (`decrypt_error`).
 */
export function requireBinder(
  found: FoundTicket,
  hello: Uint8Array,
  transcript: Transcript,
): void {
  const s = found.suite;
  const truncated = hello.subarray(0, hello.length - found.bindersSize);
  const expected = pskBinder(
    s,
    found.state.psk,
    transcript.hashWith(s, truncated),
  );
  if (!constantTimeEqual(expected, found.binder)) {
    throw new TlsAlert(
      ALERT_DECRYPT_ERROR,
      SEC_E_DECRYPT_FAILURE,
      "the client's PSK binder is wrong",
    );
  }
}

/**
 * A NewSessionTicket body for the session just completed: its PSK from the
 * resumption master secret, sealed under `key` with the suite, the time, a random
 * `ticket_age_add` and the session's id and authentication time; null once the
 * session is too old to be resumed again.
 */
export function newTicket(
  key: TicketKey,
  suite: Tls13Suite,
  resumptionMaster: Uint8Array,
  session: { id: Uint8Array; authTime: number },
  now: number,
  lifespan: number = SESSION_LIFETIME_MS,
): Uint8Array | null {
  const left = Math.floor((session.authTime + lifespan - now) / 1000);
  const lifetime = Math.min(TICKET_LIFETIME, left);
  if (lifetime <= 0) return null;
  const nonce = new Uint8Array(1); // one ticket per connection
  const psk = ticketPsk(suite, resumptionMaster, nonce);
  const r = randomBytes(4);
  const ageAdd = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
  const ticket = key.seal({
    suite: suite.id,
    issuedAt: now,
    authTime: session.authTime,
    ageAdd,
    sessionId: session.id,
    psk,
  });
  psk.fill(0);
  return encodeNewSessionTicket({ lifetime, ageAdd, nonce, ticket });
}
