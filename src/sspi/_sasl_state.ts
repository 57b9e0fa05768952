/**
 * What a SASL context keeps beside its security context (the "SASL list" of the
 * `SaslGetContextOption` page): its profile, where the exchange stands, the sizes and
 * the authorization identity. Kept per context entry, so it goes with the context
 * when `DeleteSecurityContext` removes the entry.
 *
 * @module
 */
import { contexts, type CtxEntry } from "./_dispatch.ts";
import type { CtxtHandle } from "./handles.ts";

/** `SASL_OPTION_SEND_SIZE` (1): the largest message data this side may send (ULONG). */
export const SASL_OPTION_SEND_SIZE = 1;
/** `SASL_OPTION_RECV_SIZE` (2): the largest message this side takes (ULONG). */
export const SASL_OPTION_RECV_SIZE = 2;
/** `SASL_OPTION_AUTHZ_STRING` (3): the authorization identity (bytes, UTF-8). */
export const SASL_OPTION_AUTHZ_STRING = 3;
/** `SASL_OPTION_AUTHZ_PROCESSING` (4): `Sasl_AuthZIDForbidden` or `Sasl_AuthZIDProcessed`. */
export const SASL_OPTION_AUTHZ_PROCESSING = 4;
/** `Sasl_AuthZIDForbidden` (0): no authorization identity may be sent or taken. */
export const Sasl_AuthZIDForbidden = 0;
/** `Sasl_AuthZIDProcessed` (1, the default): the application processes it. */
export const Sasl_AuthZIDProcessed = 1;

/** The default of both sizes, as the `SaslSetContextOption` page gives it. */
export const SASL_DEFAULT_SIZE = 0xffff;

/** The SASL profiles and the packages they wrap, in `SaslEnumerateProfiles` order. */
export const SASL_PROFILES: readonly (readonly [string, string])[] = [
  ["GSSAPI", "Kerberos"],
  ["GSS-SPNEGO", "Negotiate"],
  ["DIGEST-MD5", "WDigest"],
];

/** Where a SASL exchange stands. */
export type SaslPhase =
  /** The package's own handshake is running. */
  | "handshake"
  /** Client: the context is up; the server's layer offer comes next. */
  | "awaitOffer"
  /** Server: the context is up and its last token sent; the client's empty reply comes next. */
  | "awaitEmpty"
  /** Server: the offer is sent; the client's choice comes next. */
  | "awaitChoice"
  /** Both sides agree; the context carries messages. */
  | "done"
  /** The exchange failed; the context only awaits deletion. */
  | "failed";

/** One SASL context's state. */
export interface SaslState {
  /** The SASL profile (`GSSAPI`, `GSS-SPNEGO`, `DIGEST-MD5`). */
  profile: string;
  /** Where the exchange stands. */
  phase: SaslPhase;
  /** `SASL_OPTION_SEND_SIZE`. */
  sendSize: number;
  /** `SASL_OPTION_RECV_SIZE`. */
  recvSize: number;
  /** Client: the identity to send; server: the one received. */
  authz: Uint8Array | null;
  /** `SASL_OPTION_AUTHZ_PROCESSING`. */
  authzProcessing: number;
  /** The RFC 4752 layer agreed (0 until then, and for profiles without one). */
  layer: number;
  /** Server: the layers offered. */
  offered: number;
  /** The status that failed the exchange, returned again by later calls. */
  failure: number;
  /** `pfContextAttr` as the package's last step set it. */
  attrs: number;
  /** `ptsExpiry` as the package's last step set it. */
  expiry: bigint | null;
}

const states = new WeakMap<CtxEntry, SaslState>();

/** A new state for `profile`. */
export function newSaslState(profile: string): SaslState {
  return {
    profile,
    phase: "handshake",
    sendSize: SASL_DEFAULT_SIZE,
    recvSize: SASL_DEFAULT_SIZE,
    authz: null,
    authzProcessing: Sasl_AuthZIDProcessed,
    layer: 0,
    offered: 0,
    failure: 0,
    attrs: 0,
    expiry: null,
  };
}

/** Attaches `s` to the context `h` names (nothing for an unknown handle). */
export function attachSaslState(h: CtxtHandle | null, s: SaslState): void {
  const e = contexts.get(h);
  if (e) states.set(e, s);
}

/** The SASL state of the live context `h` names, if it is a SASL context. */
export function saslStateOf(
  h: CtxtHandle | null | undefined,
): SaslState | undefined {
  const e = contexts.get(h);
  return e ? states.get(e) : undefined;
}

/** The SASL profile of a package, if it has one. */
export function profileOfPackage(pkg: string): string | undefined {
  const p = pkg.toLowerCase();
  return SASL_PROFILES.find(([, n]) => n.toLowerCase() === p)?.[0];
}
