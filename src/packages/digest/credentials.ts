/**
 * Digest credentials. Outbound: `{ User, Domain, Password }` as
 * `SEC_WINNT_AUTH_IDENTITY` (Domain is a realm hint, see `DigestAuthData`). Inbound:
 * the realm, the user store and the server's policy. The password and the nonce
 * secret live in private fields, so `Deno.inspect` and `console.log` never show them.
 *
 * @module
 */
import { TIMESTAMP_NEVER } from "../../sspi/buffers.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SECPKG_CRED_ATTR_NAMES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
} from "../../sspi/flags.ts";
import type {
  AcquireRequest,
  AttributeResult,
  PackageCredential,
} from "../../sspi/package.ts";
import {
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNKNOWN_CREDENTIALS,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { toHex } from "../../util/bytes.ts";
import { randomBytes } from "../../crypto/mod.ts";
import { algorithmInfo, type DigestAlgorithm } from "./algorithms.ts";
import { NonceCounts, NonceIssuer } from "./nonce.ts";
import { SASL_CIPHERS, type SaslCipher } from "./rfc2831.ts";
import { userhash } from "./rfc7616.ts";
import { hasUnsafeChars } from "./header.ts";
import {
  type DigestUser,
  type DigestUserLookup,
  onlyMd5,
  readHtdigest,
} from "./users.ts";

/**
 * `pAuthData` of the `WDigest` package.
 *
 * Outbound (`SECPKG_CRED_OUTBOUND`): `User` and `Password`; `Domain`, when set, is a
 * realm hint: among several challenges the client prefers one for that realm, and in
 * SASL it is the realm sent when the server offers none.
 *
 * Inbound (`SECPKG_CRED_INBOUND`): `realm` and one user store (`users`, `lookup`, or
 * `htdigestFile`), plus the policy fields below.
 *
 * @example
 * ```ts
 * import type { DigestAuthData } from "./credentials.ts";
 * const server: DigestAuthData = {
 *   realm: "api@example.org",
 *   users: [{ User: "Mufasa", Password: "Circle of Life" }],
 *   algorithms: ["SHA-256", "MD5"],
 *   qop: ["auth", "auth-int"],
 *   nonceLifetimeSeconds: 300,
 * };
 * ```
 */
export interface DigestAuthData {
  /** Outbound user name. */
  User?: string;
  /** Outbound realm hint. */
  Domain?: string;
  /** Outbound password. */
  Password?: string;
  /** Inbound: the realm of challenges (default "WDigest"). */
  realm?: string;
  /** Inbound: users with passwords or precomputed H(A1). */
  users?: DigestUser[];
  /** Inbound: a user lookup callback (async callbacks need the `Sspi*Async` calls). */
  lookup?: DigestUserLookup;
  /** Inbound: an Apache `htdigest` file (`user:realm:md5hex`). */
  htdigestFile?: string;
  /**
   * Inbound, HTTP: the algorithms offered, one challenge each, in this order (put the
   * strongest first). Default `["SHA-256", "MD5"]`, or `["MD5"]` when every user has
   * only an MD5 H(A1) (htdigest).
   */
  algorithms?: DigestAlgorithm[];
  /** Inbound, HTTP: the qop values offered (default `["auth", "auth-int"]`). */
  qop?: ("auth" | "auth-int")[];
  /** Inbound, SASL: the qop values offered (default all three). */
  saslQop?: ("auth" | "auth-int" | "auth-conf")[];
  /** Inbound, SASL: the ciphers offered for `auth-conf` (default all five). */
  ciphers?: SaslCipher[];
  /** Inbound: how long a nonce stays fresh (default 300 s). */
  nonceLifetimeSeconds?: number;
  /** Inbound, HTTP: ask clients to send `userhash` (RFC 7616 3.4.4). Default false. */
  userhash?: boolean;
  /** Inbound, HTTP: send `charset=UTF-8` (RFC 7616 4). Default true. */
  charset?: boolean;
  /** Inbound, HTTP: send an `opaque` value and require it back. Default true. */
  opaque?: boolean;
}

/** The server side's view of a credential. */
export interface DigestServerPolicy {
  /** The realm. */
  realm: string;
  /** Algorithms offered (HTTP). */
  algorithms: DigestAlgorithm[];
  /** qop values offered (HTTP). */
  qop: string[];
  /** qop values offered (SASL). */
  saslQop: string[];
  /** Ciphers offered (SASL). */
  ciphers: SaslCipher[];
  /** `userhash=true` in challenges. */
  userhash: boolean;
  /** `charset=UTF-8` in challenges. */
  charset: boolean;
  /** The opaque value, or "" for none. */
  opaque: string;
  /** Nonces. */
  nonces: NonceIssuer;
  /** Nonce counts seen by any context of this credential. */
  counts: NonceCounts;
  /** Finds a user (maybe async). */
  find(
    user: string,
    realm: string,
    hashed: boolean,
    algorithm: string,
  ): DigestUser | null | Promise<DigestUser | null>;
}

/** What a client context needs from its credential. */
export interface DigestClientIdentity {
  /** The user name. */
  user: string;
  /** The realm hint ("" for none). */
  domain: string;
  /** The password (a copy for the context). */
  password: string;
}

function fail(message: string): never {
  throw new SspiError(SEC_E_UNKNOWN_CREDENTIALS, message);
}

/** A Digest credential. Secrets are private fields: inspection shows none. */
export class DigestCredential implements PackageCredential {
  readonly use: number;
  readonly expiry: bigint = TIMESTAMP_NEVER;
  /** The outbound user name ("" when inbound only). */
  readonly userName: string;
  #password: string | null = null;
  #domain = "";
  #users: DigestUser[] | null = null;
  #lookup: DigestUserLookup | null = null;
  #policy: Omit<DigestServerPolicy, "find"> | null = null;

  /** Builds a credential from `AcquireCredentialsHandle`'s request; throws `SspiError`. */
  constructor(req: AcquireRequest) {
    this.use = req.use;
    const data = (req.authData ?? null) as DigestAuthData | null;
    if (data === null || typeof data !== "object") {
      throw new SspiError(
        SEC_E_NO_CREDENTIALS,
        "WDigest needs pAuthData: { User, Password } outbound or { realm, users } inbound",
      );
    }
    let name = "";
    if (req.use & SECPKG_CRED_OUTBOUND) {
      const user = data.User ?? req.principal ?? "";
      if (typeof user !== "string" || !user) fail("WDigest needs a User");
      if (typeof data.Password !== "string") fail("WDigest needs a Password");
      name = user;
      this.#password = data.Password;
      this.#domain = typeof data.Domain === "string" ? data.Domain : "";
    }
    if (req.use & SECPKG_CRED_INBOUND) this.#initInbound(data);
    this.userName = name;
  }

  #initInbound(data: DigestAuthData): void {
    const realm = data.realm ?? "WDigest";
    if (typeof realm !== "string" || hasUnsafeChars(realm)) {
      fail("realm must be a string without quotes or control characters");
    }
    if (data.lookup !== undefined) {
      if (typeof data.lookup !== "function") {
        throw new TypeError("lookup must be a function");
      }
      this.#lookup = data.lookup;
    } else if (data.users !== undefined) {
      if (!Array.isArray(data.users)) {
        throw new TypeError("users must be an array");
      }
      this.#users = data.users.map((u) => ({ ...u }));
    } else if (data.htdigestFile !== undefined) {
      this.#users = readHtdigest(data.htdigestFile);
    } else {
      throw new SspiError(
        SEC_E_NO_CREDENTIALS,
        "an inbound WDigest credential needs users, lookup or htdigestFile",
      );
    }
    const md5Only = this.#users !== null && onlyMd5(this.#users);
    const algorithms = data.algorithms ??
      (md5Only ? ["MD5"] : ["SHA-256", "MD5"]);
    if (
      !Array.isArray(algorithms) || !algorithms.length ||
      algorithms.some((a) => !algorithmInfo(a))
    ) {
      fail("algorithms must list RFC 7616 algorithm names");
    }
    const qop = data.qop ?? ["auth", "auth-int"];
    if (
      !Array.isArray(qop) || qop.some((q) => q !== "auth" && q !== "auth-int")
    ) {
      fail('qop must list "auth" and/or "auth-int"');
    }
    const saslQop = data.saslQop ?? ["auth", "auth-int", "auth-conf"];
    const ciphers = data.ciphers ?? [...SASL_CIPHERS];
    if (ciphers.some((c) => !SASL_CIPHERS.includes(c))) {
      fail("ciphers must list rc4, rc4-56, rc4-40, des and 3des");
    }
    const life = data.nonceLifetimeSeconds ?? 300;
    if (typeof life !== "number" || !(life >= 0)) {
      fail("nonceLifetimeSeconds must be a non-negative number");
    }
    this.#policy = {
      realm,
      algorithms: algorithms.map((a) => algorithmInfo(a)!.name),
      qop: [...qop],
      saslQop: [...saslQop],
      ciphers: [...ciphers],
      userhash: data.userhash === true,
      charset: data.charset !== false,
      opaque: data.opaque === false ? "" : toHex(randomBytes(16)),
      nonces: new NonceIssuer(life),
      counts: new NonceCounts(),
    };
  }

  /** The identity for a new client context. */
  clientIdentity(): DigestClientIdentity {
    if (this.#password === null) {
      throw new SspiError(SEC_E_NO_CREDENTIALS, "not an outbound credential");
    }
    return {
      user: this.userName,
      domain: this.#domain,
      password: this.#password,
    };
  }

  /** The policy for a new server context. */
  serverPolicy(): DigestServerPolicy {
    const p = this.#policy;
    if (!p) {
      throw new SspiError(SEC_E_NO_CREDENTIALS, "not an inbound credential");
    }
    const users = this.#users;
    const lookup = this.#lookup;
    return {
      ...p,
      find: (user, realm, hashed, algorithm) => {
        if (lookup) {
          const r = lookup(user, realm, { userhash: hashed, algorithm });
          return r instanceof Promise ? r.then((u) => u ?? null) : r ?? null;
        }
        for (const u of users ?? []) {
          if ((u.realm ?? realm) !== realm) continue;
          if (hashed) {
            const a = algorithmInfo(algorithm);
            if (a && userhash(a, u.User, realm) === user.toLowerCase()) {
              return u;
            }
          } else if (u.User === user) {
            return u;
          }
        }
        return null;
      },
    };
  }

  queryAttribute(attribute: number): AttributeResult {
    if (attribute === SECPKG_CRED_ATTR_NAMES) {
      return { status: SEC_E_OK, value: { sUserName: this.userName } };
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  dispose(): void {
    this.#password = null;
    this.#users = null;
    this.#lookup = null;
    this.#policy?.nonces.dispose();
    this.#policy = null;
  }
}
