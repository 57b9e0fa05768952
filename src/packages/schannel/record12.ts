/**
 * TLS 1.2 AEAD record protection (RFC 5246 6.2.3.3). AES-GCM (RFC 5288): a 4-byte
 * implicit salt and an 8-byte explicit nonce carried in each record (the sequence
 * number here). ChaCha20-Poly1305 (RFC 7905): no explicit nonce; the nonce is the
 * 12-byte `write_IV` XOR the sequence number. The AAD is the sequence number, type,
 * version and plaintext length.
 *
 * @module
 */
import type { Aead, Tls13Suite } from "./keys.ts";
import {
  ALERT_BAD_RECORD_MAC,
  ALERT_PROTOCOL_VERSION,
  RECORD_HEADER,
  TLS12,
} from "./constants.ts";
import { type RecordProtection, writeHeader } from "./record.ts";
import { TlsAlert } from "./wire.ts";
import {
  SEC_E_DECRYPT_FAILURE,
  SEC_E_ILLEGAL_MESSAGE,
} from "../../sspi/status.ts";

const EXPLICIT = 8;

/**
 * What TLS 1.2 protects a record's plaintext with, written into `a` (13 bytes): the
 * 64-bit sequence number, the content type, the version (3,3, or TLS 1.0/1.1's) and
 * the length. The
 * AEAD suites' AAD, and what a CBC suite's MAC covers before the plaintext.
 */
export function fillSeqHeader(
  a: Uint8Array,
  seq: number,
  type: number,
  length: number,
  version = TLS12,
): void {
  let s = seq;
  for (let i = 7; i >= 0; i--) {
    a[i] = s & 0xff;
    s = Math.floor(s / 256);
  }
  a[8] = type;
  a[9] = version >> 8;
  a[10] = version & 0xff;
  a[11] = length >> 8;
  a[12] = length & 0xff;
}

/** Refuses a protected record whose header names another version than `version`. */
export function requireTls12Header(header: Uint8Array, version = TLS12): void {
  if (header[1] !== version >> 8 || header[2] !== (version & 0xff)) {
    throw new TlsAlert(
      ALERT_PROTOCOL_VERSION,
      SEC_E_ILLEGAL_MESSAGE,
      "a record with another version than the one negotiated",
    );
  }
}

/** A whole protected record of `type` around `data`, made by `p`'s `sealParts`. */
export function wholeRecord(
  p: RecordProtection,
  type: number,
  data: Uint8Array,
): Uint8Array {
  const tail = p.trailerFor(data.length);
  const out = new Uint8Array(p.header + data.length + tail);
  out.set(data, p.header);
  p.sealParts(
    type,
    out.subarray(0, p.header),
    out.subarray(p.header, p.header + data.length),
    out.subarray(p.header + data.length),
  );
  return out;
}
const TAG = 16;

/** One direction's TLS 1.2 AEAD state (AES-GCM or ChaCha20-Poly1305). */
export class RecordCipher12 implements RecordProtection {
  readonly header: number;
  readonly trailer = TAG;

  trailerFor(): number {
    return TAG;
  }
  #aead: Aead;
  #salt: Uint8Array;
  /** Bytes of explicit nonce per record: 8 (AES-GCM) or 0 (ChaCha20-Poly1305). */
  #explicit: number;
  #seq = 0;
  #nonce = new Uint8Array(12);
  #aad = new Uint8Array(13);

  /**
   * A cipher for `suite`'s AEAD from its key and `*_write_IV`: a 4-byte salt
   * (AES-GCM, explicit nonces) or a 12-byte IV (ChaCha20-Poly1305, implicit nonces).
   */
  constructor(suite: Tls13Suite, key: Uint8Array, iv: Uint8Array) {
    this.#aead = suite.aead(key);
    this.#salt = iv.slice();
    this.#explicit = iv.length === 12 ? 0 : EXPLICIT;
    this.header = RECORD_HEADER + this.#explicit;
  }

  /** The nonce for the sequence number now in the AAD (ChaCha20: IV XOR seq). */
  #implicitNonce(): void {
    const n = this.#nonce;
    n.set(this.#salt);
    for (let i = 0; i < 8; i++) n[4 + i] ^= this.#aad[i];
  }

  #fill(seq: number, type: number, length: number): void {
    fillSeqHeader(this.#aad, seq, type, length);
  }

  sealParts(
    type: number,
    header: Uint8Array,
    data: Uint8Array,
    trailer: Uint8Array,
  ): void {
    writeHeader(header, 0, type, this.#explicit + data.length + TAG);
    this.#fill(this.#seq, type, data.length);
    if (this.#explicit) {
      // The explicit nonce is the sequence number (unique per key, as RFC 5288 asks).
      header.set(this.#aad.subarray(0, 8), RECORD_HEADER);
      this.#nonce.set(this.#salt);
      this.#nonce.set(this.#aad.subarray(0, 8), 4);
    } else {
      this.#implicitNonce();
    }
    this.#aead.encrypt(this.#nonce, this.#aad, data, trailer.subarray(0, TAG));
    this.#seq++;
  }

  open(
    header: Uint8Array,
    body: Uint8Array,
  ): { type: number; data: Uint8Array } {
    const explicit = this.#explicit;
    if (body.length < explicit + TAG) {
      throw new TlsAlert(
        ALERT_BAD_RECORD_MAC,
        SEC_E_DECRYPT_FAILURE,
        "TLS record too short",
      );
    }
    // The AAD carries the negotiated version, not the header's: insist they agree.
    requireTls12Header(header);
    const type = header[0];
    const data = body.subarray(explicit, body.length - TAG);
    this.#fill(this.#seq, type, data.length);
    if (explicit) {
      this.#nonce.set(this.#salt);
      this.#nonce.set(body.subarray(0, EXPLICIT), 4);
    } else {
      this.#implicitNonce();
    }
    if (
      !this.#aead.decrypt(
        this.#nonce,
        this.#aad,
        data,
        body.subarray(body.length - TAG),
      )
    ) {
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
    this.#aead.wipe();
    this.#salt.fill(0);
  }
}
