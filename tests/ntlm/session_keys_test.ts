// SIGNKEY, SEALKEY and the keyed MAC state of both directions (MS-NLMP 3.4.5.2-3,
// 3.4.4.2), as the WebAssembly derivation leaves them (four-lane SIMD MD5 for 128-bit
// keys, the scalar path otherwise), checked against node:crypto's MD5 and HMAC-MD5
// and a plain RC4 written here, for random session keys on both sides.
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { NtlmSessionSecurity } from "../../src/packages/ntlm/security.ts";

const ESS = 0x00080000;
const F128 = 0x20000000;
const F56 = 0x80000000;
const KEY_EXCH = 0x40000000;
const BASE = 0x00000235 | 0x02000000; // UNICODE, REQUEST_TARGET, SIGN, SEAL, NTLM, VERSION

const magic = (dir: "client-to-server" | "server-to-client", use: string) =>
  new TextEncoder().encode(`session key to ${dir} ${use} key magic constant\0`);
const md5 = (...parts: Uint8Array[]) => {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** RC4 key schedule: the 256-byte S-box, i = j = 0. */
function ksa(key: Uint8Array): Uint8Array {
  const s = new Uint8Array(258);
  for (let i = 0; i < 256; i++) s[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 255;
    [s[i], s[j]] = [s[j], s[i]];
  }
  return s;
}

/** RC4 over `data` from the state `s` (copied, not changed). */
function rc4(s0: Uint8Array, data: Uint8Array): Uint8Array {
  const s = s0.slice(0, 256);
  const out = data.slice();
  for (let k = 0, i = 0, j = 0; k < out.length; k++) {
    i = (i + 1) & 255;
    j = (j + s[i]) & 255;
    [s[i], s[j]] = [s[j], s[i]];
    out[k] ^= s[(s[i] + s[j]) & 255];
  }
  return out;
}

function expected(
  flags: number,
  key: Uint8Array,
  dir: "client-to-server" | "server-to-client",
) {
  const sign = md5(key, magic(dir, "signing"));
  const sealLen = flags & F128 ? 16 : flags & F56 ? 7 : 5;
  const seal = md5(key.subarray(0, sealLen), magic(dir, "sealing"));
  return { sign, seal, rc4: ksa(seal) };
}

for (
  const [name, flags] of [
    ["128-bit", BASE | ESS | F128 | KEY_EXCH],
    ["128-bit without key exchange", BASE | ESS | F128],
    ["56-bit", BASE | ESS | F56 | KEY_EXCH],
    ["40-bit", BASE | ESS | KEY_EXCH],
  ] as const
) {
  Deno.test(`NTLM session keys, ${name}: SIGNKEY, SEALKEY and the first MAC each way match a reference`, () => {
    for (let round = 0; round < 16; round++) {
      const key = crypto.getRandomValues(new Uint8Array(16));
      for (const mode of ["Client", "Server"] as const) {
        const sec = new NtlmSessionSecurity(flags, key, mode, undefined, true);
        const keys = sec.exportState().keys;
        const out = expected(
          flags,
          key,
          mode === "Client" ? "client-to-server" : "server-to-client",
        );
        const inn = expected(
          flags,
          key,
          mode === "Client" ? "server-to-client" : "client-to-server",
        );
        assert.deepEqual(keys.subarray(0, 16), out.sign, "outgoing SIGNKEY");
        assert.deepEqual(
          keys.subarray(16, 274),
          out.rc4,
          "outgoing RC4(SEALKEY)",
        );
        assert.deepEqual(keys.subarray(310, 326), inn.sign, "incoming SIGNKEY");
        assert.deepEqual(
          keys.subarray(326, 584),
          inn.rc4,
          "incoming RC4(SEALKEY)",
        );
        // The first signature runs through the keyed HMAC state made with the keys.
        const msg = crypto.getRandomValues(new Uint8Array(1 + round * 7));
        const sig = sec.sign([msg]);
        const seq = new Uint8Array(4);
        const mac = new Uint8Array(
          createHmac("md5", out.sign).update(seq).update(msg).digest(),
        ).subarray(0, 8);
        const checksum = flags & KEY_EXCH ? rc4(out.rc4, mac) : mac;
        assert.deepEqual(
          sig,
          new Uint8Array([1, 0, 0, 0, ...checksum, 0, 0, 0, 0]),
        );
        sec.dispose();
      }
    }
  });
}
