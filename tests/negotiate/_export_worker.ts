// The worker side of export_worker_test.ts: imports a Negotiate context exported by
// another isolate, opens the message the client sealed, and seals a reply.
import { DeleteSecurityContext, SEC_E_OK } from "../../mod.ts";
import { imported, seal, unseal } from "../ntlm/_helpers.ts";

/** The worker's global scope (type-checked with the window lib like the rest). */
const scope = self as unknown as {
  onmessage: (
    e: MessageEvent<{ packed: Uint8Array; sealed: Uint8Array }>,
  ) => void;
  postMessage(message: unknown): void;
};

scope.onmessage = (e) => {
  const [st, h] = imported("Negotiate", e.data.packed);
  if (st !== SEC_E_OK) {
    scope.postMessage({ error: `ImportSecurityContext: 0x${st.toString(16)}` });
    return;
  }
  const [ust, text] = unseal(h, e.data.sealed);
  const reply = seal(h, `worker got: ${text}`);
  DeleteSecurityContext(h);
  scope.postMessage({ status: ust, reply });
};
