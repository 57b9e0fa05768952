/**
 * Digest header codecs: the auth-param lists of `WWW-Authenticate`, `Authorization`
 * and `Authentication-Info` (RFC 7235 section 2.1, RFC 7616, RFC 2831 section 7.1),
 * several challenges in one header value, and RFC 8187 extended values
 * (`username*=UTF-8''...`). Decoders return a typed value or an SSPI status, never
 * throw, and bound what they accept (header size, parameter count and length).
 *
 * @module
 */
import { SEC_E_INVALID_TOKEN } from "../../sspi/status.ts";

/** Longest header value accepted (bytes of the token). */
export const MAX_HEADER_LENGTH = 16384;
/** Most auth-params accepted in one challenge or response. */
export const MAX_PARAMS = 64;

/** One parameter: its value and whether it was a quoted-string. */
export interface AuthParam {
  /** The unquoted value. */
  value: string;
  /** True when it was sent as a quoted-string. */
  quoted: boolean;
}

/** An auth-param list, names lower-cased; duplicates are refused when decoding. */
export type AuthParams = Map<string, AuthParam>;

/** One challenge or credentials: the scheme (may be "" when absent) and its params. */
export interface AuthHeader {
  /** The auth-scheme as sent ("Digest"), or "" for a bare param list. */
  scheme: string;
  /** The parameters. */
  params: AuthParams;
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;

function isTchar(c: string): boolean {
  return TCHAR.test(c);
}

/** A cursor over a header value. */
class Scanner {
  pos = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c !== " " && c !== "\t" && c !== "\r" && c !== "\n") break;
      this.pos++;
    }
  }
  token(): string {
    const start = this.pos;
    while (this.pos < this.s.length && isTchar(this.s[this.pos])) this.pos++;
    return this.s.slice(start, this.pos);
  }
  /** A quoted-string at pos (which holds `"`), or null when unterminated. */
  quoted(): string | null {
    let out = "";
    this.pos++;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos++];
      if (c === '"') return out;
      if (c === "\\") {
        if (this.pos >= this.s.length) return null;
        out += this.s[this.pos++];
      } else {
        out += c;
      }
    }
    return null;
  }
  done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string {
    return this.s[this.pos];
  }
}

/** Decodes token bytes as strict UTF-8, or returns `SEC_E_INVALID_TOKEN`. */
export function decodeText(bytes: Uint8Array): string | number {
  if (bytes.length > MAX_HEADER_LENGTH) return SEC_E_INVALID_TOKEN;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      bytes,
    );
  } catch {
    return SEC_E_INVALID_TOKEN;
  }
}

/** Parses one `name=value` at the scanner; returns the pair, or a status. */
function parseParam(sc: Scanner): [string, AuthParam] | number {
  const name = sc.token();
  if (!name) return SEC_E_INVALID_TOKEN;
  sc.ws();
  if (sc.peek() !== "=") return SEC_E_INVALID_TOKEN;
  sc.pos++;
  sc.ws();
  if (sc.peek() === '"') {
    const v = sc.quoted();
    if (v === null) return SEC_E_INVALID_TOKEN;
    return [name.toLowerCase(), { value: v, quoted: true }];
  }
  const v = sc.token();
  if (!v) return SEC_E_INVALID_TOKEN;
  return [name.toLowerCase(), { value: v, quoted: false }];
}

/** True when the scanner sits at `token SP token =` or `token [,]END`: a new challenge. */
function atNewScheme(sc: Scanner): boolean {
  const save = sc.pos;
  const t = sc.token();
  if (!t) {
    sc.pos = save;
    return false;
  }
  const afterToken = sc.pos;
  sc.ws();
  let fresh = false;
  if (sc.done() || sc.peek() === ",") {
    fresh = true;
  } else if (sc.pos > afterToken && sc.peek() !== "=") {
    fresh = true;
  }
  sc.pos = save;
  return fresh;
}

function parseList(sc: Scanner, stopAtScheme: boolean): AuthParams | number {
  const params: AuthParams = new Map();
  for (;;) {
    sc.ws();
    while (sc.peek() === ",") {
      sc.pos++;
      sc.ws();
    }
    if (sc.done()) return params;
    if (stopAtScheme && atNewScheme(sc)) return params;
    const p = parseParam(sc);
    if (typeof p === "number") return p;
    if (params.has(p[0])) return SEC_E_INVALID_TOKEN; // duplicate parameter
    if (params.size >= MAX_PARAMS) return SEC_E_INVALID_TOKEN;
    params.set(p[0], p[1]);
    sc.ws();
    if (sc.done()) return params;
    if (sc.peek() !== ",") return SEC_E_INVALID_TOKEN;
  }
}

/**
 * Parses a `WWW-Authenticate` value: one or more challenges (`Digest a=b, c="d",
 * Basic realm="x"`). A value without a scheme (`realm="x", nonce="y"`, what Windows'
 * Digest SSP puts in its tokens) is one challenge with scheme "". Returns
 * `SEC_E_INVALID_TOKEN` for anything malformed.
 */
export function parseChallenges(value: string): AuthHeader[] | number {
  if (typeof value !== "string" || value.length > MAX_HEADER_LENGTH) {
    return SEC_E_INVALID_TOKEN;
  }
  const sc = new Scanner(value);
  const out: AuthHeader[] = [];
  sc.ws();
  if (!atNewScheme(sc)) {
    const params = parseList(sc, false);
    if (typeof params === "number") return params;
    if (!params.size) return SEC_E_INVALID_TOKEN;
    return [{ scheme: "", params }];
  }
  while (!sc.done()) {
    sc.ws();
    while (sc.peek() === ",") {
      sc.pos++;
      sc.ws();
    }
    if (sc.done()) break;
    const scheme = sc.token();
    if (!scheme) return SEC_E_INVALID_TOKEN;
    sc.ws();
    // token68 form (`Negotiate abc==`): a scheme with no params, never a Digest.
    const rest = value.slice(sc.pos);
    const t68 = /^[A-Za-z0-9\-._~+/]+=*[ \t]*(?:,|$)/.exec(rest);
    const isParam = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=[ \t]*[^=\s,]/.test(
      rest,
    );
    if (t68 && !isParam) {
      sc.pos += t68[0].length;
      out.push({ scheme, params: new Map() });
      continue;
    }
    const params = parseList(sc, true);
    if (typeof params === "number") return params;
    out.push({ scheme, params });
    if (out.length > 16) return SEC_E_INVALID_TOKEN;
  }
  if (!out.length) return SEC_E_INVALID_TOKEN;
  return out;
}

/**
 * Parses an `Authorization` value (`Digest username="..", ...`) or a bare param
 * list (SASL digest-response, `Authentication-Info`). Returns the scheme ("" when
 * absent) and params, or `SEC_E_INVALID_TOKEN`.
 */
export function parseCredentials(value: string): AuthHeader | number {
  if (typeof value !== "string" || value.length > MAX_HEADER_LENGTH) {
    return SEC_E_INVALID_TOKEN;
  }
  const sc = new Scanner(value);
  sc.ws();
  let scheme = "";
  if (atNewScheme(sc)) {
    scheme = sc.token();
  }
  const params = parseList(sc, false);
  if (typeof params === "number") return params;
  if (!params.size) return SEC_E_INVALID_TOKEN;
  return { scheme, params };
}

/** Quotes a value as an RFC 7230 quoted-string (escaping `"` and `\`). */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => "\\" + c)}"`;
}

/** One parameter to encode: `[name, value, quoted]`. */
export type ParamSpec = [string, string, boolean];

/** Encodes parameters as `a="b", c=d` with the given separator. */
export function encodeParams(params: ParamSpec[], sep = ", "): string {
  return params.map(([n, v, q]) => `${n}=${q ? quote(v) : v}`).join(sep);
}

/** The value of a parameter, or undefined. */
export function param(p: AuthParams, name: string): string | undefined {
  return p.get(name)?.value;
}

const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

/** Encodes an RFC 8187 ext-value: `UTF-8''percent-encoded`. */
export function encodeExtValue(value: string): string {
  let out = "UTF-8''";
  for (const b of new TextEncoder().encode(value)) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && ATTR_CHAR.test(c)
      ? c
      : "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Decodes an RFC 8187 ext-value (UTF-8 only), or returns `SEC_E_INVALID_TOKEN`. */
export function decodeExtValue(value: string): string | number {
  const m = /^([A-Za-z0-9!#$%&+\-^_`{}~]+)'([A-Za-z0-9\-]*)'(.*)$/.exec(value);
  if (!m || m[1].toUpperCase() !== "UTF-8") return SEC_E_INVALID_TOKEN;
  const bytes: number[] = [];
  const s = m[3];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "%") {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) return SEC_E_INVALID_TOKEN;
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (ATTR_CHAR.test(c)) {
      bytes.push(c.charCodeAt(0));
    } else {
      return SEC_E_INVALID_TOKEN;
    }
  }
  const t = decodeText(Uint8Array.from(bytes));
  return typeof t === "number" ? SEC_E_INVALID_TOKEN : t;
}

/** True when a string can be sent in a quoted-string as plain ASCII. */
export function isPlainAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** True when a string holds control characters, `"` or `\` (unsafe in our headers). */
export function hasUnsafeChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x22 || c === 0x5c) return true;
  }
  return false;
}
