/**
 * Protecting DCE/RPC PDUs with an established SSPI context (MS-RPCE 3.3.1.5.2.2), for
 * either side of a connection: each fragment's stub (and auth padding) is the
 * `SECBUFFER_DATA`, sealed in place with `EncryptMessage` at packet privacy or signed
 * with `MakeSignature` at packet integrity, and the PDU header and `sec_trailer`
 * around it go along as `SECBUFFER_READONLY_WITH_CHECKSUM` buffers when header
 * signing was agreed, else as `SECBUFFER_READONLY` ones (which Kerberos leaves out of
 * its checksum and NTLMv2 signs all the same). Sequence numbers are counted per
 * direction.
 *
 * @module
 */
import type { SecurityFunctionTable } from "../native/function_table.ts";
import { lastErrorDetail } from "../sspi/_dispatch.ts";
import type { SecPkgContext_Sizes } from "../sspi/attributes.ts";
import {
  type AttributeOut,
  SecBuffer,
  SecBufferDesc,
} from "../sspi/buffers.ts";
import { SspiError } from "../sspi/errors.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_READONLY,
  SECBUFFER_READONLY_WITH_CHECKSUM,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_SIZES,
} from "../sspi/flags.ts";
import type { CtxtHandle } from "../sspi/handles.ts";
import { isFailure, SEC_E_INTERNAL_ERROR } from "../sspi/status.ts";

/** One established context's protection of the PDUs of one connection. */
export class SspiPduSecurity {
  /** The `auth_value` size: `cbSecurityTrailer` sealed, `cbMaxSignature` signed. */
  readonly signatureSize: number;
  #seqOut = 0;
  #seqIn = 0;

  /**
   * For `ctx`, established through `table`; `privacy` seals, else signs;
   * `headerSigning` as the bind agreed.
   */
  constructor(
    private readonly table: SecurityFunctionTable,
    private readonly ctx: CtxtHandle,
    private readonly privacy: boolean,
    private readonly headerSigning: boolean,
  ) {
    const out: AttributeOut<SecPkgContext_Sizes> = {};
    check(
      table.QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, out),
      "QueryContextAttributes(SECPKG_ATTR_SIZES)",
    );
    this.signatureSize = privacy
      ? out.value!.cbSecurityTrailer
      : out.value!.cbMaxSignature;
  }

  /**
   * Signs (or seals in place) one fragment's `data`, a view into `pdu` (the PDU but
   * its `auth_value`); returns the `auth_value`.
   */
  protect(data: Uint8Array, pdu: Uint8Array): Uint8Array {
    const sig = new Uint8Array(this.signatureSize);
    const msg = this.#message(data, pdu, sig);
    const status = this.privacy
      ? this.table.EncryptMessage(this.ctx, 0, msg, this.#seqOut)
      : this.table.MakeSignature(this.ctx, 0, msg, this.#seqOut);
    check(status, "protecting an RPC PDU");
    this.#seqOut++;
    if (msg.pBuffers[3].cbBuffer !== sig.length) {
      throw new SspiError(
        SEC_E_INTERNAL_ERROR,
        "The security package's signature is not the size its context reported",
      );
    }
    return sig;
  }

  /**
   * Checks (and unseals in place) one fragment's `data` against `signature`; throws
   * the package's status (`SEC_E_MESSAGE_ALTERED`, `SEC_E_OUT_OF_SEQUENCE`...).
   */
  unprotect(data: Uint8Array, signature: Uint8Array, pdu: Uint8Array): void {
    const msg = this.#message(data, pdu, signature);
    const status = this.privacy
      ? this.table.DecryptMessage(this.ctx, msg, this.#seqIn, { value: 0 })
      : this.table.VerifySignature(this.ctx, msg, this.#seqIn, { value: 0 });
    check(status, "checking an RPC PDU");
    this.#seqIn++;
  }

  /** `[header, stub, sec_trailer, signature]`, as Windows' RPC runtime passes them. */
  #message(data: Uint8Array, pdu: Uint8Array, sig: Uint8Array): SecBufferDesc {
    const at = data.byteOffset - pdu.byteOffset;
    if (
      data.buffer !== pdu.buffer || at < 0 || at + data.length > pdu.length
    ) {
      throw new SspiError(
        SEC_E_INTERNAL_ERROR,
        "The RPC stub is not a view into its PDU",
      );
    }
    const ro =
      (this.headerSigning
        ? SECBUFFER_READONLY_WITH_CHECKSUM
        : SECBUFFER_READONLY) | SECBUFFER_DATA;
    return new SecBufferDesc([
      new SecBuffer(ro, pdu.subarray(0, at)),
      new SecBuffer(SECBUFFER_DATA, data),
      new SecBuffer(ro, pdu.subarray(at + data.length)),
      new SecBuffer(SECBUFFER_TOKEN, sig),
    ]);
  }
}

/** Throws an `SspiError` for a failed status, with the dispatcher's sentence if any. */
export function check(status: number, what: string): void {
  if (!isFailure(status)) return;
  const d = lastErrorDetail();
  throw new SspiError(
    status,
    d && d.status === status ? d.message : `${what} failed`,
  );
}
