// Structure-aware property test: the NTLMv2 blob (AV pairs, flags, channel bindings,
// MIC) and the AUTHENTICATE fields are mutated and then re-signed with the user's
// key, so the server gets past the NTProofStr check and its later parsing (AV pairs
// inside the blob, MIC, key exchange) is exercised. Every result must be a status
// code, never an exception or SEC_E_INTERNAL_ERROR.
import assert from "node:assert/strict";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import { rc4 } from "../../src/crypto/mod.ts";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  client,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  SEC_E_INTERNAL_ERROR,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_INBOUND,
} from "../../mod.ts";
import {
  computeMic,
  ntlmv2Values,
  NTOWFv1,
} from "../../src/packages/ntlm/crypto.ts";
import {
  type AuthenticateMessage,
  decodeAuthenticate,
  encodeAuthenticate,
} from "../../src/packages/ntlm/messages.ts";
import { ntlmTestHooks } from "../../src/packages/ntlm/_test_hooks.ts";

const ITERATIONS = fuzzIterations("FUZZ_BLOB_ITERATIONS", 20_000);
const SEED = FUZZ_SEED;
const SC = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const PASSWORD = "S3cret!pw";

/** Mutates the AV pair region of an NTLMv2 blob ("temp"). */
function mutateTemp(temp: Uint8Array, r: (n: number) => number): Uint8Array {
  let t = temp.slice();
  const av = 28; // AV pairs start here
  switch (r(7)) {
    case 0: // bit flips among the AV pairs
      for (let i = 0, n = 1 + r(6); i < n; i++) {
        t[av + r(Math.max(1, t.length - av))] ^= 1 << r(8);
      }
      break;
    case 1: // truncate inside the AV pairs
      t = t.slice(0, av + r(Math.max(1, t.length - av)));
      break;
    case 2: { // a pair with a huge or odd length
      const o = av + r(Math.max(1, t.length - av - 4));
      t[o + 2] = r(256);
      t[o + 3] = r(2) ? 0xff : r(256);
      break;
    }
    case 3: { // toggle MsvAvFlags bits / replace the flags value
      for (
        let o = av;
        o + 8 <= t.length;
        o += 4 + (t[o + 2] | (t[o + 3] << 8))
      ) {
        if ((t[o] | (t[o + 1] << 8)) === 6) {
          t[o + 4 + r(4)] ^= 1 << r(8);
          break;
        }
        if ((t[o] | (t[o + 1] << 8)) === 0) break;
      }
      break;
    }
    case 4: { // random extra pairs appended before the end
      const extra = new Uint8Array(4 + r(64));
      for (let i = 0; i < extra.length; i++) extra[i] = r(256);
      const out = new Uint8Array(t.length + extra.length);
      out.set(t.subarray(0, av));
      out.set(extra, av);
      out.set(t.subarray(av), av + extra.length);
      t = out;
      break;
    }
    case 5: // no EOL at all
      t = t.slice(0, Math.max(av, t.length - 8));
      break;
    default: { // channel bindings / target name bytes changed
      for (
        let o = av;
        o + 4 <= t.length;
        o += 4 + (t[o + 2] | (t[o + 3] << 8))
      ) {
        const id = t[o] | (t[o + 1] << 8);
        if (id === 10 || id === 9) {
          if (o + 4 < t.length) t[o + 4] ^= 0x55;
          break;
        }
        if (id === 0) break;
      }
    }
  }
  return t;
}

Deno.test(`NTLM structure-aware fuzz: ${ITERATIONS} re-signed AUTHENTICATE messages (seed ${SEED})`, () => {
  const r = rng(SEED);
  ntlmTestHooks.serverChallenge = () => SC.slice();
  const sc = new CredHandle();
  AcquireCredentialsHandle(
    null,
    "NTLM",
    SECPKG_CRED_INBOUND,
    null,
    {
      users: [{ User: "alice", Password: PASSWORD }],
      requireChannelBindings: SEED % 2 === 0,
    },
    null,
    null,
    sc,
    null,
  );
  const ntHash = NTOWFv1(PASSWORD);
  const desc = (t: Uint8Array) =>
    new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, t)]);
  const out = () => new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  try {
    // One genuine exchange to start from.
    const c = client({
      authData: { User: "alice", Domain: "EXAMPLE", Password: PASSWORD },
      target: "HTTP/x",
    });
    const negotiate = c.step(null)!;
    const sx0 = new CtxtHandle();
    const o0 = out();
    AcceptSecurityContext(sc, null, desc(negotiate), 0x100, 16, sx0, o0, {
      value: 0,
    }, null);
    DeleteSecurityContext(sx0);
    const base = decodeAuthenticate(c.step(o0.pBuffers[0].pvBuffer!)!);
    c.dispose();
    const seen = new Map<number, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const sx = new CtxtHandle();
      const o = out();
      AcceptSecurityContext(sc, null, desc(negotiate), 0x100, 16, sx, o, {
        value: 0,
      }, null);
      const challenge = o.pBuffers[0].pvBuffer!;
      const temp = mutateTemp(base.ntResponse.subarray(16), r);
      const m: AuthenticateMessage = { ...base };
      if (r(8) === 0) m.domain = r(2) ? "" : "X".repeat(r(300));
      if (r(16) === 0) m.encryptedRandomSessionKey = new Uint8Array(r(40));
      if (r(16) === 0) m.workstation = "W".repeat(r(600));
      let v;
      try {
        v = ntlmv2Values(ntHash, m.user, m.domain, SC, new Uint8Array(8), temp);
      } catch {
        // The mutation made the blob too large to sign: send it unsigned.
        v = null;
      }
      const nt = new Uint8Array(16 + temp.length);
      if (v) nt.set(v.ntProofStr);
      nt.set(temp, 16);
      m.ntResponse = nt;
      m.mic = new Uint8Array(16);
      let auth: Uint8Array;
      try {
        auth = encodeAuthenticate(m);
      } catch {
        DeleteSecurityContext(sx);
        continue; // not encodable (a field over 64 KiB): nothing to send
      }
      if (v && m.encryptedRandomSessionKey.length === 16 && r(4) !== 0) {
        // Correct MIC most of the time, so the checks after it run too.
        const exported = rc4(v.sessionBaseKey, m.encryptedRandomSessionKey);
        auth.set(computeMic(exported, negotiate, challenge, auth), 72);
      }
      const st = AcceptSecurityContext(
        sc,
        sx,
        desc(auth),
        0x100,
        16,
        sx,
        out(),
        { value: 0 },
        null,
      );
      DeleteSecurityContext(sx);
      assert.equal(typeof st, "number");
      assert.notEqual(
        st,
        SEC_E_INTERNAL_ERROR,
        `internal error at ${i} (seed ${SEED})`,
      );
      seen.set(st, (seen.get(st) ?? 0) + 1);
    }
    // Mutations both passed (re-signed, intact structure) and failed later checks.
    assert.ok((seen.get(SEC_E_OK) ?? 0) > 0, `statuses ${[...seen.entries()]}`);
    assert.ok(seen.size >= 3, `statuses ${[...seen.entries()]}`);
  } finally {
    delete ntlmTestHooks.serverChallenge;
  }
});
