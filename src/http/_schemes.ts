/**
 * The HTTP authentication schemes the HTTP helpers speak, and the SSPI package
 * behind each one.
 *
 * @module
 */
import { QuerySecurityPackageInfo } from "../sspi/api.ts";
import { SEC_E_OK } from "../sspi/status.ts";

/** An HTTP authentication scheme handled through SSPI. */
export type HttpAuthScheme = "Negotiate" | "NTLM" | "Digest";

/** The schemes in default preference order (strongest first). */
export const DEFAULT_SCHEMES: readonly HttpAuthScheme[] = [
  "Negotiate",
  "NTLM",
  "Digest",
];

/** The SSPI package name of a scheme. */
export function packageOf(scheme: HttpAuthScheme): string {
  return scheme === "Digest" ? "WDigest" : scheme;
}

/** The scheme of a name (case-insensitive; `WDigest` is `Digest`), or null. */
export function schemeOf(name: string): HttpAuthScheme | null {
  switch (name.toLowerCase()) {
    case "negotiate":
      return "Negotiate";
    case "ntlm":
      return "NTLM";
    case "digest":
    case "wdigest":
      return "Digest";
    default:
      return null;
  }
}

/** True when the scheme's SSPI package is registered. */
export function schemeAvailable(scheme: HttpAuthScheme): boolean {
  return QuerySecurityPackageInfo(packageOf(scheme), {}) === SEC_E_OK;
}

/** Checks and normalizes a `packages` option; throws `TypeError` for unknown names. */
export function normalizeSchemes(
  list: readonly string[] | undefined,
  what: string,
): HttpAuthScheme[] {
  const src = list ?? DEFAULT_SCHEMES;
  if (!Array.isArray(src) || src.length === 0) {
    throw new TypeError(`${what}: packages must be a non-empty array`);
  }
  const out: HttpAuthScheme[] = [];
  for (const name of src) {
    const s = typeof name === "string" ? schemeOf(name) : null;
    if (!s) {
      throw new TypeError(
        `${what}: unknown package ${
          JSON.stringify(name)
        } (expected "Negotiate", "NTLM" or "Digest")`,
      );
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}
