/**
 * The `WDigest` security package: HTTP Digest (RFC 7616, RFC 2617 compatible) and
 * SASL DIGEST-MD5 (RFC 2831), mapped onto SSPI as Microsoft's Digest SSP documents
 * it ("InitializeSecurityContext (Digest)", "AcceptSecurityContext (Digest)").
 *
 * ## Mode
 * HTTP Digest when the call sets `ISC_REQ_HTTP` (0x10000000, the Digest SSP's value;
 * `ISC_REQ_USE_HTTP_STYLE`, 0x01000000, is accepted too) on the client and
 * `ASC_REQ_HTTP` (0x10000000) on the server; SASL DIGEST-MD5 otherwise.
 *
 * ## Client (`InitializeSecurityContext`, HTTP)
 * - `pszTargetName`: the request URI (`uri` directive), e.g. `/dir/index.html`.
 * - `pInput`: `[0] SECBUFFER_TOKEN` the `WWW-Authenticate` value (one or several
 *   challenges; the strongest supported algorithm wins, SHA-512-256 > SHA-256 > MD5,
 *   a challenge whose realm equals `Domain` first), `[1] SECBUFFER_PKG_PARAMS` the
 *   method (default `GET`), `[2] SECBUFFER_PKG_PARAMS` the entity body itself (not
 *   its hash: the hash depends on the algorithm the package picks); its presence, or
 *   `ISC_REQ_INTEGRITY`, selects `qop=auth-int` when offered. `SECBUFFER_TARGET_HOST`
 *   and `SECBUFFER_CHANNEL_BINDINGS` are accepted and ignored (RFC 7616 has no
 *   channel binding).
 * - Output token: the whole `Authorization` value, `Digest username=..., ...`.
 *   Status `SEC_E_OK`, or `SEC_I_CONTINUE_NEEDED` when `ISC_REQ_MUTUAL_AUTH` asks to
 *   wait for the server's `Authentication-Info`. A first call without a token returns
 *   `SEC_I_CONTINUE_NEEDED` and no token (send the request unauthenticated).
 * - Later calls on the same context: with the `Authentication-Info` value it checks
 *   `rspauth` (`SEC_E_MUTUAL_AUTH_FAILED` if wrong) and takes `nextnonce`; with no
 *   token it authorizes the next request preemptively (nc + 1); with a challenge
 *   carrying `stale=true` it answers again with the same password; a second
 *   challenge without `stale` means the password was refused: `SEC_E_LOGON_DENIED`.
 * - Non-ASCII user names are sent as RFC 8187 `username*` when the server said
 *   `charset=UTF-8`; `userhash=true` challenges get `H(user:realm)`.
 *
 * ## Server (`AcceptSecurityContext`, HTTP)
 * - No input token: the challenge (`WWW-Authenticate` value: one `Digest` challenge
 *   per configured algorithm, joined with ", "), `SEC_I_CONTINUE_NEEDED`.
 * - `[0] SECBUFFER_TOKEN` the `Authorization` value, `[1] SECBUFFER_PKG_PARAMS` the
 *   method, `[2] SECBUFFER_PKG_PARAMS` the request URI (Microsoft: "reserved"; when
 *   non-empty the `uri` directive must equal it), `[3] SECBUFFER_PKG_PARAMS` the
 *   entity body itself for `auth-int`. Success: `SEC_E_OK` and the
 *   `Authentication-Info` value (`qop, rspauth, cnonce, nc`; for `auth-int` the
 *   rspauth covers an empty response body, since ASC cannot know the body).
 * - Nonces are stateless (HMAC-SHA256 over time, randomness and realm under a
 *   per-credential secret). A correct response with an expired nonce returns
 *   `SEC_I_CONTINUE_NEEDED` and a fresh challenge with `stale=true` (send it in a
 *   401). A reused nonce count is `SEC_E_OUT_OF_SEQUENCE` (checked per context and
 *   across contexts of the credential); wrong password, unknown user, wrong realm,
 *   wrong URI, foreign nonce or bad opaque are `SEC_E_LOGON_DENIED`; malformed
 *   headers are `SEC_E_INVALID_TOKEN`. RFC 2069 responses without `qop` are refused.
 *
 * ## SASL DIGEST-MD5
 * Client: first call (no input) `SEC_I_CONTINUE_NEEDED` and no token; with the
 * digest-challenge, `pszTargetName` is the digest-uri (`imap/host`) and the output is
 * the digest-response; `ISC_REQ_CONFIDENTIALITY` picks `auth-conf` (rc4 > 3des > des
 * > rc4-56 > rc4-40), `ISC_REQ_INTEGRITY` `auth-int`; with the server's `rspauth=`
 * it returns `SEC_E_OK`. Server: no input gives the digest-challenge; the
 * digest-response gives `SEC_E_OK` and `rspauth=...`. Then `MakeSignature`/
 * `VerifySignature` and `EncryptMessage`/`DecryptMessage` (see `context.ts` for the
 * buffers) implement RFC 2831's security layer. Only one realm per challenge.
 *
 * ## Credentials
 * Outbound `{ User, Password, Domain? }`; inbound `DigestAuthData` (`realm`, and
 * `users` | `lookup` | `htdigestFile`, with `algorithms`, `qop`,
 * `nonceLifetimeSeconds`, ...). An async `lookup` works only through
 * `SspiAcceptSecurityContextAsync`; the synchronous call returns
 * `SEC_E_NO_AUTHENTICATING_AUTHORITY`. Input tokens are the UTF-8 bytes of the
 * header value; outputs are UTF-8 too.
 *
 * @example HTTP Digest with the SSPI calls
 * ```ts
 * import {
 *   AcceptSecurityContext, AcquireCredentialsHandle, CredHandle, CtxtHandle,
 *   InitializeSecurityContext, ISC_REQ_HTTP, SecBuffer, SecBufferDesc,
 *   SECBUFFER_PKG_PARAMS, SECBUFFER_TOKEN, SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND,
 *   SECURITY_NATIVE_DREP,
 * } from "../../../mod.ts";
 * import { ASC_REQ_HTTP } from "./mod.ts";
 * const te = new TextEncoder();
 * const sc = new CredHandle(), cc = new CredHandle();
 * AcquireCredentialsHandle(null, "WDigest", SECPKG_CRED_INBOUND, null,
 *   { realm: "api", users: [{ User: "alice", Password: "pw" }] }, null, null, sc);
 * AcquireCredentialsHandle(null, "WDigest", SECPKG_CRED_OUTBOUND, null,
 *   { User: "alice", Password: "pw" }, null, null, cc);
 * const out = () => new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
 * const sctx = new CtxtHandle(), cctx = new CtxtHandle(), a = { value: 0 };
 * let o = out();
 * AcceptSecurityContext(sc, null, null, ASC_REQ_HTTP | 0x100, SECURITY_NATIVE_DREP, sctx, o, a);
 * const challenge = o.pBuffers[0].pvBuffer!;            // -> WWW-Authenticate
 * const ci = out();
 * InitializeSecurityContext(cc, null, "/index.html", ISC_REQ_HTTP | 0x100, 0,
 *   SECURITY_NATIVE_DREP, new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, challenge),
 *   new SecBuffer(SECBUFFER_PKG_PARAMS, te.encode("GET"))]), 0, cctx, ci, a);
 * o = out();                                            // ci -> Authorization
 * AcceptSecurityContext(sc, null, new SecBufferDesc([
 *   new SecBuffer(SECBUFFER_TOKEN, ci.pBuffers[0].pvBuffer),
 *   new SecBuffer(SECBUFFER_PKG_PARAMS, te.encode("GET")),
 *   new SecBuffer(SECBUFFER_PKG_PARAMS, te.encode("/index.html")),
 * ]), ASC_REQ_HTTP | 0x100, SECURITY_NATIVE_DREP, new CtxtHandle(), o, a); // SEC_E_OK
 * ```
 *
 * @module
 */
export { DIGEST_PACKAGE_INFO, digestPackage } from "./package.ts";
export type { SecPkgInfo, SecurityPackage } from "../../sspi/package.ts";
export type { DigestAuthData } from "./credentials.ts";
export type {
  DigestLookupInfo,
  DigestUser,
  DigestUserLookup,
} from "./users.ts";
export { parseHtdigest } from "./users.ts";
export { ASC_REQ_HTTP } from "./server.ts";
export { ISC_REQ_HTTP_DIGEST } from "./client.ts";
export type { DigestAlgorithm } from "./algorithms.ts";
export { DIGEST_ALGORITHMS } from "./algorithms.ts";
export type { SaslCipher } from "./rfc2831.ts";
export { sha512_256 } from "./_sha512_256.ts";
export { parseChallenges, parseCredentials } from "./header.ts";
export type { AuthHeader, AuthParam, AuthParams } from "./header.ts";
