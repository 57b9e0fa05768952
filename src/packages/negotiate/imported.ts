/**
 * A Negotiate context rebuilt by `ImportSecurityContext("Negotiate", ...)`: the
 * chosen package, found in the registry by the name the export carries, rebuilds its
 * own context from the rest; session security and attributes pass through to it as
 * they did before the export. Its handshake is over.
 *
 * @module
 */
import { TIMESTAMP_NEVER } from "../../sspi/buffers.ts";
import { SspiError } from "../../sspi/errors.ts";
import type {
  PackageCredential,
  SecPkgInfo,
  StepResult,
} from "../../sspi/package.ts";
import { findPackage } from "../../sspi/registry.ts";
import {
  SEC_E_OUT_OF_SEQUENCE,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";
import { NegotiateContextBase } from "./_base.ts";
import { MECHANISMS } from "./constants.ts";
import { NegotiateCredential } from "./credentials.ts";
import { decodeNegotiateExport } from "./export.ts";

/** An imported context was not made from a credential: this one holds nothing. */
const NO_CREDENTIAL: PackageCredential = Object.freeze({
  use: 0,
  expiry: TIMESTAMP_NEVER,
  dispose() {},
});

/** An imported Negotiate context. */
export class NegotiateImportedContext extends NegotiateContextBase {
  /**
   * Rebuilds a context from `ExportSecurityContext` bytes: `SEC_E_INVALID_TOKEN` when
   * they are not a Negotiate export, `SEC_E_SECPKG_NOT_FOUND` when the package they
   * name is not registered, `SEC_E_UNSUPPORTED_FUNCTION` when it cannot import.
   */
  constructor(info: SecPkgInfo, bytes: Uint8Array) {
    const x = decodeNegotiateExport(bytes);
    super(info, new NegotiateCredential(0, []), x.role);
    const pkg = findPackage(x.name);
    if (!pkg) {
      throw new SspiError(
        SEC_E_SECPKG_NOT_FOUND,
        `the exported context's package ${x.name} is not registered`,
      );
    }
    if (!pkg.importContext) {
      throw new SspiError(
        SEC_E_UNSUPPORTED_FUNCTION,
        `${pkg.info.Name} cannot import contexts`,
      );
    }
    const oids = MECHANISMS.find((m) => m.pkg === pkg.info.Name)?.oids ?? [];
    this.adopt(
      { name: pkg.info.Name, pkg, cred: NO_CREDENTIAL, oids },
      pkg.importContext(x.inner),
    );
  }

  step(): StepResult {
    return {
      status: SEC_E_OUT_OF_SEQUENCE,
      attrs: 0,
      message: "an imported Negotiate context has finished its handshake",
    };
  }
}
