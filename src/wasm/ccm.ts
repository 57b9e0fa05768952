/**
 * AES-CCM (NIST SP 800-38C, RFC 3610) over the AES and CCM exports of
 * `sspi.wasm` (`assembly/aes.ts`, `assembly/ccm.ts`): nonces of 7 to 13 bytes,
 * tags of 4 to 16 (even). SMB 3 encrypts with it (11-byte nonces, 16-byte tags).
 *
 * The constructor expands the key once; this object keeps the encryption
 * schedule and copies it into WebAssembly memory for each message. A message
 * that fits the scratch region with its AAD takes one call; larger ones go in
 * scratch-sized chunks. Decryption writes into `data` only once the tag has
 * verified; the schedule, the CCM state and the scratch copy are wiped before
 * every call returns.
 *
 * @module
 */
import { type AesSchedule, aesSchedule, wipeAesSchedule } from "./aes.ts";
import { getWasm, type SspiWasm } from "./mod.ts";

/** Rounds `n` up to a multiple of 16. */
const pad16 = (n: number) => (n + 15) & ~15;

/** An AES-128-CCM or AES-256-CCM key with a fixed tag length. */
export class AesCcm {
  #schedule: AesSchedule | undefined;
  readonly #tagLength: number;

  /**
   * key: 16 or 32 bytes (copied; the expanded schedule is kept by this object);
   * `tagLength` 4 to 16, even (default 16).
   *
   * @example
   * ```ts
   * import { AesCcm } from "./ccm.ts";
   * const ccm = new AesCcm(new Uint8Array(16));
   * const data = new TextEncoder().encode("hello");
   * const tag = new Uint8Array(16);
   * ccm.encrypt(new Uint8Array(11), new Uint8Array(0), data, tag);
   * ccm.decrypt(new Uint8Array(11), new Uint8Array(0), data, tag); // true
   * ccm.wipe();
   * ```
   */
  constructor(key: Uint8Array, tagLength = 16) {
    if (key.length !== 16 && key.length !== 32) {
      throw new RangeError(
        `Cannot use AES-CCM key: expected 16 or 32 bytes, got ${key.length}`,
      );
    }
    if (tagLength < 4 || tagLength > 16 || tagLength % 2) {
      throw new RangeError(
        `Cannot use AES-CCM tag length ${tagLength}: expected 4 to 16, even`,
      );
    }
    this.#schedule = aesSchedule(key, false);
    this.#tagLength = tagLength;
  }

  /** Encrypts `data` in place and writes the tag into `tag`. */
  encrypt(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): void {
    this.#checkTag(tag);
    const w = this.#begin(nonce, aad, data.length);
    const { u8, x, scratch } = w;
    try {
      const at = pad16(aad.length);
      if (at + data.length <= w.scratchSize) {
        u8.set(aad, scratch);
        u8.set(data, scratch + at);
        x.ccmSeal(scratch, aad.length, scratch + at, data.length);
        data.set(u8.subarray(scratch + at, scratch + at + data.length));
        x.wipe(scratch, at + data.length);
      } else {
        this.#macAad(w, aad);
        for (let off = 0; off < data.length; off += w.scratchSize) {
          const len = Math.min(w.scratchSize, data.length - off);
          u8.set(data.subarray(off, off + len), scratch);
          x.ccmMac(scratch, len);
          x.ccmCtr(scratch, len);
          data.set(u8.subarray(scratch, scratch + len), off);
        }
        x.wipe(scratch, w.scratchSize);
        x.ccmFinish(0);
      }
      const t = x.ccmPtr() + 16;
      tag.set(u8.subarray(t, t + this.#tagLength));
    } finally {
      this.#end(w);
    }
  }

  /**
   * Decrypts `data` and checks `tag` (constant time) over the AAD and the
   * plaintext: on a match writes the plaintext into `data` and returns true;
   * otherwise leaves `data` unchanged and returns false.
   */
  decrypt(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): boolean {
    this.#checkTag(tag);
    const w = this.#begin(nonce, aad, data.length);
    const { u8, x, scratch } = w;
    try {
      u8.set(tag, x.ccmPtr() + 16);
      const at = pad16(aad.length);
      if (at + data.length <= w.scratchSize) {
        u8.set(aad, scratch);
        u8.set(data, scratch + at);
        const ok = x.ccmOpen(scratch, aad.length, scratch + at, data.length);
        if (ok) data.set(u8.subarray(scratch + at, scratch + at + data.length));
        x.wipe(scratch, at + data.length);
        return ok === 1;
      }
      this.#macAad(w, aad);
      const out = data.slice();
      for (let off = 0; off < out.length; off += w.scratchSize) {
        const len = Math.min(w.scratchSize, out.length - off);
        u8.set(out.subarray(off, off + len), scratch);
        x.ccmCtr(scratch, len);
        x.ccmMac(scratch, len);
        out.set(u8.subarray(scratch, scratch + len), off);
      }
      x.wipe(scratch, w.scratchSize);
      const ok = x.ccmFinish(1) === 1;
      if (ok) data.set(out);
      out.fill(0);
      return ok;
    } finally {
      this.#end(w);
    }
  }

  /** Zeroes the key schedule; later calls throw. */
  wipe(): void {
    if (this.#schedule) wipeAesSchedule(this.#schedule);
    this.#schedule = undefined;
  }

  #checkTag(tag: Uint8Array): void {
    if (tag.length !== this.#tagLength) {
      throw new RangeError(
        `Cannot use AES-CCM tag: expected ${this.#tagLength} bytes, got ${tag.length}`,
      );
    }
  }

  /** Loads the schedule and the nonce, and starts the message. */
  #begin(nonce: Uint8Array, aad: Uint8Array, dataLength: number): SspiWasm {
    const s = this.#schedule;
    if (!s) throw new TypeError("Cannot use AES-CCM key: it has been wiped");
    if (nonce.length < 7 || nonce.length > 13) {
      throw new RangeError(
        `Cannot use AES-CCM nonce: expected 7 to 13 bytes, got ${nonce.length}`,
      );
    }
    const w = getWasm();
    const { u8, x } = w;
    u8.set(s.roundKeys, x.aesSchedulePtr(0));
    x.aesUseSchedule(s.keyLength);
    u8.set(nonce, x.ccmPtr());
    if (!x.ccmBegin(nonce.length, this.#tagLength, aad.length, dataLength)) {
      this.#end(w);
      throw new RangeError(
        `Cannot use AES-CCM: ${dataLength} bytes do not fit a ${nonce.length}-byte nonce's counter`,
      );
    }
    return w;
  }

  /** Absorbs the AAD in scratch-sized chunks, then pads it. */
  #macAad(w: SspiWasm, aad: Uint8Array): void {
    const { u8, x, scratch } = w;
    for (let off = 0; off < aad.length; off += w.scratchSize) {
      const len = Math.min(w.scratchSize, aad.length - off);
      u8.set(aad.subarray(off, off + len), scratch);
      x.ccmMac(scratch, len);
    }
    x.ccmPadMac();
  }

  #end(w: SspiWasm): void {
    w.x.ccmWipe();
    w.x.aesWipe();
  }
}
