import assert from "node:assert/strict";
import {
  desEcbDecrypt,
  desEcbEncrypt,
  desKeyFrom7,
  md4,
} from "../../src/crypto/mod.ts";
import {
  fromHex,
  hasOpenssl,
  opensslEnc,
  Prng,
  toHex,
  utf8,
} from "./_helpers.ts";

Deno.test("des: known answers (FIPS 81 example, NBS SP 500-20 / NIST SP 800-17)", () => {
  const vectors: [string, string, string][] = [
    // key, plaintext, ciphertext
    ["133457799bbcdff1", "0123456789abcdef", "85e813540f0ab405"],
    ["0e329232ea6d0d73", "8787878787878787", "0000000000000000"],
    ["0123456789abcdef", "4e6f772069732074", "3fa40e8a984d4815"], // "Now is t"
    ["0101010101010101", "95f8a5e5dd31d900", "8000000000000000"], // variable plaintext
    ["0101010101010101", "dd7f121ca5015619", "4000000000000000"],
    ["8001010101010101", "0000000000000000", "95a8d72813daa94d"], // variable key
    ["4001010101010101", "0000000000000000", "0eec1487dd8c26d5"],
    ["10316e028c8f3b4a", "0000000000000000", "82dcbafbdeab6602"], // permutation
    ["7ca110454a1a6e57", "01a1d6d039776742", "690f5b0d9a26939b"], // substitution
    ["0131d9619dc1376e", "5cd54ca83def57da", "7a389d10354bd271"],
  ];
  for (const [k, p, c] of vectors) {
    const key = fromHex(k);
    assert.equal(toHex(desEcbEncrypt(key, fromHex(p))), c, `enc ${k}`);
    assert.equal(toHex(desEcbDecrypt(key, fromHex(c))), p, `dec ${k}`);
  }
});

Deno.test("des: multi-block ECB and empty input", () => {
  const key = fromHex("133457799bbcdff1");
  const pt = fromHex("0123456789abcdef".repeat(3));
  assert.equal(toHex(desEcbEncrypt(key, pt)), "85e813540f0ab405".repeat(3));
  assert.deepEqual(desEcbEncrypt(key, new Uint8Array(0)), new Uint8Array(0));
});

Deno.test("desKeyFrom7: expansion with odd parity", () => {
  assert.equal(toHex(desKeyFrom7(new Uint8Array(7))), "0101010101010101");
  assert.equal(
    toHex(desKeyFrom7(fromHex("ffffffffffffff"))),
    "fefefefefefefefe",
  );
  // Independent reference: regroup the 56 bits 7 at a time (BigInt), check parity.
  const rng = new Prng(11);
  for (let t = 0; t < 200; t++) {
    const k7 = rng.bytes(7);
    const k8 = desKeyFrom7(k7);
    let bits = 0n;
    for (const b of k7) bits = (bits << 8n) | BigInt(b);
    for (let i = 0; i < 8; i++) {
      const seven = Number((bits >> BigInt(49 - 7 * i)) & 0x7fn);
      assert.equal(k8[i] >> 1, seven);
      let ones = 0;
      for (let v = k8[i]; v; v >>= 1) ones += v & 1;
      assert.equal(ones % 2, 1, "odd parity");
    }
  }
});

Deno.test("des: LMOWFv1 and NTOWFv1 of 'Password' (MS-NLMP 4.2.2.1.1)", () => {
  const pw = utf8("PASSWORD\0\0\0\0\0\0");
  const magic = utf8("KGS!@#$%");
  const lm = new Uint8Array(16);
  lm.set(desEcbEncrypt(desKeyFrom7(pw.subarray(0, 7)), magic), 0);
  lm.set(desEcbEncrypt(desKeyFrom7(pw.subarray(7, 14)), magic), 8);
  assert.equal(toHex(lm), "e52cac67419a9a224a3b108f3fa6cb6d");
  const nt = md4(
    new Uint8Array(Uint16Array.from("Password", (c) => c.charCodeAt(0)).buffer),
  );
  assert.equal(toHex(nt), "a4f49c406510bdcab6824ee7c30fd852");
});

Deno.test({
  name: "des: random keys and messages match openssl enc -des-ecb",
  ignore: !(await hasOpenssl()),
  fn: async () => {
    const rng = new Prng(0xde5);
    for (const n of [8, 16, 64, 8000, 65536, 65544, 150_000]) {
      const key = rng.bytes(8);
      const data = rng.bytes(n);
      const want = await opensslEnc(
        ["-des-ecb", "-nopad", "-K", toHex(key)],
        data,
      );
      const got = desEcbEncrypt(key, data);
      assert.equal(toHex(got), toHex(want), `len=${n}`);
      assert.deepEqual(desEcbDecrypt(key, got), data);
    }
  },
});
