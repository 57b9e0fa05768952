// AES-CCM against RFC 3610's first packet vector, against OpenSSL's CCM (through
// Node's crypto, a `node` process) for random keys, nonces, tag lengths, AAD and
// payloads up to past the WebAssembly scratch region (the chunked path) and AAD
// past 0xFF00 bytes (the six-byte length encoding); a changed byte anywhere is
// refused with the data left as it was.
import assert from "node:assert/strict";
import { AesCcm } from "../../src/wasm/ccm.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";

Deno.test("aes-ccm: RFC 3610 packet vector #1", () => {
  const ccm = new AesCcm(fromHex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"), 8);
  const nonce = fromHex("00000003020100a0a1a2a3a4a5");
  const aad = fromHex("0001020304050607");
  const data = fromHex("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e");
  const tag = new Uint8Array(8);
  ccm.encrypt(nonce, aad, data, tag);
  assert.equal(
    toHex(data),
    "588c979a61c663d2f066d0c2c0f989806d5f6b61dac384",
  );
  assert.equal(toHex(tag), "17e8d12cfdf926e0");
  assert.ok(ccm.decrypt(nonce, aad, data, tag));
  assert.equal(toHex(data), "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e");
  ccm.wipe();
  assert.throws(() => ccm.encrypt(nonce, aad, data, tag), TypeError);
});

interface Case {
  key: string;
  nonce: string;
  aad: string;
  data: string;
  tagLength: number;
}

/** Node's (OpenSSL's) encryption of each case: ciphertext and tag in hex. */
async function openssl(cases: Case[]): Promise<[string, string][]> {
  const script = `
    const c = require("crypto");
    const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const out = cases.map((k) => {
      const key = Buffer.from(k.key, "hex");
      const e = c.createCipheriv("aes-" + key.length * 8 + "-ccm", key,
        Buffer.from(k.nonce, "hex"), { authTagLength: k.tagLength });
      const data = Buffer.from(k.data, "hex");
      e.setAAD(Buffer.from(k.aad, "hex"), { plaintextLength: data.length });
      const ct = Buffer.concat([e.update(data), e.final()]);
      return [ct.toString("hex"), e.getAuthTag().toString("hex")];
    });
    process.stdout.write(JSON.stringify(out));`;
  const p = new Deno.Command("node", {
    args: ["-e", script],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(cases)));
  await w.close();
  const o = await p.output();
  assert.ok(o.success, "node ran");
  return JSON.parse(new TextDecoder().decode(o.stdout));
}

const rnd = (n: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) {
    crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  }
  return b;
};

Deno.test("aes-ccm: the same ciphertexts and tags as OpenSSL", async () => {
  const shapes: [number, number, number, number, number][] = [
    // key, nonce, tag, aad, data
    [16, 11, 16, 32, 0],
    [16, 11, 16, 32, 1],
    [16, 11, 16, 52, 15],
    [32, 11, 16, 32, 16],
    [16, 13, 8, 0, 17],
    [32, 7, 4, 5, 1000],
    [16, 12, 10, 300, 65536],
    [16, 11, 16, 32, 65536 + 100],
    [32, 11, 16, 70000, 200_000],
    [16, 11, 14, 0xff00, 33],
  ];
  const cases = shapes.map(([k, n, t, a, d]) => ({
    key: toHex(rnd(k)),
    nonce: toHex(rnd(n)),
    aad: toHex(rnd(a)),
    data: toHex(rnd(d)),
    tagLength: t,
  }));
  const want = await openssl(cases);
  cases.forEach((c, i) => {
    const ccm = new AesCcm(fromHex(c.key), c.tagLength);
    const data = fromHex(c.data);
    const tag = new Uint8Array(c.tagLength);
    ccm.encrypt(fromHex(c.nonce), fromHex(c.aad), data, tag);
    assert.equal(toHex(data), want[i][0], `ciphertext of case ${i}`);
    assert.equal(toHex(tag), want[i][1], `tag of case ${i}`);
    assert.ok(ccm.decrypt(fromHex(c.nonce), fromHex(c.aad), data, tag));
    assert.equal(toHex(data), c.data, `plaintext of case ${i}`);
  });
});

Deno.test("aes-ccm: a changed ciphertext, tag, AAD or nonce is refused, data untouched", () => {
  for (const size of [40, 100_000]) {
    const ccm = new AesCcm(rnd(16));
    const nonce = rnd(11);
    const aad = rnd(32);
    const plain = rnd(size);
    const data = plain.slice();
    const tag = new Uint8Array(16);
    ccm.encrypt(nonce, aad, data, tag);
    const sealed = data.slice();
    const tries: [string, () => boolean][] = [
      ["ciphertext", () => {
        const d = sealed.slice();
        d[size - 1] ^= 1;
        const ok = ccm.decrypt(nonce, aad, d, tag);
        d[size - 1] ^= 1;
        assert.deepEqual(d, sealed);
        return ok;
      }],
      ["tag", () => {
        const t = tag.slice();
        t[15] ^= 0x80;
        return ccm.decrypt(nonce, aad, sealed.slice(), t);
      }],
      ["aad", () => {
        const a = aad.slice();
        a[0] ^= 1;
        return ccm.decrypt(nonce, a, sealed.slice(), tag);
      }],
      ["nonce", () => {
        const n = nonce.slice();
        n[10] ^= 1;
        return ccm.decrypt(n, aad, sealed.slice(), tag);
      }],
    ];
    for (const [what, f] of tries) assert.equal(f(), false, `${what} ${size}`);
    const d = sealed.slice();
    assert.ok(ccm.decrypt(nonce, aad, d, tag));
    assert.deepEqual(d, plain);
  }
});

Deno.test("aes-ccm: bad parameters are RangeErrors", () => {
  assert.throws(() => new AesCcm(new Uint8Array(24)), RangeError);
  assert.throws(() => new AesCcm(new Uint8Array(16), 7), RangeError);
  const ccm = new AesCcm(new Uint8Array(16));
  const tag = new Uint8Array(16);
  assert.throws(
    () => ccm.encrypt(new Uint8Array(6), new Uint8Array(0), rnd(1), tag),
    RangeError,
  );
  assert.throws(
    () => ccm.encrypt(new Uint8Array(11), new Uint8Array(0), rnd(1), rnd(8)),
    RangeError,
  );
  // A 13-byte nonce leaves a two-byte counter: at most 65535 bytes.
  assert.throws(
    () => ccm.encrypt(new Uint8Array(13), new Uint8Array(0), rnd(65536), tag),
    RangeError,
  );
});
