/**
 * MS-NLMP GSS_WrapEx examples (4.2.2.4, 4.2.3.4, 4.2.4.4) through NtlmSessionSecurity:
 * the client seals UTF-16LE "Plaintext" with sequence number 0 and must produce the
 * spec's data and signature; a server built from the same key must unseal it.
 */
import assert from "node:assert/strict";
import { NtlmSessionSecurity } from "../../src/packages/ntlm/security.ts";
import { SEC_E_OK } from "../../src/sspi/status.ts";
import { fromHex, toHex, utf16le } from "../../src/util/bytes.ts";
import { COMMON, V1, V1ESS, V2 } from "./data/ms_nlmp_4_2.ts";

const h = (b: Uint8Array) => toHex(b).toLowerCase();
const PLAINTEXT = "Plaintext";

interface WrapCase {
  name: string;
  flags: number;
  /** ExportedSessionKey: RandomSessionKey with KEY_EXCH, else the KeyExchangeKey. */
  key: string;
  data: string;
  signature: string;
}

const CASES: WrapCase[] = [
  {
    name: "4.2.2.4 (NTLMv1, RC4 of the exported key, CRC32 signature)",
    flags: V1.flags,
    key: COMMON.randomSessionKey,
    data: V1.sealedData,
    signature: V1.signature,
  },
  {
    name: "4.2.3.4 (NTLMv1 + ESS, 56-bit, no KEY_EXCH)",
    flags: V1ESS.flags,
    key: V1ESS.keyExchangeKey,
    data: V1ESS.sealedData,
    signature: V1ESS.signature,
  },
  {
    name: "4.2.4.4 (NTLMv2, 128-bit, KEY_EXCH)",
    flags: V2.flags,
    key: COMMON.randomSessionKey,
    data: V2.sealedData,
    signature: V2.signature,
  },
];

for (const c of CASES) {
  Deno.test(`${c.name}: seal`, () => {
    const client = new NtlmSessionSecurity(c.flags, fromHex(c.key), "Client");
    const msg = utf16le(PLAINTEXT);
    const sig = client.seal([msg], [msg]);
    assert.equal(h(msg), c.data);
    assert.equal(h(sig), c.signature);
    client.dispose();
  });

  Deno.test(`${c.name}: unseal on the server side`, () => {
    const server = new NtlmSessionSecurity(c.flags, fromHex(c.key), "Server");
    const msg = fromHex(c.data);
    const status = server.unseal([msg], [msg], fromHex(c.signature));
    assert.equal(status, SEC_E_OK);
    assert.deepEqual(msg, utf16le(PLAINTEXT));
    server.dispose();
  });

  Deno.test(`${c.name}: unseal rejects an altered message`, () => {
    const server = new NtlmSessionSecurity(c.flags, fromHex(c.key), "Server");
    const msg = fromHex(c.data);
    msg[0] ^= 1;
    const status = server.unseal([msg], [msg], fromHex(c.signature));
    assert.notEqual(status, SEC_E_OK);
    // The data is restored on failure.
    const altered = fromHex(c.data);
    altered[0] ^= 1;
    assert.deepEqual(msg, altered);
    server.dispose();
  });
}

Deno.test("4.2.2.4: the RandomPad is not checked (zero, or its keystream as the example prints it and Samba sends)", () => {
  for (const pad of [null, "00000000", "deadbeef"]) {
    const sig = fromHex(V1.signatureAsPrinted);
    if (pad) sig.set(fromHex(pad), 4);
    const server = new NtlmSessionSecurity(
      V1.flags,
      fromHex(COMMON.randomSessionKey),
      "Server",
    );
    const msg = fromHex(V1.sealedData);
    assert.equal(server.unseal([msg], [msg], sig), SEC_E_OK, `pad ${pad}`);
    assert.deepEqual(msg, utf16le(PLAINTEXT));
    server.dispose();
  }
  // The checksum and the sequence number still are.
  for (const at of [8, 12]) {
    const sig = fromHex(V1.signature);
    sig[at] ^= 1;
    const server = new NtlmSessionSecurity(
      V1.flags,
      fromHex(COMMON.randomSessionKey),
      "Server",
    );
    const msg = fromHex(V1.sealedData);
    assert.notEqual(server.unseal([msg], [msg], sig), SEC_E_OK, `byte ${at}`);
    server.dispose();
  }
});
