/**
 * The suite limits of `SCHANNEL_CRED` given to `AcquireCredentialsHandle`:
 * `dwMinimumCipherStrength`, `dwMaximumCipherStrength` and
 * `cSupportedAlgs`/`palgSupportedAlgs`. They narrow the suites from the start, as
 * a `SetCredentialsAttributes` would, and a later Set cannot widen them again.
 * Our client into `openssl s_server` (which prefers AES-256) and into our server.
 */
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  CALG_AES_128,
  CALG_AES_256,
  CALG_ECDH_EPHEM,
  CALG_SHA_384,
  CredHandle,
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_OK,
  SEC_E_UNKNOWN_CREDENTIALS,
  SECPKG_ATTR_CIPHER_STRENGTHS,
  SECPKG_CRED_OUTBOUND,
  type SecPkgCred_CipherStrengths,
  statusName,
} from "../../mod.ts";
import { acquire } from "./_tls.ts";
import {
  attrTest,
  get,
  getPage,
  pair,
  pki,
  serverCred,
  setStrengths,
  sServer,
} from "./_cred_attrs.ts";

const st = (s: number) => statusName(s);
/** `TLS_AES_128_GCM_SHA256`. */
const AES128_SHA256 = 0x1301;
/** `TLS_AES_256_GCM_SHA384`. */
const AES256_SHA384 = 0x1302;

/** A client credential trusting the RSA CA, with `limits`. */
function limitedClient(limits: Record<string, unknown>): CredHandle {
  return acquire("client", { RootCertificates: pki!.rsaCa.cert, ...limits });
}

attrTest(
  "dwMinimumCipherStrength 256 at acquisition: 256-bit suites only, reported, and a later Set cannot widen it",
  () => {
    const cc = limitedClient({ dwMinimumCipherStrength: 256 });
    const sc = serverCred();
    assert.deepEqual(
      get<SecPkgCred_CipherStrengths>(cc, SECPKG_ATTR_CIPHER_STRENGTHS),
      { dwMinimumCipherStrength: 256, dwMaximumCipherStrength: 256 },
    );
    assert.equal(pair(cc, sc).bits, 256);
    assert.equal(setStrengths(cc, 0, 0), SEC_E_OK);
    assert.equal(
      get<SecPkgCred_CipherStrengths>(cc, SECPKG_ATTR_CIPHER_STRENGTHS)
        .dwMinimumCipherStrength,
      256,
      "the Set narrows what the acquisition allowed, never more",
    );
    assert.equal(pair(cc, sc).bits, 256);
  },
);

attrTest(
  "palgSupportedAlgs AES-256 + SHA-384 + ECDH ephemeral: TLS_AES_256_GCM_SHA384 against our server (AES-128 by default)",
  () => {
    assert.equal(pair(limitedClient({}), serverCred()).suite, AES128_SHA256);
    const list = [CALG_AES_256, CALG_SHA_384, CALG_ECDH_EPHEM];
    const cc = limitedClient({
      cSupportedAlgs: list.length,
      palgSupportedAlgs: list,
    });
    const r = pair(cc, serverCred());
    assert.equal(r.suite, AES256_SHA384);
    assert.equal(r.bits, 256);
  },
);

attrTest(
  "dwMaximumCipherStrength 128: openssl s_server, which prefers AES-256, settles on AES-128",
  async () => {
    const cc = limitedClient({ dwMaximumCipherStrength: 128 });
    const free = limitedClient({});
    // s_server told to prefer AES-256 over the client's order.
    const prefer256 = [
      "-serverpref",
      "-ciphersuites",
      "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256",
    ];
    await sServer(prefer256, 2, async (port) => {
      const before = await getPage(port, free);
      assert.equal(before.ours.bits, 256, "s_server's own choice");
      const after = await getPage(port, cc);
      assert.match(after.page, /Cipher\s*: TLS_AES_128_GCM_SHA256/);
      assert.equal(after.ours.bits, 128);
    });
  },
);

attrTest(
  "malformed limits and limits that leave no suite are refused at acquisition",
  () => {
    const cases: [Record<string, unknown>, number][] = [
      [
        { dwMinimumCipherStrength: 256, dwMaximumCipherStrength: 128 },
        SEC_E_UNKNOWN_CREDENTIALS,
      ],
      [{ dwMinimumCipherStrength: -2 }, SEC_E_UNKNOWN_CREDENTIALS],
      [
        { cSupportedAlgs: 2, palgSupportedAlgs: [CALG_AES_128] },
        SEC_E_UNKNOWN_CREDENTIALS,
      ],
      [{ palgSupportedAlgs: [] }, SEC_E_UNKNOWN_CREDENTIALS],
      [{ dwMinimumCipherStrength: 512 }, SEC_E_ALGORITHM_MISMATCH],
    ];
    for (const [limits, want] of cases) {
      const status = AcquireCredentialsHandle(
        null,
        "Schannel",
        SECPKG_CRED_OUTBOUND,
        null,
        limits,
        null,
        null,
        new CredHandle(),
        null,
      );
      assert.equal(st(status), st(want), JSON.stringify(limits));
    }
  },
);
