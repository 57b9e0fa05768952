import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import {
  crc32,
  desEcbDecrypt,
  desEcbEncrypt,
  desKeyFrom7,
  hmacMd5,
  hmacSha1,
  hmacSha256,
  md4,
  md5,
  randomBytes,
  Rc4,
  rc4,
  sha1,
  sha256,
} from "../../src/crypto/mod.ts";
import { getWasm } from "../../src/wasm/mod.ts";
import { toHex } from "./_helpers.ts";

const notBytes: unknown[] = [
  "abc",
  123,
  null,
  undefined,
  [1, 2, 3],
  new ArrayBuffer(8),
  new Uint16Array(4),
  new DataView(new ArrayBuffer(8)),
];

// deno-lint-ignore no-explicit-any
const any = (v: unknown): any => v;

Deno.test("non-Uint8Array arguments throw TypeError", () => {
  const u = new Uint8Array(8);
  for (const bad of notBytes) {
    for (const fn of [md4, md5, sha1, sha256]) {
      assert.throws(() => fn(any(bad)), TypeError);
      assert.throws(() => fn.create().update(any(bad)), TypeError);
    }
    for (const fn of [hmacMd5, hmacSha1, hmacSha256]) {
      assert.throws(() => fn(any(bad), u), TypeError);
      assert.throws(() => fn(u, any(bad)), TypeError);
      assert.throws(() => fn.create(any(bad)), TypeError);
      assert.throws(() => fn.create(u).update(any(bad)), TypeError);
    }
    assert.throws(() => crc32(any(bad)), TypeError);
    assert.throws(() => crc32.create().update(any(bad)), TypeError);
    assert.throws(() => rc4(any(bad), u), TypeError);
    assert.throws(() => rc4(u, any(bad)), TypeError);
    assert.throws(() => new Rc4(any(bad)), TypeError);
    assert.throws(() => new Rc4(u).update(any(bad)), TypeError);
    assert.throws(() => new Rc4(u).updateInPlace(any(bad)), TypeError);
    assert.throws(() => desEcbEncrypt(any(bad), u), TypeError);
    assert.throws(() => desEcbEncrypt(u, any(bad)), TypeError);
    assert.throws(() => desEcbDecrypt(u, any(bad)), TypeError);
    assert.throws(() => desKeyFrom7(any(bad)), TypeError);
  }
  assert.throws(() => randomBytes(any("8")), TypeError);
});

Deno.test("wrong lengths throw RangeError", () => {
  for (const n of [0, 1, 7, 9, 16]) {
    assert.throws(
      () => desEcbEncrypt(new Uint8Array(n), new Uint8Array(8)),
      RangeError,
    );
    assert.throws(
      () => desEcbDecrypt(new Uint8Array(n), new Uint8Array(8)),
      RangeError,
    );
  }
  for (const n of [1, 7, 9, 15]) {
    assert.throws(
      () => desEcbEncrypt(new Uint8Array(8), new Uint8Array(n)),
      RangeError,
    );
    assert.throws(
      () => desEcbDecrypt(new Uint8Array(8), new Uint8Array(n)),
      RangeError,
    );
  }
  for (const n of [0, 6, 8]) {
    assert.throws(() => desKeyFrom7(new Uint8Array(n)), RangeError);
  }
  assert.throws(() => rc4(new Uint8Array(0), new Uint8Array(4)), RangeError);
  assert.throws(() => new Rc4(new Uint8Array(0)), RangeError);
  assert.throws(() => randomBytes(-1), RangeError);
  assert.throws(() => randomBytes(1.5), RangeError);
});

Deno.test("use after destroy or digest throws Error", () => {
  for (const fn of [md4, md5, sha1, sha256]) {
    const h = fn.create();
    h.destroy();
    assert.throws(() => h.update(new Uint8Array(1)), Error);
    assert.throws(() => h.digest(), Error);
    assert.throws(() => h.clone(), Error);
    const d = fn.create();
    d.digest();
    assert.throws(() => d.update(new Uint8Array(1)), Error);
    assert.throws(() => d.digest(), Error);
  }
  for (const fn of [hmacMd5, hmacSha1, hmacSha256]) {
    const h = fn.create(new Uint8Array(4));
    h.destroy();
    assert.throws(() => h.update(new Uint8Array(1)), Error);
    assert.throws(() => h.digest(), Error);
  }
  const r = new Rc4(new Uint8Array(5));
  r.destroy();
  assert.throws(() => r.update(new Uint8Array(1)), Error);
  assert.throws(() => r.updateInPlace(new Uint8Array(1)), Error);
});

Deno.test("0 and 1 byte inputs", () => {
  for (
    const [name, fn] of [["md4", md4], ["md5", md5], ["sha1", sha1], [
      "sha256",
      sha256,
    ]] as const
  ) {
    for (const m of [new Uint8Array(0), Uint8Array.of(0x61)]) {
      assert.equal(toHex(fn(m)), createHash(name).update(m).digest("hex"));
      assert.equal(
        toHex(fn.create().update(m).digest()),
        createHash(name).update(m).digest("hex"),
      );
    }
  }
  for (const m of [new Uint8Array(0), Uint8Array.of(1)]) {
    assert.equal(
      toHex(hmacMd5(m, m)),
      createHmac("md5", m).update(m).digest("hex"),
    );
  }
  assert.equal(rc4(Uint8Array.of(1), new Uint8Array(0)).length, 0);
  assert.equal(rc4(Uint8Array.of(1), Uint8Array.of(0)).length, 1);
  assert.equal(new Rc4(Uint8Array.of(1)).update(new Uint8Array(0)).length, 0);
  assert.equal(crc32(Uint8Array.of(0)), 0xd202ef8d);
  assert.equal(randomBytes(0).length, 0);
});

Deno.test("randomBytes: lengths above the 64 KiB getRandomValues limit", () => {
  const r = randomBytes(200_000);
  assert.equal(r.length, 200_000);
  // The tail is filled too (all-zero 1 KiB tail has probability 2^-8192).
  assert.ok(r.subarray(199_000).some((b) => b !== 0));
});

Deno.test("randomBytes: small values from the pool are fresh across refills", () => {
  // 1,000 values of 16 bytes span several 4 KiB pool refills; a pool that handed out
  // a zeroed or repeated region would show up as a duplicate.
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const r = randomBytes(i % 3 === 0 ? 8 : 16);
    assert.equal(r.length, i % 3 === 0 ? 8 : 16);
    const hex = Array.from(r, (b) => b.toString(16).padStart(2, "0")).join("");
    assert.ok(!seen.has(hex), `value ${i} repeats`);
    seen.add(hex);
  }
  // Sizes around the pool's limit (equal 8-byte values: probability 2^-64).
  assert.equal(randomBytes(1).length, 1);
  for (const n of [8, 63, 64, 65, 4096]) {
    const a = randomBytes(n);
    const b = randomBytes(n);
    assert.equal(a.length, n);
    assert.notDeepEqual(a, b);
  }
});

Deno.test("64 MiB inputs work and WebAssembly memory stays bounded", () => {
  const w = getWasm();
  const before = w.x.memory.buffer.byteLength;
  assert.ok(before <= 4 * 65536, `memory is ${before} bytes`);
  const big = new Uint8Array(64 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big[i] = i >>> 12;
  for (
    const [name, fn] of [["md5", md5], ["sha256", sha256], ["md4", md4], [
      "sha1",
      sha1,
    ]] as const
  ) {
    assert.equal(
      toHex(fn(big)),
      createHash(name).update(big).digest("hex"),
      name,
    );
  }
  const key = new Uint8Array(16).fill(3);
  assert.equal(
    toHex(hmacMd5(key, big)),
    createHmac("md5", key).update(big).digest("hex"),
  );
  const h = sha1.create();
  h.update(big.subarray(0, 33_000_000)).update(big.subarray(33_000_000));
  assert.equal(toHex(h.digest()), createHash("sha1").update(big).digest("hex"));
  assert.equal(rc4(key, big).length, big.length);
  assert.equal(desEcbEncrypt(key.subarray(0, 8), big).length, big.length);
  assert.equal(typeof crc32(big), "number");
  assert.equal(w.x.memory.buffer.byteLength, before, "memory did not grow");
  // The view created at load time is still attached (memory never grew).
  assert.equal(w.u8.length, before);
});

Deno.test("key material is wiped from WASM memory after keyed calls", () => {
  const w = getWasm();
  const key = new Uint8Array(16).fill(0xa7);
  const contains = (needle: Uint8Array) => {
    const hay = w.u8;
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) {
        if (hay[i + j] !== needle[j]) continue outer;
      }
      return true;
    }
    return false;
  };
  hmacMd5(key, new Uint8Array(64));
  hmacSha256.create(key).update(new Uint8Array(10)).digest();
  const r = new Rc4(key);
  r.update(new Uint8Array(100));
  desEcbEncrypt(key.subarray(0, 8), new Uint8Array(8));
  assert.equal(
    contains(key.subarray(0, 8)),
    false,
    "key bytes left in WASM memory",
  );
  // The regions that held key-derived state are zero.
  assert.ok(
    w.u8.subarray(w.key, w.key + 256).every((b) => b === 0),
    "key region",
  );
  assert.ok(
    w.u8.subarray(w.state, w.state + 512).every((b) => b === 0),
    "state region",
  );
  r.destroy();
});
