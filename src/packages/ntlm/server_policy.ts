/**
 * What the NTLM server runs on: the policy its credential gives each context (user
 * lookup, pass-through, names, options), the CHALLENGE flags it answers a
 * NEGOTIATE with (MS-NLMP 3.2.5.1.1), and the `ASC_RET_*` flags of the result.
 *
 * @module
 */
import type { NetworkLogonVerifier } from "../../netlogon/logon.ts";
import {
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_CONNECTION,
  ASC_REQ_INTEGRITY,
  ASC_REQ_REPLAY_DETECT,
  ASC_REQ_SEQUENCE_DETECT,
  ASC_RET_CONFIDENTIALITY,
  ASC_RET_CONNECTION,
  ASC_RET_IDENTIFY,
  ASC_RET_INTEGRITY,
  ASC_RET_NULL_SESSION,
  ASC_RET_REPLAY_DETECT,
  ASC_RET_SEQUENCE_DETECT,
} from "../../sspi/flags.ts";
import type { NtlmSecret } from "./credentials.ts";
import {
  NTLM_NEGOTIATE_OEM,
  NTLMSSP_NEGOTIATE_128,
  NTLMSSP_NEGOTIATE_56,
  NTLMSSP_NEGOTIATE_ALWAYS_SIGN,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_IDENTIFY,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
  NTLMSSP_NEGOTIATE_LM_KEY,
  NTLMSSP_NEGOTIATE_NTLM,
  NTLMSSP_NEGOTIATE_SEAL,
  NTLMSSP_NEGOTIATE_SIGN,
  NTLMSSP_NEGOTIATE_TARGET_INFO,
  NTLMSSP_NEGOTIATE_UNICODE,
  NTLMSSP_NEGOTIATE_VERSION,
  NTLMSSP_REQUEST_TARGET,
  NTLMSSP_TARGET_TYPE_DOMAIN,
} from "./constants.ts";

/** What the server side needs from its credential. */
export interface ServerPolicy {
  /** Looks a user up; may return a Promise. */
  lookup(
    user: string,
    domain: string,
  ): NtlmSecret | null | Promise<NtlmSecret | null>;
  /**
   * Checks logons of users `lookup` does not know with a domain controller (NTLM
   * pass-through over Netlogon); absent: such logons are refused.
   */
  passThrough?: NetworkLogonVerifier;
  /** Accept anonymous logons. */
  allowAnonymous: boolean;
  /** Accept NTLMv1 responses. */
  allowNtlmV1: boolean;
  /** Refuse clients without channel bindings when the server has some. */
  requireChannelBindings: boolean;
  /** NetBIOS computer name. */
  computer: string;
  /** NetBIOS domain name. */
  domain: string;
  /** DNS computer name. */
  dnsComputer: string;
  /** DNS domain name. */
  dnsDomain: string;
  /**
   * The CHALLENGE's TargetInfo: the fixed pairs, then MsvAvTimestamp whose value (the
   * 8 bytes before the final 4-byte MsvAvEOL) each CHALLENGE writes before copying the
   * whole into the message; one array per credential (the write and the copy are
   * synchronous).
   */
  targetInfo: Uint8Array;
}

const SERVER_FLAGS = NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL |
  NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_128 |
  NTLMSSP_NEGOTIATE_56 |
  NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_IDENTIFY |
  NTLMSSP_NEGOTIATE_VERSION |
  NTLMSSP_NEGOTIATE_LM_KEY;

/** The CHALLENGE flags for a NEGOTIATE's flags (MS-NLMP 3.2.5.1.1). */
export function serverFlags(client: number): number {
  let f = (client & SERVER_FLAGS) | NTLMSSP_NEGOTIATE_NTLM |
    NTLMSSP_NEGOTIATE_TARGET_INFO;
  if (f & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
    f &= ~NTLMSSP_NEGOTIATE_LM_KEY;
  }
  f |= client & NTLMSSP_NEGOTIATE_UNICODE
    ? NTLMSSP_NEGOTIATE_UNICODE
    : NTLM_NEGOTIATE_OEM;
  if (client & NTLMSSP_REQUEST_TARGET) {
    f |= NTLMSSP_REQUEST_TARGET | NTLMSSP_TARGET_TYPE_DOMAIN;
  }
  return f >>> 0;
}

/** `ASC_RET_*` from what was asked and what was negotiated. */
export function serverRetFlags(
  req: number,
  neg: number,
  anonymous: boolean,
): number {
  let r = 0;
  // An anonymous logon keeps SIGN/SEAL only with a key from key exchange.
  if (neg & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL)) {
    r |= req & ASC_REQ_INTEGRITY ? ASC_RET_INTEGRITY : 0;
    r |= req & ASC_REQ_REPLAY_DETECT ? ASC_RET_REPLAY_DETECT : 0;
    r |= req & ASC_REQ_SEQUENCE_DETECT ? ASC_RET_SEQUENCE_DETECT : 0;
    if (neg & NTLMSSP_NEGOTIATE_SEAL && req & ASC_REQ_CONFIDENTIALITY) {
      r |= ASC_RET_CONFIDENTIALITY;
    }
  }
  if (req & ASC_REQ_CONNECTION) r |= ASC_RET_CONNECTION;
  if (neg & NTLMSSP_NEGOTIATE_IDENTIFY) r |= ASC_RET_IDENTIFY;
  if (anonymous) r |= ASC_RET_NULL_SESSION;
  return r >>> 0;
}
