/**
 * A context rebuilt by `ImportSecurityContext`: established, with the exported
 * session security; its handshake is over.
 *
 * @module
 */
import type { SecPkgInfo, StepResult } from "../../sspi/package.ts";
import { SEC_E_OUT_OF_SEQUENCE } from "../../sspi/status.ts";
import { NtlmContextBase } from "./context.ts";
import { decodeExported } from "./export.ts";
import { NTLM_STATES_SIZE } from "../../wasm/ntlm.ts";

/** An imported NTLM context. */
export class NtlmImportedContext extends NtlmContextBase {
  protected readonly mode: "Client" | "Server";

  /** Rebuilds a context from `ExportSecurityContext` bytes (SEC_E_INVALID_TOKEN if not). */
  constructor(info: SecPkgInfo, bytes: Uint8Array) {
    super(info);
    const x = decodeExported(bytes, NTLM_STATES_SIZE);
    this.mode = x.mode;
    this.restore(x);
  }

  step(): StepResult {
    return {
      status: SEC_E_OUT_OF_SEQUENCE,
      attrs: this.retFlags,
      message: "an imported NTLM context has finished its handshake",
    };
  }
}
