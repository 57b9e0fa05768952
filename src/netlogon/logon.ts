/**
 * The shapes of an NTLM network logon passed through to a domain controller
 * (MS-NRPC 3.2.4.1, MS-APDS 3.1.5): what the server received from the client, and
 * what the DC answers. The NTLM acceptor fills the first and reads the second; the
 * Netlogon client (`pass_through.ts`) carries them.
 *
 * @module
 */
import type { KerbValidationInfo } from "./validation.ts";

/** One network logon: the client's answers to the server's challenge. */
export interface NetworkLogon {
  /** The domain as the client sent it (the DC computes NTLMv2 with it). */
  domain: string;
  /** The user name as the client sent it. */
  user: string;
  /** The client's workstation name ("" when it sent none). */
  workstation: string;
  /** The server challenge (8 bytes). */
  challenge: Uint8Array;
  /** The NT response (NTLMv2: NTProofStr and blob; NTLMv1: 24 bytes). */
  ntResponse: Uint8Array;
  /** The LM response (may be empty). */
  lmResponse: Uint8Array;
}

/** What the account's domain says about who logged on. */
export interface NetlogonValidation extends KerbValidationInfo {
  /** The user's UPN ("" when the DC sent none). */
  Upn: string;
  /** The DNS name of the logon domain ("" when the DC sent none). */
  DnsLogonDomainName: string;
}

/** The DC's answer to a network logon. */
export interface NetworkLogonResult {
  /** The NTSTATUS of the logon (0 = `STATUS_SUCCESS`). */
  status: number;
  /** On success: the NTLM session base key (UserSessionKey, 16 bytes). */
  sessionKey: Uint8Array | null;
  /** On success: the first 8 bytes of the LM hash (LMSessKey), for NTLMv1 LM_KEY. */
  lmSessionKey: Uint8Array | null;
  /** On success: the user's identity and groups. */
  validation: NetlogonValidation | null;
}

/** Something that passes network logons through to a domain controller. */
export interface NetworkLogonVerifier {
  /**
   * Asks the DC to check one logon. Resolves with its answer (a refused logon is a
   * failure `status`, not a rejection); rejects with an `SspiError` when the DC
   * cannot be reached or the secure channel fails.
   */
  logon(logon: NetworkLogon): Promise<NetworkLogonResult>;
  /** Closes the secure channel and wipes its key. */
  close(): void;
}
