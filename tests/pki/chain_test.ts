import assert from "node:assert/strict";
import {
  SEC_E_CERT_EXPIRED,
  SEC_E_CERT_UNKNOWN,
  SEC_E_CERT_WRONG_USAGE,
  SEC_E_OK,
  SEC_E_UNTRUSTED_ROOT,
  SEC_E_WRONG_PRINCIPAL,
} from "../../src/sspi/status.ts";
import { verifyCertificateSignature, verifyChain } from "../../src/pki/mod.ts";
import { opensslTest } from "./_fixtures.ts";
import { load } from "./_helpers.ts";

opensslTest(
  "pki chain: leaves under the RSA and EC roots, SAN host rules",
  async () => {
    const { cert } = await load();
    for (const [leaf, root] of [["rsaleaf", "rsaca"], ["ecleaf", "ecca"]]) {
      const chain = [cert(leaf)];
      const roots = [cert(root)];
      assert.equal(verifyChain(chain, roots), SEC_E_OK);
      for (
        const host of [
          "leaf.test",
          "LEAF.Test.",
          "a.wild.test",
          "xn--bcher-kva.wild.test",
          "127.0.0.1",
          "::1",
          "[::1]",
          "0:0:0:0:0:0:0:1",
        ]
      ) {
        assert.equal(verifyChain(chain, roots, { host }), SEC_E_OK, host);
      }
      for (
        const host of [
          "other.test",
          "wild.test",
          "a.b.wild.test",
          ".wild.test",
          "127.0.0.2",
          "::2",
          "leaf.test.evil",
          "",
        ]
      ) {
        assert.equal(
          verifyChain(chain, roots, { host }),
          SEC_E_WRONG_PRINCIPAL,
          host,
        );
      }
      // The root sent in the chain as well.
      assert.equal(verifyChain([cert(leaf), cert(root)], roots), SEC_E_OK);
    }
  },
);

opensslTest("pki chain: untrusted roots and forged signatures", async () => {
  const { cert } = await load();
  assert.equal(
    verifyChain([cert("ecleaf")], [cert("rsaca")]),
    SEC_E_UNTRUSTED_ROOT,
  );
  assert.equal(verifyChain([cert("rsaleaf")], []), SEC_E_UNTRUSTED_ROOT);
  assert.equal(
    verifyChain([cert("rsaleaf"), cert("rsaca")], []),
    SEC_E_UNTRUSTED_ROOT,
  );
  assert.equal(
    verifyChain([cert("self")], [cert("rsaca")]),
    SEC_E_UNTRUSTED_ROOT,
  );
  assert.equal(verifyChain([], [cert("rsaca")]), SEC_E_CERT_UNKNOWN);
  // A signature that does not verify under the root of the same name.
  const forged = { ...cert("rsaleaf") };
  forged.signature = forged.signature.slice();
  forged.signature[10] ^= 1;
  assert.equal(verifyChain([forged], [cert("rsaca")]), SEC_E_CERT_UNKNOWN);
  // A root with the right name and the wrong key.
  const impostor = { ...cert("ecca"), subject: cert("rsaca").subject };
  assert.equal(verifyChain([cert("rsaleaf")], [impostor]), SEC_E_CERT_UNKNOWN);
});

opensslTest("pki chain: validity period", async () => {
  const { cert } = await load();
  const roots = [cert("rsaca")];
  assert.equal(verifyChain([cert("expired")], roots), SEC_E_CERT_EXPIRED);
  // In 2020 the leaf was valid but the root (made today) was not yet: the whole
  // path is checked.
  assert.equal(
    verifyChain([cert("expired")], roots, {
      now: new Date("2020-06-01T00:00:00Z"),
    }),
    SEC_E_CERT_EXPIRED,
  );
  assert.equal(
    cert("expired").notBefore.toISOString(),
    "2020-01-01T00:00:00.000Z",
  );
  assert.equal(
    cert("expired").notAfter.toISOString(),
    "2021-01-01T00:00:00.000Z",
  );
  const leaf = cert("rsaleaf");
  assert.equal(
    verifyChain([leaf], roots, {
      now: new Date(leaf.notAfter.getTime() + 1000),
    }),
    SEC_E_CERT_EXPIRED,
  );
  assert.equal(
    verifyChain([leaf], roots, {
      now: new Date(leaf.notBefore.getTime() - 1000),
    }),
    SEC_E_CERT_EXPIRED,
  );
  // The order of checks: a wrong host on an expired certificate reports the expiry.
  assert.equal(
    verifyChain([cert("expired")], roots, { host: "nope.test" }),
    SEC_E_CERT_EXPIRED,
  );
});

opensslTest("pki chain: self-signed leaf trusted directly", async () => {
  const { cert } = await load();
  const self = cert("self");
  assert.equal(self.isCA, false);
  assert.equal(verifyChain([self], [self], { host: "self.test" }), SEC_E_OK);
  assert.equal(
    verifyChain([self], [self], { host: "other.test" }),
    SEC_E_WRONG_PRINCIPAL,
  );
  assert.equal(verifyChain([self], []), SEC_E_UNTRUSTED_ROOT);
});

opensslTest(
  "pki chain: intermediates, extras, CA flags, path length",
  async () => {
    const { cert } = await load();
    const roots = [cert("rsaca"), cert("ecca")];
    const leaf = cert("interleaf"), inter = cert("inter");
    assert.equal(
      verifyChain([leaf, inter], roots, { host: "leaf.test" }),
      SEC_E_OK,
    );
    assert.equal(verifyChain([leaf], roots), SEC_E_UNTRUSTED_ROOT);
    assert.equal(verifyChain([leaf, cert("ecleaf"), inter], roots), SEC_E_OK);
    assert.equal(verifyChain([leaf, inter, cert("rsaca")], roots), SEC_E_OK);
    // pathlen:0 on the intermediate forbids the sub-CA below it.
    assert.equal(
      verifyChain([cert("subleaf"), cert("subca"), inter], roots),
      SEC_E_CERT_UNKNOWN,
    );
    // A leaf issued by a certificate that is not a CA.
    assert.equal(
      verifyChain([cert("nonca"), cert("rsaleaf")], roots),
      SEC_E_CERT_UNKNOWN,
    );
    // An unhandled critical extension.
    assert.deepEqual(cert("crit").unhandledCriticalExtensions, ["1.2.3.4.5"]);
    assert.equal(verifyChain([cert("crit")], roots), SEC_E_CERT_UNKNOWN);
    // Over-long chains are refused before any signature work.
    assert.equal(
      verifyChain(new Array(11).fill(leaf), roots),
      SEC_E_CERT_UNKNOWN,
    );
  },
);

opensslTest(
  "pki chain: PSS, SHA-384 and SHA-512 certificate signatures",
  async () => {
    const { cert } = await load();
    const rsaca = cert("rsaca"), ecca = cert("ecca");
    const pss = cert("pssleaf");
    assert.equal(pss.signatureAlgorithm, "1.2.840.113549.1.1.10");
    assert.ok(verifyCertificateSignature(pss, rsaca.publicKey));
    assert.equal(verifyChain([pss], [rsaca], { host: "leaf.test" }), SEC_E_OK);
    const s384 = cert("sha384leaf");
    assert.equal(s384.signatureAlgorithm, "1.2.840.113549.1.1.12");
    assert.equal(
      s384.publicKey?.kind === "ec" && s384.publicKey.curve,
      "P-384",
    );
    assert.equal(verifyChain([s384], [rsaca]), SEC_E_OK);
    const s512 = cert("sha512leaf");
    assert.equal(s512.signatureAlgorithm, "1.2.840.10045.4.3.4");
    assert.equal(verifyChain([s512], [ecca]), SEC_E_OK);
    assert.equal(verifyCertificateSignature(s512, rsaca.publicKey), false);
    assert.equal(verifyCertificateSignature(pss, ecca.publicKey), false);
    assert.equal(verifyCertificateSignature(pss, null), false);
  },
);

opensslTest("pki chain: CN fallback only without subjectAltName", async () => {
  const { cert } = await load();
  const roots = [cert("ecca")];
  const cn = cert("cnonly");
  assert.equal(cn.hasSubjectAltName, false);
  assert.equal(verifyChain([cn], roots, { host: "cnonly.test" }), SEC_E_OK);
  assert.equal(
    verifyChain([cn], roots, { host: "other.test" }),
    SEC_E_WRONG_PRINCIPAL,
  );
  // The SAN leaf's CN (leaf.test) is not consulted; pss.test is its CN only.
  const pss = cert("pssleaf");
  assert.equal(pss.subjectCommonName, "pss.test");
  assert.equal(
    verifyChain([pss], [cert("rsaca")], { host: "pss.test" }),
    SEC_E_WRONG_PRINCIPAL,
  );
});

opensslTest("pki chain: extKeyUsage purpose (opt-in)", async () => {
  const { cert } = await load();
  const leaf = cert("rsaleaf"), roots = [cert("rsaca")];
  assert.equal(verifyChain([leaf], roots, { purpose: "serverAuth" }), SEC_E_OK);
  assert.equal(
    verifyChain([leaf], roots, { purpose: "clientAuth" }),
    SEC_E_CERT_WRONG_USAGE,
  );
  // No extKeyUsage: any purpose.
  const cn = cert("cnonly");
  assert.equal(cn.extKeyUsage, null);
  assert.equal(
    verifyChain([cn], [cert("ecca")], { purpose: "clientAuth" }),
    SEC_E_OK,
  );
});

opensslTest(
  "pki chain: unsupported key types parse with a null key",
  async () => {
    const { cert } = await load();
    const ed = cert("ed");
    assert.equal(ed.publicKey, null);
    assert.equal(ed.signatureAlgorithm, "1.3.101.112");
    assert.equal(ed.subjectCommonName, "ed.test");
    assert.equal(verifyCertificateSignature(ed, ed.publicKey), false);
    assert.equal(verifyChain([ed], [cert("rsaca")]), SEC_E_UNTRUSTED_ROOT);
    // A root it names but cannot verify: the signature check fails.
    assert.equal(
      verifyChain([cert("rsaleaf")], [{
        ...ed,
        subject: cert("rsaca").subject,
      }]),
      SEC_E_CERT_UNKNOWN,
    );
  },
);
