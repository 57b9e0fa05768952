/**
 * Small wrappers over the SSPI calls the tests repeat.
 *
 * @module
 */
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_INTEGRITY,
  CredHandle,
  CtxtHandle,
  InitializeSecurityContext,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_BOTH,
  SECURITY_NATIVE_DREP,
  type TimeStamp,
  type ULongOut,
} from "../../mod.ts";

/** AcquireCredentialsHandle's parameters for `pkg` (shared with the async form). */
export function acquireParams(
  pkg: string,
  use: number,
  authData: unknown,
  cred: CredHandle,
  expiry: TimeStamp,
): Parameters<typeof AcquireCredentialsHandle> {
  return [null, pkg, use, null, authData, null, null, cred, expiry];
}

/** Acquires a credential; returns the status and the handle. */
export function acquire(
  pkg: string,
  use: number = SECPKG_CRED_BOTH,
  authData: unknown = null,
): { status: number; cred: CredHandle; expiry: TimeStamp } {
  const cred = new CredHandle();
  const expiry: TimeStamp = { value: 0n };
  const status = AcquireCredentialsHandle(
    ...acquireParams(pkg, use, authData, cred, expiry),
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

/** Client flags of a sealing handshake whose tokens the package allocates. */
export const ISC_SEAL_FLAGS = ISC_REQ_ALLOCATE_MEMORY |
  ISC_REQ_CONFIDENTIALITY |
  ISC_REQ_INTEGRITY;
/** The server's counterpart of {@link ISC_SEAL_FLAGS}. */
export const ASC_SEAL_FLAGS = ASC_REQ_ALLOCATE_MEMORY |
  ASC_REQ_CONFIDENTIALITY |
  ASC_REQ_INTEGRITY;

/** The token a call wrote into the first buffer of `desc` (a view). */
export function outToken(desc: SecBufferDesc): Uint8Array {
  const b = desc.pBuffers[0];
  return b.pvBuffer!.subarray(0, b.cbBuffer);
}

/** An output descriptor with one token buffer (null: the package allocates). */
export function tokenDesc(buf: Uint8Array | null = null): SecBufferDesc {
  return new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, buf)]);
}

/** The arguments the handshake helpers take, after the async context if any. */
export type StepArgs = [
  cred: CredHandle | null,
  ctx: CtxtHandle | null,
  newCtx: CtxtHandle | null,
  flags: number,
  input?: SecBufferDesc | null,
  out?: SecBufferDesc,
];

/** A handshake call's out-parameters, fresh. */
export function stepOuts(
  out: SecBufferDesc = tokenDesc(),
): Omit<StepOut, "status"> {
  return { out, attrs: { value: 0 }, expiry: { value: 0n } };
}

/** InitializeSecurityContext's parameters (target "host/test"; shared with async). */
export function iscParams(
  [cred, ctx, newCtx, flags, input = null]: StepArgs,
  o: Omit<StepOut, "status">,
): Parameters<typeof InitializeSecurityContext> {
  return [
    cred,
    ctx,
    "host/test",
    flags,
    0,
    SECURITY_NATIVE_DREP,
    input,
    0,
    newCtx,
    o.out,
    o.attrs,
    o.expiry,
  ];
}

/** AcceptSecurityContext's parameters (shared with the async form). */
export function ascParams(
  [cred, ctx, newCtx, flags, input = null]: StepArgs,
  o: Omit<StepOut, "status">,
): Parameters<typeof AcceptSecurityContext> {
  return [
    cred,
    ctx,
    input,
    flags,
    SECURITY_NATIVE_DREP,
    newCtx,
    o.out,
    o.attrs,
    o.expiry,
  ];
}

/** One InitializeSecurityContext call. */
export function isc(...a: StepArgs): StepOut {
  const o = stepOuts(a[5]);
  return { status: InitializeSecurityContext(...iscParams(a, o)), ...o };
}

/** One AcceptSecurityContext call. */
export function asc(...a: StepArgs): StepOut {
  const o = stepOuts(a[5]);
  return { status: AcceptSecurityContext(...ascParams(a, o)), ...o };
}

/** True when a handle was never filled in. */
export function isEmptyHandle(h: CtxtHandle | CredHandle): boolean {
  return h.dwLower === 0n && h.dwUpper === 0n;
}

export { CredHandle, CtxtHandle };
