/**
 * Kerberos V5 GSS-API per-message tokens for an rc4-hmac context key (RFC 4757
 * section 7): the RFC 1964 token layout with HMAC-MD5 signing (SGN_ALG 0x0011) and RC4
 * sealing (SEAL_ALG 0x0010), each token framed as an InitialContextToken
 * (`60 <len> 06 09 <krb5 OID> <TOK_ID> ...`).
 *
 * Layout after the framing and TOK_ID (0x0101 MIC, 0x0201 Wrap): SGN_ALG (2 bytes,
 * little-endian), SEAL_ALG (Wrap: 0x0010, or 0xFFFF for integrity only; MIC: 0xFFFF
 * filler), two filler bytes 0xFF, SND_SEQ (8 bytes, encrypted), SGN_CKSUM (8 bytes),
 * and for Wrap the confounder (8 bytes), the data and one padding byte 0x01 (RC4 has
 * no blocks), those last three encrypted when sealed.
 *
 * - SGN_CKSUM: the first 8 bytes of the hmac-md5 checksum (RFC 4757 section 4) under
 *   the context key with usage 15 (MIC) or 13 (Wrap) of the 8 header bytes after the
 *   TOK_ID's start, then (Wrap) the plaintext confounder, data and padding.
 * - SND_SEQ: the sequence number (4 bytes big-endian) and the direction (4 bytes:
 *   0x00 from the initiator, 0xFF from the acceptor), RC4-encrypted under
 *   HMAC-MD5(HMAC-MD5(key, 0 as 4 bytes LE), SGN_CKSUM).
 * - Sealing key: HMAC-MD5(HMAC-MD5(key XOR 0xF0, 0 as 4 bytes LE), sequence number
 *   as 4 bytes big-endian); one RC4 stream over confounder, data and padding.
 *
 * Sizes: a MIC token is 37 bytes (13 of framing, 24 of token). The part of a Wrap
 * token that `wrapSspi` returns beside the data is framing, header and confounder:
 * 45 bytes for messages up to 83 bytes, then one more as the framing's DER length
 * grows (46 to 211 bytes, 47 to 65,491, 48 beyond), so `cbSecurityTrailer` is 48;
 * the padding byte goes after the data (a `SECBUFFER_PADDING` buffer).
 *
 * @module
 */
import { hmacMd5, rc4 } from "../../crypto/mod.ts";
import { randomBytesOf } from "../../crypto/_random.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../sspi/status.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import { ETYPE_RC4_HMAC, hmacMd5ChecksumOf, le32 } from "./crypto_rc4.ts";
import { frameInitialToken, unframeToken } from "./gss.ts";
import type {
  KrbMessageCryptoOptions,
  UnwrapResult,
  WrapSspiResult,
} from "./gss_token_types.ts";

export { RC4_MAX_SIGNATURE, RC4_SECURITY_TRAILER } from "./gss_token_types.ts";

/** TOK_ID of a MIC token (RFC 1964 1.2.1). */
export const TOK_RC4_MIC = 0x0101;
/** TOK_ID of a Wrap token (RFC 1964 1.2.2). */
export const TOK_RC4_WRAP = 0x0201;
/** SGN_ALG of HMAC-MD5 signing (RFC 4757 section 7.1). */
const SGN_ALG_HMAC_MD5 = 0x0011;
/** SEAL_ALG of RC4 sealing (RFC 4757 section 7.1). */
const SEAL_ALG_RC4 = 0x0010;
/** SEAL_ALG of an integrity-only Wrap token (RFC 1964 1.2.2). */
const SEAL_ALG_NONE = 0xffff;
/** Key usage of the MIC checksum (RFC 4757 section 7.2). */
const USAGE_MIC = 15;
/** Key usage of the Wrap checksum (23, which RFC 4757 maps to 13). */
const USAGE_WRAP = 23;
/** Bytes from TOK_ID to the end of SGN_CKSUM. */
const TOKEN = 24;
/** Offset of SND_SEQ after TOK_ID's start. */
const SEQ_AT = 8;
/** Offset of SGN_CKSUM after TOK_ID's start. */
const CKSUM_AT = 16;
/** Confounder length in a Wrap token. */
const CONFOUNDER = 8;
/** Length of the krb5 OID's TLV in the framing. */
const OID_TLV = 11;

/**
 * Per-message protection for an established Kerberos context whose key is rc4-hmac
 * (RFC 4757 section 7), with the interface of `KrbMessageCrypto`. Sequence numbers
 * are checked strictly in order; {@link KrbRc4MessageCrypto.dispose} wipes the key.
 *
 * @example
 * ```ts
 * import { KrbRc4MessageCrypto } from "./gss_rc4.ts";
 * import { randomKey } from "./crypto.ts";
 * const key = randomKey(23);
 * const side = (isInitiator: boolean) =>
 *   new KrbRc4MessageCrypto({ key, isInitiator, acceptorSubkey: false, sendSeq: 0, recvSeq: 0 });
 * const token = side(true).wrap(new TextEncoder().encode("hello"), true);
 * side(false).unwrap(token); // { status: SEC_E_OK, data: "hello" bytes, confidential: true }
 * ```
 */
export class KrbRc4MessageCrypto {
  #key: Uint8Array;
  #initiator: boolean;
  #sendSeq: number;
  #recvSeq: number;
  #disposed = false;

  /** Takes a copy of `options.key`; throws RangeError for another etype or bad sequence numbers. */
  constructor(options: KrbMessageCryptoOptions) {
    const { key } = options;
    if (key.etype !== ETYPE_RC4_HMAC || key.bytes.length !== 16) {
      throw new RangeError(
        `unsupported etype for RFC 4757 tokens: ${key.etype}`,
      );
    }
    for (const n of [options.sendSeq, options.recvSeq]) {
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new RangeError(`sequence number out of range: ${n}`);
      }
    }
    this.#key = key.bytes.slice();
    this.#initiator = options.isInitiator;
    this.#sendSeq = options.sendSeq >>> 0;
    this.#recvSeq = options.recvSeq >>> 0;
  }

  /** The sequence number the next outgoing token will carry. */
  get sendSeq(): number {
    return this.#sendSeq;
  }

  /** The sequence number the next incoming token must carry. */
  get recvSeq(): number {
    return this.#recvSeq;
  }

  /** A framed MIC token over the concatenation of `parts` (RFC 4757 section 7.2). */
  getMic(parts: readonly Uint8Array[]): Uint8Array {
    this.#live();
    const t = this.#header(TOK_RC4_MIC, SEAL_ALG_NONE);
    this.#sign(t, USAGE_MIC, parts);
    this.#sealSeq(t);
    return frameInitialToken(TOK_RC4_MIC, t.subarray(2));
  }

  /** Verifies a framed MIC token over `parts`; returns an SSPI status and advances on success. */
  verifyMic(parts: readonly Uint8Array[], token: Uint8Array): number {
    this.#live();
    const t = this.#parse(token, TOK_RC4_MIC);
    if (!t || t.length !== TOKEN || !this.#algs(t, SEAL_ALG_NONE)) {
      return SEC_E_INVALID_TOKEN;
    }
    const seq = this.#openSeq(t);
    if (seq === null) return SEC_E_MESSAGE_ALTERED;
    const mac = this.#mac(t, USAGE_MIC, parts);
    if (!constantTimeEqual(mac, t.subarray(CKSUM_AT, TOKEN))) {
      return SEC_E_MESSAGE_ALTERED;
    }
    return this.#accept(seq);
  }

  /** A framed Wrap token (RFC 4757 section 7.3): sealed when `confidential`. */
  wrap(data: Uint8Array, confidential: boolean): Uint8Array {
    const { head, body } = this.#seal(data, confidential);
    const t = new Uint8Array(TOKEN + body.length);
    t.set(head);
    t.set(body, TOKEN);
    body.fill(0);
    return frameInitialToken(TOK_RC4_WRAP, t.subarray(2));
  }

  /** Reads a framed Wrap token; see `UnwrapResult`. */
  unwrap(token: Uint8Array): UnwrapResult {
    this.#live();
    const t = this.#parse(token, TOK_RC4_WRAP);
    if (!t || t.length < TOKEN + CONFOUNDER + 1) {
      return { status: SEC_E_INVALID_TOKEN };
    }
    return this.#open(t.subarray(0, TOKEN), [t.subarray(TOKEN)], null);
  }

  /**
   * The split form of EncryptMessage: encrypts `data` in place when `confidential`;
   * `token` is the framing, header and confounder, and `padding` the padding byte
   * that follows the data on the wire.
   */
  wrapSspi(data: Uint8Array, confidential: boolean): WrapSspiResult {
    const { head, body } = this.#seal(data, confidential);
    const n = data.length;
    const inner = TOKEN + CONFOUNDER + n + 1;
    // Frame a token of the full length, then keep all but the data and padding.
    const framed = frameInitialToken(TOK_RC4_WRAP, new Uint8Array(inner - 2));
    const start = framed.length - inner;
    const token = framed.subarray(0, start + TOKEN + CONFOUNDER).slice();
    token.set(head.subarray(2), start + 2);
    token.set(body.subarray(0, CONFOUNDER), start + TOKEN);
    data.set(body.subarray(CONFOUNDER, CONFOUNDER + n));
    const padding = body.slice(CONFOUNDER + n);
    body.fill(0);
    return { token, padding };
  }

  /**
   * The split form of DecryptMessage: `token` is the `SECBUFFER_TOKEN` (framing,
   * header and confounder), `data` the rest (the message, then the padding byte). The
   * message is decrypted into `data` when it has the message's length, else returned.
   */
  unwrapSspi(token: Uint8Array, data: Uint8Array): UnwrapResult {
    this.#live();
    const t = this.#parse(token, TOK_RC4_WRAP, data.length);
    if (!t || t.length < TOKEN) return { status: SEC_E_INVALID_TOKEN };
    const rest = [t.subarray(TOKEN), data];
    if (t.length - TOKEN + data.length < CONFOUNDER + 1) {
      return { status: SEC_E_INVALID_TOKEN };
    }
    return this.#open(t.subarray(0, TOKEN), rest, data);
  }

  /** Wipes the key; the object cannot be used afterwards. */
  dispose(): void {
    this.#key.fill(0);
    this.#disposed = true;
  }

  #live(): void {
    if (this.#disposed) {
      throw new TypeError("KrbRc4MessageCrypto used after dispose()");
    }
  }

  /** TOK_ID, SGN_ALG, SEAL_ALG and filler of a new token, with room for SND_SEQ and SGN_CKSUM. */
  #header(tokId: number, sealAlg: number): Uint8Array {
    const t = new Uint8Array(TOKEN);
    const v = new DataView(t.buffer, t.byteOffset, t.byteLength);
    v.setUint16(0, tokId);
    v.setUint16(2, SGN_ALG_HMAC_MD5, true);
    v.setUint16(4, sealAlg, true);
    t[6] = t[7] = 0xff;
    return t;
  }

  /** True when the token's SGN_ALG, SEAL_ALG and filler are as expected. */
  #algs(t: Uint8Array, sealAlg: number): boolean {
    const v = new DataView(t.buffer, t.byteOffset, t.byteLength);
    return v.getUint16(2, true) === SGN_ALG_HMAC_MD5 &&
      v.getUint16(4, true) === sealAlg && t[6] === 0xff && t[7] === 0xff;
  }

  /**
   * The token from TOK_ID on, or null when it is not a framed krb5 token of `tokId`.
   * `more` is how many bytes of the token follow elsewhere (a split Wrap token).
   */
  #parse(token: Uint8Array, tokId: number, more = 0): Uint8Array | null {
    if (more === 0) {
      const u = unframeToken(token);
      if (!u || u.tokId !== tokId) return null;
      return token.subarray(u.inner.byteOffset - token.byteOffset - 2);
    }
    // Split: the framing's length counts the data too; read it by hand.
    if (token.length < 2 || token[0] !== 0x60) return null;
    let at = 2;
    let len = token[1];
    if (len >= 0x80) {
      const k = len & 0x7f;
      if (k === 0 || k > 3 || 2 + k > token.length) return null;
      len = 0;
      for (let i = 0; i < k; i++) len = len * 256 + token[2 + i];
      at = 2 + k;
    }
    if (at + len !== token.length + more) return null;
    // The OID TLV and TOK_ID as this module frames them.
    const want = frameInitialToken(tokId, new Uint8Array(0)).subarray(2);
    const got = token.subarray(at, at + want.length);
    if (got.length !== want.length) return null;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return null;
    return token.subarray(at + OID_TLV);
  }

  /** SGN_CKSUM (8 bytes) over the 8 header bytes then `parts`. */
  #mac(t: Uint8Array, usage: number, parts: readonly Uint8Array[]): Uint8Array {
    const full = hmacMd5ChecksumOf(this.#key, usage, [
      t.subarray(0, SEQ_AT),
      ...parts,
    ]);
    const mac = full.slice(0, 8);
    full.fill(0);
    return mac;
  }

  /** Writes SGN_CKSUM into the token. */
  #sign(t: Uint8Array, usage: number, parts: readonly Uint8Array[]): void {
    t.set(this.#mac(t, usage, parts), CKSUM_AT);
  }

  /** Kseq for the token's SGN_CKSUM: HMAC-MD5(HMAC-MD5(key, 0), SGN_CKSUM). */
  #seqKey(t: Uint8Array): Uint8Array {
    const k0 = hmacMd5(this.#key, le32(0));
    const k = hmacMd5(k0, t.subarray(CKSUM_AT, TOKEN));
    k0.fill(0);
    return k;
  }

  /** Writes the encrypted SND_SEQ (needs SGN_CKSUM) and takes the send number. */
  #sealSeq(t: Uint8Array): void {
    const plain = new Uint8Array(8);
    new DataView(plain.buffer, plain.byteOffset, plain.byteLength).setUint32(
      0,
      this.#sendSeq,
    );
    plain.fill(this.#initiator ? 0 : 0xff, 4);
    const k = this.#seqKey(t);
    t.set(rc4(k, plain), SEQ_AT);
    k.fill(0);
    this.#sendSeq = (this.#sendSeq + 1) >>> 0;
  }

  /** The peer's sequence number from SND_SEQ, or null when its direction is wrong. */
  #openSeq(t: Uint8Array): number | null {
    const k = this.#seqKey(t);
    const plain = rc4(k, t.subarray(SEQ_AT, CKSUM_AT));
    k.fill(0);
    const dir = this.#initiator ? 0xff : 0;
    for (let i = 4; i < 8; i++) if (plain[i] !== dir) return null;
    return new DataView(plain.buffer, plain.byteOffset, plain.byteLength)
      .getUint32(0);
  }

  /** Kcrypt: HMAC-MD5(HMAC-MD5(key XOR 0xF0, 0), sequence number big-endian). */
  #cryptKey(seq: number): Uint8Array {
    const local = this.#key.map((b) => b ^ 0xf0);
    const k0 = hmacMd5(local, le32(0));
    const s = new Uint8Array(4);
    new DataView(s.buffer, s.byteOffset, s.byteLength).setUint32(0, seq);
    const k = hmacMd5(k0, s);
    local.fill(0);
    k0.fill(0);
    return k;
  }

  /** Header and body (confounder, data, padding; encrypted when sealing) of a Wrap token. */
  #seal(
    data: Uint8Array,
    confidential: boolean,
  ): { head: Uint8Array; body: Uint8Array } {
    this.#live();
    const head = this.#header(
      TOK_RC4_WRAP,
      confidential ? SEAL_ALG_RC4 : SEAL_ALG_NONE,
    );
    const body = new Uint8Array(CONFOUNDER + data.length + 1);
    body.set(randomBytesOf(CONFOUNDER));
    body.set(data, CONFOUNDER);
    body[body.length - 1] = 1;
    this.#sign(head, USAGE_WRAP, [body]);
    const seq = this.#sendSeq;
    this.#sealSeq(head);
    if (!confidential) return { head, body };
    const k = this.#cryptKey(seq);
    const sealed = rc4(k, body);
    k.fill(0);
    body.fill(0);
    return { head, body: sealed };
  }

  /**
   * Checks and opens a Wrap token: `head` its 24 bytes from TOK_ID, `rest` the
   * confounder, data and padding in one or more pieces.
   */
  #open(
    head: Uint8Array,
    rest: readonly Uint8Array[],
    target: Uint8Array | null,
  ): UnwrapResult {
    const sealed = this.#algs(head, SEAL_ALG_RC4);
    if (!sealed && !this.#algs(head, SEAL_ALG_NONE)) {
      return { status: SEC_E_INVALID_TOKEN };
    }
    const seq = this.#openSeq(head);
    if (seq === null) return { status: SEC_E_MESSAGE_ALTERED };
    let n = 0;
    for (const r of rest) n += r.length;
    let body: Uint8Array = new Uint8Array(n);
    n = 0;
    for (const r of rest) {
      body.set(r, n);
      n += r.length;
    }
    if (sealed) {
      const k = this.#cryptKey(seq);
      const plain = rc4(k, body);
      k.fill(0);
      body = plain;
    }
    try {
      const mac = this.#mac(head, USAGE_WRAP, [body]);
      if (!constantTimeEqual(mac, head.subarray(CKSUM_AT, TOKEN))) {
        return { status: SEC_E_MESSAGE_ALTERED };
      }
      const pad = body[body.length - 1];
      const size = body.length - CONFOUNDER - pad;
      if (pad < 1 || pad > 8 || size < 0) {
        return { status: SEC_E_INVALID_TOKEN };
      }
      const status = this.#accept(seq);
      if (status !== SEC_E_OK) return { status };
      const msg = body.subarray(CONFOUNDER, CONFOUNDER + size);
      let out: Uint8Array;
      if (target && target.length >= size) {
        target.set(msg);
        out = target.length === size ? target : target.subarray(0, size);
      } else out = msg.slice();
      return { status, data: out, confidential: sealed };
    } finally {
      body.fill(0);
    }
  }

  /** Sequence check after a token proved authentic; advances on success. */
  #accept(seq: number): number {
    if (seq !== this.#recvSeq) return SEC_E_OUT_OF_SEQUENCE;
    this.#recvSeq = (this.#recvSeq + 1) >>> 0;
    return SEC_E_OK;
  }
}
