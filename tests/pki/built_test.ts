import assert from "node:assert/strict";
import {
  SEC_E_OK,
  SEC_E_UNTRUSTED_ROOT,
  SEC_E_WRONG_PRINCIPAL,
} from "../../src/sspi/status.ts";
import { mulBase, P256 } from "../../src/pki/ec.ts";
import { randomBelow } from "../../src/pki/bigint.ts";
import {
  parseCertificate,
  type PrivateKey,
  publicKeyOf,
  verifyCertificateSignature,
  verifyChain,
} from "../../src/pki/mod.ts";
import { buildCert } from "./_build.ts";
import { FUZZ_SEED, rng } from "../_fuzz.ts";

function ecKey(): PrivateKey {
  const d = randomBelow(P256.n);
  const q = mulBase(P256, d)!;
  return {
    kind: "ec",
    curve: "P-256",
    d,
    publicKey: { kind: "ec", curve: "P-256", ...q },
  };
}

Deno.test("pki built certificates (no openssl): chain, names, huge values", () => {
  const caKey = ecKey(), leafKey = ecKey();
  const ca = parseCertificate(buildCert({
    subjectCN: "Built Root",
    issuerCN: "Built Root",
    subjectKey: publicKeyOf(caKey),
    issuerKey: caKey,
    isCA: true,
  }))!;
  assert.ok(ca);
  assert.equal(ca.isCA, true);
  assert.ok(verifyCertificateSignature(ca, ca.publicKey));
  const leaf = parseCertificate(buildCert({
    subjectCN: "leaf",
    issuerCN: "Built Root",
    subjectKey: publicKeyOf(leafKey),
    issuerKey: caKey,
    dnsNames: ["built.test", "*.built.test"],
    serial: 0x80n,
  }))!;
  assert.deepEqual(leaf.serial, Uint8Array.of(0x80));
  assert.deepEqual(leaf.dnsNames, ["built.test", "*.built.test"]);
  assert.equal(verifyChain([leaf], [ca], { host: "x.built.test" }), SEC_E_OK);
  assert.equal(
    verifyChain([leaf], [ca], { host: "leaf" }),
    SEC_E_WRONG_PRINCIPAL,
  );
  assert.equal(verifyChain([leaf], [leaf]), SEC_E_OK); // pinned as is
  assert.equal(verifyChain([ca], []), SEC_E_UNTRUSTED_ROOT);

  // A 200 KB common name and SAN parse without a stack overflow.
  const big = "a".repeat(200_000);
  const huge = parseCertificate(buildCert({
    subjectCN: big,
    issuerCN: "Built Root",
    subjectKey: publicKeyOf(leafKey),
    issuerKey: caKey,
    dnsNames: [big],
  }));
  assert.equal(huge?.subjectCommonName?.length, 200_000);
  assert.equal(huge?.dnsNames[0].length, 200_000);
  assert.equal(
    verifyChain([huge!], [ca], { host: "a.test" }),
    SEC_E_WRONG_PRINCIPAL,
  );
});

Deno.test(`pki built certificate fuzz (no openssl, seed ${FUZZ_SEED})`, () => {
  const key = ecKey();
  const der = buildCert({
    subjectCN: "fuzz",
    issuerCN: "fuzz",
    subjectKey: publicKeyOf(key),
    issuerKey: key,
    isCA: true,
    dnsNames: ["fuzz.test"],
  });
  const root = parseCertificate(der)!;
  const r = rng(FUZZ_SEED + 7);
  for (let i = 0; i < 2000; i++) {
    const m = der.slice();
    for (let k = 0; k <= r(3); k++) m[r(m.length)] = r(256);
    const c = parseCertificate(r(4) === 0 ? m.subarray(0, r(m.length)) : m);
    if (c) verifyChain([c], [root], { host: "fuzz.test" });
  }
});
