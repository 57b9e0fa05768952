import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { sha384, sha512, sha512_256 } from "../../src/crypto/_sha512.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";
import {
  bigIntToBytes,
  bitLength,
  bytesToBigInt,
  modInv,
  modPow,
  randomBelow,
} from "../../src/pki/bigint.ts";
import {
  decodeEcdsaSig,
  decodePoint,
  ecdsaSign,
  ecdsaVerify,
  encodeEcdsaSig,
  mulBase,
  mulPoint,
  onCurve,
  P256,
  P384,
} from "../../src/pki/ec.ts";
import { HASHES, hmac } from "../../src/pki/hash.ts";
import { formatIp, parseIp } from "../../src/pki/name.ts";
import {
  type Certificate,
  ECDSA_SECP256R1_SHA256,
  matchesHost,
  parsePrivateKey,
  publicKeyOf,
  RSA_PKCS1_SHA256,
  RSA_PSS_RSAE_SHA256,
  sign,
  verifySignature,
} from "../../src/pki/mod.ts";
import { enc } from "./_helpers.ts";

Deno.test("pki sha384/sha512 match node:crypto", () => {
  for (const n of [0, 1, 55, 111, 112, 127, 128, 129, 255, 256, 1000]) {
    const d = crypto.getRandomValues(new Uint8Array(n));
    const h = (a: string) => createHash(a).update(d).digest("hex");
    assert.equal(toHex(sha384(d)), h("sha384"));
    assert.equal(toHex(sha512(d)), h("sha512"));
    assert.equal(toHex(sha512_256(d)), h("sha512-256"));
  }
  for (const n of [0, 20, 64, 128, 200]) {
    const key = crypto.getRandomValues(new Uint8Array(n));
    for (
      const [name, alg] of Object.entries(
        { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" } as const,
      )
    ) {
      assert.equal(
        toHex(hmac(HASHES[alg], key, enc("abc"))),
        createHmac(name, key).update("abc").digest("hex"),
      );
    }
  }
});

Deno.test("pki bigint helpers", () => {
  const m = (1n << 127n) - 1n; // prime
  for (let i = 0; i < 50; i++) {
    const a = randomBelow(m);
    assert.ok(a >= 1n && a < m);
    assert.equal((a * modInv(a, m)) % m, 1n);
    assert.equal(modPow(a, m - 1n, m), 1n);
    const e = BigInt(i);
    let naive = 1n;
    for (let k = 0n; k < e; k++) naive = (naive * a) % m;
    assert.equal(modPow(a, e, m), naive);
  }
  assert.throws(() => modInv(6n, 9n), RangeError);
  assert.equal(bitLength(0n), 0);
  assert.equal(bitLength(1n), 1);
  assert.equal(bitLength(255n), 8);
  assert.equal(bitLength(256n), 9);
  assert.deepEqual(bigIntToBytes(0x0102n, 4), Uint8Array.of(0, 0, 1, 2));
  assert.equal(bytesToBigInt(Uint8Array.of(0, 1, 2)), 0x102n);
  assert.throws(() => bigIntToBytes(0x10000n, 2), RangeError);
});

Deno.test("pki ECDSA P-256: RFC 6979 A.2.5 deterministic vector (SHA-256, 'sample')", () => {
  const d = BigInt(
    "0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
  );
  const q = mulBase(P256, d)!;
  assert.equal(
    q.x,
    BigInt(
      "0x60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
    ),
  );
  assert.equal(
    q.y,
    BigInt(
      "0x7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
    ),
  );
  const sig = ecdsaSign(
    P256,
    d,
    HASHES["SHA-256"],
    enc("sample"),
    new Uint8Array(0),
  );
  const rs = decodeEcdsaSig(sig)!;
  assert.equal(
    rs.r,
    BigInt(
      "0xEFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
    ),
  );
  assert.equal(
    rs.s,
    BigInt(
      "0xF7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
    ),
  );
  assert.ok(ecdsaVerify(P256, q, HASHES["SHA-256"], enc("sample"), sig));
  assert.equal(
    ecdsaVerify(P256, q, HASHES["SHA-256"], enc("samplf"), sig),
    false,
  );
  // High-S and out-of-range values.
  assert.equal(
    ecdsaVerify(
      P256,
      q,
      HASHES["SHA-256"],
      enc("sample"),
      encodeEcdsaSig(rs.r, rs.s + P256.n),
    ),
    false,
  );
  // (r, n - s) is valid too (ECDSA malleability; TLS does not require low-S).
  assert.ok(
    ecdsaVerify(
      P256,
      q,
      HASHES["SHA-256"],
      enc("sample"),
      encodeEcdsaSig(rs.r, P256.n - rs.s),
    ),
  );
  assert.equal(
    ecdsaVerify(
      P256,
      q,
      HASHES["SHA-256"],
      enc("sample"),
      encodeEcdsaSig(0n, rs.s),
    ),
    false,
  );
});

Deno.test("pki EC points: base points on their curves, encodings, off-curve refused", () => {
  for (const c of [P256, P384]) {
    assert.ok(onCurve(c, c.gx, c.gy));
    assert.equal(mulBase(c, c.n), null);
    const k = randomBelow(c.n);
    const pt = mulBase(c, k)!;
    assert.ok(onCurve(c, pt.x, pt.y));
    // ECDH agreement: a*(bG) = b*(aG).
    const k2 = randomBelow(c.n);
    assert.deepEqual(mulPoint(c, k, mulBase(c, k2)!), mulPoint(c, k2, pt));
    const un = new Uint8Array(1 + 2 * c.size);
    un[0] = 4;
    un.set(bigIntToBytes(pt.x, c.size), 1);
    un.set(bigIntToBytes(pt.y, c.size), 1 + c.size);
    assert.deepEqual(decodePoint(c, un), pt);
    const comp = Uint8Array.of(
      2 | Number(pt.y & 1n),
      ...bigIntToBytes(pt.x, c.size),
    );
    assert.deepEqual(decodePoint(c, comp), pt);
    un[un.length - 1] ^= 1;
    assert.equal(decodePoint(c, un), null);
    assert.equal(decodePoint(c, un.subarray(1)), null);
  }
});

Deno.test("pki WebCrypto interop: ECDSA P-256 and RSA-PSS/PKCS#1 both ways", async () => {
  const data = enc("interop with WebCrypto");
  const ecKeys = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign", "verify"],
  ) as CryptoKeyPair;
  const ec = parsePrivateKey(
    new Uint8Array(await crypto.subtle.exportKey("pkcs8", ecKeys.privateKey)),
  )!;
  assert.equal(ec.kind, "ec");
  const ours = decodeEcdsaSig(sign(ec, ECDSA_SECP256R1_SHA256, data))!;
  const raw = Uint8Array.of(
    ...bigIntToBytes(ours.r, 32),
    ...bigIntToBytes(ours.s, 32),
  );
  const alg = { name: "ECDSA", hash: "SHA-256" };
  assert.ok(await crypto.subtle.verify(alg, ecKeys.publicKey, raw, data));
  const theirs = new Uint8Array(
    await crypto.subtle.sign(alg, ecKeys.privateKey, data),
  );
  const der = encodeEcdsaSig(
    bytesToBigInt(theirs.subarray(0, 32)),
    bytesToBigInt(theirs.subarray(32)),
  );
  assert.ok(
    verifySignature(publicKeyOf(ec), ECDSA_SECP256R1_SHA256, data, der),
  );

  for (
    const [name, scheme] of [["RSA-PSS", RSA_PSS_RSAE_SHA256], [
      "RSASSA-PKCS1-v1_5",
      RSA_PKCS1_SHA256,
    ]] as const
  ) {
    const keys = await crypto.subtle.generateKey(
      {
        name,
        modulusLength: 2048,
        publicExponent: Uint8Array.of(1, 0, 1),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    const rsa = parsePrivateKey(
      new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey)),
    )!;
    const params = { name, saltLength: 32 };
    assert.ok(
      await crypto.subtle.verify(
        params,
        keys.publicKey,
        new Uint8Array(sign(rsa, scheme, data)),
        data,
      ),
    );
    const sig = new Uint8Array(
      await crypto.subtle.sign(params, keys.privateKey, data),
    );
    assert.ok(verifySignature(publicKeyOf(rsa), scheme, data, sig));
  }
});

function fakeCert(
  dnsNames: string[],
  ips: string[],
  cn: string | null,
): Certificate {
  return {
    dnsNames,
    ipAddresses: ips,
    hasSubjectAltName: dnsNames.length + ips.length > 0,
    subjectCommonName: cn,
  } as Certificate;
}

Deno.test("pki host matching: wildcards, IPs, CN fallback", () => {
  const c = fakeCert([
    "*.example.com",
    "Exact.Test",
    "*.com",
    "f*.part.test",
    "a.*.test",
  ], [
    "10.0.0.1",
    "2001:db8::1",
  ], "cn.test");
  const ok = [
    "a.example.com",
    "A.EXAMPLE.COM.",
    "exact.test",
    "10.0.0.1",
    "2001:DB8:0:0::1",
    "[2001:db8::1]",
  ];
  const no = [
    "example.com",
    "a.b.example.com",
    "com",
    "x.com",
    "foo.part.test",
    "a.b.test",
    "cn.test",
    "10.0.0.01",
    "010.0.0.1",
    "2001:db8::2",
    "a..example.com",
    "*.example.com",
  ];
  for (const h of ok) assert.ok(matchesHost(c, h), h);
  for (const h of no) assert.equal(matchesHost(c, h), false, h);
  // A wildcard never matches an IP literal written as a name.
  assert.equal(matchesHost(fakeCert(["*.0.0.1"], [], null), "10.0.0.1"), false);
  // CN only without SANs.
  assert.ok(matchesHost(fakeCert([], [], "cn.test"), "cn.test"));
  assert.equal(matchesHost(fakeCert([], [], null), "cn.test"), false);
});

Deno.test("pki IP text forms", () => {
  assert.equal(formatIp(parseIp("::")!), "::");
  assert.equal(formatIp(parseIp("1::")!), "1::");
  assert.equal(formatIp(parseIp("::ffff:1.2.3.4")!), "::ffff:102:304");
  assert.equal(formatIp(parseIp("1:0:0:2:0:0:0:3")!), "1:0:0:2::3");
  assert.equal(formatIp(parseIp("1:2:3:4:5:6:7:8")!), "1:2:3:4:5:6:7:8");
  assert.equal(formatIp(parseIp("1:0:2:3:4:5:6:7")!), "1:0:2:3:4:5:6:7");
  for (
    const bad of [
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "256.1.1.1",
      "1.2.3",
      "g::1",
      "1:2:3:4:5:6:7::8",
      ":::",
    ]
  ) {
    assert.equal(parseIp(bad), null, bad);
  }
  assert.deepEqual(parseIp("1.2.3.4"), Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual(parseIp("::1"), fromHex("00000000000000000000000000000001"));
});
