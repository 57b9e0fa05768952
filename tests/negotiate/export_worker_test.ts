// ExportSecurityContext in one isolate, ImportSecurityContext("Negotiate") in a Web
// Worker: the moved server context opens the client's sealed message and answers.
import assert from "node:assert/strict";
import { SEC_E_OK, SECPKG_CONTEXT_EXPORT_DELETE_OLD } from "../../mod.ts";
import { exported, seal, unseal } from "../ntlm/_helpers.ts";
import { pair, run } from "./_helpers.ts";

Deno.test("Negotiate(NTLM): a server context exported here and imported in a worker carries on with the client", async () => {
  const { c, s } = pair();
  const worker = new Worker(
    new URL("./_export_worker.ts", import.meta.url),
    { type: "module" },
  );
  try {
    run(c, s);
    const [st, packed] = exported(
      s.handles.context,
      SECPKG_CONTEXT_EXPORT_DELETE_OLD,
    );
    assert.equal(st, SEC_E_OK);
    const answer = new Promise<
      { status?: number; reply?: Uint8Array; error?: string }
    >((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
    });
    worker.postMessage({
      packed,
      sealed: seal(c.handles.context, "hello from the client"),
    });
    const got = await answer;
    assert.equal(got.error, undefined, got.error);
    assert.equal(got.status, SEC_E_OK);
    assert.deepEqual(unseal(c.handles.context, got.reply!), [
      SEC_E_OK,
      "worker got: hello from the client",
    ]);
  } finally {
    worker.terminate();
    c.dispose();
    s.dispose();
  }
});
