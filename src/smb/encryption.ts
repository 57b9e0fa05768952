/**
 * SMB 3 encryption (MS-SMB2 3.1.4.3): each message sealed whole behind a
 * transform header whose nonce-to-session-id part is the additional
 * authenticated data and whose signature field is the tag, with the cipher
 * negotiated: AES-128-CCM (3.0.2's only one), or for 3.1.1 AES-128-GCM,
 * AES-128-CCM, AES-256-GCM or AES-256-CCM.
 *
 * Keys (MS-SMB2 3.2.5.3.1): for 3.0.2 derived from the session key with label
 * `SMB2AESCCM` and contexts `ServerIn ` (what the client sends) and `ServerOut`
 * (what it reads); for 3.1.1 with `SMBC2SCipherKey` and `SMBS2CCipherKey` and the
 * pre-authentication hash as context. 128-bit ciphers key from the session key's
 * first 16 bytes (zero-padded), 256-bit ones from the whole SSPI session key, the
 * KDF asked for 256 bits. Nonces (GCM 12 bytes, CCM 11) are a counter and a random
 * prefix, never repeated under one key. GCM messages of 64 KiB or more go through
 * WebCrypto's AES (native AES-NI and CLMUL), the rest through WebAssembly.
 *
 * @module
 */
import { randomBytes } from "../crypto/mod.ts";
import {
  type AsyncAead,
  AsyncAesCcm,
  AsyncAesGcm,
} from "../crypto/_aes_async.ts";
import { label, smb3Kdf } from "./signing.ts";
import {
  SMB2_CIPHERS,
  SMB2_DIALECT_302,
  SMB2_DIALECT_311,
  SMB2_ENCRYPTION_AES128_CCM,
  SMB2_ENCRYPTION_AES128_GCM,
  SMB2_ENCRYPTION_AES256_CCM,
  SMB2_ENCRYPTION_AES256_GCM,
} from "./wire.ts";
import {
  SMB2_TRANSFORM_SIZE,
  type Transformed,
  transformHeader,
} from "./wire_transform.ts";

/** Seals and opens the messages of one session. */
export interface SmbCipher {
  /** `m` sealed behind its transform header, for session `sessionId`. */
  seal(m: Uint8Array, sessionId: bigint): Promise<Uint8Array>;
  /** The plaintext of a received message, or null when its tag does not verify. */
  open(t: Transformed): Promise<Uint8Array | null>;
  /** Wipes both keys. */
  wipe(): void;
}

/**
 * The cipher of a session of `dialect` (3.0.2 or 3.1.1) with cipher id `cipher`,
 * the SSPI `sessionKey` (not kept) and, for 3.1.1, the pre-authentication hash.
 */
export function smbCipher(
  dialect: number,
  cipher: number,
  sessionKey: Uint8Array,
  preauth: Uint8Array | null,
): SmbCipher {
  if (!SMB2_CIPHERS.includes(cipher)) {
    throw new RangeError(`no SMB cipher ${cipher}`);
  }
  const wide = cipher === SMB2_ENCRYPTION_AES256_CCM ||
    cipher === SMB2_ENCRYPTION_AES256_GCM;
  const gcm = cipher === SMB2_ENCRYPTION_AES128_GCM ||
    cipher === SMB2_ENCRYPTION_AES256_GCM;
  let labels: [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  if (dialect === SMB2_DIALECT_302 && cipher === SMB2_ENCRYPTION_AES128_CCM) {
    const l = label("SMB2AESCCM");
    labels = [l, label("ServerIn "), l, label("ServerOut")];
  } else if (dialect === SMB2_DIALECT_311 && preauth) {
    labels = [
      label("SMBC2SCipherKey"),
      preauth,
      label("SMBS2CCipherKey"),
      preauth,
    ];
  } else {
    throw new RangeError(
      `no SMB cipher ${cipher} for dialect 0x${dialect.toString(16)}`,
    );
  }
  const base = new Uint8Array(wide ? Math.max(16, sessionKey.length) : 16);
  base.set(wide ? sessionKey : sessionKey.subarray(0, 16));
  const derive = (l: Uint8Array, context: Uint8Array): AsyncAead => {
    const k = smb3Kdf(base, l, context, wide ? 256 : 128);
    const aead = gcm ? new AsyncAesGcm(k) : new AsyncAesCcm(k);
    k.fill(0);
    return aead;
  };
  const out = derive(labels[0], labels[1]);
  const inn = derive(labels[2], labels[3]);
  base.fill(0);
  const nonceLength = gcm ? 12 : 11;
  const prefix = randomBytes(nonceLength - 8);
  let counter = 0n;
  return {
    async seal(m, sessionId) {
      const nonce = new Uint8Array(16);
      new DataView(nonce.buffer).setBigUint64(0, ++counter, true);
      nonce.set(prefix, 8);
      const t = transformHeader(nonce, m.length, sessionId);
      const frame = new Uint8Array(SMB2_TRANSFORM_SIZE + m.length);
      frame.set(t);
      const data = frame.subarray(SMB2_TRANSFORM_SIZE);
      data.set(m);
      const n = nonce.subarray(0, nonceLength);
      frame.set(await out.seal(n, t.subarray(20), data), 4);
      return frame;
    },
    open(t) {
      const nonce = t.nonce.subarray(0, nonceLength);
      return inn.opened(nonce, t.aad, t.data, t.tag);
    },
    wipe() {
      out.wipe();
      inn.wipe();
    },
  };
}
