/**
 * The TLS record layer (RFC 8446 section 5): finding whole records in received bytes,
 * and AEAD record protection (the suite's AES-GCM or ChaCha20-Poly1305) with
 * per-direction sequence numbers.
 *
 * @module
 */
import {
  ALERT_BAD_RECORD_MAC,
  ALERT_RECORD_OVERFLOW,
  ALERT_UNEXPECTED_MESSAGE,
  CT_ALERT,
  CT_APPLICATION_DATA,
  CT_CHANGE_CIPHER_SPEC,
  CT_HANDSHAKE,
  MAX_CIPHERTEXT,
  RECORD_HEADER,
  TLS12,
} from "./constants.ts";
import { TlsAlert } from "./wire.ts";
import {
  type Aead,
  nextTrafficSecret,
  type Tls13Suite,
  trafficKeys,
} from "./keys.ts";
import {
  SEC_E_DECRYPT_FAILURE,
  SEC_E_ILLEGAL_MESSAGE,
  SEC_E_INVALID_TOKEN,
} from "../../sspi/status.ts";

/** One record found in received bytes: its type, body view and where it ends. */
export interface RecordView {
  /** Content type from the header. */
  type: number;
  /** The header (5 bytes) as a view. */
  header: Uint8Array;
  /** The body (ciphertext or plaintext) as a view. */
  body: Uint8Array;
  /** Offset just past the record. */
  end: number;
}

/**
 * The record starting at `at`: a view, or the number of bytes still missing
 * (a positive count; the header is needed to know more than "at least one").
 * Headers that cannot start a TLS record raise `SEC_E_INVALID_TOKEN`.
 */
export function recordAt(bytes: Uint8Array, at: number): RecordView | number {
  const left = bytes.length - at;
  if (left < RECORD_HEADER) return RECORD_HEADER - left;
  const type = bytes[at];
  if (
    type !== CT_HANDSHAKE && type !== CT_APPLICATION_DATA &&
    type !== CT_ALERT && type !== CT_CHANGE_CIPHER_SPEC
  ) {
    throw new TlsAlert(
      ALERT_UNEXPECTED_MESSAGE,
      SEC_E_INVALID_TOKEN,
      "not a TLS record",
    );
  }
  if (bytes[at + 1] !== 0x03 || bytes[at + 2] > 0x04) {
    throw new TlsAlert(
      ALERT_UNEXPECTED_MESSAGE,
      SEC_E_INVALID_TOKEN,
      "not a TLS record version",
    );
  }
  const n = (bytes[at + 3] << 8) | bytes[at + 4];
  if (n > MAX_CIPHERTEXT || n === 0) {
    throw new TlsAlert(
      ALERT_RECORD_OVERFLOW,
      SEC_E_ILLEGAL_MESSAGE,
      n ? "TLS record too long" : "empty TLS record",
    );
  }
  if (left < RECORD_HEADER + n) return RECORD_HEADER + n - left;
  return {
    type,
    header: bytes.subarray(at, at + RECORD_HEADER),
    body: bytes.subarray(at + RECORD_HEADER, at + RECORD_HEADER + n),
    end: at + RECORD_HEADER + n,
  };
}

/**
 * Writes a record header for `length` body bytes of `type` at `out[at]`, with
 * `version` (TLS 1.2's 0x0303 unless a TLS 1.0 or 1.1 connection says otherwise).
 */
export function writeHeader(
  out: Uint8Array,
  at: number,
  type: number,
  length: number,
  version = TLS12,
): void {
  out[at] = type;
  out[at + 1] = version >> 8;
  out[at + 2] = version & 0xff;
  out[at + 3] = length >> 8;
  out[at + 4] = length & 0xff;
}

/** A plaintext record (the ClientHello and ServerHello flights), of `version`. */
export function plainRecord(
  type: number,
  body: Uint8Array,
  version = TLS12,
): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER + body.length);
  writeHeader(out, 0, type, body.length, version);
  out.set(body, RECORD_HEADER);
  return out;
}

/** One direction's record protection, TLS 1.3 or TLS 1.2. */
export interface RecordProtection {
  /** Bytes before the data in a protected record (header, explicit nonce). */
  readonly header: number;
  /**
   * Bytes after the data (TLS 1.3: the inner type and the tag); for a CBC suite the
   * most a record takes (MAC and a block of padding).
   */
  readonly trailer: number;
  /** The trailer of a record of `length` bytes (`trailer`, but for CBC's padding). */
  trailerFor(length: number): number;
  /**
   * Protects `data` in place as a record of `type`: `header` (this.header bytes)
   * and `trailer` (`trailerFor(data.length)` bytes) are written.
   */
  sealParts(
    type: number,
    header: Uint8Array,
    data: Uint8Array,
    trailer: Uint8Array,
  ): void;
  /** Opens a record body in place: its content type and the plaintext view. */
  open(
    header: Uint8Array,
    body: Uint8Array,
  ): { type: number; data: Uint8Array };
  /** A whole protected record of `type` around `data`. */
  record(type: number, data: Uint8Array): Uint8Array;
  /** The next traffic keys (TLS 1.3 KeyUpdate); this one is wiped. */
  next(): RecordProtection;
  /** Wipes the keys. */
  wipe(): void;
}

/** One direction's TLS 1.3 AEAD state: key, IV and sequence number. */
export class RecordCipher implements RecordProtection {
  readonly header = RECORD_HEADER;
  readonly trailer = 17;

  trailerFor(): number {
    return this.trailer;
  }
  #aead: Aead;
  #iv: Uint8Array;
  #seq = 0;
  #nonce = new Uint8Array(12);
  #secret: Uint8Array;
  #suite: Tls13Suite;
  #inner = new Uint8Array(0);

  /** The cipher for a traffic secret (copied: KeyUpdate derives the next from it). */
  constructor(suite: Tls13Suite, secret: Uint8Array) {
    this.#suite = suite;
    this.#secret = secret.slice();
    const { key, iv } = trafficKeys(suite, secret);
    this.#aead = suite.aead(key);
    key.fill(0);
    this.#iv = iv;
  }

  #next(): Uint8Array {
    const n = this.#nonce;
    n.set(this.#iv);
    let s = this.#seq;
    for (let i = 11; i >= 4 && s > 0; i--) {
      n[i] ^= s & 0xff;
      s = Math.floor(s / 256);
    }
    return n;
  }

  /**
   * Protects `inner` (content + type byte, already laid out) in place; `header` is the
   * 5-byte record header already written (the AAD); `tag` receives the tag.
   */
  seal(header: Uint8Array, inner: Uint8Array, tag: Uint8Array): void {
    this.#aead.encrypt(this.#next(), header, inner, tag);
    this.#seq++;
  }

  /**
   * Opens a record body in place: the inner plaintext (type byte and padding
   * stripped) and its content type. A wrong tag leaves the bytes and the sequence
   * number as they were and raises `SEC_E_DECRYPT_FAILURE`.
   */
  open(
    header: Uint8Array,
    body: Uint8Array,
  ): { type: number; data: Uint8Array } {
    if (body.length < 17) {
      throw new TlsAlert(
        ALERT_BAD_RECORD_MAC,
        SEC_E_DECRYPT_FAILURE,
        "TLS record too short",
      );
    }
    const ct = body.subarray(0, body.length - 16);
    const tag = body.subarray(body.length - 16);
    if (!this.#aead.decrypt(this.#next(), header, ct, tag)) {
      throw new TlsAlert(
        ALERT_BAD_RECORD_MAC,
        SEC_E_DECRYPT_FAILURE,
        "TLS record failed its integrity check",
      );
    }
    this.#seq++;
    let end = ct.length;
    while (end > 0 && ct[end - 1] === 0) end--;
    if (end === 0) {
      throw new TlsAlert(
        10,
        SEC_E_ILLEGAL_MESSAGE,
        "TLS record without a content type",
      );
    }
    return { type: ct[end - 1], data: ct.subarray(0, end - 1) };
  }

  sealParts(
    type: number,
    header: Uint8Array,
    data: Uint8Array,
    trailer: Uint8Array,
  ): void {
    writeHeader(header, 0, CT_APPLICATION_DATA, data.length + 17);
    // The inner plaintext is data + content type; the AEAD runs over one contiguous
    // range, in a buffer kept for the next records (ciphertext once sealed).
    if (this.#inner.length <= data.length) {
      this.#inner = new Uint8Array(Math.max(data.length + 1, 256));
    }
    const inner = this.#inner.subarray(0, data.length + 1);
    inner.set(data);
    inner[data.length] = type;
    this.seal(
      header.subarray(0, RECORD_HEADER),
      inner,
      trailer.subarray(1, 17),
    );
    data.set(inner.subarray(0, data.length));
    trailer[0] = inner[data.length];
  }

  /** A whole protected record of `type` around `data` (handshake messages, alerts). */
  record(type: number, data: Uint8Array): Uint8Array {
    const out = new Uint8Array(RECORD_HEADER + data.length + 17);
    writeHeader(out, 0, CT_APPLICATION_DATA, data.length + 17);
    out.set(data, RECORD_HEADER);
    out[RECORD_HEADER + data.length] = type;
    this.seal(
      out.subarray(0, RECORD_HEADER),
      out.subarray(RECORD_HEADER, RECORD_HEADER + data.length + 1),
      out.subarray(RECORD_HEADER + data.length + 1),
    );
    return out;
  }

  /** The cipher of the next traffic secret (KeyUpdate); this one is wiped. */
  next(): RecordProtection {
    const secret = nextTrafficSecret(this.#suite, this.#secret);
    const c = new RecordCipher(this.#suite, secret);
    secret.fill(0);
    this.wipe();
    return c;
  }

  /** Wipes the key, IV and secret. */
  wipe(): void {
    this.#aead.wipe();
    this.#iv.fill(0);
    this.#secret.fill(0);
  }
}
