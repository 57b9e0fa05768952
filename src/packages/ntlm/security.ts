/**
 * NTLM session security (MS-NLMP 3.4): MAC, SIGN and SEAL with the per-direction keys
 * and RC4 handles, and the matching verification. Connection-oriented mode: sequence
 * numbers are counted here. Without extended session security one RC4 handle and one
 * counter serve both directions (half duplex), as the spec and Windows do.
 *
 * The keys and RC4 states are derived and used in WebAssembly (`src/wasm/ntlm.ts`);
 * this class holds them between messages and commits a direction's new state only
 * when a message is accepted, so a replayed or altered message changes nothing.
 *
 * The keys are derived on first use (a message, `resetCrypto` or an export), not when
 * the handshake ends: most NTLM handshakes (HTTP authentication) never sign or seal,
 * and deriving both directions (about 2 us) is better spent only when needed. Until
 * then only the exported session key is kept, where the keys will go. A wrapper that
 * signs at once (SPNEGO's mechListMIC) asks for `eager` derivation. The array is a
 * slot of a shared pool (`SecretSlots`): allocating a kilobyte costs more in Deno
 * than deriving half of the keys; `dispose` wipes it and gives it back.
 *
 * @module
 */
import {
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../sspi/status.ts";
import {
  NTLM_DIR_SIZE,
  NTLM_KEYS_SIZE,
  NTLM_RC4_OFFSET,
  NTLM_RC4_SIZE,
  NTLM_STATES_SIZE,
  ntlmMessage,
  ntlmSessionKeys,
  PART_DECRYPT_SIGN,
  PART_SIGN,
  PART_SIGN_ENCRYPT,
} from "../../wasm/ntlm.ts";
import { readU32le } from "../../util/bytes.ts";
import { SecretSlots } from "../../util/slots.ts";
import {
  NTLM_SIGNATURE_SIZE,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
} from "./constants.ts";

/** The pool every context's keys array comes from. */
const KEY_SLOTS = new SecretSlots(NTLM_KEYS_SIZE);

interface Direction {
  /** Where its state starts in the keys array. */
  at: number;
  /** The view of that state, made on first use (a view costs an allocation). */
  view: Uint8Array | null;
  seq: { n: number };
}

/** The keys and counters of one established NTLM context. */
export class NtlmSessionSecurity {
  readonly #flags: number;
  /**
   * Live states of both directions, then the states as derived, for `resetCrypto`
   * (SPNEGO re-keys after the mechListMIC), then the exported session key (the states
   * are zero until derived). Null once disposed.
   */
  #keyArray: Uint8Array | null;
  #derived = false;
  readonly #client: boolean;
  readonly #out: Direction;
  readonly #in: Direction;
  #disposed = false;

  /**
   * Session security from the exported session key, which it copies (the caller wipes
   * its own): SIGNKEY/SEALKEY for both directions are derived on first use, or at once
   * with `eager`. `mode` is which side this is ("Client" sends with the
   * client-to-server keys). `restore` brings back the states of an exported context.
   */
  constructor(
    flags: number,
    exportedSessionKey: Uint8Array,
    mode: "Client" | "Server",
    restore?: { keys: Uint8Array; outSeq: number; inSeq: number },
    eager = false,
  ) {
    this.#flags = flags >>> 0;
    this.#client = mode === "Client";
    const k = this.#keyArray = KEY_SLOTS.take();
    if (restore) k.set(restore.keys.subarray(0, NTLM_STATES_SIZE));
    k.set(
      exportedSessionKey.length === 16
        ? exportedSessionKey
        : exportedSessionKey.subarray(0, 16),
      NTLM_STATES_SIZE,
    );
    this.#derived = restore !== undefined;
    if (eager && !restore) this.#derive(k);
    this.#out = { at: 0, view: null, seq: { n: restore?.outSeq ?? 0 } };
    this.#in = this.#ess()
      ? { at: NTLM_DIR_SIZE, view: null, seq: { n: restore?.inSeq ?? 0 } }
      : this.#out;
  }

  /**
   * The exported session key: a view into the keys array, which another context
   * reuses once this one is disposed. Copy it to keep it.
   */
  get sessionKey(): Uint8Array {
    this.#alive();
    return this.#keyArray!.subarray(NTLM_STATES_SIZE);
  }

  /** True once SIGNKEY/SEALKEY are derived (by a message, a reset or an export). */
  get derived(): boolean {
    return this.#derived;
  }

  /** Every key and state, derived now if they were not yet. */
  get #keys(): Uint8Array {
    const k = this.#keyArray!;
    if (!this.#derived) this.#derive(k);
    return k;
  }

  #derive(k: Uint8Array): void {
    ntlmSessionKeys(this.#flags, k, this.#client);
    this.#derived = true;
  }

  /** A direction's live state. */
  #state(d: Direction): Uint8Array {
    return d.view ??= this.#keys.subarray(d.at, d.at + NTLM_DIR_SIZE);
  }

  #ess(): boolean {
    return (this.#flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0;
  }

  /**
   * SIGN: the signature of an outgoing message (`MakeSignature`), written into `out`
   * (16 bytes) when given.
   */
  sign(parts: readonly Uint8Array[], out?: Uint8Array): Uint8Array {
    this.#alive();
    const sig = out ?? new Uint8Array(NTLM_SIGNATURE_SIZE);
    ntlmMessage(
      this.#flags,
      this.#state(this.#out),
      this.#out.seq.n++,
      parts,
      null,
      sig,
      null,
    );
    return sig;
  }

  /**
   * SEAL: encrypts `encrypt` in place and returns the signature over the plaintext
   * `signed` parts (`EncryptMessage`). Parts in `encrypt` but not in `signed` are
   * encrypted without being signed.
   */
  seal(
    encrypt: readonly Uint8Array[],
    signed: readonly Uint8Array[],
    out?: Uint8Array,
  ): Uint8Array {
    this.#alive();
    const { parts, modes } = plan(encrypt, signed, PART_SIGN_ENCRYPT);
    const sig = out ?? new Uint8Array(NTLM_SIGNATURE_SIZE);
    ntlmMessage(
      this.#flags,
      this.#state(this.#out),
      this.#out.seq.n++,
      parts,
      modes,
      sig,
      null,
    );
    return sig;
  }

  /** Checks an incoming signature (`VerifySignature`): a status. */
  verify(parts: readonly Uint8Array[], signature: Uint8Array): number {
    this.#alive();
    return this.#check(parts, null, signature);
  }

  /**
   * Decrypts `decrypt` in place and checks the signature over the `signed` parts
   * (`DecryptMessage`). On failure the data and the keystream are unchanged.
   */
  unseal(
    decrypt: readonly Uint8Array[],
    signed: readonly Uint8Array[],
    signature: Uint8Array,
  ): number {
    this.#alive();
    const { parts, modes } = plan(decrypt, signed, PART_DECRYPT_SIGN);
    return this.#check(parts, modes, signature);
  }

  #check(
    parts: readonly Uint8Array[],
    modes: readonly number[] | null,
    signature: Uint8Array,
  ): number {
    const d = this.#in;
    if (signature.length < NTLM_SIGNATURE_SIZE) return SEC_E_MESSAGE_ALTERED;
    const seq = d.seq.n;
    if (
      signature[0] !== 1 || signature[1] !== 0 || signature[2] !== 0 ||
      signature[3] !== 0
    ) return SEC_E_MESSAGE_ALTERED;
    // With ESS the sequence number travels in clear: a replayed or reordered message is
    // refused before anything else.
    if (
      this.#ess() &&
      readU32le(signature, 12) !== seq >>> 0
    ) {
      return SEC_E_OUT_OF_SEQUENCE;
    }
    if (
      ntlmMessage(
        this.#flags,
        this.#state(d),
        seq,
        parts,
        modes,
        null,
        signature,
      )
    ) {
      d.seq.n++;
      return SEC_E_OK;
    }
    // Without ESS a replay cannot be told from an alteration: the sequence number
    // is under RC4, whose keystream has moved on.
    return SEC_E_MESSAGE_ALTERED;
  }

  #alive(): void {
    if (this.#disposed) {
      throw new Error(
        "NTLM session security used after the context was deleted",
      );
    }
  }

  /**
   * Re-initialises one direction's RC4 handle from its sealing key, keeping the
   * sequence numbers: what MS-SPNG 3.3.5.1 asks after the mechListMIC, and what
   * Windows and gss-ntlmssp do.
   */
  resetCrypto(direction: "send" | "recv"): void {
    this.#alive();
    const at = this.#ess() && direction === "recv" ? NTLM_DIR_SIZE : 0;
    const from = 2 * NTLM_DIR_SIZE + at;
    // The RC4 state only: the keyed HMAC state of SIGNKEY stays valid.
    this.#keys.copyWithin(
      at + NTLM_RC4_OFFSET,
      from + NTLM_RC4_OFFSET,
      from + NTLM_RC4_OFFSET + NTLM_RC4_SIZE,
    );
  }

  /**
   * The state `ExportSecurityContext` carries: negotiated flags, both counters and
   * every key and RC4 state (a secret: the caller must protect it).
   */
  exportState(): {
    flags: number;
    keys: Uint8Array;
    outSeq: number;
    inSeq: number;
  } {
    this.#alive();
    return {
      flags: this.#flags,
      keys: this.#keys.slice(0, NTLM_STATES_SIZE),
      outSeq: this.#out.seq.n,
      inSeq: this.#in.seq.n,
    };
  }

  /** Wipes the keys and RC4 states (or the session key they were not derived from). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const k = this.#keyArray!;
    this.#keyArray = null;
    this.#out.view = null;
    this.#in.view = null;
    KEY_SLOTS.give(k);
  }
}

/** Orders a message's parts: every signed part, then crypted-only parts. */
function plan(
  crypt: readonly Uint8Array[],
  signed: readonly Uint8Array[],
  cryptMode: number,
): { parts: Uint8Array[]; modes: number[] } {
  const parts: Uint8Array[] = [];
  const modes: number[] = [];
  for (const p of signed) {
    parts.push(p);
    modes.push(crypt.includes(p) ? cryptMode : PART_SIGN);
  }
  for (const p of crypt) {
    if (!signed.includes(p)) {
      parts.push(p);
      modes.push(3);
    }
  }
  return { parts, modes };
}
