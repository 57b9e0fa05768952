/**
 * Online revocation checking, what Windows' Schannel does through CryptoAPI when a
 * credential asks for revocation checks: for each certificate of the validated path
 * that what is at hand (the credential's CRLs, the stapled response, earlier
 * fetches) does not settle, ask the OCSP responder its Authority Information Access
 * names (RFC 6960 over HTTP POST), else fetch the CRLs its CRL Distribution Points
 * name (`src/pki/revocation_fetch.ts`, shared with Kerberos' PKINIT), and the
 * delta CRLs their Freshest CRL extensions name for the credential's and the
 * fetched base CRLs, then judge the path. Only in the async calls (the fetches
 * are network I/O); `SCH_CRED_REVOCATION_CHECK_CACHE_ONLY` turns it off. A
 * responder or CRL server that cannot be reached counts as out-of-date information
 * (`CRYPT_E_REVOCATION_OFFLINE` unless `SCH_CRED_IGNORE_REVOCATION_OFFLINE`).
 *
 * @module
 */
import { judgeRevocation, revocationVerdicts } from "../../pki/mod.ts";
import { fetchOpenVerdicts } from "../../pki/revocation_fetch.ts";
import { CRYPT_E_REVOKED, SEC_E_OK } from "../../sspi/status.ts";
import type { SchannelCredential } from "./credentials.ts";
import type { PendingRevocation } from "./status_request.ts";

export {
  FETCH_TIMEOUT_MS,
  MAX_CRL_BYTES,
  MAX_OCSP_BYTES,
} from "../../pki/revocation_fetch.ts";

/**
 * Finishes a revocation check left by the handshake (`pending`): judges each
 * certificate of the path once by what is at hand (the credential's CRLs, the
 * stapled response), fetches for those it leaves open (or finds them in the cache),
 * then judges the path by the credential's policy. SEC_E_OK or a `CRYPT_E_*` status.
 */
export async function checkOnline(
  pending: PendingRevocation,
  cred: SchannelCredential,
  now: Date = new Date(),
): Promise<number> {
  const policy = cred.revocation!;
  const { path, ocsp } = pending;
  const opts = {
    scope: policy.scope,
    ocsp,
    crls: [...cred.crls()],
    now,
    ignoreNoCheck: policy.ignoreNoCheck,
    ignoreOffline: policy.ignoreOffline,
  };
  const verdicts = revocationVerdicts(path, opts);
  const first = judgeRevocation(verdicts, path.length, opts);
  if (first === SEC_E_OK || first === CRYPT_E_REVOKED || !policy.fetch) {
    return first;
  }
  await fetchOpenVerdicts(
    path,
    verdicts,
    cred.revocationCache(),
    now,
    opts.crls,
  );
  return judgeRevocation(verdicts, path.length, opts);
}
