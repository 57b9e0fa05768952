// aes128-cts-hmac-sha256-128 and aes256-cts-hmac-sha384-192 (RFC 8009): the test
// vectors of RFC 8009 appendix A (string-to-key, key derivation, encryption of empty,
// short, one-block and longer plaintexts, checksums, PRF), which MIT krb5 checks
// too (src/lib/crypto/crypto_tests), a cross-check of the whole profile against
// node:crypto (PBKDF2, HMAC-SHA-256/384, AES-CBC) for random keys, usages and
// lengths, PBKDF2 against node:crypto, and malformed ciphertexts that give null.
import assert from "node:assert/strict";
import {
  createCipheriv,
  createHmac,
  pbkdf2Sync,
  randomBytes,
} from "node:crypto";
import {
  checksum,
  decrypt,
  encrypt,
  type KerberosKey,
  KI,
  randomKey,
  stringToKey,
  usageKey,
  verifyChecksum,
} from "../../src/packages/kerberos/crypto.ts";
import {
  kdfHmacSha2,
  sha2Prf,
  sha2StringToKey,
  sha2UsageKey,
} from "../../src/packages/kerberos/crypto_sha2.ts";
import { pbkdf2 } from "../../src/packages/kerberos/crypto_pbkdf2.ts";
import { hmacSha384, hmacSha384Keyed } from "../../src/crypto/_sha512.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";
import { getWasm } from "../../src/wasm/mod.ts";

const te = new TextEncoder();
const h = (s: string) => fromHex(s.replace(/\s+/g, ""));
const be32 = (n: number) => Uint8Array.of(n >>> 24, n >>> 16, n >>> 8, n);
const bytes = (n: number, seed = 1) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
const cat = (...p: Uint8Array[]) => {
  const out = new Uint8Array(p.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of p) out.set(x, o), o += x.length;
  return out;
};

// ---- RFC 8009 appendix A ------------------------------------------------------

/** The two base keys of the key-derivation, encryption, checksum and PRF samples. */
const BASE_19 = h("37 05 D9 60 80 C1 77 28 A0 E8 00 EA B6 E0 D2 3C");
const BASE_20 = h(`6D 40 4D 37 FA F7 9F 9D F0 D3 35 68 D3 20 66 98
  00 EB 48 36 47 2E A8 A0 26 D1 6B 71 82 46 0C 52`);
const key19: KerberosKey = { etype: 19, bytes: BASE_19 };
const key20: KerberosKey = { etype: 20, bytes: BASE_20 };
/** The plaintexts of the samples: empty, 6 bytes, one block, 21 bytes. */
const PLAIN = [0, 6, 16, 21].map((n) =>
  Uint8Array.from({ length: n }, (_, i) => i)
);

Deno.test("RFC 8009 A: string-to-key (32768 iterations, a salt that is not UTF-8)", () => {
  // Salt: a random 16-byte sequence, then "ATHENA.MIT.EDUraeburn".
  const salt = cat(
    h("10 DF 9D D7 83 E5 BC 8A CE A1 73 0E 74 35 5F 61"),
    te.encode("ATHENA.MIT.EDUraeburn"),
  );
  const pw = te.encode("password");
  assert.equal(
    toHex(sha2StringToKey(19, pw, salt, 32768)),
    "089bca48b105ea6ea77ca5d2f39dc5e7",
  );
  assert.equal(
    toHex(sha2StringToKey(20, pw, salt, 32768)),
    "45bd806dbf6a833a9cffc1c94589a222367a79bc21c413718906e9f578a78467",
  );
});

Deno.test("RFC 8009 A: key derivation, Kc, Ke and Ki for key usage 2", () => {
  const want: [number, Uint8Array, number, string][] = [
    [19, BASE_19, 0x99, "b31a018a48f54776f403e9a396325dc3"],
    [19, BASE_19, 0xaa, "9b197dd1e8c5609d6e67c3e37c62c72e"],
    [19, BASE_19, 0x55, "9fda0e56ab2d85e1569a688696c26a6c"],
    [20, BASE_20, 0x99, "ef5718be86cc84963d8bbb5031e9f5c4ba41f28faf69e73d"],
    [
      20,
      BASE_20,
      0xaa,
      "56ab22bee63d82d7bc5227f6773f8ea7a5eb1c825160c38312980c442e5c7e49",
    ],
    [20, BASE_20, 0x55, "69b16514e3cd8e56b82010d5c73012b622c4d00ffc23ed1f"],
  ];
  for (const [etype, base, suffix, hex] of want) {
    assert.equal(toHex(sha2UsageKey(etype, base, 2, suffix)), hex);
    assert.equal(toHex(usageKey({ etype, bytes: base }, 2, suffix)), hex);
  }
});

Deno.test("RFC 8009 A: sample encryptions (empty, short, one block, longer)", () => {
  const samples: [KerberosKey, string, string][] = [
    [
      key19,
      "7E5895EAF2672435BAD817F545A37148",
      `
      EF85FB890BB8472F4DAB20394DCA781D AD877EDA39D50C870C0D5A0A8E48C718`,
    ],
    [
      key19,
      "7BCA285E2FD4130FB55B1A5C83BC5B24",
      `
      84D7F30754ED987BAB0BF3506BEB09CF B55402CEF7E6877CE99E247E52D16ED4
      421DFDF8976C`,
    ],
    [
      key19,
      "56AB21713FF62C0A1457200F6FA9948F",
      `
      3517D640F50DDC8AD3628722B3569D2A E07493FA8263254080EA65C1008E8FC2
      95FB4852E7D83E1E7C48C37EEBE6B0D3`,
    ],
    [
      key19,
      "A7A4E29A4728CE10664FB64E49AD3FAC",
      `
      720F73B18D9859CD6CCB4346115CD336 C70F58EDC0C4437C5573544C31C813BC
      E1E6D072C186B39A413C2F92CA9B8334 A287FFCBFC`,
    ],
    [
      key20,
      "F764E9FA15C276478B2C7D0C4E5F58E4",
      `
      41F53FA5BFE7026D91FAF9BE959195A0 58707273A96A40F0A01960621AC61274
      8B9BBFBE7EB4CE3C`,
    ],
    [
      key20,
      "B80D3251C1F64714 94256FFE712D0B9A",
      `
      4ED7B37C2BCAC8F74F23C1CF07E62BC7 B75FB3F637B9F559C7F664F69EAB7B60
      92237526EA0D1F61CB20D69D10F2`,
    ],
    [
      key20,
      "53BF8A0D105265D4E276428624CE5E63",
      `
      BC47FFEC7998EB91E8115CF8D19DAC4B BBE2E163E87DD37F49BECA92027764F6
      8CF51F14D798C2273F35DF574D1F932E 40C4FF255B36A266`,
    ],
    [
      key20,
      "763E65367E864F02F55153C7E3B58AF1",
      `
      40013E2DF58E8751957D2878BCD2D6FE 101CCFD556CB1EAE79DB3C3EE86429F2
      B2A602AC86FEF6ECB647D6295FAE077A 1FEB517508D2C16B4192E01F62`,
    ],
  ];
  samples.forEach(([key, confounder, cipher], i) => {
    const plain = PLAIN[i % 4];
    const want = h(cipher);
    assert.equal(
      toHex(encrypt(key, 2, plain, h(confounder))),
      toHex(want),
      `sample ${i}`,
    );
    assert.deepEqual(decrypt(key, 2, want), plain, `sample ${i}`);
    assert.equal(decrypt(key, 3, want), null, "another usage");
  });
});

Deno.test("RFC 8009 A: sample checksums (hmac-sha256-128-aes128, hmac-sha384-192-aes256)", () => {
  const data = PLAIN[3];
  const c19 = checksum(key19, 2, data);
  const c20 = checksum(key20, 2, data);
  assert.equal(toHex(c19), "d78367186643d67b411cba9139fc1dee");
  assert.equal(toHex(c20), "45ee791567eefca37f4ac1e0222de80d43c3bfa06699672a");
  assert.ok(verifyChecksum(key19, 2, data, c19));
  assert.ok(verifyChecksum(key20, 2, data, c20));
  assert.ok(!verifyChecksum(key20, 2, data, c20.subarray(0, 12)));
  assert.ok(!verifyChecksum(key20, 3, data, c20));
});

Deno.test("RFC 8009 A: sample pseudorandom function (PRF) invocations", () => {
  const input = te.encode("test");
  assert.equal(
    toHex(sha2Prf(19, BASE_19, input)),
    "9d188616f63852fe86915bb840b4a886ff3e6bb0f819b49b893393d393854295",
  );
  assert.equal(
    toHex(sha2Prf(20, BASE_20, input)),
    "9801f69a368c2bf675e59521e177d9a07f67efe1cfde8d3c8d6f6a0256e3b17d" +
      "b3c1b62ad1b8553360d17367eb1514d2",
  );
  assert.throws(() => sha2Prf(20, BASE_19, input), RangeError);
});

// ---- cross-check against node:crypto ------------------------------------------

/** KDF-HMAC-SHA2 as RFC 8009 section 3 writes it, with node's HMAC. */
function nodeKdf(
  etype: number,
  key: Uint8Array,
  label: Uint8Array,
  bits: number,
) {
  const hash = etype === 20 ? "sha384" : "sha256";
  const k = createHmac(hash, key)
    .update(cat(be32(1), label, Uint8Array.of(0), be32(bits)))
    .digest();
  return new Uint8Array(k.subarray(0, bits / 8));
}

/** RFC 3962 CTS from node's AES-CBC of the zero-padded input: swap, then cut. */
function nodeCts(key: Uint8Array, data: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(data.length / 16) * 16);
  padded.set(data);
  const c = createCipheriv(
    key.length === 16 ? "aes-128-cbc" : "aes-256-cbc",
    key,
    new Uint8Array(16),
  );
  c.setAutoPadding(false);
  const cbc = new Uint8Array(Buffer.concat([c.update(padded), c.final()]));
  if (padded.length === 16) return cbc;
  const n = padded.length;
  const out = cbc.slice(0, data.length);
  out.set(cbc.subarray(n - 16), n - 32);
  out.set(cbc.subarray(n - 32, n - 32 + data.length - (n - 16)), n - 16);
  return out;
}

Deno.test("RFC 8009 profile equals node:crypto's PBKDF2, HMAC and AES-CBC for random keys", () => {
  for (const etype of [19, 20]) {
    const hash = etype === 20 ? "sha384" : "sha256";
    const size = etype === 20 ? 32 : 16;
    const mac = etype === 20 ? 24 : 16;
    const name = etype === 20
      ? "aes256-cts-hmac-sha384-192"
      : "aes128-cts-hmac-sha256-128";
    // string-to-key, with a long password and a small iteration count.
    for (const pw of ["pässwörd", "x".repeat(200)]) {
      const salt = "EXAMPLE.TESTalice";
      const tkey = pbkdf2Sync(
        pw,
        cat(te.encode(name), Uint8Array.of(0), te.encode(salt)),
        3,
        size,
        hash,
      );
      assert.equal(
        toHex(stringToKey(etype, pw, salt, be32(3)).bytes),
        toHex(nodeKdf(etype, tkey, te.encode("kerberos"), size * 8)),
      );
    }
    for (let trial = 0; trial < 3; trial++) {
      const key = randomKey(etype);
      const usage = 1 + trial * 11;
      const label = (s: number) => cat(be32(usage), Uint8Array.of(s));
      const ke = nodeKdf(etype, key.bytes, label(0xaa), size * 8);
      const ki = nodeKdf(etype, key.bytes, label(0x55), mac * 8);
      const kc = nodeKdf(etype, key.bytes, label(0x99), mac * 8);
      for (const n of [0, 1, 15, 16, 17, 40, 70_000]) {
        const p = new Uint8Array(randomBytes(n));
        const confounder = new Uint8Array(randomBytes(16));
        const c = nodeCts(ke, cat(confounder, p));
        const tag = createHmac(hash, ki).update(new Uint8Array(16)).update(c)
          .digest().subarray(0, mac);
        const want = cat(c, new Uint8Array(tag));
        const got = encrypt(key, usage, p, confounder);
        assert.equal(toHex(got), toHex(want), `${etype} ${usage} ${n}`);
        assert.deepEqual(decrypt(key, usage, want), p);
        const data = p.subarray(0, 1000);
        assert.equal(
          toHex(checksum(key, usage, data)),
          toHex(createHmac(hash, kc).update(data).digest().subarray(0, mac)),
        );
      }
    }
  }
});

Deno.test("PBKDF2 with HMAC-SHA1/256/384 equals node:crypto (short and long passwords)", () => {
  for (const hash of ["sha1", "sha256", "sha384"] as const) {
    for (const pwLen of [0, 8, 64, 65, 128, 129, 300]) {
      const pw = bytes(pwLen, pwLen);
      const salt = bytes(37, 3);
      for (const [iter, dkLen] of [[1, 20], [2, 32], [1000, 48], [5, 64]]) {
        assert.equal(
          toHex(pbkdf2(hash, pw, salt, iter, dkLen)),
          toHex(pbkdf2Sync(pw, salt, iter, dkLen, hash)),
          `${hash} ${pwLen} ${iter} ${dkLen}`,
        );
      }
    }
  }
  assert.throws(() => pbkdf2("sha256", bytes(1), bytes(1), 0, 16), RangeError);
  assert.throws(() => pbkdf2("sha384", bytes(1), bytes(1), 1, 65), RangeError);
});

Deno.test("PBKDF2-HMAC-SHA-384 equals node:crypto for random passwords, salts and counts", () => {
  const rand = (n: number) => new Uint8Array(randomBytes(n));
  const int = (n: number) => rand(2).reduce((a, b) => a * 256 + b) % n;
  // Every password length 0..200, across the 128-byte block (longer ones are
  // hashed first), with random salts, 1..50 iterations and 32/48/64-byte keys.
  for (let pwLen = 0; pwLen <= 200; pwLen++) {
    const pw = rand(pwLen);
    const salt = rand(int(80));
    const iter = 1 + int(50);
    const dkLen = [32, 48, 64][pwLen % 3];
    assert.equal(
      toHex(pbkdf2("sha384", pw, salt, iter, dkLen)),
      toHex(pbkdf2Sync(pw, salt, iter, dkLen, "sha384")),
      `${pwLen} ${salt.length} ${iter} ${dkLen}`,
    );
  }
});

Deno.test("PBKDF2 wipes the WebAssembly regions that held the password and state", () => {
  const w = getWasm();
  const zero = (p: number, n: number) =>
    w.u8.subarray(p, p + n).every((b) => b === 0);
  for (const hash of ["sha1", "sha256", "sha384"] as const) {
    for (const pwLen of [8, 64, 65, 128, 129, 300]) {
      const pw = bytes(pwLen, pwLen + 5).map((b) => b | 1); // no zero bytes
      const salt = bytes(40, 9);
      w.x.wipe(w.out, 64);
      const dk = pbkdf2(hash, pw, salt, 3, 64);
      assert.equal(toHex(dk), toHex(pbkdf2Sync(pw, salt, 3, 64, hash)));
      const used = Math.max(512 + salt.length + 4, pwLen);
      assert.ok(zero(w.scratch, used), `${hash} ${pwLen}: scratch`);
      assert.ok(zero(w.state, 512), `${hash} ${pwLen}: state`);
      assert.ok(zero(w.key, 256), `${hash} ${pwLen}: key`);
      assert.ok(zero(w.out, 64), `${hash} ${pwLen}: out`);
    }
  }
});

Deno.test("HMAC-SHA-384 with a kept key equals the one-shot and node:crypto", () => {
  for (const kl of [0, 24, 48, 128, 129]) {
    const key = bytes(kl, kl);
    const keyed = hmacSha384Keyed(key);
    for (const n of [0, 1, 111, 112, 127, 128, 129, 256, 1000]) {
      const m = bytes(n, n + 1);
      const want = new Uint8Array(createHmac("sha384", key).update(m).digest());
      assert.deepEqual(hmacSha384(key, m), want);
      const parts = [
        m.subarray(0, n >> 2),
        m.subarray(n >> 2, n - 3),
        m.subarray(n - 3),
      ];
      assert.deepEqual(keyed.mac(n >= 3 ? parts : [m]), want, `${kl} ${n}`);
    }
    keyed.wipe();
  }
});

// ---- parameters and bad input ---------------------------------------------------

Deno.test("RFC 8009 string-to-key: 32768 iterations by default; bad s2kparams refused", () => {
  assert.deepEqual(
    stringToKey(19, "password", "EXAMPLE.TESTalice"),
    stringToKey(19, "password", "EXAMPLE.TESTalice", be32(32768)),
  );
  assert.notDeepEqual(
    stringToKey(19, "password", "EXAMPLE.TESTalice"),
    stringToKey(19, "password", "EXAMPLE.TESTalice", be32(4096)),
  );
  for (const params of [be32(0), be32(1_000_001), new Uint8Array(3)]) {
    assert.throws(() => stringToKey(19, "p", "s", params), RangeError);
    assert.throws(() => stringToKey(20, "p", "s", params), RangeError);
  }
  // SHA-384 runs in TypeScript: a forged s2kparams may cost about 2 s, no more.
  assert.throws(() => stringToKey(20, "p", "s", be32(262_145)), RangeError);
  assert.throws(
    () => kdfHmacSha2(19, BASE_19, te.encode("x"), 264),
    RangeError,
  );
  assert.throws(() => kdfHmacSha2(18, BASE_19, te.encode("x"), 128), TypeError);
});

Deno.test("RFC 8009 decrypt: null for short, truncated, altered or mislabelled ciphertexts, never a throw", () => {
  for (const etype of [19, 20]) {
    const key = randomKey(etype);
    const mac = etype === 20 ? 24 : 16;
    const c = encrypt(key, 11, bytes(21));
    assert.equal(c.length, 16 + 21 + mac);
    for (let n = 0; n < c.length; n++) {
      assert.equal(decrypt(key, 11, c.subarray(0, n)), null, `length ${n}`);
    }
    // Anything shorter than confounder and MAC, even all zeros.
    for (let n = 0; n < 16 + mac; n++) {
      assert.equal(decrypt(key, 11, new Uint8Array(n)), null);
    }
    // Exactly a confounder and a MAC that is not the right one.
    assert.equal(decrypt(key, 11, bytes(16 + mac)), null);
    for (let bit = 0; bit < c.length * 8; bit++) {
      const t = c.slice();
      t[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(decrypt(key, 11, t), null, `bit ${bit}`);
    }
    // Appended or prepended bytes.
    assert.equal(decrypt(key, 11, cat(c, Uint8Array.of(0))), null);
    assert.equal(decrypt(key, 11, cat(Uint8Array.of(0), c)), null);
    // The same key bytes labelled with the SHA-1 etype of the same size.
    const sha1 = { etype: etype === 20 ? 18 : 17, bytes: key.bytes };
    assert.equal(decrypt(sha1, 11, c), null);
    // An empty plaintext round-trips (one block: no ciphertext stealing).
    assert.deepEqual(
      decrypt(key, 4, encrypt(key, 4, new Uint8Array(0))),
      new Uint8Array(0),
    );
    assert.deepEqual(decrypt(key, 11, c), bytes(21));
  }
  // A key of the wrong size is a programmer error (RangeError), as for etypes 17, 18.
  assert.throws(
    () => decrypt({ etype: 20, bytes: new Uint8Array(16) }, 1, bytes(60)),
    RangeError,
  );
});

Deno.test("RFC 8009 derived keys: Ki and Kc are h bytes, distinct per usage; usageKey of rc4 throws", () => {
  const k = randomKey(20);
  assert.equal(usageKey(k, 5, KI).length, 24);
  assert.notDeepEqual(usageKey(k, 5, KI), usageKey(k, 6, KI));
  assert.equal(usageKey(randomKey(19), 5, KI).length, 16);
  assert.throws(() => usageKey(randomKey(23), 5, KI), TypeError);
});
