/**
 * Schannel credentials: the certificate chain and private key a server (or a client
 * asked for a certificate) presents, the roots that peers' chains are checked against,
 * and the `SCH_CRED_*` flags.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SECPKG_CRED_INBOUND } from "../../sspi/flags.ts";
import type {
  AcquireRequest,
  AttributeResult,
  PackageCredential,
} from "../../sspi/package.ts";
import { KEX_GROUPS } from "./kex.ts";
import { TLS13_SUITES, type Tls13Suite } from "./keys.ts";
import { TLS12_SUITES, type Tls12Suite } from "./prf.ts";
import { SCH_CRED_DISABLE_RECONNECTS } from "./constants.ts";
import { SessionCache } from "./session_cache.ts";
import {
  acquisitionPolicy,
  CredentialAttributes,
  TlsPolicy,
} from "./credential_attributes.ts";
import { ServerSessionCache } from "./server_sessions.ts";
import { SESSION_LIFETIME_MS, TicketKey } from "./ticket.ts";
import {
  type PendingRevocation,
  type RevocationPolicy,
  revocationPolicy,
} from "./status_request.ts";
import { RevocationCache } from "../../pki/revocation_cache.ts";
import type { RevocationCheck } from "./peer.ts";
import { TIMESTAMP_NEVER } from "../../sspi/buffers.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_NO_CREDENTIALS,
  SEC_E_UNKNOWN_CREDENTIALS,
} from "../../sspi/status.ts";
import {
  type Certificate,
  type Crl,
  parseCertificate,
  parseCrl,
  parseOcspResponse,
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
   * `SCH_CRED_DISABLE_RECONNECTS` (no session resumption, TLS 1.3 or 1.2, either role);
   * revocation checking of the peer's chain: `SCH_CRED_REVOCATION_CHECK_END_CERT`,
   * `_CHAIN`, `_CHAIN_EXCLUDE_ROOT`, with `SCH_CRED_IGNORE_NO_REVOCATION_CHECK` and
   * `SCH_CRED_IGNORE_REVOCATION_OFFLINE` and `SCH_CRED_REVOCATION_CHECK_CACHE_ONLY`
   * (see `CertificateRevocationLists`).
   */
  dwFlags?: number;
  /**
   * `dwSessionLifespan`: how long, in milliseconds, a session may be resumed after
   * its full handshake (the client's cached sessions and tickets, the server's
   * session ids and the tickets it issues and takes); 0 or absent is Windows'
   * default, 36,000,000 (10 hours).
   */
  dwSessionLifespan?: number;
  /**
   * `dwMinimumCipherStrength` and `dwMaximumCipherStrength`: the bulk cipher key
   * sizes, in bits, the suites may have (0: no bound; 128 for AES-128, 256 for
   * AES-256 and ChaCha20-Poly1305). With `palgSupportedAlgs` (the `ALG_ID`s,
   * `cSupportedAlgs` of them, every part of a suite must be among), they narrow the
   * suites at acquisition as `SetCredentialsAttributes(SECPKG_ATTR_CIPHER_STRENGTHS`
   * or `SECPKG_ATTR_SUPPORTED_ALGS)` would, and later Sets cannot widen them again.
   * Malformed values are `SEC_E_UNKNOWN_CREDENTIALS`; limits that leave no suite,
   * `SEC_E_ALGORITHM_MISMATCH`.
   */
  dwMinimumCipherStrength?: number;
  /** See `dwMinimumCipherStrength`. */
  dwMaximumCipherStrength?: number;
  /** The length of `palgSupportedAlgs` (see `dwMinimumCipherStrength`). */
  cSupportedAlgs?: number;
  /** `ALG_ID`s (see `dwMinimumCipherStrength`). */
  palgSupportedAlgs?: readonly number[];
  /**
   * Certificate revocation lists for the revocation check the
   * `SCH_CRED_REVOCATION_CHECK_*` flags ask for: PEM text (`X509 CRL` blocks) or DER,
   * one or a list. With those flags a client also asks the server for a stapled OCSP
   * response (`status_request`) and takes it for the leaf; in the async calls
   * (`SspiInitializeSecurityContextAsync`, `SspiAcceptSecurityContextAsync`) what
   * these leave open is fetched from the OCSP responders and CRLs the certificates
   * name (`http:`), and kept on the credential until out of date, as Windows does,
   * unless `SCH_CRED_REVOCATION_CHECK_CACHE_ONLY`; an unreachable source counts as
   * out of date. A revoked certificate fails the
   * handshake with `CRYPT_E_REVOKED`, no usable information with
   * `CRYPT_E_NO_REVOCATION_CHECK`, only out-of-date information with
   * `CRYPT_E_REVOCATION_OFFLINE`, as Windows' Schannel does.
   */
  CertificateRevocationLists?: string | Uint8Array | readonly Uint8Array[];
  /**
   * A server's OCSP response for its leaf (a DER `OCSPResponse`, as `openssl ocsp
   * -respout` writes it), stapled when a client asks for one (`status_request`):
   * TLS 1.3 in the leaf's certificate entry, TLS 1.2 as a CertificateStatus message.
   * Windows staples the response it fetched itself; here the caller supplies it (and
   * acquires a new credential when it is renewed).
   */
  OcspResponse?: Uint8Array;
  /**
   * A server issues and takes RFC 5077 session tickets in TLS 1.2 (self-contained,
   * sealed with the credential's ticket key: no session kept), besides resuming by
   * session id. Default false, as Windows' Schannel server (`EnableSessionTicket`).
   * A client always asks for tickets and resumes with them (unless
   * `SCH_CRED_DISABLE_RECONNECTS`).
   */
  Tls12SessionTickets?: boolean;
  /**
   * A server that asks for client certificates (`ASC_REQ_MUTUAL_AUTH`) names the
   * CAs it accepts in its CertificateRequest: the subjects of `RootCertificates`
   * (TLS 1.3 `certificate_authorities`, TLS 1.2's list; as many as fit in 64 KiB),
   * which a Windows client reads as `SECPKG_ATTR_ISSUER_LIST_EX` to pick its
   * certificate. Default false, as Windows' Schannel since Windows Server 2012
   * (the `SendTrustedIssuerList` registry value, whose name this takes); nothing
   * is sent either without `RootCertificates` (the system bundle is not listed).
   */
  SendTrustedIssuerList?: boolean;
  /** ALPN: protocols a client offers, or a server accepts, in preference order. */
  ApplicationProtocols?: readonly string[];
  /**
   * `SP_PROT_*` bits of the versions allowed (`SP_PROT_TLS1_3_CLIENT` 0x2000,
   * `SP_PROT_TLS1_2_CLIENT` 0x800, `SP_PROT_TLS1_3_SERVER` 0x1000,
   * `SP_PROT_TLS1_2_SERVER` 0x400; also `SP_PROT_TLS1_1_CLIENT` 0x200,
   * `SP_PROT_TLS1_0_CLIENT` 0x80, `SP_PROT_TLS1_1_SERVER` 0x100 and
   * `SP_PROT_TLS1_0_SERVER` 0x40, with the `_CBC_SHA` suites); 0 or absent: TLS 1.3
   * and TLS 1.2.
   */
  grbitEnabledProtocols?: number;
  /**
   * The key exchange groups allowed, preferred first: `"x25519"` (`"curve25519"`),
   * `"secp256r1"` (`"P-256"`, `"NistP256"`), `"secp384r1"` (`"P-384"`,
   * `"NistP384"`), case-insensitive, or their TLS code points. Default all three in
   * that order (as Windows). A client sends its key share for the first (a server
   * wanting another asks by HelloRetryRequest); a server prefers them in this order.
   */
  KeyExchangeGroups?: readonly (string | number)[];
  /**
   * The cipher suites allowed, TLS 1.3 and 1.2, by IANA name or code point:
   * `"TLS_AES_128_GCM_SHA256"` (0x1301), `"TLS_AES_256_GCM_SHA384"` (0x1302),
   * `"TLS_CHACHA20_POLY1305_SHA256"` (0x1303);
   * `"TLS_ECDHE_{ECDSA,RSA}_WITH_AES_128_GCM_SHA256"` (0xc02b, 0xc02f),
   * `"TLS_ECDHE_{ECDSA,RSA}_WITH_AES_256_GCM_SHA384"` (0xc02c, 0xc030),
   * `"TLS_ECDHE_{RSA,ECDSA}_WITH_CHACHA20_POLY1305_SHA256"` (0xcca8, 0xcca9),
   * `"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"` (0x9e), `"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"`
   * (0x9f), `"TLS_RSA_WITH_AES_128_GCM_SHA256"` (0x9c), `"TLS_RSA_WITH_AES_256_GCM_SHA384"`
   * (0x9d); the AES-CBC suites of `suites12_cbc.ts`, such as
   * `"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"` (0xc013) or `"TLS_RSA_WITH_AES_256_CBC_SHA"`
   * (0x35). Default all. A client offers them and a server picks the first the client
   * offers, both in this package's order (ECDHE before DHE before static RSA, AES-GCM
   * before ChaCha20-Poly1305, AES-CBC after every AEAD suite), whatever the order here; only a client speaks the DHE
   * and static-RSA suites (a server never picks them); a version none of whose suites
   * is listed is neither offered nor accepted. The
   * portable stand-in for Windows' cipher-suite policy (`SCH_CREDENTIALS`
   * `pDisabledCrypto`, or the system's suite order).
   */
  CipherSuites?: readonly (string | number)[];
}

/** The TLS 1.3 and 1.2 suites of `CipherSuites`, each in our order of preference. */
function suitesOf(
  list: readonly (string | number)[] | undefined,
): { tls13: Tls13Suite[]; tls12: Tls12Suite[] } {
  if (list === undefined) {
    return { tls13: [...TLS13_SUITES], tls12: [...TLS12_SUITES] };
  }
  const ids = list.map((s) => {
    if (typeof s === "number") return s;
    const name = String(s).toUpperCase();
    return TLS13_SUITES.find((x) => x.name === name)?.id ??
      TLS12_SUITES.find((x) => x.name === name)?.id ?? -1;
  });
  const known = (id: number) =>
    TLS13_SUITES.some((x) => x.id === id) ||
    TLS12_SUITES.some((x) => x.id === id);
  if (!ids.length || !ids.every(known)) {
    throw new SspiError(
      SEC_E_ALGORITHM_MISMATCH,
      "CipherSuites: only the TLS 1.3 AES-GCM and ChaCha20-Poly1305 suites, " +
        "the TLS 1.2 ECDHE AES-GCM and ChaCha20-Poly1305 suites, the TLS 1.2 " +
        "DHE_RSA and RSA AES-GCM suites and the TLS 1.2 ECDHE and RSA AES-CBC " +
        "suites are supported",
    );
  }
  return {
    tls13: TLS13_SUITES.filter((x) => ids.includes(x.id)),
    tls12: TLS12_SUITES.filter((x) => ids.includes(x.id)),
  };
}

const GROUP_NAMES: Readonly<Record<string, number>> = {
  x25519: 0x001d,
  curve25519: 0x001d,
  secp256r1: 0x0017,
  "p-256": 0x0017,
  nistp256: 0x0017,
  secp384r1: 0x0018,
  "p-384": 0x0018,
  nistp384: 0x0018,
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
      'KeyExchangeGroups: only "x25519", "secp256r1" and "secp384r1" are supported',
    );
  }
  return [...new Set(out)];
}

/** The CRLs of `CertificateRevocationLists`; one that does not parse fails. */
function crlsOf(v: string | Uint8Array | readonly Uint8Array[]): Crl[] {
  const ders = typeof v === "string"
    ? parsePem(v, "X509 CRL")
    : v instanceof Uint8Array
    ? [v]
    : Array.isArray(v) && v.every((c) => c instanceof Uint8Array)
    ? [...v]
    : null;
  const crls = ders?.map((d) => parseCrl(d));
  if (!crls?.length || crls.some((c) => c === null)) {
    throw new SspiError(
      SEC_E_UNKNOWN_CREDENTIALS,
      "CertificateRevocationLists: PEM X509 CRL blocks or DER CRLs that parse",
    );
  }
  return crls as Crl[];
}

/** `OcspResponse`, checked to be a DER OCSPResponse. */
function ocspOf(v: Uint8Array): Uint8Array {
  if (!(v instanceof Uint8Array) || !parseOcspResponse(v)) {
    throw new SspiError(
      SEC_E_UNKNOWN_CREDENTIALS,
      "OcspResponse must be a DER OCSPResponse",
    );
  }
  return v.slice();
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

/** `dwSessionLifespan` in ms: 0 or absent is the 10-hour default; a DWORD else. */
function lifespanOf(v: number | undefined): number {
  if (v === undefined || v === 0) return SESSION_LIFETIME_MS;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new SspiError(
      SEC_E_UNKNOWN_CREDENTIALS,
      "dwSessionLifespan must be a DWORD (milliseconds)",
    );
  }
  return v;
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
  /** The key exchange groups, preferred first. */
  readonly groups: readonly number[];
  /** The revocation check the flags ask for, or null. */
  readonly revocation: RevocationPolicy | null;
  /** A server's OCSP response to staple (DER), or null. */
  readonly ocspResponse: Uint8Array | null;
  /** A server issues and takes TLS 1.2 session tickets. */
  readonly tickets12: boolean;
  /** The CA names (DER) a server's CertificateRequest lists (`SendTrustedIssuerList`). */
  readonly issuerList: readonly Uint8Array[];
  #crls: Crl[];
  #revocationCache: RevocationCache | null = null;
  #key: PrivateKey | null;
  #roots: Certificate[] | null;
  /**
   * How long a session may be resumed after its full handshake, in ms
   * (`dwSessionLifespan`; 0 or absent: Windows' 10 hours).
   */
  readonly sessionLifespan: number;
  #sessions: SessionCache;
  #ticketKey: TicketKey | null = null;
  #serverSessions: ServerSessionCache;
  /** The versions and suites, with what `SetCredentialsAttributes` narrowed. */
  readonly #attributes: CredentialAttributes;

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
    this.sessionLifespan = lifespanOf(a.dwSessionLifespan);
    this.#sessions = new SessionCache(this.sessionLifespan);
    this.#serverSessions = new ServerSessionCache(this.sessionLifespan);
    this.protocols = a.ApplicationProtocols
      ? [...a.ApplicationProtocols]
      : null;
    this.groups = groupsOf(a.KeyExchangeGroups);
    const suites = suitesOf(a.CipherSuites);
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
    this.revocation = revocationPolicy(this.flags);
    this.#crls = a.CertificateRevocationLists
      ? crlsOf(a.CertificateRevocationLists)
      : [];
    this.ocspResponse = a.OcspResponse === undefined
      ? null
      : ocspOf(a.OcspResponse);
    this.tickets12 = a.Tls12SessionTickets === true;
    this.issuerList = a.SendTrustedIssuerList === true && this.#roots
      ? this.#roots.map((c) => c.subject)
      : [];
    this.#attributes = new CredentialAttributes(
      req.use,
      acquisitionPolicy(
        req.use,
        new TlsPolicy(
          (a.grbitEnabledProtocols ?? 0) >>> 0,
          suites.tls13,
          suites.tls12,
          this.#key?.kind === "rsa",
        ),
        a,
      ),
    );
  }

  /**
   * The versions and suites allowed now (`grbitEnabledProtocols` and
   * `CipherSuites`, narrowed by `SetCredentialsAttributes`): a TLS engine takes it
   * when its handshake starts and keeps it.
   */
  get policy(): TlsPolicy {
    return this.#attributes.policy;
  }

  /**
   * `QueryCredentialsAttributes`: `SECPKG_ATTR_SUPPORTED_PROTOCOLS`,
   * `SECPKG_ATTR_CIPHER_STRENGTHS`, `SECPKG_ATTR_SUPPORTED_ALGS`
   * (`credential_attributes.ts`).
   */
  queryAttribute(attribute: number): AttributeResult {
    return this.#attributes.query(attribute);
  }

  /**
   * `SetCredentialsAttributes`: the same three attributes narrow the versions and
   * suites of the contexts started from then on; throws an `SspiError` with
   * `SEC_E_INVALID_PARAMETER` for a value it refuses (the credential unchanged).
   */
  setAttribute(attribute: number, value: unknown): number {
    return this.#attributes.set(attribute, value);
  }

  /**
   * What checking a peer's chain for revocation needs (its stapled OCSP response
   * `ocsp`, the CRLs, the policy), or null when the flags ask for no check; with
   * `defer`, the check is left in that list for an async step to finish.
   */
  revocationCheck(
    ocsp: Uint8Array | null,
    defer: PendingRevocation[] | null = null,
  ): RevocationCheck | null {
    return this.revocation
      ? { policy: this.revocation, crls: this.#crls, ocsp, defer }
      : null;
  }

  /** The CRLs of `CertificateRevocationLists`. */
  crls(): readonly Crl[] {
    return this.#crls;
  }

  /** What the async revocation checks fetched, kept until it goes out of date. */
  revocationCache(): RevocationCache {
    return this.#revocationCache ??= new RevocationCache();
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
