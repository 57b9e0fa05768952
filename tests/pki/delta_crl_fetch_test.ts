/**
 * Delta CRLs fetched online (`fetchOpenVerdicts`, what Schannel's async calls and
 * PKINIT use): a loopback HTTP server of the test serves the base CRL at the
 * certificates' CRL Distribution Point and the delta at their Freshest CRL. A
 * certificate revoked only in the delta is revoked; removeFromCRL releases a
 * hold; a matching delta is cached, one that does not match (another key, a newer
 * base, garbage) is neither believed nor cached and leaves a good base out of date
 * (`CRYPT_E_REVOCATION_OFFLINE`, as CryptoAPI reports an unavailable delta) while
 * a revoked one stays revoked; a delta served as the base is not used; a base
 * given by the caller gets its delta fetched (for a certificate it leaves open).
 */
import assert from "node:assert/strict";
import {
  type Certificate,
  type Crl,
  judgeRevocation,
  parseCrl,
  revocationVerdicts,
} from "../../src/pki/mod.ts";
import { RevocationCache } from "../../src/pki/revocation_cache.ts";
import { fetchOpenVerdicts } from "../../src/pki/revocation_fetch.ts";
import { statusName } from "../../src/sspi/status.ts";
import { crlServer, type DELTA_SERIALS, deltaPki } from "./_delta_pki.ts";
import { opensslTest } from "./_openssl.ts";

type Name = keyof typeof DELTA_SERIALS;

async function world() {
  const server = crlServer();
  const routes = server.routes;
  const p = await deltaPki(server.port);
  const now = new Date(Date.now() + 60_000);
  /** The judged status of leaf `name` with `given` CRLs, fetching with `cache`. */
  const check = async (
    name: Name,
    cache: RevocationCache,
    given: Crl[] = [],
  ) => {
    const path: Certificate[] = [p.leaves[name].cert, p.ca];
    const opts = { scope: "end" as const, crls: given, now };
    const verdicts = revocationVerdicts(path, opts);
    await fetchOpenVerdicts(path, verdicts, cache, now, given);
    return statusName(judgeRevocation(verdicts, path.length, {}));
  };
  const crl = (n: string) => parseCrl(p.crls[n])!;
  return { p, routes, server, check, crl };
}

opensslTest("delta crl fetch: base and delta from the network", async () => {
  const { p, routes, server, check } = await world();
  try {
    routes.set("/base.crl", p.crls.base);
    routes.set("/delta.crl", p.crls.delta);
    const cache = new RevocationCache();
    assert.equal(await check("inDelta", cache), "CRYPT_E_REVOKED");
    assert.equal(server.hits("/base.crl"), 1);
    assert.equal(server.hits("/delta.crl"), 1);
    // Both cached (the delta matched its base): nothing fetched again.
    assert.equal(await check("good", cache), "SEC_E_OK");
    assert.equal(await check("held", cache), "SEC_E_OK");
    assert.equal(await check("inBase", cache), "CRYPT_E_REVOKED");
    assert.equal(server.hits("/base.crl"), 1);
    assert.equal(server.hits("/delta.crl"), 1);
    // Without a Freshest CRL, no delta is asked for.
    const fresh = new RevocationCache();
    assert.equal(await check("plain", fresh), "SEC_E_OK");
    assert.equal(server.hits("/delta.crl"), 1);
  } finally {
    await server.close();
  }
});

opensslTest(
  "delta crl fetch: a delta that is missing or does not match is not believed nor cached",
  async () => {
    const { p, routes, server, check } = await world();
    try {
      routes.set("/base.crl", p.crls.base);
      for (
        const bad of [
          "deltaOtherKey",
          "deltaNewerBase",
          "garbage",
          "missing",
          "base",
        ]
      ) {
        routes.delete("/delta.crl");
        if (bad === "garbage") {
          routes.set("/delta.crl", p.crls.delta.subarray(0, 40));
        } else if (bad !== "missing") routes.set("/delta.crl", p.crls[bad]);
        const cache = new RevocationCache();
        const before = server.hits("/delta.crl");
        assert.equal(
          await check("inDelta", cache),
          "CRYPT_E_REVOCATION_OFFLINE",
          bad,
        );
        assert.equal(await check("good", cache), "CRYPT_E_REVOCATION_OFFLINE");
        assert.equal(await check("held", cache), "CRYPT_E_REVOKED", bad);
        assert.equal(await check("inBase", cache), "CRYPT_E_REVOKED", bad);
        // Asked each time the base is good: never cached.
        assert.ok(server.hits("/delta.crl") >= before + 2, bad);
      }
    } finally {
      await server.close();
    }
  },
);

opensslTest(
  "delta crl fetch: a delta at the distribution point is no base",
  async () => {
    const { p, routes, server, check } = await world();
    try {
      routes.set("/base.crl", p.crls.delta);
      routes.set("/delta.crl", p.crls.delta);
      const cache = new RevocationCache();
      // No usable base: nothing to complete, whatever the delta says.
      assert.equal(await check("good", cache), "CRYPT_E_NO_REVOCATION_CHECK");
      assert.equal(await check("held", cache), "CRYPT_E_NO_REVOCATION_CHECK");
      assert.equal(
        await check("inDelta", cache),
        "CRYPT_E_NO_REVOCATION_CHECK",
      );
      assert.equal(server.hits("/delta.crl"), 0);
    } finally {
      await server.close();
    }
  },
);

opensslTest(
  "delta crl fetch: the caller's base gets its delta fetched",
  async () => {
    const { p, routes, server, check, crl } = await world();
    try {
      routes.set("/delta.crl", p.crls.delta);
      const cache = new RevocationCache();
      // The base is given; the distribution point serves nothing.
      assert.equal(
        await check("inDelta", cache, [crl("base")]),
        "CRYPT_E_REVOKED",
      );
      // A hold in a given base is final unless its delta is given too: the base
      // settles it (revoked) before anything is fetched.
      assert.equal(
        await check("held", cache, [crl("base")]),
        "CRYPT_E_REVOKED",
      );
      assert.equal(server.hits("/base.crl"), 0);
      assert.equal(server.hits("/delta.crl"), 1);
      // Base and delta both given: settled without the network.
      const alone = new RevocationCache();
      const given = [crl("base"), crl("delta")];
      assert.equal(await check("inDelta", alone, given), "CRYPT_E_REVOKED");
      assert.equal(await check("good", alone, given), "SEC_E_OK");
      assert.equal(server.hits("/delta.crl"), 1);
      // A given delta that does not match is replaced by the fetched one.
      const mixed = [crl("base"), crl("deltaOtherKey")];
      assert.equal(
        await check("inDelta", new RevocationCache(), mixed),
        "CRYPT_E_REVOKED",
      );
      // The delta server down: the given base's good certificate is out of date.
      routes.delete("/delta.crl");
      assert.equal(
        await check("good", new RevocationCache(), [crl("base")]),
        "CRYPT_E_REVOCATION_OFFLINE",
      );
      assert.equal(
        await check("inBase", new RevocationCache(), [crl("base")]),
        "CRYPT_E_REVOKED",
      );
    } finally {
      await server.close();
    }
  },
);
