/**
 * The certificates of a PKINIT logon: the names X.509 subjectAltNames carry for
 * Kerberos (RFC 4556 3.2.2's id-pkinit-san `KRB5PrincipalName`, Microsoft's UPN
 * otherName), and the client's checks of the KDC's certificate (RFC 4556 3.2.4,
 * MS-PKCA 3.1.5.2.1): its chain to `KdcRootCertificates`, its name (krbtgt/REALM in an
 * id-pkinit-san, or the realm's DNS name in a dNSName as Windows' KDC certificates
 * have it), its extended key usage (id-pkinit-KPKdc, or Microsoft's smart card logon,
 * unless the id-pkinit-san already certifies the KDC) and, under a critical keyUsage,
 * digitalSignature.
 *
 * @module
 */
import { DerError, type DerTree, TAG_SEQUENCE } from "../../der/mod.ts";
import { extensionsAt, tryScan } from "../../pki/asn1.ts";
import {
  type Certificate,
  KU_DIGITAL_SIGNATURE,
  OID_KEY_USAGE,
  OID_SUBJECT_ALT_NAME,
} from "../../pki/cert.ts";
import { verifyChain } from "../../pki/chain.ts";
import {
  SEC_E_CERT_EXPIRED,
  SEC_E_CERT_WRONG_USAGE,
  SEC_E_ISSUING_CA_UNTRUSTED_KDC,
  SEC_E_KDC_CERT_EXPIRED,
  SEC_E_OK,
  SEC_E_WRONG_PRINCIPAL,
} from "../../sspi/status.ts";
import { fields, kerberosString, need } from "./asn1.ts";
import type { PrincipalName } from "./messages.ts";
import { principalName } from "./messages_read.ts";
import {
  OID_MS_KP_SMARTCARD_LOGON,
  OID_MS_UPN_SAN,
  OID_PKINIT_KP_KDC,
  OID_PKINIT_SAN,
} from "./pkinit_messages.ts";

/** The Kerberos names a certificate's subjectAltName carries. */
export interface KerberosSans {
  /** id-pkinit-san principals. */
  principals: { name: PrincipalName; realm: string }[];
  /** Microsoft UPN otherNames (`alice@corp.example.com`). */
  upns: string[];
  /** dNSNames. */
  dnsNames: string[];
}

/** The extension `oid` of a certificate, or null. */
function extension(
  cert: Certificate,
  oid: string,
): { critical: boolean; value: Uint8Array } | null {
  const t = tryScan(cert.der);
  if (!t) return null;
  try {
    const tbs = t.firstChild(0);
    for (const f of t.children(tbs)) {
      if (t.tag(f) !== 0xa3) continue;
      const ext = extensionsAt(t, t.explicit(f, "extensions"), "Extensions")
        .find((e) => e.oid === oid);
      return ext ? { critical: ext.critical, value: ext.value.slice() } : null;
    }
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
  }
  return null;
}

/** A KRB5PrincipalName at `i`: realm [0], principalName [1]. */
function krb5PrincipalName(
  t: DerTree,
  i: number,
): { name: PrincipalName; realm: string } {
  const f = fields(t, i, "KRB5PrincipalName");
  return {
    realm: kerberosString(t, need(f, 0, "realm"), "realm"),
    name: principalName(t, need(f, 1, "principalName"), "principalName"),
  };
}

/**
 * The Kerberos names in `cert`'s subjectAltName (empty lists when it has none; a
 * malformed otherName is skipped, never an exception).
 */
export function kerberosSans(cert: Certificate): KerberosSans {
  const out: KerberosSans = {
    principals: [],
    upns: [],
    dnsNames: [...cert.dnsNames],
  };
  const ext = extension(cert, OID_SUBJECT_ALT_NAME);
  const t = ext && tryScan(ext.value);
  if (!t || t.tag(0) !== TAG_SEQUENCE) return out;
  for (const g of t.children(0)) {
    if (t.tag(g) !== 0xa0) continue; // otherName [0] IMPLICIT SEQUENCE
    try {
      const f = t.children(g);
      if (f.length !== 2 || t.tag(f[1]) !== 0xa0) continue;
      const type = t.oid(f[0], "type-id");
      const v = t.explicit(f[1], "otherName value");
      if (type === OID_PKINIT_SAN) out.principals.push(krb5PrincipalName(t, v));
      else if (type === OID_MS_UPN_SAN && t.tag(v) === 0x0c) {
        out.upns.push(new TextDecoder("utf-8", { fatal: true }).decode(
          t.content(v),
        ));
      }
    } catch (e) {
      if (!(e instanceof DerError) && !(e instanceof TypeError)) throw e;
    }
  }
  return out;
}

/** True when the principal is krbtgt/REALM@REALM (name type not compared, as MIT). */
function isTgsOf(p: { name: PrincipalName; realm: string }, realm: string) {
  const s = p.name.nameString;
  return p.realm === realm && s.length === 2 && s[0] === "krbtgt" &&
    s[1] === realm;
}

/**
 * Checks the KDC's certificate chain (leaf first) for a logon to `realm`, as RFC
 * 4556 3.2.4 requires and Windows' strict KDC validation does:
 * - the chain validates to `roots` at `now` (else `SEC_E_ISSUING_CA_UNTRUSTED_KDC`,
 *   or `SEC_E_KDC_CERT_EXPIRED` outside a validity period);
 * - the leaf names the KDC of the realm: `krbtgt/REALM@REALM` in an id-pkinit-san,
 *   or, as MS-PKCA's KDC certificates do, the realm's DNS name (the realm
 *   lower-cased) in a dNSName (else `SEC_E_WRONG_PRINCIPAL`);
 * - without that id-pkinit-san (which certifies the KDC by itself), the leaf's
 *   extendedKeyUsage has id-pkinit-KPKdc or Microsoft's smart card logon EKU (else
 *   `SEC_E_CERT_WRONG_USAGE`);
 * - a critical keyUsage asserts digitalSignature (else `SEC_E_CERT_WRONG_USAGE`).
 *
 * `path`, when given, receives the validated path (leaf first, ending at the root),
 * what `pkinit_revocation.ts` then checks for revocation.
 */
export function checkKdcCertificate(
  chain: Certificate[],
  roots: Certificate[],
  realm: string,
  now = new Date(),
  path?: Certificate[],
): number {
  const st = verifyChain(chain, roots, { now, path });
  if (st !== SEC_E_OK) {
    return st === SEC_E_CERT_EXPIRED
      ? SEC_E_KDC_CERT_EXPIRED
      : SEC_E_ISSUING_CA_UNTRUSTED_KDC;
  }
  const leaf = chain[0];
  const sans = kerberosSans(leaf);
  const pkinitSan = sans.principals.some((p) => isTgsOf(p, realm));
  const dns = realm.toLowerCase();
  if (
    !pkinitSan &&
    !sans.dnsNames.some((n) => n.toLowerCase().replace(/\.$/, "") === dns)
  ) {
    return SEC_E_WRONG_PRINCIPAL;
  }
  if (!pkinitSan) {
    const eku = leaf.extKeyUsage ?? [];
    if (
      !eku.includes(OID_PKINIT_KP_KDC) &&
      !eku.includes(OID_MS_KP_SMARTCARD_LOGON)
    ) return SEC_E_CERT_WRONG_USAGE;
  }
  const ku = extension(leaf, OID_KEY_USAGE);
  if (
    ku?.critical && leaf.keyUsage !== null &&
    (leaf.keyUsage & KU_DIGITAL_SIGNATURE) === 0
  ) return SEC_E_CERT_WRONG_USAGE;
  return SEC_E_OK;
}
