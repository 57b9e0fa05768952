// The Kerberos PRF, PRF+ and KRB-FX-CF2 (RFC 3961/3962/8009, RFC 6113 5.1) that FAST
// builds on: MIT krb5's t_prf and t_cf2 vectors, RFC 8009's PRF vectors, and random
// keys of every enctype checked against MIT's own krb5_c_prf and
// krb5_c_fx_cf2_simple, called in libk5crypto through Deno.dlopen.
import assert from "node:assert/strict";
import {
  cf2,
  prf,
  prfLength,
  prfPlus,
} from "../../src/packages/kerberos/crypto_prf.ts";
import {
  type KerberosKey,
  randomKey,
  stringToKey,
} from "../../src/packages/kerberos/crypto.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";
import { isCI } from "../peers/availability.ts";

const enc = new TextEncoder();

Deno.test("PRF: MIT krb5's t_prf vectors (AES-SHA1 and RFC 8009)", () => {
  const vectors: [number, string, string, string][] = [
    [
      17,
      "ae272e7cdec86ac5138cdb196d8e297d",
      "0161",
      "77b39a37a868920f2a51f9dd150c5717",
    ],
    [
      17,
      "67ab1cfef35e4c27ffdeac60385a3e9c",
      "0162",
      "e06c0dd31ff02091994f2ef5178bfe3d",
    ],
    [
      18,
      "c01f157211f7b77eaaf457c3e156690127ee127d810ba6392e97baa243eb0616",
      "0161",
      "b2628c788e2e9c4a9bb4644678c29f2f",
    ],
    [
      18,
      "c01f157211f7b77eaaf457c3e156690127ee127d810ba6392e97baa243eb0616",
      "0261",
      "b406373350cee8a6126f4a9b65a0cd21",
    ],
    [
      18,
      "9d520d2d980aa7cb6b693682b62da258b333867951642ce647ae62b1e5e0b5e9",
      "0162",
      "ff0e289ea756c0559a0e911856961a49",
    ],
    [
      18,
      "9d520d2d980aa7cb6b693682b62da258b333867951642ce647ae62b1e5e0b5e9",
      "0262",
      "0d674dd0f9a6806525a4d92e828bd15a",
    ],
    [
      19,
      "3705d96080c17728a0e800eab6e0d23c",
      toHex(enc.encode("test")),
      "9d188616f63852fe86915bb840b4a886ff3e6bb0f819b49b893393d393854295",
    ],
    [
      20,
      "6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52",
      toHex(enc.encode("test")),
      "9801f69a368c2bf675e59521e177d9a07f67efe1cfde8d3c8d6f6a0256e3b17d" +
      "b3c1b62ad1b8553360d17367eb1514d2",
    ],
  ];
  for (const [etype, key, input, out] of vectors) {
    const got = prf({ etype, bytes: fromHex(key) }, fromHex(input));
    assert.equal(got.length, prfLength(etype));
    assert.equal(toHex(got), out, `etype ${etype}, input ${input}`);
  }
});

Deno.test("KRB-FX-CF2: MIT krb5's t_cf2 vectors (keys from string-to-key of key1/key2)", () => {
  const expected: Record<number, string> = {
    17: "97df97e4b798b29eb31ed7280287a92a",
    18: "4d6ca4e629785c1f01baf55e2e548566b9617ae3a96868c337cb93b5e72b1c7b",
    23: "24d7f6b6bae4e5c00d2082c5ebab3672",
    19: "edd02a39d2dbde31611c16e610be062c",
    20: "67f6ea530aea85a37dcbb23349ea52dcc61ca8493ff557252327fd8304341584",
  };
  for (const [e, hex] of Object.entries(expected)) {
    const etype = Number(e);
    const k1 = stringToKey(etype, "key1", "key1");
    const k2 = stringToKey(etype, "key2", "key2");
    const out = cf2(k1, k2, "a", "b");
    assert.equal(out.etype, etype);
    assert.equal(toHex(out.bytes), hex, `etype ${etype}`);
  }
});

Deno.test("PRF+: blocks counted from 1, cut to length; bounds refused", () => {
  const key = randomKey(18);
  const two = prfPlus(key, enc.encode("x"), 20);
  assert.equal(
    toHex(two.subarray(0, 16)),
    toHex(prf(key, enc.encode("\x01x"))),
  );
  assert.equal(
    toHex(two.subarray(16)),
    toHex(prf(key, enc.encode("\x02x")).subarray(0, 4)),
  );
  assert.equal(prfPlus(key, enc.encode("x"), 0).length, 0);
  assert.throws(() => prfPlus(key, enc.encode("x"), 16 * 256), RangeError);
  assert.throws(
    () => prf({ etype: 1, bytes: new Uint8Array(8) }, new Uint8Array()),
    TypeError,
  );
  assert.throws(
    () => prf({ etype: 18, bytes: new Uint8Array(16) }, new Uint8Array()),
    RangeError,
  );
});

// ---- MIT's libk5crypto, through FFI --------------------------------------------

const LIB = "/usr/lib/x86_64-linux-gnu/libk5crypto.so.3";

const SYMBOLS = {
  krb5_c_prf: {
    parameters: ["pointer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  krb5_c_fx_cf2_simple: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
} as const;

/** libk5crypto's PRF and CF2, or null when it is not installed. */
function openK5crypto(): Deno.DynamicLibrary<typeof SYMBOLS> | null {
  try {
    Deno.statSync(LIB);
  } catch {
    return null;
  }
  return Deno.dlopen(LIB, SYMBOLS);
}

/** A `krb5_keyblock` (magic, enctype, length, contents) over `key`'s bytes. */
function keyblock(key: KerberosKey): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setInt32(4, key.etype, true);
  v.setUint32(8, key.bytes.length, true);
  v.setBigUint64(
    16,
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(key.bytes))),
    true,
  );
  return b;
}

/** A `krb5_data` (magic, length, data) over `bytes`. */
function krbData(bytes: Uint8Array): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(4, bytes.length, true);
  v.setBigUint64(
    8,
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes))),
    true,
  );
  return b;
}

const cstr = (s: string) => enc.encode(s + "\0");

Deno.test("PRF and KRB-FX-CF2 match MIT krb5's libk5crypto for random keys of every enctype", () => {
  const lib = openK5crypto();
  if (!lib) {
    if (isCI()) {
      throw new Error(`${LIB} missing: apt-get install -y libk5crypto3`);
    }
    console.warn(`skipped: ${LIB} missing (apt-get install -y libk5crypto3)`);
    return;
  }
  try {
    for (const etype of [17, 18, 19, 20, 23]) {
      for (let i = 0; i < 8; i++) {
        const k1 = randomKey(etype);
        const k2 = randomKey(etype);
        const input = crypto.getRandomValues(new Uint8Array(i * 7));
        const out = new Uint8Array(prfLength(etype));
        const rc: number = lib.symbols.krb5_c_prf(
          null,
          keyblock(k1),
          krbData(input),
          krbData(out),
        );
        assert.equal(rc, 0);
        assert.equal(toHex(prf(k1, input)), toHex(out), `PRF etype ${etype}`);
        const outPtr = new BigUint64Array(1);
        const p1 = cstr("subkeyarmor"), p2 = cstr("ticketarmor");
        const rc2: number = lib.symbols.krb5_c_fx_cf2_simple(
          null,
          keyblock(k1),
          p1,
          keyblock(k2),
          p2,
          new Uint8Array(outPtr.buffer),
        );
        assert.equal(rc2, 0);
        const kb = Deno.UnsafePointer.create(outPtr[0])!;
        const view = new Deno.UnsafePointerView(kb);
        const len = view.getUint32(8);
        const contents = view.getPointer(16)!;
        const mit = new Uint8Array(
          Deno.UnsafePointerView.getArrayBuffer(contents, len).slice(0),
        );
        assert.equal(view.getInt32(4), etype);
        const ours = cf2(k1, k2, "subkeyarmor", "ticketarmor");
        assert.equal(toHex(ours.bytes), toHex(mit), `CF2 etype ${etype}`);
      }
    }
  } finally {
    lib.close();
  }
});
