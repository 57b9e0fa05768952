/**
 * Small wrappers over the SSPI calls the tests repeat.
 *
 * @module
 */
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  InitializeSecurityContext,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_BOTH,
  SECURITY_NATIVE_DREP,
  type TimeStamp,
  type ULongOut,
} from "../../mod.ts";

/** Acquires a credential; returns the status and the handle. */
export function acquire(
  pkg: string,
  use: number = SECPKG_CRED_BOTH,
  authData: unknown = null,
): { status: number; cred: CredHandle; expiry: TimeStamp } {
  const cred = new CredHandle();
  const expiry: TimeStamp = { value: 0n };
  const status = AcquireCredentialsHandle(
    null,
    pkg,
    use,
    null,
    authData,
    null,
    null,
    cred,
    expiry,
  );
  return { status, cred, expiry };
}

/** The outcome of one handshake call. */
export interface StepOut {
  status: number;
  out: SecBufferDesc;
  attrs: ULongOut;
  expiry: TimeStamp;
}

/** An output descriptor with one token buffer (null: the package allocates). */
export function tokenDesc(buf: Uint8Array | null = null): SecBufferDesc {
  return new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, buf)]);
}

/** One InitializeSecurityContext call. */
export function isc(
  cred: CredHandle | null,
  ctx: CtxtHandle | null,
  newCtx: CtxtHandle | null,
  flags: number,
  input: SecBufferDesc | null = null,
  out: SecBufferDesc = tokenDesc(),
): StepOut {
  const attrs = { value: 0 };
  const expiry = { value: 0n };
  const status = InitializeSecurityContext(
    cred,
    ctx,
    "host/test",
    flags,
    0,
    SECURITY_NATIVE_DREP,
    input,
    0,
    newCtx,
    out,
    attrs,
    expiry,
  );
  return { status, out, attrs, expiry };
}

/** One AcceptSecurityContext call. */
export function asc(
  cred: CredHandle | null,
  ctx: CtxtHandle | null,
  newCtx: CtxtHandle | null,
  flags: number,
  input: SecBufferDesc | null = null,
  out: SecBufferDesc = tokenDesc(),
): StepOut {
  const attrs = { value: 0 };
  const expiry = { value: 0n };
  const status = AcceptSecurityContext(
    cred,
    ctx,
    input,
    flags,
    SECURITY_NATIVE_DREP,
    newCtx,
    out,
    attrs,
    expiry,
  );
  return { status, out, attrs, expiry };
}

/** True when a handle was never filled in. */
export function isEmptyHandle(h: CtxtHandle | CredHandle): boolean {
  return h.dwLower === 0n && h.dwUpper === 0n;
}

export { CredHandle, CtxtHandle };
