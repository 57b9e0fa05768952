// NTLM derives SIGNKEY/SEALKEY on first use, not when the handshake ends: most
// handshakes (HTTP authentication) never sign or seal. These tests check that the
// deferred keys are the same keys, that nothing is lost or leaked while they are
// deferred, and that SPNEGO, which signs at once, gets them at once.
import assert from "node:assert/strict";
import { NtlmSessionSecurity } from "../../src/packages/ntlm/security.ts";
import { ntlmPackage } from "../../src/packages/ntlm/package.ts";
import { negotiatePackage } from "../../src/packages/negotiate/package.ts";
import { SecBuffer, SecBufferDesc } from "../../src/sspi/buffers.ts";
import type {
  PackageContext,
  SecurityPackage,
  StepResult,
} from "../../src/sspi/package.ts";
import {
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_I_CONTINUE_NEEDED,
} from "../../src/sspi/status.ts";
import "../../mod.ts"; // registers the packages Negotiate chooses from

const USER = { User: "alice", Domain: "EXAMPLE", Password: "S3cret!pw" };
// ESS, KEY_EXCH, 128, SEAL, SIGN, NTLM, UNICODE, ALWAYS_SIGN, VERSION.
const FLAGS = 0xe28a8235 | 0;
const REQ = 0x10 | 0x20000 | 0x800 | 0x100; // CONFIDENTIALITY, INTEGRITY, CONNECTION, ALLOCATE

function key(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

Deno.test("NTLM session security: keys derived on first use equal keys derived at once", () => {
  for (const mode of ["Client", "Server"] as const) {
    const k = key();
    const lazy = new NtlmSessionSecurity(FLAGS, k, mode);
    const eager = new NtlmSessionSecurity(FLAGS, k, mode, undefined, true);
    assert.equal(lazy.derived, false);
    assert.equal(eager.derived, true);
    assert.deepEqual(lazy.sessionKey, k, "the session key is kept as given");
    const msg = new TextEncoder().encode("same keys, same keystream");
    const a = msg.slice();
    const b = msg.slice();
    assert.deepEqual(lazy.seal([a], [a]), eager.seal([b], [b]));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, msg, "sealed");
    assert.equal(lazy.derived, true, "the first message derived the keys");
    assert.deepEqual(lazy.sessionKey, k, "and kept the session key with them");
    assert.deepEqual(lazy.exportState(), eager.exportState());
  }
});

Deno.test("NTLM session security: each use derives the keys it needs, once", () => {
  const k = key();
  const client = new NtlmSessionSecurity(FLAGS, k, "Client");
  const server = new NtlmSessionSecurity(FLAGS, k, "Server");
  // Verifying derives too: the server's first act is a check.
  const data = new Uint8Array([1, 2, 3]);
  assert.equal(server.verify([data], client.sign([data])), SEC_E_OK);
  assert.equal(server.derived, true);
  // A reset derives (and leaves the states as derived).
  const fresh = new NtlmSessionSecurity(FLAGS, k, "Client");
  fresh.resetCrypto("send");
  assert.equal(fresh.derived, true);
  assert.deepEqual(
    fresh.exportState().keys,
    new NtlmSessionSecurity(FLAGS, k, "Client", undefined, true).exportState()
      .keys,
  );
  // An export derives, and the counters travel with it.
  const exp = new NtlmSessionSecurity(FLAGS, k, "Server").exportState();
  assert.equal(exp.outSeq, 0);
  assert.equal(exp.keys.length, 4 * 310);
  // A replayed message is still refused after the keys were derived by the first.
  const sig = client.sign([data]);
  assert.equal(server.verify([data], sig), SEC_E_OK);
  assert.equal(server.verify([data], sig), SEC_E_OUT_OF_SEQUENCE);
});

Deno.test("NTLM session security: dispose wipes the session key, derived or not", () => {
  const k = key();
  const pending = new NtlmSessionSecurity(FLAGS, k, "Client");
  const held = pending.sessionKey; // a view of what it keeps
  assert.deepEqual(held, k);
  k.fill(0); // the caller wipes its own copy; the context kept its own
  assert.notDeepEqual(held, k);
  pending.dispose();
  assert.deepEqual(held, new Uint8Array(16), "the kept key is wiped");
  assert.throws(() => pending.sign([new Uint8Array(1)]), /deleted/);

  const used = new NtlmSessionSecurity(FLAGS, key(), "Server");
  used.sign([new Uint8Array(4)]);
  const view = used.sessionKey;
  assert.notDeepEqual(view, new Uint8Array(16));
  used.dispose();
  assert.deepEqual(view, new Uint8Array(16), "the derived keys are wiped");
});

Deno.test("NTLM session security: a deleted context's keys array serves the next one, clean", () => {
  // Keys live in slots of a shared pool: a slot freed by dispose is taken by the
  // next context, which must see nothing of the first one's keys or states.
  const first = new NtlmSessionSecurity(
    FLAGS,
    key(),
    "Client",
    undefined,
    true,
  );
  first.sign([new Uint8Array(8)]);
  const firstView = first.sessionKey;
  first.dispose();
  assert.deepEqual(firstView, new Uint8Array(16));
  const k = key();
  const next = new NtlmSessionSecurity(FLAGS, k, "Client");
  assert.equal(next.derived, false);
  assert.deepEqual(next.sessionKey, k);
  const fresh = new NtlmSessionSecurity(FLAGS, k, "Client", undefined, true);
  const a = new Uint8Array([9, 8, 7]);
  const b = a.slice();
  assert.deepEqual(next.seal([a], [a]), fresh.seal([b], [b]));
  assert.deepEqual(next.exportState(), fresh.exportState());
  next.dispose();
  fresh.dispose();
});

function input(token: Uint8Array | undefined): SecBufferDesc | null {
  return token ? new SecBufferDesc([new SecBuffer(2, token)]) : null;
}

/** Runs a handshake between two package contexts to SEC_E_OK on both sides. */
function handshake(c: PackageContext, s: PackageContext): void {
  const step = (x: PackageContext, t: Uint8Array | undefined) => {
    const r = x.step({
      target: "HTTP/web.example.com",
      flags: REQ,
      dataRep: 16,
      input: input(t),
      output: null,
      async: false,
    }) as StepResult;
    assert.ok(
      r.status === SEC_E_OK || r.status === SEC_I_CONTINUE_NEEDED,
      `status 0x${(r.status >>> 0).toString(16)}`,
    );
    return r;
  };
  let r = step(c, undefined);
  let cDone = false;
  let sDone = false;
  for (let i = 0; i < 6 && !(cDone && sDone); i++) {
    const q = step(s, r.token!);
    sDone = q.status === SEC_E_OK;
    if (!q.token?.length) break;
    r = step(c, q.token);
    cDone = r.status === SEC_E_OK;
    if (!r.token?.length) break;
  }
  if (!sDone) sDone = step(s, r.token!).status === SEC_E_OK;
  assert.ok(sDone, "the server finished");
}

function contexts(pkg: SecurityPackage): {
  c: PackageContext;
  s: PackageContext;
} {
  const cc = pkg.acquireCredentials({
    principal: null,
    use: 2,
    authData: USER,
    async: false,
  });
  const sc = pkg.acquireCredentials({
    principal: null,
    use: 1,
    authData: { users: [USER] },
    async: false,
  });
  return {
    c: pkg.createContext(cc as never, "initiate") as PackageContext,
    s: pkg.createContext(sc as never, "accept") as PackageContext,
  };
}

/** The NTLM session security of a context (a private field, read for this test). */
const securityOf = (x: PackageContext) =>
  (x as unknown as { security: NtlmSessionSecurity | null }).security;

Deno.test("NTLM contexts: a handshake derives no keys; the first message does, on each side", () => {
  const { c, s } = contexts(ntlmPackage);
  handshake(c, s);
  assert.equal(securityOf(c)!.derived, false);
  assert.equal(securityOf(s)!.derived, false);
  const msg = new TextEncoder().encode("first sealed message");
  const data = new SecBuffer(1, msg.slice());
  const sig = new SecBuffer(2, new Uint8Array(16));
  assert.equal(
    c.encryptMessage!(0, new SecBufferDesc([data, sig]), 0),
    SEC_E_OK,
  );
  assert.equal(securityOf(c)!.derived, true);
  assert.equal(securityOf(s)!.derived, false);
  const back = s.decryptMessage!(new SecBufferDesc([data, sig]), 0);
  assert.equal(back.status, SEC_E_OK);
  assert.deepEqual(data.pvBuffer, msg);
  assert.equal(securityOf(s)!.derived, true);
  c.dispose();
  s.dispose();
});

Deno.test("Negotiate asks NTLM for its keys at once: the mechListMICs need them", () => {
  // Negotiate creates its inner NTLM contexts through the registered package: see
  // that each is asked, before its handshake ends, to derive at once.
  const asked: string[] = [];
  const create = ntlmPackage.createContext;
  ntlmPackage.createContext = function (cred, role) {
    const x = create.call(this, cred, role) as PackageContext;
    const own = (x as unknown as { deriveKeysAtOnce(): void }).deriveKeysAtOnce;
    Object.defineProperty(x, "deriveKeysAtOnce", {
      value() {
        if (securityOf(x) === null) asked.push(role);
        own.call(x);
      },
    });
    return x;
  };
  try {
    const { c, s } = contexts(negotiatePackage);
    handshake(c, s);
    assert.deepEqual(asked.sort(), ["accept", "initiate"]);
    for (const x of [c, s]) {
      const inner = (x as unknown as { inner: PackageContext }).inner;
      assert.equal(securityOf(inner)!.derived, true);
      x.dispose();
    }
  } finally {
    ntlmPackage.createContext = create;
  }
  // A bare NTLM context asked the same way has its keys when the handshake ends.
  const { c, s } = contexts(ntlmPackage);
  for (const x of [c, s]) {
    (x as unknown as { deriveKeysAtOnce(): void }).deriveKeysAtOnce();
  }
  handshake(c, s);
  assert.equal(securityOf(c)!.derived, true);
  assert.equal(securityOf(s)!.derived, true);
  c.dispose();
  s.dispose();
});
