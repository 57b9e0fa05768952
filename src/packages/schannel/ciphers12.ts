/**
 * The record ciphers of both directions of a TLS 1.2 connection, from the master
 * secret and the randoms (RFC 5246 6.3): an AEAD suite's keys and `write_IV`s, or a
 * CBC suite's MAC keys and AES keys (its key block has no IVs: each record carries
 * its own), also for TLS 1.1 and 1.0 (whose key block ends with the first IVs).
 *
 * @module
 */
import { keyBlock12, prf12, type Tls12Suite } from "./prf.ts";
import type { RecordProtection } from "./record.ts";
import { RecordCipher12 } from "./record12.ts";
import { RecordCipherCbc } from "./record12_cbc.ts";
import { TLS10, TLS12 } from "./constants.ts";

/** The client's and the server's write ciphers for `suite`, for records of `version`. */
export function recordCiphers12(
  suite: Tls12Suite,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  version = TLS12,
): { client: RecordProtection; server: RecordProtection } {
  const cbc = suite.cbc;
  if (!cbc) {
    const kb = keyBlock12(suite.crypto, master, clientRandom, serverRandom);
    const out = {
      client: new RecordCipher12(suite.crypto, kb.clientKey, kb.clientSalt),
      server: new RecordCipher12(suite.crypto, kb.serverKey, kb.serverSalt),
    };
    for (const k of Object.values(kb)) k.fill(0);
    return out;
  }
  const m = cbc.macLen;
  const k = cbc.keyLen;
  // TLS 1.0's key block ends with the two write IVs (RFC 2246 6.3).
  const v = version === TLS10 ? 16 : 0;
  const seed = new Uint8Array(64);
  seed.set(serverRandom);
  seed.set(clientRandom, 32);
  const kb = prf12(
    suite.crypto,
    master,
    "key expansion",
    seed,
    2 * m + 2 * k + 2 * v,
  );
  const at = 2 * m + 2 * k;
  const out = {
    client: new RecordCipherCbc(
      cbc,
      kb.subarray(0, m),
      kb.subarray(2 * m, 2 * m + k),
      version,
      v ? kb.subarray(at, at + v) : null,
    ),
    server: new RecordCipherCbc(
      cbc,
      kb.subarray(m, 2 * m),
      kb.subarray(2 * m + k, at),
      version,
      v ? kb.subarray(at + v, at + 2 * v) : null,
    ),
  };
  kb.fill(0);
  return out;
}
