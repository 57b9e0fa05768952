/**
 * The PKINIT AS exchange (RFC 4556, Diffie-Hellman key agreement; RFC 8636 KDFs),
 * what `asExchange` runs for a credential with a `Certificate`: the AS-REQ carries a
 * PA-PK-AS-REQ whose CMS SignedData, signed with the user's key and carrying the
 * user's chain, holds an AuthPack (a PKAuthenticator binding the request body by its
 * SHA-1 checksum and the AS-REQ's nonce, a fresh group 14 DH public value, the CMS
 * algorithms and KDFs supported). The KDC's PA-PK-AS-REP is checked before anything
 * in it is used: its SignedData's signature, the KDC's certificate (chain to
 * `KdcRootCertificates`, KDC name and EKU), the echoed nonce; then the shared secret
 * gives the reply key (the KDC's RFC 8636 KDF, which also binds the AS-REQ and the
 * PA-PK-AS-REP, else `octetstring2key`) that decrypts the AS-REP. A KDC that
 * requires RFC 8070 freshness tokens (refusing with PREAUTH_FAILED) gets a second
 * request whose PKAuthenticator carries the token its PREAUTH_REQUIRED gave.
 * Anonymous PKINIT (RFC 8062, an `AnonymousPkinit` client) is the same exchange with
 * an unsigned AuthPack and `pkinit_anonymous.ts`'s checks of the reply.
 *
 * @module
 */
import { randomUint } from "../../crypto/_random.ts";
import { sha1 } from "../../crypto/mod.ts";
import {
  encodeSignedData,
  encodeUnsignedData,
  parseSignedData,
  verifySignedDataSigner,
} from "../../pki/cms.ts";
import type { Certificate } from "../../pki/cert.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_CERT_WRONG_USAGE,
  SEC_E_INVALID_TOKEN,
  SEC_E_ISSUING_CA_UNTRUSTED,
  SEC_E_ISSUING_CA_UNTRUSTED_KDC,
  SEC_E_KDC_INVALID_REQUEST,
  SEC_E_KDC_UNKNOWN_ETYPE,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_PKINIT_CLIENT_FAILURE,
  SEC_E_PKINIT_NAME_MISMATCH,
  SEC_E_REVOCATION_OFFLINE_C,
  SEC_E_SMARTCARD_CERT_EXPIRED,
  SEC_E_SMARTCARD_CERT_REVOKED,
  SEC_E_UNSUPPORTED_PREAUTH,
  SEC_E_WRONG_PRINCIPAL,
} from "../../sspi/status.ts";
import { isSupportedEtype, type KerberosKey, wipeKey } from "./crypto.ts";
import {
  decodeKdcRep,
  decodeKrbError,
  decodeMethodData,
  encodeAsReq,
  encodeKdcReqBody,
  encodePaPacRequest,
  type KdcRep,
  type PAData,
  type PrincipalName,
} from "./messages.ts";
import {
  KDC_ERR_PREAUTH_FAILED,
  KDC_ERR_PREAUTH_REQUIRED,
  KEY_USAGE_AS_REP_ENC_PART,
  PA_PAC_REQUEST,
  PA_PK_AS_REP,
  PA_PK_AS_REQ,
} from "./constants.ts";
import type { CachedTicket, KerberosCredential } from "./credentials.ts";
import {
  appTag,
  authenticatorTime,
  body,
  decoded,
  finish,
  kdcFailure,
  send,
} from "./kdc_shared.ts";
import {
  type DhKeyPair,
  generateDhKeyPair,
  isSupportedKdf,
  octetString2Key,
  pkinitKdf,
  SUPPORTED_KDFS,
} from "./pkinit_dh.ts";
import {
  decodeKdcDhKeyInfo,
  decodePaPkAsRep,
  encodeAuthPack,
  encodePaPkAsReq,
  KDC_ERR_CANT_VERIFY_CERTIFICATE,
  KDC_ERR_CLIENT_NAME_MISMATCH,
  KDC_ERR_CLIENT_NOT_TRUSTED,
  KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED,
  KDC_ERR_DIGEST_IN_CERT_NOT_ACCEPTED,
  KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED,
  KDC_ERR_INCONSISTENT_KEY_PURPOSE,
  KDC_ERR_INVALID_CERTIFICATE,
  KDC_ERR_INVALID_SIG,
  KDC_ERR_KDC_NAME_MISMATCH,
  KDC_ERR_KDC_NOT_TRUSTED,
  KDC_ERR_NO_ACCEPTABLE_KDF,
  KDC_ERR_PA_CHECKSUM_MUST_BE_INCLUDED,
  KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED,
  KDC_ERR_REVOCATION_STATUS_UNAVAILABLE,
  KDC_ERR_REVOCATION_STATUS_UNKNOWN,
  KDC_ERR_REVOKED_CERTIFICATE,
  OID_PKINIT_AUTH_DATA,
  OID_PKINIT_DH_KEY_DATA,
  PA_AS_FRESHNESS,
  SUPPORTED_CMS_TYPES,
} from "./pkinit_messages.ts";
import { checkKdcCertificate } from "./pkinit_certs.ts";
import { requireKdcNotRevoked } from "./pkinit_revocation.ts";
import type { PkinitIdentity } from "./pkinit_identity.ts";
import {
  anonymousClient,
  anonymousKdcOptions,
  AnonymousPkinit,
  anonymousRefused,
  checkAnonymousReply,
} from "./pkinit_anonymous.ts";

/** Who logs on with PKINIT: a certificate and key, or nobody (anonymous PKINIT). */
export type PkinitClient = PkinitIdentity | AnonymousPkinit;

/**
 * The statuses of the KDC's PKINIT errors (RFC 4556 3.1.3, RFC 8636), as Windows'
 * Kerberos client reports them for a smart card logon.
 */
export const PKINIT_ERROR_STATUSES: Readonly<Record<number, number>> = Object
  .freeze({
    [KDC_ERR_CLIENT_NOT_TRUSTED]: SEC_E_PKINIT_CLIENT_FAILURE,
    [KDC_ERR_KDC_NOT_TRUSTED]: SEC_E_ISSUING_CA_UNTRUSTED_KDC,
    [KDC_ERR_INVALID_SIG]: SEC_E_PKINIT_CLIENT_FAILURE,
    [KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED]: SEC_E_UNSUPPORTED_PREAUTH,
    [KDC_ERR_CANT_VERIFY_CERTIFICATE]: SEC_E_ISSUING_CA_UNTRUSTED,
    [KDC_ERR_INVALID_CERTIFICATE]: SEC_E_PKINIT_CLIENT_FAILURE,
    [KDC_ERR_REVOKED_CERTIFICATE]: SEC_E_SMARTCARD_CERT_REVOKED,
    [KDC_ERR_REVOCATION_STATUS_UNKNOWN]: SEC_E_REVOCATION_OFFLINE_C,
    [KDC_ERR_REVOCATION_STATUS_UNAVAILABLE]: SEC_E_REVOCATION_OFFLINE_C,
    [KDC_ERR_CLIENT_NAME_MISMATCH]: SEC_E_PKINIT_NAME_MISMATCH,
    [KDC_ERR_KDC_NAME_MISMATCH]: SEC_E_WRONG_PRINCIPAL,
    [KDC_ERR_INCONSISTENT_KEY_PURPOSE]: SEC_E_CERT_WRONG_USAGE,
    [KDC_ERR_DIGEST_IN_CERT_NOT_ACCEPTED]: SEC_E_ALGORITHM_MISMATCH,
    [KDC_ERR_PA_CHECKSUM_MUST_BE_INCLUDED]: SEC_E_KDC_INVALID_REQUEST,
    [KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED]: SEC_E_ALGORITHM_MISMATCH,
    [KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED]: SEC_E_UNSUPPORTED_PREAUTH,
    [KDC_ERR_NO_ACCEPTABLE_KDF]: SEC_E_ALGORITHM_MISMATCH,
  });

/** What the last PKINIT exchange of a credential showed, for tests and diagnostics. */
export interface PkinitEvidence {
  /** The KDF the KDC chose (an `OID_KDF_*`), or null for octetstring2key. */
  kdf: string | null;
  /** The KDC's certificate that signed the reply (checked). */
  kdcCertificate: Certificate;
  /** The enctype of the reply key. */
  replyEtype: number;
  /**
   * Anonymous PKINIT only: whether the KDC sent PA-PKINIT-KX and the session key
   * matched it (RFC 8062 section 7).
   */
  pkinitKx?: boolean;
}

const evidence = new WeakMap<KerberosCredential, PkinitEvidence>();

/** The evidence of `cred`'s last PKINIT AS exchange (undefined: none yet). */
export function pkinitEvidence(
  cred: KerberosCredential,
): PkinitEvidence | undefined {
  return evidence.get(cred);
}

/**
 * One PKINIT AS-REQ and what checking its reply needs (the DH key pair, the nonce,
 * the request's bytes); `dispose` forgets the DH private key.
 */
export interface PkinitRequest {
  /** The DER AS-REQ to send. */
  readonly asReq: Uint8Array;
  /** Its nonce (the body's and the PKAuthenticator's). */
  readonly nonce: number;
  /** The service asked for (`krbtgt/REALM`). */
  readonly sname: PrincipalName;
  /** The ephemeral DH key pair. */
  readonly dh: DhKeyPair;
  /** Forgets the DH private key. */
  dispose(): void;
}

/**
 * Builds the AS-REQ that carries `padata` (PA-PK-AS-REQ and its companions) with the
 * DER request body `bodyDer`: plainly, or inside FAST armor (`pkinit_fast.ts`).
 */
export type AsReqWrapper = (
  bodyDer: Uint8Array,
  padata: readonly PAData[],
) => Uint8Array;

/** The plain AS-REQ: the padata beside the body. */
const unwrapped: AsReqWrapper = (bodyDer, padata) =>
  encodeAsReq({ padata: [...padata] }, bodyDer);

/**
 * Builds a PKINIT AS-REQ for `sname` with `id` (the credential's certificate and
 * key, or an `AnonymousPkinit`: unsigned, request-anonymous); `kdcOptions` replaces
 * forwardable + canonicalize; `freshnessToken` goes in the PKAuthenticator (RFC
 * 8070). An empty PA-AS-FRESHNESS says the client supports freshness tokens. `wrap`
 * puts the padata into the AS-REQ (FAST: inside the armor, RFC 6113 5.4.2); the
 * PKAuthenticator's paChecksum covers the body given to it (with FAST, the inner
 * request's, which MIT's KDC checks), and the RFC 8636 KDF later binds the whole
 * AS-REQ `wrap` returns (the outer one). Throws `SEC_E_SMARTCARD_CERT_EXPIRED` when
 * the certificate is outside its validity.
 */
export function pkinitRequest(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions: number | undefined,
  id: PkinitClient,
  freshnessToken?: Uint8Array,
  wrap: AsReqWrapper = unwrapped,
): PkinitRequest {
  const now = Date.now();
  if (id instanceof AnonymousPkinit) {
    kdcOptions = anonymousKdcOptions(kdcOptions);
  } else if (
    now < id.leaf.notBefore.getTime() || now > id.leaf.notAfter.getTime()
  ) {
    throw new SspiError(
      SEC_E_SMARTCARD_CERT_EXPIRED,
      "the logon certificate is outside its validity period",
    );
  }
  const nonce = randomUint(31);
  const b = body(cred.realm, sname, nonce, cred.cname);
  const bodyDer = encodeKdcReqBody(
    kdcOptions === undefined ? b : { ...b, kdcOptions },
  );
  const dh = generateDhKeyPair();
  try {
    const { ctime, cusec } = authenticatorTime();
    const authPack = encodeAuthPack({
      pkAuthenticator: {
        cusec,
        ctime,
        nonce,
        paChecksum: sha1(bodyDer),
        freshnessToken,
      },
      clientPublicValue: dh.spki,
      supportedCMSTypes: SUPPORTED_CMS_TYPES,
      supportedKDFs: SUPPORTED_KDFS,
    });
    const signed = id instanceof AnonymousPkinit
      ? encodeUnsignedData(OID_PKINIT_AUTH_DATA, authPack)
      : encodeSignedData({
        contentType: OID_PKINIT_AUTH_DATA,
        content: authPack,
        certificates: id.chain,
        signer: id.leaf,
        key: id.key,
      });
    const padata: PAData[] = [
      { padataType: PA_PK_AS_REQ, padataValue: encodePaPkAsReq(signed) },
      ...FRESHNESS_AND_PAC,
    ];
    const asReq = wrap(bodyDer, padata);
    return { asReq, nonce, sname, dh, dispose: () => dh.dispose() };
  } catch (e) {
    dh.dispose();
    throw e;
  }
}

/**
 * Checks the KDC's answer to `req` and returns the ticket: a KRB-ERROR becomes the
 * status of `PKINIT_ERROR_STATUSES`; an AS-REP's PA-PK-AS-REP is checked (see
 * `pkinitAsExchange`) before its reply key decrypts the enc-part. Throws nothing but
 * `SspiError` on bad input.
 */
export function pkinitReply(
  cred: KerberosCredential,
  id: PkinitClient,
  req: PkinitRequest,
  reply: Uint8Array,
): Promise<CachedTicket> {
  if (appTag(reply) === 30) {
    const err = decoded("KRB-ERROR", () => decodeKrbError(reply));
    if (err.errorCode === KDC_ERR_PREAUTH_REQUIRED) {
      noPkinit(
        err.eData
          ? decoded("METHOD-DATA", () => decodeMethodData(err.eData!))
          : [],
      );
    }
    if (id instanceof AnonymousPkinit) anonymousRefused(err, cred.realm);
    kdcFailure(err, "PKINIT AS-REQ", PKINIT_ERROR_STATUSES);
  }
  const rep = decoded("AS-REP", () => decodeKdcRep(reply));
  if (rep.msgType !== 11) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "the KDC did not answer with an AS-REP",
    );
  }
  return checkedReply(cred, id, req, rep);
}

/**
 * A PKINIT AS exchange for `sname` with `id` (the credential's certificate and key);
 * `kdcOptions` replaces forwardable + canonicalize. The reply is checked and returned,
 * not cached. KDC errors become the statuses of `PKINIT_ERROR_STATUSES`; a reply that
 * fails a check is `SEC_E_MESSAGE_ALTERED` (signature, nonce, enc-part), a KDC
 * certificate that fails `checkKdcCertificate` its status (and a revoked one
 * `SEC_E_KDC_CERT_REVOKED`, see `pkinit_revocation.ts`), anything malformed
 * `SEC_E_INVALID_TOKEN`.
 */
export async function pkinitAsExchange(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions: number | undefined,
  id: PkinitClient,
): Promise<CachedTicket> {
  let token: Uint8Array | undefined;
  for (;;) {
    const req = pkinitRequest(cred, sname, kdcOptions, id, token);
    try {
      const reply = await send(cred, cred.realm, req.asReq);
      // A KDC that requires freshness tokens (MIT's pkinit_require_freshness, AD's
      // "freshness required") refuses a request without one: get one, once.
      if (!token && preauthFailed(reply)) {
        token = await freshness(
          cred,
          sname,
          id instanceof AnonymousPkinit
            ? anonymousKdcOptions(kdcOptions)
            : kdcOptions,
        );
        if (token) continue;
      }
      return await pkinitReply(cred, id, req, reply);
    } finally {
      req.dispose();
    }
  }
}

/** The padata every PKINIT AS-REQ carries besides PA-PK-AS-REQ. */
export const FRESHNESS_AND_PAC: readonly PAData[] = [
  { padataType: PA_AS_FRESHNESS, padataValue: new Uint8Array(0) },
  { padataType: PA_PAC_REQUEST, padataValue: encodePaPacRequest(true) },
];

/** True when `reply` is a well-formed KRB-ERROR KDC_ERR_PREAUTH_FAILED. */
function preauthFailed(reply: Uint8Array): boolean {
  if (appTag(reply) !== 30) return false;
  try {
    return decodeKrbError(reply).errorCode === KDC_ERR_PREAUTH_FAILED;
  } catch {
    return false;
  }
}

/**
 * A freshness token (RFC 8070): the PA-AS-FRESHNESS of the KDC's PREAUTH_REQUIRED
 * answer to an AS-REQ without pre-authentication that asks for one; undefined when
 * the KDC gives none.
 */
async function freshness(
  cred: KerberosCredential,
  sname: PrincipalName,
  kdcOptions: number | undefined,
): Promise<Uint8Array | undefined> {
  const b = body(cred.realm, sname, randomUint(31), cred.cname);
  const reply = await send(
    cred,
    cred.realm,
    encodeAsReq(
      { padata: [...FRESHNESS_AND_PAC] },
      encodeKdcReqBody(kdcOptions === undefined ? b : { ...b, kdcOptions }),
    ),
  );
  if (appTag(reply) !== 30) return undefined;
  const err = decoded("KRB-ERROR", () => decodeKrbError(reply));
  if (err.errorCode !== KDC_ERR_PREAUTH_REQUIRED || !err.eData) {
    return undefined;
  }
  return freshnessTokenOf(
    decoded("METHOD-DATA", () => decodeMethodData(err.eData!)),
  );
}

/**
 * The freshness token (RFC 8070) among the KDC's METHOD-DATA `methods`: a copy of a
 * non-empty PA-AS-FRESHNESS of at most 1 KiB, else undefined.
 */
export function freshnessTokenOf(
  methods: readonly PAData[],
): Uint8Array | undefined {
  const t = methods.find((m) => m.padataType === PA_AS_FRESHNESS)?.padataValue;
  return t && t.length > 0 && t.length <= 1024 ? t.slice() : undefined;
}

/**
 * A PREAUTH_REQUIRED answer (with the METHOD-DATA `methods`) to a PA-PK-AS-REQ:
 * `SEC_E_UNSUPPORTED_PREAUTH`, the KDC does not do PKINIT or refused it.
 */
export function noPkinit(methods: readonly PAData[]): never {
  throw new SspiError(
    SEC_E_UNSUPPORTED_PREAUTH,
    methods.some((m) => m.padataType === PA_PK_AS_REQ)
      ? "the KDC asked for pre-authentication again after the PA-PK-AS-REQ"
      : "the KDC does not offer PKINIT (no PA-PK-AS-REQ among its methods)",
  );
}

/** Where an armored AS-REP keeps its PKINIT answer, and what changes its reply key. */
export interface ArmoredPkinitReply {
  /** The padata of the KDC's `KrbFastResponse` (holding PA-PK-AS-REP). */
  padata: readonly PAData[];
  /**
   * FAST's strengthening of the PKINIT reply key (RFC 6113 5.4.3), or null without
   * a strengthen-key; the caller of `checkedReply` wipes what it returns.
   */
  strengthen: (replyKey: KerberosKey) => KerberosKey | null;
}

/**
 * Checks the PA-PK-AS-REP of `rep` (or, armored, of `fast.padata`), derives the
 * reply key (strengthened by `fast`) and decrypts the AS-REP. The KDC's
 * certificate is checked for revocation (by the identity's policy, perhaps
 * fetching) before anything signed by it is used. Every failure is an `SspiError`
 * (see `pkinitAsExchange`).
 */
export async function checkedReply(
  cred: KerberosCredential,
  id: PkinitClient,
  sent: PkinitRequest,
  rep: KdcRep,
  fast?: ArmoredPkinitReply,
): Promise<CachedTicket> {
  const dh = sent.dh;
  const pa = (fast ? fast.padata : rep.padata)?.find((p) =>
    p.padataType === PA_PK_AS_REP
  );
  if (!pa) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "the KDC's AS-REP has no PA-PK-AS-REP",
    );
  }
  const info = decoded("PA-PK-AS-REP", () => decodePaPkAsRep(pa.padataValue));
  const sd = parseSignedData(info.dhSignedData);
  if (!sd || sd.contentType !== OID_PKINIT_DH_KEY_DATA) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "the KDC's dhSignedData is not a SignedData of KDCDHKeyInfo",
    );
  }
  const signer = verifySignedDataSigner(sd);
  if (!signer) {
    throw new SspiError(
      SEC_E_MESSAGE_ALTERED,
      "the KDC's signature over its DH key does not verify",
    );
  }
  const chain = [signer, ...sd.certificates.filter((c) => c !== signer)];
  const path: Certificate[] = [];
  const st = checkKdcCertificate(
    chain,
    [...id.kdcRoots],
    cred.realm,
    undefined,
    path,
  );
  if (st !== SEC_E_OK) {
    throw new SspiError(
      st,
      `the KDC's certificate is not acceptable for realm ${cred.realm}`,
    );
  }
  await requireKdcNotRevoked(path, id.kdcRevocation, cred.realm);
  const keyInfo = decoded("KDCDHKeyInfo", () => decodeKdcDhKeyInfo(sd.content));
  if (keyInfo.nonce !== sent.nonce) {
    throw new SspiError(
      SEC_E_MESSAGE_ALTERED,
      "the KDC's signed DH key answers another request",
    );
  }
  if (info.serverDHNonce || keyInfo.dhKeyExpiration) {
    // No clientDHNonce was sent: a KDC may not reuse its DH key (RFC 4556 3.2.3.1).
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "the KDC reuses its DH key, which this client did not offer",
    );
  }
  const etype = rep.encPart.etype;
  if (!isSupportedEtype(etype)) {
    throw new SspiError(
      SEC_E_KDC_UNKNOWN_ETYPE,
      `the AS-REP uses enctype ${etype}`,
    );
  }
  if (info.kdf !== undefined && !isSupportedKdf(info.kdf)) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      `the KDC chose a KDF that was not offered (${info.kdf})`,
    );
  }
  const secret = dh.agree(keyInfo.subjectPublicKey);
  if (!secret) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "the KDC's DH public value is not in the group",
    );
  }
  let key: KerberosKey | null = null;
  let strong: KerberosKey | null = null;
  try {
    key = info.kdf
      ? pkinitKdf({
        kdf: info.kdf,
        secret,
        client: id instanceof AnonymousPkinit
          ? anonymousClient(rep, cred.realm)
          : { name: cred.cname, realm: cred.realm },
        server: { name: sent.sname, realm: cred.realm },
        etype,
        asReq: sent.asReq,
        pkAsRep: pa.padataValue,
      })
      : octetString2Key(etype, secret);
    strong = fast ? fast.strengthen(key) : null;
    const t = decrypted(rep, strong ?? key, sent.nonce);
    let pkinitKx: boolean | undefined;
    if (id instanceof AnonymousPkinit) {
      try {
        pkinitKx = checkAnonymousReply(rep, t, key, cred.realm);
      } catch (e) {
        wipeKey(t.key);
        throw e;
      }
    }
    evidence.set(cred, {
      kdf: info.kdf ?? null,
      kdcCertificate: signer,
      replyEtype: etype,
      ...(pkinitKx === undefined ? {} : { pkinitKx }),
    });
    return t;
  } finally {
    secret.fill(0);
    if (key) wipeKey(key);
    if (strong) wipeKey(strong);
  }
}

/** `finish`, with an enc-part that does not decrypt reported as altered. */
function decrypted(rep: KdcRep, key: KerberosKey, nonce: number): CachedTicket {
  try {
    return finish(rep, key, KEY_USAGE_AS_REP_ENC_PART, nonce, "AS-REP");
  } catch (e) {
    if (e instanceof SspiError && e.status === SEC_E_LOGON_DENIED) {
      throw new SspiError(
        SEC_E_MESSAGE_ALTERED,
        "the AS-REP does not decrypt with the PKINIT reply key",
      );
    }
    throw e;
  }
}
