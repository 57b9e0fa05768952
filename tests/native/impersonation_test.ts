/**
 * The native provider's impersonation calls against WinPR: `ImpersonateSecurityContext`
 * and `RevertSecurityContext` reach the library with the context's handle (WinPR's
 * NTLM accepts both and does nothing; our provider answers `SEC_E_INVALID_HANDLE`
 * for anything else), `QuerySecurityContextToken` is not forwarded
 * (`SEC_E_UNSUPPORTED_FUNCTION`), and handles the provider did not make are
 * `SEC_E_INVALID_HANDLE` without a call.
 */
import assert from "node:assert/strict";
import {
  CtxtHandle,
  SEC_E_OK,
  type SecurityContextToken,
  statusName,
} from "../../mod.ts";
import {
  cleanup,
  handshake,
  samFile,
  winprTable,
  winprTest,
} from "./_helpers.ts";

winprTest(
  "WinPR: ImpersonateSecurityContext, RevertSecurityContext, QuerySecurityContextToken",
  async () => {
    await using sam = await samFile();
    const t = winprTable(sam.path);
    const h = handshake(t, t);
    try {
      assert.equal(statusName(h.server), statusName(SEC_E_OK));
      // WinPR's NTLM takes both calls and does nothing (no thread identity to take).
      assert.deepEqual(
        [
          t.ImpersonateSecurityContext(h.serverCtx),
          t.RevertSecurityContext(h.serverCtx),
        ].map(statusName),
        ["SEC_E_OK", "SEC_E_OK"],
      );
      const out: { value?: SecurityContextToken } = {};
      assert.equal(
        statusName(t.QuerySecurityContextToken(h.serverCtx, out)),
        "SEC_E_UNSUPPORTED_FUNCTION",
      );
      assert.equal(out.value, undefined);
    } finally {
      cleanup(t, t, h);
    }
    for (const ctx of [h.serverCtx, new CtxtHandle()]) {
      assert.equal(
        statusName(t.ImpersonateSecurityContext(ctx)),
        "SEC_E_INVALID_HANDLE",
      );
      assert.equal(
        statusName(t.RevertSecurityContext(ctx)),
        "SEC_E_INVALID_HANDLE",
      );
      assert.equal(
        statusName(t.QuerySecurityContextToken(ctx, {})),
        "SEC_E_INVALID_HANDLE",
      );
    }
  },
);
