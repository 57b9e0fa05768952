/**
 * The Netlogon secure channel as an RPC security provider (`RPC_C_AUTHN_NETLOGON`,
 * "schannel" in Samba), client side, AES only (MS-NRPC 3.3): the `NL_AUTH_MESSAGE`
 * of the bind and the `NL_AUTH_SHA2_SIGNATURE` that signs, and at privacy level
 * seals, every request and response fragment.
 *
 * Wire layout of a signature, as Windows and Samba send it (56 bytes; Windows keeps
 * the offsets of the older `NL_AUTH_SIGNATURE` although the SHA-2 structure is
 * larger, so the confounder sits inside the checksum field):
 *
 * | offset | bytes | field |
 * |---|---|---|
 * | 0 | 8 | SignatureAlgorithm 0x0013, SealAlgorithm 0x001A or 0xFFFF, Pad 0xFFFF, Flags 0 |
 * | 8 | 8 | SequenceNumber, encrypted |
 * | 16 | 8 | Checksum: the first 8 bytes of the HMAC-SHA256 |
 * | 24 | 8 | Confounder, encrypted (privacy level; zero otherwise) |
 * | 32 | 24 | zero |
 *
 * Sequence numbers: one 64-bit counter for the connection, starting at 0 when the
 * bind is acknowledged, shared by both directions and advanced by every fragment
 * sent or accepted. A client's request carries the counter with the top bit of its
 * high half set; the response that follows must carry the next value without it.
 * So requests are numbered 0, 2, 4... and responses 1, 3, 5... while each call is
 * one fragment each way (Samba's `auth/gensec/schannel.c` and Impacket's `rpcrt.py`
 * both count this way).
 *
 * @example Binding and protecting a request
 * ```ts
 * import { NetlogonSecureChannel } from "./secure_channel.ts";
 *
 * const channel = new NetlogonSecureChannel({
 *   domain: "EXAMPLE",
 *   computer: "WEB01",
 *   sessionKey: new Uint8Array(16).fill(1), // from the Netlogon authentication
 * });
 * const bind = channel.bindToken(); // the bind PDU's auth_value
 * channel.bindAck(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
 * const stub = new Uint8Array(32);
 * const signature = channel.protect(stub); // stub is now sealed
 * console.log(bind.length, signature.length);
 * channel.dispose();
 * ```
 *
 * @module
 */
import { hmacSha256, randomBytes } from "../crypto/mod.ts";
import { aesCfb8Decrypt, aesCfb8Encrypt } from "../wasm/aes.ts";
import {
  RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
  RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
  RPC_C_AUTHN_NETLOGON,
  type RpcAuth,
} from "../rpc/auth.ts";
import { SspiError } from "../sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OUT_OF_SEQUENCE,
} from "../sspi/status.ts";
import { constantTimeEqual, readU32le, writeOem } from "../util/bytes.ts";

export type { RpcAuth } from "../rpc/auth.ts";

/** `NL_AUTH_MESSAGE` MessageType of the client's negotiate request. */
export const NL_NEGOTIATE_REQUEST = 0;
/** `NL_AUTH_MESSAGE` MessageType of the server's answer. */
export const NL_NEGOTIATE_RESPONSE = 1;
/** `NL_AUTH_MESSAGE` flag: an OEM NetBIOS domain name follows. */
export const NL_FLAG_OEM_NETBIOS_DOMAIN_NAME = 0x1;
/** `NL_AUTH_MESSAGE` flag: an OEM NetBIOS computer name follows. */
export const NL_FLAG_OEM_NETBIOS_COMPUTER_NAME = 0x2;
/** SignatureAlgorithm of `NL_AUTH_SHA2_SIGNATURE`: HMAC-SHA256. */
export const NL_SIGN_HMAC_SHA256 = 0x0013;
/** SealAlgorithm: AES-128 (CFB8). */
export const NL_SEAL_AES128 = 0x001a;
/** SealAlgorithm when the message is only signed. */
export const NL_SEAL_NONE = 0xffff;
/** Bytes of the signature this provider sends (`NL_AUTH_SHA2_SIGNATURE`). */
export const NL_AUTH_SHA2_SIGNATURE_SIZE = 56;

const SEQ_OFFSET = 8;
const CHECKSUM_OFFSET = 16;
const CHECKSUM_SIZE = 8;
const CONFOUNDER_OFFSET = 24;
const CONFOUNDER_SIZE = 8;
/** Fewest bytes a received `NL_AUTH_MESSAGE` may have (MS-NRPC 3.3.4.1.4). */
const MIN_AUTH_MESSAGE = 12;
const TWO_32 = 0x1_0000_0000;

/** What a secure channel is built from. */
export interface NetlogonSecureChannelOptions {
  /** The NetBIOS name of the domain. */
  domain: string;
  /** The NetBIOS name of this computer, without the trailing `$`. */
  computer: string;
  /** The 16-byte AES session key of the Netlogon authentication (copied). */
  sessionKey: Uint8Array;
  /**
   * `RPC_C_AUTHN_LEVEL_PKT_PRIVACY` (6, sealed; the default) or
   * `RPC_C_AUTHN_LEVEL_PKT_INTEGRITY` (5, signed only).
   */
  authLevel?: number;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== "string") {
    throw new TypeError(`Cannot use ${what}: expected a string`);
  }
  if (name.length === 0 || name.includes("\0")) {
    throw new RangeError(`Cannot use ${what}: empty or containing NUL`);
  }
  return name;
}

function fail(status: number, message: string): never {
  throw new SspiError(status, message);
}

/** The 16-byte IV that repeats an 8-byte value (sequence number or checksum). */
function twice(b: Uint8Array): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(b);
  iv.set(b, 8);
  return iv;
}

/**
 * The client's end of a Netlogon secure channel (MS-NRPC 3.3.4), AES variant, as
 * the {@linkcode RpcAuth} of one RPC connection. Keeps the session key in private
 * fields; {@linkcode dispose} wipes it.
 */
export class NetlogonSecureChannel implements RpcAuth {
  /** `RPC_C_AUTHN_NETLOGON` (68). */
  readonly authType: number = RPC_C_AUTHN_NETLOGON;
  /** 6 (privacy, sealed) or 5 (integrity, signed). */
  readonly authLevel: number;
  /** 56 at both levels (`NL_AUTH_SHA2_SIGNATURE`). */
  readonly signatureSize: number = NL_AUTH_SHA2_SIGNATURE_SIZE;

  #domain: string;
  #computer: string;
  #key: Uint8Array;
  #sealKey: Uint8Array;
  #seal: boolean;
  #bound = false;
  #seq = 0;

  /**
   * Builds the channel for one RPC connection; nothing is sent until the RPC
   * client asks for {@linkcode bindToken}.
   *
   * @param options Names, session key and level.
   * @throws {RangeError} for a key that is not 16 bytes, an unknown level, or an
   * empty name, a name with NUL, or a computer name ending in `$`.
   */
  constructor(options: NetlogonSecureChannelOptions) {
    this.#domain = checkName(options.domain, "domain name");
    this.#computer = checkName(options.computer, "computer name");
    if (this.#computer.endsWith("$")) {
      throw new RangeError(
        "Cannot use computer name: give the NetBIOS name without the trailing $",
      );
    }
    const key = options.sessionKey;
    if (!(key instanceof Uint8Array) || key.length !== 16) {
      throw new RangeError(
        "Cannot use session key: expected a 16-byte Uint8Array",
      );
    }
    const level = options.authLevel ?? RPC_C_AUTHN_LEVEL_PKT_PRIVACY;
    if (
      level !== RPC_C_AUTHN_LEVEL_PKT_PRIVACY &&
      level !== RPC_C_AUTHN_LEVEL_PKT_INTEGRITY
    ) {
      throw new RangeError(
        `Cannot use auth level ${level}: expected 5 (integrity) or 6 (privacy)`,
      );
    }
    this.authLevel = level;
    this.#seal = level === RPC_C_AUTHN_LEVEL_PKT_PRIVACY;
    this.#key = key.slice();
    // The sealing key: the session key with every byte XORed with 0xF0 (3.3.4.2.1).
    this.#sealKey = key.map((b) => b ^ 0xf0);
  }

  /**
   * The bind's `NL_AUTH_MESSAGE` (MS-NRPC 2.2.1.3.1): MessageType 0, Flags naming
   * the OEM NetBIOS domain and computer names, each followed by a NUL.
   */
  bindToken(): Uint8Array {
    this.#live();
    const out = new Uint8Array(
      8 + this.#domain.length + 1 + this.#computer.length + 1,
    );
    const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
    v.setUint32(0, NL_NEGOTIATE_REQUEST, true);
    v.setUint32(
      4,
      NL_FLAG_OEM_NETBIOS_DOMAIN_NAME | NL_FLAG_OEM_NETBIOS_COMPUTER_NAME,
      true,
    );
    const at = writeOem(out, 8, this.#domain) + 1;
    writeOem(out, at, this.#computer);
    return out;
  }

  /**
   * Reads the bind_ack's `NL_AUTH_MESSAGE` (MS-NRPC 3.3.4.1.4): at least 12 bytes
   * with MessageType 1, else `SEC_E_INVALID_TOKEN`. Starts the sequence at 0.
   */
  bindAck(token: Uint8Array): void {
    this.#live();
    if (!(token instanceof Uint8Array) || token.length < MIN_AUTH_MESSAGE) {
      fail(
        SEC_E_INVALID_TOKEN,
        "Cannot read NL_AUTH_MESSAGE: shorter than 12 bytes",
      );
    }
    if (readU32le(token, 0) !== NL_NEGOTIATE_RESPONSE) {
      fail(
        SEC_E_INVALID_TOKEN,
        "Cannot read NL_AUTH_MESSAGE: it is not a negotiate response",
      );
    }
    this.#bound = true;
    this.#seq = 0;
  }

  /**
   * Signs one request fragment and, at privacy level, seals `data` in place
   * (MS-NRPC 3.3.4.2.1); returns the 56-byte signature. Advances the sequence.
   */
  protect(data: Uint8Array): Uint8Array {
    this.#ready(data);
    const sig = new Uint8Array(NL_AUTH_SHA2_SIGNATURE_SIZE);
    this.#writeHeader(sig);
    const seq = this.#sequenceBytes(true);
    const confounder = this.#seal
      ? randomBytes(CONFOUNDER_SIZE)
      : new Uint8Array(0);
    const checksum = this.#checksum(sig, confounder, data);
    sig.set(checksum, CHECKSUM_OFFSET);
    if (this.#seal) {
      const iv = aesCfb8Encrypt(this.#sealKey, twice(seq), confounder);
      aesCfb8Encrypt(this.#sealKey, iv, data);
      sig.set(confounder, CONFOUNDER_OFFSET);
    }
    aesCfb8Encrypt(this.#key, twice(checksum), seq);
    sig.set(seq, SEQ_OFFSET);
    this.#seq++;
    return sig;
  }

  /**
   * Verifies one response fragment and, at privacy level, unseals `data` in place
   * (MS-NRPC 3.3.4.2.2 with the server's direction). Throws an `SspiError`:
   * `SEC_E_INVALID_TOKEN` for a signature too short to hold its fields,
   * `SEC_E_MESSAGE_ALTERED` for wrong algorithms or a checksum that does not match,
   * `SEC_E_OUT_OF_SEQUENCE` for an authentic message with another sequence number
   * (replayed, reordered, or a request reflected back; signed only, the checksum
   * does not cover the number, so an altered number reads as this too).
   * The sequence advances only on success; when sealed data fails, `data` is zeroed
   * rather than left holding the decryption of unverified bytes.
   */
  unprotect(data: Uint8Array, signature: Uint8Array): void {
    this.#ready(data);
    if (!(signature instanceof Uint8Array)) {
      throw new TypeError("Cannot unprotect: signature must be a Uint8Array");
    }
    const min = this.#seal ? CONFOUNDER_OFFSET + CONFOUNDER_SIZE : 24;
    if (signature.length < min) {
      fail(
        SEC_E_INVALID_TOKEN,
        `Cannot read NL_AUTH_SHA2_SIGNATURE: expected at least ${min} bytes, got ${signature.length}`,
      );
    }
    const header = new Uint8Array(8);
    this.#writeHeader(header);
    // SignatureAlgorithm, SealAlgorithm and Pad must be ours; Flags are ignored.
    if (!constantTimeEqual(signature.subarray(0, 6), header.subarray(0, 6))) {
      fail(
        SEC_E_MESSAGE_ALTERED,
        "Cannot verify NL_AUTH_SHA2_SIGNATURE: unexpected algorithms for this auth level",
      );
    }
    const checksum = signature.slice(
      CHECKSUM_OFFSET,
      CHECKSUM_OFFSET + CHECKSUM_SIZE,
    );
    const claimed = signature.slice(SEQ_OFFSET, SEQ_OFFSET + 8);
    aesCfb8Decrypt(this.#key, twice(checksum), claimed);
    const expected = this.#sequenceBytes(false);
    if (!constantTimeEqual(claimed, expected)) {
      // Authentic under the number it claims: a replayed, reordered or reflected
      // message. Otherwise the checksum or the number was altered.
      const copy = data.slice();
      const authentic = this.#verify(copy, signature, claimed, header);
      copy.fill(0);
      fail(
        authentic ? SEC_E_OUT_OF_SEQUENCE : SEC_E_MESSAGE_ALTERED,
        authentic
          ? "Cannot verify NL_AUTH_SHA2_SIGNATURE: unexpected sequence number"
          : "Cannot verify NL_AUTH_SHA2_SIGNATURE: checksum does not match",
      );
    }
    if (!this.#verify(data, signature, expected, header)) {
      if (this.#seal) data.fill(0);
      fail(
        SEC_E_MESSAGE_ALTERED,
        "Cannot verify NL_AUTH_SHA2_SIGNATURE: checksum does not match",
      );
    }
    this.#seq++;
  }

  /** Wipes the session and sealing keys; any later use throws. */
  dispose(): void {
    this.#key.fill(0);
    this.#sealKey.fill(0);
    this.#key = new Uint8Array(0);
    this.#sealKey = new Uint8Array(0);
    this.#bound = false;
  }

  /** Unseals `data` in place (privacy level) and checks the checksum. */
  #verify(
    data: Uint8Array,
    signature: Uint8Array,
    seq: Uint8Array,
    header: Uint8Array,
  ): boolean {
    let confounder = new Uint8Array(0);
    if (this.#seal) {
      confounder = signature.slice(
        CONFOUNDER_OFFSET,
        CONFOUNDER_OFFSET + CONFOUNDER_SIZE,
      );
      const iv = aesCfb8Decrypt(this.#sealKey, twice(seq), confounder);
      aesCfb8Decrypt(this.#sealKey, iv, data);
    }
    const mine = this.#checksum(header, confounder, data);
    return constantTimeEqual(
      mine,
      signature.subarray(CHECKSUM_OFFSET, CHECKSUM_OFFSET + CHECKSUM_SIZE),
    );
  }

  /** Writes the first 8 signature bytes for this level into `out`. */
  #writeHeader(out: Uint8Array): void {
    const v = new DataView(out.buffer, out.byteOffset, 8);
    v.setUint16(0, NL_SIGN_HMAC_SHA256, true);
    v.setUint16(2, this.#seal ? NL_SEAL_AES128 : NL_SEAL_NONE, true);
    v.setUint16(4, 0xffff, true);
    v.setUint16(6, 0, true);
  }

  /**
   * The first 8 bytes of HMAC-SHA256 under the session key over the signature's
   * first 8 bytes, the plaintext confounder (sealing only) and the plaintext data.
   */
  #checksum(
    header: Uint8Array,
    confounder: Uint8Array,
    data: Uint8Array,
  ): Uint8Array {
    const mac = hmacSha256.create(this.#key)
      .update(header.subarray(0, 8))
      .update(confounder)
      .update(data)
      .digest();
    const out = mac.slice(0, CHECKSUM_SIZE);
    mac.fill(0);
    return out;
  }

  /**
   * The 8 sequence-number bytes of the current counter: the low 32 bits then the
   * high 32 bits, each big-endian, with 0x80 in byte 4 when the client sends.
   */
  #sequenceBytes(fromClient: boolean): Uint8Array {
    const out = new Uint8Array(8);
    const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
    v.setUint32(0, this.#seq % TWO_32, false);
    const high = Math.floor(this.#seq / TWO_32);
    v.setUint32(4, (fromClient ? high | 0x8000_0000 : high) >>> 0, false);
    return out;
  }

  #live(): void {
    if (this.#key.length === 0) {
      throw new Error("Cannot use NetlogonSecureChannel: it has been disposed");
    }
  }

  #ready(data: Uint8Array): void {
    this.#live();
    if (!this.#bound) {
      throw new Error(
        "Cannot protect or unprotect: the secure channel is not bound (bindAck first)",
      );
    }
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        "Cannot protect or unprotect: data must be a Uint8Array",
      );
    }
  }
}
