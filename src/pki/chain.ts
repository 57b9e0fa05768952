/**
 * Certificate chain validation for TLS (a subset of RFC 5280 section 6 plus RFC 6125
 * host names), returning SSPI status codes as Schannel does.
 *
 * @module
 */
import {
  SEC_E_CERT_EXPIRED,
  SEC_E_CERT_UNKNOWN,
  SEC_E_CERT_WRONG_USAGE,
  SEC_E_OK,
  SEC_E_UNTRUSTED_ROOT,
  SEC_E_WRONG_PRINCIPAL,
} from "../sspi/status.ts";
import {
  bytesEqual,
  type Certificate,
  KU_KEY_CERT_SIGN,
  OID_ANY_EXT_KEY_USAGE,
  OID_KP_CLIENT_AUTH,
  OID_KP_SERVER_AUTH,
} from "./cert.ts";
import { formatIp, parseIp } from "./name.ts";
import { verifyCertificateSignature } from "./signature.ts";

/** Most certificates a chain may hold (bounds signature work on hostile input). */
export const MAX_CHAIN_LENGTH = 10;

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  /** The host name or IP literal the leaf must match; no check when omitted. */
  host?: string;
  /** The time validity is checked at (default: now). */
  now?: Date;
  /**
   * The purpose the leaf must allow when it has an extKeyUsage extension (it passes
   * with that purpose or anyExtendedKeyUsage); no check when omitted.
   */
  purpose?: "serverAuth" | "clientAuth";
  /**
   * Out-parameter: when given, emptied and then filled with the path that was built,
   * leaf first and ending at the trusted anchor (the root, or the chain certificate
   * byte-identical to a root), as soon as one is anchored, whatever the later checks
   * (validity, host, purpose) return; left empty when no anchored path is found. For
   * revocation checking (`checkRevocation`).
   */
  path?: Certificate[];
}

/**
 * True when the leaf names `host`: IP literals against iPAddress SANs; DNS names
 * (case-insensitive, trailing dot ignored) against dNSName SANs, with `*` allowed as
 * the whole left-most label only (matching exactly one label, never the registrable
 * domain alone: `*.com` is refused); the subject CN only when the certificate has no
 * subjectAltName extension.
 */
export function matchesHost(cert: Certificate, host: string): boolean {
  if (typeof host !== "string" || host === "") return false;
  const ip = parseIp(host);
  if (ip) {
    const text = formatIp(ip);
    return cert.ipAddresses.some((a) => {
      const b = parseIp(a);
      return b !== null && formatIp(b) === text;
    });
  }
  const h = normalize(host);
  // Host names are A-labels (IDNs in punycode): letters, digits, hyphens, underscores.
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(h)) return false;
  const names = cert.hasSubjectAltName
    ? cert.dnsNames
    : cert.subjectCommonName !== null
    ? [cert.subjectCommonName]
    : [];
  return names.some((n) => dnsMatch(normalize(n), h));
}

function normalize(s: string): string {
  const t = s.toLowerCase();
  return t.endsWith(".") ? t.slice(0, -1) : t;
}

function dnsMatch(pattern: string, host: string): boolean {
  if (pattern === "" || /[^a-z0-9.*_-]/.test(pattern)) return false;
  if (!pattern.includes("*")) return pattern === host;
  const p = pattern.split(".");
  const h = host.split(".");
  if (p[0] !== "*" || p.slice(1).some((l) => l.includes("*") || l === "")) {
    return false;
  }
  if (p.length < 3 || p.length !== h.length) return false;
  if (parseIp(host)) return false;
  return p.slice(1).join(".") === h.slice(1).join(".");
}

function within(cert: Certificate, now: Date): boolean {
  const t = now.getTime();
  return cert.notBefore.getTime() <= t && t <= cert.notAfter.getTime();
}

/**
 * True when `cert` may issue certificates: cA (or a v1 trusted root, which has no
 * extensions), and keyCertSign when keyUsage is present.
 */
function canIssue(cert: Certificate, trusted: boolean): boolean {
  const ca = cert.isCA || (trusted && cert.version === 1);
  return ca &&
    (cert.keyUsage === null || (cert.keyUsage & KU_KEY_CERT_SIGN) !== 0);
}

/**
 * Validates a chain (leaf first, as sent in TLS) against trusted `roots`. Each
 * certificate must be issued by a later one in the chain (normally the next) or by a
 * root whose subject matches its issuer and whose key verifies its signature; a
 * certificate byte-identical to a root is trusted as is. Issuers must be CAs (cA, or
 * v1 roots; keyCertSign when keyUsage is present) within their pathLenConstraint;
 * every certificate of the path (the root included) must be valid at `now`, and none
 * may carry an unhandled critical extension. With `host`, the leaf must match it (see
 * {@link matchesHost}).
 *
 * Returns SEC_E_OK; SEC_E_UNTRUSTED_ROOT when no root anchors the chain;
 * SEC_E_CERT_EXPIRED when a certificate is outside its validity; SEC_E_WRONG_PRINCIPAL
 * when the host does not match; SEC_E_CERT_UNKNOWN for an empty or over-long chain, an
 * issuer (in the chain or a root) whose name matches but whose key does not verify the
 * signature, a non-CA issuer, path length violations or unhandled critical extensions;
 * with `purpose`, SEC_E_CERT_WRONG_USAGE when the leaf's extKeyUsage excludes it.
 */
export function verifyChain(
  chain: Certificate[],
  roots: Certificate[],
  opts: VerifyChainOptions = {},
): number {
  if (Array.isArray(opts.path)) opts.path.length = 0;
  if (!Array.isArray(chain) || chain.length === 0) return SEC_E_CERT_UNKNOWN;
  if (chain.length > MAX_CHAIN_LENGTH || chain.some((c) => !c)) {
    return SEC_E_CERT_UNKNOWN;
  }
  const now = opts.now ?? new Date();
  const path: Certificate[] = [chain[0]];
  const used = new Set<number>([0]);
  let anchored = false;
  for (let cur = chain[0]; path.length <= MAX_CHAIN_LENGTH;) {
    if (roots.some((r) => bytesEqual(r.der, cur.der))) {
      anchored = true;
      break;
    }
    // Candidates: trusted roots first, then later chain certificates (normally the
    // next; TLS 1.3 tolerates extras and disorder).
    let named = false;
    let root: Certificate | undefined;
    for (const r of roots) {
      if (!bytesEqual(r.subject, cur.issuer)) continue;
      named = true;
      if (verifyCertificateSignature(cur, r.publicKey)) {
        root = r;
        break;
      }
    }
    if (root) {
      if (!canIssue(root, true)) return SEC_E_CERT_UNKNOWN;
      path.push(root);
      anchored = true;
      break;
    }
    let next = -1;
    for (let i = 1; i < chain.length; i++) {
      if (used.has(i) || !bytesEqual(chain[i].subject, cur.issuer)) continue;
      named = true;
      if (verifyCertificateSignature(cur, chain[i].publicKey)) {
        next = i;
        break;
      }
    }
    if (next < 0) return named ? SEC_E_CERT_UNKNOWN : SEC_E_UNTRUSTED_ROOT;
    if (!canIssue(chain[next], false)) return SEC_E_CERT_UNKNOWN;
    used.add(next);
    cur = chain[next];
    path.push(cur);
  }
  if (!anchored) return SEC_E_UNTRUSTED_ROOT;
  if (Array.isArray(opts.path)) opts.path.push(...path);
  // Path length: issuer at path[i] has i-1 intermediates below it (excluding the leaf
  // and self-issued ones, simplified here to all).
  for (let i = 1; i < path.length; i++) {
    const pl = path[i].pathLen;
    if (pl !== null && i - 1 > pl) return SEC_E_CERT_UNKNOWN;
  }
  for (const c of path) {
    if (c.unhandledCriticalExtensions.length > 0) return SEC_E_CERT_UNKNOWN;
  }
  for (const c of path) if (!within(c, now)) return SEC_E_CERT_EXPIRED;
  if (opts.host !== undefined && !matchesHost(chain[0], opts.host)) {
    return SEC_E_WRONG_PRINCIPAL;
  }
  const eku = chain[0].extKeyUsage;
  if (opts.purpose !== undefined && eku !== null) {
    const want = opts.purpose === "serverAuth"
      ? OID_KP_SERVER_AUTH
      : OID_KP_CLIENT_AUTH;
    if (!eku.includes(want) && !eku.includes(OID_ANY_EXT_KEY_USAGE)) {
      return SEC_E_CERT_WRONG_USAGE;
    }
  }
  return SEC_E_OK;
}
