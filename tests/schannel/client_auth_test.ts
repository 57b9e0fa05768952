/**
 * Client certificates the Windows way: a server's CertificateRequest and a client
 * credential without a certificate it can take give `SEC_I_INCOMPLETE_CREDENTIALS`
 * (nothing consumed); `SECPKG_ATTR_ISSUER_LIST_EX` names the server's CAs; the next
 * call, with the same input, takes a new credential's certificate, or with
 * `ISC_REQ_USE_SUPPLIED_CREDS` sends an empty Certificate. TLS 1.3 and 1.2, our
 * client and server in memory, and against `openssl s_server -Verify` and
 * `openssl s_client` (which prints the CA names our server sends).
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  CtxtHandle,
  FreeCredentialsHandle,
  QueryContextAttributes,
  type SchannelCertContext,
  SEC_E_INVALID_TOKEN,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_E_UNTRUSTED_ROOT,
  SEC_I_CONTINUE_NEEDED,
  SEC_I_INCOMPLETE_CREDENTIALS,
  SECPKG_ATTR_ISSUER_LIST_EX,
  SECPKG_ATTR_LOCAL_CERT_CONTEXT,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  type SecPkgContextIssuerListInfoEx,
} from "../../mod.ts";
import { parseCertificate, parsePem } from "../../src/pki/mod.ts";
import { testPki } from "./_pki.ts";
import {
  acquire,
  asc,
  ASC_FLAGS,
  handshake,
  type HandshakeError,
  isc,
  ISC_FLAGS,
  seal,
  unseal,
} from "./_tls.ts";
import { connectWhenUp, SchannelStream } from "./_socket.ts";
import { sClientEcho, withSServer } from "./_openssl.ts";

const pki = await testPki();
const enc = new TextEncoder();
const dec = new TextDecoder();
const MUTUAL = ASC_FLAGS | 0x2; // ASC_REQ_MUTUAL_AUTH
const USE_SUPPLIED = 0x80; // ISC_REQ_USE_SUPPLIED_CREDS
const VERSIONS = [["1.3", 0x2000], ["1.2", 0x800]] as const;

function authTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({
    name: `schannel client auth: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

/** The DER of a PEM certificate's subject, and of the certificate itself. */
function derOf(pem: string): { cert: Uint8Array; subject: Uint8Array } {
  const cert = parsePem(pem, "CERTIFICATE")[0];
  return { cert, subject: parseCertificate(cert)!.subject };
}

function issuers(ctx: CtxtHandle): SecPkgContextIssuerListInfoEx {
  const out: { value?: SecPkgContextIssuerListInfoEx } = {};
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_ISSUER_LIST_EX, out),
    SEC_E_OK,
  );
  return out.value!;
}

function certOf(ctx: CtxtHandle, attr: number): Uint8Array | null {
  const out: { value?: SchannelCertContext } = {};
  const st = QueryContextAttributes(ctx, attr, out);
  return st === SEC_E_OK ? out.value!.pbCertEncoded : null;
}

/** The server (asking for client certificates, trusting the client's CA) and client credentials. */
function creds(protocols: number, sendIssuers = true) {
  const p = pki!;
  return {
    server: acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
      RootCertificates: p.rsaCa.cert,
      SendTrustedIssuerList: sendIssuers,
    }),
    noCert: acquire("client", {
      RootCertificates: p.ecCa.cert,
      grbitEnabledProtocols: protocols,
    }),
    withCert: () =>
      acquire("client", {
        RootCertificates: p.ecCa.cert,
        Certificate: p.client.cert,
        PrivateKey: p.client.key,
        grbitEnabledProtocols: protocols,
      }),
  };
}

/** Runs the client up to the server's flight: the contexts and that flight. */
function toServerFlight(client: CredHandle, server: CredHandle) {
  const c = new CtxtHandle();
  const s = new CtxtHandle();
  const hello = isc(client, c, true, "localhost", null);
  assert.equal(hello.status, SEC_I_CONTINUE_NEEDED);
  const flight = asc(server, s, true, hello.token!, MUTUAL);
  assert.equal(flight.status, SEC_I_CONTINUE_NEEDED);
  return { c, s, flight: flight.token! };
}

/** Finishes a handshake from the client's flight; the server's last status. */
function finish(
  cc: CredHandle,
  sc: CredHandle,
  c: CtxtHandle,
  s: CtxtHandle,
  clientStatus: number,
  clientToken: Uint8Array,
): number {
  const last = asc(sc, s, false, clientToken, MUTUAL);
  if (clientStatus === SEC_E_OK || last.status !== SEC_E_OK) {
    return last.status;
  }
  // TLS 1.2: the server's ChangeCipherSpec and Finished.
  const done = isc(cc, c, false, "localhost", last.token);
  assert.equal(done.status, SEC_E_OK);
  return last.status;
}

function roundTrip(c: CtxtHandle, s: CtxtHandle): void {
  assert.equal(
    dec.decode(unseal(s, seal(c, enc.encode("ping"))).data!),
    "ping",
  );
  assert.equal(
    dec.decode(unseal(c, seal(s, enc.encode("pong"))).data!),
    "pong",
  );
}

for (const [version, protocols] of VERSIONS) {
  authTest(
    `TLS ${version}: no certificate -> SEC_I_INCOMPLETE_CREDENTIALS, nothing consumed; ISSUER_LIST_EX; a new credential on the next call completes`,
    () => {
      const p = pki!;
      const { server, noCert, withCert } = creds(protocols);
      const { c, s, flight } = toServerFlight(noCert, server);
      // A partial record behind the flight: reported as extra only once consumed.
      const input = new Uint8Array(flight.length + 7);
      input.set(flight);
      input.set([23, 3, 3, 0, 40, 1, 2], flight.length);
      for (let i = 0; i < 2; i++) {
        const r = isc(noCert, c, false, "localhost", input);
        assert.equal(r.status, SEC_I_INCOMPLETE_CREDENTIALS);
        assert.equal(r.token, null);
        assert.equal(r.extra, 0);
        assert.equal(r.missing, 0);
      }
      const ca = derOf(p.rsaCa.cert);
      const list = issuers(c);
      assert.equal(list.cIssuers, 1);
      assert.deepEqual(list.aIssuers[0].pbData, ca.subject);
      assert.equal(list.aIssuers[0].cbData, ca.subject.length);
      // Another input is refused, and the context stays paused.
      assert.equal(
        isc(noCert, c, false, "localhost", flight.subarray(1)).status,
        SEC_E_INVALID_TOKEN,
      );
      const cert = withCert();
      const r = isc(cert, c, false, "localhost", input);
      assert.ok(r.status === SEC_E_OK || r.status === SEC_I_CONTINUE_NEEDED);
      assert.equal(r.status === SEC_E_OK, version === "1.3");
      assert.equal(r.extra, 7);
      // The new credential was only needed for that call.
      assert.equal(FreeCredentialsHandle(cert), SEC_E_OK);
      assert.equal(finish(noCert, server, c, s, r.status, r.token!), SEC_E_OK);
      const client = derOf(p.client.cert).cert;
      assert.deepEqual(certOf(s, SECPKG_ATTR_REMOTE_CERT_CONTEXT), client);
      assert.deepEqual(certOf(c, SECPKG_ATTR_LOCAL_CERT_CONTEXT), client);
      roundTrip(c, s);
    },
  );

  authTest(
    `TLS ${version}: ISC_REQ_USE_SUPPLIED_CREDS on the next call and no certificate: an empty Certificate, which the server refuses`,
    () => {
      const { server, noCert } = creds(protocols);
      const { c, s, flight } = toServerFlight(noCert, server);
      assert.equal(
        isc(noCert, c, false, "localhost", flight).status,
        SEC_I_INCOMPLETE_CREDENTIALS,
      );
      const r = isc(
        noCert,
        c,
        false,
        "localhost",
        flight,
        ISC_FLAGS | USE_SUPPLIED,
      );
      assert.equal(r.status === SEC_E_OK, version === "1.3");
      assert.equal(
        asc(server, s, false, r.token!, MUTUAL).status,
        SEC_E_NO_CREDENTIALS,
      );
      // With the flag from the start, the client never asks.
      const again = toServerFlight(noCert, server);
      const direct = isc(
        noCert,
        again.c,
        false,
        "localhost",
        again.flight,
        ISC_FLAGS | USE_SUPPLIED,
      );
      assert.notEqual(direct.status, SEC_I_INCOMPLETE_CREDENTIALS);
      assert.ok(direct.token);
    },
  );

  authTest(
    `TLS ${version}: a credential with a suitable certificate never sees SEC_I_INCOMPLETE_CREDENTIALS; a flight split in two pauses on the second part`,
    () => {
      const p = pki!;
      const { server, noCert, withCert } = creds(protocols);
      const cc = withCert();
      // handshake() fails on any status but CONTINUE_NEEDED and OK.
      const h = handshake(cc, server, "localhost", {
        ascFlags: MUTUAL,
        iscFlags: ISC_FLAGS,
      });
      assert.deepEqual(
        certOf(h.server, SECPKG_ATTR_REMOTE_CERT_CONTEXT),
        derOf(p.client.cert).cert,
      );
      // The issuer list is there for the asking.
      assert.equal(issuers(h.client).cIssuers, 1);
      // Split after the first record (ServerHello): read, then the rest pauses.
      const { c, s, flight } = toServerFlight(noCert, server);
      const cut = 5 + ((flight[3] << 8) | flight[4]);
      const first = isc(noCert, c, false, "localhost", flight.subarray(0, cut));
      assert.equal(first.status, SEC_I_CONTINUE_NEEDED);
      assert.equal(first.token, null);
      const rest = flight.slice(cut);
      assert.equal(
        isc(noCert, c, false, "localhost", rest).status,
        SEC_I_INCOMPLETE_CREDENTIALS,
      );
      const r = isc(cc, c, false, "localhost", rest);
      assert.equal(finish(noCert, server, c, s, r.status, r.token!), SEC_E_OK);
      roundTrip(c, s);
    },
  );

  authTest(
    `TLS ${version}: CA names: a certificate under none of them makes the client ask; without SendTrustedIssuerList none are sent and it goes`,
    () => {
      const p = pki!;
      const { server } = creds(protocols);
      const strange = acquire("client", {
        RootCertificates: p.ecCa.cert,
        Certificate: p.selfSigned.cert,
        PrivateKey: p.selfSigned.key,
        grbitEnabledProtocols: protocols,
      });
      const { c, flight } = toServerFlight(strange, server);
      assert.equal(
        isc(strange, c, false, "localhost", flight).status,
        SEC_I_INCOMPLETE_CREDENTIALS,
      );
      // ISC_REQ_USE_SUPPLIED_CREDS sends it anyway: the server's check refuses it.
      const r = isc(strange, c, false, "localhost", flight, ISC_FLAGS | 0x80);
      assert.ok(r.token);
      const quiet = creds(protocols, false);
      const q = toServerFlight(strange, quiet.server);
      const sent = isc(strange, q.c, false, "localhost", q.flight);
      assert.notEqual(sent.status, SEC_I_INCOMPLETE_CREDENTIALS);
      assert.equal(issuers(q.c).cIssuers, 0);
      const f = (() => {
        try {
          handshake(strange, quiet.server, "localhost", { ascFlags: MUTUAL });
        } catch (e) {
          return e as HandshakeError;
        }
        throw new Error("the handshake went through");
      })();
      assert.equal(f.side, "server");
      assert.equal(f.status, SEC_E_UNTRUSTED_ROOT);
      // The server has no issuer list of its own to give.
      assert.equal(
        QueryContextAttributes(q.s, SECPKG_ATTR_ISSUER_LIST_EX, {}),
        SEC_E_UNSUPPORTED_FUNCTION,
      );
    },
  );
}

/** `openssl s_server -Verify 1` asking for a certificate under the RSA CA. */
for (const [version] of VERSIONS) {
  authTest(
    `our client -> openssl s_server -Verify (TLS ${version}): SEC_I_INCOMPLETE_CREDENTIALS, its CA names, then the certificate`,
    async () => {
      const p = pki!;
      await withSServer([
        "-cert",
        p.ecServer.certPath,
        "-key",
        p.ecServer.keyPath,
        "-Verify",
        "1",
        "-CAfile",
        p.rsaCa.certPath,
        version === "1.3" ? "-tls1_3" : "-tls1_2",
        "-www",
        "-naccept",
        "1",
      ], async (port) => {
        const conn = await connectWhenUp(port);
        const noCert = acquire("client", { RootCertificates: p.ecCa.cert });
        const cert = acquire("client", {
          RootCertificates: p.ecCa.cert,
          Certificate: p.client.cert,
          PrivateKey: p.client.key,
        });
        let asked = 0;
        let names: SecPkgContextIssuerListInfoEx | null = null;
        const tls = await SchannelStream.connect(
          conn,
          noCert,
          "localhost",
          undefined,
          (ctx) => {
            asked++;
            names = issuers(ctx);
            return { cred: cert };
          },
        );
        assert.equal(asked, 1);
        assert.equal(names!.cIssuers, 1);
        assert.deepEqual(
          names!.aIssuers[0].pbData,
          derOf(p.rsaCa.cert).subject,
        );
        const page = await tls.getWwwPage();
        assert.match(page, /^HTTP\/1\.0 200 ok/);
        assert.match(
          page,
          new RegExp(`Protocol\\s*: TLSv${version.replace(".", "\\.")}`),
        );
        assert.match(page, /Client certificate[\s\S]*CN\s*=\s*alice/);
        tls.close();
      });
    },
  );
}

authTest(
  "openssl s_client -> our server with SendTrustedIssuerList: the acceptable CA names it prints, TLS 1.3 and 1.2",
  async () => {
    const p = pki!;
    for (const version of ["-tls1_3", "-tls1_2"]) {
      for (const send of [true, false]) {
        const cred = acquire("server", {
          Certificate: p.ecServer.cert,
          PrivateKey: p.ecServer.key,
          RootCertificates: p.rsaCa.cert,
          SendTrustedIssuerList: send,
        });
        const { read, out } = await sClientEcho(
          cred,
          [
            "-servername",
            "localhost",
            "-CAfile",
            p.ecCa.certPath,
            "-cert",
            p.client.certPath,
            "-key",
            p.client.keyPath,
            version,
          ],
          `names ${version} ${send}\n`,
          MUTUAL,
        );
        assert.equal(read, `names ${version} ${send}\n`);
        if (send) {
          assert.match(
            out,
            /Acceptable client certificate CA names\s*\n\s*CN\s*=\s*Test RSA CA/,
          );
        } else {
          assert.match(out, /No client certificate CA names sent/);
        }
      }
    }
  },
);
