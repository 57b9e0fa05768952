import assert from "node:assert/strict";
import { Rc4, rc4 } from "../../src/crypto/mod.ts";
import {
  fromHex,
  hasOpenssl,
  opensslEnc,
  Prng,
  randomSplit,
  toHex,
  utf8,
} from "./_helpers.ts";

interface Rfc6229Key {
  key: Uint8Array;
  rows: [number, string][];
}

function loadRfc6229(): Rfc6229Key[] {
  const text = Deno.readTextFileSync(
    new URL("./data/rfc6229.txt", import.meta.url),
  );
  const keys: Rfc6229Key[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.trim()) continue;
    const [a, b] = line.trim().split(/\s+/);
    if (a === "key") keys.push({ key: fromHex(b), rows: [] });
    else keys.at(-1)!.rows.push([parseInt(a, 16), b]);
  }
  return keys;
}

Deno.test("rc4: RFC 6229 keystream, key lengths 40..256 bits, all offsets", () => {
  const keys = loadRfc6229();
  assert.deepEqual(keys.map((k) => k.key.length * 8), [
    40,
    56,
    64,
    80,
    128,
    192,
    256,
  ]);
  for (const { key, rows } of keys) {
    assert.equal(rows.length, 18);
    const stream = rc4(key, new Uint8Array(4112));
    for (const [off, want] of rows) {
      assert.equal(
        toHex(stream.subarray(off, off + 16)),
        want,
        `key ${toHex(key)} @${off}`,
      );
    }
    // Same keystream through a long-lived Rc4 in odd-sized pieces.
    const r = new Rc4(key);
    const parts: Uint8Array[] = [];
    for (
      let n = 0, step = 1;
      n < 4112;
      n += step, step = (step * 5 + 3) % 700 + 1
    ) {
      parts.push(r.update(new Uint8Array(Math.min(step, 4112 - n))));
    }
    const joined = new Uint8Array(4112);
    let p = 0;
    for (const part of parts) {
      joined.set(part, (p += part.length) - part.length);
    }
    assert.deepEqual(joined, stream);
    r.destroy();
  }
});

Deno.test("rc4: classic test vectors (Key/Plaintext, Wiki/pedia)", () => {
  assert.equal(
    toHex(rc4(utf8("Key"), utf8("Plaintext"))),
    "bbf316e8d940af0ad3",
  );
  assert.equal(toHex(rc4(utf8("Wiki"), utf8("pedia"))), "1021bf0420");
  assert.equal(
    toHex(rc4(utf8("Secret"), utf8("Attack at dawn"))),
    "45a01f645fc35b383552544b9bf5",
  );
});

Deno.test("rc4: updateInPlace equals update and does not allocate a copy", () => {
  const key = utf8("in place key");
  const a = new Rc4(key);
  const b = new Rc4(key);
  const data = new Prng(3).bytes(100_000);
  const want = a.update(data);
  const buf = data.slice();
  b.updateInPlace(buf.subarray(0, 33_333));
  b.updateInPlace(buf.subarray(33_333));
  assert.deepEqual(buf, want);
});

Deno.test("rc4: keys longer than 256 bytes use only the first 256", () => {
  const k = new Prng(5).bytes(300);
  assert.deepEqual(
    rc4(k, new Uint8Array(64)),
    rc4(k.subarray(0, 256), new Uint8Array(64)),
  );
});

Deno.test({
  name: "rc4: random keys and messages match openssl enc -rc4 / -rc4-40",
  ignore: !(await hasOpenssl()),
  fn: async () => {
    const rng = new Prng(0x4c4);
    for (let t = 0; t < 12; t++) {
      const len =
        [0, 1, 15, 16, 17, 1024, 4096, 65535, 65536, 65537, 200_000, 777][t];
      const data = rng.bytes(len);
      for (const [cipher, klen] of [["-rc4", 16], ["-rc4-40", 5]] as const) {
        const key = rng.bytes(klen);
        const want = await opensslEnc([cipher, "-K", toHex(key)], data);
        assert.equal(
          toHex(rc4(key, data)),
          toHex(want),
          `${cipher} len=${len}`,
        );
        const r = new Rc4(key);
        const got = new Uint8Array(len);
        let off = 0;
        for (const part of randomSplit(rng, data)) {
          got.set(r.update(part), off);
          off += part.length;
        }
        assert.deepEqual(got, want, `${cipher} streaming len=${len}`);
      }
    }
  },
});
