/**
 * Anonymous PKINIT (RFC 8062), what MIT's `kinit -n` and FreeIPA use to get a TGT
 * without any client key, chiefly as FAST armor for clients without a machine
 * account. It is PKINIT (`pkinit_as.ts`) with what differs: the AS-REQ names the
 * client `WELLKNOWN/ANONYMOUS` (NT-WELLKNOWN) and sets the `request-anonymous` KDC
 * option, and the AuthPack goes in a SignedData without a signer or certificates
 * (section 4.1); the KDC's reply is checked as for PKINIT (its signature, its
 * certificate under `KdcRootCertificates`, the DH key) and then for anonymity: the
 * client it names is `WELLKNOWN/ANONYMOUS@WELLKNOWN:ANONYMOUS` (or `@REALM`), the
 * ticket carries the anonymous flag, and the session key is the one PA-PKINIT-KX
 * says (section 7: KRB-FX-CF2 of the KDC's contribution and the reply key), which
 * ties the ticket to the DH exchange.
 *
 * @module
 */
import type { Certificate } from "../../pki/cert.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_UNSUPPORTED_PREAUTH,
  SEC_E_WRONG_PRINCIPAL,
} from "../../sspi/status.ts";
import type { AcquireRequest } from "../../sspi/package.ts";
import { bytesEqual } from "../../pki/cert.ts";
import { decrypt, type KerberosKey, wipeKey } from "./crypto.ts";
import { cf2 } from "./crypto_prf.ts";
import { scanSequence } from "./asn1.ts";
import { encryptionKey } from "./messages_read.ts";
import { decodeEncryptedData, type KdcRep, type KrbError } from "./messages.ts";
import type { PrincipalName } from "./messages.ts";
import {
  KDC_ERR_C_PRINCIPAL_UNKNOWN,
  KDC_OPT_CANONICALIZE,
  KDC_OPT_FORWARDABLE,
  KDC_OPT_REQUEST_ANONYMOUS,
  NT_WELLKNOWN,
  TKT_FLG_ANONYMOUS,
} from "./constants.ts";
import {
  type CachedTicket,
  type KerberosAuthData,
  KerberosCredential,
} from "./credentials.ts";
import { decoded } from "./kdc_shared.ts";
import { realmTransport } from "./kdc_realms.ts";
import type { KdcTransport } from "./transport.ts";
import { type CertificatesOption, kdcRootsOf } from "./pkinit_identity.ts";
import {
  KdcRevocationPolicy,
  kdcRevocationPolicyOf,
} from "./pkinit_revocation.ts";

/** The anonymous principal's name, `WELLKNOWN/ANONYMOUS` (RFC 8062 section 3). */
export const ANONYMOUS_NAME: Readonly<PrincipalName> = Object.freeze({
  nameType: NT_WELLKNOWN,
  nameString: Object.freeze(["WELLKNOWN", "ANONYMOUS"]) as string[],
});
/** The anonymous realm, `WELLKNOWN:ANONYMOUS`, of fully anonymous tickets. */
export const ANONYMOUS_REALM = "WELLKNOWN:ANONYMOUS";
/** PA-PKINIT-KX (RFC 8062 section 7): the KDC's contribution to the session key. */
export const PA_PKINIT_KX = 147;
/** The key usage of PA-PKINIT-KX's EncryptedData (KEY_USAGE_PA_PKINIT_KX). */
export const KEY_USAGE_PA_PKINIT_KX = 44;

/**
 * The identity of an anonymous PKINIT logon: no certificate or key of its own, only
 * the roots the KDC's certificate must chain to (nothing else authenticates the KDC).
 */
export class AnonymousPkinit {
  /** Marks the identity as anonymous (no signer). */
  readonly anonymous = true;
  /** The parsed roots for the KDC's certificate. */
  readonly kdcRoots: readonly Certificate[];
  /** How the KDC's certificate is checked for revocation. */
  readonly kdcRevocation: KdcRevocationPolicy;

  /** Builds the identity from parsed roots (revocation policy: the default). */
  constructor(
    kdcRoots: Certificate[],
    kdcRevocation: KdcRevocationPolicy = new KdcRevocationPolicy(),
  ) {
    this.kdcRoots = kdcRoots;
    this.kdcRevocation = kdcRevocation;
  }

  /** Nothing secret to forget. */
  dispose(): void {}
}

/** The KDC options of an anonymous AS-REQ: `kdcOptions` (default forwardable + canonicalize) and request-anonymous. */
export function anonymousKdcOptions(kdcOptions: number | undefined): number {
  return (kdcOptions ?? (KDC_OPT_FORWARDABLE | KDC_OPT_CANONICALIZE)) |
    KDC_OPT_REQUEST_ANONYMOUS;
}

/** True when `name` is `WELLKNOWN/ANONYMOUS` (RFC 8062 section 3). */
export function isAnonymousName(name: PrincipalName): boolean {
  return name.nameType === NT_WELLKNOWN && name.nameString.length === 2 &&
    name.nameString[0] === "WELLKNOWN" && name.nameString[1] === "ANONYMOUS";
}

/**
 * The client an anonymous AS-REP names, checked: `WELLKNOWN/ANONYMOUS` of the
 * anonymous realm or of `realm` (else `SEC_E_WRONG_PRINCIPAL`). It is the client
 * name of the RFC 8636 KDF: MIT's KDC derives the reply key with the name it
 * answers (`WELLKNOWN/ANONYMOUS@WELLKNOWN:ANONYMOUS`), not the AS-REQ's realm.
 */
export function anonymousClient(
  rep: { cname: PrincipalName; crealm: string },
  realm: string,
): { name: PrincipalName; realm: string } {
  // Realms are case-sensitive: the anonymous realm is exactly this one.
  if (
    !isAnonymousName(rep.cname) ||
    (rep.crealm !== ANONYMOUS_REALM && rep.crealm !== realm)
  ) {
    throw new SspiError(
      SEC_E_WRONG_PRINCIPAL,
      `the KDC's anonymous reply names ${
        rep.cname.nameString.join("/")
      }@${rep.crealm}, not WELLKNOWN/ANONYMOUS`,
    );
  }
  return {
    name: { nameType: NT_WELLKNOWN, nameString: [...rep.cname.nameString] },
    realm: rep.crealm,
  };
}

/**
 * The anonymity checks of an anonymous PKINIT reply (RFC 8062 sections 4.1 and 7),
 * on `t` decrypted from `rep` with `replyKey`: the client is the anonymous principal
 * of the anonymous realm or of `realm`, the ticket has the anonymous flag, and the
 * PA-PKINIT-KX, when the KDC sends one (MIT does), gives the ticket's session key.
 * Returns whether PA-PKINIT-KX was there and checked. Throws `SEC_E_WRONG_PRINCIPAL`
 * for another client, `SEC_E_INVALID_TOKEN` for a ticket without the flag or a
 * malformed PA-PKINIT-KX, `SEC_E_MESSAGE_ALTERED` for a session key that does not
 * match it.
 */
export function checkAnonymousReply(
  rep: KdcRep,
  t: CachedTicket,
  replyKey: KerberosKey,
  realm: string,
): boolean {
  anonymousClient(t, realm);
  if (((t.flags ?? 0) & TKT_FLG_ANONYMOUS) === 0) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "the KDC answered the anonymous request with a ticket not flagged anonymous",
    );
  }
  const kx = rep.padata?.find((p) => p.padataType === PA_PKINIT_KX);
  if (!kx) return false;
  const enc = decoded(
    "PA-PKINIT-KX",
    () => decodeEncryptedData(kx.padataValue),
  );
  if (enc.etype !== replyKey.etype) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "PA-PKINIT-KX is not encrypted in the reply key",
    );
  }
  const plain = decrypt(replyKey, KEY_USAGE_PA_PKINIT_KX, enc.cipher);
  if (!plain) {
    throw new SspiError(
      SEC_E_MESSAGE_ALTERED,
      "PA-PKINIT-KX does not decrypt with the reply key",
    );
  }
  let contribution: KerberosKey;
  try {
    const k = decoded(
      "PA-PKINIT-KX key",
      () =>
        encryptionKey(scanSequence(plain, "EncryptionKey"), 0, "EncryptionKey"),
    );
    contribution = { etype: k.keytype, bytes: k.keyvalue.slice() };
  } finally {
    plain.fill(0);
  }
  let expected: KerberosKey | null = null;
  try {
    if (
      contribution.etype !== t.key.etype ||
      contribution.bytes.length !== t.key.bytes.length
    ) {
      throw new SspiError(
        SEC_E_MESSAGE_ALTERED,
        "PA-PKINIT-KX's key is not of the session key's enctype",
      );
    }
    expected = cf2(contribution, replyKey, "PKINIT", "KEYEXCHANGE");
    if (!bytesEqual(expected.bytes, t.key.bytes)) {
      throw new SspiError(
        SEC_E_MESSAGE_ALTERED,
        "the session key is not the one PA-PKINIT-KX derives",
      );
    }
    return true;
  } finally {
    wipeKey(contribution);
    if (expected) wipeKey(expected);
  }
}

/**
 * Throws the status of a KDC's refusal that means "no anonymous logons here": MIT's
 * KDC answers error 6 (CLIENT_NOT_FOUND) when the realm has no `WELLKNOWN/ANONYMOUS`
 * principal, its way of disabling anonymous PKINIT: `SEC_E_UNSUPPORTED_PREAUTH`, as
 * for a KDC without PKINIT. Returns for other errors.
 */
export function anonymousRefused(err: KrbError, realm: string): void {
  if (err.errorCode !== KDC_ERR_C_PRINCIPAL_UNKNOWN) return;
  throw new SspiError(
    SEC_E_UNSUPPORTED_PREAUTH,
    `the KDC of ${realm} does not allow anonymous logons (error 6, no WELLKNOWN/ANONYMOUS principal)`,
  );
}

/**
 * A credential that logs on anonymously to `realm` (through `transport`) with
 * anonymous PKINIT, trusting KDC certificates under `kdcRoots` and checking their
 * revocation by `kdcRevocation`.
 */
export function anonymousCredential(
  use: number,
  realm: string,
  transport: KdcTransport,
  kdcRoots: Certificate[],
  kdcRevocation: KdcRevocationPolicy = new KdcRevocationPolicy(),
): KerberosCredential {
  const cred = new KerberosCredential(
    use,
    { nameType: NT_WELLKNOWN, nameString: [...ANONYMOUS_NAME.nameString] },
    realm,
    null,
    transport,
  );
  cred.pkinit = new AnonymousPkinit(kdcRoots, kdcRevocation);
  return cred;
}

/** The parsed `KdcRootCertificates`; `SEC_E_NO_CREDENTIALS` when missing or unparsable. */
export function anonymousRoots(
  roots: CertificatesOption | undefined,
  what: string,
): Certificate[] {
  if (roots === undefined) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      `${what} needs KdcRootCertificates (the roots the KDC's certificate chains to)`,
    );
  }
  return kdcRootsOf(roots);
}

/**
 * The credential of `{ Anonymous: true, Domain, KdcRootCertificates, Kdc? }`: an
 * anonymous TGT of `Domain`'s KDC, for services that take anonymous tickets. Throws
 * `SEC_E_NO_CREDENTIALS` with a `User`, `Password`, `Keytab` or `Certificate`, without
 * a realm or roots, or when no KDC is known for the realm.
 */
export function acquireAnonymous(
  req: AcquireRequest,
  d: KerberosAuthData,
): KerberosCredential {
  const refuse = (why: string): never => {
    throw new SspiError(SEC_E_NO_CREDENTIALS, why);
  };
  if (d.Anonymous !== true) refuse("Anonymous must be true");
  if (
    d.User || d.Password !== undefined || d.Keytab !== undefined ||
    d.Certificate !== undefined || d.Impersonate !== undefined ||
    d.FastArmor !== undefined
  ) {
    refuse(
      "an anonymous logon goes without User, Password, Keytab, Certificate, Impersonate or FastArmor",
    );
  }
  const realm = (typeof d.Domain === "string" ? d.Domain : "").toUpperCase();
  if (!realm) refuse("an anonymous logon needs Domain (the realm)");
  const roots = anonymousRoots(d.KdcRootCertificates, "an anonymous logon");
  const transport = realmTransport(d, realm) ??
    refuse(
      `no KDC is known for realm ${realm} (set Kdc, or list it in krb5.conf)`,
    );
  return anonymousCredential(
    req.use,
    realm,
    transport,
    roots,
    kdcRevocationPolicyOf(d),
  );
}
