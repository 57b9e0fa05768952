/**
 * The AES profiles with one key usage's derived keys prepared once, for the
 * per-message tokens of RFC 4121: {@linkcode UsageChecksum} keeps the HMAC state of
 * Kc or Ki after its two pad blocks (HMAC-SHA1-96 for etypes 17 and 18, RFC 3961
 * section 5.3; HMAC-SHA-256-128 and HMAC-SHA-384-192 for etypes 19 and 20, RFC 8009),
 * and {@linkcode UsageCipher} keeps Ke's AES key schedule and Ki's state: MAC of the
 * plaintext then encryption for RFC 3962, encryption then MAC of the zero IV and
 * ciphertext for RFC 8009. Messages that fit the WebAssembly scratch region are built
 * and transformed there ({@linkcode workBuffer}), so a call allocates nothing beyond
 * what it returns (SHA-384, in TypeScript, allocates its digests).
 *
 * Secrets: the prepared states stay in these objects until `dispose()` wipes them;
 * scratch that held a key or plaintext is wiped before a method returns, and a work
 * buffer by {@linkcode releaseWork}.
 *
 * @module
 */
import { absorb } from "../../crypto/_hash.ts";
import { type HmacSha384Keyed, hmacSha384Keyed } from "../../crypto/_sha512.ts";
import {
  aesCtsScheduled,
  type AesSchedule,
  aesSchedule,
  wipeAesSchedule,
} from "../../wasm/aes.ts";
import {
  ALG_SHA1,
  ALG_SHA256,
  getWasm,
  type SspiWasm,
} from "../../wasm/mod.ts";
import { KE, type KerberosKey, KI, usageKey } from "./crypto.ts";
import {
  ETYPE_AES256_CTS_HMAC_SHA384_192,
  isSha2Etype,
  sha2MacSize,
} from "./crypto_sha2.ts";

/** Truncated HMAC-SHA1 size (h in RFC 3961 section 5.3). */
const MAC_SHA1 = 12;
/** The zero cipher state an RFC 8009 Ki MAC starts with (IV | C). */
const ZERO_IV = new Uint8Array(16);

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
function update(w: SspiWasm, alg: number, p: Uint8Array): void {
  if (inWasm(w, p)) w.x.hashUpdate(alg, w.state, p.byteOffset, p.length);
  else absorb(w, alg, p);
}

/**
 * The etype's truncated HMAC under the derived key for (usage, suffix) (Kc or Ki),
 * its keyed state (inner and outer pads absorbed, and `prefix` if given) made once
 * and copied in for each MAC: HMAC-SHA1-96 or HMAC-SHA-256-128 in WebAssembly,
 * HMAC-SHA-384-192 in TypeScript.
 */
export class UsageChecksum {
  /** The keyed WebAssembly HMAC state (SHA-1, SHA-256); null for SHA-384. */
  #state: Uint8Array | null = null;
  /** The keyed SHA-384 HMAC (etype 20). */
  #keyed: HmacSha384Keyed | null = null;
  #alg = ALG_SHA1;
  #prefix: Uint8Array | null;
  /** Bytes of MAC kept (h): 12, 16 or 24. */
  readonly size: number;

  /**
   * Derives the key for `usage` and `suffix` (0x99 or 0x55) and keys the state; each
   * MAC then covers `prefix` (16 bytes at most) before its parts.
   */
  constructor(
    key: KerberosKey,
    usage: number,
    suffix: number,
    prefix?: Uint8Array,
  ) {
    const sha2 = isSha2Etype(key.etype);
    this.size = sha2 ? sha2MacSize(key.etype) : MAC_SHA1;
    const k = usageKey(key, usage, suffix);
    this.#prefix = prefix ?? null;
    if (key.etype === ETYPE_AES256_CTS_HMAC_SHA384_192) {
      this.#keyed = hmacSha384Keyed(k);
      k.fill(0);
      return;
    }
    this.#alg = sha2 ? ALG_SHA256 : ALG_SHA1;
    const w = getWasm();
    const { u8, x } = w;
    const size = x.hmacStateSize();
    u8.set(k, w.key);
    x.hmacInit(this.#alg, w.state, w.key, k.length);
    x.wipe(w.key, Math.max(k.length, prefix?.length ?? 0));
    k.fill(0);
    if (prefix) {
      // The prefix is public (the zero IV): absorbed once, from the key region.
      u8.set(prefix, w.key);
      x.hashUpdate(this.#alg, w.state, w.key, prefix.length);
      x.wipe(w.key, prefix.length);
    }
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
    const mac = this.#run(parts, tail);
    dst.set(mac.subarray(0, this.size), at);
  }

  /** True when `mac` is the checksum of `parts` then `tail` (constant-time compare). */
  verify(
    parts: readonly Uint8Array[],
    tail: Uint8Array | null,
    mac: Uint8Array,
  ): boolean {
    if (mac.length !== this.size) return false;
    const got = this.#run(parts, tail);
    let d = 0;
    for (let i = 0; i < this.size; i++) d |= got[i] ^ mac[i];
    return d === 0;
  }

  /**
   * Runs the MAC: a view of the WebAssembly output region (its state region is wiped
   * by hmacFinal), or the SHA-384 digest.
   */
  #run(parts: readonly Uint8Array[], tail: Uint8Array | null): Uint8Array {
    if (this.#keyed) {
      const all = this.#prefix ? [this.#prefix, ...parts] : [...parts];
      if (tail) all.push(tail);
      return this.#keyed.mac(all);
    }
    const w = getWasm();
    w.u8.set(this.#state!, w.state);
    for (const p of parts) update(w, this.#alg, p);
    if (tail) update(w, this.#alg, tail);
    w.x.hmacFinal(this.#alg, w.state, w.out);
    return w.u8.subarray(w.out, w.out + this.size);
  }

  /** Wipes the keyed state. */
  dispose(): void {
    this.#state?.fill(0);
    this.#keyed?.wipe();
  }
}

/**
 * Encryption for one key usage: AES-CTS with a zero IV under Ke, its schedule
 * expanded once, and the truncated HMAC under Ki: of the plaintext (RFC 3961 section
 * 5.3, etypes 17 and 18), or of the zero IV and the ciphertext (RFC 8009 section 5,
 * etypes 19 and 20). The caller lays out the confounder and plaintext, so no call
 * copies more than the transformed bytes.
 */
export class UsageCipher {
  #ke: AesSchedule;
  #ki: UsageChecksum;
  /** Encrypt-then-MAC (RFC 8009). */
  #etm: boolean;

  /** Derives Ke and Ki for `usage`; `decrypt` selects the schedule kept for Ke. */
  constructor(key: KerberosKey, usage: number, decrypt: boolean) {
    const ke = usageKey(key, usage, KE);
    this.#ke = aesSchedule(ke, decrypt);
    ke.fill(0);
    this.#etm = isSha2Etype(key.etype);
    this.#ki = new UsageChecksum(
      key,
      usage,
      KI,
      this.#etm ? ZERO_IV : undefined,
    );
  }

  /** Bytes of the MAC (h): 12, 16 or 24. */
  get macSize(): number {
    return this.#ki.size;
  }

  /**
   * Encrypts `work` (confounder then plaintext, at least 16 bytes) in place and
   * writes the HMAC (of the plaintext, or for RFC 8009 of the ciphertext) to `dst`
   * at `at`.
   */
  seal(work: Uint8Array, dst: Uint8Array, at: number): void {
    const w = getWasm();
    const region = this.#region(w, work);
    if (this.#etm) {
      aesCtsScheduled(this.#ke, region, false);
      this.#ki.macInto([region], null, dst, at);
    } else {
      this.#ki.macInto([region], null, dst, at);
      if (region === work && !inWasm(w, work)) wipeScratch(w, work.length);
      aesCtsScheduled(this.#ke, region, false);
    }
    if (region !== work) work.set(region);
  }

  /**
   * Decrypts `work` (what {@linkcode UsageCipher.seal} made, less the MAC) in place
   * and checks `mac` against its plaintext (RFC 8009: against the ciphertext, before
   * decrypting); false when they differ. `mac` may be in scratch only when `work` is.
   */
  open(work: Uint8Array, mac: Uint8Array): boolean {
    const w = getWasm();
    const region = this.#region(w, work);
    if (this.#etm && !this.#ki.verify([region], null, mac)) return false;
    aesCtsScheduled(this.#ke, region, true);
    const ok = this.#etm || this.#ki.verify([region], null, mac);
    if (region !== work) {
      work.set(region);
      region.fill(0);
    } else if (!inWasm(w, work)) wipeScratch(w, work.length);
    return ok;
  }

  /**
   * {@linkcode UsageCipher.seal} with sign-only parts (GSS_WrapEx, MS-KILE
   * 3.4.5.4.1): encrypts `work` in place, and the MAC covers `macParts` instead: views
   * into `work` with the sign-only buffers between them, in message order (RFC 8009:
   * after encrypting, so of the ciphertext).
   */
  sealParts(
    work: Uint8Array,
    macParts: readonly Uint8Array[],
    dst: Uint8Array,
    at: number,
  ): void {
    if (!this.#etm) this.#ki.macInto(macParts, null, dst, at);
    aesCtsScheduled(this.#ke, work, false);
    if (this.#etm) this.#ki.macInto(macParts, null, dst, at);
  }

  /**
   * Undoes {@linkcode UsageCipher.sealParts}: decrypts `work` in place and checks
   * `mac` against `macParts` (views into `work` and the sign-only buffers); false when
   * they differ.
   */
  openParts(
    work: Uint8Array,
    macParts: readonly Uint8Array[],
    mac: Uint8Array,
  ): boolean {
    if (this.#etm && !this.#ki.verify(macParts, null, mac)) return false;
    aesCtsScheduled(this.#ke, work, true);
    return this.#etm || this.#ki.verify(macParts, null, mac);
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
