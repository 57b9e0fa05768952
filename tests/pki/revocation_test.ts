import assert from "node:assert/strict";
import {
  type Certificate,
  checkRevocation,
  type Crl,
  parseCrl,
  type RevocationOptions,
  verifyChain,
} from "../../src/pki/mod.ts";
import {
  CRYPT_E_NO_REVOCATION_CHECK,
  CRYPT_E_REVOCATION_OFFLINE,
  CRYPT_E_REVOKED,
  SEC_E_CERT_EXPIRED,
  SEC_E_OK,
  SEC_E_UNTRUSTED_ROOT,
  statusName,
} from "../../src/sspi/status.ts";
import { opensslTest, revocationPki } from "./_revocation_pki.ts";

const DAY = 24 * 3600_000;
const OK = SEC_E_OK;
const REVOKED = CRYPT_E_REVOKED;
const NO_CHECK = CRYPT_E_NO_REVOCATION_CHECK;
const OFFLINE = CRYPT_E_REVOCATION_OFFLINE;
const SCOPES = ["end", "chainExcludeRoot", "chain"] as const;

Deno.test("revocation: status codes have their winerror.h values and names", () => {
  assert.equal(CRYPT_E_REVOKED, 0x80092010);
  assert.equal(CRYPT_E_NO_REVOCATION_CHECK, 0x80092012);
  assert.equal(CRYPT_E_REVOCATION_OFFLINE, 0x80092013);
  assert.equal(statusName(CRYPT_E_REVOKED), "CRYPT_E_REVOKED");
  assert.equal(statusName(NO_CHECK | 0), "CRYPT_E_NO_REVOCATION_CHECK");
  assert.equal(statusName(OFFLINE), "CRYPT_E_REVOCATION_OFFLINE");
});

async function setup() {
  const p = await revocationPki();
  const crl = (n: string): Crl => {
    const c = parseCrl(p.crls[n]);
    assert.ok(c, n);
    return c;
  };
  return { p, c: p.certs, crl, now: new Date(Date.now() + 60_000) };
}

/** The code for each scope, in SCOPES order. */
function codes(path: Certificate[], opts: Omit<RevocationOptions, "scope">) {
  return SCOPES.map((scope) =>
    statusName(checkRevocation(path, { ...opts, scope }))
  );
}

const names = (...c: number[]) => c.map(statusName);

opensslTest(
  "revocation: verifyChain reports the path it validated",
  async () => {
    const { c, now } = await setup();
    const path: Certificate[] = [c.good];
    assert.equal(
      verifyChain([c.interGood, c.inter], [c.rsaRoot], { path, now }),
      OK,
    );
    assert.deepEqual(path, [c.interGood, c.inter, c.rsaRoot]);
    // Chain order and extras do not matter; the path is the one built.
    assert.equal(
      verifyChain([c.interGood, c.ecGood, c.inter], [c.ecRoot, c.rsaRoot], {
        path,
        now,
      }),
      OK,
    );
    assert.deepEqual(path, [c.interGood, c.inter, c.rsaRoot]);
    assert.equal(verifyChain([c.rsaRoot], [c.rsaRoot], { path, now }), OK);
    assert.deepEqual(path, [c.rsaRoot]);
    assert.equal(
      verifyChain([c.good], [c.ecRoot], { path, now }),
      SEC_E_UNTRUSTED_ROOT,
    );
    assert.deepEqual(path, []);
    // Filled once anchored, whatever the later checks say.
    const later = new Date(Date.now() + 40 * DAY);
    assert.equal(
      verifyChain([c.good], [c.rsaRoot], { path, now: later }),
      SEC_E_CERT_EXPIRED,
    );
    assert.deepEqual(path, [c.good, c.rsaRoot]);
    // Without the option, results are unchanged.
    assert.equal(verifyChain([c.interGood, c.inter], [c.rsaRoot], { now }), OK);
  },
);

opensslTest(
  "revocation: end certificate with a stapled OCSP response and CRLs",
  async () => {
    const { p, c, crl, now } = await setup();
    const leaf = [c.good, c.rsaRoot];
    const revoked = [c.revoked, c.rsaRoot];
    const unknown = [c.unknown, c.rsaRoot];
    const run = (path: Certificate[], o: Partial<RevocationOptions>) =>
      statusName(checkRevocation(path, { scope: "end", crls: [], now, ...o }));
    // OCSP alone.
    assert.equal(run(leaf, { ocsp: p.ocsp.good }), "SEC_E_OK");
    assert.equal(run(leaf, { ocsp: p.ocsp.delegated }), "SEC_E_OK");
    assert.equal(run(revoked, { ocsp: p.ocsp.revoked }), "CRYPT_E_REVOKED");
    assert.equal(
      run(unknown, { ocsp: p.ocsp.unknown }),
      "CRYPT_E_NO_REVOCATION_CHECK",
    );
    assert.equal(
      run(unknown, { ocsp: p.ocsp.unknown, ignoreNoCheck: true }),
      "SEC_E_OK",
    );
    assert.equal(
      run(leaf, { ocsp: p.ocsp.noEku }),
      "CRYPT_E_NO_REVOCATION_CHECK",
    );
    assert.equal(
      run(leaf, { ocsp: Uint8Array.of(1, 2, 3) }),
      "CRYPT_E_NO_REVOCATION_CHECK",
    );
    // Nothing at all.
    assert.equal(run(leaf, {}), "CRYPT_E_NO_REVOCATION_CHECK");
    assert.equal(run(leaf, { ignoreNoCheck: true }), "SEC_E_OK");
    assert.equal(
      run(leaf, { ignoreOffline: true }),
      "CRYPT_E_NO_REVOCATION_CHECK",
    );
    // CRLs alone (another issuer's CRL is no information).
    assert.equal(run(leaf, { crls: [crl("rsa")] }), "SEC_E_OK");
    assert.equal(
      run(revoked, { crls: [crl("ec"), crl("rsa")] }),
      "CRYPT_E_REVOKED",
    );
    assert.equal(
      run(leaf, { crls: [crl("ec")] }),
      "CRYPT_E_NO_REVOCATION_CHECK",
    );
    assert.equal(
      run(leaf, { crls: [crl("impostor")] }),
      "CRYPT_E_NO_REVOCATION_CHECK",
    );
    assert.equal(
      run(leaf, { crls: [crl("delta")] }),
      "CRYPT_E_NO_REVOCATION_CHECK",
    );
    // Stale information only: offline.
    const later = new Date(Date.now() + 2 * DAY);
    const stale = { crls: [crl("rsa")], ocsp: p.ocsp.good, now: later };
    assert.equal(run(leaf, stale), "CRYPT_E_REVOCATION_OFFLINE");
    assert.equal(run(leaf, { ...stale, ignoreOffline: true }), "SEC_E_OK");
    assert.equal(
      run(leaf, { ...stale, ignoreNoCheck: true }),
      "CRYPT_E_REVOCATION_OFFLINE",
    );
    assert.equal(
      run(leaf, { ...stale, crls: [crl("rsa"), crl("impostor")] }),
      "CRYPT_E_REVOCATION_OFFLINE",
    );
    // A stale revocation is still a revocation.
    assert.equal(run(revoked, { ...stale, ocsp: null }), "CRYPT_E_REVOKED");
    // One good answer is enough; a revocation anywhere wins.
    assert.equal(
      run(leaf, { ocsp: p.ocsp.good, crls: [crl("impostor")] }),
      "SEC_E_OK",
    );
    assert.equal(
      run(leaf, { ocsp: p.ocsp.unknown, crls: [crl("rsa")] }),
      "SEC_E_OK",
    );
    assert.equal(
      run(revoked, { ocsp: p.ocsp.good, crls: [crl("rsa")] }),
      "CRYPT_E_REVOKED",
    );
    assert.equal(
      run(leaf, { ocsp: p.ocsp.good, now: later, crls: [crl("rsa")] }),
      "CRYPT_E_REVOCATION_OFFLINE",
    );
    // The OCSP response is about the leaf only, never about an issuer.
    assert.equal(
      run([c.inter, c.rsaRoot], { ocsp: p.ocsp.good }),
      "CRYPT_E_NO_REVOCATION_CHECK",
    );
    // Empty path.
    assert.equal(run([], {}), "CRYPT_E_NO_REVOCATION_CHECK");
    assert.equal(run([], { ignoreNoCheck: true }), "SEC_E_OK");
  },
);

opensslTest(
  "revocation: scopes end / chainExcludeRoot / chain over a 3-certificate path",
  async () => {
    const { p, c, crl, now } = await setup();
    const path = [c.interGood, c.inter, c.rsaRoot];
    const revokedLeaf = [c.interRevoked, c.inter, c.rsaRoot];
    // Everything answered: the root is checked against its own CRL in "chain".
    assert.deepEqual(
      codes(path, { crls: [crl("rsa"), crl("inter")], now }),
      names(OK, OK, OK),
    );
    assert.deepEqual(
      codes(revokedLeaf, { crls: [crl("rsa"), crl("inter")], now }),
      names(REVOKED, REVOKED, REVOKED),
    );
    // The intermediate is revoked by the root.
    assert.deepEqual(
      codes(path, { crls: [crl("rsaInterRevoked"), crl("inter")], now }),
      names(OK, REVOKED, REVOKED),
    );
    // The root is revoked in its own CRL: only "chain" looks at it.
    assert.deepEqual(
      codes(path, { crls: [crl("rsaRootRevoked"), crl("inter")], now }),
      names(OK, OK, REVOKED),
    );
    // Only the leaf's issuer published: nothing about the intermediate (and the root).
    assert.deepEqual(
      codes(path, { crls: [crl("inter")], now }),
      names(OK, NO_CHECK, NO_CHECK),
    );
    assert.deepEqual(
      codes(path, { crls: [crl("inter")], now, ignoreNoCheck: true }),
      names(OK, OK, OK),
    );
    assert.deepEqual(
      codes(path, { crls: [crl("inter")], now, ignoreOffline: true }),
      names(OK, NO_CHECK, NO_CHECK),
    );
    // A stapled OCSP response covers the leaf instead of its CRL.
    assert.deepEqual(
      codes(path, { ocsp: p.ocsp.interGood, crls: [crl("rsa")], now }),
      names(OK, OK, OK),
    );
    assert.deepEqual(
      codes(path, { ocsp: p.ocsp.interGood, crls: [], now }),
      names(OK, NO_CHECK, NO_CHECK),
    );
    // Later: everything is stale.
    const later = new Date(Date.now() + 2 * DAY);
    const all = [crl("rsa"), crl("inter")];
    assert.deepEqual(
      codes(path, { crls: all, now: later }),
      names(OFFLINE, OFFLINE, OFFLINE),
    );
    assert.deepEqual(
      codes(path, { crls: all, now: later, ignoreOffline: true }),
      names(OK, OK, OK),
    );
    assert.deepEqual(
      codes(path, { crls: all, now: later, ignoreNoCheck: true }),
      names(OFFLINE, OFFLINE, OFFLINE),
    );
    // Leaf first: a missing answer for the leaf is reported before a stale one above it.
    assert.deepEqual(
      codes(path, { crls: [crl("rsa")], now: later }),
      names(NO_CHECK, NO_CHECK, NO_CHECK),
    );
    assert.deepEqual(
      codes(path, { crls: [crl("rsa")], now: later, ignoreNoCheck: true }),
      names(OK, OFFLINE, OFFLINE),
    );
    assert.deepEqual(
      codes(path, {
        crls: [crl("rsa")],
        now: later,
        ignoreNoCheck: true,
        ignoreOffline: true,
      }),
      names(OK, OK, OK),
    );
    // A 2-certificate path: "chainExcludeRoot" is "end"; the anchor alone has nothing to check.
    assert.deepEqual(
      codes([c.good, c.rsaRoot], { crls: [crl("rsa")], now }),
      names(OK, OK, OK),
    );
    assert.deepEqual(
      codes([c.rsaRoot], { crls: [], now }),
      names(NO_CHECK, OK, NO_CHECK),
    );
    assert.deepEqual(
      codes([c.rsaRoot], { crls: [crl("rsaRootRevoked")], now }),
      names(REVOKED, OK, REVOKED),
    );
    // An anchor that is not self-issued (a trusted intermediate) has no issuer here.
    assert.deepEqual(
      codes([c.interGood, c.inter], { crls: [crl("inter"), crl("rsa")], now }),
      names(OK, OK, NO_CHECK),
    );
  },
);
