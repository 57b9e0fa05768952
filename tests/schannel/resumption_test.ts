/**
 * TLS 1.3 session resumption (RFC 8446 2.2, 4.2.11, 4.6.1) between our own client
 * and server, in memory: the server's NewSessionTicket in its last output token,
 * the client's cache by target name, a resumed handshake (SECPKG_ATTR_SESSION_INFO,
 * keys in agreement, the original certificate), single use, HelloRetryRequest,
 * tampered binders, garbled, foreign and expired tickets, SCH_CRED_DISABLE_RECONNECTS,
 * client certificates and manual validation. Wiping and mutated input:
 * `resumption_fuzz_test.ts`.
 */
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  QueryContextAttributes,
  type SchannelCertContext,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_ENDPOINT_BINDINGS,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
} from "../../mod.ts";
import { SCH_CRED_DISABLE_RECONNECTS } from "../../src/packages/schannel/mod.ts";
import { parsePskOffer } from "../../src/packages/schannel/psk.ts";
import { testPki } from "./_pki.ts";
import { acquire, asc, isc, ISC_FLAGS } from "./_tls.ts";
import {
  close,
  creds,
  helloOf,
  run,
  serverHelloOf,
  sessionInfo,
  talk,
} from "./_resume.ts";

const pki = await testPki();
const MUTUAL = 0x4 | 0x8 | 0x10 | 0x100 | 0x10000 | 0x2;
const MANUAL = ISC_FLAGS | 0x80000; // ISC_REQ_MANUAL_CRED_VALIDATION
const HOUR = 3600_000;

function resumptionTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({ name: `schannel resumption: ${name}`, ignore: pki === null, fn });
}

resumptionTest(
  "first handshake full, then resumed: SESSION_INFO, keys agree, no certificate sent, the original certificate kept",
  () => {
    const { sc, cc } = creds(pki!);
    const full = run(cc, sc);
    assert.equal(full.legs, 4);
    // The client said it takes tickets; the server's last token is one.
    assert.ok(helloOf(full.sent[0]).pskModes);
    assert.equal(helloOf(full.sent[0]).psk, null);
    assert.ok(full.ticket && full.ticket.length > 100);
    const a = sessionInfo(full.client);
    const b = sessionInfo(full.server);
    assert.equal(a.reconnect, false);
    assert.equal(b.reconnect, false);
    assert.equal(a.id.length, 32);
    assert.deepEqual(a.id, b.id);
    talk(full, "full");
    const cert = (h: CtxtHandle) => {
      const out: { value?: SchannelCertContext } = {};
      assert.equal(
        QueryContextAttributes(h, SECPKG_ATTR_REMOTE_CERT_CONTEXT, out),
        SEC_E_OK,
      );
      return out.value!.pbCertEncoded;
    };
    const bindings = (h: CtxtHandle) => {
      const out: { value?: { Bindings: Uint8Array } } = {};
      QueryContextAttributes(h, SECPKG_ATTR_ENDPOINT_BINDINGS, out);
      return out.value!.Bindings;
    };
    const firstCert = cert(full.client);
    const firstBindings = bindings(full.client);
    close(full);

    const resumed = run(cc, sc);
    assert.equal(resumed.legs, 4);
    const ch = helloOf(resumed.sent[0]);
    assert.ok(ch.psk, "the second ClientHello offers the ticket");
    assert.equal(parsePskOffer(ch.psk!).identities.length, 1);
    assert.equal(serverHelloOf(resumed.answered[0]).pskIdentity, 0);
    // No Certificate/CertificateVerify: the server's flight is far shorter.
    assert.ok(
      resumed.answered[0].length < full.answered[0].length - 300,
      `${resumed.answered[0].length} vs ${full.answered[0].length}`,
    );
    const c2 = sessionInfo(resumed.client);
    const s2 = sessionInfo(resumed.server);
    assert.equal(c2.reconnect, true);
    assert.equal(s2.reconnect, true);
    assert.deepEqual(c2.id, a.id, "a resumed session keeps its id");
    assert.deepEqual(s2.id, a.id);
    talk(resumed, "resumed");
    assert.deepEqual(cert(resumed.client), firstCert);
    assert.deepEqual(bindings(resumed.client), firstBindings);
    close(resumed);

    // Each resumption brings a new ticket: a third one resumes too.
    const third = run(cc, sc);
    assert.equal(sessionInfo(third.client).reconnect, true);
    talk(third, "third");
    close(third);
    FreeCredentialsHandle(cc);
    FreeCredentialsHandle(sc);
  },
);

resumptionTest(
  "tickets are used once; another target name gets no offer",
  () => {
    const { sc, cc } = creds(pki!);
    close(run(cc, sc));
    // Resumed, but its new ticket is not handed to the client...
    const r = run(cc, sc);
    assert.equal(sessionInfo(r.client).reconnect, true);
    close(r);
    const client = new CtxtHandle();
    const server = new CtxtHandle();
    const c = isc(cc, client, true, "localhost", null);
    const s = asc(sc, server, true, c.token!);
    const f = isc(cc, client, false, "localhost", s.token!);
    assert.equal(asc(sc, server, false, f.token!).status, SEC_E_OK);
    DeleteSecurityContext(client);
    DeleteSecurityContext(server);
    // ...so nothing is left to offer: a full handshake.
    const full = run(cc, sc);
    assert.equal(helloOf(full.sent[0]).psk, null);
    assert.equal(sessionInfo(full.client).reconnect, false);
    close(full);
    // The ticket for "localhost" is not offered to "127.0.0.1" (same server).
    const other = run(cc, sc, { target: "127.0.0.1" });
    assert.equal(helloOf(other.sent[0]).psk, null);
    assert.equal(sessionInfo(other.server).reconnect, false);
    close(other);
    const back = run(cc, sc);
    assert.equal(sessionInfo(back.client).reconnect, true);
    close(back);
  },
);

resumptionTest(
  "a HelloRetryRequest: the second ClientHello offers the ticket again, bound to the retry's transcript",
  () => {
    // The server wants P-256; the client's first share is x25519.
    const { sc, cc } = creds(pki!, { KeyExchangeGroups: ["secp256r1"] });
    const full = run(cc, sc);
    assert.equal(full.legs, 6);
    close(full);
    const r = run(cc, sc);
    assert.equal(r.legs, 6);
    assert.ok(helloOf(r.sent[0]).psk);
    assert.ok(helloOf(r.sent[1]).psk, "offered again after the retry");
    assert.equal(serverHelloOf(r.answered[1]).pskIdentity, 0);
    assert.equal(sessionInfo(r.client).reconnect, true);
    assert.equal(sessionInfo(r.server).reconnect, true);
    talk(r, "after a retry");
    close(r);
  },
);

resumptionTest(
  "a tampered binder fails the handshake (decrypt_error); a garbled ticket is ignored (full handshake)",
  () => {
    const { sc, cc } = creds(pki!);
    close(run(cc, sc));
    const client = new CtxtHandle();
    const hello = isc(cc, client, true, "localhost", null).token!;
    assert.ok(helloOf(hello).psk);
    DeleteSecurityContext(client);
    // The binder is the ClientHello's last 32 bytes.
    const badBinder = hello.slice();
    badBinder[badBinder.length - 1] ^= 1;
    const server = new CtxtHandle();
    const s = asc(sc, server, true, badBinder);
    assert.equal(s.status, SEC_E_DECRYPT_FAILURE);
    assert.deepEqual([...s.token!], [21, 3, 3, 0, 2, 2, 51]); // alert decrypt_error
    DeleteSecurityContext(server);
    // A byte of the ticket (inside the identity, before age and binders) changed:
    // not one of ours any more, so a full handshake begins.
    const garbled = hello.slice();
    garbled[garbled.length - (32 + 1 + 2 + 4) - 5] ^= 0x40;
    const server2 = new CtxtHandle();
    const g = asc(sc, server2, true, garbled);
    assert.equal(g.status, SEC_I_CONTINUE_NEEDED);
    assert.equal(serverHelloOf(g.token!).pskIdentity, null);
    DeleteSecurityContext(server2);
  },
);

resumptionTest(
  "tickets of another server key, past their lifetime, or with a wrong age: full handshakes",
  () => {
    const p = pki!;
    const { sc, cc } = creds(pki!);
    close(run(cc, sc));
    // Another server credential (same certificate, another ticket key) cannot
    // open it: a full handshake that completes.
    const other = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
    });
    let r = run(cc, other);
    assert.ok(helloOf(r.sent[0]).psk);
    assert.equal(sessionInfo(r.client).reconnect, false);
    talk(r, "other key");
    close(r);
    // A client with a fresh ticket from `other`, then one handshake on given clocks.
    const after = (o: { clientClock: number; serverClock: number }) => {
      const c = acquire("client", { RootCertificates: p.ecCa.cert });
      close(run(c, other));
      return run(c, other, o);
    };
    // The server sees the ticket 2 hours and 1 minute old (its lifetime is 2
    // hours), the client a minute old.
    r = after({ clientClock: 60_000, serverClock: 2 * HOUR + 60_000 });
    assert.ok(helloOf(r.sent[0]).psk);
    assert.equal(sessionInfo(r.server).reconnect, false);
    talk(r, "expired at the server");
    close(r);
    // An age the client reports 10 minutes off the server's: not taken.
    r = after({ clientClock: 0, serverClock: 10 * 60_000 });
    assert.ok(helloOf(r.sent[0]).psk);
    assert.equal(sessionInfo(r.server).reconnect, false);
    close(r);
    // The client drops a ticket past its lifetime without offering it.
    r = after({ clientClock: 3 * HOUR, serverClock: 3 * HOUR });
    assert.equal(helloOf(r.sent[0]).psk, null);
    assert.equal(sessionInfo(r.client).reconnect, false);
    close(r);
    // Within its lifetime, on both clocks, it resumes.
    r = after({ clientClock: HOUR, serverClock: HOUR });
    assert.equal(sessionInfo(r.server).reconnect, true);
    close(r);
  },
);

resumptionTest(
  "SCH_CRED_DISABLE_RECONNECTS on either side: no ticket, full handshakes",
  () => {
    // Server side: it issues none (and takes none).
    let { sc, cc } = creds(pki!, { dwFlags: SCH_CRED_DISABLE_RECONNECTS });
    for (let i = 0; i < 2; i++) {
      const r = run(cc, sc);
      assert.equal(r.ticket, null);
      assert.equal(sessionInfo(r.client).reconnect, false);
      close(r);
    }
    // Client side: it does not ask for tickets, so ours sends none.
    ({ sc, cc } = creds(pki!, {}, { dwFlags: SCH_CRED_DISABLE_RECONNECTS }));
    for (let i = 0; i < 2; i++) {
      const r = run(cc, sc);
      assert.equal(helloOf(r.sent[0]).pskModes, null);
      assert.equal(r.ticket, null);
      assert.equal(sessionInfo(r.server).reconnect, false);
      close(r);
    }
    // A ticket offered to a server credential that disables reconnects is ignored.
    const on = creds(pki!);
    close(run(on.cc, on.sc));
    const off = acquire("server", {
      Certificate: pki!.ecServer.cert,
      PrivateKey: pki!.ecServer.key,
      dwFlags: SCH_CRED_DISABLE_RECONNECTS,
    });
    const r = run(on.cc, off);
    assert.equal(sessionInfo(r.server).reconnect, false);
    close(r);
  },
);

resumptionTest(
  "client certificates: no tickets on client-authenticated connections, and a ticket is not taken when one is asked for",
  () => {
    const p = pki!;
    const { sc, cc } = creds(pki!, { RootCertificates: p.rsaCa.cert }, {
      Certificate: p.client.cert,
      PrivateKey: p.client.key,
    });
    let r = run(cc, sc, { ascFlags: MUTUAL });
    assert.equal(r.ticket, null);
    close(r);
    close(run(cc, sc)); // without the request: a ticket
    r = run(cc, sc, { ascFlags: MUTUAL });
    assert.ok(helloOf(r.sent[0]).psk);
    assert.equal(sessionInfo(r.server).reconnect, false);
    assert.equal(
      QueryContextAttributes(r.server, SECPKG_ATTR_REMOTE_CERT_CONTEXT, {}),
      SEC_E_OK,
    );
    close(r);
  },
);

resumptionTest(
  "a ticket from a manually validated session is offered only to manual validation",
  () => {
    const { sc, cc } = creds(pki!);
    close(run(cc, sc, { iscFlags: MANUAL }));
    // The chain was left to the caller: a verifying connection does not skip it.
    let r = run(cc, sc);
    assert.equal(helloOf(r.sent[0]).psk, null);
    close(r);
    // That one was verified: its ticket serves a manual connection too.
    r = run(cc, sc, { iscFlags: MANUAL });
    assert.equal(sessionInfo(r.client).reconnect, true);
    assert.equal(
      QueryContextAttributes(r.client, SECPKG_ATTR_REMOTE_CERT_CONTEXT, {}),
      SEC_E_OK,
    );
    close(r);
  },
);
