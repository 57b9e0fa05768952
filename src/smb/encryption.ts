/**
 * SMB 3.1.1 encryption (MS-SMB2 3.1.4.3) with AES-128-GCM: keys derived from the
 * session key and the pre-authentication hash (`SMBC2SCipherKey` for what the
 * client sends, `SMBS2CCipherKey` for what it reads), each message sealed whole
 * behind a transform header whose nonce-to-session-id part is the additional
 * authenticated data and whose signature field is the tag. Nonces are a random
 * 4-byte prefix and a counter, never repeated under one key.
 *
 * @module
 */
import { randomBytes } from "../crypto/mod.ts";
import { AesGcm } from "../wasm/gcm.ts";
import { smb3Kdf } from "./signing.ts";
import {
  SMB2_TRANSFORM_SIZE,
  type Transformed,
  transformHeader,
} from "./wire.ts";

const enc = new TextEncoder();

/** Seals and opens the messages of one session. */
export interface SmbCipher {
  /** `m` sealed behind its transform header, for session `sessionId`. */
  seal(m: Uint8Array, sessionId: bigint): Uint8Array;
  /** The plaintext of a received message, or null when its tag does not verify. */
  open(t: Transformed): Uint8Array | null;
  /** Wipes both keys. */
  wipe(): void;
}

/**
 * The AES-128-GCM cipher of a 3.1.1 session with the SSPI `sessionKey` (its first
 * 16 bytes, zero-padded) and the session's pre-authentication hash.
 */
export function smbCipher(
  sessionKey: Uint8Array,
  preauth: Uint8Array,
): SmbCipher {
  const base = new Uint8Array(16);
  base.set(sessionKey.subarray(0, 16));
  const derive = (label: string) => {
    const k = smb3Kdf(base, enc.encode(`${label}\0`), preauth);
    const gcm = new AesGcm(k);
    k.fill(0);
    return gcm;
  };
  const out = derive("SMBC2SCipherKey");
  const inn = derive("SMBS2CCipherKey");
  base.fill(0);
  const prefix = randomBytes(4);
  let counter = 0n;
  return {
    seal(m, sessionId) {
      const nonce = new Uint8Array(16);
      new DataView(nonce.buffer).setBigUint64(0, ++counter, true);
      nonce.set(prefix, 8);
      const t = transformHeader(nonce, m.length, sessionId);
      const frame = new Uint8Array(SMB2_TRANSFORM_SIZE + m.length);
      frame.set(t);
      const data = frame.subarray(SMB2_TRANSFORM_SIZE);
      data.set(m);
      const tag = new Uint8Array(16);
      out.encrypt(nonce.subarray(0, 12), t.subarray(20), data, tag);
      frame.set(tag, 4);
      return frame;
    },
    open(t) {
      const data = t.data.slice();
      return inn.decrypt(t.nonce, t.aad, data, t.tag) ? data : null;
    },
    wipe() {
      out.wipe();
      inn.wipe();
    },
  };
}
