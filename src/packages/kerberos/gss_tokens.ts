/**
 * Kerberos V5 GSS-API per-message tokens in the RFC 4121 4.2 formats (AES etypes):
 * MIC tokens (TOK_ID 04 04) and Wrap tokens (TOK_ID 05 04), in the single-buffer GSS
 * form and in the split form of Windows' EncryptMessage.
 *
 * Single-buffer tokens (`wrap`) use EC = 0 and RRC = 0 when sealing (AES-CTS needs no
 * filler). Split tokens (`wrapSspi`) put the data in place: when sealing, EC = 0 and
 * RRC = 28, so the encrypted header copy and the HMAC (28 bytes) are rotated to the
 * front and the token is the header, those 28 bytes and the encrypted confounder
 * (60 bytes); for integrity only, EC = 12 (the checksum length), RRC = 12 and the
 * token is the header and the checksum. Both are plain RFC 4121 tokens once token and
 * data are joined: MIT's `gss_unwrap` reads them (tested). Receivers accept any RRC:
 * they undo a rotation of RRC and, failing that, of RRC + EC (the DCE-style reading of
 * MS-KILE 3.4.5.4.1, where Windows counts the filler in the rotation), so either form
 * is read by either entry point.
 *
 * @module
 */
import {
  checksum,
  decrypt,
  encrypt,
  ETYPE_AES128_CTS_HMAC_SHA1_96,
  ETYPE_AES256_CTS_HMAC_SHA1_96,
  type KerberosKey,
  verifyChecksum,
  wipeKey,
} from "./crypto.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../sspi/status.ts";
import {
  decodeHeader,
  encodeHeader,
  FLAG_ACCEPTOR_SUBKEY,
  FLAG_SEALED,
  FLAG_SENT_BY_ACCEPTOR,
  HEADER,
  type Header,
  join,
  rotateLeft,
  TOK_MIC,
  TOK_WRAP,
} from "./gss_header.ts";

// Key usages (RFC 4121 2).
const KG_USAGE_ACCEPTOR_SEAL = 22;
const KG_USAGE_ACCEPTOR_SIGN = 23;
const KG_USAGE_INITIATOR_SEAL = 24;
const KG_USAGE_INITIATOR_SIGN = 25;

/** AES block size: the confounder length. */
const AES_BLOCK = 16;
/** HMAC-SHA1-96 output length. */
const AES_CKSUM = 12;
/** RRC of a sealed split token (MS-KILE 3.4.5.4.1). */
const SSPI_RRC_SEALED = 28;

/** Checksum length by etype; only the RFC 3962 AES etypes use these token formats here. */
function checksumSize(etype: number): number {
  if (
    etype === ETYPE_AES128_CTS_HMAC_SHA1_96 ||
    etype === ETYPE_AES256_CTS_HMAC_SHA1_96
  ) return AES_CKSUM;
  throw new RangeError(`unsupported etype for RFC 4121 tokens: ${etype}`);
}

/**
 * `cbMaxSignature` for Kerberos with `etype`: a MIC token, header and checksum (28 for
 * AES).
 */
export function maxSignatureSize(etype: number): number {
  return HEADER + checksumSize(etype);
}

/**
 * `cbSecurityTrailer` for Kerberos with `etype`: the token of a sealed
 * {@link KrbMessageCrypto.wrapSspi} (60 for AES: header, encrypted
 * header copy, checksum, encrypted confounder).
 */
export function securityTrailerSize(etype: number): number {
  return HEADER + HEADER + checksumSize(etype) + AES_BLOCK;
}

/** Construction parameters of {@link KrbMessageCrypto}. */
export interface KrbMessageCryptoOptions {
  /** The context key: the acceptor subkey if any, else the initiator subkey, else the session key. */
  key: KerberosKey;
  /** True on the initiator (client) side. */
  isInitiator: boolean;
  /** True when `key` is the acceptor's subkey (sets and expects flag AcceptorSubkey). */
  acceptorSubkey: boolean;
  /** The next sequence number to send. */
  sendSeq: number;
  /** The next sequence number expected from the peer. */
  recvSeq: number;
}

/** What {@link KrbMessageCrypto.unwrap} found. */
export interface UnwrapResult {
  /** `SEC_E_OK`, `SEC_E_INVALID_TOKEN`, `SEC_E_MESSAGE_ALTERED` or `SEC_E_OUT_OF_SEQUENCE`. */
  status: number;
  /** The message, on success. */
  data?: Uint8Array;
  /** Whether the message was encrypted (flag Sealed), on success. */
  confidential?: boolean;
}

/** What {@link KrbMessageCrypto.wrapSspi} returns beside the data it encrypts in place. */
export interface WrapSspiResult {
  /** The bytes for the `SECBUFFER_TOKEN`: everything of the Wrap token but the data. */
  token: Uint8Array;
}

/**
 * Per-message protection for an established Kerberos context (RFC 4121 4.2): MIC and
 * Wrap tokens in both directions, with sequence numbers checked strictly in order.
 * Keeps a private copy of the key; {@link KrbMessageCrypto.dispose} wipes it.
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
  #sendSeq: number;
  #recvSeq: number;
  #cksum: number;
  #disposed = false;

  /** Takes a copy of `options.key`; throws RangeError for a non-AES etype or bad sequence numbers. */
  constructor(options: KrbMessageCryptoOptions) {
    this.#cksum = checksumSize(options.key.etype);
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
    const header = this.#header(TOK_MIC, 0, 0, 0);
    const mac = checksum(
      this.#key,
      this.#usage(true, false),
      join(parts, header),
    );
    return join([header, mac]);
  }

  /** Verifies a MIC token over `parts`; returns an SSPI status and advances on success. */
  verifyMic(parts: readonly Uint8Array[], token: Uint8Array): number {
    this.#live();
    if (token.length !== HEADER + this.#cksum) return SEC_E_INVALID_TOKEN;
    const h = this.#parse(token, TOK_MIC);
    if (typeof h === "number") return h;
    const header = token.subarray(0, HEADER);
    const mac = token.subarray(HEADER);
    const usage = this.#usage(false, false);
    if (!verifyChecksum(this.#key, usage, join(parts, header), mac)) {
      return SEC_E_MESSAGE_ALTERED;
    }
    return this.#accept(h);
  }

  /**
   * A single-buffer Wrap token (RFC 4121 4.2.6.2): sealed (EC = 0, RRC = 0) when
   * `confidential`, else the data in clear followed by a checksum.
   */
  wrap(data: Uint8Array, confidential: boolean): Uint8Array {
    if (!confidential) {
      const header = this.#header(TOK_WRAP, 0, this.#cksum, 0);
      return join([header, data, this.#integrityMac(header, data)]);
    }
    const header = this.#header(TOK_WRAP, FLAG_SEALED, 0, 0);
    const ct = encrypt(
      this.#key,
      this.#usage(true, true),
      join([data, header]),
    );
    return join([header, ct]);
  }

  /** Reads a single-buffer Wrap token with any RRC; see {@link UnwrapResult}. */
  unwrap(token: Uint8Array): UnwrapResult {
    this.#live();
    const h = this.#parse(token, TOK_WRAP);
    if (typeof h === "number") return { status: h };
    const rotations = [h.rrc, h.rrc + h.ec];
    return this.#open(
      token.subarray(0, HEADER),
      h,
      token.subarray(HEADER),
      rotations,
    );
  }

  /**
   * The split form of EncryptMessage (MS-KILE 3.4.5.4.1): encrypts `data` in place when
   * `confidential` (EC = 0, RRC = 28) and returns the rest of the Wrap
   * token; for integrity only, `data` is unchanged and the token is header and checksum
   * (EC = 12, RRC = 12).
   */
  wrapSspi(data: Uint8Array, confidential: boolean): WrapSspiResult {
    if (!confidential) {
      const header = this.#header(TOK_WRAP, 0, this.#cksum, this.#cksum);
      return { token: join([header, this.#integrityMac(header, data)]) };
    }
    const header = this.#header(TOK_WRAP, FLAG_SEALED, 0, SSPI_RRC_SEALED);
    const inner = header.slice();
    inner[6] = inner[7] = 0; // RFC 4121 4.2.4: RRC is zero in the encrypted copy
    const ct = encrypt(this.#key, this.#usage(true, true), join([data, inner]));
    const end = AES_BLOCK + data.length;
    data.set(ct.subarray(AES_BLOCK, end));
    return {
      token: join([header, ct.subarray(end), ct.subarray(0, AES_BLOCK)]),
    };
  }

  /**
   * The split form of DecryptMessage: `token` is the `SECBUFFER_TOKEN`, `data` the
   * `SECBUFFER_DATA` (decrypted in place on success when the plaintext has its length,
   * as it has for tokens from {@link wrapSspi} and Windows). Any rotation is accepted.
   */
  unwrapSspi(token: Uint8Array, data: Uint8Array): UnwrapResult {
    this.#live();
    const h = this.#parse(token, TOK_WRAP);
    if (typeof h === "number") return { status: h };
    const body = join([token.subarray(HEADER), data]);
    const rotations = h.flags & FLAG_SEALED
      ? [h.rrc + h.ec, h.rrc]
      : [h.rrc, h.rrc + h.ec];
    const r = this.#open(token.subarray(0, HEADER), h, body, rotations);
    if (r.status !== SEC_E_OK || !r.data || r.data.length !== data.length) {
      return r;
    }
    data.set(r.data);
    return { ...r, data };
  }

  /** Wipes the key and the keys derived from it; the object cannot be used afterwards. */
  dispose(): void {
    wipeKey(this.#key);
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

  /** A fresh outgoing header; takes the next send sequence number. */
  #header(tokId: number, flags: number, ec: number, rrc: number): Uint8Array {
    this.#live();
    flags |= this.#initiator ? 0 : FLAG_SENT_BY_ACCEPTOR;
    flags |= this.#acceptorSubkey ? FLAG_ACCEPTOR_SUBKEY : 0;
    const h = encodeHeader(tokId, flags, ec, rrc, this.#sendSeq);
    this.#sendSeq++;
    return h;
  }

  /** The checksum of an integrity-only Wrap token: over data | header (EC, RRC zeroed). */
  #integrityMac(header: Uint8Array, data: Uint8Array): Uint8Array {
    const zeroed = header.slice();
    zeroed.fill(0, 4, 8);
    return checksum(this.#key, this.#usage(true, false), join([data, zeroed]));
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

  /** Undoes a rotation from `rotations` that yields an authentic token body. */
  #open(
    header: Uint8Array,
    h: Header,
    body: Uint8Array,
    rotations: number[],
  ): UnwrapResult {
    const sealed = (h.flags & FLAG_SEALED) !== 0;
    let status = SEC_E_MESSAGE_ALTERED;
    for (const [i, r] of rotations.entries()) {
      if (i > 0 && r === rotations[0]) continue;
      const plain = rotateLeft(body, r);
      const res = sealed
        ? this.#openSealed(header, h, plain)
        : this.#openIntegrity(header, h, plain);
      if (typeof res === "number") {
        status = res;
        continue;
      }
      status = this.#accept(h);
      if (status !== SEC_E_OK) return { status };
      return { status, data: res, confidential: sealed };
    }
    return { status };
  }

  /** Decrypts data | filler | header copy and checks the copy against `header`. */
  #openSealed(
    header: Uint8Array,
    h: Header,
    body: Uint8Array,
  ): Uint8Array | number {
    if (body.length < AES_BLOCK + HEADER + this.#cksum) {
      return SEC_E_INVALID_TOKEN;
    }
    const plain = decrypt(this.#key, this.#usage(false, true), body);
    if (!plain || plain.length < HEADER + h.ec) return SEC_E_MESSAGE_ALTERED;
    const copy = plain.subarray(plain.length - HEADER);
    for (let i = 0; i < HEADER; i++) {
      if ((i < 6 || i > 7) && copy[i] !== header[i]) {
        return SEC_E_MESSAGE_ALTERED;
      }
    }
    return plain.slice(0, plain.length - HEADER - h.ec);
  }

  /** Checks data | checksum against the header with EC and RRC zeroed. */
  #openIntegrity(
    header: Uint8Array,
    h: Header,
    body: Uint8Array,
  ): Uint8Array | number {
    if (h.ec !== this.#cksum || body.length < this.#cksum) {
      return SEC_E_INVALID_TOKEN;
    }
    const split = body.length - this.#cksum;
    const zeroed = header.slice();
    zeroed.fill(0, 4, 8);
    const data = body.subarray(0, split);
    const usage = this.#usage(false, false);
    if (
      !verifyChecksum(
        this.#key,
        usage,
        join([data, zeroed]),
        body.subarray(split),
      )
    ) {
      return SEC_E_MESSAGE_ALTERED;
    }
    return data.slice();
  }
}
