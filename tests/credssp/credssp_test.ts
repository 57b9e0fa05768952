/**
 * CREDSSP between our own client and server, in memory: the whole MS-CSSP exchange
 * over TLS 1.3 with Negotiate(NTLM) inside, the delegated password, wrong passwords,
 * a TLS-terminating relay caught by the public-key binding, messages over the
 * channel afterwards, and the password kept out of inspect output.
 */
import assert from "node:assert/strict";
import {
  ApplyControlToken,
  type CredSspDelegatedCredentials,
  CtxtHandle,
  DeleteSecurityContext,
  QueryContextAttributes,
  SCHANNEL_SHUTDOWN,
  SEC_E_LOGON_DENIED,
  SEC_E_MUTUAL_AUTH_FAILED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_I_CONTEXT_EXPIRED,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
} from "../../mod.ts";
import { testPki } from "../schannel/_pki.ts";
import {
  acquire,
  asc,
  handshake,
  HandshakeError,
  isc,
  seal,
  unseal,
} from "../schannel/_tls.ts";
import {
  decodeTSCredentials,
  decodeTSRequest,
  encodeTSCredentials,
  encodeTSRequest,
} from "../../src/packages/credssp/mod.ts";

const pki = await testPki();
const USERS = [{ User: "alice", Domain: "CONTOSO", Password: "Secret1" }];

function credsspTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({ name: `credssp: ${name}`, ignore: pki === null, fn });
}

function serverCred(cert = pki!.rsaServer) {
  return acquire(
    "server",
    {
      Schannel: { Certificate: cert.cert, PrivateKey: cert.key },
      users: USERS,
    } as never,
    "CREDSSP",
  );
}

function clientCred(password = "Secret1", extra: Record<string, unknown> = {}) {
  return acquire(
    "client",
    { User: "alice", Domain: "CONTOSO", Password: password, ...extra } as never,
    "CREDSSP",
  );
}

credsspTest(
  "the whole exchange: TLS, Negotiate(NTLM), public-key binding, delegated password",
  () => {
    for (const cert of [pki!.rsaServer, pki!.ecServer]) {
      const cc = clientCred();
      const h = handshake(cc, serverCred(cert), "TERMSRV/localhost");
      // TLS (2 legs), NEGOTIATE/CHALLENGE, AUTHENTICATE, SPNEGO's last token, pubKeyAuth both ways, authInfo.
      assert.ok(h.legs >= 5, `${h.legs} legs`);
      const out: { value?: CredSspDelegatedCredentials } = {};
      assert.equal(
        QueryContextAttributes(
          h.server,
          SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
          out,
        ),
        SEC_E_OK,
      );
      assert.equal(out.value!.User, "alice");
      assert.equal(out.value!.Domain, "CONTOSO");
      assert.equal(out.value!.Password, "Secret1");
      // The password never shows in inspect or JSON output.
      assert.doesNotMatch(Deno.inspect(out.value), /Secret1/);
      assert.doesNotMatch(JSON.stringify(out.value), /Secret1/);
      // The client sees the server's certificate (it validates it itself, as RDP clients do).
      assert.equal(
        QueryContextAttributes(h.client, SECPKG_ATTR_REMOTE_CERT_CONTEXT, {}),
        SEC_E_OK,
      );
      // Afterwards, messages go through the TLS channel.
      const rec = seal(h.client, new TextEncoder().encode("over the channel"));
      assert.equal(
        new TextDecoder().decode(unseal(h.server, rec).data!),
        "over the channel",
      );
      // And ISC after SCHANNEL_SHUTDOWN gives the TLS channel's close_notify.
      assert.equal(
        ApplyControlToken(
          h.client,
          new SecBufferDesc([
            new SecBuffer(
              SECBUFFER_TOKEN,
              Uint8Array.of(SCHANNEL_SHUTDOWN, 0, 0, 0),
            ),
          ]),
        ),
        SEC_E_OK,
      );
      const bye = isc(cc, h.client, false, "TERMSRV/localhost", null);
      assert.equal(bye.status, SEC_E_OK);
      assert.equal(unseal(h.server, bye.token!).status, SEC_I_CONTEXT_EXPIRED);
      DeleteSecurityContext(h.client);
      DeleteSecurityContext(h.server);
      // Deleting the context wipes the delegated password.
      assert.throws(() => out.value!.Password, /wiped/);
    }
  },
);

credsspTest(
  "a wrong password fails on the server with SEC_E_LOGON_DENIED; no password, no client credential",
  () => {
    let err: unknown;
    try {
      handshake(clientCred("wrong"), serverCred(), "TERMSRV/localhost");
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof HandshakeError);
    assert.equal(err.side, "server");
    assert.equal(err.status, SEC_E_LOGON_DENIED);
    // The failing server's token (a TSRequest with errorCode STATUS_LOGON_FAILURE)
    // tells the client why.
    const cc = clientCred("wrong");
    const sc = serverCred();
    const client = new CtxtHandle();
    const server = new CtxtHandle();
    let c = isc(cc, client, true, "TERMSRV/localhost", null);
    let first = true;
    for (;;) {
      const s = asc(sc, server, first, c.token!);
      first = false;
      if (s.status !== SEC_I_CONTINUE_NEEDED) {
        assert.equal(s.status, SEC_E_LOGON_DENIED);
        assert.ok(s.token, "the server hands back an errorCode token");
        assert.equal(
          isc(cc, client, false, "TERMSRV/localhost", s.token).status,
          SEC_E_LOGON_DENIED,
        );
        break;
      }
      c = isc(cc, client, false, "TERMSRV/localhost", s.token);
      assert.equal(c.status, SEC_I_CONTINUE_NEEDED);
    }
    DeleteSecurityContext(client);
    DeleteSecurityContext(server);
    assert.throws(
      () =>
        acquire(
          "client",
          { User: "alice", Domain: "CONTOSO" } as never,
          "CREDSSP",
        ),
      new RegExp(SEC_E_NO_CREDENTIALS.toString(16)),
    );
  },
);

/**
 * Runs the exchange through a TLS-terminating relay whose front presents `frontCert`:
 * the client talks TLS to the front, the relay's back talks TLS to the server, and
 * every TSRequest is re-encrypted faithfully. Returns the server's last status.
 */
function relayed(frontCert: { cert: string; key: string }): number {
  const relayFront = acquire("server", {
    Certificate: frontCert.cert,
    PrivateKey: frontCert.key,
  });
  const relayBack = acquire("client", { dwFlags: 0x8 });
  const cc = clientCred();
  const sc = serverCred(pki!.rsaServer);
  const [client, server, front, back] = [
    new CtxtHandle(),
    new CtxtHandle(),
    new CtxtHandle(),
    new CtxtHandle(),
  ];
  try {
    let c = isc(cc, client, true, "TERMSRV/localhost", null);
    let f = asc(relayFront, front, true, c.token!);
    c = isc(cc, client, false, "TERMSRV/localhost", f.token!);
    assert.equal(c.status, SEC_I_CONTINUE_NEEDED);
    // The client's Finished, then its first TSRequest right behind it.
    f = asc(relayFront, front, false, c.token!);
    assert.equal(f.status, SEC_E_OK);
    let plain = unseal(front, c.token!.slice(c.token!.length - f.extra)).data!
      .slice();
    let b = isc(relayBack, back, true, "localhost", null);
    let s = asc(sc, server, true, b.token!);
    b = isc(relayBack, back, false, "localhost", s.token!);
    assert.equal(b.status, SEC_E_OK);
    s = asc(sc, server, false, concat(b.token!, seal(back, plain)));
    while (s.status === SEC_I_CONTINUE_NEEDED && s.token) {
      c = isc(
        cc,
        client,
        false,
        "TERMSRV/localhost",
        seal(front, unseal(back, s.token).data!.slice()),
      );
      if (c.status !== SEC_I_CONTINUE_NEEDED && c.status !== SEC_E_OK) {
        return c.status;
      }
      plain = unseal(front, c.token!).data!.slice();
      s = asc(sc, server, false, seal(back, plain));
    }
    return s.status;
  } finally {
    for (const h of [client, server, front, back]) DeleteSecurityContext(h);
  }
}

credsspTest(
  "a TLS-terminating relay with its own certificate is caught by the public-key binding",
  () => {
    // The same relay with the server's own certificate and key is transparent...
    assert.equal(relayed(pki!.rsaServer), SEC_E_OK);
    // ...with another key, the client binds the relay's key and the server refuses.
    assert.equal(relayed(pki!.ecServer), SEC_E_MUTUAL_AUTH_FAILED);
  },
);

credsspTest(
  "TSRequest and TSCredentials round trips; malformed input is a DerError, never another exception",
  () => {
    const r = {
      version: 6,
      negoTokens: [Uint8Array.of(1, 2, 3)],
      pubKeyAuth: Uint8Array.of(9),
      clientNonce: new Uint8Array(32).fill(7),
      errorCode: -1073741715,
    };
    assert.deepEqual(decodeTSRequest(encodeTSRequest(r)), r);
    const creds = { domain: "CONTOSO", user: "álice", password: "pä$$" };
    assert.deepEqual(decodeTSCredentials(encodeTSCredentials(creds)), creds);
    const good = encodeTSRequest(r);
    for (let i = 0; i < 20000; i++) {
      const m = good.slice();
      for (let k = 0, n = 1 + (i % 4); k < n; k++) {
        m[(i * 7919 + k * 104729) % m.length] = (i * 31 + k) & 0xff;
      }
      const cut = i % 5 === 0 ? m.subarray(0, i % m.length) : m;
      try {
        decodeTSRequest(cut);
      } catch (e) {
        assert.equal((e as Error).name, "DerError", String(e));
      }
    }
  },
);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}
