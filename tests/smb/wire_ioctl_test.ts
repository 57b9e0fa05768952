// SMB2 IOCTL and FSCTL_VALIDATE_NEGOTIATE_INFO wire formats: the request's fields
// where MS-SMB2 2.2.31 puts them; the validation's input taken from a NEGOTIATE
// request and its expected answer from a NEGOTIATE answer, field by field; the
// IOCTL reader on every truncation, another control, a buffer outside the
// message, and random bytes: null, never a throw.
import assert from "node:assert/strict";
import { negotiateRequest, SMB2_NEGOTIATE } from "../../src/smb/wire.ts";
import {
  FSCTL_VALIDATE_NEGOTIATE_INFO,
  ioctlRequest,
  readIoctl,
  SMB2_IOCTL,
  validateNegotiateExpected,
  validateNegotiateInput,
} from "../../src/smb/wire_ioctl.ts";

const H = (command: number) => ({
  command,
  messageId: 9n,
  treeId: 3,
  sessionId: 0x42n,
  creditRequest: 8,
});
const dv = (m: Uint8Array) => new DataView(m.buffer, m.byteOffset, m.length);

/** An IOCTL answer for `ctl` with `output` at offset 112. */
function ioctlAnswer(ctl: number, output: Uint8Array): Uint8Array {
  const m = new Uint8Array(112 + output.length);
  const v = dv(m);
  v.setUint32(0, 0xfe534d42);
  v.setUint16(4, 64, true);
  v.setUint16(12, SMB2_IOCTL, true);
  m[16] = 1;
  v.setUint16(64, 49, true);
  v.setUint32(68, ctl, true);
  v.setUint32(96, 112, true);
  v.setUint32(100, output.length, true);
  m.set(output, 112);
  return m;
}

Deno.test("smb ioctl: the request's fields, and the answer's output", () => {
  const input = Uint8Array.from({ length: 30 }, (_, i) => i + 1);
  const file = new Uint8Array(16).fill(0xff);
  const m = ioctlRequest(H(SMB2_IOCTL), 0x00140204, file, input, 24);
  const v = dv(m);
  assert.equal(v.getUint16(12, true), SMB2_IOCTL);
  assert.equal(v.getUint16(64, true), 57, "StructureSize");
  assert.equal(v.getUint32(68, true), 0x00140204, "CtlCode");
  assert.deepEqual(m.subarray(72, 88), file);
  assert.equal(v.getUint32(88, true), 120, "InputOffset");
  assert.equal(v.getUint32(92, true), 30, "InputCount");
  assert.equal(v.getUint32(108, true), 24, "MaxOutputResponse");
  assert.equal(v.getUint32(112, true), 1, "SMB2_0_IOCTL_IS_FSCTL");
  assert.deepEqual(m.subarray(120), input);

  const out = Uint8Array.from({ length: 24 }, (_, i) => 100 + i);
  const a = ioctlAnswer(FSCTL_VALIDATE_NEGOTIATE_INFO, out);
  assert.deepEqual(readIoctl(a, FSCTL_VALIDATE_NEGOTIATE_INFO), out);
  assert.equal(readIoctl(a, 0x0011c017), null, "another control");
  for (let n = 0; n < a.length; n++) {
    assert.equal(
      readIoctl(a.subarray(0, n), FSCTL_VALIDATE_NEGOTIATE_INFO),
      null,
      `cut to ${n}`,
    );
  }
  const outside = a.slice();
  dv(outside).setUint32(96, 0xfffffff0, true);
  assert.equal(readIoctl(outside, FSCTL_VALIDATE_NEGOTIATE_INFO), null);
  const before = a.slice();
  dv(before).setUint32(96, 64, true);
  assert.equal(readIoctl(before, FSCTL_VALIDATE_NEGOTIATE_INFO), null);
});

Deno.test("smb ioctl: VALIDATE_NEGOTIATE_INFO from the NEGOTIATE sent and received", () => {
  const guid = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const sent = negotiateRequest(
    H(SMB2_NEGOTIATE),
    guid,
    [0x0302, 0x0210],
    new Uint8Array(32),
  );
  const input = validateNegotiateInput(sent)!;
  const iv = dv(input);
  assert.equal(input.length, 28);
  assert.equal(iv.getUint32(0, true), 0x44, "LARGE_MTU | ENCRYPTION");
  assert.deepEqual(input.subarray(4, 20), guid);
  assert.equal(iv.getUint16(20, true), 3, "signing enabled and required");
  assert.equal(iv.getUint16(22, true), 2, "DialectCount");
  assert.equal(iv.getUint16(24, true), 0x0302);
  assert.equal(iv.getUint16(26, true), 0x0210);
  assert.equal(validateNegotiateInput(sent.subarray(0, 101)), null);

  const answer = new Uint8Array(64 + 65);
  const v = dv(answer);
  v.setUint16(12, SMB2_NEGOTIATE, true);
  v.setUint16(64, 65, true);
  v.setUint16(66, 1, true); // SecurityMode
  v.setUint16(68, 0x0302, true);
  answer.set(guid.map((b) => b ^ 0xff), 72); // ServerGuid
  v.setUint32(88, 0x2f, true); // Capabilities
  const want = validateNegotiateExpected(answer)!;
  const wv = dv(want);
  assert.equal(wv.getUint32(0, true), 0x2f);
  assert.deepEqual(want.subarray(4, 20), guid.map((b) => b ^ 0xff));
  assert.equal(wv.getUint16(20, true), 1);
  assert.equal(wv.getUint16(22, true), 0x0302);
  assert.equal(validateNegotiateExpected(answer.subarray(0, 127)), null);
  const other = answer.slice();
  other[12] = 1;
  assert.equal(validateNegotiateExpected(other), null, "not a NEGOTIATE");
});

Deno.test("smb ioctl: 20,000 random answers never throw", () => {
  let seed = 0x10c71;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < 20_000; i++) {
    const m = new Uint8Array(rnd(200));
    for (let j = 0; j < m.length; j++) m[j] = rnd(256);
    if (m.length >= 112 && rnd(2)) {
      dv(m).setUint16(64, 49, true);
      dv(m).setUint32(68, FSCTL_VALIDATE_NEGOTIATE_INFO, true);
    }
    const out = readIoctl(m, FSCTL_VALIDATE_NEGOTIATE_INFO);
    if (out) {
      assert.ok(out.byteOffset - m.byteOffset + out.length <= m.length);
    }
    validateNegotiateInput(m);
    validateNegotiateExpected(m);
  }
});
