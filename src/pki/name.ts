/**
 * X.501 Names (common names, equality for chain building), X.509 times and IP
 * addresses: the small decoders certificates need.
 *
 * @module
 */
import { DerError, type DerTree, TAG_SEQUENCE } from "../der/mod.ts";

/** id-at-commonName. */
export const OID_COMMON_NAME = "2.5.4.3";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Bytes as Latin-1 text (any length: no spread into a call). */
export function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) {
    s += String.fromCharCode.apply(null, Array.from(b.subarray(i, i + 4096)));
  }
  return s;
}

/** A DirectoryString (or IA5String) at `i` as text, or null for unknown types or bad encodings. */
export function directoryString(t: DerTree, i: number): string | null {
  const c = t.content(i);
  switch (t.tag(i)) {
    case 0x0c: // UTF8String
      try {
        return utf8.decode(c);
      } catch {
        return null;
      }
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString (read as Latin-1)
      return latin1(c);
    case 0x1e: { // BMPString (UTF-16BE)
      if (c.length % 2) return null;
      let s = "";
      for (let k = 0; k < c.length; k += 2) {
        s += String.fromCharCode((c[k] << 8) | c[k + 1]);
      }
      return s;
    }
    case 0x1c: { // UniversalString (UTF-32BE)
      if (c.length % 4) return null;
      let s = "";
      for (let k = 0; k < c.length; k += 4) {
        const cp =
          ((c[k] << 24) | (c[k + 1] << 16) | (c[k + 2] << 8) | c[k + 3]) >>> 0;
        if (cp > 0x10ffff) return null;
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return null;
  }
}

/**
 * Checks the Name (RDNSequence) at `i` and returns its last commonName (the most
 * specific), or null when it has none; throws `DerError` when malformed.
 */
export function nameAt(t: DerTree, i: number, what: string): string | null {
  t.expect(i, TAG_SEQUENCE, what);
  let cn: string | null = null;
  for (const rdn of t.children(i)) {
    t.expect(rdn, 0x31, what);
    const atvs = t.children(rdn);
    if (atvs.length === 0) {
      throw new DerError(`Cannot decode ${what}: empty RDN`);
    }
    for (const atv of atvs) {
      t.expect(atv, TAG_SEQUENCE, what);
      const type = t.firstChild(atv);
      const value = t.nextSibling(type);
      if (value < 0 || t.nextSibling(value) >= 0) {
        throw new DerError(`Cannot decode ${what}: bad AttributeTypeAndValue`);
      }
      if (t.oid(type, what) === OID_COMMON_NAME) cn = directoryString(t, value);
    }
  }
  return cn;
}

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let k = from; k < from + n; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** A UTCTime or GeneralizedTime (Z form, seconds) at `i`; throws `DerError` otherwise. */
export function timeAt(t: DerTree, i: number, what: string): Date {
  if (t.length(i) > 15) throw new DerError(`Cannot decode ${what}: bad time`);
  const s = latin1(t.content(i));
  let year: number, rest: number;
  if (t.tag(i) === 0x17 && s.length === 13) {
    const yy = digits(s, 0, 2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = 2;
  } else if (t.tag(i) === 0x18 && s.length === 15) {
    year = digits(s, 0, 4);
    rest = 4;
  } else {
    throw new DerError(`Cannot decode ${what}: bad time`);
  }
  const mo = digits(s, rest, 2), d = digits(s, rest + 2, 2);
  const h = digits(s, rest + 4, 2), mi = digits(s, rest + 6, 2);
  const sec = digits(s, rest + 8, 2);
  if (
    s[s.length - 1] !== "Z" || !(mo >= 1 && mo <= 12) || !(d >= 1 && d <= 31) ||
    !(h <= 23) || !(mi <= 59) || !(sec <= 60) || Number.isNaN(year)
  ) {
    throw new DerError(`Cannot decode ${what}: bad time`);
  }
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, sec));
  if (date.getUTCDate() !== d) {
    throw new DerError(`Cannot decode ${what}: bad day`);
  }
  return date;
}

/** Text of a 4- or 16-byte IP address (IPv6 in RFC 5952 form), or null. */
export function formatIp(b: Uint8Array): string | null {
  if (b.length === 4) return Array.from(b).join(".");
  if (b.length !== 16) return null;
  const w: number[] = [];
  for (let k = 0; k < 16; k += 2) w.push((b[k] << 8) | b[k + 1]);
  let best = -1, bestLen = 1;
  for (let k = 0; k < 8;) {
    if (w[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && w[e] === 0) e++;
    if (e - k > bestLen) [best, bestLen] = [k, e - k];
    k = e;
  }
  const hex = w.map((x) => x.toString(16));
  if (best < 0) return hex.join(":");
  return hex.slice(0, best).join(":") + "::" +
    hex.slice(best + bestLen).join(":");
}

/** The bytes of an IPv4 dotted-quad or IPv6 literal (optionally in brackets), or null. */
export function parseIp(s: string): Uint8Array | null {
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const o = v4.slice(1).map(Number);
    return o.every((x, k) => x <= 255 && String(x) === v4[k + 1])
      ? Uint8Array.from(o)
      : null;
  }
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const words = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (g.includes(".")) {
        const b = parseIp(g);
        if (!b || b.length !== 4) return null;
        out.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const head = words(halves[0]),
    tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const all = [...head, ...new Array(fill).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((x, k) => {
    out[2 * k] = x >> 8;
    out[2 * k + 1] = x & 0xff;
  });
  return out;
}
