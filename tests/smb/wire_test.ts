// SMB2 wire formats: the requests' fields where MS-SMB2 2.2 puts them, and the
// readers on malformed answers: every truncation and offsets or lengths outside
// the message are null, random bytes never throw.
import assert from "node:assert/strict";
import {
  choosesSha512,
  chosenCipher,
  chosenSigning,
  createRequest,
  negotiateRequest,
  readCreate,
  readHeader,
  readNegotiate,
  readRead,
  readRequest,
  readSessionSetup,
  readTreeConnect,
  readWrite,
  sessionSetupRequest,
  SMB2_CREATE,
  SMB2_HEADER_SIZE,
  SMB2_NEGOTIATE,
  SMB2_READ,
  SMB2_SESSION_SETUP,
  treeConnectRequest,
  writeRequest,
} from "../../src/smb/wire.ts";
import {
  readTransform,
  transformHeader,
} from "../../src/smb/wire_transform.ts";

const H = (command: number) => ({
  command,
  messageId: 7n,
  treeId: 5,
  sessionId: 0x1122334455667788n,
  creditRequest: 16,
});
const le16 = (m: Uint8Array, o: number) => m[o] | (m[o + 1] << 8);
const le32 = (m: Uint8Array, o: number) =>
  new DataView(m.buffer, m.byteOffset).getUint32(o, true);

/** A response: a request's bytes with the response flag, the status and a body. */
function response(command: number, body: number[], status = 0): Uint8Array {
  const m = new Uint8Array(SMB2_HEADER_SIZE + body.length);
  m.set([0xfe, 0x53, 0x4d, 0x42, 64, 0]);
  new DataView(m.buffer).setUint32(8, status, true);
  m[12] = command;
  m[14] = 1; // credits
  m[16] = 1; // SERVER_TO_REDIR
  m[24] = 7;
  m.set(body, SMB2_HEADER_SIZE);
  return m;
}

Deno.test("smb wire: requests carry their fields where MS-SMB2 puts them", () => {
  const guid = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const n = negotiateRequest(
    H(SMB2_NEGOTIATE),
    guid,
    [0x0210],
    new Uint8Array(32),
  );
  assert.deepEqual([...n.subarray(0, 4)], [0xfe, 0x53, 0x4d, 0x42]);
  assert.equal(le16(n, 4), 64);
  assert.equal(le16(n, 6), 0, "no credit charge before a dialect");
  assert.equal(le16(n, 14), 16);
  assert.equal(n[24], 7);
  assert.equal(n[36], 5, "tree id");
  assert.equal(n[40], 0x88, "session id");
  assert.equal(le16(n, 64), 36);
  assert.equal(le16(n, 66), 1, "one dialect");
  assert.equal(le16(n, 68), 3, "signing enabled and required");
  assert.deepEqual(n.subarray(76, 92), guid);
  assert.equal(le16(n, 100), 0x0210);
  assert.equal(n.length, 102);

  // With 3.1.1: dialects, then at the next 8-byte boundary the SHA-512
  // pre-authentication context with its salt.
  const salt = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
  const n3 = negotiateRequest(H(SMB2_NEGOTIATE), guid, [0x0311, 0x0210], salt);
  assert.equal(le16(n3, 66), 2);
  assert.equal(le16(n3, 100), 0x0311);
  assert.equal(le16(n3, 102), 0x0210);
  assert.equal(le32(n3, 92), 104, "context offset");
  assert.equal(le16(n3, 96), 3, "three contexts");
  assert.equal(le32(n3, 72), 0x44, "LARGE_MTU and ENCRYPTION");
  assert.equal(le32(n, 72), 0x4, "LARGE_MTU");
  assert.deepEqual([...n3.subarray(104, 118)], [
    1,
    0,
    38,
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    32,
    0,
    1,
    0,
  ]);
  assert.deepEqual(n3.subarray(118, 150), salt);
  // The cipher context at the next 8-byte boundary: AES-128-GCM, AES-128-CCM,
  // AES-256-GCM, AES-256-CCM.
  assert.deepEqual(
    [...n3.subarray(152, 170)],
    [2, 0, 10, 0, 0, 0, 0, 0, 4, 0, 2, 0, 1, 0, 4, 0, 3, 0],
  );
  // The signing context at the next boundary: AES-GMAC, then AES-CMAC.
  assert.deepEqual([...n3.subarray(176)], [
    8,
    0,
    6,
    0,
    0,
    0,
    0,
    0,
    2,
    0,
    2,
    0,
    1,
    0,
  ]);

  const token = Uint8Array.of(0x60, 1, 2, 3);
  const s = sessionSetupRequest(H(SMB2_SESSION_SETUP), token);
  assert.equal(le16(s, 6), 1, "credit charge");
  // A 1 MiB read costs 16 credits.
  const big = readRequest(
    { ...H(SMB2_READ), creditCharge: 16 },
    new Uint8Array(16),
    1 << 20,
  );
  assert.equal(le16(big, 6), 16);
  assert.equal(le16(s, 64), 25);
  assert.equal(s[67], 3);
  assert.equal(le16(s, 76), 88, "token offset");
  assert.equal(le16(s, 78), 4);
  assert.deepEqual(s.subarray(88), token);

  const t = treeConnectRequest(H(3), "\\\\h\\IPC$");
  assert.equal(le16(t, 64), 9);
  assert.equal(le16(t, 68), 72);
  assert.equal(
    new TextDecoder("utf-16le").decode(t.subarray(72, 72 + le16(t, 70))),
    "\\\\h\\IPC$",
  );

  const c = createRequest(H(SMB2_CREATE), "samr");
  assert.equal(le16(c, 64), 57);
  assert.equal(le32(c, 68), 2, "impersonation");
  assert.equal(le32(c, 100), 1, "FILE_OPEN");
  assert.equal(le16(c, 108), 120);
  assert.equal(
    new TextDecoder("utf-16le").decode(c.subarray(120, 128)),
    "samr",
  );

  const id = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const w = writeRequest(H(9), id, Uint8Array.of(9, 8, 7));
  assert.equal(le16(w, 64), 49);
  assert.equal(le16(w, 66), 112);
  assert.equal(le32(w, 68), 3);
  assert.deepEqual(w.subarray(80, 96), id);
  assert.deepEqual([...w.subarray(112)], [9, 8, 7]);
  const r = readRequest(H(SMB2_READ), id, 4096);
  assert.equal(le16(r, 64), 49);
  assert.equal(le32(r, 68), 4096);
  assert.deepEqual(r.subarray(80, 96), id);
  assert.equal(r.length, 113, "READ carries one byte of buffer");
});

Deno.test("smb wire: well-formed answers read, and every truncation of them is null", () => {
  const neg = response(SMB2_NEGOTIATE, [
    65,
    0,
    3,
    0,
    0x10,
    0x02,
    0,
    0,
    ...new Array(16).fill(9),
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    1,
    0,
    ...new Array(16).fill(0),
    128,
    0,
    2,
    0,
    0,
    0,
    0,
    0,
    0x60,
    0x00,
  ]);
  assert.deepEqual(readNegotiate(neg), {
    securityMode: 3,
    dialect: 0x0210,
    capabilities: 0,
    maxTransactSize: 65536,
    maxReadSize: 65536,
    maxWriteSize: 65536,
    token: Uint8Array.of(0x60, 0),
    contexts: [],
  });
  // A 3.1.1 answer: its contexts read, SHA-512 chosen; a context past the end,
  // or two algorithms, or another one, are not.
  const body311 = [
    65,
    0,
    3,
    0,
    0x11,
    0x03,
    2,
    0,
    ...new Array(16).fill(9),
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    1,
    0,
    ...new Array(16).fill(0),
    128,
    0,
    0,
    0,
    128,
    0,
    0,
    0,
    1,
    0,
    6,
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    2,
    0,
    4,
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    2,
    0,
  ];
  const n311 = readNegotiate(response(SMB2_NEGOTIATE, body311))!;
  assert.equal(n311.dialect, 0x0311);
  assert.deepEqual(n311.contexts.map((c) => [c.type, c.data.length]), [[1, 6], [
    2,
    4,
  ]]);
  assert.ok(choosesSha512(n311.contexts));
  assert.equal(chosenCipher(n311.contexts), 2, "AES-128-GCM");
  // No signing context: AES-CMAC. One naming GMAC: GMAC if offered.
  assert.equal(chosenSigning(n311.contexts, [2, 1]), 1);
  const gmac = [{ type: 8, data: Uint8Array.of(1, 0, 2, 0) }];
  assert.equal(chosenSigning(gmac, [2, 1]), 2);
  assert.equal(chosenSigning(gmac, [1]), null, "not offered");
  assert.equal(
    chosenSigning([{ type: 8, data: Uint8Array.of(2, 0, 2, 0, 1, 0) }], [2, 1]),
    null,
    "two chosen",
  );
  assert.equal(chosenCipher(n311.contexts.slice(0, 1)), 0, "no cipher context");
  const ccm = body311.slice();
  ccm[90] = 1;
  const chose = readNegotiate(response(SMB2_NEGOTIATE, ccm))!.contexts;
  assert.equal(chosenCipher(chose), 1, "AES-128-CCM, offered by default");
  assert.equal(chosenCipher(chose, [2]), null, "AES-128-CCM not offered");
  ccm[90] = 5;
  assert.equal(
    chosenCipher(readNegotiate(response(SMB2_NEGOTIATE, ccm))!.contexts),
    null,
    "no such cipher",
  );
  assert.equal(choosesSha512(n311.contexts.slice(1)), false);
  const twoAlgs = body311.slice();
  twoAlgs[72] = 2;
  assert.equal(
    choosesSha512(readNegotiate(response(SMB2_NEGOTIATE, twoAlgs))!.contexts),
    false,
  );
  const sha256 = body311.slice();
  sha256[76] = 2;
  assert.equal(
    choosesSha512(readNegotiate(response(SMB2_NEGOTIATE, sha256))!.contexts),
    false,
  );
  const farContext = body311.slice();
  farContext[60] = 0xf0;
  assert.equal(readNegotiate(response(SMB2_NEGOTIATE, farContext)), null);

  const setup = response(SMB2_SESSION_SETUP, [
    9,
    0,
    0,
    0,
    72,
    0,
    3,
    0,
    1,
    2,
    3,
  ]);
  assert.deepEqual(readSessionSetup(setup), {
    sessionFlags: 0,
    token: Uint8Array.of(1, 2, 3),
  });
  const tree = response(3, [16, 0, 2, 0, ...new Array(12).fill(0)]);
  assert.deepEqual(readTreeConnect(tree), { shareType: 2, shareFlags: 0 });
  const fid = Array.from({ length: 16 }, (_, i) => i);
  const create = response(5, [
    89,
    0,
    ...new Array(62).fill(0),
    ...fid,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  assert.deepEqual([...readCreate(create)!.fileId], fid);
  const read = response(8, [
    17,
    0,
    80,
    0,
    2,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    5,
    6,
  ]);
  assert.deepEqual([...readRead(read)!], [5, 6]);
  const write = response(9, [17, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(readWrite(write), 3);
  assert.equal(readHeader(write)!.messageId, 7n);

  const readers: [Uint8Array, (m: Uint8Array) => unknown][] = [
    [neg, readNegotiate],
    [setup, readSessionSetup],
    [tree, readTreeConnect],
    [create, readCreate],
    [read, readRead],
    [write, readWrite],
    [write, readHeader],
  ];
  for (const [m, reader] of readers) {
    // A header is whole at 64 bytes; a body needs its buffers.
    const whole = reader === readHeader ? SMB2_HEADER_SIZE : m.length;
    for (let n = 0; n < whole; n++) {
      const got = reader(m.subarray(0, n));
      // A token or data buffer cut short, or a body cut short: null.
      assert.equal(got, null, `${reader.name} of ${n} of ${m.length} bytes`);
    }
  }
  // Offsets before the body or past the end.
  const before = setup.slice();
  before[68] = 10;
  assert.equal(readSessionSetup(before), null);
  const past = read.slice();
  past[68] = 3;
  assert.equal(readRead(past), null);
  const notResponse = write.slice();
  notResponse[16] = 0;
  assert.equal(readHeader(notResponse), null);
});

Deno.test("smb wire: 20,000 random and mutated answers never throw", () => {
  let seed = 0x5eed;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const readers = [
    readTransform,
    readHeader,
    readNegotiate,
    readSessionSetup,
    readTreeConnect,
    readCreate,
    readRead,
    readWrite,
  ];
  for (let i = 0; i < 20_000; i++) {
    const m = new Uint8Array(rnd(200));
    for (let j = 0; j < m.length; j++) m[j] = rnd(256);
    if (m.length >= 66 && rnd(2)) {
      m.set([0xfe, 0x53, 0x4d, 0x42, 64, 0]);
      m[16] |= 1;
      m[64] = [65, 9, 16, 89, 17][rnd(5)];
      m[65] = 0;
    }
    for (const reader of readers) {
      const got = reader(m) as unknown;
      if (got instanceof Uint8Array) assert.ok(got.length <= m.length);
      if (got && typeof got === "object" && "token" in got) {
        assert.ok((got as { token: Uint8Array }).token.length <= m.length);
      }
    }
  }
});

Deno.test("smb wire: a transform header reads back; its size and flags are checked", () => {
  const nonce = Uint8Array.from({ length: 16 }, (_, i) => (i < 12 ? i + 1 : 0));
  const body = new Uint8Array(80).fill(7);
  const t = transformHeader(nonce, body.length, 0x0102030405060708n);
  assert.deepEqual([...t.subarray(0, 4)], [0xfd, 0x53, 0x4d, 0x42]);
  const m = new Uint8Array(t.length + body.length);
  m.set(t);
  m.set(body, t.length);
  const r = readTransform(m)!;
  assert.deepEqual([...r.nonce], [...nonce]);
  assert.equal(r.aad.length, 32);
  assert.equal(r.sessionId, 0x0102030405060708n);
  assert.deepEqual(r.data, body);
  assert.equal(readTransform(m.subarray(0, m.length - 1)), null, "size");
  const flags = m.slice();
  flags[42] = 0;
  assert.equal(readTransform(flags), null, "flags");
});
