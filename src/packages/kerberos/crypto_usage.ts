/**
 * The simplified profile of RFC 3961 section 5.3 with one key usage's derived keys
 * prepared once, for the per-message tokens of RFC 4121: {@linkcode UsageChecksum}
 * keeps the HMAC-SHA1 state of Kc or Ki after its two pad blocks, and
 * {@linkcode UsageCipher} keeps Ke's AES key schedule and Ki's state. Messages that
 * fit the WebAssembly scratch region are built and transformed there
 * ({@linkcode workBuffer}), so a call allocates nothing beyond what it returns.
 *
 * Secrets: the prepared states stay in these objects until `dispose()` wipes them;
 * scratch that held a key or plaintext is wiped before a method returns, and a work
 * buffer by {@linkcode releaseWork}.
 *
 * @module
 */
import { absorb } from "../../crypto/_hash.ts";
import {
  aesCtsScheduled,
  type AesSchedule,
  aesSchedule,
  wipeAesSchedule,
} from "../../wasm/aes.ts";
import { ALG_SHA1, getWasm, type SspiWasm } from "../../wasm/mod.ts";
import {
  deriveKey,
  KE,
  type KerberosKey,
  KI,
  usageConstant,
} from "./crypto.ts";

/** Truncated HMAC-SHA1 size (h in RFC 3961 section 5.3). */
const MAC = 12;

/**
 * A buffer of `len` bytes to build a message in: a view over the WebAssembly scratch
 * region when it fits there, else a new array. A scratch view stays valid only until
 * the next call into the crypto layer other than the {@linkcode UsageChecksum} and
 * {@linkcode UsageCipher} methods given it; hand it back to {@linkcode releaseWork}.
 */
export function workBuffer(len: number): Uint8Array {
  const w = getWasm();
  return len <= w.scratchSize
    ? w.u8.subarray(w.scratch, w.scratch + len)
    : new Uint8Array(len);
}

/** Wipes a buffer from {@linkcode workBuffer} (it may hold plaintext). */
export function releaseWork(work: Uint8Array): void {
  work.fill(0);
}

/** True when `b` is a view over WebAssembly memory (its offset is its address). */
function inWasm(w: SspiWasm, b: Uint8Array): boolean {
  return b.buffer === w.u8.buffer;
}

/** Absorbs `p` into the hash state at `w.state`: in place when in WebAssembly memory. */
function update(w: SspiWasm, p: Uint8Array): void {
  if (inWasm(w, p)) w.x.hashUpdate(ALG_SHA1, w.state, p.byteOffset, p.length);
  else absorb(w, ALG_SHA1, p);
}

/**
 * HMAC-SHA1-96 under the derived key DK(key, usage | suffix) (Kc or Ki), its keyed
 * state (inner and outer pads absorbed) made once and copied in for each MAC.
 */
export class UsageChecksum {
  #state: Uint8Array;

  /** Derives the key for `usage` and `suffix` (0x99 or 0x55) and keys the state. */
  constructor(key: KerberosKey, usage: number, suffix: number) {
    const k = deriveKey(key, usageConstant(usage, suffix));
    const w = getWasm();
    const { u8, x } = w;
    const size = x.hmacStateSize();
    u8.set(k, w.key);
    x.hmacInit(ALG_SHA1, w.state, w.key, k.length);
    x.wipe(w.key, k.length);
    k.fill(0);
    this.#state = u8.slice(w.state, w.state + size);
    x.wipe(w.state, size);
  }

  /**
   * Writes the checksum of the concatenation of `parts` and `tail` to `dst` at `at`.
   * A JS part passes through scratch: a scratch view may not be mixed with JS parts.
   */
  macInto(
    parts: readonly Uint8Array[],
    tail: Uint8Array | null,
    dst: Uint8Array,
    at: number,
  ): void {
    const w = this.#run(parts, tail);
    dst.set(w.u8.subarray(w.out, w.out + MAC), at);
  }

  /** True when `mac` is the checksum of `parts` then `tail` (constant-time compare). */
  verify(
    parts: readonly Uint8Array[],
    tail: Uint8Array | null,
    mac: Uint8Array,
  ): boolean {
    if (mac.length !== MAC) return false;
    const { u8, out } = this.#run(parts, tail);
    let d = 0;
    for (let i = 0; i < MAC; i++) d |= u8[out + i] ^ mac[i];
    return d === 0;
  }

  /** Runs the MAC into the output region; the state region is wiped by hmacFinal. */
  #run(parts: readonly Uint8Array[], tail: Uint8Array | null): SspiWasm {
    const w = getWasm();
    w.u8.set(this.#state, w.state);
    for (const p of parts) update(w, p);
    if (tail) update(w, tail);
    w.x.hmacFinal(ALG_SHA1, w.state, w.out);
    return w;
  }

  /** Wipes the keyed state. */
  dispose(): void {
    this.#state.fill(0);
  }
}

/**
 * Encryption for one key usage (RFC 3961 section 5.3): AES-CTS with a zero IV under
 * Ke = DK(key, usage | 0xAA), its schedule expanded once, and HMAC-SHA1-96 of the
 * plaintext under Ki = DK(key, usage | 0x55). The caller lays out the confounder and
 * plaintext, so no call copies more than the transformed bytes.
 */
export class UsageCipher {
  #ke: AesSchedule;
  #ki: UsageChecksum;

  /** Derives Ke and Ki for `usage`; `decrypt` selects the schedule kept for Ke. */
  constructor(key: KerberosKey, usage: number, decrypt: boolean) {
    const ke = deriveKey(key, usageConstant(usage, KE));
    this.#ke = aesSchedule(ke, decrypt);
    ke.fill(0);
    this.#ki = new UsageChecksum(key, usage, KI);
  }

  /**
   * Encrypts `work` (confounder then plaintext, at least 16 bytes) in place and
   * writes the 12-byte HMAC of its plaintext to `dst` at `at`.
   */
  seal(work: Uint8Array, dst: Uint8Array, at: number): void {
    const w = getWasm();
    const region = this.#region(w, work);
    this.#ki.macInto([region], null, dst, at);
    if (region === work && !inWasm(w, work)) wipeScratch(w, work.length);
    aesCtsScheduled(this.#ke, region, false);
    if (region !== work) work.set(region);
  }

  /**
   * Decrypts `work` (what {@linkcode UsageCipher.seal} made, less the MAC) in place
   * and checks `mac` against its plaintext; false when they differ. `mac` may be in
   * scratch only when `work` is.
   */
  open(work: Uint8Array, mac: Uint8Array): boolean {
    const w = getWasm();
    const region = this.#region(w, work);
    aesCtsScheduled(this.#ke, region, true);
    const ok = this.#ki.verify([region], null, mac);
    if (region !== work) {
      work.set(region);
      region.fill(0);
    } else if (!inWasm(w, work)) wipeScratch(w, work.length);
    return ok;
  }

  /** Where to work on `work`: itself if in WebAssembly memory or too big, else a scratch copy. */
  #region(w: SspiWasm, work: Uint8Array): Uint8Array {
    if (inWasm(w, work) || work.length > w.scratchSize) return work;
    const region = w.u8.subarray(w.scratch, w.scratch + work.length);
    region.set(work);
    return region;
  }

  /** Wipes Ke's schedule and Ki's keyed state. */
  dispose(): void {
    wipeAesSchedule(this.#ke);
    this.#ki.dispose();
  }
}

/** Wipes the scratch a chunked pass over `n` bytes used. */
function wipeScratch(w: SspiWasm, n: number): void {
  w.x.wipe(w.scratch, Math.min(n, w.scratchSize));
}
