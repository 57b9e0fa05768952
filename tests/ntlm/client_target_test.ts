// SECPKG_ATTR_CLIENT_SPECIFIED_TARGET: the server learns the SPN the client meant to
// reach (NTLMv2's MsvAvTargetName, covered by NTProofStr), so a service can refuse a
// logon that was made for another one (a relayed logon), as Windows' Extended
// Protection service binding does.
import assert from "node:assert/strict";
import {
  client,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_CONTEXT,
  SEC_E_OK,
  SEC_E_TARGET_UNKNOWN,
  SEC_E_UNSUPPORTED_FUNCTION,
  server,
} from "../../mod.ts";
import { utf16le } from "../../src/util/bytes.ts";
import { rc4 } from "../../src/crypto/mod.ts";
import { avRewrite } from "../../src/packages/ntlm/av_pairs.ts";
import { MsvAvTargetName } from "../../src/packages/ntlm/constants.ts";
import {
  computeMic,
  ntlmv2Values,
  NTOWFv1,
} from "../../src/packages/ntlm/crypto.ts";
import {
  decodeAuthenticate,
  encodeAuthenticate,
} from "../../src/packages/ntlm/messages.ts";
import { ntlmTestHooks } from "../../src/packages/ntlm/_test_hooks.ts";
import {
  clientTargetOf,
  exported,
  handshake,
  imported,
  pair,
  statusOf,
  USERS,
} from "./_helpers.ts";

/** Where `needle` starts in `hay`, or -1. */
function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

Deno.test("NTLM: the server reads the SPN the client named; the client side has none to give", () => {
  const { c, s } = pair();
  try {
    const chal = s.step(c.step(null)!)!;
    assert.equal(clientTargetOf(s.handles.context), SEC_E_NO_CONTEXT);
    assert.equal(s.step(c.step(chal)!), null);
    assert.equal(clientTargetOf(s.handles.context), "HTTP/web.example.com");
    assert.equal(clientTargetOf(c.handles.context), SEC_E_UNSUPPORTED_FUNCTION);
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("NTLM: a client that names no target, or logs on with NTLMv1, leaves the server SEC_E_TARGET_UNKNOWN", () => {
  const pairs = [
    () => ({
      c: client({ authData: USERS[0] }),
      s: server({ authData: { users: USERS } }),
    }),
    // NTLMv1 has no AV pairs to carry a name, target or not.
    () => pair("S3cret!pw", { allowNtlmV1: true }, { LmCompatibilityLevel: 2 }),
  ];
  for (const make of pairs) {
    const { c, s } = make();
    try {
      handshake(c, s);
      assert.equal(clientTargetOf(s.handles.context), SEC_E_TARGET_UNKNOWN);
    } finally {
      c.dispose();
      s.dispose();
    }
  }
});

Deno.test("NTLM: the SPN is authenticated: changing it in AUTHENTICATE is SEC_E_LOGON_DENIED", () => {
  const { c, s } = pair();
  try {
    const status = statusOf(() =>
      handshake(c, s, (auth) => {
        const at = indexOf(auth, utf16le("HTTP/web.example.com"));
        assert.ok(at > 0, "the SPN is in the NTLMv2 response");
        auth.set(utf16le("LDAP"), at); // same length: only the name differs
      })
    );
    assert.equal(status, SEC_E_LOGON_DENIED);
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("NTLM: the client's SPN survives export and import of the server context", () => {
  const { c, s } = pair();
  try {
    handshake(c, s);
    const [st, bytes] = exported(s.handles.context);
    assert.equal(st, SEC_E_OK);
    const [ist, moved] = imported("NTLM", bytes!);
    assert.equal(ist, SEC_E_OK);
    assert.equal(clientTargetOf(moved), "HTTP/web.example.com");
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("NTLM: an empty MsvAvTargetName names no SPN: SEC_E_TARGET_UNKNOWN", () => {
  // Re-sign a genuine AUTHENTICATE whose target name pair is made empty.
  const sc = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  ntlmTestHooks.serverChallenge = () => sc.slice();
  const { c, s } = pair();
  try {
    const negotiate = c.step(null)!;
    const challenge = s.step(negotiate)!;
    const m = decodeAuthenticate(c.step(challenge)!);
    const temp = m.ntResponse.subarray(16);
    const rewritten = avRewrite(
      temp.subarray(28, temp.length - 4),
      [MsvAvTargetName],
      [{ id: MsvAvTargetName, value: "" }],
      28,
      4,
    );
    rewritten.set(temp.subarray(0, 28));
    const v = ntlmv2Values(
      NTOWFv1(USERS[0].Password),
      m.user,
      m.domain,
      sc,
      new Uint8Array(8),
      rewritten,
    );
    const nt = new Uint8Array(16 + rewritten.length);
    nt.set(v.ntProofStr);
    nt.set(rewritten, 16);
    const auth = encodeAuthenticate({
      ...m,
      ntResponse: nt,
      mic: new Uint8Array(16),
    });
    const exported = rc4(v.sessionBaseKey, m.encryptedRandomSessionKey);
    auth.set(computeMic(exported, negotiate, challenge, auth), 72);
    assert.equal(s.step(auth), null);
    assert.equal(s.clientName, "EXAMPLE\\alice");
    assert.equal(clientTargetOf(s.handles.context), SEC_E_TARGET_UNKNOWN);
  } finally {
    delete ntlmTestHooks.serverChallenge;
    c.dispose();
    s.dispose();
  }
});
