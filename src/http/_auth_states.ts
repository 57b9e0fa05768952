/**
 * One HTTP authentication in progress, for the origin or for a proxy: a
 * connection-bound one (Negotiate, NTLM) over a friendly-layer client context, or a
 * Digest one per request URI; each answers challenges and checks the server's
 * mutual-authentication token.
 *
 * @module
 */
import type { KdcOption } from "../packages/kerberos/mod.ts";
import {
  client as sspiClient,
  type SecurityContext,
} from "../friendly/context.ts";
import { SspiError } from "../sspi/errors.ts";
import {
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
} from "../sspi/flags.ts";
import {
  SEC_E_LOGON_DENIED,
  SEC_E_MUTUAL_AUTH_FAILED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
} from "../sspi/status.ts";
import type { SecurityFunctionTable } from "../native/function_table.ts";
import {
  type Challenge,
  decodeBase64Strict,
  encodeBase64,
  sameScheme,
  splitChallenges,
} from "./_auth_header.ts";
import { type HttpAuthScheme, packageOf } from "./_schemes.ts";
import { DigestClient, errorOf } from "./_sspi_calls.ts";
import { SessionCipher } from "./_session_cipher.ts";
import { portableTable } from "../sspi/table.ts";

/** A user name, domain and password (`SEC_WINNT_AUTH_IDENTITY`). */
export interface AuthFetchCredentials {
  /** The user name (or `DOMAIN\user`, or `user@domain`). */
  username: string;
  /** The domain (for Digest: the realm to prefer). */
  domain?: string;
  /** The password. */
  password: string;
  /**
   * Negotiate with Kerberos: the realm's KDCs (`host[:port]`), or an object
   * mapping realms to their KDCs (cross-realm); default the `kdc` lines of
   * `krb5.conf`. Without either, Negotiate falls back to NTLM.
   */
  kdc?: KdcOption;
}

/** One authentication in progress (for the origin or for the proxy). */
export interface AuthState {
  readonly scheme: HttpAuthScheme;
  /** The next header value to send, or null to give up (return the 401/407). */
  respond(challenges: Challenge[]): Promise<string | null>;
  /** Checks the mutual-authentication token of the final response; throws if wrong. */
  verify(headers: Headers, proxy: boolean): Promise<void>;
  dispose(): void;
}

/** Negotiate or NTLM: one client context for the connection's handshake. */
export class ConnectionAuth implements AuthState {
  readonly scheme: HttpAuthScheme;
  readonly #ctx: SecurityContext;
  readonly #sspi: SecurityFunctionTable | undefined;
  #sent = false;

  constructor(
    scheme: "Negotiate" | "NTLM",
    creds: AuthFetchCredentials | undefined,
    target: string,
    channelBindings: Uint8Array | null,
    sspi: SecurityFunctionTable | undefined,
  ) {
    this.scheme = scheme;
    this.#sspi = sspi;
    this.#ctx = sspiClient({
      sspi,
      package: packageOf(scheme),
      username: creds?.username,
      domain: creds?.domain,
      password: creds?.password,
      kdc: creds?.kdc,
      target,
      flags: ISC_REQ_CONNECTION | ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY |
        ISC_REQ_CONFIDENTIALITY,
      channelBindings: channelBindings ?? undefined,
    });
  }

  #token(challenges: Challenge[]): Uint8Array | null | "bad" {
    const c = challenges.find((c) => sameScheme(c.scheme, this.scheme));
    if (!c || !c.rest) return null;
    return decodeBase64Strict(c.rest) ?? "bad";
  }

  async respond(challenges: Challenge[]): Promise<string | null> {
    let out: Uint8Array | null;
    if (!this.#sent) {
      out = await this.#ctx.stepAsync(null);
    } else {
      const t = this.#token(challenges);
      if (t === null || this.#ctx.complete) return null; // refused
      if (t === "bad") {
        throw new TypeError(`malformed ${this.scheme} token from the server`);
      }
      try {
        out = await this.#ctx.stepAsync(t);
      } catch (e) {
        // A 401 whose token rejects the logon (SPNEGO's negState reject, as Apache's
        // mod_auth_gssapi sends for a wrong password) is a refusal like a bare one.
        if (e instanceof SspiError && e.status === SEC_E_LOGON_DENIED) {
          return null;
        }
        throw e;
      }
    }
    this.#sent = true;
    return out ? `${this.scheme} ${encodeBase64(out)}` : null;
  }

  async verify(headers: Headers, proxy: boolean): Promise<void> {
    if (this.#ctx.complete || !this.#sent) return;
    const h = headers.get(proxy ? "proxy-authenticate" : "www-authenticate");
    const t = h ? this.#token(splitChallenges(h)) : null;
    if (t === null) return; // no final token came back: nothing to check
    if (t === "bad") {
      throw new SspiError(
        SEC_E_MUTUAL_AUTH_FAILED,
        `malformed final ${this.scheme} token`,
      );
    }
    await this.#ctx.stepAsync(t);
    if (!this.#ctx.complete) {
      throw new SspiError(
        SEC_E_MUTUAL_AUTH_FAILED,
        `the server's final ${this.scheme} token did not complete the handshake`,
      );
    }
  }

  /** True once the handshake completed (the server's final token checked, if any). */
  get complete(): boolean {
    return this.#ctx.complete;
  }

  /**
   * A cipher over the completed context, for WinRM's message encryption: it stays
   * usable until `dispose()`.
   */
  sessionCipher(): SessionCipher {
    return new SessionCipher(
      this.#sspi ?? portableTable(),
      this.#ctx.handles.context,
    );
  }

  dispose(): void {
    this.#ctx.dispose();
  }
}

/** Digest for one request URI (and method and body). */
export class DigestAuth implements AuthState {
  readonly scheme = "Digest" as const;
  readonly #client: DigestClient;
  readonly #uri: string;
  readonly #method: string;
  readonly #body: Uint8Array | null;
  #pending = false;

  constructor(
    creds: AuthFetchCredentials,
    uri: string,
    method: string,
    body: Uint8Array | null,
  ) {
    this.#client = new DigestClient(
      creds.username,
      creds.domain ?? "",
      creds.password,
    );
    this.#uri = uri;
    this.#method = method;
    this.#body = body;
  }

  respond(challenges: Challenge[]): Promise<string | null> {
    const digest = challenges.filter((c) => sameScheme(c.scheme, "Digest"));
    if (!digest.length) return Promise.resolve(null);
    const value = digest.map((c) => `Digest ${c.rest}`).join(", ");
    const r = this.#client.step(value, this.#uri, this.#method, this.#body);
    if (r.status !== SEC_E_OK && r.status !== SEC_I_CONTINUE_NEEDED) {
      return Promise.resolve(null); // refused password, or nothing we can answer
    }
    this.#pending = r.status === SEC_I_CONTINUE_NEEDED;
    return Promise.resolve(r.value);
  }

  verify(headers: Headers, proxy: boolean): Promise<void> {
    const info = headers.get(
      proxy ? "proxy-authentication-info" : "authentication-info",
    );
    if (!info || !this.#pending) return Promise.resolve();
    const r = this.#client.step(info, this.#uri, this.#method, this.#body);
    if (r.status !== SEC_E_OK) {
      return Promise.reject(
        errorOf(r.status, "checking the server's Authentication-Info"),
      );
    }
    this.#pending = false;
    return Promise.resolve();
  }

  dispose(): void {
    this.#client.dispose();
  }
}
