/**
 * The state behind `PSEC_WINNT_AUTH_IDENTITY_OPAQUE`: the object the `Sspi*AuthIdentity`
 * functions hand out, and the one place (`resolveAuthData`) where the dispatcher turns
 * it into the `{ User, Domain, Password, PackageList }` object the packages take.
 *
 * The password is kept as UTF-16LE bytes, so `SspiZeroAuthIdentity` can overwrite it;
 * when encrypted (`SspiEncryptAuthIdentity`) the bytes are AES-256-GCM under a key made
 * at random when this module first needs it and kept only in a module-private variable:
 * the portable stand-in for Windows' process-scoped `CryptProtectMemory`. JavaScript
 * strings cannot be wiped, so the password string a package receives lives until the
 * garbage collector takes it.
 *
 * @module
 */
import { SspiError } from "./errors.ts";
import { SEC_E_UNKNOWN_CREDENTIALS } from "./status.ts";
import { AesGcm, GCM_NONCE_LENGTH, GCM_TAG_LENGTH } from "../wasm/gcm.ts";

import {
  SEC_WINNT_AUTH_IDENTITY_ANSI,
  SEC_WINNT_AUTH_IDENTITY_UNICODE,
} from "./flags.ts";

export { SEC_WINNT_AUTH_IDENTITY_ANSI, SEC_WINNT_AUTH_IDENTITY_UNICODE };
/** `SEC_WINNT_AUTH_IDENTITY_MARSHALLED`: all the data is in one buffer. */
export const SEC_WINNT_AUTH_IDENTITY_MARSHALLED = 0x4;
/** `SEC_WINNT_AUTH_IDENTITY_ONLY`: identity only (Kerberos: no authorization data). */
export const SEC_WINNT_AUTH_IDENTITY_ONLY = 0x8;
/** `SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED`: encrypted for this process only. */
export const SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED = 0x10;
/** `SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_PROTECTED`. */
export const SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_PROTECTED = 0x20;
/** `SEC_WINNT_AUTH_IDENTITY_FLAGS_USER_PROTECTED`. */
export const SEC_WINNT_AUTH_IDENTITY_FLAGS_USER_PROTECTED = 0x40;
/** `SEC_WINNT_AUTH_IDENTITY_FLAGS_RESERVED`. */
export const SEC_WINNT_AUTH_IDENTITY_FLAGS_RESERVED = 0x10000;
/** `SEC_WINNT_AUTH_IDENTITY_FLAGS_ID_PROVIDER`: the domain names an online ID provider. */
export const SEC_WINNT_AUTH_IDENTITY_FLAGS_ID_PROVIDER = 0x80000;

/** What an opaque identity holds (module-private to the auth-identity modules). */
export interface IdentityState {
  /** User name; null when none was given (the logged-on user on Windows). */
  user: string | null;
  /** Domain; null when none was given. */
  domain: string | null;
  /** Negotiate's package list (`"!Kerberos"`, `"NTLM,Kerberos"`), or null. */
  packageList: string | null;
  /** `SEC_WINNT_AUTH_IDENTITY_*` flags; `..._PROCESS_ENCRYPTED` while encrypted. */
  flags: number;
  /** UTF-16LE password, or nonce || ciphertext || tag while encrypted; null: none. */
  secret: Uint8Array | null;
  /** Set by SspiZeroAuthIdentity / SspiFreeAuthIdentity. */
  wiped: boolean;
}

const STATES = new WeakMap<AuthIdentityOpaque, IdentityState>();
const TOKEN = Symbol("AuthIdentityOpaque");

/**
 * `PSEC_WINNT_AUTH_IDENTITY_OPAQUE`: an authentication identity made by
 * `SspiEncodeStringsAsAuthIdentity`, `SspiCopyAuthIdentity`, `SspiExcludePackage` or
 * `SspiUnmarshalAuthIdentity`, accepted as `pAuthData` by `AcquireCredentialsHandle`
 * and `SspiAcquireCredentialsHandleAsync`. Its password is never shown: not by
 * `Deno.inspect`/`console.log`, not by `JSON.stringify`.
 */
export class AuthIdentityOpaque {
  /** Made only by the `Sspi*AuthIdentity` functions. */
  constructor(token: symbol, state: IdentityState) {
    if (token !== TOKEN) {
      throw new TypeError(
        "AuthIdentityOpaque is made by SspiEncodeStringsAsAuthIdentity",
      );
    }
    STATES.set(this, state);
  }

  /** The user, domain and package list, with no secret. */
  toJSON(): {
    User: string | null;
    Domain: string | null;
    PackageList: string | null;
    Encrypted: boolean;
    Wiped: boolean;
  } {
    const s = STATES.get(this)!;
    return {
      User: s.wiped ? null : s.user,
      Domain: s.wiped ? null : s.domain,
      PackageList: s.wiped ? null : s.packageList,
      Encrypted: isEncrypted(s),
      Wiped: s.wiped,
    };
  }

  /** No password in `Deno.inspect`/`console.log`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#describe();
  }

  /** No password in Node's `util.inspect`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#describe();
  }

  /** No password in string conversion. */
  toString(): string {
    return this.#describe();
  }

  #describe(): string {
    const j = this.toJSON();
    const s = STATES.get(this)!;
    const pw = s.wiped ? "<wiped>" : s.secret === null ? "<none>" : "<hidden>";
    return `AuthIdentityOpaque { User: ${JSON.stringify(j.User)}, Domain: ${
      JSON.stringify(j.Domain)
    }, PackageList: ${
      JSON.stringify(j.PackageList)
    }, Password: ${pw}, Encrypted: ${j.Encrypted} }`;
  }
}

/** Makes a new opaque identity around `state`. */
export function newIdentity(state: IdentityState): AuthIdentityOpaque {
  return new AuthIdentityOpaque(TOKEN, state);
}

/** The state of an opaque identity, or undefined for anything else. */
export function stateOf(x: unknown): IdentityState | undefined {
  return x instanceof AuthIdentityOpaque ? STATES.get(x) : undefined;
}

/** True while the secret is encrypted. */
export function isEncrypted(s: IdentityState): boolean {
  return (s.flags & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED) !== 0;
}

/** UTF-16LE bytes of a string. */
export function utf16le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >>> 8;
  }
  return out;
}

/** The string of UTF-16LE bytes (odd lengths are the caller's to refuse). */
export function fromUtf16le(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i + 1 < b.length; i += 2) {
    s += String.fromCharCode(b[i] | (b[i + 1] << 8));
  }
  return s;
}

// The per-process key of SspiEncryptAuthIdentity: random, made once, never exported.
let processKey: AesGcm | null = null;
const AAD = new TextEncoder().encode("SspiEncryptAuthIdentity");

function key(): AesGcm {
  if (!processKey) {
    const k = crypto.getRandomValues(new Uint8Array(32));
    processKey = new AesGcm(k);
    k.fill(0);
  }
  return processKey;
}

/** Encrypts plaintext secret bytes: nonce || ciphertext || tag (the input is wiped). */
export function sealSecret(plain: Uint8Array): Uint8Array {
  const nonce = crypto.getRandomValues(new Uint8Array(GCM_NONCE_LENGTH));
  const data = plain.slice();
  plain.fill(0);
  const tag = new Uint8Array(GCM_TAG_LENGTH);
  key().encrypt(nonce, AAD, data, tag);
  const out = new Uint8Array(nonce.length + data.length + tag.length);
  out.set(nonce, 0);
  out.set(data, nonce.length);
  out.set(tag, nonce.length + data.length);
  return out;
}

/** Decrypts sealed secret bytes; null when they were not sealed by this process. */
export function openSecret(sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < GCM_NONCE_LENGTH + GCM_TAG_LENGTH) return null;
  const nonce = sealed.subarray(0, GCM_NONCE_LENGTH);
  const data = sealed.slice(GCM_NONCE_LENGTH, sealed.length - GCM_TAG_LENGTH);
  const tag = sealed.subarray(sealed.length - GCM_TAG_LENGTH);
  return key().decrypt(nonce, AAD, data, tag) ? data : null;
}

/** The plaintext secret bytes of a state (a copy when encrypted), or null. */
export function plainSecret(s: IdentityState): Uint8Array | null {
  if (s.secret === null) return null;
  return isEncrypted(s) ? openSecret(s.secret) : s.secret;
}

/**
 * What an `AcquireCredentialsHandle` caller's `pAuthData` becomes for a package: an
 * opaque identity turns into `{ User, Domain, Password, PackageList }` (decrypting a
 * process-encrypted one); anything else is passed on unchanged. A zeroed or freed
 * identity, or one encrypted by another process, throws
 * `SspiError(SEC_E_UNKNOWN_CREDENTIALS)`, which the dispatcher returns as the status.
 */
export function resolveAuthData(authData: unknown): unknown {
  const s = stateOf(authData);
  if (!s) return authData;
  if (s.wiped) {
    throw new SspiError(
      SEC_E_UNKNOWN_CREDENTIALS,
      "the auth identity was zeroed or freed (SspiZeroAuthIdentity/SspiFreeAuthIdentity)",
    );
  }
  const out: Record<string, string> = {};
  if (s.user !== null) out.User = s.user;
  if (s.domain !== null) out.Domain = s.domain;
  if (s.packageList !== null) out.PackageList = s.packageList;
  if (s.secret !== null) {
    const p = plainSecret(s);
    if (p === null) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "the auth identity was encrypted by another process and cannot be decrypted here",
      );
    }
    out.Password = fromUtf16le(p);
    if (p !== s.secret) p.fill(0);
  }
  return out;
}
