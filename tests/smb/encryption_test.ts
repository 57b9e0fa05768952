// SMB 3.1.1 keys and sealing: the KDF is SP 800-108's (checked against an HMAC
// computed here by hand), signing and sealing keys differ by label and hash, a
// sealed message opens with the other direction's cipher only when the keys
// match (Samba opening ours and ours opening Samba's is samba_encryption_test),
// and nonces do not repeat.
import assert from "node:assert/strict";
import { hmacSha256 } from "../../src/crypto/mod.ts";
import { smbCipher } from "../../src/smb/encryption.ts";
import { smb3Kdf, smbSigner } from "../../src/smb/signing.ts";
import { readTransform } from "../../src/smb/wire.ts";
import { toHex } from "../../src/util/bytes.ts";

const enc = new TextEncoder();
const KEY = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
const HASH = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);

Deno.test("smb keys: SP 800-108 counter-mode KDF, one block of HMAC-SHA256", () => {
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
  const a = toHex(smbSigner(0x311, KEY, HASH).mac(msg));
  const b = toHex(smbSigner(0x311, KEY, HASH.map((v) => v ^ 1)).mac(msg));
  assert.notEqual(a, b);
  assert.equal(
    toHex(smbSigner(0x210, KEY, null).mac(msg)),
    toHex(hmacSha256(KEY, msg).subarray(0, 16)),
  );
  assert.equal(toHex(smbSigner(0x302, KEY, null).mac(msg)).length, 32);
  assert.throws(() => smbSigner(0x311, KEY, null), RangeError);
});

Deno.test("smb keys: sealed messages hide the body, never share a nonce, and do not open under other keys", () => {
  const client = smbCipher(KEY, HASH);
  const m = Uint8Array.from({ length: 120 }, (_, i) => i);
  const f1 = client.seal(m, 42n);
  const f2 = client.seal(m, 42n);
  const t1 = readTransform(f1)!;
  const t2 = readTransform(f2)!;
  assert.notEqual(toHex(t1.nonce), toHex(t2.nonce), "nonces differ");
  assert.notEqual(toHex(t1.data), toHex(m), "the body is not in the clear");
  // The client's own cipher opens with the server-to-client key: not these.
  assert.equal(client.open(t1), null);
  // Another session key: no.
  const other = smbCipher(KEY.map((v) => v ^ 1), HASH);
  assert.equal(other.open(t1), null);
  client.wipe();
  other.wipe();
});
