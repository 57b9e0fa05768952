// The SMB client's edge paths against a scripted in-memory server
// (tests/smb/_fake_server.ts: SMB 2.1, our NTLM acceptor, answers signed with the
// session key): interim STATUS_PENDING answers and oplock breaks are waited
// through; a flood of unrelated messages, no credits, an answer to another
// command, a compounded answer, an oversized frame are SEC_E_INVALID_TOKEN; an
// unsigned answer SEC_E_MESSAGE_ALTERED; a silent server a timeout; a guest
// session and a wrong password SEC_E_LOGON_DENIED; a pipe message longer than a
// read comes in two (STATUS_BUFFER_OVERFLOW), and in transceive mode a write
// waits for the read and goes with it (FSCTL_PIPE_TRANSCEIVE), an overflowing
// transceive answer is read on, a write another follows or close() finds goes
// as a WRITE; an expired session
// (STATUS_NETWORK_SESSION_EXPIRED) authenticates again, signed, and the request
// goes again (the credentials kept for it never shown), and a refused
// re-authentication ends the session. Each failure
// closes the session, and none is anything but an SspiError.
import assert from "node:assert/strict";
import { openPipe } from "../../src/smb/pipe.ts";
import { SmbSession } from "../../src/smb/session.ts";
import { SmbStatusError } from "../../src/smb/errors.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
} from "../../src/sspi/status.ts";
import { type AnswerHook, FAKE_USER, fakeSmbServer } from "./_fake_server.ts";

const READ = 8;
const WRITE = 9;
const IOCTL = 11;
const TREE_CONNECT = 3;
const le16 = (m: Uint8Array, o: number) => m[o] | (m[o + 1] << 8);

function connect(hook?: AnswerHook, password = FAKE_USER.Password) {
  const fake = fakeSmbServer(hook);
  const session = SmbSession.connect({
    host: "fake",
    package: "NTLM",
    username: FAKE_USER.User,
    domain: FAKE_USER.Domain,
    password,
    dialects: [0x210],
    timeoutMs: 500,
    connect: fake.connect,
  });
  return { fake, session };
}

/** Only on `command`'s answers, `change` them. */
function on(
  command: number,
  change: AnswerHook,
): AnswerHook {
  return (req, usual) => le16(req, 12) === command ? change(req, usual) : usual;
}

const status = (s: number) => (e: unknown) =>
  e instanceof SspiError && !(e instanceof TypeError) && e.status === s;

Deno.test("smb fake server: the usual path, signed after the session setup", async () => {
  const { fake, session } = connect();
  const smb = await session;
  const pipe = await openPipe(smb, await smb.treeConnect(), "samr");
  const b = new Uint8Array(16);
  assert.equal(await pipe.read(b), 5);
  assert.equal(new TextDecoder().decode(b.subarray(0, 5)), "hello");
  await smb.close();
  // NEGOTIATE, two SESSION_SETUPs unsigned; TREE_CONNECT, CREATE, READ, LOGOFF signed.
  assert.deepEqual(
    fake.requests.map((m) => [le16(m, 12), (m[16] & 8) !== 0]),
    [[0, false], [1, false], [1, false], [3, true], [5, true], [8, true], [
      2,
      true,
    ]],
  );
});

Deno.test("smb fake server: interim answers and oplock breaks are waited through", async () => {
  const { session } = connect(on(READ, (_req, usual) => [
    {
      command: READ,
      status: 0x103,
      flags: 2,
      body: new Uint8Array(9),
      unsigned: true,
    },
    { command: 0x12, messageId: 0xffffffffffffffffn, body: new Uint8Array(24) },
    ...usual,
  ]));
  const smb = await session;
  const pipe = await openPipe(smb, await smb.treeConnect(), "samr");
  assert.equal(await pipe.read(new Uint8Array(16)), 5);
  await smb.close();
});

Deno.test("smb fake server: a pipe message longer than a read comes in two", async () => {
  let reads = 0;
  const { session } = connect(on(READ, (_req, usual) => {
    const a = usual[0];
    const data = new TextEncoder().encode(reads++ === 0 ? "hel" : "lo");
    const b = new Uint8Array(16 + data.length);
    b.set(a.body.subarray(0, 16));
    new DataView(b.buffer).setUint32(4, data.length, true);
    b.set(data, 16);
    return [{ ...a, body: b, status: reads === 1 ? 0x80000005 : 0 }];
  }));
  const smb = await session;
  const pipe = await openPipe(smb, await smb.treeConnect(), "samr");
  const out: string[] = [];
  for (let i = 0; i < 2; i++) {
    const b = new Uint8Array(16);
    const n = await pipe.read(b);
    out.push(new TextDecoder().decode(b.subarray(0, n!)));
  }
  assert.deepEqual(out, ["hel", "lo"]);
  await smb.close();
});

Deno.test("smb fake server: misbehaving answers are SSPI statuses and end the session", async () => {
  const flood: AnswerHook = on(TREE_CONNECT, (_req, usual) => [
    ...Array.from({ length: 70 }, () => ({
      command: 0x12,
      messageId: 0xffffffffffffffffn,
      body: new Uint8Array(24),
    })),
    ...usual,
  ]);
  const cases: [string, AnswerHook, (e: unknown) => boolean][] = [
    ["a flood of oplock breaks", flood, status(SEC_E_INVALID_TOKEN)],
    [
      "another command's answer",
      on(TREE_CONNECT, (_r, usual) => [{ ...usual[0], command: 5 }]),
      status(SEC_E_INVALID_TOKEN),
    ],
    [
      "a compounded answer",
      on(TREE_CONNECT, (_r, usual) => [{ ...usual[0], nextCommand: 80 }]),
      status(SEC_E_INVALID_TOKEN),
    ],
    [
      "an unsigned answer",
      on(TREE_CONNECT, (_r, usual) => [{ ...usual[0], unsigned: true }]),
      status(SEC_E_MESSAGE_ALTERED),
    ],
    [
      "an oversized frame",
      on(TREE_CONNECT, () => [new Uint8Array(80_000)]),
      status(SEC_E_INVALID_TOKEN),
    ],
    [
      "silence",
      on(TREE_CONNECT, () => []),
      (e) =>
        status(SEC_E_NO_AUTHENTICATING_AUTHORITY)(e) &&
        /within 500 ms/.test((e as Error).message),
    ],
  ];
  for (const [what, hook, expected] of cases) {
    const { session } = connect(hook);
    const smb = await session;
    await assert.rejects(smb.treeConnect(), expected, what);
    assert.ok(smb.closed, what);
    await assert.rejects(smb.treeConnect(), SspiError, `${what}: afterwards`);
  }
});

Deno.test("smb fake server: a pipe in transceive mode: a write kept for the read, an overflowing answer read on", async () => {
  let ioctls = 0;
  const { fake, session } = connect(on(IOCTL, (_req, usual) => {
    if (++ioctls > 1) return usual;
    // The first answer does not fit: STATUS_BUFFER_OVERFLOW and its first bytes.
    const body = usual[0].body.slice(0, 48 + 3);
    new DataView(body.buffer).setUint32(36, 3, true);
    return [{ ...usual[0], status: 0x80000005, body }];
  }));
  const smb = await session;
  const pipe = await openPipe(
    smb,
    await smb.treeConnect(),
    "samr",
    false,
    true,
  );
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const b = new Uint8Array(16);
  // Two writes: the first goes as a WRITE, the second with the read.
  await pipe.write(enc.encode("first"));
  await pipe.write(enc.encode("second"));
  assert.equal(dec.decode(b.subarray(0, (await pipe.read(b))!)), "hel");
  // The rest of an overflowing answer: a READ.
  assert.equal(dec.decode(b.subarray(0, (await pipe.read(b))!)), "hello");
  // A write then a read: one IOCTL.
  await pipe.write(enc.encode("third"));
  assert.equal(dec.decode(b.subarray(0, (await pipe.read(b))!)), "hello");
  // A write left at close goes before the CLOSE.
  await pipe.write(enc.encode("last"));
  pipe.close();
  await pipe.closed;
  await smb.close();
  const after = fake.requests.slice(5).map((m) => le16(m, 12));
  assert.deepEqual(after, [WRITE, IOCTL, READ, IOCTL, WRITE, 6, 4, 2]);
  const ioctl = fake.requests.find((m) => le16(m, 12) === IOCTL)!;
  const v = new DataView(ioctl.buffer);
  assert.equal(v.getUint32(68, true), 0x0011c017, "FSCTL_PIPE_TRANSCEIVE");
  assert.equal(dec.decode(ioctl.subarray(120)), "second");
});

Deno.test("smb fake server: no credits, a guest session and a wrong password", async () => {
  // A NEGOTIATE answer granting nothing: the session setup cannot be sent.
  await assert.rejects(
    connect(on(0, (_r, usual) => [{ ...usual[0], credits: 0 }])).session,
    (e: unknown) =>
      status(SEC_E_INVALID_TOKEN)(e) && /credits/.test((e as Error).message),
  );
  // The last session setup answer says "guest".
  await assert.rejects(
    connect(on(1, (_r, usual) =>
      usual.map((a) => {
        if (a.status) return a;
        const b = a.body.slice();
        b[2] = 1;
        return { ...a, body: b };
      }))).session,
    (e: unknown) =>
      status(SEC_E_LOGON_DENIED)(e) && /guest/.test((e as Error).message),
  );
  await assert.rejects(
    connect(undefined, "Wrong!Pw1").session,
    (e: unknown) =>
      e instanceof SmbStatusError && e.status === SEC_E_LOGON_DENIED &&
      e.ntStatus === 0xc000006d,
  );
});

Deno.test("smb fake server: an expired session authenticates again, and the request goes again", async () => {
  const EXPIRED = 0xc000035c;
  let reads = 0;
  const { fake, session } = connect(
    on(READ, (_req, usual) =>
      ++reads === 1
        ? [{
          ...usual[0],
          status: EXPIRED,
          unsigned: true,
          body: new Uint8Array(9),
        }]
        : usual),
  );
  const smb = await session;
  const pipe = await openPipe(smb, await smb.treeConnect(), "samr");
  const b = new Uint8Array(16);
  assert.equal(await pipe.read(b), 5);
  assert.equal(new TextDecoder().decode(b.subarray(0, 5)), "hello");
  assert.equal(smb.closed, false);
  // It keeps the credentials to authenticate again, and shows them nowhere.
  const shown = Deno.inspect(smb, { showHidden: true, depth: 10 });
  assert.ok(!shown.includes(FAKE_USER.Password), shown);
  await smb.close();
  // After the refused READ: two SESSION_SETUPs, signed this time, then the READ.
  assert.deepEqual(
    fake.requests.map((m) => [le16(m, 12), (m[16] & 8) !== 0]),
    [
      [0, false],
      [1, false],
      [1, false],
      [3, true],
      [5, true],
      [8, true],
      [1, true],
      [1, true],
      [8, true],
      [2, true],
    ],
  );
  // The session id stays the one the first setup gave.
  const ids = new Set(
    fake.requests.slice(2).map((m) =>
      new DataView(m.buffer).getBigUint64(40, true)
    ),
  );
  assert.deepEqual([...ids], [0x1122n]);

  // A re-authentication the server refuses: SEC_E_LOGON_DENIED, session ended.
  let setups = 0;
  const refused = connect((req, usual) => {
    const c = le16(req, 12);
    if (c === READ) {
      return [{
        ...usual[0],
        status: EXPIRED,
        unsigned: true,
        body: new Uint8Array(9),
      }];
    }
    if (c === 1 && ++setups > 2) {
      return [{ command: 1, status: 0xc000006d, body: new Uint8Array(9) }];
    }
    return usual;
  });
  const smb2 = await refused.session;
  const pipe2 = await openPipe(smb2, await smb2.treeConnect(), "samr");
  const e = await pipe2.read(new Uint8Array(16)).then(() => null, (e) => e);
  assert.ok(status(SEC_E_LOGON_DENIED)(e), String(e));
  assert.ok(!(e as Error).message.includes(FAKE_USER.Password));
  assert.ok(smb2.closed);
});
