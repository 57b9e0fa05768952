/**
 * Revocation checking and OCSP stapling: the `SCH_CRED_REVOCATION_CHECK_*` flags on a
 * client (and a server checking client certificates), CRLs given in the credential,
 * a server's `OcspResponse` stapled in TLS 1.3 (the leaf's CertificateEntry) and TLS
 * 1.2 (CertificateStatus); our pair in memory, and OpenSSL's `s_server -status_file`
 * and `s_client -status` as the peers. Responses and CRLs come from `openssl ocsp`
 * and `openssl ca -gencrl`.
 */
import assert from "node:assert/strict";
import {
  CRYPT_E_NO_REVOCATION_CHECK,
  CRYPT_E_REVOCATION_OFFLINE,
  CRYPT_E_REVOKED,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  QueryContextAttributes,
  SCH_CRED_IGNORE_NO_REVOCATION_CHECK,
  SCH_CRED_IGNORE_REVOCATION_OFFLINE,
  SCH_CRED_REVOCATION_CHECK_CHAIN,
  SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT,
  SCH_CRED_REVOCATION_CHECK_END_CERT,
  type SchannelCertContext,
  SEC_E_OK,
  SEC_E_UNKNOWN_CREDENTIALS,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
} from "../../mod.ts";
import { type TestPki, testPki } from "./_pki.ts";
import { type OcspSet, ocspSets } from "./_ocsp.ts";
import { acquire, handshake, HandshakeError, isc } from "./_tls.ts";
import { connectWhenUp, SchannelStream } from "./_socket.ts";
import { sClientEcho, withSServer } from "./_openssl.ts";
import { CtxtHandle } from "../../mod.ts";

const pki = await testPki();
const sets = pki ? await ocspSets(pki) : null;

/** TLS 1.3 only, or TLS 1.2 only (client bits; the server speaks both). */
const VERSIONS = { "1.3": 0x2000, "1.2": 0x800 } as const;

function ocspTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({
    name: `schannel revocation: ${name}`,
    ignore: pki === null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

function server(p: TestPki, kind: "rsa" | "ec", extra: object = {}) {
  const srv = kind === "rsa" ? p.rsaServer : p.ecServer;
  return acquire("server", {
    Certificate: srv.cert,
    PrivateKey: srv.key,
    ...extra,
  });
}

function client(
  p: TestPki,
  kind: "rsa" | "ec",
  flags: number,
  version: keyof typeof VERSIONS,
  extra: object = {},
) {
  return acquire("client", {
    RootCertificates: kind === "rsa" ? p.rsaCa.cert : p.ecCa.cert,
    dwFlags: flags,
    grbitEnabledProtocols: VERSIONS[version],
    ...extra,
  });
}

/** The handshake's status: SEC_E_OK, or the client's failure. */
function outcome(
  cc: ReturnType<typeof client>,
  sc: ReturnType<typeof server>,
): { status: number; staple?: Uint8Array } {
  try {
    const h = handshake(cc, sc, "localhost");
    const out: { value?: SchannelCertContext } = {};
    assert.equal(
      QueryContextAttributes(h.client, SECPKG_ATTR_REMOTE_CERT_CONTEXT, out),
      SEC_E_OK,
    );
    DeleteSecurityContext(h.client);
    DeleteSecurityContext(h.server);
    return { status: SEC_E_OK, staple: out.value!.ocspResponse };
  } catch (e) {
    if (e instanceof HandshakeError) return { status: e.status };
    throw e;
  }
}

for (const version of ["1.3", "1.2"] as const) {
  ocspTest(
    `TLS ${version} in memory: a stapled good response passes, a revoked one fails with CRYPT_E_REVOKED, none with CRYPT_E_NO_REVOCATION_CHECK`,
    () => {
      const p = pki!;
      for (const kind of ["rsa", "ec"] as const) {
        const s: OcspSet = sets![kind];
        const end = SCH_CRED_REVOCATION_CHECK_END_CERT;
        const good = server(p, kind, { OcspResponse: s.good });
        const revoked = server(p, kind, { OcspResponse: s.revoked });
        const plain = server(p, kind);
        const cc = client(p, kind, end, version);
        // The good response is stapled and handed to the caller as received.
        const ok = outcome(cc, good);
        assert.equal(ok.status, SEC_E_OK, `${kind} good`);
        assert.deepEqual(ok.staple, s.good);
        assert.equal(outcome(cc, revoked).status, CRYPT_E_REVOKED);
        assert.equal(outcome(cc, plain).status, CRYPT_E_NO_REVOCATION_CHECK);
        // IGNORE_NO_REVOCATION_CHECK lets the unstapled one through, not the revoked.
        const lax = client(
          p,
          kind,
          end | SCH_CRED_IGNORE_NO_REVOCATION_CHECK,
          version,
        );
        assert.equal(outcome(lax, plain).status, SEC_E_OK);
        assert.equal(outcome(lax, revoked).status, CRYPT_E_REVOKED);
        // The staple covers the leaf only: the whole chain also needs the root's
        // status, the chain without its root does not.
        const chain = client(p, kind, SCH_CRED_REVOCATION_CHECK_CHAIN, version);
        const exRoot = client(
          p,
          kind,
          SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT,
          version,
        );
        assert.equal(outcome(chain, good).status, CRYPT_E_NO_REVOCATION_CHECK);
        assert.equal(outcome(exRoot, good).status, SEC_E_OK);
        assert.equal(outcome(exRoot, revoked).status, CRYPT_E_REVOKED);
        FreeCredentialsHandle(chain);
        FreeCredentialsHandle(exRoot);
        // No flags: nothing asked, nothing stapled, nothing checked.
        const none = client(p, kind, 0, version);
        const r = outcome(none, revoked);
        assert.equal(r.status, SEC_E_OK);
        assert.equal(r.staple, undefined);
        for (const h of [good, revoked, plain, cc, lax, none]) {
          FreeCredentialsHandle(h);
        }
      }
    },
  );
}

ocspTest(
  "CRLs in the credential: the leaf listed fails, an empty CRL passes, for the leaf, the chain and the chain but its root; another CA's CRL says nothing",
  () => {
    const p = pki!;
    const s = sets!.ec;
    const sc = server(p, "ec");
    const check = (flags: number, crl: string | undefined) => {
      const cc = client(p, "ec", flags, "1.3", {
        CertificateRevocationLists: crl,
      });
      try {
        return outcome(cc, sc).status;
      } finally {
        FreeCredentialsHandle(cc);
      }
    };
    const end = SCH_CRED_REVOCATION_CHECK_END_CERT;
    assert.equal(check(end, s.crlRevoked), CRYPT_E_REVOKED);
    assert.equal(check(end, s.crlEmpty), SEC_E_OK);
    assert.equal(
      check(SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT, s.crlEmpty),
      SEC_E_OK,
    );
    assert.equal(
      check(SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT, s.crlRevoked),
      CRYPT_E_REVOKED,
    );
    // The self-signed root is its own issuer: its CRL covers the root too.
    assert.equal(check(SCH_CRED_REVOCATION_CHECK_CHAIN, s.crlEmpty), SEC_E_OK);
    // Another CA's CRL says nothing about this leaf.
    assert.equal(check(end, sets!.rsa.crlEmpty), CRYPT_E_NO_REVOCATION_CHECK);
    FreeCredentialsHandle(sc);
  },
);

ocspTest(
  "credential checks: an OcspResponse or CRL that does not parse is SEC_E_UNKNOWN_CREDENTIALS; without status_request nothing is stapled",
  () => {
    const p = pki!;
    const bad = (extra: object, role: "client" | "server") => {
      try {
        if (role === "server") server(p, "ec", extra);
        else client(p, "ec", SCH_CRED_REVOCATION_CHECK_END_CERT, "1.3", extra);
      } catch (e) {
        return (e as Error).message;
      }
      return "acquired";
    };
    const code = `0x${(SEC_E_UNKNOWN_CREDENTIALS >>> 0).toString(16)}`;
    assert.match(
      bad({ OcspResponse: new Uint8Array(10) }, "server"),
      new RegExp(code),
    );
    assert.match(
      bad({ OcspResponse: sets!.ec.good.subarray(0, 100) }, "server"),
      new RegExp(code),
    );
    assert.match(
      bad({ CertificateRevocationLists: sets!.ec.good }, "client"),
      new RegExp(code),
    );
    // The ClientHello carries status_request (type 5) only with a revocation flag.
    const hello = (flags: number) => {
      const cc = client(p, "ec", flags, "1.3");
      const r = isc(cc, new CtxtHandle(), true, "localhost", null);
      FreeCredentialsHandle(cc);
      return r.token!;
    };
    const hasStatusRequest = (t: Uint8Array) =>
      t.some((_, i) =>
        t[i] === 0 && t[i + 1] === 5 && t[i + 2] === 0 && t[i + 3] === 5 &&
        t[i + 4] === 1
      );
    assert.ok(hasStatusRequest(hello(SCH_CRED_REVOCATION_CHECK_END_CERT)));
    assert.ok(!hasStatusRequest(hello(0)));
  },
);

ocspTest(
  "out-of-date information: a CRL past its nextUpdate is CRYPT_E_REVOCATION_OFFLINE, passed with SCH_CRED_IGNORE_REVOCATION_OFFLINE",
  async () => {
    const p = pki!;
    const dir = await Deno.makeTempDir();
    try {
      const stale = await staleCrl(dir, p);
      const cc = client(p, "ec", SCH_CRED_REVOCATION_CHECK_END_CERT, "1.3", {
        CertificateRevocationLists: stale,
      });
      const sc = server(p, "ec");
      assert.equal(outcome(cc, sc).status, CRYPT_E_REVOCATION_OFFLINE);
      const lax = client(
        p,
        "ec",
        SCH_CRED_REVOCATION_CHECK_END_CERT | SCH_CRED_IGNORE_REVOCATION_OFFLINE,
        "1.3",
        { CertificateRevocationLists: stale },
      );
      assert.equal(outcome(lax, sc).status, SEC_E_OK);
      for (const h of [cc, sc, lax]) FreeCredentialsHandle(h);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** An empty CRL of the EC CA whose nextUpdate (one second after it is made) has passed. */
async function staleCrl(dir: string, p: TestPki): Promise<string> {
  await Deno.writeTextFile(`${dir}/idx`, "");
  await Deno.writeTextFile(`${dir}/num`, "01\n");
  await Deno.writeTextFile(
    `${dir}/ca.cnf`,
    "[ca]\ndefault_ca=d\n[d]\ndatabase=idx\ncrlnumber=num\ndefault_md=sha256\n",
  );
  const r = await new Deno.Command("openssl", {
    args: [
      "ca",
      "-config",
      "ca.cnf",
      "-gencrl",
      "-keyfile",
      p.ecCa.keyPath,
      "-cert",
      p.ecCa.certPath,
      "-crlsec",
      "1",
      "-out",
      "stale.crl",
    ],
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  // Past its nextUpdate (one second) and the check's clock skew allowance.
  await new Promise((res) => setTimeout(res, 1100));
  return await Deno.readTextFile(`${dir}/stale.crl`);
}

for (const version of ["1.3", "1.2"] as const) {
  ocspTest(
    `TLS ${version}: our client into openssl s_server -status_file (good, then revoked)`,
    async () => {
      const p = pki!;
      for (const which of ["good", "revoked"] as const) {
        const s = sets!.rsa;
        await withSServer([
          "-cert",
          p.rsaServer.certPath,
          "-key",
          p.rsaServer.keyPath,
          version === "1.3" ? "-tls1_3" : "-tls1_2",
          "-status_file",
          which === "good" ? s.goodPath : s.revokedPath,
          "-www",
          "-naccept",
          "1",
        ], async (port) => {
          const conn = await connectWhenUp(port);
          const cc = client(
            p,
            "rsa",
            SCH_CRED_REVOCATION_CHECK_END_CERT,
            version,
          );
          try {
            const tls = await SchannelStream.connect(conn, cc, "localhost");
            assert.equal(which, "good");
            const out: { value?: SchannelCertContext } = {};
            QueryContextAttributes(
              tls.context,
              SECPKG_ATTR_REMOTE_CERT_CONTEXT,
              out,
            );
            assert.deepEqual(out.value!.ocspResponse, s.good);
            const page = await tls.getWwwPage();
            assert.match(page, /^HTTP\/1\.0 200 ok/);
            tls.close();
          } catch (e) {
            if (which === "good") throw e;
            assert.match(
              (e as Error).message,
              new RegExp(`0x${(CRYPT_E_REVOKED >>> 0).toString(16)}`),
            );
            conn.close();
          } finally {
            FreeCredentialsHandle(cc);
          }
        });
      }
    },
  );

  ocspTest(
    `TLS ${version}: openssl s_client -status into our server stapling its OcspResponse`,
    async () => {
      const p = pki!;
      const s = sets!.ec;
      const sc = server(p, "ec", { OcspResponse: s.good });
      const { read, out } = await sClientEcho(
        sc,
        [
          "-servername",
          "localhost",
          "-CAfile",
          p.ecCa.certPath,
          "-verify_return_error",
          version === "1.3" ? "-tls1_3" : "-tls1_2",
          "-status",
        ],
        "stapled\n",
      );
      assert.equal(read, "stapled\n");
      assert.match(out, /OCSP Response Status: successful/);
      assert.match(out, /Cert Status: good/);
      assert.doesNotMatch(out, /no response sent/);
      FreeCredentialsHandle(sc);
    },
  );
}

ocspTest(
  "a server checking client certificates: its CRL listing the client's certificate refuses it with CRYPT_E_REVOKED, an empty one lets it in",
  () => {
    const p = pki!;
    const mutual = 0x4 | 0x8 | 0x10 | 0x100 | 0x10000 | 0x2; // ASC_REQ_MUTUAL_AUTH
    const cc = acquire("client", {
      RootCertificates: p.ecCa.cert,
      Certificate: p.client.cert,
      PrivateKey: p.client.key,
    });
    const serverWith = (crl: string) =>
      acquire("server", {
        Certificate: p.ecServer.cert,
        PrivateKey: p.ecServer.key,
        RootCertificates: p.rsaCa.cert,
        dwFlags: SCH_CRED_REVOCATION_CHECK_END_CERT,
        CertificateRevocationLists: crl,
      });
    for (const version of ["1.3", "1.2"] as const) {
      const refuse = serverWith(sets!.clientRevoked);
      const admit = serverWith(sets!.rsa.crlEmpty);
      const opts = { ascFlags: mutual };
      const c = version === "1.3" ? cc : acquire("client", {
        RootCertificates: p.ecCa.cert,
        Certificate: p.client.cert,
        PrivateKey: p.client.key,
        grbitEnabledProtocols: VERSIONS["1.2"],
      });
      const h = handshake(c, admit, "localhost", opts);
      DeleteSecurityContext(h.client);
      DeleteSecurityContext(h.server);
      let failed: HandshakeError | null = null;
      try {
        handshake(c, refuse, "localhost", opts);
      } catch (e) {
        if (!(e instanceof HandshakeError)) throw e;
        failed = e;
      }
      assert.equal(failed?.side, "server", version);
      assert.equal(failed?.status, CRYPT_E_REVOKED, version);
      for (const x of [refuse, admit]) FreeCredentialsHandle(x);
      if (c !== cc) FreeCredentialsHandle(c);
    }
    FreeCredentialsHandle(cc);
  },
);
