/**
 * The TLS channel under CredSSP: the inner Schannel context's EncryptMessage and
 * DecryptMessage over whole records, and the TSRequests read from it (which may span
 * records and arrive in pieces).
 *
 * @module
 */
import { SecBuffer, SecBufferDesc } from "../../sspi/buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_EMPTY,
  SECBUFFER_EXTRA,
  SECBUFFER_MISSING,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
  SECPKG_ATTR_STREAM_SIZES,
} from "../../sspi/flags.ts";
import type { PackageContext } from "../../sspi/package.ts";
import {
  isFailure,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
  SEC_I_RENEGOTIATE,
} from "../../sspi/status.ts";
import {
  decodeTSRequest,
  derValueLength,
  type TSRequest,
} from "./tsrequest.ts";

const MAX_RECORD = 16384;
/** The largest TSRequest accepted (tokens and credentials are a few KiB). */
const MAX_TSREQUEST = 1 << 16;

/** What reading from the channel gave. */
export type ChannelRead =
  | { kind: "request"; request: TSRequest; consumed: number }
  | { kind: "more"; consumed: number; missing?: number }
  | { kind: "failed"; status: number };

/** Encrypts and decrypts CredSSP messages through the TLS context. */
export class TlsChannel {
  #tls: PackageContext;
  #plain: Uint8Array = new Uint8Array(0);
  /** The peer's KeyUpdate asked for ours (sent before our next record). */
  #keyUpdateOwed = false;

  /** A channel over an established Schannel context. */
  constructor(tls: PackageContext) {
    this.#tls = tls;
  }

  /**
   * The KeyUpdate the peer asked for, taken from the TLS context now (its sending
   * keys move on with it): the record to send before anything else, null when none
   * is owed, or the TLS context's failure status.
   */
  takeKeyUpdate(): Uint8Array | null | number {
    if (!this.#keyUpdateOwed) return null;
    const r = this.#tls.step({
      target: null,
      flags: 0,
      dataRep: 0,
      input: null,
      output: null,
      async: false,
    });
    if (r instanceof Promise) return SEC_E_INTERNAL_ERROR;
    if (r.status !== SEC_E_OK || !r.token) {
      return isFailure(r.status) ? r.status : SEC_E_INTERNAL_ERROR;
    }
    this.#keyUpdateOwed = false;
    return r.token;
  }

  /**
   * `bytes` as TLS records (EncryptMessage per 16 KiB), after any KeyUpdate the
   * peer asked for.
   */
  seal(bytes: Uint8Array): Uint8Array | number {
    const owed = this.takeKeyUpdate();
    if (typeof owed === "number") return owed;
    const parts: Uint8Array[] = owed ? [owed] : [];
    for (let at = 0; at < bytes.length || at === 0; at += MAX_RECORD) {
      const chunk = bytes.slice(at, at + MAX_RECORD);
      const sizes = this.#tls.queryAttribute(SECPKG_ATTR_STREAM_SIZES);
      if (sizes.status !== SEC_E_OK) return sizes.status;
      const { cbHeader, cbTrailer } = sizes.value as {
        cbHeader: number;
        cbTrailer: number;
      };
      const h = new SecBuffer(
        SECBUFFER_STREAM_HEADER,
        new Uint8Array(cbHeader),
      );
      const d = new SecBuffer(SECBUFFER_DATA, chunk);
      const t = new SecBuffer(
        SECBUFFER_STREAM_TRAILER,
        new Uint8Array(cbTrailer),
      );
      const st = this.#tls.encryptMessage!(
        0,
        new SecBufferDesc([h, d, t, new SecBuffer(SECBUFFER_EMPTY)]),
        0,
      );
      if (st !== SEC_E_OK) return st;
      parts.push(
        h.pvBuffer!.subarray(0, h.cbBuffer),
        chunk,
        t.pvBuffer!.subarray(0, t.cbBuffer),
      );
      if (bytes.length === 0) break;
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  }

  /**
   * Decrypts whole records from `input` until a whole TSRequest is buffered: the
   * request (and the bytes consumed), or how many bytes were consumed and, when the
   * input ended inside a record, how many are missing.
   */
  read(input: Uint8Array): ChannelRead {
    let at = 0;
    for (;;) {
      const want = this.#plain.length ? derValueLength(this.#plain) : -1;
      if (want > MAX_TSREQUEST) {
        return { kind: "failed", status: SEC_E_INVALID_TOKEN };
      }
      if (want > 0 && this.#plain.length >= want) {
        const msg = this.#plain.subarray(0, want);
        this.#plain = this.#plain.slice(want);
        return { kind: "request", request: decodeTSRequest(msg), consumed: at };
      }
      if (at >= input.length) return { kind: "more", consumed: at };
      const bufs = [
        new SecBuffer(SECBUFFER_DATA, input.slice(at)),
        new SecBuffer(SECBUFFER_EMPTY),
        new SecBuffer(SECBUFFER_EMPTY),
        new SecBuffer(SECBUFFER_EMPTY),
      ];
      const r = this.#tls.decryptMessage!(new SecBufferDesc(bufs), 0);
      if (r.status === SEC_E_INCOMPLETE_MESSAGE) {
        const m = bufs.find((b) => b.BufferType === SECBUFFER_MISSING);
        return { kind: "more", consumed: at, missing: m?.cbBuffer };
      }
      if (r.status === SEC_I_RENEGOTIATE) {
        // The peer's KeyUpdate asked for ours: it goes before our next record
        // (one answers any number of requests).
        this.#keyUpdateOwed = true;
      } else if (r.status !== SEC_E_OK) {
        return { kind: "failed", status: r.status };
      }
      const data = bufs.find((b) => b.BufferType === SECBUFFER_DATA);
      const extra = bufs.find((b) => b.BufferType === SECBUFFER_EXTRA);
      at = input.length - (extra?.cbBuffer ?? 0);
      const plain = data?.pvBuffer?.subarray(0, data.cbBuffer) ??
        new Uint8Array(0);
      if (plain.length) {
        const joined = new Uint8Array(this.#plain.length + plain.length);
        joined.set(this.#plain);
        joined.set(plain, this.#plain.length);
        this.#plain = joined;
      }
    }
  }
}
