/**
 * The wire formats of TLS 1.3 resumption (RFC 8446 4.2.9, 4.2.11, 4.6.1):
 * NewSessionTicket, and the `psk_key_exchange_modes` and `pre_shared_key`
 * extensions of a ClientHello and a ServerHello, encoded and decoded with bounds
 * checks (a malformed field raises a {@link TlsAlert} `decode_error`).
 *
 * @module
 */
import {
  EXT_PRE_SHARED_KEY,
  EXT_PSK_KEY_EXCHANGE_MODES,
  PSK_DHE_KE,
} from "./constants.ts";
import { decodeError, Reader, Writer } from "./wire.ts";

/** A NewSessionTicket message body. */
export interface NewSessionTicket {
  /** `ticket_lifetime` in seconds. */
  lifetime: number;
  /** `ticket_age_add`, added to the ticket's age (mod 2^32) to obfuscate it. */
  ageAdd: number;
  /** `ticket_nonce`: the PSK's HKDF context. */
  nonce: Uint8Array;
  /** The opaque ticket (the PSK identity to offer). */
  ticket: Uint8Array;
}

function u32(r: Reader): number {
  return ((r.u16() << 16) | r.u16()) >>> 0;
}

function putU32(w: Writer, v: number): Writer {
  return w.u16(v >>> 16).u16(v & 0xffff);
}

/** Encodes a NewSessionTicket body (no extensions). */
export function encodeNewSessionTicket(t: NewSessionTicket): Uint8Array {
  const w = new Writer();
  putU32(w, t.lifetime);
  putU32(w, t.ageAdd);
  return w.vector(1, t.nonce).vector(2, t.ticket).u16(0).finish();
}

/** Decodes a NewSessionTicket body; its extensions (early_data) are checked and skipped. */
export function parseNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const what = "NewSessionTicket";
  const r = new Reader(body, what);
  const lifetime = u32(r);
  const ageAdd = u32(r);
  const nonce = r.vector(1);
  const ticket = r.vector(2, 1);
  const ext = new Reader(r.vector(2), what);
  r.end();
  const seen = new Set<number>();
  while (ext.left) {
    const type = ext.u16();
    ext.vector(2);
    if (seen.has(type)) throw decodeError(what);
    seen.add(type);
  }
  return { lifetime, ageAdd, nonce, ticket };
}

/** One offered PSK identity. */
export interface PskIdentity {
  /** The ticket. */
  identity: Uint8Array;
  /** `obfuscated_ticket_age`. */
  obfuscatedAge: number;
}

/** A ClientHello's `pre_shared_key` offer. */
export interface PskOffer {
  /** The identities, in order. */
  identities: PskIdentity[];
  /** One binder per identity. */
  binders: Uint8Array[];
  /** The bytes the binders take at the end of the ClientHello (their length prefix included). */
  bindersSize: number;
}

/**
 * A client's last extensions, each typed and length-prefixed:
 * `psk_key_exchange_modes` (psk_dhe_ke only: tickets welcome) and, with `id`,
 * `pre_shared_key` with that one identity and a zeroed binder of `binderLength`
 * bytes, which ends the ClientHello.
 */
export function encodePskExtensions(
  id: PskIdentity | null,
  binderLength: number,
): Uint8Array {
  const w = new Writer();
  w.u16(EXT_PSK_KEY_EXCHANGE_MODES).open(2).open(1).u8(PSK_DHE_KE).close()
    .close();
  if (!id) return w.finish();
  w.u16(EXT_PRE_SHARED_KEY).open(2).open(2).vector(2, id.identity);
  putU32(w, id.obfuscatedAge).close();
  w.open(2).vector(1, new Uint8Array(binderLength)).close().close();
  return w.finish();
}

/** The bytes the binders of {@link encodePskExtensions} take (length prefixes included). */
export function bindersSize(binderLength: number): number {
  return 2 + 1 + binderLength;
}

/** Decodes a ClientHello's `pre_shared_key` body. */
export function parsePskOffer(body: Uint8Array): PskOffer {
  const what = "pre_shared_key";
  const r = new Reader(body, what);
  const ids = new Reader(r.vector(2, 7), what);
  const bindersAt = body.length - r.left;
  const bs = new Reader(r.vector(2, 33), what);
  r.end();
  const identities: PskIdentity[] = [];
  while (ids.left) {
    const identity = ids.vector(2, 1);
    identities.push({ identity, obfuscatedAge: u32(ids) });
  }
  const binders: Uint8Array[] = [];
  while (bs.left) binders.push(bs.vector(1, 32));
  if (binders.length !== identities.length) throw decodeError(what);
  return { identities, binders, bindersSize: body.length - bindersAt };
}

/** Decodes `psk_key_exchange_modes`: the modes offered. */
export function parsePskModes(body: Uint8Array): number[] {
  const r = new Reader(body, "psk_key_exchange_modes");
  const modes = r.vector(1, 1);
  r.end();
  return [...modes];
}

/** Decodes a ServerHello's `pre_shared_key` body: the selected identity's index. */
export function parseSelectedIdentity(body: Uint8Array): number {
  const r = new Reader(body, "pre_shared_key");
  const i = r.u16();
  r.end();
  return i;
}
