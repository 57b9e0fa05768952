/**
 * What the SASL tests share: one client step (SaslInitializeSecurityContextAsync, so
 * the Kerberos client may reach its KDC), one server step (SaslAcceptSecurityContext),
 * and messages under the agreed layer through the context's own calls, as one token
 * on the wire, the form Cyrus' `sasl_encode` gives after its length prefix.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  type CtxtHandle,
  DecryptMessage,
  EncryptMessage,
  QueryContextAttributes,
  SaslAcceptSecurityContext,
  SaslInitializeSecurityContextAsync,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_PADDING,
  SECBUFFER_STREAM,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_SIZES,
  SECQOP_WRAP_NO_ENCRYPT,
  SECURITY_NATIVE_DREP,
} from "../../mod.ts";
import { iscStep } from "../kerberos/_kdc_helpers.ts";

/** A step's status, output token (empty when none) and attributes. */
export interface Step {
  status: number;
  token: Uint8Array;
  attrs: number;
}

function tokenOf(out: SecBufferDesc): Uint8Array {
  const b = out.pBuffers[0];
  return b.pvBuffer ? b.pvBuffer.slice(0, b.cbBuffer) : new Uint8Array(0);
}

/** One SaslInitializeSecurityContext step through its async form. */
export async function saslIsc(
  cred: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  target: string,
  flags: number,
  input: Uint8Array | null,
): Promise<Step> {
  const r = await iscStep(
    cred,
    ctx,
    first,
    target,
    input,
    flags,
    SaslInitializeSecurityContextAsync,
  );
  return { ...r, token: r.token?.slice() ?? new Uint8Array(0) };
}

/** One SaslAcceptSecurityContext step. */
export function saslAsc(
  cred: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  flags: number,
  input: Uint8Array | null,
): Step {
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  const attrs = { value: 0 };
  const status = SaslAcceptSecurityContext(
    cred,
    first ? null : ctx,
    new SecBufferDesc([
      new SecBuffer(SECBUFFER_TOKEN, input ?? new Uint8Array(0)),
    ]),
    flags,
    SECURITY_NATIVE_DREP,
    ctx,
    out,
    attrs,
    null,
  );
  return { status, token: tokenOf(out), attrs: attrs.value };
}

/** Wraps `data`, sealed or integrity only, as one token (header, trailer, data). */
export function wrap(
  ctx: CtxtHandle,
  data: Uint8Array,
  seal: boolean,
): Uint8Array {
  const sizes: { value?: { cbSecurityTrailer: number; cbBlockSize: number } } =
    {};
  assert.equal(QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, sizes), SEC_E_OK);
  const bufs = [
    new SecBuffer(
      SECBUFFER_TOKEN,
      new Uint8Array(sizes.value!.cbSecurityTrailer),
    ),
    new SecBuffer(SECBUFFER_DATA, data.slice()),
    new SecBuffer(SECBUFFER_PADDING, new Uint8Array(sizes.value!.cbBlockSize)),
  ];
  const st = EncryptMessage(
    ctx,
    seal ? 0 : SECQOP_WRAP_NO_ENCRYPT,
    new SecBufferDesc(bufs),
    0,
  );
  assert.equal(st, SEC_E_OK);
  const parts = bufs.map((b) => b.pvBuffer!.subarray(0, b.cbBuffer));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Unwraps one token; status, data and whether it was sealed. */
export function unwrapMsg(
  ctx: CtxtHandle,
  wire: Uint8Array,
): { status: number; data: Uint8Array; sealed: boolean } {
  const data = new SecBuffer(SECBUFFER_DATA, null);
  const qop = { value: 0 };
  const status = DecryptMessage(
    ctx,
    new SecBufferDesc([new SecBuffer(SECBUFFER_STREAM, wire.slice()), data]),
    0,
    qop,
  );
  return {
    status,
    data: data.pvBuffer
      ? data.pvBuffer.slice(0, data.cbBuffer)
      : new Uint8Array(0),
    sealed: (qop.value & SECQOP_WRAP_NO_ENCRYPT) === 0,
  };
}
