/**
 * Our TLS 1.2 server's static-RSA key transport against Bleichenbacher/ROBOT
 * oracles (RFC 5246 7.4.7.1): a ClientKeyExchange with bad padding, no separator,
 * a premaster of the wrong length or version, a ciphertext of the wrong length,
 * random bytes or not below the modulus fails exactly as one with a correctly
 * padded but different premaster (same status, same alert bytes: the client's
 * Finished does not verify), and never by an exception; then mutated
 * ClientKeyExchange/Finished flights (statuses only). Also the DHE client share
 * out of range (0, 1, p-1, p): illegal_parameter.
 */
import assert from "node:assert/strict";
import { CtxtHandle, SEC_E_OK, SEC_I_CONTINUE_NEEDED } from "../../mod.ts";
import type { CredHandle } from "../../mod.ts";
import { FUZZ_SEED, fuzzIterations, mutate, rng } from "../_fuzz.ts";
import { testPki } from "./_pki.ts";
import { acquire, asc, isc } from "./_tls.ts";
import { parsePem } from "../../src/pki/pem.ts";
import { parseCertificate } from "../../src/pki/cert.ts";
import { bigIntToBytes, bytesToBigInt, modPow } from "../../src/pki/bigint.ts";
import { rsaEncryptPkcs1 } from "../../src/pki/rsa.ts";
import { randomBytes } from "../../src/crypto/mod.ts";

const pki = await testPki();
const FLIGHTS = fuzzIterations("SCHANNEL_RSA_KEX_FLIGHTS", 2000);

function robustTest(name: string, fn: () => void): void {
  Deno.test({ name: `schannel TLS 1.2 server kex: ${name}`, ignore: !pki, fn });
}

/** The records of `bytes`: type and body. */
function records(bytes: Uint8Array): { type: number; body: Uint8Array }[] {
  const out = [];
  for (let i = 0; i + 5 <= bytes.length;) {
    const len = (bytes[i + 3] << 8) | bytes[i + 4];
    out.push({ type: bytes[i], body: bytes.subarray(i + 5, i + 5 + len) });
    i += 5 + len;
  }
  return out;
}

function record(type: number, body: Uint8Array): Uint8Array {
  const r = new Uint8Array(5 + body.length);
  r.set([type, 3, 3, body.length >> 8, body.length & 0xff]);
  r.set(body, 5);
  return r;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
}

/** A ClientKeyExchange handshake message with `value` as its 2-byte vector. */
function cke(value: Uint8Array): Uint8Array {
  const n = value.length + 2;
  return concat(
    Uint8Array.of(16, n >> 16, (n >> 8) & 0xff, n & 0xff),
    Uint8Array.of(value.length >> 8, value.length & 0xff),
    value,
  );
}

interface Pair {
  server: CtxtHandle;
  scred: CredHandle;
  /** The client's flight: ClientKeyExchange record, then the others. */
  cke: Uint8Array;
  rest: Uint8Array;
  /** The server's first flight. */
  serverFlight: Uint8Array;
}

/** Runs our client against our server with `suite` up to the client's second flight. */
function upToClientFlight(suite: number): Pair {
  const p = pki!;
  const ccred = acquire("client", {
    RootCertificates: p.rsaCa.cert,
    CipherSuites: [suite],
  });
  const scred = acquire("server", {
    Certificate: p.rsaServer.cert,
    PrivateKey: p.rsaServer.key,
    CipherSuites: [suite],
  });
  const client = new CtxtHandle();
  const server = new CtxtHandle();
  const c1 = isc(ccred, client, true, "localhost", null);
  const s1 = asc(scred, server, true, c1.token!);
  assert.equal(s1.status, SEC_I_CONTINUE_NEEDED);
  const c2 = isc(ccred, client, false, "localhost", s1.token!);
  assert.equal(c2.status, SEC_I_CONTINUE_NEEDED);
  const recs = records(c2.token!);
  assert.equal(recs[0].type, 22);
  assert.equal(recs[0].body[0], 16);
  const first = 5 + recs[0].body.length;
  return {
    server,
    scred,
    cke: recs[0].body,
    rest: c2.token!.subarray(first),
    serverFlight: s1.token!,
  };
}

/** The server's answer to the client flight with `value` as the ClientKeyExchange. */
function answer(
  suite: number,
  value: Uint8Array | null,
): { status: number; alert: number[] } {
  const p = upToClientFlight(suite);
  const flight = concat(
    record(22, value ? cke(value) : p.cke),
    p.rest,
  );
  const s = asc(p.scred, p.server, false, flight);
  return { status: s.status >>> 0, alert: [...(s.token ?? [])] };
}

const serverKey = () => {
  const cert = parseCertificate(parsePem(pki!.rsaServer.cert)[0])!;
  return cert.publicKey as { kind: "rsa"; n: bigint; e: bigint };
};

/** A raw RSA encryption of the block `em` (no padding added). */
function rawEncrypt(em: Uint8Array): Uint8Array {
  const { n, e } = serverKey();
  return bigIntToBytes(modPow(bytesToBigInt(em), e, n), em.length);
}

/** `00 02 PS 00 msg` for a k-byte modulus, with `tweak` applied before encryption. */
function block(k: number, msg: Uint8Array, tweak = (_: Uint8Array) => {}) {
  const em = new Uint8Array(k);
  em[1] = 2;
  for (let i = 2; i < k - msg.length - 1; i++) em[i] = 1 + (i % 255);
  em.set(msg, k - msg.length);
  tweak(em);
  return rawEncrypt(em);
}

const premaster = (v0 = 3, v1 = 3, len = 48) => {
  const pm = randomBytes(len);
  pm[0] = v0;
  pm[1] = v1;
  return pm;
};

robustTest(
  "static RSA: bad padding, wrong version, wrong lengths, random bytes: the same status and alert as a correctly padded, different premaster",
  () => {
    const key = serverKey();
    const k = 256;
    // Sanity: the real flight completes.
    assert.equal(answer(0x9c, null).status, SEC_E_OK);
    const baseline = answer(0x9c, rsaEncryptPkcs1(key, premaster()));
    assert.notEqual(baseline.status, SEC_E_OK);
    assert.notEqual(baseline.status, SEC_I_CONTINUE_NEEDED);
    // An alert record: fatal bad_record_mac (the Finished does not decrypt).
    assert.deepEqual(baseline.alert, [21, 3, 3, 0, 2, 2, 20]);
    const good = rsaEncryptPkcs1(key, premaster());
    const cases: Record<string, Uint8Array> = {
      "block type 01": block(k, premaster(), (em) => (em[1] = 1)),
      "first byte not 0": block(k, premaster(), (em) => (em[0] = 1)),
      "no separator": block(k, premaster(), (em) => (em[k - 49] = 7)),
      "zero in padding": block(k, premaster(), (em) => (em[5] = 0)),
      "premaster 47 bytes": rsaEncryptPkcs1(key, premaster(3, 3, 47)),
      "premaster 49 bytes": rsaEncryptPkcs1(key, premaster(3, 3, 49)),
      "premaster empty": rsaEncryptPkcs1(key, new Uint8Array(0)),
      "version 03 01": rsaEncryptPkcs1(key, premaster(3, 1)),
      "version 03 04": rsaEncryptPkcs1(key, premaster(3, 4)),
      "version 02 03": rsaEncryptPkcs1(key, premaster(2, 3)),
      "ciphertext one byte short": good.subarray(1),
      "ciphertext one byte long": concat(Uint8Array.of(0), good),
      "ciphertext empty": new Uint8Array(0),
      "random bytes": rawEncrypt(randomBytes(k)).map((b, i) =>
        i === 0 ? b & 0x7f : b
      ),
      "the modulus itself": bigIntToBytes(key.n, k),
      "all ones": new Uint8Array(k).fill(0xff),
    };
    for (const [what, value] of Object.entries(cases)) {
      assert.deepEqual(answer(0x9c, value), baseline, what);
    }
  },
);

robustTest(
  `static RSA: ${FLIGHTS} mutated ClientKeyExchange/Finished flights, statuses only, never an exception; same-length ciphertext changes all fail alike (seed ${FUZZ_SEED})`,
  () => {
    const r = rng(FUZZ_SEED);
    const p = upToClientFlight(0x9c);
    const flight = concat(record(22, p.cke), p.rest);
    const hello = (() => {
      const ccred = acquire("client", {
        RootCertificates: pki!.rsaCa.cert,
        CipherSuites: [0x9c],
      });
      return isc(ccred, new CtxtHandle(), true, "localhost", null).token!;
    })();
    const statuses = new Map<number, number>();
    let sameLength = 0;
    let alike: { status: number; alert: number[] } | null = null;
    for (let i = 0; i < FLIGHTS; i++) {
      const server = new CtxtHandle();
      const s1 = asc(p.scred, server, true, hello);
      assert.equal(s1.status, SEC_I_CONTINUE_NEEDED);
      let input: Uint8Array;
      const ctAt = 5 + 4 + 2; // record header, handshake header, vector length
      if (i % 2 === 0) {
        // Only the ciphertext changes: the outcome must never depend on it.
        input = flight.slice();
        const at = ctAt + r(256);
        input[at] ^= 1 + r(255);
        sameLength++;
      } else {
        input = mutate(flight, r);
      }
      const s = asc(p.scred, server, false, input);
      const status = s.status >>> 0;
      assert.notEqual(status, SEC_E_OK, `flight ${i}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (i % 2 === 0) {
        const got = { status, alert: [...(s.token ?? [])] };
        alike ??= got;
        assert.deepEqual(got, alike, `flight ${i}`);
      }
    }
    assert.ok(sameLength > 0);
    assert.deepEqual(alike!.alert, [21, 3, 3, 0, 2, 2, 20]);
    console.log(
      "statuses:",
      [...statuses].map(([s, n]) => `0x${s.toString(16)}: ${n}`).join(", "),
    );
  },
);

robustTest(
  "DHE: a client share of 0, 1, p-1 or p: illegal_parameter, SEC_E_ILLEGAL_MESSAGE",
  () => {
    const p = upToClientFlight(0x9e);
    // The prime from the ServerKeyExchange (handshake type 12).
    const hs = concat(
      ...records(p.serverFlight).filter((x) => x.type === 22).map((x) =>
        x.body
      ),
    );
    let prime: Uint8Array | null = null;
    for (let i = 0; i + 4 <= hs.length;) {
      const len = (hs[i + 1] << 16) | (hs[i + 2] << 8) | hs[i + 3];
      if (hs[i] === 12) {
        const plen = (hs[i + 4] << 8) | hs[i + 5];
        prime = hs.slice(i + 6, i + 6 + plen);
      }
      i += 4 + len;
    }
    assert.equal(prime?.length, 256);
    const pn = bytesToBigInt(prime!);
    for (const v of [0n, 1n, pn - 1n, pn]) {
      const a = answer(0x9e, bigIntToBytes(v, 256));
      assert.equal(a.status, 0x80090326, `Yc = ${v}`);
      assert.deepEqual(a.alert, [21, 3, 3, 0, 2, 2, 47], `Yc = ${v}`);
    }
    // And a share in range but made up: the Finished fails instead.
    const ok = answer(0x9e, bigIntToBytes(12345n, 256));
    assert.deepEqual(ok.alert, [21, 3, 3, 0, 2, 2, 20]);
  },
);
