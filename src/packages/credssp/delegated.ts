/**
 * What a CredSSP server receives: the client's delegated password credentials, handed
 * out through `SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS` (a portable extension; on
 * Windows the server logs the user on with them instead). The password never shows in
 * `inspect`, `JSON.stringify` or string conversion, and is wiped with the context.
 *
 * @module
 */

/** The `QueryContextAttributes` attribute id of the delegated credentials (portable extension). */
export const SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS = 0x80004c01;

/** A user, domain and password delegated by a CredSSP client. */
export class CredSspDelegatedCredentials {
  /** `userName`. */
  readonly User: string;
  /** `domainName`. */
  readonly Domain: string;
  #password: string | null;

  /** Wraps the delegated values. */
  constructor(user: string, domain: string, password: string) {
    this.User = user;
    this.Domain = domain;
    this.#password = password;
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
  toJSON(): { User: string; Domain: string } {
    return { User: this.User, Domain: this.Domain };
  }

  /** No password in `Deno.inspect`/`console.log`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#describe();
  }

  #describe(): string {
    return `CredSspDelegatedCredentials { User: ${
      JSON.stringify(this.User)
    }, Domain: ${JSON.stringify(this.Domain)} }`;
  }

  /** No password in Node's `util.inspect`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#describe();
  }
}
