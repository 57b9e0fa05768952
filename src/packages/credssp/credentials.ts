/**
 * CredSSP credentials: a Schannel credential for the TLS channel and a Negotiate
 * credential for the authentication inside it (`CREDSSP_CRED`'s `pSchannelCred` and
 * `pSpnegoCred`), plus, on the client, the password credentials it delegates.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SECPKG_CRED_OUTBOUND } from "../../sspi/flags.ts";
import type {
  AcquireRequest,
  PackageCredential,
  SecurityPackage,
} from "../../sspi/package.ts";
import {
  SEC_E_NO_CREDENTIALS,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNKNOWN_CREDENTIALS,
} from "../../sspi/status.ts";
import { SCH_CRED_MANUAL_CRED_VALIDATION } from "../schannel/constants.ts";
import type { SchannelAuthData } from "../schannel/credentials.ts";
import type { TSPasswordCreds } from "./tsrequest.ts";

/**
 * `pAuthData` for `CREDSSP`: Negotiate's fields (`User`, `Domain`, `Password` on a
 * client; `users`, `userFile`, `lookup`, `Keytab` on a server; `PackageList`, `Kdc`)
 * and `Schannel` for the TLS channel (a server's `Certificate` and `PrivateKey`; a
 * client's `RootCertificates`: without them the client leaves the server certificate
 * to the caller, `SECPKG_ATTR_REMOTE_CERT_CONTEXT`, as RDP clients do, and the
 * CredSSP public-key binding is what ties the TLS channel to the logon).
 * `RestrictedAdmin` (client) and `AllowRestrictedAdmin` (server) are RDP's
 * Restricted Admin mode: the logon without the password delegated.
 *
 * @example
 * ```ts
 * const client: CredSspAuthData = { User: "alice", Domain: "CONTOSO", Password: "pw" };
 * const restricted: CredSspAuthData = { ...client, RestrictedAdmin: true };
 * ```
 */
export interface CredSspAuthData {
  /** The TLS channel's credential. */
  Schannel?: SchannelAuthData;
  /**
   * The package inside the channel: `"Negotiate"` (SPNEGO, the default, what
   * Windows sends), or `"NTLM"` for raw NTLMSSP tokens, which FreeRDP's servers
   * (WinPR 2) expect and Windows servers accept, or `"Kerberos"`.
   */
  InnerPackage?: "Negotiate" | "NTLM" | "Kerberos";
  /**
   * Client: Restricted Admin mode (mstsc `/restrictedAdmin`, FreeRDP
   * `/restricted-admin`): the inner logon uses the credentials as usual, but
   * `authInfo` carries empty TSPasswordCreds (credType 1, domain, user and password
   * all empty) instead of the password; `User` and `Password` are then optional
   * here (the inner package may log on otherwise). The server must allow it
   * (Windows: `DisableRestrictedAdmin` = 0); one that refuses fails after the
   * credentials and sends a TSRequest with errorCode `STATUS_ACCOUNT_RESTRICTION`.
   * An RDP client also sets RESTRICTED_ADMIN_MODE_REQUIRED in its X.224 RDP_NEG_REQ.
   */
  RestrictedAdmin?: boolean;
  /**
   * Server: accept a client in Restricted Admin mode (empty TSPasswordCreds): the
   * logon is the inner Negotiate one and `SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS`
   * says `RestrictedAdmin: true` with no password. Default false, as Windows
   * (`DisableRestrictedAdmin`): such a client then fails with
   * `STATUS_ACCOUNT_RESTRICTION`, sent to it as the TSRequest's errorCode.
   */
  AllowRestrictedAdmin?: boolean;
  /** Negotiate's fields. */
  [field: string]: unknown;
}

/** A CredSSP credential. */
export class CredSspCredential implements PackageCredential {
  readonly use: number;
  readonly expiry: bigint;
  /** The Schannel package and credential. */
  readonly tls: { pkg: SecurityPackage; cred: PackageCredential };
  /** The Negotiate package and credential. */
  readonly nego: { pkg: SecurityPackage; cred: PackageCredential };
  /** Server: whether a client in Restricted Admin mode (empty credentials) is accepted. */
  readonly allowRestrictedAdmin: boolean;
  #delegate: TSPasswordCreds | null;

  /** Combines the inner credentials. */
  constructor(
    use: number,
    tls: { pkg: SecurityPackage; cred: PackageCredential },
    nego: { pkg: SecurityPackage; cred: PackageCredential },
    delegate: TSPasswordCreds | null,
    allowRestrictedAdmin = false,
  ) {
    this.use = use;
    this.tls = tls;
    this.nego = nego;
    this.expiry = nego.cred.expiry < tls.cred.expiry
      ? nego.cred.expiry
      : tls.cred.expiry;
    this.#delegate = delegate;
    this.allowRestrictedAdmin = allowRestrictedAdmin;
  }

  /** The password credentials a client sends in `authInfo` (all empty in Restricted Admin mode). */
  delegated(): TSPasswordCreds | null {
    return this.#delegate;
  }

  /** Frees the inner credentials and forgets the password. */
  dispose(): void {
    this.tls.cred.dispose();
    this.nego.cred.dispose();
    this.#delegate = null;
  }
}

/** Acquires the inner credentials (Negotiate's may be a Promise in the async form). */
export function acquireCredSsp(
  req: AcquireRequest,
  schannel: SecurityPackage,
  inner: Readonly<Record<string, SecurityPackage>>,
): CredSspCredential | Promise<CredSspCredential> {
  const a = (req.authData ?? {}) as CredSspAuthData;
  if (typeof a !== "object") {
    throw new SspiError(
      SEC_E_UNKNOWN_CREDENTIALS,
      "CREDSSP pAuthData must be an object",
    );
  }
  const {
    Schannel,
    InnerPackage,
    RestrictedAdmin,
    AllowRestrictedAdmin,
    ...negoAuth
  } = a;
  const negotiate = inner[(InnerPackage ?? "Negotiate").toLowerCase()];
  if (!negotiate) {
    throw new SspiError(
      SEC_E_SECPKG_NOT_FOUND,
      'InnerPackage must be "Negotiate", "NTLM" or "Kerberos"',
    );
  }
  const outbound = (req.use & SECPKG_CRED_OUTBOUND) !== 0;
  let tlsAuth: SchannelAuthData = Schannel ?? {};
  if (outbound && !tlsAuth.RootCertificates) {
    tlsAuth = {
      ...tlsAuth,
      dwFlags: (tlsAuth.dwFlags ?? 0) | SCH_CRED_MANUAL_CRED_VALIDATION,
    };
  }
  const tlsCred = schannel.acquireCredentials({ ...req, authData: tlsAuth });
  if (tlsCred instanceof Promise) {
    throw new TypeError("Schannel credentials are synchronous");
  }
  let delegate: TSPasswordCreds | null = null;
  if (outbound && RestrictedAdmin === true && negoAuth.Delegate === true) {
    // Restricted Admin leaves no reusable credential at the server: a forwarded
    // Kerberos TGT would be one.
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      "RestrictedAdmin does not combine with Delegate (a forwarded TGT)",
    );
  }
  if (outbound && RestrictedAdmin === true) {
    // MS-RDPBCGR 2.2.1.1.1, MS-CSSP 2.2.1.2.1: empty TSPasswordCreds, no password.
    delegate = { user: "", domain: "", password: "" };
  } else if (outbound) {
    const { User, Domain, Password } = negoAuth as Record<string, unknown>;
    if (typeof User !== "string" || typeof Password !== "string") {
      throw new SspiError(
        SEC_E_NO_CREDENTIALS,
        "a CredSSP client delegates a password: User and Password are needed",
      );
    }
    delegate = {
      user: User,
      domain: typeof Domain === "string" ? Domain : "",
      password: Password,
    };
  }
  const build = (c: PackageCredential) =>
    new CredSspCredential(
      req.use,
      { pkg: schannel, cred: tlsCred },
      {
        pkg: negotiate,
        cred: c,
      },
      delegate,
      !outbound && AllowRestrictedAdmin === true,
    );
  const negoCred = negotiate.acquireCredentials({ ...req, authData: negoAuth });
  return negoCred instanceof Promise ? negoCred.then(build) : build(negoCred);
}
