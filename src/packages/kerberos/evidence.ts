/**
 * The client's service ticket as an acceptor received it, kept as evidence for
 * Kerberos-only constrained delegation (MS-SFU 3.1.5.2): a front-end service that
 * authenticated a user with Kerberos sends that ticket as the additional ticket of an
 * S4U2Proxy request and gets a ticket to a back end in the user's name, without the
 * user's TGT and without protocol transition. Windows does this when a service
 * impersonating a Kerberos client calls `InitializeSecurityContext`; here the acceptor
 * hands the ticket out through `SECPKG_ATTR_KERBEROS_CLIENT_TICKET`, and the service's
 * outbound credential takes it as `Impersonate`.
 *
 * @module
 */
import type { CachedTicket } from "./credentials.ts";
import { OpaqueTicket, ownedTicketOf } from "./opaque_ticket.ts";

/**
 * `QueryContextAttributes` attribute of an accepted Kerberos (or Negotiate-chosen
 * Kerberos) context: the client's ticket, as a `KerberosClientTicket`, for
 * `Impersonate` (S4U2Proxy). A portable extension beside
 * `SECPKG_ATTR_KERBEROS_DELEGATED_TGT`; the high bit is set, which no Windows
 * `SECPKG_ATTR_*` uses.
 */
export const SECPKG_ATTR_KERBEROS_CLIENT_TICKET = 0x80004b02;

/**
 * The ticket a client presented to this acceptor: opaque apart from whose it is,
 * whether the KDC made it forwardable (S4U2Proxy needs that, unless the back end uses
 * resource-based delegation) and until when it lasts. Pass it as `Impersonate` to
 * the service's own outbound Kerberos credential to get tickets to the back ends the
 * directory lets the service delegate to.
 *
 * @example
 * ```ts ignore
 * import { AcquireCredentialsHandle, CredHandle, QueryContextAttributes, SECPKG_CRED_OUTBOUND } from "../../../mod.ts";
 * import { SECPKG_ATTR_KERBEROS_CLIENT_TICKET } from "./mod.ts";
 * const out: { value?: unknown } = {};
 * QueryContextAttributes(serverCtx, SECPKG_ATTR_KERBEROS_CLIENT_TICKET, out);
 * const asClient = new CredHandle();
 * AcquireCredentialsHandle(null, "Kerberos", SECPKG_CRED_OUTBOUND, null,
 *   { User: "websvc", Domain: "EXAMPLE.COM", Keytab: "/etc/websvc.keytab", Impersonate: out.value },
 *   null, null, asClient, null);
 * // then SspiInitializeSecurityContextAsync(asClient, ..., "MSSQLSvc/db.example.com", ...)
 * ```
 */
export class KerberosClientTicket extends OpaqueTicket {
  /** Whether the ticket is forwardable. */
  readonly forwardable: boolean;

  /** Wraps `t` (kept, not copied; its key is wiped by `dispose`). */
  constructor(t: CachedTicket, forwardable: boolean) {
    super(t);
    this.forwardable = forwardable;
    Object.freeze(this);
  }
}

/**
 * A copy of the ticket behind a `KerberosClientTicket` (null for any other value or
 * one already disposed), for a credential to own.
 */
export function clientTicketOf(v: unknown): CachedTicket | null {
  return ownedTicketOf(v, KerberosClientTicket);
}
