/**
 * Where a realm's KDCs are: the `[realms]` section of a `krb5.conf` (the file named by
 * `KRB5_CONFIG`, else `/etc/krb5.conf`), read the way MIT krb5 reads it for the two
 * settings this package needs (`default_realm` and each realm's `kdc` lines). A file
 * that cannot be read (no permission, no file system, as on an edge runtime) is
 * treated as empty: the caller then names its KDC in the credential.
 *
 * @module
 */

/** What this package takes from a `krb5.conf`. */
export interface Krb5Config {
  /** `[libdefaults] default_realm`, if set. */
  defaultRealm?: string;
  /** `kdc` entries per realm (`host`, `host:port`, `[v6]:port`), realm as written. */
  realms: Map<string, string[]>;
}

/**
 * Parses the parts of a `krb5.conf` this package uses. Unknown sections and
 * relations are skipped; nothing here throws on odd input.
 *
 * @example
 * ```ts
 * import { parseKrb5Conf } from "./config.ts";
 * const c = parseKrb5Conf("[realms]\n EXAMPLE.COM = {\n  kdc = kdc1:88\n }\n");
 * c.realms.get("EXAMPLE.COM"); // ["kdc1:88"]
 * ```
 */
export function parseKrb5Conf(text: string): Krb5Config {
  const out: Krb5Config = { realms: new Map() };
  let section = "";
  let realm: string | null = null;
  let depth = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+|\s+$/g, "");
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      section = sec[1].trim().toLowerCase();
      realm = null;
      depth = 0;
      continue;
    }
    if (line.startsWith("}")) {
      depth = Math.max(0, depth - 1);
      if (depth === 0) realm = null;
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const name = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (value === "{") {
      depth++;
      if (section === "realms" && depth === 1) realm = name;
      continue;
    }
    if (section === "libdefaults" && depth === 0 && name === "default_realm") {
      out.defaultRealm ??= value; // the first one, as MIT's profile_get_string
    } else if (section === "realms" && depth === 1 && realm && name === "kdc") {
      const list = out.realms.get(realm) ?? [];
      list.push(value);
      out.realms.set(realm, list);
    }
  }
  return out;
}

/** An environment variable, if this runtime lets us read it. */
export function envVar(name: string): string | undefined {
  try {
    // deno-lint-ignore no-explicit-any
    const d = (globalThis as any).Deno;
    if (d?.env?.get) return d.env.get(name) ?? undefined;
    // deno-lint-ignore no-explicit-any
    return (globalThis as any).process?.env?.[name];
  } catch {
    return undefined; // no --allow-env: as if unset
  }
}

/** A file's bytes, or null when it cannot be read here (no file, no permission). */
export function readFileBytes(path: string): Uint8Array | null {
  try {
    // deno-lint-ignore no-explicit-any
    const d = (globalThis as any).Deno;
    return d?.readFileSync ? d.readFileSync(path) : null;
  } catch {
    return null;
  }
}

/**
 * The system's `krb5.conf` (`KRB5_CONFIG`, else `/etc/krb5.conf`; the first file of
 * a colon-separated list that can be read), parsed; empty when none can be read.
 */
export function systemKrb5Config(): Krb5Config {
  const files = (envVar("KRB5_CONFIG") ?? "/etc/krb5.conf").split(":");
  for (const f of files) {
    const bytes = f ? readFileBytes(f) : null;
    if (bytes !== null) return parseKrb5Conf(new TextDecoder().decode(bytes));
  }
  return { realms: new Map() };
}

/** The KDCs listed for `realm` (matched case-sensitively, then ignoring case). */
export function kdcsFor(config: Krb5Config, realm: string): string[] {
  const exact = config.realms.get(realm);
  if (exact) return exact;
  const upper = realm.toUpperCase();
  for (const [name, list] of config.realms) {
    if (name.toUpperCase() === upper) return list;
  }
  return [];
}
