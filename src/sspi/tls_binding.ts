/**
 * The `tls-server-end-point` channel binding (RFC 5929 section 4): the application
 * data that binds an NTLM or Negotiate logon to the TLS connection it travels on
 * (Windows' Extended Protection for Authentication). A client and a server that see
 * the same certificate compute the same bytes; a relay in between, which has its own
 * certificate, cannot.
 *
 * @module
 */
import { scanDer, TAG_SEQUENCE } from "../der/tree.ts";

const PREFIX = new TextEncoder().encode("tls-server-end-point:");

/** Signature algorithm OIDs whose hash is SHA-384 or SHA-512; the rest use SHA-256. */
const LONGER_HASHES: ReadonlyMap<string, "SHA-384" | "SHA-512"> = new Map([
  ["1.2.840.113549.1.1.12", "SHA-384"], // sha384WithRSAEncryption
  ["1.2.840.113549.1.1.13", "SHA-512"], // sha512WithRSAEncryption
  ["1.2.840.10045.4.3.3", "SHA-384"], // ecdsa-with-SHA384
  ["1.2.840.10045.4.3.4", "SHA-512"], // ecdsa-with-SHA512
  ["2.16.840.1.101.3.4.2.2", "SHA-384"], // id-sha384 (RSASSA-PSS hashAlgorithm)
  ["2.16.840.1.101.3.4.2.3", "SHA-512"], // id-sha512
]);
const RSASSA_PSS = "1.2.840.113549.1.1.10";

/** The DER bytes of the first certificate of a PEM text, or the bytes as given. */
function certificateDer(certificate: Uint8Array | string): Uint8Array {
  if (typeof certificate !== "string") return certificate;
  const m =
    /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/
      .exec(certificate);
  if (!m) {
    throw new TypeError("no PEM CERTIFICATE block in the text given");
  }
  const bin = atob(m[1].replace(/\s+/g, ""));
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  return der;
}

/**
 * The hash RFC 5929 section 4.1 picks for a certificate: that of its signature
 * algorithm, with MD5 and SHA-1 (and algorithms without one, such as Ed25519) taken
 * as SHA-256.
 */
function hashOf(der: Uint8Array): "SHA-256" | "SHA-384" | "SHA-512" {
  try {
    return signatureHash(der);
  } catch (e) {
    if (e instanceof TypeError) throw e;
    throw new TypeError(`not a DER certificate: ${(e as Error).message}`);
  }
}

function signatureHash(der: Uint8Array): "SHA-256" | "SHA-384" | "SHA-512" {
  const t = scanDer(der, { maxEntries: 1 << 16 });
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
  const [tbs, alg] = t.children(0);
  if (
    t.tag(0) !== TAG_SEQUENCE || tbs === undefined || alg === undefined ||
    t.tag(alg) !== TAG_SEQUENCE
  ) {
    throw new TypeError("not a DER certificate: no signatureAlgorithm");
  }
  const oid = t.oid(t.firstChild(alg), "signatureAlgorithm");
  if (oid !== RSASSA_PSS) return LONGER_HASHES.get(oid) ?? "SHA-256";
  // RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier
  // DEFAULT sha1, ... }
  const params = t.nextSibling(t.firstChild(alg));
  const hashAlg = params >= 0 ? t.firstChild(params) : -1;
  if (hashAlg < 0 || t.tag(hashAlg) !== 0xa0) return "SHA-256";
  const id = t.firstChild(t.explicit(hashAlg, "hashAlgorithm"));
  return LONGER_HASHES.get(t.oid(id, "hashAlgorithm")) ?? "SHA-256";
}

/** A certificate read and its RFC 5929 hash picked, ready to digest. */
export interface EndPointInput {
  /** The certificate's DER bytes. */
  der: Uint8Array;
  /** The hash RFC 5929 picks for it. */
  hash: "SHA-256" | "SHA-384" | "SHA-512";
}

/**
 * Reads `certificate` (DER, or the first certificate of a PEM text) and picks its
 * hash, at once (for callers that take one in their configuration); throws
 * `TypeError` when it is not a certificate.
 */
export function endPointInput(certificate: Uint8Array | string): EndPointInput {
  const der = certificateDer(certificate);
  return { der, hash: hashOf(der) };
}

/** `tls-server-end-point:` and the digest of a read certificate. */
export async function endPointOf(input: EndPointInput): Promise<Uint8Array> {
  const hash = new Uint8Array(
    await crypto.subtle.digest(
      input.hash,
      input.der as Uint8Array<ArrayBuffer>,
    ),
  );
  return endPointData(hash);
}

/** `tls-server-end-point:` followed by a certificate's digest (RFC 5929 4.1). */
export function endPointData(hash: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX.length + hash.length);
  out.set(PREFIX);
  out.set(hash, PREFIX.length);
  return out;
}

/**
 * The channel binding application data `tls-server-end-point:<hash of the server's
 * certificate>` (RFC 5929), for a `SECBUFFER_CHANNEL_BINDINGS` buffer
 * (`secChannelBindings`) or the friendly layer's `channelBindings`. `certificate` is
 * the server's leaf certificate, as DER bytes or PEM text (the first certificate of
 * the text).
 *
 * @example
 * ```ts ignore
 * import { client, tlsServerEndPoint } from "./mod.ts";
 * const pem = await Deno.readTextFile("server.crt");
 * const c = client({
 *   package: "Negotiate",
 *   authData: { User: "alice", Domain: "CONTOSO", Password: "secret" },
 *   target: "HTTP/web.contoso.com",
 *   channelBindings: await tlsServerEndPoint(pem),
 * });
 * ```
 *
 * @param certificate The server's certificate (DER or PEM).
 * @returns `tls-server-end-point:` followed by the hash bytes.
 * @throws TypeError when the bytes are not a certificate.
 */
export async function tlsServerEndPoint(
  certificate: Uint8Array | string,
): Promise<Uint8Array> {
  return await endPointOf(endPointInput(certificate));
}
