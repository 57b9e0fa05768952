/**
 * SPNEGO constants (RFC 4178, MS-SPNG): mechanism OIDs, negState values, and the
 * mapping between mechanism OIDs and SSPI package names.
 *
 * @module
 */

/** SPNEGO itself (RFC 4178 section 3). */
export const SPNEGO_OID = "1.3.6.1.5.5.2";
/** Kerberos V5 (RFC 1964). */
export const KERBEROS_OID = "1.2.840.113554.1.2.2";
/** Microsoft's Kerberos OID (the truncated one Windows 2000 sent; MS-SPNG 3.1.5.1). */
export const MS_KERBEROS_OID = "1.2.840.48018.1.2.2";
/** NTLM (MS-NLMP). */
export const NTLM_OID = "1.3.6.1.4.1.311.2.2.10";
/** NEGOEX (MS-NEGOEX); recognised, never chosen. */
export const NEGOEX_OID = "1.3.6.1.4.1.311.2.2.30";

/** `negState` (RFC 4178 section 4.2.2). */
export const ACCEPT_COMPLETED = 0;
/** More tokens follow. */
export const ACCEPT_INCOMPLETE = 1;
/** The acceptor refused. */
export const REJECT = 2;
/** The acceptor asks the initiator for a mechListMIC. */
export const REQUEST_MIC = 3;

/** The hint Windows puts in NegTokenInit2 (MS-SPNG 2.2.1). */
export const NEG_HINT_IGNORE = "not_defined_in_RFC4178@please_ignore";

/** `cbMaxToken` of Windows' Negotiate. */
export const NEGOTIATE_MAX_TOKEN = 48256;

/** One mechanism Negotiate can offer: its OIDs and the SSPI package behind it. */
export interface MechEntry {
  /** The package name for `findPackage`. */
  pkg: string;
  /** The OIDs offered for it, in order. */
  oids: readonly string[];
}

/**
 * Mechanisms in preference order (MS-SPNG 3.1.5.2: Kerberos first, then NTLM). A
 * package is only offered when it is registered and its credential was acquired.
 */
export const MECHANISMS: readonly MechEntry[] = [
  { pkg: "Kerberos", oids: [MS_KERBEROS_OID, KERBEROS_OID] },
  { pkg: "NTLM", oids: [NTLM_OID] },
];

/** The package for a mechanism OID, or undefined. */
export function packageForOid(oid: string): string | undefined {
  for (const m of MECHANISMS) if (m.oids.includes(oid)) return m.pkg;
  return undefined;
}
