/**
 * TLS 1.2 session resumption by session ID (RFC 5246 7.3, 7.4.1.2-7.4.1.3, with
 * RFC 7627's extended master secret) between our own client and server, in
 * memory: full then abbreviated handshakes (SECPKG_ATTR_SESSION_INFO, data both
 * ways, the original certificate), reuse, unknown and altered ids, a wrong
 * Finished, failed resumptions invalidating the session, no extended master
 * secret, SCH_CRED_DISABLE_RECONNECTS, client certificates, the caches' bounds
 * and lifetimes, and mutated abbreviated handshakes (status codes only).
 */
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  QueryContextAttributes,
  type SchannelCertContext,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_INTERNAL_ERROR,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_CONNECTION_INFO,
} from "../../mod.ts";
import { SCH_CRED_DISABLE_RECONNECTS } from "../../src/packages/schannel/mod.ts";
import {
  MAX_SERVER_SESSIONS,
  ServerSessionCache,
} from "../../src/packages/schannel/server_sessions.ts";
import { SessionCache } from "../../src/packages/schannel/session_cache.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import { testPki } from "./_pki.ts";
import { acquire, asc, HandshakeError, isc } from "./_tls.ts";
import {
  at,
  close,
  helloOf,
  run12,
  serverHelloOf,
  sessionInfo,
  talk,
} from "./_resume.ts";

const pki = await testPki();
const TLS12_CLIENT = 0x800;
const TLS12_SERVER = 0x400;
const MUTUAL = 0x4 | 0x8 | 0x10 | 0x100 | 0x10000 | 0x2;
const HOUR = 3600_000;

function resumptionTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({
    name: `schannel TLS 1.2 resumption: ${name}`,
    ignore: pki === null,
    fn,
  });
}

/** A TLS 1.2 server (P-256) and a TLS 1.2 client trusting its CA. */
function creds12(
  serverAuth: Record<string, unknown> = {},
  clientAuth: Record<string, unknown> = {},
) {
  const p = pki!;
  return {
    sc: acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
      grbitEnabledProtocols: TLS12_SERVER,
      ...serverAuth,
    }),
    cc: acquire("client", {
      RootCertificates: p.ecCa.cert,
      grbitEnabledProtocols: TLS12_CLIENT,
      ...clientAuth,
    }),
  };
}

function remoteCert(h: CtxtHandle): Uint8Array {
  const out: { value?: SchannelCertContext } = {};
  assert.equal(
    QueryContextAttributes(h, 0x53, out), // SECPKG_ATTR_REMOTE_CERT_CONTEXT
    SEC_E_OK,
  );
  return out.value!.pbCertEncoded;
}

function connectionOf(
  h: CtxtHandle,
): { dwProtocol: number; dwExchStrength: number } {
  const out: { value?: { dwProtocol: number; dwExchStrength: number } } = {};
  assert.equal(
    QueryContextAttributes(h, SECPKG_ATTR_CONNECTION_INFO, out),
    SEC_E_OK,
  );
  return out.value!;
}

function protocolOf(h: CtxtHandle): number {
  return connectionOf(h).dwProtocol;
}

resumptionTest(
  "full, then abbreviated: SESSION_INFO on both sides, data crosses, the certificate still reported; sessions are reused",
  () => {
    // A TLS 1.2-only server (Windows Server 2019), and one that also speaks 1.3.
    for (const serverProtocols of [TLS12_SERVER, 0]) {
      const { sc, cc } = creds12({ grbitEnabledProtocols: serverProtocols });
      const full = run12(cc, sc);
      assert.equal(protocolOf(full.client), TLS12_CLIENT);
      assert.equal(helloOf(full.sent[0]).sessionId.length, 0);
      const id = serverHelloOf(full.answered[0]).sessionId;
      assert.equal(id.length, 32);
      const a = sessionInfo(full.client);
      const b = sessionInfo(full.server);
      assert.equal(a.reconnect, false);
      assert.equal(b.reconnect, false);
      assert.deepEqual(a.id, id);
      assert.deepEqual(b.id, id);
      talk(full, "full");
      const cert = remoteCert(full.client);
      close(full);

      for (const round of ["second", "third"]) {
        const r = run12(cc, sc);
        assert.deepEqual(helloOf(r.sent[0]).sessionId, id, "offered by id");
        assert.deepEqual(serverHelloOf(r.answered[0]).sessionId, id);
        // ServerHello, ChangeCipherSpec, Finished: no Certificate, no key exchange.
        assert.equal(r.answered.length, 1);
        assert.ok(r.answered[0].length < 200, `${r.answered[0].length}`);
        assert.equal(r.sent.length, 2);
        const c2 = sessionInfo(r.client);
        const s2 = sessionInfo(r.server);
        assert.equal(c2.reconnect, true, round);
        assert.equal(s2.reconnect, true, round);
        assert.deepEqual(c2.id, id);
        assert.deepEqual(s2.id, id);
        assert.equal(protocolOf(r.server), TLS12_SERVER);
        // The full handshake's x25519 exchange is still the one reported.
        assert.equal(connectionOf(r.client).dwExchStrength, 255);
        assert.equal(connectionOf(r.server).dwExchStrength, 255);
        talk(r, round);
        assert.deepEqual(remoteCert(r.client), cert);
        close(r);
      }
      // Another target name gets no offer.
      const other = run12(cc, sc, { target: "127.0.0.1" });
      assert.equal(helloOf(other.sent[0]).sessionId.length, 0);
      assert.equal(sessionInfo(other.server).reconnect, false);
      close(other);
      FreeCredentialsHandle(cc);
      FreeCredentialsHandle(sc);
    }
  },
);

resumptionTest(
  "an unknown, altered or expired session id, or another server credential: a full handshake, and the new session replaces the old",
  () => {
    const { sc, cc } = creds12();
    const first = run12(cc, sc);
    const id = serverHelloOf(first.answered[0]).sessionId;
    close(first);
    // A bit of the offered id flipped on the way: the server does not know it and
    // starts a full handshake with a new id (which then fails: the transcripts
    // differ).
    const idAt = 5 + 4 + 2 + 32 + 1; // record, message header, version, random, length
    const client = new CtxtHandle();
    const hello = isc(cc, client, true, "localhost", null).token!;
    assert.deepEqual(hello.subarray(idAt, idAt + 32), id);
    hello[idAt + 5] ^= 1;
    const server = new CtxtHandle();
    const s = asc(sc, server, true, hello);
    assert.equal(s.status, SEC_I_CONTINUE_NEEDED);
    const sh = serverHelloOf(s.token!);
    assert.equal(sh.sessionId.length, 32);
    assert.notDeepEqual(sh.sessionId, id);
    assert.notDeepEqual(sh.sessionId, hello.subarray(idAt, idAt + 32));
    DeleteSecurityContext(client);
    DeleteSecurityContext(server);
    // The session is still good for an unaltered hello.
    let r = run12(cc, sc);
    assert.equal(sessionInfo(r.client).reconnect, true);
    close(r);
    // A server credential that never saw it: a full handshake that completes, and
    // its session is the client's from now on.
    const { sc: other } = creds12();
    r = run12(cc, other);
    assert.deepEqual(helloOf(r.sent[0]).sessionId, id);
    assert.equal(sessionInfo(r.client).reconnect, false);
    const otherId = sessionInfo(r.client).id;
    talk(r, "other server");
    close(r);
    r = run12(cc, sc);
    assert.deepEqual(helloOf(r.sent[0]).sessionId, otherId);
    assert.equal(sessionInfo(r.server).reconnect, false);
    close(r);
    // 10 hours on, the server has forgotten the session (ServerCacheTime)...
    r = run12(cc, sc);
    assert.equal(sessionInfo(r.client).reconnect, true);
    close(r);
    const c = new CtxtHandle();
    const offered = isc(cc, c, true, "localhost", null).token!;
    assert.equal(helloOf(offered).sessionId.length, 32);
    const srv = new CtxtHandle();
    const late = at(10 * HOUR, () => asc(sc, srv, true, offered));
    assert.notDeepEqual(
      serverHelloOf(late.token!).sessionId,
      helloOf(offered).sessionId,
    );
    DeleteSecurityContext(c);
    DeleteSecurityContext(srv);
    // ...and the client does not offer one that old (ClientCacheTime).
    const later = at(10 * HOUR + 60_000, () => run12(cc, sc));
    assert.equal(helloOf(later.sent[0]).sessionId.length, 0);
    close(later);
  },
);

resumptionTest(
  "a wrong Finished in the abbreviated handshake fails (decrypt_error) and invalidates the session on both sides",
  () => {
    // The client's resuming ClientHello changed in a byte the server does not use
    // (its key share): the server resumes, but the transcripts differ, so the
    // client finds the server's Finished wrong.
    let { sc, cc } = creds12();
    close(run12(cc, sc));
    assert.throws(
      () =>
        run12(cc, sc, {
          edit: (i, t) => {
            if (i !== 0) return t;
            const m = t.slice();
            m[m.length - 3] ^= 1; // inside the x25519 key share
            return m;
          },
        }),
      (e) =>
        e instanceof HandshakeError && e.side === "client" &&
        e.status === SEC_E_DECRYPT_FAILURE,
    );
    // Both sides forgot the session: the next handshake is full, with no offer.
    let r = run12(cc, sc);
    assert.equal(helloOf(r.sent[0]).sessionId.length, 0);
    assert.equal(sessionInfo(r.client).reconnect, false);
    close(r);
    // The client's Finished record altered: the server fails, and drops the session
    // (the client still offers it, and gets a full handshake).
    ({ sc, cc } = creds12());
    close(run12(cc, sc));
    const client = new CtxtHandle();
    const server = new CtxtHandle();
    const hello = isc(cc, client, true, "localhost", null).token!;
    const flight = asc(sc, server, true, hello);
    assert.equal(flight.status, SEC_I_CONTINUE_NEEDED);
    const fin = isc(cc, client, false, "localhost", flight.token!);
    assert.equal(fin.status, SEC_E_OK);
    const bad = fin.token!.slice();
    bad[bad.length - 20] ^= 1;
    assert.notEqual(asc(sc, server, false, bad).status, SEC_E_OK);
    DeleteSecurityContext(client);
    DeleteSecurityContext(server);
    r = run12(cc, sc);
    assert.equal(helloOf(r.sent[0]).sessionId.length, 32);
    assert.equal(sessionInfo(r.server).reconnect, false);
    close(r);
  },
);

resumptionTest(
  "no extended master secret, no session: the server gives no id; an offer without it is not resumed",
  () => {
    const { sc, cc } = creds12();
    // extended_master_secret (0x0017, empty) renamed to an unknown extension.
    const noEms = (t: Uint8Array) => {
      const m = t.slice();
      for (let j = 9 + 38; j < m.length - 4; j++) {
        if (m[j] === 0 && m[j + 1] === 23 && m[j + 2] === 0 && m[j + 3] === 0) {
          m[j] = 0x7a;
          return m;
        }
      }
      throw new Error("no extended_master_secret in the ClientHello");
    };
    const firstLeg = () => {
      const client = new CtxtHandle();
      const server = new CtxtHandle();
      const hello = noEms(isc(cc, client, true, "localhost", null).token!);
      assert.equal(helloOf(hello).ems, false);
      const s = asc(sc, server, true, hello);
      assert.equal(s.status, SEC_I_CONTINUE_NEEDED);
      DeleteSecurityContext(client);
      DeleteSecurityContext(server);
      return { hello: helloOf(hello), sh: serverHelloOf(s.token!) };
    };
    let leg = firstLeg();
    assert.equal(leg.sh.ems, false);
    assert.equal(leg.sh.sessionId.length, 0, "no id without EMS");
    // A session made with it, then offered by a hello without it: a full handshake.
    close(run12(cc, sc));
    leg = firstLeg();
    assert.equal(leg.hello.sessionId.length, 32);
    assert.notDeepEqual(leg.sh.sessionId, leg.hello.sessionId);
    assert.equal(leg.sh.sessionId.length, 0);
  },
);

resumptionTest(
  "SCH_CRED_DISABLE_RECONNECTS on either side, client certificates: no resumption",
  () => {
    // Server side: no session id, so nothing to keep.
    let { sc, cc } = creds12({ dwFlags: SCH_CRED_DISABLE_RECONNECTS });
    for (let i = 0; i < 2; i++) {
      const r = run12(cc, sc);
      assert.equal(serverHelloOf(r.answered[0]).sessionId.length, 0);
      assert.equal(helloOf(r.sent[0]).sessionId.length, 0);
      assert.equal(sessionInfo(r.client).reconnect, false);
      close(r);
    }
    // Client side: it keeps none and offers none.
    ({ sc, cc } = creds12({}, { dwFlags: SCH_CRED_DISABLE_RECONNECTS }));
    for (let i = 0; i < 2; i++) {
      const r = run12(cc, sc);
      assert.equal(helloOf(r.sent[0]).sessionId.length, 0);
      assert.equal(sessionInfo(r.server).reconnect, false);
      close(r);
    }
    // A known id offered to a server credential that disables reconnects: full.
    const on = creds12();
    close(run12(on.cc, on.sc));
    const off = acquire("server", {
      Certificate: pki!.ecServer.cert,
      PrivateKey: pki!.ecServer.key,
      grbitEnabledProtocols: TLS12_SERVER,
      dwFlags: SCH_CRED_DISABLE_RECONNECTS,
    });
    const r = run12(on.cc, off);
    assert.equal(helloOf(r.sent[0]).sessionId.length, 32);
    assert.equal(sessionInfo(r.server).reconnect, false);
    close(r);
    // A server asking for a client certificate neither resumes nor gives an id.
    const p = pki!;
    ({ sc, cc } = creds12({ RootCertificates: p.rsaCa.cert }, {
      Certificate: p.client.cert,
      PrivateKey: p.client.key,
    }));
    let m = run12(cc, sc, { ascFlags: MUTUAL });
    assert.equal(serverHelloOf(m.answered[0]).sessionId.length, 0);
    close(m);
    close(run12(cc, sc)); // without the request: a session
    m = run12(cc, sc, { ascFlags: MUTUAL });
    assert.equal(helloOf(m.sent[0]).sessionId.length, 32);
    assert.equal(sessionInfo(m.server).reconnect, false);
    assert.equal(sessionInfo(m.client).reconnect, false);
    close(m);
    // ...and the client keeps no session of a connection that sent its certificate.
    m = run12(cc, sc);
    assert.equal(helloOf(m.sent[0]).sessionId.length, 0);
    close(m);
  },
);

resumptionTest(
  "the caches: the server keeps 1000 sessions (least recently used out, wiped), both 10 hours",
  () => {
    const cache = new ServerSessionCache();
    const now = Date.now();
    const masters: Uint8Array[] = [];
    for (let i = 0; i <= MAX_SERVER_SESSIONS; i++) {
      const id = new Uint8Array(32);
      id[0] = i & 0xff;
      id[1] = i >> 8;
      const master = new Uint8Array(48).fill(0xab);
      masters.push(master);
      cache.add({
        sessionId: id,
        master,
        suite: 0xc02b,
        group: 0x1d,
        serverName: null,
        createdAt: now,
      });
      // Keep the first one in use: the second is the least recently used.
      if (i === 1) assert.ok(cache.find(new Uint8Array(32), now));
    }
    assert.equal(cache.size, MAX_SERVER_SESSIONS);
    assert.ok(masters[1].every((b) => b === 0), "the LRU one is wiped");
    assert.ok(cache.find(new Uint8Array(32), now));
    assert.equal(cache.find(new Uint8Array(32), now + 10 * HOUR), null);
    assert.ok(masters[0].every((b) => b === 0), "an expired one is wiped");
    assert.equal(cache.find(new Uint8Array(31), now), null);
    cache.clear();
    assert.ok(masters.every((m) => m.every((b) => b === 0)));

    const client = new SessionCache();
    const master = new Uint8Array(48).fill(0xcd);
    const s = {
      sessionId: new Uint8Array(32).fill(1),
      master,
      suite: 0xc02b,
      group: 0x1d,
      createdAt: now,
      peerChain: [],
      verified: true,
    };
    client.add12("a", s);
    assert.equal(client.find12("a", now + 9 * HOUR, () => true), s);
    assert.equal(client.find12("a", now, () => false), null);
    assert.equal(client.find12("b", now, () => true), null);
    assert.equal(client.find12("a", now + 10 * HOUR, () => true), null);
    assert.ok(master.every((b) => b === 0));
    assert.equal(client.find12("a", now, () => true), null);
  },
);

resumptionTest(
  `mutated abbreviated handshakes: status codes only; whatever completes agrees on its keys (seed ${FUZZ_SEED})`,
  () => {
    const r = rng(FUZZ_SEED);
    const n = fuzzIterations("FUZZ_TLS12_RESUME", 60);
    const mutate = (t: Uint8Array, from: number) => {
      const m = t.slice();
      const at = from + r(m.length - from);
      m[at] = r(2) ? m[at] ^ (1 << r(8)) : r(256);
      return m;
    };
    const ok = (st: number) => st === SEC_E_OK || st === SEC_I_CONTINUE_NEEDED;
    const { sc, cc } = creds12();
    let resumed = 0;
    for (let i = 0; i < n; i++) {
      close(run12(cc, sc));
      const client = new CtxtHandle();
      const server = new CtxtHandle();
      let hello = isc(cc, client, true, "localhost", null).token!;
      // Half the time the ClientHello changes on the way, else the server's flight.
      if (i % 2 === 0) hello = mutate(hello, 0);
      const s = asc(sc, server, true, hello);
      assert.notEqual(s.status, SEC_E_INTERNAL_ERROR);
      if (s.status === SEC_I_CONTINUE_NEEDED) {
        const flight = i % 2 ? mutate(s.token!, 0) : s.token!;
        const c = isc(cc, client, false, "localhost", flight);
        assert.notEqual(c.status, SEC_E_INTERNAL_ERROR);
        if (ok(c.status) && c.token) {
          const s2 = asc(sc, server, false, c.token);
          assert.notEqual(s2.status, SEC_E_INTERNAL_ERROR);
          if (c.status === SEC_E_OK && s2.status === SEC_E_OK) {
            // Completed despite the change (a plaintext record header's version):
            // both sides agree, and data crosses.
            resumed++;
            talk({ client, server }, `survivor ${i}`);
          }
        }
      }
      DeleteSecurityContext(client);
      DeleteSecurityContext(server);
    }
    assert.ok(resumed < n / 4, `${resumed} of ${n} completed`);
  },
);
