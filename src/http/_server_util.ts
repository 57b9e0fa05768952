/**
 * Small helpers of `withAuthentication`: option checks, names, the first-bytes
 * classification of NTLM/Negotiate tokens, and bounded body reads.
 *
 * @module
 */
import { concat } from "../util/bytes.ts";
import type { HttpAuthScheme } from "./_schemes.ts";

/** `DOMAIN\\user` (or `user`) split into user and domain. */
export function splitName(name: string): { user: string; domain: string } {
  const i = name.indexOf("\\");
  return i >= 0
    ? { domain: name.slice(0, i), user: name.slice(i + 1) }
    : { domain: "", user: name };
}

/** The `serviceNames` option, lower-cased; undefined when not given. */
export function serviceNameSet(
  names: readonly string[] | undefined,
): ReadonlySet<string> | undefined {
  if (names === undefined) return undefined;
  if (
    !Array.isArray(names) || names.length === 0 ||
    !names.every((n) => typeof n === "string" && n.length > 0)
  ) {
    throw new TypeError(
      "withAuthentication: serviceNames must be a non-empty list of SPNs",
    );
  }
  return new Set(names.map((n) => n.toLowerCase()));
}

/**
 * A positive integer option, or `def` when not given; throws `RangeError` naming
 * `who` (the function whose option it is) otherwise.
 */
export function positive(
  v: number | undefined,
  def: number,
  name: string,
  who = "withAuthentication",
): number {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new RangeError(`${who}: ${name} must be a positive integer`);
  }
  return v;
}

const NTLMSSP = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0];

/**
 * Classifies a token by its first bytes: `"first"` opens a handshake (NTLM NEGOTIATE,
 * or an SPNEGO InitialContextToken), `"next"` continues one (NTLM AUTHENTICATE, an
 * SPNEGO NegTokenResp), null is neither (a 400 without touching any state).
 */
export function legOf(
  scheme: HttpAuthScheme,
  t: Uint8Array,
): "first" | "next" | null {
  if (t.length >= 12 && NTLMSSP.every((b, i) => t[i] === b)) {
    return t[8] === 1 && t[9] === 0 && t[10] === 0 && t[11] === 0
      ? "first"
      : t[8] === 3 && t[9] === 0 && t[10] === 0 && t[11] === 0
      ? "next"
      : null;
  }
  if (scheme !== "Negotiate") return null;
  if (t[0] === 0x60) return "first"; // [APPLICATION 0] InitialContextToken
  if (t[0] === 0xa1) return "next"; // [1] NegTokenResp
  return null;
}

/** Reads a request body up to `max` bytes; null when it is longer. */
export async function readBounded(
  req: Request,
  max: number,
): Promise<Uint8Array | null> {
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let n = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return concat(...chunks);
}
