/**
 * Schannel's credential attributes against OpenSSL: our client after a Set
 * (SUPPORTED_PROTOCOLS, CIPHER_STRENGTHS, SUPPORTED_ALGS) into `openssl s_server`,
 * and `openssl s_client` into our server after a Set, each compared with a
 * connection made before it. The rest is in `credential_attributes_test.ts`.
 */
import assert from "node:assert/strict";
import {
  CALG_AES_128,
  CALG_AES_256,
  CALG_ECDH_EPHEM,
  CALG_RSA_KEYX,
  CALG_RSA_SIGN,
  CALG_SHA_256,
  CALG_SHA_384,
  SEC_E_OK,
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_3_CLIENT,
  SP_PROT_TLS1_3_SERVER,
} from "../../mod.ts";
import {
  attrTest,
  clientCred,
  getPage,
  sClient,
  serverCred,
  setAlgs,
  setProtocols,
  setStrengths,
  sServer,
} from "./_cred_attrs.ts";

attrTest(
  "our client -> openssl s_server: SUPPORTED_PROTOCOLS TLS 1.2 only",
  async () => {
    const cred = clientCred();
    await sServer([], 2, async (port) => {
      const before = await getPage(port, cred);
      assert.match(before.page, /Protocol\s*: TLSv1\.3/);
      assert.equal(before.ours.protocol, SP_PROT_TLS1_3_CLIENT);
      assert.equal(setProtocols(cred, SP_PROT_TLS1_2_CLIENT), SEC_E_OK);
      const after = await getPage(port, cred);
      assert.match(after.page, /Protocol\s*: TLSv1\.2/);
      assert.match(after.page, /Cipher\s*: ECDHE-RSA-AES128-GCM-SHA256/);
      assert.equal(after.ours.protocol, SP_PROT_TLS1_2_CLIENT);
    });
  },
);

attrTest(
  "our client -> openssl s_server: CIPHER_STRENGTHS minimum 256",
  async () => {
    const cred = clientCred();
    await sServer([], 2, async (port) => {
      const before = await getPage(port, cred);
      assert.match(before.page, /Cipher\s*: TLS_AES_128_GCM_SHA256/);
      assert.equal(before.ours.bits, 128);
      assert.equal(setStrengths(cred, 256, 0), SEC_E_OK);
      const after = await getPage(port, cred);
      assert.match(after.page, /Cipher\s*: TLS_AES_256_GCM_SHA384/);
      assert.deepEqual([after.ours.bits, after.ours.suite], [256, 0x1302]);
    });
  },
);

attrTest("our client -> openssl s_server: SUPPORTED_ALGS", async () => {
  const cred = clientCred();
  await sServer(["-tls1_2"], 2, async (port) => {
    // ECDHE with an RSA signature, AES-256 and SHA-384 only.
    assert.equal(
      setAlgs(cred, [
        CALG_AES_256,
        CALG_SHA_384,
        CALG_ECDH_EPHEM,
        CALG_RSA_SIGN,
      ]),
      SEC_E_OK,
    );
    const ecdhe = await getPage(port, cred);
    assert.match(ecdhe.page, /Cipher\s*: ECDHE-RSA-AES256-GCM-SHA384/);
    assert.deepEqual([ecdhe.ours.suite, ecdhe.ours.exchange], [0xc030, "ECDH"]);
    // Static RSA key exchange with AES-128 only.
    assert.equal(
      setAlgs(cred, [CALG_AES_128, CALG_SHA_256, CALG_RSA_KEYX]),
      SEC_E_OK,
    );
    const rsa = await getPage(port, cred);
    assert.match(rsa.page, /Cipher\s*: AES128-GCM-SHA256/);
    assert.deepEqual([rsa.ours.suite, rsa.ours.exchange], [0x9c, "RSA"]);
  });
});

attrTest(
  "openssl s_client -> our server: TLS 1.3 only refuses -tls1_2",
  async () => {
    const cred = serverCred();
    assert.match(await sClient(cred, ["-tls1_2"]), /Protocol\s*: TLSv1\.2/);
    assert.equal(setProtocols(cred, SP_PROT_TLS1_3_SERVER), SEC_E_OK);
    // SEC_E_UNSUPPORTED_FUNCTION: no version in common.
    await assert.rejects(sClient(cred, ["-tls1_2"]), /ASC: 0x80090302/);
    assert.match(await sClient(cred, ["-tls1_3"]), /Protocol\s*: TLSv1\.3/);
  },
);

attrTest(
  "openssl s_client -> our server: CIPHER_STRENGTHS minimum 256",
  async () => {
    const cred = serverCred();
    assert.match(await sClient(cred, []), /Cipher is TLS_AES_128_GCM_SHA256/);
    assert.equal(setStrengths(cred, 256, 0), SEC_E_OK);
    assert.match(await sClient(cred, []), /Cipher is TLS_AES_256_GCM_SHA384/);
    assert.match(
      await sClient(cred, ["-tls1_2"]),
      /Cipher is ECDHE-RSA-AES256-GCM-SHA384/,
    );
  },
);

attrTest(
  "our client -> openssl s_server: a ticket of a suite no longer allowed is not offered",
  async () => {
    const cred = clientCred();
    // OpenSSL resumes a ticket with any suite of its hash (RFC 8446 4.6.1): offered
    // with only AES-256 and ChaCha20 left, the AES-128 ticket would come back with
    // ChaCha20, a suite the ticket was not made with.
    const suites = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256";
    await sServer(["-tls1_3", "-ciphersuites", suites], 3, async (port) => {
      const session = (page: string) =>
        page.match(/(New|Reused), TLSv1\.3, Cipher is (\S+)/)?.slice(1);
      const first = await getPage(port, cred);
      assert.deepEqual(session(first.page), ["New", "TLS_AES_128_GCM_SHA256"]);
      const again = await getPage(port, cred);
      assert.deepEqual(session(again.page), [
        "Reused",
        "TLS_AES_128_GCM_SHA256",
      ]);
      assert.equal(setStrengths(cred, 256, 0), SEC_E_OK);
      const after = await getPage(port, cred);
      assert.deepEqual(session(after.page), [
        "New",
        "TLS_CHACHA20_POLY1305_SHA256",
      ]);
      assert.deepEqual([after.ours.suite, after.ours.bits], [0x1303, 256]);
    });
  },
);
