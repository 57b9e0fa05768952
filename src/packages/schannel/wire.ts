/**
 * Bounded readers and a growing writer for TLS wire structures (RFC 8446 section 3):
 * every read checks the bytes left first and a short or overlong field raises a
 * {@link TlsAlert}, which the state machines turn into an SSPI status and an alert.
 *
 * @module
 */
import { ALERT_DECODE_ERROR } from "./constants.ts";
import { SEC_E_ILLEGAL_MESSAGE } from "../../sspi/status.ts";

/** A protocol failure: the alert to send and a sentence saying why. */
export class TlsAlert extends Error {
  /** The TLS alert description. */
  readonly alert: number;
  /** The SSPI status the call returns. */
  readonly status: number;
  /** Creates a failure for `alert`, returned as `status`. */
  constructor(alert: number, status: number, message: string) {
    super(message);
    this.name = "TlsAlert";
    this.alert = alert;
    this.status = status >>> 0;
  }
}

/** `SEC_E_ILLEGAL_MESSAGE`, what Schannel returns for malformed handshake data. */

/** A malformed-structure failure (`decode_error`). */
export function decodeError(what: string): TlsAlert {
  return new TlsAlert(
    ALERT_DECODE_ERROR,
    SEC_E_ILLEGAL_MESSAGE,
    `malformed TLS ${what}`,
  );
}

/** Reads big-endian fields from a byte range, never past its end. */
export class Reader {
  #b: Uint8Array;
  #at: number;
  #end: number;
  #what: string;

  /** A reader over `bytes` (all of it); `what` names the structure in errors. */
  constructor(bytes: Uint8Array, what: string) {
    this.#b = bytes;
    this.#at = 0;
    this.#end = bytes.length;
    this.#what = what;
  }

  /** Bytes left. */
  get left(): number {
    return this.#end - this.#at;
  }

  #need(n: number): number {
    if (n > this.#end - this.#at) throw decodeError(this.#what);
    const at = this.#at;
    this.#at += n;
    return at;
  }

  /** One byte. */
  u8(): number {
    return this.#b[this.#need(1)];
  }

  /** Two bytes. */
  u16(): number {
    const at = this.#need(2);
    return (this.#b[at] << 8) | this.#b[at + 1];
  }

  /** Three bytes. */
  u24(): number {
    const at = this.#need(3);
    return (this.#b[at] << 16) | (this.#b[at + 1] << 8) | this.#b[at + 2];
  }

  /** `n` bytes, as a view (not a copy). */
  bytes(n: number): Uint8Array {
    const at = this.#need(n);
    return this.#b.subarray(at, at + n);
  }

  /** A vector with a `lenBytes`-byte length prefix, as a view. */
  vector(lenBytes: 1 | 2 | 3, min = 0): Uint8Array {
    const n = lenBytes === 1
      ? this.u8()
      : lenBytes === 2
      ? this.u16()
      : this.u24();
    if (n < min) throw decodeError(this.#what);
    return this.bytes(n);
  }

  /** Fails unless every byte was read. */
  end(): void {
    if (this.#at !== this.#end) throw decodeError(this.#what);
  }
}

/** Builds TLS structures; length prefixes are reserved and filled in on close. */
export class Writer {
  #b = new Uint8Array(256);
  #n = 0;
  #open: { at: number; size: number }[] = [];

  #room(n: number): void {
    if (this.#n + n <= this.#b.length) return;
    let size = this.#b.length * 2;
    while (size < this.#n + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.#b.subarray(0, this.#n));
    this.#b = b;
  }

  /** One byte. */
  u8(v: number): this {
    this.#room(1);
    this.#b[this.#n++] = v;
    return this;
  }

  /** Two bytes. */
  u16(v: number): this {
    this.#room(2);
    this.#b[this.#n++] = v >> 8;
    this.#b[this.#n++] = v & 0xff;
    return this;
  }

  /** Three bytes. */
  u24(v: number): this {
    this.#room(3);
    this.#b[this.#n++] = v >> 16;
    this.#b[this.#n++] = (v >> 8) & 0xff;
    this.#b[this.#n++] = v & 0xff;
    return this;
  }

  /** Raw bytes. */
  bytes(b: Uint8Array): this {
    this.#room(b.length);
    this.#b.set(b, this.#n);
    this.#n += b.length;
    return this;
  }

  /** Starts a vector with a `size`-byte length prefix. */
  open(size: 1 | 2 | 3): this {
    this.#room(size);
    this.#open.push({ at: this.#n, size });
    this.#n += size;
    return this;
  }

  /** Ends the innermost open vector and writes its length. */
  close(): this {
    const v = this.#open.pop()!;
    const n = this.#n - v.at - v.size;
    for (let i = v.size - 1, x = n; i >= 0; i--, x >>>= 8) {
      this.#b[v.at + i] = x & 0xff;
    }
    return this;
  }

  /** A vector with a `size`-byte length prefix around `b`. */
  vector(size: 1 | 2 | 3, b: Uint8Array): this {
    return this.open(size).bytes(b).close();
  }

  /** The bytes written (a copy). */
  finish(): Uint8Array {
    return this.#b.slice(0, this.#n);
  }
}

/** A handshake message: type, 24-bit length, body. */
export function handshakeMessage(type: number, body: Uint8Array): Uint8Array {
  const m = new Uint8Array(4 + body.length);
  m[0] = type;
  m[1] = body.length >> 16;
  m[2] = (body.length >> 8) & 0xff;
  m[3] = body.length & 0xff;
  m.set(body, 4);
  return m;
}
