/**
 * Small byte helpers shared by the packages: UTF-16LE text, concatenation, hex and a
 * constant-time comparison for MACs.
 *
 * @module
 */

/**
 * A shared zero-length array, for empty fields: nothing can be written to it, so one
 * instance serves every caller (each `new Uint8Array(0)` costs an allocation).
 */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** Encodes a string as UTF-16LE (Windows' `UNICODE`). */
export function utf16le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  writeUtf16le(out, 0, s);
  return out;
}

/**
 * Writes `s` as UTF-16LE into `out` at `at` (the caller sized `out`: 2 bytes per
 * UTF-16 code unit); returns the offset after it.
 */
export function writeUtf16le(out: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[at++] = c & 0xff;
    out[at++] = c >>> 8;
  }
  return at;
}

/**
 * Decodes UTF-16LE bytes `b[start..end)` (an odd trailing byte is ignored); without a
 * range, all of `b`.
 */
export function fromUtf16le(
  b: Uint8Array,
  start = 0,
  end: number = b.length,
): string {
  let s = "";
  const n = (end - start) >>> 1;
  if (n <= 64) {
    // Names: no array of codes to build.
    for (let j = start; j < start + 2 * n; j += 2) {
      s += String.fromCharCode(b[j] | (b[j + 1] << 8));
    }
    return s;
  }
  for (let i = 0; i < n; i += 4096) {
    const stop = Math.min(n, i + 4096);
    const codes = new Array<number>(stop - i);
    for (let j = i; j < stop; j++) {
      codes[j - i] = b[start + 2 * j] | (b[start + 2 * j + 1] << 8);
    }
    s += String.fromCharCode(...codes);
  }
  return s;
}

/** Encodes a string as OEM bytes (Latin-1; characters above 0xFF become `?`). */
export function oem(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  writeOem(out, 0, s);
  return out;
}

/** Writes `s` as OEM bytes into `out` at `at`; returns the offset after it. */
export function writeOem(out: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[at++] = c > 0xff ? 0x3f : c;
  }
  return at;
}

/** Decodes OEM (Latin-1) bytes `b[start..end)`; without a range, all of `b`. */
export function fromOem(
  b: Uint8Array,
  start = 0,
  end: number = b.length,
): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** The little-endian unsigned 32-bit value at `o` (the caller checks the bounds). */
export function readU32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Writes the unsigned 64-bit `v` little-endian at `o` (no view needed). */
export function writeU64le(b: Uint8Array, o: number, v: bigint): void {
  let lo = Number(v & 0xffffffffn);
  let hi = Number((v >> 32n) & 0xffffffffn);
  for (let k = 0; k < 4; k++, lo >>>= 8) b[o + k] = lo & 0xff;
  for (let k = 4; k < 8; k++, hi >>>= 8) b[o + k] = hi & 0xff;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Compares two byte arrays in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** Lower-case hex of bytes. */
export function toHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

/** Bytes of a hex string (whitespace ignored); throws RangeError on odd length or bad digits. */
export function fromHex(hex: string): Uint8Array {
  const h = hex.replace(/\s+/g, "");
  if (h.length % 2 || /[^0-9a-fA-F]/.test(h)) {
    throw new RangeError("invalid hex string");
  }
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(h.substr(2 * i, 2), 16);
  }
  return out;
}

const B64_RE =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes strict base64 (padded, standard alphabet), or returns null. */
export function decodeBase64Strict(s: string): Uint8Array | null {
  if (!s || !B64_RE.test(s)) return null;
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Encodes bytes as standard padded base64. */
export function encodeBase64(b: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    bin += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/** Encodes bytes as unpadded base64url (RFC 4648 section 5). */
export function encodeBase64Url(b: Uint8Array): string {
  return encodeBase64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** Decodes unpadded base64url, or returns null. */
export function decodeBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const std = s.replace(/-/g, "+").replace(/_/g, "/");
  return decodeBase64Strict(std + "=".repeat((4 - (std.length % 4)) % 4));
}
