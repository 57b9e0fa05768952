// ExportSecurityContext / ImportSecurityContext for NTLM: an established context moves
// to a new handle and keeps its keys and sequence numbers.
import assert from "node:assert/strict";
import {
  type AttributeOut,
  client,
  CtxtHandle,
  DeleteSecurityContext,
  ExportSecurityContext,
  ImportSecurityContext,
  QueryContextAttributes,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_NO_CONTEXT,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SecBuffer,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_CONTEXT_EXPORT_DELETE_OLD,
  SECPKG_CONTEXT_EXPORT_TO_KERNEL,
  server,
} from "../../mod.ts";
import { seal, unseal } from "./_helpers.ts";

const USERS = [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }];

Deno.test("NTLM: a context still in its handshake cannot be exported", () => {
  const c = client({ authData: USERS[0] });
  const s = server({ authData: { users: USERS } });
  s.step(c.step(null)!); // the server has sent its CHALLENGE
  const early: AttributeOut<SecBuffer> = {};
  assert.equal(
    ExportSecurityContext(s.handles.context, 0, early, null),
    SEC_E_NO_CONTEXT,
  );
  assert.equal(early.value, undefined);
  c.dispose();
  s.dispose();
});

Deno.test("NTLM: export, import, then messages continue in sequence both ways", () => {
  const c = client({ authData: USERS[0] });
  const s = server({ authData: { users: USERS } });
  s.step(c.step(s.step(c.step(null)!)!)!);
  const cctx = c.handles.context;
  // One message before the move, so the sequence numbers are not at zero.
  assert.deepEqual(unseal(s.handles.context, seal(cctx, "before")), [
    SEC_E_OK,
    "before",
  ]);
  const packed: AttributeOut<SecBuffer> = {};
  assert.equal(
    ExportSecurityContext(s.handles.context, 0, packed, null),
    SEC_E_OK,
  );
  const bytes = packed.value!.pvBuffer!;
  assert.ok(bytes.length > 1000);
  const moved = new CtxtHandle();
  assert.equal(
    ImportSecurityContext("NTLM", packed.value!, null, moved),
    SEC_E_OK,
  );
  DeleteSecurityContext(s.handles.context); // the original is gone
  assert.deepEqual(unseal(moved, seal(cctx, "after")), [SEC_E_OK, "after"]);
  assert.deepEqual(unseal(cctx, seal(moved, "reply")), [SEC_E_OK, "reply"]);
  const names: AttributeOut<{ sUserName: string }> = {};
  assert.equal(
    QueryContextAttributes(moved, SECPKG_ATTR_NAMES, names),
    SEC_E_OK,
  );
  assert.equal(names.value!.sUserName, "EXAMPLE\\alice");
  const k1: AttributeOut<{ SessionKey: Uint8Array }> = {};
  const k2: AttributeOut<{ SessionKey: Uint8Array }> = {};
  QueryContextAttributes(moved, SECPKG_ATTR_SESSION_KEY, k1);
  QueryContextAttributes(cctx, SECPKG_ATTR_SESSION_KEY, k2);
  assert.deepEqual(k1.value!.SessionKey, k2.value!.SessionKey);
  assert.equal(DeleteSecurityContext(moved), SEC_E_OK);
  // Garbage does not import.
  const h = new CtxtHandle();
  const junk = new SecBuffer(SECBUFFER_TOKEN, bytes.slice(0, 40));
  assert.equal(
    ImportSecurityContext("NTLM", junk, null, h),
    SEC_E_INVALID_TOKEN,
  );
  const tampered = bytes.slice();
  tampered[tampered.length - 1] ^= 0; // same bytes: still imports
  assert.equal(
    ImportSecurityContext(
      "NTLM",
      new SecBuffer(SECBUFFER_TOKEN, tampered),
      null,
      h,
    ),
    SEC_E_OK,
  );
  DeleteSecurityContext(h);
  c.dispose();
});

Deno.test("NTLM: a context exported before its first message (keys not yet derived) moves and seals", () => {
  const c = client({ authData: USERS[0] });
  const s = server({ authData: { users: USERS } });
  s.step(c.step(s.step(c.step(null)!)!)!);
  const packed: AttributeOut<SecBuffer> = {};
  assert.equal(
    ExportSecurityContext(c.handles.context, 0, packed, null),
    SEC_E_OK,
  );
  const moved = new CtxtHandle();
  assert.equal(
    ImportSecurityContext("NTLM", packed.value!, null, moved),
    SEC_E_OK,
  );
  assert.deepEqual(unseal(s.handles.context, seal(moved, "first")), [
    SEC_E_OK,
    "first",
  ]);
  assert.deepEqual(unseal(moved, seal(s.handles.context, "back")), [
    SEC_E_OK,
    "back",
  ]);
  const orig: AttributeOut<{ SessionKey: Uint8Array }> = {};
  const copy: AttributeOut<{ SessionKey: Uint8Array }> = {};
  QueryContextAttributes(c.handles.context, SECPKG_ATTR_SESSION_KEY, orig);
  QueryContextAttributes(moved, SECPKG_ATTR_SESSION_KEY, copy);
  assert.deepEqual(copy.value!.SessionKey, orig.value!.SessionKey);
  assert.equal(DeleteSecurityContext(moved), SEC_E_OK);
  c.dispose();
  s.dispose();
});

Deno.test("ExportSecurityContext: SECPKG_CONTEXT_EXPORT_DELETE_OLD deletes the exported context; TO_KERNEL is unsupported", () => {
  const c = client({ authData: USERS[0] });
  const s = server({ authData: { users: USERS } });
  s.step(c.step(s.step(c.step(null)!)!)!);
  const kernel: AttributeOut<SecBuffer> = {};
  assert.equal(
    ExportSecurityContext(
      s.handles.context,
      SECPKG_CONTEXT_EXPORT_TO_KERNEL,
      kernel,
      null,
    ),
    SEC_E_UNSUPPORTED_FUNCTION,
  );
  assert.equal(kernel.value, undefined);
  const packed: AttributeOut<SecBuffer> = {};
  assert.equal(
    ExportSecurityContext(
      s.handles.context,
      SECPKG_CONTEXT_EXPORT_DELETE_OLD,
      packed,
      null,
    ),
    SEC_E_OK,
  );
  // The old handle is gone; the moved context carries on.
  assert.equal(
    QueryContextAttributes(s.handles.context, SECPKG_ATTR_NAMES, {}),
    SEC_E_INVALID_HANDLE,
  );
  const moved = new CtxtHandle();
  assert.equal(
    ImportSecurityContext("NTLM", packed.value!, null, moved),
    SEC_E_OK,
  );
  assert.deepEqual(unseal(moved, seal(c.handles.context, "after")), [
    SEC_E_OK,
    "after",
  ]);
  assert.equal(DeleteSecurityContext(moved), SEC_E_OK);
  c.dispose();
  s.dispose();
});
