/**
 * The AES flavour of Netlogon's session-key and credential arithmetic (MS-NRPC
 * 3.1.4.3.1, 3.1.4.4.1, 3.1.4.5): the session key both ends derive from the
 * machine account's NT hash and two challenges, the 8-byte credentials that prove
 * it, and the authenticator chain that Netlogon calls without a secure channel of
 * their own carry. Everything here is AES-128-CFB8 and HMAC-SHA256; the older
 * DES/MD5 variants are not offered (a DC that cannot do AES is not supported).
 *
 * @example Both ends of the challenge exchange
 * ```ts
 * import {
 *   computeSessionKeyAes,
 *   newClientChallenge,
 *   NetlogonCredentialChain,
 * } from "./crypto.ts";
 * import assert from "node:assert/strict";
 *
 * const ntHash = new Uint8Array(16).fill(7); // the machine account's NT hash
 * const clientChallenge = newClientChallenge();
 * const serverChallenge = newClientChallenge(); // the DC's, from NetrServerReqChallenge
 * const key = computeSessionKeyAes(ntHash, clientChallenge, serverChallenge);
 * const chain = new NetlogonCredentialChain(key, clientChallenge, serverChallenge);
 * // chain.clientCredential goes to NetrServerAuthenticate3; its answer is checked:
 * const server = new NetlogonCredentialChain(key, clientChallenge, serverChallenge);
 * assert.ok(chain.verifyServerCredential(server.serverCredential));
 * chain.dispose();
 * server.dispose();
 * ```
 *
 * @module
 */
import { hmacSha256, randomBytes } from "../crypto/mod.ts";
import { aesCfb8Decrypt, aesCfb8Encrypt } from "../wasm/aes.ts";
import { constantTimeEqual, readU32le } from "../util/bytes.ts";

/** Bytes in a Netlogon challenge or credential (`NETLOGON_CREDENTIAL`). */
export const NETLOGON_CREDENTIAL_SIZE = 8;
/** Bytes in the negotiated AES session key. */
export const NETLOGON_SESSION_KEY_SIZE = 16;

const ZERO_IV = new Uint8Array(16);

function checkLength(b: Uint8Array, len: number, what: string): void {
  if (!(b instanceof Uint8Array)) {
    throw new TypeError(`Cannot use ${what}: expected a Uint8Array`);
  }
  if (b.length !== len) {
    throw new RangeError(
      `Cannot use ${what}: expected ${len} bytes, got ${b.length}`,
    );
  }
}

/**
 * A random 8-byte client challenge for `NetrServerReqChallenge`. Its first five
 * bytes are never all equal: DCs patched for CVE-2020-1472 (ZeroLogon) refuse such
 * a challenge (MS-NRPC 3.1.4.1).
 */
export function newClientChallenge(): Uint8Array {
  for (;;) {
    const c = randomBytes(NETLOGON_CREDENTIAL_SIZE);
    if (c.subarray(1, 5).some((b) => b !== c[0])) return c;
  }
}

/**
 * The AES session key (MS-NRPC 3.1.4.3.1): the first 16 bytes of
 * HMAC-SHA256(ntHash, ClientChallenge || ServerChallenge).
 *
 * @param ntHash The machine account's NT hash (MD4 of its UTF-16LE password), 16 bytes.
 * @param clientChallenge 8 bytes.
 * @param serverChallenge 8 bytes.
 * @returns A new 16-byte key; the caller wipes it.
 * @throws {RangeError} for inputs of the wrong size.
 */
export function computeSessionKeyAes(
  ntHash: Uint8Array,
  clientChallenge: Uint8Array,
  serverChallenge: Uint8Array,
): Uint8Array {
  checkLength(ntHash, 16, "NT hash");
  checkLength(clientChallenge, NETLOGON_CREDENTIAL_SIZE, "client challenge");
  checkLength(serverChallenge, NETLOGON_CREDENTIAL_SIZE, "server challenge");
  const challenges = new Uint8Array(16);
  challenges.set(clientChallenge);
  challenges.set(serverChallenge, 8);
  const mac = hmacSha256(ntHash, challenges);
  const key = mac.slice(0, NETLOGON_SESSION_KEY_SIZE);
  mac.fill(0);
  return key;
}

/**
 * ComputeNetlogonCredential with AES (MS-NRPC 3.1.4.4.1): the 8-byte `input`
 * encrypted with AES-128-CFB8 under the session key and an all-zero IV.
 *
 * @param sessionKey The 16-byte AES session key.
 * @param input 8 bytes (a challenge, or a stored credential plus a time).
 * @returns A new 8-byte credential.
 * @throws {RangeError} for inputs of the wrong size.
 */
export function computeNetlogonCredential(
  sessionKey: Uint8Array,
  input: Uint8Array,
): Uint8Array {
  checkLength(sessionKey, NETLOGON_SESSION_KEY_SIZE, "session key");
  checkLength(input, NETLOGON_CREDENTIAL_SIZE, "credential input");
  const out = input.slice();
  aesCfb8Encrypt(sessionKey, ZERO_IV, out);
  return out;
}

/**
 * Encrypts a secret field of a Netlogon message with the session key (AES-128-CFB8,
 * zero IV), as an AES DC does for the UserSessionKey and LMSessKey of a
 * `NETLOGON_VALIDATION_SAM_INFO`/`_INFO2` (not `_INFO4`), sealed channel or not,
 * leaving an all-zero key as it is (Samba does the same). Returns a new array.
 *
 * @throws {RangeError} for a session key that is not 16 bytes.
 */
export function netlogonAesEncrypt(
  sessionKey: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  checkLength(sessionKey, NETLOGON_SESSION_KEY_SIZE, "session key");
  const out = data.slice();
  aesCfb8Encrypt(sessionKey, ZERO_IV, out);
  return out;
}

/**
 * Decrypts what {@linkcode netlogonAesEncrypt} encrypted. Returns a new array.
 *
 * @throws {RangeError} for a session key that is not 16 bytes.
 */
export function netlogonAesDecrypt(
  sessionKey: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  checkLength(sessionKey, NETLOGON_SESSION_KEY_SIZE, "session key");
  const out = data.slice();
  aesCfb8Decrypt(sessionKey, ZERO_IV, out);
  return out;
}

/**
 * `credential` with `n` added to its first four bytes as a little-endian 32-bit
 * number, wrapping (the "+" of MS-NRPC 3.1.4.5); the last four bytes unchanged.
 * Returns a new array.
 */
export function addToCredential(credential: Uint8Array, n: number): Uint8Array {
  checkLength(credential, NETLOGON_CREDENTIAL_SIZE, "credential");
  const out = credential.slice();
  const v = (readU32le(credential, 0) + n) >>> 0;
  out[0] = v & 0xff;
  out[1] = (v >>> 8) & 0xff;
  out[2] = (v >>> 16) & 0xff;
  out[3] = v >>> 24;
  return out;
}

/** A `NETLOGON_AUTHENTICATOR` (MS-NRPC 2.2.1.1.5). */
export interface NetlogonAuthenticator {
  /** The 8-byte credential. */
  credential: Uint8Array;
  /** Seconds since 1970-01-01 UTC, as a 32-bit unsigned number. */
  timestamp: number;
}

/**
 * The client's side of the credential chain of one Netlogon session (MS-NRPC
 * 3.1.4.1 and 3.1.4.5): the credentials of `NetrServerAuthenticate3`, then one
 * authenticator per call that needs one and the check of the DC's return
 * authenticator. Keeps the session key; {@linkcode dispose} wipes it.
 *
 * The stored credential starts as the client credential. Each authenticator adds
 * its timestamp to it and sends its encryption; the DC answers with the encryption
 * of that plus one, which becomes the stored credential. Timestamps never repeat
 * or go back: each is at least 2 above the previous one when the clock has not
 * moved on (as Samba's client does).
 */
export class NetlogonCredentialChain {
  #key: Uint8Array;
  #stored: Uint8Array;
  #clientCredential: Uint8Array;
  #serverCredential: Uint8Array;
  #lastTimestamp = 0;
  #pendingReturn: Uint8Array | null = null;

  /**
   * Starts a chain from the session key and the two challenges.
   *
   * @param sessionKey The 16-byte AES session key (copied).
   * @param clientChallenge The 8-byte client challenge.
   * @param serverChallenge The 8-byte server challenge.
   */
  constructor(
    sessionKey: Uint8Array,
    clientChallenge: Uint8Array,
    serverChallenge: Uint8Array,
  ) {
    checkLength(sessionKey, NETLOGON_SESSION_KEY_SIZE, "session key");
    this.#key = sessionKey.slice();
    this.#clientCredential = computeNetlogonCredential(
      this.#key,
      clientChallenge,
    );
    this.#stored = this.#clientCredential.slice();
    this.#serverCredential = computeNetlogonCredential(
      this.#key,
      serverChallenge,
    );
  }

  /** The ClientCredential to send in `NetrServerAuthenticate3` (a copy). */
  get clientCredential(): Uint8Array {
    this.#live();
    return this.#clientCredential.slice();
  }

  /** The ServerCredential the DC must return (a copy; a DC's view of the chain). */
  get serverCredential(): Uint8Array {
    this.#live();
    return this.#serverCredential.slice();
  }

  /**
   * Checks the ServerCredential returned by `NetrServerAuthenticate3` (constant
   * time). False means the DC does not know the machine account's password.
   */
  verifyServerCredential(credential: Uint8Array): boolean {
    this.#live();
    return credential instanceof Uint8Array &&
      constantTimeEqual(credential, this.#serverCredential);
  }

  /**
   * The next authenticator (MS-NRPC 3.1.4.5): advances the stored credential by
   * the timestamp and returns its encryption.
   *
   * @param now The current time in seconds since 1970 (defaults to the clock).
   */
  nextAuthenticator(
    now: number = Math.floor(Date.now() / 1000),
  ): NetlogonAuthenticator {
    this.#live();
    let timestamp = (this.#lastTimestamp + 2) >>> 0;
    if (this.#lastTimestamp === 0 || (now >>> 0) > timestamp) {
      timestamp = now >>> 0;
    }
    this.#lastTimestamp = timestamp;
    const advanced = addToCredential(this.#stored, timestamp);
    this.#stored.fill(0);
    this.#stored = advanced;
    const credential = computeNetlogonCredential(this.#key, advanced);
    this.#pendingReturn = addToCredential(advanced, 1);
    return { credential, timestamp };
  }

  /**
   * Checks the DC's return authenticator credential for the last
   * {@linkcode nextAuthenticator} (constant time) and, when it matches, makes the
   * stored credential one more, as the DC did. False when it does not match or no
   * authenticator is outstanding.
   */
  verifyReturnAuthenticator(credential: Uint8Array): boolean {
    this.#live();
    const next = this.#pendingReturn;
    if (!next || !(credential instanceof Uint8Array)) return false;
    const expected = computeNetlogonCredential(this.#key, next);
    const ok = constantTimeEqual(credential, expected);
    expected.fill(0);
    if (ok) {
      this.#stored.fill(0);
      this.#stored = next;
      this.#pendingReturn = null;
    }
    return ok;
  }

  /** Wipes the session key and the credentials; later use throws. */
  dispose(): void {
    this.#key.fill(0);
    this.#stored.fill(0);
    this.#clientCredential.fill(0);
    this.#serverCredential.fill(0);
    this.#pendingReturn?.fill(0);
    this.#pendingReturn = null;
    this.#key = new Uint8Array(0);
  }

  #live(): void {
    if (this.#key.length === 0) {
      throw new Error(
        "Cannot use NetlogonCredentialChain: it has been disposed",
      );
    }
  }
}
