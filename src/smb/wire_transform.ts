/**
 * The SMB2 transform header (MS-SMB2 2.2.41) that carries an encrypted message:
 * building one, recognising one, and reading its parts with its size and flags
 * checked.
 *
 * @module
 */
import { SMB2_HEADER_SIZE } from "./wire.ts";

/** The transform header's size (MS-SMB2 2.2.41). */
export const SMB2_TRANSFORM_SIZE = 52;

/**
 * A transform header (MS-SMB2 2.2.41) for an encrypted message of `size` bytes in
 * session `sessionId` with the 16-byte `nonce` field; the tag goes in bytes 4-20.
 */
export function transformHeader(
  nonce: Uint8Array,
  size: number,
  sessionId: bigint,
): Uint8Array {
  const t = new Uint8Array(SMB2_TRANSFORM_SIZE);
  const v = new DataView(t.buffer);
  v.setUint32(0, 0xfd534d42); // "\xfdSMB"
  t.set(nonce, 20);
  v.setUint32(36, size, true);
  v.setUint16(42, 1, true); // Flags: encrypted
  v.setBigUint64(44, sessionId, true);
  return t;
}

/** Whether a message is a transform header's encrypted one. */
export function isTransformed(m: Uint8Array): boolean {
  return m.length >= 4 && m[0] === 0xfd && m[1] === 0x53 && m[2] === 0x4d &&
    m[3] === 0x42;
}

/** The parts of an encrypted message, or null when malformed. */
export interface Transformed {
  /** The AES-GCM or AES-CCM tag (the header's `Signature`). */
  tag: Uint8Array;
  /** The 16-byte `Nonce` field (GCM uses its first 12 bytes, CCM 11). */
  nonce: Uint8Array;
  /** What the tag also covers: the header from its nonce on (32 bytes). */
  aad: Uint8Array;
  /** The session it is sealed for. */
  sessionId: bigint;
  /** The ciphertext: exactly `OriginalMessageSize` bytes. */
  data: Uint8Array;
}

/** Reads an encrypted message; null when malformed. */
export function readTransform(m: Uint8Array): Transformed | null {
  if (m.length < SMB2_TRANSFORM_SIZE + SMB2_HEADER_SIZE || !isTransformed(m)) {
    return null;
  }
  const v = new DataView(m.buffer, m.byteOffset, m.length);
  if (v.getUint32(36, true) !== m.length - SMB2_TRANSFORM_SIZE) return null;
  if (v.getUint16(42, true) !== 1) return null;
  return {
    tag: m.subarray(4, 20),
    nonce: m.subarray(20, 36),
    aad: m.subarray(20, SMB2_TRANSFORM_SIZE),
    sessionId: v.getBigUint64(44, true),
    data: m.subarray(SMB2_TRANSFORM_SIZE),
  };
}
