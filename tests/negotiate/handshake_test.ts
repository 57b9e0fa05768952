// Negotiate(NTLM) loopback through the friendly layer and the Win32-shaped functions.
import assert from "node:assert/strict";
import type {
  SecPkgContext_NegotiationInfo,
  SecPkgContext_PackageInfo,
} from "../../src/sspi/attributes.ts";
import {
  type AttributeOut,
  QueryContextAttributes,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_PACKAGE_INFO,
  SECPKG_NEGOTIATION_COMPLETE,
  SspiError,
} from "../../mod.ts";
import { decodeNegotiationToken } from "../../src/packages/negotiate/mod.ts";
import { pair, run, USER } from "./_helpers.ts";
import { clientTargetOf } from "../ntlm/_helpers.ts";
import { client, type SecurityContext, server } from "../../mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("Negotiate(NTLM) loopback: handshake, wrap, sign, attributes", () => {
  const { c, s } = pair();
  try {
    const tokens = run(c, s);
    assert.equal(tokens.length, 4);
    assert.ok(c.complete && s.complete);
    const init = decodeNegotiationToken(tokens[0]);
    assert.equal(init.type, "init");
    const last = decodeNegotiationToken(tokens[3]);
    assert.ok(last.type === "resp" && last.negState === 0 && last.mechListMIC);
    assert.equal(s.clientName, "EXAMPLE\\alice");
    assert.equal(clientTargetOf(s.handles.context), "HTTP/web.example.com");
    assert.deepEqual(c.sessionKey, s.sessionKey);
    for (let i = 0; i < 3; i++) {
      assert.equal(dec.decode(s.unwrap(c.wrap(enc.encode(`c${i}`)))), `c${i}`);
      assert.equal(dec.decode(c.unwrap(s.wrap(enc.encode(`s${i}`)))), `s${i}`);
    }
    s.verify(enc.encode("m"), c.sign(enc.encode("m")));
    c.verify(enc.encode("n"), s.sign(enc.encode("n")));
    const info: AttributeOut<SecPkgContext_NegotiationInfo> = {};
    assert.equal(
      QueryContextAttributes(
        c.handles.context,
        SECPKG_ATTR_NEGOTIATION_INFO,
        info,
      ),
      SEC_E_OK,
    );
    assert.equal(info.value!.PackageInfo.Name, "NTLM");
    assert.equal(info.value!.NegotiationState, SECPKG_NEGOTIATION_COMPLETE);
  } finally {
    c.dispose();
    s.dispose();
  }
});

/** SECPKG_ATTR_PACKAGE_INFO of a context through the Win32-shaped call. */
function packageInfoOf(ctx: SecurityContext) {
  const pi: AttributeOut<SecPkgContext_PackageInfo> = {};
  assert.equal(
    QueryContextAttributes(ctx.handles.context, SECPKG_ATTR_PACKAGE_INFO, pi),
    SEC_E_OK,
  );
  return pi.value!.PackageInfo;
}

Deno.test("Negotiate(NTLM): SECPKG_ATTR_PACKAGE_INFO names Negotiate while negotiating, NTLM once each side is established", () => {
  const { c, s } = pair();
  try {
    const t1 = c.step(null)!;
    const t2 = s.step(t1)!;
    for (const ctx of [c, s]) {
      const info = packageInfoOf(ctx);
      assert.equal(info.Name, "Negotiate");
      assert.equal(info.wRPCID, 9);
      assert.equal(info.cbMaxToken, 48256);
      assert.equal(info.fCapabilities, 0x00083bb3);
    }
    const t4 = s.step(c.step(t2)!)!;
    assert.ok(s.complete && !c.complete);
    assert.equal(packageInfoOf(s).Name, "NTLM");
    assert.equal(packageInfoOf(c).Name, "Negotiate");
    assert.equal(c.step(t4), null);
    for (const ctx of [c, s]) {
      const info = packageInfoOf(ctx);
      assert.equal(info.Name, "NTLM");
      assert.equal(info.wRPCID, 10);
      assert.equal(info.Comment, "NTLM Security Package");
    }
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("Negotiate(NTLM) loopback: wrong password is SEC_E_LOGON_DENIED", () => {
  const { c, s } = pair({ password: "wrong" });
  try {
    assert.throws(
      () => run(c, s),
      (e) => e instanceof SspiError && e.status === SEC_E_LOGON_DENIED,
    );
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("Negotiate(NTLM): the mechListMIC does not depend on the flags the server asks for", () => {
  // IIS-style servers call AcceptSecurityContext with ASC_REQ_CONNECTION only; the
  // client still requires the mechListMIC because NTLM's AUTHENTICATE carried a MIC.
  for (const flags of [0x800, 0]) {
    const c = client({
      package: "Negotiate",
      authData: USER,
      target: "HTTP/web.example.com",
    });
    const s = server({
      package: "Negotiate",
      authData: { users: [USER] },
      flags,
    });
    run(c, s);
    assert.ok(c.complete && s.complete, `flags ${flags}`);
    assert.equal(s.clientName, "EXAMPLE\\alice");
    c.dispose();
    s.dispose();
  }
});
