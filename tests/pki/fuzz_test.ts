import assert from "node:assert/strict";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import {
  ECDSA_SECP256R1_SHA256,
  parseCertificate,
  parsePem,
  parsePrivateKey,
  parseSubjectPublicKeyInfo,
  RSA_PSS_RSAE_SHA256,
  sign,
  toPem,
  verifyCertificateSignature,
  verifyChain,
  verifySignature,
} from "../../src/pki/mod.ts";
import { opensslTest } from "./_fixtures.ts";
import { enc, load } from "./_helpers.ts";

const ITERATIONS = fuzzIterations("PKI_FUZZ_ITERATIONS", 3000);

/** One random mutation of `base`: bit flips, byte writes, truncation, insertion, deletion, length bumps. */
function mutate(base: Uint8Array, r: (n: number) => number): Uint8Array {
  let b = base.slice();
  const rounds = 1 + r(3);
  for (let k = 0; k < rounds; k++) {
    const at = r(Math.max(1, b.length));
    switch (r(6)) {
      case 0:
        b[at] ^= 1 << r(8);
        break;
      case 1:
        b[at] = r(256);
        break;
      case 2:
        b = b.subarray(0, at);
        break;
      case 3:
        b = Uint8Array.of(...b.subarray(0, at), r(256), ...b.subarray(at));
        break;
      case 4:
        b = Uint8Array.of(...b.subarray(0, at), ...b.subarray(at + 1));
        break;
      default: {
        // Perturb a length octet after a tag: the interesting DER failures.
        const i = b.findIndex((x, j) =>
          j >= at && (x === 0x30 || x === 0x02 || x === 0x04 || x === 0x03)
        );
        if (i >= 0 && i + 1 < b.length) {
          b[i + 1] = (b[i + 1] + [1, -1, 0x80, 0x7f][r(4)]) & 0xff;
        }
      }
    }
  }
  return b;
}

opensslTest(
  `pki fuzz: mutated certificates never throw (seed ${FUZZ_SEED})`,
  async () => {
    const { cert } = await load();
    const r = rng(FUZZ_SEED);
    const roots = [cert("rsaca"), cert("ecca")];
    let parsed = 0;
    for (const name of ["rsaleaf", "ecleaf", "pssleaf"]) {
      const base = cert(name).der;
      for (let i = 0; i < ITERATIONS; i++) {
        const m = mutate(base, r);
        const c = parseCertificate(m);
        if (c) {
          parsed++;
          verifyCertificateSignature(c, roots[0].publicKey);
          verifyCertificateSignature(c, roots[1].publicKey);
          verifyChain([c], roots, { host: "leaf.test" });
        }
        if (i % 10 === 0) {
          parsePem(toPem(m, "CERTIFICATE"), "CERTIFICATE").map(
            parseCertificate,
          );
        }
      }
    }
    // Some mutations land in values (names, signature bytes) and still parse.
    assert.ok(parsed > 0);
  },
);

opensslTest(
  `pki fuzz: mutated keys and signatures never throw (seed ${FUZZ_SEED})`,
  async () => {
    const { f, key, cert } = await load();
    const r = rng(FUZZ_SEED + 1);
    const bases = [
      parsePem(f["rsaleaf.key"])[0],
      parsePem(f["rsaleaf.pkcs1.key"])[0],
      parsePem(f["ecleaf.key"])[0],
      parsePem(f["ecleaf.sec1.key"])[0],
    ];
    for (const base of bases) {
      for (let i = 0; i < ITERATIONS / 2; i++) {
        const k = parsePrivateKey(mutate(base, r));
        if (k) assert.ok(k.kind === "rsa" || k.kind === "ec");
      }
    }
    for (const name of ["rsaleaf", "ecleaf", "sha384leaf"]) {
      const spki = cert(name).subjectPublicKeyInfo;
      for (let i = 0; i < ITERATIONS / 2; i++) {
        parseSubjectPublicKeyInfo(mutate(spki, r));
      }
    }
    const data = enc("fuzzed CertificateVerify");
    for (
      const [name, scheme] of [["rsaleaf", RSA_PSS_RSAE_SHA256], [
        "ecleaf",
        ECDSA_SECP256R1_SHA256,
      ]] as const
    ) {
      const pub = cert(name).publicKey!;
      const sig = sign(key(name), scheme, data);
      for (let i = 0; i < ITERATIONS / 4; i++) {
        const m = mutate(sig, r);
        // Only a "mutation" that gives back the same bytes may pass (strict DER, s < n).
        if (verifySignature(pub, scheme, data, m)) {
          assert.deepEqual(m, sig, name);
        }
      }
    }
  },
);
