// tls-server-end-point (RFC 5929 section 4): the hash follows the certificate's
// signature algorithm, with SHA-1 (and Ed25519, which has none) taken as SHA-256. The
// certificates were made with OpenSSL 3.0; the expected digests are OpenSSL's
// (`openssl x509 -outform DER | openssl dgst -<hash>`).
import assert from "node:assert/strict";
import { tlsServerEndPoint } from "../../mod.ts";
import { toHex } from "../../src/util/bytes.ts";

const PREFIX = "tls-server-end-point:";
const CASES: [string, string][] = [
  [
    "rsa256", // sha256WithRSAEncryption
    "6a291a6592f36d46a4279f153ad5a69c96a506e16c150353e34bc462d5fab0ed",
  ],
  [
    "rsa1", // sha1WithRSAEncryption: SHA-256
    "2d553d377a38bb0bee434cf80cac584e34359697251c2cbb9edce8dc0dafb748",
  ],
  [
    "rsa512", // sha512WithRSAEncryption
    "7b1dfb35bd46da64e7bcf35c0f0243812dc28b7dad4962dab8ea7948a67d653d" +
    "7a4478f78ee3e097d5821524a2f8353c533b2a4e2ff1de7a1c739c46477f3c5d",
  ],
  [
    "ec384", // ecdsa-with-SHA384
    "0672a5b99f1f3cc60ba9d2f4d4bac579785b5d396a4d4018a385ca8870955e75" +
    "fe3bce75e3755c7b581761b3f5ed9b00",
  ],
  [
    "pss512", // rsassaPss with hashAlgorithm sha512
    "85c54113bc2bb5d0dca0eab7cc2f63a2a9a575740b7a346130e8597194c20f34" +
    "165994eaec7f397be7f69ed93e2c496b93770e5fb12bccc5d75d6252ac91b68d",
  ],
  [
    "ed", // Ed25519: no hash of its own, SHA-256
    "b2be6ff8fdd35660355617c7311ed9144d3346a8fd3974cfce7aa884e2ef7f13",
  ],
];

const dir = new URL("./data/certs/", import.meta.url);

for (const [name, hex] of CASES) {
  Deno.test(`tlsServerEndPoint: ${name} (PEM and DER) matches OpenSSL's digest`, async () => {
    const pem = await Deno.readTextFile(new URL(`${name}.pem`, dir));
    const fromPem = await tlsServerEndPoint(pem);
    const prefix = new TextDecoder().decode(fromPem.subarray(0, PREFIX.length));
    assert.equal(prefix, PREFIX);
    assert.equal(toHex(fromPem.subarray(PREFIX.length)), hex);
    const b64 = pem.replace(/-----[A-Z ]+-----|\s/g, "");
    const der = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    assert.deepEqual(await tlsServerEndPoint(der), fromPem);
  });
}

Deno.test("tlsServerEndPoint: what is not a certificate is a TypeError", async () => {
  for (
    const bad of [
      "no pem here",
      new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), // SEQUENCE { INTEGER }
      new Uint8Array([0x30, 0x80, 0x00, 0x00]), // indefinite length
      // SEQUENCE { SEQUENCE {}, SEQUENCE { INTEGER 1 } }: no OID where one belongs
      new Uint8Array([0x30, 0x07, 0x30, 0x00, 0x30, 0x03, 0x02, 0x01, 0x01]),
      new Uint8Array(0),
    ]
  ) {
    await assert.rejects(() => tlsServerEndPoint(bad), TypeError);
  }
});
