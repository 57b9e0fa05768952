/**
 * Thin wrappers over the NTLM exports of `sspi.wasm` (`assembly/ntlm.ts`): NTLMv2
 * response keys in one call, session key derivation, and message MAC/seal/unseal
 * that touch WebAssembly memory only, so the hot paths allocate almost nothing
 * (typed-array allocation is the dominant cost of small operations in Deno).
 *
 * @module
 */
import { writeUtf16le } from "../util/bytes.ts";
import { getWasm, type SspiWasm } from "./mod.ts";

/** NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY (the WebAssembly side reads it too). */
const EXTENDED_SESSIONSECURITY = 0x00080000;

interface NtlmExports {
  ntlmSessionKeys(flags: number, key: number, client: number): void;
  ntlmMacBegin(flags: number, dir: number, seq: number): void;
  ntlmMacData(
    flags: number,
    dir: number,
    p: number,
    len: number,
    mode: number,
  ): void;
  ntlmMacEnd(flags: number, dir: number, seq: number, out: number): void;
  ntlmV2(idLen: number, tempLen: number): void;
  ntlmDirPtr(): number;
  ntlmOutPtr(): number;
  wipe(p: number, len: number): void;
}

/**
 * Bytes of one direction's state: SIGNKEY, the RC4 state, then the keyed HMAC state
 * the first MAC leaves (`assembly/ntlm.ts`, `NTLM_DIR`).
 */
export const NTLM_DIR_SIZE = 310;
/** Where a direction's RC4 state starts. */
export const NTLM_RC4_OFFSET = 16;
/** Bytes of that RC4 state (S-box, i, j). */
export const NTLM_RC4_SIZE = 258;

interface Ctx {
  w: SspiWasm;
  x: NtlmExports;
  dir: number;
  out: number;
  dirView: Uint8Array;
  /** Both directions' states, as `ntlmSessionKeys` leaves them. */
  statesView: Uint8Array;
}
let ctx: Ctx | undefined;

function get(): Ctx {
  if (ctx) return ctx;
  const w = getWasm();
  const x = w.x as unknown as NtlmExports;
  const dir = x.ntlmDirPtr();
  ctx = {
    w,
    x,
    dir,
    out: x.ntlmOutPtr(),
    dirView: w.u8.subarray(dir, dir + NTLM_DIR_SIZE),
    statesView: w.u8.subarray(dir, dir + 2 * NTLM_DIR_SIZE),
  };
  return ctx;
}

/**
 * NTLMv2 (MS-NLMP 3.3.2): from the NT hash, the challenges, `Upper(user) || domain`
 * (encoded as UTF-16LE straight into WebAssembly memory) and the blob, returns
 * NTProofStr (0..16), SessionBaseKey (16..32) and the LMv2 HMAC (32..48) in one
 * array: `into` when given (48 bytes or more), else a new one. The scratch copies of
 * the secrets are wiped.
 */
export function ntlmV2(
  ntHash: Uint8Array,
  serverChallenge: Uint8Array,
  clientChallenge: Uint8Array,
  identity: string,
  temp: Uint8Array,
  into?: Uint8Array,
): Uint8Array {
  const { w, x, out } = get();
  const s = w.scratch;
  const idLen = 2 * identity.length;
  if (32 + idLen + temp.length > w.scratchSize) {
    throw new RangeError("NTLMv2 blob too large");
  }
  w.u8.set(ntHash, s);
  w.u8.set(serverChallenge, s + 16);
  w.u8.set(clientChallenge, s + 24);
  writeUtf16le(w.u8, s + 32, identity);
  w.u8.set(temp, s + 32 + idLen);
  x.ntlmV2(idLen, temp.length);
  const r = into ?? new Uint8Array(48);
  for (let k = 0; k < 48; k++) r[k] = w.u8[out + k];
  x.wipe(out, 48);
  x.wipe(s + 32, idLen);
  return r;
}

/**
 * Bytes of both directions' live states and their copies as derived: what an exported
 * context carries.
 */
export const NTLM_STATES_SIZE = 4 * NTLM_DIR_SIZE;
/** Bytes of the array `ntlmSessionKeys` fills: the states, then the session key. */
export const NTLM_KEYS_SIZE = NTLM_STATES_SIZE + 16;

/**
 * SIGNKEY/SEALKEY (MS-NLMP 3.4.5) for both directions, written into `keys`
 * (`NTLM_KEYS_SIZE` bytes) around the exported session key it holds at 1240..1256:
 * the outgoing direction's state at 0..310, the incoming one's at 310..620, and a copy
 * of both as derived at 620..1240 (for `resetCrypto`).
 */
export function ntlmSessionKeys(
  flags: number,
  keys: Uint8Array,
  client: boolean,
): void {
  const { w, x, dir, statesView: states } = get();
  const u8 = w.u8;
  for (let i = 0; i < 16; i++) u8[w.key + i] = keys[NTLM_STATES_SIZE + i];
  x.ntlmSessionKeys(flags >>> 0, w.key, client ? 1 : 0);
  const n = 2 * NTLM_DIR_SIZE;
  keys.set(states);
  keys.set(states, n);
  x.wipe(dir, n);
}

/** How a message part is processed: signed only. */
export const PART_SIGN = 0;
/** Signed (plaintext), then encrypted in place. */
export const PART_SIGN_ENCRYPT = 1;
/** Decrypted in place, then signed (plaintext). */
export const PART_DECRYPT_SIGN = 2;

/**
 * Runs one message through the MAC (and RC4 where `modes` say so) with the direction
 * state `dir` (`NTLM_DIR_SIZE` bytes, updated only on success) and sequence number
 * `seq`. With `expected` (a received signature) it verifies and returns whether it
 * matched; otherwise it writes the signature into `sigOut` and returns true. Data
 * buffers are changed in place only when the call succeeds.
 */
export function ntlmMessage(
  flags: number,
  dir: Uint8Array,
  seq: number,
  parts: readonly Uint8Array[],
  modes: readonly number[] | null,
  sigOut: Uint8Array | null,
  expected: Uint8Array | null,
): boolean {
  const c = get();
  const { w, x } = c;
  const u8 = w.u8;
  let total = 0;
  for (const p of parts) total += p.length;
  u8.set(dir, c.dir);
  x.ntlmMacBegin(flags, c.dir, seq >>> 0);
  const s = w.scratch;
  let ok = true;
  if (total <= w.scratchSize) {
    // Everything fits: process in WebAssembly memory, copy back only on success.
    let o = s;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      u8.set(p, o);
      x.ntlmMacData(flags, c.dir, o, p.length, modes ? modes[i] : PART_SIGN);
      o += p.length;
    }
    x.ntlmMacEnd(flags, c.dir, seq >>> 0, c.out);
    if (expected) ok = equalSignature(u8, c.out, expected, flags);
    if (ok) {
      o = s;
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        if (modes && modes[i] !== PART_SIGN && p.length) {
          p.set(u8.subarray(o, o + p.length));
        }
        o += p.length;
      }
    }
  } else {
    // Large messages go through in chunks; keep the originals to restore on failure.
    const saved = expected
      ? parts.map((p, i) => (!modes || modes[i] === PART_SIGN ? p : p.slice()))
      : null;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      for (let off = 0; off < p.length; off += w.scratchSize) {
        const n = Math.min(w.scratchSize, p.length - off);
        u8.set(p.subarray(off, off + n), s);
        x.ntlmMacData(flags, c.dir, s, n, modes ? modes[i] : PART_SIGN);
        if (modes && modes[i] !== PART_SIGN) p.set(u8.subarray(s, s + n), off);
      }
    }
    x.ntlmMacEnd(flags, c.dir, seq >>> 0, c.out);
    if (expected) ok = equalSignature(u8, c.out, expected, flags);
    if (!ok && saved) {
      parts.forEach((p, i) => p !== saved[i] && p.set(saved[i]));
    }
  }
  if (ok) {
    dir.set(c.dirView);
    if (sigOut) { for (let k = 0; k < 16; k++) sigOut[k] = u8[c.out + k]; }
  }
  x.wipe(c.dir, NTLM_DIR_SIZE);
  // The scratch copy of the message is not a secret (keys and RC4 states are).
  return ok;
}

/**
 * Compares the 16-byte signature in WebAssembly memory with `b` in constant time.
 * Without extended session security bytes 4..8 are the RandomPad, which nothing
 * authenticates and peers fill differently (zero in MS-NLMP 3.4.4.1 and gss-ntlmssp,
 * its keystream bytes in the spec's 4.2.2.4 example and Samba): it is not compared,
 * as Samba does not compare it.
 */
function equalSignature(
  u8: Uint8Array,
  at: number,
  b: Uint8Array,
  flags: number,
): boolean {
  if (b.length < 16) return false;
  const pad = (flags & EXTENDED_SESSIONSECURITY) === 0;
  let d = 0;
  for (let i = 0; i < 16; i++) {
    if (pad && i >= 4 && i < 8) continue;
    d |= u8[at + i] ^ b[i];
  }
  return d === 0;
}

/**
 * HMAC-MD5 over the concatenation of `parts` (at most the scratch size in total) in
 * one call, without streaming objects: the NTLM MIC over the three messages. `zero`
 * names a range of one part to count as zeros (the MIC field being checked). The MAC
 * goes into the first 16 bytes of `out` when given (then `out` is returned).
 */
export function hmacMd5Concat(
  key: Uint8Array,
  parts: readonly Uint8Array[],
  zero?: { part: number; at: number; len: number },
  out?: Uint8Array,
): Uint8Array {
  const { w } = get();
  const x = w.x;
  let total = 0;
  for (const p of parts) total += p.length;
  if (key.length > 64 || total > w.scratchSize) {
    throw new RangeError("hmacMd5Concat input too large");
  }
  let o = w.scratch;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    w.u8.set(p, o);
    if (zero && zero.part === i) {
      const from = Math.min(zero.at, p.length);
      w.u8.fill(0, o + from, o + Math.min(zero.at + zero.len, p.length));
    }
    o += p.length;
  }
  w.u8.set(key, w.key);
  x.hmac(1, w.key, key.length, w.scratch, total, w.out);
  const r = out ?? new Uint8Array(16);
  for (let k = 0; k < 16; k++) r[k] = w.u8[w.out + k];
  x.wipe(w.out, 16);
  return r;
}
