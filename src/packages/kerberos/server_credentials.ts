/**
 * The Kerberos acceptor credential: the service keys from a keytab (a path, the file's
 * bytes, or `KRB5_KTNAME`), optionally narrowed to one principal, and a replay cache
 * of the authenticators seen within the clock skew. Keys are wiped by `dispose`.
 *
 * @module
 */
import { TIMESTAMP_NEVER } from "../../sspi/buffers.ts";
import { SspiError } from "../../sspi/errors.ts";
import { SECPKG_CRED_ATTR_NAMES } from "../../sspi/flags.ts";
import type {
  AcquireRequest,
  AttributeResult,
  PackageCredential,
} from "../../sspi/package.ts";
import {
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { isSupportedEtype, type KerberosKey, keySize } from "./crypto.ts";
import { type KeytabEntry, parseKeytab, wipeKeytab } from "./keytab.ts";
import type { PrincipalName } from "./messages.ts";
import { envVar, readFileBytes } from "./config.ts";
import { ChangedFile, FILE_RECHECK_MS } from "../../util/file_stamp.ts";
import {
  type NetlogonOptions,
  NetlogonVerifier,
} from "../../netlogon/pass_through.ts";

/** `pAuthData` of an inbound Kerberos credential. */
export interface KerberosServerAuthData {
  /**
   * The keytab: a file path (`FILE:` prefix allowed) or its bytes. Default: the file
   * named by `KRB5_KTNAME`.
   */
  Keytab?: string | Uint8Array;
  /**
   * Reject AP-REQs without channel bindings when the caller passes some to
   * `AcceptSecurityContext` (Extended Protection "Required"). Default false: a client
   * that sends none is accepted, one that sends other bindings never is.
   */
  requireChannelBindings?: boolean;
  /**
   * Have the domain controller check each PAC's KDC signature (PAC validation,
   * MS-APDS 3.2.5.1) over this server's Netlogon secure channel: a ticket forged
   * with the service key alone (a "silver ticket") is then refused. `Account` and
   * `Domain` name the server's machine account; only `SspiAcceptSecurityContextAsync`
   * can accept with it.
   */
  DomainController?: NetlogonOptions;
  /** The machine account's name when `DomainController.Account` is not given. */
  ComputerName?: string;
  /** Its NetBIOS domain when `DomainController.Domain` is not given. */
  DomainName?: string;
}

/** The allowed clock skew, as Windows' and MIT's default (5 minutes). */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** A key this package can decrypt with: AES or rc4-hmac, and that etype's key size. */
function usable(key: KerberosKey): boolean {
  return isSupportedEtype(key.etype) &&
    key.bytes.length === keySize(key.etype);
}

/**
 * The entries of the keytab named (a path or `FILE:` path) or given (its bytes);
 * `SspiError(SEC_E_NO_CREDENTIALS)` when it cannot be read or does not parse. What
 * the acceptor and a client credential from a keytab (`client_keytab.ts`) read.
 */
export function loadKeytab(source: string | Uint8Array): KeytabEntry[] {
  const bytes = source instanceof Uint8Array
    ? source
    : readFileBytes(filePath(source));
  if (!bytes) {
    throw new SspiError(SEC_E_NO_CREDENTIALS, "the keytab cannot be read");
  }
  try {
    return parseKeytab(bytes);
  } catch (e) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      `the keytab is malformed: ${e instanceof Error ? e.message : "error"}`,
    );
  }
}

/** A keytab name's path: `FILE:` and `WRFILE:` prefixes removed. */
function filePath(name: string): string {
  return name.replace(/^(FILE|WRFILE):/, "");
}

/** The most keytab keys tried for a ticket to a name the keytab does not list. */
const MAX_ANY_KEYS = 16;

/** The least time between two looks at a keytab file for keys it did not hold. */
export const KEYTAB_RECHECK_MS = FILE_RECHECK_MS;

/** The entries of `principal` (all when null); the others are wiped. */
function keepPrincipal(
  entries: KeytabEntry[],
  principal: string | null,
): KeytabEntry[] {
  if (!principal) return entries;
  const want = principal.toLowerCase();
  const keep = entries.filter((e) => {
    const name = e.components.join("/").toLowerCase();
    return name === want || `${name}@${e.realm.toLowerCase()}` === want;
  });
  wipeKeytab(entries.filter((e) => !keep.includes(e)));
  return keep;
}

/** An acceptor credential. Keys are private: inspection shows none. */
export class KerberosServerCredential implements PackageCredential {
  readonly use: number;
  readonly expiry: bigint = TIMESTAMP_NEVER;
  /** Refuse AP-REQs without channel bindings when the acceptor has some. */
  readonly requireChannelBindings: boolean;
  #entries: KeytabEntry[];
  #seen = new Map<string, number>();
  #principalOnly: boolean;
  /** The keytab file the entries came from, and `pszPrincipal` (null: all keys). */
  #file: { watch: ChangedFile; principal: string | null } | null = null;
  /** Checks PACs' KDC signatures with a domain controller, when configured. */
  pacValidator: NetlogonVerifier | null = null;

  /**
   * Builds a credential over keytab entries (kept; wiped on dispose); with
   * `principalOnly` (a `pszPrincipal` was given) tickets must name a listed principal.
   */
  constructor(
    use: number,
    entries: KeytabEntry[],
    requireChannelBindings = false,
    principalOnly = false,
  ) {
    this.use = use;
    this.#entries = entries;
    this.requireChannelBindings = requireChannelBindings;
    this.#principalOnly = principalOnly;
  }

  /**
   * The key for a ticket to `sname@realm` with `etype` (and `kvno` when the ticket
   * names one): null when the keytab has no such principal, "etype" when it has the
   * principal but not that key.
   */
  keyFor(
    sname: PrincipalName,
    realm: string,
    etype: number,
    kvno: number | undefined,
  ): KerberosKey | null | "etype" {
    let principalFound = false;
    for (const e of this.#entries) {
      if (e.realm.toUpperCase() !== realm.toUpperCase()) continue;
      if (e.components.length !== sname.nameString.length) continue;
      if (!e.components.every((c, i) => c === sname.nameString[i])) continue;
      principalFound = true;
      if (e.key.etype !== etype || !usable(e.key)) continue;
      if (kvno !== undefined && e.kvno !== kvno) continue;
      return e.key;
    }
    return principalFound ? "etype" : null;
  }

  /**
   * The keys of `realm` with `etype` (and `kvno` when given) under any name: for a
   * ticket to a name the keytab does not list, tried in turn as MIT's acceptor does
   * with no acceptor name. An Active Directory service account's one key serves all
   * of its SPNs, and keytabs exported for the account (`samba-tool domain
   * exportkeytab --principal=websvc`, `ktpass`) name the account, not each SPN.
   * Empty when the credential was acquired for one principal (`pszPrincipal`).
   */
  anyKeysFor(
    realm: string,
    etype: number,
    kvno: number | undefined,
  ): KerberosKey[] {
    if (this.#principalOnly) return [];
    // Bounded: a ticket naming no listed principal costs at most this many
    // decryption attempts, however large the keytab.
    return this.#entries.filter((e) =>
      e.realm.toUpperCase() === realm.toUpperCase() && e.key.etype === etype &&
      usable(e.key) && (kvno === undefined || e.kvno === kvno)
    ).slice(0, MAX_ANY_KEYS).map((e) => e.key);
  }

  /**
   * Keeps `file` (the keytab the entries came from) to read again by `reload`: as
   * MIT's acceptor reads its keytab at each accept, a long-running server then takes
   * a rotated key (`kadmin ktadd`, a new machine password in the keytab) without
   * acquiring a new credential.
   */
  watch(file: ChangedFile, principal: string | null): void {
    this.#file = { watch: file, principal };
  }

  /**
   * For a ticket the keys held cannot open: reads the keytab file again when it
   * changed (its size or modification time), at most once every
   * `KEYTAB_RECHECK_MS`, so tickets with unknown key versions cannot make a server
   * read its keytab on every request. True when new entries replaced the old ones
   * (wiped); false when nothing changed or the new file holds no usable key (the old
   * keys stay).
   */
  reload(now: number = Date.now()): boolean {
    const f = this.#file;
    const stamp = f?.watch.changed(now);
    if (!f || !stamp) return false;
    let entries: KeytabEntry[];
    try {
      entries = keepPrincipal(loadKeytab(f.watch.path), f.principal);
    } catch {
      return false; // half written, or gone: keep the keys held
    }
    if (!entries.some((e) => usable(e.key))) {
      wipeKeytab(entries);
      return false;
    }
    f.watch.taken(stamp);
    wipeKeytab(this.#entries);
    this.#entries = entries;
    return true;
  }

  /**
   * Records an authenticator; false when the same one was seen while it could still
   * pass the skew check (a replay). An authenticator received at `t` has a `ctime`
   * after `t - skew`, so it is refused by the skew check itself after `t + 2 skew`;
   * entries are kept in arrival order and dropped from the oldest end once past
   * that, which costs nothing per call on average however busy the server is.
   */
  remember(id: string, now: number): boolean {
    for (const [k, t] of this.#seen) {
      if (t >= now - 2 * CLOCK_SKEW_MS) break;
      this.#seen.delete(k);
    }
    if (this.#seen.has(id)) return false;
    this.#seen.set(id, now);
    return true;
  }

  queryAttribute(attribute: number): AttributeResult {
    if (attribute === SECPKG_CRED_ATTR_NAMES && this.#entries.length) {
      const e = this.#entries[0];
      return {
        status: SEC_E_OK,
        value: { sUserName: `${e.components.join("/")}@${e.realm}` },
      };
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  dispose(): void {
    this.pacValidator?.close();
    this.pacValidator = null;
    wipeKeytab(this.#entries);
    this.#entries = [];
    this.#file = null; // a freed credential reads no new keys
    this.#seen.clear();
  }
}

/**
 * Acquires an inbound credential from `{ Keytab }` (or `KRB5_KTNAME`); `principal`
 * (`pszPrincipal`, e.g. `HTTP/web.example.com@EXAMPLE.COM`) keeps only its keys.
 */
export function acquireKerberosServerCredential(
  req: AcquireRequest,
): KerberosServerCredential {
  const d = (req.authData ?? {}) as KerberosServerAuthData;
  if (typeof d !== "object") {
    throw new SspiError(SEC_E_NO_CREDENTIALS, "pAuthData must be an object");
  }
  const source = d.Keytab ?? envVar("KRB5_KTNAME");
  if (!source) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      "a Kerberos acceptor needs a keytab (Keytab, or KRB5_KTNAME)",
    );
  }
  // Stamped before it is read, so a change made meanwhile is seen later.
  const file = typeof source === "string"
    ? new ChangedFile(filePath(source))
    : null;
  const entries = keepPrincipal(loadKeytab(source), req.principal ?? null);
  if (!entries.some((e) => usable(e.key))) {
    wipeKeytab(entries);
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      "the keytab holds no AES key for the principal",
    );
  }
  const cred = new KerberosServerCredential(
    req.use,
    entries,
    d.requireChannelBindings === true,
    !!req.principal,
  );
  if (file) cred.watch(file, req.principal ?? null);
  if (d.DomainController) {
    try {
      cred.pacValidator = new NetlogonVerifier(d.DomainController, {
        computer: d.ComputerName,
        domain: d.DomainName,
      });
    } catch (e) {
      cred.dispose();
      throw e;
    }
  }
  return cred;
}
