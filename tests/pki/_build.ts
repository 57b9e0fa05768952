/**
 * A small X.509 builder for tests that must not depend on openssl: certificates
 * signed by this module's own `sign` (sha256WithRSAEncryption or ecdsa-with-SHA256).
 *
 * @module
 */
import {
  encodeBitString,
  encodeContext,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeTlv,
} from "../../src/der/mod.ts";
import { encodeUint } from "../../src/pki/asn1.ts";
import {
  ECDSA_SECP256R1_SHA256,
  encodeSubjectPublicKeyInfo,
  type PrivateKey,
  type PublicKey,
  RSA_PKCS1_SHA256,
  sign,
} from "../../src/pki/mod.ts";

/** What to put in a test certificate. */
export interface CertSpec {
  subjectCN: string;
  issuerCN: string;
  subjectKey: PublicKey;
  issuerKey: PrivateKey;
  dnsNames?: string[];
  isCA?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  serial?: bigint;
}

/** A Name with one CN (UTF8String). */
export function name(cn: string): Uint8Array {
  return encodeSequence([
    encodeTlv(0x31, [
      encodeSequence([
        encodeOid("2.5.4.3"),
        encodeTlv(0x0c, new TextEncoder().encode(cn)),
      ]),
    ]),
  ]);
}

function time(d: Date): Uint8Array {
  const s = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
  return encodeTlv(0x18, new TextEncoder().encode(s));
}

/** The DER of a v3 certificate built from `spec`. */
export function buildCert(spec: CertSpec): Uint8Array {
  const rsa = spec.issuerKey.kind === "rsa";
  const alg = encodeSequence(
    rsa
      ? [encodeOid("1.2.840.113549.1.1.11"), Uint8Array.of(5, 0)]
      : [encodeOid("1.2.840.10045.4.3.2")],
  );
  const exts: Uint8Array[] = [];
  if (spec.isCA) {
    exts.push(encodeSequence([
      encodeOid("2.5.29.19"),
      Uint8Array.of(1, 1, 0xff),
      encodeOctetString(encodeSequence([Uint8Array.of(1, 1, 0xff)])),
    ]));
  }
  if (spec.dnsNames) {
    exts.push(encodeSequence([
      encodeOid("2.5.29.17"),
      encodeOctetString(
        encodeSequence(
          spec.dnsNames.map((n) =>
            encodeTlv(0x82, new TextEncoder().encode(n))
          ),
        ),
      ),
    ]));
  }
  const tbs = encodeSequence([
    encodeContext(0, encodeUint(2n)),
    encodeUint(spec.serial ?? 1n),
    alg,
    name(spec.issuerCN),
    encodeSequence([
      time(spec.notBefore ?? new Date(Date.now() - 86400_000)),
      time(spec.notAfter ?? new Date(Date.now() + 86400_000)),
    ]),
    name(spec.subjectCN),
    encodeSubjectPublicKeyInfo(spec.subjectKey),
    ...(exts.length ? [encodeContext(3, encodeSequence(exts))] : []),
  ]);
  const sig = sign(
    spec.issuerKey,
    rsa ? RSA_PKCS1_SHA256 : ECDSA_SECP256R1_SHA256,
    tbs,
  );
  return encodeSequence([tbs, alg, encodeBitString(sig)]);
}
