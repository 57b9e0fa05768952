// An NTLM acceptor credential over a user file (`userFile`, or NTLM_USER_FILE) in a
// long-running server: users added and passwords changed in the file count for the
// credential acquired before, as gss-ntlmssp reads its file at each logon, and the
// file is looked at no more than once a second.
import assert from "node:assert/strict";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  client,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_INBOUND,
  statusName,
} from "../../mod.ts";
import {
  USER_FILE_RECHECK_MS,
  WatchedUserFile,
} from "../../src/packages/ntlm/credentials.ts";

const st = (s: number) => statusName(s);

/** One AcceptSecurityContext step: status and output token. */
function asc(
  cred: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  token: Uint8Array,
): { status: number; token: Uint8Array | null } {
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  const status = AcceptSecurityContext(
    cred,
    first ? null : ctx,
    new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, token)]),
    0x100, // ASC_REQ_ALLOCATE_MEMORY
    16,
    ctx,
    out,
    { value: 0 },
    null,
  );
  const b = out.pBuffers[0];
  return { status, token: b.pvBuffer?.subarray(0, b.cbBuffer) ?? null };
}

/** A logon of `user` with `password` (our client) to the credential: its status. */
function logon(cred: CredHandle, user: string, password: string): number {
  const c = client({
    authData: { User: user, Domain: "EXAMPLE", Password: password },
    target: "HTTP/web.example.com",
  });
  const ctx = new CtxtHandle();
  try {
    const challenge = asc(cred, ctx, true, c.step(null)!);
    assert.equal(st(challenge.status), st(SEC_I_CONTINUE_NEEDED));
    return asc(cred, ctx, false, c.step(challenge.token!)!).status;
  } finally {
    DeleteSecurityContext(ctx);
    c.dispose();
  }
}

Deno.test("NTLM acceptor over a user file: users added and passwords changed there count for the credential acquired before", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ntlm_users_" });
  const file = `${dir}/users`;
  try {
    await Deno.writeTextFile(file, "EXAMPLE:alice:S3cret!pw\n");
    const cred = new CredHandle();
    assert.equal(
      st(
        AcquireCredentialsHandle(
          null,
          "NTLM",
          SECPKG_CRED_INBOUND,
          null,
          { userFile: file },
          null,
          null,
          cred,
          null,
        ),
      ),
      st(SEC_E_OK),
    );
    try {
      assert.equal(st(logon(cred, "alice", "S3cret!pw")), st(SEC_E_OK));
      assert.equal(st(logon(cred, "bob", "B0b!pw")), st(SEC_E_LOGON_DENIED));

      // bob added, alice's password changed.
      await Deno.writeTextFile(
        file,
        "EXAMPLE:alice:N3w!pass\nEXAMPLE:bob:B0b!pw\n",
      );
      await new Promise((r) => setTimeout(r, USER_FILE_RECHECK_MS));
      assert.equal(st(logon(cred, "bob", "B0b!pw")), st(SEC_E_OK), "bob");
      assert.equal(
        st(logon(cred, "alice", "S3cret!pw")),
        st(SEC_E_LOGON_DENIED),
        "alice's old password",
      );
      assert.equal(st(logon(cred, "alice", "N3w!pass")), st(SEC_E_OK));
    } finally {
      FreeCredentialsHandle(cred);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("NTLM user file: read again only when it changed, at most once a second; a file gone keeps the users", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ntlm_users_" });
  const file = `${dir}/users`;
  try {
    await Deno.writeTextFile(file, "EXAMPLE:alice:pw1\n");
    const f = new WatchedUserFile(file);
    const t0 = 5_000_000;
    assert.equal(f.refresh(t0), false, "unchanged");
    await Deno.writeTextFile(file, "EXAMPLE:alice:pw1\nEXAMPLE:bob:pw2\n");
    assert.equal(f.refresh(t0 + USER_FILE_RECHECK_MS / 2), false, "too soon");
    assert.equal(f.users.length, 1);
    assert.equal(f.refresh(t0 + USER_FILE_RECHECK_MS), true, "changed");
    assert.deepEqual(f.users.map((u) => u.User), ["alice", "bob"]);
    await Deno.remove(file);
    assert.equal(f.refresh(t0 + 3 * USER_FILE_RECHECK_MS), false, "gone");
    assert.equal(f.users.length, 2, "the users read before stay");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
