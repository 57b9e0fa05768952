// PKINIT (RFC 4556, RFC 8636 KDFs) of our Kerberos client against MIT krb5's KDC and
// its pkinit plugin, with certificates made by openssl at test time: certificate
// logons (RSA and P-256 user keys, a +requires_preauth principal without keys, the
// user named by the certificate) whose tickets serve an AP exchange with our
// acceptor; MIT's own kinit with the same certificate (the KDC setup is right); the
// KDC's refusals mapped to Windows' statuses; a KDC certificate outside
// KdcRootCertificates refused by us; replies altered in transit refused; a mutation
// test of the reply processing (statuses only); the KDF against MIT's vectors; CMS
// round trips; bad options refused when acquiring.
import assert from "node:assert/strict";
import {
  FreeCredentialsHandle,
  SEC_E_CERT_WRONG_USAGE,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_TOKEN,
  SEC_E_ISSUING_CA_UNTRUSTED,
  SEC_E_ISSUING_CA_UNTRUSTED_KDC,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_PKINIT_NAME_MISMATCH,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import { tcpTransport } from "../../src/packages/kerberos/transport.ts";
import {
  decodeKdcRep,
  decodeKrbError,
  type PrincipalName,
} from "../../src/packages/kerberos/messages.ts";
import { PA_PK_AS_REP } from "../../src/packages/kerberos/constants.ts";
import { acquireKerberosCredential } from "../../src/packages/kerberos/credentials_acquire.ts";
import {
  pkinitEvidence,
  pkinitReply,
  pkinitRequest,
} from "../../src/packages/kerberos/pkinit_as.ts";
import {
  OID_KDF_SHA1,
  OID_KDF_SHA256,
  OID_KDF_SHA512,
  pkinitKdf,
} from "../../src/packages/kerberos/pkinit_dh.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { SECPKG_CRED_OUTBOUND } from "../../src/sspi/flags.ts";
import { parsePem } from "../../src/pki/pem.ts";
import { parseCertificate } from "../../src/pki/cert.ts";
import { parsePrivateKey } from "../../src/pki/keys.ts";
import {
  encodeSignedData,
  parseSignedData,
  verifySignedDataSigner,
} from "../../src/pki/cms.ts";
import { isCI } from "../peers/availability.ts";
import { kdcAvailable, type MitKdc } from "../peers/mit_kdc.ts";
import { FUZZ_SEED, fuzzIterations, mutate, rng } from "../_fuzz.ts";
import {
  acquireKrb,
  iscStep,
  KRB_USER,
  newCtx,
  REALM,
  SERVICE,
} from "./_kdc_helpers.ts";
import { indexOf, logonAndAp, relay, type Seen, st } from "./_fast_helpers.ts";
import {
  type CertFiles,
  makePkinitPki,
  pkinitPeersAvailable,
  type PkinitPki,
  pkinitPluginAvailable,
  startPkinitKdc,
} from "./_pkinit_pki.ts";

/** A principal that must pre-authenticate and has no keys: certificate only. */
const CAROL = "carol";
const read = (p: string) => Deno.readTextFileSync(p);

const ready = await kdcAvailable() && await pkinitPluginAvailable();
if (!ready && !isCI()) await pkinitPeersAvailable(); // prints the skip message with the hint

/** Runs `fn` with a PKINIT-enabled KDC and the test PKI. */
async function withPkinitKdc(
  fn: (kdc: MitKdc, pki: PkinitPki) => Promise<void>,
  moreConf = "",
): Promise<void> {
  if (!await pkinitPeersAvailable()) return;
  const pki = await makePkinitPki(REALM);
  const kdc = await startPkinitKdc(pki, moreConf);
  try {
    await kdc.kadmin(`addprinc +requires_preauth -nokey ${CAROL}`);
    await fn(kdc, pki);
  } finally {
    await kdc.close();
    await Deno.remove(pki.dir, { recursive: true }).catch(() => {});
  }
}

/** The `pAuthData` of a certificate logon. */
function certAuth(
  kdc: MitKdc,
  pki: PkinitPki,
  user: CertFiles,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    User: CAROL,
    Domain: REALM,
    Certificate: read(user.cert),
    PrivateKey: read(user.key),
    KdcRootCertificates: read(pki.ca.cert),
    Kdc: kdc.kdc,
    ...extra,
  };
}

/** The status of the first context step (the AS and TGS exchanges) for `auth`. */
async function firstStep(auth: Record<string, unknown>): Promise<number> {
  const { status, cred } = await acquireKrb("Kerberos", auth);
  assert.equal(st(status), st(SEC_E_OK));
  try {
    return (await iscStep(cred, newCtx(), true, SERVICE, null)).status;
  } finally {
    FreeCredentialsHandle(cred);
  }
}

Deno.test({
  name:
    "PKINIT with MIT krb5: certificate logons, tickets used with our acceptor",
  ignore: !ready && !isCI(),
  fn: () =>
    withPkinitKdc(async (kdc, pki) => {
      const carol = await pki.user(CAROL);
      assert.equal(
        st(await logonAndAp(kdc, certAuth(kdc, pki, carol))),
        st(SEC_E_OK),
      );
      // A user with a password logs on with a certificate as well (no password asked).
      const alice = await pki.user(KRB_USER.user);
      assert.equal(
        st(
          await logonAndAp(
            kdc,
            certAuth(kdc, pki, alice, { User: KRB_USER.user }),
          ),
        ),
        st(SEC_E_OK),
      );
      // No User: the certificate's id-pkinit-san names carol@REALM.
      assert.equal(
        st(
          await logonAndAp(
            kdc,
            certAuth(kdc, pki, carol, { User: undefined, Domain: undefined }),
          ),
        ),
        st(SEC_E_OK),
      );
      // An ECDSA P-256 user key signs the AuthPack.
      const carolEc = await pki.user(CAROL, { ec: true });
      assert.equal(
        st(await logonAndAp(kdc, certAuth(kdc, pki, carolEc))),
        st(SEC_E_OK),
      );
      // Negotiate with the same credential: SPNEGO's Kerberos (NTLM has no password).
      const neg = await acquireKrb("Negotiate", certAuth(kdc, pki, carol));
      assert.equal(st(neg.status), st(SEC_E_OK));
      const first = await iscStep(neg.cred, newCtx(), true, SERVICE, null);
      FreeCredentialsHandle(neg.cred);
      assert.equal(st(first.status), st(SEC_I_CONTINUE_NEEDED));
      assert.equal(first.token![0], 0x60, "a SPNEGO NegTokenInit");
      // What the exchange used: the KDC's RFC 8636 KDF, its checked certificate.
      const cred = acquireKerberosCredential({
        principal: null,
        use: SECPKG_CRED_OUTBOUND,
        authData: certAuth(kdc, pki, carol),
        async: true,
      });
      try {
        const { getTgt } = await import("../../src/packages/kerberos/kdc.ts");
        const t = await getTgt(cred);
        assert.equal(t.crealm, REALM);
        assert.deepEqual(t.cname.nameString, [CAROL]);
        const ev = pkinitEvidence(cred)!;
        assert.equal(ev.kdf, OID_KDF_SHA256);
        assert.equal(ev.replyEtype, 18);
        assert.equal(ev.kdcCertificate.subjectCommonName, "kdc");
      } finally {
        cred.dispose();
      }
    }),
});

Deno.test({
  name: "PKINIT with MIT krb5: MIT's kinit logs on with the same certificate",
  ignore: !ready && !isCI(),
  fn: () =>
    withPkinitKdc(async (kdc, pki) => {
      const carol = await pki.user(CAROL);
      const o = await new Deno.Command("kinit", {
        args: [
          "-X",
          `X509_user_identity=FILE:${carol.cert},${carol.key}`,
          "-X",
          `X509_anchors=FILE:${pki.ca.cert}`,
          "-c",
          `FILE:${pki.dir}/kinit.ccache`,
          `${CAROL}@${REALM}`,
        ],
        env: kdc.env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(o.success, new TextDecoder().decode(o.stderr));
    }),
});

Deno.test({
  name: "PKINIT with MIT krb5: a KDC requiring freshness tokens (RFC 8070)",
  ignore: !ready && !isCI(),
  fn: () =>
    withPkinitKdc(async (kdc, pki) => {
      const carol = await pki.user(CAROL);
      const log: Seen[] = [];
      const status = await logonAndAp(
        kdc,
        certAuth(kdc, pki, carol, {
          Kdc: undefined,
          KdcTransport: relay(kdc, log),
        }),
      );
      assert.equal(st(status), st(SEC_E_OK));
      // PKINIT refused (no token), the token fetched, PKINIT again, then TGS.
      const errors = log.filter((x) => x.rep[0] === 0x7e)
        .map((x) => decodeKrbError(x.rep).errorCode);
      assert.deepEqual(errors, [24, 25]);
    }, "    pkinit_require_freshness = true"),
});

Deno.test({
  name: "PKINIT with MIT krb5: the KDC's refusals map to Windows' statuses",
  ignore: !ready && !isCI(),
  fn: () =>
    withPkinitKdc(async (kdc, pki) => {
      // A user certificate from a CA the KDC does not trust.
      const stranger = await pki.user(CAROL, { issuer: "otherCa" });
      assert.equal(
        st(await firstStep(certAuth(kdc, pki, stranger))),
        st(SEC_E_ISSUING_CA_UNTRUSTED),
      );
      // carol's certificate for alice: KDC_ERR_CLIENT_NAME_MISMATCH.
      const carol = await pki.user(CAROL);
      assert.equal(
        st(await firstStep(certAuth(kdc, pki, carol, { User: "alice" }))),
        st(SEC_E_PKINIT_NAME_MISMATCH),
      );
      // A certificate without the PKINIT client EKU (serverAuth only).
      const wrongEku = await pki.user(CAROL, { eku: "serverAuth" });
      assert.equal(
        st(await firstStep(certAuth(kdc, pki, wrongEku))),
        st(SEC_E_CERT_WRONG_USAGE),
      );
    }),
});

Deno.test({
  name:
    "PKINIT with MIT krb5: a KDC certificate outside KdcRootCertificates is refused",
  ignore: !ready && !isCI(),
  fn: () =>
    withPkinitKdc(async (kdc, pki) => {
      const carol = await pki.user(CAROL);
      assert.equal(
        st(
          await firstStep(
            certAuth(kdc, pki, carol, {
              KdcRootCertificates: read(pki.otherCa.cert),
            }),
          ),
        ),
        st(SEC_E_ISSUING_CA_UNTRUSTED_KDC),
      );
    }),
});

/** The PA-PK-AS-REP value of an AS-REP (or null). */
function pkAsRep(rep: Uint8Array): Uint8Array | null {
  if (rep[0] !== 0x6b) return null;
  return decodeKdcRep(rep).padata?.find((p) => p.padataType === PA_PK_AS_REP)
    ?.padataValue ?? null;
}

/** Replaces the first occurrence of `from` inside `rep` by `to` (same length). */
function replace(rep: Uint8Array, from: Uint8Array, to: Uint8Array) {
  const at = indexOf(rep, from);
  assert.ok(at >= 0);
  rep.set(to, at);
  return rep;
}

const oid = (dotted: string) => {
  // id-pkinit-kdf-ah-sha256 / sha512: 2B 06 01 05 02 03 06 02|03
  const last = Number(dotted.split(".").at(-1));
  return Uint8Array.of(0x06, 8, 0x2b, 6, 1, 5, 2, 3, 6, last);
};

Deno.test({
  name:
    "PKINIT with MIT krb5: replies altered in transit are refused with a status",
  ignore: !ready && !isCI(),
  fn: () =>
    withPkinitKdc(async (kdc, pki) => {
      const carol = await pki.user(CAROL);
      const cases: [string, (rep: Uint8Array) => Uint8Array, number][] = [
        [
          "a byte of the KDC's signed DH key",
          (rep) => {
            const v = pkAsRep(rep);
            if (!v) return rep;
            const at = indexOf(rep, v) + Math.floor(v.length / 3);
            rep[at] ^= 0x40;
            return rep;
          },
          SEC_E_MESSAGE_ALTERED,
        ],
        [
          "the KDF the KDC chose (unsigned, but bound into the reply key)",
          (rep) =>
            pkAsRep(rep)
              ? replace(rep, oid(OID_KDF_SHA256), oid(OID_KDF_SHA512))
              : rep,
          SEC_E_MESSAGE_ALTERED,
        ],
        [
          "the AS-REP's enc-part",
          (rep) => {
            if (rep[0] !== 0x6b) return rep;
            const c = decodeKdcRep(rep).encPart.cipher;
            rep[indexOf(rep, c) + 5] ^= 1;
            return rep;
          },
          SEC_E_MESSAGE_ALTERED,
        ],
        [
          "PA-PK-AS-REP turned into another padata type",
          (rep) => {
            const v = pkAsRep(rep);
            if (!v) return rep;
            // padata-type [1] INTEGER 17 just before the value: make it 18.
            const at = indexOf(rep, v);
            for (let i = at; i > at - 12; i--) {
              if (rep[i] === 0x02 && rep[i + 1] === 1 && rep[i + 2] === 17) {
                rep[i + 2] = 18;
                break;
              }
            }
            return rep;
          },
          SEC_E_INVALID_TOKEN,
        ],
      ];
      for (const [what, onRep, want] of cases) {
        const status = await firstStep(
          certAuth(kdc, pki, carol, {
            Kdc: undefined,
            KdcTransport: relay(kdc, [], {
              onRep: (rep, req) => req[0] === 0x6a ? onRep(rep) : rep,
            }),
          }),
        );
        assert.equal(st(status), st(want), what);
      }
    }),
});

Deno.test({
  name:
    `PKINIT reply processing: mutated MIT replies give statuses only (seed ${FUZZ_SEED})`,
  ignore: !ready && !isCI(),
  fn: () =>
    withPkinitKdc(async (kdc, pki) => {
      const carol = await pki.user(CAROL);
      const cred = acquireKerberosCredential({
        principal: null,
        use: SECPKG_CRED_OUTBOUND,
        authData: certAuth(kdc, pki, carol),
        async: true,
      });
      const krbtgt: PrincipalName = {
        nameType: 2,
        nameString: ["krbtgt", REALM],
      };
      const req = pkinitRequest(cred, krbtgt, undefined, cred.pkinit!);
      try {
        const reply = await tcpTransport([kdc.kdc], 5000)(REALM, req.asReq);
        const good = await pkinitReply(cred, cred.pkinit!, req, reply);
        assert.deepEqual(good.cname.nameString, [CAROL]);
        const r = rng(FUZZ_SEED);
        const n = fuzzIterations("PKINIT_FUZZ_ITERATIONS", 2000);
        const seen = new Map<string, number>();
        for (let i = 0; i < n; i++) {
          const cut = mutate(reply, r);
          let name = "SEC_E_OK";
          try {
            await pkinitReply(cred, cred.pkinit!, req, cut);
          } catch (e) {
            assert.ok(e instanceof SspiError, `iteration ${i}: ${e}`);
            assert.notEqual(e.status, SEC_E_INTERNAL_ERROR);
            name = st(e.status);
          }
          seen.set(name, (seen.get(name) ?? 0) + 1);
        }
        console.log(`PKINIT reply mutations (${n}):`, Object.fromEntries(seen));
      } finally {
        req.dispose();
        cred.dispose();
      }
    }),
});

Deno.test("PKINIT KDF: MIT's pkinit_kdf_test vectors (RFC 8636)", () => {
  const hex = (b: Uint8Array) =>
    Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const input = {
    secret: new Uint8Array(256),
    client: { name: { nameType: 1, nameString: ["lha"] }, realm: "SU.SE" },
    server: {
      name: { nameType: 1, nameString: ["krbtgt", "SU.SE"] },
      realm: "SU.SE",
    },
    etype: 18,
    asReq: new Uint8Array(10).fill(0xaa),
    pkAsRep: new Uint8Array(9).fill(0xbb),
  };
  assert.equal(
    hex(pkinitKdf({ ...input, kdf: OID_KDF_SHA1 }).bytes),
    "e6ab38c9413e035bb079201ed0b6b73d8d49a814a737c04ee6649614206f73ad",
  );
  assert.equal(
    hex(pkinitKdf({ ...input, kdf: OID_KDF_SHA256 }).bytes),
    "77ef4e48c420ae3fec75109d7981697eed5d295c90c62564f7bfd101fa9bc1d5",
  );
});

Deno.test("CMS SignedData: round trip, tampering and malformed input", async () => {
  const pki = await makePkinitPki(REALM);
  try {
    for (const ec of [false, true]) {
      const u = await pki.user(CAROL, { ec });
      const der = parsePem(read(u.cert), "CERTIFICATE")[0];
      const cert = parseCertificate(der)!;
      const key = parsePrivateKey(read(u.key))!;
      const content = new TextEncoder().encode("AuthPack stand-in");
      const sd = encodeSignedData({
        contentType: "1.3.6.1.5.2.3.1",
        content,
        certificates: [der],
        signer: cert,
        key,
      });
      // openssl reads it and verifies the signature (no chain check).
      await Deno.writeFile(`${pki.dir}/sd.der`, sd);
      const o = await new Deno.Command("openssl", {
        args: [
          "cms",
          "-verify",
          "-noverify",
          "-inform",
          "DER",
          "-in",
          `${pki.dir}/sd.der`,
          "-out",
          `${pki.dir}/sd.out`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(o.success, new TextDecoder().decode(o.stderr));
      assert.deepEqual(await Deno.readFile(`${pki.dir}/sd.out`), content);
      const parsed = parseSignedData(sd)!;
      assert.ok(verifySignedDataSigner(parsed));
      const bad = sd.slice();
      bad[indexOf(bad, content) + 2] ^= 1;
      const p2 = parseSignedData(bad)!;
      assert.equal(verifySignedDataSigner(p2), null);
      const r = rng(FUZZ_SEED);
      for (let i = 0; i < 500; i++) {
        const m = sd.slice();
        m[r(m.length)] ^= 1 << r(8);
        const p = parseSignedData(m.subarray(0, r(4) ? m.length : r(m.length)));
        if (p) verifySignedDataSigner(p);
      }
    }
  } finally {
    await Deno.remove(pki.dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("PKINIT options: unusable ones are SEC_E_NO_CREDENTIALS when acquiring", async () => {
  const pki = await makePkinitPki(REALM);
  try {
    const carol = await pki.user(CAROL);
    const other = await pki.user(CAROL, { issuer: "otherCa" });
    const base = {
      User: CAROL,
      Domain: REALM,
      Certificate: read(carol.cert),
      PrivateKey: read(carol.key),
      KdcRootCertificates: read(pki.ca.cert),
      Kdc: "127.0.0.1:1",
    };
    const bad: Record<string, unknown>[] = [
      { ...base, PrivateKey: undefined },
      { ...base, KdcRootCertificates: undefined },
      { ...base, PrivateKey: read(other.key) },
      { ...base, Certificate: new Uint8Array([0x30, 3, 1, 2, 3]) },
      { ...base, Certificate: "no PEM here" },
      {
        ...base,
        PrivateKey:
          "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
      },
      { ...base, KdcRootCertificates: 42 },
      { ...base, Password: "pw" },
      { ...base, Kdc: undefined, Domain: "NO.SUCH.REALM" },
    ];
    for (const [i, d] of bad.entries()) {
      const { status } = await acquireKrb("Kerberos", d);
      assert.equal(st(status), st(SEC_E_NO_CREDENTIALS), `case ${i}`);
    }
    const { status, cred } = await acquireKrb("Kerberos", base);
    assert.equal(st(status), st(SEC_E_OK));
    FreeCredentialsHandle(cred);
  } finally {
    await Deno.remove(pki.dir, { recursive: true }).catch(() => {});
  }
});
