/**
 * SMB2 IOCTL (MS-SMB2 2.2.31, 2.2.32) and the one control this client sends with
 * it: `FSCTL_VALIDATE_NEGOTIATE_INFO` (2.2.31.4, 2.2.32.6), by which SMB 3.0.2
 * checks, over a signed exchange, that nobody changed the NEGOTIATE request or
 * answer in transit. Its input is read from the NEGOTIATE request as it went out,
 * and what the answer must say from the NEGOTIATE answer as it came in.
 *
 * @module
 */
import {
  request,
  type RequestHeader,
  SMB2_HEADER_SIZE,
  SMB2_NEGOTIATE,
} from "./wire.ts";

/** SMB2 IOCTL. */
export const SMB2_IOCTL = 11;
/** The control that validates a 3.0/3.0.2 negotiation. */
export const FSCTL_VALIDATE_NEGOTIATE_INFO = 0x00140204;
/** IOCTL `Flags`: a file system control. */
const SMB2_0_IOCTL_IS_FSCTL = 1;
/** The size of a VALIDATE_NEGOTIATE_INFO answer. */
export const VALIDATE_NEGOTIATE_SIZE = 24;

/**
 * IOCTL request of file system control `ctlCode` on `fileId` (16 bytes; all ones
 * for controls on no file) with `input`, taking up to `maxOutput` bytes back.
 */
export function ioctlRequest(
  h: RequestHeader,
  ctlCode: number,
  fileId: Uint8Array,
  input: Uint8Array,
  maxOutput: number,
): Uint8Array {
  const [m, v] = request(h, 56 + input.length);
  const b = SMB2_HEADER_SIZE;
  v.setUint16(b, 57, true);
  v.setUint32(b + 4, ctlCode, true);
  m.set(fileId.subarray(0, 16), b + 8);
  v.setUint32(b + 24, input.length ? b + 56 : 0, true);
  v.setUint32(b + 28, input.length, true);
  v.setUint32(b + 44, maxOutput, true);
  v.setUint32(b + 48, SMB2_0_IOCTL_IS_FSCTL, true);
  m.set(input, b + 56);
  return m;
}

/**
 * The output of an IOCTL answer for `ctlCode`; null when malformed (another
 * control, or its buffer outside the message).
 */
export function readIoctl(m: Uint8Array, ctlCode: number): Uint8Array | null {
  const b = SMB2_HEADER_SIZE;
  if (m.length < b + 48) return null;
  const v = new DataView(m.buffer, m.byteOffset, m.length);
  if (v.getUint16(b, true) !== 49 || v.getUint32(b + 4, true) !== ctlCode) {
    return null;
  }
  const off = v.getUint32(b + 32, true);
  const len = v.getUint32(b + 36, true);
  if (len === 0) return new Uint8Array(0);
  if (off < b + 48 || off > m.length || len > m.length - off) return null;
  return m.subarray(off, off + len);
}

/** Whether `m` is a NEGOTIATE request or answer with its fixed part whole. */
function negotiateBody(m: Uint8Array, size: number): DataView | null {
  const b = SMB2_HEADER_SIZE;
  if (m.length < b + size) return null;
  const v = new DataView(m.buffer, m.byteOffset, m.length);
  if (v.getUint16(12, true) !== SMB2_NEGOTIATE) return null;
  return v;
}

/**
 * The VALIDATE_NEGOTIATE_INFO request for the NEGOTIATE request `sent`: its
 * capabilities, client GUID, security mode and dialects; null when `sent` is not
 * a whole NEGOTIATE request.
 */
export function validateNegotiateInput(sent: Uint8Array): Uint8Array | null {
  const v = negotiateBody(sent, 36);
  if (!v) return null;
  const b = SMB2_HEADER_SIZE;
  const count = v.getUint16(b + 2, true);
  if (sent.length < b + 36 + 2 * count) return null;
  const out = new Uint8Array(24 + 2 * count);
  out.set(sent.subarray(b + 8, b + 12), 0); // Capabilities
  out.set(sent.subarray(b + 12, b + 28), 4); // ClientGuid
  out.set(sent.subarray(b + 4, b + 6), 20); // SecurityMode
  out.set(sent.subarray(b + 2, b + 4), 22); // DialectCount
  out.set(sent.subarray(b + 36, b + 36 + 2 * count), 24);
  return out;
}

/**
 * What a VALIDATE_NEGOTIATE_INFO answer must say after the NEGOTIATE answer
 * `received`: its capabilities, server GUID, security mode and dialect (24
 * bytes); null when `received` is not a whole NEGOTIATE answer.
 */
export function validateNegotiateExpected(
  received: Uint8Array,
): Uint8Array | null {
  if (!negotiateBody(received, 64)) return null;
  const b = SMB2_HEADER_SIZE;
  const out = new Uint8Array(VALIDATE_NEGOTIATE_SIZE);
  out.set(received.subarray(b + 24, b + 28), 0); // Capabilities
  out.set(received.subarray(b + 8, b + 24), 4); // ServerGuid
  out.set(received.subarray(b + 2, b + 4), 20); // SecurityMode
  out.set(received.subarray(b + 4, b + 6), 22); // DialectRevision
  return out;
}
