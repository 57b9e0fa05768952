import assert from "node:assert/strict";
import {
  ECDSA_SECP256R1_SHA256,
  ECDSA_SECP384R1_SHA384,
  publicKeyOf,
  RSA_PKCS1_SHA256,
  RSA_PKCS1_SHA384,
  RSA_PKCS1_SHA512,
  RSA_PSS_RSAE_SHA256,
  RSA_PSS_RSAE_SHA384,
  RSA_PSS_RSAE_SHA512,
  sign,
  signatureSchemes,
  verifySignature,
} from "../../src/pki/mod.ts";
import { openssl, opensslOk, opensslTest } from "./_fixtures.ts";
import { enc, load } from "./_helpers.ts";

/** openssl dgst arguments per scheme: digest and, for PSS, the padding options. */
const SCHEMES: [number, string, string[]][] = [
  [RSA_PKCS1_SHA256, "-sha256", []],
  [RSA_PKCS1_SHA384, "-sha384", []],
  [RSA_PKCS1_SHA512, "-sha512", []],
  [RSA_PSS_RSAE_SHA256, "-sha256", [
    "rsa_padding_mode:pss",
    "rsa_pss_saltlen:32",
  ]],
  [RSA_PSS_RSAE_SHA384, "-sha384", [
    "rsa_padding_mode:pss",
    "rsa_pss_saltlen:48",
  ]],
  [RSA_PSS_RSAE_SHA512, "-sha512", [
    "rsa_padding_mode:pss",
    "rsa_pss_saltlen:64",
  ]],
  [ECDSA_SECP256R1_SHA256, "-sha256", []],
  [ECDSA_SECP384R1_SHA384, "-sha384", []],
];

const KEY_OF: Record<number, string> = {
  [ECDSA_SECP256R1_SHA256]: "ecleaf",
  [ECDSA_SECP384R1_SHA384]: "p384leaf",
};

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pki_sig_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

opensslTest(
  "pki sign: our signatures verify with openssl dgst -verify",
  async () => {
    const { f, key } = await load();
    await withDir(async (dir) => {
      const data = enc("TLS 1.3, server CertificateVerify" + "\0".repeat(64));
      await Deno.writeFile(`${dir}/data`, data);
      for (const [scheme, md, opts] of SCHEMES) {
        const name = KEY_OF[scheme] ?? "rsaleaf";
        await Deno.writeTextFile(`${dir}/${name}.key`, f[`${name}.key`]);
        await openssl([
          "pkey",
          "-in",
          `${name}.key`,
          "-pubout",
          "-out",
          `${name}.pub`,
        ], { cwd: dir });
        const sig = sign(key(name), scheme, data);
        await Deno.writeFile(`${dir}/sig`, sig);
        const args = ["dgst", md, ...opts.flatMap((o) => ["-sigopt", o])];
        await openssl([
          ...args,
          "-verify",
          `${name}.pub`,
          "-signature",
          "sig",
          "data",
        ], { cwd: dir });
        // Tampered data is refused by openssl too (the check is a real one).
        await Deno.writeFile(`${dir}/bad`, Uint8Array.of(...data, 1));
        assert.equal(
          await opensslOk([
            ...args,
            "-verify",
            `${name}.pub`,
            "-signature",
            "sig",
            "bad",
          ], dir),
          false,
        );
        // And pkeyutl over the digest, for PSS and ECDSA.
        if (opts.length > 0 || scheme === ECDSA_SECP256R1_SHA256) {
          await openssl(["dgst", md, "-binary", "-out", "digest", "data"], {
            cwd: dir,
          });
          await openssl([
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            `${name}.pub`,
            "-in",
            "digest",
            "-sigfile",
            "sig",
            "-pkeyopt",
            `digest:${md.slice(1)}`,
            ...opts.flatMap((o) => ["-pkeyopt", o]),
          ], { cwd: dir });
        }
      }
    });
  },
);

opensslTest(
  "pki verify: openssl's signatures verify with ours; tampering fails",
  async () => {
    const { f, key } = await load();
    await withDir(async (dir) => {
      const data = enc("client CertificateVerify ".repeat(5));
      await Deno.writeFile(`${dir}/data`, data);
      for (const [scheme, md, opts] of SCHEMES) {
        const name = KEY_OF[scheme] ?? "rsaleaf";
        await Deno.writeTextFile(`${dir}/${name}.key`, f[`${name}.key`]);
        const pub = publicKeyOf(key(name));
        for (let round = 0; round < 3; round++) {
          await openssl([
            "dgst",
            md,
            ...opts.flatMap((o) => ["-sigopt", o]),
            "-sign",
            `${name}.key`,
            "-out",
            "sig",
            "data",
          ], { cwd: dir });
          const sig = await Deno.readFile(`${dir}/sig`);
          assert.ok(
            verifySignature(pub, scheme, data, sig),
            `scheme ${scheme.toString(16)}`,
          );
          const badData = data.slice();
          badData[round] ^= 0x20;
          assert.equal(verifySignature(pub, scheme, badData, sig), false);
          const badSig = sig.slice();
          badSig[sig.length - 1 - round * 7] ^= 1;
          assert.equal(verifySignature(pub, scheme, data, badSig), false);
          assert.equal(
            verifySignature(pub, scheme, data, sig.subarray(1)),
            false,
          );
          assert.equal(
            verifySignature(pub, scheme, data, new Uint8Array(0)),
            false,
          );
        }
      }
      // PSS with the maximum salt (openssl's default) is not a TLS 1.3 signature.
      await Deno.writeTextFile(`${dir}/rsaleaf.key`, f["rsaleaf.key"]);
      await openssl([
        "dgst",
        "-sha256",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:max",
        "-sign",
        "rsaleaf.key",
        "-out",
        "sig",
        "data",
      ], { cwd: dir });
      const maxSalt = await Deno.readFile(`${dir}/sig`);
      const rsaPub = publicKeyOf(key("rsaleaf"));
      assert.equal(
        verifySignature(rsaPub, RSA_PSS_RSAE_SHA256, data, maxSalt),
        false,
      );
    });
  },
);

opensslTest("pki verify: wrong scheme, key or curve is refused", async () => {
  const { key } = await load();
  const rsa = key("rsaleaf"), ec = key("ecleaf"), ec384 = key("p384leaf");
  const data = enc("x");
  const pss = sign(rsa, RSA_PSS_RSAE_SHA256, data);
  const pkcs1 = sign(rsa, RSA_PKCS1_SHA256, data);
  const ecdsa = sign(ec, ECDSA_SECP256R1_SHA256, data);
  assert.ok(verifySignature(publicKeyOf(rsa), RSA_PSS_RSAE_SHA256, data, pss));
  assert.equal(
    verifySignature(publicKeyOf(rsa), RSA_PKCS1_SHA256, data, pss),
    false,
  );
  assert.equal(
    verifySignature(publicKeyOf(rsa), RSA_PSS_RSAE_SHA256, data, pkcs1),
    false,
  );
  assert.equal(
    verifySignature(publicKeyOf(rsa), RSA_PSS_RSAE_SHA384, data, pss),
    false,
  );
  assert.equal(
    verifySignature(publicKeyOf(rsa), ECDSA_SECP256R1_SHA256, data, ecdsa),
    false,
  );
  assert.equal(
    verifySignature(publicKeyOf(ec), RSA_PKCS1_SHA256, data, pkcs1),
    false,
  );
  assert.equal(
    verifySignature(publicKeyOf(ec384), ECDSA_SECP256R1_SHA256, data, ecdsa),
    false,
  );
  assert.equal(
    verifySignature(publicKeyOf(ec), ECDSA_SECP384R1_SHA384, data, ecdsa),
    false,
  );
  assert.equal(verifySignature(publicKeyOf(ec), 0x0807, data, ecdsa), false);
  assert.equal(
    verifySignature(
      publicKeyOf(key("ecca")),
      ECDSA_SECP256R1_SHA256,
      data,
      ecdsa,
    ),
    false,
  );
  // A signature value >= n, and r or s out of range.
  const rsaPub = publicKeyOf(rsa);
  assert.equal(
    verifySignature(
      rsaPub,
      RSA_PKCS1_SHA256,
      data,
      new Uint8Array(256).fill(0xff),
    ),
    false,
  );
  const zeroR = Uint8Array.of(0x30, 6, 2, 1, 0, 2, 1, 1);
  assert.equal(
    verifySignature(publicKeyOf(ec), ECDSA_SECP256R1_SHA256, data, zeroR),
    false,
  );
  assert.equal(
    verifySignature(null as never, ECDSA_SECP256R1_SHA256, data, ecdsa),
    false,
  );

  assert.deepEqual(signatureSchemes(rsa), [
    RSA_PSS_RSAE_SHA256,
    RSA_PSS_RSAE_SHA384,
    RSA_PSS_RSAE_SHA512,
    RSA_PKCS1_SHA256,
    RSA_PKCS1_SHA384,
    RSA_PKCS1_SHA512,
  ]);
  assert.deepEqual(signatureSchemes(ec), [ECDSA_SECP256R1_SHA256]);
  assert.deepEqual(signatureSchemes(ec384), [ECDSA_SECP384R1_SHA384]);
  assert.throws(() => sign(ec, RSA_PSS_RSAE_SHA256, data), RangeError);
  assert.throws(() => sign(rsa, ECDSA_SECP256R1_SHA256, data), RangeError);
  assert.throws(() => sign(ec, ECDSA_SECP384R1_SHA384, data), RangeError);
  // ECDSA signatures are randomized (hedged nonces); RSA-PSS too; PKCS#1 is not.
  assert.notDeepEqual(sign(ec, ECDSA_SECP256R1_SHA256, data), ecdsa);
  assert.notDeepEqual(sign(rsa, RSA_PSS_RSAE_SHA256, data), pss);
  assert.deepEqual(sign(rsa, RSA_PKCS1_SHA256, data), pkcs1);
});

Deno.test("ECDSA: only the DER encoding of a signature verifies; the same (r, s) with lengths in a longer form does not", async () => {
  const ec = await import("../../src/pki/ec.ts");
  const { HASHES } = await import("../../src/pki/hash.ts");
  // RFC 6979 A.2.5's P-256 key, and a deterministic nonce: the same bytes each run.
  const d = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721n;
  const c = ec.curveByName("P-256")!;
  const q = ec.mulBase(c, d)!;
  const pub = { kind: "ec" as const, curve: "P-256" as const, x: q.x, y: q.y };
  const data = enc("a CertificateVerify");
  const sig = ec.ecdsaSign(c, d, HASHES["SHA-256"], data, new Uint8Array(0));
  assert.ok(sig[1] < 0x80, "a short-form length to rewrite");
  assert.ok(verifySignature(pub, ECDSA_SECP256R1_SHA256, data, sig));
  const longer = [
    Uint8Array.of(0x30, 0x81, sig[1], ...sig.subarray(2)),
    Uint8Array.of(0x30, 0x82, 0x00, sig[1], ...sig.subarray(2)),
    Uint8Array.of(0x30, sig[1] + 1, 0x02, 0x81, sig[3], ...sig.subarray(4)),
  ];
  for (const m of longer) {
    assert.equal(verifySignature(pub, ECDSA_SECP256R1_SHA256, data, m), false);
    assert.equal(ec.decodeEcdsaSig(m), null);
  }
});
