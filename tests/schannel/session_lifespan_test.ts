/**
 * `dwSessionLifespan` (SCHANNEL_CRED, SCH_CREDENTIALS): how long, in milliseconds, a
 * session may be resumed after its full handshake; 0 or absent is Windows' 10
 * hours. Our client and server in memory on shifted clocks, TLS 1.3 (tickets) and
 * TLS 1.2 (session ids and RFC 5077 tickets), each side's limit on its own.
 */
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  CredHandle,
  FreeCredentialsHandle,
  SEC_E_UNKNOWN_CREDENTIALS,
  SECPKG_CRED_INBOUND,
  statusName,
} from "../../mod.ts";
import { testPki } from "./_pki.ts";
import {
  at,
  close,
  creds,
  helloOf,
  run,
  run12,
  sessionInfo,
} from "./_resume.ts";

const pki = await testPki();
const MINUTE = 60_000;
const TLS12_CLIENT = 0x800;
const TLS12_SERVER = 0x400;

function lifespanTest(name: string, fn: () => void): void {
  Deno.test({
    name: `schannel dwSessionLifespan: ${name}`,
    ignore: pki === null,
    fn,
  });
}

lifespanTest(
  "TLS 1.3, server's one minute: a ticket resumes half a minute on, and lives no longer than the minute at the client",
  () => {
    const { sc, cc } = creds(pki!, { dwSessionLifespan: MINUTE });
    close(run(cc, sc));
    const r = run(cc, sc, { clientClock: MINUTE / 2, serverClock: MINUTE / 2 });
    assert.equal(sessionInfo(r.server).reconnect, true, "within the minute");
    close(r);
    // The ticket that resumption brought lives until the minute after the full
    // handshake: the server gave it no longer, so the client does not offer it.
    const late = run(cc, sc, {
      clientClock: MINUTE + 5_000,
      serverClock: MINUTE + 5_000,
    });
    assert.equal(helloOf(late.sent[0]).psk, null);
    assert.equal(sessionInfo(late.client).reconnect, false);
    close(late);
    FreeCredentialsHandle(cc);
    FreeCredentialsHandle(sc);
  },
);

lifespanTest(
  "TLS 1.3, client's one minute: a ticket the server gave for 2 hours is not offered after the minute",
  () => {
    const { sc, cc } = creds(pki!, {}, { dwSessionLifespan: MINUTE });
    close(run(cc, sc));
    const late = run(cc, sc, {
      clientClock: MINUTE + 1,
      serverClock: MINUTE + 1,
    });
    assert.equal(helloOf(late.sent[0]).psk, null, "dropped by the client");
    close(late);
    // The full handshake just made brought a new ticket: half a minute on, it resumes.
    const t = MINUTE + 1 + MINUTE / 2;
    const again = run(cc, sc, { clientClock: t, serverClock: t });
    assert.equal(sessionInfo(again.client).reconnect, true, "a new ticket");
    close(again);
    FreeCredentialsHandle(cc);
    FreeCredentialsHandle(sc);
  },
);

lifespanTest(
  "TLS 1.2, server's one minute: a session id a default client still offers is refused after it; tickets are hinted for the minute",
  () => {
    for (const tickets of [false, true]) {
      const { sc, cc } = creds(pki!, {
        grbitEnabledProtocols: TLS12_SERVER,
        dwSessionLifespan: MINUTE,
        Tls12SessionTickets: tickets,
      }, { grbitEnabledProtocols: TLS12_CLIENT });
      close(run12(cc, sc));
      const soon = at(MINUTE / 2, () => run12(cc, sc));
      assert.equal(sessionInfo(soon.server).reconnect, true, `${tickets}`);
      close(soon);
      // A client of the default lifespan offers its session a minute on, and the
      // server does not resume it: a full handshake that completes.
      const late = at(MINUTE + 1, () => run12(cc, sc));
      const hello = helloOf(late.sent[0]);
      if (tickets) {
        // The server's lifetime hint was the minute: the client drops the ticket
        // itself (the server's own check is in tickets12_test.ts).
        assert.equal(hello.sessionTicket?.length ?? 0, 0, "not offered");
      } else {
        assert.equal(hello.sessionId.length, 32, "offered");
      }
      assert.equal(sessionInfo(late.server).reconnect, false, "refused");
      assert.equal(sessionInfo(late.client).reconnect, false);
      close(late);
      FreeCredentialsHandle(cc);
      FreeCredentialsHandle(sc);
    }
  },
);

lifespanTest(
  "TLS 1.2, client's one minute: its session is not offered after the minute",
  () => {
    const { sc, cc } = creds(pki!, { grbitEnabledProtocols: TLS12_SERVER }, {
      grbitEnabledProtocols: TLS12_CLIENT,
      dwSessionLifespan: MINUTE,
    });
    close(run12(cc, sc));
    const soon = at(MINUTE / 2, () => run12(cc, sc));
    assert.equal(sessionInfo(soon.client).reconnect, true);
    close(soon);
    const late = at(MINUTE + 1, () => run12(cc, sc));
    assert.equal(helloOf(late.sent[0]).sessionId.length, 0, "not offered");
    assert.equal(sessionInfo(late.client).reconnect, false);
    close(late);
    FreeCredentialsHandle(cc);
    FreeCredentialsHandle(sc);
  },
);

lifespanTest("a value that is not a DWORD is refused at acquire", () => {
  for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) {
    const cred = new CredHandle();
    const st = AcquireCredentialsHandle(
      null,
      "Schannel",
      SECPKG_CRED_INBOUND,
      null,
      {
        Certificate: pki!.ecServer.cert,
        PrivateKey: pki!.ecServer.key,
        dwSessionLifespan: bad,
      },
      null,
      null,
      cred,
      null,
    );
    assert.equal(
      statusName(st),
      statusName(SEC_E_UNKNOWN_CREDENTIALS),
      `${bad}`,
    );
  }
});
