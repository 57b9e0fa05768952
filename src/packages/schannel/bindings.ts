/**
 * `SECPKG_ATTR_ENDPOINT_BINDINGS`: the `SEC_CHANNEL_BINDINGS` structure carrying
 * `tls-server-end-point:<hash of the server certificate>` (RFC 5929), what Windows
 * hands to NTLM, Kerberos and Negotiate for Extended Protection.
 *
 * @module
 */
import { sha256 } from "../../crypto/mod.ts";
import { secChannelBindings } from "../../sspi/buffers.ts";
import { endPointData, endPointInput } from "../../sspi/tls_binding.ts";

/** The bindings for a server certificate, or null when its hash is not SHA-256. */
export function endPointBindings(
  serverCert: Uint8Array | undefined,
): Uint8Array | null {
  if (!serverCert) return null;
  let input;
  try {
    input = endPointInput(serverCert);
  } catch {
    return null;
  }
  if (input.hash !== "SHA-256") return null;
  return secChannelBindings(endPointData(sha256(input.der)));
}
