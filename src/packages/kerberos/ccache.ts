/**
 * MIT credential cache files (the `FILE:` type `kinit` writes, format versions
 * 0x0503 and 0x0504): the default principal and the tickets with their session keys,
 * which give a Linux or macOS user single sign-on as the logged-on user does on
 * Windows. Parsed from untrusted bytes with every length and count checked against
 * what is left of the file; a malformed file is an `Error` naming the offset, never
 * an out-of-range read or an allocation larger than the file.
 *
 * The format is MIT's `ccache_file_format` (doc/formats in the krb5 sources):
 * big-endian integers, principals as a name type, a component count, the realm and
 * the components (each a 32-bit length and bytes), then credentials until the end
 * of the file. Configuration entries (server realm `X-CACHECONF:`) are skipped.
 *
 * @module
 */
import { envVar, readFileBytes } from "./config.ts";

/** A principal as a credential cache stores it. */
export interface CcachePrincipal {
  /** The name type (`NT_PRINCIPAL` = 1, `NT_SRV_INST` = 2...). */
  nameType: number;
  /** The realm. */
  realm: string;
  /** The name components (`["krbtgt", "EXAMPLE.COM"]`). */
  components: string[];
}

/** One credential (ticket) of a cache. Times are seconds since the epoch (UTC). */
export interface CcacheCredential {
  /** The client principal. */
  client: CcachePrincipal;
  /** The service principal the ticket is for. */
  server: CcachePrincipal;
  /** The session key: its enctype and bytes (a copy; wipe it when done). */
  key: { etype: number; bytes: Uint8Array };
  /** When the initial authentication happened. */
  authtime: number;
  /** When the ticket becomes valid (0: as `authtime`). */
  starttime: number;
  /** When it expires. */
  endtime: number;
  /** Until when it can be renewed (0: not renewable). */
  renewTill: number;
  /** Whether the ticket is encrypted in a session key (user-to-user). */
  isSkey: boolean;
  /** The ticket flags, RFC 4120 bit 0 = `0x80000000` (`0x40000000` forwardable). */
  ticketFlags: number;
  /** The client addresses the ticket is bound to (none: usable anywhere). */
  addresses: { addrType: number; address: Uint8Array }[];
  /** Authorization data the KDC returned outside the ticket (rare). */
  authdata: { adType: number; data: Uint8Array }[];
  /** The ticket's DER (`Ticket`, application tag 1), byte-exact. */
  ticket: Uint8Array;
  /** The second ticket of a user-to-user request (usually empty). */
  secondTicket: Uint8Array;
}

/** A parsed credential cache. */
export interface Ccache {
  /** The format version: 0x0503 or 0x0504. */
  version: number;
  /** The KDC's clock minus ours when the cache was written (version 4 tag 1). */
  timeOffset?: { seconds: number; microseconds: number };
  /** The default principal: whose tickets these are. */
  defaultPrincipal: CcachePrincipal;
  /** The credentials, in file order, configuration entries left out. */
  credentials: CcacheCredential[];
}

/** The server realm MIT gives configuration entries. */
export const CCACHE_CONF_REALM = "X-CACHECONF:";

/** A reader over the file's bytes that refuses to run past the end. */
class Reader {
  at = 0;
  readonly #v: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.#v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get left(): number {
    return this.bytes.length - this.at;
  }
  #need(n: number, what: string): void {
    if (n > this.left) {
      throw new Error(
        `ccache truncated at offset ${this.at}: ${what} needs ${n} bytes, ${this.left} left`,
      );
    }
  }
  u8(what: string): number {
    this.#need(1, what);
    return this.bytes[this.at++];
  }
  u16(what: string): number {
    this.#need(2, what);
    const v = this.#v.getUint16(this.at);
    this.at += 2;
    return v;
  }
  u32(what: string): number {
    this.#need(4, what);
    const v = this.#v.getUint32(this.at);
    this.at += 4;
    return v;
  }
  take(n: number, what: string): Uint8Array {
    this.#need(n, what);
    const b = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
  /** A `data` field: a 32-bit length, then that many bytes (copied). */
  data(what: string): Uint8Array {
    const start = this.at;
    const n = this.u32(`the length of ${what}`);
    if (n > this.left) {
      throw new Error(
        `ccache ${what} at offset ${start} claims ${n} bytes, ${this.left} left`,
      );
    }
    return this.take(n, what).slice();
  }
  /** A count of items each at least `min` bytes long, checked against the rest. */
  count(min: number, what: string): number {
    const start = this.at;
    const n = this.u32(`the count of ${what}`);
    if (n * min > this.left) {
      throw new Error(
        `ccache count of ${what} at offset ${start} (${n}) exceeds the file`,
      );
    }
    return n;
  }
}

const utf8 = new TextDecoder();

/** A principal (versions 3 and 4: with a name type, the count excluding the realm). */
function principal(r: Reader, what: string): CcachePrincipal {
  const nameType = r.u32(`the name type of ${what}`);
  const n = r.count(4, `${what} components`);
  const realm = utf8.decode(r.data(`the realm of ${what}`));
  const components: string[] = [];
  for (let i = 0; i < n; i++) {
    components.push(utf8.decode(r.data(`a component of ${what}`)));
  }
  return { nameType, realm, components };
}

/** A list of (16-bit type, data) pairs: addresses or authdata. */
function typedList(r: Reader, what: string): [number, Uint8Array][] {
  const n = r.count(6, what);
  const out: [number, Uint8Array][] = [];
  for (let i = 0; i < n; i++) {
    out.push([r.u16(`the type of ${what}`), r.data(what)]);
  }
  return out;
}

/** One credential. */
function credential(r: Reader, version: number): CcacheCredential {
  const client = principal(r, "the client principal");
  const server = principal(r, "the server principal");
  const etype = r.u16("the key enctype");
  if (version === 0x0503) r.u16("the repeated key enctype");
  const bytes = r.data("the session key");
  const authtime = r.u32("authtime");
  const starttime = r.u32("starttime");
  const endtime = r.u32("endtime");
  const renewTill = r.u32("renew_till");
  const skey = r.u8("is_skey");
  const ticketFlags = r.u32("the ticket flags");
  const addresses = typedList(r, "an address").map(([addrType, address]) => ({
    addrType,
    address,
  }));
  const authdata = typedList(r, "an authdata element").map((
    [adType, data],
  ) => ({
    adType,
    data,
  }));
  const ticket = r.data("the ticket");
  const secondTicket = r.data("the second ticket");
  return {
    client,
    server,
    key: { etype, bytes },
    authtime,
    starttime,
    endtime,
    renewTill,
    isSkey: skey !== 0,
    ticketFlags,
    addresses,
    authdata,
    ticket,
    secondTicket,
  };
}

/**
 * Parses an MIT `FILE:` credential cache (format 0x0503 or 0x0504). Keys and
 * tickets are copied out of `bytes`, so the caller may wipe `bytes` afterwards;
 * wipe the result with {@link wipeCcache}. Throws an `Error` naming the offset when
 * the file is malformed or of another version.
 *
 * @example
 * ```ts ignore
 * import { parseCcache } from "./ccache.ts";
 * const cc = parseCcache(Deno.readFileSync(`/tmp/krb5cc_${Deno.uid()}`));
 * cc.defaultPrincipal.components; // ["alice"]
 * ```
 */
export function parseCcache(bytes: Uint8Array): Ccache {
  const r = new Reader(bytes);
  const version = r.u16("the format version");
  if (version !== 0x0503 && version !== 0x0504) {
    throw new Error(
      `not a version 0x0503 or 0x0504 credential cache (0x${
        version.toString(16).padStart(4, "0")
      })`,
    );
  }
  let timeOffset: Ccache["timeOffset"];
  if (version === 0x0504) {
    const len = r.u16("the header length");
    const header = new Reader(r.take(len, "the header"));
    while (header.left > 0) {
      const tag = header.u16("a header tag");
      const value = header.take(
        header.u16("a header field length"),
        "a header field",
      );
      if (tag === 1 && value.length === 8) {
        const v = new DataView(value.buffer, value.byteOffset, 8);
        timeOffset = { seconds: v.getInt32(0), microseconds: v.getInt32(4) };
      }
    }
  }
  const defaultPrincipal = principal(r, "the default principal");
  const credentials: CcacheCredential[] = [];
  while (r.left > 0) {
    const start = r.at;
    let c: CcacheCredential;
    try {
      c = credential(r, version);
    } catch (e) {
      throw new Error(
        `malformed credential at offset ${start}: ${(e as Error).message}`,
      );
    }
    if (c.server.realm === CCACHE_CONF_REALM) c.key.bytes.fill(0);
    else credentials.push(c);
  }
  return { version, timeOffset, defaultPrincipal, credentials };
}

/** `TKT_FLG_INVALID` (RFC 4120 flag 7): a postdated ticket not yet validated. */
const TKT_FLG_INVALID = 0x01000000;

/** The enctypes this package uses and their key sizes: AES (RFC 3962, RFC 8009) and rc4-hmac. */
const KEY_SIZE = new Map([[17, 16], [18, 32], [19, 16], [20, 32], [23, 16]]);

/**
 * The entries a client can use now: the default principal's TGT for its own realm
 * (`krbtgt/REALM@REALM`) and its service tickets keyed by SPN (the server's
 * components joined by `/`, lower-cased, realm left out), the longest-lived one
 * where several match. Left out: other clients' entries, user-to-user and invalid
 * (postdated) tickets, expired ones (`now` in ms), and keys other than AES-128/256
 * (with SHA-1 or SHA-2) and rc4-hmac.
 */
export function selectTickets(
  cache: Ccache,
  now: number = Date.now(),
): { tgt: CcacheCredential | null; services: Map<string, CcacheCredential> } {
  const me = cache.defaultPrincipal;
  const myName = me.components.join("/");
  const realm = me.realm;
  let tgt: CcacheCredential | null = null;
  const services = new Map<string, CcacheCredential>();
  for (const c of cache.credentials) {
    if (
      c.isSkey || (c.ticketFlags & TKT_FLG_INVALID) !== 0 ||
      c.client.realm !== realm || c.client.components.join("/") !== myName ||
      KEY_SIZE.get(c.key.etype) !== c.key.bytes.length ||
      c.endtime * 1000 <= now
    ) continue;
    const s = c.server;
    if (
      s.realm === realm && s.components.length === 2 &&
      s.components[0] === "krbtgt" && s.components[1] === realm
    ) {
      if (!tgt || c.endtime > tgt.endtime) tgt = c;
      continue;
    }
    const spn = s.components.join("/").toLowerCase();
    const old = services.get(spn);
    if (!old || c.endtime > old.endtime) services.set(spn, c);
  }
  return { tgt, services };
}

/** Wipes the session keys of a parsed cache. */
export function wipeCcache(cache: Ccache): void {
  for (const c of cache.credentials) c.key.bytes.fill(0);
}

/** Where the default credential cache is, or why there is none to read. */
export type CcacheLocation = { path: string } | { reason: string };

/** The user id of this process, if this runtime tells it. */
function uid(): number | null {
  try {
    // deno-lint-ignore no-explicit-any
    const g = globalThis as any;
    const id = g.Deno?.uid?.() ?? g.process?.getuid?.();
    return typeof id === "number" ? id : null;
  } catch {
    return null; // no --allow-sys
  }
}

/**
 * The default credential cache, as MIT krb5 finds it: `KRB5CCNAME` (`FILE:/path`
 * or a bare path), else `/tmp/krb5cc_<uid>`. Other cache types (`KEYRING:`, `KCM:`,
 * `DIR:`, `MEMORY:`, `API:`) cannot be read here: then the result says why.
 *
 * @example
 * ```ts
 * import { defaultCcacheLocation } from "./ccache.ts";
 * const where = defaultCcacheLocation();
 * if ("path" in where) console.log(where.path);
 * ```
 */
export function defaultCcacheLocation(): CcacheLocation {
  const name = envVar("KRB5CCNAME");
  if (name) {
    // MIT: a prefix of two or more characters before the first colon is a type
    // (one letter is a Windows drive); no colon is a file name.
    const colon = name.indexOf(":");
    if (colon < 2 || name.slice(0, colon).includes("/")) return { path: name };
    const type = name.slice(0, colon);
    if (type === "FILE") {
      const path = name.slice(colon + 1);
      return path ? { path } : { reason: "KRB5CCNAME is FILE: with no path" };
    }
    return {
      reason:
        `KRB5CCNAME names a ${type}: cache, which cannot be read here (only FILE: caches)`,
    };
  }
  const id = uid();
  if (id === null) {
    return {
      reason: "KRB5CCNAME is not set and the user id is unknown (--allow-sys)",
    };
  }
  return { path: `/tmp/krb5cc_${id}` };
}

/**
 * Reads and parses the default credential cache ({@link defaultCcacheLocation}).
 * The file's bytes are wiped once parsed. Returns the reason instead when there is
 * no cache to read or it is malformed.
 */
export function loadDefaultCcache():
  | { cache: Ccache; path: string }
  | { reason: string } {
  const where = defaultCcacheLocation();
  if (!("path" in where)) return where;
  const bytes = readFileBytes(where.path);
  if (bytes === null) {
    return {
      reason: `${where.path} cannot be read (no file or no permission)`,
    };
  }
  try {
    return { cache: parseCcache(bytes), path: where.path };
  } catch (e) {
    return { reason: `${where.path} is malformed: ${(e as Error).message}` };
  } finally {
    bytes.fill(0);
  }
}
