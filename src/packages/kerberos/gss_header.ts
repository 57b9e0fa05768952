/**
 * The 16-byte header of RFC 4121 per-message tokens (4.2.6) and the byte helpers the
 * token code shares: rotation (4.2.5) as views, and concatenation.
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
 * Writes the 16-byte header at `dst[at]`: TOK_ID, Flags, then 0xFF filler (MIC: 5
 * bytes) or 0xFF, EC, RRC (Wrap), then SND_SEQ (8 bytes, big-endian).
 */
export function writeHeader(
  dst: Uint8Array,
  at: number,
  tokId: number,
  flags: number,
  ec: number,
  rrc: number,
  seq: number,
): void {
  dst[at] = tokId >>> 8;
  dst[at + 1] = tokId;
  dst[at + 2] = flags;
  dst[at + 3] = 0xff;
  if (tokId === TOK_MIC) {
    dst.fill(0xff, at + 4, at + 8);
  } else {
    dst[at + 4] = ec >>> 8;
    dst[at + 5] = ec;
    dst[at + 6] = rrc >>> 8;
    dst[at + 7] = rrc;
  }
  const hi = Math.floor(seq / 0x100000000);
  const lo = seq >>> 0;
  for (let i = 0; i < 4; i++) {
    dst[at + 8 + i] = hi >>> (24 - 8 * i);
    dst[at + 12 + i] = lo >>> (24 - 8 * i);
  }
}

/** Reads a header with TOK_ID `tokId` and valid filler; null otherwise. */
export function decodeHeader(token: Uint8Array, tokId: number): Header | null {
  if (token.length < HEADER) return null;
  if ((token[0] << 8 | token[1]) !== tokId) return null;
  const mic = tokId === TOK_MIC;
  const fillerEnd = mic ? 8 : 4;
  for (let i = 3; i < fillerEnd; i++) if (token[i] !== 0xff) return null;
  return {
    flags: token[2],
    ec: mic ? 0 : token[4] << 8 | token[5],
    rrc: mic ? 0 : token[6] << 8 | token[7],
    seq: u32At(token, 8) * 0x100000000 + u32At(token, 12),
  };
}

function u32At(b: Uint8Array, at: number): number {
  return (b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3]) >>> 0;
}

/**
 * The concatenation of `parts` rotated left by `n` bytes (undoing a right rotation by
 * `n`, RFC 4121 4.2.5), as views into `parts`: nothing is copied.
 */
export function rotatedViews(
  parts: readonly Uint8Array[],
  n: number,
): Uint8Array[] {
  let total = 0;
  for (const p of parts) total += p.length;
  const k = total === 0 ? 0 : n % total;
  if (k === 0) return parts.filter((p) => p.length > 0);
  const [front, back] = splitViews(parts, k);
  return back.concat(front);
}

/** `parts` (views) cut at byte `at` of their concatenation, as two lists of views. */
export function splitViews(
  parts: readonly Uint8Array[],
  at: number,
): [Uint8Array[], Uint8Array[]] {
  const front: Uint8Array[] = [];
  const back: Uint8Array[] = [];
  let off = 0;
  for (const p of parts) {
    if (p.length === 0) continue;
    const end = off + p.length;
    if (end <= at) front.push(p);
    else if (off >= at) back.push(p);
    else {
      front.push(p.subarray(0, at - off));
      back.push(p.subarray(at - off));
    }
    off = end;
  }
  return [front, back];
}

/** Total length of `parts`. */
export function lengthOf(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** Copies the concatenation of `parts` into `dst` at `at`; returns the end offset. */
export function copyInto(
  parts: readonly Uint8Array[],
  dst: Uint8Array,
  at: number,
): number {
  for (const p of parts) {
    dst.set(p, at);
    at += p.length;
  }
  return at;
}

/** Concatenates `parts` and then `tail`, if given. */
export function join(
  parts: readonly Uint8Array[],
  tail?: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(lengthOf(parts) + (tail?.length ?? 0));
  const o = copyInto(parts, out, 0);
  if (tail) out.set(tail, o);
  return out;
}
