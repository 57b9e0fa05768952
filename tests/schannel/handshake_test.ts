/**
 * Schannel (TLS 1.3) between our own client and server, in memory: handshakes with
 * RSA and P-256 certificates, the SSPI buffer conventions (incomplete records, extra
 * bytes, stream buffers), certificate checks and their status codes, client
 * certificates, attributes and shutdown.
 */
import assert from "node:assert/strict";
import {
  ApplyControlToken,
  CtxtHandle,
  DeleteSecurityContext,
  EncryptMessage,
  FreeCredentialsHandle,
  QueryContextAttributes,
  SCH_CRED_MANUAL_CRED_VALIDATION,
  SCH_CRED_NO_SERVERNAME_CHECK,
  SCHANNEL_SHUTDOWN,
  type SchannelCertContext,
  SEC_E_CERT_EXPIRED,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNTRUSTED_ROOT,
  SEC_E_WRONG_PRINCIPAL,
  SEC_I_CONTEXT_EXPIRED,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  secChannelBindings,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_ENDPOINT_BINDINGS,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  SECPKG_ATTR_STREAM_SIZES,
  tlsServerEndPoint,
} from "../../mod.ts";
import { testPki } from "./_pki.ts";
import {
  acquire,
  asc,
  handshake,
  HandshakeError,
  isc,
  ISC_FLAGS,
  seal,
  unseal,
} from "./_tls.ts";

const pki = await testPki();
const enc = new TextEncoder();
const dec = new TextDecoder();

function schannelTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({ name: `schannel: ${name}`, ignore: pki === null, fn });
}

function failure(fn: () => unknown): HandshakeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HandshakeError) return e;
    throw e;
  }
  throw new Error("the handshake succeeded");
}

function closeAll(...hs: CtxtHandle[]): void {
  for (const h of hs) DeleteSecurityContext(h);
}

for (const kind of ["rsa", "ec"] as const) {
  schannelTest(`${kind} handshake, then records both ways`, () => {
    const p = pki!;
    const srv = kind === "rsa" ? p.rsaServer : p.ecServer;
    const sc = acquire("server", {
      Certificate: srv.cert,
      PrivateKey: srv.key,
    });
    const cc = acquire("client", {
      RootCertificates: kind === "rsa" ? p.rsaCa.cert : p.ecCa.cert,
    });
    const { client, server } = handshake(cc, sc);
    for (const size of [0, 1, 100, 16384]) {
      const msg = crypto.getRandomValues(new Uint8Array(size));
      const rec = seal(client, msg);
      assert.equal(rec.length, size + 22);
      const u = unseal(server, rec);
      assert.equal(u.status, SEC_E_OK);
      assert.deepEqual(u.data, msg);
      const back = unseal(client, seal(server, msg));
      assert.equal(back.status, SEC_E_OK);
      assert.deepEqual(back.data, msg);
    }
    closeAll(client, server);
    FreeCredentialsHandle(sc);
    FreeCredentialsHandle(cc);
  });
}

schannelTest(
  "the server's flight fed in pieces: INCOMPLETE_MESSAGE with the count, EXTRA after whole records",
  () => {
    const p = pki!;
    const sc = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
    });
    const cc = acquire("client", { RootCertificates: p.ecCa.cert });
    const client = new CtxtHandle();
    const server = new CtxtHandle();
    const hello = isc(cc, client, true, "localhost", null);
    // Three bytes of the ClientHello: the server says how many more the header needs.
    let s = asc(sc, server, true, hello.token!.subarray(0, 3));
    assert.equal(s.status, SEC_E_INCOMPLETE_MESSAGE);
    assert.equal(s.missing, 2);
    s = asc(sc, server, true, hello.token!.subarray(0, 10));
    assert.equal(s.status, SEC_E_INCOMPLETE_MESSAGE);
    assert.equal(s.missing, hello.token!.length - 10);
    s = asc(sc, server, true, hello.token!);
    assert.equal(s.status, SEC_I_CONTINUE_NEEDED);
    const flight = s.token!;
    // The flight byte by byte, keeping what the client did not consume.
    let pending = new Uint8Array(0);
    let c = {
      status: SEC_I_CONTINUE_NEEDED,
      token: null as Uint8Array | null,
      extra: 0,
      missing: 0,
    };
    let incompletes = 0;
    for (let i = 0; i < flight.length && c.status !== SEC_E_OK; i++) {
      const buf = new Uint8Array(pending.length + 1);
      buf.set(pending);
      buf[pending.length] = flight[i];
      c = isc(cc, client, false, "localhost", buf);
      if (c.status === SEC_E_INCOMPLETE_MESSAGE) {
        incompletes++;
        pending = buf;
        continue;
      }
      assert.ok(
        c.status === SEC_I_CONTINUE_NEEDED || c.status === SEC_E_OK,
        c.status.toString(16),
      );
      pending = c.extra ? buf.slice(buf.length - c.extra) : new Uint8Array(0);
    }
    assert.equal(c.status, SEC_E_OK);
    assert.ok(incompletes > flight.length / 2);
    assert.equal(asc(sc, server, false, c.token!).status, SEC_E_OK);
    // Application data right behind the client's Finished: EXTRA for DecryptMessage.
    const early = seal(client, enc.encode("behind the finished"));
    closeAll(client, server);
    const c2 = new CtxtHandle();
    const s2 = new CtxtHandle();
    const h2 = isc(cc, c2, true, "localhost", null);
    const f2 = asc(sc, s2, true, h2.token!);
    const fin = isc(cc, c2, false, "localhost", f2.token!);
    const rec = seal(c2, enc.encode("behind the finished"));
    const joined = new Uint8Array(fin.token!.length + rec.length);
    joined.set(fin.token!);
    joined.set(rec, fin.token!.length);
    const last = asc(sc, s2, false, joined);
    assert.equal(last.status, SEC_E_OK);
    assert.equal(last.extra, rec.length);
    const u = unseal(s2, joined.slice(joined.length - last.extra));
    assert.equal(dec.decode(u.data!), "behind the finished");
    assert.equal(early.length, rec.length);
    closeAll(c2, s2);
  },
);

schannelTest(
  "DecryptMessage: partial records, two records in one buffer, a changed byte",
  () => {
    const p = pki!;
    const sc = acquire("server", {
      Certificate: p.rsaServer.cert,
      PrivateKey: p.rsaServer.key,
    });
    const cc = acquire("client", { RootCertificates: p.rsaCa.cert });
    const { client, server } = handshake(cc, sc);
    const a = seal(client, enc.encode("first"));
    const b = seal(client, enc.encode("second"));
    const part = unseal(server, a.slice(0, 7));
    assert.equal(part.status, SEC_E_INCOMPLETE_MESSAGE);
    assert.equal(part.missing, a.length - 7);
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const one = unseal(server, both);
    assert.equal(one.status, SEC_E_OK);
    assert.equal(dec.decode(one.data!), "first");
    assert.equal(one.extra!.length, b.length);
    const c = seal(client, enc.encode("third"));
    // The next record in order is `b`; a changed byte in it fails and changes nothing.
    const bad = one.extra!.slice();
    bad[8] ^= 1;
    assert.equal(unseal(server, bad).status, SEC_E_DECRYPT_FAILURE);
    assert.equal(
      dec.decode(unseal(server, one.extra!.slice()).data!),
      "second",
    );
    assert.equal(dec.decode(unseal(server, c).data!), "third");
    // Replayed or reordered records fail too (the sequence number is in the nonce).
    assert.equal(unseal(server, a.slice()).status, SEC_E_DECRYPT_FAILURE);
    closeAll(client, server);
  },
);

schannelTest(
  "certificate checks: untrusted root, wrong name, expired; manual validation and NO_SERVERNAME_CHECK",
  () => {
    const p = pki!;
    const rsa = acquire("server", {
      Certificate: p.rsaServer.cert,
      PrivateKey: p.rsaServer.key,
    });
    const trustsEc = acquire("client", { RootCertificates: p.ecCa.cert });
    const trustsRsa = acquire("client", { RootCertificates: p.rsaCa.cert });
    assert.equal(
      failure(() => handshake(trustsEc, rsa)).status,
      SEC_E_UNTRUSTED_ROOT,
    );
    const wrong = failure(() => handshake(trustsRsa, rsa, "other.example"));
    assert.equal(wrong.side, "client");
    assert.equal(wrong.status, SEC_E_WRONG_PRINCIPAL);
    const h = handshake(trustsRsa, rsa, "127.0.0.1");
    closeAll(h.client, h.server);
    const expired = acquire("server", {
      Certificate: p.expired.cert,
      PrivateKey: p.expired.key,
    });
    assert.equal(
      failure(() => handshake(trustsRsa, expired)).status,
      SEC_E_CERT_EXPIRED,
    );
    // Manual validation: the handshake completes and the caller gets the chain.
    const manual = acquire("client", {
      dwFlags: SCH_CRED_MANUAL_CRED_VALIDATION,
      RootCertificates: [],
    });
    const m = handshake(manual, rsa, "anything");
    const out: { value?: SchannelCertContext } = {};
    assert.equal(
      QueryContextAttributes(m.client, SECPKG_ATTR_REMOTE_CERT_CONTEXT, out),
      SEC_E_OK,
    );
    assert.ok(
      p.rsaServer.cert.includes(
        btoa(String.fromCharCode(...out.value!.pbCertEncoded.subarray(0, 30)))
          .slice(0, 20),
      ),
    );
    closeAll(m.client, m.server);
    const viaFlag = handshake(trustsEc, rsa, "localhost", {
      iscFlags: 0x4 | 0x8 | 0x10 | 0x100 | 0x8000 | 0x80000,
    });
    closeAll(viaFlag.client, viaFlag.server);
    const noName = acquire("client", {
      RootCertificates: p.rsaCa.cert,
      dwFlags: SCH_CRED_NO_SERVERNAME_CHECK,
    });
    const n = handshake(noName, rsa, "other.example");
    closeAll(n.client, n.server);
    assert.equal(
      failure(() => handshake(noName, expired)).status,
      SEC_E_CERT_EXPIRED,
    );
  },
);

schannelTest(
  "client certificates (ASC_REQ_MUTUAL_AUTH): sent, checked, refused when missing",
  () => {
    const p = pki!;
    const sc = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
      RootCertificates: p.rsaCa.cert,
    });
    const withCert = acquire("client", {
      RootCertificates: p.ecCa.cert,
      Certificate: p.client.cert,
      PrivateKey: p.client.key,
    });
    const mutual = 0x4 | 0x8 | 0x10 | 0x100 | 0x10000 | 0x2;
    const h = handshake(withCert, sc, "localhost", { ascFlags: mutual });
    const out: { value?: SchannelCertContext } = {};
    assert.equal(
      QueryContextAttributes(h.server, SECPKG_ATTR_REMOTE_CERT_CONTEXT, out),
      SEC_E_OK,
    );
    assert.equal(out.value!.chain.length, 1);
    closeAll(h.client, h.server);
    const noCert = acquire("client", { RootCertificates: p.ecCa.cert });
    // Without a certificate our client asks its caller first
    // (SEC_I_INCOMPLETE_CREDENTIALS, client_auth_test.ts); with
    // ISC_REQ_USE_SUPPLIED_CREDS (0x80) it answers with an empty Certificate.
    const f = failure(() =>
      handshake(noCert, sc, "localhost", {
        ascFlags: mutual,
        iscFlags: ISC_FLAGS | 0x80,
      })
    );
    assert.equal(f.side, "server");
    assert.equal(f.status, SEC_E_NO_CREDENTIALS);
    const strange = acquire("client", {
      RootCertificates: p.ecCa.cert,
      Certificate: p.selfSigned.cert,
      PrivateKey: p.selfSigned.key,
    });
    assert.equal(
      failure(() => handshake(strange, sc, "localhost", { ascFlags: mutual }))
        .status,
      SEC_E_UNTRUSTED_ROOT,
    );
    // Without the request, the server does not ask and sees no client certificate.
    const plain = handshake(withCert, sc);
    assert.equal(
      QueryContextAttributes(plain.server, SECPKG_ATTR_REMOTE_CERT_CONTEXT, {}),
      SEC_E_NO_CREDENTIALS,
    );
    closeAll(plain.client, plain.server);
  },
);

schannelTest(
  "attributes: stream sizes, connection info, endpoint bindings equal tls-server-end-point",
  async () => {
    const p = pki!;
    const sc = acquire("server", {
      Certificate: p.rsaServer.cert,
      PrivateKey: p.rsaServer.key,
    });
    const cc = acquire("client", { RootCertificates: p.rsaCa.cert });
    const { client, server } = handshake(cc, sc);
    const sizes: { value?: Record<string, number> } = {};
    assert.equal(
      QueryContextAttributes(client, SECPKG_ATTR_STREAM_SIZES, sizes),
      SEC_E_OK,
    );
    assert.deepEqual(
      {
        h: sizes.value!.cbHeader,
        t: sizes.value!.cbTrailer,
        m: sizes.value!.cbMaximumMessage,
      },
      { h: 5, t: 17, m: 16384 },
    );
    const info: { value?: Record<string, number> } = {};
    assert.equal(
      QueryContextAttributes(server, SECPKG_ATTR_CONNECTION_INFO, info),
      SEC_E_OK,
    );
    assert.equal(info.value!.dwProtocol, 0x1000);
    assert.equal(info.value!.aiCipher, 0x660e);
    const expected = secChannelBindings(
      await tlsServerEndPoint(p.rsaServer.cert),
    );
    for (const side of [client, server]) {
      const b: { value?: { Bindings: Uint8Array } } = {};
      assert.equal(
        QueryContextAttributes(side, SECPKG_ATTR_ENDPOINT_BINDINGS, b),
        SEC_E_OK,
      );
      assert.deepEqual(b.value!.Bindings, expected);
    }
    closeAll(client, server);
  },
);

schannelTest(
  "shutdown: SCHANNEL_SHUTDOWN, a close_notify token, SEC_I_CONTEXT_EXPIRED at the peer",
  () => {
    const p = pki!;
    const sc = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
    });
    const cc = acquire("client", { RootCertificates: p.ecCa.cert });
    const { client, server } = handshake(cc, sc);
    const ctl = new Uint8Array([SCHANNEL_SHUTDOWN, 0, 0, 0]);
    assert.equal(
      ApplyControlToken(
        client,
        new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, ctl)]),
      ),
      SEC_E_OK,
    );
    const bye = isc(cc, client, false, "localhost", null);
    assert.equal(bye.status, SEC_E_OK);
    assert.equal(bye.token!.length, 5 + 2 + 17);
    assert.equal(unseal(server, bye.token!).status, SEC_I_CONTEXT_EXPIRED);
    const h = new SecBuffer(SECBUFFER_STREAM_HEADER, new Uint8Array(5));
    const d = new SecBuffer(SECBUFFER_DATA, enc.encode("late"));
    const t = new SecBuffer(SECBUFFER_STREAM_TRAILER, new Uint8Array(17));
    assert.notEqual(
      EncryptMessage(client, 0, new SecBufferDesc([h, d, t]), 0),
      SEC_E_OK,
    );
    closeAll(client, server);
  },
);

schannelTest(
  "the package answers under UNISP_NAME too, and a server needs a certificate",
  () => {
    const p = pki!;
    const sc = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
    }, "Microsoft Unified Security Protocol Provider");
    const cc = acquire(
      "client",
      { RootCertificates: p.ecCa.cert },
      "Microsoft Unified Security Protocol Provider",
    );
    const h = handshake(cc, sc);
    closeAll(h.client, h.server);
    assert.throws(() => acquire("server", {}), /0x8009030e/);
    assert.throws(
      () => acquire("server", { Certificate: p.ecServer.cert }),
      /0x8009030d/,
    );
    assert.throws(
      () =>
        acquire("server", {
          Certificate: p.ecServer.cert,
          PrivateKey: "not a key",
        }),
      /0x8009030d/,
    );
  },
);

schannelTest(
  "TLS 1.2: either side limited to it, RSA and ECDSA suites, records, client certificates",
  () => {
    const p = pki!;
    for (
      const [clientBits, serverBits] of [[0x800, 0], [0, 0x400], [0x800, 0x400]]
    ) {
      for (const srv of [p.rsaServer, p.ecServer]) {
        const sc = acquire("server", {
          Certificate: srv.cert,
          PrivateKey: srv.key,
          RootCertificates: p.rsaCa.cert,
          grbitEnabledProtocols: serverBits,
        });
        const cc = acquire("client", {
          RootCertificates: srv === p.rsaServer ? p.rsaCa.cert : p.ecCa.cert,
          Certificate: p.client.cert,
          PrivateKey: p.client.key,
          grbitEnabledProtocols: clientBits,
        });
        const h = handshake(cc, sc, "localhost", {
          ascFlags: 0x4 | 0x8 | 0x10 | 0x100 | 0x10000 | 0x2,
        });
        const info: { value?: { dwProtocol: number } } = {};
        assert.equal(
          QueryContextAttributes(h.client, SECPKG_ATTR_CONNECTION_INFO, info),
          SEC_E_OK,
        );
        assert.equal(info.value!.dwProtocol, 0x800);
        const sizes: { value?: Record<string, number> } = {};
        QueryContextAttributes(h.server, SECPKG_ATTR_STREAM_SIZES, sizes);
        assert.deepEqual([sizes.value!.cbHeader, sizes.value!.cbTrailer], [
          13,
          16,
        ]);
        const certOut: { value?: SchannelCertContext } = {};
        assert.equal(
          QueryContextAttributes(
            h.server,
            SECPKG_ATTR_REMOTE_CERT_CONTEXT,
            certOut,
          ),
          SEC_E_OK,
        );
        for (const size of [0, 1, 1000, 16384]) {
          const msg = crypto.getRandomValues(new Uint8Array(size));
          const rec = seal(h.client, msg);
          assert.equal(rec.length, size + 29);
          assert.deepEqual(unseal(h.server, rec).data, msg);
          assert.deepEqual(unseal(h.client, seal(h.server, msg)).data, msg);
        }
        const bad = seal(h.client, enc.encode("x"));
        bad[bad.length - 1] ^= 1;
        assert.equal(unseal(h.server, bad).status, SEC_E_DECRYPT_FAILURE);
        closeAll(h.client, h.server);
      }
    }
  },
);

schannelTest(
  "TLS 1.2: a TLS 1.3 server's downgrade sentinel stops a TLS 1.3 client",
  () => {
    const p = pki!;
    const sc = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
    });
    const only12 = acquire("client", {
      RootCertificates: p.ecCa.cert,
      grbitEnabledProtocols: 0x800,
    });
    const both = acquire("client", { RootCertificates: p.ecCa.cert });
    // Someone strips TLS 1.3 from a client's hello (here: a client limited to 1.2);
    // the server, which speaks 1.3, marks its TLS 1.2 answer.
    const a = new CtxtHandle();
    const s = new CtxtHandle();
    const hello = isc(only12, a, true, "localhost", null);
    const flight = asc(sc, s, true, hello.token!);
    assert.equal(flight.status, SEC_I_CONTINUE_NEEDED);
    // A client that speaks TLS 1.3 refuses that answer.
    const b = new CtxtHandle();
    isc(both, b, true, "localhost", null);
    assert.equal(
      isc(both, b, false, "localhost", flight.token!).status,
      0x80090326,
    );
    // The client limited to 1.2 accepts it (and answers with its key exchange).
    const next = isc(only12, a, false, "localhost", flight.token!);
    assert.equal(next.status, SEC_I_CONTINUE_NEEDED);
    assert.equal(asc(sc, s, false, next.token!).status, SEC_E_OK);
    closeAll(a, b, s);
  },
);

schannelTest(
  "a refusal hands back the TLS alert to send (unknown_ca here): the peer reads it as a status",
  () => {
    const p = pki!;
    const sc = acquire("server", {
      Certificate: p.rsaServer.cert,
      PrivateKey: p.rsaServer.key,
    });
    const cc = acquire("client", { RootCertificates: p.ecCa.cert });
    const client = new CtxtHandle();
    const server = new CtxtHandle();
    const hello = isc(cc, client, true, "localhost", null);
    const flight = asc(sc, server, true, hello.token!);
    const refused = isc(cc, client, false, "localhost", flight.token!);
    assert.equal(refused.status, SEC_E_UNTRUSTED_ROOT);
    // A fatal alert under the client's handshake key (TLS 1.3 hides its type).
    assert.deepEqual([...refused.token!.subarray(0, 5)], [23, 3, 3, 0, 2 + 17]);
    // The server, fed the alert, fails with the alert's status and sends nothing back.
    const seen = asc(sc, server, false, refused.token!);
    assert.equal(seen.status, 0x80090327); // SEC_E_CERT_UNKNOWN for unknown_ca
    assert.equal(seen.token, null);
    closeAll(client, server);
  },
);

schannelTest(
  "KeyExchangeGroups: P-256 shares, a HelloRetryRequest in memory, no group in common; the group's size reported",
  () => {
    const p = pki!;
    const conn = (h: CtxtHandle) => {
      const out: { value?: { dwProtocol: number; dwExchStrength: number } } =
        {};
      assert.equal(
        QueryContextAttributes(h, SECPKG_ATTR_CONNECTION_INFO, out),
        SEC_E_OK,
      );
      return out.value!;
    };
    const info = (h: CtxtHandle) => conn(h).dwProtocol;
    // dwExchStrength on both sides: 256 bits for secp256r1, 255 for x25519.
    const exchange = (h: { client: CtxtHandle; server: CtxtHandle }) => [
      conn(h.client).dwExchStrength,
      conn(h.server).dwExchStrength,
    ];
    const server = (groups?: string[], bits = 0) =>
      acquire("server", {
        Certificate: p.ecServer.cert,
        PrivateKey: p.ecServer.key,
        KeyExchangeGroups: groups,
        grbitEnabledProtocols: bits,
      });
    const client = (groups?: string[], bits = 0) =>
      acquire("client", {
        RootCertificates: p.ecCa.cert,
        KeyExchangeGroups: groups,
        grbitEnabledProtocols: bits,
      });
    // A P-256 share taken as is: two legs each way.
    let h = handshake(client(["secp256r1"]), server());
    assert.equal(h.legs, 4);
    assert.deepEqual(exchange(h), [256, 256]);
    closeAll(h.client, h.server);
    h = handshake(client(), server());
    assert.deepEqual(exchange(h), [255, 255]);
    closeAll(h.client, h.server);
    // The server wants P-256, the client's share is x25519: a HelloRetryRequest, six legs.
    h = handshake(client(), server(["P-256"]));
    assert.equal(h.legs, 6);
    assert.deepEqual(exchange(h), [256, 256]);
    assert.deepEqual(
      unseal(h.server, seal(h.client, enc.encode("after a retry"))).data,
      enc.encode("after a retry"),
    );
    closeAll(h.client, h.server);
    // TLS 1.2 with P-256 chosen by the server.
    h = handshake(client(undefined, 0x800), server(["secp256r1"]));
    assert.equal(info(h.client), 0x800);
    assert.deepEqual(exchange(h), [256, 256]);
    closeAll(h.client, h.server);
    h = handshake(client(undefined, 0x800), server());
    assert.deepEqual(exchange(h), [255, 255]);
    closeAll(h.client, h.server);
    // Nothing in common: the server refuses.
    assert.equal(
      failure(() => handshake(client(["x25519"]), server(["secp256r1"])))
        .status,
      0x80090331,
    );
    assert.throws(() => client(["x448"]), /0x80090331/); // SEC_E_ALGORITHM_MISMATCH
  },
);
