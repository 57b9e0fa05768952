/**
 * The DIGEST-MD5 security layer (RFC 2831 sections 2.3 and 2.4): integrity
 * (`msg || MAC(10) || 0x0001 || SeqNum`) and confidentiality
 * (`CIPHER(Kc, msg || pad || MAC) || 0x0001 || SeqNum`) with RC4 (one keystream per
 * direction) or DES/3DES-EDE2 in CBC mode with the IV chained across messages, as
 * Cyrus SASL does.
 *
 * @module
 */
import {
  desEcbDecrypt,
  desEcbEncrypt,
  desKeyFrom7,
  hmacMd5,
  Rc4,
} from "../../crypto/mod.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../sspi/status.ts";
import { concat, constantTimeEqual } from "../../util/bytes.ts";
import type { SaslCipher, SaslKeys } from "./rfc2831.ts";

/** Bytes of MAC + message type + sequence number after a message. */
export const SASL_TRAILER = 16;

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(0, n >>> 0);
  return b;
}

/** One direction's block cipher in CBC mode, IV chained across messages. */
class Cbc {
  #keys: Uint8Array[];
  #iv: Uint8Array;
  constructor(kc: Uint8Array, triple: boolean) {
    const k1 = desKeyFrom7(kc.subarray(0, 7));
    this.#keys = triple ? [k1, desKeyFrom7(kc.subarray(7, 14))] : [k1];
    this.#iv = kc.slice(8, 16);
  }
  #enc(b: Uint8Array): Uint8Array {
    if (this.#keys.length === 1) return desEcbEncrypt(this.#keys[0], b);
    const [k1, k2] = this.#keys;
    return desEcbEncrypt(k1, desEcbDecrypt(k2, desEcbEncrypt(k1, b)));
  }
  #dec(b: Uint8Array): Uint8Array {
    if (this.#keys.length === 1) return desEcbDecrypt(this.#keys[0], b);
    const [k1, k2] = this.#keys;
    return desEcbDecrypt(k1, desEcbEncrypt(k2, desEcbDecrypt(k1, b)));
  }
  encrypt(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(data.length);
    let prev = this.#iv;
    for (let i = 0; i < data.length; i += 8) {
      const blk = data.slice(i, i + 8);
      for (let j = 0; j < 8; j++) blk[j] ^= prev[j];
      prev = this.#enc(blk);
      out.set(prev, i);
    }
    this.#iv = prev.slice();
    return out;
  }
  /** Decrypts without moving the chain; `commit()` moves it once the MAC checks. */
  decrypt(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(data.length);
    let prev = this.#iv;
    for (let i = 0; i < data.length; i += 8) {
      const blk = data.subarray(i, i + 8);
      const p = this.#dec(blk);
      for (let j = 0; j < 8; j++) p[j] ^= prev[j];
      out.set(p, i);
      prev = blk.slice();
    }
    this.#pending = prev.slice();
    return out;
  }
  #pending: Uint8Array | null = null;
  /** Chains the IV past the last decrypted message. */
  commit(): void {
    if (this.#pending) this.#iv = this.#pending;
    this.#pending = null;
  }
  dispose(): void {
    for (const k of this.#keys) k.fill(0);
    this.#iv.fill(0);
  }
}

type Cipher = { rc4: Rc4 } | { cbc: Cbc };

function makeCipher(name: SaslCipher, kc: Uint8Array): Cipher {
  if (name === "des" || name === "3des") {
    return { cbc: new Cbc(kc, name === "3des") };
  }
  return { rc4: new Rc4(kc) };
}

/** The outcome of unwrapping: a status and, on success, the message. */
export interface UnwrapResult {
  /** `SEC_E_OK`, `SEC_E_MESSAGE_ALTERED`, `SEC_E_OUT_OF_SEQUENCE` or `SEC_E_INVALID_TOKEN`. */
  status: number;
  /** The message. */
  message?: Uint8Array;
}

/** The security layer of one side of an established DIGEST-MD5 context. */
export class SaslSecurity {
  #signKey: Uint8Array;
  #verifyKey: Uint8Array;
  #sendSeq = 0;
  #recvSeq = 0;
  #enc: Cipher | null = null;
  #dec: Cipher | null = null;
  /** The cipher, when confidentiality was negotiated. */
  readonly cipher: SaslCipher | undefined;

  constructor(
    keys: SaslKeys,
    side: "client" | "server",
    cipher: SaslCipher | undefined,
  ) {
    const client = side === "client";
    this.#signKey = (client ? keys.kic : keys.kis).slice();
    this.#verifyKey = (client ? keys.kis : keys.kic).slice();
    this.cipher = cipher;
    if (cipher) {
      this.#enc = makeCipher(cipher, client ? keys.kcc : keys.kcs);
      this.#dec = makeCipher(cipher, client ? keys.kcs : keys.kcc);
    }
  }

  /** True when the context can encrypt. */
  get confidential(): boolean {
    return this.#enc !== null;
  }

  #mac(key: Uint8Array, seq: number, msg: Uint8Array): Uint8Array {
    return hmacMd5(key, concat(u32be(seq), msg)).subarray(0, 10);
  }

  /** The 16-byte integrity trailer for `msg` (and advances the send sequence). */
  sign(msg: Uint8Array): Uint8Array {
    const seq = this.#sendSeq++;
    return concat(
      this.#mac(this.#signKey, seq, msg),
      Uint8Array.of(0, 1),
      u32be(seq),
    );
  }

  /** Checks a 16-byte trailer against `msg`. */
  verify(msg: Uint8Array, trailer: Uint8Array): number {
    if (trailer.length !== SASL_TRAILER) return SEC_E_INVALID_TOKEN;
    if (trailer[10] !== 0 || trailer[11] !== 1) return SEC_E_INVALID_TOKEN;
    const seq = new DataView(trailer.buffer, trailer.byteOffset + 12, 4)
      .getUint32(0);
    const mac = this.#mac(this.#verifyKey, this.#recvSeq, msg);
    if (!constantTimeEqual(mac, trailer.subarray(0, 10))) {
      return seq !== this.#recvSeq
        ? SEC_E_OUT_OF_SEQUENCE
        : SEC_E_MESSAGE_ALTERED;
    }
    if (seq !== this.#recvSeq) return SEC_E_OUT_OF_SEQUENCE;
    this.#recvSeq++;
    return SEC_E_OK;
  }

  /** Wraps `msg` for confidentiality; returns the whole wire form. */
  seal(msg: Uint8Array): Uint8Array {
    const c = this.#enc!;
    const seq = this.#sendSeq++;
    const mac = this.#mac(this.#signKey, seq, msg);
    let body: Uint8Array;
    if ("cbc" in c) {
      const padLen = 8 - ((msg.length + 10) % 8);
      const pad = new Uint8Array(padLen).fill(padLen);
      body = c.cbc.encrypt(concat(msg, pad, mac));
    } else {
      body = c.rc4.update(concat(msg, mac));
    }
    return concat(body, Uint8Array.of(0, 1), u32be(seq));
  }

  /** Unwraps a wire form produced by `seal`. */
  unseal(wire: Uint8Array): UnwrapResult {
    const c = this.#dec!;
    if (wire.length < SASL_TRAILER) return { status: SEC_E_INVALID_TOKEN };
    const body = wire.subarray(0, wire.length - 6);
    const tail = wire.subarray(wire.length - 6);
    if (tail[0] !== 0 || tail[1] !== 1) return { status: SEC_E_INVALID_TOKEN };
    const seq = new DataView(tail.buffer, tail.byteOffset + 2, 4).getUint32(0);
    if (seq !== this.#recvSeq) return { status: SEC_E_OUT_OF_SEQUENCE };
    let plain: Uint8Array;
    if ("cbc" in c) {
      if (body.length % 8 !== 0 || body.length < 16) {
        return { status: SEC_E_INVALID_TOKEN };
      }
      // The chain moves only once the MAC checks: a forged message must not desync it.
      plain = c.cbc.decrypt(body);
      // Padding and MAC are both checked before answering, so a forged message
      // learns nothing from which check failed or how long it took (no padding oracle).
      const padLen = plain[plain.length - 11];
      const padOk = padLen >= 1 && padLen <= 8 && padLen + 10 <= plain.length;
      const pl = padOk ? padLen : 1;
      let diff = 0;
      for (let i = 0; i < 8; i++) {
        const at = plain.length - 11 - i;
        if (i < pl && at >= 0) diff |= plain[at] ^ pl;
      }
      const msg = plain.subarray(0, plain.length - 10 - pl);
      const mac = plain.subarray(plain.length - 10);
      const macOk = constantTimeEqual(
        mac,
        this.#mac(this.#verifyKey, seq, msg),
      );
      if (!padOk || diff !== 0 || !macOk) {
        return { status: SEC_E_MESSAGE_ALTERED };
      }
      c.cbc.commit();
      this.#recvSeq++;
      return { status: SEC_E_OK, message: msg.slice() };
    }
    const saved = c.rc4.clone();
    plain = c.rc4.update(body);
    if (plain.length < 10) {
      c.rc4.restore(saved);
      return { status: SEC_E_INVALID_TOKEN };
    }
    const msg = plain.subarray(0, plain.length - 10);
    if (
      !constantTimeEqual(
        plain.subarray(plain.length - 10),
        this.#mac(this.#verifyKey, seq, msg),
      )
    ) {
      c.rc4.restore(saved);
      return { status: SEC_E_MESSAGE_ALTERED };
    }
    saved.destroy();
    this.#recvSeq++;
    return { status: SEC_E_OK, message: msg.slice() };
  }

  /** Wipes the keys. */
  dispose(): void {
    this.#signKey.fill(0);
    this.#verifyKey.fill(0);
    for (const c of [this.#enc, this.#dec]) {
      if (!c) continue;
      if ("cbc" in c) c.cbc.dispose();
      else c.rc4.destroy();
    }
    this.#enc = this.#dec = null;
  }
}
