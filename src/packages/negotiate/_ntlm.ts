/**
 * What Negotiate needs to know about NTLM beyond the package interface (MS-SPNG 3.3.5.1):
 *
 * - whether the AUTHENTICATE message carried a MIC (MsvAvFlags bit 0x2), which makes
 *   the mechListMIC mandatory;
 * - the RC4 reset after the mechListMIC: Windows and gss-ntlmssp (driven by MIT krb5's
 *   SPNEGO through `GSS_NTLMSSP_RESET_CRYPTO_OID`) re-initialise the RC4 handle of the
 *   direction that produced or verified the mechListMIC, so the first application
 *   message uses the same keystream as the MIC. Sequence numbers are NOT reset: the
 *   mechListMIC is sequence number 0 and the first message is 1.
 *
 * An inner context may implement `resetCrypto(direction)` itself (the preferred hook).
 * The NTLM package does not yet, so `installNtlmRc4Reset` swaps its session-security
 * object for an equivalent one that can re-initialise a direction's RC4 handle.
 *
 * @module
 */
import { crc32, hmacMd5, Rc4 } from "../../crypto/mod.ts";
import type { PackageContext } from "../../sspi/package.ts";
import {
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../sspi/status.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import { SEALKEY, SIGNKEY } from "../ntlm/crypto.ts";

const ESS = 0x00080000;
const KEY_EXCH = 0x40000000;
const MSV_AV_FLAGS = 6;
const MSV_AV_FLAG_MIC = 2;
const SIG = 16;

/**
 * True when `token` is an NTLM AUTHENTICATE message whose NTLMv2 response announces a
 * MIC (MsvAvFlags 0x2). Malformed input gives false (the NTLM package judges it).
 */
export function ntlmAuthenticateHasMic(token: Uint8Array): boolean {
  if (token.length < 64 || !isNtlmssp(token) || token[8] !== 3) return false;
  const v = new DataView(token.buffer, token.byteOffset, token.length);
  const len = v.getUint16(20, true);
  const off = v.getUint32(24, true);
  if (len <= 24 || off + len > token.length) return false;
  // NTProofStr (16) + RespType..Reserved3 (28), then AV pairs.
  let p = off + 16 + 28;
  const end = off + len;
  while (p + 4 <= end) {
    const id = v.getUint16(p, true);
    const n = v.getUint16(p + 2, true);
    if (id === 0 || p + 4 + n > end) return false;
    if (id === MSV_AV_FLAGS && n >= 4) {
      return (v.getUint32(p + 4, true) & MSV_AV_FLAG_MIC) !== 0;
    }
    p += 4 + n;
  }
  return false;
}

/** True when the bytes start with the NTLMSSP signature. */
export function isNtlmssp(token: Uint8Array): boolean {
  return token.length >= 8 && token[0] === 0x4e && token[1] === 0x54 &&
    token[2] === 0x4c && token[3] === 0x4d && token[4] === 0x53 &&
    token[5] === 0x53 && token[6] === 0x50 && token[7] === 0;
}

interface Direction {
  signKey: Uint8Array | null;
  /** The handle as keyed, kept to reset to. */
  fresh: Rc4;
  handle: Rc4;
  seq: number;
}

/**
 * NTLM session security (MS-NLMP 3.4, connection-oriented) whose per-direction RC4
 * handle can be re-initialised while the sequence numbers continue. Same methods as
 * the NTLM package's session security object.
 */
class ResettableNtlmSecurity {
  readonly #flags: number;
  readonly #out: Direction;
  readonly #in: Direction;

  constructor(flags: number, key: Uint8Array, mode: "Client" | "Server") {
    this.#flags = flags;
    const peer = mode === "Client" ? "Server" : "Client";
    const dir = (m: "Client" | "Server"): Direction => {
      const sealKey = SEALKEY(flags, key, m);
      const fresh = new Rc4(sealKey);
      sealKey.fill(0);
      return {
        signKey: flags & ESS ? SIGNKEY(flags, key, m) : null,
        fresh,
        handle: fresh.clone(),
        seq: 0,
      };
    };
    this.#out = dir(mode);
    // Without extended session security one handle and counter serve both ways.
    this.#in = flags & ESS ? dir(peer) : this.#out;
  }

  /** Re-initialises the RC4 handle of one direction (gss-ntlmssp `reset_crypto`). */
  reset(direction: "send" | "recv"): void {
    const d = direction === "send" ? this.#out : this.#in;
    d.handle.restore(d.fresh);
  }

  #mac(d: Direction, parts: readonly Uint8Array[], seq: number): Uint8Array {
    const sig = new Uint8Array(SIG);
    const v = new DataView(sig.buffer);
    v.setUint32(0, 1, true);
    if (this.#flags & ESS) {
      const h = hmacMd5.create(d.signKey!);
      const s = new Uint8Array(4);
      new DataView(s.buffer).setUint32(0, seq >>> 0, true);
      h.update(s);
      for (const p of parts) h.update(p);
      const checksum = h.digest().subarray(0, 8);
      sig.set(
        this.#flags & KEY_EXCH ? d.handle.update(checksum) : checksum,
        4,
      );
      v.setUint32(12, seq >>> 0, true);
    } else {
      const c = crc32.create();
      for (const p of parts) c.update(p);
      const body = new Uint8Array(12);
      const bv = new DataView(body.buffer);
      bv.setUint32(4, c.digest() >>> 0, true);
      bv.setUint32(8, seq >>> 0, true);
      sig.set(d.handle.update(body), 4);
    }
    return sig;
  }

  sign(parts: readonly Uint8Array[]): Uint8Array {
    return this.#mac(this.#out, parts, this.#out.seq++);
  }

  seal(
    encrypt: readonly Uint8Array[],
    signed: readonly Uint8Array[],
  ): Uint8Array {
    const seq = this.#out.seq++;
    const plain = signed.map((p) => (encrypt.includes(p) ? p.slice() : p));
    for (const p of encrypt) this.#out.handle.updateInPlace(p);
    return this.#mac(this.#out, plain, seq);
  }

  verify(parts: readonly Uint8Array[], signature: Uint8Array): number {
    return this.#check(signature, () => parts);
  }

  unseal(
    decrypt: readonly Uint8Array[],
    signed: readonly Uint8Array[],
    signature: Uint8Array,
  ): number {
    const saved = decrypt.map((p) => p.slice());
    const status = this.#check(signature, (d) => {
      for (const p of decrypt) d.handle.updateInPlace(p);
      return signed;
    });
    if (status !== SEC_E_OK) decrypt.forEach((p, i) => p.set(saved[i]));
    return status;
  }

  #check(
    signature: Uint8Array,
    prepare: (d: Direction) => readonly Uint8Array[],
  ): number {
    const d = this.#in;
    if (signature.length < SIG) return SEC_E_MESSAGE_ALTERED;
    const sig = signature.subarray(0, SIG);
    const sv = new DataView(sig.buffer, sig.byteOffset, SIG);
    if (sv.getUint32(0, true) !== 1) return SEC_E_MESSAGE_ALTERED;
    const seq = d.seq;
    const ess = (this.#flags & ESS) !== 0;
    if (ess && sv.getUint32(12, true) !== seq >>> 0) {
      return SEC_E_OUT_OF_SEQUENCE;
    }
    const snapshot = d.handle.clone();
    const parts = prepare(d);
    let sentSeq = seq >>> 0;
    if (!ess) {
      const probe = d.handle.clone();
      const body = probe.update(sig.subarray(4, 16));
      probe.destroy();
      sentSeq = new DataView(body.buffer).getUint32(8, true);
    }
    const expect = this.#mac(d, parts, seq);
    if (constantTimeEqual(expect, sig)) {
      d.seq++;
      snapshot.destroy();
      return SEC_E_OK;
    }
    d.handle.restore(snapshot);
    snapshot.destroy();
    if (sentSeq !== seq >>> 0) return SEC_E_OUT_OF_SEQUENCE;
    return SEC_E_MESSAGE_ALTERED;
  }

  dispose(): void {
    for (const d of [this.#out, this.#in]) {
      d.signKey?.fill(0);
      d.fresh.destroy();
      d.handle.destroy();
    }
  }
}

/** The runtime shape of the NTLM package's contexts that the fallback relies on. */
interface NtlmInternals {
  security: { dispose(): void } | null;
  negFlags: number;
}

/** A context that can reset its crypto state itself (the preferred hook). */
export interface ResettableContext {
  /** Re-initialises the cipher state of one direction after the mechListMIC. */
  resetCrypto(direction: "send" | "recv"): void;
}

/**
 * Prepares an established inner NTLM context for the mechListMIC exchange and returns
 * the reset function to call after producing ("send") or verifying ("recv") the MIC,
 * or null when the context offers no way to reset (then nothing is reset).
 */
export function ntlmResetter(
  ctx: PackageContext,
  sessionKey: Uint8Array | null,
  mode: "Client" | "Server",
): ((direction: "send" | "recv") => void) | null {
  const hook = (ctx as Partial<ResettableContext>).resetCrypto;
  if (typeof hook === "function") return (d) => hook.call(ctx, d);
  const internals = ctx as unknown as Partial<NtlmInternals>;
  if (
    !sessionKey || !internals.security ||
    typeof internals.negFlags !== "number"
  ) {
    return null;
  }
  const replacement = new ResettableNtlmSecurity(
    internals.negFlags,
    sessionKey,
    mode,
  );
  internals.security.dispose();
  internals.security = replacement;
  return (d) => replacement.reset(d);
}
