/**
 * TLS 1.2 block-cipher record protection (RFC 5246 6.2.3.2): AES-CBC with an explicit
 * IV per record, MAC-then-encrypt with HMAC over the sequence number, type, version,
 * length and plaintext, then padding to the block size. We never offer
 * encrypt_then_mac (RFC 7366), as Windows does not.
 *
 * Opening a record checks padding and MAC without a branch on either: a bad padding
 * is MACed as if it were none (RFC 5246 6.2.3.2's advice), the padding bytes are
 * compared over the largest span they could take, both results fold into one
 * failure, and the MAC is compared in constant time. What the HMAC hashes still
 * depends on the padding length (the Lucky Thirteen residue), as it does in every
 * implementation that does not hash dummy blocks.
 *
 * @module
 */
import { ALERT_BAD_RECORD_MAC, RECORD_HEADER } from "./constants.ts";
import { type RecordProtection, writeHeader } from "./record.ts";
import { fillSeqHeader, requireTls12Header, wholeRecord } from "./record12.ts";
import type { CbcParams } from "./suites12_cbc.ts";
import { TlsAlert } from "./wire.ts";
import { randomBytes } from "../../crypto/mod.ts";
import {
  AES_BLOCK,
  aesCbcScheduled,
  type AesSchedule,
  aesSchedule,
  wipeAesSchedule,
} from "../../wasm/aes.ts";
import { SEC_E_DECRYPT_FAILURE } from "../../sspi/status.ts";

/** One direction's TLS 1.2 AES-CBC state: MAC key, AES schedule, sequence number. */
export class RecordCipherCbc implements RecordProtection {
  /** The record header and the explicit IV. */
  readonly header = RECORD_HEADER + AES_BLOCK;
  /** The MAC and the most padding a record takes (a whole block). */
  readonly trailer: number;
  #p: CbcParams;
  #macKey: Uint8Array;
  #key: Uint8Array;
  /** The AES schedule of this direction's one use, made at the first record. */
  #schedule: AesSchedule | null = null;
  #seq = 0;
  /** seq_num, type, version, length: what the MAC covers before the plaintext. */
  #pre = new Uint8Array(13);

  /** A cipher for `p` from its `*_write_MAC_key` and `*_write_key` (both copied). */
  constructor(p: CbcParams, macKey: Uint8Array, key: Uint8Array) {
    this.#p = p;
    this.#macKey = macKey.slice();
    this.#key = key.slice();
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

  #mac(seq: number, type: number, data: Uint8Array): Uint8Array {
    const a = this.#pre;
    fillSeqHeader(a, seq, type, data.length);
    const m = new Uint8Array(13 + data.length);
    m.set(a);
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
    // content || MAC || padding, enciphered as one run, then split back.
    const body = new Uint8Array(n + tail);
    body.set(data);
    body.set(mac, n);
    body.fill(tail - mac.length - 1, n + mac.length);
    const iv = randomBytes(AES_BLOCK);
    this.#aes(body, false, iv);
    writeHeader(header, 0, type, AES_BLOCK + body.length);
    header.set(iv, RECORD_HEADER);
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
    const len = body.length - AES_BLOCK;
    if (len < macLen + 1 || len % AES_BLOCK !== 0) {
      throw new TlsAlert(
        ALERT_BAD_RECORD_MAC,
        SEC_E_DECRYPT_FAILURE,
        "TLS record not a whole number of blocks",
      );
    }
    requireTls12Header(header);
    const type = header[0];
    const iv = body.slice(0, AES_BLOCK);
    const plain = body.subarray(AES_BLOCK);
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
    if (this.#schedule) wipeAesSchedule(this.#schedule);
  }
}
