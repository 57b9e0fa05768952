// Shared parts of the Samba interop tests (samba_client_interop_test.ts,
// samba_server_interop_test.ts): Samba's parameters for older peers, token
// readers, and the check that a handshake ended well on both sides.
import assert from "node:assert/strict";
import type { SecurityContext } from "../../mod.ts";
import type { GssapiPeer } from "../peers/gssapi_peer.ts";
import {
  decodeNegotiationToken,
  type NegTokenResp,
} from "../../src/packages/negotiate/mod.ts";
import { decodeAuthenticate } from "../../src/packages/ntlm/messages.ts";
import { avFind } from "../../src/packages/ntlm/av_pairs.ts";
import {
  MSV_AV_FLAG_MIC,
  MsvAvFlags,
} from "../../src/packages/ntlm/constants.ts";
import { readU32le, toHex } from "../../src/util/bytes.ts";
import { crossTraffic } from "./_helpers.ts";

/** Samba parameters that make it an older peer (see samba_peer.py). */
export const NO_OPTIMISTIC = { "spnego:client_no_optimistic": "yes" };
/** NTLMv1 (with NTLM2 session security). */
export const NTLMV1 = { "client ntlmv2 auth": "no" };
/** SPNEGO as Windows 2000 spoke it. */
export const W2K = { "spnego:simulate_w2k": "yes" };
/** A client without the AUTHENTICATE MIC. */
export const CLIENT_NO_NTLM_MIC = { "ntlmssp_client:force_old_spnego": "yes" };
/** A server without a CHALLENGE timestamp, so clients send no MIC. */
export const SERVER_NO_NTLM_MIC = { "ntlmssp_server:force_old_spnego": "yes" };

/** A token that must be a NegTokenResp. */
export function resp(token: Uint8Array): NegTokenResp {
  const t = decodeNegotiationToken(token);
  assert.equal(t.type, "resp");
  return t as NegTokenResp;
}

/**
 * Whether the AUTHENTICATE inside a client NegTokenResp says it carries a MIC
 * (MsvAvFlags in the NTLMv2 response's AV pairs, which start at byte 44).
 */
export function authenticateHasMic(token: Uint8Array): boolean {
  const nt = decodeAuthenticate(resp(token).responseToken!).ntResponse;
  const at = avFind(nt.subarray(44), MsvAvFlags);
  return at !== null && (readU32le(nt, 44 + at[0]) & MSV_AV_FLAG_MIC) !== 0;
}

/**
 * Both sides completed with the same session key, the acceptor names the user, and
 * traffic flows both ways. Samba's standalone acceptor names the user by its own
 * domain; ours keeps the client's.
 */
export async function established(
  ours: SecurityContext,
  peer: GssapiPeer,
  acceptor: "ours" | "samba" = "ours",
): Promise<void> {
  assert.ok(ours.complete, "our side did not complete");
  const info = await peer.info();
  assert.ok(info.complete, "the Samba side did not complete");
  if (acceptor === "ours") assert.equal(ours.clientName, "EXAMPLE\\alice");
  else assert.equal(info.peer_name, "SAMBAPEER\\alice");
  assert.equal(info.session_key_hex, toHex(ours.sessionKey));
  await crossTraffic(ours, peer);
}
