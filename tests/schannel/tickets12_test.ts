/**
 * TLS 1.2 session tickets (RFC 5077): our server with `Tls12SessionTickets` seals
 * the session into a ticket and keeps nothing; our client keeps the ticket and
 * resumes with it (an id of its own, echoed when taken). In memory, the ticket
 * codec (another key, a TLS 1.3 ticket, a flipped byte, an old session), and
 * against OpenSSL 3 both ways: `s_server -tls1_2 -no_cache` (tickets only) and
 * `s_client -sess_out`/`-sess_in` into our server.
 */
import assert from "node:assert/strict";
import { FreeCredentialsHandle } from "../../mod.ts";
import { TicketKey } from "../../src/packages/schannel/ticket.ts";
import {
  EXT_SESSION_TICKET,
  openTicket12,
  parseNewSessionTicket12,
  sealTicket12,
} from "../../src/packages/schannel/ticket12.ts";
import { testPki } from "./_pki.ts";
import { acquire } from "./_tls.ts";
import {
  close,
  helloOf,
  run12,
  serverHelloOf,
  sessionInfo,
  talk,
} from "./_resume.ts";
import { connectWhenUp, SchannelStream } from "./_socket.ts";
import { sClientEcho, withSServer } from "./_openssl.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";

const pki = await testPki();
const TLS12_CLIENT = 0x800;
const HOUR = 3600_000;

function ticketTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({
    name: `schannel TLS 1.2 tickets: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

/** The raw `session_ticket` extension body of a ClientHello token, or null. */
function ticketOf(token: Uint8Array): Uint8Array | null {
  return helloOf(token).sessionTicket;
}

function pair(tickets: boolean) {
  const p = pki!;
  return {
    sc: acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
      Tls12SessionTickets: tickets,
    }),
    cc: acquire("client", {
      RootCertificates: p.ecCa.cert,
      grbitEnabledProtocols: TLS12_CLIENT,
    }),
  };
}

ticketTest(
  "in memory: a ticket instead of a cached session; the client resumes with it under an id of its own, twice; data crosses",
  () => {
    const { sc, cc } = pair(true);
    const full = run12(cc, sc);
    // The client asks (an empty extension); the server promises and sends one.
    assert.deepEqual(ticketOf(full.sent[0]), new Uint8Array(0));
    assert.equal(serverHelloOf(full.answered[0]).sessionTicket, true);
    const fullId = sessionInfo(full.server).id;
    talk(full, "full");
    close(full);
    for (const round of ["second", "third"]) {
      const r = run12(cc, sc);
      const hello = helloOf(r.sent[0]);
      assert.ok(hello.sessionTicket && hello.sessionTicket.length > 32, round);
      // The id offered is the client's own, unknown to the server: the ticket
      // alone lets it resume, and the server echoes the id.
      assert.equal(hello.sessionId.length, 32);
      assert.notDeepEqual(hello.sessionId, fullId);
      assert.deepEqual(serverHelloOf(r.answered[0]).sessionId, hello.sessionId);
      assert.equal(sessionInfo(r.client).reconnect, true, round);
      assert.equal(sessionInfo(r.server).reconnect, true, round);
      assert.equal(r.answered.length, 1, "no certificate, no key exchange");
      talk(r, round);
      close(r);
    }
    FreeCredentialsHandle(cc);
    FreeCredentialsHandle(sc);
  },
);

ticketTest(
  "in memory: a server without Tls12SessionTickets ignores the extension (session ids as before); another server credential cannot open the ticket and issues a new one",
  () => {
    const plain = pair(false);
    const r = run12(plain.cc, plain.sc);
    assert.deepEqual(ticketOf(r.sent[0]), new Uint8Array(0));
    assert.equal(serverHelloOf(r.answered[0]).sessionTicket, false);
    close(r);
    const again = run12(plain.cc, plain.sc);
    assert.equal(sessionInfo(again.client).reconnect, true, "by session id");
    assert.deepEqual(ticketOf(again.sent[0]), new Uint8Array(0));
    close(again);

    const a = pair(true);
    close(run12(a.cc, a.sc));
    const other = acquire("server", {
      Certificate: pki!.ecServer.cert,
      PrivateKey: pki!.ecServer.key,
      Tls12SessionTickets: true,
    });
    const full = run12(a.cc, other);
    assert.ok(ticketOf(full.sent[0])!.length > 0, "the first server's ticket");
    assert.equal(sessionInfo(full.client).reconnect, false);
    assert.equal(serverHelloOf(full.answered[0]).sessionTicket, true);
    close(full);
    // The new ticket resumes with the second server.
    const r2 = run12(a.cc, other);
    assert.equal(sessionInfo(r2.client).reconnect, true);
    close(r2);
    for (const h of [plain.cc, plain.sc, a.cc, a.sc, other]) {
      FreeCredentialsHandle(h);
    }
  },
);

ticketTest(
  "the ticket codec: round trip (TLS 1.2 and 1.0 states); another key, a flipped byte, a TLS 1.3 state, a session over 10 hours old open to null; NewSessionTicket bodies; mutations never throw",
  () => {
    const key = new TicketKey();
    const master = new Uint8Array(48).fill(7);
    const now = Date.now();
    const st = {
      version: 0x0303,
      suite: 0xc02b,
      group: 0x1d,
      exchBits: 0,
      createdAt: now,
      serverName: "localhost",
      master,
    };
    const t = sealTicket12(key, st);
    const back = openTicket12(key, t, now)!;
    assert.deepEqual(back, st);
    // A TLS 1.0 session's ticket keeps its version.
    const st10 = { ...st, version: 0x0301, suite: 0xc013 };
    assert.deepEqual(openTicket12(key, sealTicket12(key, st10), now), st10);
    assert.equal(openTicket12(new TicketKey(), t, now), null);
    for (let i = 0; i < t.length; i += 7) {
      const bad = t.slice();
      bad[i] ^= 0x20;
      assert.equal(openTicket12(key, bad, now), null, `byte ${i}`);
    }
    assert.equal(openTicket12(key, t, now + 10 * HOUR + 1), null);
    // A credential's dwSessionLifespan (here a minute) shortens that.
    assert.ok(openTicket12(key, t, now + 59_000, 60_000));
    assert.equal(openTicket12(key, t, now + 61_000, 60_000), null);
    const tls13 = key.seal({
      suite: 0x1301,
      issuedAt: now,
      authTime: now,
      ageAdd: 1,
      sessionId: new Uint8Array(32),
      psk: new Uint8Array(32),
    });
    assert.equal(openTicket12(key, tls13, now), null);
    assert.equal(key.open(t), null, "nor a TLS 1.2 ticket as TLS 1.3's");
    assert.equal(EXT_SESSION_TICKET, 35);
    assert.deepEqual(
      parseNewSessionTicket12(Uint8Array.of(0, 0, 0x1c, 0x20, 0, 2, 9, 9)),
      { lifetimeHint: 7200, ticket: Uint8Array.of(9, 9) },
    );
    const r = rng(FUZZ_SEED);
    const n = fuzzIterations("TICKET12_FUZZ_ITERATIONS", 3000);
    for (let i = 0; i < n; i++) {
      const m = t.slice(0, r(t.length + 1));
      for (let k = r(4); k >= 0 && m.length; k--) m[r(m.length)] = r(256);
      // A write of a byte's own value can leave the whole ticket as it was.
      const same = m.length === t.length && m.every((b, j) => b === t[j]);
      if (!same) {
        assert.equal(openTicket12(key, m, now), null, `seed ${FUZZ_SEED}`);
      }
      const body = m.subarray(0, r(12));
      try {
        parseNewSessionTicket12(body);
      } catch (e) {
        assert.match((e as Error).name, /TlsAlert/);
      }
    }
    key.wipe();
  },
);

ticketTest(
  "our client -> openssl s_server -tls1_2 -no_cache (tickets only): New, then Reused twice",
  async () => {
    const p = pki!;
    await withSServer([
      "-cert",
      p.ecServer.certPath,
      "-key",
      p.ecServer.keyPath,
      "-tls1_2",
      "-no_cache",
      "-www",
      "-naccept",
      "3",
    ], async (port) => {
      const cred = acquire("client", {
        RootCertificates: p.ecCa.cert,
        grbitEnabledProtocols: TLS12_CLIENT,
      });
      for (const expect of ["New", "Reused", "Reused"]) {
        const conn = await connectWhenUp(port);
        const tls = await SchannelStream.connect(conn, cred, "localhost");
        const page = await tls.getWwwPage();
        assert.match(page, new RegExp(`${expect}, TLSv1\\.2`), expect);
        assert.equal(sessionInfo(tls.context).reconnect, expect === "Reused");
        tls.close();
      }
      FreeCredentialsHandle(cred);
    });
  },
);

ticketTest(
  "openssl s_client -tls1_2 -sess_out then -sess_in -> our server with Tls12SessionTickets: a ticket issued, then Reused",
  async () => {
    const p = pki!;
    const cred = acquire("server", {
      Certificate: p.rsaServer.cert,
      PrivateKey: p.rsaServer.key,
      Tls12SessionTickets: true,
    });
    const session = await Deno.makeTempFile({ suffix: ".pem" });
    try {
      for (
        const [i, sess] of [["-sess_out", session], ["-sess_in", session]]
          .entries()
      ) {
        const { read, out } = await sClientEcho(cred, [
          "-servername",
          "localhost",
          "-CAfile",
          p.rsaCa.certPath,
          "-verify_return_error",
          "-tls1_2",
          ...sess,
        ], `ticket ${i}\n`);
        assert.equal(read, `ticket ${i}\n`);
        assert.match(out, i === 0 ? /New, TLSv1\.2/ : /Reused, TLSv1\.2/);
        if (i === 0) {
          assert.match(out, /TLS session ticket lifetime hint: 36000/);
        }
      }
    } finally {
      await Deno.remove(session).catch(() => {});
      FreeCredentialsHandle(cred);
    }
  },
);
