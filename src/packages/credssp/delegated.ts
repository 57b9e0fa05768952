/**
 * What a CredSSP server receives: the client's delegated password credentials, handed
 * out through `SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS` (a portable extension; on
 * Windows the server logs the user on with them instead), or none at all from a client
 * in Restricted Admin mode (empty TSPasswordCreds), which the server accepts only when
 * its credential allows it. The password never shows in `inspect`, `JSON.stringify` or
 * string conversion, and is wiped with the context.
 *
 * @module
 */
import {
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  STATUS_ACCOUNT_RESTRICTION,
} from "../../sspi/status.ts";
import {
  decodeTSCredentials,
  TS_CREDTYPE_PASSWORD,
  TS_CREDTYPE_REMOTE_GUARD,
  TS_CREDTYPE_SMARTCARD,
  tsCredentialsType,
} from "./tsrequest.ts";

/** The `QueryContextAttributes` attribute id of the delegated credentials (portable extension). */
export const SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS = 0x80004c01;

/**
 * A user, domain and password delegated by a CredSSP client; or, with
 * `RestrictedAdmin` true, the empty credentials of a client in Restricted Admin mode
 * (`User`, `Domain` and `Password` all `""`: the logged-on identity is the inner
 * Negotiate context's, `SECPKG_ATTR_NAMES`).
 */
export class CredSspDelegatedCredentials {
  /** `userName`. */
  readonly User: string;
  /** `domainName`. */
  readonly Domain: string;
  /** True when the client delegated nothing (Restricted Admin mode: all three fields empty). */
  readonly RestrictedAdmin: boolean;
  #password: string | null;

  /** Wraps the delegated values. */
  constructor(user: string, domain: string, password: string) {
    this.User = user;
    this.Domain = domain;
    this.#password = password;
    this.RestrictedAdmin = user === "" && domain === "" && password === "";
  }

  /** The password (throws once the context was deleted). */
  get Password(): string {
    if (this.#password === null) {
      throw new Error("the delegated credentials were wiped");
    }
    return this.#password;
  }

  /** Forgets the password. */
  wipe(): void {
    this.#password = null;
  }

  /** No password in JSON. */
  toJSON(): { User: string; Domain: string; RestrictedAdmin: boolean } {
    return {
      User: this.User,
      Domain: this.Domain,
      RestrictedAdmin: this.RestrictedAdmin,
    };
  }

  /** No password in `Deno.inspect`/`console.log`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#describe();
  }

  #describe(): string {
    return `CredSspDelegatedCredentials { User: ${
      JSON.stringify(this.User)
    }, Domain: ${
      JSON.stringify(this.Domain)
    }, RestrictedAdmin: ${this.RestrictedAdmin} }`;
  }

  /** No password in Node's `util.inspect`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#describe();
  }
}

/** NTSTATUS `STATUS_NOT_SUPPORTED`: the errorCode for credentials of a kind this server does not take. */
export const STATUS_NOT_SUPPORTED = 0xC00000BB;

/** What a server makes of the client's decrypted TSCredentials: `delegated` with `SEC_E_OK`, else why not. */
export interface ReceivedCredentials {
  /** `SEC_E_OK`, or the failure. */
  status: number;
  /** The credentials (with `SEC_E_OK`). */
  delegated?: CredSspDelegatedCredentials;
  /** Why it failed. */
  message?: string;
}

const KINDS: Readonly<Record<number, string>> = {
  [TS_CREDTYPE_SMARTCARD]:
    "smart-card credentials (TSSmartCardCreds, credType 2)",
  [TS_CREDTYPE_REMOTE_GUARD]:
    "Remote Credential Guard credentials (TSRemoteGuardCreds, credType 6)",
};

/**
 * Reads the client's TSCredentials (MS-CSSP 2.2.1.2): password credentials, or empty
 * ones (Restricted Admin mode), taken only when `allowRestrictedAdmin`; otherwise
 * `STATUS_ACCOUNT_RESTRICTION`, what Windows reports with Restricted Admin disabled.
 * Smart-card and Remote Credential Guard credentials are `SEC_E_UNSUPPORTED_FUNCTION`.
 * Throws `DerError` on malformed input.
 */
export function receiveTSCredentials(
  plain: Uint8Array,
  allowRestrictedAdmin: boolean,
): ReceivedCredentials {
  const type = tsCredentialsType(plain);
  if (type !== TS_CREDTYPE_PASSWORD) {
    return {
      status: SEC_E_UNSUPPORTED_FUNCTION,
      message: `the client sent ${
        KINDS[type] ?? `credType ${type}`
      }; this server takes password credentials only`,
    };
  }
  const c = decodeTSCredentials(plain);
  const delegated = new CredSspDelegatedCredentials(
    c.user,
    c.domain,
    c.password,
  );
  if (delegated.RestrictedAdmin && !allowRestrictedAdmin) {
    return {
      status: STATUS_ACCOUNT_RESTRICTION,
      message:
        "the client asked for Restricted Admin mode (empty TSPasswordCreds), which this server refuses (AllowRestrictedAdmin)",
    };
  }
  return { status: SEC_E_OK, delegated };
}
