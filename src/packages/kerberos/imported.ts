/**
 * A Kerberos context rebuilt by `ImportSecurityContext("Kerberos", ...)`: established
 * from the exported key, sequence numbers, flags, names and lifetime, so its messages
 * continue where the exported context's stopped. Its handshake is over.
 *
 * @module
 */
import type { SecPkgInfo, StepResult } from "../../sspi/package.ts";
import { SEC_E_OUT_OF_SEQUENCE } from "../../sspi/status.ts";
import { KerberosContextBase } from "./context.ts";
import { decodeKerberosExport } from "./export.ts";

/** An imported Kerberos context (initiator or acceptor, as exported). */
export class KerberosImportedContext extends KerberosContextBase {
  /**
   * Rebuilds a context from `ExportSecurityContext` bytes; throws
   * `SspiError(SEC_E_INVALID_TOKEN)` when they are not a Kerberos export.
   */
  constructor(info: SecPkgInfo, bytes: Uint8Array) {
    const x = decodeKerberosExport(bytes);
    super(info, x.role === "initiate");
    this.restore(x);
  }

  step(): StepResult {
    return {
      status: SEC_E_OUT_OF_SEQUENCE,
      attrs: 0,
      message: "an imported Kerberos context has finished its handshake",
    };
  }
}
