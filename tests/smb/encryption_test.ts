// SMB 3 keys and sealing: the KDF is SP 800-108's (checked against an HMAC
// computed here by hand, for 128- and 256-bit keys), signing and sealing keys
// differ by label and hash; for every cipher and dialect a
// sealed message opens with the other direction's cipher only when the keys
// match (Samba opening ours and ours opening Samba's is samba_encryption_test),
// and nonces do not repeat.
import assert from "node:assert/strict";
import { hmacSha256 } from "../../src/crypto/mod.ts";
import { smbCipher } from "../../src/smb/encryption.ts";
import { smb3Kdf, smbSigner } from "../../src/smb/signing.ts";
import { readTransform } from "../../src/smb/wire_transform.ts";
import { toHex } from "../../src/util/bytes.ts";

const enc = new TextEncoder();
const KEY = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
const HASH = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);

Deno.test("smb keys: SP 800-108 counter-mode KDF, one block of HMAC-SHA256", async () => {
  const label = enc.encode("SMBSigningKey\0");
  const input = [0, 0, 0, 1, ...label, 0, ...HASH, 0, 0, 0, 128];
  const want = hmacSha256(KEY, Uint8Array.from(input)).subarray(0, 16);
  assert.equal(toHex(smb3Kdf(KEY, label, HASH)), toHex(want));
  assert.notEqual(
    toHex(smb3Kdf(KEY, enc.encode("SMBC2SCipherKey\0"), HASH)),
    toHex(want),
  );
  // Signers: 3.1.1's depends on the hash, 3.0.2's and 2.1's do not.
  const msg = new Uint8Array(100).fill(3);
  const a = toHex(await smbSigner(0x311, KEY, HASH).mac(msg));
  const b = toHex(
    await smbSigner(0x311, KEY, HASH.map((v) => v ^ 1)).mac(msg),
  );
  assert.notEqual(a, b);
  assert.equal(
    toHex(await smbSigner(0x210, KEY, null).mac(msg)),
    toHex(hmacSha256(KEY, msg).subarray(0, 16)),
  );
  assert.equal(toHex(await smbSigner(0x302, KEY, null).mac(msg)).length, 32);
  assert.throws(() => smbSigner(0x311, KEY, null), RangeError);
});

Deno.test("smb keys: 256-bit keys ask the KDF for 256 bits", () => {
  const label = enc.encode("SMBC2SCipherKey\0");
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const input = [0, 0, 0, 1, ...label, 0, ...HASH, 0, 0, 1, 0];
  const want = hmacSha256(key, Uint8Array.from(input));
  assert.equal(toHex(smb3Kdf(key, label, HASH, 256)), toHex(want));
  assert.equal(want.length, 32);
});

Deno.test("smb keys: sealed messages hide the body, never share a nonce, and do not open under other keys", async () => {
  const kinds: [number, number, Uint8Array | null, number][] = [
    // dialect, cipher, pre-auth hash, nonce length
    [0x311, 2, HASH, 12],
    [0x311, 1, HASH, 11],
    [0x311, 4, HASH, 12],
    [0x311, 3, HASH, 11],
    [0x302, 1, null, 11],
  ];
  for (const [dialect, cipher, hash, nonceLength] of kinds) {
    const what = `0x${dialect.toString(16)} cipher ${cipher}`;
    for (const size of [120, 100_000]) {
      const client = smbCipher(dialect, cipher, KEY, hash);
      const m = Uint8Array.from({ length: size }, (_, i) => i);
      const f1 = await client.seal(m, 42n);
      const f2 = await client.seal(m, 42n);
      const t1 = readTransform(f1)!;
      const t2 = readTransform(f2)!;
      assert.notEqual(
        toHex(t1.nonce),
        toHex(t2.nonce),
        `${what}: nonces differ`,
      );
      assert.ok(
        t1.nonce.subarray(nonceLength).every((b) => b === 0),
        `${what}: the nonce's unused bytes are zero`,
      );
      assert.notEqual(toHex(t1.data), toHex(m), `${what}: body hidden`);
      // The client's own cipher opens with the server-to-client key: not these.
      assert.equal(await client.open(t1), null, what);
      // Another session key: no.
      const other = smbCipher(dialect, cipher, KEY.map((v) => v ^ 1), hash);
      assert.equal(await other.open(t1), null, what);
      client.wipe();
      other.wipe();
    }
  }
  // 3.0.2 has only AES-128-CCM; 3.1.1 needs its hash; 5 is no cipher.
  assert.throws(() => smbCipher(0x302, 2, KEY, null), RangeError);
  assert.throws(() => smbCipher(0x311, 2, KEY, null), RangeError);
  assert.throws(() => smbCipher(0x311, 5, KEY, HASH), RangeError);
});
