/**
 * The NTLM security package: `SecPkgInfo`, credentials, and context creation.
 *
 * @module
 */
import { TIMESTAMP_NEVER } from "../../sspi/buffers.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SECPKG_CRED_ATTR_NAMES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECPKG_FLAG_ACCEPT_WIN32_NAME,
  SECPKG_FLAG_APPCONTAINER_CHECKS,
  SECPKG_FLAG_CONNECTION,
  SECPKG_FLAG_IMPERSONATION,
  SECPKG_FLAG_INTEGRITY,
  SECPKG_FLAG_LOGON,
  SECPKG_FLAG_MULTI_REQUIRED,
  SECPKG_FLAG_NEGOTIABLE,
  SECPKG_FLAG_PRIVACY,
  SECPKG_FLAG_RESTRICTED_TOKENS,
  SECPKG_FLAG_TOKEN_ONLY,
} from "../../sspi/flags.ts";
import type {
  AcquireRequest,
  AttributeResult,
  PackageContext,
  PackageCredential,
  SecPkgInfo,
  SecurityPackage,
} from "../../sspi/package.ts";
import {
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNKNOWN_CREDENTIALS,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { type ClientIdentity, NtlmClientContext } from "./client.ts";
import { NTLM_MAX_TOKEN } from "./constants.ts";
import {
  envUserFile,
  findUser,
  type NtlmAuthData,
  type NtlmSecret,
  type NtlmUser,
  readUserFile,
  secretOf,
  splitUser,
  WatchedUserFile,
} from "./credentials.ts";
import { NetlogonVerifier } from "../../netlogon/pass_through.ts";
import { NtlmServerContext } from "./server.ts";
import type { ServerPolicy } from "./server_policy.ts";
import { NtlmImportedContext } from "./imported.ts";
import { encodeAvPairs } from "./av_pairs.ts";
import {
  MsvAvDnsComputerName,
  MsvAvDnsDomainName,
  MsvAvNbComputerName,
  MsvAvNbDomainName,
  MsvAvTimestamp,
} from "./constants.ts";
import { utf16le } from "../../util/bytes.ts";

/** NTLM's `SecPkgInfo`, with Windows' capabilities, RPC id 10 and `cbMaxToken` 2888. */
export const NTLM_PACKAGE_INFO: SecPkgInfo = Object.freeze({
  fCapabilities: SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY |
    SECPKG_FLAG_TOKEN_ONLY |
    SECPKG_FLAG_CONNECTION | SECPKG_FLAG_MULTI_REQUIRED |
    SECPKG_FLAG_IMPERSONATION |
    SECPKG_FLAG_ACCEPT_WIN32_NAME | SECPKG_FLAG_NEGOTIABLE | SECPKG_FLAG_LOGON |
    SECPKG_FLAG_RESTRICTED_TOKENS | SECPKG_FLAG_APPCONTAINER_CHECKS,
  wVersion: 1,
  wRPCID: 10,
  cbMaxToken: NTLM_MAX_TOKEN,
  Name: "NTLM",
  Comment: "NTLM Security Package",
});

/** `NTLM_USER_FILE`, or `SEC_E_NO_CREDENTIALS` when it is not set. */
function envFilePath(): string {
  const path = envUserFile();
  if (!path) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      "no pAuthData and no NTLM_USER_FILE environment variable: no NTLM credentials",
    );
  }
  return path;
}

/** An NTLM credential. Secrets are private fields: inspection shows none. */
export class NtlmCredential implements PackageCredential {
  readonly use: number;
  readonly expiry: bigint = TIMESTAMP_NEVER;
  /** `DOMAIN\user` of the outbound identity ("" when inbound only or anonymous). */
  readonly userName: string;
  #outbound: Omit<ClientIdentity, "ntHash" | "lmHash"> | null = null;
  #ntHash: Uint8Array | null = null;
  #lmHash: Uint8Array | null = null;
  #users: NtlmUser[] | null = null;
  /** The user file `#users` came from, looked at again as logons come. */
  #userFile: WatchedUserFile | null = null;
  #lookup: NtlmAuthData["lookup"] | null = null;
  #policy: Omit<ServerPolicy, "lookup" | "targetInfo"> | null = null;
  #serverPolicy: ServerPolicy | null = null;
  #secrets = new Map<NtlmUser, NtlmSecret | null>();
  #dc: NetlogonVerifier | null = null;

  constructor(req: AcquireRequest) {
    this.use = req.use;
    const data = (req.authData ?? null) as NtlmAuthData | null;
    if (data !== null && typeof data !== "object") {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "NTLM pAuthData must be an object or null",
      );
    }
    if (data && (data as { Impersonate?: unknown }).Impersonate !== undefined) {
      // Kerberos' S4U; NTLM would log on as the service itself: Negotiate leaves
      // NTLM out rather than authenticate as someone else than asked.
      throw new SspiError(
        SEC_E_NO_CREDENTIALS,
        "NTLM cannot act as another user (Impersonate needs Kerberos S4U)",
      );
    }
    const fileUsers = (): NtlmUser[] => readUserFile(envFilePath());
    if (req.use & SECPKG_CRED_OUTBOUND) {
      this.#initOutbound(req.principal, data, fileUsers);
    }
    if (req.use & SECPKG_CRED_INBOUND) this.#initInbound(data);
    const o = this.#outbound;
    this.userName = o && this.#ntHash
      ? (o.domain ? `${o.domain}\\${o.user}` : o.user)
      : "";
  }

  #initOutbound(
    principal: string | null,
    data: NtlmAuthData | null,
    fileUsers: () => NtlmUser[],
  ): void {
    let entry: NtlmUser;
    if (
      data &&
      (data.User !== undefined || data.Password !== undefined ||
        data.NtHash !== undefined)
    ) {
      entry = {
        User: data.User ?? "",
        Domain: data.Domain,
        Password: data.Password,
        NtHash: data.NtHash,
      };
    } else {
      const users = data?.userFile ? readUserFile(data.userFile) : fileUsers();
      const want = principal ? splitUser(principal) : null;
      const found = want ? findUser(users, want.user, want.domain) : users[0];
      if (!found) {
        throw new SspiError(
          SEC_E_NO_CREDENTIALS,
          "no matching user in the NTLM user file",
        );
      }
      entry = found;
    }
    const { user, domain } = splitUser(entry.User, entry.Domain);
    const anonymous = user === "" && !entry.Password &&
      entry.NtHash === undefined;
    if (!anonymous) {
      if (!user) {
        throw new SspiError(
          SEC_E_UNKNOWN_CREDENTIALS,
          "a password was given without a user name",
        );
      }
      const secret = secretOf(entry);
      if (!secret) {
        throw new SspiError(
          SEC_E_UNKNOWN_CREDENTIALS,
          "the user has no password or NT hash",
        );
      }
      this.#ntHash = secret.ntHash;
      this.#lmHash = secret.lmHash ?? null;
    }
    const lmCompat = data?.LmCompatibilityLevel ?? 3;
    if (!Number.isInteger(lmCompat) || lmCompat < 0 || lmCompat > 5) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "LmCompatibilityLevel must be 0 to 5",
      );
    }
    this.#outbound = {
      user,
      domain,
      workstation: data?.Workstation ?? "",
      lmCompat,
    };
  }

  #initInbound(data: NtlmAuthData | null): void {
    if (data?.lookup) {
      if (typeof data.lookup !== "function") {
        throw new TypeError("lookup must be a function");
      }
      this.#lookup = data.lookup;
    } else if (data?.users) {
      if (!Array.isArray(data.users)) {
        throw new TypeError("users must be an array");
      }
      this.#users = data.users.map((u) => ({ ...u }));
    } else if (data?.DomainController && !data.userFile) {
      this.#users = []; // every logon goes to the domain controller
    } else {
      this.#userFile = new WatchedUserFile(data?.userFile ?? envFilePath());
      this.#users = this.#userFile.users;
    }
    if (data?.DomainController) {
      this.#dc = new NetlogonVerifier(data.DomainController, {
        computer: data.ComputerName,
        domain: data.DomainName,
      });
    }
    const computer = (data?.ComputerName ?? "SERVER").toUpperCase();
    const domain = (data?.DomainName ?? "WORKGROUP").toUpperCase();
    this.#policy = {
      allowAnonymous: data?.allowAnonymous === true,
      allowNtlmV1: data?.allowNtlmV1 === true,
      requireChannelBindings: data?.requireChannelBindings === true,
      computer,
      domain,
      dnsComputer: data?.DnsComputerName ?? computer.toLowerCase(),
      dnsDomain: data?.DnsDomainName ?? domain.toLowerCase(),
    };
  }

  /**
   * The client identity for a new client context. It shares this credential's hashes
   * (read only): the dispatcher keeps a credential alive until its last context is
   * deleted, and the credential wipes them when it is freed.
   */
  clientIdentity(): ClientIdentity {
    if (!this.#outbound) {
      throw new SspiError(SEC_E_NO_CREDENTIALS, "not an outbound credential");
    }
    return {
      ...this.#outbound,
      ntHash: this.#ntHash,
      lmHash: this.#lmHash,
    };
  }

  /**
   * The server policy for a new server context, built once per credential: the
   * target info without its timestamp, and the user lookup (secrets derived once per
   * listed user, on first use).
   */
  serverPolicy(): ServerPolicy {
    if (this.#serverPolicy) return this.#serverPolicy;
    const base = this.#policy;
    if (!base) {
      throw new SspiError(SEC_E_NO_CREDENTIALS, "not an inbound credential");
    }
    const lookup = this.#lookup;
    const cache = this.#secrets;
    // Never accept a user without a secret (WinPR CVE-2022-24882/24883): secretOf
    // gives null for an entry with neither password nor hash.
    const fromCallback = (
      u: NtlmUser | null | undefined,
    ) => (u ? secretOf(u) : null);
    const fromList = (u: NtlmUser | undefined): NtlmSecret | null => {
      if (!u) return null;
      // After FreeCredentialsHandle nothing is cached again (a context still running
      // derives what it needs and drops it).
      if (this.#disposed) return secretOf(u);
      let v = cache.get(u);
      if (v === undefined) {
        v = secretOf(u);
        cache.set(u, v);
      }
      return v;
    };
    this.#serverPolicy = {
      ...base,
      targetInfo: encodeAvPairs([
        { id: MsvAvNbDomainName, value: utf16le(base.domain) },
        { id: MsvAvNbComputerName, value: utf16le(base.computer) },
        { id: MsvAvDnsDomainName, value: utf16le(base.dnsDomain) },
        { id: MsvAvDnsComputerName, value: utf16le(base.dnsComputer) },
        { id: MsvAvTimestamp, value: new Uint8Array(8) }, // written per CHALLENGE
      ]),
      passThrough: this.#dc ?? undefined,
      lookup: (user, domain) => {
        if (!user) return null;
        if (lookup) {
          const r = lookup(user, domain);
          return r instanceof Promise ? r.then(fromCallback) : fromCallback(r);
        }
        return fromList(findUser(this.#currentUsers(), user, domain));
      },
    };
    return this.#serverPolicy;
  }

  /** The users to look a logon up in: the user file's as it is now, when there is one. */
  #currentUsers(): NtlmUser[] {
    const f = this.#userFile;
    if (f && !this.#disposed && f.refresh()) {
      // The secrets derived for the users read before are wiped.
      for (const v of this.#secrets.values()) {
        v?.ntHash.fill(0);
        v?.lmHash?.fill(0);
      }
      this.#secrets.clear();
      this.#users = f.users;
    }
    return this.#users ?? [];
  }

  queryAttribute(attribute: number): AttributeResult {
    if (attribute === SECPKG_CRED_ATTR_NAMES) {
      return { status: SEC_E_OK, value: { sUserName: this.userName } };
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  #disposed = false;

  dispose(): void {
    this.#disposed = true;
    this.#ntHash?.fill(0);
    this.#lmHash?.fill(0);
    this.#ntHash = null;
    this.#lmHash = null;
    for (const v of this.#secrets.values()) {
      v?.ntHash.fill(0);
      v?.lmHash?.fill(0);
    }
    this.#secrets.clear();
    this.#users = null;
    this.#userFile = null;
    this.#lookup = null;
    this.#serverPolicy = null;
    this.#dc?.close();
    this.#dc = null;
  }
}

/**
 * The NTLM package object registered with the portable provider.
 *
 * @example
 * ```ts
 * import { ntlmPackage } from "./package.ts";
 * console.log(ntlmPackage.info.cbMaxToken); // 2888
 * ```
 */
export const ntlmPackage: SecurityPackage = {
  info: NTLM_PACKAGE_INFO,
  acquireCredentials(req: AcquireRequest): PackageCredential {
    return new NtlmCredential(req);
  },
  importContext(token: Uint8Array): PackageContext {
    return new NtlmImportedContext(NTLM_PACKAGE_INFO, token);
  },
  createContext(
    cred: PackageCredential,
    role: "initiate" | "accept",
  ): PackageContext {
    if (!(cred instanceof NtlmCredential)) {
      throw new SspiError(SEC_E_UNKNOWN_CREDENTIALS, "not an NTLM credential");
    }
    return role === "initiate"
      ? new NtlmClientContext(NTLM_PACKAGE_INFO, cred.clientIdentity())
      : new NtlmServerContext(NTLM_PACKAGE_INFO, cred.serverPolicy());
  },
};
