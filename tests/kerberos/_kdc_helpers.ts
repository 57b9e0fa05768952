/**
 * What the Kerberos interop tests share: a throwaway MIT KDC with a user and an
 * `HTTP/localhost` service whose key is in a keytab for MIT's acceptor, and the SSPI
 * calls of a Kerberos (or Negotiate) client driven through the async forms.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  EncryptMessage,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_SEQUENCE_DETECT,
  QueryContextAttributes,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_DATA,
  SECBUFFER_PADDING,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
  SspiAcquireCredentialsHandleAsync,
  SspiCreateAsyncContext,
  SspiFreeAsyncContext,
  SspiInitializeSecurityContextAsync,
  SspiWaitForAsyncCall,
} from "../../mod.ts";
import { isCI, pythonPeerTest } from "../peers/availability.ts";
import {
  KDC_INSTALL_HINT,
  KDC_REALM,
  kdcAvailable,
  type MitKdc,
  type MitRealms,
  type RealmsOptions,
  type RealmSpec,
  startKdc,
  type StartKdcOptions,
  startRealms,
} from "../peers/mit_kdc.ts";
import { type KdcProxy, startKdcProxy } from "../peers/kdcproxy_peer.ts";

/** The test user. */
export const KRB_USER = { user: "alice", password: "Secret-Passw0rd" };
/** The service MIT's acceptor runs as (its key is in the KDC's keytab). */
export const SERVICE = "HTTP/localhost";
/** The realm. */
export const REALM = KDC_REALM;

/** The flags a Windows client asks Kerberos for. */
export const KRB_FLAGS = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH |
  ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_SEQUENCE_DETECT |
  ISC_REQ_REPLAY_DETECT;

/**
 * Runs `fn` with a KDC, or skips (fails under CI) when MIT's KDC is not installed.
 */
export async function withKdc(
  fn: (kdc: MitKdc) => Promise<void>,
  options: StartKdcOptions = {},
): Promise<void> {
  if (!await kdcAvailable()) {
    if (isCI()) throw new Error(`MIT KDC missing: ${KDC_INSTALL_HINT}`);
    console.warn(`skipped: MIT KDC missing (${KDC_INSTALL_HINT})`);
    return;
  }
  const kdc = await startKdc(
    KRB_USER.user,
    KRB_USER.password,
    [SERVICE],
    options,
  );
  try {
    await fn(kdc);
  } finally {
    await kdc.close();
  }
}

/** Acquires an outbound credential through the async form; returns status and handle. */
export async function acquireKrb(
  pkg: string,
  authData: unknown,
): Promise<{ status: number; cred: CredHandle }> {
  const actx = SspiCreateAsyncContext();
  const cred = new CredHandle();
  try {
    const q = SspiAcquireCredentialsHandleAsync(
      actx,
      null,
      pkg,
      SECPKG_CRED_OUTBOUND,
      null,
      authData,
      null,
      null,
      cred,
      null,
    );
    assert.equal(q, SEC_E_OK);
    return { status: await SspiWaitForAsyncCall(actx), cred };
  } finally {
    SspiFreeAsyncContext(actx);
  }
}

/**
 * One client step through SspiInitializeSecurityContextAsync (or `call`, a function
 * with its parameters, such as SaslInitializeSecurityContextAsync).
 */
export async function iscStep(
  cred: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  target: string,
  input: Uint8Array | null,
  flags = KRB_FLAGS,
  call: typeof SspiInitializeSecurityContextAsync =
    SspiInitializeSecurityContextAsync,
): Promise<{ status: number; token: Uint8Array | null; attrs: number }> {
  const actx = SspiCreateAsyncContext();
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  const attrs = { value: 0 };
  try {
    const q = call(
      actx,
      cred,
      first ? null : ctx,
      target,
      flags,
      0,
      SECURITY_NATIVE_DREP,
      input ? new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, input)]) : null,
      0,
      ctx,
      out,
      attrs,
      null,
    );
    assert.equal(q, SEC_E_OK);
    const status = await SspiWaitForAsyncCall(actx);
    const b = out.pBuffers[0];
    const token = b.pvBuffer && b.cbBuffer
      ? b.pvBuffer.subarray(0, b.cbBuffer)
      : null;
    return { status, token, attrs: attrs.value };
  } finally {
    SspiFreeAsyncContext(actx);
  }
}

/** A fresh client context handle. */
export function newCtx(): CtxtHandle {
  return new CtxtHandle();
}

/** The acceptor flags the tests ask for: allocate, confidentiality, integrity, mutual. */
export const ASC_FLAGS = 0x100 | 0x10 | 0x20000 | 0x2;

/**
 * One AcceptSecurityContext call over `token` (the first of a context unless
 * `first` is false), with `bindings` as a SECBUFFER_CHANNEL_BINDINGS if given.
 */
export function accept(
  cred: CredHandle,
  ctx: CtxtHandle,
  token: Uint8Array,
  opts: { first?: boolean; bindings?: Uint8Array; flags?: number } = {},
): { status: number; token: Uint8Array | null; attrs: number } {
  const input = [new SecBuffer(SECBUFFER_TOKEN, token)];
  if (opts.bindings) {
    input.push(new SecBuffer(SECBUFFER_CHANNEL_BINDINGS, opts.bindings));
  }
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  const attrs = { value: 0 };
  const status = AcceptSecurityContext(
    cred,
    opts.first === false ? ctx : null,
    new SecBufferDesc(input),
    opts.flags ?? ASC_FLAGS,
    SECURITY_NATIVE_DREP,
    ctx,
    out,
    attrs,
    null,
  );
  const b = out.pBuffers[0];
  return {
    status,
    token: b.pvBuffer && b.cbBuffer ? b.pvBuffer.subarray(0, b.cbBuffer) : null,
    attrs: attrs.value,
  };
}

/** The SSPI sizes of an established context. */
export function sizesOf(
  ctx: CtxtHandle,
): { cbMaxSignature: number; cbSecurityTrailer: number } {
  const sizes = { value: null as unknown };
  assert.equal(QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, sizes), SEC_E_OK);
  return sizes.value as { cbMaxSignature: number; cbSecurityTrailer: number };
}

/**
 * EncryptMessage of `data` (in place) with a `cbSecurityTrailer` token buffer, and
 * a padding buffer when `padding` (rc4-hmac needs one); the bytes as sent on the
 * wire, a GSS Wrap token a GSSAPI peer unwraps.
 */
export function sealToWire(
  ctx: CtxtHandle,
  data: Uint8Array,
  padding = false,
): Uint8Array {
  const tok = new SecBuffer(
    SECBUFFER_TOKEN,
    new Uint8Array(sizesOf(ctx).cbSecurityTrailer),
  );
  const bufs = [tok, new SecBuffer(SECBUFFER_DATA, data)];
  const pad = new SecBuffer(SECBUFFER_PADDING, new Uint8Array(8));
  if (padding) bufs.push(pad);
  assert.equal(EncryptMessage(ctx, 0, new SecBufferDesc(bufs), 0), SEC_E_OK);
  const padLen = padding ? pad.cbBuffer : 0;
  const wire = new Uint8Array(tok.cbBuffer + data.length + padLen);
  wire.set(tok.pvBuffer!.subarray(0, tok.cbBuffer));
  wire.set(data, tok.cbBuffer);
  if (padLen) {
    wire.set(pad.pvBuffer!.subarray(0, padLen), tok.cbBuffer + data.length);
  }
  return wire;
}

/** A test that needs python3-gssapi (MIT's GSSAPI peer) besides the KDC. */
export const krbTest = (name: string, fn: () => Promise<void>): Promise<void> =>
  pythonPeerTest("gss-ntlmssp", name, fn);

/** The path of the KDC's service keytab (`KRB5_KTNAME` without `FILE:`). */
export function keytabPath(kdc: MitKdc): string {
  return kdc.env.KRB5_KTNAME.replace(/^FILE:/, "");
}

/** The test user's outbound `pAuthData` for this KDC. */
export function userAuthData(
  kdc: MitKdc,
  password: string = KRB_USER.password,
): { User: string; Domain: string; Password: string; Kdc: string } {
  return {
    User: KRB_USER.user,
    Domain: REALM,
    Password: password,
    Kdc: kdc.kdc,
  };
}

/**
 * AcquireCredentialsHandle(INBOUND) for `pkg`: its status and handle. Fails the test
 * if the call throws instead of returning a status.
 */
export function acquireInbound(
  pkg: string,
  authData: unknown,
  principal: string | null = null,
): { status: number; cred: CredHandle } {
  const cred = new CredHandle();
  let status: number;
  try {
    status = AcquireCredentialsHandle(
      principal,
      pkg,
      SECPKG_CRED_INBOUND,
      null,
      authData,
      null,
      null,
      cred,
      null,
    );
  } catch (e) {
    throw new Error(`AcquireCredentialsHandle threw: ${e}`);
  }
  return { status, cred };
}

/**
 * Runs `fn` with the MIT realms of `specs` and their trusts (`startRealms`), or skips
 * (fails under CI) when MIT's KDC is not installed, as `withKdc` does.
 */
export async function withRealms(
  specs: readonly RealmSpec[],
  options: RealmsOptions,
  fn: (r: MitRealms) => Promise<void>,
): Promise<void> {
  if (!await kdcAvailable()) {
    if (isCI()) throw new Error(`MIT KDC missing: ${KDC_INSTALL_HINT}`);
    console.warn(`skipped: MIT KDC missing (${KDC_INSTALL_HINT})`);
    return;
  }
  const realms = await startRealms(specs, options);
  try {
    await fn(realms);
  } finally {
    await realms.close();
  }
}

/** Runs `fn` with a KDC and FreeIPA's kdcproxy in front of it (HTTPS when `tls`). */
export function withProxy(
  tls: boolean,
  fn: (kdc: MitKdc, proxy: KdcProxy) => Promise<void>,
): Promise<void> {
  return withKdc(async (kdc) => {
    const proxy = await startKdcProxy(REALM, kdc.kdc, tls);
    try {
      await fn(kdc, proxy);
    } finally {
      await proxy.close();
    }
  });
}
