/**
 * The TLS 1.2 AES-CBC suites (MAC-then-encrypt, RFC 5246 6.2.3.2) against OpenSSL 3:
 * our client into `openssl s_server -cipher <one CBC suite>` (ECDHE with RSA and
 * ECDSA certificates, DHE_RSA, static RSA; SHA-1, SHA-256 and SHA-384 MACs; a resumed
 * session), `openssl s_client -cipher ...` into our server with 40 000 bytes each
 * way, and, in memory, every record size both ways, tampering anywhere in a record,
 * and mutated records (status codes only).
 */
import assert from "node:assert/strict";
import {
  CALG_AES_128,
  CALG_ECDH_EPHEM,
  CALG_RSA_SIGN,
  CALG_SHA1,
  CALG_SHA_256,
  CALG_SHA_384,
  type CredHandle,
  type CtxtHandle,
  DeleteSecurityContext,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_OK,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_STREAM_SIZES,
} from "../../mod.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import { acquire, handshake, seal, unseal } from "./_tls.ts";
import { query } from "./_dhe_rsa12.ts";
import {
  echoLine,
  newThenReused,
  pki,
  pkiTests,
  sClientArgs,
  serverCred,
  setAlgs,
  sServer,
} from "./_cred_attrs.ts";
import { sClientEcho } from "./_openssl.ts";

const cbcTest = pkiTests("schannel TLS 1.2 CBC");

/** OpenSSL's name, the IANA name, the code point, the MAC and the certificate. */
const SUITES: [string, string, number, "SHA1" | "SHA256" | "SHA384", string][] =
  [
    [
      "ECDHE-RSA-AES128-SHA",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
      0xc013,
      "SHA1",
      "rsa",
    ],
    [
      "ECDHE-RSA-AES256-SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
      0xc028,
      "SHA384",
      "rsa",
    ],
    [
      "ECDHE-ECDSA-AES128-SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
      0xc023,
      "SHA256",
      "ec",
    ],
    [
      "ECDHE-ECDSA-AES256-SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
      0xc00a,
      "SHA1",
      "ec",
    ],
    [
      "DHE-RSA-AES128-SHA256",
      "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
      0x0067,
      "SHA256",
      "rsa",
    ],
    [
      "DHE-RSA-AES256-SHA",
      "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
      0x0039,
      "SHA1",
      "rsa",
    ],
    [
      "AES128-SHA256",
      "TLS_RSA_WITH_AES_128_CBC_SHA256",
      0x003c,
      "SHA256",
      "rsa",
    ],
    ["AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, "SHA1", "rsa"],
  ];
const MAC = {
  SHA1: [CALG_SHA1, 20],
  SHA256: [CALG_SHA_256, 32],
  SHA384: [CALG_SHA_384, 48],
} as const;

/** A client credential trusting both test CAs. */
function client(): CredHandle {
  return acquire("client", {
    RootCertificates: pki!.rsaCa.cert + pki!.ecCa.cert,
  });
}

/** What the attributes of a CBC connection must say for `suite`. */
function assertAttributes(ctx: CtxtHandle, s: (typeof SUITES)[number]): void {
  const [, iana, id, mac] = s;
  const [calg, macLen] = MAC[mac];
  const bits = iana.includes("AES_256") ? 256 : 128;
  const info = query(ctx, SECPKG_ATTR_CIPHER_INFO);
  assert.deepEqual(
    [
      info.dwCipherSuite,
      info.szCipherSuite,
      info.szCipher,
      info.dwCipherLen,
      info.dwCipherBlockLen,
      info.szHash,
      info.dwHashLen,
    ],
    [id, iana, "AES", bits, 16, mac, macLen * 8],
  );
  const conn = query(ctx, SECPKG_ATTR_CONNECTION_INFO);
  assert.deepEqual(
    [conn.dwCipherStrength, conn.aiHash, conn.dwHashStrength],
    [bits, calg, macLen * 8],
  );
  const sizes = query(ctx, SECPKG_ATTR_STREAM_SIZES);
  // The record header and explicit IV; the MAC and up to a block of padding.
  assert.deepEqual([sizes.cbHeader, sizes.cbTrailer, sizes.cbBlockSize], [
    21,
    macLen + 16,
    16,
  ]);
}

for (const s of SUITES) {
  const [name, , id, , cert] = s;
  cbcTest(`our client -> openssl s_server -cipher ${name}`, async () => {
    const leaf = cert === "rsa" ? pki!.rsaServer : pki!.ecServer;
    const cred = client();
    await sServer(
      [
        "-tls1_2",
        "-cipher",
        name,
        "-cert",
        leaf.certPath,
        "-key",
        leaf.keyPath,
      ],
      2,
      async (port) => {
        await newThenReused(port, cred, name, (page, ctx) => {
          assert.match(page, /Protocol\s*: TLSv1\.2\n/);
          assertAttributes(ctx, s);
          assert.equal(
            query(ctx, SECPKG_ATTR_CIPHER_INFO).dwCipherSuite,
            id,
          );
        });
      },
    );
  });
}

for (
  const s of SUITES.filter((x) =>
    x[0].startsWith("ECDHE") || x[0].startsWith("DHE") || x[0] === "AES256-SHA"
  )
) {
  const [name, , , , cert] = s;
  cbcTest(
    `openssl s_client -cipher ${name} -> our server, 40 000 bytes each way`,
    async () => {
      const cred = serverCred(cert as "rsa" | "ec");
      const line = echoLine(40_000);
      const { read, out } = await sClientEcho(
        cred,
        sClientArgs(cert as "rsa" | "ec", [
          "-tls1_2",
          "-cipher",
          name,
          "-ign_eof",
        ]),
        line,
      );
      assert.equal(read, line);
      assert.match(out, new RegExp(`Cipher is ${name}\\b`));
      assert.ok(
        out.includes(line.toUpperCase().trimEnd()),
        "the 40 000 bytes came back",
      );
    },
  );
}

/** Our client and server, the client allowing only TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA. */
function cbcPair(): { client: CtxtHandle; server: CtxtHandle } {
  const cc = client();
  assert.equal(
    setAlgs(cc, [CALG_AES_128, CALG_SHA1, CALG_ECDH_EPHEM, CALG_RSA_SIGN]),
    SEC_E_OK,
  );
  const r = handshake(cc, serverCred());
  assertAttributes(r.client, SUITES[0]);
  assertAttributes(r.server, SUITES[0]);
  return r;
}

cbcTest(
  "every record size both ways; the trailer is the MAC and the padding",
  () => {
    const { client: c, server: sv } = cbcPair();
    const r = rng(FUZZ_SEED);
    const sizes = [
      0,
      1,
      11,
      12,
      13,
      15,
      16,
      17,
      27,
      28,
      31,
      32,
      100,
      1000,
      4095,
      16383,
      16384,
    ];
    for (const n of sizes) {
      for (const [from, to] of [[c, sv], [sv, c]]) {
        const data = Uint8Array.from({ length: n }, () => r(256));
        const rec = seal(from, data);
        // 5-byte header, 16-byte IV, then data, 20-byte MAC and 1 to 16 bytes of padding.
        const body = rec.length - 21;
        assert.equal(body % 16, 0, `size ${n}`);
        assert.ok(body >= n + 21 && body <= n + 36, `size ${n}: ${body}`);
        const got = unseal(to, rec);
        assert.equal(got.status, SEC_E_OK, `size ${n}`);
        assert.deepEqual(got.data, data);
      }
    }
    DeleteSecurityContext(c);
    DeleteSecurityContext(sv);
  },
);

cbcTest(
  "a changed byte anywhere, or a cut record, is SEC_E_DECRYPT_FAILURE; the next record still opens",
  () => {
    const { client: c, server: sv } = cbcPair();
    const data = new TextEncoder().encode(
      "forty-two bytes of application data here.",
    );
    const rec = seal(c, data);
    const header = 21;
    // IV, first block, last data block, MAC, padding length byte.
    for (
      const at of [
        5,
        20,
        header,
        header + 16,
        header + data.length + 3,
        rec.length - 17,
        rec.length - 1,
      ]
    ) {
      const bad = rec.slice();
      bad[at] ^= 0x01;
      assert.equal(unseal(sv, bad).status, SEC_E_DECRYPT_FAILURE, `byte ${at}`);
    }
    // A record shorter by a block, or by a byte (not whole blocks).
    for (const cut of [16, 1]) {
      const bad = rec.slice(0, rec.length - cut);
      const len = bad.length - 5;
      bad[3] = len >> 8;
      bad[4] = len & 0xff;
      assert.equal(unseal(sv, bad).status, SEC_E_DECRYPT_FAILURE, `cut ${cut}`);
    }
    const good = unseal(sv, rec);
    assert.equal(good.status, SEC_E_OK);
    assert.deepEqual(good.data, data);
    DeleteSecurityContext(c);
    DeleteSecurityContext(sv);
  },
);

cbcTest("mutated records give status codes only", () => {
  const { client: c, server: sv } = cbcPair();
  const r = rng(FUZZ_SEED ^ 0xcbc);
  const n = fuzzIterations("CBC_RECORD_FUZZ_ITERATIONS", 2000);
  const statuses = new Set<number>();
  for (let i = 0; i < n; i++) {
    const data = Uint8Array.from({ length: r(200) }, () => r(256));
    const rec = seal(c, data);
    const m = rec.slice(0, Math.max(5, rec.length - (r(4) === 0 ? r(40) : 0)));
    for (let k = 1 + r(3); k > 0; k--) m[r(m.length)] = r(256);
    const got = unseal(sv, m);
    statuses.add(got.status);
    if (got.status === SEC_E_OK) continue;
    // The failure moved nothing on: the record as sent still opens.
    const again = unseal(sv, rec);
    assert.equal(again.status, SEC_E_OK, `iteration ${i}`);
    assert.deepEqual(again.data, data);
  }
  assert.ok(statuses.has(SEC_E_DECRYPT_FAILURE), [...statuses].join(","));
  DeleteSecurityContext(c);
  DeleteSecurityContext(sv);
});

cbcTest("CipherSuites names a CBC suite by IANA name or code point", () => {
  for (
    const [suite, s] of [
      ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xc014],
      [0x002f, 0x002f],
    ] as const
  ) {
    const cc = acquire("client", {
      RootCertificates: pki!.rsaCa.cert,
      CipherSuites: [suite],
    });
    const r = handshake(cc, serverCred());
    assert.equal(query(r.client, SECPKG_ATTR_CIPHER_INFO).dwCipherSuite, s);
    assert.equal(query(r.server, SECPKG_ATTR_CIPHER_INFO).dwCipherSuite, s);
    const data = new TextEncoder().encode("through the chosen suite");
    assert.deepEqual(unseal(r.server, seal(r.client, data)).data, data);
    DeleteSecurityContext(r.client);
    DeleteSecurityContext(r.server);
  }
});
