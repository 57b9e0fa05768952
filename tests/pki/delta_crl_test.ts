/**
 * Delta CRLs (RFC 5280 5.2.4) given with their base, from `openssl ca -gencrl`
 * and `openssl crl -gendelta`: parsing (cRLNumber, BaseCRLNumber, Freshest CRL
 * URLs of certificates and CRLs), `checkRevocation` over base + delta (revoked
 * only in the delta, a certificateHold released by removeFromCRL, deltas that
 * must be ignored: another key, a newer base, not newer than the base, a delta
 * as the only CRL), the offline rule when a wanted delta is missing, malformed
 * deltas (never an exception, never a revoked certificate made good) and the
 * same files judged by `openssl verify -crl_check -use_deltas`.
 */
import assert from "node:assert/strict";
import {
  checkCrlWithDeltas,
  checkRevocation,
  type Crl,
  crlAnswers,
  deltaMatches,
  freshestCrlUrls,
  isDeltaCrl,
  parseCrl,
  revocationUrls,
} from "../../src/pki/mod.ts";
import { statusName } from "../../src/sspi/status.ts";
import { FUZZ_SEED, fuzzIterations, mutate, rng } from "../_fuzz.ts";
import { type DELTA_SERIALS, type DeltaPki, deltaPki } from "./_delta_pki.ts";
import { openssl, opensslOk, opensslTest } from "./_openssl.ts";

/** The port the fixtures' URLs name; nothing is fetched here. */
const PORT = 9;
const ITERATIONS = fuzzIterations("DELTA_CRL_FUZZ_ITERATIONS", 400);

let fixtures: Promise<DeltaPki> | undefined;
async function setup() {
  const p = await (fixtures ??= deltaPki(PORT));
  const crl = (n: string): Crl => {
    const c = parseCrl(p.crls[n]);
    assert.ok(c, n);
    return c;
  };
  const now = new Date(Date.now() + 60_000);
  type Name = keyof typeof DELTA_SERIALS;
  /** checkRevocation's status name for leaf `name` with CRLs `crls`. */
  const run = (name: Name, crls: string[], ignoreOffline = false) =>
    statusName(
      checkRevocation([p.leaves[name].cert, p.ca], {
        scope: "end",
        crls: crls.map(crl),
        now,
        ignoreOffline,
      }),
    );
  return { p, crl, now, run };
}

opensslTest(
  "delta crl: parsed numbers, indicator and Freshest CRL URLs",
  async () => {
    const { p, crl } = await setup();
    const url = `http://127.0.0.1:${PORT}/delta.crl`;
    assert.equal(crl("base").number, 10n);
    assert.equal(crl("base").baseCrlNumber, null);
    assert.equal(isDeltaCrl(crl("base")), false);
    assert.deepEqual(crl("base").freshest, []);
    assert.deepEqual(crl("baseFreshest").freshest, [url]);
    assert.equal(crl("delta").number, 11n);
    assert.equal(crl("delta").baseCrlNumber, 10n);
    assert.equal(crl("delta").unsupported, "delta CRL");
    assert.equal(isDeltaCrl(crl("delta")), true);
    assert.equal(crl("gendelta").baseCrlNumber, 10n);
    assert.equal(crl("gendelta").number, 12n);
    assert.equal(crl("deltaNewerBase").baseCrlNumber, 12n);
    // The reasons as openssl wrote them: removeFromCRL (8) in the delta.
    const held = crl("delta").revoked.find((e) => e.serial[1] === 0x04);
    assert.equal(held?.reason, 8);
    // An indicator that is not an INTEGER: the CRL does not parse (no exception).
    assert.equal(parseCrl(p.crls.badIndicator), null);
    assert.deepEqual(freshestCrlUrls(p.leaves.good.cert), [url]);
    assert.deepEqual(freshestCrlUrls(p.leaves.plain.cert), []);
    assert.deepEqual(revocationUrls(p.leaves.good.cert).crl, [
      `http://127.0.0.1:${PORT}/base.crl`,
    ]);
  },
);

opensslTest(
  "delta crl: base + delta decide as RFC 5280 5.2.4 says",
  async () => {
    const { run } = await setup();
    // Revoked only in the delta: revoked with it, out of date without it.
    assert.equal(run("inDelta", ["base", "delta"]), "CRYPT_E_REVOKED");
    assert.equal(run("inDelta", ["delta", "base"]), "CRYPT_E_REVOKED");
    assert.equal(run("inDelta", ["base"]), "CRYPT_E_REVOCATION_OFFLINE");
    assert.equal(run("inDelta", ["base"], true), "SEC_E_OK");
    // Also with the delta `openssl crl -gendelta` made.
    assert.equal(run("inDelta", ["base", "gendelta"]), "CRYPT_E_REVOKED");
    assert.equal(run("good", ["base", "gendelta"]), "SEC_E_OK");
    // certificateHold in the base, removeFromCRL in the delta: released.
    assert.equal(run("held", ["base"]), "CRYPT_E_REVOKED");
    assert.equal(run("held", ["base", "delta"]), "SEC_E_OK");
    // Revoked in the base: revoked with or without a delta.
    assert.equal(run("inBase", ["base"]), "CRYPT_E_REVOKED");
    assert.equal(run("inBase", ["base", "delta"]), "CRYPT_E_REVOKED");
    assert.equal(run("good", ["base", "delta"]), "SEC_E_OK");
    // Without a Freshest CRL and no delta given, the base alone decides.
    assert.equal(run("plain", ["base"]), "SEC_E_OK");
    assert.equal(run("plain", ["base", "delta"]), "SEC_E_OK");
    // A base naming the delta in its own Freshest CRL wants it too.
    assert.equal(run("plain", ["baseFreshest"]), "CRYPT_E_REVOCATION_OFFLINE");
    assert.equal(run("plain", ["baseFreshest", "delta"]), "SEC_E_OK");
  },
);

opensslTest(
  "delta crl: deltas that do not match their base are ignored",
  async () => {
    const { p, crl, now, run } = await setup();
    const c = p.leaves;
    for (const bad of ["deltaOtherKey", "deltaNewerBase", "deltaNotNewer"]) {
      assert.equal(
        deltaMatches(crl(bad), crl("base"), c.inDelta.cert, p.ca, now),
        false,
        bad,
      );
      // Ignored: the base decides, with the offline rule for the good one ...
      assert.equal(run("inDelta", ["base", bad]), "CRYPT_E_REVOCATION_OFFLINE");
      assert.equal(run("good", ["base", bad]), "CRYPT_E_REVOCATION_OFFLINE");
      assert.equal(run("good", ["base", bad], true), "SEC_E_OK");
      // ... and a revoked (or held) certificate is not made good by it.
      assert.equal(run("inBase", ["base", bad]), "CRYPT_E_REVOKED");
      assert.equal(run("held", ["base", bad]), "CRYPT_E_REVOKED");
      // A delta of the issuer was given: without a Freshest CRL it is wanted too.
      assert.equal(run("plain", ["base", bad]), "CRYPT_E_REVOCATION_OFFLINE");
    }
    assert.equal(
      deltaMatches(crl("delta"), crl("base"), c.inDelta.cert, p.ca, now),
      true,
    );
    // A delta out of its time window is not current.
    const later = new Date(Date.now() + 2 * 86400_000);
    assert.equal(
      deltaMatches(crl("delta"), crl("base"), c.inDelta.cert, p.ca, later),
      false,
    );
    // An unusable delta beside a usable one does not hide it.
    assert.equal(
      run("inDelta", ["base", "deltaNewerBase", "delta"]),
      "CRYPT_E_REVOKED",
    );
  },
);

opensslTest("delta crl: a delta is never used as a base", async () => {
  const { p, crl, now, run } = await setup();
  for (const name of ["good", "inDelta", "held"] as const) {
    assert.equal(run(name, ["delta"]), "CRYPT_E_NO_REVOCATION_CHECK");
  }
  // As the base of checkCrlWithDeltas, with itself or a real delta: invalid.
  const d = crl("delta");
  const leaf = p.leaves.inDelta.cert;
  assert.equal(checkCrlWithDeltas(d, [d], leaf, p.ca, now, true), "invalid");
  assert.equal(
    checkCrlWithDeltas(crl("gendelta"), [d], leaf, p.ca, now, true),
    "invalid",
  );
  assert.deepEqual(crlAnswers(leaf, p.ca, [d, crl("gendelta")], now), []);
});

opensslTest(
  `delta crl: mutated deltas never throw nor make a revoked certificate good (seed ${FUZZ_SEED})`,
  async () => {
    const { p, crl, now } = await setup();
    const r = rng(FUZZ_SEED);
    const base = crl("base");
    const c = p.leaves;
    for (let i = 0; i < ITERATIONS; i++) {
      const bytes = mutate(p.crls.delta, r);
      const d = parseCrl(bytes);
      const deltas = d ? [d] : [];
      // Only the delta as openssl signed it releases the held certificate.
      const same = bytes.length === p.crls.delta.length &&
        bytes.every((b, j) => b === p.crls.delta[j]);
      // (A mutated indicator can make it a "complete" CRL that does not verify.)
      const judge = (leaf: typeof c.held) =>
        statusName(
          checkRevocation([leaf.cert, p.ca], {
            scope: "end",
            crls: [base, ...deltas],
            now,
          }),
        );
      assert.equal(judge(c.inBase), "CRYPT_E_REVOKED", `iteration ${i}`);
      assert.equal(
        judge(c.held),
        same ? "SEC_E_OK" : "CRYPT_E_REVOKED",
        `iteration ${i}`,
      );
      const v = checkCrlWithDeltas(base, deltas, c.good.cert, p.ca, now, true);
      assert.ok(v === "good" || v === "stale", `iteration ${i}: ${v}`);
    }
    // Garbage where a CRL belongs: null, and the engine copes with nulls.
    assert.equal(parseCrl(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x0a)), null);
    assert.equal(
      checkCrlWithDeltas(
        base,
        [null as unknown as Crl],
        c.good.cert,
        p.ca,
        now,
        true,
      ),
      "stale",
    );
  },
);

opensslTest(
  "delta crl: openssl verify -crl_check -use_deltas agrees",
  async () => {
    const { p, run } = await setup();
    const dir = await Deno.makeTempDir({ prefix: "pki_delta_verify_" });
    try {
      await Deno.writeTextFile(`${dir}/ca.pem`, p.caPem);
      for (const n of ["base", "delta", "gendelta"]) {
        await Deno.writeTextFile(`${dir}/${n}.crl`, p.crlPem[n]);
      }
      const verify = async (
        leaf: keyof typeof DELTA_SERIALS,
        crls: string[],
      ) => {
        await Deno.writeTextFile(`${dir}/leaf.pem`, p.leaves[leaf].pem);
        return await opensslOk([
          "verify",
          "-crl_check",
          "-use_deltas",
          "-CAfile",
          "ca.pem",
          ...crls.flatMap((c) => ["-CRLfile", `${c}.crl`]),
          "leaf.pem",
        ], dir);
      };
      const cases: [keyof typeof DELTA_SERIALS, string[]][] = [
        ["good", ["base", "delta"]],
        ["inBase", ["base", "delta"]],
        ["inDelta", ["base", "delta"]],
        ["held", ["base", "delta"]],
        ["held", ["base"]],
        ["inDelta", ["base", "gendelta"]],
        ["good", ["delta"]],
      ];
      for (const [leaf, crls] of cases) {
        const theirs = await verify(leaf, crls);
        const ours = run(leaf, crls) === "SEC_E_OK";
        assert.equal(ours, theirs, `${leaf} with ${crls.join(" + ")}`);
      }
      // And the expected answers, so agreement is not agreement on nothing.
      assert.equal(await verify("inDelta", ["base", "delta"]), false);
      assert.equal(await verify("held", ["base", "delta"]), true);
      // The text openssl prints for the delta names its base.
      const text = new TextDecoder().decode(
        await openssl(["crl", "-in", "delta.crl", "-noout", "-text"], {
          cwd: dir,
        }),
      );
      assert.match(text, /Delta CRL Indicator: critical\s+10/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
