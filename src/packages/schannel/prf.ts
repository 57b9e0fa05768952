/**
 * The TLS 1.2 key schedule for SHA-256 suites (RFC 5246 5 and 8.1, RFC 7627): the
 * PRF, the (extended) master secret, the key block and Finished `verify_data`.
 *
 * @module
 */
import { hmacSha256 } from "../../crypto/mod.ts";

const ENC = new TextEncoder();

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** PRF(secret, label, seed) with P_SHA256, `length` bytes. */
export function prf12(
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  const ls = join(ENC.encode(label), seed);
  const out = new Uint8Array(length);
  let a = ls;
  for (let at = 0; at < length; at += 32) {
    a = hmacSha256(secret, a);
    const block = hmacSha256(secret, join(a, ls));
    out.set(block.subarray(0, Math.min(32, length - at)), at);
  }
  return out;
}

/**
 * The 48-byte master secret: RFC 7627's extended master secret over the session
 * hash when both sides agreed to it, else RFC 5246's over the two randoms.
 */
export function masterSecret12(
  preMaster: Uint8Array,
  ems: boolean,
  sessionHash: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  return ems
    ? prf12(preMaster, "extended master secret", sessionHash, 48)
    : prf12(preMaster, "master secret", join(clientRandom, serverRandom), 48);
}

/** The AES-128-GCM key block: client key, server key, client salt, server salt. */
export function keyBlock12(
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): {
  clientKey: Uint8Array;
  serverKey: Uint8Array;
  clientSalt: Uint8Array;
  serverSalt: Uint8Array;
} {
  const kb = prf12(
    master,
    "key expansion",
    join(serverRandom, clientRandom),
    40,
  );
  return {
    clientKey: kb.slice(0, 16),
    serverKey: kb.slice(16, 32),
    clientSalt: kb.slice(32, 36),
    serverSalt: kb.slice(36, 40),
  };
}

/** Finished `verify_data` (12 bytes) for the client or the server. */
export function finished12(
  master: Uint8Array,
  client: boolean,
  transcriptHash: Uint8Array,
): Uint8Array {
  return prf12(
    master,
    client ? "client finished" : "server finished",
    transcriptHash,
    12,
  );
}
