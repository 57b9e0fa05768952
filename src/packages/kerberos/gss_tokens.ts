/**
 * Kerberos V5 GSS-API per-message tokens in the RFC 4121 4.2 formats (AES etypes:
 * RFC 3962's, with 12-byte checksums, and RFC 8009's, with 16 and 24): MIC tokens
 * (TOK_ID 04 04) and Wrap tokens (TOK_ID 05 04), in the single-buffer GSS form and in
 * the split form of Windows' EncryptMessage. The figures below are for AES-SHA1;
 * with a checksum of c bytes, read 16 + c for 28 and 32 + c + 16 for 60.
 *
 * Single-buffer tokens (`wrap`) use EC = 0 and RRC = 0 when sealing (AES-CTS needs no
 * filler). Split tokens (`wrapSspi`) put the data in place: when sealing, EC = 0 and
 * RRC = 28, so the encrypted header copy and the HMAC (28 bytes) are rotated to the
 * front and the token is the header, those 28 bytes and the encrypted confounder
 * (60 bytes); for integrity only, EC = 12 (the checksum length), RRC = 12 and the
 * token is the header and the checksum. Both are plain RFC 4121 tokens once token and
 * data are joined: MIT's `gss_unwrap` and Heimdal's (Samba) read them (tested). The
 * checksum of a Wrap token without confidentiality is keyed with the SEAL usage, as
 * every Wrap token's is (RFC 4121 4.2.4); MIC tokens use SIGN. Receivers accept any RRC:
 * they undo a rotation of RRC and, failing that, of RRC + EC (the DCE-style reading of
 * MS-KILE 3.4.5.4.1, where Windows counts the filler in the rotation), so either form
 * is read by either entry point.
 *
 * Cost: each direction's derived keys are prepared on first use (`crypto_usage.ts`:
 * AES schedules, keyed HMAC states); rotations are undone as views, and plaintext is
 * laid out in the WebAssembly scratch region when it fits, so a call allocates the
 * token it returns (or the message `unwrap` returns) and nothing else.
 *
 * @module
 */
import { KC, type KerberosKey, wipeKey } from "./crypto.ts";
import {
  releaseWork,
  UsageChecksum,
  UsageCipher,
  workBuffer,
} from "./crypto_usage.ts";
import { randomInto } from "../../crypto/_random.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../sspi/status.ts";
import {
  copyInto,
  decodeHeader,
  FLAG_ACCEPTOR_SUBKEY,
  FLAG_SEALED,
  FLAG_SENT_BY_ACCEPTOR,
  HEADER,
  type Header,
  join,
  lengthOf,
  rotatedViews,
  splitViews,
  TOK_MIC,
  TOK_WRAP,
  writeHeader,
} from "./gss_header.ts";

import {
  AES_BLOCK,
  checksumSize,
  KG_USAGE_ACCEPTOR_SEAL,
  KG_USAGE_ACCEPTOR_SIGN,
  KG_USAGE_INITIATOR_SEAL,
  KG_USAGE_INITIATOR_SIGN,
  type KrbMessageCryptoOptions,
  sspiRrcSealed,
  type UnwrapResult,
  type WrapSspiResult,
} from "./gss_token_types.ts";

export {
  type KrbMessageCryptoOptions,
  maxSignatureSize,
  securityTrailerSize,
  type UnwrapResult,
  type WrapSspiResult,
} from "./gss_token_types.ts";

/**
 * Per-message protection for an established Kerberos context (RFC 4121 4.2): MIC and
 * Wrap tokens in both directions, with sequence numbers checked strictly in order.
 * Keeps a private copy of the key and, per direction, the derived keys prepared on
 * first use (AES schedules, keyed HMAC states); {@link KrbMessageCrypto.dispose}
 * wipes them all.
 *
 * @example
 * ```ts
 * import { KrbMessageCrypto } from "./gss.ts";
 * import { randomKey } from "./crypto.ts";
 * const key = randomKey(18);
 * const side = (isInitiator: boolean) =>
 *   new KrbMessageCrypto({ key, isInitiator, acceptorSubkey: false, sendSeq: 0, recvSeq: 0 });
 * const client = side(true);
 * const server = side(false);
 * const token = client.wrap(new TextEncoder().encode("hello"), true);
 * server.unwrap(token); // { status: SEC_E_OK, data: "hello" bytes, confidential: true }
 * ```
 */
export class KrbMessageCrypto {
  #key: KerberosKey;
  #initiator: boolean;
  #acceptorSubkey: boolean;
  /** EC of sealed split tokens: 16 in DCE style (MS-KILE 3.4.5.4.1), else 0. */
  #ec: number;
  #sendSeq: number;
  #recvSeq: number;
  #cksum: number;
  #disposed = false;
  #sendSign: UsageChecksum | null = null;
  #recvSign: UsageChecksum | null = null;
  #sendSeal: UsageCipher | null = null;
  #recvSeal: UsageCipher | null = null;
  #sendWrapMac: UsageChecksum | null = null;
  #recvWrapMac: UsageChecksum | null = null;
  /** A header with EC and RRC zeroed, as integrity checksums cover it (reused). */
  #zeroed = new Uint8Array(HEADER);
  /** A received checksum split by the rotation, gathered (reused). */
  #mac: Uint8Array;

  /** Takes a copy of `options.key`; throws RangeError for a non-AES etype or bad sequence numbers. */
  constructor(options: KrbMessageCryptoOptions) {
    this.#cksum = checksumSize(options.key.etype);
    this.#mac = new Uint8Array(this.#cksum);
    for (const n of [options.sendSeq, options.recvSeq]) {
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new RangeError(`sequence number out of range: ${n}`);
      }
    }
    this.#key = { etype: options.key.etype, bytes: options.key.bytes.slice() };
    this.#initiator = options.isInitiator;
    this.#acceptorSubkey = options.acceptorSubkey;
    this.#sendSeq = options.sendSeq;
    this.#recvSeq = options.recvSeq;
    this.#ec = options.dceStyle ? AES_BLOCK : 0;
  }

  /** The sequence number the next outgoing token will carry. */
  get sendSeq(): number {
    return this.#sendSeq;
  }

  /** The sequence number the next incoming token must carry. */
  get recvSeq(): number {
    return this.#recvSeq;
  }

  /** A MIC token over the concatenation of `parts` (RFC 4121 4.2.6.1). */
  getMic(parts: readonly Uint8Array[]): Uint8Array {
    const token = new Uint8Array(HEADER + this.#cksum);
    this.#writeHeader(token, 0, TOK_MIC, 0, 0, 0);
    const header = token.subarray(0, HEADER);
    this.#sign(true).macInto(parts, header, token, HEADER);
    return token;
  }

  /** Verifies a MIC token over `parts`; returns an SSPI status and advances on success. */
  verifyMic(parts: readonly Uint8Array[], token: Uint8Array): number {
    this.#live();
    if (token.length !== HEADER + this.#cksum) return SEC_E_INVALID_TOKEN;
    const h = this.#parse(token, TOK_MIC);
    if (typeof h === "number") return h;
    const header = token.subarray(0, HEADER);
    const mac = token.subarray(HEADER);
    if (!this.#sign(false).verify(parts, header, mac)) {
      return SEC_E_MESSAGE_ALTERED;
    }
    return this.#accept(h);
  }

  /**
   * A single-buffer Wrap token (RFC 4121 4.2.6.2): sealed (EC = 0, RRC = 0) when
   * `confidential`, else the data in clear followed by a checksum.
   */
  wrap(data: Uint8Array, confidential: boolean): Uint8Array {
    const n = data.length;
    if (!confidential) {
      const token = new Uint8Array(HEADER + n + this.#cksum);
      this.#writeHeader(token, 0, TOK_WRAP, 0, this.#cksum, 0);
      token.set(data, HEADER);
      const mac = this.#wrapMac(true);
      mac.macInto([data], this.#zeroedHeader(token), token, HEADER + n);
      return token;
    }
    // header | E(confounder | data | header) | HMAC, sealed where it will be sent.
    const end = HEADER + AES_BLOCK + n + HEADER;
    const token = new Uint8Array(end + this.#cksum);
    this.#writeHeader(token, 0, TOK_WRAP, FLAG_SEALED, 0, 0);
    const work = token.subarray(HEADER, end);
    randomInto(work, 0, AES_BLOCK);
    work.set(data, AES_BLOCK);
    work.set(token.subarray(0, HEADER), AES_BLOCK + n);
    this.#seal(true).seal(work, token, end);
    return token;
  }

  /** Reads a single-buffer Wrap token with any RRC; see {@link UnwrapResult}. */
  unwrap(token: Uint8Array): UnwrapResult {
    this.#live();
    const h = this.#parse(token, TOK_WRAP);
    if (typeof h === "number") return { status: h };
    return this.#open(token, h, [token.subarray(HEADER)], null);
  }

  /**
   * The split form of EncryptMessage (MS-KILE 3.4.5.4.1): encrypts `data` in place when
   * `confidential` (EC = 0, RRC = 16 + checksum length: 28 for AES-SHA1) and returns
   * the rest of the Wrap token; for integrity only, `data` is unchanged and the token
   * is header and checksum (EC = RRC = the checksum length). With `signOnly`
   * (`SECBUFFER_READONLY_WITH_CHECKSUM` buffers around the data, as DCE/RPC's header
   * signing passes them) the checksum covers them too, in message order (GSS_WrapEx).
   */
  wrapSspi(
    data: Uint8Array,
    confidential: boolean,
    signOnly: SignOnly | null = null,
  ): WrapSspiResult {
    this.#live();
    const c = this.#cksum;
    if (!confidential) {
      const token = new Uint8Array(HEADER + c);
      this.#writeHeader(token, 0, TOK_WRAP, 0, c, c);
      this.#wrapMac(true).macInto(
        signOnly ? [...signOnly.before, data, ...signOnly.after] : [data],
        this.#zeroedHeader(token),
        token,
        HEADER,
      );
      return { token };
    }
    return this.#sealSplit(data, signOnly);
  }

  /**
   * The split form of DecryptMessage: `token` is the `SECBUFFER_TOKEN`, `data` the
   * `SECBUFFER_DATA` (decrypted in place on success when the plaintext has its length,
   * as it has for tokens from {@link wrapSspi} and Windows). Any rotation is accepted.
   */
  unwrapSspi(
    token: Uint8Array,
    data: Uint8Array,
    signOnly: SignOnly | null = null,
  ): UnwrapResult {
    this.#live();
    const h = this.#parse(token, TOK_WRAP);
    if (typeof h === "number") return { status: h };
    return this.#open(token, h, [token.subarray(HEADER), data], data, signOnly);
  }

  /** The sealed split form (see {@linkcode wrapSspi}). */
  #sealSplit(data: Uint8Array, signOnly: SignOnly | null): WrapSspiResult {
    const c = this.#cksum;
    const ec = this.#ec;
    const cipher = this.#seal(true); // before the work buffer: deriving uses scratch
    const n = data.length;
    const tail = ec + HEADER; // filler and header copy, after the data
    const token = new Uint8Array(HEADER + tail + c + AES_BLOCK);
    this.#writeHeader(token, 0, TOK_WRAP, FLAG_SEALED, ec, sspiRrcSealed(c));
    // Plaintext: confounder | data | filler (EC bytes) | header with RRC zero (RFC
    // 4121 4.2.4). The token is the header, then the ciphertext rotated right by
    // EC + 16 + c (MS-KILE 3.4.5.4.1 counts the filler in): encrypted filler and
    // header copy, HMAC, encrypted confounder; the encrypted data goes back to
    // `data`. With sign-only buffers the checksum's plaintext has them around the
    // data, and the work stays out of the scratch region, which hashing them uses.
    const size = AES_BLOCK + n + tail;
    const work = signOnly ? new Uint8Array(size) : workBuffer(size);
    try {
      randomInto(work, 0, AES_BLOCK);
      work.set(data, AES_BLOCK);
      const copy = AES_BLOCK + n + ec;
      work.fill(0xff, AES_BLOCK + n, copy);
      work.set(token.subarray(0, HEADER), copy);
      work[copy + 6] = work[copy + 7] = 0;
      if (signOnly) {
        const parts = signedOrder(work, AES_BLOCK, AES_BLOCK + n, signOnly);
        cipher.sealParts(work, parts, token, HEADER + tail);
      } else cipher.seal(work, token, HEADER + tail);
      token.set(work.subarray(AES_BLOCK + n), HEADER);
      token.set(work.subarray(0, AES_BLOCK), HEADER + tail + c);
      data.set(work.subarray(AES_BLOCK, AES_BLOCK + n));
    } finally {
      releaseWork(work);
    }
    return { token };
  }

  /** Wipes the key and the keys derived from it; the object cannot be used afterwards. */
  dispose(): void {
    wipeKey(this.#key);
    for (
      const k of [
        this.#sendSign,
        this.#recvSign,
        this.#sendWrapMac,
        this.#recvWrapMac,
      ]
    ) k?.dispose();
    for (const k of [this.#sendSeal, this.#recvSeal]) k?.dispose();
    this.#sendSign =
      this.#recvSign =
      this.#sendWrapMac =
      this.#recvWrapMac =
        null;
    this.#sendSeal = this.#recvSeal = null;
    this.#disposed = true;
  }

  #live(): void {
    if (this.#disposed) {
      throw new TypeError("KrbMessageCrypto used after dispose()");
    }
  }

  /** The key usage for signing or sealing, by who sends (`outgoing`: us). */
  #usage(outgoing: boolean, seal: boolean): number {
    const byInitiator = outgoing === this.#initiator;
    if (seal) {
      return byInitiator ? KG_USAGE_INITIATOR_SEAL : KG_USAGE_ACCEPTOR_SEAL;
    }
    return byInitiator ? KG_USAGE_INITIATOR_SIGN : KG_USAGE_ACCEPTOR_SIGN;
  }

  /** Kc of the sign usage of one direction, prepared on first use. */
  #sign(outgoing: boolean): UsageChecksum {
    const make = () =>
      new UsageChecksum(this.#key, this.#usage(outgoing, false), KC);
    return outgoing ? (this.#sendSign ??= make()) : (this.#recvSign ??= make());
  }

  /**
   * Kc of the seal usage of one direction: the checksum of a Wrap token without
   * confidentiality (RFC 4121 4.2.4: Wrap tokens use the SEAL usages whether they
   * encrypt or not; only MIC tokens use SIGN), prepared on first use.
   */
  #wrapMac(outgoing: boolean): UsageChecksum {
    const make = () =>
      new UsageChecksum(this.#key, this.#usage(outgoing, true), KC);
    return outgoing
      ? (this.#sendWrapMac ??= make())
      : (this.#recvWrapMac ??= make());
  }

  /** Ke and Ki of the seal usage of one direction, prepared on first use. */
  #seal(outgoing: boolean): UsageCipher {
    const make = () =>
      new UsageCipher(this.#key, this.#usage(outgoing, true), !outgoing);
    return outgoing ? (this.#sendSeal ??= make()) : (this.#recvSeal ??= make());
  }

  /** Writes a fresh outgoing header at `dst[at]`; takes the next send sequence number. */
  #writeHeader(
    dst: Uint8Array,
    at: number,
    tokId: number,
    flags: number,
    ec: number,
    rrc: number,
  ): void {
    this.#live();
    flags |= this.#initiator ? 0 : FLAG_SENT_BY_ACCEPTOR;
    flags |= this.#acceptorSubkey ? FLAG_ACCEPTOR_SUBKEY : 0;
    writeHeader(dst, at, tokId, flags, ec, rrc, this.#sendSeq);
    this.#sendSeq++;
  }

  /** The header at the start of `token` with EC and RRC zeroed (a reused array). */
  #zeroedHeader(token: Uint8Array): Uint8Array {
    const z = this.#zeroed;
    for (let i = 0; i < HEADER; i++) z[i] = i >= 4 && i < 8 ? 0 : token[i];
    return z;
  }

  /** Checks the fixed fields and the flags of an incoming header. */
  #parse(token: Uint8Array, tokId: number): Header | number {
    const h = decodeHeader(token, tokId);
    if (!h) return SEC_E_INVALID_TOKEN;
    const fromAcceptor = (h.flags & FLAG_SENT_BY_ACCEPTOR) !== 0;
    if (fromAcceptor !== this.#initiator) return SEC_E_INVALID_TOKEN;
    const subkey = (h.flags & FLAG_ACCEPTOR_SUBKEY) !== 0;
    if (subkey !== this.#acceptorSubkey) return SEC_E_INVALID_TOKEN;
    return h;
  }

  /** Sequence check after a token proved authentic; advances on success. */
  #accept(h: Header): number {
    if (h.seq !== this.#recvSeq) return SEC_E_OUT_OF_SEQUENCE;
    this.#recvSeq++;
    return SEC_E_OK;
  }

  /**
   * Undoes the first rotation that yields an authentic token body (sealed: RRC + EC,
   * then RRC; integrity: RRC, then RRC + EC). `body` is the token after its header,
   * then the data buffer if split; the message goes to `target` when it has its size.
   */
  #open(
    token: Uint8Array,
    h: Header,
    body: readonly Uint8Array[],
    target: Uint8Array | null,
    signOnly: SignOnly | null = null,
  ): UnwrapResult {
    const sealed = (h.flags & FLAG_SEALED) !== 0;
    const first = sealed ? h.rrc + h.ec : h.rrc;
    const second = sealed ? h.rrc : h.rrc + h.ec;
    let status = SEC_E_MESSAGE_ALTERED;
    for (const r of first === second ? [first] : [first, second]) {
      const views = rotatedViews(body, r);
      const res = sealed
        ? this.#openSealed(token, h, views, target, signOnly)
        : this.#openIntegrity(token, h, views, target, signOnly);
      if (typeof res !== "number") return res;
      status = res;
    }
    return { status };
  }

  /** Decrypts data | filler | header copy and checks the copy against the header. */
  #openSealed(
    token: Uint8Array,
    h: Header,
    views: readonly Uint8Array[],
    target: Uint8Array | null,
    signOnly: SignOnly | null,
  ): UnwrapResult | number {
    const total = lengthOf(views);
    if (total < AES_BLOCK + HEADER + this.#cksum) return SEC_E_INVALID_TOKEN;
    const cipher = this.#seal(false); // before the work buffer: deriving uses scratch
    // Sign-only buffers are hashed through the scratch region: then work elsewhere.
    const work = signOnly ? new Uint8Array(total) : workBuffer(total);
    try {
      copyInto(views, work, 0);
      const len = total - this.#cksum;
      const size = len - AES_BLOCK - HEADER - h.ec;
      if (signOnly && size < 0) return SEC_E_MESSAGE_ALTERED;
      const region = work.subarray(0, len);
      const mac = work.subarray(len);
      if (
        !(signOnly
          ? cipher.openParts(
            region,
            signedOrder(region, AES_BLOCK, AES_BLOCK + size, signOnly),
            mac,
          )
          : cipher.open(region, mac))
      ) {
        return SEC_E_MESSAGE_ALTERED;
      }
      if (size < 0) return SEC_E_MESSAGE_ALTERED;
      const copy = len - HEADER;
      for (let i = 0; i < HEADER; i++) {
        if ((i < 6 || i > 7) && work[copy + i] !== token[i]) {
          return SEC_E_MESSAGE_ALTERED;
        }
      }
      const status = this.#accept(h);
      if (status !== SEC_E_OK) return { status };
      const plain = work.subarray(AES_BLOCK, AES_BLOCK + size);
      let data: Uint8Array;
      if (target && target.length === size) {
        target.set(plain);
        data = target;
      } else data = plain.slice();
      return { status, data, confidential: true };
    } finally {
      releaseWork(work);
    }
  }

  /** Checks data | checksum against the header with EC and RRC zeroed. */
  #openIntegrity(
    token: Uint8Array,
    h: Header,
    views: readonly Uint8Array[],
    target: Uint8Array | null,
    signOnly: SignOnly | null,
  ): UnwrapResult | number {
    const c = this.#cksum;
    const total = lengthOf(views);
    if (h.ec !== c || total < c) return SEC_E_INVALID_TOKEN;
    const [msg, tail] = splitViews(views, total - c);
    const mac = tail.length === 1 ? tail[0] : this.#gather(tail);
    const signed = signOnly
      ? [...signOnly.before, ...msg, ...signOnly.after]
      : msg;
    if (!this.#wrapMac(false).verify(signed, this.#zeroedHeader(token), mac)) {
      return SEC_E_MESSAGE_ALTERED;
    }
    const status = this.#accept(h);
    if (status !== SEC_E_OK) return { status };
    // The data buffer itself when the rotation left it whole; else a copy (moved
    // into the data buffer when it has the message's size).
    let data = msg.length === 1 && msg[0] === target ? target : join(msg);
    if (target && data !== target && data.length === target.length) {
      target.set(data);
      data = target;
    }
    return { status, data, confidential: false };
  }

  /** `parts` copied into the reused checksum array. */
  #gather(parts: readonly Uint8Array[]): Uint8Array {
    copyInto(parts, this.#mac, 0);
    return this.#mac;
  }
}

/**
 * Sign-only buffers of a split Wrap token (`SECBUFFER_READONLY_WITH_CHECKSUM`): those
 * before the data buffer and those after it, in message order.
 */
export interface SignOnly {
  /** Before the data. */
  readonly before: readonly Uint8Array[];
  /** After the data. */
  readonly after: readonly Uint8Array[];
}

/**
 * What a sealed token's checksum covers with sign-only buffers: the confounder
 * (`plain[0, start)`), the buffers before the data, the data (`plain[start, end)`), the
 * buffers after it, then the filler and header copy (`plain[end, ...)`).
 */
function signedOrder(
  plain: Uint8Array,
  start: number,
  end: number,
  s: SignOnly,
): Uint8Array[] {
  return [
    plain.subarray(0, start),
    ...s.before,
    plain.subarray(start, end),
    ...s.after,
    plain.subarray(end),
  ];
}
