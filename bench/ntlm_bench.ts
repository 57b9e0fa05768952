/**
 * Portable NTLM benchmarks: full NTLMv2 handshakes (client and server, MIC, key
 * exchange) and EncryptMessage+DecryptMessage round trips, as tinybench task bodies.
 *
 * @module
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
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
} from "../mod.ts";

/** The user every portable benchmark task authenticates as. */
export const BENCH_USER = {
  User: "alice",
  Domain: "EXAMPLE",
  Password: "S3cret!pw",
} as const;
const USER = BENCH_USER;
const FLAGS = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION |
  ISC_REQ_ALLOCATE_MEMORY;
const ASC = 0x10 | 0x20000 | 0x800 | 0x100; // CONFIDENTIALITY, INTEGRITY, CONNECTION, ALLOCATE_MEMORY

/** Credentials for a portable client and server, acquired once. */
export function portableCredentials(
  pkg = "NTLM",
): { client: CredHandle; server: CredHandle } {
  const client = new CredHandle();
  const server = new CredHandle();
  if (
    AcquireCredentialsHandle(
      null,
      pkg,
      SECPKG_CRED_OUTBOUND,
      null,
      USER,
      null,
      null,
      client,
      null,
    ) !== SEC_E_OK
  ) {
    throw new Error("client credentials");
  }
  if (
    AcquireCredentialsHandle(
      null,
      pkg,
      SECPKG_CRED_INBOUND,
      null,
      { users: [USER] },
      null,
      null,
      server,
      null,
    ) !== SEC_E_OK
  ) {
    throw new Error("server credentials");
  }
  return { client, server };
}

/** An output descriptor with one token buffer for the package to allocate. */
export const tok = (): SecBufferDesc =>
  new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
/** An input descriptor over the token another call wrote into `d`. */
export const inTok = (d: SecBufferDesc): SecBufferDesc =>
  new SecBufferDesc([
    new SecBuffer(
      SECBUFFER_TOKEN,
      d.pBuffers[0].pvBuffer!.subarray(0, d.pBuffers[0].cbBuffer),
    ),
  ]);

/** One full handshake; returns the two contexts (caller deletes them). */
export function portableHandshake(
  creds: { client: CredHandle; server: CredHandle },
  target = "HTTP/web.example.com",
): { client: CtxtHandle; server: CtxtHandle } {
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  const a = { value: 0 };
  let c = tok();
  let s = tok();
  InitializeSecurityContext(
    creds.client,
    null,
    target,
    FLAGS,
    0,
    16,
    null,
    0,
    cx,
    c,
    a,
    null,
  );
  AcceptSecurityContext(creds.server, null, inTok(c), ASC, 16, sx, s, a, null);
  const c2 = tok();
  InitializeSecurityContext(
    creds.client,
    cx,
    target,
    FLAGS,
    0,
    16,
    inTok(s),
    0,
    cx,
    c2,
    a,
    null,
  );
  s = tok();
  const st = AcceptSecurityContext(
    creds.server,
    sx,
    inTok(c2),
    ASC,
    16,
    sx,
    s,
    a,
    null,
  );
  if (st !== SEC_E_OK) {
    throw new Error(`handshake failed: 0x${st.toString(16)}`);
  }
  c = c2;
  return { client: cx, server: sx };
}

/** A handshake that deletes its contexts (the benchmark body). */
export function portableHandshakeOnce(
  creds: { client: CredHandle; server: CredHandle },
): void {
  const h = portableHandshake(creds);
  DeleteSecurityContext(h.client);
  DeleteSecurityContext(h.server);
}

/**
 * Seals one message of `size` bytes on `client` and unseals it on `server` (the first
 * message of a context derives its session keys).
 */
export function sealOnce(
  client: CtxtHandle,
  server: CtxtHandle,
  size = 64,
): void {
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
    new SecBuffer(SECBUFFER_DATA, new Uint8Array(size)),
  ]);
  if (EncryptMessage(client, 0, msg, 0) !== SEC_E_OK) {
    throw new Error("EncryptMessage");
  }
  if (DecryptMessage(server, msg, 0, { value: 0 }) !== SEC_E_OK) {
    throw new Error("DecryptMessage");
  }
}

/**
 * A handshake, then one message of `size` bytes sealed by the client and unsealed by
 * the server, then the contexts deleted: what a context that seals pays in all (the
 * session keys are derived by the first message, not by the handshake).
 */
export function portableHandshakeAndSealOnce(
  creds: { client: CredHandle; server: CredHandle },
  size = 64,
): void {
  const h = portableHandshake(creds);
  try {
    sealOnce(h.client, h.server, size);
  } finally {
    DeleteSecurityContext(h.client);
    DeleteSecurityContext(h.server);
  }
}

/** Returns a function sealing `size` bytes on the client and unsealing on the server. */
export function portableSealRoundTrip(
  creds: { client: CredHandle; server: CredHandle },
  size: number,
): () => void {
  const h = portableHandshake(creds);
  const data = new Uint8Array(size);
  const sig = new Uint8Array(16);
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, sig),
    new SecBuffer(SECBUFFER_DATA, data),
  ]);
  const q = { value: 0 };
  return () => {
    if (EncryptMessage(h.client, 0, msg, 0) !== SEC_E_OK) {
      throw new Error("EncryptMessage");
    }
    if (DecryptMessage(h.server, msg, 0, q) !== SEC_E_OK) {
      throw new Error("DecryptMessage");
    }
  };
}
