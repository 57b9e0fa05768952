// Cross-realm Kerberos against two MIT KDCs (A.TEST and B.TEST, two databases, a trust
// krbtgt/B.TEST@A.TEST with the same key in both): alice@A.TEST reaches services of
// B.TEST with our client (a cross-realm TGT from A's KDC, then the service ticket from
// B's; KDC referrals followed), into our acceptor and MIT's; MIT's own client into our
// acceptor; and the failures: no trust, B's KDC unreachable, a referral loop.
import assert from "node:assert/strict";
import {
  DeleteSecurityContext,
  FreeCredentialsHandle,
  type KdcTransport,
  kdcTransport,
  lastErrorDetail,
  QueryContextAttributes,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
  SEC_E_TARGET_UNKNOWN,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_NAMES,
  statusName,
} from "../../mod.ts";
import type { CredHandle, CtxtHandle } from "../../mod.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import { acquireDefault } from "./_ccache_helpers.ts";
import type { MitRealms, RealmsOptions, RealmSpec } from "../peers/mit_kdc.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  krbTest,
  newCtx,
  withRealms,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);

const A = "A.TEST";
const B = "B.TEST";
const ALICE = { name: "alice", password: "Alice-Passw0rd" };

/**
 * A.TEST (alice) and B.TEST (the services), trusting each other. A's KDC refers
 * `web.b.test` to B; for `loop.test` each KDC refers to the other (a loop). MIT's
 * clients map `localhost` to B.TEST.
 */
const SPECS: RealmSpec[] = [
  {
    realm: A,
    users: [ALICE],
    domainRealm: { "web.b.test": B, "loop.test": B },
  },
  {
    realm: B,
    services: ["HTTP/localhost", "HTTP/other", "HTTP/web.b.test"],
    domainRealm: { "loop.test": A },
  },
];
const OPTIONS: RealmsOptions = {
  trusts: [[A, B], [B, A]],
  domainRealm: { localhost: B },
};

/** A transport to each realm's KDC that counts the requests per realm. */
function counting(
  r: MitRealms,
): { transport: KdcTransport; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const byRealm = new Map(
    Object.values(r.realms).map((x) => [x.realm, kdcTransport([x.kdc])]),
  );
  return {
    counts,
    transport: (realm, request) => {
      counts[realm] = (counts[realm] ?? 0) + 1;
      const t = byRealm.get(realm);
      return t ? t(realm, request) : Promise.reject(new Error("no such realm"));
    },
  };
}

/** alice's outbound credential; `extra` names the KDCs. */
async function alice(extra: object): Promise<CredHandle> {
  const { status, cred } = await acquireKrb("Kerberos", {
    User: ALICE.name,
    Domain: A,
    Password: ALICE.password,
    ...extra,
  });
  assert.equal(st(status), st(SEC_E_OK));
  return cred;
}

/** The `sUserName` of a context. */
function userName(ctx: CtxtHandle): string {
  const names = { value: null as unknown };
  assert.equal(
    st(QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, names)),
    st(SEC_E_OK),
  );
  return (names.value as { sUserName: string }).sUserName;
}

/**
 * Our client with `cred` to `target`, into our acceptor holding B's keytab: both
 * complete with mutual authentication; returns the name the acceptor sees.
 */
async function intoOurAcceptor(
  r: MitRealms,
  cred: CredHandle,
  target: string,
): Promise<string> {
  const inbound = acquireInbound("Kerberos", { Keytab: r.realms[B].keytab });
  assert.equal(st(inbound.status), st(SEC_E_OK));
  const c = newCtx();
  const s = newCtx();
  try {
    const a = await iscStep(cred, c, true, target, null);
    assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
    const rep = accept(inbound.cred, s, a.token!);
    assert.equal(st(rep.status), st(SEC_E_OK));
    const b = await iscStep(cred, c, false, target, rep.token);
    assert.equal(st(b.status), st(SEC_E_OK));
    assert.equal(userName(c), `${ALICE.name}@${A}`);
    return userName(s);
  } finally {
    DeleteSecurityContext(c);
    DeleteSecurityContext(s);
    FreeCredentialsHandle(inbound.cred);
  }
}

await krbTest(
  "cross-realm: alice@A.TEST gets HTTP/localhost@B.TEST through the trust (krbtgt/B.TEST@A.TEST cached), into our acceptor and MIT's",
  () =>
    withRealms(SPECS, OPTIONS, async (r) => {
      const { transport, counts } = counting(r);
      const cred = await alice({ KdcTransport: transport });
      try {
        const seen = await intoOurAcceptor(r, cred, `HTTP/localhost@${B}`);
        assert.equal(seen, `${ALICE.name}@${A}`, "the acceptor sees alice@A");
        // The AS exchange (one or two requests) and the TGS-REQ for krbtgt/B.TEST
        // at A, then the service at B.
        const atA = counts[A];
        assert.ok(atA === 2 || atA === 3, `${atA} requests to A`);
        assert.equal(counts[B], 1);

        // Another service of B: the cross-realm TGT is cached, only B is asked.
        assert.equal(
          await intoOurAcceptor(r, cred, `HTTP/other@${B}`),
          `${ALICE.name}@${A}`,
        );
        assert.deepEqual(counts, { [A]: atA, [B]: 2 });

        // MIT's acceptor with B's keytab, the service ticket from the cache.
        const peer = await GssapiPeer.start({
          role: "acceptor",
          mech: "krb5",
          env: { ...r.env, KRB5_KTNAME: `FILE:${r.realms[B].keytab}` },
        });
        const ctx = newCtx();
        try {
          const a = await iscStep(cred, ctx, true, `HTTP/localhost@${B}`, null);
          assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
          const m = await peer.step(a.token);
          assert.ok(m.complete && m.token, "MIT answers with an AP-REP");
          const b = await iscStep(
            cred,
            ctx,
            false,
            `HTTP/localhost@${B}`,
            m.token,
          );
          assert.equal(st(b.status), st(SEC_E_OK));
          assert.equal((await peer.info()).peer_name, `${ALICE.name}@${A}`);
        } finally {
          DeleteSecurityContext(ctx);
          await peer.close();
        }
        assert.deepEqual(counts, { [A]: atA, [B]: 2 }, "no request at all");
      } finally {
        FreeCredentialsHandle(cred);
      }
    }),
);

await krbTest(
  "cross-realm: Kdc as a map of realms, and a KDC referral (HTTP@web.b.test asked of A, referred to B)",
  () =>
    withRealms(SPECS, OPTIONS, async (r) => {
      // Realm names in the map are matched ignoring case.
      const kdc = { [A]: r.realms[A].kdc, "b.test": [r.realms[B].kdc] };
      const cred = await alice({ Kdc: kdc });
      try {
        assert.equal(
          await intoOurAcceptor(r, cred, `HTTP/localhost@${B}`),
          `${ALICE.name}@${A}`,
        );
        // No realm in the target: A's KDC answers with krbtgt/B.TEST@A.TEST.
        assert.equal(
          await intoOurAcceptor(r, cred, "HTTP@web.b.test"),
          `${ALICE.name}@${A}`,
        );
      } finally {
        FreeCredentialsHandle(cred);
      }
      // The referral alone, with a counting transport: A refers, B issues.
      const { transport, counts } = counting(r);
      const fresh = await alice({ KdcTransport: transport });
      try {
        await intoOurAcceptor(r, fresh, "HTTP@web.b.test");
        const atA = counts[A]; // the AS exchange, then the TGS-REQ A refers
        assert.ok(atA === 2 || atA === 3, `${atA} requests to A`);
        assert.equal(counts[B], 1);
        // The referral TGT is cached: a service of B named with its realm asks B only.
        await intoOurAcceptor(r, fresh, `HTTP/other@${B}`);
        assert.deepEqual(counts, { [A]: atA, [B]: 2 });
      } finally {
        FreeCredentialsHandle(fresh);
      }
    }),
);

await krbTest(
  "cross-realm: MIT's client (kinit alice@A.TEST, kvno) into our acceptor with B's keytab sees alice@A.TEST",
  () =>
    withRealms(SPECS, OPTIONS, async (r) => {
      await r.kinit(`${ALICE.name}@${A}`, ALICE.password);
      await r.tool("kvno", [`HTTP/localhost@${B}`]);
      const inbound = acquireInbound("Kerberos", {
        Keytab: r.realms[B].keytab,
      });
      assert.equal(st(inbound.status), st(SEC_E_OK));
      const peer = await GssapiPeer.start({
        role: "initiator",
        mech: "krb5",
        defaultCreds: true,
        target: "HTTP@localhost", // localhost is in B.TEST ([domain_realm])
        env: r.env,
      });
      const ctx = newCtx();
      try {
        const first = await peer.step(null);
        const rep = accept(inbound.cred, ctx, first.token!);
        assert.equal(st(rep.status), st(SEC_E_OK));
        assert.ok((await peer.step(rep.token)).complete);
        assert.equal(userName(ctx), `${ALICE.name}@${A}`);
      } finally {
        DeleteSecurityContext(ctx);
        FreeCredentialsHandle(inbound.cred);
        await peer.close();
      }

      // Our client from that ccache (single sign-on): kvno's krbtgt/B.TEST@A.TEST and
      // service ticket are used; a new service of B costs one request to B.
      const { transport, counts } = counting(r);
      const sso = acquireDefault("Kerberos", {
        KRB5CCNAME: r.env.KRB5CCNAME,
        KRB5_CONFIG: r.env.KRB5_CONFIG,
      }, { KdcTransport: transport });
      assert.equal(st(sso.status), st(SEC_E_OK), sso.message);
      try {
        await intoOurAcceptor(r, sso.cred, `HTTP/localhost@${B}`);
        assert.deepEqual(counts, {});
        await intoOurAcceptor(r, sso.cred, `HTTP/other@${B}`);
        assert.deepEqual(counts, { [B]: 1 });
      } finally {
        FreeCredentialsHandle(sso.cred);
      }
      // Without Kdc: both realms' KDCs from the krb5.conf of KRB5_CONFIG.
      const conf = acquireDefault("Kerberos", {
        KRB5CCNAME: r.env.KRB5CCNAME,
        KRB5_CONFIG: r.env.KRB5_CONFIG,
      });
      assert.equal(st(conf.status), st(SEC_E_OK), conf.message);
      try {
        await intoOurAcceptor(r, conf.cred, `HTTP/web.b.test@${B}`);
      } finally {
        FreeCredentialsHandle(conf.cred);
      }
    }),
);

Deno.test("cross-realm failures: no trust, B's KDC unreachable or unknown, a referral loop", async () => {
  await withRealms(SPECS, OPTIONS, async (r) => {
    const a = r.realms[A].kdc;
    const first = async (cred: CredHandle, target: string) =>
      (await iscStep(cred, newCtx(), true, target, null)).status;

    const cred = await alice({ Kdc: { [A]: a, [B]: r.realms[B].kdc } });
    try {
      // No trust with C.TEST: A's KDC knows no krbtgt/C.TEST.
      assert.equal(
        st(await first(cred, "HTTP/localhost@C.TEST")),
        st(SEC_E_TARGET_UNKNOWN),
      );
      // A and B refer loop.test to each other: a status, not a hang.
      const t0 = Date.now();
      assert.equal(
        st(await first(cred, "HTTP@loop.test")),
        st(SEC_E_TARGET_UNKNOWN),
      );
      assert.match(
        lastErrorDetail()?.message ?? "",
        /loop.*A\.TEST -> B\.TEST -> A\.TEST/,
      );
      assert.ok(Date.now() - t0 < 10_000);
      // The realms still work after both failures.
      assert.equal(
        await intoOurAcceptor(r, cred, `HTTP/localhost@${B}`),
        `${ALICE.name}@${A}`,
      );
    } finally {
      FreeCredentialsHandle(cred);
    }

    // B's KDC does not answer.
    const down = await alice({ Kdc: { [A]: a, [B]: "127.0.0.1:1" } });
    try {
      assert.equal(
        st(await first(down, `HTTP/localhost@${B}`)),
        st(SEC_E_NO_AUTHENTICATING_AUTHORITY),
      );
    } finally {
      FreeCredentialsHandle(down);
    }

    // No KDC known for B (a string Kdc names A's only; krb5.conf lists no B.TEST).
    const unknown = await alice({ Kdc: a, KdcTimeoutMs: 3000 });
    try {
      assert.equal(
        st(await first(unknown, `HTTP/localhost@${B}`)),
        st(SEC_E_NO_AUTHENTICATING_AUTHORITY),
      );
    } finally {
      FreeCredentialsHandle(unknown);
    }
  });
});
