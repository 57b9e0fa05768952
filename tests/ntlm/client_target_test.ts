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

Deno.test("NTLM: a client that names no target leaves the server SEC_E_TARGET_UNKNOWN", () => {
  const c = client({ authData: USERS[0] });
  const s = server({ authData: { users: USERS } });
  try {
    handshake(c, s);
    assert.equal(clientTargetOf(s.handles.context), SEC_E_TARGET_UNKNOWN);
  } finally {
    c.dispose();
    s.dispose();
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

Deno.test("NTLM: an NTLMv1 logon carries no SPN: SEC_E_TARGET_UNKNOWN", () => {
  const { c, s } = pair(
    "S3cret!pw",
    { allowNtlmV1: true },
    { LmCompatibilityLevel: 2 },
  );
  try {
    handshake(c, s);
    assert.equal(clientTargetOf(s.handles.context), SEC_E_TARGET_UNKNOWN);
  } finally {
    c.dispose();
    s.dispose();
  }
});
