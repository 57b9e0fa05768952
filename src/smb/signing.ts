/**
 * SMB2 message signing (MS-SMB2 3.1.4.1) and the SMB 3 key derivation (3.1.4.2):
 * HMAC-SHA256 with the session key for SMB 2.1; AES-CMAC with a key derived by
 * SP 800-108's counter-mode KDF (HMAC-SHA256) for SMB 3.0.2 (label
 * `SMB2AESCMAC`, context `SmbSign`) and SMB 3.1.1 (label `SMBSigningKey`, the
 * pre-authentication integrity hash as context), or for 3.1.1 AES-GMAC when
 * negotiated: AES-128-GCM over nothing, the whole message as additional data, the
 * nonce its message id and whether it is a response. The session key is the SSPI
 * session key's first 16 bytes, zero-padded when shorter. Messages of 64 KiB or
 * more are signed through WebCrypto's AES (native AES-NI and CLMUL), smaller ones
 * in WebAssembly.
 *
 * @module
 */
import { aesCmacAsync } from "../crypto/_cmac.ts";
import { AsyncAesGcm } from "../crypto/_aes_async.ts";
import { SubtleAesCbc } from "../crypto/_subtle_aes.ts";
import { sha512 } from "../crypto/_sha512.ts";
import { hmacSha256 } from "../crypto/mod.ts";
import {
  SMB2_DIALECT_21,
  SMB2_DIALECT_302,
  SMB2_DIALECT_311,
  SMB2_SIGNING_AES_GMAC,
} from "./wire.ts";

const enc = new TextEncoder();

/**
 * SP 800-108 KDF in counter mode with HMAC-SHA256, one round, `bits` 128 (the
 * default) or 256: `HMAC(key, 00000001 || label || 00 || context || L)`'s first
 * 16 or 32 bytes (`label` and `context` as MS-SMB2 gives them, their NULs
 * included; L the length in bits, four bytes big-endian).
 */
export function smb3Kdf(
  key: Uint8Array,
  label: Uint8Array,
  context: Uint8Array,
  bits: 128 | 256 = 128,
): Uint8Array {
  const input = new Uint8Array(4 + label.length + 1 + context.length + 4);
  const v = new DataView(input.buffer);
  v.setUint32(0, 1);
  input.set(label, 4);
  input.set(context, 5 + label.length);
  v.setUint32(input.length - 4, bits);
  const mac = hmacSha256(key, input);
  const out = mac.slice(0, bits / 8);
  mac.fill(0);
  return out;
}

/** A NUL-terminated ASCII label (or context). */
export const label = (s: string): Uint8Array => enc.encode(`${s}\0`);

/** Signs SMB2 messages of one session: the MAC of a message (its signature zeroed). */
export interface SmbSigner {
  /**
   * The 16-byte signature of `m`, whose signature field is zero (through
   * WebCrypto for big messages, hence async).
   */
  mac(m: Uint8Array): Promise<Uint8Array>;
  /** Wipes the key. */
  wipe(): void;
}

/**
 * The signer of a session of `dialect` with the SSPI `sessionKey` (copied, not
 * kept) and, for 3.1.1, the session's pre-authentication hash and the negotiated
 * `algorithm` (AES-CMAC unless AES-GMAC).
 */
export function smbSigner(
  dialect: number,
  sessionKey: Uint8Array,
  preauth: Uint8Array | null,
  algorithm = 0,
): SmbSigner {
  const base = new Uint8Array(16);
  base.set(sessionKey.subarray(0, 16));
  if (dialect === SMB2_DIALECT_21) {
    return {
      mac: (m) => Promise.resolve(hmacSha256(base, m).subarray(0, 16)),
      wipe: () => base.fill(0),
    };
  }
  let key: Uint8Array;
  if (dialect === SMB2_DIALECT_302) {
    key = smb3Kdf(base, label("SMB2AESCMAC"), label("SmbSign"));
  } else if (dialect === SMB2_DIALECT_311 && preauth) {
    key = smb3Kdf(base, label("SMBSigningKey"), preauth);
  } else {
    base.fill(0);
    throw new RangeError(`no signing for dialect 0x${dialect.toString(16)}`);
  }
  base.fill(0);
  if (dialect === SMB2_DIALECT_311 && algorithm === SMB2_SIGNING_AES_GMAC) {
    const gcm = new AsyncAesGcm(key);
    key.fill(0);
    return {
      mac: (m) => {
        // Nonce: the message id, then bit 0 set for a server's response.
        const nonce = new Uint8Array(12);
        nonce.set(m.subarray(24, 32));
        nonce[8] = m[16] & 1;
        return gcm.gmac(nonce, m);
      },
      wipe: () => gcm.wipe(),
    };
  }
  const cbc = new SubtleAesCbc(key);
  return {
    mac: (m) => aesCmacAsync(key, cbc, m),
    wipe: () => {
      key.fill(0);
      cbc.wipe();
    },
  };
}

/**
 * One step of 3.1.1's pre-authentication integrity hash (MS-SMB2 3.2.5.2):
 * SHA-512 of `hash || message`.
 */
export function preauthStep(hash: Uint8Array, message: Uint8Array): Uint8Array {
  const both = new Uint8Array(64 + message.length);
  both.set(hash);
  both.set(message, 64);
  return sha512(both);
}
