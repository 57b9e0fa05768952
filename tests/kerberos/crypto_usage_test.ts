// The per-message fast path: prepared usage keys (crypto_usage.ts) and kept AES
// schedules agree with the one-shot encrypt/decrypt/checksum and AES-CTS, across the
// scratch-region boundary, for the RFC 3962 and RFC 8009 etypes; RFC 4121 tokens of
// every size round trip; no plaintext or key material is left in WebAssembly memory.

import assert from "node:assert/strict";
import {
  checksum,
  decrypt,
  encrypt,
  ETYPE_AES128_CTS_HMAC_SHA1_96 as AES128,
  ETYPE_AES128_CTS_HMAC_SHA256_128 as SHA256,
  ETYPE_AES256_CTS_HMAC_SHA1_96 as AES256,
  ETYPE_AES256_CTS_HMAC_SHA384_192 as SHA384,
  KC,
  KI,
  randomKey,
} from "../../src/packages/kerberos/crypto.ts";
import {
  releaseWork,
  UsageChecksum,
  UsageCipher,
  workBuffer,
} from "../../src/packages/kerberos/crypto_usage.ts";
import { KrbMessageCrypto } from "../../src/packages/kerberos/gss.ts";
import { checksumSize } from "../../src/packages/kerberos/gss_token_types.ts";
import {
  aesCtsInPlace,
  aesCtsScheduled,
  aesSchedule,
  wipeAesSchedule,
} from "../../src/wasm/aes.ts";
import { getWasm } from "../../src/wasm/mod.ts";
import { SEC_E_OK } from "../../src/sspi/status.ts";

const bytes = (n: number, seed = 1) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
};
/** Every AES etype. */
const ETYPES = [AES128, AES256, SHA256, SHA384];
/** Sizes around the 64 KiB scratch region and the AES block. */
const SIZES = [0, 1, 16, 17, 100, 65536 - 33, 65536 - 32, 65536 - 31, 70001];

Deno.test("AES schedule: kept round keys give AES-CTS under the key", () => {
  for (const klen of [16, 32]) {
    const key = bytes(klen, klen);
    const enc = aesSchedule(key, false);
    const dec = aesSchedule(key, true);
    assert.equal(enc.roundKeys.length, klen === 16 ? 176 : 240);
    for (const n of [16, 17, 32, 33, 1000, 65536, 65537, 140000]) {
      const want = bytes(n, 3);
      aesCtsInPlace(key, want, false);
      const got = bytes(n, 3);
      aesCtsScheduled(enc, got, false);
      assert.deepEqual(got, want, `encrypt ${klen} ${n}`);
      aesCtsScheduled(dec, got, true);
      assert.deepEqual(got, bytes(n, 3), `decrypt ${klen} ${n}`);
    }
    assert.throws(() => aesCtsScheduled(enc, bytes(32), true), TypeError);
    assert.throws(() => aesCtsScheduled(enc, bytes(15), false), RangeError);
    wipeAesSchedule(enc);
    assert.ok(enc.roundKeys.every((b) => b === 0));
  }
  assert.throws(() => aesSchedule(bytes(24), false), RangeError);
});

Deno.test("UsageChecksum: the etype's truncated HMAC of the parts under Kc", () => {
  for (const etype of ETYPES) {
    const key = randomKey(etype);
    const kc = new UsageChecksum(key, 25, KC);
    const c = checksumSize(etype);
    assert.equal(kc.size, c);
    for (const n of SIZES) {
      const msg = bytes(n, n);
      const tail = bytes(16, 9);
      const want = checksum(key, 25, cat(msg, tail));
      assert.equal(want.length, c);
      const out = new Uint8Array(8 + c);
      const parts = [msg.subarray(0, n >> 1), msg.subarray(n >> 1)];
      kc.macInto(parts, tail, out, 4);
      assert.deepEqual(
        out.subarray(4, 4 + c),
        want,
        `etype ${etype} size ${n}`,
      );
      assert.ok(kc.verify([msg], tail, want));
      assert.ok(!kc.verify([msg], tail, want.subarray(0, c - 1)));
      const bad = want.slice();
      bad[c - 1] ^= 1;
      assert.ok(!kc.verify([msg], tail, bad));
    }
    // Ki of the same usage is another key.
    const ki = new UsageChecksum(key, 25, KI);
    assert.ok(!ki.verify([bytes(5)], null, checksum(key, 25, bytes(5))));
  }
});

Deno.test("UsageCipher: seal and open agree with encrypt and decrypt", () => {
  for (const etype of ETYPES) {
    const key = randomKey(etype);
    const sealer = new UsageCipher(key, 24, false);
    const opener = new UsageCipher(key, 24, true);
    const c = checksumSize(etype);
    assert.equal(sealer.macSize, c);
    for (const n of SIZES) {
      const confounder = bytes(16, 5);
      const plain = bytes(n, n + 2);
      const want = encrypt(key, 24, plain, confounder);
      // In a JS array, and in a work buffer (scratch when it fits).
      for (const scratch of [false, true]) {
        const work = scratch ? workBuffer(16 + n) : new Uint8Array(16 + n);
        work.set(confounder);
        work.set(plain, 16);
        const out = new Uint8Array(16 + n + c);
        sealer.seal(work, out, 16 + n);
        out.set(work);
        assert.deepEqual(out, want, `seal etype ${etype} size ${n}`);
        assert.ok(opener.open(work, out.subarray(16 + n)));
        assert.deepEqual(work.subarray(16), plain);
        if (scratch) releaseWork(work);
      }
      assert.deepEqual(decrypt(key, 24, want), plain);
      const bad = want.slice(0, 16 + n);
      bad[bad.length - 1] ^= 0x80;
      assert.ok(!opener.open(bad, want.subarray(16 + n)), `tamper ${n}`);
      const badMac = want.slice(16 + n);
      badMac[0] ^= 1;
      const body = want.slice(0, 16 + n);
      assert.ok(!opener.open(body, badMac), `tampered MAC ${n}`);
    }
    sealer.dispose();
    opener.dispose();
  }
});

Deno.test("Wrap and MIC tokens of every size round trip (scratch and chunked paths)", () => {
  for (const etype of [AES256, SHA256, SHA384]) roundTrips(etype);
});

function roundTrips(etype: number): void {
  const key = randomKey(etype);
  const mk = (isInitiator: boolean) =>
    new KrbMessageCrypto({
      key,
      isInitiator,
      acceptorSubkey: true,
      sendSeq: 7,
      recvSeq: 7,
    });
  const ini = mk(true);
  const acc = mk(false);
  for (const n of SIZES) {
    const msg = bytes(n, 11);
    for (const conf of [true, false]) {
      const buf = msg.slice();
      const { token } = ini.wrapSspi(buf, conf);
      const r = acc.unwrapSspi(token, buf);
      assert.equal(r.status, SEC_E_OK, `split ${conf} ${n}`);
      assert.equal(r.data, buf);
      assert.deepEqual(buf, msg);
      const single = ini.wrap(msg, conf);
      assert.deepEqual(acc.unwrap(single), {
        status: SEC_E_OK,
        data: msg,
        confidential: conf,
      }, `single ${conf} ${n}`);
      // The split form read as one buffer.
      const data = msg.slice();
      const split = ini.wrapSspi(data, conf);
      assert.deepEqual(acc.unwrap(cat(split.token, data)), {
        status: SEC_E_OK,
        data: msg,
        confidential: conf,
      }, `joined ${conf} ${n}`);
    }
    assert.equal(acc.verifyMic([msg], ini.getMic([msg])), SEC_E_OK);
  }
}

Deno.test("no plaintext or key material is left in WebAssembly memory", () => {
  for (const etype of [AES128, SHA256, SHA384]) noLeftovers(etype);
});

function noLeftovers(etype: number): void {
  const w = getWasm();
  const key = randomKey(etype);
  const mk = (isInitiator: boolean) =>
    new KrbMessageCrypto({
      key,
      isInitiator,
      acceptorSubkey: false,
      sendSeq: 0,
      recvSeq: 0,
    });
  const ini = mk(true);
  const acc = mk(false);
  const secret = new TextEncoder().encode("SECRET-PLAINTEXT-MARKER");
  const has = (needle: Uint8Array) => {
    const hay = w.u8;
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) {
        if (hay[i + j] !== needle[j]) continue outer;
      }
      return true;
    }
    return false;
  };
  for (const n of [64, 70000]) {
    const msg = new Uint8Array(n);
    for (let i = 0; i + secret.length <= n; i += 1000) msg.set(secret, i);
    const buf = msg.slice();
    const { token } = ini.wrapSspi(buf, true);
    assert.equal(acc.unwrapSspi(token, buf).status, SEC_E_OK);
    assert.equal(acc.unwrap(ini.wrap(msg, true)).status, SEC_E_OK);
    assert.ok(!has(secret), `plaintext left after ${n} bytes`);
  }
  assert.ok(!has(key.bytes), "session key left");
}
