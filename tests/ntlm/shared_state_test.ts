// What NTLM contexts share with their credential and with each other, now that
// handshakes avoid per-context copies: client contexts read the credential's hashes
// (deleting one must not disturb the others), and server contexts build TargetInfo in
// one array per credential (each CHALLENGE must carry its own timestamp and keep it).
import assert from "node:assert/strict";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  InitializeSecurityContext,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_INTEGRITY,
  QueryContextAttributes,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
} from "../../mod.ts";
import { EXPORTED_KEY_SCRATCH } from "../../src/packages/ntlm/crypto.ts";
import { decodeChallenge } from "../../src/packages/ntlm/messages.ts";
import {
  avFind,
  avRewrite,
  encodeAvPairs,
} from "../../src/packages/ntlm/av_pairs.ts";
import {
  MsvAvFlags,
  MsvAvNbComputerName,
  MsvAvTimestamp,
} from "../../src/packages/ntlm/constants.ts";
import { randomInto } from "../../src/crypto/_random.ts";
import { readU32le, writeU64le } from "../../src/util/bytes.ts";

const USER = { User: "alice", Domain: "EXAMPLE", Password: "S3cret!pw" };
const FLAGS = ISC_REQ_INTEGRITY | ISC_REQ_ALLOCATE_MEMORY;
const ASC = 0x20000 | 0x100; // ASC_REQ_INTEGRITY | ASC_REQ_ALLOCATE_MEMORY

function acquire(use: number, authData: unknown): CredHandle {
  const h = new CredHandle();
  const st = AcquireCredentialsHandle(
    null,
    "NTLM",
    use,
    null,
    authData,
    null,
    null,
    h,
    null,
  );
  assert.equal(st, SEC_E_OK);
  return h;
}

const out = () => new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
const inp = (t: Uint8Array) =>
  new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, t)]);
const tokenOf = (d: SecBufferDesc) =>
  d.pBuffers[0].pvBuffer?.slice(0, d.pBuffers[0].cbBuffer) ??
    new Uint8Array(0);

/** The client's first step: the NEGOTIATE token. */
function start(cred: CredHandle, cx: CtxtHandle): Uint8Array {
  const o = out();
  const st = InitializeSecurityContext(
    cred,
    null,
    "HTTP/web",
    FLAGS,
    0,
    16,
    null,
    0,
    cx,
    o,
    { value: 0 },
    null,
  );
  assert.equal(st, SEC_I_CONTINUE_NEEDED);
  return tokenOf(o);
}

/** The server's answer to `t` (first call when `first`). */
function accept(
  cred: CredHandle,
  sx: CtxtHandle,
  t: Uint8Array,
  first: boolean,
): { status: number; token: Uint8Array } {
  const o = out();
  const status = AcceptSecurityContext(
    cred,
    first ? null : sx,
    inp(t),
    ASC,
    16,
    sx,
    o,
    { value: 0 },
    null,
  );
  return { status, token: tokenOf(o) };
}

/** The client's answer to the CHALLENGE: the AUTHENTICATE token. */
function answer(cred: CredHandle, cx: CtxtHandle, chal: Uint8Array) {
  const o = out();
  const st = InitializeSecurityContext(
    cred,
    cx,
    "HTTP/web",
    FLAGS,
    0,
    16,
    inp(chal),
    0,
    cx,
    o,
    { value: 0 },
    null,
  );
  assert.equal(st, SEC_E_OK);
  return tokenOf(o);
}

Deno.test("NTLM: client contexts of one credential share its secrets; deleting one leaves the others working", () => {
  const cc = acquire(SECPKG_CRED_OUTBOUND, USER);
  const sc = acquire(SECPKG_CRED_INBOUND, { users: [USER] });
  const a = new CtxtHandle();
  const b = new CtxtHandle();
  const sa = new CtxtHandle();
  const sb = new CtxtHandle();
  const negA = start(cc, a);
  const negB = start(cc, b);
  // Context A completes and is deleted, then B (started before) completes.
  const chalA = accept(sc, sa, negA, true);
  assert.equal(accept(sc, sa, answer(cc, a, chalA.token), false).status, 0);
  assert.equal(DeleteSecurityContext(a), SEC_E_OK);
  const chalB = accept(sc, sb, negB, true);
  assert.equal(accept(sc, sb, answer(cc, b, chalB.token), false).status, 0);
  // A context started after a delete still authenticates.
  const c = new CtxtHandle();
  const sc2 = new CtxtHandle();
  const chalC = accept(sc, sc2, start(cc, c), true);
  assert.equal(accept(sc, sc2, answer(cc, c, chalC.token), false).status, 0);
  // Freeing the credential while a context lives: the context still completes.
  const d = new CtxtHandle();
  const sd = new CtxtHandle();
  const negD = start(cc, d);
  assert.equal(FreeCredentialsHandle(cc), SEC_E_OK);
  const chalD = accept(sc, sd, negD, true);
  assert.equal(accept(sc, sd, answer(cc, d, chalD.token), false).status, 0);
  for (const h of [b, c, d, sa, sb, sc2, sd]) DeleteSecurityContext(h);
  FreeCredentialsHandle(sc);
});

Deno.test("NTLM: each CHALLENGE carries its own timestamp and challenge, unchanged by later ones", async () => {
  const sc = acquire(SECPKG_CRED_INBOUND, { users: [USER] });
  const cc = acquire(SECPKG_CRED_OUTBOUND, USER);
  const timestamp = (chal: Uint8Array) => {
    const ti = decodeChallenge(chal).targetInfo;
    const at = avFind(ti, MsvAvTimestamp);
    assert.ok(at && at[1] === 8, "MsvAvTimestamp present");
    return ti.slice(at[0], at[0] + 8);
  };
  const first = accept(sc, new CtxtHandle(), start(cc, new CtxtHandle()), true);
  const before = first.token.slice();
  const ts1 = timestamp(first.token);
  await new Promise((r) => setTimeout(r, 5)); // FILETIME ticks are 100 ns
  const second = accept(
    sc,
    new CtxtHandle(),
    start(cc, new CtxtHandle()),
    true,
  );
  // The first CHALLENGE is untouched by the second, which has a later timestamp and
  // another server challenge.
  assert.deepEqual(first.token, before);
  const ts2 = timestamp(second.token);
  const v = (t: Uint8Array) =>
    BigInt(readU32le(t, 0)) + (BigInt(readU32le(t, 4)) << 32n);
  assert.ok(v(ts2) > v(ts1), "the second timestamp is later");
  assert.notDeepEqual(
    decodeChallenge(second.token).serverChallenge,
    decodeChallenge(first.token).serverChallenge,
  );
  FreeCredentialsHandle(sc);
  FreeCredentialsHandle(cc);
});

Deno.test("randomInto: writes exactly its range from the pool; bad ranges throw", () => {
  const b = new Uint8Array(32).fill(0xaa);
  assert.equal(randomInto(b, 8, 16), b);
  assert.ok(b.subarray(0, 8).every((x) => x === 0xaa));
  assert.ok(b.subarray(24).every((x) => x === 0xaa));
  // Two draws differ (probability of equal 16-byte values: 2^-128).
  const c = randomInto(new Uint8Array(16), 0, 16);
  assert.notDeepEqual(c, b.subarray(8, 24));
  assert.throws(() => randomInto(b, 30, 8), RangeError);
  assert.throws(() => randomInto(b, -1, 4), RangeError);
  assert.throws(() => randomInto(new Uint8Array(100), 0, 65), RangeError);
});

Deno.test("readU32le and writeU64le agree with DataView", () => {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  for (const v of [0n, 1n, 0xffffffffn, 0x1_0000_0000n, 0xfedcba9876543210n]) {
    writeU64le(b, 3, v);
    assert.equal(dv.getBigUint64(3, true), v);
    assert.equal(readU32le(b, 3), dv.getUint32(3, true));
    assert.equal(readU32le(b, 7), dv.getUint32(7, true));
  }
});

Deno.test("avRewrite: builds in the scratch when it has room (zeroed around), else in a new array", () => {
  const name = new Uint8Array(10).fill(0x41);
  const list = encodeAvPairs([
    { id: MsvAvNbComputerName, value: name },
    { id: MsvAvFlags, value: new Uint8Array([2, 0, 0, 0]) },
  ]);
  const extra = [{ id: MsvAvFlags, value: 6 }];
  const fresh = avRewrite(list, [MsvAvFlags], extra, 44, 4);
  const scratch = new Uint8Array(256).fill(0xee); // stale bytes from an earlier use
  const inScratch = avRewrite(list, [MsvAvFlags], extra, 44, 4, scratch);
  assert.equal(inScratch.buffer, scratch.buffer);
  assert.equal(inScratch.length, fresh.length);
  assert.deepEqual(inScratch, fresh);
  assert.ok(inScratch.subarray(0, 44).every((b) => b === 0));
  assert.ok(inScratch.subarray(inScratch.length - 4).every((b) => b === 0));
  assert.equal(avFind(inScratch.subarray(44), MsvAvFlags)![1], 4);
  assert.equal(readU32le(inScratch, 44 + 4 + 10 + 4), 6); // the new MsvAvFlags
  const small = new Uint8Array(fresh.length - 1);
  const grown = avRewrite(list, [MsvAvFlags], extra, 44, 4, small);
  assert.notEqual(grown.buffer, small.buffer);
  assert.deepEqual(grown, fresh);
});

Deno.test("NTLM: the exported session key is kept per context and its scratch is wiped after every AUTHENTICATE step", () => {
  const cc = acquire(SECPKG_CRED_OUTBOUND, USER);
  const sc = acquire(SECPKG_CRED_INBOUND, { users: [USER] });
  const wrong = acquire(SECPKG_CRED_INBOUND, {
    users: [{ ...USER, Password: "not-" + USER.Password }],
  });
  const zero = () => EXPORTED_KEY_SCRATCH.every((b) => b === 0);
  const keyOf = (h: CtxtHandle) => {
    const v: { value?: { SessionKey: Uint8Array } } = {};
    assert.equal(QueryContextAttributes(h, SECPKG_ATTR_SESSION_KEY, v), 0);
    return v.value!.SessionKey;
  };
  const run = (server: CredHandle, alter: boolean) => {
    const cx = new CtxtHandle();
    const sx = new CtxtHandle();
    const chal = accept(server, sx, start(cc, cx), true);
    const auth = answer(cc, cx, chal.token);
    assert.ok(zero(), "the client wiped it");
    if (alter) auth[72] ^= 1; // the MIC field
    const r = accept(server, sx, auth, false);
    assert.ok(zero(), "the server wiped it");
    return { cx, sx, status: r.status };
  };
  const ok1 = run(sc, false);
  const ok2 = run(sc, false);
  assert.equal(ok1.status, SEC_E_OK);
  assert.equal(ok2.status, SEC_E_OK);
  // Both sides hold the same key; each handshake its own.
  assert.deepEqual(keyOf(ok1.cx), keyOf(ok1.sx));
  assert.deepEqual(keyOf(ok2.cx), keyOf(ok2.sx));
  assert.notDeepEqual(keyOf(ok1.cx), keyOf(ok2.cx));
  assert.equal(keyOf(ok1.cx).length, 16);
  const altered = run(sc, true);
  assert.equal(altered.status, SEC_E_MESSAGE_ALTERED);
  const denied = run(wrong, false);
  assert.equal(denied.status, SEC_E_LOGON_DENIED);
  for (const h of [ok1, ok2, altered, denied]) {
    DeleteSecurityContext(h.cx);
    DeleteSecurityContext(h.sx);
  }
  for (const c of [cc, sc, wrong]) FreeCredentialsHandle(c);
});
