/**
 * The TLS 1.2 server's suite choice and key exchanges (RFC 5246 7.4.3 and 7.4.7,
 * RFC 8422, RFC 5288's AES-GCM suites, RFC 7919's groups).
 *
 * The choice: an ECDHE suite (for the certificate's key type) with a group in
 * common always comes first. Without one, and only with an RSA certificate,
 * DHE_RSA (keyUsage, when present, allowing digitalSignature, and a signature
 * scheme in common) and then static RSA (keyUsage allowing keyEncipherment),
 * each among the suites the credential's `CipherSuites` allows, AES-128 before
 * AES-256 as for ECDHE.
 *
 * DHE: RFC 7919's ffdhe2048 unless the client's supported_groups lists FFDHE
 * groups: then the first of them we speak (ffdhe2048, ffdhe3072), and none of the DHE suites
 * when it lists only others (RFC 7919 4: static RSA if allowed, else
 * insufficient_security). A fresh exponent per handshake (256 bits for
 * ffdhe2048, twice its strength; 320 bits for ffdhe3072); the client's Yc must
 * satisfy 1 < Yc < p-1 (else illegal_parameter); the premaster is the shared
 * value without leading zero bytes (RFC 5246 8.1.2).
 *
 * Static RSA (RFC 5246 7.4.7.1, against Bleichenbacher's attack and ROBOT): 48
 * random bytes are made first; the ciphertext is decrypted and the whole block
 * checked (00 02, non-zero padding, a zero byte right before a 48-byte premaster
 * whose first two bytes are the ClientHello's client_version) in one pass without
 * data-dependent branches, and the random bytes are taken instead on any failure,
 * by masking. Nothing differs afterwards: the handshake fails at the client's
 * Finished like any wrong Finished. The BigInt arithmetic of the RSA operation
 * itself is not constant-time (see README).
 *
 * @module
 */
import { randomBytes } from "../../crypto/mod.ts";
import {
  KU_DIGITAL_SIGNATURE,
  KU_KEY_ENCIPHERMENT,
  type PrivateKey,
  signatureSchemes,
} from "../../pki/mod.ts";
import { bigIntToBytes, bytesToBigInt, modPow } from "../../pki/bigint.ts";
import {
  rsaByteLength,
  rsaDecryptRaw,
  type RsaPrivate,
} from "../../pki/rsa.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_ILLEGAL_MESSAGE,
} from "../../sspi/status.ts";
import {
  ALERT_HANDSHAKE_FAILURE,
  ALERT_ILLEGAL_PARAMETER,
  ALERT_INSUFFICIENT_SECURITY,
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  TLS12,
  TLS13,
} from "./constants.ts";
import type { SchannelCredential } from "./credentials.ts";
import type { TlsPolicy } from "./credential_attributes.ts";
import { type KeyShare, newKeyShare, sharedSecret } from "./kex.ts";
import type { ClientHello } from "./messages.ts";
import { ecdheParams, parseClientKeyExchange } from "./messages12.ts";
import { type Kex12, suiteFitsVersion, type Tls12Suite } from "./prf.ts";
import { Reader, TlsAlert, Writer } from "./wire.ts";
import { dhExponent, dhPremaster } from "./kex12.ts";

/** RFC 7919's `ffdhe2048` named group. */
export const FFDHE2048 = 0x0100;
/** RFC 7919's `ffdhe3072` named group. */
export const FFDHE3072 = 0x0101;

/** The ffdhe2048 prime (RFC 7919 A.1), hex. */
const FFDHE2048_P = BigInt(
  "0x" +
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695" +
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A" +
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935" +
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A" +
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4" +
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61" +
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005" +
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF",
);
/** The ffdhe3072 prime (RFC 7919 A.2), hex. */
const FFDHE3072_P = BigInt(
  "0x" +
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695" +
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A" +
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935" +
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A" +
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4" +
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61" +
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005" +
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B" +
    "BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C" +
    "AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF" +
    "5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E" +
    "0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF",
);
/** Our FFDHE groups: prime, its bytes, our exponent's bytes. */
const FFDHE_GROUPS: ReadonlyMap<
  number,
  { p: bigint; len: number; expBytes: number }
> = new Map([
  [FFDHE2048, { p: FFDHE2048_P, len: 256, expBytes: 32 }],
  [FFDHE3072, { p: FFDHE3072_P, len: 384, expBytes: 40 }],
]);

/** What the server chose for a TLS 1.2 full handshake. */
export interface ServerChoice12 {
  /** The suite. */
  suite: Tls12Suite;
  /** ECDHE's named group, DHE's FFDHE group, 0 for static RSA. */
  group: number;
  /** The ServerKeyExchange's signature scheme (0 for static RSA: none is sent). */
  scheme: number;
}

/**
 * A server random for a TLS 1.2, 1.1 or 1.0 answer (`version`): a server that also
 * speaks a higher version marks it with RFC 8446 4.1.3's DOWNGRD sentinel.
 */
export function serverRandom12(policy: TlsPolicy, version: number): Uint8Array {
  const random = randomBytes(32);
  const tls13 = policy.allows(TLS13, "server");
  if (version !== TLS12 && (tls13 || policy.allows(TLS12, "server"))) {
    random.set(DOWNGRADE_TLS11, 24);
  } else if (version === TLS12 && tls13) {
    random.set(DOWNGRADE_TLS12, 24);
  }
  return random;
}

/**
 * The FFDHE group for the client's supported_groups `groups`: ffdhe2048 when it
 * lists no FFDHE group (0x0100-0x01ff), else the first it lists that we speak
 * (its preference), or null when it lists only others (RFC 7919 4).
 */
export function ffdheGroup(groups: readonly number[]): number | null {
  const listed = groups.filter((g) => g >= 0x0100 && g <= 0x01ff);
  if (listed.length === 0) return FFDHE2048;
  return listed.find((g) => FFDHE_GROUPS.has(g)) ?? null;
}

/**
 * The suite, group and signature scheme for ClientHello `ch` with credential
 * `cred` among the suites `policy` allows (the connection's; by default the
 * credential's now; see the module comment for the order) that `version` may use;
 * a TlsAlert when there is none.
 */
export function chooseServerSuite12(
  cred: SchannelCredential,
  ch: ClientHello,
  policy: TlsPolicy = cred.policy,
  version = TLS12,
): ServerChoice12 {
  const key = cred.key()!;
  const rsa = key.kind === "rsa";
  // TLS 1.0 and 1.1 sign without a scheme (MD5+SHA-1 or SHA-1): 0 stands for it.
  const scheme = version < TLS12
    ? 0
    : signatureSchemes(key).find((s) => ch.signatureSchemes.includes(s));
  const offered = (kex: Kex12) =>
    policy.suites12.find((x) =>
      x.kex === kex && (kex !== "ecdhe" || x.rsa === rsa) &&
      ch.suites.includes(x.id) && suiteFitsVersion(x, version)
    );
  const ecdhe = offered("ecdhe");
  const group = cred.groups.find((g) => ch.groups.includes(g));
  if (ecdhe && group !== undefined) {
    if (scheme === undefined) {
      throw new TlsAlert(
        ALERT_HANDSHAKE_FAILURE,
        SEC_E_ALGORITHM_MISMATCH,
        "no signature scheme in common",
      );
    }
    return { suite: ecdhe, group, scheme };
  }
  let ffdheRefused = false;
  if (rsa) {
    const ku = cred.leaf?.keyUsage ?? null;
    const allows = (bit: number) => ku === null || (ku & bit) !== 0;
    const dhe = offered("dhe");
    if (dhe && allows(KU_DIGITAL_SIGNATURE)) {
      const ff = ffdheGroup(ch.groups);
      if (ff === null) ffdheRefused = true;
      else if (scheme !== undefined) return { suite: dhe, group: ff, scheme };
    }
    const plain = offered("rsa");
    if (plain && allows(KU_KEY_ENCIPHERMENT)) {
      return { suite: plain, group: 0, scheme: 0 };
    }
  }
  if (ffdheRefused) {
    throw new TlsAlert(
      ALERT_INSUFFICIENT_SECURITY,
      SEC_E_ALGORITHM_MISMATCH,
      "the client lists only FFDHE groups we do not speak (RFC 7919 4)",
    );
  }
  throw new TlsAlert(
    ALERT_HANDSHAKE_FAILURE,
    SEC_E_ALGORITHM_MISMATCH,
    "the TLS 1.2 client offers no suite and group this credential allows for its certificate",
  );
}

/** The server's side of one key exchange. */
export interface ServerKex12 {
  /**
   * The signed parameters of the ServerKeyExchange (ServerECDHParams or
   * ServerDHParams), or null: static RSA sends none.
   */
  readonly params: Uint8Array | null;
  /** `dwExchStrength`: the DH prime's or RSA modulus' bits; 0 for ECDHE (by group). */
  readonly bits: number;
  /** The premaster secret from the ClientKeyExchange body (the caller wipes it). */
  premaster(body: Uint8Array): Uint8Array;
  /** Wipes what the exchange keeps. */
  wipe(): void;
}

/**
 * The key exchange for `choice` with our private key `key`; `clientVersion` is the
 * ClientHello's client_version (static RSA's premaster must start with it).
 */
export function serverKex12(
  choice: ServerChoice12,
  key: PrivateKey,
  clientVersion: number,
): ServerKex12 {
  if (choice.suite.kex === "ecdhe") return ecdheKex(choice.group);
  if (choice.suite.kex === "dhe") return dheKex(choice.group);
  return rsaKex(key as PrivateKey & RsaPrivate, clientVersion);
}

function ecdheKex(group: number): ServerKex12 {
  const share: KeyShare = newKeyShare(group);
  return {
    params: ecdheParams(group, share.publicKey),
    bits: 0,
    premaster: (body) =>
      sharedSecret(share, parseClientKeyExchange(body), "client"),
    wipe: () => share.secret.fill(0),
  };
}

function dheKex(group: number): ServerKex12 {
  const { p, len, expBytes } = FFDHE_GROUPS.get(group)!;
  let x = dhExponent(expBytes);
  // RFC 7919 3: Ys left-padded to the prime's length.
  const ys = bigIntToBytes(modPow(2n, x, p), len);
  const params = new Writer().vector(2, bigIntToBytes(p, len))
    .vector(2, Uint8Array.of(2)).vector(2, ys).finish();
  return {
    params,
    bits: len * 8,
    premaster(body) {
      const r = new Reader(body, "ClientKeyExchange");
      const yc = bytesToBigInt(r.vector(2, 1));
      r.end();
      if (yc <= 1n || yc >= p - 1n) {
        throw new TlsAlert(
          ALERT_ILLEGAL_PARAMETER,
          SEC_E_ILLEGAL_MESSAGE,
          "the client's DHE share is out of range",
        );
      }
      const premaster = dhPremaster(modPow(yc, x, p), len);
      // `x` is a BigInt, which cannot be wiped: dropped once used.
      x = 0n;
      return premaster;
    },
    wipe() {
      x = 0n;
    },
  };
}

/**
 * Static RSA: the premaster of the encrypted ClientKeyExchange, or 48 random
 * bytes when anything about it is wrong, with nothing to tell the two apart.
 */
function rsaKex(key: RsaPrivate, clientVersion: number): ServerKex12 {
  return {
    params: null,
    bits: rsaByteLength(key.n) * 8,
    premaster(body) {
      // RFC 5246 7.4.7.1: the random premaster first, whatever follows.
      const out = randomBytes(48);
      const r = new Reader(body, "ClientKeyExchange");
      const ct = r.vector(2);
      r.end();
      const k = rsaByteLength(key.n);
      // Wrong length or not below n (public facts): an all-zero block, which fails.
      const em = rsaDecryptRaw(key, ct) ?? new Uint8Array(k);
      const good = premasterMask(em, clientVersion);
      const at = k - 48;
      for (let i = 0; i < 48; i++) {
        out[i] = (em[at + i] & good) | (out[i] & ~good & 0xff);
      }
      em.fill(0);
      return out;
    },
    wipe() {},
  };
}

/**
 * 0xff when `em` is `00 02 PS 00 premaster` with a non-zero PS and a 48-byte
 * premaster starting with `version`, else 0; every byte is looked at, without
 * branches on their values.
 */
export function premasterMask(em: Uint8Array, version: number): number {
  const k = em.length;
  const sep = k - 49;
  let bad = em[0] | (em[1] ^ 2);
  for (let i = 2; i < sep; i++) bad |= ((em[i] - 1) >> 8) & 1; // PS byte zero
  bad |= em[sep];
  bad |= (em[sep + 1] ^ (version >> 8)) | (em[sep + 2] ^ (version & 0xff));
  // Fewer than 8 padding bytes (no RSA key we take is that short): bad.
  if (sep < 10) bad = 1;
  return ((bad - 1) >> 8) & 0xff;
}
