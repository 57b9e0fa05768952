/**
 * The Negotiate credential: one inner credential per allowed package whose acquire
 * succeeds, filtered by a `PackageList` like Windows' `SEC_WINNT_AUTH_IDENTITY_EX`.
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
  SecurityPackage,
} from "../../sspi/package.ts";
import { findPackage } from "../../sspi/registry.ts";
import {
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { MECHANISMS } from "./constants.ts";

/**
 * `pAuthData` of Negotiate: whatever the inner packages accept (for NTLM
 * `{ User, Domain, Password }` outbound, `{ users }`/`{ lookup }`/`{ userFile }`
 * inbound), plus `PackageList`: a comma-separated list of package names, each possibly
 * negated with `!` (`"NTLM"`, `"!NTLM"`, `"Kerberos,NTLM"`).
 */
export interface NegotiateAuthData {
  /** Which packages Negotiate may use. */
  PackageList?: string;
  /** The inner packages' fields. */
  [field: string]: unknown;
}

/** One usable inner package with its credential. */
export interface InnerCredential {
  /** The package name (`"Kerberos"`, `"NTLM"`). */
  name: string;
  /** The package. */
  pkg: SecurityPackage;
  /** Its credential. */
  cred: PackageCredential;
  /** The mechanism OIDs offered for it. */
  oids: readonly string[];
}

/**
 * Applies a `PackageList` to the mechanism names, keeping preference order.
 *
 * @example
 * ```ts
 * import { filterPackages } from "./credentials.ts";
 * filterPackages(["Kerberos", "NTLM"], "!Kerberos"); // ["NTLM"]
 * ```
 */
export function filterPackages(
  names: readonly string[],
  list: string | undefined,
): string[] {
  if (list === undefined || list.trim() === "") return [...names];
  const items = list.split(",").map((s) => s.trim().toLowerCase()).filter(
    Boolean,
  );
  const allow = items.filter((s) => !s.startsWith("!"));
  const deny = items.filter((s) => s.startsWith("!")).map((s) =>
    s.slice(1).trim()
  );
  return names.filter((n) => {
    const l = n.toLowerCase();
    if (deny.includes(l)) return false;
    return allow.length === 0 || allow.includes(l);
  });
}

/** A Negotiate credential: the inner credentials in preference order. */
export class NegotiateCredential implements PackageCredential {
  readonly use: number;
  readonly expiry: bigint;
  /** The inner credentials, in preference order. */
  readonly inner: readonly InnerCredential[];

  /** Builds the credential from inner credentials already acquired. */
  constructor(use: number, inner: InnerCredential[]) {
    this.use = use;
    this.inner = inner;
    let exp = TIMESTAMP_NEVER;
    for (const i of inner) if (i.cred.expiry < exp) exp = i.cred.expiry;
    this.expiry = exp;
  }

  /** The inner credential of a package, if acquired. */
  find(name: string): InnerCredential | undefined {
    for (const i of this.inner) if (i.name === name) return i;
    const l = name.toLowerCase();
    return this.inner.find((i) => i.name.toLowerCase() === l);
  }

  /** The first inner credential's answer (`SECPKG_CRED_ATTR_NAMES`: whatever it is). */
  queryAttribute(attribute: number): AttributeResult {
    for (const i of this.inner) {
      const r = i.cred.queryAttribute?.(attribute);
      if (
        r && (attribute === SECPKG_CRED_ATTR_NAMES || r.status === SEC_E_OK)
      ) {
        return r;
      }
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  /**
   * Sets the attribute on every inner credential that takes it (the KDC proxy
   * settings on the Kerberos one): `SEC_E_OK` when one did, else
   * `SEC_E_UNSUPPORTED_FUNCTION`; a value an inner credential refuses throws its
   * `SspiError`.
   */
  setAttribute(attribute: number, value: unknown): number {
    let status = SEC_E_UNSUPPORTED_FUNCTION;
    for (const i of this.inner) {
      const s = i.cred.setAttribute?.(attribute, value);
      if (s === undefined || s === SEC_E_UNSUPPORTED_FUNCTION) continue;
      if (s !== SEC_E_OK) return s;
      status = SEC_E_OK;
    }
    return status;
  }

  dispose(): void {
    for (const i of this.inner) i.cred.dispose();
  }
}

/**
 * Acquires the inner credentials: every registered, allowed package (Kerberos first,
 * then NTLM) whose acquire succeeds. Throws `SspiError(SEC_E_NO_CREDENTIALS)` when none
 * does. Returns a Promise only when an inner package does (`req.async`).
 */
export function acquireNegotiateCredential(
  req: AcquireRequest,
): NegotiateCredential | Promise<NegotiateCredential> {
  const data = req.authData;
  if (data !== null && data !== undefined && typeof data !== "object") {
    throw new TypeError("Negotiate pAuthData must be an object or null");
  }
  let list: string | undefined;
  let innerData: unknown = data ?? null;
  if (data && "PackageList" in data) {
    const { PackageList, ...rest } = data as NegotiateAuthData;
    if (PackageList !== undefined && typeof PackageList !== "string") {
      throw new TypeError("PackageList must be a string");
    }
    list = PackageList;
    innerData = rest;
  }
  const names = filterPackages(MECHANISMS.map((m) => m.pkg), list);
  const attempts: (InnerCredential | null | Promise<InnerCredential | null>)[] =
    [];
  const reasons: string[] = [];
  for (const name of names) {
    const pkg = findPackage(name);
    const mech = MECHANISMS.find((m) => m.pkg === name)!;
    if (!pkg) continue;
    const wrap = (cred: PackageCredential): InnerCredential => ({
      name: pkg.info.Name,
      pkg,
      cred,
      oids: mech.oids,
    });
    const failed = (e: unknown): null => {
      if (!(e instanceof SspiError)) throw e;
      reasons.push(`${name}: ${e.message}`);
      return null;
    };
    try {
      const r = pkg.acquireCredentials({ ...req, authData: innerData });
      attempts.push(r instanceof Promise ? r.then(wrap, failed) : wrap(r));
    } catch (e) {
      attempts.push(failed(e));
    }
  }
  const finish = (all: (InnerCredential | null)[]): NegotiateCredential => {
    const inner = all.filter((x): x is InnerCredential => x !== null);
    if (inner.length === 0) {
      throw new SspiError(
        SEC_E_NO_CREDENTIALS,
        `Negotiate found no usable package${
          reasons.length ? ` (${reasons.join("; ")})` : ""
        }`,
      );
    }
    return new NegotiateCredential(req.use, inner);
  };
  if (attempts.some((a) => a instanceof Promise)) {
    return Promise.all(attempts).then(finish);
  }
  return finish(attempts as (InnerCredential | null)[]);
}
