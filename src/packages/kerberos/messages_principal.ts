/**
 * Principal names as text (RFC 1964 section 2.1.1, the form `kinit` and SPNs use):
 * components separated by `/`, the realm after an unescaped `@`, and backslash escapes
 * (`\/`, `\@`, `\\`, `\n`, `\t`, `\b`, `\0`).
 *
 * @module
 */
import {
  NT_ENTERPRISE,
  NT_PRINCIPAL,
  NT_SRV_HST,
  NT_SRV_INST,
} from "./constants.ts";
import type { PrincipalName } from "./messages_types.ts";

/** A parsed principal: its name and realm. */
export interface ParsedPrincipal {
  /** The `PrincipalName`. */
  name: PrincipalName;
  /** The realm (from the text, else the default). */
  realm: string;
}

const UNESCAPE: Record<string, string> = {
  "n": "\n",
  "t": "\t",
  "b": "\b",
  "0": "\0",
};

/**
 * Parses `user`, `user@REALM`, `HTTP/host.example.com` or `HTTP/host@REALM`. The name
 * type is `NT_PRINCIPAL` for one component and `NT_SRV_INST` for more (what Windows
 * sends for SPNs), unless `nameType` says otherwise. With `NT_ENTERPRISE` the whole
 * name (`user@upn.suffix`) is one component, and a realm follows only a second
 * unescaped `@`. Throws `RangeError` on empty text, a trailing backslash, or no realm
 * at all.
 *
 * @example
 * ```ts
 * import { parsePrincipal } from "./messages_principal.ts";
 * parsePrincipal("HTTP/www.example.test", "EXAMPLE.TEST");
 * // { name: { nameType: 2, nameString: ["HTTP", "www.example.test"] }, realm: "EXAMPLE.TEST" }
 * ```
 */
export function parsePrincipal(
  text: string,
  defaultRealm?: string,
  nameType?: number,
): ParsedPrincipal {
  if (typeof text !== "string" || text.length === 0) {
    throw new RangeError("Cannot parse principal: empty name");
  }
  const enterprise = nameType === NT_ENTERPRISE;
  // Split at unescaped '/' and '@', remembering the separators.
  const parts: string[] = [""];
  const seps: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      if (++i >= text.length) {
        throw new RangeError("Cannot parse principal: trailing backslash");
      }
      const e = text[i];
      parts[parts.length - 1] += UNESCAPE[e] ?? e;
    } else if (c === "/" || c === "@") {
      seps.push(c);
      parts.push("");
    } else {
      parts[parts.length - 1] += c;
    }
  }
  const ats = seps.flatMap((s, k) => s === "@" ? [k] : []);
  let realm: string | undefined;
  let nameParts = parts;
  let nameSeps = seps;
  // The realm: after the last '@' (for enterprise names, only with two of them).
  if (ats.length > (enterprise ? 1 : 0)) {
    const k = ats[ats.length - 1];
    if (k !== seps.length - 1) {
      throw new RangeError("Cannot parse principal: '/' after the realm");
    }
    realm = parts[parts.length - 1];
    nameParts = parts.slice(0, -1);
    nameSeps = seps.slice(0, -1);
  }
  let nameString: string[];
  if (enterprise) {
    // Rebuild one component, separators included.
    let s = nameParts[0];
    for (let k = 0; k < nameSeps.length; k++) {
      s += nameSeps[k] + nameParts[k + 1];
    }
    nameString = [s];
  } else {
    if (nameSeps.includes("@")) {
      throw new RangeError("Cannot parse principal: more than one realm");
    }
    nameString = nameParts;
  }
  realm ??= defaultRealm;
  if (realm === undefined || realm === "") {
    throw new RangeError("Cannot parse principal: no realm");
  }
  return {
    name: {
      nameType: nameType ??
        (nameString.length > 1 ? NT_SRV_INST : NT_PRINCIPAL),
      nameString,
    },
    realm,
  };
}

function escape(s: string): string {
  let out = "";
  for (const c of s) {
    if (c === "\\" || c === "/" || c === "@") out += "\\" + c;
    else if (c === "\n") out += "\\n";
    else if (c === "\t") out += "\\t";
    else if (c === "\b") out += "\\b";
    else if (c === "\0") out += "\\0";
    else out += c;
  }
  return out;
}

/**
 * The text form of a principal: components joined by `/`, then `@realm` when given,
 * with `/`, `@`, `\` and control characters escaped so `parsePrincipal` reads it back.
 *
 * @example
 * ```ts
 * import { principalToString } from "./messages_principal.ts";
 * principalToString({ nameType: 2, nameString: ["HTTP", "h.example"] }, "EXAMPLE");
 * // "HTTP/h.example@EXAMPLE"
 * ```
 */
export function principalToString(name: PrincipalName, realm?: string): string {
  const s = name.nameString.map(escape).join("/");
  return realm === undefined ? s : `${s}@${escape(realm)}`;
}

/**
 * The service principal of an SSPI target: `service/host[:port][@REALM]` (the SPN
 * form Windows takes, `NT_SRV_INST` as Windows sends it), or GSS's `service@host`
 * (a host-based service, `NT_SRV_HST` as MIT sends it: MIT's KDC gives referrals to
 * another realm for that name type only). Null when it names no service.
 */
export function targetPrincipal(
  target: string,
): { sname: PrincipalName; realm?: string } | null {
  let t = target.trim();
  let realm: string | undefined;
  if (t.includes("/")) {
    const at = t.lastIndexOf("@");
    if (at > t.indexOf("/")) {
      realm = t.slice(at + 1);
      t = t.slice(0, at);
    }
    const parts = t.split("/");
    if (parts.some((p) => p === "")) return null;
    return { sname: { nameType: NT_SRV_INST, nameString: parts }, realm };
  }
  const at = t.indexOf("@");
  if (at > 0 && at < t.length - 1) {
    return {
      sname: {
        nameType: NT_SRV_HST,
        nameString: [t.slice(0, at), t.slice(at + 1)],
      },
    };
  }
  return null;
}

/**
 * `name@REALM` as the package reports names (`SECPKG_ATTR_NAMES`, logs): the
 * components joined by `/`, unescaped (see {@linkcode principalToString} for the
 * escaped form).
 */
export function displayName(name: PrincipalName, realm: string): string {
  return `${name.nameString.join("/")}@${realm}`;
}

/**
 * A user name as Windows callers write it, `user`, `user@REALM` or `REALM\user`,
 * split into its name and realm (`domain` is the realm of a bare `user`, and wins
 * over `@REALM`).
 */
export function splitIdentity(
  user: string,
  domain: string | undefined,
): { name: string; realm: string } {
  const slash = user.indexOf("\\");
  if (slash >= 0) {
    return { name: user.slice(slash + 1), realm: user.slice(0, slash) };
  }
  const at = user.lastIndexOf("@");
  if (at > 0 && !domain) {
    return { name: user.slice(0, at), realm: user.slice(at + 1) };
  }
  return { name: user, realm: domain ?? "" };
}
