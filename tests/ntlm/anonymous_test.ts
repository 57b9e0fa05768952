// NTLM anonymous logons between our own client and server.
import assert from "node:assert/strict";
import {
  client,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_INTEGRITY,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  server,
  SspiError,
} from "../../mod.ts";
import {
  decodeAuthenticate,
  encodeAuthenticate,
} from "../../src/packages/ntlm/messages.ts";
import { handshake, statusOf, USERS } from "./_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("NTLM: anonymous only when allowed", () => {
  const c = client({ authData: { User: "", Password: "" } });
  const s = server({ authData: { users: USERS } });
  assert.equal(statusOf(() => handshake(c, s)), SEC_E_LOGON_DENIED);
  const c2 = client({ authData: { User: "", Password: "" } });
  const s2 = server({ authData: { users: USERS, allowAnonymous: true } });
  handshake(c2, s2);
  assert.ok(s2.complete);
});

Deno.test("NTLM: an anonymous logon seals with the key it exchanged under Z(16), and without key exchange does not sign at all", () => {
  const c = client({ authData: { User: "", Password: "" } });
  const s = server({ authData: { users: USERS, allowAnonymous: true } });
  const neg = c.step(null)!;
  const chal = s.step(neg)!;
  const auth = c.step(chal)!;
  const a = decodeAuthenticate(auth);
  assert.equal(a.user, "");
  assert.equal(a.ntResponse.length, 0);
  assert.equal(a.encryptedRandomSessionKey.length, 16);
  assert.equal(s.step(auth), null);
  assert.equal(s.clientName, "");
  assert.ok(c.contextAttributes & ISC_RET_CONFIDENTIALITY);
  assert.deepEqual(c.sessionKey, s.sessionKey);
  assert.notDeepEqual(c.sessionKey, new Uint8Array(16));
  assert.equal(dec.decode(s.unwrap(c.wrap(enc.encode("anon")))), "anon");
  assert.equal(dec.decode(c.unwrap(s.wrap(enc.encode("back")))), "back");
  c.dispose();
  s.dispose();

  // A CHALLENGE without KEY_EXCH: no session key, so no integrity either side.
  const c2 = client({ authData: { User: "", Password: "" } });
  const s2 = server({ authData: { users: USERS, allowAnonymous: true } });
  const chal2 = s2.step(c2.step(null)!)!;
  const flags = new DataView(chal2.buffer, chal2.byteOffset).getUint32(
    20,
    true,
  );
  new DataView(chal2.buffer, chal2.byteOffset).setUint32(
    20,
    flags & ~0x40000000,
    true,
  );
  const auth2 = c2.step(chal2)!;
  assert.equal(decodeAuthenticate(auth2).encryptedRandomSessionKey.length, 0);
  // The server's CHALLENGE was altered on the way: with no MIC in an anonymous
  // logon, the server still takes it, and grants no integrity either.
  assert.equal(s2.step(auth2), null);
  assert.equal(
    c2.contextAttributes & (ISC_RET_INTEGRITY | ISC_RET_CONFIDENTIALITY),
    0,
  );
  assert.equal(
    s2.contextAttributes & (ISC_RET_INTEGRITY | ISC_RET_CONFIDENTIALITY),
    0,
  );
  assert.throws(() => c2.wrap(enc.encode("x")), SspiError);
  c2.dispose();
  s2.dispose();

  // An encrypted key of another length is a malformed message.
  const c3 = client({ authData: { User: "", Password: "" } });
  const s3 = server({ authData: { users: USERS, allowAnonymous: true } });
  const a3 = decodeAuthenticate(c3.step(s3.step(c3.step(null)!)!)!);
  const bad = encodeAuthenticate({
    ...a3,
    encryptedRandomSessionKey: a3.encryptedRandomSessionKey.subarray(0, 15),
  });
  assert.equal(statusOf(() => s3.step(bad)), SEC_E_INVALID_TOKEN);
  c3.dispose();
  s3.dispose();
});
