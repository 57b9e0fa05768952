import assert from "node:assert/strict";
import {
  encodeSubjectPublicKeyInfo,
  OID_KP_SERVER_AUTH,
  parseCertificate,
  parsePem,
  parsePrivateKey,
  parseSubjectPublicKeyInfo,
  publicKeyMatches,
  publicKeyOf,
  toPem,
} from "../../src/pki/mod.ts";
import { KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN } from "../../src/pki/cert.ts";
import {
  encodeBitString,
  encodeContext,
  encodeOctetString,
  encodeOid,
  encodeSequence,
} from "../../src/der/mod.ts";
import { bigIntToBytes } from "../../src/pki/bigint.ts";
import { encodePoint, P256 } from "../../src/pki/ec.ts";
import { encodeUint } from "../../src/pki/asn1.ts";
import { toHex } from "../../src/util/bytes.ts";
import { openssl, opensslTest } from "./_fixtures.ts";
import { enc, load } from "./_helpers.ts";

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("pki pem: labels, several blocks, headers and bad base64 skipped", () => {
  const text = [
    "junk before",
    toPem(Uint8Array.of(0x30, 0), "CERTIFICATE"),
    "between",
    toPem(Uint8Array.of(0x30, 1, 5), "PRIVATE KEY"),
    "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nMAA=\n-----END CERTIFICATE-----",
    "-----BEGIN CERTIFICATE-----\nMA=A\n-----END CERTIFICATE-----",
    "-----BEGIN CERTIFICATE-----\nMAA=\n-----END PRIVATE KEY-----",
    "-----BEGIN CERTIFICATE-----\r\nMA\r\n A=\r\n-----END CERTIFICATE-----\r\n",
  ].join("\n");
  assert.deepEqual(parsePem(text, "CERTIFICATE"), [
    Uint8Array.of(0x30, 0),
    Uint8Array.of(0x30, 0),
  ]);
  assert.deepEqual(parsePem(text, "PRIVATE KEY"), [Uint8Array.of(0x30, 1, 5)]);
  assert.equal(parsePem(text).length, 3);
  assert.deepEqual(parsePem(text, "X509 CRL"), []);
  assert.deepEqual(parsePem(""), []);
});

opensslTest("pki cert: fields match openssl x509's view", async () => {
  const { f, cert } = await load();
  for (
    const name of [
      "rsaca",
      "ecca",
      "rsaleaf",
      "ecleaf",
      "expired",
      "self",
      "inter",
    ]
  ) {
    const c = cert(name);
    const pem = enc(f[`${name}.pem`]);
    const text = dec(
      await openssl(
        [
          "x509",
          "-noout",
          "-serial",
          "-startdate",
          "-enddate",
          "-nameopt",
          "RFC2253",
        ],
        { stdin: pem },
      ),
    );
    const field = (k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(text)![1];
    const serialHex = toHex(c.serial).replace(/^0+(?=.)/, "").toUpperCase();
    assert.equal(serialHex, field("serial").replace(/^0+(?=.)/, ""), name);
    assert.equal(
      c.notBefore.getTime(),
      new Date(field("notBefore")).getTime(),
      name,
    );
    assert.equal(
      c.notAfter.getTime(),
      new Date(field("notAfter")).getTime(),
      name,
    );
    assert.equal(c.version, 3);
    // The DER blocks themselves.
    const der = await openssl(["x509", "-outform", "DER"], { stdin: pem });
    assert.deepEqual(c.der, der);
    const spki = await openssl(["x509", "-noout", "-pubkey"], { stdin: pem });
    assert.deepEqual(
      c.subjectPublicKeyInfo,
      parsePem(dec(spki), "PUBLIC KEY")[0],
    );
    assert.deepEqual(
      encodeSubjectPublicKeyInfo(c.publicKey!),
      c.subjectPublicKeyInfo,
    );
    assert.deepEqual(
      parseSubjectPublicKeyInfo(c.subjectPublicKeyInfo),
      c.publicKey,
    );
  }
  const ca = cert("rsaca");
  assert.equal(ca.subjectCommonName, "Test RSA Root");
  assert.equal(ca.issuerCommonName, "Test RSA Root");
  assert.deepEqual(ca.issuer, ca.subject);
  assert.equal(ca.isCA, true);
  assert.equal(ca.pathLen, null);
  assert.ok(ca.keyUsage! & KU_KEY_CERT_SIGN);
  assert.equal(ca.publicKey?.kind, "rsa");
  assert.equal(ca.publicKey?.kind === "rsa" && ca.publicKey.bits, 2048);
  const mod = dec(
    await openssl(["x509", "-noout", "-modulus"], {
      stdin: enc(f["rsaca.pem"]),
    }),
  );
  assert.equal(
    ca.publicKey?.kind === "rsa" && ca.publicKey.n.toString(16).toUpperCase(),
    mod.trim().replace("Modulus=", ""),
  );
  assert.equal(ca.signatureAlgorithm, "1.2.840.113549.1.1.11");
  assert.equal(ca.signature.length, 256);

  const leaf = cert("rsaleaf");
  assert.deepEqual(leaf.dnsNames, ["leaf.test", "*.wild.test"]);
  assert.deepEqual(leaf.ipAddresses, ["127.0.0.1", "::1"]);
  assert.equal(leaf.isCA, false);
  assert.deepEqual(leaf.extKeyUsage, [OID_KP_SERVER_AUTH]);
  assert.ok(leaf.keyUsage! & KU_DIGITAL_SIGNATURE);
  assert.equal(leaf.keyUsage! & KU_KEY_CERT_SIGN, 0);
  assert.deepEqual(leaf.issuer, ca.subject);
  assert.equal(leaf.issuerCommonName, "Test RSA Root");
  assert.equal(cert("inter").pathLen, 0);
  const ec = cert("ecleaf");
  assert.equal(ec.publicKey?.kind === "ec" && ec.publicKey.curve, "P-256");
  assert.equal(ec.signatureAlgorithm, "1.2.840.10045.4.3.2");
});

opensslTest(
  "pki keys: PKCS#8, PKCS#1, SEC1 in PEM and DER; key pairs",
  async () => {
    const { f, cert, key } = await load();
    const rsa = key("rsaleaf");
    assert.equal(rsa.kind, "rsa");
    assert.deepEqual(parsePrivateKey(f["rsaleaf.pkcs1.key"]), rsa);
    assert.ok(f["rsaleaf.pkcs1.key"].includes("BEGIN RSA PRIVATE KEY"));
    assert.deepEqual(parsePrivateKey(parsePem(f["rsaleaf.key"])[0]), rsa);
    assert.deepEqual(parsePrivateKey(parsePem(f["rsaleaf.pkcs1.key"])[0]), rsa);
    const ec = key("ecleaf");
    assert.equal(ec.kind, "ec");
    assert.ok(f["ecleaf.sec1.key"].includes("BEGIN EC PRIVATE KEY"));
    assert.deepEqual(parsePrivateKey(f["ecleaf.sec1.key"]), ec);
    assert.deepEqual(parsePrivateKey(parsePem(f["ecleaf.sec1.key"])[0]), ec);
    const p384 = key("p384leaf");
    assert.equal(p384.kind === "ec" && p384.curve, "P-384");
    assert.ok(publicKeyMatches(cert("sha384leaf").publicKey, p384));

    assert.ok(publicKeyMatches(cert("rsaleaf").publicKey, rsa));
    assert.ok(publicKeyMatches(cert("ecleaf").publicKey, ec));
    assert.ok(publicKeyMatches(cert("self").publicKey, ec));
    assert.ok(!publicKeyMatches(cert("rsaca").publicKey, rsa));
    assert.ok(!publicKeyMatches(cert("ecca").publicKey, ec));
    assert.ok(!publicKeyMatches(cert("ecleaf").publicKey, rsa));
    assert.ok(!publicKeyMatches(null, rsa));
    assert.deepEqual(publicKeyOf(ec), cert("ecleaf").publicKey);

    // A compressed EC point decodes to the same key.
    const compressed = dec(
      await openssl(["ec", "-pubout", "-conv_form", "compressed"], {
        stdin: enc(f["ecleaf.key"]),
      }),
    );
    assert.deepEqual(
      parseSubjectPublicKeyInfo(parsePem(compressed, "PUBLIC KEY")[0]),
      publicKeyOf(ec),
    );
    // Encrypted keys are not read.
    const encrypted = dec(
      await openssl([
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-128-cbc",
        "-passout",
        "pass:x",
      ], {
        stdin: enc(f["ecleaf.key"]),
      }),
    );
    assert.equal(parsePrivateKey(encrypted), null);
    // Inconsistent keys are refused: another key's public point in SEC1, a wrong prime
    // in PKCS#1.
    const other = key("ecca");
    if (ec.kind !== "ec" || other.kind !== "ec" || rsa.kind !== "rsa") return;
    const sec1 = (pub: typeof ec.publicKey) =>
      encodeSequence([
        encodeUint(1n),
        encodeOctetString(bigIntToBytes(ec.d, 32)),
        encodeContext(0, encodeOid(P256.oid)),
        encodeContext(1, encodeBitString(encodePoint(P256, pub))),
      ]);
    assert.deepEqual(parsePrivateKey(sec1(ec.publicKey)), ec);
    assert.equal(parsePrivateKey(sec1(other.publicKey)), null);
    const pkcs1 = (q: bigint) =>
      encodeSequence(
        [0n, rsa.n, rsa.e, rsa.d, rsa.p, q, rsa.dp, rsa.dq, rsa.qi].map(
          encodeUint,
        ),
      );
    assert.deepEqual(parsePrivateKey(pkcs1(rsa.q)), rsa);
    assert.equal(parsePrivateKey(pkcs1(rsa.q + 2n)), null);
  },
);

opensslTest("pki keys: RSA size and exponent limits", async () => {
  const spki = (n: bigint, e: bigint) =>
    encodeSequence([
      encodeSequence([encodeOid("1.2.840.113549.1.1.1"), Uint8Array.of(5, 0)]),
      encodeBitString(encodeSequence([encodeUint(n), encodeUint(e)])),
    ]);
  const { cert } = await load();
  const k = cert("rsaca").publicKey!;
  assert.equal(k.kind, "rsa");
  if (k.kind !== "rsa") return;
  assert.deepEqual(parseSubjectPublicKeyInfo(spki(k.n, k.e)), k);
  assert.equal(parseSubjectPublicKeyInfo(spki(k.n, 65536n)), null); // even
  assert.equal(parseSubjectPublicKeyInfo(spki(k.n, 1n)), null);
  assert.equal(parseSubjectPublicKeyInfo(spki(k.n, (1n << 40n) + 1n)), null); // huge
  assert.equal(
    parseSubjectPublicKeyInfo(spki(k.n >> 1100n | 1n, 65537n)),
    null,
  ); // < 1024 bits
  assert.equal(
    parseSubjectPublicKeyInfo(spki((1n << 8200n) + 1n, 65537n)),
    null,
  ); // > 8192
  const small = await openssl([
    "genpkey",
    "-algorithm",
    "RSA",
    "-pkeyopt",
    "rsa_keygen_bits:768",
  ]);
  assert.equal(parsePrivateKey(dec(small)), null);
  // 1024 bits is the floor and still accepted.
  const k1024 = await openssl([
    "genpkey",
    "-algorithm",
    "RSA",
    "-pkeyopt",
    "rsa_keygen_bits:1024",
  ]);
  assert.equal(parsePrivateKey(dec(k1024))?.kind, "rsa");
});

Deno.test("pki cert: garbage and non-certificates give null", () => {
  assert.equal(parseCertificate(new Uint8Array(0)), null);
  assert.equal(parseCertificate(Uint8Array.of(0x30, 0)), null);
  assert.equal(parseCertificate(Uint8Array.of(0x30, 0x80, 0, 0)), null);
  assert.equal(parseCertificate(encodeSequence([encodeOid("1.2.3")])), null);
  assert.equal(parseCertificate("x" as unknown as Uint8Array), null);
  assert.equal(parsePrivateKey(new Uint8Array(0)), null);
  assert.equal(parsePrivateKey("no pem here"), null);
  assert.equal(parsePrivateKey(42 as unknown as Uint8Array), null);
  assert.equal(parseSubjectPublicKeyInfo(Uint8Array.of(1, 2, 3)), null);
});
