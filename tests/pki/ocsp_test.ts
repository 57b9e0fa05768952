import assert from "node:assert/strict";
import {
  encodeEnumerated,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeTlv,
} from "../../src/der/mod.ts";
import {
  checkOcsp,
  OCSP_SUCCESSFUL,
  type OcspResponse,
  OID_SHA1,
  parseOcspResponse,
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

const SHA256 = "2.16.840.1.101.3.4.2.1";
const HOUR = 3600_000;
const DAY = 24 * HOUR;

function parsed(der: Uint8Array): OcspResponse {
  const r = parseOcspResponse(der);
  assert.ok(r, "response parses");
  return r;
}

/** `Field: value` of openssl's text output (the first one). */
function field(text: string, name: string): string | undefined {
  const m = new RegExp(`^\\s*${name}: ?(.*)$`, "m").exec(text);
  return m?.[1].trim();
}

const LEAF_OF: Record<string, [string, string]> = {
  good: ["good", "rsaRoot"],
  revoked: ["revoked", "rsaRoot"],
  unknown: ["unknown", "rsaRoot"],
  goodSha256: ["good", "rsaRoot"],
  revokedSha256: ["revoked", "rsaRoot"],
  byKey: ["good", "rsaRoot"],
  noCerts: ["good", "rsaRoot"],
  delegated: ["good", "rsaRoot"],
  delegatedRevoked: ["revoked", "rsaRoot"],
  delegatedByKey: ["good", "rsaRoot"],
  delegatedNoCerts: ["good", "rsaRoot"],
  noEku: ["good", "rsaRoot"],
  impostor: ["good", "rsaRoot"],
  ecGood: ["ecGood", "ecRoot"],
  ecRevoked: ["ecRevoked", "ecRoot"],
  interGood: ["interGood", "inter"],
  noNextUpdate: ["good", "rsaRoot"],
};

opensslTest(
  "ocsp: every field agrees with openssl ocsp -resp_text",
  async () => {
    const p = await revocationPki();
    for (const [name, der] of Object.entries(p.ocsp)) {
      const text = p.ocspText[name];
      const r = parsed(der);
      assert.equal(r.responseStatus, OCSP_SUCCESSFUL, name);
      assert.match(text, /OCSP Response Status: successful \(0x0\)/);
      const b = r.basic!;
      assert.equal(b.version, 1);
      assert.equal(b.responses.length, 1, name);
      const s = b.responses[0];
      const [leaf] = LEAF_OF[name];
      assert.equal(field(text, "Serial Number"), SERIALS[leaf as "good"], name);
      assert.deepEqual(hex(s.certId.serialNumber), SERIALS[leaf as "good"]);
      assert.equal(field(text, "Cert Status"), s.status, name);
      const alg = field(text, "Hash Algorithm");
      assert.equal(
        s.certId.hashAlgorithm,
        { sha1: OID_SHA1, sha256: SHA256 }[alg!],
        name,
      );
      assert.equal(alg, /Sha256|ecRevoked/.test(name) ? "sha256" : "sha1");
      assert.equal(
        field(text, "Issuer Name Hash"),
        hex(s.certId.issuerNameHash),
      );
      assert.equal(field(text, "Issuer Key Hash"), hex(s.certId.issuerKeyHash));
      assert.deepEqual(opensslDate(field(text, "Produced At")!), b.producedAt);
      assert.deepEqual(opensslDate(field(text, "This Update")!), s.thisUpdate);
      const next = field(text, "Next Update");
      assert.deepEqual(next ? opensslDate(next) : null, s.nextUpdate, name);
      if (s.status === "revoked") {
        assert.deepEqual(
          opensslDate(field(text, "Revocation Time")!),
          s.revocationTime,
        );
        assert.deepEqual(s.revocationTime, p.revokedAt);
        const reason = /Revocation Reason: \w+ \(0x(\d+)\)/.exec(text);
        assert.equal(
          s.revocationReason,
          reason ? parseInt(reason[1], 16) : null,
        );
      } else {
        assert.equal(s.revocationTime, null);
      }
      const rid = field(text, "Responder Id")!;
      if ("byKey" in b.responderId) assert.equal(rid, hex(b.responderId.byKey));
      else assert.match(rid, /^CN = /);
      // openssl prints each certificate of `certs` after the signature.
      const nCerts = text.split(/^Certificate:$/m).length - 1;
      assert.equal(b.certs.length, nCerts, name);
      assert.deepEqual(b.unhandledCriticalExtensions, []);
    }
    assert.equal(
      parsed(p.ocsp.noNextUpdate).basic!.responses[0].nextUpdate,
      null,
    );
    assert.ok("byKey" in parsed(p.ocsp.byKey).basic!.responderId);
    assert.ok("byName" in parsed(p.ocsp.good).basic!.responderId);
    assert.equal(parsed(p.ocsp.noCerts).basic!.certs.length, 0);
  },
);

opensslTest(
  "ocsp: statuses for good, revoked and unknown certificates",
  async () => {
    const p = await revocationPki();
    const now = new Date(Date.now() + 60_000);
    const want: Record<string, string> = {
      good: "good",
      revoked: "revoked",
      unknown: "unknown",
      goodSha256: "good",
      revokedSha256: "revoked",
      byKey: "good",
      noCerts: "good",
      delegated: "good",
      delegatedRevoked: "revoked",
      delegatedByKey: "good",
      ecGood: "good",
      ecRevoked: "revoked",
      interGood: "good",
      noNextUpdate: "good",
      // Signed by a leaf without id-kp-OCSPSigning, and by a same-name impostor.
      noEku: "invalid",
      // The delegated responder's certificate is not in the response.
      delegatedNoCerts: "invalid",
      impostor: "invalid",
    };
    for (const [name, der] of Object.entries(p.ocsp)) {
      const [leaf, issuer] = LEAF_OF[name];
      assert.equal(
        checkOcsp(parseOcspResponse(der), p.certs[leaf], p.certs[issuer], now),
        want[name],
        name,
      );
    }
  },
);

opensslTest(
  "ocsp: wrong issuer, other certificate, altered bytes -> invalid",
  async () => {
    const p = await revocationPki();
    const c = p.certs;
    const now = new Date(Date.now() + 60_000);
    const check = (der: Uint8Array, leaf: string, issuer: string) =>
      checkOcsp(parseOcspResponse(der), c[leaf], c[issuer], now);
    // A response from another issuer (the EC root) about the RSA root's leaf.
    assert.equal(check(p.ocsp.ecGood, "good", "rsaRoot"), "invalid");
    assert.equal(check(p.ocsp.ecGood, "ecGood", "rsaRoot"), "invalid");
    // The right issuer, but the response is about another certificate.
    assert.equal(check(p.ocsp.good, "revoked", "rsaRoot"), "invalid");
    assert.equal(check(p.ocsp.good, "unknown", "rsaRoot"), "invalid");
    // The issuer given is not the certificate's issuer.
    assert.equal(check(p.ocsp.good, "good", "ecRoot"), "invalid");
    assert.equal(check(p.ocsp.good, "good", "impostor"), "invalid");
    // A delegated responder certificate is not an issuer.
    assert.equal(check(p.ocsp.good, "good", "responder"), "invalid");
    // Flipped byte in the signature (the last bytes when no certs follow).
    const noCerts = p.ocsp.noCerts;
    assert.equal(check(noCerts, "good", "rsaRoot"), "good");
    for (const back of [1, 2, 100]) {
      assert.equal(
        check(flip(noCerts, noCerts.length - back), "good", "rsaRoot"),
        "invalid",
      );
    }
    // Flipped byte in tbsResponseData: the nonce's last byte, then producedAt's seconds.
    const nonceOid = encodeOid("1.3.6.1.5.5.7.48.1.2");
    for (const name of ["good", "delegated", "ecGood"]) {
      const der = p.ocsp[name];
      const at = indexOfBytes(der, nonceOid) + nonceOid.length;
      assert.equal(der[at], 0x04);
      const last = at + 2 + der[at + 1] - 1;
      const [leaf, issuer] = LEAF_OF[name];
      assert.ok(parseOcspResponse(flip(der, last)), "still parses");
      assert.equal(check(flip(der, last), leaf, issuer), "invalid", name);
      const produced = indexOfBytes(der, Uint8Array.of(0x18, 15)) + 2 + 13; // ..S|S|Z
      assert.equal(check(flip(der, produced), leaf, issuer), "invalid", name);
    }
    // An unsuccessful status, a non-basic response type, garbage.
    const tryLater = encodeSequence([encodeEnumerated(3)]);
    const r = parseOcspResponse(tryLater);
    assert.deepEqual(r && { s: r.responseStatus, b: r.basic }, {
      s: 3,
      b: null,
    });
    assert.equal(check(tryLater, "good", "rsaRoot"), "invalid");
    assert.equal(
      parseOcspResponse(encodeSequence([encodeEnumerated(0)])),
      null,
    );
    assert.equal(
      parseOcspResponse(encodeSequence([encodeEnumerated(4)])),
      null,
    );
    const otherType = encodeSequence([
      encodeEnumerated(0),
      encodeTlv(
        0xa0,
        encodeSequence([
          encodeOid("1.3.6.1.5.5.7.48.1.9"),
          encodeOctetString(Uint8Array.of(0x30, 0)),
        ]),
      ),
    ]);
    assert.equal(parseOcspResponse(otherType), null);
    assert.equal(parseOcspResponse(new Uint8Array(0)), null);
    assert.equal(parseOcspResponse(p.ocsp.good.subarray(0, 100)), null);
    assert.equal(parseOcspResponse("x" as unknown as Uint8Array), null);
    assert.equal(checkOcsp(null, c.good, c.rsaRoot, now), "invalid");
    // Unhandled critical extensions (response-wide or in the SingleResponse).
    const ok = parsed(p.ocsp.good);
    const b = ok.basic!;
    assert.equal(checkOcsp(ok, c.good, c.rsaRoot, now), "good");
    const crit = ["1.2.3.4"];
    assert.equal(
      checkOcsp(
        { ...ok, basic: { ...b, unhandledCriticalExtensions: crit } },
        c.good,
        c.rsaRoot,
        now,
      ),
      "invalid",
    );
    const single = { ...b.responses[0], unhandledCriticalExtensions: crit };
    assert.equal(
      checkOcsp(
        { ...ok, basic: { ...b, responses: [single] } },
        c.good,
        c.rsaRoot,
        now,
      ),
      "invalid",
    );
    // A successful status without a basic response is not usable.
    assert.equal(
      checkOcsp({ ...ok, basic: null }, c.good, c.rsaRoot, now),
      "invalid",
    );
  },
);

opensslTest(
  "ocsp: time window (nextUpdate, future thisUpdate, 7 days without nextUpdate)",
  async () => {
    const p = await revocationPki();
    const c = p.certs;
    const at = (der: Uint8Array, leaf: string, ms: number) =>
      checkOcsp(parseOcspResponse(der), c[leaf], c.rsaRoot, new Date(ms));
    const s = parsed(p.ocsp.good).basic!.responses[0];
    const t = s.thisUpdate.getTime();
    const n = s.nextUpdate!.getTime();
    assert.equal(n - t, DAY);
    assert.equal(at(p.ocsp.good, "good", n), "good");
    assert.equal(at(p.ocsp.good, "good", n + 1000), "stale");
    assert.equal(at(p.ocsp.good, "good", t + 2 * DAY), "stale");
    assert.equal(at(p.ocsp.good, "good", t - 4 * 60_000), "good"); // within the skew
    assert.equal(at(p.ocsp.good, "good", t - HOUR), "stale");
    assert.equal(at(p.ocsp.unknown, "unknown", t + 2 * DAY), "stale");
    // A revocation stays a revocation when the response is old.
    assert.equal(at(p.ocsp.revoked, "revoked", t + 2 * DAY), "revoked");
    // The delegated responder expires after 10 days: its answers become invalid.
    assert.equal(at(p.ocsp.delegated, "good", t + 2 * DAY), "stale");
    assert.equal(at(p.ocsp.delegated, "good", t + 11 * DAY), "invalid");
    // Without nextUpdate: accepted for 7 days after thisUpdate.
    const u = parsed(p.ocsp.noNextUpdate).basic!.responses[0].thisUpdate
      .getTime();
    assert.equal(at(p.ocsp.noNextUpdate, "good", u + 6 * DAY), "good");
    assert.equal(at(p.ocsp.noNextUpdate, "good", u + 8 * DAY), "stale");
    assert.equal(
      checkOcsp(
        parseOcspResponse(p.ocsp.good),
        c.good,
        c.rsaRoot,
        new Date(NaN),
      ),
      "stale",
    );
  },
);
