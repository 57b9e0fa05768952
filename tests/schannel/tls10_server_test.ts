/**
 * TLS 1.0 and 1.1 in our server (off unless `grbitEnabledProtocols` names them):
 * `openssl s_client -tls1` and `-tls1_1` (at `@SECLEVEL=0`) with ECDHE (RSA and
 * ECDSA certificates), DHE_RSA and static RSA, 40 000 bytes each way; a client
 * certificate checked through its MD5+SHA-1 CertificateVerify; our client and
 * server in memory at TLS 1.0 (the IVs chained over every record size); and a
 * default credential, which refuses them.
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  DeleteSecurityContext,
  SEC_E_OK,
  SECPKG_ATTR_CONNECTION_INFO,
  SP_PROT_TLS1_0_CLIENT,
  SP_PROT_TLS1_0_SERVER,
  SP_PROT_TLS1_1_SERVER,
  SP_PROT_TLS1_2_SERVER,
  SP_PROT_TLS1_3_SERVER,
} from "../../mod.ts";
import { echoLine, pki, pkiTests, sClientArgs } from "./_cred_attrs.ts";
import { acquire, ASC_FLAGS, handshake, seal, unseal } from "./_tls.ts";
import { query } from "./_dhe_rsa12.ts";
import { sClientEcho } from "./_openssl.ts";

const serverTest = pkiTests("schannel TLS 1.0/1.1 server");

const ALL = SP_PROT_TLS1_0_SERVER | SP_PROT_TLS1_1_SERVER |
  SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_3_SERVER;

/** Our server with the RSA or EC leaf, every version on (and `extra` fields). */
function server(
  cert: "rsa" | "ec",
  extra: Record<string, unknown> = {},
): CredHandle {
  const leaf = cert === "rsa" ? pki!.rsaServer : pki!.ecServer;
  return acquire("server", {
    Certificate: leaf.cert,
    PrivateKey: leaf.key,
    grbitEnabledProtocols: ALL,
    ...extra,
  });
}

/** s_client's options for `version` and `cipher`, trusting the leaf's CA. */
function clientArgs(version: string, cipher: string, cert: "rsa" | "ec") {
  return sClientArgs(cert, [
    version,
    "-cipher",
    `${cipher}:@SECLEVEL=0`,
    "-ign_eof",
  ]);
}

const LINE = echoLine(40_000);

for (const [flag, name] of [["-tls1", "TLSv1"], ["-tls1_1", "TLSv1\\.1"]]) {
  for (
    const [cipher, cert] of [
      ["ECDHE-RSA-AES128-SHA", "rsa"],
      ["ECDHE-ECDSA-AES256-SHA", "ec"],
      ["DHE-RSA-AES256-SHA", "rsa"],
      ["AES128-SHA", "rsa"],
    ] as const
  ) {
    serverTest(`openssl s_client ${flag} -cipher ${cipher}`, async () => {
      const { read, out } = await sClientEcho(
        server(cert),
        clientArgs(flag, cipher, cert),
        LINE,
      );
      assert.equal(read, LINE);
      assert.match(out, new RegExp(`Protocol\\s*: ${name}\\n`));
      assert.match(out, new RegExp(`Cipher is ${cipher}\\n`));
      assert.ok(out.includes(LINE.toUpperCase().trimEnd()), "the echo");
    });
  }

  serverTest(
    `openssl s_client ${flag} -cert: the client's certificate checked`,
    async () => {
      const { read, out } = await sClientEcho(
        server("rsa", { RootCertificates: pki!.rsaCa.cert }),
        [
          ...clientArgs(flag, "ECDHE-RSA-AES128-SHA", "rsa"),
          "-cert",
          pki!.client.certPath,
          "-key",
          pki!.client.keyPath,
        ],
        "with a certificate\n",
        ASC_FLAGS | 0x2, // ASC_REQ_MUTUAL_AUTH
      );
      assert.equal(read, "with a certificate\n");
      assert.match(out, new RegExp(`Protocol\\s*: ${name}\\n`));
      assert.match(out, /WITH A CERTIFICATE/);
    },
  );
}

serverTest(
  "our client and server in memory at TLS 1.0: every record size both ways",
  () => {
    const cc = acquire("client", {
      RootCertificates: pki!.rsaCa.cert,
      grbitEnabledProtocols: SP_PROT_TLS1_0_CLIENT,
    });
    const r = handshake(cc, server("rsa"));
    assert.equal(
      query(r.client, SECPKG_ATTR_CONNECTION_INFO).dwProtocol,
      SP_PROT_TLS1_0_CLIENT,
    );
    assert.equal(
      query(r.server, SECPKG_ATTR_CONNECTION_INFO).dwProtocol,
      SP_PROT_TLS1_0_SERVER,
    );
    for (const n of [0, 1, 15, 16, 100, 4095, 16383, 16384]) {
      for (const [from, to] of [[r.client, r.server], [r.server, r.client]]) {
        const data = crypto.getRandomValues(new Uint8Array(n));
        const got = unseal(to, seal(from, data));
        assert.equal(got.status, SEC_E_OK, `size ${n}`);
        assert.deepEqual(got.data, data);
      }
    }
    DeleteSecurityContext(r.client);
    DeleteSecurityContext(r.server);
  },
);

serverTest(
  "off by default: a default server credential refuses s_client -tls1",
  async () => {
    const leaf = pki!.rsaServer;
    const byDefault = acquire("server", {
      Certificate: leaf.cert,
      PrivateKey: leaf.key,
    });
    await assert.rejects(
      sClientEcho(
        byDefault,
        clientArgs("-tls1", "ECDHE-RSA-AES128-SHA", "rsa"),
        "refused\n",
      ),
      /0x80090302/, // SEC_E_UNSUPPORTED_FUNCTION: no version in common
    );
  },
);
