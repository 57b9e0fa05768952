// AES AEADs for callers that can wait (async), each message on the faster path
// for its size: below SUBTLE_AES_MIN bytes the WebAssembly code (no call
// overhead), from it WebCrypto (native AES-NI and CLMUL). AES-CCM has no
// WebCrypto form and always runs in WebAssembly; it is here so that callers see
// one shape for every cipher.

import { AesCcm } from "../wasm/ccm.ts";
import { AesGcm } from "../wasm/gcm.ts";
import { SUBTLE_AES_MIN, SubtleAesGcm } from "./_subtle_aes.ts";

/** An AEAD key with a 16-byte tag, used asynchronously. */
export interface AsyncAead {
  /** Encrypts `data` in place (with `nonce` and `aad`) and gives the tag. */
  seal(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
  ): Promise<Uint8Array>;
  /**
   * The plaintext of `data` (left as it is) in a new array once `tag` has
   * verified over `aad` and `data`; null when it does not.
   */
  opened(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): Promise<Uint8Array | null>;
  /** Wipes the WebAssembly key state and drops the WebCrypto key. */
  wipe(): void;
}

/**
 * AES-GCM (12-byte nonces) on the faster path for each message's size.
 *
 * @example
 * ```ts
 * import { AsyncAesGcm } from "./_aes_async.ts";
 * const gcm = new AsyncAesGcm(new Uint8Array(16));
 * const tag = await gcm.gmac(new Uint8Array(12), new Uint8Array(100));
 * gcm.wipe();
 * ```
 */
export class AsyncAesGcm implements AsyncAead {
  readonly #small: AesGcm;
  readonly #big: SubtleAesGcm;

  /** key: 16 or 32 bytes (copied: the caller may wipe it). */
  constructor(key: Uint8Array) {
    this.#small = new AesGcm(key);
    this.#big = new SubtleAesGcm(key);
  }

  /** Encrypts `data` in place and gives the 16-byte tag. */
  async seal(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
  ): Promise<Uint8Array> {
    if (aad.length + data.length >= SUBTLE_AES_MIN) {
      return await this.#big.seal(nonce, aad, data);
    }
    const tag = new Uint8Array(16);
    this.#small.encrypt(nonce, aad, data, tag);
    return tag;
  }

  /** The plaintext in a new array once `tag` verifies; null when it does not. */
  async opened(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): Promise<Uint8Array | null> {
    if (aad.length + data.length >= SUBTLE_AES_MIN) {
      return await this.#big.decrypted(nonce, aad, data, tag);
    }
    const plain = data.slice();
    return this.#small.decrypt(nonce, aad, plain, tag) ? plain : null;
  }

  /** AES-GMAC: the GCM tag of `aad` over no plaintext. */
  gmac(nonce: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return this.seal(nonce, aad, new Uint8Array(0));
  }

  /** Wipes the WebAssembly key state and drops the WebCrypto key. */
  wipe(): void {
    this.#small.wipe();
    this.#big.wipe();
  }
}

/** AES-CCM (11-byte nonces, 16-byte tags) in WebAssembly, in the async shape. */
export class AsyncAesCcm implements AsyncAead {
  readonly #ccm: AesCcm;

  /** key: 16 or 32 bytes (copied: the caller may wipe it). */
  constructor(key: Uint8Array) {
    this.#ccm = new AesCcm(key);
  }

  /** Encrypts `data` in place and gives the 16-byte tag. */
  seal(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
  ): Promise<Uint8Array> {
    const tag = new Uint8Array(16);
    this.#ccm.encrypt(nonce, aad, data, tag);
    return Promise.resolve(tag);
  }

  /** The plaintext in a new array once `tag` verifies; null when it does not. */
  opened(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): Promise<Uint8Array | null> {
    const plain = data.slice();
    return Promise.resolve(
      this.#ccm.decrypt(nonce, aad, plain, tag) ? plain : null,
    );
  }

  /** Wipes the key schedule. */
  wipe(): void {
    this.#ccm.wipe();
  }
}
