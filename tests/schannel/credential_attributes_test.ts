/**
 * QueryCredentialsAttributes and SetCredentialsAttributes on Schannel credentials:
 * SECPKG_ATTR_SUPPORTED_PROTOCOLS, SECPKG_ATTR_CIPHER_STRENGTHS and
 * SECPKG_ATTR_SUPPORTED_ALGS. Defaults, Set then Query, what a Set does to the
 * handshakes started after it (our client and server in memory, and against
 * `openssl s_server`/`s_client`), contexts already started keeping theirs, cached
 * sessions of a suite no longer allowed not offered, bad values refused with the
 * credential unchanged, and NTLM answering SEC_E_UNSUPPORTED_FUNCTION.
 */
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  CALG_AES_128,
  CALG_AES_256,
  CALG_ECDH_EPHEM,
  CALG_ECDSA,
  CALG_RSA_KEYX,
  CALG_RSA_SIGN,
  CALG_SHA_256,
  CALG_SHA_384,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  QueryCredentialsAttributes,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_CIPHER_STRENGTHS,
  SECPKG_ATTR_SUPPORTED_ALGS,
  SECPKG_ATTR_SUPPORTED_PROTOCOLS,
  SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
  SECPKG_CRED_OUTBOUND,
  type SecPkgCred_SupportedAlgs,
  SetCredentialsAttributes,
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_2_SERVER,
  SP_PROT_TLS1_3_CLIENT,
  SP_PROT_TLS1_3_SERVER,
} from "../../mod.ts";
import {
  algs,
  ALL_ALGS,
  attrTest,
  clientCred,
  get,
  negotiated,
  pair,
  pki,
  serverCred,
  setAlgs,
  setProtocols,
  setStrengths,
  snapshot,
} from "./_cred_attrs.ts";
import { acquire, asc, handshake, isc } from "./_tls.ts";

attrTest("defaults of fresh client and server credentials", () => {
  const cc = clientCred();
  assert.deepEqual(snapshot(cc), {
    protocols: { grbitProtocol: SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_2_CLIENT },
    strengths: { dwMinimumCipherStrength: 128, dwMaximumCipherStrength: 256 },
    algs: algs(ALL_ALGS),
  });
  for (const kind of ["rsa", "ec"] as const) {
    // The suites' algorithms, whatever the certificate can use (as Windows says).
    assert.deepEqual(snapshot(serverCred(kind)), {
      protocols: {
        grbitProtocol: SP_PROT_TLS1_3_SERVER | SP_PROT_TLS1_2_SERVER,
      },
      strengths: { dwMinimumCipherStrength: 128, dwMaximumCipherStrength: 256 },
      algs: algs(ALL_ALGS),
    }, kind);
  }
});

attrTest("Query follows what AcquireCredentialsHandle allowed", () => {
  const only12 = acquire("client", {
    RootCertificates: pki!.rsaCa.cert,
    grbitEnabledProtocols: SP_PROT_TLS1_2_CLIENT,
    CipherSuites: ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"],
  });
  assert.deepEqual(snapshot(only12), {
    protocols: { grbitProtocol: SP_PROT_TLS1_2_CLIENT },
    strengths: { dwMinimumCipherStrength: 256, dwMaximumCipherStrength: 256 },
    algs: algs([CALG_AES_256, CALG_SHA_384, CALG_ECDH_EPHEM, CALG_ECDSA]),
  });
  // TLS 1.3 without a TLS 1.3 suite left is not spoken, so not reported.
  const chacha = acquire("client", {
    RootCertificates: pki!.rsaCa.cert,
    CipherSuites: ["TLS_CHACHA20_POLY1305_SHA256"],
  });
  assert.deepEqual(snapshot(chacha), {
    protocols: { grbitProtocol: SP_PROT_TLS1_3_CLIENT },
    strengths: { dwMinimumCipherStrength: 256, dwMaximumCipherStrength: 256 },
    // ChaCha20 has no ALG_ID: only its hash and key exchange show.
    algs: algs([CALG_SHA_256, CALG_ECDH_EPHEM]),
  });
});

attrTest(
  "Set then Query reads back; each Set replaces its own last one",
  () => {
    const cc = clientCred();
    assert.equal(setProtocols(cc, SP_PROT_TLS1_2_CLIENT), SEC_E_OK);
    assert.deepEqual(get(cc, SECPKG_ATTR_SUPPORTED_PROTOCOLS), {
      grbitProtocol: SP_PROT_TLS1_2_CLIENT,
    });
    // Bits of versions not spoken here (TLS 1.1, TLS 1.0) are ignored.
    assert.equal(
      setProtocols(
        cc,
        SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_2_CLIENT | 0x200 | 0x80,
      ),
      SEC_E_OK,
    );
    assert.deepEqual(get(cc, SECPKG_ATTR_SUPPORTED_PROTOCOLS), {
      grbitProtocol: SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_2_CLIENT,
    });

    assert.equal(setStrengths(cc, 256, 0), SEC_E_OK);
    assert.deepEqual(get(cc, SECPKG_ATTR_CIPHER_STRENGTHS), {
      dwMinimumCipherStrength: 256,
      dwMaximumCipherStrength: 256,
    });
    // AES-128 is gone; SHA-256 stays with ChaCha20-Poly1305 (256 bits).
    assert.deepEqual(
      get<SecPkgCred_SupportedAlgs>(cc, SECPKG_ATTR_SUPPORTED_ALGS)
        .palgSupportedAlgs,
      ALL_ALGS.filter((a) => a !== CALG_AES_128),
    );
    assert.equal(setStrengths(cc, 0, 128), SEC_E_OK);
    assert.deepEqual(get(cc, SECPKG_ATTR_CIPHER_STRENGTHS), {
      dwMinimumCipherStrength: 128,
      dwMaximumCipherStrength: 128,
    });
    assert.equal(setStrengths(cc, 0, 0), SEC_E_OK);
    assert.deepEqual(get(cc, SECPKG_ATTR_CIPHER_STRENGTHS), {
      dwMinimumCipherStrength: 128,
      dwMaximumCipherStrength: 256,
    });

    const list = [CALG_AES_256, CALG_SHA_384, CALG_ECDH_EPHEM, CALG_RSA_SIGN];
    // An ALG_ID of no suite here (CALG_3DES) is accepted and ignored.
    assert.equal(setAlgs(cc, [...list, 0x6603]), SEC_E_OK);
    assert.deepEqual(snapshot(cc), {
      protocols: {
        grbitProtocol: SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_2_CLIENT,
      },
      strengths: { dwMinimumCipherStrength: 256, dwMaximumCipherStrength: 256 },
      algs: algs(list),
    });
    // The three combine: TLS 1.2 only leaves ECDHE_RSA_WITH_AES_256_GCM_SHA384.
    assert.equal(setProtocols(cc, SP_PROT_TLS1_2_CLIENT), SEC_E_OK);
    assert.deepEqual(get(cc, SECPKG_ATTR_SUPPORTED_ALGS), algs(list));
    assert.deepEqual(get(cc, SECPKG_ATTR_SUPPORTED_PROTOCOLS), {
      grbitProtocol: SP_PROT_TLS1_2_CLIENT,
    });
  },
);

attrTest("a Set narrows the acquisition, never widens it", () => {
  const only12 = acquire("client", {
    RootCertificates: pki!.rsaCa.cert,
    grbitEnabledProtocols: SP_PROT_TLS1_2_CLIENT,
  });
  const before = snapshot(only12);
  assert.equal(
    setProtocols(only12, SP_PROT_TLS1_3_CLIENT),
    SEC_E_INVALID_PARAMETER,
  );
  assert.equal(
    setProtocols(only12, SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_2_CLIENT),
    SEC_E_OK,
  );
  assert.deepEqual(snapshot(only12), before);
});

attrTest(
  "bad values: SEC_E_INVALID_PARAMETER and the credential unchanged",
  () => {
    const cc = clientCred();
    assert.equal(setStrengths(cc, 256, 0), SEC_E_OK); // something to keep
    const sc = serverCred();
    const cases: [CredHandle, number, unknown, string][] = [
      [
        cc,
        SECPKG_ATTR_SUPPORTED_PROTOCOLS,
        { grbitProtocol: "0x800" },
        "string",
      ],
      [
        cc,
        SECPKG_ATTR_SUPPORTED_PROTOCOLS,
        { grbitProtocol: 2048.5 },
        "fraction",
      ],
      [cc, SECPKG_ATTR_SUPPORTED_PROTOCOLS, { grbitProtocol: -1 }, "negative"],
      [
        cc,
        SECPKG_ATTR_SUPPORTED_PROTOCOLS,
        { grbitProtocol: 2 ** 32 },
        "33 bits",
      ],
      [cc, SECPKG_ATTR_SUPPORTED_PROTOCOLS, {}, "missing"],
      [
        cc,
        SECPKG_ATTR_SUPPORTED_PROTOCOLS,
        { grbitProtocol: 0x4800 },
        "undefined bit",
      ],
      [cc, SECPKG_ATTR_SUPPORTED_PROTOCOLS, { grbitProtocol: 0 }, "nothing"],
      [
        cc,
        SECPKG_ATTR_SUPPORTED_PROTOCOLS,
        { grbitProtocol: 0x200 },
        "TLS 1.1 only",
      ],
      [
        cc,
        SECPKG_ATTR_SUPPORTED_PROTOCOLS,
        { grbitProtocol: SP_PROT_TLS1_3_SERVER | SP_PROT_TLS1_2_SERVER },
        "server bits on a client",
      ],
      [
        sc,
        SECPKG_ATTR_SUPPORTED_PROTOCOLS,
        { grbitProtocol: SP_PROT_TLS1_3_CLIENT },
        "client bits on a server",
      ],
      [cc, SECPKG_ATTR_CIPHER_STRENGTHS, {
        dwMinimumCipherStrength: 256,
        dwMaximumCipherStrength: 128,
      }, "min > max"],
      [cc, SECPKG_ATTR_CIPHER_STRENGTHS, {
        dwMinimumCipherStrength: 128.5,
        dwMaximumCipherStrength: 256,
      }, "fraction"],
      [cc, SECPKG_ATTR_CIPHER_STRENGTHS, {
        dwMinimumCipherStrength: 128,
      }, "missing max"],
      [cc, SECPKG_ATTR_CIPHER_STRENGTHS, {
        dwMinimumCipherStrength: 512,
        dwMaximumCipherStrength: 0,
      }, "no suite that strong"],
      [cc, SECPKG_ATTR_CIPHER_STRENGTHS, {
        dwMinimumCipherStrength: 0,
        dwMaximumCipherStrength: 64,
      }, "no suite that weak"],
      [cc, SECPKG_ATTR_SUPPORTED_ALGS, algs([]), "empty"],
      [cc, SECPKG_ATTR_SUPPORTED_ALGS, {
        cSupportedAlgs: 3,
        palgSupportedAlgs: [CALG_AES_256, CALG_SHA_384],
      }, "count"],
      [cc, SECPKG_ATTR_SUPPORTED_ALGS, {
        cSupportedAlgs: 1,
        palgSupportedAlgs: CALG_AES_256,
      }, "not an array"],
      [cc, SECPKG_ATTR_SUPPORTED_ALGS, algs([CALG_AES_256, -5]), "negative"],
      [
        cc,
        SECPKG_ATTR_SUPPORTED_ALGS,
        algs([CALG_AES_256, "CALG_SHA_384" as unknown as number]),
        "string",
      ],
      [cc, SECPKG_ATTR_SUPPORTED_ALGS, algs([0x6603, 0x8004]), "3DES, SHA-1"],
      // Every part but a key exchange.
      [
        cc,
        SECPKG_ATTR_SUPPORTED_ALGS,
        algs([CALG_AES_256, CALG_SHA_384, CALG_RSA_SIGN, CALG_ECDSA]),
        "no key exchange",
      ],
      // AES-128 only: with the standing minimum of 256, nothing.
      [
        cc,
        SECPKG_ATTR_SUPPORTED_ALGS,
        algs([CALG_AES_128, CALG_SHA_256, CALG_ECDH_EPHEM, CALG_RSA_SIGN]),
        "AES-128 under a 256-bit minimum",
      ],
    ];
    for (const [cred, attr, value, what] of cases) {
      const before = snapshot(cred);
      assert.equal(
        SetCredentialsAttributes(cred, attr, value),
        SEC_E_INVALID_PARAMETER,
        what,
      );
      assert.deepEqual(snapshot(cred), before, what);
    }
    // Still usable as it was: the client offers only 256-bit suites.
    assert.equal(pair(cc, sc).bits, 256);
    // Attributes Schannel does not have.
    assert.equal(
      SetCredentialsAttributes(cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, {}),
      SEC_E_UNSUPPORTED_FUNCTION,
    );
    assert.equal(
      QueryCredentialsAttributes(cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, {}),
      SEC_E_UNSUPPORTED_FUNCTION,
    );
  },
);

attrTest("NTLM answers SEC_E_UNSUPPORTED_FUNCTION for the three", () => {
  const cred = new CredHandle();
  assert.equal(
    AcquireCredentialsHandle(
      null,
      "NTLM",
      SECPKG_CRED_OUTBOUND,
      null,
      { User: "alice", Domain: "CONTOSO", Password: "Passw0rd!" },
      null,
      null,
      cred,
      null,
    ),
    SEC_E_OK,
  );
  const values: [number, unknown][] = [
    [SECPKG_ATTR_SUPPORTED_PROTOCOLS, { grbitProtocol: SP_PROT_TLS1_2_CLIENT }],
    [SECPKG_ATTR_CIPHER_STRENGTHS, {
      dwMinimumCipherStrength: 128,
      dwMaximumCipherStrength: 256,
    }],
    [SECPKG_ATTR_SUPPORTED_ALGS, algs([CALG_AES_128])],
  ];
  for (const [attr, value] of values) {
    const out: { value?: unknown } = {};
    assert.equal(
      QueryCredentialsAttributes(cred, attr, out),
      SEC_E_UNSUPPORTED_FUNCTION,
    );
    assert.equal(out.value, undefined);
    assert.equal(
      SetCredentialsAttributes(cred, attr, value),
      SEC_E_UNSUPPORTED_FUNCTION,
    );
  }
});

attrTest(
  "our client and server: each attribute changes the next handshakes",
  () => {
    const cc = clientCred();
    const sc = serverCred();
    const TLS13_AES128 = 0x1301;
    assert.deepEqual(pair(cc, sc).protocol, SP_PROT_TLS1_3_CLIENT);
    // Client, TLS 1.2 only.
    assert.equal(setProtocols(cc, SP_PROT_TLS1_2_CLIENT), SEC_E_OK);
    let r = pair(cc, sc);
    assert.equal(r.protocol, SP_PROT_TLS1_2_CLIENT);
    assert.equal(r.suite, 0xc02f); // ECDHE_RSA_WITH_AES_128_GCM_SHA256
    // Client, static RSA with AES-128 only (TLS 1.3 needs ECDH_EPHEM): TLS 1.2 RSA.
    assert.equal(
      setProtocols(cc, SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_2_CLIENT),
      SEC_E_OK,
    );
    assert.equal(
      setAlgs(cc, [CALG_AES_128, CALG_SHA_256, CALG_RSA_KEYX]),
      SEC_E_OK,
    );
    r = pair(cc, sc);
    assert.deepEqual(
      [r.protocol, r.suite, r.exchange],
      [SP_PROT_TLS1_2_CLIENT, 0x9c, "RSA"],
    );
    // Server side: minimum 256 makes it pick AES-256 though the client prefers AES-128.
    const cc2 = clientCred();
    assert.equal(pair(cc2, sc).suite, TLS13_AES128);
    assert.equal(setStrengths(sc, 256, 0), SEC_E_OK);
    r = pair(cc2, sc);
    assert.deepEqual([r.suite, r.bits, r.reconnect], [0x1302, 256, false]);
    // Server, TLS 1.2 only: a TLS 1.3 client that also offers TLS 1.2 gets TLS 1.2.
    assert.equal(setProtocols(sc, SP_PROT_TLS1_2_SERVER), SEC_E_OK);
    r = pair(clientCred(), sc);
    assert.deepEqual([r.protocol, r.suite], [SP_PROT_TLS1_2_CLIENT, 0xc030]);
    // Server, ECDSA suites only on an RSA server: nothing in common for TLS 1.2.
    assert.equal(
      setAlgs(sc, [CALG_AES_256, CALG_SHA_384, CALG_ECDH_EPHEM, CALG_ECDSA]),
      SEC_E_OK,
    );
    assert.throws(() => handshake(clientCred(), sc), /server/);
  },
);

attrTest("a context already started keeps its settings", () => {
  const cc = clientCred();
  const sc = serverCred();
  const client = new CtxtHandle();
  const server = new CtxtHandle();
  const hello = isc(cc, client, true, "localhost", null);
  assert.equal(hello.status, SEC_I_CONTINUE_NEEDED);
  // After the ClientHello offered TLS 1.3: the Set must not reach this context.
  assert.equal(setProtocols(cc, SP_PROT_TLS1_2_CLIENT), SEC_E_OK);
  const flight = asc(sc, server, true, hello.token!);
  assert.equal(flight.status, SEC_I_CONTINUE_NEEDED);
  const fin = isc(cc, client, false, "localhost", flight.token);
  assert.equal(fin.status, SEC_E_OK);
  assert.equal(asc(sc, server, false, fin.token!).status, SEC_E_OK);
  assert.equal(negotiated(client).protocol, SP_PROT_TLS1_3_CLIENT);
  DeleteSecurityContext(client);
  DeleteSecurityContext(server);
  // The next context takes the Set.
  assert.equal(pair(cc, sc).protocol, SP_PROT_TLS1_2_CLIENT);
});

attrTest(
  "a cached session whose suite is no longer allowed is neither offered nor taken",
  () => {
    for (const tls12 of [false, true]) {
      for (const side of ["client", "server"] as const) {
        const cc = acquire("client", {
          RootCertificates: pki!.rsaCa.cert,
          grbitEnabledProtocols: tls12 ? SP_PROT_TLS1_2_CLIENT : 0,
        });
        const sc = serverCred();
        const what = `${tls12 ? "TLS 1.2" : "TLS 1.3"}, Set on the ${side}`;
        assert.equal(pair(cc, sc).bits, 128, what);
        assert.equal(pair(cc, sc).reconnect, true, `${what}: resumes`);
        // The AES-128 session may not be resumed now: a full handshake with
        // AES-256 (the client does not offer it, or the server does not take it).
        assert.equal(
          setStrengths(side === "client" ? cc : sc, 256, 0),
          SEC_E_OK,
        );
        const r = pair(cc, sc);
        assert.deepEqual([r.bits, r.reconnect], [256, false], what);
        assert.equal(
          pair(cc, sc).reconnect,
          true,
          `${what}: the AES-256 session resumes`,
        );
      }
    }
  },
);
