/**
 * NTLM pass-through for the server side: an AUTHENTICATE message whose user the
 * credential does not hold is checked by a domain controller (MS-APDS 3.1.5.1, as a
 * domain member's NTLM does through Netlogon). The DC verifies the response and
 * returns the session base key and the user's logon information; this module turns
 * its NTSTATUS into the status the SSPI caller gets.
 *
 * @module
 */
import type {
  NetworkLogonResult,
  NetworkLogonVerifier,
} from "../../netlogon/logon.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  STATUS_PASSWORD_EXPIRED,
  STATUS_PASSWORD_MUST_CHANGE,
} from "../../sspi/status.ts";
import { ntStatusText } from "../../sspi/ntstatus.ts";
import {
  type PacLogonInfo,
  pacLogonInfo,
  type ParsedPac,
} from "../kerberos/pac.ts";
import type { AuthenticateMessage } from "./messages.ts";

/** `STATUS_NO_LOGON_SERVERS`: the DC has no way to the account's domain. */
const STATUS_NO_LOGON_SERVERS = 0xC000005E;
/** `STATUS_NO_TRUST_SAM_ACCOUNT`, `STATUS_TRUSTED_DOMAIN_FAILURE`: the DC refuses us. */
const STATUS_NO_TRUST_SAM_ACCOUNT = 0xC000018B;
const STATUS_TRUSTED_DOMAIN_FAILURE = 0xC000018C;
const STATUS_ACCESS_DENIED = 0xC0000022;

/** What a successful pass-through gives the NTLM server. */
export interface PassedLogon {
  /** The session base key (16 bytes; the caller wipes it). */
  sessionBaseKey: Uint8Array;
  /** LMOWF's first 8 bytes and 8 zeros, for NTLMv1 with LM_KEY (caller wipes it). */
  lmHash: Uint8Array;
  /** The user's identity and groups, as a Kerberos acceptor reports a PAC's. */
  logonInfo: PacLogonInfo | null;
}

/**
 * Asks `verifier` to check the logon of `auth` against `challenge`; resolves with the
 * DC's keys and logon information, or rejects with the `SspiError` the caller gets:
 * `SEC_E_LOGON_DENIED` (with the DC's reason), `STATUS_PASSWORD_EXPIRED` or
 * `STATUS_PASSWORD_MUST_CHANGE` (as the Kerberos package returns them), or
 * `SEC_E_NO_AUTHENTICATING_AUTHORITY` when the DC cannot answer.
 */
export async function passThrough(
  verifier: NetworkLogonVerifier,
  auth: AuthenticateMessage,
  challenge: Uint8Array,
): Promise<PassedLogon> {
  const r = await verifier.logon({
    domain: auth.domain,
    user: auth.user,
    workstation: auth.workstation,
    challenge,
    ntResponse: auth.ntResponse,
    lmResponse: auth.lmResponse,
  });
  if (r.status !== 0 || !r.sessionKey) {
    r.sessionKey?.fill(0);
    r.lmSessionKey?.fill(0);
    throw refusal(r.status);
  }
  const lmHash = new Uint8Array(16);
  if (r.lmSessionKey) lmHash.set(r.lmSessionKey.subarray(0, 8));
  r.lmSessionKey?.fill(0);
  return {
    sessionBaseKey: r.sessionKey,
    lmHash,
    logonInfo: logonInfoOf(r, auth.user),
  };
}

/** The error for a refused logon. */
function refusal(status: number): SspiError {
  const why = ntStatusText(status);
  if (
    status === STATUS_PASSWORD_EXPIRED || status === STATUS_PASSWORD_MUST_CHANGE
  ) {
    return new SspiError(status, `the domain controller says ${why}`);
  }
  if (
    status === STATUS_NO_LOGON_SERVERS ||
    status === STATUS_NO_TRUST_SAM_ACCOUNT ||
    status === STATUS_TRUSTED_DOMAIN_FAILURE || status === STATUS_ACCESS_DENIED
  ) {
    return new SspiError(
      SEC_E_NO_AUTHENTICATING_AUTHORITY,
      `the domain controller could not check the logon: ${why}`,
    );
  }
  return new SspiError(
    SEC_E_LOGON_DENIED,
    `the domain controller refused the logon: ${why}`,
  );
}

/** The logon information of a validation, in the shape the PAC's is reported in. */
function logonInfoOf(
  r: NetworkLogonResult,
  user: string,
): PacLogonInfo | null {
  const v = r.validation;
  if (!v) return null;
  const pac: ParsedPac = {
    Buffers: [],
    LogonInfo: v,
    ServerSignature: null,
    KdcSignature: null,
    ClientInfo: { ClientId: 0n, Name: user },
    UpnDnsInfo: v.Upn || v.DnsLogonDomainName
      ? {
        Upn: v.Upn,
        DnsDomainName: v.DnsLogonDomainName,
        Flags: 0,
        SamName: null,
        Sid: null,
      }
      : null,
    Other: [],
  };
  return pacLogonInfo(
    pac,
    true, // it came from the DC over the sealed secure channel
    true,
  );
}
