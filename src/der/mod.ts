/**
 * DER (X.690) building blocks: one validating scan of untrusted bytes into a flat table
 * (`scanDer`), typed field access (`DerTree`), and encoders.
 *
 * @example
 * ```ts
 * import { encodeOid, encodeSequence, scanDer } from "./mod.ts";
 * const der = encodeSequence([encodeOid("1.3.6.1.5.5.2")]);
 * const t = scanDer(der);
 * console.log(t.oid(t.firstChild(0))); // "1.3.6.1.5.5.2"
 * ```
 *
 * @module
 */
export * from "./encode.ts";
export * from "./tree.ts";
export { DerError } from "./errors.ts";
export { decodeOidContent, encodeOidContent } from "./oid.ts";
export {
  DER_ENTRY_SIZE,
  DER_ERR_DEPTH,
  DER_ERR_INDEFINITE,
  DER_ERR_LENGTH,
  DER_ERR_TAG,
  DER_ERR_TOO_MANY,
  DER_ERR_TRAILING,
  DER_ERR_TRUNCATED,
} from "./_table.ts";
export { scanDerTs } from "./_scan_ts.ts";
