/**
 * OCSP responses (RFC 6960 4.2): a strict parse of `OCSPResponse` with its
 * `BasicOCSPResponse` into a plain object. Malformed input gives null, never an
 * exception. `checkOcsp` (in `ocsp.ts`, which re-exports this module) says what a
 * response means for one certificate.
 *
 * @module
 */
import {
  DerError,
  type DerTree,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
} from "../der/mod.ts";
import {
  absentOrNull,
  algorithmId,
  extensionsAt,
  serialBytes,
  smallUint,
  tryScan,
} from "./asn1.ts";
import { type Certificate, parseCertificate } from "./cert.ts";
import { nameAt, timeAt } from "./name.ts";

/** id-pkix-ocsp-basic. */
export const OID_OCSP_BASIC = "1.3.6.1.5.5.7.48.1.1";
/** id-pkix-ocsp-nonce (ignored). */
export const OID_OCSP_NONCE = "1.3.6.1.5.5.7.48.1.2";
/** id-kp-OCSPSigning: the extKeyUsage of a delegated OCSP responder. */
export const OID_KP_OCSP_SIGNING = "1.3.6.1.5.5.7.3.9";

/** OCSPResponseStatus successful (0); the others are 1-3, 5 and 6. */
export const OCSP_SUCCESSFUL = 0;

/** The CertID of a SingleResponse. Byte fields are copies. */
export interface OcspCertId {
  /** The hash algorithm OID (SHA-1 is 1.3.14.3.2.26). */
  hashAlgorithm: string;
  /** The hash of the issuer's Name DER. */
  issuerNameHash: Uint8Array;
  /** The hash of the issuer's subjectPublicKey BIT STRING contents (no unused-bits octet). */
  issuerKeyHash: Uint8Array;
  /** The serial number's INTEGER content octets, as in `Certificate.serial`. */
  serialNumber: Uint8Array;
}

/** One SingleResponse. */
export interface OcspSingleResponse {
  /** Which certificate this is about. */
  certId: OcspCertId;
  /** certStatus. */
  status: "good" | "revoked" | "unknown";
  /** revocationTime for a revoked certificate, else null. */
  revocationTime: Date | null;
  /** The CRLReason code of a revoked certificate when given, else null. */
  revocationReason: number | null;
  /** thisUpdate. */
  thisUpdate: Date;
  /** nextUpdate, or null when absent. */
  nextUpdate: Date | null;
  /** OIDs of critical singleExtensions (none is handled). */
  unhandledCriticalExtensions: string[];
}

/** The responderID: the signer's subject Name DER, or the SHA-1 of its public key. */
export type OcspResponderId =
  | { byName: Uint8Array }
  | { byKey: Uint8Array };

/** A BasicOCSPResponse. Byte fields are copies, independent of the input. */
export interface BasicOcspResponse {
  /** The DER of tbsResponseData (what the signature covers). */
  tbs: Uint8Array;
  /** 1 (v1, the only version). */
  version: number;
  /** Who signed. */
  responderId: OcspResponderId;
  /** producedAt. */
  producedAt: Date;
  /** The SingleResponses, in order. */
  responses: OcspSingleResponse[];
  /** OIDs of critical responseExtensions other than the nonce. */
  unhandledCriticalExtensions: string[];
  /** The signature algorithm OID. */
  signatureAlgorithm: string;
  /** The DER of the signature algorithm's parameters, or null when absent. */
  signatureParams: Uint8Array | null;
  /** The signature bytes. */
  signature: Uint8Array;
  /** The certificates sent to help verify the signature (a delegated responder's). */
  certs: Certificate[];
}

/** A parsed OCSPResponse. */
export interface OcspResponse {
  /** The whole response DER. */
  der: Uint8Array;
  /** responseStatus: {@link OCSP_SUCCESSFUL} or an error status (1-3, 5, 6). */
  responseStatus: number;
  /** The basic response; null when the status is not successful. */
  basic: BasicOcspResponse | null;
}

const GENERALIZED_TIME = 0x18;

function generalizedTime(t: DerTree, i: number, what: string): Date {
  t.expect(i, GENERALIZED_TIME, what);
  return timeAt(t, i, what);
}

function certId(t: DerTree, i: number): OcspCertId {
  const f = t.children(t.expect(i, TAG_SEQUENCE, "CertID"));
  if (f.length !== 4) throw new DerError("Cannot decode CertID");
  const alg = algorithmId(t, f[0], "hashAlgorithm");
  if (!absentOrNull(t, alg.params)) {
    throw new DerError("Cannot decode hashAlgorithm: parameters");
  }
  return {
    hashAlgorithm: alg.oid,
    issuerNameHash: t.octetString(f[1], "issuerNameHash").slice(),
    issuerKeyHash: t.octetString(f[2], "issuerKeyHash").slice(),
    serialNumber: serialBytes(t, f[3], "serialNumber").slice(),
  };
}

function critical(t: DerTree, i: number, ignore: string[]): string[] {
  return extensionsAt(t, t.explicit(i, "extensions"), "Extensions")
    .filter((e) => e.critical && !ignore.includes(e.oid)).map((e) => e.oid);
}

function singleResponse(t: DerTree, i: number): OcspSingleResponse {
  const f = t.children(t.expect(i, TAG_SEQUENCE, "SingleResponse"));
  if (f.length < 3) throw new DerError("Cannot decode SingleResponse");
  const id = certId(t, f[0]);
  const st = f[1];
  let status: OcspSingleResponse["status"];
  let revocationTime: Date | null = null;
  let revocationReason: number | null = null;
  if (t.tag(st) === 0x80 || t.tag(st) === 0x82) {
    if (t.length(st) !== 0) throw new DerError("Cannot decode certStatus");
    status = t.tag(st) === 0x80 ? "good" : "unknown";
  } else if (t.tag(st) === 0xa1) {
    status = "revoked";
    const r = t.children(st);
    if (r.length < 1 || r.length > 2) {
      throw new DerError("Cannot decode RevokedInfo");
    }
    revocationTime = generalizedTime(t, r[0], "revocationTime");
    if (r.length === 2) {
      t.expect(r[1], 0xa0, "revocationReason");
      revocationReason = t.enumerated(
        t.explicit(r[1], "revocationReason"),
        "CRLReason",
      );
    }
  } else {
    throw new DerError("Cannot decode certStatus");
  }
  const thisUpdate = generalizedTime(t, f[2], "thisUpdate");
  let k = 3;
  let nextUpdate: Date | null = null;
  if (k < f.length && t.tag(f[k]) === 0xa0) {
    nextUpdate = generalizedTime(
      t,
      t.explicit(f[k++], "nextUpdate"),
      "nextUpdate",
    );
  }
  let unhandled: string[] = [];
  if (k < f.length && t.tag(f[k]) === 0xa1) unhandled = critical(t, f[k++], []);
  if (k !== f.length) throw new DerError("Cannot decode SingleResponse");
  return {
    certId: id,
    status,
    revocationTime,
    revocationReason,
    thisUpdate,
    nextUpdate,
    unhandledCriticalExtensions: unhandled,
  };
}

function basicResponse(der: Uint8Array): BasicOcspResponse | null {
  const t = tryScan(der);
  if (!t) return null;
  const top = t.children(t.expect(0, TAG_SEQUENCE, "BasicOCSPResponse"));
  if (top.length < 3 || top.length > 4) return null;
  const f = t.children(t.expect(top[0], TAG_SEQUENCE, "ResponseData"));
  let k = 0;
  if (k < f.length && t.tag(f[k]) === 0xa0) {
    if (smallUint(t, t.explicit(f[k++], "version"), "version") !== 0) {
      return null;
    }
  }
  if (f.length < k + 3) return null;
  let responderId: OcspResponderId;
  const rid = f[k++];
  if (t.tag(rid) === 0xa1) {
    const n = t.explicit(rid, "byName");
    nameAt(t, n, "byName");
    responderId = { byName: t.raw(n).slice() };
  } else if (t.tag(rid) === 0xa2) {
    const h = t.octetString(t.explicit(rid, "byKey"), "KeyHash");
    if (h.length !== 20) return null;
    responderId = { byKey: h.slice() };
  } else return null;
  const producedAt = generalizedTime(t, f[k++], "producedAt");
  const responses = t.children(t.expect(f[k++], TAG_SEQUENCE, "responses"))
    .map((i) => singleResponse(t, i));
  let unhandled: string[] = [];
  if (k < f.length && t.tag(f[k]) === 0xa1) {
    unhandled = critical(t, f[k++], [OID_OCSP_NONCE]);
  }
  if (k !== f.length) return null;
  const alg = algorithmId(t, top[1], "signatureAlgorithm");
  const sig = t.bitString(top[2], "signature");
  if (sig.unusedBits !== 0) return null;
  const certs: Certificate[] = [];
  if (top.length === 4) {
    t.expect(top[3], 0xa0, "certs");
    const seq = t.explicit(top[3], "certs");
    for (const c of t.children(t.expect(seq, TAG_SEQUENCE, "certs"))) {
      const cert = parseCertificate(t.raw(c));
      if (!cert) return null;
      certs.push(cert);
    }
  }
  return {
    tbs: t.raw(top[0]).slice(),
    version: 1,
    responderId,
    producedAt,
    responses,
    unhandledCriticalExtensions: unhandled,
    signatureAlgorithm: alg.oid,
    signatureParams: alg.params >= 0 ? t.raw(alg.params).slice() : null,
    signature: sig.bytes,
    certs,
  };
}

function parse(der: Uint8Array): OcspResponse | null {
  const t = tryScan(der);
  if (!t) return null;
  const f = t.children(t.expect(0, TAG_SEQUENCE, "OCSPResponse"));
  if (f.length < 1 || f.length > 2) return null;
  const responseStatus = t.enumerated(f[0], "responseStatus");
  if (![0, 1, 2, 3, 5, 6].includes(responseStatus)) return null;
  if (responseStatus !== OCSP_SUCCESSFUL) {
    return f.length === 1
      ? { der: der.slice(), responseStatus, basic: null }
      : null;
  }
  if (f.length !== 2) return null;
  t.expect(f[1], 0xa0, "responseBytes");
  const rb = t.children(
    t.expect(t.explicit(f[1], "responseBytes"), TAG_SEQUENCE, "ResponseBytes"),
  );
  if (rb.length !== 2) return null;
  if (t.oid(rb[0], "responseType") !== OID_OCSP_BASIC) return null;
  t.expect(rb[1], TAG_OCTET_STRING, "response");
  const basic = basicResponse(t.content(rb[1]));
  return basic ? { der: der.slice(), responseStatus, basic } : null;
}

/**
 * Parses a DER OCSPResponse (RFC 6960 4.2.1). Only `id-pkix-ocsp-basic` responses are
 * accepted; a non-successful status parses with `basic: null`. Returns null on any
 * malformed or unsupported input, never throws. Times must be GeneralizedTime in the
 * `YYYYMMDDHHMMSSZ` form RFC 5280 prescribes; the nonce extension is ignored; other
 * critical extensions are listed in `unhandledCriticalExtensions` (the response is then
 * unusable: `checkOcsp` says `"invalid"`).
 *
 * @example
 * ```ts
 * import { checkOcsp, parseOcspResponse } from "./mod.ts";
 * import type { Certificate } from "./cert.ts";
 *
 * function stapled(der: Uint8Array, leaf: Certificate, issuer: Certificate): string {
 *   return checkOcsp(parseOcspResponse(der), leaf, issuer, new Date()); // "good", ...
 * }
 * ```
 */
export function parseOcspResponse(der: Uint8Array): OcspResponse | null {
  if (!(der instanceof Uint8Array)) return null;
  try {
    return parse(der);
  } catch {
    // DerError on malformed input; anything else is also "not a response".
    return null;
  }
}
