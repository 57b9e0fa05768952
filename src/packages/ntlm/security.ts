/**
 * NTLM session security (MS-NLMP 3.4): MAC, SIGN and SEAL with the per-direction keys
 * and RC4 handles, and the matching verification. Connection-oriented mode: sequence
 * numbers are counted here. Without extended session security one RC4 handle and one
 * counter serve both directions (half duplex), as the spec and Windows do.
 *
 * @module
 */
import { crc32, hmacMd5, Rc4 } from "../../crypto/mod.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import {
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../sspi/status.ts";
import {
  NTLM_SIGNATURE_SIZE,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
} from "./constants.ts";
import { SEALKEY, SIGNKEY } from "./crypto.ts";

interface Direction {
  signKey: Uint8Array | null;
  handle: Rc4;
  seq: { n: number };
}

/** The keys and counters of one established NTLM context. */
export class NtlmSessionSecurity {
  readonly #flags: number;
  readonly #out: Direction;
  readonly #in: Direction;
  #disposed = false;

  /**
   * Derives SIGNKEY/SEALKEY for both directions from the exported session key.
   * `mode` is which side this is ("Client" sends with the client-to-server keys).
   */
  constructor(
    flags: number,
    exportedSessionKey: Uint8Array,
    mode: "Client" | "Server",
  ) {
    this.#flags = flags;
    const peer = mode === "Client" ? "Server" : "Client";
    if (flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
      this.#out = {
        signKey: SIGNKEY(flags, exportedSessionKey, mode),
        handle: new Rc4(SEALKEY(flags, exportedSessionKey, mode)),
        seq: { n: 0 },
      };
      this.#in = {
        signKey: SIGNKEY(flags, exportedSessionKey, peer),
        handle: new Rc4(SEALKEY(flags, exportedSessionKey, peer)),
        seq: { n: 0 },
      };
    } else {
      const shared: Direction = {
        signKey: null,
        handle: new Rc4(SEALKEY(flags, exportedSessionKey, mode)),
        seq: { n: 0 },
      };
      this.#out = shared;
      this.#in = shared;
    }
  }

  #ess(): boolean {
    return (this.#flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0;
  }

  /** MAC (3.4.4) over the parts, with `seq`, advancing `d.handle`. */
  #mac(d: Direction, parts: readonly Uint8Array[], seq: number): Uint8Array {
    const sig = new Uint8Array(NTLM_SIGNATURE_SIZE);
    const v = new DataView(sig.buffer);
    v.setUint32(0, 1, true);
    if (this.#ess()) {
      const h = hmacMd5.create(d.signKey!);
      const s = new Uint8Array(4);
      new DataView(s.buffer).setUint32(0, seq >>> 0, true);
      h.update(s);
      for (const p of parts) h.update(p);
      const checksum = h.digest().subarray(0, 8);
      sig.set(
        this.#flags & NTLMSSP_NEGOTIATE_KEY_EXCH
          ? d.handle.update(checksum)
          : checksum,
        4,
      );
      v.setUint32(12, seq >>> 0, true);
    } else {
      const c = crc32.create();
      for (const p of parts) c.update(p);
      const body = new Uint8Array(12);
      const bv = new DataView(body.buffer);
      bv.setUint32(4, c.digest() >>> 0, true);
      bv.setUint32(8, seq >>> 0, true);
      sig.set(d.handle.update(body), 4);
    }
    return sig;
  }

  /** SIGN: the signature of an outgoing message (`MakeSignature`). */
  sign(parts: readonly Uint8Array[]): Uint8Array {
    this.#alive();
    const seq = this.#out.seq.n++;
    return this.#mac(this.#out, parts, seq);
  }

  /**
   * SEAL: encrypts `encrypt` in place (in order) and returns the signature over the
   * plaintext `signed` parts (`EncryptMessage`).
   */
  seal(
    encrypt: readonly Uint8Array[],
    signed: readonly Uint8Array[],
  ): Uint8Array {
    this.#alive();
    const seq = this.#out.seq.n++;
    const plain = signed.map((p) => (encrypt.includes(p) ? p.slice() : p));
    for (const p of encrypt) this.#out.handle.updateInPlace(p);
    return this.#mac(this.#out, plain, seq);
  }

  /** Checks an incoming signature (`VerifySignature`): a status. */
  verify(parts: readonly Uint8Array[], signature: Uint8Array): number {
    this.#alive();
    return this.#check(signature, () => parts);
  }

  /**
   * Decrypts `decrypt` in place and checks the signature over the `signed` parts
   * (`DecryptMessage`). On failure the data and the keystream are restored.
   */
  unseal(
    decrypt: readonly Uint8Array[],
    signed: readonly Uint8Array[],
    signature: Uint8Array,
  ): number {
    this.#alive();
    const saved = decrypt.map((p) => p.slice());
    const status = this.#check(signature, (d) => {
      for (const p of decrypt) d.handle.updateInPlace(p);
      return signed;
    });
    if (status !== SEC_E_OK) decrypt.forEach((p, i) => p.set(saved[i]));
    return status;
  }

  #check(
    signature: Uint8Array,
    prepare: (d: Direction) => readonly Uint8Array[],
  ): number {
    const d = this.#in;
    if (signature.length < NTLM_SIGNATURE_SIZE) return SEC_E_MESSAGE_ALTERED;
    const sig = signature.subarray(0, NTLM_SIGNATURE_SIZE);
    const sv = new DataView(sig.buffer, sig.byteOffset, 16);
    if (sv.getUint32(0, true) !== 1) return SEC_E_MESSAGE_ALTERED;
    const seq = d.seq.n;
    // With ESS the sequence number travels in clear: a replayed or reordered message is
    // refused before it touches the keystream.
    if (this.#ess() && sv.getUint32(12, true) !== seq >>> 0) {
      return SEC_E_OUT_OF_SEQUENCE;
    }
    const snapshot = d.handle.clone();
    const parts = prepare(d);
    let sentSeq = seq >>> 0;
    if (!this.#ess()) {
      // The v1 signature hides the sequence number under RC4: peek at it to tell a
      // replay from an alteration.
      const probe = d.handle.clone();
      const body = probe.update(sig.subarray(4, 16));
      probe.destroy();
      sentSeq = new DataView(body.buffer).getUint32(8, true);
    }
    const expect = this.#mac(d, parts, seq);
    if (constantTimeEqual(expect, sig)) {
      d.seq.n++;
      snapshot.destroy();
      return SEC_E_OK;
    }
    d.handle.restore(snapshot);
    snapshot.destroy();
    if (sentSeq !== seq >>> 0) return SEC_E_OUT_OF_SEQUENCE;
    return SEC_E_MESSAGE_ALTERED;
  }

  #alive(): void {
    if (this.#disposed) {
      throw new Error(
        "NTLM session security used after the context was deleted",
      );
    }
  }

  /** Wipes the keys and RC4 states. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#out.signKey?.fill(0);
    this.#in.signKey?.fill(0);
    this.#out.handle.destroy();
    this.#in.handle.destroy();
  }
}
