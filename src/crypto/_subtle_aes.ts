// Big AES through WebCrypto, for callers that can wait (async): AES-GCM sealing
// and opening, AES-GMAC (GCM over no plaintext), and the CBC pass of AES-CMAC.
// Over 64 KiB WebCrypto's native AES-NI and CLMUL beat the constant-time WASM
// code (the bench's crypto rows); below it the call's overhead does not pay, and
// callers keep the WASM path. Keys are imported non-extractable; their bytes are
// copied by importKey and can be wiped by the caller at once, and the CryptoKey is
// dropped (WebCrypto has no way to wipe it) when the caller's object is.

/** The bytes as WebCrypto's types take them (never shared memory here). */
const b = (v: Uint8Array) => v as Uint8Array<ArrayBuffer>;

/** From this size on, WebCrypto is faster than the WASM code for AES. */
export const SUBTLE_AES_MIN = 65536;

/** An AES-GCM key held by WebCrypto. */
export class SubtleAesGcm {
  #key: Promise<CryptoKey> | null;

  /**
   * Imports the 16- or 32-byte `key` (copied at once: the caller may wipe it).
   *
   * @example
   * ```ts
   * import { SubtleAesGcm } from "./_subtle_aes.ts";
   * const gcm = new SubtleAesGcm(new Uint8Array(16));
   * const tag = await gcm.gmac(new Uint8Array(12), new Uint8Array(100));
   * ```
   */
  constructor(key: Uint8Array) {
    this.#key = crypto.subtle.importKey("raw", b(key), "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
    this.#key.catch(() => {}); // reported by the first use
  }

  async #get(): Promise<CryptoKey> {
    if (!this.#key) throw new TypeError("Cannot use AES-GCM key: it was wiped");
    return await this.#key;
  }

  /** Encrypts `data` in place (12-byte `nonce`, `aad`) and gives the 16-byte tag. */
  async seal(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
  ): Promise<Uint8Array> {
    const out = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: b(nonce), additionalData: b(aad) },
        await this.#get(),
        b(data),
      ),
    );
    data.set(out.subarray(0, data.length));
    return out.slice(data.length);
  }

  /**
   * Checks `tag` over `aad` and the ciphertext `data` and decrypts it in place;
   * false (data unchanged) when the tag does not verify.
   */
  async open(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): Promise<boolean> {
    const plain = await this.decrypted(nonce, aad, data, tag);
    if (!plain) return false;
    data.set(plain);
    plain.fill(0);
    return true;
  }

  /**
   * The plaintext of the ciphertext `data` (left as it is) in a new array, once
   * `tag` has verified over `aad` and `data`; null when it does not.
   */
  async decrypted(
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    tag: Uint8Array,
  ): Promise<Uint8Array | null> {
    const both = new Uint8Array(data.length + 16);
    both.set(data);
    both.set(tag, data.length);
    try {
      return new Uint8Array(
        await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: b(nonce), additionalData: b(aad) },
          await this.#get(),
          both,
        ),
      );
    } catch (e) {
      if (e instanceof DOMException && e.name === "OperationError") {
        return null;
      }
      throw e;
    }
  }

  /** AES-GMAC: the GCM tag of `aad` over no plaintext. */
  async gmac(nonce: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return await this.seal(nonce, aad, new Uint8Array(0));
  }

  /** Drops the key (WebCrypto gives no way to wipe it). */
  wipe(): void {
    this.#key = null;
  }
}

/** An AES-CBC encryption key held by WebCrypto, for AES-CMAC's pass. */
export class SubtleAesCbc {
  #key: Promise<CryptoKey> | null;

  /** Imports the 16- or 32-byte `key` (copied at once: the caller may wipe it). */
  constructor(key: Uint8Array) {
    this.#key = crypto.subtle.importKey("raw", b(key), "AES-CBC", false, [
      "encrypt",
    ]);
    this.#key.catch(() => {});
  }

  /**
   * The last cipher block of `data` (a multiple of 16 bytes) CBC-encrypted
   * under a zero IV: the CBC-MAC. WebCrypto's padding block is dropped.
   */
  async lastBlock(data: Uint8Array): Promise<Uint8Array> {
    if (!this.#key) throw new TypeError("Cannot use AES-CBC key: it was wiped");
    const out = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-CBC", iv: new Uint8Array(16) },
        await this.#key,
        b(data),
      ),
    );
    const tag = out.slice(data.length - 16, data.length);
    out.fill(0);
    return tag;
  }

  /** Drops the key (WebCrypto gives no way to wipe it). */
  wipe(): void {
    this.#key = null;
  }
}
