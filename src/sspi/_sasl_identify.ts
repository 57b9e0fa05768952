/**
 * `SaslIdentifyPackage`'s reading of a client's first SASL token: the GSS-API
 * framing's mechanism OID (RFC 2743 3.1), a raw NTLMSSP message, or the text of a
 * DIGEST-MD5 response. Every read is bounds-checked; nothing is parsed beyond the OID.
 *
 * @module
 */
import { fail } from "./_dispatch.ts";
import { inputToken, type SecBufferDesc } from "./buffers.ts";
import { SEC_E_INVALID_TOKEN, SEC_E_SECPKG_NOT_FOUND } from "./status.ts";

/** DER contents of the mechanism OIDs, and the package each names. */
const MECHS: readonly (readonly [number[], string])[] = [
  [[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02], "Kerberos"],
  [[0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02], "Kerberos"],
  [[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02], "Negotiate"],
  [[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a], "Negotiate"],
];

const NTLMSSP = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00];

/** The OID contents of an InitialContextToken, or null when `t` is not one. */
function gssMechOid(t: Uint8Array): Uint8Array | null {
  if (t.length < 2 || t[0] !== 0x60) return null;
  let at = 2;
  let len = t[1];
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || t.length < 2 + n) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + t[2 + i];
    at = 2 + n;
  }
  if (len > t.length - at || at + 2 > t.length || t[at] !== 0x06) return null;
  const oidLen = t[at + 1];
  if (oidLen & 0x80 || at + 2 + oidLen > t.length) return null;
  return t.subarray(at + 2, at + 2 + oidLen);
}

function same(a: Uint8Array, b: readonly number[]): boolean {
  return a.length === b.length && b.every((x, i) => a[i] === x);
}

/** The package name a first token belongs to, or the failing status. */
export function identifyProfile(
  input: SecBufferDesc | null | undefined,
): string | number {
  const t = inputToken(input);
  if (!t) return fail(SEC_E_INVALID_TOKEN, "no SECBUFFER_TOKEN to identify");
  const oid = gssMechOid(t);
  if (oid) {
    const m = MECHS.find(([o]) => same(oid, o));
    return m ? m[1] : fail(
      SEC_E_SECPKG_NOT_FOUND,
      "the GSS-API token names a mechanism no SASL profile has",
    );
  }
  if (t.length >= 8 && same(t.subarray(0, 8), NTLMSSP)) return "Negotiate";
  // A DIGEST-MD5 response (RFC 2831 2.1.2) is comma-separated name=value pairs.
  const head = String.fromCharCode(...t.subarray(0, 64));
  if (
    /^\s*(username|realm|nonce|cnonce|nc|qop|charset|digest-uri)\s*=/i.test(
      head,
    )
  ) {
    return "WDigest";
  }
  return fail(SEC_E_SECPKG_NOT_FOUND, "no SASL profile recognises this token");
}
