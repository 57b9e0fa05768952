/**
 * MIT keytab files (format 0x0502, the one `kadmin ktadd`, `ktpass` and `msktutil`
 * write): the long-term keys of service principals, which an acceptor decrypts
 * tickets with. Parsed from untrusted bytes with every length checked; a malformed
 * file is an `Error` naming the offset, never an out-of-range read.
 *
 * @module
 */
import type { KerberosKey } from "./crypto.ts";

/** One keytab entry. */
export interface KeytabEntry {
  /** The principal's realm. */
  realm: string;
  /** Its name components (`["HTTP", "web.example.com"]`). */
  components: string[];
  /** Its name type. */
  nameType: number;
  /** Key version number. */
  kvno: number;
  /** The key. */
  key: KerberosKey;
}

/** A reader over the file's bytes that refuses to run past the end. */
class Reader {
  at = 0;
  readonly #v: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.#v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  #need(n: number): void {
    if (n < 0 || this.at + n > this.bytes.length) {
      throw new Error(`keytab truncated at offset ${this.at}`);
    }
  }
  u8(): number {
    this.#need(1);
    return this.bytes[this.at++];
  }
  u16(): number {
    this.#need(2);
    const v = this.#v.getUint16(this.at);
    this.at += 2;
    return v;
  }
  i32(): number {
    this.#need(4);
    const v = this.#v.getInt32(this.at);
    this.at += 4;
    return v;
  }
  take(n: number): Uint8Array {
    this.#need(n);
    const b = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
  str(): string {
    return new TextDecoder().decode(this.take(this.u16()));
  }
}

/** Reads one entry of `size` bytes. */
function entry(r: Reader, size: number): KeytabEntry {
  const end = r.at + size;
  const count = r.u16();
  const realm = r.str();
  const components: string[] = [];
  for (let i = 0; i < count; i++) components.push(r.str());
  const nameType = r.i32() >>> 0;
  r.i32(); // timestamp
  let kvno = r.u8();
  const etype = r.u16();
  const key = r.take(r.u16()).slice();
  // A 32-bit kvno follows when the entry has room for it (format 0x0502).
  if (end - r.at >= 4) {
    const k32 = r.i32() >>> 0;
    if (k32 !== 0) kvno = k32;
  }
  if (r.at > end) throw new Error(`keytab entry overruns its size at ${r.at}`);
  r.at = end;
  return { realm, components, nameType, kvno, key: { etype, bytes: key } };
}

/**
 * Parses a keytab. Deleted entries (negative sizes) are skipped.
 *
 * @example
 * ```ts ignore
 * import { parseKeytab } from "./keytab.ts";
 * const entries = parseKeytab(Deno.readFileSync("/etc/krb5.keytab"));
 * ```
 */
export function parseKeytab(bytes: Uint8Array): KeytabEntry[] {
  const r = new Reader(bytes);
  if (r.u8() !== 5 || r.u8() !== 2) {
    throw new Error("not a version 0x0502 keytab");
  }
  const out: KeytabEntry[] = [];
  while (r.at < bytes.length) {
    const size = r.i32();
    if (size < 0) {
      r.take(-size);
      continue;
    }
    if (size === 0) break;
    if (r.at + size > bytes.length) {
      throw new Error(`keytab entry at ${r.at} runs past the end`);
    }
    out.push(entry(r, size));
  }
  return out;
}

/** Wipes every key of a parsed keytab. */
export function wipeKeytab(entries: readonly KeytabEntry[]): void {
  for (const e of entries) e.key.bytes.fill(0);
}
