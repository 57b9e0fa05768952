/**
 * Schannel credentials: the certificate chain and private key a server (or a client
 * asked for a certificate) presents, the roots that peers' chains are checked against,
 * and the `SCH_CRED_*` flags.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SECPKG_CRED_INBOUND } from "../../sspi/flags.ts";
import type { AcquireRequest, PackageCredential } from "../../sspi/package.ts";
import { KEX_GROUPS } from "./kex.ts";
import { SCH_CRED_DISABLE_RECONNECTS } from "./constants.ts";
import { SessionCache } from "./session_cache.ts";
import { ServerSessionCache } from "./server_sessions.ts";
import { TicketKey } from "./ticket.ts";
import { TIMESTAMP_NEVER } from "../../sspi/buffers.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_NO_CREDENTIALS,
  SEC_E_UNKNOWN_CREDENTIALS,
} from "../../sspi/status.ts";
import {
  type Certificate,
  parseCertificate,
  parsePem,
  parsePrivateKey,
  type PrivateKey,
  signatureSchemes,
} from "../../pki/mod.ts";

/**
 * `pAuthData` for `AcquireCredentialsHandle(..., "Schannel", ...)`: the portable shape
 * of `SCHANNEL_CRED`. Certificates are PEM text (one or more `CERTIFICATE` blocks) or
 * DER bytes; a list is leaf first.
 *
 * @example
 * ```ts
 * const auth: SchannelAuthData = {
 *   Certificate: "-----BEGIN CERTIFICATE-----\n...",
 *   PrivateKey: "-----BEGIN PRIVATE KEY-----\n...",
 * };
 * ```
 */
export interface SchannelAuthData {
  /** Our chain, leaf first (`paCred`): servers need one; clients only for client authentication. */
  Certificate?: string | Uint8Array | readonly Uint8Array[];
  /** The leaf's private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), PEM or DER. */
  PrivateKey?: string | Uint8Array;
  /**
   * Trusted roots for the peer's chain (`hRootStore`). Without them a client uses the
   * system bundle (`/etc/ssl/certs/ca-certificates.crt` and similar, when the runtime
   * can read files), or fails with `SEC_E_UNTRUSTED_ROOT`.
   */
  RootCertificates?: string | Uint8Array | readonly Uint8Array[];
  /**
   * `SCH_CRED_*` flags: `SCH_CRED_MANUAL_CRED_VALIDATION`, `SCH_CRED_NO_SERVERNAME_CHECK`,
   * `SCH_CRED_DISABLE_RECONNECTS` (no session resumption, TLS 1.3 or 1.2, either role).
   */
  dwFlags?: number;
  /** ALPN: protocols a client offers, or a server accepts, in preference order. */
  ApplicationProtocols?: readonly string[];
  /**
   * `SP_PROT_*` bits of the versions allowed (`SP_PROT_TLS1_3_CLIENT` 0x2000,
   * `SP_PROT_TLS1_2_CLIENT` 0x800, `SP_PROT_TLS1_3_SERVER` 0x1000,
   * `SP_PROT_TLS1_2_SERVER` 0x400); 0 or absent: TLS 1.3 and TLS 1.2.
   */
  grbitEnabledProtocols?: number;
  /**
   * The key exchange groups allowed, preferred first: `"x25519"`, `"secp256r1"`
   * (`"P-256"`), or their TLS code points. Default both, x25519 first. A client sends
   * its key share for the first; a server prefers them in this order.
   */
  KeyExchangeGroups?: readonly (string | number)[];
}

const GROUP_NAMES: Readonly<Record<string, number>> = {
  x25519: 0x001d,
  secp256r1: 0x0017,
  "p-256": 0x0017,
};

/** The groups of `KeyExchangeGroups`, checked against what the package speaks. */
function groupsOf(list: readonly (string | number)[] | undefined): number[] {
  if (list === undefined) return [...KEX_GROUPS];
  const out = list.map((g) =>
    typeof g === "number" ? g : GROUP_NAMES[String(g).toLowerCase()] ?? -1
  );
  if (!out.length || out.some((g) => !KEX_GROUPS.includes(g))) {
    throw new SspiError(
      SEC_E_ALGORITHM_MISMATCH,
      'KeyExchangeGroups: only "x25519" and "secp256r1" are supported',
    );
  }
  return [...new Set(out)];
}

/** DER certificates from the accepted forms. */
function derList(v: string | Uint8Array | readonly Uint8Array[]): Uint8Array[] {
  if (typeof v === "string") return parsePem(v, "CERTIFICATE");
  if (v instanceof Uint8Array) return [v];
  if (Array.isArray(v) && v.every((c) => c instanceof Uint8Array)) {
    return [...v];
  }
  throw new SspiError(
    SEC_E_UNKNOWN_CREDENTIALS,
    "certificates must be PEM text, DER bytes or a list of DER bytes",
  );
}

function parsed(ders: Uint8Array[], what: string): Certificate[] {
  return ders.map((d) => {
    const c = parseCertificate(d);
    if (!c) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        `${what}: a certificate could not be parsed`,
      );
    }
    return c;
  });
}

const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/cert.pem",
];
let systemRoots: Certificate[] | undefined;

/** The system's trusted roots, read once; empty where files cannot be read. */
function systemTrust(): Certificate[] {
  if (systemRoots) return systemRoots;
  systemRoots = [];
  // deno-lint-ignore no-explicit-any
  const deno = (globalThis as any).Deno;
  for (const path of SYSTEM_BUNDLES) {
    try {
      const text: string = deno.readTextFileSync(path);
      for (const der of parsePem(text, "CERTIFICATE")) {
        const c = parseCertificate(der);
        if (c) systemRoots.push(c);
      }
      break;
    } catch {
      // not there, or no permission: try the next
    }
  }
  return systemRoots;
}

/** A Schannel credential. */
export class SchannelCredential implements PackageCredential {
  readonly use: number;
  readonly expiry: bigint = TIMESTAMP_NEVER;
  /** Our chain (DER, leaf first), possibly empty. */
  readonly chain: Uint8Array[];
  /** Our leaf, parsed. */
  readonly leaf: Certificate | null;
  /** `SCH_CRED_*` flags. */
  readonly flags: number;
  /** ALPN protocols. */
  readonly protocols: string[] | null;
  /** `SP_PROT_*` bits allowed (0: all this package speaks). */
  readonly enabledProtocols: number;
  /** The key exchange groups, preferred first. */
  readonly groups: readonly number[];
  #key: PrivateKey | null;
  #roots: Certificate[] | null;
  #sessions = new SessionCache();
  #ticketKey: TicketKey | null = null;
  #serverSessions = new ServerSessionCache();

  /** Builds a credential from `AcquireCredentialsHandle`'s request. */
  constructor(req: AcquireRequest) {
    this.use = req.use;
    const a = (req.authData ?? {}) as SchannelAuthData;
    if (typeof a !== "object") {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "Schannel pAuthData must be an object",
      );
    }
    this.flags = (a.dwFlags ?? 0) >>> 0;
    this.protocols = a.ApplicationProtocols
      ? [...a.ApplicationProtocols]
      : null;
    this.enabledProtocols = (a.grbitEnabledProtocols ?? 0) >>> 0;
    this.groups = groupsOf(a.KeyExchangeGroups);
    this.chain = a.Certificate ? derList(a.Certificate) : [];
    this.leaf = this.chain.length
      ? parsed([this.chain[0]], "Certificate")[0]
      : null;
    this.#key = null;
    if (a.PrivateKey !== undefined) {
      this.#key = parsePrivateKey(a.PrivateKey);
      if (!this.#key) {
        throw new SspiError(
          SEC_E_UNKNOWN_CREDENTIALS,
          "PrivateKey could not be parsed",
        );
      }
    }
    if ((this.chain.length > 0) !== (this.#key !== null)) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "Certificate and PrivateKey go together",
      );
    }
    if (this.#key && signatureSchemes(this.#key).length === 0) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "the private key's type cannot sign TLS 1.3 handshakes",
      );
    }
    if ((req.use & SECPKG_CRED_INBOUND) && !this.#key) {
      throw new SspiError(
        SEC_E_NO_CREDENTIALS,
        "a Schannel server needs a Certificate and its PrivateKey",
      );
    }
    this.#roots = a.RootCertificates
      ? parsed(derList(a.RootCertificates), "RootCertificates")
      : null;
  }

  /** Whether `version` (0x0303 or 0x0304) may be used in `role`. */
  allows(version: number, role: "client" | "server"): boolean {
    if (this.enabledProtocols === 0) return true;
    const bit = version === 0x0304
      ? (role === "client" ? 0x2000 : 0x1000)
      : (role === "client" ? 0x800 : 0x400);
    return (this.enabledProtocols & bit) !== 0;
  }

  /** The private key (for signing CertificateVerify). */
  key(): PrivateKey | null {
    return this.#key;
  }

  /** The roots to check a peer's chain against. */
  roots(): Certificate[] {
    return this.#roots ?? systemTrust();
  }

  /** Whether sessions may be resumed, TLS 1.3 and 1.2 (no `SCH_CRED_DISABLE_RECONNECTS`). */
  get reconnects(): boolean {
    return (this.flags & SCH_CRED_DISABLE_RECONNECTS) === 0;
  }

  /** A client's tickets and TLS 1.2 sessions, by target name (private to the package; wiped on free). */
  sessions(): SessionCache {
    return this.#sessions;
  }

  /** A server's TLS 1.2 sessions by session_id (private to the package; wiped on free). */
  serverSessions(): ServerSessionCache {
    return this.#serverSessions;
  }

  /** A server's ticket key, made on first use (wiped on free). */
  ticketKey(): TicketKey {
    return this.#ticketKey ??= new TicketKey();
  }

  /** Drops the key, the session cache and the ticket key. */
  dispose(): void {
    this.#key = null;
    this.#sessions.clear();
    this.#serverSessions.clear();
    this.#ticketKey?.wipe();
    this.#ticketKey = null;
  }
}
