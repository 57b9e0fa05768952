/**
 * TLS 1.0 and 1.1 in our client (off unless `grbitEnabledProtocols` names them)
 * against OpenSSL 3's `s_server` (at `@SECLEVEL=0`, which lets it speak them):
 * ECDHE with RSA and ECDSA certificates, DHE_RSA and static RSA, `_CBC_SHA` suites
 * in both versions; 40 000 bytes each way (TLS 1.0's IVs chained from record to
 * record); an RSA client certificate (MD5+SHA-1 CertificateVerify); and a default
 * credential, which offers neither.
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  QueryCredentialsAttributes,
  SEC_E_ILLEGAL_MESSAGE,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_STREAM_SIZES,
  SECPKG_ATTR_SUPPORTED_ALGS,
  SECPKG_ATTR_SUPPORTED_PROTOCOLS,
  SetCredentialsAttributes,
  SP_PROT_TLS1_0_CLIENT,
  SP_PROT_TLS1_1_CLIENT,
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_3_CLIENT,
} from "../../mod.ts";
import { echoLine, pki, pkiTests, sServer } from "./_cred_attrs.ts";
import { acquire, isc } from "./_tls.ts";
import { query } from "./_dhe_rsa12.ts";
import { connectWhenUp, SchannelStream } from "./_socket.ts";
import { spawnSServer, withSServer } from "./_openssl.ts";

const tls10Test = pkiTests("schannel TLS 1.0/1.1 client");

/** s_server's flag, its page's name, our `SP_PROT_*` bit and our header size. */
const VERSIONS = [
  ["-tls1", "TLSv1", SP_PROT_TLS1_0_CLIENT, 5],
  ["-tls1_1", "TLSv1\\.1", SP_PROT_TLS1_1_CLIENT, 21],
] as const;
const ALL = SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_1_CLIENT |
  SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT;

/** A client trusting both CAs with every version on (and `extra` fields). */
function client(extra: Record<string, unknown> = {}): CredHandle {
  return acquire("client", {
    RootCertificates: pki!.rsaCa.cert + pki!.ecCa.cert,
    grbitEnabledProtocols: ALL,
    ...extra,
  });
}

/** s_server options for `version` and `cipher` with the RSA or EC leaf. */
function serverArgs(version: string, cipher: string, cert: "rsa" | "ec") {
  const leaf = cert === "rsa" ? pki!.rsaServer : pki!.ecServer;
  return [
    version,
    "-cipher",
    `${cipher}:@SECLEVEL=0`,
    "-cert",
    leaf.certPath,
    "-key",
    leaf.keyPath,
  ];
}

for (const [flag, name, bit, header] of VERSIONS) {
  for (
    const [cipher, iana, id, cert] of [
      [
        "ECDHE-RSA-AES128-SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc013,
        "rsa",
      ],
      [
        "ECDHE-ECDSA-AES256-SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc00a,
        "ec",
      ],
      ["AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, "rsa"],
      ["DHE-RSA-AES128-SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", 0x0033, "rsa"],
    ] as const
  ) {
    tls10Test(`openssl s_server ${flag} -cipher ${cipher}`, async () => {
      await sServer(serverArgs(flag, cipher, cert), 1, async (port) => {
        const tls = await SchannelStream.connect(
          await connectWhenUp(port),
          client(),
          "localhost",
        );
        const page = await tls.getWwwPage();
        assert.match(page, new RegExp(`Protocol\\s*: ${name}\\n`));
        assert.match(page, new RegExp(`Cipher\\s*: ${cipher}\\n`));
        const conn = query(tls.context, SECPKG_ATTR_CONNECTION_INFO);
        assert.equal(conn.dwProtocol, bit);
        const info = query(tls.context, SECPKG_ATTR_CIPHER_INFO);
        assert.deepEqual(
          [
            info.dwProtocol,
            info.dwCipherSuite,
            info.szCipherSuite,
            info.szHash,
          ],
          [bit, id, iana, "SHA1"],
        );
        // TLS 1.1 carries an IV in each record; TLS 1.0 chains them.
        const sizes = query(tls.context, SECPKG_ATTR_STREAM_SIZES);
        assert.deepEqual([sizes.cbHeader, sizes.cbTrailer], [header, 36]);
        tls.close();
      });
    });
  }

  tls10Test(`openssl s_server ${flag}: 40 000 bytes each way`, async () => {
    const { port, child } = spawnSServer([
      ...serverArgs(flag, "ECDHE-RSA-AES128-SHA", "rsa"),
      "-naccept",
      "1",
      "-quiet",
    ], "piped");
    const enc = new TextEncoder();
    const up = echoLine(40_000);
    const down = echoLine(40_000, "KLMNOPQRST");
    const w = child.stdin.getWriter();
    const out = child.stdout.getReader();
    try {
      const tls = await SchannelStream.connect(
        await connectWhenUp(port),
        client(),
        "localhost",
      );
      await tls.write(enc.encode(up));
      await w.write(enc.encode(down));
      assert.equal(await tls.readText((t) => t.length >= down.length), down);
      let seen = "";
      const dec = new TextDecoder();
      while (seen.length < up.length) {
        const { value, done } = await out.read();
        if (done) break;
        seen += dec.decode(value);
      }
      assert.equal(seen, up);
      tls.close();
    } finally {
      await w.close().catch(() => {});
      out.releaseLock();
      try {
        child.kill();
      } catch { /* exited */ }
      await child.status;
    }
  });

  tls10Test(
    `openssl s_server ${flag} -Verify: an RSA client certificate`,
    async () => {
      await withSServer([
        ...serverArgs(flag, "ECDHE-RSA-AES128-SHA", "rsa"),
        "-Verify",
        "1",
        "-CAfile",
        pki!.rsaCa.certPath,
        "-www",
        "-naccept",
        "1",
      ], async (port) => {
        const tls = await SchannelStream.connect(
          await connectWhenUp(port),
          client({
            Certificate: pki!.client.cert,
            PrivateKey: pki!.client.key,
          }),
          "localhost",
        );
        const page = await tls.getWwwPage();
        assert.match(page, new RegExp(`Protocol\\s*: ${name}\\n`));
        assert.match(page, /Client certificate[\s\S]*CN\s*=\s*alice/);
        tls.close();
      });
    },
  );
}

tls10Test(
  "off by default: a default credential neither offers nor takes them",
  async () => {
    const byDefault = acquire("client", { RootCertificates: pki!.rsaCa.cert });
    const out: { value?: { grbitProtocol: number } } = {};
    assert.equal(
      QueryCredentialsAttributes(
        byDefault,
        SECPKG_ATTR_SUPPORTED_PROTOCOLS,
        out,
      ),
      SEC_E_OK,
    );
    assert.equal(
      out.value!.grbitProtocol,
      SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT,
    );
    assert.equal(
      QueryCredentialsAttributes(
        client(),
        SECPKG_ATTR_SUPPORTED_PROTOCOLS,
        out,
      ),
      SEC_E_OK,
    );
    assert.equal(out.value!.grbitProtocol, ALL);
    await sServer(
      serverArgs("-tls1", "ECDHE-RSA-AES128-SHA", "rsa"),
      1,
      async (port) => {
        await assert.rejects(
          SchannelStream.connect(
            await connectWhenUp(port),
            byDefault,
            "localhost",
          ),
        );
      },
    );
  },
);

/**
 * Our ClientHello answered by a ServerHello record made here: `version`, a random
 * ending in `tail`, `suite`, the extended master secret and renegotiation_info.
 * The client's status.
 */
function answer(
  cred: CredHandle,
  version: number,
  tail: number[],
  suite: number,
): number {
  const ctx = new CtxtHandle();
  const hello = isc(cred, ctx, true, "localhost", null);
  assert.equal(hello.status, SEC_I_CONTINUE_NEEDED);
  const random = crypto.getRandomValues(new Uint8Array(32));
  random.set(tail, 24);
  const ext = [0x00, 0x17, 0, 0, 0xff, 0x01, 0, 1, 0];
  const body = [
    version >> 8,
    version & 0xff,
    ...random,
    0,
    suite >> 8,
    suite & 0xff,
    0,
    0,
    ext.length,
    ...ext,
  ];
  const msg = [2, 0, body.length >> 8, body.length & 0xff, ...body];
  const rec = Uint8Array.of(
    22,
    version >> 8,
    version & 0xff,
    0,
    msg.length,
    ...msg,
  );
  const st = isc(cred, ctx, false, "localhost", rec).status;
  DeleteSecurityContext(ctx);
  return st;
}

tls10Test(
  "ServerHello checks: RFC 8446's downgrade sentinels, the suite's version, the versions allowed",
  () => {
    const DOWNGRD = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44];
    const none = [1, 2, 3, 4, 5, 6, 7, 8];
    const c013 = 0xc013;
    // Every version on: a TLS 1.1 answer is taken (the Certificate is awaited)...
    assert.equal(answer(client(), 0x0302, none, c013), SEC_I_CONTINUE_NEEDED);
    // ...unless it carries a TLS 1.2 or 1.3 server's downgrade mark.
    for (const mark of [[...DOWNGRD, 0], [...DOWNGRD, 1]]) {
      assert.equal(
        answer(client(), 0x0302, mark, c013),
        SEC_E_ILLEGAL_MESSAGE,
        `mark ${mark.at(-1)}`,
      );
    }
    // Without TLS 1.2 and 1.3 on our side, the mark of a TLS 1.2 server is no downgrade.
    const only11 = client({ grbitEnabledProtocols: SP_PROT_TLS1_1_CLIENT });
    assert.equal(
      answer(only11, 0x0302, [...DOWNGRD, 0], c013),
      SEC_I_CONTINUE_NEEDED,
    );
    // A suite that came with TLS 1.2 (ECDHE-RSA-AES128-SHA256) chosen in TLS 1.1.
    assert.equal(answer(client(), 0x0302, none, 0xc027), SEC_E_ILLEGAL_MESSAGE);
    // TLS 1.0 when the credential allows TLS 1.1 only.
    assert.notEqual(answer(only11, 0x0301, none, c013), SEC_I_CONTINUE_NEEDED);
    assert.notEqual(answer(only11, 0x0301, none, c013), SEC_E_OK);
  },
);

tls10Test(
  "a TLS 1.0-only credential: SUPPORTED_ALGS lists the _CBC_SHA suites' parts, and a Set of TLS 1.0 alone is taken",
  () => {
    const only10 = client({ grbitEnabledProtocols: SP_PROT_TLS1_0_CLIENT });
    const algs: { value?: { palgSupportedAlgs: number[] } } = {};
    assert.equal(
      QueryCredentialsAttributes(only10, SECPKG_ATTR_SUPPORTED_ALGS, algs),
      SEC_E_OK,
    );
    // AES-128 and -256, SHA-1 (no SHA-256 or -384: those suites came with TLS 1.2),
    // ECDHE, DHE, RSA key transport, RSA and ECDSA signatures.
    assert.deepEqual(
      algs.value!.palgSupportedAlgs,
      [0x660e, 0x6610, 0x8004, 0xae06, 0xaa02, 0xa400, 0x2400, 0x2203],
    );
    const both = client({
      grbitEnabledProtocols: SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_2_CLIENT,
    });
    assert.equal(
      SetCredentialsAttributes(both, SECPKG_ATTR_SUPPORTED_PROTOCOLS, {
        grbitProtocol: SP_PROT_TLS1_0_CLIENT,
      }),
      SEC_E_OK,
    );
  },
);
