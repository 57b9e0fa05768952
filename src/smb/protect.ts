/**
 * What protects one SMB2 session's messages once it is set up: the signer, and
 * for SMB 3.x the cipher when the session, a share or the caller asks for
 * encryption. Outgoing requests are signed or sealed; incoming answers are opened
 * or their signatures checked, and an unprotected answer where protection is due
 * is refused (`SEC_E_MESSAGE_ALTERED`).
 *
 * @module
 */
import { SspiError } from "../sspi/errors.ts";
import { SEC_E_MESSAGE_ALTERED } from "../sspi/status.ts";
import { constantTimeEqual } from "../util/bytes.ts";
import { type SmbCipher, smbCipher } from "./encryption.ts";
import { malformed } from "./errors.ts";
import { type SmbSigner, smbSigner } from "./signing.ts";
import { markSigned, SIGNATURE_OFFSET, SMB2_FLAGS_SIGNED } from "./wire.ts";
import { isTransformed, readTransform } from "./wire_transform.ts";

/** The keys of one session and how they are used. */
export class SmbProtection {
  readonly #where: string;
  #signer: SmbSigner | null = null;
  #cipher: SmbCipher | null = null;
  /** Requests go out sealed, and answers must come sealed. */
  #encrypting = false;

  /** Protection for the session with the server at `where` (for errors). */
  constructor(where: string) {
    this.#where = where;
  }

  /** Whether the session is set up (its keys are there). */
  get keyed(): boolean {
    return this.#signer !== null;
  }

  /** Whether requests go out encrypted. */
  get encrypting(): boolean {
    return this.#encrypting;
  }

  /**
   * Takes the session's keys: the signer for `dialect` (and 3.1.1's `signing`
   * algorithm), and the cipher when the negotiation settled one (`cipher`
   * non-zero).
   */
  setKeys(
    dialect: number,
    sessionKey: Uint8Array,
    preauth: Uint8Array | null,
    cipher: number,
    signing: number,
  ): void {
    this.#signer = smbSigner(dialect, sessionKey, preauth, signing);
    if (cipher) {
      this.#cipher = smbCipher(dialect, cipher, sessionKey, preauth);
    }
  }

  /** Encrypts every later request; false when no cipher was agreed. */
  encrypt(): boolean {
    if (!this.#cipher) return false;
    this.#encrypting = true;
    return true;
  }

  /** The bytes that go out for request `m` (the session setup's go as they are). */
  async outgoing(
    m: Uint8Array,
    sessionId: bigint,
    setup: boolean,
  ): Promise<Uint8Array> {
    if (setup || !this.#signer) return m;
    if (this.#encrypting) return await this.#cipher!.seal(m, sessionId);
    markSigned(m);
    m.set(await this.#signer.mac(m), SIGNATURE_OFFSET);
    return m;
  }

  /**
   * The SMB2 message in what came in, opened when it was sealed (its session
   * checked); `sealed` says which.
   */
  async open(
    r: Uint8Array,
    sessionId: bigint,
  ): Promise<{ message: Uint8Array; sealed: boolean }> {
    if (!isTransformed(r)) return { message: r, sealed: false };
    const t = readTransform(r);
    if (!t || !this.#cipher || t.sessionId !== sessionId) {
      throw malformed(this.#where, "sent an encrypted message it cannot have");
    }
    const m = await this.#cipher.open(t);
    if (!m) throw this.#altered("an encrypted answer does not verify");
    return { message: m, sealed: true };
  }

  /**
   * Checks that an answer came protected as it must: sealed while encrypting,
   * else signed once the session is keyed (session setup answers are checked by
   * the session itself).
   */
  async verify(m: Uint8Array, sealed: boolean, setup: boolean): Promise<void> {
    if (sealed || setup || !this.#signer) return;
    if (this.#encrypting) {
      throw this.#altered("an unencrypted answer to an encrypted request");
    }
    await this.check(m);
  }

  /** Checks an answer's signature; `SEC_E_MESSAGE_ALTERED` when missing or wrong. */
  async check(m: Uint8Array): Promise<void> {
    const sig = m.slice(SIGNATURE_OFFSET, SIGNATURE_OFFSET + 16);
    const flagged = (m[16] & SMB2_FLAGS_SIGNED) !== 0;
    m.fill(0, SIGNATURE_OFFSET, SIGNATURE_OFFSET + 16);
    const signer = this.#signer!;
    const mac = await signer.mac(m);
    m.set(sig, SIGNATURE_OFFSET);
    if (!flagged || !constantTimeEqual(mac, sig)) {
      throw this.#altered(
        flagged
          ? "a response's signature does not verify"
          : "an unsigned response",
      );
    }
  }

  #altered(what: string): SspiError {
    return new SspiError(
      SEC_E_MESSAGE_ALTERED,
      `SMB server ${this.#where}: ${what}`,
    );
  }

  /** Wipes the keys. */
  wipe(): void {
    this.#signer?.wipe();
    this.#cipher?.wipe();
    this.#signer = null;
    this.#cipher = null;
    this.#encrypting = false;
  }
}
