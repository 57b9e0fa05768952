// Interop with MIT krb5's SPNEGO and gss-ntlmssp called through libgssapi_krb5 with
// Deno.dlopen (the peer the Negotiate benchmark measures against), both directions,
// for Negotiate (SPNEGO) and bare NTLM. The Python-driven tests next to this one
// cover the same peer through python3-gssapi; these prove the C-level peer the benchmark
// uses really completes handshakes with our packages, and that sealed and signed
// messages then go both ways, many in a row.
import assert from "node:assert/strict";
import { client, type SecurityContext, server } from "../../mod.ts";
import {
  exchangeTokens,
  GSSAPI_FFI_INSTALL_HINT,
  type GssapiFfi,
  type GssMech,
  type GssStepper,
  openGssapiFfi,
} from "../peers/gssapi_ffi.ts";
import { isCI, peerMissing } from "../peers/gssapi_peer.ts";

const USER = { domain: "EXAMPLE", user: "alice", password: "S3cret!pw" };

/** Opens the peer, or null (test skipped) when it is missing outside CI. */
async function open(mech: GssMech): Promise<GssapiFfi | null> {
  try {
    return await openGssapiFfi(USER, mech);
  } catch (e) {
    peerMissing(
      "libgssapi_krb5 + gss-ntlmssp (FFI)",
      GSSAPI_FFI_INSTALL_HINT,
      e instanceof Error ? e.message : String(e),
    );
    return null;
  }
}

const pkg = (mech: GssMech) => mech === "spnego" ? "Negotiate" : "NTLM";

function ours(mech: GssMech, role: "client" | "server"): SecurityContext {
  return role === "client"
    ? client({
      package: pkg(mech),
      username: USER.user,
      domain: USER.domain,
      password: USER.password,
      target: "host/localhost",
    })
    : server({
      package: pkg(mech),
      authData: {
        users: [{
          User: USER.user,
          Domain: USER.domain,
          Password: USER.password,
        }],
      },
    });
}

/**
 * Sealed messages both ways, interleaved, sizes from 1 to 3000 bytes (MIT's gss_wrap
 * refuses an empty message): the keystreams and the kept HMAC states must agree
 * message after message. gss-ntlmssp seals even when asked not to (`conf_req_flag`
 * 0), and reads every token as sealed, so only the peer is asked for both kinds.
 */
function exchange(ours: SecurityContext, peer: GssStepper): void {
  const data = (n: number, seed: number) =>
    Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
  for (let i = 0; i < 24; i++) {
    const n = [1, 2, 15, 16, 17, 64, 639, 640, 1024, 2047, 2048, 3000][i % 12];
    const a = data(n, i);
    assert.deepEqual(peer.unwrap(ours.wrap(a)), a, `ours->peer ${i}`);
    const b = data(n, i + 100);
    const sealed = i % 5 !== 4;
    assert.deepEqual(ours.unwrap(peer.wrap(b, sealed)), b, `peer->ours ${i}`);
  }
  // An altered token is refused by both.
  const t = ours.wrap(data(32, 7));
  t[t.length - 1] ^= 1;
  assert.throws(() => peer.unwrap(t));
  const u = peer.wrap(data(32, 8));
  u[u.length - 1] ^= 1;
  assert.throws(() => ours.unwrap(u));
}

for (const mech of ["spnego", "ntlm"] as const) {
  Deno.test({
    name:
      `GSSAPI through FFI (${mech}): our client -> MIT/gss-ntlmssp acceptor`,
    ignore: !isCI() && !(await canOpen(mech)),
    fn: async () => {
      const g = await open(mech);
      if (!g) return;
      const c = ours(mech, "client");
      const s: GssStepper = g.acceptor();
      try {
        const legs = exchangeTokens(c, s);
        assert.ok(s.complete, "the peer acceptor completed");
        assert.ok(c.complete, "our client completed");
        // SPNEGO: NegTokenInit, CHALLENGE, AUTHENTICATE + mechListMIC, the final
        // mechListMIC; bare NTLM: NEGOTIATE, CHALLENGE, AUTHENTICATE.
        assert.equal(legs, mech === "spnego" ? 4 : 3);
        exchange(c, s);
      } finally {
        s.dispose();
        c.dispose();
        await g.close();
      }
    },
  });

  Deno.test({
    name:
      `GSSAPI through FFI (${mech}): MIT/gss-ntlmssp initiator -> our server`,
    ignore: !isCI() && !(await canOpen(mech)),
    fn: async () => {
      const g = await open(mech);
      if (!g) return;
      const c: GssStepper = g.initiator();
      const s = ours(mech, "server");
      try {
        const legs = exchangeTokens(c, s);
        assert.ok(s.complete, "our server completed");
        assert.ok(c.complete, "the peer initiator completed");
        assert.equal(legs, mech === "spnego" ? 4 : 3);
        assert.equal(s.clientName, `${USER.domain}\\${USER.user}`);
        exchange(s, c);
      } finally {
        c.dispose();
        s.dispose();
        await g.close();
      }
    },
  });

  Deno.test({
    name:
      `GSSAPI through FFI (${mech}): a wrong password is refused by our server`,
    ignore: !isCI() && !(await canOpen(mech)),
    fn: async () => {
      const g = await openGssapiFfi(
        { ...USER, password: "wrong" },
        mech,
      ).catch(() => null);
      if (!g) return peerMissing("gss-ntlmssp (FFI)", GSSAPI_FFI_INSTALL_HINT);
      const c = g.initiator();
      const s = ours(mech, "server");
      try {
        assert.throws(() => exchangeTokens(c, s));
        assert.ok(!s.complete);
      } finally {
        c.dispose();
        s.dispose();
        await g.close();
      }
    },
  });
}

/** True when the library opens here (probed once per mechanism). */
async function canOpen(mech: GssMech): Promise<boolean> {
  const g = await openGssapiFfi(USER, mech).catch(() => null);
  await g?.close();
  return g !== null;
}
