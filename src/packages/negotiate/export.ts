/**
 * The bytes `ExportSecurityContext` gives for an established Negotiate context: the
 * chosen package's name, then that package's own exported context, so that
 * `ImportSecurityContext("Negotiate", ...)` can hand the rest to it.
 *
 * Layout: `"SPNG"`, version 1, the role (0 initiator, 1 acceptor), the name's length
 * (1..64), the name in ASCII, then the inner package's bytes (at least one).
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../sspi/status.ts";

const MAGIC = [0x53, 0x50, 0x4e, 0x47]; // "SPNG"
const VERSION = 1;
const HEAD = 7;

/** A decoded Negotiate export. */
export interface NegotiateExport {
  /** The chosen package's name (`"NTLM"`, `"Kerberos"`). */
  name: string;
  /** The side the context was on. */
  role: "initiate" | "accept";
  /** The inner package's exported bytes (a view of the input). */
  inner: Uint8Array;
}

/**
 * Wraps the inner package's export.
 *
 * @example
 * ```ts
 * import { decodeNegotiateExport, encodeNegotiateExport } from "./export.ts";
 * const b = encodeNegotiateExport("NTLM", "accept", Uint8Array.of(1, 2, 3));
 * console.log(decodeNegotiateExport(b).name); // "NTLM"
 * ```
 */
export function encodeNegotiateExport(
  name: string,
  role: "initiate" | "accept",
  inner: Uint8Array,
): Uint8Array {
  if (!/^[\x21-\x7e]{1,64}$/.test(name)) {
    throw new RangeError("a package name of 1 to 64 printable ASCII bytes");
  }
  const out = new Uint8Array(HEAD + name.length + inner.length);
  out.set(MAGIC);
  out[4] = VERSION;
  out[5] = role === "initiate" ? 0 : 1;
  out[6] = name.length;
  for (let i = 0; i < name.length; i++) out[HEAD + i] = name.charCodeAt(i);
  out.set(inner, HEAD + name.length);
  return out;
}

/** Reads a Negotiate export; throws `SspiError(SEC_E_INVALID_TOKEN)` when it is not one. */
export function decodeNegotiateExport(bytes: Uint8Array): NegotiateExport {
  const bad = (why: string) =>
    new SspiError(
      SEC_E_INVALID_TOKEN,
      `not an exported Negotiate context: ${why}`,
    );
  if (bytes.length < HEAD || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw bad("no SPNG header");
  }
  if (bytes[4] !== VERSION) throw bad(`version ${bytes[4]}`);
  if (bytes[5] > 1) throw bad("unknown role");
  const n = bytes[6];
  if (n < 1 || n > 64 || bytes.length <= HEAD + n) throw bad("truncated");
  let name = "";
  for (let i = 0; i < n; i++) {
    const c = bytes[HEAD + i];
    if (c < 0x21 || c > 0x7e) throw bad("a package name that is not ASCII");
    name += String.fromCharCode(c);
  }
  return {
    name,
    role: bytes[5] === 0 ? "initiate" : "accept",
    inner: bytes.subarray(HEAD + n),
  };
}
