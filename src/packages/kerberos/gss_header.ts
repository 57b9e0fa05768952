/**
 * The 16-byte header of RFC 4121 per-message tokens (4.2.6) and the byte helpers the
 * token code shares: rotation (4.2.5) and concatenation.
 *
 * @module
 */

/** TOK_ID of a MIC token (RFC 4121 4.2.6.1). */
export const TOK_MIC = 0x0404;
/** TOK_ID of a Wrap token (RFC 4121 4.2.6.2). */
export const TOK_WRAP = 0x0504;
/** Flags bit: the token was sent by the context acceptor (RFC 4121 4.2.2). */
export const FLAG_SENT_BY_ACCEPTOR = 0x01;
/** Flags bit: the Wrap token is encrypted. */
export const FLAG_SEALED = 0x02;
/** Flags bit: the token is protected with the acceptor's subkey. */
export const FLAG_ACCEPTOR_SUBKEY = 0x04;

/** Length of the MIC and Wrap token header. */
export const HEADER = 16;

/** A parsed token header. */
export interface Header {
  /** Flags (SentByAcceptor, Sealed, AcceptorSubkey). */
  flags: number;
  /** EC (Wrap only; 0 for MIC). */
  ec: number;
  /** RRC (Wrap only; 0 for MIC). */
  rrc: number;
  /** SND_SEQ. */
  seq: number;
}

/**
 * The 16-byte header: TOK_ID, Flags, then 0xFF filler (MIC: 5 bytes) or 0xFF, EC, RRC
 * (Wrap), then SND_SEQ (8 bytes, big-endian).
 */
export function encodeHeader(
  tokId: number,
  flags: number,
  ec: number,
  rrc: number,
  seq: number,
): Uint8Array {
  const h = new Uint8Array(HEADER);
  const v = new DataView(h.buffer);
  v.setUint16(0, tokId);
  h[2] = flags;
  if (tokId === TOK_MIC) {
    h.fill(0xff, 3, 8);
  } else {
    h[3] = 0xff;
    v.setUint16(4, ec);
    v.setUint16(6, rrc);
  }
  v.setUint32(8, Math.floor(seq / 0x100000000));
  v.setUint32(12, seq >>> 0);
  return h;
}

/** Reads a header with TOK_ID `tokId` and valid filler; null otherwise. */
export function decodeHeader(token: Uint8Array, tokId: number): Header | null {
  if (token.length < HEADER) return null;
  const v = new DataView(token.buffer, token.byteOffset, HEADER);
  if (v.getUint16(0) !== tokId) return null;
  const fillerEnd = tokId === TOK_MIC ? 8 : 4;
  for (let i = 3; i < fillerEnd; i++) if (token[i] !== 0xff) return null;
  const mic = tokId === TOK_MIC;
  return {
    flags: token[2],
    ec: mic ? 0 : v.getUint16(4),
    rrc: mic ? 0 : v.getUint16(6),
    seq: v.getUint32(8) * 0x100000000 + v.getUint32(12),
  };
}

/** `b` rotated left by `n` bytes (undoes a right rotation by `n`). */
export function rotateLeft(b: Uint8Array, n: number): Uint8Array {
  if (b.length === 0) return b;
  const k = n % b.length;
  if (k === 0) return b;
  const out = new Uint8Array(b.length);
  out.set(b.subarray(k));
  out.set(b.subarray(0, k), b.length - k);
  return out;
}

/** Concatenates `parts` and then `tail`, if given. */
export function join(
  parts: readonly Uint8Array[],
  tail?: Uint8Array,
): Uint8Array {
  let n = tail?.length ?? 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  if (tail) out.set(tail, o);
  return out;
}
