/**
 * Shared steps of the Schannel tests: credentials, an in-memory handshake between two
 * contexts, and sealing/unsealing one record through the SSPI buffer conventions.
 */
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  InitializeSecurityContext,
  QueryContextAttributes,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_EMPTY,
  SECBUFFER_EXTRA,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_STREAM_SIZES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SspiCreateAsyncContext,
  SspiFreeAsyncContext,
  SspiInitializeSecurityContextAsync,
  SspiWaitForAsyncCall,
} from "../../mod.ts";
import type { SchannelAuthData } from "../../mod.ts";

/** ISC flags a Schannel client typically passes. */
export const ISC_FLAGS = 0x4 | 0x8 | 0x10 | 0x100 | 0x8000; // replay, sequence, confidentiality, allocate, stream
/** ASC flags a Schannel server typically passes. */
export const ASC_FLAGS = 0x4 | 0x8 | 0x10 | 0x100 | 0x10000;

/** A credential for `use`. */
export function acquire(
  use: "client" | "server",
  auth: SchannelAuthData | null,
  pkg = "Schannel",
): CredHandle {
  const h = new CredHandle();
  const st = AcquireCredentialsHandle(
    null,
    pkg,
    use === "client" ? SECPKG_CRED_OUTBOUND : SECPKG_CRED_INBOUND,
    null,
    auth,
    null,
    null,
    h,
    null,
  );
  if (st !== SEC_E_OK) {
    throw new Error(`AcquireCredentialsHandle: 0x${st.toString(16)}`);
  }
  return h;
}

/** One ISC call; returns the status, the output token and the input's extra/missing. */
export function isc(
  cred: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  target: string | null,
  input: Uint8Array | null,
  flags = ISC_FLAGS,
): {
  status: number;
  token: Uint8Array | null;
  extra: number;
  missing: number;
} {
  const inBufs = input
    ? new SecBufferDesc([
      new SecBuffer(SECBUFFER_TOKEN, input),
      new SecBuffer(SECBUFFER_EMPTY),
    ])
    : null;
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  const status = InitializeSecurityContext(
    cred,
    first ? null : ctx,
    target,
    flags,
    0,
    0,
    inBufs,
    0,
    ctx,
    out,
    { value: 0 },
    null,
  );
  return {
    status,
    token: out.pBuffers[0].cbBuffer ? out.pBuffers[0].pvBuffer : null,
    ...leftOf(inBufs),
  };
}

/** One ASC call. */
export function asc(
  cred: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  input: Uint8Array,
  flags = ASC_FLAGS,
): {
  status: number;
  token: Uint8Array | null;
  extra: number;
  missing: number;
} {
  const inBufs = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, input),
    new SecBuffer(SECBUFFER_EMPTY),
  ]);
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  const status = AcceptSecurityContext(
    cred,
    first ? null : ctx,
    inBufs,
    flags,
    0,
    ctx,
    out,
    { value: 0 },
    null,
  );
  return {
    status,
    token: out.pBuffers[0].cbBuffer ? out.pBuffers[0].pvBuffer : null,
    ...leftOf(inBufs),
  };
}

function leftOf(
  desc: SecBufferDesc | null,
): { extra: number; missing: number } {
  const b = desc?.pBuffers[1];
  return {
    extra: b && b.BufferType === SECBUFFER_EXTRA ? b.cbBuffer : 0,
    missing: b && b.BufferType === 4 ? b.cbBuffer : 0,
  };
}

/**
 * A full in-memory handshake, as many legs as the package needs (two for Schannel,
 * more for CredSSP); throws with the status of the side that failed. A token the
 * server returns with its `SEC_E_OK` once the client is done (TLS 1.3's
 * NewSessionTicket) is handed to the client's DecryptMessage, as an application
 * sends it, unless `keepTicket`; it is returned as `ticket`.
 */
export function handshake(
  clientCred: CredHandle,
  serverCred: CredHandle,
  target: string | null = "localhost",
  opts: { iscFlags?: number; ascFlags?: number; keepTicket?: boolean } = {},
): {
  client: CtxtHandle;
  server: CtxtHandle;
  legs: number;
  ticket: Uint8Array | null;
} {
  const client = new CtxtHandle();
  const server = new CtxtHandle();
  let c = isc(clientCred, client, true, target, null, opts.iscFlags);
  let legs = 1;
  let firstAccept = true;
  let serverDone = false;
  for (;;) {
    if (c.status !== SEC_I_CONTINUE_NEEDED && c.status !== SEC_E_OK) {
      throw new HandshakeError("client", c.status);
    }
    if (!c.token) {
      if (c.status === SEC_E_OK && serverDone) {
        return { client, server, legs, ticket: null };
      }
      throw new HandshakeError("client", c.status);
    }
    const s = asc(serverCred, server, firstAccept, c.token, opts.ascFlags);
    firstAccept = false;
    legs++;
    if (s.status !== SEC_I_CONTINUE_NEEDED && s.status !== SEC_E_OK) {
      throw new HandshakeError("server", s.status);
    }
    serverDone = s.status === SEC_E_OK;
    if (c.status === SEC_E_OK) {
      if (!serverDone) throw new HandshakeError("server", s.status);
      if (s.token && !opts.keepTicket) deliver(client, s.token);
      return { client, server, legs, ticket: s.token };
    }
    if (!s.token) throw new HandshakeError("server", s.status);
    c = isc(clientCred, client, false, target, s.token, opts.iscFlags);
    legs++;
    if (c.status === SEC_E_OK && !c.token && serverDone) {
      return { client, server, legs, ticket: null };
    }
  }
}

/** Hands every record of `bytes` to DecryptMessage on `ctx`: none may carry data. */
export function deliver(ctx: CtxtHandle, bytes: Uint8Array): void {
  let rest: Uint8Array | null = bytes;
  while (rest?.length) {
    const u = unseal(ctx, rest);
    if (u.status !== SEC_E_OK || u.data?.length) {
      throw new Error(`DecryptMessage of a ticket: 0x${u.status.toString(16)}`);
    }
    rest = u.extra;
  }
}

/** A failed handshake step. */
export class HandshakeError extends Error {
  /** Creates one. */
  constructor(readonly side: "client" | "server", readonly status: number) {
    super(`${side} failed: 0x${(status >>> 0).toString(16)}`);
  }
}

/** One record carrying `data`, made by EncryptMessage. */
export function seal(ctx: CtxtHandle, data: Uint8Array): Uint8Array {
  const sizes: { value?: { cbHeader: number; cbTrailer: number } } = {};
  if (
    QueryContextAttributes(ctx, SECPKG_ATTR_STREAM_SIZES, sizes) !== SEC_E_OK
  ) {
    throw new Error("SECPKG_ATTR_STREAM_SIZES");
  }
  const header = new SecBuffer(
    SECBUFFER_STREAM_HEADER,
    new Uint8Array(sizes.value!.cbHeader),
  );
  const body = new SecBuffer(SECBUFFER_DATA, data.slice());
  const trailer = new SecBuffer(
    SECBUFFER_STREAM_TRAILER,
    new Uint8Array(sizes.value!.cbTrailer),
  );
  const st = EncryptMessage(
    ctx,
    0,
    new SecBufferDesc([header, body, trailer, new SecBuffer(SECBUFFER_EMPTY)]),
    0,
  );
  if (st !== SEC_E_OK) throw new Error(`EncryptMessage: 0x${st.toString(16)}`);
  const h = header.cbBuffer;
  const out = new Uint8Array(h + data.length + trailer.cbBuffer);
  out.set(header.pvBuffer!.subarray(0, h));
  out.set(body.pvBuffer!, h);
  out.set(trailer.pvBuffer!.subarray(0, trailer.cbBuffer), h + data.length);
  return out;
}

/** DecryptMessage over `bytes`: status, plaintext, extra bytes count, missing count. */
export function unseal(
  ctx: CtxtHandle,
  bytes: Uint8Array,
): {
  status: number;
  data: Uint8Array | null;
  extra: Uint8Array | null;
  missing: number;
} {
  const bufs = [
    new SecBuffer(SECBUFFER_DATA, bytes),
    new SecBuffer(SECBUFFER_EMPTY),
    new SecBuffer(SECBUFFER_EMPTY),
    new SecBuffer(SECBUFFER_EMPTY),
  ];
  const status = DecryptMessage(ctx, new SecBufferDesc(bufs), 0, { value: 0 });
  const data = bufs.find((b) => b.BufferType === SECBUFFER_DATA);
  const extra = bufs.find((b) => b.BufferType === SECBUFFER_EXTRA);
  const missing = bufs.find((b) => b.BufferType === 4);
  return {
    status,
    data: data?.pvBuffer ? data.pvBuffer.subarray(0, data.cbBuffer) : null,
    extra: extra?.pvBuffer ? extra.pvBuffer.subarray(0, extra.cbBuffer) : null,
    missing: missing?.cbBuffer ?? 0,
  };
}

/** One InitializeSecurityContext (for "localhost") through the async form, awaited. */
export async function iscAsync(
  cred: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  input: Uint8Array | null,
): Promise<{ status: number; token: Uint8Array | null }> {
  const actx = SspiCreateAsyncContext();
  const inBufs = input
    ? new SecBufferDesc([
      new SecBuffer(SECBUFFER_TOKEN, input),
      new SecBuffer(SECBUFFER_EMPTY),
    ])
    : null;
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  SspiInitializeSecurityContextAsync(
    actx,
    cred,
    first ? null : ctx,
    "localhost",
    ISC_FLAGS,
    0,
    0,
    inBufs,
    0,
    ctx,
    out,
    { value: 0 },
    null,
  );
  const status = await SspiWaitForAsyncCall(actx);
  SspiFreeAsyncContext(actx);
  return {
    status,
    token: out.pBuffers[0].cbBuffer ? out.pBuffers[0].pvBuffer : null,
  };
}

/**
 * A handshake of the client credential `cc` with the server credential `sc`, the
 * client's steps through the async form (or, with `sync`, the synchronous call):
 * the client's final status. A server failure throws `HandshakeError`. Deletes
 * both contexts.
 */
export async function clientStatus(
  cc: CredHandle,
  sc: CredHandle,
  sync = false,
): Promise<number> {
  const client = new CtxtHandle();
  const server = new CtxtHandle();
  const step = (first: boolean, input: Uint8Array | null) =>
    sync
      ? Promise.resolve(isc(cc, client, first, "localhost", input))
      : iscAsync(cc, client, first, input);
  try {
    let c = await step(true, null);
    for (let first = true;; first = false) {
      if (c.status !== SEC_I_CONTINUE_NEEDED || !c.token) return c.status;
      const s = asc(sc, server, first, c.token);
      if (s.status !== SEC_E_OK && s.status !== SEC_I_CONTINUE_NEEDED) {
        throw new HandshakeError("server", s.status);
      }
      if (!s.token) return c.status;
      c = await step(false, s.token);
      if (c.status === SEC_E_OK) return SEC_E_OK;
    }
  } finally {
    DeleteSecurityContext(client);
    DeleteSecurityContext(server);
  }
}
