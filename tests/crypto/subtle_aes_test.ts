// The WebCrypto path for big AES agrees with the WebAssembly one: AES-GMAC tags,
// AES-GCM ciphertexts and tags (each opens what the other sealed), AES-CMAC tags
// (and RFC 4493's example 4); a changed byte is refused with the data unchanged;
// a wiped key is a TypeError.
import assert from "node:assert/strict";
import {
  aesCmac,
  aesCmacAsync,
  aesCmacSubtle,
} from "../../src/crypto/_cmac.ts";
import { AsyncAesCcm, AsyncAesGcm } from "../../src/crypto/_aes_async.ts";
import { SubtleAesCbc, SubtleAesGcm } from "../../src/crypto/_subtle_aes.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";
import { AesGcm } from "../../src/wasm/gcm.ts";

const rnd = (n: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) {
    crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  }
  return b;
};

Deno.test("subtle aes: GMAC and GCM agree with the WASM AES-GCM, both ways", async () => {
  for (const klen of [16, 32]) {
    for (const n of [0, 1, 100, 65536, 200_001]) {
      const key = rnd(klen);
      const nonce = rnd(12);
      const aad = rnd(n % 1000 + 20);
      const wasm = new AesGcm(key);
      const big = new SubtleAesGcm(key);
      // GMAC over n bytes.
      const m = rnd(n);
      const want = new Uint8Array(16);
      wasm.encrypt(nonce, m, new Uint8Array(0), want);
      assert.equal(toHex(await big.gmac(nonce, m)), toHex(want), `gmac ${n}`);
      // GCM: WebCrypto seals, WASM opens; WASM seals, WebCrypto opens.
      const plain = rnd(n);
      const a = plain.slice();
      const tagA = await big.seal(nonce, aad, a);
      const b = plain.slice();
      const tagB = new Uint8Array(16);
      wasm.encrypt(nonce, aad, b, tagB);
      assert.equal(toHex(a), toHex(b), `ciphertext ${n}`);
      assert.equal(toHex(tagA), toHex(tagB), `tag ${n}`);
      assert.ok(await big.open(nonce, aad, b, tagB));
      assert.deepEqual(b, plain);
      assert.ok(wasm.decrypt(nonce, aad, a, tagA));
      assert.deepEqual(a, plain);
      // A changed byte: refused, data unchanged.
      const sealed = plain.slice();
      const tag = await big.seal(nonce, aad, sealed);
      const changed = sealed.slice();
      if (n > 0) changed[n - 1] ^= 1;
      else tag[0] ^= 1;
      const before = changed.slice();
      assert.equal(await big.open(nonce, aad, changed, tag), false);
      assert.deepEqual(changed, before);
      big.wipe();
      wasm.wipe();
      await assert.rejects(big.gmac(nonce, m), TypeError);
    }
  }
});

Deno.test("subtle aes: CMAC's CBC pass through WebCrypto gives the same tags", async () => {
  const rfcKey = fromHex("2b7e151628aed2a6abf7158809cf4f3c");
  const rfcMsg = fromHex(
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
  );
  assert.equal(
    toHex(await aesCmacSubtle(rfcKey, new SubtleAesCbc(rfcKey), rfcMsg)),
    "51f0bebf7e3b9d92fc49741779363cfe",
  );
  for (const klen of [16, 32]) {
    for (const n of [0, 15, 16, 17, 65536, 100_003]) {
      const key = rnd(klen);
      const m = rnd(n);
      const cbc = new SubtleAesCbc(key);
      assert.equal(
        toHex(await aesCmacSubtle(key, cbc, m)),
        toHex(aesCmac(key, m)),
        `${klen} ${n}`,
      );
      cbc.wipe();
      await assert.rejects(cbc.lastBlock(new Uint8Array(16)), TypeError);
    }
  }
});

Deno.test("subtle aes: the async forms take either path by size and agree with WASM", async () => {
  for (const n of [100, 65536, 150_000]) {
    const key = rnd(16);
    const nonce = rnd(12);
    const aad = rnd(32);
    const plain = rnd(n);
    const wasm = new AesGcm(key);
    const gcm = new AsyncAesGcm(key);
    const data = plain.slice();
    const tag = await gcm.seal(nonce, aad, data);
    const want = plain.slice();
    const wantTag = new Uint8Array(16);
    wasm.encrypt(nonce, aad, want, wantTag);
    assert.equal(toHex(data), toHex(want), `gcm ${n}`);
    assert.equal(toHex(tag), toHex(wantTag), `gcm tag ${n}`);
    assert.deepEqual(await gcm.opened(nonce, aad, data, tag), plain);
    tag[0] ^= 1;
    assert.equal(await gcm.opened(nonce, aad, data, tag), null);
    assert.equal(
      toHex(await aesCmacAsync(key, new SubtleAesCbc(key), plain)),
      toHex(aesCmac(key, plain)),
      `cmac ${n}`,
    );
    const ccm = new AsyncAesCcm(key);
    const c = plain.slice();
    const ccmTag = await ccm.seal(nonce.subarray(0, 11), aad, c);
    assert.deepEqual(
      await ccm.opened(nonce.subarray(0, 11), aad, c, ccmTag),
      plain,
    );
    for (const k of [gcm, ccm]) k.wipe();
    wasm.wipe();
  }
});
