/**
 * `scanDer`: the one pass that validates untrusted DER (tags, lengths, bounds, nesting
 * depth), and `DerTree`, the typed field access over the flat table it returns.
 *
 * @module
 */
import { scanDerTs } from "./_scan_ts.ts";
import { DER_ENTRY_SIZE, derErrorMessage } from "./_table.ts";
import { DerError } from "./errors.ts";
import { decodeOidContent, encodeOidContent } from "./oid.ts";
import { pooledInt32 } from "../util/pool.ts";

/** Universal tags and classes (X.680 8.4). */
export const TAG_INTEGER = 0x02;
/** BIT STRING. */
export const TAG_BIT_STRING = 0x03;
/** OCTET STRING. */
export const TAG_OCTET_STRING = 0x04;
/** OBJECT IDENTIFIER. */
export const TAG_OID = 0x06;
/** ENUMERATED. */
export const TAG_ENUMERATED = 0x0a;
/** GeneralString. */
export const TAG_GENERAL_STRING = 0x1b;
/** SEQUENCE (constructed). */
export const TAG_SEQUENCE = 0x30;
/** Constructed bit. */
export const CONSTRUCTED = 0x20;
/** Context-specific class. */
export const CLASS_CONTEXT = 0x80;
/** Application class. */
export const CLASS_APPLICATION = 0x40;

/** The identifier octet of an explicit context tag `[n]` (n < 31), constructed. */
export function contextTag(n: number): number {
  return CLASS_CONTEXT | CONSTRUCTED | n;
}

/** The identifier octet of `[APPLICATION n]` (n < 31), constructed. */
export function applicationTag(n: number): number {
  return CLASS_APPLICATION | CONSTRUCTED | n;
}

/** Options of `scanDer`. */
export interface ScanOptions {
  /** Deepest nesting allowed (default 32). */
  maxDepth?: number;
  /** Most TLVs allowed (default 4096). */
  maxEntries?: number;
  /** Accept bytes after the top-level TLV (default false). */
  allowTrailing?: boolean;
  /**
   * Return a tree over the shared scan table instead of a copy: valid only until the
   * next `scanDer` call (for decoders that map the tree to plain values at once).
   */
  transient?: boolean;
}

/** A scanner: fills `out` and returns the entry count or a negative error code. */
export type DerScanner = (
  bytes: Uint8Array,
  out: Int32Array,
  maxDepth: number,
  allowTrailing: boolean,
  maxEntries?: number,
) => number;

/** Content bytes and dotted form of the OIDs SPNEGO tokens carry most. */
const KNOWN_OIDS: [Uint8Array, string][] = [
  "1.3.6.1.4.1.311.2.2.10", // NTLM
  "1.3.6.1.5.5.2", // SPNEGO
  "1.2.840.113554.1.2.2", // Kerberos
  "1.2.840.48018.1.2.2", // MS Kerberos
].map((o) => [encodeOidContent(o), o]);

/**
 * The dotted form of the OID whose content octets are `bytes[start..end)` when it is
 * one of the OIDs SPNEGO tokens carry most (NTLM, SPNEGO, Kerberos), else undefined:
 * recognised by their bytes, without decoding.
 */
export function knownOid(
  bytes: Uint8Array,
  start: number,
  end: number,
): string | undefined {
  for (const [known, text] of KNOWN_OIDS) {
    if (known.length !== end - start) continue;
    let k = 0;
    while (k < known.length && known[k] === bytes[start + k]) k++;
    if (k === known.length) return text;
  }
  return undefined;
}

let scanner: DerScanner = scanDerTs;
let scratch = new Int32Array(256 * DER_ENTRY_SIZE);
let scannerName = "ts";

/**
 * Selects the scanner `scanDer` uses (the TypeScript one or the WebAssembly one); for
 * benchmarks and tests.
 */
export function setDerScanner(name: string, fn: DerScanner): void {
  scanner = fn;
  scannerName = name;
}

/** The name of the scanner in use (`"ts"` or `"wasm"`). */
export function derScannerName(): string {
  return scannerName;
}

/**
 * Validates a whole DER value and returns its tree; throws `DerError` on malformed input
 * (indefinite length, truncation, nesting beyond `maxDepth`, trailing bytes).
 *
 * @example
 * ```ts
 * import { scanDer, TAG_SEQUENCE } from "./tree.ts";
 * const t = scanDer(Uint8Array.of(0x30, 3, 0x04, 1, 0x41));
 * console.log(t.tag(0) === TAG_SEQUENCE, t.content(t.firstChild(0))); // true, [0x41]
 * ```
 */
export function scanDer(bytes: Uint8Array, opts: ScanOptions = {}): DerTree {
  const maxDepth = opts.maxDepth ?? 32;
  const maxEntries = Math.min(
    opts.maxEntries ?? 4096,
    Math.max(1, bytes.length >> 1),
  );
  // Scan into a shared scratch table, then keep an exact-size copy (or, transient,
  // the table itself).
  const need = maxEntries * DER_ENTRY_SIZE;
  if (scratch.length < need) scratch = new Int32Array(need);
  const n = scanner(
    bytes,
    scratch,
    maxDepth,
    opts.allowTrailing === true,
    maxEntries,
  );
  if (n <= 0) throw new DerError(derErrorMessage(n));
  return new DerTree(
    bytes,
    opts.transient ? scratch : copyTable(n * DER_ENTRY_SIZE),
    n,
  );
}

/** The first `len` int32 of the scratch table, in a pooled copy. */
function copyTable(len: number): Int32Array {
  const out = pooledInt32(len);
  out.set(scratch.subarray(0, len));
  return out;
}

/** A scanned DER value: entry 0 is the outermost TLV, the rest follow in preorder. */
export class DerTree {
  /** Creates a tree over a table filled by a scanner. */
  constructor(
    /** The scanned bytes. */
    readonly bytes: Uint8Array,
    /** `DER_ENTRY_SIZE` int32 per entry. */
    readonly entries: Int32Array,
    /** The number of entries. */
    readonly count: number,
  ) {}

  /** The tag (identifier octet; high tag numbers as `octet | number << 8`). */
  tag(i: number): number {
    return this.entries[i * DER_ENTRY_SIZE];
  }
  /** The offset of the TLV. */
  offset(i: number): number {
    return this.entries[i * DER_ENTRY_SIZE + 2];
  }
  /** The content length. */
  length(i: number): number {
    return this.entries[i * DER_ENTRY_SIZE + 3];
  }
  /** The nesting depth (0 for the outermost TLV). */
  depth(i: number): number {
    return this.entries[i * DER_ENTRY_SIZE + 4];
  }
  /** The offset just after the TLV. */
  end(i: number): number {
    const e = i * DER_ENTRY_SIZE;
    return this.entries[e + 2] + this.entries[e + 1] + this.entries[e + 3];
  }
  /** The content bytes (a view). */
  content(i: number): Uint8Array {
    const e = i * DER_ENTRY_SIZE;
    const start = this.entries[e + 2] + this.entries[e + 1];
    return this.bytes.subarray(start, start + this.entries[e + 3]);
  }
  /** The whole TLV, header included (a view). */
  raw(i: number): Uint8Array {
    return this.bytes.subarray(this.offset(i), this.end(i));
  }
  /** The first child of a constructed entry, or -1. */
  firstChild(i: number): number {
    const j = i + 1;
    return j < this.count && this.depth(j) === this.depth(i) + 1 ? j : -1;
  }
  /** The next sibling, or -1. */
  nextSibling(i: number): number {
    const d = this.depth(i);
    let j = i + 1;
    while (j < this.count && this.depth(j) > d) j++;
    return j < this.count && this.depth(j) === d ? j : -1;
  }
  /** The children of an entry. */
  children(i: number): number[] {
    const out: number[] = [];
    for (let c = this.firstChild(i); c >= 0; c = this.nextSibling(c)) {
      out.push(c);
    }
    return out;
  }

  /** Throws `DerError` unless entry `i` exists and has tag `tag`; returns `i`. */
  expect(i: number, tag: number, what: string): number {
    if (i < 0 || i >= this.count) {
      throw new DerError(`Cannot decode ${what}: missing`);
    }
    if (this.tag(i) !== tag) {
      throw new DerError(
        `Cannot decode ${what}: expected tag 0x${tag.toString(16)}, found 0x${
          this.tag(i).toString(16)
        }`,
      );
    }
    return i;
  }

  /** The single child of an explicit tag `[n]` at `i`. */
  explicit(i: number, what: string): number {
    const c = this.firstChild(i);
    if (c < 0 || this.nextSibling(c) >= 0) {
      throw new DerError(`Cannot decode ${what}: expected exactly one value`);
    }
    return c;
  }

  /** An OBJECT IDENTIFIER as a dotted string. */
  oid(i: number, what = "OID"): string {
    this.expect(i, TAG_OID, what);
    const e = i * DER_ENTRY_SIZE;
    const start = this.entries[e + 2] + this.entries[e + 1];
    const end = start + this.entries[e + 3];
    return knownOid(this.bytes, start, end) ??
      decodeOidContent(this.bytes, start, end);
  }

  /** An OCTET STRING (a view into the scanned bytes; copy it to keep it). */
  octetString(i: number, what = "OCTET STRING"): Uint8Array {
    this.expect(i, TAG_OCTET_STRING, what);
    return this.content(i);
  }

  /** An ENUMERATED that fits in 31 bits, non-negative. */
  enumerated(i: number, what = "ENUMERATED"): number {
    this.expect(i, TAG_ENUMERATED, what);
    const c = this.content(i);
    if (c.length === 0 || c.length > 4 || (c[0] & 0x80)) {
      throw new DerError(`Cannot decode ${what}: out of range`);
    }
    let v = 0;
    for (const b of c) v = v * 256 + b;
    return v;
  }

  /** A BIT STRING: its bytes and the number of unused bits in the last byte. */
  bitString(
    i: number,
    what = "BIT STRING",
  ): { bytes: Uint8Array; unusedBits: number } {
    this.expect(i, TAG_BIT_STRING, what);
    const c = this.content(i);
    if (c.length === 0 || c[0] > 7 || (c.length === 1 && c[0] !== 0)) {
      throw new DerError(`Cannot decode ${what}: bad unused-bits octet`);
    }
    return { bytes: c.slice(1), unusedBits: c[0] };
  }

  /** A GeneralString, decoded as Latin-1 (what Kerberos and SPNEGO hints use). */
  generalString(i: number, what = "GeneralString"): string {
    this.expect(i, TAG_GENERAL_STRING, what);
    let s = "";
    for (const b of this.content(i)) s += String.fromCharCode(b);
    return s;
  }
}
