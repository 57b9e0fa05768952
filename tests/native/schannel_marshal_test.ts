/**
 * The native provider's Schannel marshalling without a library: `SCHANNEL_CRED` from the
 * portable `SchannelAuthData` fields that map, and the stream buffers of
 * `EncryptMessage`/`DecryptMessage` copied back the way Windows lays them out (the
 * library's pointers into the caller's one data buffer become views of the caller's
 * array), with a stand-in "library" that edits the marshalled descriptor as secur32 does.
 */
import assert from "node:assert/strict";
import { SecBuffer, SecBufferDesc } from "../../src/sspi/buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_EMPTY,
  SECBUFFER_EXTRA,
  SECBUFFER_MISSING,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
} from "../../src/sspi/flags.ts";
import { Arena, view } from "../../src/native/_memory.ts";
import {
  isSchannelPackage,
  SCHANNEL_CRED_OFFSETS as OFF,
  SCHANNEL_CRED_SIZE,
  SCHANNEL_CRED_VERSION,
  schannelCredIn,
} from "../../src/native/_schannel_cred.ts";
import {
  descIn,
  descOut,
  descOutChecked,
  type MarshalledDesc,
  overrunBuffers,
  SEC_BUFFER_SIZE,
} from "../../src/native/_secbuffer.ts";

const SCH_CRED_MANUAL_CRED_VALIDATION = 0x8;
const SCH_CRED_NO_DEFAULT_CREDS = 0x10;
const SP_PROT_TLS1_2_CLIENT = 0x800;
const noFree = (_a: bigint) => {
  throw new Error("nothing here was allocated by a library");
};

Deno.test("SCHANNEL_CRED: version 4, flags and protocols at the Win32 offsets", () => {
  const arena = new Arena();
  const b = schannelCredIn(arena, {
    dwFlags: SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS,
    grbitEnabledProtocols: SP_PROT_TLS1_2_CLIENT,
    dwMinimumCipherStrength: 128,
    dwMaximumCipherStrength: 256,
    dwSessionLifespan: 0xffffffff,
  })!;
  assert.equal(b.length, SCHANNEL_CRED_SIZE);
  const v = view(b);
  assert.equal(v.getUint32(OFF.dwVersion, true), SCHANNEL_CRED_VERSION);
  assert.equal(v.getUint32(OFF.dwFlags, true), 0x18);
  assert.equal(v.getUint32(OFF.grbitEnabledProtocols, true), 0x800);
  assert.equal(v.getUint32(OFF.dwMinimumCipherStrength, true), 128);
  assert.equal(v.getUint32(OFF.dwMaximumCipherStrength, true), 256);
  assert.equal(v.getUint32(OFF.dwSessionLifespan, true), 0xffffffff);
  // No certificates, no root store, no mappers or algorithms, CERT_CONTEXT format.
  for (const o of [OFF.cCreds, OFF.dwCredFormat, 24, 40]) {
    assert.equal(v.getUint32(o, true), 0, `offset ${o}`);
  }
  for (const o of [OFF.paCred, OFF.hRootStore, 32, 48]) {
    assert.equal(v.getBigUint64(o, true), 0n, `pointer at ${o}`);
  }
  assert.equal(schannelCredIn(arena, null), null);
  assert.equal(schannelCredIn(arena, undefined), null);
  // An empty object is a valid SCHANNEL_CRED with the defaults.
  const d = view(schannelCredIn(arena, {})!);
  assert.equal(d.getUint32(0, true), 4);
  assert.equal(d.getUint32(OFF.dwFlags, true), 0);
  arena.release();
});

Deno.test("SCHANNEL_CRED: fields with no place in it are refused by name, never by value", () => {
  const arena = new Arena();
  const secret = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq-secret\n";
  assert.throws(
    () =>
      schannelCredIn(arena, {
        Certificate: "-----BEGIN CERTIFICATE-----\nMIIB\n",
        PrivateKey: secret,
        dwFlags: 0,
      }),
    (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /Certificate, PrivateKey/);
      assert.doesNotMatch(e.message, /BEGIN|MIIE|secret/);
      return true;
    },
  );
  for (
    const k of [
      "RootCertificates",
      "ApplicationProtocols",
      "CipherSuites",
      "KeyExchangeGroups",
      "CertificateRevocationLists",
    ]
  ) {
    assert.throws(() => schannelCredIn(arena, { [k]: [] }), TypeError, k);
  }
  // Undefined fields are absent fields.
  assert.ok(schannelCredIn(arena, { Certificate: undefined, dwFlags: 8 }));
  for (const bad of [-1, 1.5, 2 ** 32, "8", NaN]) {
    assert.throws(
      () => schannelCredIn(arena, { dwFlags: bad }),
      TypeError,
      "dwFlags",
    );
  }
  assert.throws(() => schannelCredIn(arena, "Schannel"), TypeError);
  assert.throws(() => schannelCredIn(arena, [1]), TypeError);
  arena.release();
});

Deno.test("SCHANNEL_CRED: only the Schannel package names take it", () => {
  assert.ok(isSchannelPackage("Schannel"));
  assert.ok(isSchannelPackage("SCHANNEL"));
  assert.ok(
    isSchannelPackage("Microsoft Unified Security Protocol Provider"),
  );
  for (const p of ["NTLM", "Negotiate", "Kerberos", "CREDSSP", "WDigest"]) {
    assert.ok(!isSchannelPackage(p), p);
  }
});

/** The stand-in library's edit of one native `SecBuffer`. */
function setNative(
  m: MarshalledDesc,
  i: number,
  type: number,
  cb: number,
  a: bigint,
): void {
  const v = view(m.array);
  v.setUint32(i * SEC_BUFFER_SIZE, cb, true);
  v.setUint32(i * SEC_BUFFER_SIZE + 4, type, true);
  v.setBigUint64(i * SEC_BUFFER_SIZE + 8, a, true);
}

Deno.test("DecryptMessage layout: header, data, trailer and extra are views of the caller's bytes", () => {
  // One record (5 + 10 + 5 bytes) followed by 7 bytes of the next one.
  const wire = new Uint8Array(27).map((_, i) => 0x80 + i);
  const plain = new Uint8Array(10).map((_, i) => i + 1);
  const desc = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, wire),
    new SecBuffer(SECBUFFER_EMPTY),
    new SecBuffer(SECBUFFER_EMPTY),
    new SecBuffer(SECBUFFER_EMPTY),
  ]);
  const arena = new Arena();
  const m = descIn(arena, desc)!;
  // What secur32 does: decrypt in place, point every buffer into buffer 0.
  const base = m.addrs[0];
  m.blocks[0]!.set(plain, 5);
  setNative(m, 0, SECBUFFER_STREAM_HEADER, 5, base);
  setNative(m, 1, SECBUFFER_DATA, 10, base + 5n);
  setNative(m, 2, SECBUFFER_STREAM_TRAILER, 5, base + 15n);
  setNative(m, 3, SECBUFFER_EXTRA, 7, base + 20n);
  assert.deepEqual(overrunBuffers(m), []);
  descOut(m, noFree);
  arena.release();
  const [h, d, t, x] = desc.pBuffers;
  assert.deepEqual(
    [h.BufferType, d.BufferType, t.BufferType, x.BufferType],
    [
      SECBUFFER_STREAM_HEADER,
      SECBUFFER_DATA,
      SECBUFFER_STREAM_TRAILER,
      SECBUFFER_EXTRA,
    ],
  );
  assert.equal(h.cbBuffer, 5);
  assert.deepEqual(d.pvBuffer!.subarray(0, d.cbBuffer), plain);
  assert.equal(
    d.pvBuffer!.buffer,
    wire.buffer,
    "data is a view of the caller's array",
  );
  assert.equal(d.pvBuffer!.byteOffset, 5);
  assert.equal(t.cbBuffer, 5);
  assert.equal(t.pvBuffer!.byteOffset, 15);
  assert.equal(x.cbBuffer, 7);
  assert.deepEqual(
    x.pvBuffer,
    new Uint8Array(7).map((_, i) => 0x80 + 20 + i),
  );
  assert.deepEqual(wire.subarray(5, 15), plain, "decrypted in place");
});

Deno.test("DecryptMessage layout: SEC_E_INCOMPLETE_MESSAGE's SECBUFFER_MISSING keeps its count", () => {
  const wire = new Uint8Array(7);
  const desc = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, wire),
    new SecBuffer(SECBUFFER_EMPTY),
    new SecBuffer(SECBUFFER_EMPTY),
    new SecBuffer(SECBUFFER_EMPTY),
  ]);
  const arena = new Arena();
  const m = descIn(arena, desc)!;
  setNative(m, 1, SECBUFFER_MISSING, 42, 0n);
  descOut(m, noFree);
  arena.release();
  assert.equal(desc.pBuffers[0].BufferType, SECBUFFER_DATA);
  assert.equal(desc.pBuffers[0].cbBuffer, 7);
  assert.equal(desc.pBuffers[1].BufferType, SECBUFFER_MISSING);
  assert.equal(desc.pBuffers[1].cbBuffer, 42);
  assert.equal(desc.pBuffers[1].pvBuffer, null);
});

Deno.test("EncryptMessage layout: header, data and trailer written in place, lengths updated", () => {
  const header = new Uint8Array(5);
  const data = new Uint8Array([1, 2, 3]);
  const trailer = new Uint8Array(36);
  const desc = new SecBufferDesc([
    new SecBuffer(SECBUFFER_STREAM_HEADER, header),
    new SecBuffer(SECBUFFER_DATA, data),
    new SecBuffer(SECBUFFER_STREAM_TRAILER, trailer),
    new SecBuffer(SECBUFFER_EMPTY),
  ]);
  const arena = new Arena();
  const m = descIn(arena, desc)!;
  m.blocks[0]!.set([23, 3, 3, 0, 20]);
  m.blocks[1]!.set([0xaa, 0xbb, 0xcc]);
  m.blocks[2]!.fill(0x55, 0, 17);
  setNative(m, 2, SECBUFFER_STREAM_TRAILER, 17, m.addrs[2]);
  descOut(m, noFree);
  arena.release();
  assert.deepEqual(header, new Uint8Array([23, 3, 3, 0, 20]));
  assert.deepEqual(data, new Uint8Array([0xaa, 0xbb, 0xcc]));
  assert.equal(desc.pBuffers[2].cbBuffer, 17);
  assert.equal(desc.pBuffers[2].pvBuffer, trailer);
  assert.deepEqual(trailer.subarray(0, 17), new Uint8Array(17).fill(0x55));
});

Deno.test("overrunBuffers: a length past the caller's bytes is caught (WinPR's (ULONG)-1)", () => {
  const desc = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, new Uint8Array(20)),
    new SecBuffer(SECBUFFER_EMPTY),
  ]);
  const arena = new Arena();
  const m = descIn(arena, desc)!;
  setNative(m, 0, SECBUFFER_DATA, 0xffffffff, m.addrs[0]);
  assert.deepEqual(overrunBuffers(m), [0]);
  setNative(m, 0, SECBUFFER_DATA, 20, m.addrs[0]);
  setNative(m, 1, SECBUFFER_EXTRA, 6, m.addrs[0] + 15n);
  assert.deepEqual(overrunBuffers(m), [1]);
  setNative(m, 1, SECBUFFER_EXTRA, 5, m.addrs[0] + 15n);
  assert.deepEqual(overrunBuffers(m), []);
  assert.deepEqual(overrunBuffers(null), []);
  arena.release();
});

Deno.test("descOutChecked: an overrun buffer shows no bytes and fails the call", () => {
  const wire = new Uint8Array(30).fill(0xee);
  const desc = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, wire),
    new SecBuffer(SECBUFFER_EMPTY),
  ]);
  const arena = new Arena();
  const m = descIn(arena, desc)!;
  // WinPR's DecryptMessage after SSL_read failed: the data buffer with length -1.
  setNative(m, 0, SECBUFFER_STREAM_HEADER, 5, m.addrs[0]);
  setNative(m, 1, SECBUFFER_DATA, 0xffffffff, m.addrs[0]);
  assert.equal(descOutChecked(m, noFree), true);
  arena.release();
  assert.equal(desc.pBuffers[1].BufferType, SECBUFFER_DATA);
  assert.equal(desc.pBuffers[1].cbBuffer, 0);
  assert.equal(desc.pBuffers[0].cbBuffer, 5);
  const ok = new SecBufferDesc([new SecBuffer(SECBUFFER_DATA, wire)]);
  const a2 = new Arena();
  assert.equal(descOutChecked(descIn(a2, ok)!, noFree), false);
  a2.release();
  assert.equal(ok.pBuffers[0].cbBuffer, 30);
});

Deno.test("overrunBuffers: touching blocks are told apart (a buffer at its own block)", () => {
  // Two 16-byte buffers carved back to back from one arena chunk.
  const desc = new SecBufferDesc([
    new SecBuffer(SECBUFFER_STREAM_HEADER, new Uint8Array(16)),
    new SecBuffer(SECBUFFER_DATA, new Uint8Array(16)),
  ]);
  const arena = new Arena();
  const m = descIn(arena, desc)!;
  assert.equal(m.addrs[1], m.addrs[0] + 16n, "the blocks touch");
  assert.deepEqual(overrunBuffers(m), []);
  arena.release();
});
