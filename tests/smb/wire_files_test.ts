// QUERY_DIRECTORY: the request's fields, and FileDirectoryInformation entries read
// from an answer; every truncation, an odd name length, a backward or misaligned
// next offset and a buffer outside the message are null; random buffers never
// throw. SET_INFO: a rename's fields.
import assert from "node:assert/strict";
import {
  queryDirectoryRequest,
  readDirectory,
  renameRequest,
} from "../../src/smb/wire_files.ts";
import { utf16le } from "../../src/util/bytes.ts";

const le16 = (m: Uint8Array, o: number) => m[o] | (m[o + 1] << 8);

/** One FileDirectoryInformation entry, padded to 8 bytes when `next`. */
function entry(name: string, size: number, attrs: number, next: boolean) {
  const n = utf16le(name);
  const len = 64 + n.length;
  const e = new Uint8Array(next ? (len + 7) & ~7 : len);
  const v = new DataView(e.buffer);
  if (next) v.setUint32(0, e.length, true);
  // 2026-01-01T00:00:00Z as a FILETIME.
  v.setBigUint64(24, (1767225600000n + 11644473600000n) * 10000n, true);
  v.setBigUint64(40, BigInt(size), true);
  v.setUint32(56, attrs, true);
  v.setUint32(60, n.length, true);
  e.set(n, 64);
  return e;
}

/** A QUERY_DIRECTORY answer carrying `entries`. */
function answer(...entries: Uint8Array[]): Uint8Array {
  const len = entries.reduce((a, e) => a + e.length, 0);
  const m = new Uint8Array(72 + len);
  const v = new DataView(m.buffer);
  v.setUint32(0, 0xfe534d42);
  v.setUint16(4, 64, true);
  m[16] = 1;
  v.setUint16(64, 9, true);
  v.setUint16(66, 72, true);
  v.setUint32(68, len, true);
  let at = 72;
  for (const e of entries) {
    m.set(e, at);
    at += e.length;
  }
  return m;
}

Deno.test("smb directory: the request, and entries read from an answer", () => {
  const id = Uint8Array.from({ length: 16 }, (_, i) => i);
  const q = queryDirectoryRequest(
    { command: 14, messageId: 3n, treeId: 1, sessionId: 2n, creditRequest: 8 },
    id,
    true,
    65536,
  );
  assert.equal(le16(q, 12), 14);
  assert.equal(le16(q, 64), 33);
  assert.equal(q[66], 1, "FileDirectoryInformation");
  assert.equal(q[67], 1, "restart scans");
  assert.deepEqual(q.subarray(72, 88), id);
  assert.equal(le16(q, 88), 96);
  assert.equal(le16(q, 90), 2);
  assert.equal(new DataView(q.buffer).getUint32(92, true), 65536);
  assert.equal(String.fromCharCode(q[96]), "*");

  const m = answer(
    entry("..", 0, 0x10, true),
    entry("GPT.INI", 20, 0x20, false),
  );
  assert.deepEqual(readDirectory(m), [
    {
      name: "..",
      size: 0n,
      attributes: 0x10,
      lastWrite: 1767225600000,
      isDirectory: true,
    },
    {
      name: "GPT.INI",
      size: 20n,
      attributes: 0x20,
      lastWrite: 1767225600000,
      isDirectory: false,
    },
  ]);
  assert.deepEqual(readDirectory(answer()), []);
  for (let n = 0; n < m.length; n++) {
    assert.equal(readDirectory(m.subarray(0, n)), null, `${n} bytes`);
  }
  const odd = m.slice();
  odd[72 + 60] = 3; // name length 3
  assert.equal(readDirectory(odd), null);
  const backward = m.slice();
  backward[72] = 8; // next entry inside this one
  assert.equal(readDirectory(backward), null);
  const misaligned = m.slice();
  misaligned[72] = 73;
  assert.equal(readDirectory(misaligned), null);
  const outside = m.slice();
  outside[68] = 0xff;
  outside[69] = 0xff;
  assert.equal(readDirectory(outside), null);
});

Deno.test("smb directory: 20,000 random answers never throw", () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const base = answer(entry("a", 1, 0, true), entry("bb", 2, 0x10, false));
  for (let i = 0; i < 20_000; i++) {
    const m = base.slice(0, 64 + rnd(base.length - 63));
    for (let k = m.length > 64 ? rnd(6) : 0; k > 0; k--) {
      m[64 + rnd(m.length - 64)] = rnd(256);
    }
    const got = readDirectory(m);
    // Every entry takes at least 64 bytes of the message.
    if (got) assert.ok(got.length * 64 <= m.length);
  }
});

Deno.test("smb set info: a rename's FILE_RENAME_INFORMATION where MS-SMB2 puts it", () => {
  const id = Uint8Array.from({ length: 16 }, (_, i) => 0x80 + i);
  const h = {
    command: 17,
    messageId: 9n,
    treeId: 1,
    sessionId: 2n,
    creditRequest: 8,
  };
  const m = renameRequest(h, id, "dir\\b.txt", true);
  const v = new DataView(m.buffer);
  assert.equal(le16(m, 12), 17);
  assert.equal(le16(m, 64), 33);
  assert.deepEqual([m[66], m[67]], [1, 10], "file info, FileRenameInformation");
  assert.equal(v.getUint32(68, true), 20 + 18, "buffer length");
  assert.equal(le16(m, 72), 96, "buffer offset");
  assert.deepEqual(m.subarray(80, 96), id);
  assert.equal(m[96], 1, "ReplaceIfExists");
  assert.equal(v.getUint32(96 + 16, true), 18, "name length");
  assert.equal(
    new TextDecoder("utf-16le").decode(m.subarray(116)),
    "dir\\b.txt",
  );
  assert.equal(renameRequest(h, id, "x", false)[96], 0);
});
