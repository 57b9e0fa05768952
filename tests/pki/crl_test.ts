import assert from "node:assert/strict";
import {
  checkCrl,
  type Crl,
  KU_CRL_SIGN,
  KU_KEY_CERT_SIGN,
  parseCrl,
} from "../../src/pki/mod.ts";
import {
  flip,
  hex,
  indexOfBytes,
  opensslDate,
  opensslTest,
  revocationPki,
  SERIALS,
} from "./_revocation_pki.ts";

const DAY = 24 * 3600_000;

const REASONS: Record<string, number> = {
  "Key Compromise": 1,
  "CA Compromise": 2,
  "Affiliation Changed": 3,
  "Superseded": 4,
};

function parsed(der: Uint8Array | string): Crl {
  const c = parseCrl(der);
  assert.ok(c, "CRL parses");
  return c;
}

opensslTest("crl: fields agree with openssl crl -text", async () => {
  const p = await revocationPki();
  for (const [name, der] of Object.entries(p.crls)) {
    const text = p.crlText[name];
    const c = parsed(der);
    const v = /Version (\d) \(0x\d\)/.exec(text)!;
    assert.equal(c.version, +v[1], name);
    const last = /Last Update: (.*)$/m.exec(text)![1];
    const next = /Next Update: (.*)$/m.exec(text)![1];
    assert.deepEqual(c.thisUpdate, opensslDate(last), name);
    assert.deepEqual(c.nextUpdate, opensslDate(next), name);
    assert.equal(c.issuerCommonName, /Issuer: CN = (.*)$/m.exec(text)![1]);
    const entries = [
      ...text.matchAll(
        /Serial Number: (\w+)\n\s+Revocation Date: (.*)\n(?:\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: *\n\s+(.*)\n)?/g,
      ),
    ];
    assert.equal(c.revoked.length, entries.length, name);
    entries.forEach((m, k) => {
      const e = c.revoked[k];
      assert.equal(hex(e.serial), m[1], name);
      assert.deepEqual(e.revocationDate, opensslDate(m[2]));
      assert.deepEqual(e.revocationDate, p.revokedAt);
      assert.equal(e.reason, m[3] ? REASONS[m[3].trim()] : null, name);
    });
    const num = /CRL Number: *\n\s+(\w+)/.exec(text);
    assert.equal(
      c.crlNumber ? BigInt("0x" + hex(c.crlNumber)).toString() : null,
      num ? num[1] : null, // decimal
    );
    assert.equal(c.signatureAlgorithm.startsWith("1.2.840."), true);
  }
  assert.equal(parsed(p.crls.rsa).revoked[0].reason, 1);
  assert.equal(parsed(p.crls.rsaV1).version, 1);
  assert.equal(parsed(p.crls.rsaV1).revoked[0].reason, null);
  assert.equal(parsed(p.crls.ec).revoked[0].reason, 4);
  assert.equal(hex(parsed(p.crls.ec).revoked[0].serial), SERIALS.ecRevoked);
});

opensslTest("crl: PEM text, PEM bytes and DER give the same CRL", async () => {
  const p = await revocationPki();
  const a = parsed(p.crls.rsa);
  assert.deepEqual(parsed(p.crlPem.rsa), a);
  assert.deepEqual(parsed(new TextEncoder().encode(p.crlPem.rsa)), a);
  assert.equal(parseCrl(p.crlPem.rsa.replaceAll("X509 CRL", "CRL")), null);
  assert.equal(parseCrl(""), null);
  assert.equal(parseCrl(new Uint8Array(0)), null);
  assert.equal(parseCrl(p.crls.rsa.subarray(0, p.crls.rsa.length - 1)), null);
  assert.equal(parseCrl(Uint8Array.of(0x30, 0)), null);
  assert.equal(parseCrl(null as unknown as string), null);
});

opensslTest(
  "crl: refused CRLs (delta, indirect, unknown critical extension)",
  async () => {
    const p = await revocationPki();
    const c = p.certs;
    const now = new Date(Date.now() + 60_000);
    assert.equal(parsed(p.crls.rsa).unsupported, null);
    assert.equal(parsed(p.crls.delta).unsupported, "delta CRL");
    assert.equal(parsed(p.crls.indirect).unsupported, "indirect CRL");
    assert.equal(
      parsed(p.crls.critical).unsupported,
      "critical extension 1.2.3.4",
    );
    for (const name of ["delta", "indirect", "critical"]) {
      assert.equal(
        checkCrl(parsed(p.crls[name]), c.revoked, c.rsaRoot, now),
        "invalid",
      );
    }
  },
);

opensslTest("crl: checkCrl statuses, signatures and time window", async () => {
  const p = await revocationPki();
  const c = p.certs;
  const now = new Date(Date.now() + 60_000);
  const check = (crl: Uint8Array, leaf: string, issuer: string, t = now) =>
    checkCrl(parseCrl(crl), c[leaf], c[issuer], t);
  assert.equal(check(p.crls.rsa, "revoked", "rsaRoot"), "revoked");
  assert.equal(check(p.crls.rsa, "good", "rsaRoot"), "good");
  assert.equal(check(p.crls.rsa, "inter", "rsaRoot"), "good");
  assert.equal(check(p.crls.rsaV1, "revoked", "rsaRoot"), "revoked");
  assert.equal(check(p.crls.rsaV1, "good", "rsaRoot"), "good");
  assert.equal(check(p.crls.ec, "ecRevoked", "ecRoot"), "revoked");
  assert.equal(check(p.crls.ec, "ecGood", "ecRoot"), "good");
  assert.equal(check(p.crls.inter, "interRevoked", "inter"), "revoked");
  assert.equal(check(p.crls.inter, "interGood", "inter"), "good");
  assert.equal(check(p.crls.rsaInterRevoked, "inter", "rsaRoot"), "revoked");
  assert.equal(check(p.crls.rsaRootRevoked, "rsaRoot", "rsaRoot"), "revoked");
  // Another issuer's CRL, a wrong issuer certificate, a same-name impostor's CRL.
  assert.equal(check(p.crls.ec, "good", "rsaRoot"), "invalid");
  assert.equal(check(p.crls.rsa, "ecGood", "ecRoot"), "invalid");
  assert.equal(check(p.crls.rsa, "revoked", "impostor"), "invalid");
  assert.equal(check(p.crls.impostor, "revoked", "rsaRoot"), "invalid");
  assert.equal(check(p.crls.inter, "interGood", "rsaRoot"), "invalid");
  // An issuer whose keyUsage lacks cRLSign.
  const noCrlSign = { ...c.rsaRoot, keyUsage: KU_KEY_CERT_SIGN };
  assert.equal(c.rsaRoot.keyUsage! & KU_CRL_SIGN, KU_CRL_SIGN);
  assert.equal(
    checkCrl(parseCrl(p.crls.rsa), c.revoked, noCrlSign, now),
    "invalid",
  );
  // Altered signature, altered tbsCertList (the revoked serial's last byte).
  const der = p.crls.rsa;
  assert.equal(check(flip(der, der.length - 1), "good", "rsaRoot"), "invalid");
  assert.equal(check(flip(der, der.length - 60), "good", "rsaRoot"), "invalid");
  const serialAt = indexOfBytes(der, Uint8Array.of(0x02, 2, 0x10, 0x02));
  assert.ok(serialAt > 0);
  const altered = flip(der, serialAt + 3);
  assert.equal(hex(parsed(altered).revoked[0].serial), "1003");
  assert.equal(check(altered, "unknown", "rsaRoot"), "invalid");
  assert.equal(check(altered, "good", "rsaRoot"), "invalid");
  // Time window.
  const crl = parsed(p.crls.rsa);
  const t = crl.thisUpdate.getTime();
  const n = crl.nextUpdate!.getTime();
  assert.equal(n - t, DAY);
  assert.equal(check(der, "good", "rsaRoot", new Date(n)), "good");
  assert.equal(check(der, "good", "rsaRoot", new Date(n + 1000)), "stale");
  assert.equal(check(der, "good", "rsaRoot", new Date(t - 4 * 60_000)), "good");
  assert.equal(check(der, "good", "rsaRoot", new Date(t - 3600_000)), "stale");
  // A stale CRL still proves a revocation.
  assert.equal(
    check(der, "revoked", "rsaRoot", new Date(t + 2 * DAY)),
    "revoked",
  );
  // Without nextUpdate (edited object; the signature check comes first, so the edit
  // is on a parsed copy whose signature is still over the original tbs): 7 days.
  const noNext = { ...crl, nextUpdate: null };
  assert.equal(
    checkCrl(noNext, c.good, c.rsaRoot, new Date(t + 6 * DAY)),
    "good",
  );
  assert.equal(
    checkCrl(noNext, c.good, c.rsaRoot, new Date(t + 8 * DAY)),
    "stale",
  );
  assert.equal(checkCrl(null, c.good, c.rsaRoot, now), "invalid");
  // Scope: a CRL for CA certificates only does not cover leaves, and vice versa.
  assert.equal(
    checkCrl({ ...crl, onlyCACerts: true }, c.good, c.rsaRoot, now),
    "invalid",
  );
  assert.equal(
    checkCrl({ ...crl, onlyCACerts: true }, c.inter, c.rsaRoot, now),
    "good",
  );
  assert.equal(
    checkCrl({ ...crl, onlyUserCerts: true }, c.inter, c.rsaRoot, now),
    "invalid",
  );
});
