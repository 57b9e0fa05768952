/**
 * NTLM credentials: the outbound identity (password or NT hash), the inbound user
 * store (in-memory list, callback, or an `NTLM_USER_FILE`), and the options of both.
 * Secrets live in private fields, so `Deno.inspect` and `console.log` never show them.
 *
 * @module
 */
import { ChangedFile, FILE_RECHECK_MS } from "../../util/file_stamp.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_NO_CREDENTIALS,
  SEC_E_UNKNOWN_CREDENTIALS,
} from "../../sspi/status.ts";
import { fromHex } from "../../util/bytes.ts";
import type { NetlogonOptions } from "../../netlogon/pass_through.ts";
import { LMOWFv1, NTOWFv1 } from "./crypto.ts";

/** A user the NTLM server accepts: a password, or its NT hash (32 hex digits or 16 bytes). */
export interface NtlmUser {
  /** The user name (case-insensitive). */
  User: string;
  /** The domain; empty or absent matches any domain the client names. */
  Domain?: string;
  /** The password. */
  Password?: string;
  /** The NT hash, MD4(UTF-16LE(password)), instead of the password. */
  NtHash?: string | Uint8Array;
}

/** The secret the server holds for a user. */
export interface NtlmSecret {
  /** The NT hash (16 bytes). */
  ntHash: Uint8Array;
  /** The LM hash (16 bytes), needed only for NTLMv1 without extended session security. */
  lmHash?: Uint8Array;
}

/**
 * A user lookup callback: returns the user's secret, or null for an unknown user. It
 * may be async; then only the `Sspi*Async` functions can use the credential. A logon
 * that names no domain is looked up in the server's own (`DomainName`).
 */
export type NtlmUserLookup = (
  user: string,
  domain: string,
) => NtlmUser | null | undefined | Promise<NtlmUser | null | undefined>;

/**
 * `pAuthData` of the NTLM package. Outbound: `User`, `Domain` and `Password` as in
 * `SEC_WINNT_AUTH_IDENTITY`; an NT hash may stand for the password as `NtHash` or as
 * `Password: "LMHASH:NTHASH"` (pyspnego's and smbpasswd's form; the LM part may be
 * empty). Inbound: `users`, `lookup` or `userFile`. Null `pAuthData` reads the file
 * named by the `NTLM_USER_FILE` environment variable (gss-ntlmssp's convention), for
 * both directions.
 */
export interface NtlmAuthData {
  /** Outbound user (or `DOMAIN\user`, or `user@domain`). */
  User?: string;
  /** Outbound domain. */
  Domain?: string;
  /** Outbound password, or `LMHASH:NTHASH`. */
  Password?: string;
  /** Outbound NT hash instead of a password. */
  NtHash?: string | Uint8Array;
  /** Workstation name sent in AUTHENTICATE (default empty). */
  Workstation?: string;
  /**
   * LmCompatibilityLevel as on Windows: 0-2 send NTLMv1 (with extended session
   * security when the server offers it), 3-5 (default 3) send NTLMv2.
   */
  LmCompatibilityLevel?: number;
  /** Inbound users. */
  users?: NtlmUser[];
  /** Inbound user lookup. */
  lookup?: NtlmUserLookup;
  /** Inbound user file (`DOMAIN:USER:PASSWORD` or smbpasswd lines). */
  userFile?: string;
  /**
   * Inbound: check logons of users not in `users`/`lookup`/`userFile` with a domain
   * controller, as a domain member does (NTLM pass-through over Netlogon; only the
   * `Sspi*Async` functions can use it, since it needs the network).
   */
  DomainController?: NetlogonOptions;
  /** Inbound: accept anonymous (null session) logons. Default false. */
  allowAnonymous?: boolean;
  /** Inbound: accept NTLMv1 responses. Default false. */
  allowNtlmV1?: boolean;
  /** Inbound: refuse clients that send no channel bindings when the server has some. */
  requireChannelBindings?: boolean;
  /** Inbound: the server's NetBIOS computer name (default "SERVER"). */
  ComputerName?: string;
  /** Inbound: the server's NetBIOS domain name (default "WORKGROUP"). */
  DomainName?: string;
  /** Inbound: DNS computer name (default the NetBIOS name in lower case). */
  DnsComputerName?: string;
  /** Inbound: DNS domain name (default the NetBIOS domain in lower case). */
  DnsDomainName?: string;
}

const HASH_RE = /^(?:([0-9a-fA-F]{32})?:)?([0-9a-fA-F]{32})$/;

function hashBytes(h: string | Uint8Array, what: string): Uint8Array {
  if (h instanceof Uint8Array) {
    if (h.length !== 16) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        `${what} must be 16 bytes`,
      );
    }
    return h.slice();
  }
  if (!/^[0-9a-fA-F]{32}$/.test(h)) {
    throw new SspiError(
      SEC_E_UNKNOWN_CREDENTIALS,
      `${what} must be 32 hex digits`,
    );
  }
  return fromHex(h);
}

/** The secret of a user entry, or null when it has neither password nor hash. */
export function secretOf(u: NtlmUser): NtlmSecret | null {
  if (u.NtHash !== undefined) return { ntHash: hashBytes(u.NtHash, "NtHash") };
  if (typeof u.Password === "string" && u.Password.length > 0) {
    const m = HASH_RE.exec(u.Password);
    if (m && u.Password.includes(":")) {
      return {
        ntHash: fromHex(m[2]),
        lmHash: m[1] ? fromHex(m[1]) : undefined,
      };
    }
    return { ntHash: NTOWFv1(u.Password), lmHash: LMOWFv1(u.Password) };
  }
  return null;
}

/** Splits `DOMAIN\user` and `user@domain`; an explicit domain wins. */
export function splitUser(
  user: string,
  domain?: string,
): { user: string; domain: string } {
  const bs = user.indexOf("\\");
  if (bs >= 0) {
    return { user: user.slice(bs + 1), domain: domain || user.slice(0, bs) };
  }
  const at = user.lastIndexOf("@");
  if (at > 0 && !domain) {
    return { user: user.slice(0, at), domain: user.slice(at + 1) };
  }
  return { user, domain: domain ?? "" };
}

/**
 * Parses an `NTLM_USER_FILE`: `DOMAIN:USER:PASSWORD` per line (gss-ntlmssp and
 * pyspnego), or smbpasswd lines `user:uid:LMHASH:NTHASH:[flags]:LCT-...:`. Blank lines
 * and `#` comments are skipped; malformed lines are ignored.
 */
export function parseUserFile(text: string): NtlmUser[] {
  const users: NtlmUser[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length >= 6 && /^\d+$/.test(f[1]) && /^[0-9a-fA-F]{32}$/.test(f[3])) {
      users.push({ User: f[0], Domain: "", NtHash: f[3] });
    } else if (f.length >= 3 && f[1]) {
      users.push({ User: f[1], Domain: f[0], Password: f.slice(2).join(":") });
    }
  }
  return users;
}

/** Reads and parses a user file; a missing or unreadable file is SEC_E_NO_CREDENTIALS. */
export function readUserFile(path: string): NtlmUser[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      `cannot read NTLM user file ${path}: ${(e as Error).name}`,
    );
  }
  return parseUserFile(text);
}

/** The least time between two looks at an acceptor's user file for changes. */
export const USER_FILE_RECHECK_MS = FILE_RECHECK_MS;

/**
 * The users of an NTLM user file, read again when the file changes (its size or
 * modification time), at most once every `USER_FILE_RECHECK_MS`: as gss-ntlmssp
 * reads its file at each logon, users added and passwords changed there count
 * without acquiring a new credential.
 */
export class WatchedUserFile {
  readonly #file: ChangedFile;
  #users: NtlmUser[];

  /** Reads `path` (`SEC_E_NO_CREDENTIALS` when it cannot be read). */
  constructor(path: string) {
    this.#file = new ChangedFile(path);
    this.#users = readUserFile(path);
  }

  /** The users as last read (a private field: inspection shows no passwords). */
  get users(): NtlmUser[] {
    return this.#users;
  }

  /**
   * Reads the file again when it changed; true when `users` was replaced. A file
   * that cannot be read now (being rewritten, or gone) leaves the users as they were.
   */
  refresh(now: number = Date.now()): boolean {
    const stamp = this.#file.changed(now);
    if (!stamp) return false;
    try {
      this.#users = readUserFile(this.#file.path);
    } catch {
      return false;
    }
    this.#file.taken(stamp);
    return true;
  }
}

/** The path in `NTLM_USER_FILE`, or null when unset or not readable by permissions. */
export function envUserFile(): string | null {
  try {
    return Deno.env.get("NTLM_USER_FILE") || null;
  } catch {
    return null;
  }
}

/** Finds a user in a list: user case-insensitive; an entry's empty domain matches any. */
export function findUser(
  users: readonly NtlmUser[],
  user: string,
  domain: string,
): NtlmUser | undefined {
  const u = user.toUpperCase();
  const d = domain.toUpperCase();
  let wildcard: NtlmUser | undefined;
  for (const e of users) {
    if (e.User.toUpperCase() !== u) continue;
    const ed = (e.Domain ?? "").toUpperCase();
    if (ed === d) return e;
    if (!ed && !wildcard) wildcard = e;
  }
  return wildcard;
}
