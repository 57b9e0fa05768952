import assert from "node:assert/strict";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import {
  checkCrl,
  checkOcsp,
  checkRevocation,
  parseCrl,
  parseOcspResponse,
} from "../../src/pki/mod.ts";
import { opensslTest, revocationPki } from "./_revocation_pki.ts";

const ITERATIONS = fuzzIterations("REVOCATION_FUZZ_ITERATIONS", 5000);
const STATUSES = ["good", "revoked", "unknown", "stale", "invalid"];
const CODES = [0, 0x80092010, 0x80092012, 0x80092013];

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
        // Perturb a length octet after a common tag: the interesting DER failures.
        const i = b.findIndex((x, j) =>
          j >= at &&
          [0x30, 0x02, 0x04, 0x03, 0x18, 0x17, 0xa0, 0xa1].includes(x)
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
  `revocation fuzz: mutated OCSP responses and CRLs never throw (seed ${FUZZ_SEED})`,
  async () => {
    const p = await revocationPki();
    const c = p.certs;
    const r = rng(FUZZ_SEED);
    const now = new Date(Date.now() + 60_000);
    const ocsp: [Uint8Array, string, string][] = [
      [p.ocsp.good, "good", "rsaRoot"],
      [p.ocsp.revokedSha256, "revoked", "rsaRoot"],
      [p.ocsp.delegatedByKey, "good", "rsaRoot"],
      [p.ocsp.ecRevoked, "ecRevoked", "ecRoot"],
    ];
    const crls: [Uint8Array, string, string][] = [
      [p.crls.rsa, "revoked", "rsaRoot"],
      [p.crls.ec, "ecRevoked", "ecRoot"],
      [p.crls.indirect, "revoked", "rsaRoot"],
      [p.crls.rsaV1, "revoked", "rsaRoot"],
    ];
    let parsedOcsp = 0, parsedCrl = 0, accepted = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const [base, leaf, issuer] = i % 2 ? ocsp[r(4)] : crls[r(4)];
      const m = mutate(base, r);
      if (i % 2) {
        const resp = parseOcspResponse(m);
        if (resp) parsedOcsp++;
        const s = checkOcsp(resp, c[leaf], c[issuer], now);
        assert.ok(STATUSES.includes(s));
        if (s === "good" || s === "revoked") accepted++;
        const code = checkRevocation([c[leaf], c[issuer]], {
          scope: "chain",
          ocsp: m,
          crls: [],
          now,
        }) >>> 0;
        assert.ok(CODES.includes(code));
      } else {
        const crl = parseCrl(m);
        if (crl) parsedCrl++;
        const s = checkCrl(crl, c[leaf], c[issuer], now);
        assert.ok(STATUSES.includes(s));
        if (s === "good" || s === "revoked") accepted++;
        if (crl) {
          const code = checkRevocation([c[leaf], c[issuer]], {
            scope: "chain",
            crls: [crl],
            now,
          }) >>> 0;
          assert.ok(CODES.includes(code));
        }
      }
    }
    console.log(
      `  ${ITERATIONS} mutations: ${parsedOcsp} OCSP and ${parsedCrl} CRLs parsed, ${accepted} accepted`,
    );
  },
);
