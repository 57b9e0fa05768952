/**
 * The inbound user store of the Digest package: an in-memory list, a lookup callback
 * (which may be async), or an Apache `htdigest` file (`user:realm:md5hex` lines).
 * A user has a password, or a precomputed H(A1) for one hash family.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_NO_CREDENTIALS } from "../../sspi/status.ts";
import type { AlgorithmInfo } from "./algorithms.ts";
import { HA1 } from "./rfc7616.ts";

/**
 * A user the Digest server accepts. Give `Password`, or `HA1`: the lower-case hex
 * `H(username ":" realm ":" password)` of the hash family named by `algorithm`
 * (default `MD5`, what `htdigest` stores). A user with only an MD5 `HA1` can log on
 * only with `MD5`/`MD5-sess` (HTTP) or DIGEST-MD5 (SASL).
 */
export interface DigestUser {
  /** The user name (case-sensitive, as RFC 7616 compares it). */
  User: string;
  /** The realm this entry belongs to; absent matches the credential's realm. */
  realm?: string;
  /** The password. */
  Password?: string;
  /** Precomputed H(A1), hex. */
  HA1?: string;
  /** The hash family of `HA1`: `MD5` (default), `SHA-256` or `SHA-512-256`. */
  algorithm?: "MD5" | "SHA-256" | "SHA-512-256";
}

/** What the server tells a lookup callback. */
export interface DigestLookupInfo {
  /** True when `user` is a `userhash` (`H(username ":" realm)`), not a name. */
  userhash: boolean;
  /** The algorithm of the response being checked. */
  algorithm: string;
}

/**
 * A user lookup callback: returns the user, or null for an unknown user. It may be
 * async; then only the `Sspi*Async` functions can use the credential.
 */
export type DigestUserLookup = (
  user: string,
  realm: string,
  info: DigestLookupInfo,
) => DigestUser | null | undefined | Promise<DigestUser | null | undefined>;

/** Parses an Apache `htdigest` file: `user:realm:md5hex` per line. */
export function parseHtdigest(text: string): DigestUser[] {
  const users: DigestUser[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const last = line.lastIndexOf(":");
    const first = line.indexOf(":");
    if (first <= 0 || last === first) continue;
    const ha1 = line.slice(last + 1);
    if (!/^[0-9a-fA-F]{32}$/.test(ha1)) continue;
    users.push({
      User: line.slice(0, first),
      realm: line.slice(first + 1, last),
      HA1: ha1.toLowerCase(),
      algorithm: "MD5",
    });
  }
  return users;
}

/** Reads and parses an `htdigest` file; an unreadable file is SEC_E_NO_CREDENTIALS. */
export function readHtdigest(path: string): DigestUser[] {
  try {
    return parseHtdigest(Deno.readTextFileSync(path));
  } catch (e) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      `cannot read htdigest file ${path}: ${(e as Error).name}`,
    );
  }
}

/** The base H(A1) (hex) of a user for an algorithm's family, or null when unknown. */
export function userHA1(
  u: DigestUser,
  alg: AlgorithmInfo,
  username: string,
  realm: string,
): string | null {
  if (typeof u.Password === "string") {
    return HA1(alg, username, realm, u.Password);
  }
  if (typeof u.HA1 === "string") {
    if ((u.algorithm ?? "MD5") !== alg.base) return null;
    return u.HA1.toLowerCase();
  }
  return null;
}

/** True when every user of a list has an MD5 HA1 and no password. */
export function onlyMd5(users: readonly DigestUser[]): boolean {
  return users.length > 0 &&
    users.every((u) =>
      u.Password === undefined && (u.algorithm ?? "MD5") === "MD5"
    );
}
