/**
 * The record ciphers of both directions of a TLS 1.2 connection, from the master
 * secret and the randoms (RFC 5246 6.3): an AEAD suite's keys and `write_IV`s, or a
 * CBC suite's MAC keys and AES keys (its key block has no IVs: each record carries
 * its own).
 *
 * @module
 */
import { keyBlock12, prf12, type Tls12Suite } from "./prf.ts";
import type { RecordProtection } from "./record.ts";
import { RecordCipher12 } from "./record12.ts";
import { RecordCipherCbc } from "./record12_cbc.ts";

/** The client's and the server's write ciphers for `suite`. */
export function recordCiphers12(
  suite: Tls12Suite,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
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
  const seed = new Uint8Array(64);
  seed.set(serverRandom);
  seed.set(clientRandom, 32);
  const kb = prf12(suite.crypto, master, "key expansion", seed, 2 * m + 2 * k);
  const out = {
    client: new RecordCipherCbc(
      cbc,
      kb.subarray(0, m),
      kb.subarray(2 * m, 2 * m + k),
    ),
    server: new RecordCipherCbc(
      cbc,
      kb.subarray(m, 2 * m),
      kb.subarray(2 * m + k, 2 * m + 2 * k),
    ),
  };
  kb.fill(0);
  return out;
}
