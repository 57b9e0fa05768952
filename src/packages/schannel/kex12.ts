/**
 * The TLS 1.2 client's finite-field and RSA key exchanges (RFC 5246 7.4.3 and
 * 7.4.7, RFC 5288's AES-GCM suites): DHE_RSA, with the server's signed group and
 * share checked and our share made with a fresh exponent, and static RSA key
 * transport, with a fresh premaster secret encrypted to the server certificate's
 * key (RSAES-PKCS1-v1_5). Also what `SECPKG_ATTR_CONNECTION_INFO` and
 * `SECPKG_ATTR_CIPHER_INFO` report for a suite's key exchange.
 *
 * Choices where Windows' behaviour is not pinned down: a DHE prime shorter than
 * 1024 bits is refused (`SEC_E_ALGORITHM_MISMATCH`): 1024 is Windows' client
 * default (`ClientMinKeyBitLength`), and a Windows Server 2012 R2 that was never
 * reconfigured still serves a 1024-bit group for the DHE suite it prefers; refusing
 * it would fail where Windows connects (the server has chosen DHE by then: no
 * fallback to static RSA). So is one longer than 8192 bits (bounds the work a
 * hostile server can cause). `SECPKG_ATTR_CONNECTION_INFO.dwExchStrength` tells
 * the caller the group's size.
 * An RSA certificate whose keyUsage lacks keyEncipherment cannot carry a static-RSA
 * premaster (RFC 5280 4.2.1.3): `SEC_E_CERT_WRONG_USAGE`, the status Windows gives a
 * certificate used against its key usage.
 *
 * @module
 */
import { randomBytes } from "../../crypto/mod.ts";
import { type Certificate, KU_KEY_ENCIPHERMENT } from "../../pki/mod.ts";
import {
  bigIntToBytes,
  bitLength,
  bytesToBigInt,
  modPow,
} from "../../pki/bigint.ts";
import { rsaEncryptPkcs1 } from "../../pki/rsa.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_CERT_WRONG_USAGE,
  SEC_E_ILLEGAL_MESSAGE,
} from "../../sspi/status.ts";
import {
  ALERT_HANDSHAKE_FAILURE,
  ALERT_ILLEGAL_PARAMETER,
  ALERT_UNSUPPORTED_CERTIFICATE,
  CALG_DH_EPHEM,
  CALG_ECDH_EPHEM,
  CALG_RSA_KEYX,
  TLS12,
} from "./constants.ts";
import {
  type DheServerKeyExchange,
  encodeClientKeyExchange2,
} from "./messages12.ts";
import { TLS12_SUITES } from "./prf.ts";
import { TlsAlert } from "./wire.ts";

/** The shortest DHE prime the client accepts, in bits. */
export const DHE_MIN_BITS = 1024;
/** The longest DHE prime the client accepts, in bits. */
export const DHE_MAX_BITS = 8192;
/** The size of our DHE exponent, in bytes (256 bits, twice the suites' strength). */
const DHE_EXPONENT_BYTES = 32;

/** What a client key exchange gives: the premaster secret and the message. */
export interface ClientKex12 {
  /** The premaster secret (secret: the caller wipes it once used). */
  premaster: Uint8Array;
  /** The ClientKeyExchange body. */
  clientKeyExchange: Uint8Array;
  /** The exchange's size as Windows reports it: the DH prime's or RSA modulus' bits. */
  bits: number;
}

/** The server certificate's RSA key, or a TlsAlert when it has none. */
function rsaKeyOf(leaf: Certificate) {
  const key = leaf.publicKey;
  if (key?.kind !== "rsa") {
    throw new TlsAlert(
      ALERT_UNSUPPORTED_CERTIFICATE,
      SEC_E_ILLEGAL_MESSAGE,
      "the suite needs an RSA server certificate",
    );
  }
  return key;
}

/**
 * Static RSA key transport to the server's certificate `leaf` (RFC 5246 7.4.7.1):
 * a premaster of our `client_version` (the ClientHello's: TLS 1.2, or 1.1 or 1.0
 * when the highest allowed) and 46 random bytes, encrypted with RSAES-PKCS1-v1_5.
 * The certificate must be RSA, and allow keyEncipherment when it has a keyUsage
 * extension.
 */
export function rsaKeyTransport(
  leaf: Certificate,
  clientVersion = TLS12,
): ClientKex12 {
  const key = rsaKeyOf(leaf);
  if (leaf.keyUsage !== null && !(leaf.keyUsage & KU_KEY_ENCIPHERMENT)) {
    throw new TlsAlert(
      ALERT_UNSUPPORTED_CERTIFICATE,
      SEC_E_CERT_WRONG_USAGE,
      "the server's certificate does not allow key encipherment",
    );
  }
  const premaster = randomBytes(48);
  premaster[0] = clientVersion >> 8;
  premaster[1] = clientVersion & 0xff;
  const encrypted = rsaEncryptPkcs1(key, premaster);
  return {
    premaster,
    clientKeyExchange: encodeClientKeyExchange2(encrypted),
    bits: key.bits,
  };
}

/**
 * Checks that the server's certificate `leaf` has the RSA key a DHE_RSA
 * ServerKeyExchange is signed with (a TlsAlert when it does not).
 */
export function requireRsaLeaf(leaf: Certificate): void {
  rsaKeyOf(leaf);
}

/**
 * Our side of a DHE exchange with the server's (already signature-checked)
 * parameters `ske`: the group and the server's share are checked (a prime of
 * {@link DHE_MIN_BITS} to {@link DHE_MAX_BITS} bits, 1 < g < p-1, 1 < Ys < p-1, a
 * shared value other than 1), our share is made with a fresh 256-bit exponent, and
 * the premaster is the shared value without leading zero bytes (RFC 5246 8.1.2).
 */
export function dheAgree(ske: DheServerKeyExchange): ClientKex12 {
  const p = bytesToBigInt(ske.p);
  const bits = bitLength(p);
  if (bits < DHE_MIN_BITS || bits > DHE_MAX_BITS) {
    throw new TlsAlert(
      ALERT_HANDSHAKE_FAILURE,
      SEC_E_ALGORITHM_MISMATCH,
      `the server's DHE group has ${bits} bits, outside ${DHE_MIN_BITS}..${DHE_MAX_BITS}`,
    );
  }
  const g = bytesToBigInt(ske.g);
  const ys = bytesToBigInt(ske.ys);
  const max = p - 1n;
  if ((p & 1n) === 0n || g <= 1n || g >= max || ys <= 1n || ys >= max) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      "the server's DHE parameters or share are out of range",
    );
  }
  const x = dhExponent(DHE_EXPONENT_BYTES);
  const len = ske.p.length - firstNonZero(ske.p);
  const yc = bigIntToBytes(modPow(g, x, p), len);
  const z = modPow(ys, x, p);
  // `x` and `z` are BigInts, which cannot be wiped: they go out of scope here.
  if (z === 1n) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      "the server's DHE share is in a small subgroup",
    );
  }
  const premaster = dhPremaster(z, len);
  return { premaster, clientKeyExchange: encodeClientKeyExchange2(yc), bits };
}

/**
 * A fresh DHE exponent of `bytes` random bytes with its top bit set (a full-size
 * exponent); the bytes are wiped (the BigInt cannot be).
 */
export function dhExponent(bytes: number): bigint {
  const xBytes = randomBytes(bytes);
  xBytes[0] |= 0x80;
  const x = bytesToBigInt(xBytes);
  xBytes.fill(0);
  return x;
}

/**
 * The TLS premaster of a DHE shared value `z` under a prime of `len` bytes: its
 * bytes without leading zeros (RFC 5246 8.1.2); the padded copy is wiped.
 */
export function dhPremaster(z: bigint, len: number): Uint8Array {
  const padded = bigIntToBytes(z, len);
  const premaster = padded.slice(firstNonZero(padded));
  padded.fill(0);
  return premaster;
}

/** The index of the first non-zero byte of `b` (its length when all are zero). */
function firstNonZero(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return i;
}

/**
 * The `ALG_ID` of a TLS 1.2 or 1.3 suite's key exchange for
 * `SECPKG_ATTR_CONNECTION_INFO.aiExch`: `CALG_RSA_KEYX` for static RSA,
 * `CALG_DH_EPHEM` for DHE, `CALG_ECDH_EPHEM` otherwise.
 */
export function exchangeAlgId(suite: number): number {
  const kex = TLS12_SUITES.find((s) => s.id === suite)?.kex;
  return kex === "rsa"
    ? CALG_RSA_KEYX
    : kex === "dhe"
    ? CALG_DH_EPHEM
    : CALG_ECDH_EPHEM;
}

/**
 * The BCrypt name of a suite's key exchange for `SECPKG_ATTR_CIPHER_INFO.szExchange`:
 * `RSA`, `DH` or `ECDH`.
 */
export function exchangeName(suite: number): string {
  const kex = TLS12_SUITES.find((s) => s.id === suite)?.kex;
  return kex === "rsa" ? "RSA" : kex === "dhe" ? "DH" : "ECDH";
}
