// AES-CMAC against RFC 4493's examples (AES-128, messages of 0, 16, 40 and 64
// bytes), against OpenSSL's CMAC for random keys and lengths, and a changed
// message byte changes the tag.
import assert from "node:assert/strict";
import { aesCmac } from "../../src/crypto/_cmac.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";

const KEY = fromHex("2b7e151628aed2a6abf7158809cf4f3c");
const MSG = fromHex(
  "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
);

Deno.test("aes-cmac: RFC 4493 examples 1-4", () => {
  const cases: [number, string][] = [
    [0, "bb1d6929e95937287fa37d129b756746"],
    [16, "070a16b46b4d4144f79bdd9dd04a287c"],
    [40, "dfa66747de9ae63030ca32611497c827"],
    [64, "51f0bebf7e3b9d92fc49741779363cfe"],
  ];
  for (const [n, tag] of cases) {
    assert.equal(toHex(aesCmac(KEY, MSG.subarray(0, n))), tag, `${n} bytes`);
  }
  const changed = MSG.slice(0, 40);
  changed[39] ^= 1;
  assert.notEqual(
    toHex(aesCmac(KEY, changed)),
    "dfa66747de9ae63030ca32611497c827",
  );
});

Deno.test("aes-cmac: the same tags as OpenSSL for random keys and lengths", async () => {
  for (const n of [1, 15, 17, 31, 32, 33, 100, 1000]) {
    for (const klen of [16, 32]) {
      const key = crypto.getRandomValues(new Uint8Array(klen));
      const data = crypto.getRandomValues(new Uint8Array(n));
      const cipher = klen === 16 ? "aes-128-cbc" : "aes-256-cbc";
      const cmd = new Deno.Command("openssl", {
        args: [
          "mac",
          "-cipher",
          cipher,
          "-macopt",
          `hexkey:${toHex(key)}`,
          "CMAC",
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = cmd.stdin.getWriter();
      await w.write(data);
      await w.close();
      const out = await cmd.output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      assert.equal(
        toHex(aesCmac(key, data)),
        new TextDecoder().decode(out.stdout).trim().toLowerCase(),
        `${n} bytes, ${klen}-byte key`,
      );
    }
  }
});
