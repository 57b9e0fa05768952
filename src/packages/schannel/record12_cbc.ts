/**
 * Block-cipher record protection of TLS 1.2 and 1.1 (RFC 5246 6.2.3.2, RFC 4346
 * 6.2.3.2): AES-CBC with an explicit IV per record (TLS 1.0, RFC 2246 6.2.3.2: the
 * IV chained from the previous record, none in the record; records are not split
 * 1/n-1 against BEAST), MAC-then-encrypt with HMAC over the sequence number, type,
 * version, length and plaintext, then padding to the block size. We never offer
 * encrypt_then_mac (RFC 7366), as Windows does not.
 *
 * Opening a record checks padding and MAC without a branch on either: a bad padding
 * is MACed as if it were none (RFC 5246 6.2.3.2's advice), the padding bytes are
 * compared over the largest span they could take, both results fold into one
 * failure, and the MAC is compared in constant time. The bytes the padding took
 * from the MAC's input go through the hash as dummy data, so the number of hash
 * blocks (Lucky Thirteen's signal) does not depend on the padding; what remains
 * is the time of one more call into WebAssembly, the same for every record.
 *
 * @module
 */
import {
  ALERT_BAD_RECORD_MAC,
  RECORD_HEADER,
  TLS10,
  TLS12,
} from "./constants.ts";
import { type RecordProtection, writeHeader } from "./record.ts";
import { fillSeqHeader, requireTls12Header, wholeRecord } from "./record12.ts";
import type { CbcParams } from "./suites12_cbc.ts";
import { TlsAlert } from "./wire.ts";
import {
  AES_BLOCK,
  aesCbcScheduled,
  type AesSchedule,
  aesSchedule,
  wipeAesSchedule,
} from "../../wasm/aes.ts";
import { SEC_E_DECRYPT_FAILURE } from "../../sspi/status.ts";

/**
 * One direction's AES-CBC state: MAC key, AES schedule, sequence number, and for
 * TLS 1.0 the chained IV.
 */
export class RecordCipherCbc implements RecordProtection {
  /** The record header and the explicit IV (TLS 1.0: the header only). */
  readonly header: number;
  /** The MAC and the most padding a record takes (a whole block). */
  readonly trailer: number;
  #p: CbcParams;
  #macKey: Uint8Array;
  #key: Uint8Array;
  /** The AES schedule of this direction's one use, made at the first record. */
  #schedule: AesSchedule | null = null;
  #seq = 0;
  /** Kept between records: what the MAC covers, and the body being enciphered. */
  #buf = new Uint8Array(0);
  /** The explicit IV being written. */
  #iv = new Uint8Array(AES_BLOCK);
  #version: number;
  /**
   * TLS 1.0 (RFC 2246 6.2.3.2): no IV in the record; the first is the key block's
   * `*_write_IV`, then each record's last ciphertext block.
   */
  #chain: Uint8Array | null;

  /**
   * A cipher for `p` from its `*_write_MAC_key` and `*_write_key` (both copied), for
   * records of `version`; TLS 1.0 also takes the key block's `*_write_IV`.
   */
  constructor(
    p: CbcParams,
    macKey: Uint8Array,
    key: Uint8Array,
    version = TLS12,
    iv: Uint8Array | null = null,
  ) {
    this.#p = p;
    this.#macKey = macKey.slice();
    this.#key = key.slice();
    this.#version = version;
    this.#chain = version === TLS10 ? iv!.slice() : null;
    this.header = RECORD_HEADER + (this.#chain ? 0 : AES_BLOCK);
    this.trailer = p.macLen + AES_BLOCK;
  }

  /** The trailer (MAC and padding) a record of `length` plaintext bytes takes. */
  trailerFor(length: number): number {
    const macLen = this.#p.macLen;
    return macLen + AES_BLOCK - ((length + macLen) % AES_BLOCK);
  }

  #aes(data: Uint8Array, decrypt: boolean, iv: Uint8Array): void {
    this.#schedule ??= aesSchedule(this.#key, decrypt);
    aesCbcScheduled(this.#schedule, data, decrypt, iv);
  }

  /** A work buffer of at least `n` bytes, kept for the next records. */
  #work(n: number): Uint8Array {
    if (this.#buf.length < n) this.#buf = new Uint8Array(Math.max(n, 256));
    return this.#buf.subarray(0, n);
  }

  #mac(seq: number, type: number, data: Uint8Array): Uint8Array {
    const m = this.#work(13 + data.length);
    fillSeqHeader(m, seq, type, data.length, this.#version);
    m.set(data, 13);
    const mac = this.#p.hmac(this.#macKey, m);
    m.fill(0);
    return mac;
  }

  sealParts(
    type: number,
    header: Uint8Array,
    data: Uint8Array,
    trailer: Uint8Array,
  ): void {
    const n = data.length;
    const tail = this.trailerFor(n);
    const mac = this.#mac(this.#seq, type, data);
    // content || MAC || padding, enciphered as one run (in the work buffer, whose
    // plaintext the encryption overwrites), then split back.
    const body = this.#work(n + tail);
    body.set(data);
    body.set(mac, n);
    body.fill(tail - mac.length - 1, n + mac.length);
    const chain = this.#chain;
    const iv = chain ?? crypto.getRandomValues(this.#iv);
    this.#aes(body, false, iv);
    writeHeader(
      header,
      0,
      type,
      this.header - RECORD_HEADER + body.length,
      this.#version,
    );
    if (chain) chain.set(body.subarray(body.length - AES_BLOCK));
    else header.set(iv, RECORD_HEADER);
    data.set(body.subarray(0, n));
    trailer.set(body.subarray(n));
    mac.fill(0);
    this.#seq++;
  }

  open(
    header: Uint8Array,
    body: Uint8Array,
  ): { type: number; data: Uint8Array } {
    const macLen = this.#p.macLen;
    const chain = this.#chain;
    const ivLen = chain ? 0 : AES_BLOCK;
    const len = body.length - ivLen;
    if (len < macLen + 1 || len % AES_BLOCK !== 0) {
      throw new TlsAlert(
        ALERT_BAD_RECORD_MAC,
        SEC_E_DECRYPT_FAILURE,
        "TLS record not a whole number of blocks",
      );
    }
    requireTls12Header(header, this.#version);
    const type = header[0];
    // The IV is read before the blocks after it are deciphered in place.
    const iv = chain ?? body.subarray(0, AES_BLOCK);
    // TLS 1.0's next IV: this record's last ciphertext block, kept if it opens.
    const next = chain ? body.slice(body.length - AES_BLOCK) : null;
    const plain = body.subarray(ivLen);
    this.#aes(plain, true, iv);
    // Padding: pad+1 bytes of value pad, leaving room for the MAC.
    const pad = plain[len - 1];
    let bad = (len - macLen - 1 - pad) >>> 31; // 1 when pad + 1 + MAC > len
    const span = Math.min(256, len - macLen);
    for (let i = 1; i <= span; i++) {
      // Byte len-i is padding when i <= pad + 1.
      const inPad = ((i - pad - 2) >>> 31) & 1;
      bad |= inPad & (plain[len - i] !== pad ? 1 : 0);
    }
    const cut = bad ? 0 : pad + 1;
    const n = len - macLen - cut;
    const data = plain.subarray(0, n);
    const mac = this.#mac(this.#seq, type, data);
    // As many bytes again through the hash as the padding took from the MAC's
    // input, so the blocks hashed do not tell the padding length (Lucky Thirteen).
    this.#p.digest(this.#work(cut + 1));
    let diff = bad;
    for (let i = 0; i < macLen; i++) diff |= mac[i] ^ plain[n + i];
    mac.fill(0);
    if (diff !== 0) {
      throw new TlsAlert(
        ALERT_BAD_RECORD_MAC,
        SEC_E_DECRYPT_FAILURE,
        "TLS record failed its integrity check",
      );
    }
    if (chain) chain.set(next!);
    this.#seq++;
    return { type, data };
  }

  record(type: number, data: Uint8Array): Uint8Array {
    return wholeRecord(this, type, data);
  }

  next(): RecordProtection {
    throw new TypeError("TLS 1.2 has no KeyUpdate");
  }

  wipe(): void {
    this.#macKey.fill(0);
    this.#key.fill(0);
    this.#chain?.fill(0);
    this.#buf.fill(0);
    if (this.#schedule) wipeAesSchedule(this.#schedule);
  }
}
