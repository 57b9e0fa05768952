/**
 * A PKINIT client identity from a Kerberos credential's `pAuthData`: the user's
 * certificate chain and private key (in place of a password), the roots the KDC's
 * certificate must chain to, and the user's name when `User` is left out (the
 * certificate's id-pkinit-san, else its Microsoft UPN). Bad options are
 * `SEC_E_NO_CREDENTIALS` when acquiring, as a missing password is.
 *
 * @module
 */
import { parsePem } from "../../pki/pem.ts";
import { type Certificate, parseCertificate } from "../../pki/cert.ts";
import {
  parsePrivateKey,
  type PrivateKey,
  publicKeyMatches,
} from "../../pki/keys.ts";
import { signatureSchemes } from "../../pki/signature.ts";
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_NO_CREDENTIALS } from "../../sspi/status.ts";
import { kerberosSans } from "./pkinit_certs.ts";
import {
  type KdcRevocationOptions,
  KdcRevocationPolicy,
  kdcRevocationPolicyOf,
} from "./pkinit_revocation.ts";

/** Certificates as the options take them: PEM text, one DER, or a DER list. */
export type CertificatesOption = string | Uint8Array | readonly Uint8Array[];

/** The PKINIT options of `KerberosAuthData`. */
export interface PkinitOptions extends KdcRevocationOptions {
  /** The user's certificate chain, leaf first. */
  Certificate?: CertificatesOption;
  /** The leaf's private key. */
  PrivateKey?: string | Uint8Array;
  /** Roots the KDC's certificate must chain to. */
  KdcRootCertificates?: CertificatesOption;
}

/**
 * A credential's PKINIT identity. The private key is held in a private field and
 * dropped by `dispose` (its numbers are JS `BigInt`s, which cannot be overwritten:
 * dropping the reference is all a script can do).
 */
export class PkinitIdentity {
  /** The user's chain (DER), leaf first, as sent in the SignedData. */
  readonly chain: readonly Uint8Array[];
  /** The parsed leaf. */
  readonly leaf: Certificate;
  /** The parsed roots for the KDC's certificate. */
  readonly kdcRoots: readonly Certificate[];
  /** How the KDC's certificate is checked for revocation. */
  readonly kdcRevocation: KdcRevocationPolicy;
  #key: PrivateKey | null;

  /** Builds an identity from checked parts (revocation policy: the default). */
  constructor(
    chain: Uint8Array[],
    leaf: Certificate,
    key: PrivateKey,
    kdcRoots: Certificate[],
    kdcRevocation: KdcRevocationPolicy = new KdcRevocationPolicy(),
  ) {
    this.chain = chain;
    this.leaf = leaf;
    this.#key = key;
    this.kdcRoots = kdcRoots;
    this.kdcRevocation = kdcRevocation;
  }

  /** The private key; throws `SEC_E_NO_CREDENTIALS` after `dispose`. */
  get key(): PrivateKey {
    if (!this.#key) {
      throw new SspiError(SEC_E_NO_CREDENTIALS, "the credential was freed");
    }
    return this.#key;
  }

  /** Drops the private key. */
  dispose(): void {
    this.#key = null;
  }
}

function refuse(why: string): never {
  throw new SspiError(SEC_E_NO_CREDENTIALS, why);
}

/** DER certificates from an option's forms. */
function derList(v: CertificatesOption, what: string): Uint8Array[] {
  if (typeof v === "string") return parsePem(v, "CERTIFICATE");
  if (v instanceof Uint8Array) return [v.slice()];
  if (Array.isArray(v) && v.every((c) => c instanceof Uint8Array)) {
    return v.map((c) => c.slice());
  }
  return refuse(
    `${what} must be PEM text, DER bytes or a list of DER certificates`,
  );
}

function parsedAll(ders: Uint8Array[], what: string): Certificate[] {
  if (ders.length === 0) refuse(`${what} holds no certificate`);
  return ders.map((d) =>
    parseCertificate(d) ?? refuse(`${what}: a certificate does not parse`)
  );
}

/**
 * The parsed roots of a `KdcRootCertificates` option; throws `SEC_E_NO_CREDENTIALS`
 * when it holds no certificate or one does not parse.
 */
export function kdcRootsOf(roots: CertificatesOption): Certificate[] {
  return parsedAll(
    derList(roots, "KdcRootCertificates"),
    "KdcRootCertificates",
  );
}

/** True when `d` asks for a certificate logon (has `Certificate`). */
export function wantsPkinit(d: PkinitOptions): boolean {
  return d.Certificate !== undefined;
}

/**
 * The identity of `Certificate`, `PrivateKey` and `KdcRootCertificates` (with the
 * KDC certificate's revocation policy of `KdcCertificateRevocationLists` and
 * `KdcRevocationCheck`); throws `SEC_E_NO_CREDENTIALS` when one is missing, does
 * not parse, or the key is not the leaf's or cannot sign (RSA of 2048 bits or more
 * is what KDCs expect; ECDSA P-256 and P-384 keys sign too).
 */
export function pkinitIdentityOf(d: PkinitOptions): PkinitIdentity {
  if (d.PrivateKey === undefined) refuse("Certificate needs its PrivateKey");
  if (d.KdcRootCertificates === undefined) {
    refuse(
      "a certificate logon needs KdcRootCertificates (the roots the KDC's certificate chains to)",
    );
  }
  const chain = derList(d.Certificate!, "Certificate");
  const leaf = parsedAll(chain, "Certificate")[0];
  const roots = parsedAll(
    derList(d.KdcRootCertificates!, "KdcRootCertificates"),
    "KdcRootCertificates",
  );
  const key = typeof d.PrivateKey === "string" ||
      d.PrivateKey instanceof Uint8Array
    ? parsePrivateKey(d.PrivateKey)
    : null;
  if (!key) {
    refuse(
      "PrivateKey must be a PKCS#8, PKCS#1 or SEC1 key (PEM or DER), unencrypted",
    );
  }
  if (!publicKeyMatches(leaf.publicKey, key)) {
    refuse("PrivateKey is not the key of the Certificate");
  }
  if (signatureSchemes(key).length === 0) {
    refuse("the private key cannot sign (RSA too short?)");
  }
  const revocation = kdcRevocationPolicyOf(d);
  return new PkinitIdentity(chain, leaf, key, roots, revocation);
}

/**
 * The user a certificate names, for a credential without `User`: the first
 * id-pkinit-san principal (name and realm), else the first Microsoft UPN (an
 * enterprise name, realm from `domain` or the UPN's suffix); null when it has none.
 */
export function userOfCertificate(
  leaf: Certificate,
): { user: string; realm: string | null } | null {
  const sans = kerberosSans(leaf);
  const p = sans.principals[0];
  if (p) return { user: p.name.nameString.join("/"), realm: p.realm };
  const upn = sans.upns[0];
  return upn ? { user: upn, realm: null } : null;
}
