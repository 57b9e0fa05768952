// ExportSecurityContext / ImportSecurityContext for NTLM: an established context moves
// to a new handle and keeps its keys and sequence numbers.
import assert from "node:assert/strict";
import {
  type AttributeOut,
  client,
  DeleteSecurityContext,
  QueryContextAttributes,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_NO_CONTEXT,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SECPKG_ATTR_NAMES,
  SECPKG_CONTEXT_EXPORT_DELETE_OLD,
  SECPKG_CONTEXT_EXPORT_TO_KERNEL,
  server,
} from "../../mod.ts";
import { exported, imported, seal, sessionKeyOf, unseal } from "./_helpers.ts";

const USERS = [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }];

Deno.test("NTLM: a context still in its handshake cannot be exported", () => {
  const c = client({ authData: USERS[0] });
  const s = server({ authData: { users: USERS } });
  s.step(c.step(null)!); // the server has sent its CHALLENGE
  const [st, early] = exported(s.handles.context);
  assert.equal(st, SEC_E_NO_CONTEXT);
  assert.equal(early, undefined);
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
  const [est, bytes] = exported(s.handles.context);
  assert.equal(est, SEC_E_OK);
  assert.ok(bytes!.length > 1000);
  const [ist, moved] = imported("NTLM", bytes!);
  assert.equal(ist, SEC_E_OK);
  DeleteSecurityContext(s.handles.context); // the original is gone
  assert.deepEqual(unseal(moved, seal(cctx, "after")), [SEC_E_OK, "after"]);
  assert.deepEqual(unseal(cctx, seal(moved, "reply")), [SEC_E_OK, "reply"]);
  const names: AttributeOut<{ sUserName: string }> = {};
  assert.equal(
    QueryContextAttributes(moved, SECPKG_ATTR_NAMES, names),
    SEC_E_OK,
  );
  assert.equal(names.value!.sUserName, "EXAMPLE\\alice");
  assert.deepEqual(sessionKeyOf(moved), sessionKeyOf(cctx));
  assert.equal(DeleteSecurityContext(moved), SEC_E_OK);
  // Garbage does not import.
  assert.equal(imported("NTLM", bytes!.slice(0, 40))[0], SEC_E_INVALID_TOKEN);
  const tampered = bytes!.slice();
  tampered[tampered.length - 1] ^= 0; // same bytes: still imports
  const [tst, h] = imported("NTLM", tampered);
  assert.equal(tst, SEC_E_OK);
  DeleteSecurityContext(h);
  c.dispose();
});

Deno.test("NTLM: a context exported before its first message (keys not yet derived) moves and seals", () => {
  const c = client({ authData: USERS[0] });
  const s = server({ authData: { users: USERS } });
  s.step(c.step(s.step(c.step(null)!)!)!);
  const [est, bytes] = exported(c.handles.context);
  assert.equal(est, SEC_E_OK);
  const [ist, moved] = imported("NTLM", bytes!);
  assert.equal(ist, SEC_E_OK);
  assert.deepEqual(unseal(s.handles.context, seal(moved, "first")), [
    SEC_E_OK,
    "first",
  ]);
  assert.deepEqual(unseal(moved, seal(s.handles.context, "back")), [
    SEC_E_OK,
    "back",
  ]);
  assert.deepEqual(sessionKeyOf(moved), sessionKeyOf(c.handles.context));
  assert.equal(DeleteSecurityContext(moved), SEC_E_OK);
  c.dispose();
  s.dispose();
});

Deno.test("ExportSecurityContext: SECPKG_CONTEXT_EXPORT_DELETE_OLD deletes the exported context; TO_KERNEL is unsupported", () => {
  const c = client({ authData: USERS[0] });
  const s = server({ authData: { users: USERS } });
  s.step(c.step(s.step(c.step(null)!)!)!);
  const [kst, kernel] = exported(
    s.handles.context,
    SECPKG_CONTEXT_EXPORT_TO_KERNEL,
  );
  assert.equal(kst, SEC_E_UNSUPPORTED_FUNCTION);
  assert.equal(kernel, undefined);
  const [est, bytes] = exported(
    s.handles.context,
    SECPKG_CONTEXT_EXPORT_DELETE_OLD,
  );
  assert.equal(est, SEC_E_OK);
  // The old handle is gone; the moved context carries on.
  assert.equal(
    QueryContextAttributes(s.handles.context, SECPKG_ATTR_NAMES, {}),
    SEC_E_INVALID_HANDLE,
  );
  const [ist, moved] = imported("NTLM", bytes!);
  assert.equal(ist, SEC_E_OK);
  assert.deepEqual(unseal(moved, seal(c.handles.context, "after")), [
    SEC_E_OK,
    "after",
  ]);
  assert.equal(DeleteSecurityContext(moved), SEC_E_OK);
  c.dispose();
  s.dispose();
});
