/**
 * One message sealed in the split form that SASL layers and WinRM bodies use:
 * `EncryptMessage` over `[SECBUFFER_TOKEN (cbSecurityTrailer), SECBUFFER_DATA,
 * SECBUFFER_PADDING (cbBlockSize, at least one byte)]`, sized by
 * `SECPKG_ATTR_SIZES`. The caller says how to join the three parts: RFC 4752's
 * SASL layer sends them back to back, WinRM sends the token apart from the rest.
 *
 * @module
 */
import type { SecPkgContext_Sizes } from "./attributes.ts";
import {
  type AttributeOut,
  bufferBytes,
  SecBuffer,
  SecBufferDesc,
} from "./buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_PADDING,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_SIZES,
} from "./flags.ts";
import type { CtxtHandle } from "./handles.ts";
import { SEC_E_INVALID_TOKEN, SEC_E_OK } from "./status.ts";

/**
 * The two SSPI functions a split seal calls: the portable ones, or a native
 * provider's table.
 */
export interface SealFunctions {
  /** `EncryptMessage(phContext, fQOP, pMessage, MessageSeqNo)`. */
  EncryptMessage(
    phContext: CtxtHandle,
    fQOP: number,
    pMessage: SecBufferDesc,
    MessageSeqNo: number,
  ): number;
  /** `QueryContextAttributes(phContext, ulAttribute, pBuffer)`. */
  QueryContextAttributes(
    phContext: CtxtHandle,
    ulAttribute: number,
    pBuffer: AttributeOut,
  ): number;
}

/** The three parts of a sealed message, each as many bytes as the package wrote. */
export interface SealedParts {
  /** The `SECBUFFER_TOKEN`: the signature, or the Wrap token's header. */
  token: Uint8Array;
  /** The `SECBUFFER_DATA`: the data, encrypted unless the QOP says otherwise. */
  data: Uint8Array;
  /** The `SECBUFFER_PADDING` the package wrote (often none). */
  padding: Uint8Array;
}

/** The context's `SECPKG_ATTR_SIZES`, or the failing status. */
export function contextSizes(
  fns: Pick<SealFunctions, "QueryContextAttributes">,
  ctx: CtxtHandle,
): SecPkgContext_Sizes | number {
  const out: AttributeOut<SecPkgContext_Sizes> = {};
  const st = fns.QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, out);
  if (st !== SEC_E_OK) return st;
  return out.value ?? SEC_E_INVALID_TOKEN;
}

/**
 * Seals a copy of `data` (not modified) with `EncryptMessage(ctx, fQOP, ..., seq)`
 * into token, data and padding; the parts, or the failing status
 * (`SEC_E_INVALID_TOKEN` for a context whose sizes give no trailer).
 */
export function sealParts(
  fns: SealFunctions,
  ctx: CtxtHandle,
  fQOP: number,
  data: Uint8Array,
  seq: number,
): SealedParts | number {
  const sizes = contextSizes(fns, ctx);
  if (typeof sizes === "number") return sizes;
  if (!(sizes.cbSecurityTrailer > 0)) return SEC_E_INVALID_TOKEN;
  const token = new SecBuffer(
    SECBUFFER_TOKEN,
    new Uint8Array(sizes.cbSecurityTrailer),
  );
  const body = new SecBuffer(SECBUFFER_DATA, data.slice());
  // Kerberos with rc4-hmac (RFC 4757) writes a padding byte after the data.
  const pad = new SecBuffer(
    SECBUFFER_PADDING,
    new Uint8Array(Math.max(1, sizes.cbBlockSize >>> 0)),
  );
  const st = fns.EncryptMessage(
    ctx,
    fQOP,
    new SecBufferDesc([token, body, pad]),
    seq,
  );
  if (st !== SEC_E_OK) return st;
  return {
    token: bufferBytes(token),
    data: bufferBytes(body),
    padding: bufferBytes(pad),
  };
}
