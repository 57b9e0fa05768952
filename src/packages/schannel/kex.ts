/**
 * The (EC)DHE groups Schannel speaks: x25519, secp256r1 (P-256) and secp384r1
 * (P-384), Windows' default list and order, for TLS 1.3 key shares and TLS 1.2
 * ServerKeyExchange/ClientKeyExchange alike: making our share and computing the
 * shared secret with TLS's checks (low-order x25519 points, NIST points that are
 * malformed or off the curve: illegal_parameter, `SEC_E_ILLEGAL_MESSAGE`).
 *
 * P-384 runs over `BigInt` (a Montgomery ladder, `src/pki/ecdh384.ts`), which is
 * not constant-time as the WebAssembly x25519 and P-256 code is.
 *
 * @module
 */
import { randomBytes } from "../../crypto/mod.ts";
import { p256Ecdh, p384Ecdh, p384KeyPair } from "../../pki/mod.ts";
import { SEC_E_ILLEGAL_MESSAGE } from "../../sspi/status.ts";
import { p256MulBase } from "../../wasm/p256.ts";
import { x25519PublicKey } from "../../wasm/x25519.ts";
import {
  ALERT_ILLEGAL_PARAMETER,
  GROUP_SECP256R1,
  GROUP_SECP384R1,
  GROUP_X25519,
} from "./constants.ts";
import { type Peer, x25519Shared } from "./peer.ts";
import { TlsAlert } from "./wire.ts";

/** The groups we can exchange keys in, preferred first. */
export const KEX_GROUPS: readonly number[] = [
  GROUP_X25519,
  GROUP_SECP256R1,
  GROUP_SECP384R1,
];

/**
 * The key exchange size Windows reports for a named group (`dwExchStrength`,
 * `dwMaxExchangeLen`): 255 bits for x25519, 256 for secp256r1, 384 for secp384r1,
 * 0 for none.
 */
export function exchangeBits(group: number): number {
  return group === GROUP_X25519
    ? 255
    : group === GROUP_SECP256R1
    ? 256
    : group === GROUP_SECP384R1
    ? 384
    : 0;
}

/** Our ephemeral key in one group. */
export interface KeyShare {
  /** The named group. */
  group: number;
  /** The private scalar (wiped once used). */
  secret: Uint8Array;
  /**
   * The public value as sent (32 bytes for x25519, 65 uncompressed for P-256, 97
   * for P-384).
   */
  publicKey: Uint8Array;
}

/** A fresh key share in `group` (one of {@link KEX_GROUPS}). */
export function newKeyShare(group: number): KeyShare {
  if (group === GROUP_X25519) {
    const secret = randomBytes(32);
    return { group, secret, publicKey: x25519PublicKey(secret) };
  }
  if (group === GROUP_SECP384R1) return { group, ...p384KeyPair() };
  if (group !== GROUP_SECP256R1) {
    throw new TypeError(`group 0x${group.toString(16)} is not supported`);
  }
  for (;;) {
    const secret = randomBytes(32);
    const xy = p256MulBase(secret);
    if (!xy) continue; // a multiple of the order: draw again
    const publicKey = new Uint8Array(65);
    publicKey[0] = 4;
    publicKey.set(xy, 1);
    return { group, secret, publicKey };
  }
}

/** The shared secret with the peer's public value; our secret is wiped. */
export function sharedSecret(
  share: KeyShare,
  peerPublic: Uint8Array,
  peer: Peer,
): Uint8Array {
  try {
    if (share.group === GROUP_X25519) {
      return x25519Shared(share.secret, peerPublic, peer);
    }
    const p384 = share.group === GROUP_SECP384R1;
    const z = p384
      ? p384Ecdh(share.secret, peerPublic)
      : peerPublic.length === 65 && peerPublic[0] === 4
      ? p256Ecdh(share.secret, peerPublic)
      : null;
    if (!z) {
      throw new TlsAlert(
        ALERT_ILLEGAL_PARAMETER,
        SEC_E_ILLEGAL_MESSAGE,
        `the ${peer}'s ${
          p384 ? "P-384" : "P-256"
        } key share is not a point of the curve`,
      );
    }
    return z;
  } finally {
    share.secret.fill(0);
  }
}
