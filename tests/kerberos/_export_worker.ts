// The worker side of export_test.ts: imports a Kerberos (or Negotiate) context
// exported by another isolate, opens and checks the client's messages, and answers.
import { DeleteSecurityContext, SEC_E_OK } from "../../mod.ts";
import { imported } from "../ntlm/_helpers.ts";
import { seal, type Sealed, sign, unseal, verify } from "./_export_helpers.ts";

/** The worker's global scope (type-checked with the window lib like the rest). */
const scope = self as unknown as {
  onmessage: (
    e: MessageEvent<
      { pkg: string; packed: Uint8Array; sealed: Sealed; mic: Uint8Array }
    >,
  ) => void;
  postMessage(message: unknown): void;
};

scope.onmessage = (e) => {
  const [st, h] = imported(e.data.pkg, e.data.packed);
  if (st !== SEC_E_OK) {
    scope.postMessage({ error: `ImportSecurityContext: 0x${st.toString(16)}` });
    return;
  }
  try {
    const [ust, text] = unseal(h, e.data.sealed);
    const vst = verify(h, text, e.data.mic);
    const answer = `worker got: ${text}`;
    scope.postMessage({
      status: ust,
      verified: vst,
      answer,
      reply: seal(h, answer),
      mic: sign(h, answer),
    });
  } catch (err) {
    scope.postMessage({ error: String(err) });
  } finally {
    DeleteSecurityContext(h);
  }
};
