/**
 * A ticket an acceptor hands to its server as an opaque object (a delegated TGT, the
 * client's own service ticket): the object shows whose it is and until when it
 * lasts; the ticket and its session key stay in a WeakMap, out of reach of inspect
 * and JSON, and are wiped by `dispose` (when the context they came from is deleted).
 *
 * @module
 */
import { wipeKey } from "./crypto.ts";
import type { CachedTicket } from "./credentials.ts";
import { displayName } from "./messages.ts";

const tickets = new WeakMap<OpaqueTicket, CachedTicket>();

/** The base of the opaque ticket objects; subclasses freeze themselves. */
export abstract class OpaqueTicket {
  /** The client, `name@REALM`. */
  readonly clientName: string;
  /** When the ticket ends (ms since the epoch). */
  readonly endtime: number;

  /** Wraps `t` (kept, not copied; its key is wiped by `dispose`). */
  protected constructor(t: CachedTicket) {
    this.clientName = displayName(t.cname, t.crealm);
    this.endtime = t.endtime;
    tickets.set(this, t);
  }

  /** Wipes the session key; the object is unusable afterwards. */
  dispose(): void {
    const t = tickets.get(this);
    if (t) wipeKey(t.key);
    tickets.delete(this);
  }
}

/**
 * A copy of the ticket behind `v` when it is a live instance of `kind` (null for any
 * other value, or one already disposed), for a credential to own.
 */
export function ownedTicketOf(
  v: unknown,
  // deno-lint-ignore no-explicit-any
  kind: abstract new (...args: any[]) => OpaqueTicket,
): CachedTicket | null {
  const t = v instanceof kind ? tickets.get(v) : undefined;
  if (!t) return null;
  return { ...t, key: { etype: t.key.etype, bytes: t.key.bytes.slice() } };
}
