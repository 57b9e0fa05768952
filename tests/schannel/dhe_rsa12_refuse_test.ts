/**
 * What our TLS 1.2 client refuses in the DHE_RSA and static-RSA suites, against a
 * server flight made here (ServerHello, Certificate, ServerKeyExchange signed with
 * the test server's key over the client's actual random, ServerHelloDone): a bad
 * signature, a server share out of range, a too-small or even prime, a
 * ServerKeyExchange with static RSA, an RSA certificate without keyEncipherment for
 * static RSA, an ECDSA certificate for DHE_RSA. Then mutated flights (bytes, and
 * re-signed random parameters): statuses only, never an exception or a WASM trap.
 */
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_CERT_WRONG_USAGE,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_ILLEGAL_MESSAGE,
  SEC_E_INTERNAL_ERROR,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import { openssl, testPki } from "./_pki.ts";
import { acquire, isc } from "./_tls.ts";
import { parsePem, parsePrivateKey, sign } from "../../src/pki/mod.ts";
import { bigIntToBytes, modPow } from "../../src/pki/bigint.ts";
import { MODP14_P } from "../../src/packages/kerberos/pkinit_dh.ts";
import {
  encodeCertificate12,
  encodeServerHello12,
} from "../../src/packages/schannel/messages12.ts";
import { handshakeMessage, Writer } from "../../src/packages/schannel/wire.ts";
import { plainRecord } from "../../src/packages/schannel/record.ts";
import { randomBytes } from "../../src/crypto/mod.ts";
import { concat } from "../../src/util/bytes.ts";

const pki = await testPki();
const FUZZ = Number(Deno.env.get("FUZZ_ITERATIONS") ?? 300);

function refuseTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({
    name: `schannel TLS 1.2 DHE/RSA refused: ${name}`,
    ignore: pki === null,
    fn,
  });
}

const DHE_128 = 0x9e;
const RSA_128 = 0x9c;
const PSS_SHA256 = 0x0804;

/** The parts of a server flight, each replaceable. */
interface Flight {
  suite: number;
  chainPem: string;
  keyPem: string;
  /** DHE: p, g, Ys (null: no ServerKeyExchange). */
  dh: { p: Uint8Array; g: Uint8Array; ys: Uint8Array } | null;
  /** Changes the signature bytes after signing. */
  spoil?: (sig: Uint8Array) => void;
  /** Changes the flight's bytes before delivery. */
  mutate?: (flight: Uint8Array) => Uint8Array;
}

/** ffdhe-sized MODP group 14 with a fresh server share. */
function goodDh(): { p: Uint8Array; g: Uint8Array; ys: Uint8Array } {
  const y = BigInt(
    "0x" +
      [...randomBytes(32)].map((b) => b.toString(16).padStart(2, "0")).join(""),
  );
  return {
    p: bigIntToBytes(MODP14_P, 256),
    g: Uint8Array.of(2),
    ys: bigIntToBytes(modPow(2n, y, MODP14_P), 256),
  };
}

/**
 * Runs our client (TLS 1.2 only, the flight's suite allowed, test roots) against
 * `f`: the status of the call that takes the server flight.
 */
function run(f: Flight, suites: (string | number)[] = [f.suite]): number {
  const p = pki!;
  const cred = acquire("client", {
    RootCertificates: p.rsaCa.cert + p.ecCa.cert,
    grbitEnabledProtocols: 0x800,
    CipherSuites: suites,
  });
  const ctx = new CtxtHandle();
  const hello = isc(cred, ctx, true, "localhost", null);
  assert.equal(hello.status, SEC_I_CONTINUE_NEEDED);
  const clientRandom = hello.token!.subarray(11, 43);
  const serverRandom = randomBytes(32);
  const msgs = [
    handshakeMessage(
      2,
      encodeServerHello12(serverRandom, randomBytes(32), f.suite, {
        ems: true,
        renegotiation: true,
        protocol: null,
      }),
    ),
    handshakeMessage(
      11,
      encodeCertificate12(parsePem(f.chainPem, "CERTIFICATE")),
    ),
  ];
  if (f.dh) {
    const params = new Writer().vector(2, f.dh.p).vector(2, f.dh.g).vector(
      2,
      f.dh.ys,
    ).finish();
    const key = parsePrivateKey(f.keyPem)!;
    const sig = sign(
      key,
      PSS_SHA256,
      concat(clientRandom, serverRandom, params),
    );
    f.spoil?.(sig);
    msgs.push(
      handshakeMessage(
        12,
        new Writer().bytes(params).u16(PSS_SHA256).vector(2, sig).finish(),
      ),
    );
  }
  msgs.push(handshakeMessage(14, new Uint8Array(0)));
  let flight = plainRecord(22, concat(...msgs));
  if (f.mutate) flight = f.mutate(flight);
  const r = isc(cred, ctx, false, "localhost", flight);
  DeleteSecurityContext(ctx);
  return r.status;
}

const rsa = () => ({
  chainPem: pki!.rsaServer.cert,
  keyPem: pki!.rsaServer.key,
});

refuseTest("the made-up flights complete when nothing is wrong", () => {
  assert.equal(
    run({ suite: DHE_128, ...rsa(), dh: goodDh() }),
    SEC_I_CONTINUE_NEEDED,
  );
  assert.equal(
    run({ suite: RSA_128, ...rsa(), dh: null }),
    SEC_I_CONTINUE_NEEDED,
  );
});

refuseTest(
  "a DHE ServerKeyExchange with a bad signature: SEC_E_DECRYPT_FAILURE",
  () => {
    assert.equal(
      run({ suite: DHE_128, ...rsa(), dh: goodDh(), spoil: (s) => s[10] ^= 1 }),
      SEC_E_DECRYPT_FAILURE,
    );
  },
);

refuseTest(
  "a signed DHE share out of range (0, 1, p-1, p): SEC_E_ILLEGAL_MESSAGE",
  () => {
    const p = MODP14_P;
    for (const ys of [0n, 1n, p - 1n, p]) {
      const dh = { ...goodDh(), ys: bigIntToBytes(ys, 256) };
      assert.equal(
        run({ suite: DHE_128, ...rsa(), dh }),
        SEC_E_ILLEGAL_MESSAGE,
        `Ys ${ys === 0n ? 0 : ys === 1n ? 1 : ys === p ? "p" : "p-1"}`,
      );
    }
    // g = 1 and an even "prime".
    assert.equal(
      run({
        suite: DHE_128,
        ...rsa(),
        dh: { ...goodDh(), g: Uint8Array.of(1) },
      }),
      SEC_E_ILLEGAL_MESSAGE,
    );
    const even = bigIntToBytes(MODP14_P + 1n, 256);
    assert.equal(
      run({ suite: DHE_128, ...rsa(), dh: { ...goodDh(), p: even } }),
      SEC_E_ILLEGAL_MESSAGE,
    );
  },
);

refuseTest("a signed 768-bit DHE prime: SEC_E_ALGORITHM_MISMATCH", () => {
  // Any value under 1024 bits is refused on its size before anything else.
  const p768 = (1n << 767n) | 1n;
  const dh = {
    p: bigIntToBytes(p768, 96),
    g: Uint8Array.of(2),
    ys: bigIntToBytes(12345n, 96),
  };
  assert.equal(run({ suite: DHE_128, ...rsa(), dh }), SEC_E_ALGORITHM_MISMATCH);
});

refuseTest(
  "a signed 1024-bit DHE group is taken (Windows' client default)",
  () => {
    // An odd 1024-bit modulus (the size is the policy under test; primality is the
    // server's business) with a share in range.
    const p1024 = (MODP14_P >> 1024n) | 1n;
    const dh = {
      p: bigIntToBytes(p1024, 128),
      g: Uint8Array.of(2),
      ys: bigIntToBytes(modPow(2n, 0x1234567n, p1024), 128),
    };
    assert.equal(run({ suite: DHE_128, ...rsa(), dh }), SEC_I_CONTINUE_NEEDED);
  },
);

refuseTest("a ServerKeyExchange with static RSA: SEC_E_ILLEGAL_MESSAGE", () => {
  assert.equal(
    run({ suite: RSA_128, ...rsa(), dh: goodDh() }),
    SEC_E_ILLEGAL_MESSAGE,
  );
});

refuseTest(
  "static RSA to a certificate whose keyUsage lacks keyEncipherment: SEC_E_CERT_WRONG_USAGE; DHE_RSA still fine with it",
  async () => {
    const p = pki!;
    const dir = p.dir;
    await Deno.writeTextFile(
      `${dir}/signonly.ext`,
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n" +
        "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n",
    );
    await openssl(dir, [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "signonly.key",
      "-out",
      "signonly.csr",
      "-subj",
      "/CN=localhost",
    ]);
    await openssl(dir, [
      "x509",
      "-req",
      "-in",
      "signonly.csr",
      "-CA",
      "rsa-ca.pem",
      "-CAkey",
      "rsa-ca.key",
      "-CAcreateserial",
      "-out",
      "signonly.pem",
      "-days",
      "30",
      "-sha256",
      "-extfile",
      "signonly.ext",
    ]);
    const chainPem = await Deno.readTextFile(`${dir}/signonly.pem`);
    const keyPem = await Deno.readTextFile(`${dir}/signonly.key`);
    assert.equal(
      run({ suite: RSA_128, chainPem, keyPem, dh: null }),
      SEC_E_CERT_WRONG_USAGE,
    );
    assert.equal(
      run({ suite: DHE_128, chainPem, keyPem, dh: goodDh() }),
      SEC_I_CONTINUE_NEEDED,
    );
  },
);

refuseTest(
  "DHE_RSA or static RSA with a (trusted) ECDSA certificate: SEC_E_ILLEGAL_MESSAGE",
  () => {
    const p = pki!;
    const ec = { chainPem: p.ecServer.cert, keyPem: p.ecServer.key };
    assert.equal(
      run({ suite: RSA_128, ...ec, dh: null }),
      SEC_E_ILLEGAL_MESSAGE,
    );
    // Signed with the RSA key (the EC key makes no RSA-PSS): the certificate's
    // type is checked before the signature.
    assert.equal(
      run({
        suite: DHE_128,
        chainPem: p.ecServer.cert,
        keyPem: p.rsaServer.key,
        dh: goodDh(),
      }),
      SEC_E_ILLEGAL_MESSAGE,
    );
  },
);

refuseTest(
  `${FUZZ} mutated DHE and static-RSA flights: statuses, never an exception`,
  () => {
    let seed = Number(Deno.env.get("FUZZ_SEED") ?? 7);
    const r = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const bytesOf = (n: number) => Uint8Array.from({ length: n }, () => r(256));
    const outcomes = new Map<number, number>();
    for (let i = 0; i < FUZZ; i++) {
      const dhe = r(3) !== 0;
      const suite = dhe ? (r(2) ? DHE_128 : 0x9f) : (r(2) ? RSA_128 : 0x9d);
      let dh = dhe ? goodDh() : null;
      let mutate: Flight["mutate"];
      if (dh && r(2)) {
        // Re-signed random parameters: reach the group and share checks.
        const len = [1, 2, 128, 255, 256, 257, 300][r(7)];
        const which = r(3);
        const v = bytesOf(len);
        dh = which === 0
          ? { ...dh, p: v }
          : which === 1
          ? { ...dh, g: v }
          : { ...dh, ys: v };
      } else {
        mutate = (f) => {
          const out = r(4) === 0 ? f.slice(0, r(f.length)) : f.slice();
          for (let k = 0, n = 1 + r(4); k < n && out.length; k++) {
            out[r(out.length)] ^= 1 + r(255);
          }
          return out;
        };
      }
      let status = 0;
      assert.doesNotThrow(() => {
        status = run({ suite, ...rsa(), dh, mutate }, [0x9c, 0x9d, 0x9e, 0x9f]);
      });
      assert.notEqual(status, SEC_E_INTERNAL_ERROR, `iteration ${i}`);
      outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
    }
    assert.ok(outcomes.size > 1, "the mutations reached several outcomes");
  },
);
