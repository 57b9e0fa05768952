/**
 * The handshake calls' Win32 parameter lists as labelled tuples, and their reading
 * into the dispatcher's `StepArgs` (reserved parameters dropped, argument types
 * checked, so misuse is a `TypeError` at the call, never inside a queued one).
 * Shared by the functions that take these lists whole: the SASL wrappers and the
 * native provider's table.
 *
 * @module
 */
import { checkStepArgs, type StepArgs } from "./_dispatch.ts";
import type { SecBufferDesc, TimeStamp, ULongOut } from "./buffers.ts";
import type { CredHandle, CtxtHandle } from "./handles.ts";

/** `InitializeSecurityContext`'s parameters, in Win32 order. */
export type IscParams = [
  phCredential: CredHandle | null,
  phContext: CtxtHandle | null,
  pszTargetName: string | null,
  fContextReq: number,
  Reserved1: number,
  TargetDataRep: number,
  pInput: SecBufferDesc | null,
  Reserved2: number,
  phNewContext: CtxtHandle | null,
  pOutput: SecBufferDesc | null,
  pfContextAttr: ULongOut | null,
  ptsExpiry?: TimeStamp | null,
];

/** `AcceptSecurityContext`'s parameters, in Win32 order. */
export type AscParams = [
  phCredential: CredHandle | null,
  phContext: CtxtHandle | null,
  pInput: SecBufferDesc | null,
  fContextReq: number,
  TargetDataRep: number,
  phNewContext: CtxtHandle | null,
  pOutput: SecBufferDesc | null,
  pfContextAttr: ULongOut | null,
  ptsExpiry?: TimeStamp | null,
];

/** The checked step arguments of an `InitializeSecurityContext` parameter list. */
export function iscArgs(
  [
    cred,
    ctx,
    target,
    flags,
    _r1,
    dataRep,
    input,
    _r2,
    newCtx,
    output,
    attrs,
    expiry,
  ]: IscParams,
): StepArgs {
  const a: StepArgs = {
    role: "initiate",
    cred,
    ctx,
    target,
    flags,
    dataRep,
    input,
    newCtx,
    output,
    attrs,
    expiry,
  };
  checkStepArgs(a);
  return a;
}

/** The checked step arguments of an `AcceptSecurityContext` parameter list. */
export function ascArgs(
  [cred, ctx, input, flags, dataRep, newCtx, output, attrs, expiry]: AscParams,
): StepArgs {
  const a: StepArgs = {
    role: "accept",
    cred,
    ctx,
    target: null,
    flags,
    dataRep,
    input,
    newCtx,
    output,
    attrs,
    expiry,
  };
  checkStepArgs(a);
  return a;
}
