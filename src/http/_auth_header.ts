/**
 * Splitting `WWW-Authenticate` / `Proxy-Authenticate` values into challenges and
 * `Authorization` values into scheme and credentials (RFC 9110 section 11), plus
 * strict base64 for the `Negotiate`/`NTLM` token68 form (RFC 4559).
 *
 * @module
 */

/** One challenge of a `WWW-Authenticate` value: its scheme and the raw text after it. */
export interface Challenge {
  /** The scheme as sent (`Negotiate`, `NTLM`, `Digest`...). */
  scheme: string;
  /** Everything after the scheme: a token68 or the auth-params, trimmed. */
  rest: string;
}

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const PARAM_START_RE =
  /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=[ \t]*(?:"|[^=\s,])/;

/**
 * Splits a challenge list (several headers may be joined with ", ") into challenges.
 * Quoted strings are respected; a piece that starts with `name=` continues the
 * previous challenge's auth-params. Returns an empty list for garbage.
 */
export function splitChallenges(value: string): Challenge[] {
  const pieces: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      cur += ch;
      if (ch === "\\" && i + 1 < value.length) cur += value[++i];
      else if (ch === '"') quoted = false;
    } else if (ch === '"') {
      quoted = true;
      cur += ch;
    } else if (ch === ",") {
      pieces.push(cur);
      cur = "";
    } else cur += ch;
  }
  pieces.push(cur);
  const out: Challenge[] = [];
  for (const raw of pieces) {
    const p = raw.trim();
    if (!p) continue;
    if (PARAM_START_RE.test(p) && out.length) {
      const last = out[out.length - 1];
      last.rest = last.rest ? `${last.rest}, ${p}` : p;
      continue;
    }
    const m = TOKEN_RE.exec(p);
    if (!m) continue;
    out.push({ scheme: m[0], rest: p.slice(m[0].length).trim() });
  }
  return out;
}

/** Splits an `Authorization` value into its scheme and credentials, or null. */
export function splitCredentials(
  value: string,
): { scheme: string; rest: string } | null {
  const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?:[ \t]+(.*))?$/s.exec(
    value.trim(),
  );
  if (!m) return null;
  return { scheme: m[1], rest: (m[2] ?? "").trim() };
}

export { decodeBase64Strict, encodeBase64 } from "../util/bytes.ts";

/** Case-insensitive scheme comparison. */
export function sameScheme(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
