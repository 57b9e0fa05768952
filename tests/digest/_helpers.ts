/**
 * Helpers for the WDigest tests: credentials, one ISC/ASC call with Digest's buffer
 * layout, the SASL security layer's wire form, and text conversion.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  DecryptMessage,
  EncryptMessage,
  InitializeSecurityContext,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_HTTP,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_PKG_PARAMS,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
} from "../../mod.ts";
import { ASC_REQ_HTTP } from "../../src/packages/digest/mod.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** Bytes of a string (UTF-8). */
export const enc = (s: string): Uint8Array => te.encode(s);
/** A string of bytes (UTF-8). */
export const dec = (b: Uint8Array | null | undefined): string =>
  b ? td.decode(b) : "";

/** Acquires a WDigest credential; throws on failure. */
export function cred(use: number, authData: unknown): CredHandle {
  const h = new CredHandle();
  const s = AcquireCredentialsHandle(
    null,
    "WDigest",
    use,
    null,
    authData,
    null,
    null,
    h,
  );
  if (s !== 0) throw new Error(`AcquireCredentialsHandle: 0x${s.toString(16)}`);
  return h;
}

/** A client credential. */
export const clientCred = (User: string, Password: string, Domain = "") =>
  cred(SECPKG_CRED_OUTBOUND, { User, Password, Domain });
/** A server credential. */
export const serverCred = (data: Record<string, unknown>) =>
  cred(SECPKG_CRED_INBOUND, data);

/** The result of one call. */
export interface Call {
  status: number;
  token: string;
  attrs: number;
}

function outDesc(): SecBufferDesc {
  return new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
}

/** `InitializeSecurityContext` with Digest's HTTP input buffers. */
export function iscHttp(
  c: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  uri: string,
  token: string | Uint8Array | null,
  method = "GET",
  body?: Uint8Array,
  extraFlags = 0,
): Call {
  const bufs = [
    new SecBuffer(
      SECBUFFER_TOKEN,
      token === null ? null : typeof token === "string" ? enc(token) : token,
    ),
    new SecBuffer(SECBUFFER_PKG_PARAMS, enc(method)),
  ];
  if (body) bufs.push(new SecBuffer(SECBUFFER_PKG_PARAMS, body));
  const out = outDesc();
  const attrs = { value: 0 };
  const status = InitializeSecurityContext(
    first ? c : null,
    first ? null : ctx,
    uri,
    ISC_REQ_HTTP | ISC_REQ_ALLOCATE_MEMORY | extraFlags,
    0,
    SECURITY_NATIVE_DREP,
    new SecBufferDesc(bufs),
    0,
    ctx,
    out,
    attrs,
  );
  return { status, token: dec(out.pBuffers[0].pvBuffer), attrs: attrs.value };
}

/** `AcceptSecurityContext` with Digest's HTTP input buffers. */
export function ascHttp(
  c: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  token: string | Uint8Array | null,
  method = "GET",
  uri = "",
  body?: Uint8Array,
): Call {
  const bufs = [
    new SecBuffer(
      SECBUFFER_TOKEN,
      token === null ? null : typeof token === "string" ? enc(token) : token,
    ),
    new SecBuffer(SECBUFFER_PKG_PARAMS, enc(method)),
    new SecBuffer(SECBUFFER_PKG_PARAMS, enc(uri)),
  ];
  if (body) bufs.push(new SecBuffer(SECBUFFER_PKG_PARAMS, body));
  const out = outDesc();
  const attrs = { value: 0 };
  const status = AcceptSecurityContext(
    first ? c : null,
    first ? null : ctx,
    new SecBufferDesc(bufs),
    ASC_REQ_HTTP | ISC_REQ_ALLOCATE_MEMORY,
    SECURITY_NATIVE_DREP,
    ctx,
    out,
    attrs,
  );
  return { status, token: dec(out.pBuffers[0].pvBuffer), attrs: attrs.value };
}

/** `InitializeSecurityContext` for SASL (token only). */
export function iscSasl(
  c: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  target: string,
  token: string | null,
  flags = 0,
): Call {
  const out = outDesc();
  const attrs = { value: 0 };
  const status = InitializeSecurityContext(
    first ? c : null,
    first ? null : ctx,
    target,
    ISC_REQ_ALLOCATE_MEMORY | flags,
    0,
    SECURITY_NATIVE_DREP,
    token === null
      ? null
      : new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, enc(token))]),
    0,
    ctx,
    out,
    attrs,
  );
  return { status, token: dec(out.pBuffers[0].pvBuffer), attrs: attrs.value };
}

/** `AcceptSecurityContext` for SASL (token only). */
export function ascSasl(
  c: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  token: string | null,
): Call {
  const out = outDesc();
  const attrs = { value: 0 };
  const status = AcceptSecurityContext(
    first ? c : null,
    first ? null : ctx,
    token === null
      ? null
      : new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, enc(token))]),
    ISC_REQ_ALLOCATE_MEMORY,
    SECURITY_NATIVE_DREP,
    ctx,
    out,
    attrs,
  );
  return { status, token: dec(out.pBuffers[0].pvBuffer), attrs: attrs.value };
}

/** Joins an RFC's folded header lines into one value (", " between params). */
export function unfold(s: string): string {
  return s.trim().split(/\n\s*/).join(" ");
}

/**
 * EncryptMessage of `msg` (copied) as RFC 2831's wire form: the sealed data, then the
 * trailer.
 */
export function saslSeal(ctx: CtxtHandle, msg: Uint8Array): Uint8Array {
  const data = msg.slice();
  const tok = new Uint8Array(32);
  const d = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, data),
    new SecBuffer(SECBUFFER_TOKEN, tok),
  ]);
  assert.equal(EncryptMessage(ctx, 0, d, 0), SEC_E_OK);
  const t = d.pBuffers[1].cbBuffer;
  const wire = new Uint8Array(data.length + t);
  wire.set(data);
  wire.set(tok.subarray(0, t), data.length);
  return wire;
}

/** DecryptMessage of a wire-form message (copied): the status and the plaintext. */
export function saslUnseal(
  ctx: CtxtHandle,
  wire: Uint8Array,
): { status: number; msg: Uint8Array } {
  const buf = wire.slice();
  const d = new SecBufferDesc([new SecBuffer(SECBUFFER_DATA, buf)]);
  const status = DecryptMessage(ctx, d, 0, { value: 0 });
  return { status, msg: buf.subarray(0, d.pBuffers[0].cbBuffer) };
}

export { CtxtHandle };
